// Baskets sold while the shop's terminal had no link (clients/web/OFFLINE.md has the design and
// its threats). The household's app holds an offline key from the server (PaymentBook::
// OfflineKey) and makes one-time codes with it on the phone, no link needed; the terminal cannot
// check them (it has no key) but cannot make them either; the server checks each when the
// terminal sends the basket, and records it:
// - an offline code pays for one basket, ever: each code used is a record of its own, written in
//   the same store write as the basket's intent (consent.h), so a copied code pays nothing more;
// - the basket's sale time (the terminal's) must lie within the village's offline_hours before
//   its arrival and within kOfflineCodeWindowNs of the code's issue time: a code kept back, or a
//   sale claimed long ago, is refused;
// - every basket sold offline has a sale record (when sold, when it arrived, the code's time);
// - one the server refuses (its code, or the ledger: points spent meanwhile, stock) is the
//   shop's offline shortfall: goods gone and no points in, shown to the shopkeeper and the
//   committee and settled by them, never dropped. A refused code is recorded here by the caller
//   (RecordRefused); a ledger refusal is the basket's own REFUSED state beside its sale record,
//   which survives a crash between the intent and the refusal.
// Limits (OfflineLimits) are what the terminal enforces on the device; the server sends them.
#ifndef POINTS_SERVER_DOMAIN_BOOKS_OFFLINE_BOOK_H_
#define POINTS_SERVER_DOMAIN_BOOKS_OFFLINE_BOOK_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "points/engine.h"
#include "server/domain/books/consent.h"
#include "server/domain/books/payment_book.h"
#include "server/domain/books/shop_book.h"
#include "server/domain/store/domain_store.h"
#include "server/domain/values/ids.h"
#include "server/domain/values/shop_values.h"

namespace points::domain {

// A code's issue time and the basket's sale time may differ by this much (the household shows
// the code at the till; the phone's and the terminal's clocks differ a little).
inline constexpr uint64_t kOfflineCodeWindowNs = 10 * 60 * 1'000'000'000ull;
// How far past the server's clock a sale time may lie (the terminal's clock runs fast).
inline constexpr uint64_t kOfflineClockSkewNs = 10 * 60 * 1'000'000'000ull;
inline constexpr size_t kOfflineMacHexDigits = 16;  // 64 bits, as a payment code's
inline constexpr size_t kOfflineReasonBytesMax = 200;

struct OfflineSale {
  VillageId village = 0;
  uint32_t shop = 0;
  Id basket = 0;
  uint64_t household = 0;
  uint64_t sold_at_ns = 0;
  uint64_t arrived_at_ns = 0;
  uint64_t code_issued_at_ns = 0;
};

struct OfflineShortfall {
  VillageId village = 0;
  uint32_t shop = 0;
  Id basket = 0;
  uint64_t household = 0;
  uint64_t points = 0;
  uint64_t sold_at_ns = 0;
  uint64_t recorded_at_ns = 0;
  std::string reason;
};

class OfflineBook {
 public:
  // Reads nothing yet.
  static absl::StatusOr<std::unique_ptr<OfflineBook>> Open(Clock* clock, DomainStore* store,
                                                           PaymentBook* payments);

  // The village's limits (the defaults until a committee sets its own).
  absl::StatusOr<OfflineLimits> Limits(VillageId village) const;
  // Sets them, for the terminals' next ListItems and for the baskets arriving from then on;
  // INVALID_ARGUMENT naming the field when one is above its largest (kOffline*Max).
  absl::Status SetLimits(VillageId village, const OfflineLimits& limits);

  // The consent of a basket sold offline at `sold_at_ns` with `code` (ShopBook::Redeem uses
  // it): Check verifies the code's MAC with the household's offline key and its times; Use
  // writes the code's used record and the sale record with the basket's intent (refused,
  // PERMISSION_DENIED, when the code was used before); GiveBack gives nothing back (the goods
  // left the shop: the refused basket is a shortfall).
  std::unique_ptr<Consent> ConsentOf(const BasketRequest& basket, std::string code,
                                     uint64_t sold_at_ns);

  // Records a basket sold offline whose consent the server refused as the shop's shortfall;
  // idempotent by basket id (the first reason stays).
  absl::Status RecordRefused(const BasketRequest& basket, uint64_t points, uint64_t sold_at_ns,
                             const std::string& reason);

  // The basket's sale record; nullopt when it was not sold offline.
  absl::StatusOr<std::optional<OfflineSale>> SaleOf(VillageId village, uint32_t shop,
                                                    Id basket) const;
  // The shop's offline sales, in basket id order.
  absl::StatusOr<std::vector<OfflineSale>> Sales(VillageId village, uint32_t shop) const;
  // The shortfalls recorded by RecordRefused, in basket id order (the ledger's refusals of
  // offline baskets are the REFUSED baskets among Sales; ShortfallsOf in the service joins both).
  absl::StatusOr<std::vector<OfflineShortfall>> Refused(VillageId village, uint32_t shop) const;

 private:
  class CodeConsent;
  static constexpr size_t kLockShards = 64;
  OfflineBook(Clock* clock, DomainStore* store, PaymentBook* payments)
      : clock_(clock), store_(store), payments_(payments) {}
  absl::Mutex& LockOf(VillageId village, uint64_t household);

  Clock* const clock_;
  DomainStore* const store_;
  PaymentBook* const payments_;
  // Each serialises checking and writing the used records of the households that hash to it.
  absl::Mutex household_mu_[kLockShards];
};

// Every shortfall of the shop, by sale time: those RecordRefused recorded (the consent refused)
// and the offline baskets the ledger refused (the household's points spent meanwhile, stock
// gone), which are REFUSED baskets among its Sales.
absl::StatusOr<std::vector<OfflineShortfall>> ShopShortfalls(const OfflineBook& offline,
                                                             const ShopBook& shops,
                                                             VillageId village, uint32_t shop);

}  // namespace points::domain

#endif  // POINTS_SERVER_DOMAIN_BOOKS_OFFLINE_BOOK_H_
