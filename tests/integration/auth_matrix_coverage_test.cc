// Every method of every sixsteps.*.v1 service (the bench's echo service aside) has its
// refusal rows in the auth matrix, or this fails naming it. The services are enumerated
// from the generated descriptor pool by package, and every .proto under proto/sixsteps that
// declares a service must be in that pool, so a NEW service is covered without anyone
// listing it. What a method needs:
//   - identity and framework (auth_matrix_test.cc): a case in TableOf(), which is called
//     with every bad token (UNAUTHENTICATED) and as region B's user (its refusal);
//   - every other service (auth_matrix_assessment_test.cc): an UNAUTHENTICATED row
//     (nobody), a refusal of another tenant or of a role of A, a PERMISSION_DENIED row for
//     a read-only role (viewer or dashboard of A) if the method writes, and an allowed row.
#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor_database.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/support/auth_matrix.h"
#include "tests/support/paths.h"
#include "tests/support/read_file.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::testing {
namespace {

namespace pb = ::google::protobuf;

bool IsSixStepsV1Package(const std::string& package) {
  return absl::StartsWith(package, "sixsteps.") && absl::EndsWith(package, ".v1") &&
         package != "sixsteps.bench.v1";
}

// The services of every sixsteps.*.v1 package in this binary's generated pool.
std::vector<const pb::ServiceDescriptor*> SixStepsServices() {
  std::vector<std::string> files;
  EXPECT_TRUE(pb::DescriptorPool::internal_generated_database()->FindAllFileNames(&files));
  std::vector<const pb::ServiceDescriptor*> services;
  for (const std::string& name : files) {
    if (!absl::StartsWith(name, "sixsteps/")) continue;
    const pb::FileDescriptor* file = pb::DescriptorPool::generated_pool()->FindFileByName(name);
    if (file == nullptr || !IsSixStepsV1Package(file->package())) continue;
    for (int i = 0; i < file->service_count(); ++i) services.push_back(file->service(i));
  }
  return services;
}

TEST(AuthMatrixCoverageTest, EveryServiceProtoIsInTheGeneratedPool) {
  // A service whose code is not linked into this binary would be missed by the pool walk.
  const std::filesystem::path root = SourceDir() / "proto";
  int with_services = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root / "sixsteps")) {
    if (entry.path().extension() != ".proto") continue;
    const std::string text = ReadFile(entry.path());
    const std::string relative = std::filesystem::relative(entry.path(), root).generic_string();
    if (absl::StartsWith(relative, "sixsteps/bench/")) continue;
    if (!absl::StrContains(text, "\nservice ")) continue;
    ++with_services;
    EXPECT_NE(pb::DescriptorPool::generated_pool()->FindFileByName(relative), nullptr)
        << relative << " declares a service this test binary does not link: add its library "
        << "to sixsteps_test_support (tests/CMakeLists.txt) and its server to the hub";
  }
  EXPECT_GE(with_services, 5);
}

TEST(AuthMatrixCoverageTest, EveryMethodOfEveryServiceHasItsRefusalRows) {
  absl::StatusOr<MatrixWorld*> world = GetMatrixWorld();
  ASSERT_THAT(world, IsOk());
  const std::vector<const pb::ServiceDescriptor*> services = SixStepsServices();
  std::set<std::string> service_names;
  for (const pb::ServiceDescriptor* service : services) service_names.insert(service->full_name());
  EXPECT_GE(services.size(), 5u) << absl::StrJoin(service_names, ", ");
  for (const char* known :
       {"sixsteps.identity.v1.IdentityService", "sixsteps.framework.v1.FrameworkService",
        "sixsteps.assessment.v1.AssessmentService", "sixsteps.action.v1.ActionService",
        "sixsteps.reporting.v1.ReportingService"}) {
    EXPECT_TRUE(service_names.count(known)) << known << " is missing from the pool walk";
  }

  const std::set<std::string> legacy = IdentityAndFrameworkMethods(**world);
  const std::set<std::string> legacy_services = {"sixsteps.identity.v1.IdentityService",
                                                 "sixsteps.framework.v1.FrameworkService"};
  std::map<std::string, std::vector<Row>> rows;
  for (Row& row : AssessmentActionReportingRows(**world)) rows[row.method].push_back(row);

  std::set<std::string> methods;
  int checked = 0;
  for (const pb::ServiceDescriptor* service : services) {
    EXPECT_NE((*world)->ChannelFor(service->full_name()), nullptr)
        << service->full_name()
        << " has no server in the auth matrix: add it to MatrixWorld::ChannelFor";
    for (int i = 0; i < service->method_count(); ++i) {
      const pb::MethodDescriptor& method = *service->method(i);
      methods.insert(method.full_name());
      ++checked;
      if (legacy_services.count(service->full_name())) {
        EXPECT_TRUE(legacy.count(method.full_name()))
            << method.full_name()
            << " has no case in the auth matrix: add the request it is called with and the "
               "code region B's user gets to TableOf() in auth_matrix_test.cc";
        continue;
      }
      std::set<RowKind> kinds;
      bool read_only_refused = false;
      for (const Row& row : rows[method.full_name()]) {
        kinds.insert(KindOf(row));
        if (IsReadOnly(row.who) && row.code == Code::kPermissionDenied) read_only_refused = true;
      }
      std::vector<std::string> missing;
      if (!kinds.count(RowKind::kUnauthenticated)) missing.push_back("an UNAUTHENTICATED row");
      if (!kinds.count(RowKind::kOtherTenant) && !kinds.count(RowKind::kRoleRefused)) {
        missing.push_back("a refusal of another tenant or role");
      }
      if (!IsReadMethod(method) && !read_only_refused) {
        missing.push_back("a PERMISSION_DENIED row for a read-only role (it writes)");
      }
      if (!kinds.count(RowKind::kAllowed)) missing.push_back("an allowed caller's row");
      EXPECT_TRUE(missing.empty())
          << method.full_name() << " lacks " << absl::StrJoin(missing, ", ")
          << " in the auth matrix: add them to AssessmentActionReportingRows "
             "(tests/integration/auth_matrix_assessment_test.cc)";
    }
  }
  EXPECT_GE(checked, 80);
  // For the record: rows per service (a nobody row is called with every bad token).
  std::map<std::string, int> per_service;
  for (const auto& [name, method_rows] : rows) {
    per_service[name.substr(0, name.rfind('.'))] += static_cast<int>(method_rows.size());
  }
  for (const auto& [service, count] : per_service) {
    std::cout << "auth matrix: " << service << ": " << count << " rows\n";
  }
  for (const auto& [name, method_rows] : rows) {
    EXPECT_TRUE(methods.count(name)) << "the auth matrix names " << name << ", no such method";
  }
  for (const std::string& name : legacy) {
    EXPECT_TRUE(methods.count(name)) << "the auth matrix names " << name << ", no such method";
  }
}

}  // namespace
}  // namespace sixsteps::testing
