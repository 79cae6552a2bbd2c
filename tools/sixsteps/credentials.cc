#include "tools/sixsteps/credentials.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "tools/sixsteps/cli_status.h"

namespace sixsteps::cli {
namespace {

std::string TimeText(absl::Time time) {
  return absl::FormatTime(absl::RFC3339_full, time, absl::UTCTimeZone());
}

absl::StatusOr<absl::Time> ParseTime(const nlohmann::json& object, const char* field) {
  if (!object.contains(field)) return absl::InfinitePast();
  if (!object[field].is_string()) {
    return absl::InvalidArgumentError(absl::StrCat(field, " must be a string"));
  }
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, object[field].get<std::string>(), &time, &error)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", error));
  }
  return time;
}

absl::StatusOr<std::string> ParseString(const nlohmann::json& object, const char* field) {
  if (!object.contains(field)) return std::string();
  if (!object[field].is_string()) {
    return absl::InvalidArgumentError(absl::StrCat(field, " must be a string"));
  }
  return object[field].get<std::string>();
}

absl::Status CannotWrite(const std::string& what, int error) {
  return LocalError(kExitCannotCreate,
                    absl::StrCat("cannot write ", what, ": ", std::strerror(error)));
}

// Creates `dir` (and its parents) and makes sure `dir` itself is 0700.
absl::Status MakePrivateDirectory(const std::filesystem::path& dir) {
  std::error_code error;
  if (!dir.parent_path().empty()) std::filesystem::create_directories(dir.parent_path(), error);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return CannotWrite(dir.string(), errno);
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0) return CannotWrite(dir.string(), errno);
  if (!S_ISDIR(info.st_mode)) return CannotWrite(dir.string(), ENOTDIR);
  if ((info.st_mode & 0777) != 0700 && ::chmod(dir.c_str(), 0700) != 0) {
    return CannotWrite(dir.string(), errno);
  }
  return absl::OkStatus();
}

}  // namespace

std::string CredentialsPath(const Environment& env) {
  std::optional<std::string> config = env("XDG_CONFIG_HOME");
  // The XDG spec ignores relative paths.
  if (config && !config->empty() && (*config)[0] == '/') {
    return absl::StrCat(*config, "/sixsteps/credentials.json");
  }
  std::optional<std::string> home = env("HOME");
  if (home && !home->empty()) return absl::StrCat(*home, "/.config/sixsteps/credentials.json");
  return "";
}

std::string CredentialsToJson(const Credentials& credentials) {
  nlohmann::ordered_json json = {
      {"identity_address", credentials.identity_address},
      {"principal", credentials.principal},
      {"access_token", credentials.access_token},
      {"access_token_expire_time", TimeText(credentials.access_token_expire_time)},
  };
  if (!credentials.refresh_token.empty()) {
    json["refresh_token"] = credentials.refresh_token;
    json["refresh_token_expire_time"] = TimeText(credentials.refresh_token_expire_time);
  }
  if (!credentials.api_key_file.empty()) json["api_key_file"] = credentials.api_key_file;
  return json.dump(2) + "\n";
}

absl::StatusOr<Credentials> CredentialsFromJson(const std::string& text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return absl::InvalidArgumentError("not a JSON object");
  }
  Credentials credentials;
  SIXSTEPS_ASSIGN_OR_RETURN(credentials.identity_address, ParseString(json, "identity_address"));
  SIXSTEPS_ASSIGN_OR_RETURN(credentials.principal, ParseString(json, "principal"));
  SIXSTEPS_ASSIGN_OR_RETURN(credentials.access_token, ParseString(json, "access_token"));
  SIXSTEPS_ASSIGN_OR_RETURN(credentials.access_token_expire_time,
                            ParseTime(json, "access_token_expire_time"));
  SIXSTEPS_ASSIGN_OR_RETURN(credentials.refresh_token, ParseString(json, "refresh_token"));
  SIXSTEPS_ASSIGN_OR_RETURN(credentials.refresh_token_expire_time,
                            ParseTime(json, "refresh_token_expire_time"));
  SIXSTEPS_ASSIGN_OR_RETURN(credentials.api_key_file, ParseString(json, "api_key_file"));
  return credentials;
}

absl::StatusOr<std::optional<Credentials>> LoadCredentials(const std::string& path) {
  if (path.empty()) return std::optional<Credentials>();
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::optional<Credentials>();
    return LocalError(kExitNoInput, absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return LocalError(kExitNoInput, absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  absl::StatusOr<Credentials> credentials = CredentialsFromJson(contents.str());
  if (!credentials.ok()) {
    return LocalError(kExitDataError,
                      absl::StrCat(path, " is malformed (", credentials.status().message(),
                                   "); delete it and sign in again with: sixsteps login"));
  }
  return std::optional<Credentials>(*std::move(credentials));
}

absl::Status SaveCredentials(const std::string& path, const Credentials& credentials) {
  if (path.empty()) {
    return LocalError(kExitCannotCreate,
                      "nowhere to keep the credentials: set XDG_CONFIG_HOME or HOME");
  }
  std::filesystem::path target(path);
  SIXSTEPS_RETURN_IF_ERROR(MakePrivateDirectory(target.parent_path()));
  std::string temp = absl::StrCat(path, ".tmp.XXXXXX");
  std::vector<char> temp_name(temp.begin(), temp.end());
  temp_name.push_back('\0');
  int fd = ::mkstemp(temp_name.data());  // created 0600
  if (fd < 0) return CannotWrite(path, errno);
  std::string json = CredentialsToJson(credentials);
  const char* data = json.data();
  size_t left = json.size();
  int error = 0;
  while (left > 0) {
    ssize_t written = ::write(fd, data, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      error = errno;
      break;
    }
    data += written;
    left -= static_cast<size_t>(written);
  }
  if (error == 0 && ::fchmod(fd, 0600) != 0) error = errno;
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && ::rename(temp_name.data(), path.c_str()) != 0) error = errno;
  if (error != 0) {
    ::unlink(temp_name.data());
    return CannotWrite(path, error);
  }
  return absl::OkStatus();
}

absl::Status RemoveCredentials(const std::string& path) {
  if (path.empty()) return absl::OkStatus();
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return LocalError(kExitCannotCreate,
                      absl::StrCat("cannot delete ", path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace sixsteps::cli
