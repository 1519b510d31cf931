#include "server/domain/books/fund_book.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "points/limits.h"
#include "points/results.h"
#include "server/domain/books/household_book.h"
#include "server/domain/store/fault_point.h"
#include "server/domain/store/key_prefixes.h"
#include "server/domain/values/award.h"
#include "server/domain/values/codec.h"
#include "server/domain/values/ledger_layout.h"
#include "server/domain/values/text.h"

namespace points::domain {
namespace {

constexpr uint8_t kPartnerFormatVersion = 1;
constexpr uint8_t kCampaignFormatVersion = 1;
constexpr uint8_t kDonationFormatVersion = 1;
constexpr char kAnonymousDonor[] = "匿名 (anonymous)";

std::string VillageKey(const char* prefix, VillageId village) {
  return absl::StrCat(prefix, BigEndian(village, 4));
}
std::string PartnerKey(VillageId village, uint32_t partner) {
  return absl::StrCat(VillageKey(keys::kFundPartner, village), BigEndian(partner, 4));
}
std::string CampaignKey(VillageId village, uint32_t campaign) {
  return absl::StrCat(VillageKey(keys::kFundCampaign, village), BigEndian(campaign, 4));
}
std::string DonationKey(VillageId village, Id donation) {
  return absl::StrCat(VillageKey(keys::kFundDonation, village),
                      BigEndian(absl::Uint128High64(donation), 8),
                      BigEndian(absl::Uint128Low64(donation), 8));
}

std::string EncodePartner(const Partner& p) {
  return std::move(RecordWriter()
                       .Int(kPartnerFormatVersion, 1)
                       .Int(p.village, 4)
                       .Int(p.partner, 4)
                       .Text(p.name)
                       .Int(static_cast<uint8_t>(p.kind), 1)
                       .Text(p.registered_by)
                       .Int(p.registered_at_ns, 8))
      .bytes();
}

absl::StatusOr<Partner> DecodePartner(const std::string& bytes) {
  RecordReader r(bytes);
  if (r.Int(1) != kPartnerFormatVersion) return absl::DataLossError("partner record: version");
  Partner p;
  p.village = static_cast<VillageId>(r.Int(4));
  p.partner = static_cast<uint32_t>(r.Int(4));
  p.name = r.Text();
  const uint64_t kind = r.Int(1);
  if (kind < 1 || kind > 3) return absl::DataLossError("partner record: unknown kind");
  p.kind = static_cast<PartnerKind>(kind);
  p.registered_by = r.Text();
  p.registered_at_ns = r.Int(8);
  if (!r.done_ok()) return absl::DataLossError("partner record: truncated or trailing bytes");
  return p;
}

std::string EncodeCampaign(const Campaign& c) {
  return std::move(RecordWriter()
                       .Int(kCampaignFormatVersion, 1)
                       .Int(c.village, 4)
                       .Int(c.campaign, 4)
                       .Text(c.title)
                       .Int(c.target_fen, 8)
                       .Int(c.ends_at_ns, 8)
                       .Text(c.opened_by)
                       .Int(c.opened_at_ns, 8))
      .bytes();
}

absl::StatusOr<Campaign> DecodeCampaign(const std::string& bytes) {
  RecordReader r(bytes);
  if (r.Int(1) != kCampaignFormatVersion) return absl::DataLossError("campaign record: version");
  Campaign c;
  c.village = static_cast<VillageId>(r.Int(4));
  c.campaign = static_cast<uint32_t>(r.Int(4));
  c.title = r.Text();
  c.target_fen = r.Int(8);
  c.ends_at_ns = r.Int(8);
  c.opened_by = r.Text();
  c.opened_at_ns = r.Int(8);
  if (!r.done_ok()) return absl::DataLossError("campaign record: truncated or trailing bytes");
  return c;
}

std::string EncodeDonation(const Donation& d) {
  const DonationRequest& q = d.request;
  RecordWriter w;
  w.Int(kDonationFormatVersion, 1).Int(q.village, 4).Id128(q.donation);
  w.Int(static_cast<uint8_t>(q.donor_kind), 1).Int(q.partner, 4).Text(q.donor_name);
  w.Int(static_cast<uint8_t>(q.shown), 1).Int(q.fen, 8).Int(q.campaign, 4).Text(q.note);
  w.Text(q.recorded_by).Int(d.receipt, 8).Text(d.donor).Int(static_cast<uint8_t>(d.state), 1);
  w.Int(d.received_at_ns, 8).Text(d.refusal);
  return std::move(w).bytes();
}

absl::StatusOr<Donation> DecodeDonation(const std::string& bytes) {
  RecordReader r(bytes);
  if (r.Int(1) != kDonationFormatVersion) return absl::DataLossError("donation record: version");
  Donation d;
  DonationRequest& q = d.request;
  q.village = static_cast<VillageId>(r.Int(4));
  q.donation = r.Id128();
  const uint64_t kind = r.Int(1);
  q.partner = static_cast<uint32_t>(r.Int(4));
  q.donor_name = r.Text();
  const uint64_t shown = r.Int(1);
  q.fen = r.Int(8);
  q.campaign = static_cast<uint32_t>(r.Int(4));
  q.note = r.Text();
  q.recorded_by = r.Text();
  d.receipt = r.Int(8);
  d.donor = r.Text();
  const uint64_t state = r.Int(1);
  d.received_at_ns = r.Int(8);
  d.refusal = r.Text();
  if (!r.done_ok()) return absl::DataLossError("donation record: truncated or trailing bytes");
  if (kind < 1 || kind > 3 || shown < 1 || shown > 3 || state < 1 || state > 3) {
    return absl::DataLossError("donation record: unknown donor kind, shown or state");
  }
  q.donor_kind = static_cast<DonorKind>(kind);
  q.shown = static_cast<DonorShown>(shown);
  d.state = static_cast<DonationState>(state);
  return d;
}

// Calls `visit` for every transfer of the village's micro-fund, oldest first.
template <typename Visit>
absl::Status ForEachFundTransfer(const Engine& engine, VillageId village, Visit visit) {
  HistoryFilter filter;
  filter.account_id = ids::OfVillageAccount(village, VillageAccount::kMicroFund);
  filter.limit = static_cast<uint32_t>(kHistoryPageMax);
  while (true) {
    absl::StatusOr<std::vector<Transfer>> page = engine.GetAccountTransfers(filter);
    if (!page.ok()) return page.status();
    for (const Transfer& t : *page) visit(t);
    if (page->size() < filter.limit) return absl::OkStatus();
    filter.timestamp_min = page->back().timestamp + 1;  // timestamps are unique
  }
}

}  // namespace

std::string PublicDonor(const Donation& donation) {
  if (donation.request.donor_kind == DonorKind::kAnonymous) return kAnonymousDonor;
  switch (donation.request.shown) {
    case DonorShown::kName:
      return donation.donor;
    case DonorShown::kMasked:
      return MaskName(donation.donor);
    case DonorShown::kHidden:
      break;
  }
  return kAnonymousDonor;
}

absl::StatusOr<FundBalance> ReadFundBalance(const Engine& engine, VillageId village) {
  if (absl::Status s = CheckVillage(village); !s.ok()) return s;
  absl::StatusOr<std::vector<Account>> found =
      engine.LookupAccounts({ids::OfVillageAccount(village, VillageAccount::kMicroFund)});
  if (!found.ok()) return found.status();
  if (found->empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("village ", village, " is not set up: create the village first"));
  }
  const Account& a = (*found)[0];
  FundBalance b;
  // The floor keeps debits (pending and posted) within credits; an account without it (a
  // village set up before the floor) is shown as 0 rather than as a wrapped figure.
  b.balance = a.credits_posted >= a.debits_posted ? a.credits_posted - a.debits_posted : 0;
  b.reserved = a.debits_pending;
  b.available = b.balance >= b.reserved ? b.balance - b.reserved : 0;
  b.floored = (a.flags & kAccountDebitsMustNotExceedCredits) != 0;
  return b;
}

