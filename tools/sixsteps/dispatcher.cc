#include "tools/sixsteps/dispatcher.h"

#include <iostream>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/strings/str_cat.h"
#include "tools/sixsteps/cli_status.h"
#include "tools/sixsteps/framework_commands.h"

namespace sixsteps::cli {
namespace {

constexpr absl::string_view kTopUsage = "sixsteps [GLOBAL OPTIONS] SERVICE COMMAND [ARGS...]";

const ServiceCommands* FindService(absl::string_view word) {
  for (const ServiceCommands& service : AllServiceCommands()) {
    if (service.service == word) return &service;
  }
  return nullptr;
}

absl::Status Dispatch(const std::vector<std::string>& words, const Environment& env,
                      const ChannelFactory& channels, std::ostream& out) {
  SIXSTEPS_CLI_ASSIGN_OR_RETURN(ParsedArgs args, ParseArgs(words));
  SIXSTEPS_CLI_ASSIGN_OR_RETURN(GlobalOptions options, ExtractGlobalOptions(args, env));
  absl::string_view word = args.Positional(0);
  if (word.empty() || word == "help") {
    if (word.empty() && !args.Has("help")) {
      return UsageError("missing service (see 'sixsteps help')", kTopUsage);
    }
    // "sixsteps help framework" reads like "sixsteps framework help".
    if (const ServiceCommands* service = FindService(args.Positional(1))) {
      out << service->help();
    } else {
      out << TopLevelHelp();
    }
    return absl::OkStatus();
  }
  const ServiceCommands* service = FindService(word);
  if (service == nullptr) {
    return UsageError(absl::StrCat("unknown service '", word, "' (see 'sixsteps help')"),
                      kTopUsage);
  }
  CommandContext context{.output = options.output, .call = options.call, .out = &out};
  return service->run(args.WithoutLeadingPositionals(1),
                      channels(options.endpoints.Address(service->service)), context);
}

}  // namespace

ChannelFactory InsecureChannelFactory() {
  return [](const std::string& address) -> std::shared_ptr<grpc::ChannelInterface> {
    return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  };
}

const std::vector<ServiceCommands>& AllServiceCommands() {
  static const auto* const kServices = new std::vector<ServiceCommands>{
      FrameworkServiceCommands(),
  };
  return *kServices;
}

std::string TopLevelHelp() {
  std::string help = absl::StrCat("usage: ", kTopUsage, "\n\nServices:\n");
  for (const ServiceCommands& service : AllServiceCommands()) {
    absl::StrAppend(&help, "  ", service.service, "  ", service.summary, "\n");
  }
  absl::StrAppend(&help,
                  "\nRun 'sixsteps SERVICE help' for a service's commands.\n\n"
                  "Global options (anywhere on the line):\n");
  for (const ServiceEndpoint& endpoint : kServiceEndpoints) {
    absl::StrAppend(&help, "  --", endpoint.service, "_address HOST:PORT  default $",
                    AddressVariable(endpoint.service), ", else ", endpoint.default_address, "\n");
  }
  absl::StrAppend(
      &help,
      "  --output text|json  text for people (default), JSON for scripts\n"
      "  --timeout SECONDS   deadline of each call (default 10)\n"
      "If $",
      kTokenVariable, " is set, every call carries 'authorization: Bearer $", kTokenVariable,
      "'.\n\n",
      "Exit status: 0 on success; the gRPC status code (1-16) of a failed call, reported as\n"
      "'error: CODE_NAME: message'; 64 for a usage error; 65 for a malformed input file, 66\n"
      "for an unreadable one, 73 for an output file that cannot be written.\n");
  return help;
}

int RunCli(const std::vector<std::string>& words, const Environment& env,
           const ChannelFactory& channels, std::ostream& out, std::ostream& err) {
  absl::Status status = WithUsage(Dispatch(words, env, channels, out), kTopUsage);
  out.flush();
  ReportError(status, err);
  return ExitCodeOf(status);
}

int Main(int argc, char** argv) {
  std::vector<std::string> words(argv + (argc > 0 ? 1 : 0), argv + argc);
  return RunCli(words, ProcessEnvironment(), InsecureChannelFactory(), std::cout, std::cerr);
}

}  // namespace sixsteps::cli
