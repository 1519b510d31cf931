#include "server/services/award_service.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/convert/award_convert.h"
#include "server/convert/convert.h"
#include "server/convert/status.h"
#include "server/domain/values/ids.h"
#include "server/services/offload.h"

namespace points::server {
namespace {

// Replies at most this many awards to ListAwards (awards.proto says so).
constexpr size_t kListAwardsMax = 1000;

// Who objected to an award, and why, is for those who decide and supervise (the committee, the
// auditor) and for the objector: objections between neighbours are sensitive, as the board's
// masked names are. Everyone else, the household objected against too, sees that the award is
// held (its state) and who decided, not by whom or why.
bool SeesObjection(const domain::Principal& viewer, const domain::Award& award) {
  return viewer.role == domain::Role::kCommittee || viewer.role == domain::Role::kAuditor ||
         (!award.objected_by.empty() && viewer.name == award.objected_by);
}

// Awards as one caller may see them, each with the whole rule version it was scored by: the
// award keeps the scoring fields, the catalogue the rest (name, dates, who made it). Versions
// are never edited, so a reply of many awards looks each one up once.
class AwardReplies {
 public:
  AwardReplies(const domain::RuleBook* rules, const domain::Principal& viewer)
      : rules_(rules), viewer_(viewer) {}

  absl::Status Reply(const domain::Award& award, v1::Award* out) {
    AwardToProto(award, out);
    if (!SeesObjection(viewer_, award)) {
      out->clear_objected_by();
      out->clear_objection();
    }
    const domain::RuleVersion& scored = award.request.rule;
    auto [it, added] = versions_.try_emplace({scored.rule, scored.version});
    if (added) {
      absl::StatusOr<domain::CatalogueRule> found =
          rules_->Get(award.request.village, scored.rule, scored.version);
      if (found.ok()) {
        it->second = *std::move(found);
      } else if (!absl::IsNotFound(found.status())) {
        return found.status();
      }
    }
    CatalogueRuleToProto(it->second, out->mutable_rule());
    RuleVersionToProto(scored, out->mutable_rule());  // as scored, should the two ever differ
    return absl::OkStatus();
  }
  // The award (or the error) of a workflow step.
  absl::Status Reply(const absl::StatusOr<domain::Award>& award, v1::Award* out) {
    if (!award.ok()) return award.status();
    return Reply(*award, out);
  }

