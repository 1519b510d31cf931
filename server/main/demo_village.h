// A small demo village for newcomers: an issuer, three households, the village points
// supermarket, and a first inspection round with one redemption. Fixed ids, so seeding twice
// changes nothing (the engine answers exists).
#ifndef POINTS_SERVER_MAIN_DEMO_VILLAGE_H_
#define POINTS_SERVER_MAIN_DEMO_VILLAGE_H_

#include "absl/status/status.h"
#include "points/engine.h"
#include "server/domain/books/award_book.h"
#include "server/domain/books/fund_book.h"
#include "server/domain/books/household_book.h"
#include "server/domain/books/org_book.h"
#include "server/domain/books/principal_book.h"
#include "server/domain/books/proposal_book.h"
#include "server/domain/books/rating_round_book.h"
#include "server/domain/books/rule_book.h"
#include "server/domain/books/shop_book.h"
#include "server/domain/store/audit_journal.h"

namespace points::server {

// Ids as plain numbers (pointsctl accepts them as well as UUID text).
inline constexpr uint64_t kDemoIssuer = 1;  // the village committee's points issuer
inline constexpr uint64_t kDemoHouseholds[] = {101, 102, 103};
inline constexpr uint64_t kDemoShop = 201;  // the village points supermarket
inline constexpr uint32_t kDemoPointsLedger = 1;

absl::Status SeedDemoVillage(Engine& engine);

// The same village run through the points supermarket's workflows (server/domain/): village 1
// (东山村 of town 1, 清溪镇, with grids 1 and 2) with its rule catalogue (rules 1-6, one per
// category, in effect since 2026-01-01), households 1-3 with their heads' names (opening balances
// of 100, 60 and 30 points carried over from the paper ledger), its supermarket, shop 1, with three
// items in stock, a partner shop, shop 2, with a members' discount and a micro-fund levy, and award
// 9001 for household 2. Idempotent.
inline constexpr uint32_t kDemoVillage = 1;
inline constexpr uint32_t kDemoSupermarket = 1;
inline constexpr uint32_t kDemoPartnerShop = 2;
absl::Status SeedDemoSupermarket(Engine& engine, domain::OrgBook& org, domain::RuleBook& rules,
                                 domain::HouseholdBook& households, domain::AwardBook& awards,
                                 domain::ShopBook& shops);

// The community of village 1 (CommunityService): partner organisations 1 (东山建材, a company)
// and 2 (清溪电工志愿服务队, a social organisation); a donation of 2000 yuan from partner 1
// (receipt 1); proposal 1 (street lights at the village gate, 300 yuan) voted for by all three
// households (household 3 through its proxy), approved, done and its payout on notice (the
// server pays it when the notice window ends), with rating round 1 about it (partner 2 did the
// work) rated by households 1-3 and closing a minute after seeding; proposal 2 (fitness
// equipment, 1500 yuan) in deliberation for a week with a comment. The first seeding waits a
// second, for proposal 1's vote window to close. Idempotent: a restart changes nothing.
inline constexpr uint32_t kDemoProject = 1;
inline constexpr uint32_t kDemoProposal = 2;
inline constexpr uint32_t kDemoRound = 1;
absl::Status SeedDemoCommunity(domain::FundBook& fund, domain::ProposalBook& proposals,
                               domain::RatingRoundBook& rounds, Clock& clock);

// The demo's principals (server/AUTHZ.md), each with its token in DATA_DIR/demo-tokens/NAME
// (mode 0600) for `pointsctl --token-file`: committee-li and committee-zhang (village 1),
// grid-wang (grid 1: households 1, 2) and grid-zhao (grid 2: household 3), shop-1 and shop-2,
// household-1 .. household-3, and auditor (the county). Ones that exist are left alone.
// Each one made is journaled in the operator audit, by "demo".
absl::Status SeedDemoPrincipals(domain::PrincipalBook& principals, domain::AuditJournal& audit,
                                const std::string& data_dir);

}  // namespace points::server

#endif  // POINTS_SERVER_MAIN_DEMO_VILLAGE_H_
