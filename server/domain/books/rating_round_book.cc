#include "server/domain/books/rating_round_book.h"

#include <deque>
#include <iterator>
#include <utility>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "server/domain/store/key_prefixes.h"
#include "server/domain/values/award.h"
#include "server/domain/values/codec.h"
#include "server/domain/values/text.h"
#include "server/domain/values/village_time.h"

namespace points::domain {
namespace {

constexpr uint8_t kRoundFormatVersion = 1;
constexpr uint8_t kRoundRatingFormatVersion = 1;

std::string VillageKey(const char* prefix, VillageId village) {
  return absl::StrCat(prefix, BigEndian(village, 4));
}
std::string RoundKey(VillageId village, uint32_t round) {
  return absl::StrCat(VillageKey(keys::kRatingRound, village), BigEndian(round, 4));
}
std::string RatingsOf(VillageId village, uint32_t round) {
  return absl::StrCat(VillageKey(keys::kRatingRoundStars, village), BigEndian(round, 4));
}
std::string RatingKey(VillageId village, uint32_t round, uint64_t household) {
  return absl::StrCat(RatingsOf(village, round), BigEndian(household, 8));
}

std::string VillageTimeText(uint64_t ns) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S %Ez", absl::FromUnixNanos(static_cast<int64_t>(ns)),
                          absl::FixedTimeZone(kChinaStandardTimeSeconds));
}

std::string EncodeRound(const RatingRound& r) {
  const RoundRequest& q = r.request;
  RecordWriter w;
  w.Int(kRoundFormatVersion, 1).Int(q.village, 4).Int(q.round, 4);
  w.Int(static_cast<uint8_t>(q.subject), 1).Int(q.subject_number, 4).Text(q.title);
  w.Int(static_cast<uint8_t>(q.party_kind), 1).Int(q.party, 8).Int(q.closes_at_ns, 8);
  w.Text(q.opened_by).Int(r.opened_at_ns, 8).Text(r.resolved_by).Text(r.resolution);
  w.Int(r.resolved_at_ns, 8);
  return std::move(w).bytes();
}

absl::StatusOr<RatingRound> DecodeRound(const std::string& bytes) {
  RecordReader reader(bytes);
  if (reader.Int(1) != kRoundFormatVersion) return absl::DataLossError("round record: version");
  RatingRound r;
  RoundRequest& q = r.request;
  q.village = static_cast<VillageId>(reader.Int(4));
  q.round = static_cast<uint32_t>(reader.Int(4));
  const uint64_t subject = reader.Int(1);
  q.subject_number = static_cast<uint32_t>(reader.Int(4));
  q.title = reader.Text();
  const uint64_t party_kind = reader.Int(1);
  q.party = reader.Int(8);
  q.closes_at_ns = reader.Int(8);
  q.opened_by = reader.Text();
  r.opened_at_ns = reader.Int(8);
  r.resolved_by = reader.Text();
  r.resolution = reader.Text();
  r.resolved_at_ns = reader.Int(8);
  if (!reader.done_ok() || subject < 1 || subject > 3 || party_kind > 3) {
    return absl::DataLossError("round record: truncated, trailing or unknown bytes");
  }
  q.subject = static_cast<RoundSubject>(subject);
  q.party_kind = static_cast<PartyKind>(party_kind);
  return r;
}

std::string EncodeRoundRating(const RoundRating& r) {
  return std::move(RecordWriter()
                       .Int(kRoundRatingFormatVersion, 1)
                       .Int(r.village, 4)
                       .Int(r.round, 4)
                       .Int(r.household, 8)
                       .Int(r.stars, 1)
                       .Text(r.comment)
                       .Text(r.by)
                       .Int(r.rated_at_ns, 8))
      .bytes();
}

absl::StatusOr<RoundRating> DecodeRoundRating(const std::string& bytes) {
  RecordReader reader(bytes);
  if (reader.Int(1) != kRoundRatingFormatVersion) {
    return absl::DataLossError("round rating record: version");
  }
  RoundRating r;
  r.village = static_cast<VillageId>(reader.Int(4));
  r.round = static_cast<uint32_t>(reader.Int(4));
  r.household = reader.Int(8);
  r.stars = static_cast<uint32_t>(reader.Int(1));
  r.comment = reader.Text();
  r.by = reader.Text();
  r.rated_at_ns = reader.Int(8);
  if (!reader.done_ok() || r.stars < kStarsMin || r.stars > kStarsMax) {
    return absl::DataLossError("round rating record: truncated, trailing or unknown bytes");
  }
  return r;
}

