// The micro-fund's money in against the real engine and domain store: a donation is one
// transfer with a receipt number, a resend moves nothing more and gets the same receipt;
// partners must be registered; donors are shown as they chose; campaigns count what they raised
// from the ledger; every text field is checked and named; a fund without its floor (a village
// set up before it) takes money in but cannot pay out.
#include "server/domain/books/fund_book.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "points/engine.h"
#include "server/domain/books/award_book.h"
#include "server/domain/values/ids.h"
#include "server/domain/values/ledger_layout.h"
#include "tests/engine/testing.h"
#include "tests/testing/domain_testing.h"

namespace points::domain {
namespace {

using ::points::testing::TempDir;

constexpr VillageId kVillage = 7;
constexpr uint64_t kT0 = 1'800'000'000'000'000'000;  // 2027-01-15, a fixed clock
constexpr uint64_t kSecond = 1'000'000'000;

class FundBookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenLedgerAndStore(dir_.path(), &clock_, &engine_, &store_));
    ASSERT_TRUE(engine_->CreateAccounts(VillageAccounts(kVillage)).ok());
    OpenBook();
  }

  void OpenBook() {
    auto book = FundBook::Open(engine_.get(), &clock_, store_.get());
    ASSERT_TRUE(book.ok()) << book.status();
    book_ = *std::move(book);
  }

  static DonationRequest Gift(Id id, uint64_t fen) {
    DonationRequest q;
    q.village = kVillage;
    q.donation = id;
    q.donor_kind = DonorKind::kPerson;
    q.donor_name = "张小明";
    q.fen = fen;
    q.recorded_by = "committee-li";
    return q;
  }

  FundBalance Fund() {
    auto b = ReadFundBalance(*engine_, kVillage);
    EXPECT_TRUE(b.ok()) << b.status();
    return b.ok() ? *b : FundBalance();
  }

  TempDir dir_;
  ManualClock clock_{kT0};
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<DomainStore> store_;
  std::unique_ptr<FundBook> book_;
};

