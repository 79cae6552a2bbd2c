// Actions the integration tests plant through ActionService: one improvement action on a
// round's first question, so that the notices and digests about it read the same everywhere.
#pragma once

#include <string>

#include "sixsteps/action/v1/action_service.pb.h"

namespace sixsteps::testing {

// A request to plan an improvement action of `round` (its full name) on s1.q1, owned by
// `owner_organisation`, due on `due_date` (YYYY-MM-DD); its description, "Audit the
// <referrals>", needs escaping in HTML.
inline ::sixsteps::action::v1::CreateActionRequest ImprovementAction(
    const std::string& round, const std::string& owner_organisation, const std::string& due_date) {
  namespace acv1 = ::sixsteps::action::v1;
  acv1::CreateActionRequest request;
  acv1::Action* action = request.mutable_action();
  action->set_assessment(round);
  action->set_step_id("s1");
  action->add_question_ids("s1.q1");
  action->set_kind(acv1::Action::KIND_IMPROVEMENT);
  action->set_description("Audit the <referrals>");
  action->set_intended_outcome("Children are safer");
  action->set_owner_organisation(owner_organisation);
  action->set_due_date(due_date);
  return request;
}

}  // namespace sixsteps::testing
