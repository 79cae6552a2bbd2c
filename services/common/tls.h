// Transport security for servers and for the channels between services. One certificate,
// key and CA per process: it serves with its certificate, requires clients to present one
// signed by the CA (mutual TLS), and verifies the servers it calls against the same CA.
// Without TLS, a server listens only on loopback unless plaintext is explicitly allowed.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sixsteps {

struct TlsSettings {
  // --tls_cert / SIXSTEPS_TLS_CERT: this process's certificate chain (PEM file).
  std::string cert_file;
  // --tls_key / SIXSTEPS_TLS_KEY: its private key (PEM file).
  std::string key_file;
  // --tls_ca / SIXSTEPS_TLS_CA: the CA that signs every service's certificate (PEM file).
  std::string ca_file;
  // --allow_plaintext / SIXSTEPS_ALLOW_PLAINTEXT: serve without TLS on a non-loopback
  // address (for a private container network behind a TLS-terminating proxy).
  bool allow_plaintext = false;

  bool enabled() const { return !cert_file.empty() || !key_file.empty() || !ca_file.empty(); }
};

// True for 127.0.0.0/8, ::1, localhost and unix sockets.
bool IsLoopbackAddress(absl::string_view address);

// Credentials to serve `address` with. INVALID_ARGUMENT for a half-configured TLS (a
// certificate without its key), an unreadable file, or plaintext on a non-loopback
// address without allow_plaintext.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFor(
    const TlsSettings& tls, absl::string_view address);

// Credentials to call another service with: TLS verified against the CA (presenting this
// process's certificate if it has one), or plaintext when TLS is not configured.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFor(
    const TlsSettings& tls);

}  // namespace sixsteps