absl::Status CheckRequest(const RoundRequest& q, uint64_t now) {
  if (absl::Status s = CheckVillage(q.village); !s.ok()) return s;
  if (q.round == 0 || q.round > kRoundNumberMax) {
    return absl::InvalidArgumentError(absl::StrCat("round: must be 1..", kRoundNumberMax));
  }
  if (q.subject < RoundSubject::kProject || q.subject > RoundSubject::kService) {
    return absl::InvalidArgumentError("subject: a project, a task or a service");
  }
  if (q.subject != RoundSubject::kService && q.subject_number == 0) {
    return absl::InvalidArgumentError("subject_number: name the project or task, not 0");
  }
  if (absl::Status s = CheckText("title", q.title, 1, kRoundTitleBytesMax); !s.ok()) return s;
  if (q.party_kind > PartyKind::kOrganisation ||
      (q.party_kind == PartyKind::kNone) != (q.party == 0)) {
    return absl::InvalidArgumentError("party: a household, shop or organisation with its number");
  }
  if (q.closes_at_ns <= now || q.closes_at_ns - now > kRoundWindowMaxNs) {
    return absl::InvalidArgumentError(absl::StrCat("closes_at: must be after now and within ",
                                                   kRoundWindowMaxNs / kNanosPerDay, " days"));
  }
  return CheckText("opened_by", q.opened_by, 1, kPersonBytesMax);
}

}  // namespace

absl::StatusOr<RatingRound> RatingRoundBook::Load(VillageId village, uint32_t round) const {
  absl::StatusOr<std::string> bytes = store_->Get(RoundKey(village, round));
  if (!bytes.ok()) {
    if (bytes.status().code() != absl::StatusCode::kNotFound) return bytes.status();
    return absl::NotFoundError(absl::StrCat("no rating round ", round, " in village ", village));
  }
  return DecodeRound(*bytes);
}

absl::Status RatingRoundBook::Count(RatingRound& round) const {
  uint64_t total = 0;
  round.ratings = 0;
  round.stars = {};
  absl::Status status = ScanRecords(*store_, RatingsOf(round.request.village, round.request.round),
                                    DecodeRoundRating, [&](RoundRating r) {
                                      ++round.ratings;
                                      ++round.stars[r.stars - 1];
                                      total += r.stars;
                                    });
  if (!status.ok()) return status;
  round.average_milli = AverageMilli(total, round.ratings);
  return absl::OkStatus();
}

absl::StatusOr<RatingRound> RatingRoundBook::OpenRound(const RoundRequest& request) {
  const uint64_t now = clock_->NowNanos();
  auto held = record_locks_.Lock(RoundKey(request.village, request.round));
  absl::StatusOr<RatingRound> existing = Load(request.village, request.round);
  if (existing.ok()) {
    if (existing->request != request) {
      return absl::AlreadyExistsError(
          absl::StrCat("rating round ", request.round, " is open already, for another matter"));
    }
    if (absl::Status s = Count(*existing); !s.ok()) return s;
    return existing;  // a resend
  }
  if (existing.status().code() != absl::StatusCode::kNotFound) return existing.status();
  if (absl::Status s = CheckRequest(request, now); !s.ok()) return s;
  if (check_) {
    if (absl::Status s = check_(request); !s.ok()) return s;
  }
  RatingRound round;
  round.request = request;
  round.opened_at_ns = now;
  if (absl::Status s = store_->Put(RoundKey(request.village, request.round), EncodeRound(round));
      !s.ok()) {
    return s;
  }
  return round;
}

absl::StatusOr<RoundRating> RatingRoundBook::Rate(const RoundRating& rating) {
  if (rating.household == 0) return absl::InvalidArgumentError("household: must not be zero");
  if (rating.stars < kStarsMin || rating.stars > kStarsMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("stars: must be ", kStarsMin, "..", kStarsMax, ", got ", rating.stars));
  }
  if (absl::Status s = CheckText("comment", rating.comment, 0, kRatingCommentBytesMax); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckText("by", rating.by, 1, kPersonBytesMax); !s.ok()) return s;
  const std::string key = RatingKey(rating.village, rating.round, rating.household);
  auto held = record_locks_.Lock(key);
  absl::StatusOr<RatingRound> round = Load(rating.village, rating.round);
  if (!round.ok()) return round.status();
  absl::StatusOr<std::string> bytes = store_->Get(key);
  if (bytes.ok()) {
    absl::StatusOr<RoundRating> existing = DecodeRoundRating(*bytes);
    if (!existing.ok()) return existing.status();
    if (existing->stars == rating.stars && existing->comment == rating.comment) return existing;
    return absl::AlreadyExistsError(absl::StrCat("already rated: household ", rating.household,
                                                 " gave round ", rating.round, " ", existing->stars,
                                                 " stars"));
  }
  if (bytes.status().code() != absl::StatusCode::kNotFound) return bytes.status();
  const uint64_t now = clock_->NowNanos();
  if (now < round->opened_at_ns || now >= round->request.closes_at_ns) {
    return absl::FailedPreconditionError(
        absl::StrCat("rating round ", rating.round, " closed at ",
                     VillageTimeText(round->request.closes_at_ns)));
  }
  absl::StatusOr<Household> household = households_->GetHousehold(rating.village, rating.household);
  if (!household.ok()) return household.status();  // NOT_FOUND: not of this village
  if (household->closed) {
    return absl::FailedPreconditionError(
        absl::StrCat("household ", rating.household, " is closed"));
  }
  RoundRating saved = rating;
  saved.rated_at_ns = now;
  if (absl::Status s = store_->Put(key, EncodeRoundRating(saved)); !s.ok()) return s;
  return saved;
}

