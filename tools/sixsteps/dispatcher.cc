#include "tools/sixsteps/dispatcher.h"

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <sstream>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include "absl/strings/str_cat.h"
#include "tools/sixsteps/action_commands.h"
#include "tools/sixsteps/assessment_commands.h"
#include "tools/sixsteps/cli_status.h"
#include "tools/sixsteps/credentials.h"
#include "tools/sixsteps/evidence_file_commands.h"
#include "tools/sixsteps/framework_commands.h"
#include "tools/sixsteps/identity_commands.h"
#include "tools/sixsteps/notification_commands.h"
#include "tools/sixsteps/programme_commands.h"
#include "tools/sixsteps/report_commands.h"
#include "tools/sixsteps/retention_commands.h"
#include "tools/sixsteps/scrutiny_report_commands.h"
#include "tools/sixsteps/session.h"
#include "tools/sixsteps/voice_commands.h"

namespace sixsteps::cli {
namespace {

constexpr absl::string_view kTopUsage = "sixsteps [GLOBAL OPTIONS] SERVICE COMMAND [ARGS...]";

const ServiceCommands* FindService(absl::string_view word) {
  for (const ServiceCommands& service : AllServiceCommands()) {
    if (service.service == word) return &service;
  }
  return nullptr;
}

struct Io {
  std::ostream& out;
  std::ostream& err;
  std::istream& in;
  bool in_is_terminal;
  bool out_is_terminal;
};

absl::Status Dispatch(const std::vector<std::string>& words, const Environment& env,
                      const ChannelFactory& channels, const Io& io, Session& session) {
  SIXSTEPS_ASSIGN_OR_RETURN(ParsedArgs args, ParseArgs(words));
  SIXSTEPS_ASSIGN_OR_RETURN(GlobalOptions options, ExtractGlobalOptions(args, env));
  absl::string_view word = args.Positional(0);
  if (word.empty() || word == "help") {
    if (word.empty() && !args.Has("help")) {
      return UsageError("missing service (see 'sixsteps help')", kTopUsage);
    }
    // "sixsteps help framework" reads like "sixsteps framework help".
    if (const ServiceCommands* service = FindService(args.Positional(1))) {
      io.out << service->help();
    } else {
      io.out << TopLevelHelp();
    }
    return absl::OkStatus();
  }
  const ServiceCommands* service = FindService(word);
  if (service == nullptr) {
    return UsageError(absl::StrCat("unknown service '", word, "' (see 'sixsteps help')"),
                      kTopUsage);
  }

  // The stored sign-in: read unless $SIXSTEPS_TOKEN says who the caller is.
  session.token_from_environment = !options.call.bearer_token.empty();
  session.credentials_path = CredentialsPath(env);
  if (!session.token_from_environment || !service->authenticate) {
    absl::StatusOr<std::optional<Credentials>> loaded = LoadCredentials(session.credentials_path);
    if (loaded.ok()) {
      session.stored = *std::move(loaded);
    } else if (service->authenticate) {
      return loaded.status();  // login and logout start afresh over a broken file
    }
  }
  // Where the identity service is: flag, else environment, else where the stored sign-in
  // came from, else the default.
  if (!options.endpoints.IsExplicit("identity") && session.stored &&
      !session.stored->identity_address.empty()) {
    options.endpoints.SetAddress("identity", session.stored->identity_address);
  }
  session.identity_address = options.endpoints.Address("identity");
  std::shared_ptr<grpc::ChannelInterface> identity_channel;
  session.identity_channel = [&]() {
    if (!identity_channel) identity_channel = channels(session.identity_address);
    return identity_channel;
  };
  if (service->authenticate && !session.token_from_environment) {
    options.call.bearer_token = CurrentAccessToken(session, env, options.call);
    // A token refused UNAUTHENTICATED (revoked when a role binding or the password changed)
    // is renewed once from the stored sign-in, and the refused call made again.
    options.call.renewal = std::make_shared<TokenRenewal>();
    options.call.renewal->renew = [&session, &env, timeout = options.call.timeout] {
      CallSettings sign_in;
      sign_in.timeout = timeout;
      return RenewAccessToken(session, env, sign_in);
    };
  }

  CommandContext context{.output = options.output,
                         .call = options.call,
                         .out = &io.out,
                         .err = &io.err,
                         .env = &env,
                         .in = &io.in,
                         .in_is_terminal = io.in_is_terminal,
                         .out_is_terminal = io.out_is_terminal,
                         .channel_for = nullptr,
                         .session = &session};
  context.channel_for = [&](absl::string_view other) -> std::shared_ptr<grpc::ChannelInterface> {
    if (other == "identity") return session.identity_channel();
    return channels(options.endpoints.Address(other));
  };
  absl::string_view endpoint = service->endpoint.empty() ? service->service : service->endpoint;
  std::shared_ptr<grpc::ChannelInterface> channel =
      endpoint == "identity" ? session.identity_channel()
                             : channels(options.endpoints.Address(endpoint));
  return service->run(args.WithoutLeadingPositionals(1), std::move(channel), context);
}

}  // namespace

ChannelFactory InsecureChannelFactory() {
  return [](const std::string& address) -> std::shared_ptr<grpc::ChannelInterface> {
    // The services' own message limits (services/common/config.h): requests of at most
    // 4 MiB, responses (a report export, a long list page) of at most 16 MiB.
    grpc::ChannelArguments arguments;
    arguments.SetMaxSendMessageSize(4 * 1024 * 1024);
    arguments.SetMaxReceiveMessageSize(16 * 1024 * 1024);
    return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), arguments);
  };
}

