// The notification service's email against a real SMTP server on loopback (aiosmtpd,
// tests/support/smtp_server.py): STARTTLS and AUTH required, a multipart message of text
// and HTML, a permanent refusal marked failed, a passing one retried, a wrong password and
// an unverified certificate refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/notification/pg_store.h"
#include "services/notification/smtp.h"
#include "tests/support/local_certificate.h"
#include "tests/support/paths.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/read_file.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::notification {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

using ::sixsteps::testing::MakeLocalCertificate;
using ::sixsteps::testing::ReadFile;

class NotificationSmtpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / absl::StrCat("notification-smtp-", ::getpid());
    fs::create_directories(dir_ / "mail");
    ASSERT_TRUE(MakeLocalCertificate(dir_));
    server_ = ::fork();
    ASSERT_GE(server_, 0);
    if (server_ == 0) {
      const std::string script =
          ::sixsteps::testing::SourceDir().string() + "/tests/support/smtp_server.py";
      const std::string port_file = (dir_ / "port").string(), cert = (dir_ / "cert.pem").string(),
                        key = (dir_ / "key.pem").string(), out = (dir_ / "mail").string();
      // Debian's interpreter, which python3-aiosmtpd installs into (not a pyenv on PATH).
      ::execl("/usr/bin/python3", "python3", script.c_str(), port_file.c_str(), cert.c_str(),
              key.c_str(), "hub", "smtp secret", out.c_str(), nullptr);
      ::_exit(127);
    }
    for (int i = 0; i < 300 && !fs::exists(dir_ / "port"); ++i)
      absl::SleepFor(absl::Milliseconds(50));
    ASSERT_TRUE(fs::exists(dir_ / "port")) << "the SMTP server did not start";
    port_ = ReadFile(dir_ / "port");
    absl::StatusOr<std::string> url = sixsteps::testing::SharedPgCluster().CreateDatabase("smtp");
    ASSERT_THAT(url, IsOk());
    ASSERT_THAT(db::ApplyMigrations(*url, NotificationMigrations()), IsOk());
    pool_ = new db::ConnectionPool(*url, 2);
    store_ = new PgNotificationStore(pool_);
  }
  static void TearDownTestSuite() {
    if (server_ > 0) {
      ::kill(server_, SIGTERM);
      ::waitpid(server_, nullptr, 0);
    }
    delete store_;
    delete pool_;
    fs::remove_all(dir_);
  }

  static SmtpSettings Settings() {
    SmtpSettings s;
    s.url = absl::StrCat("smtp://127.0.0.1:", port_);
    s.username = "hub";
    s.password = "smtp secret";
    s.from = "hub@hub.test";
    s.ca_file = (dir_ / "cert.pem").string();
    s.timeout = absl::Seconds(20);
    return s;
  }

  static NewDelivery Pending(const std::string& key, const std::string& to) {
    NewDelivery d;
    d.notice.rule = "action_overdue";
    d.notice.partnership_id = "p";
    d.notice.region_id = "r";
    d.notice.about = absl::StrCat("actions/", key);
    d.notice.recipient = {absl::StrCat("users/", key), to, "Jo"};
    d.composed = {"Überfällig: an action <is> overdue", "Dear Jo,\nThe action is overdue.\n",
                  "<p>Dear Jo,</p><p>The action is <b>overdue</b>.</p>"};
    d.state = nv1::OutboxMessage::STATE_PENDING;
    return d;
  }

  static std::vector<std::string> Mail() {
    std::vector<std::string> mail;
    for (int i = 1; fs::exists(dir_ / "mail" / absl::StrCat(i, ".eml")); ++i) {
      mail.push_back(ReadFile(dir_ / "mail" / absl::StrCat(i, ".eml")));
    }
    return mail;
  }

  static nv1::OutboxMessage Stored(const std::string& key) {
    DeliveryVisibility all;
    all.everything = true;
    absl::StatusOr<std::vector<nv1::OutboxMessage>> list = store_->ListDeliveries(all, "", 0, 100);
    EXPECT_THAT(list, IsOk());
    for (const auto& m : *list) {
      if (m.about() == absl::StrCat("actions/", key)) return m;
    }
    ADD_FAILURE() << "no delivery " << key;
    return {};
  }

  static fs::path dir_;
  static pid_t server_;
  static std::string port_;
  static db::ConnectionPool* pool_;
  static PgNotificationStore* store_;
};

fs::path NotificationSmtpTest::dir_;
pid_t NotificationSmtpTest::server_ = -1;
std::string NotificationSmtpTest::port_;
db::ConnectionPool* NotificationSmtpTest::pool_ = nullptr;
PgNotificationStore* NotificationSmtpTest::store_ = nullptr;