absl::StatusOr<RatingRound> RatingRoundBook::Get(VillageId village, uint32_t round) const {
  absl::StatusOr<RatingRound> found = Load(village, round);
  if (!found.ok()) return found;
  if (absl::Status s = Count(*found); !s.ok()) return s;
  return found;
}

absl::StatusOr<std::vector<RoundRating>> RatingRoundBook::Ratings(VillageId village,
                                                                  uint32_t round) const {
  std::vector<RoundRating> ratings;
  absl::Status status = ScanRecords(*store_, RatingsOf(village, round), DecodeRoundRating,
                                    [&](RoundRating r) { ratings.push_back(std::move(r)); });
  if (!status.ok()) return status;
  return ratings;
}

absl::StatusOr<std::vector<RatingRound>> RatingRoundBook::List(VillageId village,
                                                               bool* truncated) const {
  std::deque<RatingRound> latest;
  bool more = false;
  absl::Status status = ScanRecords(*store_, VillageKey(keys::kRatingRound, village), DecodeRound,
                                    [&](RatingRound r) {
                                      latest.push_back(std::move(r));
                                      if (latest.size() > kRoundsListMax) {
                                        latest.pop_front();
                                        more = true;
                                      }
                                    });
  if (!status.ok()) return status;
  for (RatingRound& r : latest) {
    if (absl::Status s = Count(r); !s.ok()) return s;
  }
  if (truncated != nullptr) *truncated = more;
  return std::vector<RatingRound>(std::make_move_iterator(latest.begin()),
                                  std::make_move_iterator(latest.end()));
}

absl::StatusOr<std::vector<FollowUp>> RatingRoundBook::FollowUps(VillageId village) const {
  std::vector<FollowUp> work;
  absl::Status status = ScanRecords(*store_, VillageKey(keys::kRatingRound, village), DecodeRound,
                                    [&](RatingRound r) {
                                      work.push_back({std::move(r), {}});
                                    });
  if (!status.ok()) return status;
  std::vector<FollowUp> open;
  for (FollowUp& f : work) {
    if (absl::Status s = Count(f.round); !s.ok()) return s;
    if (!NeedsFollowUp(f.round)) continue;
    absl::StatusOr<std::vector<RoundRating>> ratings = Ratings(village, f.round.request.round);
    if (!ratings.ok()) return ratings.status();
    for (RoundRating& r : *ratings) {
      if (r.stars <= 2) f.low.push_back(std::move(r));
    }
    open.push_back(std::move(f));
  }
  return open;
}

absl::StatusOr<RatingRound> RatingRoundBook::Resolve(VillageId village, uint32_t round,
                                                     const std::string& note,
                                                     const std::string& by) {
  if (absl::Status s = CheckText("resolution", note, 1, kFollowUpNoteBytesMax); !s.ok()) return s;
  if (absl::Status s = CheckText("by", by, 1, kPersonBytesMax); !s.ok()) return s;
  auto held = record_locks_.Lock(RoundKey(village, round));
  absl::StatusOr<RatingRound> found = Load(village, round);
  if (!found.ok()) return found;
  if (absl::Status s = Count(*found); !s.ok()) return s;
  if (found->resolved_by == by && found->resolution == note) return found;  // a resend
  if (!NeedsFollowUp(*found)) {
    return absl::FailedPreconditionError(
        absl::StrCat("rating round ", round, " is not on the follow-up list"));
  }
  found->resolved_by = by;
  found->resolution = note;
  found->resolved_at_ns = clock_->NowNanos();
  if (absl::Status s = store_->Put(RoundKey(village, round), EncodeRound(*found)); !s.ok()) {
    return s;
  }
  return found;
}

}  // namespace points::domain
