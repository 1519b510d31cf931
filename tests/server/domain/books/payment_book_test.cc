// Payment codes and cards against a real domain store, on a manual clock: a code pays once, for
// its own household, within its lifetime, and never after a later one paid, also across a
// reopen and under racing terminals; a card pays with its PIN, counts wrong PINs across a
// reopen, locks after kPinAttemptsMax of them until the lockout passes, and dies when replaced;
// the store holds no PIN.
#include "server/domain/books/payment_book.h"

#include <openssl/sha.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "server/domain/store/domain_store.h"
#include "tests/engine/testing.h"
#include "tests/testing/domain_testing.h"

namespace points::domain {
namespace {

using testing::TempDir;

constexpr uint64_t kSecondNs = 1'000'000'000;
constexpr uint64_t kStartNs = 1'772'352'000 * kSecondNs;  // 2026-03-01T08:00:00Z
constexpr VillageId kVillage = 3;
constexpr uint64_t kWang = 7;  // a household
constexpr uint64_t kZhao = 8;  // its neighbour
constexpr char kPin[] = "2468";

class PaymentBookTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  // A new book on the same directory, the store closed and opened again: what a restart sees.
  void Reopen() { ASSERT_NO_FATAL_FAILURE(ReopenBook(dir_.path(), &clock_, &store_, &book_)); }

  std::string Issue(uint64_t household = kWang) {
    auto code = book_->IssueCode(kVillage, household);
    EXPECT_TRUE(code.ok()) << code.status();
    return code.ok() ? code->code : "";
  }

  std::string IssueCard(uint64_t household = kWang, const std::string& pin = kPin) {
    auto card = book_->IssueCard(kVillage, household, pin);
    EXPECT_TRUE(card.ok()) << card.status();
    return card.ok() ? card->number : "";
  }

  // Every record in the store, by key.
  std::map<std::string, std::string> Records() {
    std::map<std::string, std::string> records;
    EXPECT_TRUE(store_
                    ->Scan("",
                           [&](const std::string& key, const std::string& value) {
                             records[key] = value;
                             return true;
                           })
                    .ok());
    return records;
  }

  TempDir dir_;
  ManualClock clock_{kStartNs};
  std::unique_ptr<DomainStore> store_;
  std::unique_ptr<PaymentBook> book_;
};

// The status's code is `code` and its message contains `text`.
void ExpectRefused(const absl::Status& status, absl::StatusCode code, const std::string& text) {
  EXPECT_EQ(status.code(), code) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), text)) << status << "\nwanted: " << text;
}

// `code` with its last MAC digit changed to another hex digit.
std::string WithMacFlipped(std::string code) {
  code.back() = code.back() == '0' ? '1' : '0';
  return code;
}

TEST_F(PaymentBookTest, ACodeIsAcceptedOnceAndItsReplayRefused) {
  auto code = book_->IssueCode(kVillage, kWang);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(code->issued_at_ns, kStartNs);
  EXPECT_EQ(code->expires_at_ns, kStartNs + kPaymentCodeLifetimeNs);
  EXPECT_TRUE(absl::StartsWith(code->code, absl::StrCat("PC1-3-7-", absl::Hex(kStartNs), "-")))
      << code->code;
  EXPECT_LE(code->code.size(), kPaymentCodeBytesMax);

  EXPECT_TRUE(book_->ConsumeCode(kVillage, kWang, code->code).ok());
  clock_.Advance(kSecondNs);
  ExpectRefused(book_->ConsumeCode(kVillage, kWang, code->code),
                absl::StatusCode::kPermissionDenied, "payment code was already used");
}

TEST_F(PaymentBookTest, ACodeIsRefusedForAnotherHousehold) {
  const std::string code = Issue(kWang);
  ExpectRefused(book_->ConsumeCode(kVillage, kZhao, code), absl::StatusCode::kPermissionDenied,
                "payment code is household 7's of village 3, not household 8's of village 3");
  ExpectRefused(book_->ConsumeCode(kVillage + 1, kWang, code), absl::StatusCode::kPermissionDenied,
                "not household 7's of village 4");
  EXPECT_TRUE(book_->ConsumeCode(kVillage, kWang, code).ok()) << "a refusal used nothing";
}

