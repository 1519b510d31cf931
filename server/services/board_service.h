// points.v1.BoardService: the notice board, statements, reports and ratings over the domain's
// Disclosure and RatingBook (server/domain/). Reads of the ledger and the domain store, so every
// handler runs on the worker pool; reactors never block.
#ifndef POINTS_SERVER_SERVICES_BOARD_SERVICE_H_
#define POINTS_SERVER_SERVICES_BOARD_SERVICE_H_

#include "boost/asio/thread_pool.hpp"
#include "points/engine.h"
#include "points/v1/board.grpc.pb.h"
#include "server/domain/books/disclosure.h"
#include "server/domain/books/rating_book.h"
#include "server/domain/books/rule_book.h"
#include "server/gate/authz.h"

namespace points::server {

class BoardService final : public v1::BoardService::CallbackService {
 public:
  // Everything must outlive the service.
  BoardService(Gate* gate, const domain::Disclosure* disclosure, domain::RatingBook* ratings,
               const domain::RuleBook* rules, Clock* clock, boost::asio::thread_pool* workers)
      : gate_(gate),
        disclosure_(disclosure),
        ratings_(ratings),
        rules_(rules),
        clock_(clock),
        workers_(workers) {}

  grpc::ServerUnaryReactor* GetBoard(grpc::CallbackServerContext* context,
                                     const v1::GetBoardRequest* request,
                                     v1::GetBoardResponse* response) override;
  grpc::ServerUnaryReactor* GetStatement(grpc::CallbackServerContext* context,
                                         const v1::GetStatementRequest* request,
                                         v1::GetStatementResponse* response) override;
  grpc::ServerUnaryReactor* GetReport(grpc::CallbackServerContext* context,
                                      const v1::GetReportRequest* request,
                                      v1::GetReportResponse* response) override;
  grpc::ServerUnaryReactor* Rate(grpc::CallbackServerContext* context,
                                 const v1::RateRequest* request,
                                 v1::RateResponse* response) override;

 private:
  Gate* const gate_;
  const domain::Disclosure* const disclosure_;
  domain::RatingBook* const ratings_;
  const domain::RuleBook* const rules_;
  Clock* const clock_;
  boost::asio::thread_pool* const workers_;
};

}  // namespace points::server

#endif  // POINTS_SERVER_SERVICES_BOARD_SERVICE_H_
