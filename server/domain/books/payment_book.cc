#include "server/domain/books/payment_book.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "server/domain/store/key_prefixes.h"
#include "server/domain/values/codec.h"
#include "server/domain/values/number_range.h"

namespace points::domain {
namespace {

constexpr uint8_t kHouseholdFormatVersion = 1;
constexpr uint8_t kCardFormatVersion = 1;
// The first field of a code's text and the tag its MAC covers: a code of a later format gets a
// new tag, so no text of one format verifies as another.
constexpr char kCodeTag[] = "PC1";
constexpr size_t kPinHashBytes = 32;  // SHA-256's size: PBKDF2 gains nothing from more
// Numbers drawn for a new card before giving up. With 10^12 numbers and at most a county's
// households holding cards, even the second draw almost never runs.
constexpr int kCardNumberDraws = 8;
// The most PBKDF2 rounds a stored PIN hash may name: room to raise kPinHashIterations a hundred
// times, while a damaged record cannot make one check run for minutes.
constexpr uint32_t kPinHashIterationsStoredMax = 1'000'000;

// What the book keeps for one household: its code secret, the latest used code, its card.
struct HouseholdRecord {
  std::string secret;  // kPaymentSecretBytes random bytes: the key of its codes' MACs
  bool used_any = false;
  uint64_t used_up_to_ns = 0;  // issued_at_ns of the latest code consumed (if used_any)
  std::string card;            // the current card's number; empty: no card
  std::string pin_salt;        // kPinSaltBytes
  std::string pin_hash;        // PBKDF2-HMAC-SHA256(pin, salt, pin_iterations)
  // Stored with the hash so that raising kPinHashIterations leaves existing cards working.
  uint32_t pin_iterations = 0;
  uint32_t wrong_pins = 0;       // in a row, since the last right PIN or lockout
  uint64_t locked_until_ns = 0;  // 0: not locked; kBlocked: until the committee reissues
  uint32_t lockouts = 0;         // since the last right PIN: kPinLockoutsMax block the card
};

// A card locked for good: guessing would otherwise go on at kPinAttemptsMax per lockout.
constexpr uint64_t kBlocked = UINT64_MAX;

// Whom a card number was issued to; kept after the card is replaced, so it is never reissued.
struct CardOwner {
  VillageId village = 0;
  uint64_t household = 0;
  uint64_t issued_at_ns = 0;
};

std::string HouseholdKey(VillageId village, uint64_t household) {
  return absl::StrCat(keys::kPaymentCode, BigEndian(village, 4), BigEndian(household, 8));
}

std::string CardKey(const std::string& number) { return absl::StrCat(keys::kCard, number); }

bool AllDigits(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), absl::ascii_isdigit);
}

bool IsCardNumber(absl::string_view s) { return s.size() == kCardNumberDigits && AllDigits(s); }

std::string EncodeHousehold(const HouseholdRecord& r) {
  return std::move(RecordWriter()
                       .Int(kHouseholdFormatVersion, 1)
                       .Text(r.secret)
                       .Int(r.used_any ? 1 : 0, 1)
                       .Int(r.used_up_to_ns, 8)
                       .Text(r.card)
                       .Text(r.pin_salt)
                       .Text(r.pin_hash)
                       .Int(r.pin_iterations, 4)
                       .Int(r.wrong_pins, 4)
                       .Int(r.locked_until_ns, 8)
                       .Int(r.lockouts, 4))
      .bytes();
}

