// A household's consent to one payment, as the book that records the payment uses it
// (ShopBook::Redeem). The consent is used up in the same store write that records the payment's
// intent, so it is used if and only if the payment exists: a payment refused before its intent
// is recorded (a typo at the till) uses nothing, and a crash can never leave a consent used for
// a payment nobody knows. The payment book makes consents from what the household shows
// (PaymentBook::ConsentOf): a payment code, used once, or a card and PIN, which nothing uses up.
//
// The order is the recording book's: Check, before it takes its record lock; Use, under it, only
// for a payment it does not know yet; GiveBack, when the ledger refused that payment. Both books
// share one DomainStore, so that the writes of each land in one DomainStore::Write.
#ifndef POINTS_SERVER_DOMAIN_BOOKS_CONSENT_H_
#define POINTS_SERVER_DOMAIN_BOOKS_CONSENT_H_

#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "server/domain/store/domain_store.h"

namespace points::domain {

class Consent {
 public:
  // Given by the recording book: adds its own records to `writes` and writes them all in one
  // DomainStore::Write.
  using Writer = absl::FunctionRef<absl::Status(std::vector<StoreWrite> writes)>;

  virtual ~Consent() = default;

  // What takes time and uses nothing up (a PIN's slow hash; a wrong PIN counts toward the card's
  // lockout). PERMISSION_DENIED or INVALID_ARGUMENT refuse the payment.
  virtual absl::Status Check() = 0;
  // Records the payment: calls `write` once with the writes that use the consent up (none for a
  // card), holding whatever keeps another payment from using the same consent meanwhile. When the
  // consent is refused (a code already used), returns PERMISSION_DENIED and calls nothing. The
  // consent is used if and only if `write` succeeds; returns what `write` returned.
  virtual absl::Status Use(Writer write) = 0;
  // The ledger refused the payment Use recorded (points or stock): calls `write` once with the
  // writes that give the consent back (none when it cannot be, or needs not be), so that the
  // refusal and the give-back land together.
  virtual absl::Status GiveBack(Writer write) = 0;
};

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_BOOKS_CONSENT_H_
