// gmock fake of FrameworkStore (google-cloud-cpp's mocks/ style), so that unit tests drive
// FrameworkServiceImpl's rules without PostgreSQL. Link sixsteps_framework_mocks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <gmock/gmock.h>

#include "services/framework/store.h"

namespace sixsteps::framework::mocks {

class MockFrameworkStore : public FrameworkStore {
 public:
  // gmock cannot take a type with a comma in a parameter list; DeleteVersion's check, named.
  using VersionCheck = std::function<absl::Status(const v1::FrameworkVersion&)>;

  MOCK_METHOD(absl::StatusOr<v1::Framework>, GetFramework, (absl::string_view framework_id),
              (override));
  MOCK_METHOD(absl::StatusOr<std::vector<v1::Framework>>, ListFrameworks,
              (absl::string_view after_id, int limit, bool every_region,
               const std::vector<std::string>& regions),
              (override));
  MOCK_METHOD(absl::StatusOr<v1::FrameworkVersion>, GetVersion, (const VersionName& name),
              (override));
  MOCK_METHOD(absl::StatusOr<VersionPage>, ListVersions,
              (absl::string_view framework_id, int64_t after_key, int limit), (override));
  MOCK_METHOD(absl::StatusOr<v1::FrameworkVersion>, GetNewestVersion,
              (absl::string_view framework_id), (override));
  MOCK_METHOD(absl::Status, CreateFramework,
              (const v1::Framework& framework, const v1::FrameworkVersion& first_version),
              (override));
  MOCK_METHOD(absl::Status, CreateVersion, (const v1::FrameworkVersion& version), (override));
  MOCK_METHOD(absl::StatusOr<v1::FrameworkVersion>, UpdateVersion,
              (const VersionName& name, const VersionChange& change), (override));
  MOCK_METHOD(absl::Status, DeleteVersion, (const VersionName& name, const VersionCheck& check),
              (override));
};

}  // namespace sixsteps::framework::mocks
