#include "server/domain/books/offline_book.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/domain/store/key_prefixes.h"
#include "server/domain/values/codec.h"
#include "server/domain/values/number_range.h"

namespace points::domain {
namespace {

constexpr char kCodeTag[] = "PO1";
constexpr uint8_t kSaleFormatVersion = 1;
constexpr uint8_t kShortfallFormatVersion = 1;
constexpr uint8_t kLimitsFormatVersion = 1;
constexpr uint64_t kNanosPerHour = 3600ull * 1'000'000'000ull;

std::string ShopPrefix(const char* kind, VillageId village, uint32_t shop) {
  return absl::StrCat(kind, BigEndian(village, 4), BigEndian(shop, 4));
}
std::string BasketPart(Id basket) {
  return absl::StrCat(BigEndian(absl::Uint128High64(basket), 8),
                      BigEndian(absl::Uint128Low64(basket), 8));
}
std::string SaleKey(VillageId village, uint32_t shop, Id basket) {
  return absl::StrCat(ShopPrefix(keys::kOfflineSale, village, shop), BasketPart(basket));
}
std::string ShortfallKey(VillageId village, uint32_t shop, Id basket) {
  return absl::StrCat(ShopPrefix(keys::kOfflineShortfall, village, shop), BasketPart(basket));
}
std::string LimitsKey(VillageId village) {
  return absl::StrCat(keys::kOfflineLimits, BigEndian(village, 4));
}
std::string CodeKey(VillageId village, uint64_t household, uint64_t issued_at_ns) {
  return absl::StrCat(keys::kOfflineCode, BigEndian(village, 4), BigEndian(household, 8),
                      BigEndian(issued_at_ns, 8));
}

std::string EncodeSale(const OfflineSale& s) {
  return std::move(RecordWriter()
                       .Int(kSaleFormatVersion, 1)
                       .Int(s.village, 4)
                       .Int(s.shop, 4)
                       .Id128(s.basket)
                       .Int(s.household, 8)
                       .Int(s.sold_at_ns, 8)
                       .Int(s.arrived_at_ns, 8)
                       .Int(s.code_issued_at_ns, 8))
      .bytes();
}

absl::StatusOr<OfflineSale> DecodeSale(const std::string& bytes) {
  RecordReader r(bytes);
  const bool version_ok = r.Int(1) == kSaleFormatVersion;
  OfflineSale s;
  s.village = static_cast<VillageId>(r.Int(4));
  s.shop = static_cast<uint32_t>(r.Int(4));
  s.basket = r.Id128();
  s.household = r.Int(8);
  s.sold_at_ns = r.Int(8);
  s.arrived_at_ns = r.Int(8);
  s.code_issued_at_ns = r.Int(8);
  if (!version_ok || !r.done_ok()) return absl::DataLossError("an offline sale does not decode");
  return s;
}

std::string EncodeShortfall(const OfflineShortfall& s) {
  return std::move(RecordWriter()
                       .Int(kShortfallFormatVersion, 1)
                       .Int(s.village, 4)
                       .Int(s.shop, 4)
                       .Id128(s.basket)
                       .Int(s.household, 8)
                       .Int(s.points, 8)
                       .Int(s.sold_at_ns, 8)
                       .Int(s.recorded_at_ns, 8)
                       .Text(s.reason))
      .bytes();
}

absl::StatusOr<OfflineShortfall> DecodeShortfall(const std::string& bytes) {
  RecordReader r(bytes);
  const bool version_ok = r.Int(1) == kShortfallFormatVersion;
  OfflineShortfall s;
  s.village = static_cast<VillageId>(r.Int(4));
  s.shop = static_cast<uint32_t>(r.Int(4));
  s.basket = r.Id128();
  s.household = r.Int(8);
  s.points = r.Int(8);
  s.sold_at_ns = r.Int(8);
  s.recorded_at_ns = r.Int(8);
  s.reason = r.Text();
  if (!version_ok || !r.done_ok()) return absl::DataLossError("a shortfall does not decode");
  return s;
}

std::string EncodeLimits(const OfflineLimits& l) {
  return std::move(RecordWriter()
                       .Int(kLimitsFormatVersion, 1)
                       .Int(l.offline_hours, 4)
                       .Int(l.household_points, 8)
                       .Int(l.household_baskets, 4)
                       .Int(l.terminal_points, 8)
                       .Int(l.terminal_baskets, 4)
                       .Int(l.basket_points_max, 8))
      .bytes();
}

absl::StatusOr<OfflineLimits> DecodeLimits(const std::string& bytes) {
  RecordReader r(bytes);
  const bool version_ok = r.Int(1) == kLimitsFormatVersion;
  OfflineLimits l;
  l.offline_hours = static_cast<uint32_t>(r.Int(4));
  l.household_points = r.Int(8);
  l.household_baskets = static_cast<uint32_t>(r.Int(4));
  l.terminal_points = r.Int(8);
  l.terminal_baskets = static_cast<uint32_t>(r.Int(4));
  l.basket_points_max = r.Int(8);
  if (!version_ok || !r.done_ok()) return absl::DataLossError("offline limits do not decode");
  return l;
}

absl::Status CheckLimits(const OfflineLimits& l) {
  const NumberRange hours{0, kOfflineHoursMax}, points{0, kOfflinePointsMax},
      baskets{0, kOfflineBasketsMax};
  for (absl::Status s : {CheckNumber(l.offline_hours, hours, "offline_hours"),
                         CheckNumber(l.household_points, points, "household_points"),
                         CheckNumber(l.household_baskets, baskets, "household_baskets"),
                         CheckNumber(l.terminal_points, points, "terminal_points"),
                         CheckNumber(l.terminal_baskets, baskets, "terminal_baskets"),
                         CheckNumber(l.basket_points_max, points, "basket_points_max")}) {
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

struct ParsedCode {
  VillageId village = 0;
  uint64_t household = 0;
  uint64_t issued_at_ns = 0;
  std::string signed_text;  // the text before "-<mac>": what the MAC covers
  std::string mac;
};

// "PO1-<village>-<household>-<issued ns hex>-<mac>", in its one canonical spelling.
absl::StatusOr<ParsedCode> ParseCode(const std::string& code) {
  const auto invalid = [](absl::string_view why) {
    return absl::PermissionDeniedError(absl::StrCat("offline code is not valid: ", why));
  };
  if (code.size() > kPaymentCodeBytesMax) return invalid("too long");
  const std::vector<absl::string_view> f = absl::StrSplit(code, '-');
  if (f.size() != 5 || f[0] != kCodeTag) return invalid("not PO1-<v>-<h>-<issued>-<mac>");
  ParsedCode p;
  uint64_t village = 0;
  const auto canonical = [](absl::string_view s, bool hex) {
    if (s.empty() || s.size() > 16 || s[0] == '0') return false;
    for (char c : s) {
      const bool digit = c >= '0' && c <= '9';
      if (!digit && !(hex && c >= 'a' && c <= 'f')) return false;
    }
    return true;
  };
  if (!canonical(f[1], false) || !absl::SimpleAtoi(f[1], &village) || village > kVillagesMax ||
      !canonical(f[2], false) || !absl::SimpleAtoi(f[2], &p.household) || !canonical(f[3], true) ||
      !absl::SimpleHexAtoi(f[3], &p.issued_at_ns) || f[4].size() != kOfflineMacHexDigits) {
    return invalid("a field is out of range");
  }
  p.village = static_cast<VillageId>(village);
  p.signed_text = std::string(code.substr(0, code.size() - kOfflineMacHexDigits - 1));
  p.mac = std::string(f[4]);
  return p;
}

absl::StatusOr<std::string> CodeMac(const std::string& key, const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest,
           &size) == nullptr) {
    return absl::InternalError("HMAC of an offline code failed");
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), kOfflineMacHexDigits / 2));
}

