// A whole file as bytes, for tests that read what a program wrote (mail, ports, documents,
// contracts). Header only: no service, no library.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace sixsteps::testing {

// The file's bytes; empty when it cannot be read (the caller's checks then fail on the text).
inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace sixsteps::testing
