// Options every command shares: where each service listens, the output format, the
// deadline of each call and the caller's bearer token.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <grpcpp/client_context.h>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "tools/sixsteps/args.h"

namespace sixsteps::cli {

// A service the CLI talks to and where it listens unless told otherwise. Its address comes
// from --<service>_address, else $SIXSTEPS_<SERVICE>_ADDRESS, else this default.
struct ServiceEndpoint {
  absl::string_view service;
  absl::string_view default_address;
};

// One line per service.
inline constexpr ServiceEndpoint kServiceEndpoints[] = {
    {"framework", "127.0.0.1:50051"},
    {"identity", "127.0.0.1:50052"},
    // Also serves the ActionService.
    {"assessment", "127.0.0.1:50053"},
    {"reporting", "127.0.0.1:50054"},
    {"notification", "127.0.0.1:50055"},
};

// The resolved address of each service in kServiceEndpoints.
class Endpoints {
 public:
  // The address of `service`; "" for a service not in kServiceEndpoints.
  std::string Address(absl::string_view service) const;
  void SetAddress(absl::string_view service, std::string address);
  // True when the address came from a flag or the environment (not the default).
  bool IsExplicit(absl::string_view service) const;
  void MarkExplicit(absl::string_view service);

 private:
  absl::flat_hash_map<std::string, std::string> addresses_;
  absl::flat_hash_map<std::string, bool> explicit_;
};

// Reads an environment variable; nullopt if unset. Tests pass a map instead of the process
// environment.
using Environment = std::function<std::optional<std::string>(absl::string_view name)>;
Environment ProcessEnvironment();

enum class OutputFormat { kText, kJson };

// The name of the environment variables the CLI reads.
std::string AddressVariable(absl::string_view service);  // SIXSTEPS_<SERVICE>_ADDRESS
inline constexpr absl::string_view kTokenVariable = "SIXSTEPS_TOKEN";

// How each RPC is made: its deadline and, if the caller has one, its bearer token.
// Renews the caller's access token, at most once a run, after a call was refused
// UNAUTHENTICATED: identity revokes a principal's tokens when a role binding of theirs is
// deleted or their password changes, and a stored sign-in (refresh token, API key file)
// recovers from that without a new login. Shared by every copy of the CallSettings.
struct TokenRenewal {
  // A new access token, or "" if there is no way to get one (Session::note then says why).
  std::function<std::string()> renew;
  bool tried = false;
  // The renewed token, once there is one: sent instead of CallSettings::bearer_token.
  std::string token;
};

struct CallSettings {
  absl::Duration timeout = absl::Seconds(10);
  // Sent as "authorization: Bearer <token>" when not empty.
  std::string bearer_token;
  // Set by the dispatcher for a stored sign-in; null for $SIXSTEPS_TOKEN and sign-in calls.
  std::shared_ptr<TokenRenewal> renewal;

  // The same deadline without a token or renewal: for the sign-in calls themselves.
  CallSettings WithoutToken() const;
  // Sets the deadline and metadata of a fresh context (one per call).
  void Apply(grpc::ClientContext& context) const;
  // The token calls carry now: the renewed one if there is one, else bearer_token.
  const std::string& token() const;
  // After a call answered `status`: true if it was refused UNAUTHENTICATED and the token has
  // just been renewed, so the call should be made once more. False after the first renewal.
  bool RenewAfter(const grpc::Status& status) const;
};

// Makes one unary call (`attempt` on a fresh context, Apply'd) and, if it is refused
// UNAUTHENTICATED and the token can be renewed, makes it once more with the new token. Safe
// for writes: a refused call was turned away at authentication and changed nothing.
template <typename Attempt>
grpc::Status CallWithRenewal(const CallSettings& call, const Attempt& attempt) {
  grpc::Status status;
  {
    grpc::ClientContext context;
    call.Apply(context);
    status = attempt(context);
  }
  if (!call.RenewAfter(status)) return status;
  grpc::ClientContext context;
  call.Apply(context);
  return attempt(context);
}

struct GlobalOptions {
  Endpoints endpoints;
  OutputFormat output = OutputFormat::kText;
  CallSettings call;
};

// Usage line fragment for the global options, for help texts.
inline constexpr absl::string_view kGlobalOptionsUsage =
    "[--framework_address HOST:PORT] [--identity_address HOST:PORT] "
    "[--assessment_address HOST:PORT] [--reporting_address HOST:PORT] "
    "[--notification_address HOST:PORT] [--output text|json] "
    "[--timeout SECONDS]";

// Removes the global options from `args` (they may appear anywhere on the line) and
// resolves them: flag, else environment, else default. A usage error for a bad value.
absl::StatusOr<GlobalOptions> ExtractGlobalOptions(ParsedArgs& args, const Environment& env);

}  // namespace sixsteps::cli
