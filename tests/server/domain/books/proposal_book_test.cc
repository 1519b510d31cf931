// Proposals, votes and the money out of the micro-fund against the real engine, household book
// and domain store, on a moved clock: one vote per household (its app or its proxy), none after
// the window, counts public only once it closed; a decision against the vote needs a reason;
// approval reserves the cost (a pending transfer the fund's floor refuses when the fund cannot
// cover it); a payout above the threshold needs a second person; every payout goes on notice,
// may be objected to, and is paid by PayDue; cancelling releases the reservation. The fund's
// statement, the board and the report show every movement.
#include "server/domain/books/proposal_book.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "points/engine.h"
#include "server/domain/books/award_book.h"
#include "server/domain/books/disclosure.h"
#include "server/domain/books/fund_book.h"
#include "server/domain/books/household_book.h"
#include "server/domain/books/shop_book.h"
#include "server/domain/values/ids.h"
#include "server/domain/values/ledger_layout.h"
#include "tests/engine/testing.h"
#include "tests/testing/domain_testing.h"

namespace points::domain {
namespace {

using ::points::testing::TempDir;

constexpr VillageId kVillage = 9;
constexpr int kCst = 8 * 3600;
constexpr uint64_t kMinute = 60'000'000'000;
constexpr uint64_t kThreshold = 100'000;  // fen: payouts above it need a second person

uint64_t Cst(int month, int day, int hour, int minute) {
  return static_cast<uint64_t>(absl::ToUnixNanos(absl::FromCivil(
      absl::CivilSecond(2027, month, day, hour, minute, 0), absl::FixedTimeZone(kCst))));
}

class ProposalBookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.Set(Cst(3, 10, 9, 0));
    ASSERT_NO_FATAL_FAILURE(OpenLedgerAndStore(dir_.path(), &clock_, &engine_, &store_));
    auto awards = AwardBook::Open(engine_.get(), &clock_, store_.get(), AwardPolicy());
    ASSERT_TRUE(awards.ok()) << awards.status();
    awards_ = *std::move(awards);
    ASSERT_TRUE(awards_->SetUpVillage(kVillage).ok());
    households_ = std::make_unique<HouseholdBook>(engine_.get(), store_.get());
    const char* names[] = {"张家", "李家", "王家", "赵家"};
    for (uint64_t h = 1; h <= 4; ++h) {
      Household household;
      household.village = kVillage;
      household.household = h;
      household.name = names[h - 1];
      if (h == 3) household.proxy_name = "王村医";
      ASSERT_TRUE(households_->PutHousehold(household).ok());
    }
    auto shops = ShopBook::Open(engine_.get(), &clock_, store_.get());
    ASSERT_TRUE(shops.ok()) << shops.status();
    shops_ = *std::move(shops);
    auto fund = FundBook::Open(engine_.get(), &clock_, store_.get());
    ASSERT_TRUE(fund.ok()) << fund.status();
    fund_ = *std::move(fund);
    ASSERT_NO_FATAL_FAILURE(OpenBook());
    disclosure_ = std::make_unique<Disclosure>(
        DisclosureSources{engine_.get(), awards_.get(), households_.get(), shops_.get(), nullptr,
                          kCst, nullptr, fund_.get()});
  }

  void OpenBook() {
    book_.reset();
    auto book = ProposalBook::Open(engine_.get(), &clock_, store_.get(), households_.get(),
                                   {10 * kMinute, kThreshold});
    ASSERT_TRUE(book.ok()) << book.status();
    book_ = *std::move(book);
  }

  void Donate(Id id, uint64_t fen) {
    DonationRequest q;
    q.village = kVillage;
    q.donation = id;
    q.donor_kind = DonorKind::kPerson;
    q.donor_name = "李秀英";
    q.shown = DonorShown::kMasked;
    q.fen = fen;
    q.recorded_by = "committee-li";
    auto gift = fund_->Donate(q);
    ASSERT_TRUE(gift.ok()) << gift.status();
  }

