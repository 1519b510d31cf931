#include "server/services/ledger_service.h"

#include <utility>

#include "boost/asio/post.hpp"
#include "points/limits.h"
#include "server/convert/convert.h"
#include "server/convert/status.h"
#include "server/domain/values/ids.h"

namespace points::server {
namespace {

// Finishes `reactor` with the error when `value` holds one; true when it did.
template <typename T>
bool FinishIfError(grpc::ServerUnaryReactor* reactor, const absl::StatusOr<T>& value) {
  if (value.ok()) return false;
  reactor->Finish(ToGrpcStatus(value.status()));
  return true;
}

// The gate for the raw ledger, before the request is read (a caller without a token learns
// nothing, not even what is wrong with its request): both steps on the reactor thread, because
// its scope check compares account ids and reads nothing. Ids that are not 16 bytes count as 0,
// which is nobody's own account.
absl::StatusOr<domain::Principal> Admit(
    Gate* gate, const grpc::CallbackServerContext& context, Rpc rpc,
    const google::protobuf::Message& request,
    const google::protobuf::RepeatedPtrField<std::string>& account_ids = {}) {
  std::vector<Id> accounts;
  for (const std::string& bytes : account_ids) {
    if (accounts.size() > kLookupIdsMax) break;  // more than a request may hold: refused later
    accounts.push_back(IdOrZero(bytes));
  }
  absl::StatusOr<domain::Principal> caller = gate->Authenticate(context, rpc, request);
  if (!caller.ok()) return caller.status();
  Target target;
  target.accounts = std::move(accounts);
  if (absl::Status s = gate->Authorize(*caller, rpc, target); !s.ok()) return s;
  return caller;
}

// A watch refused before it starts.
class RefusedWatch final : public grpc::ServerWriteReactor<v1::WatchAccountsResponse> {
 public:
  explicit RefusedWatch(const absl::Status& status) { Finish(ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerUnaryReactor* LedgerService::CreateAccounts(grpc::CallbackServerContext* context,
                                                        const v1::CreateAccountsRequest* request,
                                                        v1::CreateAccountsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // Who calls (and the request within its limits), before the request is converted; what it
  // may write, once it is: one check each.
  absl::StatusOr<domain::Principal> caller =
      gate_->Authenticate(*context, Rpc::kCreateAccounts, *request);
  if (FinishIfError(reactor, caller)) return reactor;
  absl::StatusOr<std::vector<Account>> accounts = AccountsFromProto(*request);
  if (FinishIfError(reactor, accounts)) return reactor;
  Target ledgers;
  for (const Account& a : *accounts) ledgers.ledgers.push_back(a.ledger);
  if (absl::Status s = gate_->Authorize(*caller, Rpc::kCreateAccounts, ledgers); !s.ok()) {
    reactor->Finish(ToGrpcStatus(s));
    return reactor;
  }
  engine_->SubmitCreateAccounts(*std::move(accounts), [reactor, response](auto results) {
    if (FinishIfError(reactor, results)) return;
    AccountResultsToProto(*results, response);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* LedgerService::CreateTransfers(grpc::CallbackServerContext* context,
                                                         const v1::CreateTransfersRequest* request,
                                                         v1::CreateTransfersResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // Who calls (and the request within its limits), before the request is converted; what it
  // may write, once it is: one check each.
  absl::StatusOr<domain::Principal> caller =
      gate_->Authenticate(*context, Rpc::kCreateTransfers, *request);
  if (FinishIfError(reactor, caller)) return reactor;
  absl::StatusOr<std::vector<Transfer>> transfers = TransfersFromProto(*request);
  if (FinishIfError(reactor, transfers)) return reactor;
  Target ledgers;
  for (const Transfer& t : *transfers) ledgers.ledgers.push_back(t.ledger);
  if (absl::Status s = gate_->Authorize(*caller, Rpc::kCreateTransfers, ledgers); !s.ok()) {
    reactor->Finish(ToGrpcStatus(s));
    return reactor;
  }
  engine_->SubmitCreateTransfers(*std::move(transfers), [reactor, response](auto results) {
    if (FinishIfError(reactor, results)) return;
    TransferResultsToProto(*results, response);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* LedgerService::LookupAccounts(grpc::CallbackServerContext* context,
                                                        const v1::LookupAccountsRequest* request,
                                                        v1::LookupAccountsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (FinishIfError(reactor,
                    Admit(gate_, *context, Rpc::kLookupAccounts, *request, request->ids()))) {
    return reactor;
  }
  absl::StatusOr<std::vector<Id>> ids = IdsFromProto(request->ids(), "ids");
  if (FinishIfError(reactor, ids)) return reactor;
  boost::asio::post(*readers_, [this, reactor, response, ids = *std::move(ids)] {
    absl::StatusOr<std::vector<Account>> accounts = engine_->LookupAccounts(ids);
    if (FinishIfError(reactor, accounts)) return;
    for (const Account& a : *accounts) AccountToProto(a, response->add_accounts());
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* LedgerService::LookupTransfers(grpc::CallbackServerContext* context,
                                                         const v1::LookupTransfersRequest* request,
                                                         v1::LookupTransfersResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<domain::Principal> caller =
      Admit(gate_, *context, Rpc::kLookupTransfers, *request);
  if (FinishIfError(reactor, caller)) return reactor;
  absl::StatusOr<std::vector<Id>> ids = IdsFromProto(request->ids(), "ids");
  if (FinishIfError(reactor, ids)) return reactor;
  // A household sees only transfers of its own account: others are as if they did not exist.
  const Id own = caller->role == domain::Role::kHousehold
                     ? domain::ids::Household(caller->scope.village, caller->scope.household)
                     : Id{0};
  boost::asio::post(*readers_, [this, reactor, response, own, ids = *std::move(ids)] {
    absl::StatusOr<std::vector<Transfer>> transfers = engine_->LookupTransfers(ids);
    if (FinishIfError(reactor, transfers)) return;
    for (const Transfer& t : *transfers) {
      if (own != 0 && t.debit_account_id != own && t.credit_account_id != own) continue;
      TransferToProto(t, response->add_transfers());
    }
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* LedgerService::GetAccountHistory(
    grpc::CallbackServerContext* context, const v1::GetAccountHistoryRequest* request,
    v1::GetAccountHistoryResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  google::protobuf::RepeatedPtrField<std::string> account;
  *account.Add() = request->account_id();
  if (FinishIfError(reactor, Admit(gate_, *context, Rpc::kGetAccountHistory, *request, account))) {
    return reactor;
  }
  absl::StatusOr<HistoryFilter> filter = HistoryFilterFromProto(*request);
  if (FinishIfError(reactor, filter)) return reactor;
  boost::asio::post(*readers_, [this, reactor, response, filter = *filter] {
    absl::StatusOr<std::vector<Transfer>> transfers = engine_->GetAccountTransfers(filter);
    if (FinishIfError(reactor, transfers)) return;
    for (const Transfer& t : *transfers) TransferToProto(t, response->add_transfers());
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerWriteReactor<v1::WatchAccountsResponse>* LedgerService::WatchAccounts(
    grpc::CallbackServerContext* context, const v1::WatchAccountsRequest* request) {
  absl::StatusOr<domain::Principal> caller =
      Admit(gate_, *context, Rpc::kWatchAccounts, *request, request->account_ids());
  if (!caller.ok()) return new RefusedWatch(caller.status());
  // Revocation reaches open streams too: the token is checked again before each read.
  return new WatchStream(engine_, readers_, watch_hub_, *request,
                         [principals = gate_->principals(), token = BearerToken(*context)] {
                           return principals->Authenticate(token).status();
                         });
}

}  // namespace points::server
