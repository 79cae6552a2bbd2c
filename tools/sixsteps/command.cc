#include "tools/sixsteps/command.h"

#include "absl/strings/str_cat.h"
#include "tools/sixsteps/cli_status.h"
#include "tools/sixsteps/options.h"

namespace sixsteps::cli {

std::string DefaultWordUsage(absl::string_view word, bool single) {
  return absl::StrCat("sixsteps ", word, single ? " [ARGS...]" : " COMMAND [ARGS...]");
}

std::string WordHelpText(absl::string_view usage, absl::string_view about,
                         const std::vector<absl::string_view>& command_usages,
                         absl::string_view notes, absl::string_view endpoint) {
  std::string help = absl::StrCat("usage: ", usage, "\n\n");
  if (!about.empty()) absl::StrAppend(&help, about, "\n\n");
  absl::StrAppend(&help, "Commands:\n");
  for (absl::string_view line : command_usages) absl::StrAppend(&help, "  ", line, "\n");
  if (!notes.empty()) absl::StrAppend(&help, "\n", notes, "\n");
  for (const ServiceEndpoint& service : kServiceEndpoints) {
    if (service.service != endpoint) continue;
    absl::StrAppend(&help, "\nEvery command goes to the ", endpoint, " service (--", endpoint,
                    "_address, else $", AddressVariable(endpoint), ", else ",
                    service.default_address, ").");
  }
  absl::StrAppend(&help, "\nGlobal options: ", kGlobalOptionsUsage, "\n");
  return help;
}

absl::Status MissingCommand(absl::string_view word, absl::string_view noun,
                            absl::string_view usage) {
  return UsageError(absl::StrCat("missing ", noun, " (see 'sixsteps ", word, " help')"), usage);
}

absl::Status UnknownCommand(absl::string_view word, absl::string_view noun, absl::string_view name,
                            absl::string_view usage) {
  return UsageError(absl::StrCat("unknown ", noun == "command" ? absl::StrCat(word, " ") : "", noun,
                                 " '", name, "' (see 'sixsteps ", word, " help')"),
                    usage);
}

}  // namespace sixsteps::cli
