// The whole client of points.v1: every service's calls on one object, over one channel. Include
// this for all of them, or one service's header for its calls alone over a channel of your own
// (OpenChannel in channel.h):
//
//   channel.h                  the core: options, the retry rule, OpenChannel
//   ledger_service_client.h    LedgerService: accounts, transfers, history, the watch
//   award_client.h             VillageService and AwardService
//   task_client.h              TaskService
//   shop_client.h              ShopService
//   board_client.h             BoardService
//   community_client.h         CommunityService
//   admin_client.h             AdminService
//   receipt_client.h           ReceiptService
//   health_client.h            grpc.health.v1.Health
//
// What callers see: gRPC stays inside every header. Protobuf stays inside the core, the ledger
// and health: those deal only in engine values (points::Account, points::Transfer, result codes)
// and absl::Status. The other services' headers take and return the domain's values where the
// domain has one (households, rules, awards, baskets, ...) and points.v1 messages for the rest
// (tasks, the board's views, the community, principals, receipts): those messages are the
// contract, and re-declaring each as a C++ struct would only repeat the proto. Each header says
// what it exposes; this one, including them all, exposes all of it.
//
// Every attempt has a deadline, and a call that gets no answer (UNAVAILABLE, DEADLINE_EXCEEDED)
// is sent again, the same request with the same ids, after a growing pause (channel.h).
#ifndef POINTS_CLIENTS_CPP_LEDGER_CLIENT_H_
#define POINTS_CLIENTS_CPP_LEDGER_CLIENT_H_

#include <memory>
#include <string>

#include "clients/cpp/admin_client.h"
#include "clients/cpp/award_client.h"
#include "clients/cpp/board_client.h"
#include "clients/cpp/channel.h"
#include "clients/cpp/community_client.h"
#include "clients/cpp/health_client.h"
#include "clients/cpp/ledger_service_client.h"
#include "clients/cpp/receipt_client.h"
#include "clients/cpp/shop_client.h"
#include "clients/cpp/task_client.h"

namespace points::client {

// Each base is one service's client; all of them share the channel, so the calls share one
// connection, one set of options and one retry rule.
class LedgerClient : public LedgerServiceClient,
                     public VillageClient,
                     public AwardClient,
                     public TaskClient,
                     public ShopClient,
                     public BoardClient,
                     public CommunityClient,
                     public AdminClient,
                     public ReceiptClient,
                     public HealthClient {
 public:
  // `target` is a gRPC target, usually "host:port". Connects lazily, on the first call.
  explicit LedgerClient(const std::string& target, ClientOptions options = {});
  LedgerClient(const LedgerClient&) = delete;
  LedgerClient& operator=(const LedgerClient&) = delete;

  const std::string& target() const { return target_; }

 private:
  LedgerClient(const std::string& target, const std::shared_ptr<Channel>& channel);

  std::string target_;
};

}  // namespace points::client

#endif  // POINTS_CLIENTS_CPP_LEDGER_CLIENT_H_
