// Captures the JSON log lines of this process (every service of an in-process TestHub logs
// here) while it lives, so that a test can read them back as an operator's grep would.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "services/common/log.h"

namespace sixsteps::testing {

class LogCapture {
 public:
  LogCapture() {
    SetLogSinkForTesting([this](const std::string& line) {
      std::lock_guard<std::mutex> lock(mu_);
      lines_.push_back(nlohmann::json::parse(line));
    });
  }
  ~LogCapture() { SetLogSinkForTesting(nullptr); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  // The lines whose string field `key` is `value`.
  std::vector<nlohmann::json> With(const std::string& key, const std::string& value) {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<nlohmann::json> found;
    for (const auto& line : lines_) {
      if (line.value(key, "") == value) found.push_back(line);
    }
    return found;
  }

  // The "call" lines of `method` ("/pkg.Service/Method").
  std::vector<nlohmann::json> Calls(const std::string& method) {
    std::vector<nlohmann::json> calls;
    for (auto& line : With("method", method)) {
      if (line.value("event", "") == "call") calls.push_back(std::move(line));
    }
    return calls;
  }

 private:
  std::mutex mu_;
  std::vector<nlohmann::json> lines_;
};

}  // namespace sixsteps::testing