absl::Status EnsureFundAccounts(Engine& engine, VillageId village, bool to_pay_out) {
  absl::StatusOr<FundBalance> fund = ReadFundBalance(engine, village);
  if (!fund.ok()) return fund.status();
  if (to_pay_out && !fund->floored) {
    return absl::FailedPreconditionError(absl::StrCat(
        "village ", village,
        "'s micro-fund account was made before the fund had its floor, so it cannot pay out "
        "safely; it still takes in the levy and donations"));
  }
  const std::vector<Account> accounts = FundAccounts(village);
  absl::StatusOr<std::vector<AccountEventResult>> made =
      engine.CreateAccounts({accounts[1], accounts[2]});  // the fund itself exists (read above)
  if (!made.ok()) return made.status();
  for (const AccountEventResult& r : *made) {
    if (r.result != CreateAccountResult::kOk && r.result != CreateAccountResult::kExists) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the fund's accounts refused by the ledger: ", std::string(ResultName(r.result))));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<FundBook>> FundBook::Open(Engine* engine, Clock* clock,
                                                         DomainStore* store) {
  std::unique_ptr<FundBook> book(new FundBook(engine, clock, store));
  // Gathered outside the lock (the scan's callback is not seen to hold it), stored under it.
  std::map<VillageId, uint64_t> last_receipt;
  std::vector<std::pair<VillageId, Id>> interrupted;
  absl::Status status = ScanRecords(*store, keys::kFundDonation, DecodeDonation, [&](Donation d) {
    uint64_t& last = last_receipt[d.request.village];
    if (d.receipt > last) last = d.receipt;
    if (d.state == DonationState::kRecording) {
      interrupted.emplace_back(d.request.village, d.request.donation);
    }
  });
  if (!status.ok()) return status;
  {
    absl::MutexLock lock(&book->mu_);
    book->last_receipt_ = std::move(last_receipt);
  }
  if (absl::Status s = book->interrupted_.Set(std::move(interrupted)); !s.ok()) return s;
  return book;
}

uint64_t FundBook::interrupted() const { return interrupted_.count(); }

// A crash between saving a donation and recording its transfer: the same transfer again (the
// same id answers exists where the first got through).
ResumeReport FundBook::Resume() {
  using Key = std::pair<VillageId, Id>;
  return interrupted_.Resume(
      [&](const Key& key) {
        absl::StatusOr<Donation> gift = GetDonation(key.first, key.second);
        if (!gift.ok()) return gift.status();
        if (gift->state != DonationState::kRecording) return absl::OkStatus();  // a resend did
        return Submit(*std::move(gift)).status();
      },
      [](const Key& key) { return ItemName("donation", key.first, key.second); });
}

absl::StatusOr<Partner> FundBook::PutPartner(const Partner& partner) {
  if (absl::Status s = CheckVillage(partner.village); !s.ok()) return s;
  if (partner.partner == 0 || partner.partner > kPartnerNumberMax) {
    return absl::InvalidArgumentError(absl::StrCat("partner: must be 1..", kPartnerNumberMax));
  }
  if (absl::Status s = CheckText("name", partner.name, 1, kPartnerNameBytesMax); !s.ok()) return s;
  if (partner.kind < PartnerKind::kCompany || partner.kind > PartnerKind::kSocialOrganisation) {
    return absl::InvalidArgumentError("kind: company, institution or social organisation");
  }
  if (absl::Status s = CheckText("registered_by", partner.registered_by, 1, kPersonBytesMax);
      !s.ok()) {
    return s;
  }
  Partner saved = partner;
  saved.registered_at_ns = clock_->NowNanos();
  if (absl::Status s =
          store_->Put(PartnerKey(partner.village, partner.partner), EncodePartner(saved));
      !s.ok()) {
    return s;
  }
  return saved;
}

absl::StatusOr<Partner> FundBook::GetPartner(VillageId village, uint32_t partner) const {
  absl::StatusOr<std::string> bytes = store_->Get(PartnerKey(village, partner));
  if (!bytes.ok()) {
    if (bytes.status().code() != absl::StatusCode::kNotFound) return bytes.status();
    return absl::NotFoundError(
        absl::StrCat("partner ", partner, " is not registered in village ", village));
  }
  return DecodePartner(*bytes);
}

absl::StatusOr<std::vector<Partner>> FundBook::ListPartners(VillageId village) const {
  if (absl::Status s = CheckVillage(village); !s.ok()) return s;
  std::vector<Partner> partners;
  absl::Status status = ScanRecords(*store_, VillageKey(keys::kFundPartner, village), DecodePartner,
                                    [&](Partner p) { partners.push_back(std::move(p)); });
  if (!status.ok()) return status;
  return partners;
}

absl::StatusOr<Campaign> FundBook::OpenCampaign(const Campaign& campaign) {
  if (absl::Status s = CheckVillage(campaign.village); !s.ok()) return s;
  if (campaign.campaign == 0 || campaign.campaign > kCampaignNumberMax) {
    return absl::InvalidArgumentError(absl::StrCat("campaign: must be 1..", kCampaignNumberMax));
  }
  if (absl::Status s = CheckText("title", campaign.title, 1, kCampaignTitleBytesMax); !s.ok()) {
    return s;
  }
  if (campaign.target_fen == 0 || campaign.target_fen > kCampaignTargetFenMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("target_fen: must be 1..", kCampaignTargetFenMax));
  }
  auto held = village_locks_.Lock(campaign.village);
  absl::StatusOr<std::string> bytes = store_->Get(CampaignKey(campaign.village, campaign.campaign));
  if (bytes.ok()) {
    absl::StatusOr<Campaign> existing = DecodeCampaign(*bytes);
    if (!existing.ok()) return existing.status();
    if (existing->title != campaign.title || existing->target_fen != campaign.target_fen ||
        existing->ends_at_ns != campaign.ends_at_ns) {
      return absl::AlreadyExistsError(
          absl::StrCat("campaign ", campaign.campaign, " is open already, with other terms"));
    }
    return existing;  // a resend
  }
  if (bytes.status().code() != absl::StatusCode::kNotFound) return bytes.status();
  const uint64_t now = clock_->NowNanos();
  if (campaign.ends_at_ns != 0 && campaign.ends_at_ns <= now) {
    return absl::InvalidArgumentError("ends_at: must be after now (or 0: no end)");
  }
  Campaign opened = campaign;
  opened.opened_at_ns = now;
  opened.raised_fen = opened.donations = 0;
  if (absl::Status s =
          store_->Put(CampaignKey(campaign.village, campaign.campaign), EncodeCampaign(opened));
      !s.ok()) {
    return s;
  }
  return opened;
}