TEST_F(PaymentBookTest, ATamperedCodeIsRefused) {
  Issue(kZhao);  // the neighbour has a secret too: one it may not lend
  const std::string code = Issue(kWang);
  ExpectRefused(book_->ConsumeCode(kVillage, kWang, WithMacFlipped(code)),
                absl::StatusCode::kPermissionDenied, "payment code's MAC is wrong");

  // Each field the text names is covered by the MAC: moving the code to the neighbour, or to a
  // later issue time (to outlive its lifetime), breaks it.
  std::string to_zhao = code;
  to_zhao.replace(0, 8, "PC1-3-8-");
  ExpectRefused(book_->ConsumeCode(kVillage, kZhao, to_zhao), absl::StatusCode::kPermissionDenied,
                "MAC is wrong");
  std::string later = code;
  const std::string issued = absl::StrCat(absl::Hex(kStartNs));
  later.replace(later.find(issued), issued.size(), absl::StrCat(absl::Hex(kStartNs + 1)));
  ExpectRefused(book_->ConsumeCode(kVillage, kWang, later), absl::StatusCode::kPermissionDenied,
                "MAC is wrong");
  // A household that never had a secret verifies nothing.
  std::string to_stranger = code;
  to_stranger.replace(0, 8, "PC1-3-9-");
  ExpectRefused(book_->ConsumeCode(kVillage, 9, to_stranger), absl::StatusCode::kPermissionDenied,
                "MAC is wrong");

  EXPECT_TRUE(book_->ConsumeCode(kVillage, kWang, code).ok());
}

TEST_F(PaymentBookTest, ACodeExpiresAtTheEndOfItsLifetime) {
  const std::string first = Issue();
  clock_.Advance(1);
  const std::string second = Issue();
  clock_.Advance(kPaymentCodeLifetimeNs - 1);  // first: its whole lifetime; second: 1 ns less
  ExpectRefused(book_->ConsumeCode(kVillage, kWang, first), absl::StatusCode::kPermissionDenied,
                "payment code expired at 2026-03-01T08:02:00Z");
  EXPECT_TRUE(book_->ConsumeCode(kVillage, kWang, second).ok());
}

TEST_F(PaymentBookTest, ACodeFromTheFutureIsRefusedBeyondTheSkew) {
  clock_.Set(kStartNs + kPaymentCodeClockSkewNs + 1);
  const std::string too_far = Issue();
  clock_.Set(kStartNs + kPaymentCodeClockSkewNs);
  const std::string at_skew = Issue();
  clock_.Set(kStartNs);
  ExpectRefused(book_->ConsumeCode(kVillage, kWang, too_far), absl::StatusCode::kPermissionDenied,
                "payment code is issued in the future");
  EXPECT_TRUE(book_->ConsumeCode(kVillage, kWang, at_skew).ok());
}

TEST_F(PaymentBookTest, AnOlderCodeIsRefusedOnceANewerOneWasUsed) {
  const std::string older = Issue();
  clock_.Advance(kSecondNs);
  const std::string newer = Issue();
  EXPECT_NE(older, newer);
  ASSERT_TRUE(book_->ConsumeCode(kVillage, kWang, newer).ok());
  ExpectRefused(book_->ConsumeCode(kVillage, kWang, older), absl::StatusCode::kPermissionDenied,
                "a later code of the household was already used");

  // The other way round both pay: a later code supersedes none until it is used.
  clock_.Advance(kSecondNs);
  const std::string third = Issue();
  clock_.Advance(kSecondNs);
  const std::string fourth = Issue();
  EXPECT_TRUE(book_->ConsumeCode(kVillage, kWang, third).ok());
  EXPECT_TRUE(book_->ConsumeCode(kVillage, kWang, fourth).ok());
}

TEST_F(PaymentBookTest, ACodeIssuedInTheNanosecondOfAUsedOneIsStillFresh) {
  const std::string used = Issue();
  ASSERT_TRUE(book_->ConsumeCode(kVillage, kWang, used).ok());
  auto next = book_->IssueCode(kVillage, kWang);  // the clock has not moved
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_NE(next->code, used);
  EXPECT_EQ(next->issued_at_ns, kStartNs + 1);
  EXPECT_TRUE(book_->ConsumeCode(kVillage, kWang, next->code).ok());
}