uint64_t Gap(uint64_t a, uint64_t b) { return a > b ? a - b : b - a; }

}  // namespace

class OfflineBook::CodeConsent final : public Consent {
 public:
  CodeConsent(OfflineBook* book, BasketRequest basket, std::string code, uint64_t sold_at_ns)
      : book_(book), basket_(std::move(basket)), code_(std::move(code)), sold_at_ns_(sold_at_ns) {}

  absl::Status Check() override {
    absl::StatusOr<ParsedCode> parsed = ParseCode(code_);
    if (!parsed.ok()) return parsed.status();
    if (parsed->village != basket_.village || parsed->household != basket_.household) {
      return absl::PermissionDeniedError(
          absl::StrCat("offline code is household ", parsed->household, "'s of village ",
                       parsed->village, ", not household ", basket_.household, "'s"));
    }
    absl::StatusOr<std::string> key =
        book_->payments_->OfflineKey(basket_.village, basket_.household);
    if (!key.ok()) return key.status();
    absl::StatusOr<std::string> mac = CodeMac(*key, parsed->signed_text);
    if (!mac.ok()) return mac.status();
    if (CRYPTO_memcmp(mac->data(), parsed->mac.data(), kOfflineMacHexDigits) != 0) {
      return absl::PermissionDeniedError("offline code's MAC is wrong");
    }
    const uint64_t now = book_->clock_->NowNanos();
    absl::StatusOr<OfflineLimits> limits = book_->Limits(basket_.village);
    if (!limits.ok()) return limits.status();
    const uint64_t hours = limits->offline_hours;
    if (sold_at_ns_ > now + kOfflineClockSkewNs) {
      return absl::PermissionDeniedError("the basket's sale time is in the future");
    }
    if (sold_at_ns_ + hours * kNanosPerHour < now) {
      return absl::PermissionDeniedError(
          absl::StrCat("the basket arrived more than ", hours, " hours after its sale"));
    }
    if (Gap(parsed->issued_at_ns, sold_at_ns_) > kOfflineCodeWindowNs) {
      return absl::PermissionDeniedError("offline code was not made at the time of the sale");
    }
    issued_at_ns_ = parsed->issued_at_ns;
    return absl::OkStatus();
  }

