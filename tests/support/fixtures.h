// Test fixtures committed under tests/fixtures/.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/paths.h"

namespace sixsteps::testing {

inline std::string ReadRepoFile(const std::string& relative_path) {
  std::ifstream in(SourceDir() / relative_path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The expected texts of the built-in framework, transcribed from the source document.
inline nlohmann::json BuiltInFixture() {
  return nlohmann::json::parse(ReadRepoFile("tests/fixtures/six_steps_2019_expected.json"));
}

// Pearce, J (2019), as a text file.
inline std::string SourceDocument() {
  return ReadRepoFile("tests/fixtures/source/six-steps-for-independent-scrutiny-2019.txt");
}

}  // namespace sixsteps::testing