absl::StatusOr<HouseholdRecord> DecodeHousehold(const std::string& bytes) {
  RecordReader reader(bytes);
  HouseholdRecord r;
  const bool version_ok = reader.Int(1) == kHouseholdFormatVersion;
  r.secret = reader.Text();
  const uint64_t used_any = reader.Int(1);
  r.used_up_to_ns = reader.Int(8);
  r.card = reader.Text();
  r.pin_salt = reader.Text();
  r.pin_hash = reader.Text();
  r.pin_iterations = static_cast<uint32_t>(reader.Int(4));
  r.wrong_pins = static_cast<uint32_t>(reader.Int(4));
  r.locked_until_ns = reader.Int(8);
  r.lockouts = static_cast<uint32_t>(reader.Int(4));
  r.used_any = used_any == 1;
  // A card comes with its whole PIN hash; no card, with none of it.
  const bool card_ok = r.card.empty()
                           ? r.pin_salt.empty() && r.pin_hash.empty() && r.pin_iterations == 0
                           : IsCardNumber(r.card) && r.pin_salt.size() == kPinSaltBytes &&
                                 r.pin_hash.size() == kPinHashBytes && r.pin_iterations > 0 &&
                                 r.pin_iterations <= kPinHashIterationsStoredMax;
  if (!version_ok || !reader.done_ok() || r.secret.size() != kPaymentSecretBytes || used_any > 1 ||
      !card_ok || r.wrong_pins > kPinAttemptsMax || r.lockouts > kPinLockoutsMax) {
    return absl::DataLossError("payment record of a household does not decode");
  }
  return r;
}

std::string EncodeCard(const CardOwner& c) {
  return std::move(RecordWriter()
                       .Int(kCardFormatVersion, 1)
                       .Int(c.village, 4)
                       .Int(c.household, 8)
                       .Int(c.issued_at_ns, 8))
      .bytes();
}

absl::StatusOr<CardOwner> DecodeCard(const std::string& bytes) {
  RecordReader reader(bytes);
  CardOwner c;
  const bool version_ok = reader.Int(1) == kCardFormatVersion;
  const uint64_t village = reader.Int(4);
  c.household = reader.Int(8);
  c.issued_at_ns = reader.Int(8);
  if (!version_ok || !reader.done_ok() || village == 0 || village > kVillagesMax ||
      c.household == 0) {
    return absl::DataLossError("card record does not decode");
  }
  c.village = static_cast<VillageId>(village);
  return c;
}

absl::Status CheckHousehold(VillageId village, uint64_t household) {
  if (absl::Status s = CheckVillage(village); !s.ok()) return s;
  return CheckNumber(household, {1, UINT64_MAX}, "household");
}

absl::Status CheckPin(const std::string& pin) {
  if (pin.size() >= kPinDigitsMin && pin.size() <= kPinDigitsMax && AllDigits(pin)) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("PIN: ", kPinDigitsMin, "..", kPinDigitsMax, " ASCII digits"));
}

absl::StatusOr<std::string> RandomBytes(size_t n, const char* what) {
  std::string bytes(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n)) != 1) {
    return absl::UnavailableError(absl::StrCat("no randomness for ", what));
  }
  return bytes;
}

// Uniform over the 10^12 numbers: draws landing in the last, partial stretch of 2^64 are drawn
// again rather than folded in, which would favour the low numbers.
absl::StatusOr<std::string> RandomCardNumber() {
  uint64_t modulus = 1;
  for (size_t i = 0; i < kCardNumberDigits; ++i) modulus *= 10;
  const uint64_t limit = UINT64_MAX - UINT64_MAX % modulus;
  while (true) {
    absl::StatusOr<std::string> bytes = RandomBytes(8, "a card number");
    if (!bytes.ok()) return bytes.status();
    uint64_t v = 0;
    for (char c : *bytes) v = v << 8 | static_cast<uint8_t>(c);
    if (v < limit) {
      std::string number = absl::StrCat(v % modulus);
      number.insert(0, kCardNumberDigits - number.size(), '0');
      return number;
    }
  }
}

absl::StatusOr<std::string> PinHash(const std::string& pin, const std::string& salt,
                                    uint32_t iterations) {
  unsigned char out[kPinHashBytes];
  if (PKCS5_PBKDF2_HMAC(pin.data(), static_cast<int>(pin.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                        sizeof out, out) != 1) {
    return absl::InternalError("PBKDF2 of a PIN failed");
  }
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

// The code's MAC, as the 16 hex digits its text carries: HMAC-SHA256 under the household's
// secret over the tag and every field the text names, so none can be changed alone.
absl::StatusOr<std::string> CodeMac(const std::string& secret, VillageId village,
                                    uint64_t household, uint64_t issued_at_ns) {
  const std::string message =
      std::move(
          RecordWriter().Text(kCodeTag).Int(village, 4).Int(household, 8).Int(issued_at_ns, 8))
          .bytes();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest,
           &digest_size) == nullptr) {
    return absl::InternalError("HMAC of a payment code failed");
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), kPaymentMacHexDigits / 2));
}

