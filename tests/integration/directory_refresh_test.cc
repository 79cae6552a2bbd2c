// Reporting's copy of identity's directory (issue 18, helper idle): a refresh lists every
// organisation in a few calls however many partnerships there are (ListOrganisations of
// "partnerships/-"), each caller sees only the partnerships it may read, and a renamed
// partnership or a new organisation still reaches the read model at the next refresh.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/client_interceptor.h>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "services/reporting/feed_consumer.h"
#include "tests/support/calls.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

namespace idv1 = ::sixsteps::identity::v1;
using IdStub = idv1::IdentityService::Stub;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kRegion[] = "north";
constexpr char kListOrganisations[] = "/sixsteps.identity.v1.IdentityService/ListOrganisations";

// Counts the calls made on a channel, by method.
class CallCounts {
 public:
  void Add(const std::string& method) {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_[method];
  }
  std::map<std::string, int> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(calls_, {});
  }

 private:
  std::mutex mu_;
  std::map<std::string, int> calls_;
};

class CountingInterceptor final : public grpc::experimental::Interceptor {
 public:
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    methods->Proceed();
  }
};

class CountingFactory final : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit CountingFactory(CallCounts* counts) : counts_(counts) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override {
    counts_->Add(info->method());
    return new CountingInterceptor;
  }

 private:
  CallCounts* counts_;
};

std::shared_ptr<grpc::Channel> CountingChannel(const std::string& target, CallCounts* counts) {
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<CountingFactory>(counts));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      target, grpc::InsecureChannelCredentials(), grpc::ChannelArguments(), std::move(factories));
}

// Partnership ids sort as their numbers do.
std::string P(int i) { return absl::StrFormat("part-%02d", i); }

class DirectoryRefreshTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<TestHub>> hub = TestHub::Start("directory");
    ASSERT_THAT(hub.status(), IsOk());
    hub_ = std::move(*hub);
    ASSERT_THAT(hub_->CreateRegion(kRegion), IsOk());
  }

  // Partnerships p{from}..p{to - 1}, each with a council and a police force.
  void AddPartnerships(int from, int to) {
    for (int i = from; i < to; ++i) {
      ASSERT_THAT(hub_->CreatePartnership(P(i), kRegion), IsOk());
      ASSERT_THAT(
          hub_->CreateOrganisation(P(i), "council", idv1::ORGANISATION_KIND_LOCAL_AUTHORITY, true),
          IsOk());
      ASSERT_THAT(hub_->CreateOrganisation(P(i), "police", idv1::ORGANISATION_KIND_POLICE, true),
                  IsOk());
    }
  }

  // Every organisation `token` lists through "partnerships/-", `page_size` at a time.
  std::vector<std::string> ListEveryOrganisation(const std::string& token, int page_size) {
    auto identity = hub_->IdentityStub();
    std::vector<std::string> names;
    idv1::ListOrganisationsRequest request;
    request.set_parent("partnerships/-");
    request.set_page_size(page_size);
    do {
      idv1::ListOrganisationsResponse response;
      absl::Status listed = Call(*identity, &IdStub::ListOrganisations, token, request, &response);
      EXPECT_THAT(listed, IsOk());
      if (!listed.ok()) break;
      for (const idv1::Organisation& o : response.organisations()) names.push_back(o.name());
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return names;
  }

  // The read model's value of `sql` (one text cell) once it equals `want`, or what it was
  // when a minute had passed.
  std::string AwaitReadModel(const std::string& sql, const std::string& want) {
    std::string got;
    for (absl::Time deadline = absl::Now() + absl::Minutes(1); absl::Now() < deadline;
         absl::SleepFor(absl::Milliseconds(200))) {
      pqxx::connection connection(hub_->reporting_database_url());
      pqxx::work txn(connection);
      pqxx::result rows = txn.exec(sql);
      got = rows.empty() || rows[0][0].is_null() ? "" : rows[0][0].as<std::string>();
      if (got == want) break;
    }
    return got;
  }

  std::unique_ptr<TestHub> hub_;
};

TEST_F(DirectoryRefreshTest, ARefreshListsEveryOrganisationInOneCallHoweverManyPartnerships) {
  ASSERT_THAT(hub_->StartReporting(), IsOk());  // its service account and API key
  CallCounts counts;
  reporting::GrpcUpstream upstream(
      CountingChannel(hub_->identity_target(), &counts),
      grpc::CreateChannel(hub_->framework_target(), grpc::InsecureChannelCredentials()),
      hub_->reporting_api_key());
  for (auto [from, to] : {std::pair{0, 3}, std::pair{3, 40}}) {
    AddPartnerships(from, to);
    ASSERT_THAT(upstream.Token().status(), IsOk());  // signed in before counting
    counts.Take();
    absl::StatusOr<reporting::Upstream::Directory> directory = upstream.LoadDirectory();
    ASSERT_THAT(directory.status(), IsOk());
    EXPECT_EQ(directory->partnerships.size(), static_cast<size_t>(to));
    ASSERT_EQ(directory->organisations.size(), static_cast<size_t>(2 * to));
    EXPECT_EQ(directory->organisations.front().name(),
              absl::StrCat("partnerships/", P(0), "/organisations/council"));
    EXPECT_EQ(directory->organisations.back().name(),
              absl::StrCat("partnerships/", P(to - 1), "/organisations/police"));
    // One listing of regions, of partnerships and of organisations: not one per partnership.
    std::map<std::string, int> calls = counts.Take();
    EXPECT_EQ(calls[kListOrganisations], 1) << to << " partnerships";
    int all = 0;
    for (const auto& [method, n] : calls) all += n;
    EXPECT_EQ(all, 3) << to << " partnerships";
  }
}

