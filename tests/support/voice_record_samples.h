// Engagement records and learning reviews the integration tests plant (auth matrix, voice
// records, registers, evidence attachments), written once so that a field the service starts
// to require is added in one place. The case audit is in voice_samples.h.
#pragma once

#include <string>

#include "sixsteps/assessment/v1/voice.pb.h"

namespace sixsteps::testing {

// A focus group of nine practitioners on 14 May 2025 about thresholds, with no question,
// step, quote or file yet.
inline assessment::v1::EngagementRecord PractitionersFocusGroup(
    const std::string& title, assessment::v1::Classification classification) {
  namespace av1 = ::sixsteps::assessment::v1;
  av1::EngagementRecord record;
  record.set_title(title);
  record.set_date("2025-05-14");
  record.add_participant_groups(av1::PARTICIPANT_GROUP_PRACTITIONERS);
  record.set_method(av1::ENGAGEMENT_METHOD_FOCUS_GROUP);
  record.set_participant_count(9);
  record.add_themes("Thresholds are unclear");
  record.set_classification(classification);
  return record;
}

// The completed rapid review of Child Q (February 2025) with one theme and one
// recommendation; no question or step yet.
inline assessment::v1::LearningReview ChildQRapidReview() {
  namespace av1 = ::sixsteps::assessment::v1;
  av1::LearningReview review;
  review.set_type(av1::LEARNING_REVIEW_TYPE_RAPID_REVIEW);
  review.set_status(av1::LEARNING_REVIEW_STATUS_COMPLETED);
  review.set_title("Child Q: neglect and school attendance");
  review.set_start_date("2025-02-01");
  review.set_completion_date("2025-02-28");
  review.add_themes("Escalation between agencies");
  review.add_recommendations()->set_text("Joint training on escalation");
  return review;
}

}  // namespace sixsteps::testing
