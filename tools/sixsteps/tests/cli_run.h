// Runs the CLI in-process (RunCli) against one in-process gRPC server, for the fixtures of
// the CLI tests: every service address goes to the server's in-process channel and is
// recorded, and the environment is a map. CliTest is the fixture every such test derives
// from: it serves the test's fakes, runs the CLI and keeps a scratch folder.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "tools/sixsteps/dispatcher.h"

namespace sixsteps::assessment::v1 {}
namespace sixsteps::action::v1 {}
namespace sixsteps::framework::v1 {}
namespace sixsteps::identity::v1 {}

namespace sixsteps::cli {
// The services' packages and the matchers the CLI tests use.
namespace asv1 = ::sixsteps::assessment::v1;
namespace acv1 = ::sixsteps::action::v1;
namespace fv1 = ::sixsteps::framework::v1;
namespace iv1 = ::sixsteps::identity::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;
using ::testing::SizeIs;
using ::testing::StartsWith;
}  // namespace sixsteps::cli

namespace sixsteps::cli::testing_support {

struct Result {
  int exit_code;
  std::string out;
  std::string err;
};

// Runs `words` with `env` as the environment and `input` as standard input; every channel
// the CLI opens is `server`'s in-process one, and its address is appended to `addresses`.
inline Result RunInProcess(const std::vector<std::string>& words,
                           std::map<std::string, std::string> env, grpc::Server& server,
                           std::vector<std::string>& addresses, const std::string& input = "",
                           bool out_is_terminal = false) {
  std::ostringstream out, err;
  std::istringstream in(input);
  Environment environment =
      [env = std::move(env)](absl::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string(name));
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  ChannelFactory channels = [&](const std::string& address) {
    addresses.push_back(address);
    return std::shared_ptr<grpc::ChannelInterface>(
        server.InProcessChannel(grpc::ChannelArguments()));
  };
  int code =
      RunCli(words, environment, channels, out, err, in, /*in_is_terminal=*/false, out_is_terminal);
  return Result{code, out.str(), err.str()};
}

// Keeps `request` in `sent` (what a fake was sent) and answers `answer`.
template <typename Request, typename Response>
grpc::Status KeepAndAnswer(std::vector<Request>& sent, const Request& request, Response* response,
                           const Response& answer) {
  sent.push_back(request);
  *response = answer;
  return grpc::Status::OK;
}

// A test of CLI commands against fake services: SetUp calls Serve with the fakes (members
// of the test class), and each case calls Run.
class CliTest : public ::testing::Test {
 protected:
  // Starts one in-process server of `services`.
  void Serve(std::initializer_list<grpc::Service*> services) {
    grpc::ServerBuilder builder;
    for (grpc::Service* service : services) builder.RegisterService(service);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }

  // Stops the server before the fakes it serves go, and removes the scratch folder.
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
    server_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Runs `words` with default_env_ and `env` over it, `input` as standard input.
  Result Run(const std::vector<std::string>& words,
             const std::map<std::string, std::string>& env = {}, const std::string& input = "",
             bool out_is_terminal = false) {
    std::map<std::string, std::string> all = default_env_;
    for (const auto& [name, value] : env) all[name] = value;
    return RunInProcess(words, std::move(all), *server_, addresses_, input, out_is_terminal);
  }

  // This test's own folder, made on first use.
  const std::filesystem::path& Dir() {
    if (dir_.empty()) {
      dir_ =
          std::filesystem::temp_directory_path() /
          absl::StrCat("sixsteps-cli-", ::getpid(), "-",
                       ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name(),
                       "-", ::testing::UnitTest::GetInstance()->current_test_info()->name());
      std::filesystem::remove_all(dir_);
      std::filesystem::create_directories(dir_);
    }
    return dir_;
  }
  std::string Path(const std::string& name) { return (Dir() / name).string(); }
  // Writes a file in Dir() and returns its path.
  std::string Write(const std::string& name, const std::string& contents) {
    std::string path = Path(name);
    std::ofstream(path, std::ios::binary) << contents;
    return path;
  }
  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream all;
    all << in.rdbuf();
    return all.str();
  }

  // The environment of every Run: a bearer token unless the test says otherwise.
  std::map<std::string, std::string> default_env_ = {{"SIXSTEPS_TOKEN", "tok"}};
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::string> addresses_;

 private:
  std::filesystem::path dir_;
};

}  // namespace sixsteps::cli::testing_support
