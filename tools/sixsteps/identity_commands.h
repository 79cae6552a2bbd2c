// The commands of the identity service. Unlike the framework's, they are several top-level
// words, one per kind of resource:
//   sixsteps login | logout | whoami
//   sixsteps region | partnership | org | user | role | serviceaccount | apikey | audit | key ...
// Each word is one ServiceCommands entry whose channel goes to the identity endpoint.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "tools/sixsteps/command.h"

namespace sixsteps::cli {

// The dispatcher's entries for the identity words, in help order.
std::vector<ServiceCommands> IdentityServiceCommands();

// The help text of one identity word ("region", "login", ...).
std::string IdentityHelp(absl::string_view word);

}  // namespace sixsteps::cli
