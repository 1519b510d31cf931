#include "server/domain/books/rating_book.h"

#include <map>
#include <utility>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "server/domain/store/key_prefixes.h"
#include "server/domain/values/codec.h"
#include "server/domain/values/number_range.h"
#include "server/domain/values/text.h"

namespace points::domain {
namespace {

constexpr uint8_t kRatingFormatVersion = 1;

std::string KindPrefix(VillageId village, RatingSubject kind) {
  return absl::StrCat(keys::kRating, BigEndian(village, 4),
                      BigEndian(static_cast<uint8_t>(kind), 1));
}

std::string SubjectPrefix(VillageId village, RatingSubject kind, Id subject) {
  return absl::StrCat(KindPrefix(village, kind), BigEndian(absl::Uint128High64(subject), 8),
                      BigEndian(absl::Uint128Low64(subject), 8));
}

std::string RatingKey(VillageId village, uint64_t household, RatingSubject kind, Id subject) {
  return absl::StrCat(SubjectPrefix(village, kind, subject), BigEndian(household, 8));
}

absl::Status CheckRequest(const RatingRequest& r) {
  if (absl::Status s = CheckVillage(r.village); !s.ok()) return s;
  if (absl::Status s = CheckNumber(r.household, {1, UINT64_MAX}, "household"); !s.ok()) return s;
  if (r.kind != RatingSubject::kBasket && r.kind != RatingSubject::kTask) {
    return absl::InvalidArgumentError("kind: a basket or a task");
  }
  if (r.subject == 0) return absl::InvalidArgumentError("subject: must not be zero");
  if (r.kind == RatingSubject::kTask && r.subject > UINT32_MAX) {
    return absl::InvalidArgumentError("subject: a task number is 1..4294967295");
  }
  if (r.stars < kStarsMin || r.stars > kStarsMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("stars: must be ", kStarsMin, "..", kStarsMax, ", got ", r.stars));
  }
  if (r.comment.size() > kRatingCommentBytesMax) {
    return absl::InvalidArgumentError(absl::StrCat(
        "comment: ", r.comment.size(), " bytes, the limit is ", kRatingCommentBytesMax));
  }
  if (!IsUtf8(r.comment)) return absl::InvalidArgumentError("comment: must be UTF-8 text");
  return absl::OkStatus();
}

}  // namespace

std::string EncodeRating(const Rating& rating) {
  const RatingRequest& r = rating.request;
  RecordWriter w;
  w.Int(kRatingFormatVersion, 1).Int(r.village, 4).Int(r.household, 8);
  w.Int(static_cast<uint8_t>(r.kind), 1).Id128(r.subject).Int(r.stars, 1).Text(r.comment);
  w.Int(rating.shop, 4).Int(rating.rated_at_ns, 8);
  return std::move(w).bytes();
}

absl::StatusOr<Rating> DecodeRating(const std::string& bytes) {
  RecordReader reader(bytes);
  if (reader.Int(1) != kRatingFormatVersion) {
    return absl::DataLossError("rating record: unknown version");
  }
  Rating rating;
  RatingRequest& r = rating.request;
  r.village = static_cast<VillageId>(reader.Int(4));
  r.household = reader.Int(8);
  const uint64_t kind = reader.Int(1);
  if (kind != 1 && kind != 2) return absl::DataLossError("rating record: unknown subject kind");
  r.kind = static_cast<RatingSubject>(kind);
  r.subject = reader.Id128();
  r.stars = static_cast<uint32_t>(reader.Int(1));
  r.comment = reader.Text();
  rating.shop = static_cast<uint32_t>(reader.Int(4));
  rating.rated_at_ns = reader.Int(8);
  if (!reader.done_ok()) return absl::DataLossError("rating record: truncated or trailing bytes");
  return rating;
}

