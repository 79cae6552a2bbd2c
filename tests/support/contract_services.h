// The gRPC services the contracts declare, read from the .proto files in the source tree
// (proto/sixsteps/**), so that a test that walks every service walks a new one too, with no
// list of services of its own to forget to extend.
#pragma once

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include "tests/support/paths.h"

namespace sixsteps::testing {

// Every service's full name ("sixsteps.assessment.v1.VoiceService"), sorted. The files keep
// to buf's style: `package` and each `service` on a line of its own.
inline std::set<std::string> ContractServices() {
  static const std::regex kPackage(R"(^package\s+([\w.]+)\s*;)");
  static const std::regex kService(R"(^service\s+(\w+))");
  std::set<std::string> services;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(SourceDir() / "proto" / "sixsteps")) {
    if (entry.path().extension() != ".proto") continue;
    std::ifstream in(entry.path());
    std::string package;
    std::smatch match;
    for (std::string line; std::getline(in, line);) {
      if (std::regex_search(line, match, kPackage)) package = match[1];
      if (std::regex_search(line, match, kService)) services.insert(package + "." + match[1].str());
    }
  }
  return services;
}

}  // namespace sixsteps::testing
