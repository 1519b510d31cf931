// Household payment codes and cards (the payment-consent step of redemption): a shop terminal
// may redeem a basket only with the paying household's consent, shown either as a short-lived,
// single-use code the household's app displays as a QR code, or, for households without a
// smartphone, as a printed card number plus a PIN.
//
// A code is an HMAC over the household and the issue time under the household's own secret, so
// the app (which holds the secret) can make codes offline and the book checks them without
// remembering each one: it keeps per household only the issue time of the latest code used, and
// refuses any code issued at or before it. That one number, written in the same store write as
// the payment the code pays for (consent.h), makes a used code dead for good, across restarts,
// and a payment refused before it was recorded leaves the code as it was. A payment the ledger
// refuses (points, stock) gives its code back when no later code was used meanwhile: the mark
// goes back to what it was before, so no code that paid for anything reopens. The secret itself is
// stored as is (the book must recompute MACs), so a copy of the data directory can make codes; a
// PIN, by contrast, is stored only as a salted slow hash.
//
// Everything lives in the domain store under "pay/": one record per household that has a secret
// or a card, and one per card number ever issued (so a number is never issued twice, not even
// after its card was replaced). Nothing is kept in memory beyond locks.
#ifndef POINTS_SERVER_DOMAIN_BOOKS_PAYMENT_BOOK_H_
#define POINTS_SERVER_DOMAIN_BOOKS_PAYMENT_BOOK_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "points/engine.h"
#include "server/domain/books/consent.h"
#include "server/domain/store/domain_store.h"
#include "server/domain/values/ids.h"

namespace points::domain {

inline constexpr uint64_t kPaymentCodeLifetimeNs = 120'000'000'000;  // 2 minutes
inline constexpr size_t kPaymentCodeBytesMax = 96;  // a code's text, longest accepted
// How far ahead of the book's clock a code's issue time may be: the app's clock and the server's
// differ a little. Beyond it a code is refused: used, it would mark every code the household
// issues until then as superseded, and a photographed screen would stay good that much longer.
inline constexpr uint64_t kPaymentCodeClockSkewNs = 5'000'000'000;
inline constexpr size_t kPaymentSecretBytes = 32;  // a household's code key, from RAND_bytes
inline constexpr size_t kOfflineKeyBytes = 32;     // a household's offline key: one SHA-256
// A code carries 64 bits of its HMAC: short enough for a small QR code, and far beyond what a
// terminal could guess online within a code's lifetime.
inline constexpr size_t kPaymentMacHexDigits = 16;
inline constexpr size_t kCardNumberDigits = 12;
inline constexpr size_t kPinDigitsMin = 4, kPinDigitsMax = 8;
inline constexpr uint32_t kPinAttemptsMax = 5;  // wrong PINs in a row before the card locks
inline constexpr uint64_t kPinLockoutNs = 15 * 60 * 1'000'000'000ull;
// Lockouts in a row (no right PIN between) before the card is blocked until the committee
// issues a new one: at most kPinAttemptsMax x kPinLockoutsMax guesses per card.
inline constexpr uint32_t kPinLockoutsMax = 3;
// PBKDF2-HMAC-SHA256 rounds for a PIN's hash: a PIN has at most 10^8 values, so only the cost
// per guess protects a copied store; 10'000 keeps one check at a few milliseconds.
inline constexpr uint32_t kPinHashIterations = 10'000;
inline constexpr size_t kPinSaltBytes = 16;

struct PaymentCode {
  std::string code;  // "PC1-<village>-<household>-<issued_at_ns hex>-<mac, 16 hex digits>"
  uint64_t issued_at_ns = 0;
  uint64_t expires_at_ns = 0;  // issued_at_ns + kPaymentCodeLifetimeNs: refused from then on
};

struct Card {
  std::string number;  // printed on the card: kCardNumberDigits decimal digits
};

// What a household shows at the till (shops.proto, PaymentConsent): its payment code, or its
// card's number and PIN.
struct ShownConsent {
  std::string payment_code;
  std::string card_number;
  std::string pin;
};

class PaymentBook {
 public:
  // Reads nothing yet: each household's record is read when it is needed.
  static absl::StatusOr<std::unique_ptr<PaymentBook>> Open(Clock* clock, DomainStore* store);

  // A fresh code for the household, valid for kPaymentCodeLifetimeNs. The household's secret is
  // made and stored at first use; after that issuing writes nothing. A later code supersedes
  // none until one is used. INVALID_ARGUMENT for village or household 0 (or village beyond
  // kVillagesMax); DATA_LOSS when the household's record does not decode.
  absl::StatusOr<PaymentCode> IssueCode(VillageId village, uint64_t household);

