// Changes of the assessment feed made by hand, for read-model tests that feed reporting
// without an assessment service (read_model_apply_test, report_cache_test): every change of
// partnership "north" in region "ne", numbered from 1, a second apart from a fixed time.
#pragma once

#include <cstdint>
#include <string>

#include "sixsteps/action/v1/action.pb.h"
#include "sixsteps/assessment/v1/assessment.pb.h"
#include "sixsteps/framework/v1/framework.pb.h"
#include "tests/support/small_framework.h"

namespace sixsteps::testing {

class NorthFeed {
 public:
  using Change = ::sixsteps::assessment::v1::Change;

  // Round `id` (of the small framework) in review, or finalised (its period ending 31 March
  // 2026) at this change's time.
  Change Round(const std::string& id, bool finalised = false) {
    namespace av1 = ::sixsteps::assessment::v1;
    Change change = Next(id);
    av1::Assessment& a = *change.mutable_assessment_record();
    a.set_name("assessments/" + id);
    a.set_partnership("partnerships/north");
    a.set_region("regions/ne");
    a.set_title("Round " + id);
    a.set_framework_version(kSmallFrameworkName);
    a.set_kind(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY);
    a.set_state(finalised ? av1::Assessment::STATE_FINALISED : av1::Assessment::STATE_IN_REVIEW);
    if (finalised) {
      a.set_period_end("2026-03-31");
      a.mutable_finalise_time()->set_seconds(kEpoch + sequence_);
    }
    return change;
  }

  // A Green answer of `respondent` to `question` in `round`, saying `commentary`.
  Change Response(const std::string& round, const std::string& respondent,
                  const std::string& question, const std::string& commentary) {
    Change change = Next(round);
    change.set_kind(::sixsteps::assessment::v1::CHANGE_KIND_RESPONSE_CHANGED);
    ::sixsteps::assessment::v1::Response& r = *change.mutable_response();
    r.set_name("assessments/" + round + "/respondents/" + respondent + "/responses/" + question);
    r.set_question_id(question);
    r.set_rating(::sixsteps::framework::v1::RATING_GREEN);
    r.set_commentary(commentary);
    return change;
  }

  // The consolidated `rating` of `question` in `round`.
  Change Rating(const std::string& round, const std::string& question,
                ::sixsteps::framework::v1::Rating rating) {
    Change change = Next(round);
    change.mutable_consolidation()->set_question_id(question);
    change.mutable_consolidation()->set_rating(rating);
    return change;
  }

  // An action of `round` for step s1, created at `created` (seconds), last updated at
  // `updated`.
  Change Action(const std::string& round, const std::string& id,
                ::sixsteps::action::v1::Action::Status status, const std::string& due,
                int64_t created, int64_t updated) {
    Change change = Next(round);
    ::sixsteps::action::v1::Action& a = *change.mutable_action();
    a.set_name("actions/" + id);
    a.set_assessment("assessments/" + round);
    a.set_partnership("partnerships/north");
    a.set_region("regions/ne");
    a.set_step_id("s1");
    a.set_status(status);
    a.set_due_date(due);
    a.mutable_create_time()->set_seconds(created);
    a.mutable_update_time()->set_seconds(updated);
    return change;
  }

  // The sequence of the last change made.
  int64_t last() const { return sequence_; }

 private:
  static constexpr int64_t kEpoch = 1'700'000'000;

  Change Next(const std::string& round) {
    Change change;
    change.set_sequence(++sequence_);
    change.mutable_time()->set_seconds(kEpoch + sequence_);
    change.set_partnership("partnerships/north");
    change.set_region("regions/ne");
    change.set_assessment("assessments/" + round);
    return change;
  }

  int64_t sequence_ = 0;
};

}  // namespace sixsteps::testing