std::string CodeText(VillageId village, uint64_t household, uint64_t issued_at_ns,
                     const std::string& mac) {
  return absl::StrCat(kCodeTag, "-", village, "-", household, "-", absl::Hex(issued_at_ns), "-",
                      mac);
}

struct ParsedCode {
  VillageId village = 0;
  uint64_t household = 0;
  uint64_t issued_at_ns = 0;
  std::string mac;  // kPaymentMacHexDigits lowercase hex digits
};

// Reads a code's text. Only the one canonical spelling of each code is accepted (no leading
// zeros, no upper-case hex), so a code has exactly one text.
absl::StatusOr<ParsedCode> ParseCode(const std::string& code) {
  auto invalid = [](absl::string_view problem) {
    return absl::InvalidArgumentError(absl::StrCat("payment code: ", problem));
  };
  if (code.size() > kPaymentCodeBytesMax) {
    return invalid(absl::StrCat("longer than ", kPaymentCodeBytesMax, " bytes"));
  }
  const std::vector<absl::string_view> fields = absl::StrSplit(code, '-');
  if (fields.size() != 5 || fields[0] != kCodeTag) {
    return invalid(
        absl::StrCat("not of the form ", kCodeTag, "-<village>-<household>-<issued hex>-<mac>"));
  }
  ParsedCode parsed;
  uint64_t village = 0;
  if (!AllDigits(fields[1]) || !absl::SimpleAtoi(fields[1], &village) || village == 0 ||
      village > kVillagesMax) {
    return invalid(absl::StrCat("village is not a number 1..", kVillagesMax));
  }
  parsed.village = static_cast<VillageId>(village);
  if (!AllDigits(fields[2]) || !absl::SimpleAtoi(fields[2], &parsed.household) ||
      parsed.household == 0) {
    return invalid("household is not a number above 0");
  }
  const auto is_hex = [](absl::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f'); });
  };
  if (fields[3].empty() || fields[3].size() > 16 || !is_hex(fields[3]) ||
      !absl::SimpleHexAtoi(fields[3], &parsed.issued_at_ns)) {
    return invalid("issue time is not 1..16 lower-case hex digits");
  }
  if (fields[4].size() != kPaymentMacHexDigits || !is_hex(fields[4])) {
    return invalid(absl::StrCat("MAC is not ", kPaymentMacHexDigits, " lower-case hex digits"));
  }
  parsed.mac = std::string(fields[4]);
  if (CodeText(parsed.village, parsed.household, parsed.issued_at_ns, parsed.mac) != code) {
    return invalid("numbers with leading zeros");
  }
  return parsed;
}

// RFC 3339 in UTC, rounded up to the second: a time a lock lasts until is never shown early.
std::string UtcTime(uint64_t ns) {
  constexpr uint64_t kNsPerSecond = 1'000'000'000;
  const uint64_t seconds = ns / kNsPerSecond + (ns % kNsPerSecond != 0 ? 1 : 0);
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                          absl::FromUnixSeconds(static_cast<int64_t>(seconds)),
                          absl::UTCTimeZone());
}

std::string LockedMessage(uint64_t locked_until_ns) {
  if (locked_until_ns == kBlocked) {
    return absl::StrCat("card blocked after ", kPinLockoutsMax, " lockouts of ", kPinAttemptsMax,
                        " wrong PINs: the committee issues the household a new card");
  }
  return absl::StrCat("card locked after ", kPinAttemptsMax, " wrong PINs until ",
                      UtcTime(locked_until_ns));
}

// The household's record; nullopt when it has none yet.
absl::StatusOr<std::optional<HouseholdRecord>> LoadHousehold(const DomainStore& store,
                                                             VillageId village,
                                                             uint64_t household) {
  absl::StatusOr<std::string> bytes = store.Get(HouseholdKey(village, household));
  if (absl::IsNotFound(bytes.status())) return std::nullopt;
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<HouseholdRecord> record = DecodeHousehold(*bytes);
  if (!record.ok()) {
    return absl::DataLossError(absl::StrCat("payment record of household ", household,
                                            " of village ", village, " does not decode"));
  }
  return *std::move(record);
}

