#include "server/domain/values/shop_values.h"

namespace points::domain {

const char* SettlementStateName(SettlementState state) {
  switch (state) {
    case SettlementState::kSettling:
      return "settling";
    case SettlementState::kSettled:
      return "settled";
    case SettlementState::kRefused:
      return "refused";
  }
  return "unknown";
}

const char* BasketStateName(BasketState state) {
  switch (state) {
    case BasketState::kSubmitting:
      return "submitting";
    case BasketState::kRedeemed:
      return "redeemed";
    case BasketState::kRefused:
      return "refused";
    case BasketState::kReturning:
      return "returning";
    case BasketState::kReturned:
      return "returned";
  }
  return "unknown";
}

}  // namespace points::domain