TEST_F(PaymentBookTest, TheUsedMarkSurvivesAReopen) {
  const std::string older = Issue();
  clock_.Advance(kSecondNs);
  const std::string newer = Issue();
  ASSERT_TRUE(book_->ConsumeCode(kVillage, kWang, newer).ok());

  ASSERT_NO_FATAL_FAILURE(Reopen());
  ExpectRefused(book_->ConsumeCode(kVillage, kWang, newer), absl::StatusCode::kPermissionDenied,
                "already used");
  ExpectRefused(book_->ConsumeCode(kVillage, kWang, older), absl::StatusCode::kPermissionDenied,
                "a later code");
  clock_.Advance(kSecondNs);
  EXPECT_TRUE(book_->ConsumeCode(kVillage, kWang, Issue()).ok()) << "the secret survives too";
}

TEST_F(PaymentBookTest, IssuingWritesNothingOnceTheSecretExists) {
  EXPECT_TRUE(Records().empty());
  const std::string first = Issue();
  const std::map<std::string, std::string> after_first = Records();
  ASSERT_EQ(after_first.size(), 1u);
  EXPECT_TRUE(absl::StartsWith(after_first.begin()->first, "pay/"));
  clock_.Advance(kSecondNs);
  EXPECT_NE(Issue(), first);
  EXPECT_EQ(Records(), after_first);
}

TEST_F(PaymentBookTest, HouseholdOfCodeNamesTheHouseholdAndRefusesWhatIsNoCode) {
  const std::string code = Issue();
  auto who = PaymentBook::HouseholdOfCode(code);
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ(who->first, kVillage);
  EXPECT_EQ(who->second, kWang);
  const std::string mac = code.substr(code.rfind('-') + 1);
  auto big = PaymentBook::HouseholdOfCode(
      absl::StrCat("PC1-1048576-18446744073709551615-ffffffffffffffff-", mac));
  ASSERT_TRUE(big.ok()) << big.status() << ": the largest numbers fit";
  EXPECT_EQ(big->first, kVillagesMax);
  EXPECT_EQ(big->second, 18446744073709551615u);

  struct Case {
    std::string code;
    const char* problem;
  } cases[] = {
      {"", "not of the form PC1-"},
      {"hello", "not of the form PC1-"},
      {"PC1-3-7-1", "not of the form"},
      {absl::StrCat("PC2-3-7-1-", mac), "not of the form"},
      {absl::StrCat("PC1-3-7-1-", mac, "-1"), "not of the form"},
      {absl::StrCat("PC1-0-7-1-", mac), "village is not a number 1..1048576"},
      {absl::StrCat("PC1-1048577-7-1-", mac), "village is not a number"},
      {absl::StrCat("PC1-+3-7-1-", mac), "village is not a number"},
      {absl::StrCat("PC1-3-0-1-", mac), "household is not a number above 0"},
      {absl::StrCat("PC1-3-18446744073709551616-1-", mac), "household is not a number"},
      {absl::StrCat("PC1-3- 7-1-", mac), "household is not a number"},
      {absl::StrCat("PC1-3-7--", mac), "issue time is not 1..16 lower-case hex digits"},
      {absl::StrCat("PC1-3-7-1A-", mac), "issue time is not"},
      {absl::StrCat("PC1-3-7-10000000000000000-", mac), "issue time is not"},
      {"PC1-3-7-1-0123456789abcde", "MAC is not 16 lower-case hex digits"},
      {"PC1-3-7-1-0123456789ABCDEF", "MAC is not 16"},
      {absl::StrCat("PC1-03-7-1-", mac), "leading zeros"},
      {absl::StrCat("PC1-3-7-01-", mac), "leading zeros"},
      {std::string(kPaymentCodeBytesMax + 1, '1'), "longer than 96 bytes"},
      {absl::StrCat("PC1-3-7-1-", mac, std::string(kPaymentCodeBytesMax, '0')),
       "longer than 96 bytes"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.code);
    ExpectRefused(PaymentBook::HouseholdOfCode(c.code).status(), absl::StatusCode::kInvalidArgument,
                  c.problem);
    ExpectRefused(book_->ConsumeCode(kVillage, kWang, c.code), absl::StatusCode::kInvalidArgument,
                  c.problem);
  }
  EXPECT_TRUE(book_->ConsumeCode(kVillage, kWang, code).ok()) << "refusals used nothing";
}

