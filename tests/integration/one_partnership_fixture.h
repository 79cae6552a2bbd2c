// What the tests of the reporting consumer's recovery share (reporting_relogin_test.cc,
// reporting_takeover_test.cc): a hub with one partnership (tyneside, in region north), its
// council and its administrator, and reporting's account, API key and migrated read model
// (TestHub::StartReporting); rounds created as that administrator.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "services/common/auth.h"
#include "tests/support/calls.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {

class OnePartnershipTest : public ::testing::Test {
 protected:
  static constexpr char kPartnership[] = "partnerships/tyneside";

  // `hub_name` names the hub's databases.
  explicit OnePartnershipTest(std::string hub_name) : hub_name_(std::move(hub_name)) {}

  void SetUp() override {
    auto hub = TestHub::Start(hub_name_);
    ASSERT_THAT(hub, IsOk());
    hub_ = std::move(*hub);
    ASSERT_THAT(hub_->CreateRegion("north"), IsOk());
    ASSERT_THAT(hub_->CreatePartnership("tyneside", "north"), IsOk());
    ASSERT_THAT(hub_->CreateOrganisation("tyneside", "council",
                                         identity::v1::ORGANISATION_KIND_LOCAL_AUTHORITY, true),
                IsOk());
    auto admin = hub_->UserWithRoles(
        "admin@tyneside.test", {{auth::Role::ROLE_PARTNERSHIP_ADMINISTRATOR, kPartnership, ""}});
    ASSERT_THAT(admin, IsOk());
    partnership_admin_ = *admin;
    ASSERT_THAT(hub_->StartReporting(), IsOk());
  }

  // A self-assessment of 2025/26 on the built-in framework titled `title`, created by the
  // partnership's administrator.
  absl::StatusOr<assessment::v1::Assessment> CreateRound(const std::string& title) {
    assessment::v1::CreateAssessmentRequest request =
        RoundRequest(kPartnership, assessment::v1::ASSESSMENT_KIND_SELF_ASSESSMENT, title);
    assessment::v1::Assessment created;
    SIXSTEPS_RETURN_IF_ERROR(Call(*hub_->AssessmentStub(),
                                  &assessment::v1::AssessmentService::Stub::CreateAssessment,
                                  partnership_admin_, request, &created));
    return created;
  }

  std::unique_ptr<TestHub> hub_;
  std::string partnership_admin_;

 private:
  std::string hub_name_;
};

}  // namespace sixsteps::testing
