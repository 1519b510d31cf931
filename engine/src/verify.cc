#include "verify.h"

#include "absl/strings/str_cat.h"

namespace points {

absl::Status VerifyJournal(const Journal& journal, const LedgerState& live, VerifyReport* report,
                           const VerifyProgress& progress) {
  const uint64_t records_total = journal.record_count();
  VerifyReport local;
  VerifyReport& out = report != nullptr ? *report : local;
  out = VerifyReport();
  LedgerState replayed;
  Hash head{};
  uint64_t previous_last_timestamp = 0;
  absl::Status walked = journal.ForEachChunk([&](const ChunkView& chunk) -> absl::Status {
    const std::string where = absl::StrCat("chunk at ", chunk.first_timestamp);
    if (chunk.header.prev != head) {
      return absl::DataLossError(absl::StrCat(where, ": previous hash does not chain"));
    }
    if (chunk.first_timestamp <= previous_last_timestamp) {
      return absl::DataLossError(absl::StrCat(where, ": out of order"));
    }
    for (size_t i = 0; i < chunk.records.size(); ++i) {
      if (RecordTimestamp(chunk.records[i]) != chunk.first_timestamp + i) {
        return absl::DataLossError(absl::StrCat(where, ": record ", i, " has a wrong timestamp"));
      }
      if (LeafHash(chunk.records[i]) != chunk.leaves[i]) {
        return absl::DataLossError(absl::StrCat(where, ": leaf hash ", i, " does not match"));
      }
    }
    if (absl::Status status = replayed.ReplayChunk(chunk.records); !status.ok()) return status;
    const Hash expected = ChainHash(head, chunk.first_timestamp, chunk.leaves.data(),
                                    static_cast<uint32_t>(chunk.leaves.size()));
    if (expected != chunk.header.hash) {
      return absl::DataLossError(absl::StrCat(where, ": chain hash does not match"));
    }
    head = expected;
    previous_last_timestamp = chunk.first_timestamp + chunk.records.size() - 1;
    ++out.chunks;
    out.records += chunk.records.size();
    if (progress) progress(out.records, records_total);
    return absl::OkStatus();
  });
  if (!walked.ok()) return walked;
  if (head != journal.chain_head()) {
    return absl::DataLossError("the recomputed chain head differs from the engine's");
  }
  if (absl::Status status = replayed.CheckInvariants(); !status.ok()) {
    return absl::DataLossError(absl::StrCat("replayed ledger: ", status.message()));
  }
  if (absl::Status status = live.CompareWith(replayed); !status.ok()) return status;
  out.accounts = replayed.account_count();
  out.transfers = replayed.transfer_count();
  out.chain_head_hex = HashHex(head);
  return absl::OkStatus();
}

}  // namespace points