absl::StatusOr<std::vector<Campaign>> FundBook::ListCampaigns(VillageId village) const {
  if (absl::Status s = CheckVillage(village); !s.ok()) return s;
  std::map<uint32_t, Campaign> campaigns;
  absl::Status status =
      ScanRecords(*store_, VillageKey(keys::kFundCampaign, village), DecodeCampaign,
                  [&](Campaign c) { campaigns.emplace(c.campaign, c); });
  if (!status.ok()) return status;
  if (!campaigns.empty()) {
    status = ForEachFundTransfer(*engine_, village, [&](const Transfer& t) {
      if (t.code != kCodeDonation) return;
      auto it = campaigns.find(t.user_data_32);
      if (it == campaigns.end()) return;
      it->second.raised_fen += t.amount;  // at most 10^10 a donation: no village wraps 64 bits
      ++it->second.donations;
    });
    if (!status.ok() && status.code() != absl::StatusCode::kNotFound) return status;
  }
  std::vector<Campaign> listed;
  for (auto& [number, c] : campaigns) listed.push_back(std::move(c));
  return listed;
}

absl::StatusOr<std::string> FundBook::CheckDonation(const DonationRequest& q) const {
  if (absl::Status s = CheckVillage(q.village); !s.ok()) return s;
  if (q.donation == 0) return absl::InvalidArgumentError("donation_id: must not be zero");
  if (q.fen == 0 || q.fen > kDonationFenMax) {
    return absl::InvalidArgumentError(absl::StrCat("fen: must be 1..", kDonationFenMax));
  }
  if (q.shown < DonorShown::kName || q.shown > DonorShown::kHidden) {
    return absl::InvalidArgumentError("shown: name, masked or hidden");
  }
  if (absl::Status s = CheckText("note", q.note, 0, kDonationNoteBytesMax); !s.ok()) return s;
  if (absl::Status s = CheckText("recorded_by", q.recorded_by, 1, kPersonBytesMax); !s.ok()) {
    return s;
  }
  if (q.campaign > kCampaignNumberMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("campaign: 0 (none) or 1..", kCampaignNumberMax));
  }
  switch (q.donor_kind) {
    case DonorKind::kPerson:
      if (q.partner != 0) return absl::InvalidArgumentError("partner: only for a partner's gift");
      if (absl::Status s = CheckText("donor_name", q.donor_name, 1, kDonorNameBytesMax); !s.ok()) {
        return s;
      }
      return q.donor_name;
    case DonorKind::kAnonymous:
      if (q.partner != 0 || !q.donor_name.empty()) {
        return absl::InvalidArgumentError("donor_name, partner: an anonymous gift names nobody");
      }
      return std::string();
    case DonorKind::kPartner: {
      if (!q.donor_name.empty()) {
        return absl::InvalidArgumentError("donor_name: a partner's name is its registered one");
      }
      absl::StatusOr<Partner> partner = GetPartner(q.village, q.partner);
      if (!partner.ok()) return partner.status();
      return partner->name;
    }
  }
  return absl::InvalidArgumentError("donor_kind: partner, person or anonymous");
}

