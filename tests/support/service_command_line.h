// The command line of one service program in a test hub of processes (fault_hub, upgrade_hub):
// the flags and environment every hub of processes gives a service, by its role in the hub.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace sixsteps::testing {

struct ServiceCommandLine {
  std::vector<std::string> args;
  std::vector<std::string> env;
};

// `program` listening on `listen` with its database; `target(service)` is where another service
// of the hub answers; identity gets `key_secret`, reporting `reporting_api_key`.
inline ServiceCommandLine HubServiceCommandLine(
    const std::string& service, std::string program, const std::string& listen,
    const std::string& database_url, const std::string& shutdown_grace,
    const std::function<std::string(const std::string&)>& target, const std::string& key_secret,
    const std::string& reporting_api_key) {
  ServiceCommandLine line;
  line.args = {std::move(program), "--listen=" + listen, "--shutdown_grace=" + shutdown_grace};
  line.env = {"SIXSTEPS_DATABASE_URL=" + database_url};
  if (service == "identity") {
    line.env.push_back(absl::StrCat("SIXSTEPS_KEY_ENCRYPTION_SECRET=", key_secret));
  } else {
    line.args.push_back("--identity_address=" + target("identity"));
  }
  if (service == "assessment" || service == "reporting" || service == "notification") {
    if (service != "notification")
      line.args.push_back("--framework_address=" + target("framework"));
    line.args.push_back("--time_zone=UTC");
    line.args.push_back("--db_pool_size=4");
  }
  if (service == "reporting" || service == "notification") {
    line.args.push_back("--assessment_address=" + target("assessment"));
  }
  if (service == "reporting") {
    line.args.push_back("--http_listen=127.0.0.1:0");
    line.env.push_back("SIXSTEPS_REPORTING_API_KEY=" + reporting_api_key);
  }
  return line;
}

}  // namespace sixsteps::testing