 private:
  const domain::RuleBook* const rules_;
  const domain::Principal& viewer_;
  std::map<std::pair<uint32_t, uint32_t>, domain::CatalogueRule> versions_;
};

}  // namespace

grpc::ServerUnaryReactor* VillageService::CreateVillage(grpc::CallbackServerContext* context,
                                                        const v1::CreateVillageRequest* request,
                                                        v1::CreateVillageResponse* response) {
  return Offload(
      context, gate_, Rpc::kCreateVillage, workers_, *request,
      Target{.village = request->village()},
      [this, request, response](const domain::Principal& caller) -> absl::Status {
        if (absl::Status s = book_->SetUpVillage(request->village()); !s.ok()) return s;
        const domain::Ledgers ledgers = domain::LedgersOf(request->village());
        response->set_points_ledger(ledgers.points);
        response->set_money_ledger(ledgers.money);
        response->set_issuer_account_id(IdToBytes(
            domain::ids::OfVillageAccount(request->village(), domain::VillageAccount::kIssuer)));
        return gate_->Journal(caller, request->village(), "village.create", "ledgers and accounts");
      });
}

grpc::ServerUnaryReactor* VillageService::CreateHousehold(grpc::CallbackServerContext* context,
                                                          const v1::CreateHouseholdRequest* request,
                                                          v1::CreateHouseholdResponse* response) {
  return Offload(
      context, gate_, Rpc::kCreateHousehold, workers_, *request,
      Target{.village = request->village(), .household = request->household()},
      [this, request, response](const domain::Principal& caller) -> absl::Status {
        if (absl::Status s = households_->EnsureHousehold(request->village(), request->household());
            !s.ok()) {
          return s;
        }
        response->set_account_id(
            IdToBytes(domain::ids::Household(request->village(), request->household())));
        return gate_->Journal(caller, request->village(), "household.create",
                              absl::StrCat("household ", request->household()));
      });
}

grpc::ServerUnaryReactor* VillageService::SetBudget(grpc::CallbackServerContext* context,
                                                    const v1::SetBudgetRequest* request,
                                                    v1::SetBudgetResponse* /*response*/) {
  return Offload(
      context, gate_, Rpc::kSetBudget, workers_, *request, Target{.village = request->village()},
      [this, request](const domain::Principal& caller) -> absl::Status {
        if (absl::Status s =
                book_->SetBudget(request->village(), request->month(), request->points());
            !s.ok()) {
          return s;
        }
        return gate_->Journal(
            caller, request->village(), "budget.set",
            absl::StrCat("month ", request->month(), ": ", request->points(), " points"));
      });
}

grpc::ServerUnaryReactor* VillageService::PutHousehold(grpc::CallbackServerContext* context,
                                                       const v1::PutHouseholdRequest* request,
                                                       v1::PutHouseholdResponse* response) {
  return Offload(context, gate_, Rpc::kPutHousehold, workers_, *request,
                 Target{.village = request->household().village(),
                        .household = request->household().household()},
                 [this, request, response](const domain::Principal& caller) -> absl::Status {
                   const domain::Household household = HouseholdFromProto(request->household());
                   if (absl::Status s = households_->PutHousehold(household); !s.ok()) return s;
                   response->set_account_id(
                       IdToBytes(domain::ids::Household(household.village, household.household)));
                   return gate_->Journal(
                       caller, household.village, "household.put",
                       absl::StrCat("household ", household.household, " grid ", household.grid));
                 });
}

grpc::ServerUnaryReactor* VillageService::GetHousehold(grpc::CallbackServerContext* context,
                                                       const v1::GetHouseholdRequest* request,
                                                       v1::GetHouseholdResponse* response) {
  return Offload(
      context, gate_, Rpc::kGetHousehold, workers_, *request,
      Target{.village = request->village(), .household = request->household()},
      [this, request, response]() -> absl::Status {
        absl::StatusOr<domain::Household> h =
            households_->GetHousehold(request->village(), request->household());
        if (!h.ok()) return h.status();
        HouseholdToProto(*h, response->mutable_household());
        absl::StatusOr<std::vector<Account>> account =
            engine_->LookupAccounts({domain::ids::Household(h->village, h->household)});
        if (!account.ok()) return account.status();
        if (account->size() == 1) {
          const Account& a = account->front();
          response->set_points_balance(a.credits_posted - a.debits_posted);  // its floor holds
          response->set_points_incoming(a.credits_pending);
          response->set_points_outgoing(a.debits_pending);
        }
        if (h->closed) return absl::OkStatus();
        absl::StatusOr<std::vector<domain::Lapse>> lapses =
            expiry_->Upcoming(h->village, h->household);
        if (!lapses.ok()) return lapses.status();
        for (const domain::Lapse& lapse : *lapses) {
          v1::ExpiringPoints* out = response->add_expiring();
          out->set_expires_at(lapse.expires_at_ns);
          out->set_year(lapse.year);
          out->set_points(lapse.points);
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* VillageService::SetExpiryPolicy(grpc::CallbackServerContext* context,
                                                          const v1::SetExpiryPolicyRequest* request,
                                                          v1::SetExpiryPolicyResponse* response) {
  return Offload(context, gate_, Rpc::kSetExpiryPolicy, workers_, *request,
                 Target{.village = request->village()},
                 [this, request, response](const domain::Principal& caller) -> absl::Status {
                   if (absl::Status s = expiry_->SetPolicy(
                           request->village(),
                           {.enabled = request->enabled(), .grace_years = request->grace_years()});
                       !s.ok()) {
                     return s;
                   }
                   absl::StatusOr<domain::ExpiryPolicy> policy =
                       expiry_->GetPolicy(request->village());
                   if (!policy.ok()) return policy.status();
                   response->set_enabled(policy->enabled);
                   response->set_grace_years(policy->grace_years);
                   response->set_set_at(policy->set_at_ns);
                   return gate_->Journal(caller, request->village(), "expiry.set",
                                         absl::StrCat(policy->enabled ? "enabled" : "disabled",
                                                      ", grace ", policy->grace_years, " years"));
                 });
}

grpc::ServerUnaryReactor* VillageService::ListHouseholds(grpc::CallbackServerContext* context,
                                                         const v1::ListHouseholdsRequest* request,
                                                         v1::ListHouseholdsResponse* response) {
  return Offload(context, gate_, Rpc::kListHouseholds, workers_, *request,
                 Target{.village = request->village(), .reveal_names = request->reveal()},
                 [this, request, response](const domain::Principal& caller) -> absl::Status {
                   absl::StatusOr<std::vector<domain::Household>> found =
                       households_->ListHouseholds(request->village(), request->reveal());
                   if (!found.ok()) return found.status();
                   // A grid worker lists the households it records for, its grid's only.
                   const bool grid_only = caller.role == domain::Role::kGridWorker;
                   for (const domain::Household& h : *found) {
                     if (grid_only && h.grid != caller.scope.grid) continue;
                     HouseholdToProto(h, response->add_households());
                   }
                   return absl::OkStatus();
                 });
}

grpc::ServerUnaryReactor* VillageService::CloseHousehold(grpc::CallbackServerContext* context,
                                                         const v1::CloseHouseholdRequest* request,
                                                         v1::CloseHouseholdResponse* /*response*/) {
  return Offload(
      context, gate_, Rpc::kCloseHousehold, workers_, *request,
      Target{.village = request->village(), .household = request->household()},
      [this, request](const domain::Principal& caller) -> absl::Status {
        if (absl::Status s = households_->CloseHousehold(request->village(), request->household());
            !s.ok()) {
          return s;
        }
        return gate_->Journal(caller, request->village(), "household.close",
                              absl::StrCat("household ", request->household()));
      });
}

grpc::ServerUnaryReactor* VillageService::PutTown(grpc::CallbackServerContext* context,
                                                  const v1::PutTownRequest* request,
                                                  v1::PutTownResponse* /*response*/) {
  return Offload(
      context, gate_, Rpc::kPutTown, workers_, *request, Target{.town = request->town().town()},
      [this, request](const domain::Principal& caller) -> absl::Status {
        if (absl::Status s = org_->PutTown({request->town().town(), request->town().name()});
            !s.ok()) {
          return s;
        }
        return gate_->Journal(
            caller, 0, "town.put",
            absl::StrCat("town ", request->town().town(), ": ", request->town().name()));
      });
}

grpc::ServerUnaryReactor* VillageService::ListTowns(grpc::CallbackServerContext* context,
                                                    const v1::ListTownsRequest* request,
                                                    v1::ListTownsResponse* response) {
  return Offload(context, gate_, Rpc::kListTowns, workers_, *request, Target{},
                 [this, response]() -> absl::Status {
                   absl::StatusOr<std::vector<domain::Town>> towns = org_->ListTowns();
                   if (!towns.ok()) return towns.status();
                   for (const domain::Town& t : *towns) {
                     v1::Town* out = response->add_towns();
                     out->set_town(t.town);
                     out->set_name(t.name);
                   }
                   return absl::OkStatus();
                 });
}

grpc::ServerUnaryReactor* VillageService::PutVillage(grpc::CallbackServerContext* context,
                                                     const v1::PutVillageRequest* request,
                                                     v1::PutVillageResponse* /*response*/) {
  return Offload(context, gate_, Rpc::kPutVillage, workers_, *request,
                 Target{.town = request->village().town(), .village = request->village().village()},
                 [this, request](const domain::Principal& caller) -> absl::Status {
                   const v1::Village& v = request->village();
                   const domain::Village village{v.village(), v.name(), v.town(),
                                                 v.community() ? domain::VillageKind::kCommunity
                                                               : domain::VillageKind::kVillage};
                   if (absl::Status s = org_->PutVillage(village); !s.ok()) return s;
                   if (absl::Status s = book_->SetUpVillage(village.village); !s.ok())
                     return s;  // its accounts
                   return gate_->Journal(caller, village.village, "village.put",
                                         absl::StrCat("town ", village.town, ": ", village.name));
                 });
}

grpc::ServerUnaryReactor* VillageService::ListVillages(grpc::CallbackServerContext* context,
                                                       const v1::ListVillagesRequest* request,
                                                       v1::ListVillagesResponse* response) {
  return Offload(context, gate_, Rpc::kListVillages, workers_, *request, Target{},
                 [this, request, response]() -> absl::Status {
                   absl::StatusOr<std::vector<domain::Village>> villages =
                       org_->ListVillages(request->town());
                   if (!villages.ok()) return villages.status();
                   for (const domain::Village& v : *villages) {
                     v1::Village* out = response->add_villages();
                     out->set_village(v.village);
                     out->set_name(v.name);
                     out->set_town(v.town);
                     out->set_community(v.kind == domain::VillageKind::kCommunity);
                   }
                   return absl::OkStatus();
                 });
}

grpc::ServerUnaryReactor* VillageService::PutGrid(grpc::CallbackServerContext* context,
                                                  const v1::PutGridRequest* request,
                                                  v1::PutGridResponse* /*response*/) {
  return Offload(
      context, gate_, Rpc::kPutGrid, workers_, *request,
      Target{.village = request->grid().village()},
      [this, request](const domain::Principal& caller) -> absl::Status {
        const v1::Grid& g = request->grid();
        if (absl::Status s = org_->PutGrid({g.village(), g.grid(), g.name(), g.worker()});
            !s.ok()) {
          return s;
        }
        return gate_->Journal(
            caller, g.village(), "grid.put",
            absl::StrCat("grid ", g.grid(), ": ", g.name(), ", worker ", g.worker()));
      });
}

grpc::ServerUnaryReactor* VillageService::ListGrids(grpc::CallbackServerContext* context,
                                                    const v1::ListGridsRequest* request,
                                                    v1::ListGridsResponse* response) {
  return Offload(context, gate_, Rpc::kListGrids, workers_, *request, Target{},
                 [this, request, response]() -> absl::Status {
                   absl::StatusOr<std::vector<domain::Grid>> grids =
                       org_->ListGrids(request->village());
                   if (!grids.ok()) return grids.status();
                   for (const domain::Grid& g : *grids) {
                     v1::Grid* out = response->add_grids();
                     out->set_village(g.village);
                     out->set_grid(g.grid);
                     out->set_name(g.name);
                     out->set_worker(g.worker);
                   }
                   return absl::OkStatus();
                 });
}

grpc::ServerUnaryReactor* AwardService::PutRule(grpc::CallbackServerContext* context,
                                                const v1::PutRuleRequest* request,
                                                v1::PutRuleResponse* response) {
  return Offload(
      context, gate_, Rpc::kPutRule, workers_, *request, Target{.village = request->village()},
      [this, request, response](const domain::Principal& caller) -> absl::Status {
        absl::StatusOr<domain::CatalogueRule> rule =
            CatalogueRuleFromProto(request->village(), request->rule());
        if (!rule.ok()) return rule.status();
        rule->changed_by = caller.name;
        absl::StatusOr<domain::CatalogueRule> put =
            rules_->PutRule(*rule, request->replaces_version());
        if (!put.ok()) return put.status();
        CatalogueRuleToProto(*put, response->mutable_rule());
        return gate_->Journal(
            caller, request->village(), "rule.put",
            absl::StrCat("rule ", put->rule.rule, " version ", put->rule.version, ": ", put->name));
      });
}

grpc::ServerUnaryReactor* AwardService::ListRules(grpc::CallbackServerContext* context,
                                                  const v1::ListRulesRequest* request,
                                                  v1::ListRulesResponse* response) {
  return Offload(context, gate_, Rpc::kListRules, workers_, *request,
                 Target{.village = request->village()},
                 [this, request, response]() -> absl::Status {
                   absl::StatusOr<std::vector<domain::CatalogueRule>> rules =
                       rules_->List(request->village(), request->rule());
                   if (!rules.ok()) return rules.status();
                   for (const domain::CatalogueRule& rule : *rules) {
                     CatalogueRuleToProto(rule, response->add_rules());
                   }
                   return absl::OkStatus();
                 });
}

grpc::ServerUnaryReactor* AwardService::RecordAward(grpc::CallbackServerContext* context,
                                                    const v1::RecordAwardRequest* request,
                                                    v1::RecordAwardResponse* response) {
  return Offload(
      context, gate_, Rpc::kRecordAward, workers_, *request,
      Target{.village = request->award().village(), .household = request->award().household()},
      [this, request, response](const domain::Principal& caller) -> absl::Status {
        absl::StatusOr<domain::AwardRequest> award = AwardRequestFromProto(request->award());
        if (!award.ok()) return award.status();
        award->recorded_by = caller.name;  // attributable: whoever the token says, not the request
        return AwardReplies(rules_, caller).Reply(book_->Record(*award), response->mutable_award());
      });
}

grpc::ServerUnaryReactor* AwardService::RecordAwards(grpc::CallbackServerContext* context,
                                                     const v1::RecordAwardsRequest* request,
                                                     v1::RecordAwardsResponse* response) {
  return Offload(
      context, gate_, Rpc::kRecordAwards, workers_, *request,
      Target{.village = request->awards().empty() ? 0 : request->awards(0).village()},
      [this, request, response](const domain::Principal& caller) -> absl::Status {
        // Each line checked and authorized on its own (its household must be in the caller's
        // scope); the good ones recorded together, a slice per synced write (RecordRound).
        std::vector<absl::Status> refused(request->awards_size());
        std::vector<domain::AwardRequest> round;
        for (int i = 0; i < request->awards_size(); ++i) {
          const absl::Status checked = CheckAward(request->awards(i));
          absl::StatusOr<domain::AwardRequest> award =
              checked.ok() ? AwardRequestFromProto(request->awards(i)) : checked;
          if (award.ok()) {
            award->recorded_by = caller.name;
            absl::Status allowed =
                gate_->Authorize(caller, Rpc::kRecordAwards,
                                 {.village = award->village, .household = award->household});
            if (!allowed.ok()) award = allowed;
          }
          if (award.ok()) {
            round.push_back(*std::move(award));
          } else {
            refused[i] = award.status();
          }
        }
        std::vector<absl::StatusOr<domain::Award>> recorded = book_->RecordRound(round);
        AwardReplies replies(rules_, caller);
        size_t next = 0;
        for (int i = 0; i < request->awards_size(); ++i) {
          v1::RecordAwardsResponse::Result* result = response->add_results();
          const absl::Status replied =
              refused[i].ok() ? replies.Reply(recorded[next++], result->mutable_award())
                              : refused[i];
          if (!replied.ok()) {
            result->clear_award();
            result->set_error_code(static_cast<int32_t>(replied.code()));
            result->set_error_message(absl::StrCat("awards[", i, "]: ", replied.message()));
          }
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AwardService::ApproveAward(grpc::CallbackServerContext* context,
                                                     const v1::ApproveAwardRequest* request,
                                                     v1::ApproveAwardResponse* response) {
  return Offload(
      context, gate_, Rpc::kApproveAward, workers_, *request, Target{.village = request->village()},
      [this, request, response](const domain::Principal& caller) -> absl::Status {
        absl::StatusOr<Id> id = IdFromBytes(request->award_id(), "award_id");
        if (!id.ok()) return id.status();
        // The reviewer is the caller; the book refuses the award's own recorder.
        if (absl::Status s = AwardReplies(rules_, caller)
                                 .Reply(book_->Approve(request->village(), *id, caller.name),
                                        response->mutable_award());
            !s.ok()) {
          return s;
        }
        return gate_->Journal(caller, request->village(), "award.approve",
                              absl::StrCat("award ", IdToHex(*id)));
      });
}

grpc::ServerUnaryReactor* AwardService::ObjectToAward(grpc::CallbackServerContext* context,
                                                      const v1::ObjectToAwardRequest* request,
                                                      v1::ObjectToAwardResponse* response) {
  return Offload(context, gate_, Rpc::kObjectToAward, workers_, *request,
                 Target{.village = request->village()},
                 [this, request, response](const domain::Principal& caller) -> absl::Status {
                   absl::StatusOr<Id> id = IdFromBytes(request->award_id(), "award_id");
                   if (!id.ok()) return id.status();
                   return AwardReplies(rules_, caller)
                       .Reply(
                           book_->Object(request->village(), *id, caller.name, request->reason()),
                           response->mutable_award());
                 });
}

grpc::ServerUnaryReactor* AwardService::DecideAward(grpc::CallbackServerContext* context,
                                                    const v1::DecideAwardRequest* request,
                                                    v1::DecideAwardResponse* response) {
  return Offload(
      context, gate_, Rpc::kDecideAward, workers_, *request, Target{.village = request->village()},
      [this, request, response](const domain::Principal& caller) -> absl::Status {
        absl::StatusOr<Id> id = IdFromBytes(request->award_id(), "award_id");
        if (!id.ok()) return id.status();
        if (absl::Status s =
                AwardReplies(rules_, caller)
                    .Reply(book_->Decide(request->village(), *id, request->keep(), caller.name),
                           response->mutable_award());
            !s.ok()) {
          return s;
        }
        return gate_->Journal(
            caller, request->village(), "award.decide",
            absl::StrCat("award ", IdToHex(*id), request->keep() ? " kept" : " voided"));
      });
}

grpc::ServerUnaryReactor* AwardService::GetAward(grpc::CallbackServerContext* context,
                                                 const v1::GetAwardRequest* request,
                                                 v1::GetAwardResponse* response) {
  return Offload(context, gate_, Rpc::kGetAward, workers_, *request,
                 Target{.village = request->village()},
                 [this, request, response](const domain::Principal& caller) -> absl::Status {
                   absl::StatusOr<Id> id = IdFromBytes(request->award_id(), "award_id");
                   if (!id.ok()) return id.status();
                   return AwardReplies(rules_, caller)
                       .Reply(book_->Get(request->village(), *id), response->mutable_award());
                 });
}

grpc::ServerUnaryReactor* AwardService::ListAwards(grpc::CallbackServerContext* context,
                                                   const v1::ListAwardsRequest* request,
                                                   v1::ListAwardsResponse* response) {
  return Offload(
      context, gate_, Rpc::kListAwards, workers_, *request, Target{.village = request->village()},
      [this, request, response](const domain::Principal& caller) -> absl::Status {
        absl::StatusOr<domain::AwardState> state = AwardStateFromProto(request->state(), "state");
        if (!state.ok()) return state.status();
        absl::StatusOr<std::vector<domain::Award>> awards = book_->List(request->village(), *state);
        if (!awards.ok()) return awards.status();
        AwardReplies replies(rules_, caller);
        for (size_t i = 0; i < awards->size() && i < kListAwardsMax; ++i) {
          if (absl::Status s = replies.Reply((*awards)[i], response->add_awards()); !s.ok()) {
            return s;
          }
        }
        response->set_truncated(awards->size() > kListAwardsMax);
        return absl::OkStatus();
      });
}

}  // namespace points::server
