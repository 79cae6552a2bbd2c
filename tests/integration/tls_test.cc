// Transport security: plaintext only on loopback unless allowed, and mutual TLS between
// services with certificates made for the test by the openssl command.
#include "services/common/tls.h"

#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "services/common/server.h"
#include "tests/support/generic_call.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::testing {
namespace {

TEST(TlsSettingsTest, LoopbackAddresses) {
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1:50051"));
  EXPECT_TRUE(IsLoopbackAddress("localhost:1"));
  EXPECT_TRUE(IsLoopbackAddress("[::1]:50051"));
  EXPECT_TRUE(IsLoopbackAddress("unix:/tmp/s.sock"));
  EXPECT_FALSE(IsLoopbackAddress("0.0.0.0:50051"));
  EXPECT_FALSE(IsLoopbackAddress("10.1.2.3:50051"));
  EXPECT_FALSE(IsLoopbackAddress("[::]:50051"));
  // Issue #13, finding 19: only literal loopback IPs and "localhost" count; a name that
  // merely starts with 127. resolves wherever its owner likes.
  EXPECT_TRUE(IsLoopbackAddress("127.8.9.10:80"));
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackAddress("::1"));
  EXPECT_TRUE(IsLoopbackAddress("[::ffff:127.0.0.1]:80"));
  EXPECT_TRUE(IsLoopbackAddress("LOCALHOST:80"));
  EXPECT_FALSE(IsLoopbackAddress("127.evil.example:50051"));
  EXPECT_FALSE(IsLoopbackAddress("127.0.0.1.nip.io:50051"));
  EXPECT_FALSE(IsLoopbackAddress("127.1:50051"));
  EXPECT_FALSE(IsLoopbackAddress("localhost.evil.example:80"));
  EXPECT_FALSE(IsLoopbackAddress("[::ffff:10.0.0.1]:80"));
  EXPECT_FALSE(IsLoopbackAddress("128.0.0.1:80"));
}

TEST(TlsSettingsTest, NoPlaintextServerOnA127LookingHostName) {
  TlsSettings plain;
  EXPECT_THAT(ServerCredentialsFor(plain, "127.evil.example:50051"),
              StatusIs(absl::StatusCode::kInvalidArgument, "plaintext"));
}

// Issue #13, finding 19: the plain HTTP listeners (metrics, the reporting endpoint) refuse
// a non-loopback address unless a TLS-terminating proxy is declared in front.
TEST(TlsSettingsTest, PlainHttpListenersOnlyOnLoopbackUnlessAllowed) {
  TlsSettings tls;
  EXPECT_THAT(CheckPlaintextHttpListener("127.0.0.1:9090", tls, "metrics_listen"), IsOk());
  EXPECT_THAT(CheckPlaintextHttpListener("", tls, "metrics_listen"), IsOk());
  EXPECT_THAT(CheckPlaintextHttpListener("0.0.0.0:9090", tls, "metrics_listen"),
              StatusIs(absl::StatusCode::kInvalidArgument, "metrics_listen"));
  EXPECT_THAT(CheckPlaintextHttpListener("127.evil.example:8084", tls, "http_listen"),
              StatusIs(absl::StatusCode::kInvalidArgument, "SIXSTEPS_ALLOW_PLAINTEXT_HTTP"));
  // The gRPC opt-in is not the HTTP one.
  tls.allow_plaintext = true;
  EXPECT_THAT(CheckPlaintextHttpListener("0.0.0.0:8084", tls, "http_listen"),
              StatusIs(absl::StatusCode::kInvalidArgument, "http_listen"));
  tls.allow_plaintext_http = true;
  EXPECT_THAT(CheckPlaintextHttpListener("0.0.0.0:8084", tls, "http_listen"), IsOk());
}

TEST(TlsSettingsTest, PlaintextOnlyOnLoopbackUnlessAllowed) {
  TlsSettings plain;
  EXPECT_THAT(ServerCredentialsFor(plain, "127.0.0.1:0"), IsOk());
  EXPECT_THAT(ServerCredentialsFor(plain, "0.0.0.0:50051"),
              StatusIs(absl::StatusCode::kInvalidArgument, "plaintext"));
  plain.allow_plaintext = true;
  EXPECT_THAT(ServerCredentialsFor(plain, "0.0.0.0:50051"), IsOk());
  TlsSettings half;
  half.cert_file = "/nonexistent/cert.pem";
  EXPECT_THAT(ServerCredentialsFor(half, "0.0.0.0:1"),
              StatusIs(absl::StatusCode::kInvalidArgument, "tls_key"));
  half.key_file = "/nonexistent/key.pem";
  EXPECT_THAT(ServerCredentialsFor(half, "0.0.0.0:1"),
              StatusIs(absl::StatusCode::kInvalidArgument, "cannot read"));
}

// A CA, and a server and a client certificate it signs, for localhost.
class MutualTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sixsteps-tls-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    const std::string d = dir_;
    std::string script = absl::StrCat(
        "set -e; cd ", d, "; exec >openssl.log 2>&1;",
        "openssl req -x509 -newkey ed25519 -nodes -keyout ca.key -out ca.pem -days 1 -subj "
        "/CN=test-ca;",
        "for who in server client; do",
        "  openssl req -newkey ed25519 -nodes -keyout $who.key -out $who.csr -subj /CN=$who;",
        "  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > $who.ext;",
        "  openssl x509 -req -in $who.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1",
        "    -extfile $who.ext -out $who.pem;", "done;",
        "openssl req -x509 -newkey ed25519 -nodes -keyout other.key -out other.pem -days 1",
        "  -subj /CN=intruder");
    ASSERT_EQ(std::system(script.c_str()), 0) << "openssl failed; see " << d << "/openssl.log";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  TlsSettings Settings(const std::string& who) const {
    return {dir_ + "/" + who + ".pem", dir_ + "/" + who + ".key", dir_ + "/ca.pem", false};
  }

  bool Serving(const std::string& target, const TlsSettings& client) {
    auto credentials = ChannelCredentialsFor(client);
    EXPECT_THAT(credentials, IsOk());
    bool serving = false;
    HealthCheck(grpc::CreateChannel(target, *credentials), &serving);
    return serving;
  }

  std::string dir_;
};

TEST_F(MutualTlsTest, OnlyClientsWithACertificateFromTheCaGetIn) {
  auto credentials = ServerCredentialsFor(Settings("server"), "0.0.0.0:0");
  ASSERT_THAT(credentials, IsOk());
  auto server = RunningServer::Start("127.0.0.1:0", {}, *credentials);
  ASSERT_THAT(server, IsOk());
  const std::string target = absl::StrCat("localhost:", (*server)->port());

  EXPECT_TRUE(Serving(target, Settings("client"))) << "mutual TLS with the CA's certificates";

  TlsSettings no_certificate;
  no_certificate.ca_file = dir_ + "/ca.pem";
  EXPECT_FALSE(Serving(target, no_certificate)) << "a client without a certificate";

  TlsSettings self_signed{dir_ + "/other.pem", dir_ + "/other.key", dir_ + "/ca.pem", false};
  EXPECT_FALSE(Serving(target, self_signed)) << "a certificate the CA did not sign";

  EXPECT_FALSE(Serving(target, TlsSettings())) << "plaintext";
}

}  // namespace
}  // namespace sixsteps::testing
