// What the assessment unit tests share: callers with one grant or several, and a small framework.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "services/assessment/domain.h"

namespace sixsteps::assessment::testing {

// A caller ("users/u-test") with these grants.
inline Caller With(std::vector<auth::Grant> grants) {
  Caller caller;
  caller.principal = "users/u-test";
  caller.grants = std::move(grants);
  return caller;
}

// A caller ("users/u-test") with one grant.
inline Caller With(auth::Role role, const std::string& region, const std::string& partnership = "",
                   const std::string& organisation = "") {
  return With(std::vector<auth::Grant>{{role, region, partnership, organisation}});
}

// A framework version of one step (s1) with two questions (s1.q1, s1.q2).
inline fv1::FrameworkVersion TwoQuestions() {
  fv1::FrameworkVersion framework;
  framework.set_name("frameworks/six-steps/versions/1");
  fv1::Step* step = framework.add_steps();
  step->set_id("s1");
  step->add_questions()->set_id("s1.q1");
  step->add_questions()->set_id("s1.q2");
  return framework;
}

}  // namespace sixsteps::assessment::testing
