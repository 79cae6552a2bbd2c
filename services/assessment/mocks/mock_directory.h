// A gmock fake of Directory (directory.h): what identity and framework would answer, for
// unit tests of the assessment service's rules without those services.
#pragma once

#include <string>
#include <vector>

#include <gmock/gmock.h>

#include "services/assessment/directory.h"

namespace sixsteps::assessment {

class MockDirectory : public Directory {
 public:
  MOCK_METHOD(absl::StatusOr<std::string>, PartnershipRegion,
              (const auth::Caller& caller, const std::string& partnership_id), (override));
  MOCK_METHOD(absl::Status, CheckOrganisation,
              (const auth::Caller& caller, const std::string& organisation), (override));
  MOCK_METHOD(absl::Status, CheckScrutineer,
              (const auth::Caller& caller, const std::string& partnership_id,
               const std::string& user),
              (override));
  MOCK_METHOD(absl::StatusOr<framework::v1::FrameworkVersion>, PublishedFrameworkVersion,
              (const auth::Caller& caller, const std::string& name), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<std::string>>, OptedOutPartnerships,
              (const auth::Caller& caller, const std::string& region), (override));
};

}  // namespace sixsteps::assessment
