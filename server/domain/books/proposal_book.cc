#include "server/domain/books/proposal_book.h"

#include <algorithm>
#include <deque>
#include <iterator>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "points/results.h"
#include "server/domain/books/fund_book.h"
#include "server/domain/store/fault_point.h"
#include "server/domain/store/key_prefixes.h"
#include "server/domain/store/workflow.h"
#include "server/domain/values/award.h"
#include "server/domain/values/codec.h"
#include "server/domain/values/ledger_layout.h"
#include "server/domain/values/text.h"
#include "server/domain/values/village_time.h"

namespace points::domain {
namespace {

using TR = CreateTransferResult;

constexpr uint8_t kProposalFormatVersion = 1;
constexpr uint8_t kVoteFormatVersion = 1;
constexpr uint8_t kRemarkFormatVersion = 1;

std::string VillageKey(const char* prefix, VillageId village) {
  return absl::StrCat(prefix, BigEndian(village, 4));
}
std::string ProposalKey(VillageId village, uint32_t number) {
  return absl::StrCat(VillageKey(keys::kProposal, village), BigEndian(number, 4));
}
std::string IdKey(VillageId village, Id proposal) {
  return absl::StrCat(VillageKey(keys::kProposalId, village),
                      BigEndian(absl::Uint128High64(proposal), 8),
                      BigEndian(absl::Uint128Low64(proposal), 8));
}
std::string VotesOf(VillageId village, uint32_t number) {
  return absl::StrCat(VillageKey(keys::kProposalVote, village), BigEndian(number, 4));
}
std::string VoteKey(VillageId village, uint32_t number, uint64_t household) {
  return absl::StrCat(VotesOf(village, number), BigEndian(household, 8));
}
std::string RemarksOf(VillageId village, uint32_t number) {
  return absl::StrCat(VillageKey(keys::kProposalRemark, village), BigEndian(number, 4));
}
std::string RemarkKey(VillageId village, uint32_t number, Id remark) {
  return absl::StrCat(RemarksOf(village, number), BigEndian(absl::Uint128High64(remark), 8),
                      BigEndian(absl::Uint128Low64(remark), 8));
}

// A time as the village reads it, for messages: 2026-12-05 18:00 (China Standard Time).
std::string VillageTimeText(uint64_t ns) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S %Ez", absl::FromUnixNanos(static_cast<int64_t>(ns)),
                          absl::FixedTimeZone(kChinaStandardTimeSeconds));
}

absl::Status CheckBy(const std::string& by) { return CheckText("by", by, 1, kPersonBytesMax); }

void WriteProposalTail(const Proposal& p, RecordWriter& w) {
  w.Int(p.spend_attempt, 4).Int(static_cast<uint8_t>(p.before_approving), 1).Text(p.refusal);
  w.Text(p.completed_by).Int(p.completed_at_ns, 8).Text(p.payout_approved_by);
  w.Int(p.notice_ends_at_ns, 8).Text(p.objected_by).Text(p.objection).Text(p.payout_decided_by);
  w.Int(p.paid_at_ns, 8).Text(p.cancelled_by).Text(p.cancel_reason);
}

std::string EncodeProposal(const Proposal& p) {
  const ProposalRequest& q = p.request;
  RecordWriter w;
  w.Int(kProposalFormatVersion, 1).Int(q.village, 4).Id128(q.proposal).Int(q.household, 8);
  w.Text(q.title).Text(q.description).Int(q.cost_fen, 8).Text(q.proposed_by);
  w.Int(p.number, 4).Int(static_cast<uint8_t>(p.state), 1).Int(p.proposed_at_ns, 8);
  w.Text(p.reviewed_by).Text(p.review_reason).Int(p.vote_ends_at_ns, 8);
  w.Int(static_cast<uint8_t>(p.decision), 1).Text(p.decision_reason).Text(p.decided_by);
  w.Int(p.decided_at_ns, 8);
  WriteProposalTail(p, w);
  return std::move(w).bytes();
}

void ReadProposalTail(RecordReader& r, Proposal& p, uint64_t* before) {
  p.spend_attempt = static_cast<uint32_t>(r.Int(4));
  *before = r.Int(1);
  p.refusal = r.Text();
  p.completed_by = r.Text();
  p.completed_at_ns = r.Int(8);
  p.payout_approved_by = r.Text();
  p.notice_ends_at_ns = r.Int(8);
  p.objected_by = r.Text();
  p.objection = r.Text();
  p.payout_decided_by = r.Text();
  p.paid_at_ns = r.Int(8);
  p.cancelled_by = r.Text();
  p.cancel_reason = r.Text();
}

