#include "server/gate/request_limits.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "points/v1/limits.pb.h"

namespace points::server {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

struct Plan;

// One field of a message that carries a limit, or leads to a message that does.
struct FieldPlan {
  const FieldDescriptor* field = nullptr;
  uint32_t max_bytes = 0;       // string or bytes: per element when repeated
  uint32_t max_items = 0;       // repeated
  const Plan* child = nullptr;  // message fields
};

struct Plan {
  std::vector<FieldPlan> fields;
};

bool IsText(const FieldDescriptor& f) {
  return f.type() == FieldDescriptor::TYPE_STRING || f.type() == FieldDescriptor::TYPE_BYTES;
}

// The checks of each message type, built once per type on first use and never changed after, so
// a walk follows plain pointers and takes no lock below the request's own type.
class Plans {
 public:
  const Plan& For(const Descriptor& type) {
    {
      absl::ReaderMutexLock lock(&mu_);
      if (auto it = plans_.find(&type); it != plans_.end()) return *it->second;
    }
    absl::MutexLock lock(&mu_);
    return Build(type);
  }

 private:
  const Plan& Build(const Descriptor& type) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (auto it = plans_.find(&type); it != plans_.end()) return *it->second;
    Plan& plan = *plans_.emplace(&type, std::make_unique<Plan>()).first->second;
    for (int i = 0; i < type.field_count(); ++i) {
      const FieldDescriptor& f = *type.field(i);
      FieldPlan fp{&f, MaxBytes(f), MaxItems(f), nullptr};
      if (f.type() == FieldDescriptor::TYPE_MESSAGE) {
        const Plan& child = Build(*f.message_type());
        if (!child.fields.empty()) fp.child = &child;
      }
      if (fp.max_bytes != 0 || fp.max_items != 0 || fp.child != nullptr) plan.fields.push_back(fp);
    }
    return plan;
  }

  absl::Mutex mu_;
  absl::flat_hash_map<const Descriptor*, std::unique_ptr<Plan>> plans_ ABSL_GUARDED_BY(mu_);
};

Plans& AllPlans() {
  static Plans* const plans = new Plans();  // never destroyed: calls may run during exit
  return *plans;
}

// What is over its limit, with the path built while the walk unwinds.
struct Violation {
  std::string path;
  std::string what;  // e.g. "1047552 bytes, at most 1000"
};

std::optional<Violation> Walk(const Message& message, const Plan& plan);

std::optional<Violation> Over(size_t size, uint32_t max, const char* unit) {
  if (max == 0 || size <= max) return std::nullopt;
  return Violation{"", absl::StrCat(size, " ", unit, ", at most ", max)};
}

std::optional<Violation> Prefixed(std::optional<Violation> v, const FieldDescriptor& f, int index) {
  if (!v) return v;
  std::string prefix = index < 0 ? f.name() : absl::StrCat(f.name(), "[", index, "]");
  v->path = v->path.empty() ? prefix : absl::StrCat(prefix, ".", v->path);
  return v;
}

std::optional<Violation> WalkRepeated(const Message& message, const FieldPlan& fp) {
  const Reflection& r = *message.GetReflection();
  const FieldDescriptor& f = *fp.field;
  const int size = r.FieldSize(message, &f);
  if (auto v = Over(size, fp.max_items, "items")) return Prefixed(std::move(v), f, -1);
  std::string scratch;
  for (int i = 0; i < size; ++i) {
    std::optional<Violation> v;
    if (IsText(f)) {
      v = Over(r.GetRepeatedStringReference(message, &f, i, &scratch).size(), fp.max_bytes,
               "bytes");
    } else if (fp.child != nullptr) {
      v = Walk(r.GetRepeatedMessage(message, &f, i), *fp.child);
    }
    if (v) return Prefixed(std::move(v), f, i);
  }
  return std::nullopt;
}

std::optional<Violation> Walk(const Message& message, const Plan& plan) {
  const Reflection& r = *message.GetReflection();
  std::string scratch;
  for (const FieldPlan& fp : plan.fields) {
    const FieldDescriptor& f = *fp.field;
    std::optional<Violation> v;
    if (f.is_repeated()) {
      v = WalkRepeated(message, fp);
      if (v) return v;  // already prefixed with its index
      continue;
    }
    if (IsText(f)) {
      v = Over(r.GetStringReference(message, &f, &scratch).size(), fp.max_bytes, "bytes");
    } else if (fp.child != nullptr && r.HasField(message, &f)) {
      v = Walk(r.GetMessage(message, &f), *fp.child);
    }
    if (v) return Prefixed(std::move(v), f, -1);
  }
  return std::nullopt;
}

bool FindPath(const Descriptor& type, const std::string& target, std::vector<std::string>* path,
              absl::flat_hash_set<const Descriptor*>* seen) {
  if (!seen->insert(&type).second) return false;
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor& f = *type.field(i);
    const std::string step = f.is_repeated() ? absl::StrCat(f.name(), "[]") : f.name();
    if (f.full_name() == target) {
      path->push_back(step);
      return true;
    }
    if (f.type() != FieldDescriptor::TYPE_MESSAGE) continue;
    path->push_back(step);
    if (FindPath(*f.message_type(), target, path, seen)) return true;
    path->pop_back();
  }
  return false;
}

}  // namespace

uint32_t MaxBytes(const FieldDescriptor& field) {
  return field.options().GetExtension(v1::max_bytes);
}

uint32_t MaxItems(const FieldDescriptor& field) {
  return field.options().GetExtension(v1::max_items);
}

absl::Status CheckRequestLimits(const Message& request) {
  const Plan& plan = AllPlans().For(*request.GetDescriptor());
  if (plan.fields.empty()) return absl::OkStatus();
  std::optional<Violation> v = Walk(request, plan);
  if (!v) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(v->path, ": ", v->what, " (proto/points/v1/limits.proto)"));
}

std::string FieldPath(const Descriptor& root, const std::string& field_full_name) {
  std::vector<std::string> path;
  absl::flat_hash_set<const Descriptor*> seen;
  if (!FindPath(root, field_full_name, &path, &seen)) return "";
  std::string joined;
  for (const std::string& step : path) absl::StrAppend(&joined, joined.empty() ? "" : ".", step);
  return joined;
}

}  // namespace points::server
