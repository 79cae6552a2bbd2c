// The people of partnership "p" (region "r") that the notification rules' unit tests send
// notices to: each user "users/<id>", "<id>@example.org", "Name <id>", bound with a role (and
// an organisation for respondents and action owners).
#pragma once

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/notification/rules.h"

namespace sixsteps::notification {

struct TestBinding {
  const char* id;
  auth::Role role;
  std::string organisation = "";
};

inline PartnershipPeople PeopleOfP(const std::string& display_name,
                                   const std::vector<TestBinding>& bindings) {
  PartnershipPeople people;
  people.partnership_id = "p";
  people.region_id = "r";
  people.display_name = display_name;
  for (const TestBinding& b : bindings) {
    people.bindings.push_back({{absl::StrCat("users/", b.id), absl::StrCat(b.id, "@example.org"),
                                absl::StrCat("Name ", b.id)},
                               b.role,
                               b.organisation});
  }
  return people;
}

}  // namespace sixsteps::notification