absl::StatusOr<Proposal> DecodeProposal(const std::string& bytes) {
  RecordReader r(bytes);
  if (r.Int(1) != kProposalFormatVersion) return absl::DataLossError("proposal record: version");
  Proposal p;
  ProposalRequest& q = p.request;
  q.village = static_cast<VillageId>(r.Int(4));
  q.proposal = r.Id128();
  q.household = r.Int(8);
  q.title = r.Text();
  q.description = r.Text();
  q.cost_fen = r.Int(8);
  q.proposed_by = r.Text();
  p.number = static_cast<uint32_t>(r.Int(4));
  const uint64_t state = r.Int(1);
  p.proposed_at_ns = r.Int(8);
  p.reviewed_by = r.Text();
  p.review_reason = r.Text();
  p.vote_ends_at_ns = r.Int(8);
  const uint64_t decision = r.Int(1);
  p.decision_reason = r.Text();
  p.decided_by = r.Text();
  p.decided_at_ns = r.Int(8);
  uint64_t before = 0;
  ReadProposalTail(r, p, &before);
  if (!r.done_ok()) return absl::DataLossError("proposal record: truncated or trailing bytes");
  if (state < 1 || state > 14 || before < 1 || before > 14 || decision > 3) {
    return absl::DataLossError("proposal record: unknown state or decision");
  }
  p.state = static_cast<ProposalState>(state);
  p.before_approving = static_cast<ProposalState>(before);
  p.decision = static_cast<Decision>(decision);
  return p;
}

std::string EncodeVote(const Vote& v) {
  return std::move(RecordWriter()
                       .Int(kVoteFormatVersion, 1)
                       .Int(v.village, 4)
                       .Int(v.proposal, 4)
                       .Int(v.household, 8)
                       .Int(static_cast<uint8_t>(v.choice), 1)
                       .Text(v.by)
                       .Text(v.proxy_name)
                       .Int(v.cast_at_ns, 8))
      .bytes();
}

absl::StatusOr<Vote> DecodeVote(const std::string& bytes) {
  RecordReader r(bytes);
  if (r.Int(1) != kVoteFormatVersion) return absl::DataLossError("vote record: version");
  Vote v;
  v.village = static_cast<VillageId>(r.Int(4));
  v.proposal = static_cast<uint32_t>(r.Int(4));
  v.household = r.Int(8);
  const uint64_t choice = r.Int(1);
  v.by = r.Text();
  v.proxy_name = r.Text();
  v.cast_at_ns = r.Int(8);
  if (!r.done_ok() || choice < 1 || choice > 3) return absl::DataLossError("vote record: bytes");
  v.choice = static_cast<VoteChoice>(choice);
  return v;
}

std::string EncodeRemark(const Remark& m) {
  return std::move(RecordWriter()
                       .Int(kRemarkFormatVersion, 1)
                       .Int(m.village, 4)
                       .Int(m.proposal, 4)
                       .Id128(m.remark)
                       .Int(m.household, 8)
                       .Text(m.text)
                       .Text(m.by)
                       .Int(m.at_ns, 8))
      .bytes();
}

absl::StatusOr<Remark> DecodeRemark(const std::string& bytes) {
  RecordReader r(bytes);
  if (r.Int(1) != kRemarkFormatVersion) return absl::DataLossError("remark record: version");
  Remark m;
  m.village = static_cast<VillageId>(r.Int(4));
  m.proposal = static_cast<uint32_t>(r.Int(4));
  m.remark = r.Id128();
  m.household = r.Int(8);
  m.text = r.Text();
  m.by = r.Text();
  m.at_ns = r.Int(8);
  if (!r.done_ok()) return absl::DataLossError("remark record: truncated or trailing bytes");
  return m;
}

bool IsPayoutState(ProposalState s) {
  return s == ProposalState::kPayoutReview || s == ProposalState::kPayoutNotice ||
         s == ProposalState::kPayoutHeld || s == ProposalState::kPaying ||
         s == ProposalState::kCompleted;
}

// The project's states from its approval until it is paid or cancelled.
bool IsApprovedState(ProposalState s) {
  return s == ProposalState::kApproving || s == ProposalState::kApproved || IsPayoutState(s) ||
         s == ProposalState::kCancelling || s == ProposalState::kCancelled;
}

absl::Status NotIn(const Proposal& p, const char* wanted) {
  return absl::FailedPreconditionError(
      absl::StrCat("proposal ", p.number, " is ", ProposalStateName(p.state), ", not ", wanted));
}

}  // namespace

absl::StatusOr<std::unique_ptr<ProposalBook>> ProposalBook::Open(Engine* engine, Clock* clock,
                                                                 DomainStore* store,
                                                                 const HouseholdBook* households,
                                                                 ProposalPolicy policy) {
  std::unique_ptr<ProposalBook> book(new ProposalBook(engine, clock, store, households, policy));
  // Gathered outside the lock (the scan's callback is not seen to hold it), stored under it.
  std::map<VillageId, uint32_t> last_number;
  std::set<std::tuple<uint64_t, VillageId, uint32_t>> on_notice;
  std::vector<std::pair<VillageId, uint32_t>> interrupted;
  absl::Status status = ScanRecords(*store, keys::kProposal, DecodeProposal, [&](Proposal p) {
    uint32_t& last = last_number[p.request.village];
    last = std::max(last, p.number);
    if (p.state == ProposalState::kPayoutNotice) {
      on_notice.emplace(p.notice_ends_at_ns, p.request.village, p.number);
    }
    if (p.state == ProposalState::kApproving || p.state == ProposalState::kPaying ||
        p.state == ProposalState::kCancelling) {
      interrupted.emplace_back(p.request.village, p.number);
    }
  });
  if (!status.ok()) return status;
  {
    absl::MutexLock lock(&book->mu_);
    book->last_number_ = std::move(last_number);
    book->on_notice_ = std::move(on_notice);
  }
  if (absl::Status s = book->interrupted_.Set(std::move(interrupted)); !s.ok()) return s;
  return book;
}

