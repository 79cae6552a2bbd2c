// Exactly-once email across a SIGKILL of the notification service mid-batch: the service runs
// as a child process (the real sixsteps-notification binary) following a real hub, sending
// to a real SMTP server (aiosmtpd, STARTTLS and AUTH) slowed so that a batch of notices is in
// progress; it is SIGKILLed part-way, started again, and every notice must reach the server
// exactly once, counted by Message-ID (derived from the idempotency key).
//
// Why it holds: a notice is kept once (its idempotency key is unique, kept in the feed
// batch's transaction with the cursor), and it is marked sent only after the server's 250.
// A kill before the 250 leaves it pending, and the server keeps nothing of a message whose
// client went away before the 250 (an SMTP server accepts a message only with its reply):
// the restarted service sends it again, once. The window left is between the server's 250
// and the commit that marks the delivery sent (microseconds); a message sent twice through
// it carries the same Message-ID, so the receiving side can recognise it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/base/status_macros.h"
#include "tests/support/calls.h"
#include "tests/support/child_process.h"
#include "tests/support/local_certificate.h"
#include "tests/support/paths.h"
#include "tests/support/read_file.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

namespace av1 = ::sixsteps::assessment::v1;
namespace fs = std::filesystem;
using auth::Role;

constexpr char kPartnership[] = "partnerships/cr-p";
constexpr char kPolice[] = "partnerships/cr-p/organisations/police";
constexpr int kRespondents = 8;
// Long enough for a loaded two-core machine; the test never waits this long when all is well.
constexpr absl::Duration kPatience = absl::Seconds(120);

class NotificationCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / absl::StrCat("notification-crash-", ::getpid());
    fs::create_directories(dir_ / "mail");
    ASSERT_TRUE(MakeLocalCertificate(dir_));
    {
      std::ofstream password(dir_ / "smtp-password");
      password << "smtp secret\n";
    }
    smtp_ = ::fork();
    ASSERT_GE(smtp_, 0);
    if (smtp_ == 0) {
      const std::string script = SourceDir().string() + "/tests/support/smtp_server.py";
      const std::string port_file = (dir_ / "port").string(), cert = (dir_ / "cert.pem").string(),
                        key = (dir_ / "key.pem").string(), out = (dir_ / "mail").string();
      // Each message takes a second to be accepted: a batch of eight is in progress for long.
      ::execl("/usr/bin/python3", "python3", script.c_str(), port_file.c_str(), cert.c_str(),
              key.c_str(), "hub", "smtp secret", out.c_str(), "1.0", nullptr);
      ::_exit(127);
    }
    for (int i = 0; i < 600 && !fs::exists(dir_ / "port"); ++i)
      absl::SleepFor(absl::Milliseconds(50));
    ASSERT_TRUE(fs::exists(dir_ / "port")) << "the SMTP server did not start";

    auto hub = TestHub::Start("notification_crash");
    ASSERT_THAT(hub, IsOk());
    hub_ = std::move(*hub);
    ASSERT_THAT(hub_->CreateRegion("cr-r"), IsOk());
    ASSERT_THAT(hub_->CreatePartnership("cr-p", "cr-r"), IsOk());
    ASSERT_THAT(hub_->CreateOrganisation(
                    "cr-p", "police", identity::v1::ORGANISATION_KIND_OTHER_RELEVANT_AGENCY, false),
                IsOk());
    for (int i = 0; i < kRespondents; ++i) {
      ASSERT_THAT(hub_->UserWithRoles(absl::StrCat("pol", i, "@cr.test"),
                                      {{Role::ROLE_PARTNER_RESPONDENT, kPartnership, kPolice}}),
                  IsOk());
    }
    absl::StatusOr<std::string> admin = hub_->UserWithRoles(
        "adm@cr.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, kPartnership, ""}});
    ASSERT_THAT(admin, IsOk());
    admin_ = *admin;
    // The notifier account, its key and the service's database, as scripts/hub makes them;
    // the in-process follower is stopped at once: only the child process sends.
    ASSERT_THAT(hub_->StartNotification(), IsOk());
    hub_->StopNotification();
  }

  void TearDown() override {
    hub_.reset();
    if (smtp_ > 0) {
      ::kill(smtp_, SIGTERM);
      ::waitpid(smtp_, nullptr, 0);
    }
    fs::remove_all(dir_);
  }

  absl::StatusOr<std::unique_ptr<ServiceProcess>> StartService(const std::string& name) {
    return ServiceProcess::Start(
        {ServiceBinary("notification"), "--listen=127.0.0.1:0",
         "--identity_address=" + hub_->identity_target(),
         "--assessment_address=" + hub_->assessment_target(), "--time_zone=UTC", "--db_pool_size=4",
         "--shutdown_grace=1s",
         absl::StrCat("--smtp_url=smtp://127.0.0.1:", ReadFile(dir_ / "port")), "--smtp_user=hub",
         "--smtp_password_file=" + (dir_ / "smtp-password").string(), "--smtp_from=hub@cr.test",
         "--smtp_ca_file=" + (dir_ / "cert.pem").string()},
        {"SIXSTEPS_NOTIFICATION_API_KEY=" + hub_->notification_api_key(),
         "SIXSTEPS_DATABASE_URL=" + hub_->notification_database_url(),
         // Signs unsubscribe links and seals webhook secrets: the service needs one to start.
         "SIXSTEPS_KEY_ENCRYPTION_SECRET=notification-crash-test-secret"},
        absl::StrCat("notification_crash_", name), kPatience);
  }

  // The messages the SMTP server accepted, by Message-ID.
  std::map<std::string, int> MessagesById() {
    std::map<std::string, int> by_id;
    const std::regex message_id("\r?\nMessage-ID: (<[^>\r\n]+>)", std::regex::icase);
    for (const auto& entry : fs::directory_iterator(dir_ / "mail")) {
      if (entry.path().extension() != ".eml") continue;
      std::string text = ReadFile(entry.path());
      std::smatch found;
      EXPECT_TRUE(std::regex_search(text, found, message_id)) << text.substr(0, 400);
      if (!found.empty()) ++by_id[found[1].str()];
    }
    return by_id;
  }

  int Accepted() {
    int n = 0;
    for (const auto& entry : fs::directory_iterator(dir_ / "mail")) {
      n += entry.path().extension() == ".eml";
    }
    return n;
  }

  // Deliveries by state, as the service's database holds them.
  std::map<std::string, int> DeliveryStates() {
    pqxx::connection connection(hub_->notification_database_url());
    pqxx::nontransaction query(connection);
    std::map<std::string, int> states;
    for (const auto& row : query.exec("SELECT state, count(*) FROM deliveries GROUP BY state")) {
      states[row[0].as<std::string>()] = row[1].as<int>();
    }
    return states;
  }

  fs::path dir_;
  pid_t smtp_ = -1;
  std::unique_ptr<TestHub> hub_;
  std::string admin_;
};