  // The household's offline key (clients/web/OFFLINE.md): HMAC-SHA256 of its secret over a fixed
  // label, kOfflineKeyBytes long, given to its own app to make offline codes (offline_book.h);
  // the secret itself never leaves the book. The secret is made and stored at first use, as
  // IssueCode makes it; the key is the same every time. INVALID_ARGUMENT as for IssueCode.
  absl::StatusOr<std::string> OfflineKey(VillageId village, uint64_t household);

  // The village and household a code names, without checking its MAC or time: the terminal
  // learns from it who is paying. INVALID_ARGUMENT naming the problem when it is not a code at
  // all or is longer than kPaymentCodeBytesMax.
  static absl::StatusOr<std::pair<VillageId, uint64_t>> HouseholdOfCode(const std::string& code);

  // Consumes the code for a payment by (village, household): OK once. PERMISSION_DENIED, saying
  // which, when it is another household's, its MAC is wrong, it has expired, it was issued more
  // than kPaymentCodeClockSkewNs in the future, it was already used, or a later code of the
  // household was already used. INVALID_ARGUMENT when it is not a code at all. Concurrent
  // consumes of one household are serialised: a code is accepted at most once.
  // The code's used mark is written alone: ConsentOf is the form that writes it with a payment.
  absl::Status ConsumeCode(VillageId village, uint64_t household, const std::string& code);

  // Issues (or replaces) the household's card with a new PIN and returns its number (random,
  // unique across the store); the old card stops working. INVALID_ARGUMENT for a PIN that is
  // not kPinDigitsMin..kPinDigitsMax ASCII digits.
  absl::StatusOr<Card> IssueCard(VillageId village, uint64_t household, const std::string& pin);

  // Checks a card and PIN presented for a payment by (village, household). INVALID_ARGUMENT for
  // a number that is not kCardNumberDigits digits; PERMISSION_DENIED when the card is not the
  // household's current one, the PIN is wrong (saying how many attempts are left), or the card is
  // locked (saying until when). kPinAttemptsMax wrong PINs in a row lock the card for
  // kPinLockoutNs, even against the right PIN; the count is stored, so a restart keeps it.
  absl::Status CheckCard(VillageId village, uint64_t household, const std::string& card_number,
                         const std::string& pin);

  // The consent `shown` for one payment by (village, household), for the book that records the
  // payment (consent.h): a code is checked as ConsumeCode checks it and its used mark written
  // in the payment's intent write (given back with the ledger's refusal, when it can be); a card
  // is checked as CheckCard checks it, before the intent, and nothing is used up. Neither or both
  // (a code and a card) is refused with PERMISSION_DENIED when the consent is first looked at,
  // not here: a payment answered without consent (a resend of a recorded one) needs none.
  std::unique_ptr<Consent> ConsentOf(VillageId village, uint64_t household, ShownConsent shown);

 private:
  // Households are locked in shards: enough that shops of different households rarely wait for
  // each other (a PIN check holds its lock for the PBKDF2 time), few enough to be fixed.
  static constexpr size_t kLockShards = 64;

  // What using a code changed: enough to give it back.
  struct CodeUse {
    uint64_t issued_at_ns = 0;  // the code's: the household's mark while it stays the latest
    bool used_any_before = false;
    uint64_t used_up_to_before = 0;
  };
  class CodeConsent;
  class CardConsent;

  PaymentBook(Clock* clock, DomainStore* store) : clock_(clock), store_(store) {}
  absl::Mutex& LockOf(VillageId village, uint64_t household);
  // Checks the code as ConsumeCode says and, holding the household's lock, calls `write` with
  // the write that marks it used; `use` says what changed. Returns the refusal or write's status.
  absl::Status UseCode(VillageId village, uint64_t household, const std::string& code,
                       Consent::Writer write, CodeUse* use);
  // Calls `write` with the write that moves the household's mark back to before `use`, or with
  // none when a later code was used since (the code then stays used).
  absl::Status GiveBackCode(VillageId village, uint64_t household, const CodeUse& use,
                            Consent::Writer write);

  Clock* const clock_;
  DomainStore* const store_;
  // Each serialises the read-modify-write of the household records that hash to it.
  absl::Mutex household_mu_[kLockShards];
  // Serialises choosing a card number with claiming it in the store (check, then put).
  absl::Mutex card_numbers_mu_;
};

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_BOOKS_PAYMENT_BOOK_H_