uint64_t ProposalBook::interrupted() const { return interrupted_.count(); }

// A crash between a step's intent and its outcome: the same transfer again (the same id
// answers exists where the first attempt got through).
ResumeReport ProposalBook::Resume() {
  using Key = std::pair<VillageId, uint32_t>;
  return interrupted_.Resume(
      [&](const Key& key) -> absl::Status {
        auto held = village_locks_.Lock(key.first);
        absl::StatusOr<Proposal> p = Load(key.first, key.second);
        if (!p.ok()) return p.status();
        switch (p->state) {
          case ProposalState::kApproving: {
            absl::Status done = Reserve(*std::move(p)).status();
            // A reservation the fund's floor refused is finished: the decision was undone.
            if (done.code() == absl::StatusCode::kFailedPrecondition) return absl::OkStatus();
            return done;
          }
          case ProposalState::kPaying:
            return Pay(*std::move(p)).status();
          case ProposalState::kCancelling:
            return Release(*std::move(p)).status();
          default:
            return absl::OkStatus();  // a resend finished it
        }
      },
      [](const Key& key) { return absl::StrCat("proposal ", key.first, "/", key.second); });
}

absl::Status ProposalBook::Save(const Proposal& proposal) {
  return store_->Put(ProposalKey(proposal.request.village, proposal.number),
                     EncodeProposal(proposal));
}

absl::StatusOr<Proposal> ProposalBook::Load(VillageId village, uint32_t number) const {
  absl::StatusOr<std::string> bytes = store_->Get(ProposalKey(village, number));
  if (!bytes.ok()) {
    if (bytes.status().code() != absl::StatusCode::kNotFound) return bytes.status();
    return absl::NotFoundError(absl::StrCat("no proposal ", number, " in village ", village));
  }
  return DecodeProposal(*bytes);
}

absl::Status ProposalBook::CheckHousehold(VillageId village, uint64_t household) const {
  if (household == 0) return absl::InvalidArgumentError("household: must not be zero");
  absl::StatusOr<Household> h = households_->GetHousehold(village, household);
  if (!h.ok()) return h.status();  // NOT_FOUND: not a household of this village
  if (h->closed) {
    return absl::FailedPreconditionError(absl::StrCat("household ", household, " is closed"));
  }
  return absl::OkStatus();
}

void ProposalBook::TrackNotice(const Proposal& p) {
  absl::MutexLock lock(&mu_);
  for (auto it = on_notice_.begin(); it != on_notice_.end();) {
    const bool same = std::get<1>(*it) == p.request.village && std::get<2>(*it) == p.number;
    it = same ? on_notice_.erase(it) : std::next(it);
  }
  if (p.state == ProposalState::kPayoutNotice) {
    on_notice_.emplace(p.notice_ends_at_ns, p.request.village, p.number);
  }
}

absl::StatusOr<Proposal> ProposalBook::Propose(const ProposalRequest& request) {
  if (absl::Status s = CheckVillage(request.village); !s.ok()) return s;
  if (request.proposal == 0) return absl::InvalidArgumentError("proposal_id: must not be zero");
  if (absl::Status s = CheckText("title", request.title, 1, kProposalTitleBytesMax); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckText("description", request.description, 0, kProposalTextBytesMax);
      !s.ok()) {
    return s;
  }
  if (request.cost_fen > kProjectCostFenMax) {
    return absl::InvalidArgumentError(absl::StrCat("cost_fen: at most ", kProjectCostFenMax));
  }
  if (absl::Status s = CheckText("proposed_by", request.proposed_by, 1, kPersonBytesMax); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckHousehold(request.village, request.household); !s.ok()) return s;
  auto held = village_locks_.Lock(request.village);
  absl::StatusOr<std::string> indexed = store_->Get(IdKey(request.village, request.proposal));
  if (indexed.ok()) {
    RecordReader r(*indexed);
    absl::StatusOr<Proposal> existing = Load(request.village, static_cast<uint32_t>(r.Int(4)));
    if (!existing.ok()) return existing.status();
    if (existing->request != request) {
      return absl::AlreadyExistsError("this proposal id was used for another proposal");
    }
    return existing;  // a resend
  }
  if (indexed.status().code() != absl::StatusCode::kNotFound) return indexed.status();
  Proposal proposal;
  proposal.request = request;
  {
    absl::MutexLock lock(&mu_);
    proposal.number = last_number_[request.village] + 1;
  }
  proposal.proposed_at_ns = clock_->NowNanos();
  // The id's index and the record in one write: a number is never taken without its proposal.
  if (absl::Status s = store_->Write(
          {{IdKey(request.village, request.proposal), BigEndian(proposal.number, 4)},
           {ProposalKey(request.village, proposal.number), EncodeProposal(proposal)}});
      !s.ok()) {
    return s;
  }
  absl::MutexLock lock(&mu_);
  last_number_[request.village] = proposal.number;
  return proposal;
}

