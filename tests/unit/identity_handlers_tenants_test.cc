// Unit tests of IdentityService's region, partnership and organisation handlers over a gmock
// store: who is refused, with which status, and that a refusal writes nothing.
#include "tests/unit/identity_handlers_support.h"

namespace sixsteps::identity::handlers_test {
namespace {

using ::testing::Eq;
using ::testing::Field;

using RegionsTest = IdentityHandlersTest;

TEST_F(RegionsTest, OnlyDeploymentAdministratorsCreateRegions) {
  v1::CreateRegionRequest request;
  request.set_region_id("south");
  request.mutable_region()->set_display_name("South");
  EXPECT_CALL(store_, CreateRegion).Times(0);
  EXPECT_THAT(
      Call(&IdentityServiceImpl::CreateRegion, "users/north-admin", kNorthHubAdmin, request),
      StatusIs(Code::kPermissionDenied));
}

TEST_F(RegionsTest, ABadRegionIdIsRefusedNamingTheField) {
  v1::CreateRegionRequest request;
  request.set_region_id("Not An Id!");
  request.mutable_region()->set_display_name("South");
  EXPECT_CALL(store_, CreateRegion).Times(0);
  EXPECT_THAT(Call(&IdentityServiceImpl::CreateRegion, "users/root", kDeploymentAdmin, request),
              StatusIs(Code::kInvalidArgument, "region_id"));
}

TEST_F(RegionsTest, ATakenRegionIdIsAlreadyExists) {
  v1::CreateRegionRequest request;
  request.set_region_id("north");
  request.mutable_region()->set_display_name("North");
  EXPECT_CALL(store_, CreateRegion(Eq("north"), Eq("North"),
                                   Field(&NewAuditEvent::action, Eq("region.create"))))
      .WillOnce(Return(absl::AlreadyExistsError("regions/north already exists")));
  EXPECT_CALL(store_, GetRegion).Times(0);
  EXPECT_THAT(Call(&IdentityServiceImpl::CreateRegion, "users/root", kDeploymentAdmin, request),
              StatusIs(Code::kAlreadyExists));
}

TEST_F(RegionsTest, ADeploymentAdministratorCreatesARegion) {
  v1::CreateRegionRequest request;
  request.set_region_id("south");
  request.mutable_region()->set_display_name("South");
  EXPECT_CALL(store_, CreateRegion(Eq("south"), Eq("South"),
                                   Field(&NewAuditEvent::actor, Eq("users/root"))))
      .WillOnce(Return(absl::OkStatus()));
  EXPECT_CALL(store_, GetRegion("south")).WillOnce(Return(StoredRegion("south")));
  v1::Region created;
  EXPECT_THAT(
      Call(&IdentityServiceImpl::CreateRegion, "users/root", kDeploymentAdmin, request, &created),
      IsOk());
  EXPECT_EQ(created.name(), "regions/south");
}

TEST_F(RegionsTest, ARegionTheCallerCannotSeeIsNotFound) {
  v1::GetRegionRequest request;
  request.set_name("regions/south");
  // Not even read: the answer must not depend on whether it exists.
  EXPECT_CALL(store_, GetRegion).Times(0);
  EXPECT_THAT(Call(&IdentityServiceImpl::GetRegion, "users/viewer", kNorthViewer, request),
              StatusIs(Code::kNotFound, "regions/south"));
}

TEST_F(RegionsTest, AnUnauthenticatedCallReadsNothing) {
  v1::GetRegionRequest request;
  request.set_name("regions/north");
  EXPECT_CALL(store_, GetRegion).Times(0);
  grpc::ServerContext context;
  v1::Region region;
  EXPECT_THAT(service_->GetRegion(&context, &request, &region), StatusIs(Code::kUnauthenticated));
}

TEST_F(RegionsTest, PageSizesDefaultToFiftyAndAreClampedToFiveHundred) {
  // The store is asked for one more than the page, to know whether another page exists.
  EXPECT_CALL(store_, ListRegions(_, _, 51)).WillOnce(Return(std::vector<v1::Region>{}));
  EXPECT_CALL(store_, ListRegions(_, _, 501)).WillOnce(Return(std::vector<v1::Region>{}));
  v1::ListRegionsRequest request;
  EXPECT_THAT(Call(&IdentityServiceImpl::ListRegions, "users/viewer", kNorthViewer, request),
              IsOk());
  request.set_page_size(1'000'000'000);
  EXPECT_THAT(Call(&IdentityServiceImpl::ListRegions, "users/viewer", kNorthViewer, request),
              IsOk());
  request.set_page_size(-1);
  EXPECT_THAT(Call(&IdentityServiceImpl::ListRegions, "users/viewer", kNorthViewer, request),
              StatusIs(Code::kInvalidArgument, "page_size"));
}

class PartnershipsTest : public IdentityHandlersTest {
 protected:
  // UpdatePartnership of partnership sunderland (stored in region north, etag "1") with
  // `request`, as `principal` holding `grants`, when the update must be refused: the store
  // is never written.
  grpc::Status RefusedUpdateOfSunderland(const std::string& principal,
                                         std::vector<auth::Grant> grants,
                                         v1::UpdatePartnershipRequest request) {
    ON_CALL(store_, GetPartnership("sunderland"))
        .WillByDefault(Return(StoredPartnership("sunderland", "north")));
    EXPECT_CALL(store_, UpdatePartnership).Times(0);
    request.mutable_partnership()->set_name("partnerships/sunderland");
    return Call(&IdentityServiceImpl::UpdatePartnership, principal, std::move(grants), request);
  }
};

v1::CreatePartnershipRequest NewPartnership(const std::string& id, const std::string& region) {
  v1::CreatePartnershipRequest request;
  request.set_partnership_id(id);
  request.mutable_partnership()->set_display_name(id);
  request.mutable_partnership()->set_region(RegionName(region));
  return request;
}

TEST_F(PartnershipsTest, APartnershipInAnInvisibleRegionIsNotFound) {
  EXPECT_CALL(store_, CreatePartnership).Times(0);
  EXPECT_THAT(Call(&IdentityServiceImpl::CreatePartnership, "users/north-admin", kNorthHubAdmin,
                   NewPartnership("hastings", "south")),
              StatusIs(Code::kNotFound, "regions/south"));
}

TEST_F(PartnershipsTest, OnlyTheRegionsHubAdministratorsCreatePartnerships) {
  EXPECT_CALL(store_, CreatePartnership).Times(0);
  EXPECT_THAT(Call(&IdentityServiceImpl::CreatePartnership, "users/viewer", kNorthViewer,
                   NewPartnership("durham", "north")),
              StatusIs(Code::kPermissionDenied));
}

TEST_F(PartnershipsTest, ABadPartnershipIdIsRefusedNamingTheField) {
  EXPECT_CALL(store_, CreatePartnership).Times(0);
  EXPECT_THAT(Call(&IdentityServiceImpl::CreatePartnership, "users/north-admin", kNorthHubAdmin,
                   NewPartnership("Bad Id", "north")),
              StatusIs(Code::kInvalidArgument, "partnership_id"));
}

TEST_F(PartnershipsTest, ATakenPartnershipIdIsAlreadyExists) {
  EXPECT_CALL(store_, GetRegion("north")).WillOnce(Return(StoredRegion("north")));
  EXPECT_CALL(store_, CreatePartnership(Eq("durham"), _, Eq("north"), _))
      .WillOnce(Return(absl::AlreadyExistsError("partnerships/durham already exists")));
  EXPECT_THAT(Call(&IdentityServiceImpl::CreatePartnership, "users/north-admin", kNorthHubAdmin,
                   NewPartnership("durham", "north")),
              StatusIs(Code::kAlreadyExists));
}

TEST_F(PartnershipsTest, APartnershipTheCallerCannotSeeIsNotFoundLikeAMissingOne) {
  EXPECT_CALL(store_, GetPartnership("hastings"))
      .WillOnce(Return(StoredPartnership("hastings", "south")));
  EXPECT_CALL(store_, GetPartnership("nowhere"))
      .WillOnce(Return(absl::NotFoundError("partnerships/nowhere not found")));
  v1::GetPartnershipRequest request;
  request.set_name("partnerships/hastings");
  EXPECT_THAT(
      Call(&IdentityServiceImpl::GetPartnership, "users/north-admin", kNorthHubAdmin, request),
      StatusIs(Code::kNotFound, "partnerships/hastings not found"));
  request.set_name("partnerships/nowhere");
  EXPECT_THAT(
      Call(&IdentityServiceImpl::GetPartnership, "users/north-admin", kNorthHubAdmin, request),
      StatusIs(Code::kNotFound, "partnerships/nowhere not found"));
}

TEST_F(PartnershipsTest, UpdatesAreRefusedWithoutAnEtagOrWithAnUnknownPath) {
  v1::UpdatePartnershipRequest request;
  request.mutable_partnership()->set_display_name("Sunderland");
  EXPECT_THAT(RefusedUpdateOfSunderland("users/sunderland-admin", kSunderlandAdmin, request),
              StatusIs(Code::kInvalidArgument, "partnership.etag"));
  request.mutable_partnership()->set_etag("1");
  request.mutable_update_mask()->add_paths("region");
  EXPECT_THAT(RefusedUpdateOfSunderland("users/sunderland-admin", kSunderlandAdmin, request),
              StatusIs(Code::kInvalidArgument, "update_mask"));
}

TEST_F(PartnershipsTest, MembersWhoDoNotAdministerAPartnershipCannotChangeIt) {
  v1::UpdatePartnershipRequest request;
  request.mutable_partnership()->set_etag("1");
  EXPECT_THAT(RefusedUpdateOfSunderland(
                  "users/scrutineer",
                  {Grant(Role::ROLE_INDEPENDENT_SCRUTINEER, "north", "sunderland")}, request),
              StatusIs(Code::kPermissionDenied));
}

using OrganisationsTest = IdentityHandlersTest;

v1::CreateOrganisationRequest NewOrganisation(const std::string& id, v1::OrganisationKind kind,
                                              bool core_partner) {
  v1::CreateOrganisationRequest request;
  request.set_parent("partnerships/sunderland");
  request.set_organisation_id(id);
  request.mutable_organisation()->set_display_name(id);
  request.mutable_organisation()->set_kind(kind);
  request.mutable_organisation()->set_core_partner(core_partner);
  return request;
}

TEST_F(OrganisationsTest, OnlyThePartnershipsAdministratorsAddPartners) {
  ON_CALL(store_, GetPartnership("sunderland"))
      .WillByDefault(Return(StoredPartnership("sunderland", "north")));
  EXPECT_CALL(store_, CreateOrganisation).Times(0);
  EXPECT_THAT(Call(&IdentityServiceImpl::CreateOrganisation, "users/viewer", kNorthViewer,
                   NewOrganisation("police", v1::ORGANISATION_KIND_POLICE, true)),
              StatusIs(Code::kPermissionDenied));
}

TEST_F(OrganisationsTest, OnlyTheThreeCoreKindsAreCorePartners) {
  ON_CALL(store_, GetPartnership("sunderland"))
      .WillByDefault(Return(StoredPartnership("sunderland", "north")));
  EXPECT_CALL(store_, CreateOrganisation).Times(0);
  EXPECT_THAT(
      Call(&IdentityServiceImpl::CreateOrganisation, "users/sunderland-admin", kSunderlandAdmin,
           NewOrganisation("school", v1::ORGANISATION_KIND_EDUCATION, true)),
      StatusIs(Code::kInvalidArgument, "organisation.core_partner"));
  EXPECT_THAT(
      Call(&IdentityServiceImpl::CreateOrganisation, "users/sunderland-admin", kSunderlandAdmin,
           NewOrganisation("unknown", v1::ORGANISATION_KIND_UNSPECIFIED, false)),
      StatusIs(Code::kInvalidArgument, "organisation.kind"));
}

TEST_F(OrganisationsTest, ATakenOrganisationIdIsAlreadyExists) {
  ON_CALL(store_, GetPartnership("sunderland"))
      .WillByDefault(Return(StoredPartnership("sunderland", "north")));
  EXPECT_CALL(store_, CreateOrganisation(Eq("sunderland"), Eq("police"), _))
      .WillOnce(Return(absl::AlreadyExistsError("exists")));
  EXPECT_CALL(store_, GetOrganisation).Times(0);
  EXPECT_THAT(Call(&IdentityServiceImpl::CreateOrganisation, "users/sunderland-admin",
                   kSunderlandAdmin, NewOrganisation("police", v1::ORGANISATION_KIND_POLICE, true)),
              StatusIs(Code::kAlreadyExists));
}

TEST_F(OrganisationsTest, OrganisationsOfAnInvisiblePartnershipAreNotFound) {
  ON_CALL(store_, GetPartnership("hastings"))
      .WillByDefault(Return(StoredPartnership("hastings", "south")));
  EXPECT_CALL(store_, GetOrganisation).Times(0);
  EXPECT_CALL(store_, ListOrganisations).Times(0);
  v1::GetOrganisationRequest get;
  get.set_name("partnerships/hastings/organisations/police");
  EXPECT_THAT(Call(&IdentityServiceImpl::GetOrganisation, "users/north-admin", kNorthHubAdmin, get),
              StatusIs(Code::kNotFound, "partnerships/hastings/organisations/police"));
  v1::ListOrganisationsRequest list;
  list.set_parent("partnerships/hastings");
  EXPECT_THAT(
      Call(&IdentityServiceImpl::ListOrganisations, "users/north-admin", kNorthHubAdmin, list),
      StatusIs(Code::kNotFound, "partnerships/hastings"));
}

}  // namespace
}  // namespace sixsteps::identity::handlers_test
