// points.v1.BoardService (board.proto): the disclosure board, household statements, monthly
// reports, and ratings.
//
// What this header exposes, and why: the board, statements and reports are read-only views the
// server composes for display, nested several levels deep; they come as the points.v1 messages
// the server sent (board.pb.h), since those messages are the contract and a C++ copy would repeat
// the proto field by field. A rating goes in as the domain's domain::RatingRequest. gRPC stays
// inside.
#ifndef POINTS_CLIENTS_CPP_BOARD_CLIENT_H_
#define POINTS_CLIENTS_CPP_BOARD_CLIENT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "clients/cpp/channel.h"
#include "points/v1/board.pb.h"
#include "server/domain/values/rating_values.h"

namespace points::client {

class BoardClient {
 public:
  explicit BoardClient(std::shared_ptr<Channel> channel);
  ~BoardClient();
  BoardClient(const BoardClient&) = delete;
  BoardClient& operator=(const BoardClient&) = delete;

  absl::StatusOr<v1::GetBoardResponse> GetBoard(const v1::GetBoardRequest& request);
  absl::StatusOr<v1::GetStatementResponse> GetStatement(const v1::GetStatementRequest& request);
  absl::StatusOr<v1::GetReportResponse> GetReport(const v1::GetReportRequest& request);
  absl::StatusOr<v1::RateResponse> Rate(const domain::RatingRequest& rating);

 private:
  struct Stub;  // v1::BoardService::Stub, kept out of this header
  std::shared_ptr<Channel> channel_;
  std::unique_ptr<Stub> stub_;
};

}  // namespace points::client

#endif  // POINTS_CLIENTS_CPP_BOARD_CLIENT_H_