absl::StatusOr<Proposal> ProposalBook::Accept(VillageId village, uint32_t number,
                                              uint64_t vote_ends_at_ns, const std::string& note,
                                              const std::string& by) {
  if (absl::Status s = CheckBy(by); !s.ok()) return s;
  if (absl::Status s = CheckText("reason", note, 0, kReasonBytesMax); !s.ok()) return s;
  auto held = village_locks_.Lock(village);
  absl::StatusOr<Proposal> p = Load(village, number);
  if (!p.ok()) return p.status();
  if (p->state == ProposalState::kDeliberation && p->reviewed_by == by &&
      p->vote_ends_at_ns == vote_ends_at_ns) {
    return p;  // a resend
  }
  if (p->state != ProposalState::kProposed) return NotIn(*p, "proposed");
  const uint64_t now = clock_->NowNanos();
  if (vote_ends_at_ns <= now || vote_ends_at_ns - now > kVoteWindowMaxNs) {
    return absl::InvalidArgumentError(absl::StrCat("vote_ends_at: must be after now and within ",
                                                   kVoteWindowMaxNs / kNanosPerDay, " days"));
  }
  p->state = ProposalState::kDeliberation;
  p->reviewed_by = by;
  p->review_reason = note;
  p->vote_ends_at_ns = vote_ends_at_ns;
  if (absl::Status s = Save(*p); !s.ok()) return s;
  return p;
}

absl::StatusOr<Proposal> ProposalBook::Decline(VillageId village, uint32_t number,
                                               const std::string& reason, const std::string& by) {
  if (absl::Status s = CheckBy(by); !s.ok()) return s;
  if (absl::Status s = CheckText("reason", reason, 1, kReasonBytesMax); !s.ok()) return s;
  auto held = village_locks_.Lock(village);
  absl::StatusOr<Proposal> p = Load(village, number);
  if (!p.ok()) return p.status();
  if (p->state == ProposalState::kDeclined && p->reviewed_by == by && p->review_reason == reason) {
    return p;  // a resend
  }
  if (p->state != ProposalState::kProposed) return NotIn(*p, "proposed");
  p->state = ProposalState::kDeclined;
  p->reviewed_by = by;
  p->review_reason = reason;
  if (absl::Status s = Save(*p); !s.ok()) return s;
  return p;
}

absl::StatusOr<Remark> ProposalBook::Comment(const Remark& remark) {
  if (remark.remark == 0) return absl::InvalidArgumentError("remark_id: must not be zero");
  if (absl::Status s = CheckText("text", remark.text, 1, kRemarkBytesMax); !s.ok()) return s;
  if (absl::Status s = CheckBy(remark.by); !s.ok()) return s;
  if (absl::Status s = CheckHousehold(remark.village, remark.household); !s.ok()) return s;
  const std::string key = RemarkKey(remark.village, remark.proposal, remark.remark);
  auto held = village_locks_.Lock(remark.village);
  absl::StatusOr<Proposal> p = Load(remark.village, remark.proposal);
  if (!p.ok()) return p.status();
  absl::StatusOr<std::string> bytes = store_->Get(key);
  if (bytes.ok()) {
    absl::StatusOr<Remark> existing = DecodeRemark(*bytes);
    if (!existing.ok()) return existing.status();
    if (existing->household != remark.household || existing->text != remark.text) {
      return absl::AlreadyExistsError("this remark id was used for another comment");
    }
    return existing;  // a resend
  }
  if (bytes.status().code() != absl::StatusCode::kNotFound) return bytes.status();
  const uint64_t now = clock_->NowNanos();
  const bool open = p->state == ProposalState::kProposed ||
                    (p->state == ProposalState::kDeliberation && now < p->vote_ends_at_ns);
  if (!open) {
    return absl::FailedPreconditionError(absl::StrCat("proposal ", p->number,
                                                      " takes comments while it is proposed or in "
                                                      "deliberation, until its vote closes; it is ",
                                                      ProposalStateName(p->state)));
  }
  size_t remarks = 0;
  if (absl::Status s = store_->Scan(RemarksOf(remark.village, remark.proposal),
                                    [&](const std::string&, const std::string&) {
                                      return ++remarks < kRemarksPerProposalMax;
                                    });
      !s.ok()) {
    return s;
  }
  if (remarks >= kRemarksPerProposalMax) {
    return absl::FailedPreconditionError(absl::StrCat(
        "proposal ", p->number, " has ", kRemarksPerProposalMax, " comments, the most"));
  }
  Remark saved = remark;
  saved.at_ns = now;
  if (absl::Status s = store_->Put(key, EncodeRemark(saved)); !s.ok()) return s;
  return saved;
}

