// Every key prefix of the domain store, one per kind of record: the one place they are named.
// A book builds its keys from these only; tests/server/domain/key_prefixes_test.cc checks that
// no prefix is another's prefix, so a scan of one kind never reads another kind's records.
// A prefix, once used, is never given to another kind: stores in the field hold them.
#ifndef POINTS_SERVER_DOMAIN_STORE_KEY_PREFIXES_H_
#define POINTS_SERVER_DOMAIN_STORE_KEY_PREFIXES_H_

#include <string_view>

namespace points::domain::keys {

// Awards (award_book): by village and award id; issuance budgets by village and period.
inline constexpr char kAward[] = "a/";
inline constexpr char kAwardBudget[] = "b/";
// The rules catalogue (rule_book): by village, rule and version.
inline constexpr char kRule[] = "rule/";
// Towns, villages, grids (org_book).
inline constexpr char kTown[] = "town/";
inline constexpr char kVillage[] = "village/";
inline constexpr char kGrid[] = "grid/";
// Households (household_book): by village and number.
inline constexpr char kHousehold[] = "h/";
// Shops (shop_book): names, items, terms, baskets, settlements, cash sales.
inline constexpr char kShop[] = "s/";
inline constexpr char kItem[] = "i/";
inline constexpr char kShopTerms[] = "r/";
inline constexpr char kBasket[] = "k/";
inline constexpr char kSettlement[] = "t/";
inline constexpr char kCashSale[] = "c/";
// Payment codes and cards (payment_book).
inline constexpr char kPaymentCode[] = "pay/h/";
inline constexpr char kCard[] = "pay/card/";
// Satisfaction ratings (rating_book).
inline constexpr char kRating[] = "sat/";
// Tasks and their claims (task_book).
inline constexpr char kTask[] = "task/";
inline constexpr char kTaskClaim[] = "claim/";
// Expiry policies by village, and each household's year (expiry_book).
inline constexpr char kExpiryVillage[] = "e/v/";
inline constexpr char kExpiryHouseholdYear[] = "e/h/";
// Principals (principal_book) and the operator audit journal (audit_journal).
inline constexpr char kPrincipal[] = "who/";
inline constexpr char kAudit[] = "audit/";
// The micro-fund's partners, campaigns and donations (fund_book).
inline constexpr char kFundPartner[] = "fund/org/";
inline constexpr char kFundCampaign[] = "fund/camp/";
inline constexpr char kFundDonation[] = "fund/don/";
// Proposals, the client's proposal id to its number, votes and comments (proposal_book).
inline constexpr char kProposal[] = "prop/p/";
inline constexpr char kProposalId[] = "prop/id/";
inline constexpr char kProposalVote[] = "prop/vote/";
inline constexpr char kProposalRemark[] = "prop/remark/";
// Rating rounds and their ratings (rating_round_book).
inline constexpr char kRatingRound[] = "round/r/";
inline constexpr char kRatingRoundStars[] = "round/star/";
// Baskets sold offline: each sale, each offline code used, each shortfall (offline_book).
inline constexpr char kOfflineSale[] = "off/sale/";
inline constexpr char kOfflineCode[] = "off/code/";
inline constexpr char kOfflineShortfall[] = "off/short/";
// A village's offline limits, when its committee set its own (offline_book).
inline constexpr char kOfflineLimits[] = "off/limits/";
// The Merkle tree over the journal (server/receipts/tree_store): complete subtrees' hashes by
// level and index, the journal chunks' first record numbers, the tree's head, the signed
// checkpoints and the witnesses' cosignatures on them.
inline constexpr char kTreeNode[] = "mt/node/";
inline constexpr char kTreeChunk[] = "mt/chunk/";
inline constexpr char kTreeHead[] = "mt/head/";
inline constexpr char kTreeCheckpoint[] = "mt/cp/";
inline constexpr char kTreeCosignature[] = "mt/cosig/";

inline constexpr std::string_view kAll[] = {
    kAward,
    kAwardBudget,
    kRule,
    kTown,
    kVillage,
    kGrid,
    kHousehold,
    kShop,
    kItem,
    kShopTerms,
    kBasket,
    kSettlement,
    kCashSale,
    kPaymentCode,
    kCard,
    kRating,
    kTask,
    kTaskClaim,
    kExpiryVillage,
    kExpiryHouseholdYear,
    kPrincipal,
    kAudit,
    kFundPartner,
    kFundCampaign,
    kFundDonation,
    kProposal,
    kProposalId,
    kProposalVote,
    kProposalRemark,
    kRatingRound,
    kRatingRoundStars,
    kOfflineSale,
    kOfflineCode,
    kOfflineShortfall,
    kOfflineLimits,
    kTreeNode,
    kTreeChunk,
    kTreeHead,
    kTreeCheckpoint,
    kTreeCosignature,
};

}  // namespace points::domain::keys

#endif  // POINTS_SERVER_DOMAIN_STORE_KEY_PREFIXES_H_
