// Principals for end-to-end tests (server/AUTHZ.md): every call to pointsd carries a token. A
// test starts with the first admin's token (Pointsd::admin_token) and makes the committee
// members, grid workers, shopkeepers and household apps its calls need through AdminService,
// as an operator would with `pointsctl principals create`.
#ifndef POINTS_TESTS_TESTING_PRINCIPALS_TESTING_H_
#define POINTS_TESTS_TESTING_PRINCIPALS_TESTING_H_

#include <memory>
#include <string>

#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "points/v1/admin.grpc.pb.h"

namespace points::testing {

// Adds the token to a call.
inline void AddToken(grpc::ClientContext* context, const std::string& token) {
  context->AddMetadata("authorization", "Bearer " + token);
}

// A call context with the token and a deadline.
inline std::unique_ptr<grpc::ClientContext> ContextWith(const std::string& token,
                                                        int deadline_seconds = 30) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(deadline_seconds));
  AddToken(context.get(), token);
  return context;
}

// The scope of a principal to make; which fields a role needs is in principal_book.h.
struct PrincipalSpec {
  std::string name;
  v1::Role role = v1::ROLE_COMMITTEE;
  uint32_t town = 0;
  uint32_t village = 0;
  uint32_t grid = 0;
  uint32_t shop = 0;
  uint64_t household = 0;
};

// Makes the principal with `admin_token` and returns its token; "" (and a test failure) when
// the server refuses.
inline std::string MakePrincipal(
    const std::string& target, const std::string& admin_token, const PrincipalSpec& spec,
    std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials()) {
  auto admin = v1::AdminService::NewStub(grpc::CreateChannel(target, credentials));
  v1::CreatePrincipalRequest request;
  v1::Principal* p = request.mutable_principal();
  p->set_name(spec.name);
  p->set_role(spec.role);
  p->set_town(spec.town);
  p->set_village(spec.village);
  p->set_grid(spec.grid);
  p->set_shop(spec.shop);
  p->set_household(spec.household);
  v1::CreatePrincipalResponse response;
  const grpc::Status status =
      admin->CreatePrincipal(ContextWith(admin_token).get(), request, &response);
  EXPECT_TRUE(status.ok()) << "CreatePrincipal " << spec.name << ": " << status.error_message();
  return response.token();
}

// Shorthands for the common roles.
inline std::string CommitteeToken(const std::string& target, const std::string& admin_token,
                                  uint32_t village, const std::string& name = "") {
  return MakePrincipal(target, admin_token,
                       {.name = name.empty() ? "committee-" + std::to_string(village) : name,
                        .role = v1::ROLE_COMMITTEE,
                        .village = village});
}
inline std::string ShopkeeperToken(const std::string& target, const std::string& admin_token,
                                   uint32_t village, uint32_t shop) {
  return MakePrincipal(target, admin_token,
                       {.name = "shop-" + std::to_string(village) + "-" + std::to_string(shop),
                        .role = v1::ROLE_SHOPKEEPER,
                        .village = village,
                        .shop = shop});
}
inline std::string HouseholdToken(const std::string& target, const std::string& admin_token,
                                  uint32_t village, uint64_t household) {
  return MakePrincipal(
      target, admin_token,
      {.name = "household-" + std::to_string(village) + "-" + std::to_string(household),
       .role = v1::ROLE_HOUSEHOLD,
       .village = village,
       .household = household});
}

}  // namespace points::testing

#endif  // POINTS_TESTS_TESTING_PRINCIPALS_TESTING_H_