absl::StatusOr<Vote> ProposalBook::CastVote(const Vote& vote) {
  if (vote.choice < VoteChoice::kFor || vote.choice > VoteChoice::kAbstain) {
    return absl::InvalidArgumentError("choice: for, against or abstain");
  }
  if (vote.household == 0) return absl::InvalidArgumentError("household: must not be zero");
  if (absl::Status s = CheckBy(vote.by); !s.ok()) return s;
  if (absl::Status s = CheckText("proxy_name", vote.proxy_name, 0, kNameBytesMax); !s.ok()) {
    return s;
  }
  const std::string key = VoteKey(vote.village, vote.proposal, vote.household);
  auto held = village_locks_.Lock(vote.village);
  absl::StatusOr<Proposal> p = Load(vote.village, vote.proposal);
  if (!p.ok()) return p.status();
  absl::StatusOr<std::string> bytes = store_->Get(key);
  if (bytes.ok()) {
    absl::StatusOr<Vote> existing = DecodeVote(*bytes);
    if (!existing.ok()) return existing.status();
    if (existing->choice == vote.choice) return existing;  // a resend: counted once
    return absl::AlreadyExistsError(absl::StrCat(
        "household ", vote.household, " has voted already (", VoteChoiceName(existing->choice),
        existing->proxy_name.empty() ? "" : absl::StrCat(", by its proxy ", existing->proxy_name),
        "): one vote per household"));
  }
  if (bytes.status().code() != absl::StatusCode::kNotFound) return bytes.status();
  const uint64_t now = clock_->NowNanos();
  if (p->state != ProposalState::kDeliberation) return NotIn(*p, "in deliberation");
  if (now >= p->vote_ends_at_ns) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the vote on proposal ", p->number, " closed at ", VillageTimeText(p->vote_ends_at_ns)));
  }
  if (absl::Status s = CheckHousehold(vote.village, vote.household); !s.ok()) return s;
  if (!vote.proxy_name.empty()) {
    absl::StatusOr<Household> h = households_->GetHousehold(vote.village, vote.household);
    if (!h.ok()) return h.status();
    if (h->proxy_name != vote.proxy_name) {
      return absl::PermissionDeniedError(absl::StrCat("proxy_name: ", vote.proxy_name,
                                                      " is not household ", vote.household,
                                                      "'s registered proxy"));
    }
  }
  Vote saved = vote;
  saved.cast_at_ns = now;
  if (absl::Status s = store_->Put(key, EncodeVote(saved)); !s.ok()) return s;
  return saved;
}

absl::StatusOr<Tally> ProposalBook::CountLocked(const Proposal& p) const {
  Tally t;
  absl::Status status =
      ScanRecords(*store_, VotesOf(p.request.village, p.number), DecodeVote, [&](Vote v) {
        ++t.votes;
        if (v.choice == VoteChoice::kFor) ++t.for_votes;
        if (v.choice == VoteChoice::kAgainst) ++t.against;
        if (v.choice == VoteChoice::kAbstain) ++t.abstain;
      });
  if (!status.ok()) return status;
  t.closed = p.vote_ends_at_ns != 0 && clock_->NowNanos() >= p.vote_ends_at_ns;
  if (!t.closed) {
    t.for_votes = t.against = t.abstain = 0;  // secret until the window closes
    return t;
  }
  t.result = t.for_votes > t.against ? Decision::kApprove : Decision::kReject;
  return t;
}

absl::StatusOr<Tally> ProposalBook::Count(VillageId village, uint32_t number) const {
  absl::StatusOr<Proposal> p = Load(village, number);
  if (!p.ok()) return p.status();
  return CountLocked(*p);
}