TEST_F(DirectoryRefreshTest, EveryPartnershipsOrganisationsArePagedAndOnlyWhatTheCallerMaySee) {
  AddPartnerships(0, 4);
  // The administrator sees all eight, three to a page, in order, each once.
  std::vector<std::string> all = ListEveryOrganisation(hub_->admin_token(), 3);
  std::vector<std::string> want;
  for (int i = 0; i < 4; ++i) {
    for (const char* o : {"council", "police"}) {
      want.push_back(absl::StrCat("partnerships/", P(i), "/organisations/", o));
    }
  }
  EXPECT_EQ(all, want);
  // A viewer of the third sees its organisations only.
  absl::StatusOr<std::string> viewer = hub_->UserWithRoles(
      "viewer@p2.test", {{auth::Role::ROLE_VIEWER, absl::StrCat("partnerships/", P(2)), ""}});
  ASSERT_THAT(viewer.status(), IsOk());
  EXPECT_THAT(ListEveryOrganisation(*viewer, 0),
              ElementsAre(absl::StrCat("partnerships/", P(2), "/organisations/council"),
                          absl::StrCat("partnerships/", P(2), "/organisations/police")));
  // Someone bound in another region sees none (an empty list, not NOT_FOUND).
  ASSERT_THAT(hub_->CreateRegion("south"), IsOk());
  absl::StatusOr<std::string> southerner =
      hub_->UserWithRoles("viewer@south.test", {{auth::Role::ROLE_VIEWER, "regions/south", ""}});
  ASSERT_THAT(southerner.status(), IsOk());
  EXPECT_THAT(ListEveryOrganisation(*southerner, 0), IsEmpty());
  // A token of the wildcard listing does not page another query.
  auto identity = hub_->IdentityStub();
  idv1::ListOrganisationsRequest first;
  first.set_parent("partnerships/-");
  first.set_page_size(1);
  idv1::ListOrganisationsResponse page;
  ASSERT_THAT(Call(*identity, &IdStub::ListOrganisations, hub_->admin_token(), first, &page),
              IsOk());
  idv1::ListOrganisationsRequest other;
  other.set_parent(absl::StrCat("partnerships/", P(1)));
  other.set_page_token(page.next_page_token());
  EXPECT_EQ(Call(*identity, &IdStub::ListOrganisations, hub_->admin_token(), other, &page).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(DirectoryRefreshTest, ARenamedPartnershipAndANewOrganisationReachTheReadModel) {
  AddPartnerships(0, 2);
  ASSERT_THAT(hub_->StartReporting(), IsOk());  // refreshes the directory every 2 s
  const std::string renamed = absl::StrCat(
      "SELECT display_name FROM partnerships WHERE "
      "partnership_id = '",
      P(1), "'");
  ASSERT_EQ(AwaitReadModel(renamed, "Partnership " + P(1)), "Partnership " + P(1));
  auto identity = hub_->IdentityStub();
  idv1::GetPartnershipRequest get;
  get.set_name(absl::StrCat("partnerships/", P(1)));
  idv1::UpdatePartnershipRequest update;
  ASSERT_THAT(Call(*identity, &IdStub::GetPartnership, hub_->admin_token(), get,
                   update.mutable_partnership()),
              IsOk());
  update.mutable_partnership()->set_display_name("Gateshead Safeguarding Partnership");
  update.mutable_update_mask()->add_paths("display_name");
  idv1::Partnership updated;
  ASSERT_THAT(Call(*identity, &IdStub::UpdatePartnership, hub_->admin_token(), update, &updated),
              IsOk());
  ASSERT_THAT(hub_->CreateOrganisation(P(1), "health", idv1::ORGANISATION_KIND_HEALTH, true),
              IsOk());
  EXPECT_EQ(AwaitReadModel(renamed, "Gateshead Safeguarding Partnership"),
            "Gateshead Safeguarding Partnership");
  EXPECT_EQ(AwaitReadModel(absl::StrCat("SELECT organisation_id FROM organisations WHERE "
                                        "partnership_id = '",
                                        P(1), "' AND organisation_id = 'health'"),
                           "health"),
            "health");
  // The partnership not renamed keeps its name.
  EXPECT_EQ(AwaitReadModel(absl::StrCat("SELECT display_name FROM partnerships WHERE "
                                        "partnership_id = '",
                                        P(0), "'"),
                           "Partnership " + P(0)),
            "Partnership " + P(0));
}

}  // namespace
}  // namespace sixsteps::testing
