// Runs a command-line tool from a test (pdftotext, pdftoppm, python3 read_docx.py: readers
// that are not our code) and returns its standard output.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace sixsteps::testing {

// The command's standard output; fails the test on a non-zero exit.
inline std::string Shell(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "cannot run " << command;
    return out;
  }
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
  int status = pclose(pipe);
  EXPECT_EQ(status, 0) << command;
  return out;
}

}  // namespace sixsteps::testing