  absl::Status Use(Writer write) override {
    const std::string key = CodeKey(basket_.village, basket_.household, issued_at_ns_);
    // Held across `write`: a second basket on the same code waits, then finds it used.
    absl::MutexLock lock(&book_->LockOf(basket_.village, basket_.household));
    absl::StatusOr<std::string> used = book_->store_->Get(key);
    if (used.ok()) return absl::PermissionDeniedError("offline code was already used");
    if (!absl::IsNotFound(used.status())) return used.status();
    const OfflineSale sale{basket_.village,   basket_.shop, basket_.basket,
                           basket_.household, sold_at_ns_,  book_->clock_->NowNanos(),
                           issued_at_ns_};
    return write({{key, IdBytesOf(basket_.basket)},
                  {SaleKey(basket_.village, basket_.shop, basket_.basket), EncodeSale(sale)}});
  }

  // The code stays used and the sale record stays: the refused basket is a shortfall.
  absl::Status GiveBack(Writer write) override { return write({}); }

 private:
  static std::string IdBytesOf(Id id) { return BasketPart(id); }

  OfflineBook* const book_;
  const BasketRequest basket_;
  const std::string code_;
  const uint64_t sold_at_ns_;
  uint64_t issued_at_ns_ = 0;
};

absl::StatusOr<std::unique_ptr<OfflineBook>> OfflineBook::Open(Clock* clock, DomainStore* store,
                                                               PaymentBook* payments) {
  if (clock == nullptr || store == nullptr || payments == nullptr) {
    return absl::InvalidArgumentError("OfflineBook needs a clock, a store and the payment book");
  }
  return std::unique_ptr<OfflineBook>(new OfflineBook(clock, store, payments));
}

absl::Mutex& OfflineBook::LockOf(VillageId village, uint64_t household) {
  return household_mu_[(uint64_t{village} * 0x9e3779b97f4a7c15ull ^ household) % kLockShards];
}