TEST_F(PaymentBookTest, OneCodeFromEightTerminalsAtOncePaysExactlyOnce) {
  constexpr int kTerminals = 8;
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE(round);
    clock_.Advance(kSecondNs);
    const std::string code = Issue();
    absl::Notification go;
    std::atomic<int> accepted{0}, already_used{0};
    std::vector<std::thread> terminals;
    for (int i = 0; i < kTerminals; ++i) {
      terminals.emplace_back([&] {
        go.WaitForNotification();
        const absl::Status status = book_->ConsumeCode(kVillage, kWang, code);
        if (status.ok()) ++accepted;
        if (absl::StrContains(status.message(), "already used")) ++already_used;
      });
    }
    go.Notify();
    for (std::thread& t : terminals) t.join();
    EXPECT_EQ(accepted.load(), 1);
    EXPECT_EQ(already_used.load(), kTerminals - 1);
  }
}

TEST_F(PaymentBookTest, ACardPaysWithItsPinAndCountsWrongOnesDown) {
  const std::string card = IssueCard();
  ASSERT_EQ(card.size(), kCardNumberDigits);
  EXPECT_EQ(card.find_first_not_of("0123456789"), std::string::npos) << card;
  EXPECT_TRUE(book_->CheckCard(kVillage, kWang, card, kPin).ok());
  ExpectRefused(book_->CheckCard(kVillage, kWang, card, "1357"),
                absl::StatusCode::kPermissionDenied,
                "wrong PIN: 4 attempts left before the card locks");
  ExpectRefused(book_->CheckCard(kVillage, kWang, card, "24680"),
                absl::StatusCode::kPermissionDenied, "wrong PIN: 3 attempts left");
  ExpectRefused(book_->CheckCard(kVillage, kWang, card, "24"), absl::StatusCode::kPermissionDenied,
                "wrong PIN: 2 attempts left");  // malformed: wrong all the same
  EXPECT_TRUE(book_->CheckCard(kVillage, kWang, card, kPin).ok());
  // A right PIN resets the count.
  ExpectRefused(book_->CheckCard(kVillage, kWang, card, "1357"),
                absl::StatusCode::kPermissionDenied, "wrong PIN: 4 attempts left");

  // Not the neighbour's card, with or without the PIN; and nobody's card at all.
  ExpectRefused(book_->CheckCard(kVillage, kZhao, card, kPin), absl::StatusCode::kPermissionDenied,
                absl::StrCat("card ", card, " is not household 8's"));
  ExpectRefused(book_->CheckCard(kVillage + 1, kWang, card, kPin),
                absl::StatusCode::kPermissionDenied, "is not household 7's");
  const std::string other = card == "000000000000" ? "000000000001" : "000000000000";
  ExpectRefused(book_->CheckCard(kVillage, kWang, other, kPin), absl::StatusCode::kPermissionDenied,
                absl::StrCat("card ", other, " is not"));
  for (const std::string& malformed : {std::string(), card.substr(1), card + "0", card + " "}) {
    ExpectRefused(book_->CheckCard(kVillage, kWang, malformed, kPin),
                  absl::StatusCode::kInvalidArgument, "card number: 12 ASCII digits");
  }
  // Wrong cards counted nothing against the right one.
  ExpectRefused(book_->CheckCard(kVillage, kWang, card, "1357"),
                absl::StatusCode::kPermissionDenied, "wrong PIN: 3 attempts left");
}

TEST_F(PaymentBookTest, FiveWrongPinsLockTheCardUntilTheLockoutPasses) {
  const std::string card = IssueCard();
  for (uint32_t wrong = 1; wrong < kPinAttemptsMax; ++wrong) {
    ExpectRefused(book_->CheckCard(kVillage, kWang, card, "0000"),
                  absl::StatusCode::kPermissionDenied,
                  absl::StrCat(kPinAttemptsMax - wrong, " attempts left"));
  }
  ExpectRefused(book_->CheckCard(kVillage, kWang, card, "0000"),
                absl::StatusCode::kPermissionDenied,
                "wrong PIN: card locked after 5 wrong PINs until 2026-03-01T08:15:00Z");
  ExpectRefused(book_->CheckCard(kVillage, kWang, card, kPin), absl::StatusCode::kPermissionDenied,
                "card locked after 5 wrong PINs until 2026-03-01T08:15:00Z");
  clock_.Advance(kPinLockoutNs - 1);
  ExpectRefused(book_->CheckCard(kVillage, kWang, card, kPin), absl::StatusCode::kPermissionDenied,
                "card locked");
  // Guesses while locked do not extend the lock.
  ExpectRefused(book_->CheckCard(kVillage, kWang, card, "0000"),
                absl::StatusCode::kPermissionDenied, "card locked");
  clock_.Advance(1);
  EXPECT_TRUE(book_->CheckCard(kVillage, kWang, card, kPin).ok());
  // The count starts again.
  ExpectRefused(book_->CheckCard(kVillage, kWang, card, "0000"),
                absl::StatusCode::kPermissionDenied, "wrong PIN: 4 attempts left");
}