TEST_F(NotificationSmtpTest, SendsOverStartTlsWithAuthAndMarksEachDelivery) {
  ASSERT_THAT(store_->InsertDeliveries({Pending("ok", "jo@example.org"),
                                        Pending("gone", "reject@example.org"),
                                        Pending("busy", "later@example.org")}),
              IsOk());
  SmtpSender sender(store_, Settings(), {absl::Seconds(1), absl::Hours(1), 3});
  absl::StatusOr<int> sent = sender.SendDue();
  ASSERT_THAT(sent, IsOk());
  EXPECT_EQ(*sent, 1);
  std::vector<std::string> mail = Mail();
  ASSERT_EQ(mail.size(), 1u);
  const std::string& m = mail[0];
  EXPECT_THAT(m, HasSubstr("X-Envelope-To: jo@example.org"));
  EXPECT_THAT(m, HasSubstr("X-Envelope-From: hub@hub.test"));
  EXPECT_THAT(
      m, HasSubstr(absl::StrCat("Subject: =?UTF-8?B?",
                                absl::Base64Escape("Überfällig: an action <is> overdue"), "?=")));
  EXPECT_THAT(m, HasSubstr("Content-Type: multipart/alternative"));
  EXPECT_THAT(m, HasSubstr("Content-Type: text/plain; charset=utf-8"));
  EXPECT_THAT(m, HasSubstr("Content-Type: text/html; charset=utf-8"));
  EXPECT_THAT(m, HasSubstr(absl::Base64Escape("Dear Jo,\nThe action is overdue.\n")));

  EXPECT_EQ(Stored("ok").state(), nv1::OutboxMessage::STATE_SENT);
  EXPECT_TRUE(Stored("ok").has_send_time());
  nv1::OutboxMessage gone = Stored("gone");
  EXPECT_EQ(gone.state(), nv1::OutboxMessage::STATE_FAILED);
  EXPECT_THAT(gone.last_error(), HasSubstr("550"));
  nv1::OutboxMessage busy = Stored("busy");
  EXPECT_EQ(busy.state(), nv1::OutboxMessage::STATE_PENDING);  // tried again in an hour
  EXPECT_EQ(busy.attempts(), 1);
  // Nothing is due again now: the sent one is not sent twice, the busy one waits.
  ASSERT_THAT(sender.SendDue(), IsOk());
  EXPECT_EQ(Mail().size(), 1u);
  EXPECT_EQ(Stored("ok").attempts(), 1);
}

TEST_F(NotificationSmtpTest, AWrongPasswordOrAnUntrustedCertificateIsRefused) {
  const std::string message = "Subject: x\r\n\r\nbody\r\n";
  SmtpSettings wrong = Settings();
  wrong.password = "not the secret";
  EXPECT_THAT(SendMail(wrong, "jo@example.org", message),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  SmtpSettings untrusted = Settings();
  untrusted.ca_file = "";
  EXPECT_THAT(SendMail(untrusted, "jo@example.org", message),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(SendMail(Settings(), "jo@example.org\r\nRCPT TO:<x@y.z>", message),
              StatusIs(absl::StatusCode::kInvalidArgument, "recipient_email"));
}

TEST(NotificationSmtpSettingsTest, BadSettingsAreRefusedNamingThem) {
  SmtpSettings s;
  s.url = "http://mail.example.org";
  s.from = "hub@example.org";
  EXPECT_THAT(ValidateSmtpSettings(s), StatusIs(absl::StatusCode::kInvalidArgument, "smtp_url"));
  s.url = "smtp://mail.example.org:587";
  s.from = "not an address";
  EXPECT_THAT(ValidateSmtpSettings(s), StatusIs(absl::StatusCode::kInvalidArgument, "smtp_from"));
  s.from = "hub@example.org";
  s.username = "hub";
  EXPECT_THAT(ValidateSmtpSettings(s),
              StatusIs(absl::StatusCode::kInvalidArgument, "smtp_password"));
  s.password = "x";
  EXPECT_THAT(ValidateSmtpSettings(s), IsOk());
  EXPECT_FALSE(IsValidEmailAddress("a@b"));
  EXPECT_FALSE(IsValidEmailAddress("a b@c.org"));
  EXPECT_FALSE(IsValidEmailAddress("a@b.org>"));
  EXPECT_TRUE(IsValidEmailAddress("jo.smith+x@council.gov.uk"));
}

}  // namespace
}  // namespace sixsteps::notification
