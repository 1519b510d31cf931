#include "server/services/receipt_service.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/convert/convert.h"
#include "server/domain/values/ids.h"
#include "server/services/offload.h"

namespace points::server {
namespace {

// The most transfers one ProveTransfers call proves (receipts.proto says 1..64).
constexpr size_t kProveTransfersMax = 64;

std::string Bytes(const receipts::Hash& hash) {
  return std::string(reinterpret_cast<const char*>(hash.data()), hash.size());
}

// The latest signed checkpoint, its text parsed.
struct Latest {
  std::string note;
  receipts::Checkpoint checkpoint;
};
absl::StatusOr<Latest> LatestCheckpoint(const receipts::TreeKeeper& keeper, uint64_t size = 0) {
  absl::StatusOr<std::string> note = keeper.Checkpoint(size);
  if (!note.ok()) return note.status();
  absl::StatusOr<receipts::Note> parsed = receipts::ParseNote(*note);
  absl::StatusOr<receipts::Checkpoint> checkpoint =
      parsed.ok() ? receipts::ParseCheckpoint(parsed->text) : parsed.status();
  if (!checkpoint.ok()) return absl::DataLossError("a stored checkpoint does not parse");
  return Latest{*std::move(note), *std::move(checkpoint)};
}

// Who may see the journal record of a transfer: whoever may read it through LedgerService
// (county-wide admins and auditors; a household, the transfers of its own account).
bool MayReadRecord(const domain::Principal& caller, const Transfer& transfer) {
  using domain::Role;
  if ((caller.role == Role::kAdmin || caller.role == Role::kAuditor) && caller.scope.town == 0 &&
      caller.scope.village == 0) {
    return true;
  }
  if (caller.role != Role::kHousehold) return false;
  const Id own = domain::ids::Household(caller.scope.village, caller.scope.household);
  return transfer.debit_account_id == own || transfer.credit_account_id == own;
}

// The receipt of `transfer`, journal record `index`, against `latest`.
absl::Status AddReceipt(const Engine& engine, const receipts::TreeKeeper& keeper,
                        const domain::Principal& caller, const Transfer& transfer, uint64_t index,
                        const Latest& latest, v1::TransferReceipt* receipt) {
  const uint64_t size = latest.checkpoint.size;
  absl::StatusOr<std::vector<receipts::Hash>> proof = keeper.tree().InclusionProof(index, size);
  if (!proof.ok()) return proof.status();
  absl::StatusOr<std::vector<std::string>> record = engine.ReadJournalRecords({transfer.timestamp});
  if (!record.ok()) return record.status();
  receipt->set_transfer_id(IdToBytes(transfer.id));
  receipt->set_index(index);
  receipt->set_size(size);
  for (const receipts::Hash& h : *proof) receipt->add_proof(Bytes(h));
  receipt->set_leaf_hash(Bytes(receipts::LeafHash((*record)[0])));
  receipts::TlogProof file{"", index, *proof, latest.note};
  if (MayReadRecord(caller, transfer)) {
    receipt->set_record((*record)[0]);
    file.extra = (*record)[0];
  }
  receipt->set_receipt(receipts::TlogProofText(file));
  return absl::OkStatus();
}

// Every transfer an award can consist of: its chain on notice, then the one that posts it or the
// one that voids it (the ledger holds only those that were committed).
std::vector<Id> TransferIdsOf(const domain::Award& award) {
  const domain::AwardSpec spec = domain::LedgerSpecOf(award);
  std::vector<Id> ids;
  for (const std::vector<Transfer>& chain :
       {domain::OnNoticeChain(spec), domain::PostChain(spec), domain::VoidChain(spec)}) {
    for (const Transfer& t : chain) ids.push_back(t.id);
  }
  return ids;
}

// A basket's redemption, then its return.
std::vector<Id> TransferIdsOf(const domain::Basket& basket) {
  std::vector<Id> ids;
  for (const std::vector<Transfer>& chain :
       {domain::RedeemChain(basket.spec), domain::ReturnChain(basket.spec)}) {
    for (const Transfer& t : chain) ids.push_back(t.id);
  }
  return ids;
}

}  // namespace

grpc::ServerUnaryReactor* ReceiptService::GetCheckpoint(grpc::CallbackServerContext* context,
                                                        const v1::GetCheckpointRequest* request,
                                                        v1::GetCheckpointResponse* response) {
  return Offload(context, gate_, Rpc::kGetCheckpoint, workers_, *request, Target{},
                 [this, request, response]() -> absl::Status {
                   absl::StatusOr<Latest> latest = LatestCheckpoint(*keeper_, request->size());
                   if (!latest.ok()) return latest.status();
                   response->set_checkpoint(latest->note);
                   response->set_size(latest->checkpoint.size);
                   response->set_root(Bytes(latest->checkpoint.root));
                   response->set_public_key(keeper_->public_key().Text());
                   return absl::OkStatus();
                 });
}

grpc::ServerUnaryReactor* ReceiptService::GetConsistencyProof(
    grpc::CallbackServerContext* context, const v1::GetConsistencyProofRequest* request,
    v1::GetConsistencyProofResponse* response) {
  return Offload(context, gate_, Rpc::kGetConsistencyProof, workers_, *request, Target{},
                 [this, request, response]() -> absl::Status {
                   absl::StatusOr<std::vector<receipts::Hash>> proof =
                       keeper_->tree().ConsistencyProof(request->old_size(), request->size());
                   if (!proof.ok()) return proof.status();
                   for (const receipts::Hash& h : *proof) response->add_proof(Bytes(h));
                   return absl::OkStatus();
                 });
}

grpc::ServerUnaryReactor* ReceiptService::ProveTransfers(grpc::CallbackServerContext* context,
                                                         const v1::ProveTransfersRequest* request,
                                                         v1::ProveTransfersResponse* response) {
  return Offload(context, gate_, Rpc::kProveTransfers, workers_, *request, Target{},
                 [this, request, response](const domain::Principal& caller) -> absl::Status {
                   absl::StatusOr<std::vector<Id>> ids =
                       IdsFromProto(request->transfer_ids(), "transfer_ids", kProveTransfersMax);
                   if (!ids.ok()) return ids.status();
                   return Prove(caller, *ids, /*only_existing=*/false,
                                response->mutable_receipts());
                 });
}

grpc::ServerUnaryReactor* ReceiptService::ProveAward(grpc::CallbackServerContext* context,
                                                     const v1::ProveAwardRequest* request,
                                                     v1::ProveAwardResponse* response) {
  return Offload(context, gate_, Rpc::kProveAward, workers_, *request,
                 Target{.village = request->village()},
                 [this, request, response](const domain::Principal& caller) -> absl::Status {
                   absl::StatusOr<Id> id = IdFromBytes(request->award_id(), "award_id");
                   if (!id.ok()) return id.status();
                   absl::StatusOr<domain::Award> award = awards_->Get(request->village(), *id);
                   if (!award.ok()) return award.status();
                   return Prove(caller, TransferIdsOf(*award), /*only_existing=*/true,
                                response->mutable_receipts());
                 });
}

grpc::ServerUnaryReactor* ReceiptService::ProveBasket(grpc::CallbackServerContext* context,
                                                      const v1::ProveBasketRequest* request,
                                                      v1::ProveBasketResponse* response) {
  return Offload(
      context, gate_, Rpc::kProveBasket, workers_, *request,
      Target{.village = request->village(), .basket = IdOrZero(request->basket_id())},
      [this, request, response](const domain::Principal& caller) -> absl::Status {
        absl::StatusOr<Id> id = IdFromBytes(request->basket_id(), "basket_id");
        if (!id.ok()) return id.status();
        absl::StatusOr<domain::Basket> basket = shops_->GetBasket(request->village(), *id);
        if (!basket.ok()) return basket.status();
        if (caller.role == domain::Role::kHousehold &&
            basket->spec.household != caller.scope.household) {
          return absl::PermissionDeniedError(absl::StrCat(
              "household ", caller.name, ": basket of another household (server/AUTHZ.md)"));
        }
        return Prove(caller, TransferIdsOf(*basket), /*only_existing=*/true,
                     response->mutable_receipts());
      });
}

absl::Status ReceiptService::Prove(
    const domain::Principal& caller, const std::vector<Id>& ids, bool only_existing,
    google::protobuf::RepeatedPtrField<v1::TransferReceipt>* receipts) const {
  absl::StatusOr<Latest> latest = LatestCheckpoint(*keeper_);
  if (!latest.ok()) return latest.status();
  const uint64_t size = latest->checkpoint.size;
  absl::StatusOr<std::vector<Transfer>> transfers = engine_->LookupTransfers(ids);
  if (!transfers.ok()) return transfers.status();
  if (!only_existing && transfers->size() != ids.size()) {
    return absl::NotFoundError("a transfer of transfer_ids does not exist");
  }
  if (transfers->empty()) {
    return absl::FailedPreconditionError(
        "it has no record in the books: it was refused, or waits for review");
  }
  std::sort(transfers->begin(), transfers->end(),
            [](const Transfer& a, const Transfer& b) { return a.timestamp < b.timestamp; });
  for (const Transfer& transfer : *transfers) {
    absl::StatusOr<uint64_t> index = keeper_->tree().RecordNumber(transfer.timestamp);
    if (!index.ok() || *index >= size) {
      return absl::NotFoundError(
          "a record is not in the latest checkpoint yet: ask again in a few seconds");
    }
    absl::Status added =
        AddReceipt(*engine_, *keeper_, caller, transfer, *index, *latest, receipts->Add());
    if (!added.ok()) return added;
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* ReceiptService::AddCosignature(grpc::CallbackServerContext* context,
                                                         const v1::AddCosignatureRequest* request,
                                                         v1::AddCosignatureResponse* response) {
  return Offload(context, gate_, Rpc::kAddCosignature, workers_, *request, Target{},
                 [this, request, response]() -> absl::Status {
                   absl::StatusOr<receipts::VerifierKey> witness =
                       receipts::VerifierKey::Parse(request->witness_key());
                   if (!witness.ok()) return witness.status();
                   absl::Status added =
                       keeper_->AddCosignature(request->size(), *witness, request->cosignature());
                   if (!added.ok()) return added;
                   absl::StatusOr<std::string> note = keeper_->Checkpoint(request->size());
                   if (!note.ok()) return note.status();
                   response->set_checkpoint(*note);
                   return absl::OkStatus();
                 });
}

}  // namespace points::server
