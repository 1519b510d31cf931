#include "clients/cpp/ledger_client.h"

#include <utility>

namespace points::client {

LedgerClient::LedgerClient(const std::string& target, ClientOptions options)
    : LedgerClient(target, OpenChannel(target, std::move(options))) {}

LedgerClient::LedgerClient(const std::string& target, const std::shared_ptr<Channel>& channel)
    : LedgerServiceClient(channel),
      VillageClient(channel),
      AwardClient(channel),
      TaskClient(channel),
      ShopClient(channel),
      BoardClient(channel),
      CommunityClient(channel),
      AdminClient(channel),
      ReceiptClient(channel),
      HealthClient(channel),
      target_(target) {}

}  // namespace points::client