absl::StatusOr<OfflineLimits> OfflineBook::Limits(VillageId village) const {
  absl::StatusOr<std::string> bytes = store_->Get(LimitsKey(village));
  if (absl::IsNotFound(bytes.status())) return OfflineLimits{};
  if (!bytes.ok()) return bytes.status();
  return DecodeLimits(*bytes);
}

absl::Status OfflineBook::SetLimits(VillageId village, const OfflineLimits& limits) {
  if (absl::Status s = CheckLimits(limits); !s.ok()) return s;
  return store_->Put(LimitsKey(village), EncodeLimits(limits));
}

std::unique_ptr<Consent> OfflineBook::ConsentOf(const BasketRequest& basket, std::string code,
                                                uint64_t sold_at_ns) {
  return std::make_unique<CodeConsent>(this, basket, std::move(code), sold_at_ns);
}

absl::Status OfflineBook::RecordRefused(const BasketRequest& basket, uint64_t points,
                                        uint64_t sold_at_ns, const std::string& reason) {
  const std::string key = ShortfallKey(basket.village, basket.shop, basket.basket);
  absl::MutexLock lock(&LockOf(basket.village, basket.household));
  absl::StatusOr<std::string> known = store_->Get(key);
  if (known.ok()) return absl::OkStatus();
  if (!absl::IsNotFound(known.status())) return known.status();
  const OfflineShortfall s{
      basket.village, basket.shop, basket.basket,      basket.household,
      points,         sold_at_ns,  clock_->NowNanos(), reason.substr(0, kOfflineReasonBytesMax)};
  return store_->Put(key, EncodeShortfall(s));
}

absl::StatusOr<std::optional<OfflineSale>> OfflineBook::SaleOf(VillageId village, uint32_t shop,
                                                               Id basket) const {
  absl::StatusOr<std::string> bytes = store_->Get(SaleKey(village, shop, basket));
  if (absl::IsNotFound(bytes.status())) return std::nullopt;
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<OfflineSale> sale = DecodeSale(*bytes);
  if (!sale.ok()) return sale.status();
  return *std::move(sale);
}

absl::StatusOr<std::vector<OfflineSale>> OfflineBook::Sales(VillageId village,
                                                            uint32_t shop) const {
  std::vector<OfflineSale> sales;
  absl::Status s = ScanRecords(*store_, ShopPrefix(keys::kOfflineSale, village, shop), DecodeSale,
                               [&](OfflineSale sale) { sales.push_back(std::move(sale)); });
  if (!s.ok()) return s;
  return sales;
}

absl::StatusOr<std::vector<OfflineShortfall>> OfflineBook::Refused(VillageId village,
                                                                   uint32_t shop) const {
  std::vector<OfflineShortfall> refused;
  absl::Status s =
      ScanRecords(*store_, ShopPrefix(keys::kOfflineShortfall, village, shop), DecodeShortfall,
                  [&](OfflineShortfall r) { refused.push_back(std::move(r)); });
  if (!s.ok()) return s;
  return refused;
}

absl::StatusOr<std::vector<OfflineShortfall>> ShopShortfalls(const OfflineBook& offline,
                                                             const ShopBook& shops,
                                                             VillageId village, uint32_t shop) {
  absl::StatusOr<std::vector<OfflineShortfall>> refused = offline.Refused(village, shop);
  if (!refused.ok()) return refused.status();
  std::vector<OfflineShortfall> all = *std::move(refused);
  absl::StatusOr<std::vector<OfflineSale>> sales = offline.Sales(village, shop);
  if (!sales.ok()) return sales.status();
  for (const OfflineSale& sale : *sales) {
    absl::StatusOr<Basket> b = shops.GetBasket(sale.village, sale.basket);
    if (!b.ok()) return b.status();
    if (b->state != BasketState::kRefused) continue;
    all.push_back({sale.village, sale.shop, sale.basket, sale.household, b->points_total,
                   sale.sold_at_ns, b->redeemed_at_ns, b->refusal});
  }
  std::sort(all.begin(), all.end(),
            [](const auto& a, const auto& b) { return a.sold_at_ns < b.sold_at_ns; });
  return all;
}

}  // namespace points::domain
