#include "server/domain/books/household_book.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "points/results.h"
#include "server/domain/store/key_prefixes.h"
#include "server/domain/values/codec.h"
#include "server/domain/values/ledger_layout.h"
#include "server/domain/values/number_range.h"

namespace points::domain {
namespace {

constexpr uint8_t kHouseholdFormatVersion = 1;

std::string HouseholdKey(VillageId village, uint64_t household) {
  return absl::StrCat(keys::kHousehold, BigEndian(village, 4), BigEndian(household, 8));
}

std::string EncodeHousehold(const Household& h) {
  RecordWriter w;
  w.Int(kHouseholdFormatVersion, 1).Int(h.village, 4).Int(h.household, 8).Text(h.name);
  w.Int(h.grid, 4).Int(h.members.size(), 4);
  for (const Member& m : h.members)
    w.Text(m.name).Int(static_cast<uint8_t>(m.role), 1).Text(m.phone);
  w.Text(h.proxy_name).Text(h.proxy_phone).Int(h.closed ? 1 : 0, 1);
  return std::move(w).bytes();
}

absl::StatusOr<Household> DecodeHousehold(const std::string& bytes) {
  RecordReader r(bytes);
  if (r.Int(1) != kHouseholdFormatVersion) {
    return absl::DataLossError("household record: unknown version");
  }
  Household h;
  h.village = static_cast<VillageId>(r.Int(4));
  h.household = r.Int(8);
  h.name = r.Text();
  h.grid = static_cast<uint32_t>(r.Int(4));
  const uint64_t members = r.Int(4);
  if (members > kMembersMax) return absl::DataLossError("household record: member count");
  for (uint64_t i = 0; i < members; ++i) {
    Member m;
    m.name = r.Text();
    m.role = r.Int(1) == 1 ? MemberRole::kHead : MemberRole::kMember;
    m.phone = r.Text();
    h.members.push_back(std::move(m));
  }
  h.proxy_name = r.Text();
  h.proxy_phone = r.Text();
  h.closed = r.Int(1) == 1;
  if (!r.done_ok()) return absl::DataLossError("household record: truncated or trailing bytes");
  return h;
}

absl::Status CheckText(const std::string& text, size_t max, const std::string& field) {
  if (text.size() > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", text.size(), " bytes, the limit is ", max));
  }
  return absl::OkStatus();
}

absl::Status CheckPhone(const std::string& phone, const std::string& field) {
  if (absl::Status s = CheckText(phone, kPhoneBytesMax, field); !s.ok()) return s;
  for (char c : phone) {
    if (!(c >= '0' && c <= '9') && c != '+' && c != '-' && c != ' ') {
      return absl::InvalidArgumentError(absl::StrCat(field, ": digits, '+', '-' and spaces only"));
    }
  }
  return absl::OkStatus();
}

absl::Status Check(const Household& h) {
  if (absl::Status s = CheckVillage(h.village); !s.ok()) return s;
  if (absl::Status s = CheckNumber(h.household, {1, UINT64_MAX}, "household"); !s.ok()) return s;
  if (absl::Status s = CheckText(h.name, kNameBytesMax, "name"); !s.ok()) return s;
  if (h.members.size() > kMembersMax) {
    return absl::InvalidArgumentError(absl::StrCat("members: at most ", kMembersMax));
  }
  int heads = 0;
  for (size_t i = 0; i < h.members.size(); ++i) {
    const std::string field = absl::StrCat("members[", i, "]");
    if (h.members[i].name.empty()) {
      return absl::InvalidArgumentError(field + ".name: must not be empty");
    }
    if (absl::Status s = CheckText(h.members[i].name, kNameBytesMax, field + ".name"); !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckPhone(h.members[i].phone, field + ".phone"); !s.ok()) return s;
    heads += h.members[i].role == MemberRole::kHead;
  }
  if (heads > 1) return absl::InvalidArgumentError("members: at most one head of household");
  if (absl::Status s = CheckText(h.proxy_name, kNameBytesMax, "proxy_name"); !s.ok()) return s;
  return CheckPhone(h.proxy_phone, "proxy_phone");
}

// The byte length of the UTF-8 character starting with `lead`.
size_t CharBytes(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;  // not a lead byte: count it alone rather than run past the end
}

}  // namespace

absl::Status CreateHouseholdAccount(Engine& engine, VillageId village, uint64_t household) {
  if (absl::Status s = CheckVillage(village); !s.ok()) return s;
  if (absl::Status s = CheckNumber(household, {1, UINT64_MAX}, "household"); !s.ok()) return s;
  absl::StatusOr<std::vector<AccountEventResult>> created =
      engine.CreateAccounts({HouseholdAccount(village, household)});
  if (!created.ok()) return created.status();
  const CreateAccountResult result = (*created)[0].result;
  if (result != CreateAccountResult::kOk && result != CreateAccountResult::kExists) {
    return absl::FailedPreconditionError(
        absl::StrCat("the household's account was refused: ", std::string(ResultName(result))));
  }
  return absl::OkStatus();
}

std::string MaskName(const std::string& name) {
  std::vector<std::string> chars;
  for (size_t i = 0; i < name.size();) {
    const size_t n = std::min(CharBytes(static_cast<unsigned char>(name[i])), name.size() - i);
    chars.push_back(name.substr(i, n));
    i += n;
  }
  if (chars.size() <= 1) return name.empty() ? name : chars[0] + "*";
  if (chars.size() == 2) return chars[0] + "*";
  return chars.front() + std::string(chars.size() - 2, '*') + chars.back();
}

absl::Status HouseholdBook::Save(const Household& household) {
  return store_->Put(HouseholdKey(household.village, household.household),
                     EncodeHousehold(household));
}

absl::Status HouseholdBook::PutHousehold(const Household& household) {
  if (absl::Status s = Check(household); !s.ok()) return s;
  auto held = household_locks_.Lock({household.village, household.household});
  return PutLocked(household);
}

absl::Status HouseholdBook::EnsureHousehold(VillageId village, uint64_t household) {
  Household blank;
  blank.village = village;
  blank.household = household;
  if (absl::Status s = Check(blank); !s.ok()) return s;
  auto held = household_locks_.Lock({village, household});
  absl::StatusOr<Household> existing = GetHousehold(village, household);
  if (existing.ok()) return CreateHouseholdAccount(*engine_, village, household);
  if (existing.status().code() != absl::StatusCode::kNotFound) return existing.status();
  return PutLocked(blank);
}

absl::Status HouseholdBook::PutLocked(const Household& household) {
  absl::StatusOr<Household> existing = GetHousehold(household.village, household.household);
  if (existing.ok() && existing->closed) {
    return absl::FailedPreconditionError("the household is closed");
  }
  if (org_ != nullptr && household.grid != 0) {
    absl::StatusOr<Grid> grid = org_->GetGrid(household.village, household.grid);
    if (!grid.ok()) {
      return grid.status().code() == absl::StatusCode::kNotFound
                 ? absl::FailedPreconditionError(
                       absl::StrCat("grid: ", grid.status().message(), ": put the grid first"))
                 : grid.status();
    }
  }
  if (absl::Status s = CreateHouseholdAccount(*engine_, household.village, household.household);
      !s.ok()) {
    return s;
  }
  Household saved = household;
  saved.closed = false;
  return Save(saved);
}

absl::StatusOr<Household> HouseholdBook::GetHousehold(VillageId village, uint64_t household) const {
  absl::StatusOr<std::string> bytes = store_->Get(HouseholdKey(village, household));
  if (!bytes.ok()) {
    if (bytes.status().code() != absl::StatusCode::kNotFound) return bytes.status();
    return absl::NotFoundError(absl::StrCat("no household ", household, " in village ", village));
  }
  return DecodeHousehold(*bytes);
}

absl::StatusOr<std::vector<Household>> HouseholdBook::ListHouseholds(VillageId village,
                                                                     bool reveal) const {
  std::vector<Household> found;
  absl::Status status = ScanRecords(*store_, absl::StrCat(keys::kHousehold, BigEndian(village, 4)),
                                    DecodeHousehold, [&](Household h) {
                                      if (!reveal) {
                                        h.name = MaskName(h.name);
                                        for (Member& m : h.members) {
                                          m.name = MaskName(m.name);
                                          m.phone.clear();
                                        }
                                        h.proxy_name = MaskName(h.proxy_name);
                                        h.proxy_phone.clear();
                                      }
                                      found.push_back(std::move(h));
                                    });
  if (!status.ok()) return status;
  return found;
}

absl::Status HouseholdBook::CloseHousehold(VillageId village, uint64_t household) {
  auto held = household_locks_.Lock({village, household});  // read, then saved closed
  absl::StatusOr<Household> h = GetHousehold(village, household);
  if (!h.ok()) return h.status();
  if (h->closed) return absl::OkStatus();
  const Id account = ids::Household(village, household);
  absl::StatusOr<std::vector<Account>> found = engine_->LookupAccounts({account});
  if (!found.ok()) return found.status();
  if (found->size() != 1) return absl::NotFoundError("the household has no account");
  const Account& a = (*found)[0];
  const uint64_t balance = a.credits_posted - a.debits_posted;
  if (balance != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("the household still holds ", balance,
                     " points: settle them first (redeem, or move them back to the issuer)"));
  }
  // The engine refuses closing while anything is pending (awards on notice, deductions).
  absl::StatusOr<std::vector<CloseAccountResult>> closed = engine_->CloseAccounts({account});
  if (!closed.ok()) return closed.status();
  const CloseAccountResult result = (*closed)[0];
  if (result == CloseAccountResult::kAccountHasPendingBalance) {
    return absl::FailedPreconditionError(
        "the household has awards or deductions pending: decide or post them first");
  }
  if (result != CloseAccountResult::kOk && result != CloseAccountResult::kAccountAlreadyClosed) {
    return absl::FailedPreconditionError(
        absl::StrCat("closing refused: ", std::string(ResultName(result))));
  }
  h->closed = true;
  return Save(*h);
}

}  // namespace points::domain
