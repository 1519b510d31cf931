// Full verification of a journal against live derived state.
#ifndef POINTS_ENGINE_VERIFY_H_
#define POINTS_ENGINE_VERIFY_H_

#include "absl/status/status.h"
#include "journal.h"
#include "ledger_state.h"
#include "points/engine.h"

namespace points {

// Recomputes every leaf hash and the chain from the first chunk, replays every record into a
// fresh LedgerState, checks its invariants and compares it with `live`. DATA_LOSS names the
// first mismatch. `progress` (may be empty) hears after each chunk.
absl::Status VerifyJournal(const Journal& journal, const LedgerState& live, VerifyReport* report,
                           const VerifyProgress& progress);

}  // namespace points

#endif  // POINTS_ENGINE_VERIFY_H_
