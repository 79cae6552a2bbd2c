// Unit tests of IdentityService's role-binding handlers over a gmock store: who may grant and
// remove which binding, with which status each refusal answers, and that a refusal writes
// nothing.
#include "tests/unit/identity_handlers_support.h"

namespace sixsteps::identity::handlers_test {
namespace {

using ::testing::AllOf;
using ::testing::Eq;
using ::testing::Field;

v1::CreateRoleBindingRequest NewBinding(const std::string& principal, Role role,
                                        const std::string& scope,
                                        const std::string& organisation = "") {
  v1::CreateRoleBindingRequest request;
  request.mutable_role_binding()->set_principal(principal);
  request.mutable_role_binding()->set_role(role);
  request.mutable_role_binding()->set_scope(scope);
  request.mutable_role_binding()->set_organisation(organisation);
  return request;
}

class BindingsTest : public IdentityHandlersTest {
 protected:
  BindingsTest() {
    ON_CALL(store_, GetRegion("north")).WillByDefault(Return(StoredRegion("north")));
    ON_CALL(store_, GetPartnership("sunderland"))
        .WillByDefault(Return(StoredPartnership("sunderland", "north")));
    ON_CALL(store_, GetPartnership("hastings"))
        .WillByDefault(Return(StoredPartnership("hastings", "south")));
    StoredUser user;
    user.user.set_name("users/u-1");
    ON_CALL(store_, GetUser("u-1")).WillByDefault(Return(user));
  }

  static StoredRoleBinding Stored(const std::string& id, Role role, const std::string& region,
                                  const std::string& partnership = "") {
    StoredRoleBinding binding;
    binding.id = id;
    binding.principal = "users/u-1";
    binding.scope.role = role;
    binding.scope.region = region;
    binding.scope.partnership = partnership;
    binding.create_time = absl::Now();
    return binding;
  }

  // DeleteRoleBinding of `name` as `principal` holding `grants`.
  grpc::Status Delete(const std::string& name, const std::string& principal,
                      const std::vector<auth::Grant>& grants) {
    v1::DeleteRoleBindingRequest request;
    request.set_name(name);
    return Call(&IdentityServiceImpl::DeleteRoleBinding, principal, grants, request);
  }