absl::StatusOr<Proposal> ProposalBook::Decide(VillageId village, uint32_t number, Decision decision,
                                              const std::string& reason, const std::string& by) {
  if (decision != Decision::kApprove && decision != Decision::kReject &&
      decision != Decision::kDefer) {
    return absl::InvalidArgumentError("decision: approve, reject or defer");
  }
  if (absl::Status s = CheckBy(by); !s.ok()) return s;
  if (absl::Status s = CheckText("reason", reason, 0, kReasonBytesMax); !s.ok()) return s;
  auto held = village_locks_.Lock(village);
  absl::StatusOr<Proposal> p = Load(village, number);
  if (!p.ok()) return p.status();
  if (p->decision == decision && p->decided_by == by && p->decision_reason == reason) {
    if (p->state == ProposalState::kApproving) return Reserve(*std::move(p));  // finish it
    const bool done = decision == Decision::kApprove  ? IsApprovedState(p->state)
                      : decision == Decision::kReject ? p->state == ProposalState::kRejected
                                                      : p->state == ProposalState::kDeferred;
    if (done) return p;  // a resend
  }
  const bool closed =
      p->state == ProposalState::kDeliberation && clock_->NowNanos() >= p->vote_ends_at_ns;
  if (!closed && p->state != ProposalState::kDeferred) {
    if (p->state == ProposalState::kDeliberation) {
      return absl::FailedPreconditionError(
          absl::StrCat("the vote on proposal ", number, " is open until ",
                       VillageTimeText(p->vote_ends_at_ns), ": decide after it closes"));
    }
    return NotIn(*p, "in deliberation with its vote closed, or deferred");
  }
  absl::StatusOr<Tally> tally = CountLocked(*p);
  if (!tally.ok()) return tally.status();
  if (decision != tally->result && reason.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("reason: the decision (", DecisionName(decision), ") differs from the vote (",
                     tally->for_votes, " for, ", tally->against, " against, ", tally->abstain,
                     " abstaining): say why, publicly"));
  }
  p->decision = decision;
  p->decision_reason = reason;
  p->decided_by = by;
  p->decided_at_ns = clock_->NowNanos();
  if (decision == Decision::kApprove) return Approve(*std::move(p));
  p->state = decision == Decision::kReject ? ProposalState::kRejected : ProposalState::kDeferred;
  if (absl::Status s = Save(*p); !s.ok()) return s;
  return p;
}

namespace {

// Why the micro-fund refused a project's reservation, in the committee's words.
std::string ReservationRefusal(const Engine& engine, const Proposal& p, CreateTransferResult r) {
  if (r != CreateTransferResult::kExceedsCredits) return std::string(ResultName(r));
  absl::StatusOr<FundBalance> fund = ReadFundBalance(engine, p.request.village);
  return absl::StrCat("the micro-fund cannot cover the cost of ", p.request.cost_fen,
                      " fen: it holds ", fund.ok() ? fund->available : 0,
                      " fen not yet reserved for other projects");
}

}  // namespace

absl::StatusOr<Proposal> ProposalBook::Approve(Proposal p) {
  if (p.request.cost_fen == 0) {
    p.state = ProposalState::kApproved;
    if (absl::Status s = Save(p); !s.ok()) return s;
    return p;
  }
  p.before_approving = p.state;
  ++p.spend_attempt;  // a new id: one the ledger refused before stays failed
  p.state = ProposalState::kApproving;
  p.refusal.clear();
  if (absl::Status s = Save(p); !s.ok()) return s;
  FaultPoint("proposal.reserve.after_intent");
  return Reserve(std::move(p));
}

absl::StatusOr<Proposal> ProposalBook::Reserve(Proposal p) {
  const VillageId village = p.request.village;
  std::string refusal;
  if (absl::Status ready = EnsureFundAccounts(*engine_, village, true); !ready.ok()) {
    if (ready.code() != absl::StatusCode::kFailedPrecondition) return ready;  // try again later
    refusal = std::string(ready.message());
  } else {
    std::vector<Transfer> chain = {SpendReservation(village, p.number, p.spend_attempt,
                                                    p.request.proposal, p.request.cost_fen)};
    // An engine error is an unknown outcome: Resume resends the same.
    absl::StatusOr<Proposal> reserved = SubmitStep<Proposal>(
        *engine_, std::move(chain), "proposal.reserve.after_transfer", p,
        [&](Proposal& q, const ChainOutcome& outcome) {
          if (outcome.accepted) {
            q.state = ProposalState::kApproved;
          } else {
            refusal = ReservationRefusal(*engine_, q, outcome.refused_result);
          }
        },
        [&](const Proposal& q) { return refusal.empty() ? Save(q) : absl::OkStatus(); });
    if (!reserved.ok() || refusal.empty()) return reserved;
  }
  // Refused for good: nothing is reserved, nothing decided; the committee may decide again.
  p.state = p.before_approving;
  p.decision = Decision::kNone;
  p.decision_reason.clear();
  p.decided_by.clear();
  p.decided_at_ns = 0;
  p.refusal = refusal;
  if (absl::Status s = Save(p); !s.ok()) return s;
  return absl::FailedPreconditionError(
      absl::StrCat(refusal, ": proposal ", p.number, " is not approved"));
}

absl::StatusOr<Proposal> ProposalBook::Complete(VillageId village, uint32_t number,
                                                const std::string& by) {
  if (absl::Status s = CheckBy(by); !s.ok()) return s;
  auto held = village_locks_.Lock(village);
  absl::StatusOr<Proposal> p = Load(village, number);
  if (!p.ok()) return p.status();
  if (IsPayoutState(p->state) && p->completed_by == by) return p;  // a resend
  if (p->state != ProposalState::kApproved) return NotIn(*p, "approved");
  const uint64_t now = clock_->NowNanos();
  p->completed_by = by;
  p->completed_at_ns = now;
  p->payout_approved_by.clear();
  p->objected_by.clear();
  p->objection.clear();
  p->payout_decided_by.clear();
  if (p->request.cost_fen == 0) {
    p->state = ProposalState::kCompleted;
  } else if (p->request.cost_fen > policy_.payout_review_threshold_fen) {
    p->state = ProposalState::kPayoutReview;
  } else {
    p->state = ProposalState::kPayoutNotice;
    p->notice_ends_at_ns = now + policy_.notice_window_ns;
  }
  if (absl::Status s = Save(*p); !s.ok()) return s;
  TrackNotice(*p);
  return p;
}