  // Proposes, accepts with a ten-minute window; returns the number.
  uint32_t InDeliberation(Id id, uint64_t cost_fen, const std::string& title = "修缮村口路灯") {
    ProposalRequest q;
    q.village = kVillage;
    q.proposal = id;
    q.household = 1;
    q.title = title;
    q.cost_fen = cost_fen;
    q.proposed_by = "household-1";
    auto p = book_->Propose(q);
    EXPECT_TRUE(p.ok()) << p.status();
    if (!p.ok()) return 0;
    auto accepted =
        book_->Accept(kVillage, p->number, clock_.NowNanos() + 10 * kMinute, "", "committee-li");
    EXPECT_TRUE(accepted.ok()) << accepted.status();
    return p->number;
  }

  absl::StatusOr<Vote> VoteAs(uint32_t number, uint64_t household, VoteChoice choice,
                              const std::string& by, const std::string& proxy = "") {
    return book_->CastVote({kVillage, number, household, choice, by, proxy, 0});
  }

  // In deliberation, three votes for, the window over, approved.
  uint32_t Approved(Id id, uint64_t cost_fen) {
    const uint32_t n = InDeliberation(id, cost_fen);
    for (uint64_t h : {1, 2, 4}) {
      EXPECT_TRUE(VoteAs(n, h, VoteChoice::kFor, "household").ok());
    }
    clock_.Advance(10 * kMinute);
    auto p = book_->Decide(kVillage, n, Decision::kApprove, "", "committee-li");
    EXPECT_TRUE(p.ok()) << p.status();
    return n;
  }

  FundBalance Fund() {
    auto b = ReadFundBalance(*engine_, kVillage);
    EXPECT_TRUE(b.ok()) << b.status();
    return b.ok() ? *b : FundBalance();
  }

  ProposalState StateOf(uint32_t number) {
    auto p = book_->Get(kVillage, number);
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? p->state : ProposalState::kProposed;
  }

  TempDir dir_;
  ManualClock clock_{0};
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<DomainStore> store_;
  std::unique_ptr<AwardBook> awards_;
  std::unique_ptr<HouseholdBook> households_;
  std::unique_ptr<ShopBook> shops_;
  std::unique_ptr<FundBook> fund_;
  std::unique_ptr<ProposalBook> book_;
  std::unique_ptr<Disclosure> disclosure_;
};