  // Delete of the stored `binding` as `principal` holding `grants` when it must be refused:
  // the binding is read, and the store never deletes anything.
  grpc::Status RefusedDelete(const StoredRoleBinding& binding, const std::string& principal,
                             const std::vector<auth::Grant>& grants) {
    EXPECT_CALL(store_, GetRoleBinding(binding.id)).WillOnce(Return(binding));
    EXPECT_CALL(store_, DeleteRoleBinding).Times(0);
    return Delete("roleBindings/" + binding.id, principal, grants);
  }
};

// A binding refused before anything is written: the case's name, who asks, what they ask
// for, and the status (with a part of its message) they get.
struct RefusedBinding {
  std::string name;
  std::string principal;
  std::vector<auth::Grant> grants;
  v1::CreateRoleBindingRequest request;
  Code code;
  std::string message_part;
};

class RefusedBindingTest : public BindingsTest,
                           public ::testing::WithParamInterface<RefusedBinding> {};

TEST_P(RefusedBindingTest, IsRefusedAndNothingIsWritten) {
  const RefusedBinding& c = GetParam();
  EXPECT_CALL(store_, CreateRoleBinding).Times(0);
  EXPECT_THAT(Call(&IdentityServiceImpl::CreateRoleBinding, c.principal, c.grants, c.request),
              StatusIs(c.code, c.message_part));
}

INSTANTIATE_TEST_SUITE_P(
    BindingsTest, RefusedBindingTest,
    ::testing::Values(
        RefusedBinding{"AMalformedPrincipalIsRefusedNamingTheField", "users/north-admin",
                       kNorthHubAdmin, NewBinding("people/u-1", Role::ROLE_VIEWER, "regions/north"),
                       Code::kInvalidArgument, "role_binding.principal"},
        RefusedBinding{"ARegionTheCallerCannotSeeIsNotFound", "users/north-admin", kNorthHubAdmin,
                       NewBinding("users/u-1", Role::ROLE_VIEWER, "regions/south"), Code::kNotFound,
                       "regions/south"},
        RefusedBinding{"APartnershipTheCallerCannotSeeIsNotFound", "users/north-admin",
                       kNorthHubAdmin,
                       NewBinding("users/u-1", Role::ROLE_VIEWER, "partnerships/hastings"),
                       Code::kNotFound, "partnerships/hastings"},
        RefusedBinding{"AScopeThatIsNoScopeIsInvalid", "users/root", kDeploymentAdmin,
                       NewBinding("users/u-1", Role::ROLE_VIEWER, "organisations/police"),
                       Code::kInvalidArgument, "role_binding.scope"},
        RefusedBinding{"PartnershipAdministratorsCannotGrantRegionRoles", "users/sunderland-admin",
                       kSunderlandAdmin,
                       NewBinding("users/u-1", Role::ROLE_VIEWER, "regions/north"),
                       Code::kPermissionDenied, ""},
        // Hub administrators are bound to a region or the deployment, never to a partnership.
        RefusedBinding{
            "ARoleThatDoesNotFitTheScopeIsInvalid", "users/north-admin", kNorthHubAdmin,
            NewBinding("users/u-1", Role::ROLE_HUB_ADMINISTRATOR, "partnerships/sunderland"),
            Code::kInvalidArgument, ""},
        RefusedBinding{
            "AnOrganisationOfAnotherPartnershipIsRefusedNamingTheField", "users/sunderland-admin",
            kSunderlandAdmin,
            NewBinding("users/u-1", Role::ROLE_PARTNER_RESPONDENT, "partnerships/sunderland",
                       "partnerships/durham/organisations/police"),
            Code::kInvalidArgument, "role_binding.organisation"}),
    [](const ::testing::TestParamInfo<RefusedBinding>& info) { return info.param.name; });

TEST_F(BindingsTest, AnUnknownPrincipalIsNotFound) {
  EXPECT_CALL(store_, GetUser("u-404")).WillOnce(Return(absl::NotFoundError("users/u-404")));
  EXPECT_CALL(store_, CreateRoleBinding).Times(0);
  EXPECT_THAT(Call(&IdentityServiceImpl::CreateRoleBinding, "users/north-admin", kNorthHubAdmin,
                   NewBinding("users/u-404", Role::ROLE_VIEWER, "regions/north")),
              StatusIs(Code::kNotFound));
}

TEST_F(BindingsTest, AServiceAccountIsBoundOnlyWithinItsOwner) {
  v1::ServiceAccount account;
  account.set_name("serviceAccounts/sa-1");
  account.set_owner("partnerships/sunderland");
  EXPECT_CALL(store_, GetServiceAccount("sa-1"))
      .WillOnce(Return(std::make_pair(account, std::string("north"))));
  EXPECT_CALL(store_, CreateRoleBinding).Times(0);
  EXPECT_THAT(Call(&IdentityServiceImpl::CreateRoleBinding, "users/north-admin", kNorthHubAdmin,
                   NewBinding("serviceAccounts/sa-1", Role::ROLE_VIEWER, "regions/north")),
              StatusIs(Code::kFailedPrecondition, "role_binding.scope"));
}

TEST_F(BindingsTest, TheSameBindingTwiceIsAlreadyExists) {
  EXPECT_CALL(store_, CreateRoleBinding).WillOnce(Return(absl::AlreadyExistsError("exists")));
  EXPECT_CALL(store_, GetRoleBinding).Times(0);
  EXPECT_THAT(Call(&IdentityServiceImpl::CreateRoleBinding, "users/north-admin", kNorthHubAdmin,
                   NewBinding("users/u-1", Role::ROLE_VIEWER, "regions/north")),
              StatusIs(Code::kAlreadyExists));
}

TEST_F(BindingsTest, AHubAdministratorGrantsARoleInTheirRegionAudited) {
  StoredRoleBinding written;
  EXPECT_CALL(store_,
              CreateRoleBinding(_, AllOf(Field(&NewAuditEvent::actor, Eq("users/north-admin")),
                                         Field(&NewAuditEvent::action, Eq("role_binding.create")),
                                         Field(&NewAuditEvent::target, Eq("users/u-1")),
                                         Field(&NewAuditEvent::region, Eq("north")))))
      .WillOnce([&](const StoredRoleBinding& binding, const NewAuditEvent&) {
        written = binding;
        return absl::OkStatus();
      });
  EXPECT_CALL(store_, GetRoleBinding).WillOnce([&](const std::string& id) {
    EXPECT_EQ(id, written.id);
    return written;
  });
  v1::RoleBinding created;
  EXPECT_THAT(Call(&IdentityServiceImpl::CreateRoleBinding, "users/north-admin", kNorthHubAdmin,
                   NewBinding("users/u-1", Role::ROLE_VIEWER, "regions/north"), &created),
              IsOk());
  EXPECT_EQ(written.principal, "users/u-1");
  EXPECT_EQ(written.scope.role, Role::ROLE_VIEWER);
  EXPECT_EQ(written.scope.region, "north");
  EXPECT_EQ(written.scope.partnership, "");
  EXPECT_EQ(created.name(), "roleBindings/" + written.id);
  EXPECT_EQ(created.scope(), "regions/north");
}

TEST_F(BindingsTest, DeletingNeedsARoleBindingName) {
  EXPECT_CALL(store_, DeleteRoleBinding).Times(0);
  EXPECT_THAT(Delete("bindings/rb-1", "users/root", kDeploymentAdmin),
              StatusIs(Code::kInvalidArgument, "name"));
}

TEST_F(BindingsTest, ABindingTheCallerCannotSeeIsNotFoundAndStays) {
  EXPECT_THAT(RefusedDelete(Stored("rb-south", Role::ROLE_VIEWER, "south"), "users/north-admin",
                            kNorthHubAdmin),
              StatusIs(Code::kNotFound, "roleBindings/rb-south"));
}

TEST_F(BindingsTest, ABindingTheCallerSeesButDoesNotManageIsPermissionDenied) {
  EXPECT_THAT(RefusedDelete(Stored("rb-north", Role::ROLE_VIEWER, "north"),
                            "users/sunderland-admin", kSunderlandAdmin),
              StatusIs(Code::kPermissionDenied));
}

TEST_F(BindingsTest, DeletingABindingRevokesThePrincipalsTokensForTheirLifetime) {
  EXPECT_CALL(store_, GetRoleBinding("rb-s"))
      .WillOnce(Return(Stored("rb-s", Role::ROLE_INDEPENDENT_SCRUTINEER, "north", "sunderland")));
  // The access-token lifetime (15 minutes by default) and the verifiers' leeway (5).
  EXPECT_CALL(store_, DeleteRoleBinding(Eq("rb-s"), Eq(absl::Minutes(20)),
                                        Field(&NewAuditEvent::region, Eq("north"))))
      .WillOnce(Return(absl::OkStatus()));
  EXPECT_THAT(Delete("roleBindings/rb-s", "users/sunderland-admin", kSunderlandAdmin), IsOk());
}

TEST_F(BindingsTest, ListingInAnInvisibleScopeIsNotFound) {
  EXPECT_CALL(store_, ListRoleBindings).Times(0);
  v1::ListRoleBindingsRequest request;
  request.set_scope("partnerships/hastings");
  EXPECT_THAT(
      Call(&IdentityServiceImpl::ListRoleBindings, "users/north-admin", kNorthHubAdmin, request),
      StatusIs(Code::kNotFound, "partnerships/hastings"));
}

}  // namespace
}  // namespace sixsteps::identity::handlers_test