absl::StatusOr<Proposal> ProposalBook::ApprovePayout(VillageId village, uint32_t number,
                                                     const std::string& by) {
  if (absl::Status s = CheckBy(by); !s.ok()) return s;
  auto held = village_locks_.Lock(village);
  absl::StatusOr<Proposal> p = Load(village, number);
  if (!p.ok()) return p.status();
  if (p->payout_approved_by == by && IsPayoutState(p->state) &&
      p->state != ProposalState::kPayoutReview) {
    return p;  // a resend
  }
  if (p->state != ProposalState::kPayoutReview) return NotIn(*p, "awaiting the payout's review");
  if (p->completed_by == by) {
    return absl::PermissionDeniedError(
        "a second person must approve the payout: not the one who reported the project done");
  }
  p->payout_approved_by = by;
  p->state = ProposalState::kPayoutNotice;
  p->notice_ends_at_ns = clock_->NowNanos() + policy_.notice_window_ns;
  if (absl::Status s = Save(*p); !s.ok()) return s;
  TrackNotice(*p);
  return p;
}

absl::StatusOr<Proposal> ProposalBook::ObjectToPayout(VillageId village, uint32_t number,
                                                      const std::string& by,
                                                      const std::string& reason) {
  if (absl::Status s = CheckBy(by); !s.ok()) return s;
  if (absl::Status s = CheckText("reason", reason, 1, kReasonBytesMax); !s.ok()) return s;
  auto held = village_locks_.Lock(village);
  absl::StatusOr<Proposal> p = Load(village, number);
  if (!p.ok()) return p.status();
  if (p->state == ProposalState::kPayoutHeld && p->objected_by == by && p->objection == reason) {
    return p;  // a resend
  }
  if (p->state != ProposalState::kPayoutNotice) return NotIn(*p, "with its payout on notice");
  if (clock_->NowNanos() >= p->notice_ends_at_ns) {
    return absl::FailedPreconditionError("the payout's notice window has ended");
  }
  p->state = ProposalState::kPayoutHeld;
  p->objected_by = by;
  p->objection = reason;
  if (absl::Status s = Save(*p); !s.ok()) return s;
  TrackNotice(*p);
  return p;
}

absl::StatusOr<Proposal> ProposalBook::DecidePayout(VillageId village, uint32_t number, bool keep,
                                                    const std::string& by) {
  if (absl::Status s = CheckBy(by); !s.ok()) return s;
  auto held = village_locks_.Lock(village);
  absl::StatusOr<Proposal> p = Load(village, number);
  if (!p.ok()) return p.status();
  if (p->payout_decided_by == by &&
      (keep ? p->state == ProposalState::kPayoutNotice || p->state == ProposalState::kPaying ||
                  p->state == ProposalState::kCompleted
            : p->state == ProposalState::kApproved)) {
    return p;  // a resend
  }
  if (p->state != ProposalState::kPayoutHeld) return NotIn(*p, "with its payout held");
  p->payout_decided_by = by;
  if (!keep) {
    // Withdrawn: the work is not accepted as done; the cost stays reserved for it.
    p->state = ProposalState::kApproved;
    p->completed_by.clear();
    p->completed_at_ns = 0;
    p->payout_approved_by.clear();
    p->notice_ends_at_ns = 0;
  } else {
    p->state = ProposalState::kPayoutNotice;
  }
  if (absl::Status s = Save(*p); !s.ok()) return s;
  TrackNotice(*p);
  if (keep && clock_->NowNanos() >= p->notice_ends_at_ns) {
    p->state = ProposalState::kPaying;
    if (absl::Status s = Save(*p); !s.ok()) return s;
    TrackNotice(*p);
    return Pay(*std::move(p));
  }
  return p;
}

absl::StatusOr<Proposal> ProposalBook::Cancel(VillageId village, uint32_t number,
                                              const std::string& reason, const std::string& by) {
  if (absl::Status s = CheckBy(by); !s.ok()) return s;
  if (absl::Status s = CheckText("reason", reason, 1, kReasonBytesMax); !s.ok()) return s;
  auto held = village_locks_.Lock(village);
  absl::StatusOr<Proposal> p = Load(village, number);
  if (!p.ok()) return p.status();
  if (p->state == ProposalState::kCancelled && p->cancelled_by == by) return p;  // a resend
  if (p->state == ProposalState::kCancelling) return Release(*std::move(p));
  if (p->state != ProposalState::kApproved && p->state != ProposalState::kPayoutReview &&
      p->state != ProposalState::kPayoutNotice && p->state != ProposalState::kPayoutHeld) {
    return NotIn(*p, "approved and not yet paid");
  }
  p->cancelled_by = by;
  p->cancel_reason = reason;
  p->state = p->request.cost_fen == 0 ? ProposalState::kCancelled : ProposalState::kCancelling;
  if (absl::Status s = Save(*p); !s.ok()) return s;
  TrackNotice(*p);
  if (p->state == ProposalState::kCancelled) return p;
  FaultPoint("proposal.release.after_intent");
  return Release(*std::move(p));
}