TEST_F(ProposalBookTest, OneVotePerHouseholdByItsAppOrItsProxyAndNoneAfterTheWindow) {
  const uint32_t n = InDeliberation(0x91, 0);
  ASSERT_EQ(n, 1u);
  ASSERT_TRUE(VoteAs(n, 1, VoteChoice::kFor, "household-1").ok());
  EXPECT_TRUE(VoteAs(n, 1, VoteChoice::kFor, "household-1").ok()) << "a resend is answered";
  EXPECT_EQ(VoteAs(n, 1, VoteChoice::kAgainst, "household-1").status().code(),
            absl::StatusCode::kAlreadyExists);
  // Household 3 votes through its proxy; the proxy voting again changes nothing, and neither
  // the proxy's other choice nor the household's own app gets a second vote.
  EXPECT_EQ(VoteAs(n, 3, VoteChoice::kFor, "grid-zhao", "李四").status().code(),
            absl::StatusCode::kPermissionDenied)
      << "not the registered proxy";
  ASSERT_TRUE(VoteAs(n, 3, VoteChoice::kAgainst, "grid-zhao", "王村医").ok());
  EXPECT_TRUE(VoteAs(n, 3, VoteChoice::kAgainst, "committee-li", "王村医").ok());
  EXPECT_EQ(VoteAs(n, 3, VoteChoice::kFor, "grid-zhao", "王村医").status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(VoteAs(n, 3, VoteChoice::kFor, "household-3").status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(VoteAs(n, 7, VoteChoice::kFor, "committee-li", "x").status().code(),
            absl::StatusCode::kNotFound)
      << "not a household of the village";
  EXPECT_EQ(VoteAs(n, 2, VoteChoice::kFor, std::string(kPersonBytesMax + 1, 'b')).status().code(),
            absl::StatusCode::kInvalidArgument);
  // The counts are secret while the window is open; only the turnout is public.
  auto tally = book_->Count(kVillage, n);
  ASSERT_TRUE(tally.ok());
  EXPECT_EQ(tally->votes, 2u);
  EXPECT_FALSE(tally->closed);
  EXPECT_EQ(tally->for_votes + tally->against, 0u);
  EXPECT_EQ(book_->Decide(kVillage, n, Decision::kApprove, "", "committee-li").status().code(),
            absl::StatusCode::kFailedPrecondition)
      << "no decision while the vote is open";
  clock_.Advance(10 * kMinute);
  EXPECT_EQ(VoteAs(n, 2, VoteChoice::kFor, "household-2").status().code(),
            absl::StatusCode::kFailedPrecondition)
      << "the window has closed";
  tally = book_->Count(kVillage, n);
  ASSERT_TRUE(tally.ok());
  EXPECT_TRUE(tally->closed);
  EXPECT_EQ(tally->for_votes, 1u);
  EXPECT_EQ(tally->against, 1u);
  EXPECT_EQ(tally->result, Decision::kReject) << "a tie is not a majority";
}

TEST_F(ProposalBookTest, ADecisionAgainstTheVoteNeedsAPublicReasonAndMayBeDeferred) {
  const uint32_t n = InDeliberation(0x92, 0);
  ASSERT_TRUE(VoteAs(n, 1, VoteChoice::kFor, "household-1").ok());
  clock_.Advance(10 * kMinute);
  auto no_reason = book_->Decide(kVillage, n, Decision::kReject, "", "committee-li");
  EXPECT_EQ(no_reason.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(no_reason.status().message(), "reason:")) << no_reason.status();
  auto deferred = book_->Decide(kVillage, n, Decision::kDefer, "等镇里批复", "committee-li");
  ASSERT_TRUE(deferred.ok()) << deferred.status();
  EXPECT_EQ(deferred->state, ProposalState::kDeferred);
  auto approved = book_->Decide(kVillage, n, Decision::kApprove, "", "committee-zhang");
  ASSERT_TRUE(approved.ok()) << approved.status();
  EXPECT_EQ(approved->state, ProposalState::kApproved) << "no cost: nothing to reserve";
  EXPECT_TRUE(book_->Decide(kVillage, n, Decision::kApprove, "", "committee-zhang").ok())
      << "a resend is answered";
  // A proposal can be declined before deliberation, with a reason.
  ProposalRequest q;
  q.village = kVillage;
  q.proposal = 0x93;
  q.household = 2;
  q.title = "修建停车场";
  q.proposed_by = "household-2";
  auto p = book_->Propose(q);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(book_->Decline(kVillage, p->number, "", "committee-li").status().code(),
            absl::StatusCode::kInvalidArgument);
  auto declined =
      book_->Decline(kVillage, p->number, "不属于村务 (not a village matter)", "committee-li");
  ASSERT_TRUE(declined.ok()) << declined.status();
  EXPECT_EQ(declined->state, ProposalState::kDeclined);
}

TEST_F(ProposalBookTest, ApprovalReservesTheCostAndTheFloorRefusesSpendingAboveTheFund) {
  Donate(0xd1, 50'000);
  const uint32_t n = InDeliberation(0x94, 80'000);
  ASSERT_TRUE(VoteAs(n, 1, VoteChoice::kFor, "household-1").ok());
  clock_.Advance(10 * kMinute);
  auto refused = book_->Decide(kVillage, n, Decision::kApprove, "", "committee-li");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "50000 fen")) << refused.status();
  EXPECT_EQ(StateOf(n), ProposalState::kDeliberation) << "nothing was decided";
  EXPECT_EQ(Fund().reserved, 0u);
  // Spending without approval: a project not approved cannot be completed or paid.
  EXPECT_EQ(book_->Complete(kVillage, n, "committee-li").status().code(),
            absl::StatusCode::kFailedPrecondition);
  // Once the fund can cover it, the same decision again reserves it (a new attempt: the
  // refused one's id stays failed in the ledger).
  Donate(0xd2, 30'000);
  auto approved = book_->Decide(kVillage, n, Decision::kApprove, "", "committee-li");
  ASSERT_TRUE(approved.ok()) << approved.status();
  EXPECT_EQ(approved->state, ProposalState::kApproved);
  EXPECT_EQ(approved->spend_attempt, 2u);
  EXPECT_EQ(Fund().balance, 80'000u);
  EXPECT_EQ(Fund().reserved, 80'000u);
  EXPECT_EQ(Fund().available, 0u);
  // Another project now finds nothing available: the reservation counts against the floor.
  const uint32_t m = InDeliberation(0x95, 1, "村口装个邮箱");
  ASSERT_TRUE(VoteAs(m, 2, VoteChoice::kFor, "household-2").ok());
  clock_.Advance(10 * kMinute);
  EXPECT_EQ(book_->Decide(kVillage, m, Decision::kApprove, "", "committee-li").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(ProposalBookTest, APayoutAtOrBelowTheThresholdGoesOnNoticeAndIsPaidWhenItEnds) {
  Donate(0xd1, 100'000);
  const uint32_t n = Approved(0x96, 30'000);
  ASSERT_EQ(StateOf(n), ProposalState::kApproved);
  auto done = book_->Complete(kVillage, n, "committee-li");
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->state, ProposalState::kPayoutNotice);
  auto paid = book_->PayDue();
  ASSERT_TRUE(paid.ok());
  EXPECT_EQ(*paid, 0u) << "the notice window has not ended";
  clock_.Advance(10 * kMinute);
  ASSERT_NO_FATAL_FAILURE(OpenBook());  // a restart in between: the window is remembered
  paid = book_->PayDue();
  ASSERT_TRUE(paid.ok()) << paid.status();
  EXPECT_EQ(*paid, 1u);
  EXPECT_EQ(StateOf(n), ProposalState::kCompleted);
  EXPECT_EQ(Fund().balance, 70'000u);
  EXPECT_EQ(Fund().reserved, 0u);
  EXPECT_EQ(book_->Cancel(kVillage, n, "太晚了", "committee-li").status().code(),
            absl::StatusCode::kFailedPrecondition)
      << "a paid project cannot be cancelled";
}

TEST_F(ProposalBookTest, AboveTheThresholdASecondPersonApprovesAndObjectionsHoldThePayout) {
  Donate(0xd1, 500'000);
  const uint32_t n = Approved(0x97, 150'000);
  auto done = book_->Complete(kVillage, n, "committee-li");
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->state, ProposalState::kPayoutReview);
  EXPECT_EQ(book_->ApprovePayout(kVillage, n, "committee-li").status().code(),
            absl::StatusCode::kPermissionDenied);
  auto approved = book_->ApprovePayout(kVillage, n, "committee-zhang");
  ASSERT_TRUE(approved.ok()) << approved.status();
  EXPECT_EQ(approved->state, ProposalState::kPayoutNotice);
  auto held = book_->ObjectToPayout(kVillage, n, "household-2", "灯还没装好 (not finished)");
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ(held->state, ProposalState::kPayoutHeld);
  clock_.Advance(10 * kMinute);
  auto paid = book_->PayDue();
  ASSERT_TRUE(paid.ok());
  EXPECT_EQ(*paid, 0u) << "a held payout waits for the decision";
  auto withdrawn = book_->DecidePayout(kVillage, n, false, "committee-zhang");
  ASSERT_TRUE(withdrawn.ok()) << withdrawn.status();
  EXPECT_EQ(withdrawn->state, ProposalState::kApproved);
  EXPECT_EQ(Fund().reserved, 150'000u) << "still reserved for the project";
  // Reported done again, approved again, objected again and kept: paid at once (its window
  // has ended).
  ASSERT_TRUE(book_->Complete(kVillage, n, "committee-li").ok());
  ASSERT_TRUE(book_->ApprovePayout(kVillage, n, "committee-wang").ok());
  ASSERT_TRUE(book_->ObjectToPayout(kVillage, n, "household-4", "价格太高").ok());
  clock_.Advance(10 * kMinute);
  auto kept = book_->DecidePayout(kVillage, n, true, "committee-zhang");
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->state, ProposalState::kCompleted);
  EXPECT_EQ(Fund().balance, 350'000u);
  EXPECT_EQ(Fund().reserved, 0u);
}

TEST_F(ProposalBookTest, CancellingAnApprovedProjectReleasesItsReservation) {
  Donate(0xd1, 100'000);
  const uint32_t n = Approved(0x98, 60'000);
  ASSERT_TRUE(book_->Complete(kVillage, n, "committee-li").ok());
  EXPECT_EQ(book_->Cancel(kVillage, n, "", "committee-li").status().code(),
            absl::StatusCode::kInvalidArgument)
      << "a cancellation says why";
  auto cancelled = book_->Cancel(kVillage, n, "施工方退出 (the builder withdrew)", "committee-li");
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->state, ProposalState::kCancelled);
  EXPECT_EQ(Fund().balance, 100'000u);
  EXPECT_EQ(Fund().reserved, 0u);
  clock_.Advance(20 * kMinute);
  auto paid = book_->PayDue();
  ASSERT_TRUE(paid.ok());
  EXPECT_EQ(*paid, 0u) << "a cancelled payout is never paid";
}

TEST_F(ProposalBookTest, TheFundsStatementBoardAndReportShowEveryMovement) {
  Donate(0xd1, 100'000);
  const uint32_t n = Approved(0x99, 30'000);
  ASSERT_TRUE(book_->Complete(kVillage, n, "committee-li").ok());
  clock_.Advance(10 * kMinute);
  ASSERT_TRUE(book_->PayDue().ok());
  const uint32_t m = Approved(0x9a, 20'000);  // reserved, not paid
  ASSERT_EQ(StateOf(m), ProposalState::kApproved);
  auto st = disclosure_->GetFundStatement(kVillage, 202703, [](VillageId, const FundLine& l) {
    return std::string(TransferCodeName(l.code));
  });
  ASSERT_TRUE(st.ok()) << st.status();
  ASSERT_EQ(st->lines.size(), 4u);
  EXPECT_EQ(st->lines[0].code, kCodeDonation);
  EXPECT_EQ(st->lines[0].receipt, 1u);
  EXPECT_EQ(st->lines[0].balance_after, 100'000u);
  EXPECT_EQ(st->lines[1].state, MovementState::kPending);
  EXPECT_EQ(st->lines[1].detail, n);
  EXPECT_EQ(st->lines[2].state, MovementState::kPosted);
  EXPECT_FALSE(st->lines[2].credit);
  EXPECT_EQ(st->lines[2].what, "project_spend");
  EXPECT_EQ(st->lines[2].balance_after, 70'000u);
  EXPECT_EQ(st->lines[3].state, MovementState::kPending);
  EXPECT_EQ(st->in, 100'000u);
  EXPECT_EQ(st->out, 30'000u);
  EXPECT_EQ(st->closing, 70'000u);
  EXPECT_EQ(st->reserved, 20'000u);
  auto report = disclosure_->GetReport(kVillage, 202703);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->micro_fund, (FundFlow{0, 100'000, 1, 30'000, 1, 70'000}));
  EXPECT_EQ(report->micro_fund_detail, (FundDetail{0, 100'000, 1, 30'000, 1, 20'000}));
  auto board = disclosure_->GetBoard(kVillage, 0, clock_.NowNanos(), false);
  ASSERT_TRUE(board.ok()) << board.status();
  EXPECT_EQ(board->fund.balance, 70'000u);
  EXPECT_EQ(board->fund.reserved, 20'000u);
  EXPECT_EQ(board->fund.available, 50'000u);
  EXPECT_EQ(board->fund_in, 100'000u);
  EXPECT_EQ(board->fund_out, 30'000u);
}

TEST_F(ProposalBookTest, TextsAreCheckedAndNamed) {
  ProposalRequest q;
  q.village = kVillage;
  q.proposal = 0x9b;
  q.household = 1;
  q.title = std::string(kProposalTitleBytesMax + 1, 't');
  q.proposed_by = "household-1";
  EXPECT_TRUE(absl::StartsWith(book_->Propose(q).status().message(), "title:"));
  q.title = "ok";
  q.description = "\xc0\x80";  // an overlong NUL: not UTF-8
  EXPECT_TRUE(
      absl::StrContains(book_->Propose(q).status().message(), "description: must be UTF-8"));
  q.description.clear();
  q.cost_fen = kProjectCostFenMax + 1;
  EXPECT_TRUE(absl::StartsWith(book_->Propose(q).status().message(), "cost_fen:"));
  q.cost_fen = 0;
  q.household = 99;
  EXPECT_EQ(book_->Propose(q).status().code(), absl::StatusCode::kNotFound);
  q.household = 1;
  auto p = book_->Propose(q);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(
      book_->Accept(kVillage, p->number, clock_.NowNanos(), "", "committee-li").status().code(),
      absl::StatusCode::kInvalidArgument)
      << "a window that has already closed";
  ASSERT_TRUE(
      book_->Accept(kVillage, p->number, clock_.NowNanos() + kMinute, "", "committee-li").ok());
  Remark r{kVillage, p->number, 0x51, 2, std::string(kRemarkBytesMax + 1, 'r'), "household-2", 0};
  EXPECT_TRUE(absl::StartsWith(book_->Comment(r).status().message(), "text:"));
  r.text = "支持 (for it)";
  ASSERT_TRUE(book_->Comment(r).ok());
  EXPECT_TRUE(book_->Comment(r).ok()) << "a resend";
  auto remarks = book_->Remarks(kVillage, p->number);
  ASSERT_TRUE(remarks.ok());
  EXPECT_EQ(remarks->size(), 1u);
  clock_.Advance(kMinute);
  r.remark = 0x52;
  EXPECT_EQ(book_->Comment(r).status().code(), absl::StatusCode::kFailedPrecondition)
      << "no comments after the vote closed";
}

TEST_F(ProposalBookTest, ProposalsAreNumberedInOrderAndAResendKeepsItsNumber) {
  for (Id id : {Id(0xa1), Id(0xa2), Id(0xa3)}) {
    ProposalRequest q;
    q.village = kVillage;
    q.proposal = id;
    q.household = 2;
    q.title = "议题";
    q.proposed_by = "household-2";
    auto p = book_->Propose(q);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(p->number, static_cast<uint32_t>(id - 0xa0));
    q.title = "另一个议题";
    EXPECT_EQ(book_->Propose(q).status().code(), absl::StatusCode::kAlreadyExists);
  }
  ASSERT_NO_FATAL_FAILURE(OpenBook());
  ProposalRequest q;
  q.village = kVillage;
  q.proposal = 0xa4;
  q.household = 2;
  q.title = "议题";
  q.proposed_by = "household-2";
  auto p = book_->Propose(q);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->number, 4u) << "numbers carry on after a restart";
  bool truncated = true;
  auto listed = book_->List(kVillage, &truncated);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 4u);
  EXPECT_FALSE(truncated);
}

}  // namespace
}  // namespace points::domain