const std::vector<ServiceCommands>& AllServiceCommands() {
  static const auto* const kServices = [] {
    auto* services = new std::vector<ServiceCommands>{FrameworkServiceCommands()};
    for (ServiceCommands& identity : IdentityServiceCommands()) services->push_back(identity);
    services->push_back(AssessmentServiceCommands());
    services->push_back(ActionServiceCommands());
    for (ServiceCommands& voice : VoiceServiceCommands()) services->push_back(voice);
    services->push_back(ProgrammeServiceCommands());
    services->push_back(FilesServiceCommands());
    services->push_back(ReportServiceCommands());
    services->push_back(NotificationServiceCommands());
    services->push_back(ScrutinyReportServiceCommands());
    services->push_back(ConcernsServiceCommands());
    services->push_back(AnnualDraftServiceCommands());
    // Evidence and voice reports (H5).
    services->push_back(RegisterServiceCommands());
    // retention (H6): "retention" and "legal-hold".
    for (ServiceCommands& retention : RetentionServiceCommands()) services->push_back(retention);
    return services;
  }();
  return *kServices;
}

std::string TopLevelHelp() {
  std::string help = absl::StrCat("usage: ", kTopUsage, "\n\nServices and their commands:\n");
  size_t width = 0;
  for (const ServiceCommands& service : AllServiceCommands()) {
    width = std::max(width, service.service.size());
  }
  for (const ServiceCommands& service : AllServiceCommands()) {
    absl::StrAppend(&help, "  ", service.service,
                    std::string(width - service.service.size() + 2, ' '), service.summary, "\n");
  }
  absl::StrAppend(&help,
                  "\nRun 'sixsteps WORD help' for the commands of each.\n\n"
                  "Global options (anywhere on the line):\n");
  for (const ServiceEndpoint& endpoint : kServiceEndpoints) {
    absl::StrAppend(&help, "  --", endpoint.service, "_address HOST:PORT  default $",
                    AddressVariable(endpoint.service), ", else ", endpoint.default_address, "\n");
  }
  absl::StrAppend(
      &help,
      "  --output text|json  text for people (default), JSON for scripts\n"
      "  --timeout SECONDS   deadline of each call (default 10)\n"
      "\nSigning in: 'sixsteps login --email EMAIL' (or --api-key-file FILE for a service\n"
      "account) keeps the tokens in $XDG_CONFIG_HOME/sixsteps/credentials.json (default\n"
      "~/.config/sixsteps/credentials.json, mode 0600). Every call then carries the access\n"
      "token, renewed automatically shortly before it expires. If $",
      kTokenVariable, " is set, every\ncall carries 'authorization: Bearer $", kTokenVariable,
      "' instead.\n\n",
      "Exit status: 0 on success; the gRPC status code (1-16) of a failed call, reported as\n"
      "'error: CODE_NAME: message'; 64 for a usage error; 65 for a malformed input file, 66\n"
      "for an unreadable one, 73 for an output file that cannot be written.\n");
  return help;
}

int RunCli(const std::vector<std::string>& words, const Environment& env,
           const ChannelFactory& channels, std::ostream& out, std::ostream& err) {
  std::istringstream no_input;
  return RunCli(words, env, channels, out, err, no_input, /*in_is_terminal=*/false);
}

int RunCli(const std::vector<std::string>& words, const Environment& env,
           const ChannelFactory& channels, std::ostream& out, std::ostream& err, std::istream& in,
           bool in_is_terminal, bool out_is_terminal) {
  Session session;
  absl::Status status =
      Dispatch(words, env, channels, Io{out, err, in, in_is_terminal, out_is_terminal}, session);
  status = WithSignInHint(WithUsage(std::move(status), kTopUsage), session);
  out.flush();
  ReportError(status, err);
  return ExitCodeOf(status);
}

int Main(int argc, char** argv) {
  std::vector<std::string> words(argv + (argc > 0 ? 1 : 0), argv + argc);
  return RunCli(words, ProcessEnvironment(), InsecureChannelFactory(), std::cout, std::cerr,
                std::cin, ::isatty(STDIN_FILENO) == 1, ::isatty(STDOUT_FILENO) == 1);
}

}  // namespace sixsteps::cli
