// A throwaway TLS certificate for a test's own server on 127.0.0.1 (the SMTP and webhook
// receivers the notification tests start), made by the openssl command-line tool.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"

namespace sixsteps::testing {

// Writes a self-signed certificate for 127.0.0.1 and localhost, valid for a day, to
// `dir`/cert.pem and its key to `dir`/key.pem; whether openssl succeeded.
inline bool MakeLocalCertificate(const std::filesystem::path& dir) {
  const std::string command = absl::StrCat(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -addext "
      "subjectAltName=IP:127.0.0.1,DNS:localhost -keyout ",
      (dir / "key.pem").string(), " -out ", (dir / "cert.pem").string(), " 2>/dev/null");
  return std::system(command.c_str()) == 0;
}

}  // namespace sixsteps::testing