absl::Status FundBook::Save(const Donation& donation) {
  return store_->Put(DonationKey(donation.request.village, donation.request.donation),
                     EncodeDonation(donation));
}

absl::StatusOr<Donation> FundBook::GetDonation(VillageId village, Id donation) const {
  absl::StatusOr<std::string> bytes = store_->Get(DonationKey(village, donation));
  if (!bytes.ok()) {
    if (bytes.status().code() != absl::StatusCode::kNotFound) return bytes.status();
    return absl::NotFoundError("no such donation in this village");
  }
  return DecodeDonation(*bytes);
}

absl::StatusOr<Donation> FundBook::Donate(const DonationRequest& request) {
  absl::StatusOr<std::string> donor = CheckDonation(request);
  if (!donor.ok()) return donor.status();
  // Before anything is saved: a transfer sent before its accounts exist fails for good.
  if (absl::Status s = EnsureFundAccounts(*engine_, request.village, false); !s.ok()) return s;
  absl::StatusOr<Donation> donation = SaveIntent(request, *donor);
  if (!donation.ok() || donation->state != DonationState::kRecording) return donation;
  FaultPoint("fund.donate.after_intent");  // saved with its receipt, its transfer not yet sent
  return Submit(*std::move(donation));
}

absl::StatusOr<Donation> FundBook::SaveIntent(const DonationRequest& request,
                                              const std::string& donor) {
  auto held = village_locks_.Lock(request.village);
  absl::StatusOr<Donation> existing = GetDonation(request.village, request.donation);
  if (existing.ok()) {
    if (existing->request != request) {
      return absl::AlreadyExistsError("this donation id was used for another donation");
    }
    return existing;  // a resend: as it stands, or (still recording) to be submitted again
  }
  if (existing.status().code() != absl::StatusCode::kNotFound) return existing.status();
  const uint64_t now = clock_->NowNanos();
  if (request.campaign != 0) {
    absl::StatusOr<std::string> bytes = store_->Get(CampaignKey(request.village, request.campaign));
    if (!bytes.ok()) {
      if (bytes.status().code() != absl::StatusCode::kNotFound) return bytes.status();
      return absl::NotFoundError(absl::StrCat("campaign: no campaign ", request.campaign));
    }
    absl::StatusOr<Campaign> campaign = DecodeCampaign(*bytes);
    if (!campaign.ok()) return campaign.status();
    if (campaign->ends_at_ns != 0 && now >= campaign->ends_at_ns) {
      return absl::FailedPreconditionError(
          absl::StrCat("campaign ", request.campaign, " has ended"));
    }
  }
  Donation donation;
  donation.request = request;
  donation.donor = donor;
  {
    absl::MutexLock lock(&mu_);
    donation.receipt = last_receipt_[request.village] + 1;
  }
  donation.received_at_ns = now;
  if (absl::Status s = Save(donation); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  last_receipt_[request.village] = donation.receipt;  // only once saved: it holds the number
  return donation;
}

absl::StatusOr<Donation> FundBook::Submit(Donation donation) {
  const DonationRequest& q = donation.request;
  std::vector<Transfer> chain = {
      DonationTransfer(q.village, q.donation, donation.receipt, q.campaign, q.fen)};
  // An engine error is an unknown outcome: a resend or Resume submits the same transfer again.
  return SubmitStep<Donation>(
      *engine_, std::move(chain), "fund.donate.after_transfer", std::move(donation),
      [](Donation& d, const ChainOutcome& outcome) {
        d.state = outcome.accepted ? DonationState::kRecorded : DonationState::kRefused;
        if (!outcome.accepted) {
          d.refusal = absl::StrCat("the ledger refused the donation: ",
                                   std::string(ResultName(outcome.refused_result)));
        }
      },
      [&](const Donation& d) { return Save(d); });
}

}  // namespace points::domain
