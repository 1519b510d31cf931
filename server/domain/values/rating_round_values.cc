#include "server/domain/values/rating_round_values.h"

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"

namespace points::domain {

const char* RoundSubjectName(RoundSubject subject) {
  switch (subject) {
    case RoundSubject::kProject:
      return "project";
    case RoundSubject::kTask:
      return "task";
    case RoundSubject::kService:
      return "service";
  }
  return "?";
}

const char* PartyKindName(PartyKind kind) {
  switch (kind) {
    case PartyKind::kNone:
      return "none";
    case PartyKind::kHousehold:
      return "household";
    case PartyKind::kShop:
      return "shop";
    case PartyKind::kOrganisation:
      return "organisation";
  }
  return "?";
}

uint64_t AverageMilli(uint64_t stars_total, uint64_t count) {
  if (count == 0) return 0;
  const absl::uint128 milli =
      (absl::uint128(stars_total) * kMilliPerStar + count / 2) / absl::uint128(count);
  return absl::Uint128Low64(milli);
}

std::string RoundCode(VillageId village, uint32_t round) {
  return absl::StrCat("PR1:", village, ":", round);
}

bool NeedsFollowUp(const RatingRound& round) {
  return round.ratings > 0 && round.average_milli < kFollowUpBelowMilli &&
         round.resolved_by.empty();
}

}  // namespace points::domain
