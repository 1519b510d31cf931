#include "clients/cpp/board_client.h"

#include <utility>

#include "clients/cpp/channel_core.h"
#include "points/v1/board.grpc.pb.h"
#include "server/convert/convert.h"

namespace points::client {
namespace {

using Service = v1::BoardService::Stub;

}  // namespace

struct BoardClient::Stub {
  explicit Stub(const Channel& channel) : service(channel.grpc_channel()) {}
  Service service;
};

BoardClient::BoardClient(std::shared_ptr<Channel> channel)
    : channel_(std::move(channel)), stub_(std::make_unique<Stub>(*channel_)) {}

BoardClient::~BoardClient() = default;

absl::StatusOr<v1::GetBoardResponse> BoardClient::GetBoard(const v1::GetBoardRequest& request) {
  return channel_->Ask<Service>(stub_->service, "GetBoard", &Service::GetBoard, request);
}

absl::StatusOr<v1::GetStatementResponse> BoardClient::GetStatement(
    const v1::GetStatementRequest& request) {
  return channel_->Ask<Service>(stub_->service, "GetStatement", &Service::GetStatement, request);
}

absl::StatusOr<v1::GetReportResponse> BoardClient::GetReport(const v1::GetReportRequest& request) {
  return channel_->Ask<Service>(stub_->service, "GetReport", &Service::GetReport, request);
}

absl::StatusOr<v1::RateResponse> BoardClient::Rate(const domain::RatingRequest& rating) {
  v1::RateRequest request;
  request.set_village(rating.village);
  request.set_household(rating.household);
  if (rating.kind == domain::RatingSubject::kBasket) {
    request.set_subject(v1::RATING_SUBJECT_BASKET);
    request.set_subject_id(server::IdToBytes(rating.subject));
  } else {
    request.set_subject(v1::RATING_SUBJECT_TASK);
    request.set_subject_task(static_cast<uint32_t>(rating.subject));
  }
  request.set_stars(rating.stars);
  request.set_comment(rating.comment);
  return channel_->Ask<Service>(stub_->service, "Rate", &Service::Rate, request);
}

}  // namespace points::client
