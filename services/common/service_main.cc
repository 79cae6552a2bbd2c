#include "services/common/service_main.h"

#include <fstream>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/base/status_macros.h"
#include "services/common/log.h"
#include "services/common/server.h"
#include "services/common/setup_commands.h"

namespace sixsteps {

absl::Status ServiceStart::Migrate() const {
  return db::ApplyMigrations(config_.database_url, program_.migrations);
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> ServiceStart::MigrateAndDialIdentity() const {
  SIXSTEPS_RETURN_IF_ERROR(Migrate());
  return DialService(config_.identity_address, config_);
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> ServiceStart::Dial(
    const TextSetting& address) const {
  return DialService(address.Get(), config_);
}

int ServiceMain(int argc, char** argv, const ServiceProgram& program,
                absl::FunctionRef<absl::StatusOr<int>(const ServiceStart&)> run) {
  BlockTerminationSignals();
  SetLogServiceName(program.service);
  absl::StatusOr<ServerConfig> config =
      LoadServerConfig(argc, argv, {program.service, program.listen_address});
  if (!config.ok()) return StartupFailed(program.program, config.status());
  if (std::optional<int> exit_code = setup::RunSharedSetupCommand(program.program, program.service,
                                                                  *config, program.migrations)) {
    return *exit_code;
  }
  absl::StatusOr<int> exit_code = run(ServiceStart(program, *config));
  if (!exit_code.ok()) return StartupFailed(program.program, exit_code.status());
  return *exit_code;
}

absl::StatusOr<absl::TimeZone> HubTimeZone(const TextSetting& time_zone) {
  absl::TimeZone zone;
  const std::string name = time_zone.Get();
  if (!absl::LoadTimeZone(name, &zone)) {
    return absl::InvalidArgumentError(absl::StrCat("time_zone: unknown time zone ", name));
  }
  return zone;
}

absl::StatusOr<std::string> ServiceAccountKey(const char* key_env, const TextSetting& key_file,
                                              absl::string_view missing) {
  std::string key = FlagOrEnv("", {key_env}, "");
  const std::string file = key_file.Get();
  if (key.empty() && !file.empty()) {
    std::ifstream in(file);
    std::getline(in, key);
  }
  key = std::string(absl::StripAsciiWhitespace(key));
  if (key.empty()) return absl::InvalidArgumentError(missing);
  return key;
}

}  // namespace sixsteps