TEST_F(PaymentBookTest, WrongPinsAndTheLockSurviveAReopen) {
  const std::string card = IssueCard();
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(book_->CheckCard(kVillage, kWang, card, "0000").code(),
              absl::StatusCode::kPermissionDenied);
  }
  ASSERT_NO_FATAL_FAILURE(Reopen());
  ExpectRefused(book_->CheckCard(kVillage, kWang, card, "0000"),
                absl::StatusCode::kPermissionDenied, "wrong PIN: 1 attempts left");
  ExpectRefused(book_->CheckCard(kVillage, kWang, card, "0000"),
                absl::StatusCode::kPermissionDenied, "card locked");
  ASSERT_NO_FATAL_FAILURE(Reopen());
  ExpectRefused(book_->CheckCard(kVillage, kWang, card, kPin), absl::StatusCode::kPermissionDenied,
                "card locked after 5 wrong PINs");
  // Once the lockout passed, even a wrong PIN finds the full count again.
  clock_.Advance(kPinLockoutNs);
  ExpectRefused(book_->CheckCard(kVillage, kWang, card, "0000"),
                absl::StatusCode::kPermissionDenied, "wrong PIN: 4 attempts left");
  EXPECT_TRUE(book_->CheckCard(kVillage, kWang, card, kPin).ok());
}

TEST_F(PaymentBookTest, ReissuingACardKillsTheOldNumberAndPin) {
  const std::string old_card = IssueCard(kWang, "1111");
  ASSERT_EQ(book_->CheckCard(kVillage, kWang, old_card, "0000").code(),
            absl::StatusCode::kPermissionDenied);
  const std::string new_card = IssueCard(kWang, "2222");
  ASSERT_FALSE(new_card.empty());
  EXPECT_NE(new_card, old_card);
  ExpectRefused(book_->CheckCard(kVillage, kWang, old_card, "1111"),
                absl::StatusCode::kPermissionDenied, "is not household 7's");
  // The old PIN is gone, and the old card's wrong PIN does not count against the new one.
  ExpectRefused(book_->CheckCard(kVillage, kWang, new_card, "1111"),
                absl::StatusCode::kPermissionDenied, "wrong PIN: 4 attempts left");
  EXPECT_TRUE(book_->CheckCard(kVillage, kWang, new_card, "2222").ok());
}

TEST_F(PaymentBookTest, CardNumbersAreUniqueTwelveDigits) {
  std::set<std::string> numbers;
  for (uint64_t household = 1; household <= 20; ++household) {
    const std::string number = IssueCard(household, "1234");
    ASSERT_EQ(number.size(), kCardNumberDigits);
    EXPECT_EQ(number.find_first_not_of("0123456789"), std::string::npos) << number;
    numbers.insert(number);
  }
  EXPECT_EQ(numbers.size(), 20u);
  for (const std::string& number : numbers) {
    EXPECT_TRUE(Records().contains(absl::StrCat("pay/card/", number))) << "claimed: " << number;
  }
}

TEST_F(PaymentBookTest, ABadPinIsRefusedNamingTheLimits) {
  const char kFullwidth1234[] = "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94";
  for (const std::string pin : {"123", "123456789", "12a4", "", "1234 ", "-123", kFullwidth1234}) {
    SCOPED_TRACE(pin);
    ExpectRefused(book_->IssueCard(kVillage, kWang, pin).status(),
                  absl::StatusCode::kInvalidArgument, "PIN: 4..8 ASCII digits");
  }
  EXPECT_TRUE(Records().empty()) << "a refused card writes nothing";
  EXPECT_FALSE(IssueCard(kWang, "1234").empty());
  EXPECT_FALSE(IssueCard(kWang, "12345678").empty());
}