TEST_F(NotificationCrashTest, EveryNoticeReachesTheServerExactlyOnceAcrossASigkill) {
  auto first = StartService("first");
  ASSERT_THAT(first, IsOk());

  // One change naming eight respondents' users: a batch of eight notices.
  av1::CreateAssessmentRequest create;
  av1::Assessment* a = create.mutable_assessment();
  a->set_partnership(kPartnership);
  a->set_framework_version("frameworks/six-steps/versions/2019");
  a->set_kind(av1::ASSESSMENT_KIND_SELF_ASSESSMENT);
  a->set_title("Self-assessment 2026");
  a->set_period_start("2025-04-01");
  a->set_period_end("2026-03-31");
  av1::Assessment round;
  auto assessments = hub_->AssessmentStub();
  ASSERT_THAT(
      Call(*assessments, &av1::AssessmentService::Stub::CreateAssessment, admin_, create, &round),
      IsOk());
  av1::AddRespondentRequest add;
  add.set_parent(round.name());
  add.mutable_respondent()->set_organisation(kPolice);
  av1::Respondent police;
  ASSERT_THAT(
      Call(*assessments, &av1::AssessmentService::Stub::AddRespondent, admin_, add, &police),
      IsOk());

  // Kill it mid-batch: some messages accepted, the rest not yet (each takes a second).
  absl::Time deadline = absl::Now() + kPatience;
  while (Accepted() < 2 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(20));
  ASSERT_GE(Accepted(), 2) << "the first service sent nothing";
  (*first)->Kill();
  const int before_restart = Accepted();
  EXPECT_LT(before_restart, kRespondents) << "the batch was not in progress at the kill";
  std::map<std::string, int> states = DeliveryStates();
  EXPECT_EQ(states["sent"] + states["pending"], kRespondents);
  EXPECT_GT(states["pending"], 0);

  auto second = StartService("second");
  ASSERT_THAT(second, IsOk());
  deadline = absl::Now() + kPatience;
  while (DeliveryStates()["sent"] < kRespondents && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(DeliveryStates()["sent"], kRespondents);

  // Every notice reached the server, each under one Message-ID. SMTP cannot promise more than
  // that across a kill: a message the server accepted (250) just before the kill, whose
  // delivery the service had not yet marked sent, is sent again under the same Message-ID, so
  // a receiver deduplicates it. At most that one message was sent twice.
  std::map<std::string, int> by_id = MessagesById();
  EXPECT_EQ(by_id.size(), static_cast<size_t>(kRespondents));
  int repeats = 0;
  for (const auto& [id, count] : by_id) {
    EXPECT_GE(count, 1) << id;
    repeats += count - 1;
  }
  EXPECT_LE(repeats, 1);
  EXPECT_EQ(Accepted(), kRespondents + repeats);
  // And each kept once: one delivery per recipient.
  pqxx::connection connection(hub_->notification_database_url());
  pqxx::nontransaction query(connection);
  EXPECT_EQ(query.exec("SELECT count(DISTINCT idempotency_key), count(*) FROM deliveries")[0][1]
                .as<int>(),
            kRespondents);
}

}  // namespace
}  // namespace sixsteps::testing