absl::Status RatingBook::CheckSubject(const RatingRequest& r, uint32_t* shop) const {
  *shop = 0;
  if (r.kind == RatingSubject::kTask) {
    if (!task_checker_) {
      return absl::FailedPreconditionError("tasks cannot be rated: no task book is attached");
    }
    return task_checker_(r.village, static_cast<uint32_t>(r.subject), r.household);
  }
  absl::StatusOr<Basket> basket = shops_->GetBasket(r.village, r.subject);
  if (!basket.ok()) return basket.status();  // NOT_FOUND: "no such basket in this village"
  if (basket->spec.household != r.household) {
    return absl::PermissionDeniedError("only the household that redeemed the basket may rate it");
  }
  switch (basket->state) {
    case BasketState::kRedeemed:
    case BasketState::kReturning:
    case BasketState::kReturned:
      break;
    case BasketState::kSubmitting:
    case BasketState::kRefused:
      return absl::FailedPreconditionError(absl::StrCat("the basket is ",
                                                        BasketStateName(basket->state),
                                                        ": only a redeemed basket may be rated"));
  }
  *shop = basket->spec.shop;
  return absl::OkStatus();
}

absl::StatusOr<Rating> RatingBook::Rate(const RatingRequest& request) {
  if (absl::Status s = CheckRequest(request); !s.ok()) return s;
  const std::string key =
      RatingKey(request.village, request.household, request.kind, request.subject);
  auto held = rating_locks_.Lock(key);
  absl::StatusOr<std::string> bytes = store_->Get(key);
  if (bytes.ok()) {
    absl::StatusOr<Rating> existing = DecodeRating(*bytes);
    if (!existing.ok()) return existing.status();
    if (existing->request == request) return existing;  // a resend after a lost answer
    return absl::AlreadyExistsError(absl::StrCat("already rated: this household gave this ",
                                                 RatingSubjectName(request.kind), " ",
                                                 existing->request.stars, " stars"));
  }
  if (bytes.status().code() != absl::StatusCode::kNotFound) return bytes.status();
  Rating rating;
  rating.request = request;
  if (absl::Status s = CheckSubject(request, &rating.shop); !s.ok()) return s;
  rating.rated_at_ns = clock_->NowNanos();
  if (absl::Status s = store_->Put(key, EncodeRating(rating)); !s.ok()) return s;
  return rating;
}

absl::StatusOr<Rating> RatingBook::Get(VillageId village, uint64_t household, RatingSubject kind,
                                       Id subject) const {
  absl::StatusOr<std::string> bytes = store_->Get(RatingKey(village, household, kind, subject));
  if (!bytes.ok()) {
    if (bytes.status().code() != absl::StatusCode::kNotFound) return bytes.status();
    return absl::NotFoundError(
        absl::StrCat("household ", household, " has not rated this ", RatingSubjectName(kind)));
  }
  return DecodeRating(*bytes);
}

absl::StatusOr<std::vector<Rating>> RatingBook::ListFor(VillageId village, RatingSubject kind,
                                                        Id subject) const {
  std::vector<Rating> found;
  absl::Status status = ScanRecords(*store_, SubjectPrefix(village, kind, subject), DecodeRating,
                                    [&](Rating r) { found.push_back(std::move(r)); });
  if (!status.ok()) return status;
  return found;
}

absl::StatusOr<std::vector<RatingAverage>> RatingBook::Averages(VillageId village,
                                                                RatingSubject kind) const {
  // Per shop or task: (count, Σ stars). Stars are at most 5, so Σ stars <= 5 x count: 64 bits
  // hold any count the store can hold.
  std::map<uint32_t, std::pair<uint64_t, uint64_t>> sums;
  absl::Status status =
      ScanRecords(*store_, KindPrefix(village, kind), DecodeRating, [&](Rating r) {
        const uint32_t subject =
            kind == RatingSubject::kBasket ? r.shop : static_cast<uint32_t>(r.request.subject);
        auto& [count, stars] = sums[subject];
        ++count;
        stars += r.request.stars;
      });
  if (!status.ok()) return status;
  std::vector<RatingAverage> averages;
  for (const auto& [subject, sum] : sums) {
    const auto& [count, stars] = sum;
    // Rounded half up: (Σ x 1000 + count / 2) / count, in 128 bits so the product cannot wrap.
    const absl::uint128 milli =
        (absl::uint128(stars) * kMilliPerStar + count / 2) / absl::uint128(count);
    averages.push_back({subject, count, absl::Uint128Low64(milli)});
  }
  return averages;
}

absl::StatusOr<std::vector<RatingAverage>> RatingBook::ShopAverages(VillageId village) const {
  return Averages(village, RatingSubject::kBasket);
}

absl::StatusOr<std::vector<RatingAverage>> RatingBook::TaskAverages(VillageId village) const {
  return Averages(village, RatingSubject::kTask);
}

}  // namespace points::domain
