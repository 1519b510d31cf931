#include "server/main/demo_village.h"

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/domain/values/ids.h"
#include "server/domain/values/ledger_layout.h"
#include "server/gate/token_file.h"

namespace points::server {
namespace {

enum AccountCode : uint16_t { kIssuerCode = 1, kHouseholdCode = 2, kShopCode = 3 };
enum TransferCode : uint16_t { kHygieneAward = 10, kVolunteerAward = 11, kRedemption = 20 };

Transfer Move(uint64_t id, uint64_t from, uint64_t to, uint64_t points, uint16_t code) {
  return domain::MakeTransfer(id, from, to, points, kDemoPointsLedger, code);
}

}  // namespace

absl::Status SeedDemoVillage(Engine& engine) {
  std::vector<Account> accounts;
  auto add = [&](uint64_t id, uint16_t code, uint16_t flags) {
    Account a;
    a.id = id;
    a.ledger = kDemoPointsLedger;
    a.code = code;
    a.flags = flags;
    accounts.push_back(a);
  };
  add(kDemoIssuer, kIssuerCode, 0);
  // A household cannot spend points it has not got; households and the shop keep balance
  // history, so that their apps can watch them (WatchAccounts).
  for (uint64_t h : kDemoHouseholds) {
    add(h, kHouseholdCode, kAccountDebitsMustNotExceedCredits | kAccountHistory);
  }
  add(kDemoShop, kShopCode, kAccountHistory);
  auto created = engine.CreateAccounts(accounts);
  if (!created.ok()) return created.status();
  for (const AccountEventResult& r : *created) {
    if (r.result != CreateAccountResult::kOk && r.result != CreateAccountResult::kExists) {
      return absl::InternalError(
          absl::StrCat("demo account refused: ", std::string(ResultName(r.result))));
    }
  }
  auto moved = engine.CreateTransfers({
      Move(1001, kDemoIssuer, 101, 50, kHygieneAward),
      Move(1002, kDemoIssuer, 102, 40, kHygieneAward),
      Move(1003, kDemoIssuer, 103, 30, kVolunteerAward),
      Move(1004, 101, kDemoShop, 20, kRedemption),
  });
  if (!moved.ok()) return moved.status();
  for (const TransferEventResult& r : *moved) {
    if (r.result != CreateTransferResult::kOk && r.result != CreateTransferResult::kExists) {
      return absl::InternalError(
          absl::StrCat("demo transfer refused: ", std::string(ResultName(r.result))));
    }
  }
  return absl::OkStatus();
}

// The demo village's catalogue: one rule per category, as village regulations word them.
absl::Status SeedDemoRules(domain::RuleBook& rules) {
  namespace d = domain;
  // 2026-01-01 00:00 China Standard Time: a fixed date, so seeding again changes nothing.
  constexpr uint64_t kInEffectFromNs = 1'767'196'800ull * 1'000'000'000ull;
  struct DemoRule {
    uint32_t rule;
    const char* name;
    uint16_t code;
    uint64_t points;
    uint64_t cap_per_month;
  };
  const DemoRule catalogue[] = {
      {1, "庭院卫生评比 (yard hygiene check)", d::kCodeHygiene, 10, 30},
      {2, "志愿服务 每小时 (volunteering, per hour)", d::kCodeVolunteering, 2, 40},
      {3, "遵守村规民约 (keeping the agreement)", d::kCodeVillageAgreement, 5, 0},
      {4, "文明家庭 (model household)", d::kCodeModelAward, 50, 0},
      {5, "认领任务 每分 (claimed task, per point)", d::kCodeTask, 1, 0},
      {6, "乱堆乱放 (rubbish left out)", d::kCodeDeduction, 5, 0}};
  for (const DemoRule& r : catalogue) {
    d::CatalogueRule rule;
    rule.village = kDemoVillage;
    rule.rule = {r.rule, 0, r.code, r.points, 100, 0, r.cap_per_month, 0};
    rule.name = r.name;
    rule.effective_from_ns = kInEffectFromNs;
    rule.changed_by = "committee-li";
    // Once: a restart keeps what the committee changed in the catalogue since.
    absl::StatusOr<std::vector<d::CatalogueRule>> existing = rules.List(kDemoVillage, r.rule);
    if (!existing.ok()) return existing.status();
    if (!existing->empty()) continue;
    if (absl::Status s = rules.PutRule(rule).status(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// The demo village's place: its town and its two grids, each with its worker.
absl::Status SeedDemoOrganisation(domain::OrgBook& org) {
  namespace d = domain;
  if (absl::Status s = org.PutTown({1, "清溪镇"}); !s.ok()) return s;
  if (absl::Status s = org.PutVillage({kDemoVillage, "东山村", 1, d::VillageKind::kVillage});
      !s.ok()) {
    return s;
  }
  if (absl::Status s = org.PutGrid({kDemoVillage, 1, "第一网格", "grid-wang"}); !s.ok()) return s;
  return org.PutGrid({kDemoVillage, 2, "第二网格", "grid-zhao"});
}

absl::Status SeedDemoSupermarket(Engine& engine, domain::OrgBook& org, domain::RuleBook& rules,
                                 domain::HouseholdBook& households, domain::AwardBook& awards,
                                 domain::ShopBook& shops) {
  namespace d = domain;
  if (absl::Status s = awards.SetUpVillage(kDemoVillage); !s.ok()) return s;
  if (absl::Status s = SeedDemoOrganisation(org); !s.ok()) return s;
  if (absl::Status s = SeedDemoRules(rules); !s.ok()) return s;
  const uint64_t opening[] = {100, 60, 30};
  const char* heads[] = {"张小明", "李秀英", "王建国"};
  const char* names[] = {"张家", "李家", "王家"};
  std::vector<Transfer> carried_over;
  for (uint64_t h = 1; h <= 3; ++h) {
    d::Household household;
    household.village = kDemoVillage;
    household.household = h;
    household.name = names[h - 1];
    household.grid = h == 3 ? 2 : 1;
    household.members = {{heads[h - 1], d::MemberRole::kHead, ""}};
    if (h == 3) household.proxy_name = "王村医";  // the elder's proxy
    // Details once: a restart of the demo keeps what the committee changed since.
    if (!households.GetHousehold(kDemoVillage, h).ok()) {
      if (absl::Status s = households.PutHousehold(household); !s.ok()) return s;
    }
    Transfer t = d::MakeTransfer(absl::MakeUint128(0xde70, h),
                                 d::ids::OfVillageAccount(kDemoVillage, d::VillageAccount::kIssuer),
                                 d::ids::Household(kDemoVillage, h), opening[h - 1],
                                 d::LedgersOf(kDemoVillage).points, d::kCodeOpeningBalance);
    carried_over.push_back(t);
  }
  auto moved = engine.CreateTransfers(carried_over);
  if (!moved.ok()) return moved.status();
  for (const TransferEventResult& r : *moved) {
    if (r.result != CreateTransferResult::kOk && r.result != CreateTransferResult::kExists) {
      return absl::InternalError(
          absl::StrCat("demo opening balance refused: ", std::string(ResultName(r.result))));
    }
  }
  if (absl::Status s = shops.CreateShop(kDemoVillage, kDemoSupermarket, "村积分超市"); !s.ok()) {
    return s;
  }
  const d::Item items[] = {{1, "酱油 500ml (soy sauce)", 10, 1200, 0},
                           {2, "肥皂 (soap)", 3, 400, 0},
                           {3, "洗衣粉 (washing powder)", 15, 1800, 0}};
  for (const d::Item& item : items) {
    if (absl::Status s = shops.PutItem(kDemoVillage, kDemoSupermarket, item); !s.ok()) return s;
    if (absl::Status s = shops.Restock(kDemoVillage, kDemoSupermarket, item.item, item.item, 20);
        !s.ok()) {
      return s;
    }
  }
  // A partner shop (爱心商户): members get 10 % off cash prices (九折) and the shop pays 10 % of
  // what they pay into the village micro-fund.
  if (absl::Status s = shops.CreateShop(kDemoVillage, kDemoPartnerShop, "爱心商户 老李小卖部");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = shops.SetTerms(kDemoVillage, kDemoPartnerShop, {1000, 1000}); !s.ok()) {
    return s;
  }
  const d::Item partner_items[] = {{1, "大米 5kg (rice)", 30, 3500, 0},
                                   {2, "毛巾 (towel)", 5, 800, 0}};
  for (const d::Item& item : partner_items) {
    if (absl::Status s = shops.PutItem(kDemoVillage, kDemoPartnerShop, item); !s.ok()) return s;
    if (absl::Status s = shops.Restock(kDemoVillage, kDemoPartnerShop, item.item, item.item, 20);
        !s.ok()) {
      return s;
    }
  }
  d::AwardRequest award;
  award.award = 9001;
  award.village = kDemoVillage;
  award.household = 2;
  award.rule.rule = 1;  // the catalogue's yard hygiene check: 10 points
  award.evidence = {"photo:demo-yard-2"};
  award.note = "庭院整洁 (yard kept clean)";
  award.recorded_by = "grid-wang";
  return awards.Record(award).status();
}

namespace {

constexpr uint64_t kSecondNs = 1'000'000'000;

// Proposal 1 (street lights): voted, approved, done; its payout goes on notice.
absl::Status SeedDemoProject(domain::ProposalBook& proposals, Clock& clock) {
  namespace d = domain;
  d::ProposalRequest q;
  q.village = kDemoVillage;
  q.proposal = 9201;
  q.household = 1;
  q.title = "修缮村口路灯 (repair the street lights at the village gate)";
  q.description = "村口三盏路灯坏了一个月，晚上老人孩子出行不便。(three lights out for a month)";
  q.cost_fen = 30'000;
  q.proposed_by = "household-1";
  absl::StatusOr<d::Proposal> p = proposals.Propose(q);
  if (!p.ok()) return p.status();
  if (p->state == d::ProposalState::kProposed) {
    // A vote window of half a second, so the demo starts with a project already decided (and
    // every start of a fresh demo, as tests make, waits only that long).
    p = proposals.Accept(kDemoVillage, p->number, clock.NowNanos() + kSecondNs / 2, "",
                         "committee-li");
    if (!p.ok()) return p.status();
  }
  if (p->state == d::ProposalState::kDeliberation) {
    const d::Vote votes[] = {
        {kDemoVillage, p->number, 1, d::VoteChoice::kFor, "household-1", "", 0},
        {kDemoVillage, p->number, 2, d::VoteChoice::kFor, "household-2", "", 0},
        {kDemoVillage, p->number, 3, d::VoteChoice::kFor, "grid-zhao", "王村医", 0}};
    for (const d::Vote& v : votes) {
      absl::Status s = proposals.CastVote(v).status();
      if (!s.ok() && s.code() != absl::StatusCode::kFailedPrecondition) return s;  // closed
    }
    const uint64_t now = clock.NowNanos();
    if (now < p->vote_ends_at_ns) {
      absl::SleepFor(absl::Nanoseconds(p->vote_ends_at_ns - now) + absl::Milliseconds(50));
    }
    p = proposals.Decide(kDemoVillage, p->number, d::Decision::kApprove, "", "committee-li");
    if (p.status().code() == absl::StatusCode::kInvalidArgument) {
      // A slow disk let the window close before the votes were in: approving against the count
      // needs a reason.
      p = proposals.Decide(kDemoVillage, p->number, d::Decision::kApprove,
                           "村民代表会议通过 (passed by the villagers' representatives)",
                           "committee-li");
    }
    if (!p.ok()) return p.status();
  }
  if (p->state == d::ProposalState::kApproved) {
    p = proposals.Complete(kDemoVillage, p->number, "committee-li");
  }
  return p.status();
}

// Proposal 2 (fitness equipment): in deliberation for a week, with a comment and a vote.
absl::Status SeedDemoProposal(domain::ProposalBook& proposals, Clock& clock) {
  namespace d = domain;
  d::ProposalRequest q;
  q.village = kDemoVillage;
  q.proposal = 9202;
  q.household = 2;
  q.title = "村口增设健身器材 (fitness equipment at the village gate)";
  q.description = "在村口空地安装一套健身器材，方便村民锻炼。";
  q.cost_fen = 150'000;
  q.proposed_by = "household-2";
  absl::StatusOr<d::Proposal> p = proposals.Propose(q);
  if (!p.ok()) return p.status();
  if (p->state == d::ProposalState::kProposed) {
    p = proposals.Accept(kDemoVillage, p->number, clock.NowNanos() + 7 * d::kNanosPerDay,
                         "议事会讨论一周 (a week's deliberation)", "committee-li");
    if (!p.ok()) return p.status();
  }
  if (p->state != d::ProposalState::kDeliberation) return absl::OkStatus();
  absl::Status s = proposals
                       .Comment({kDemoVillage, p->number, 9301, 3,
                                 "老人也能用吗？(can elders use it?)", "household-3", 0})
                       .status();
  if (!s.ok() && s.code() != absl::StatusCode::kFailedPrecondition) return s;
  s = proposals.CastVote({kDemoVillage, p->number, 1, d::VoteChoice::kFor, "household-1", "", 0})
          .status();
  return s.ok() || s.code() == absl::StatusCode::kFailedPrecondition ? absl::OkStatus() : s;
}

}  // namespace

absl::Status SeedDemoCommunity(domain::FundBook& fund, domain::ProposalBook& proposals,
                               domain::RatingRoundBook& rounds, Clock& clock) {
  namespace d = domain;
  for (const d::Partner& partner :
       {d::Partner{kDemoVillage, 1, "东山建材有限公司 (building materials company)",
                   d::PartnerKind::kCompany, "committee-li", 0},
        d::Partner{kDemoVillage, 2, "清溪电工志愿服务队 (electricians' volunteer team)",
                   d::PartnerKind::kSocialOrganisation, "committee-li", 0}}) {
    if (fund.GetPartner(kDemoVillage, partner.partner).ok()) continue;  // kept as changed since
    if (absl::Status s = fund.PutPartner(partner).status(); !s.ok()) return s;
  }
  d::DonationRequest gift;
  gift.village = kDemoVillage;
  gift.donation = 9101;
  gift.donor_kind = d::DonorKind::kPartner;
  gift.partner = 1;
  gift.fen = 200'000;
  gift.note = "共建单位捐赠 (a partner's donation)";
  gift.recorded_by = "committee-li";
  if (absl::Status s = fund.Donate(gift).status(); !s.ok()) return s;
  if (absl::Status s = SeedDemoProject(proposals, clock); !s.ok()) return s;
  if (absl::Status s = SeedDemoProposal(proposals, clock); !s.ok()) return s;
  if (rounds.Get(kDemoVillage, kDemoRound).ok()) return absl::OkStatus();
  d::RoundRequest round;
  round.village = kDemoVillage;
  round.round = kDemoRound;
  round.subject = d::RoundSubject::kProject;
  round.subject_number = kDemoProject;
  round.title = "村口路灯修缮 (the street lights)";
  round.party_kind = d::PartyKind::kOrganisation;
  round.party = 2;
  round.closes_at_ns = clock.NowNanos() + 60 * kSecondNs;
  round.opened_by = "committee-li";
  if (absl::Status s = rounds.OpenRound(round).status(); !s.ok()) return s;
  const uint32_t stars[] = {5, 5, 4};
  for (uint64_t h = 1; h <= 3; ++h) {
    absl::Status s = rounds
                         .Rate({kDemoVillage, kDemoRound, h, stars[h - 1],
                                h == 3 ? "亮了，谢谢！(light again, thanks)" : "",
                                absl::StrCat("household-", h), 0})
                         .status();
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status SeedDemoPrincipals(domain::PrincipalBook& principals, domain::AuditJournal& audit,
                                const std::string& data_dir) {
  using domain::Role;
  struct Demo {
    const char* name;
    Role role;
    domain::Scope scope;
  };
  const Demo demo[] = {
      {"committee-li", Role::kCommittee, {.village = kDemoVillage}},
      {"committee-zhang", Role::kCommittee, {.village = kDemoVillage}},
      {"grid-wang", Role::kGridWorker, {.village = kDemoVillage, .grid = 1}},
      {"grid-zhao", Role::kGridWorker, {.village = kDemoVillage, .grid = 2}},
      {"shop-1", Role::kShopkeeper, {.village = kDemoVillage, .shop = 1}},
      {"shop-2", Role::kShopkeeper, {.village = kDemoVillage, .shop = 2}},
      {"household-1", Role::kHousehold, {.village = kDemoVillage, .household = 1}},
      {"household-2", Role::kHousehold, {.village = kDemoVillage, .household = 2}},
      {"household-3", Role::kHousehold, {.village = kDemoVillage, .household = 3}},
      {"auditor", Role::kAuditor, {}},
  };
  const std::string dir = data_dir + "/demo-tokens";
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return absl::InternalError(absl::StrCat("cannot make ", dir, ": ", error.message()));
  std::vector<std::string> taken;
  for (const domain::Principal& p : principals.List()) taken.push_back(p.name);
  for (const Demo& d : demo) {
    if (std::find(taken.begin(), taken.end(), d.name) != taken.end()) continue;
    domain::Principal p;
    p.name = d.name;
    p.role = d.role;
    p.scope = d.scope;
    p.created_by = "demo";
    absl::StatusOr<std::string> token = principals.Create(p);
    if (!token.ok()) return token.status();
    if (absl::Status s = WriteTokenFile(absl::StrCat(dir, "/", d.name), *token); !s.ok()) return s;
    absl::StatusOr<domain::AuditEntry> entry =
        audit.Append("demo", "pointsd", d.scope.village, "principal.create",
                     absl::StrCat(domain::RoleName(d.role), " ", d.name, " (the demo)"));
    if (!entry.ok()) return entry.status();
  }
  return absl::OkStatus();
}

}  // namespace points::server
