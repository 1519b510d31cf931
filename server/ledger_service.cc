#include "ledger_service.h"

#include <utility>

#include "boost/asio/post.hpp"
#include "convert.h"
#include "status.h"

namespace points::server {
namespace {

// Finishes `reactor` with the error when `value` holds one; true when it did.
template <typename T>
bool FinishIfError(grpc::ServerUnaryReactor* reactor, const absl::StatusOr<T>& value) {
  if (value.ok()) return false;
  reactor->Finish(ToGrpcStatus(value.status()));
  return true;
}

}  // namespace

grpc::ServerUnaryReactor* LedgerService::CreateAccounts(grpc::CallbackServerContext* context,
                                                        const v1::CreateAccountsRequest* request,
                                                        v1::CreateAccountsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<std::vector<Account>> accounts = AccountsFromProto(*request);
  if (FinishIfError(reactor, accounts)) return reactor;
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
  absl::StatusOr<std::vector<Transfer>> transfers = TransfersFromProto(*request);
  if (FinishIfError(reactor, transfers)) return reactor;
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
  absl::StatusOr<std::vector<Id>> ids = IdsFromProto(request->ids(), "ids");
  if (FinishIfError(reactor, ids)) return reactor;
  boost::asio::post(*readers_, [this, reactor, response, ids = *std::move(ids)] {
    absl::StatusOr<std::vector<Transfer>> transfers = engine_->LookupTransfers(ids);
    if (FinishIfError(reactor, transfers)) return;
    for (const Transfer& t : *transfers) TransferToProto(t, response->add_transfers());
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* LedgerService::GetAccountHistory(
    grpc::CallbackServerContext* context, const v1::GetAccountHistoryRequest* request,
    v1::GetAccountHistoryResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
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
    grpc::CallbackServerContext* /*context*/, const v1::WatchAccountsRequest* request) {
  return new WatchStream(engine_, readers_, watch_hub_, *request);
}

}  // namespace points::server
