#include "server/domain/books/rule_book.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/domain/store/key_prefixes.h"
#include "server/domain/values/codec.h"
#include "server/domain/values/number_range.h"

namespace points::domain {
namespace {

constexpr uint8_t kRuleFormatVersion = 1;

std::string RulePrefix(VillageId village, uint32_t rule) {
  // "r/" is taken by the shop book (terms).
  std::string prefix = absl::StrCat(keys::kRule, BigEndian(village, 4));
  if (rule != 0) prefix += BigEndian(rule, 4);
  return prefix;
}

std::string RuleKey(VillageId village, uint32_t rule, uint32_t version) {
  return absl::StrCat(RulePrefix(village, rule), BigEndian(version, 4));
}

std::string EncodeRule(const CatalogueRule& c) {
  RecordWriter w;
  w.Int(kRuleFormatVersion, 1).Int(c.village, 4);
  WriteRuleVersion(w, c.rule);
  w.Text(c.name).Int(c.effective_from_ns, 8);
  w.Int(c.retired ? 1 : 0, 1).Text(c.changed_by).Int(c.changed_at_ns, 8);
  return std::move(w).bytes();
}

absl::StatusOr<CatalogueRule> DecodeRule(const std::string& bytes) {
  RecordReader r(bytes);
  if (r.Int(1) != kRuleFormatVersion) return absl::DataLossError("rule record: unknown version");
  CatalogueRule c;
  c.village = static_cast<VillageId>(r.Int(4));
  c.rule = ReadRuleVersion(r);
  c.name = r.Text();
  c.effective_from_ns = r.Int(8);
  c.retired = r.Int(1) == 1;
  c.changed_by = r.Text();
  c.changed_at_ns = r.Int(8);
  if (!r.done_ok()) return absl::DataLossError("rule record: truncated or trailing bytes");
  return c;
}

absl::Status CheckDefinition(const CatalogueRule& c) {
  if (absl::Status s = CheckVillage(c.village); !s.ok()) return s;
  if (absl::Status s = CheckNumber(c.rule.rule, {1, kRuleNumberMax}, "rule"); !s.ok()) return s;
  if (absl::Status s = CheckRuleScoring(c.rule, "rule"); !s.ok()) return s;
  if (c.name.empty() || c.name.size() > kRuleNameBytesMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("name: 1..", kRuleNameBytesMax, " bytes of UTF-8, got ", c.name.size()));
  }
  if (c.changed_by.empty() || c.changed_by.size() > kPersonBytesMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("changed_by: must name a person in 1..", kPersonBytesMax, " bytes"));
  }
  return absl::OkStatus();
}

// What a version says, leaving out who wrote it when: two puts of the same content are one.
bool SameContent(const CatalogueRule& a, const CatalogueRule& b) {
  RuleVersion ra = a.rule, rb = b.rule;
  ra.version = rb.version = 0;
  return ra == rb && a.name == b.name && a.effective_from_ns == b.effective_from_ns &&
         a.retired == b.retired;
}

}  // namespace

absl::StatusOr<std::vector<CatalogueRule>> RuleBook::Versions(VillageId village,
                                                              uint32_t rule) const {
  std::vector<CatalogueRule> versions;
  absl::Status status = ScanRecords(*store_, RulePrefix(village, rule), DecodeRule,
                                    [&](CatalogueRule r) { versions.push_back(std::move(r)); });
  if (!status.ok()) return status;
  return versions;
}