TEST_F(PaymentBookTest, TheStoreHoldsNoPin) {
  const std::string pin = "73915468";
  const std::string card = IssueCard(kWang, pin);
  ASSERT_TRUE(book_->CheckCard(kVillage, kWang, card, pin).ok());
  ASSERT_EQ(book_->CheckCard(kVillage, kWang, card, "0000").code(),
            absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(book_->ConsumeCode(kVillage, kWang, Issue()).ok());
  // Nor its fast, unsalted hash, which a table would reverse at once.
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(pin.data()), pin.size(), digest);
  const std::string sha(reinterpret_cast<const char*>(digest), sizeof digest);
  const std::map<std::string, std::string> records = Records();
  EXPECT_EQ(records.size(), 2u) << "the household's record and its card number's";
  for (const auto& [key, value] : records) {
    for (const std::string& leak : {pin, sha, absl::BytesToHexString(sha)}) {
      EXPECT_FALSE(absl::StrContains(key, leak)) << key;
      EXPECT_FALSE(absl::StrContains(value, leak)) << key;
    }
  }
}

TEST_F(PaymentBookTest, ARecordThatDoesNotDecodeIsDataLoss) {
  const std::string card = IssueCard();
  const std::string code = Issue();
  int corrupted = 0;
  for (const auto& [key, value] : Records()) {
    if (!absl::StartsWith(key, "pay/h/")) continue;
    ASSERT_TRUE(store_->Put(key, value.substr(0, value.size() - 1)).ok());
    ++corrupted;
  }
  ASSERT_EQ(corrupted, 1);
  EXPECT_EQ(book_->IssueCode(kVillage, kWang).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(book_->ConsumeCode(kVillage, kWang, code).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(book_->CheckCard(kVillage, kWang, card, kPin).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(book_->IssueCard(kVillage, kWang, kPin).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(book_->IssueCode(kVillage, kZhao).ok()) << "only the one household";
}

TEST_F(PaymentBookTest, VillageAndHouseholdMustBeSet) {
  const std::string code = Issue();
  const std::string card = IssueCard();
  const std::pair<VillageId, uint64_t> bad[] = {{0, kWang}, {kVillage, 0}, {kVillagesMax + 1, 1}};
  for (const auto& [village, household] : bad) {
    SCOPED_TRACE(absl::StrCat(village, "/", household));
    EXPECT_EQ(book_->IssueCode(village, household).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(book_->ConsumeCode(village, household, code).code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(book_->IssueCard(village, household, kPin).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(book_->CheckCard(village, household, card, kPin).code(),
              absl::StatusCode::kInvalidArgument);
  }
  ExpectRefused(book_->IssueCode(0, kWang).status(), absl::StatusCode::kInvalidArgument,
                "village: must be 1..1048576");
  ExpectRefused(book_->IssueCode(kVillage, 0).status(), absl::StatusCode::kInvalidArgument,
                "household: must not be 0");
}

TEST_F(PaymentBookTest, ThreeLockoutsInARowBlockTheCardUntilANewOneIsIssued) {
  const std::string card = IssueCard();
  for (uint32_t lockout = 1; lockout <= kPinLockoutsMax; ++lockout) {
    for (uint32_t i = 0; i < kPinAttemptsMax; ++i) {
      EXPECT_EQ(book_->CheckCard(kVillage, kWang, card, "000000").code(),
                absl::StatusCode::kPermissionDenied);
    }
    clock_.Advance(kPinLockoutNs + 1);  // the lockout passes; a blocked card stays blocked
  }
  const absl::Status blocked = book_->CheckCard(kVillage, kWang, card, kPin);
  EXPECT_EQ(blocked.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(absl::StrContains(blocked.message(), "blocked")) << blocked;
  clock_.Advance(uint64_t{24} * 3600 * 1'000'000'000);
  EXPECT_FALSE(book_->CheckCard(kVillage, kWang, card, kPin).ok()) << "still blocked a day later";
  const std::string reissued = IssueCard();
  EXPECT_TRUE(book_->CheckCard(kVillage, kWang, reissued, kPin).ok());
}

TEST_F(PaymentBookTest, ARightPinBetweenLockoutsStartsTheCountAgain) {
  const std::string card = IssueCard();
  for (uint32_t lockout = 1; lockout < kPinLockoutsMax; ++lockout) {
    for (uint32_t i = 0; i < kPinAttemptsMax; ++i) {
      EXPECT_FALSE(book_->CheckCard(kVillage, kWang, card, "000000").ok());
    }
    clock_.Advance(kPinLockoutNs + 1);
  }
  ASSERT_TRUE(book_->CheckCard(kVillage, kWang, card, kPin).ok());
  for (uint32_t i = 0; i < kPinAttemptsMax; ++i) {
    EXPECT_FALSE(book_->CheckCard(kVillage, kWang, card, "000000").ok());
  }
  clock_.Advance(kPinLockoutNs + 1);
  EXPECT_TRUE(book_->CheckCard(kVillage, kWang, card, kPin).ok()) << "one lockout, not blocked";
}

// ---- Consents (consent.h): a code used in the payment's own write, given back on refusal ----

// What a recording book does with a consent's writes: adds its record and writes them together.
// Passed as std::ref(recorder): what it saw stays readable.
struct Recorder {
  explicit Recorder(DomainStore* to, std::string key_of = "test/payment")
      : store(to), key(std::move(key_of)) {}
  DomainStore* store;
  std::string key;
  absl::Status fail;  // a write that fails (a full disk): nothing of it lands
  std::vector<StoreWrite> seen;
  absl::Status operator()(std::vector<StoreWrite> writes) {
    seen = writes;
    if (!fail.ok()) return fail;
    writes.push_back({key, "recorded"});
    return store->Write(writes);
  }
};

ShownConsent CodeShown(const std::string& code) { return {code, "", ""}; }
ShownConsent CardShown(const std::string& card, const std::string& pin) { return {"", card, pin}; }

TEST_F(PaymentBookTest, ACodeConsentIsUsedOnlyInTheWriteThatRecordsItsPayment) {
  const std::string code = Issue();
  {
    Recorder failing{store_.get()};
    failing.fail = absl::UnavailableError("disk full");
    auto consent = book_->ConsentOf(kVillage, kWang, CodeShown(code));
    ASSERT_TRUE(consent->Check().ok());
    EXPECT_EQ(consent->Use(std::ref(failing)).code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(failing.seen.size(), 1u) << "the used mark goes with the payment";
    EXPECT_FALSE(store_->Get("test/payment").ok());
  }
  // The payment was not recorded: the code still pays, once, in the same write as its payment.
  Recorder recorder{store_.get()};
  auto consent = book_->ConsentOf(kVillage, kWang, CodeShown(code));
  ASSERT_TRUE(consent->Check().ok());
  ASSERT_TRUE(consent->Use(std::ref(recorder)).ok());
  EXPECT_TRUE(store_->Get("test/payment").ok());
  ExpectRefused(book_->ConsumeCode(kVillage, kWang, code), absl::StatusCode::kPermissionDenied,
                "already used");
  // A second payment on it is refused before anything is written.
  Recorder second{store_.get(), "test/second"};
  ExpectRefused(book_->ConsentOf(kVillage, kWang, CodeShown(code))->Use(std::ref(second)),
                absl::StatusCode::kPermissionDenied, "already used");
  EXPECT_TRUE(second.seen.empty());
  EXPECT_FALSE(store_->Get("test/second").ok());
  // Another household's code, or no code at all, is refused likewise.
  ExpectRefused(book_->ConsentOf(kVillage, kZhao, CodeShown(Issue()))->Use(std::ref(second)),
                absl::StatusCode::kPermissionDenied, "not household 8's");
  EXPECT_TRUE(second.seen.empty());
}

TEST_F(PaymentBookTest, ARefusedPaymentGivesItsCodeBackUnlessALaterCodeWasUsedSince) {
  const std::string code = Issue();
  Recorder recorder{store_.get()};
  auto consent = book_->ConsentOf(kVillage, kWang, CodeShown(code));
  ASSERT_TRUE(consent->Use(std::ref(recorder)).ok());
  Recorder refusal{store_.get(), "test/refusal"};
  ASSERT_TRUE(consent->GiveBack(std::ref(refusal)).ok());
  EXPECT_EQ(refusal.seen.size(), 1u) << "the give-back goes with the refusal";
  EXPECT_TRUE(store_->Get("test/refusal").ok());
  consent.reset();
  Reopen();  // given back for good
  EXPECT_TRUE(book_->ConsumeCode(kVillage, kWang, code).ok()) << "the code pays again";

  // A later code used meanwhile: moving the mark back would reopen it, so nothing moves.
  clock_.Advance(kSecondNs);
  const std::string first = Issue();
  clock_.Advance(kSecondNs);
  const std::string later = Issue();
  Recorder payment{store_.get(), "test/payment-2"};
  Recorder refused{store_.get(), "test/refusal-2"};
  auto on_first = book_->ConsentOf(kVillage, kWang, CodeShown(first));
  ASSERT_TRUE(on_first->Use(std::ref(payment)).ok());
  ASSERT_TRUE(book_->ConsumeCode(kVillage, kWang, later).ok());
  ASSERT_TRUE(on_first->GiveBack(std::ref(refused)).ok());
  EXPECT_TRUE(refused.seen.empty()) << "nothing to give back";
  EXPECT_TRUE(store_->Get("test/refusal-2").ok()) << "the refusal is written all the same";
  ExpectRefused(book_->ConsumeCode(kVillage, kWang, later), absl::StatusCode::kPermissionDenied,
                "already used");
  ExpectRefused(book_->ConsumeCode(kVillage, kWang, first), absl::StatusCode::kPermissionDenied,
                "superseded");
}

TEST_F(PaymentBookTest, GivingACodeBackKeepsTheWrongPinsCountedMeanwhile) {
  const std::string card = IssueCard();
  const std::string code = Issue();
  Recorder recorder{store_.get()};
  auto consent = book_->ConsentOf(kVillage, kWang, CodeShown(code));
  ASSERT_TRUE(consent->Use(std::ref(recorder)).ok());
  ExpectRefused(book_->CheckCard(kVillage, kWang, card, "1357"),
                absl::StatusCode::kPermissionDenied, "4 attempts left");
  ASSERT_TRUE(consent->GiveBack(std::ref(recorder)).ok());
  // The give-back rewrote the household's record as it is now, not as Use read it.
  ExpectRefused(book_->CheckCard(kVillage, kWang, card, "1357"),
                absl::StatusCode::kPermissionDenied, "3 attempts left");
}

TEST_F(PaymentBookTest, ACardConsentIsCheckedBeforeItsPaymentAndUsesNothingUp) {
  const std::string card = IssueCard();
  Recorder recorder{store_.get()};
  auto wrong = book_->ConsentOf(kVillage, kWang, CardShown(card, "1357"));
  ExpectRefused(wrong->Check(), absl::StatusCode::kPermissionDenied, "4 attempts left");
  EXPECT_EQ(wrong->Use(std::ref(recorder)).code(), absl::StatusCode::kPermissionDenied)
      << "never a payment on a wrong PIN";
  EXPECT_FALSE(store_->Get("test/payment").ok());
  auto unchecked = book_->ConsentOf(kVillage, kWang, CardShown(card, kPin));
  EXPECT_EQ(unchecked->Use(std::ref(recorder)).code(), absl::StatusCode::kPermissionDenied)
      << "nor on a PIN nobody checked";
  for (int payment = 0; payment < 2; ++payment) {
    auto right = book_->ConsentOf(kVillage, kWang, CardShown(card, kPin));
    ASSERT_TRUE(right->Check().ok());
    ASSERT_TRUE(right->Use(std::ref(recorder)).ok());
    EXPECT_TRUE(recorder.seen.empty()) << "a card is not used up";
  }
}

TEST_F(PaymentBookTest, NeitherCodeNorCardOrBothIsNoConsent) {
  const std::string card = IssueCard();
  Recorder recorder{store_.get()};
  for (const ShownConsent& shown : {ShownConsent{"", "", ""}, ShownConsent{Issue(), card, kPin},
                                    ShownConsent{Issue(), "", kPin}}) {
    auto consent = book_->ConsentOf(kVillage, kWang, shown);
    ExpectRefused(consent->Check(), absl::StatusCode::kPermissionDenied, "one of the two");
    ExpectRefused(consent->Use(std::ref(recorder)), absl::StatusCode::kPermissionDenied,
                  "one of the two");
  }
  EXPECT_FALSE(store_->Get("test/payment").ok());
}

}  // namespace
}  // namespace points::domain
