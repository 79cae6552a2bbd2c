// Runs the CLI in-process (RunCli) against one in-process gRPC server, for the fixtures of
// the CLI tests: every service address goes to the server's in-process channel and is
// recorded, and the environment is a map.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/strings/string_view.h"
#include "tools/sixsteps/dispatcher.h"

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

}  // namespace sixsteps::cli::testing_support
