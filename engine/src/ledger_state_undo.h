// One entry of LedgerState's undo log: enough to reverse exactly one applied record.
// Private to ledger_state*.cc and apply.cc.
#ifndef POINTS_ENGINE_LEDGER_STATE_UNDO_H_
#define POINTS_ENGINE_LEDGER_STATE_UNDO_H_

#include "ledger_state.h"

namespace points {

struct LedgerState::Undo {
  enum Kind : uint8_t {
    kAccountCreated,  // id
    kAccountClosed,   // debit_index, old_flags
    kTransfer,        // id, both accounts' old balances, created_pending
    kFailedId,        // id
    kResolve,         // id, pending_id, pending, both accounts' old balances
    kExpire,          // pending_id, pending, both accounts' old balances
  };
  Kind kind = kTransfer;
  bool created_pending = false;
  uint16_t old_flags = 0;
  uint32_t debit_index = 0;
  uint32_t credit_index = 0;
  Id id = 0;
  Id pending_id = 0;
  PendingInfo pending;
  Balances debit_old;
  Balances credit_old;
};

}  // namespace points

#endif  // POINTS_ENGINE_LEDGER_STATE_UNDO_H_
