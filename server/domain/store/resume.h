// Work a crash left between a saved intent and its outcome (an award approving, a basket
// submitting, a claim claiming, ...). A book's Open only decodes and indexes it; Resume sends it
// on, with the same ids, once every book is open (pointsd does, before it serves); `pointsd
// verify` only counts it. What Resume could not finish stays interrupted in the store, for a
// client's resend or the next start.
#ifndef POINTS_SERVER_DOMAIN_STORE_RESUME_H_
#define POINTS_SERVER_DOMAIN_STORE_RESUME_H_

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "points/types.h"

namespace points::domain {

// The most failures a ResumeReport keeps with their reasons; beyond them only `failed` grows.
inline constexpr size_t kResumeErrorsKeptMax = 64;

struct ResumeError {
  std::string item;  // what it was, e.g. "award 1/42"
  absl::Status status;
};

struct ResumeReport {
  uint64_t resumed = 0;  // sent on, whatever the ledger answered (on notice, refused, ...)
  uint64_t failed = 0;   // still interrupted
  std::vector<ResumeError> errors;  // the first kResumeErrorsKeptMax of the failures

  void Fail(std::string item, absl::Status status) {
    ++failed;
    if (errors.size() < kResumeErrorsKeptMax) {
      errors.push_back({std::move(item), std::move(status)});
    }
  }
};

// An id in decimal, for ItemName.
inline std::string IdString(Id id) {
  std::ostringstream text;
  text << id;
  return text.str();
}

// "award 1/42": a kind, the village and the record's id, for a ResumeError.
inline std::string ItemName(absl::string_view kind, uint32_t village, Id id) {
  return absl::StrCat(kind, " ", village, "/", IdString(id));
}

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_STORE_RESUME_H_