TEST_F(FundBookTest, ADonationIsOneTransferWithAReceiptAndAResendMovesNothingMore) {
  auto first = book_->Donate(Gift(0xd1, 5'000));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->state, DonationState::kRecorded);
  EXPECT_EQ(first->receipt, 1u);
  EXPECT_EQ(Fund().balance, 5'000u);
  auto again = book_->Donate(Gift(0xd1, 5'000));  // the answer was lost: sent again
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->receipt, 1u);
  EXPECT_EQ(Fund().balance, 5'000u) << "the resend moved the money twice";
  EXPECT_EQ(book_->Donate(Gift(0xd1, 6'000)).status().code(), absl::StatusCode::kAlreadyExists);
  auto second = book_->Donate(Gift(0xd2, 700));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->receipt, 2u);
  EXPECT_EQ(Fund().balance, 5'700u);
  // The transfer is on the money ledger, into the fund, naming the donation and its receipt.
  auto t = engine_->LookupTransfers({ids::Donation(kVillage, 0xd2)});
  ASSERT_TRUE(t.ok() && t->size() == 1);
  EXPECT_EQ((*t)[0].ledger, LedgersOf(kVillage).money);
  EXPECT_EQ((*t)[0].credit_account_id, ids::OfVillageAccount(kVillage, VillageAccount::kMicroFund));
  EXPECT_EQ((*t)[0].code, kCodeDonation);
  EXPECT_EQ((*t)[0].user_data_64, 2u);
  // Receipt numbers carry on after a restart.
  ASSERT_NO_FATAL_FAILURE(OpenBook());
  auto third = book_->Donate(Gift(0xd3, 1));
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->receipt, 3u);
}

TEST_F(FundBookTest, DonorsArePartnersPeopleOrNobodyAndShownAsTheyChose) {
  DonationRequest partner = Gift(0xe1, 100'000);
  partner.donor_kind = DonorKind::kPartner;
  partner.donor_name.clear();
  partner.partner = 3;
  EXPECT_EQ(book_->Donate(partner).status().code(), absl::StatusCode::kNotFound)
      << "a partner must be registered first";
  ASSERT_TRUE(
      book_->PutPartner({kVillage, 3, "东山建材有限公司", PartnerKind::kCompany, "committee-li", 0})
          .ok());
  auto from_partner = book_->Donate(partner);
  ASSERT_TRUE(from_partner.ok()) << from_partner.status();
  EXPECT_EQ(PublicDonor(*from_partner), "东山建材有限公司");
  // A later rename does not change the donation's donor.
  ASSERT_TRUE(
      book_->PutPartner({kVillage, 3, "东山集团", PartnerKind::kCompany, "committee-li", 0}).ok());
  EXPECT_EQ(book_->GetDonation(kVillage, 0xe1)->donor, "东山建材有限公司");

  DonationRequest masked = Gift(0xe2, 200);
  masked.shown = DonorShown::kMasked;
  EXPECT_EQ(PublicDonor(*book_->Donate(masked)), "张*明");
  DonationRequest hidden = Gift(0xe3, 300);
  hidden.shown = DonorShown::kHidden;
  EXPECT_EQ(PublicDonor(*book_->Donate(hidden)), "匿名 (anonymous)");
  DonationRequest anonymous = Gift(0xe4, 400);
  anonymous.donor_kind = DonorKind::kAnonymous;
  EXPECT_EQ(book_->Donate(anonymous).status().code(), absl::StatusCode::kInvalidArgument)
      << "an anonymous gift names nobody";
  anonymous.donor_name.clear();
  EXPECT_EQ(PublicDonor(*book_->Donate(anonymous)), "匿名 (anonymous)");
}

TEST_F(FundBookTest, EveryFieldIsCheckedAndNamed) {
  auto message_of = [&](DonationRequest q) {
    absl::Status s = book_->Donate(q).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    return std::string(s.message());
  };
  DonationRequest q = Gift(0xf1, 0);
  EXPECT_TRUE(absl::StartsWith(message_of(q), "fen:"));
  q.fen = kDonationFenMax + 1;
  EXPECT_TRUE(absl::StartsWith(message_of(q), "fen:"));
  q = Gift(0xf1, 1);
  q.donor_name = std::string(kDonorNameBytesMax + 1, 'x');
  EXPECT_TRUE(absl::StartsWith(message_of(q), "donor_name:"));
  q.donor_name = "\xff\xfe";
  EXPECT_TRUE(absl::StrContains(message_of(q), "donor_name: must be UTF-8"));
  q = Gift(0xf1, 1);
  q.note = std::string(kDonationNoteBytesMax + 1, 'n');
  EXPECT_TRUE(absl::StartsWith(message_of(q), "note:"));
  q = Gift(0, 1);
  EXPECT_TRUE(absl::StartsWith(message_of(q), "donation_id:"));
  EXPECT_EQ(Fund().balance, 0u) << "nothing refused moved any money";
  Partner p{kVillage,       1, std::string(kPartnerNameBytesMax + 1, 'p'), PartnerKind::kCompany,
            "committee-li", 0};
  EXPECT_TRUE(absl::StartsWith(book_->PutPartner(p).status().message(), "name:"));
  Campaign c{kVillage, 1, "健身广场", 0, 0, "committee-li", 0, 0, 0};
  EXPECT_TRUE(absl::StartsWith(book_->OpenCampaign(c).status().message(), "target_fen:"));
}

TEST_F(FundBookTest, ACampaignCountsWhatItRaisedFromTheLedgerUntilItEnds) {
  Campaign c{kVillage, 2, "村口健身广场募捐", 1'000'000, kT0 + 10 * kSecond, "committee-li", 0,
             0,        0};
  ASSERT_TRUE(book_->OpenCampaign(c).ok());
  EXPECT_TRUE(book_->OpenCampaign(c).ok()) << "the same campaign again is a resend";
  Campaign other = c;
  other.target_fen = 5;
  EXPECT_EQ(book_->OpenCampaign(other).status().code(), absl::StatusCode::kAlreadyExists);
  DonationRequest q = Gift(0xc1, 30'000);
  q.campaign = 2;
  ASSERT_TRUE(book_->Donate(q).ok());
  q = Gift(0xc2, 20'000);
  q.campaign = 2;
  ASSERT_TRUE(book_->Donate(q).ok());
  ASSERT_TRUE(book_->Donate(Gift(0xc3, 999)).ok());  // towards no campaign
  q = Gift(0xc4, 1);
  q.campaign = 9;
  EXPECT_EQ(book_->Donate(q).status().code(), absl::StatusCode::kNotFound);
  auto listed = book_->ListCampaigns(kVillage);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].raised_fen, 50'000u);
  EXPECT_EQ((*listed)[0].donations, 2u);
  clock_.Advance(10 * kSecond);
  q = Gift(0xc5, 1);
  q.campaign = 2;
  EXPECT_EQ(book_->Donate(q).status().code(), absl::StatusCode::kFailedPrecondition)
      << "the campaign has ended";
  q = Gift(0xc1, 30'000);
  q.campaign = 2;
  EXPECT_TRUE(book_->Donate(q).ok()) << "a resend of a donation made in time is answered";
}

TEST_F(FundBookTest, AFundWithoutItsFloorTakesMoneyInButPaysNothingOut) {
  constexpr VillageId kOld = 8;
  // The micro-fund as villages were set up before it had its floor.
  std::vector<Account> accounts = VillageAccounts(kOld);
  for (Account& a : accounts) {
    if (a.id == ids::OfVillageAccount(kOld, VillageAccount::kMicroFund)) a.flags = kAccountHistory;
  }
  ASSERT_TRUE(engine_->CreateAccounts(accounts).ok());
  DonationRequest q = Gift(0xa1, 500);
  q.village = kOld;
  auto gift = book_->Donate(q);
  ASSERT_TRUE(gift.ok()) << gift.status();
  EXPECT_EQ(gift->state, DonationState::kRecorded);
  auto fund = ReadFundBalance(*engine_, kOld);
  ASSERT_TRUE(fund.ok());
  EXPECT_EQ(fund->balance, 500u);
  EXPECT_FALSE(fund->floored);
  absl::Status pay = EnsureFundAccounts(*engine_, kOld, /*to_pay_out=*/true);
  EXPECT_EQ(pay.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(pay.message(), "floor")) << pay;
  EXPECT_TRUE(EnsureFundAccounts(*engine_, kVillage, true).ok());
  // Setting such a village up again keeps working: its fund account stays as it was.
  auto awards = AwardBook::Open(engine_.get(), &clock_, store_.get(), AwardPolicy());
  ASSERT_TRUE(awards.ok()) << awards.status();
  EXPECT_TRUE((*awards)->SetUpVillage(kOld).ok());
  EXPECT_EQ(EnsureFundAccounts(*engine_, 9, false).code(), absl::StatusCode::kFailedPrecondition)
      << "a village that is not set up";
}

}  // namespace
}  // namespace points::domain