absl::StatusOr<CatalogueRule> RuleBook::PutRule(const CatalogueRule& definition,
                                                uint32_t replaces_version) {
  if (absl::Status s = CheckDefinition(definition); !s.ok()) return s;
  CatalogueRule next = definition;
  const uint64_t now_ns = clock_->NowNanos();
  if (next.effective_from_ns == 0) next.effective_from_ns = now_ns;
  auto held = rule_locks_.Lock({definition.village, definition.rule.rule});
  absl::StatusOr<std::vector<CatalogueRule>> versions =
      Versions(definition.village, definition.rule.rule);
  if (!versions.ok()) return versions.status();
  if (replaces_version != 0) {
    for (const CatalogueRule& v : *versions) {
      CatalogueRule dated = definition;
      if (dated.effective_from_ns == 0) dated.effective_from_ns = v.effective_from_ns;
      if (v.rule.version > replaces_version && SameContent(dated, v)) return v;  // a resend
    }
    if (versions->empty() || versions->back().rule.version != replaces_version) {
      return absl::FailedPreconditionError(absl::StrCat(
          "rule ", definition.rule.rule, " is at version ",
          versions->empty() ? 0 : versions->back().rule.version, ", not ", replaces_version,
          ": someone changed it meanwhile; read it again (rules list)"));
    }
  }
  if (!versions->empty()) {
    const CatalogueRule& latest = versions->back();
    // A resend, or a put that changes nothing, is the latest version ("from now" matches any
    // date: the content already is in effect or will be).
    CatalogueRule dated = definition;
    if (dated.effective_from_ns == 0) dated.effective_from_ns = latest.effective_from_ns;
    if (SameContent(dated, latest)) return latest;
    if (next.effective_from_ns < latest.effective_from_ns) {
      return absl::FailedPreconditionError(absl::StrCat(
          "rule ", definition.rule.rule, ": version ", latest.rule.version,
          " takes effect later than this change would; versions take effect in order"));
    }
    if (latest.rule.version >= kRuleVersionsMax) {
      return absl::FailedPreconditionError(
          absl::StrCat("rule ", definition.rule.rule, " has ", kRuleVersionsMax,
                       " versions, the limit: give the rule a new number"));
    }
  }
  next.rule.version = versions->empty() ? 1 : versions->back().rule.version + 1;
  next.changed_at_ns = now_ns;
  if (absl::Status s =
          store_->Put(RuleKey(next.village, next.rule.rule, next.rule.version), EncodeRule(next));
      !s.ok()) {
    return s;
  }
  return next;
}

absl::StatusOr<CatalogueRule> RuleBook::Get(VillageId village, uint32_t rule,
                                            uint32_t version) const {
  absl::StatusOr<std::string> bytes = store_->Get(RuleKey(village, rule, version));
  if (!bytes.ok()) {
    if (bytes.status().code() == absl::StatusCode::kNotFound) {
      return absl::NotFoundError(absl::StrCat("rule ", rule, " version ", version,
                                              " is not in village ", village, "'s catalogue"));
    }
    return bytes.status();
  }
  return DecodeRule(*bytes);
}

absl::StatusOr<CatalogueRule> RuleBook::Resolve(VillageId village, uint32_t rule, uint32_t version,
                                                uint64_t at_ns) const {
  if (rule == 0) return absl::InvalidArgumentError("rule: must not be zero");
  absl::StatusOr<std::vector<CatalogueRule>> versions = Versions(village, rule);
  if (!versions.ok()) return versions.status();
  const CatalogueRule* in_effect = nullptr;
  for (const CatalogueRule& v : *versions) {
    if (v.effective_from_ns <= at_ns) in_effect = &v;
  }
  if (versions->empty()) {
    return absl::NotFoundError(
        absl::StrCat("rule ", rule, " is not in village ", village, "'s catalogue"));
  }
  if (in_effect == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("rule ", rule, " is not in effect yet (version ",
                     versions->front().rule.version, " takes effect later)"));
  }
  if (in_effect->retired) {
    return absl::FailedPreconditionError(
        absl::StrCat("rule ", rule, " (", in_effect->name, ") is retired"));
  }
  if (version != 0 && version != in_effect->rule.version) {
    for (const CatalogueRule& v : *versions) {
      if (v.rule.version == version) {
        return absl::FailedPreconditionError(absl::StrCat("rule ", rule, " version ", version,
                                                          " is not in effect; version ",
                                                          in_effect->rule.version, " is"));
      }
    }
    return absl::NotFoundError(absl::StrCat("rule ", rule, " has no version ", version));
  }
  return *in_effect;
}

absl::StatusOr<std::vector<CatalogueRule>> RuleBook::List(VillageId village, uint32_t rule) const {
  return Versions(village, rule);
}

}  // namespace points::domain
