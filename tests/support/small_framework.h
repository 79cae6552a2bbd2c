// A two-question framework for read-model tests that feed reporting by hand: step s1 with
// questions s1.q1 and s1.q2, named as the built-in framework's version.
#pragma once

#include <string>

#include "sixsteps/framework/v1/framework.pb.h"

namespace sixsteps::testing {

inline constexpr char kSmallFrameworkName[] = "frameworks/six-steps/versions/2019";

inline ::sixsteps::framework::v1::FrameworkVersion SmallFramework() {
  ::sixsteps::framework::v1::FrameworkVersion framework;
  framework.set_name(kSmallFrameworkName);
  framework.set_title("Six Steps");
  ::sixsteps::framework::v1::Step* step = framework.add_steps();
  step->set_id("s1");
  step->set_title("Step 1");
  for (const char* id : {"s1.q1", "s1.q2"}) {
    ::sixsteps::framework::v1::Question* question = step->add_questions();
    question->set_id(id);
    question->set_text(std::string("Question ") + id);
  }
  return framework;
}

}  // namespace sixsteps::testing
