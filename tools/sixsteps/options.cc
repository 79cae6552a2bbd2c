#include "tools/sixsteps/options.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "tools/sixsteps/arg_spec.h"
#include "tools/sixsteps/cli_status.h"

namespace sixsteps::cli {
namespace {

// The last value of a global flag wins, as with most CLIs, so an alias or a script can
// put defaults first and a caller can override them.
absl::StatusOr<std::optional<std::string>> ExtractLast(ParsedArgs& args, absl::string_view flag) {
  std::vector<std::string> values = args.Extract(flag);
  if (values.empty()) return std::optional<std::string>();
  if (values.back().empty()) return UsageError(absl::StrCat("--", flag, " must not be empty"));
  return std::optional<std::string>(values.back());
}

}  // namespace

std::string Endpoints::Address(absl::string_view service) const {
  auto it = addresses_.find(service);
  return it == addresses_.end() ? std::string() : it->second;
}

void Endpoints::SetAddress(absl::string_view service, std::string address) {
  addresses_[service] = std::move(address);
}

bool Endpoints::IsExplicit(absl::string_view service) const {
  auto it = explicit_.find(service);
  return it != explicit_.end() && it->second;
}

void Endpoints::MarkExplicit(absl::string_view service) { explicit_[service] = true; }

Environment ProcessEnvironment() {
  return [](absl::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::string AddressVariable(absl::string_view service) {
  return absl::StrCat("SIXSTEPS_", absl::AsciiStrToUpper(service), "_ADDRESS");
}

CallSettings CallSettings::WithoutToken() const {
  CallSettings settings;
  settings.timeout = timeout;
  return settings;
}

void CallSettings::Apply(grpc::ClientContext& context) const {
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  if (!token().empty()) context.AddMetadata("authorization", absl::StrCat("Bearer ", token()));
}

const std::string& CallSettings::token() const {
  return renewal != nullptr && !renewal->token.empty() ? renewal->token : bearer_token;
}

bool CallSettings::RenewAfter(const grpc::Status& status) const {
  if (status.error_code() != grpc::StatusCode::UNAUTHENTICATED || renewal == nullptr ||
      renewal->tried || !renewal->renew) {
    return false;
  }
  renewal->tried = true;
  std::string renewed = renewal->renew();
  if (renewed.empty()) return false;
  renewal->token = std::move(renewed);
  return true;
}

absl::StatusOr<GlobalOptions> ExtractGlobalOptions(ParsedArgs& args, const Environment& env) {
  GlobalOptions options;
  for (const ServiceEndpoint& endpoint : kServiceEndpoints) {
    SIXSTEPS_ASSIGN_OR_RETURN(std::optional<std::string> flag,
                              ExtractLast(args, absl::StrCat(endpoint.service, "_address")));
    std::optional<std::string> from_env = env(AddressVariable(endpoint.service));
    if (flag) {
      options.endpoints.SetAddress(endpoint.service, *flag);
      options.endpoints.MarkExplicit(endpoint.service);
    } else if (from_env && !from_env->empty()) {
      options.endpoints.SetAddress(endpoint.service, *from_env);
      options.endpoints.MarkExplicit(endpoint.service);
    } else {
      options.endpoints.SetAddress(endpoint.service, std::string(endpoint.default_address));
    }
  }

  // --output and --timeout, checked as every command's flags are (arg_spec.h).
  std::vector<std::pair<std::string, std::string>> given;
  for (absl::string_view flag : {"output", "timeout"}) {
    SIXSTEPS_ASSIGN_OR_RETURN(std::optional<std::string> value, ExtractLast(args, flag));
    if (value) given.emplace_back(flag, *value);
  }
  static const auto* const kSpec = new ArgSpec{
      .flags = {arg::Choice("output", {"text", "json"}),
                arg::Duration("timeout", absl::Hours(24), /*bare_unit=*/absl::Seconds(1))}};
  SIXSTEPS_ASSIGN_OR_RETURN(CheckedArgs checked, CheckArgs(*kSpec, ParsedArgs({}, given)));
  if (checked.Text("output") == "json") options.output = OutputFormat::kJson;
  if (std::optional<absl::Duration> timeout = checked.Duration("timeout")) {
    options.call.timeout = *timeout;
  }

  if (std::optional<std::string> token = env(kTokenVariable)) {
    // A token read from a file with $(cat ...) often keeps its newline.
    options.call.bearer_token = std::string(absl::StripAsciiWhitespace(*token));
  }
  return options;
}

}  // namespace sixsteps::cli