// The household's record, made (with a new secret) and stored when it has none yet.
absl::StatusOr<HouseholdRecord> LoadOrMakeHousehold(DomainStore& store, VillageId village,
                                                    uint64_t household) {
  absl::StatusOr<std::optional<HouseholdRecord>> loaded = LoadHousehold(store, village, household);
  if (!loaded.ok()) return loaded.status();
  if (loaded->has_value()) return **std::move(loaded);
  HouseholdRecord record;
  absl::StatusOr<std::string> secret = RandomBytes(kPaymentSecretBytes, "a payment secret");
  if (!secret.ok()) return secret.status();
  record.secret = *std::move(secret);
  if (absl::Status s = store.Put(HouseholdKey(village, household), EncodeHousehold(record));
      !s.ok()) {
    return s;
  }
  return record;
}

// Whether the code (its MAC already parsed) may pay now, against the household's record.
absl::Status CheckCode(const HouseholdRecord& record, const ParsedCode& parsed, uint64_t now) {
  absl::StatusOr<std::string> mac =
      CodeMac(record.secret, parsed.village, parsed.household, parsed.issued_at_ns);
  if (!mac.ok()) return mac.status();
  if (CRYPTO_memcmp(mac->data(), parsed.mac.data(), kPaymentMacHexDigits) != 0) {
    return absl::PermissionDeniedError("payment code's MAC is wrong");
  }
  const uint64_t issued = parsed.issued_at_ns;
  if (issued > now && issued - now > kPaymentCodeClockSkewNs) {
    return absl::PermissionDeniedError(
        absl::StrCat("payment code is issued in the future, at ", UtcTime(issued)));
  }
  if (issued <= now && now - issued >= kPaymentCodeLifetimeNs) {
    return absl::PermissionDeniedError(absl::StrCat(
        "payment code expired at ", UtcTime(issued + kPaymentCodeLifetimeNs), "; show a new one"));
  }
  if (record.used_any && issued == record.used_up_to_ns) {
    return absl::PermissionDeniedError("payment code was already used");
  }
  if (record.used_any && issued < record.used_up_to_ns) {
    return absl::PermissionDeniedError(
        "payment code was superseded: a later code of the household was already used");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<PaymentBook>> PaymentBook::Open(Clock* clock, DomainStore* store) {
  if (clock == nullptr || store == nullptr) {
    return absl::InvalidArgumentError("PaymentBook needs a clock and a store");
  }
  return std::unique_ptr<PaymentBook>(new PaymentBook(clock, store));
}

absl::Mutex& PaymentBook::LockOf(VillageId village, uint64_t household) {
  // Neighbouring households (numbered in a row) land in different shards.
  return household_mu_[(uint64_t{village} * 0x9e3779b97f4a7c15ull ^ household) % kLockShards];
}

absl::StatusOr<PaymentCode> PaymentBook::IssueCode(VillageId village, uint64_t household) {
  if (absl::Status s = CheckHousehold(village, household); !s.ok()) return s;
  absl::MutexLock lock(&LockOf(village, household));
  absl::StatusOr<HouseholdRecord> record = LoadOrMakeHousehold(*store_, village, household);
  if (!record.ok()) return record.status();
  PaymentCode code;
  code.issued_at_ns = clock_->NowNanos();
  // A code issued at or before the latest used one would be dead on arrival (or, issued in the
  // same nanosecond, be that very code): issue it just after instead.
  if (record->used_any && code.issued_at_ns <= record->used_up_to_ns) {
    code.issued_at_ns = record->used_up_to_ns + 1;
  }
  code.expires_at_ns = code.issued_at_ns + kPaymentCodeLifetimeNs;
  absl::StatusOr<std::string> mac = CodeMac(record->secret, village, household, code.issued_at_ns);
  if (!mac.ok()) return mac.status();
  code.code = CodeText(village, household, code.issued_at_ns, *mac);
  return code;
}

absl::StatusOr<std::string> PaymentBook::OfflineKey(VillageId village, uint64_t household) {
  if (absl::Status s = CheckHousehold(village, household); !s.ok()) return s;
  absl::MutexLock lock(&LockOf(village, household));
  absl::StatusOr<HouseholdRecord> record = LoadOrMakeHousehold(*store_, village, household);
  if (!record.ok()) return record.status();
  // A label of its own: no payment code's MAC input (it starts with a length) equals it.
  static constexpr char kLabel[] = "points offline key v1";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (HMAC(EVP_sha256(), record->secret.data(), static_cast<int>(record->secret.size()),
           reinterpret_cast<const unsigned char*>(kLabel), sizeof(kLabel) - 1, digest,
           &digest_size) == nullptr ||
      digest_size != kOfflineKeyBytes) {
    return absl::InternalError("HMAC of an offline key failed");
  }
  return std::string(reinterpret_cast<const char*>(digest), digest_size);
}

absl::StatusOr<std::pair<VillageId, uint64_t>> PaymentBook::HouseholdOfCode(
    const std::string& code) {
  absl::StatusOr<ParsedCode> parsed = ParseCode(code);
  if (!parsed.ok()) return parsed.status();
  return std::make_pair(parsed->village, parsed->household);
}

absl::Status PaymentBook::ConsumeCode(VillageId village, uint64_t household,
                                      const std::string& code) {
  CodeUse use;
  return UseCode(
      village, household, code,
      [this](std::vector<StoreWrite> writes) { return store_->Write(writes); }, &use);
}

absl::Status PaymentBook::UseCode(VillageId village, uint64_t household, const std::string& code,
                                  Consent::Writer write, CodeUse* use) {
  if (absl::Status s = CheckHousehold(village, household); !s.ok()) return s;
  absl::StatusOr<ParsedCode> parsed = ParseCode(code);
  if (!parsed.ok()) return parsed.status();
  if (parsed->village != village || parsed->household != household) {
    return absl::PermissionDeniedError(
        absl::StrCat("payment code is household ", parsed->household, "'s of village ",
                     parsed->village, ", not household ", household, "'s of village ", village));
  }
  // Held across `write`: a second use of the code, or a PIN check writing the same record, waits
  // until the mark is stored (or not), and never writes over it with what it read before.
  absl::MutexLock lock(&LockOf(village, household));
  absl::StatusOr<std::optional<HouseholdRecord>> loaded =
      LoadHousehold(*store_, village, household);
  if (!loaded.ok()) return loaded.status();
  // No secret: the household never had a code.
  if (!loaded->has_value()) return absl::PermissionDeniedError("payment code's MAC is wrong");
  HouseholdRecord& record = **loaded;
  if (absl::Status s = CheckCode(record, *parsed, clock_->NowNanos()); !s.ok()) return s;
  *use = {.issued_at_ns = parsed->issued_at_ns,
          .used_any_before = record.used_any,
          .used_up_to_before = record.used_up_to_ns};
  record.used_any = true;
  record.used_up_to_ns = parsed->issued_at_ns;
  // Stored before OK, with the payment it pays for: once a payment went through on the code, no
  // restart reopens it; a payment that was not recorded leaves it as it was.
  return write({{HouseholdKey(village, household), EncodeHousehold(record)}});
}

absl::Status PaymentBook::GiveBackCode(VillageId village, uint64_t household, const CodeUse& use,
                                       Consent::Writer write) {
  absl::MutexLock lock(&LockOf(village, household));
  absl::StatusOr<std::optional<HouseholdRecord>> loaded =
      LoadHousehold(*store_, village, household);
  if (!loaded.ok()) return loaded.status();
  // Only while the code is still the latest used: a later code used since has moved the mark past
  // it, and moving the mark back would reopen that one. The code then stays used (superseded).
  if (!loaded->has_value() || !(*loaded)->used_any ||
      (*loaded)->used_up_to_ns != use.issued_at_ns) {
    return write({});
  }
  HouseholdRecord& record = **loaded;
  record.used_any = use.used_any_before;
  record.used_up_to_ns = use.used_up_to_before;
  return write({{HouseholdKey(village, household), EncodeHousehold(record)}});
}

// A payment code: all of its checks under the household's lock, in Use; given back when the
// ledger refused the payment (GiveBackCode says when it can be).
class PaymentBook::CodeConsent final : public Consent {
 public:
  CodeConsent(PaymentBook* book, VillageId village, uint64_t household, std::string code)
      : book_(book), village_(village), household_(household), code_(std::move(code)) {}
  absl::Status Check() override { return absl::OkStatus(); }
  absl::Status Use(Writer write) override {
    const absl::Status status = book_->UseCode(village_, household_, code_, write, &use_);
    used_ = status.ok();
    return status;
  }
  absl::Status GiveBack(Writer write) override {
    if (!used_) return write({});
    return book_->GiveBackCode(village_, household_, use_, write);
  }

 private:
  PaymentBook* const book_;
  const VillageId village_;
  const uint64_t household_;
  const std::string code_;
  bool used_ = false;
  CodeUse use_;
};

// A card and PIN: checked (a wrong PIN counted) before the payment's intent; nothing used up.
class PaymentBook::CardConsent final : public Consent {
 public:
  CardConsent(PaymentBook* book, VillageId village, uint64_t household, std::string number,
              std::string pin)
      : book_(book),
        village_(village),
        household_(household),
        number_(std::move(number)),
        pin_(std::move(pin)) {}
  absl::Status Check() override {
    checked_ = book_->CheckCard(village_, household_, number_, pin_);
    return checked_;
  }
  absl::Status Use(Writer write) override {
    if (!checked_.ok()) return checked_;  // never a payment on a card whose PIN was not right
    return write({});
  }
  absl::Status GiveBack(Writer write) override { return write({}); }

 private:
  PaymentBook* const book_;
  const VillageId village_;
  const uint64_t household_;
  const std::string number_;
  const std::string pin_;
  absl::Status checked_ = absl::PermissionDeniedError("consent: the card's PIN was not checked");
};

namespace {

// Neither a code nor a card, or both: refused whenever it is looked at.
class NoConsent final : public Consent {
 public:
  absl::Status Check() override { return Refusal(); }
  absl::Status Use(Writer) override { return Refusal(); }
  absl::Status GiveBack(Writer write) override { return write({}); }

 private:
  static absl::Status Refusal() {
    return absl::PermissionDeniedError(
        "consent: a redemption needs the household's payment code, or its card number and PIN "
        "(one of the two)");
  }
};

}  // namespace

std::unique_ptr<Consent> PaymentBook::ConsentOf(VillageId village, uint64_t household,
                                                ShownConsent shown) {
  const bool has_code = !shown.payment_code.empty();
  const bool has_card = !shown.card_number.empty() || !shown.pin.empty();
  if (has_code == has_card) return std::make_unique<NoConsent>();
  if (has_code) {
    return std::make_unique<CodeConsent>(this, village, household, std::move(shown.payment_code));
  }
  return std::make_unique<CardConsent>(this, village, household, std::move(shown.card_number),
                                       std::move(shown.pin));
}

absl::StatusOr<Card> PaymentBook::IssueCard(VillageId village, uint64_t household,
                                            const std::string& pin) {
  if (absl::Status s = CheckHousehold(village, household); !s.ok()) return s;
  if (absl::Status s = CheckPin(pin); !s.ok()) return s;
  absl::StatusOr<std::string> salt = RandomBytes(kPinSaltBytes, "a PIN's salt");
  if (!salt.ok()) return salt.status();
  // The slow hash before taking any lock: it holds up nobody else.
  absl::StatusOr<std::string> hash = PinHash(pin, *salt, kPinHashIterations);
  if (!hash.ok()) return hash.status();

  absl::MutexLock lock(&LockOf(village, household));
  absl::StatusOr<HouseholdRecord> record = LoadOrMakeHousehold(*store_, village, household);
  if (!record.ok()) return record.status();
  const uint64_t now = clock_->NowNanos();
  Card card;
  {
    absl::MutexLock numbers_lock(&card_numbers_mu_);
    for (int draw = 0; draw < kCardNumberDraws && card.number.empty(); ++draw) {
      absl::StatusOr<std::string> number = RandomCardNumber();
      if (!number.ok()) return number.status();
      absl::StatusOr<std::string> taken = store_->Get(CardKey(*number));
      if (taken.ok()) {
        if (!DecodeCard(*taken).ok()) {
          return absl::DataLossError(absl::StrCat("card record ", *number, " does not decode"));
        }
        continue;  // issued before, to someone: draw again
      }
      if (!absl::IsNotFound(taken.status())) return taken.status();
      // Claimed before the household points to it: a failure in between leaves only a number
      // that is never issued, never a card that two households share.
      if (absl::Status s = store_->Put(
              CardKey(*number),
              EncodeCard({.village = village, .household = household, .issued_at_ns = now}));
          !s.ok()) {
        return s;
      }
      card.number = *std::move(number);
    }
  }
  if (card.number.empty()) {
    return absl::ResourceExhaustedError(
        absl::StrCat("no free card number in ", kCardNumberDraws, " draws"));
  }
  record->card = card.number;
  record->pin_salt = *std::move(salt);
  record->pin_hash = *std::move(hash);
  record->pin_iterations = kPinHashIterations;
  record->wrong_pins = 0;
  record->locked_until_ns = 0;
  record->lockouts = 0;
  if (absl::Status s = store_->Put(HouseholdKey(village, household), EncodeHousehold(*record));
      !s.ok()) {
    return s;
  }
  return card;
}

absl::Status PaymentBook::CheckCard(VillageId village, uint64_t household,
                                    const std::string& card_number, const std::string& pin) {
  if (absl::Status s = CheckHousehold(village, household); !s.ok()) return s;
  if (!IsCardNumber(card_number)) {
    return absl::InvalidArgumentError(
        absl::StrCat("card number: ", kCardNumberDigits, " ASCII digits"));
  }
  absl::MutexLock lock(&LockOf(village, household));
  absl::StatusOr<std::optional<HouseholdRecord>> loaded =
      LoadHousehold(*store_, village, household);
  if (!loaded.ok()) return loaded.status();
  // Unknown, replaced or someone else's: all the same to the terminal.
  if (!loaded->has_value() || (*loaded)->card != card_number) {
    return absl::PermissionDeniedError(
        absl::StrCat("card ", card_number, " is not household ", household, "'s"));
  }
  HouseholdRecord& record = **loaded;
  const uint64_t now = clock_->NowNanos();
  // Refused before the PIN is even looked at: while locked, guesses teach nothing.
  if (record.locked_until_ns > now) {
    return absl::PermissionDeniedError(LockedMessage(record.locked_until_ns));
  }
  const bool lockout_over = record.locked_until_ns != 0;
  if (lockout_over) {
    record.locked_until_ns = 0;
    record.wrong_pins = 0;
  }
  // A malformed PIN is a wrong one (and counts): it is not hashed, but it is no free probe.
  bool right = false;
  if (CheckPin(pin).ok()) {
    absl::StatusOr<std::string> hash = PinHash(pin, record.pin_salt, record.pin_iterations);
    if (!hash.ok()) return hash.status();
    right = CRYPTO_memcmp(hash->data(), record.pin_hash.data(), kPinHashBytes) == 0;
  }
  const std::string key = HouseholdKey(village, household);
  if (right) {
    if (record.wrong_pins == 0 && record.lockouts == 0 && !lockout_over) {
      return absl::OkStatus();  // nothing to reset
    }
    record.wrong_pins = 0;
    record.lockouts = 0;
    return store_->Put(key, EncodeHousehold(record));
  }
  ++record.wrong_pins;
  if (record.wrong_pins >= kPinAttemptsMax) {
    ++record.lockouts;
    record.locked_until_ns = record.lockouts >= kPinLockoutsMax ? kBlocked : now + kPinLockoutNs;
  }
  // Stored before answering: a restart, or a second terminal, does not get fresh attempts.
  if (absl::Status s = store_->Put(key, EncodeHousehold(record)); !s.ok()) return s;
  if (record.locked_until_ns != 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("wrong PIN: ", LockedMessage(record.locked_until_ns)));
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "wrong PIN: ", kPinAttemptsMax - record.wrong_pins, " attempts left before the card locks"));
}

}  // namespace points::domain
