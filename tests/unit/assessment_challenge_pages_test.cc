// ListChallenges pages like the other lists of a round (page_size, page_token,
// next_page_token; services/assessment/page_sizes.h kListChallengesPage), in name order.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "services/assessment/page_sizes.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/assessment_service_fixture.h"

namespace sixsteps::assessment {
namespace {

using namespace ::sixsteps::assessment::testing;  // NOLINT(build/namespaces)

TEST_F(AssessmentServiceTest, ListChallengesPagesInNameOrder) {
  challenges_.clear();
  for (const char* id : {"c3", "c1", "c2"}) {
    v1::Challenge challenge;
    challenge.set_name(absl::StrCat("assessments/a1/challenges/", id));
    challenges_.push_back(challenge);
  }
  v1::ListChallengesRequest request;
  request.set_parent("assessments/a1");
  // No page_size: the default page holds them all, as the list did before it paged.
  absl::StatusOr<v1::ListChallengesResponse> all = peer_.ListChallenges(kRespondent, request);
  ASSERT_THAT(all, IsOk());
  EXPECT_EQ(all->challenges_size(), 3);
  EXPECT_EQ(all->next_page_token(), "");

  request.set_page_size(2);
  absl::StatusOr<v1::ListChallengesResponse> first = peer_.ListChallenges(kRespondent, request);
  ASSERT_THAT(first, IsOk());
  ASSERT_EQ(first->challenges_size(), 2);
  EXPECT_EQ(first->challenges(0).name(), "assessments/a1/challenges/c1");
  EXPECT_EQ(first->challenges(1).name(), "assessments/a1/challenges/c2");
  ASSERT_NE(first->next_page_token(), "");
  request.set_page_token(first->next_page_token());
  absl::StatusOr<v1::ListChallengesResponse> second = peer_.ListChallenges(kRespondent, request);
  ASSERT_THAT(second, IsOk());
  ASSERT_EQ(second->challenges_size(), 1);
  EXPECT_EQ(second->challenges(0).name(), "assessments/a1/challenges/c3");
  EXPECT_EQ(second->next_page_token(), "");

  // A token is for the round it was issued for; a negative size is refused.
  request.set_parent("assessments/a2");
  EXPECT_THAT(peer_.ListChallenges(kRespondent, request),
              StatusIs(absl::StatusCode::kInvalidArgument, "page_token"));
  request.set_page_token("");
  request.set_page_size(-1);
  EXPECT_THAT(peer_.ListChallenges(kRespondent, request),
              StatusIs(absl::StatusCode::kInvalidArgument, "page_size"));
}

TEST_F(AssessmentServiceTest, ListChallengesClampsALargePageToItsMaximum) {
  challenges_.clear();
  for (int i = 0; i < kListChallengesPage.max_size + 1; ++i) {
    v1::Challenge challenge;
    challenge.set_name(absl::StrCat("assessments/a1/challenges/c", 10000 + i));
    challenges_.push_back(challenge);
  }
  v1::ListChallengesRequest request;
  request.set_parent("assessments/a1");
  absl::StatusOr<v1::ListChallengesResponse> page = peer_.ListChallenges(kRespondent, request);
  ASSERT_THAT(page, IsOk());
  EXPECT_EQ(page->challenges_size(), kListChallengesPage.default_size);
  request.set_page_size(kListChallengesPage.max_size * 10);
  page = peer_.ListChallenges(kRespondent, request);
  ASSERT_THAT(page, IsOk());
  EXPECT_EQ(page->challenges_size(), kListChallengesPage.max_size);
  EXPECT_NE(page->next_page_token(), "");
}

}  // namespace
}  // namespace sixsteps::assessment
