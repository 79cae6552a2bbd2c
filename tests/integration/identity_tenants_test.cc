// The identity service end to end: lists of regions, partnerships, users and service
// accounts show only what the caller may see; partnership updates need a fresh etag.
#include "tests/integration/identity_service_fixture.h"

namespace sixsteps::testing {
namespace {

// ---- Scoped lists ----

std::vector<std::string> Names(const idv1::ListPartnershipsResponse& response) {
  std::vector<std::string> names;
  for (const auto& p : response.partnerships()) names.push_back(p.name());
  return names;
}

TEST_F(IdentityServiceTest, ListsShowOnlyWhatTheCallerMaySee) {
  MakeTenancy();
  std::string north = MustUserWithRoles("north-admin@hub.test",
                                        {{Role::ROLE_HUB_ADMINISTRATOR, "regions/north-east", ""}});
  std::string lead = MustUserWithRoles(
      "lead@hub.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "partnerships/sunderland", ""}});
  std::string scrutineer = MustUserWithRoles(
      "scrutineer@hub.test", {{Role::ROLE_INDEPENDENT_SCRUTINEER, "partnerships/sunderland", ""}});
  std::string londoner = MustUserWithRoles(
      "londoner@hub.test", {{Role::ROLE_INDEPENDENT_SCRUTINEER, "partnerships/camden", ""}});
  std::string viewer =
      MustUserWithRoles("viewer@hub.test", {{Role::ROLE_VIEWER, "regions/north-east", ""}});

  auto partnerships = [&](const std::string& token, const std::string& region = "") {
    idv1::ListPartnershipsRequest request;
    request.set_region(region);
    idv1::ListPartnershipsResponse response;
    EXPECT_THAT(Call(&Stub::ListPartnerships, token, request, &response), IsOk());
    return Names(response);
  };
  EXPECT_THAT(partnerships(admin_),
              UnorderedElementsAre("partnerships/sunderland", "partnerships/gateshead",
                                   "partnerships/camden"));
  EXPECT_THAT(partnerships(north),
              UnorderedElementsAre("partnerships/sunderland", "partnerships/gateshead"));
  EXPECT_THAT(partnerships(viewer),
              UnorderedElementsAre("partnerships/sunderland", "partnerships/gateshead"));
  EXPECT_THAT(partnerships(lead), UnorderedElementsAre("partnerships/sunderland"));
  EXPECT_THAT(partnerships(scrutineer), UnorderedElementsAre("partnerships/sunderland"));
  EXPECT_THAT(partnerships(londoner), UnorderedElementsAre("partnerships/camden"));
  EXPECT_THAT(partnerships(north, "regions/london"), IsEmpty());

  auto users = [&](const std::string& token) {
    idv1::ListUsersRequest request;
    idv1::ListUsersResponse response;
    EXPECT_THAT(Call(&Stub::ListUsers, token, request, &response), IsOk());
    std::vector<std::string> emails;
    for (const auto& u : response.users()) emails.push_back(u.email());
    return emails;
  };
  EXPECT_THAT(users(admin_),
              UnorderedElementsAre(TestHub::kAdminEmail, "north-admin@hub.test", "lead@hub.test",
                                   "scrutineer@hub.test", "londoner@hub.test", "viewer@hub.test"));
  EXPECT_THAT(users(north), UnorderedElementsAre("north-admin@hub.test", "lead@hub.test",
                                                 "scrutineer@hub.test", "viewer@hub.test"));
  EXPECT_THAT(users(lead), UnorderedElementsAre("lead@hub.test", "scrutineer@hub.test"));
  idv1::ListUsersResponse denied;
  EXPECT_THAT(Call(&Stub::ListUsers, scrutineer, idv1::ListUsersRequest(), &denied),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Call(&Stub::ListUsers, viewer, idv1::ListUsersRequest(), &denied),
              StatusIs(Code::kPermissionDenied));

  auto regions = [&](const std::string& token) {
    idv1::ListRegionsResponse response;
    EXPECT_THAT(Call(&Stub::ListRegions, token, idv1::ListRegionsRequest(), &response), IsOk());
    std::vector<std::string> names;
    for (const auto& r : response.regions()) names.push_back(r.name());
    return names;
  };
  EXPECT_THAT(regions(admin_), UnorderedElementsAre("regions/north-east", "regions/london"));
  EXPECT_THAT(regions(north), UnorderedElementsAre("regions/north-east"));
  EXPECT_THAT(regions(scrutineer), UnorderedElementsAre("regions/north-east"));
  EXPECT_THAT(regions(londoner), UnorderedElementsAre("regions/london"));

  // Reading one record the caller cannot see is NOT_FOUND, like one that does not exist.
  idv1::GetPartnershipRequest get;
  get.set_name("partnerships/camden");
  idv1::Partnership partnership;
  EXPECT_THAT(Call(&Stub::GetPartnership, scrutineer, get, &partnership),
              StatusIs(Code::kNotFound));
  get.set_name("partnerships/nowhere");
  EXPECT_THAT(Call(&Stub::GetPartnership, scrutineer, get, &partnership),
              StatusIs(Code::kNotFound));
  get.set_name("partnerships/gateshead");
  EXPECT_THAT(Call(&Stub::GetPartnership, lead, get, &partnership), StatusIs(Code::kNotFound));
  EXPECT_THAT(Call(&Stub::GetPartnership, viewer, get, &partnership), IsOk());
}

TEST_F(IdentityServiceTest, UpdatePartnershipWithAStaleEtagIsAborted) {
  MakeTenancy();
  idv1::GetPartnershipRequest get;
  get.set_name("partnerships/sunderland");
  idv1::Partnership read;
  ASSERT_THAT(Call(&Stub::GetPartnership, admin_, get, &read), IsOk());
  ASSERT_FALSE(read.etag().empty());

  idv1::UpdatePartnershipRequest update;
  *update.mutable_partnership() = read;
  update.mutable_partnership()->set_display_name("Sunderland Safeguarding Children Partnership");
  update.mutable_update_mask()->add_paths("display_name");
  idv1::Partnership first;
  ASSERT_THAT(Call(&Stub::UpdatePartnership, admin_, update, &first), IsOk());
  EXPECT_NE(first.etag(), read.etag());

  // A second writer who read before the first update.
  update.mutable_partnership()->set_display_name("Someone else's name");
  idv1::Partnership second;
  EXPECT_THAT(Call(&Stub::UpdatePartnership, admin_, update, &second), StatusIs(Code::kAborted));
  idv1::Partnership now;
  ASSERT_THAT(Call(&Stub::GetPartnership, admin_, get, &now), IsOk());
  EXPECT_EQ(now.display_name(), "Sunderland Safeguarding Children Partnership");
  EXPECT_EQ(now.etag(), first.etag());

  update.mutable_update_mask()->set_paths(0, "region");
  update.mutable_partnership()->set_etag(now.etag());
  EXPECT_THAT(Call(&Stub::UpdatePartnership, admin_, update, &second),
              StatusIs(Code::kInvalidArgument, "update_mask"));
}

}  // namespace
}  // namespace sixsteps::testing
