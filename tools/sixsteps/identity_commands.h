// The commands of the identity service. Unlike the framework's, they are several top-level
// words, one per kind of resource:
//   sixsteps login | logout | whoami
//   sixsteps region | partnership | org | user | role | serviceaccount | apikey | audit | key ...
// Each word is one ServiceCommands entry whose channel goes to the identity endpoint.
#pragma once

#include <string>
#include <vector>

#include "tools/sixsteps/command.h"

namespace sixsteps::cli {

// The dispatcher's entries for the identity words, in help order.
std::vector<ServiceCommands> IdentityServiceCommands();

}  // namespace sixsteps::cli
