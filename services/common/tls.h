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
  // --allow_plaintext_http / SIXSTEPS_ALLOW_PLAINTEXT_HTTP=true: serve the plain HTTP
  // listeners (metrics, the reporting HTTP endpoint), which have no TLS of their own, on a
  // non-loopback address: only where a TLS-terminating proxy or a network policy fronts
  // them.
  bool allow_plaintext_http = false;

  bool enabled() const { return !cert_file.empty() || !key_file.empty() || !ca_file.empty(); }
};

// True for a literal loopback IP (127.0.0.0/8 as numbers, ::1, ::ffff:127.x.y.z), the
// name "localhost", and unix sockets; `address` is "host:port", "[v6]:port" or a bare host.
// Any other name is not loopback, whatever it starts with ("127.evil.example" resolves
// wherever its owner likes).
bool IsLoopbackAddress(absl::string_view address);

// For a plain HTTP listener on `address` (the setting named `setting`): INVALID_ARGUMENT,
// one clear line, if the address is not loopback and allow_plaintext_http is not set.
absl::Status CheckPlaintextHttpListener(absl::string_view address, const TlsSettings& tls,
                                        absl::string_view setting);

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