absl::StatusOr<Proposal> ProposalBook::Release(Proposal p) {
  std::vector<Transfer> chain = {SpendResolution(p.request.village, p.number, p.spend_attempt,
                                                 p.request.proposal, SpendStep::kRelease)};
  // An engine error is an unknown outcome: Resume resends the same.
  return SubmitStepOrFail<Proposal>(
      *engine_, std::move(chain), "proposal.release.after_transfer", std::move(p),
      [](Proposal& q) { q.state = ProposalState::kCancelled; },
      [&](const Proposal& q) { return Save(q); },
      [](CreateTransferResult r) {
        return absl::FailedPreconditionError(absl::StrCat(
            "the ledger refused releasing the reservation: ", std::string(ResultName(r))));
      });
}

absl::StatusOr<Proposal> ProposalBook::Pay(Proposal p) {
  std::vector<Transfer> chain = {SpendResolution(p.request.village, p.number, p.spend_attempt,
                                                 p.request.proposal, SpendStep::kPay)};
  // An engine error is an unknown outcome: the next tick resends it.
  return SubmitStepOrFail<Proposal>(
      *engine_, std::move(chain), "proposal.pay.after_transfer", std::move(p),
      [&](Proposal& q) {
        q.state = ProposalState::kCompleted;
        q.paid_at_ns = clock_->NowNanos();
      },
      [&](const Proposal& q) { return Save(q); },
      [](CreateTransferResult r) {
        return absl::FailedPreconditionError(
            absl::StrCat("the ledger refused the payout: ", std::string(ResultName(r))));
      });
}

absl::StatusOr<size_t> ProposalBook::PayDue() {
  const uint64_t now = clock_->NowNanos();
  std::vector<std::tuple<uint64_t, VillageId, uint32_t>> due;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& entry : on_notice_) {
      if (std::get<0>(entry) > now) break;
      due.push_back(entry);
    }
  }
  // One payout that cannot be made must not hold up the others: its error is reported after
  // the rest were tried, and it is tried again at the next tick.
  size_t paid = 0;
  absl::Status first_error;
  for (const auto& [ends_at, village, number] : due) {
    auto held = village_locks_.Lock(village);
    absl::StatusOr<Proposal> p = Load(village, number);
    if (p.ok() && p->state != ProposalState::kPayoutNotice) {
      absl::MutexLock lock(&mu_);
      on_notice_.erase(std::make_tuple(ends_at, village, number));  // the store knows better
      continue;
    }
    if (p.ok()) {
      p->state = ProposalState::kPaying;
      if (absl::Status s = Save(*p); !s.ok()) p = s;
    }
    if (p.ok()) {
      TrackNotice(*p);
      FaultPoint("proposal.pay.after_intent");
      p = Pay(*std::move(p));
    }
    if (p.ok() && p->state == ProposalState::kCompleted) ++paid;
    if (!p.ok() && first_error.ok()) first_error = p.status();
  }
  if (!first_error.ok()) return first_error;
  return paid;
}

absl::StatusOr<Proposal> ProposalBook::Get(VillageId village, uint32_t number) const {
  return Load(village, number);
}

absl::StatusOr<std::vector<Proposal>> ProposalBook::List(VillageId village, bool* truncated) const {
  if (absl::Status s = CheckVillage(village); !s.ok()) return s;
  std::deque<Proposal> latest;
  bool more = false;
  absl::Status status =
      ScanRecords(*store_, VillageKey(keys::kProposal, village), DecodeProposal, [&](Proposal p) {
        latest.push_back(std::move(p));
        if (latest.size() > kProposalsListMax) {
          latest.pop_front();
          more = true;
        }
      });
  if (!status.ok()) return status;
  if (truncated != nullptr) *truncated = more;
  return std::vector<Proposal>(std::make_move_iterator(latest.begin()),
                               std::make_move_iterator(latest.end()));
}

absl::StatusOr<std::vector<Remark>> ProposalBook::Remarks(VillageId village,
                                                          uint32_t number) const {
  std::vector<Remark> remarks;
  absl::Status status = ScanRecords(*store_, RemarksOf(village, number), DecodeRemark,
                                    [&](Remark m) { remarks.push_back(std::move(m)); });
  if (!status.ok()) return status;
  std::stable_sort(remarks.begin(), remarks.end(),
                   [](const Remark& a, const Remark& b) { return a.at_ns < b.at_ns; });
  return remarks;
}

}  // namespace points::domain
