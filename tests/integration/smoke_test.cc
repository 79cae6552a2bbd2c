// The hub's smoke walkthrough, driven through the CLI in-process (cli::RunCli): the hub
// administrator signs in, creates a region, a partnership, its three core partners, a
// partnership lead and an integration account; the lead starts a self-assessment round, the
// integration imports every rating from a CSV, the lead consolidates, plans, submits and
// finalises; then the reports must show it over gRPC and over HTTP.
//
// By default it runs against a real hub started here (tests/support/test_hub.h, with
// reporting and its HTTP endpoint). `scripts/hub smoke` runs the same scenario against the
// hub it started, by setting SIXSTEPS_SMOKE_IDENTITY_ADDRESS and the variables below.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "services/reporting/http_endpoint.h"
#include "services/reporting/render.h"
#include "services/reporting/reporting_service.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"
#include "tools/sixsteps/dispatcher.h"

namespace sixsteps::testing {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Where the walkthrough runs: the addresses of a hub and its first administrator.
struct Target {
  std::map<std::string, std::string> addresses;  // SIXSTEPS_<SERVICE>_ADDRESS
  std::string http_host;
  int http_port = 0;
  std::string admin_email;
  std::string admin_password;
};

std::optional<std::string> Env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

class SmokeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / absl::StrCat("sixsteps-smoke-", ::getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    if (Env("SIXSTEPS_SMOKE_IDENTITY_ADDRESS")) {
      ExternalHub();
    } else {
      OwnHub();
    }
  }

  void TearDown() override {
    if (endpoint_) endpoint_->Stop();
    std::filesystem::remove_all(dir_);
  }

  // The hub scripts/hub smoke started: SIXSTEPS_SMOKE_<SERVICE>_ADDRESS,
  // SIXSTEPS_SMOKE_HTTP (host:port), SIXSTEPS_SMOKE_ADMIN_EMAIL and
  // SIXSTEPS_SMOKE_ADMIN_PASSWORD_FILE.
  void ExternalHub() {
    for (const char* service : {"IDENTITY", "FRAMEWORK", "ASSESSMENT", "REPORTING"}) {
      std::optional<std::string> address =
          Env(absl::StrCat("SIXSTEPS_SMOKE_", service, "_ADDRESS").c_str());
      ASSERT_TRUE(address) << "SIXSTEPS_SMOKE_" << service << "_ADDRESS is not set";
      target_.addresses[absl::StrCat("SIXSTEPS_", service, "_ADDRESS")] = *address;
    }
    std::optional<std::string> http = Env("SIXSTEPS_SMOKE_HTTP");
    ASSERT_TRUE(http) << "SIXSTEPS_SMOKE_HTTP is not set";
    std::vector<std::string> parts = absl::StrSplit(*http, ':');
    ASSERT_EQ(parts.size(), 2u);
    target_.http_host = parts[0];
    ASSERT_TRUE(absl::SimpleAtoi(parts[1], &target_.http_port));
    std::optional<std::string> email = Env("SIXSTEPS_SMOKE_ADMIN_EMAIL");
    std::optional<std::string> password_file = Env("SIXSTEPS_SMOKE_ADMIN_PASSWORD_FILE");
    ASSERT_TRUE(email && password_file) << "the administrator's email and password file";
    target_.admin_email = *email;
    std::getline(std::ifstream(*password_file), target_.admin_password);
  }

  void OwnHub() {
    auto hub = TestHub::Start("smoke");
    ASSERT_THAT(hub, IsOk());
    hub_ = std::move(*hub);
    ASSERT_THAT(hub_->StartReporting(), IsOk());
    reporting::Reports* reports = hub_->reports();
    endpoint_ = std::make_unique<reporting::HttpEndpoint>(
        hub_->token_verifier(),
        [reports](const auth::Caller& caller, const reporting::v1::ExportReportRequest& request)
            -> absl::StatusOr<reporting::Rendered> {
          auto exported = reports->Render(caller, request, absl::Now() + absl::Seconds(30));
          if (!exported.ok()) return exported.status();
          return reporting::Rendered{exported->content, exported->content_type, exported->filename};
        });
    ASSERT_THAT(endpoint_->Start("127.0.0.1", 0), IsOk());
    target_.addresses = {{"SIXSTEPS_IDENTITY_ADDRESS", hub_->identity_target()},
                         {"SIXSTEPS_FRAMEWORK_ADDRESS", hub_->framework_target()},
                         {"SIXSTEPS_ASSESSMENT_ADDRESS", hub_->assessment_target()},
                         {"SIXSTEPS_REPORTING_ADDRESS", hub_->reporting_target()}};
    target_.http_host = "127.0.0.1";
    target_.http_port = endpoint_->port();
    target_.admin_email = TestHub::kAdminEmail;
    target_.admin_password = TestHub::kAdminPassword;
  }

  // Runs the CLI as `who` (each with their own sign-in folder); fails the test unless it
  // exits 0. Returns what it printed.
  std::string Cli(const std::string& who, std::vector<std::string> words,
                  std::map<std::string, std::string> extra_env = {}) {
    std::map<std::string, std::string> env = target_.addresses;
    env["XDG_CONFIG_HOME"] = (dir_ / who).string();
    for (auto& [name, value] : extra_env) env[name] = value;
    cli::Environment environment = [env](absl::string_view name) -> std::optional<std::string> {
      auto it = env.find(std::string(name));
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    std::ostringstream out, err;
    int code = cli::RunCli(words, environment, cli::InsecureChannelFactory(), out, err);
    EXPECT_EQ(code, 0) << "sixsteps " << absl::StrJoin(words, " ") << " (as " << who
                       << "): " << err.str();
    return out.str();
  }
  std::string Admin(std::vector<std::string> words) { return Cli("admin", std::move(words)); }
  std::string Lead(std::vector<std::string> words) { return Cli("lead", std::move(words)); }

  nlohmann::json Json(const std::string& text) {
    nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << text;
    return parsed;
  }

  std::filesystem::path dir_;
  Target target_;
  std::unique_ptr<TestHub> hub_;
  std::unique_ptr<reporting::HttpEndpoint> endpoint_;
};

TEST_F(SmokeTest, OneRoundFromSignInToItsReports) {
  Cli("admin", {"login", "--email", target_.admin_email},
      {{"SIXSTEPS_PASSWORD", target_.admin_password}});
  EXPECT_THAT(Admin({"whoami"}), HasSubstr("hub_administrator"));
  EXPECT_THAT(Admin({"framework", "show"}), ContainsRegex("(^|\n)Step s6: "));

  Admin({"region", "create", "smoke-region", "--name", "Smoke region"});
  Admin({"partnership", "create", "smoke-partnership", "--region", "smoke-region", "--name",
         "Smoke partnership"});
  EXPECT_THAT(Admin({"partnership", "list", "--region", "smoke-region"}),
              ContainsRegex("(^|\n)smoke-partnership "));
  for (const auto& [org, kind] : std::vector<std::pair<std::string, std::string>>{
           {"council", "local-authority"}, {"icb", "health"}, {"police", "police"}}) {
    Admin({"org", "add", "smoke-partnership", org, "--name", "Smoke " + org, "--kind", kind,
           "--core"});
  }
  const std::string password = "smoke lead password";
  Cli("admin", {"user", "create", "--email", "lead@smoke.localhost", "--name", "Smoke lead"},
      {{"SIXSTEPS_NEW_USER_PASSWORD", password}});
  Admin({"role", "grant", "lead@smoke.localhost", "partnership_administrator",
         "partnerships/smoke-partnership"});
  const std::string integration =
      Json(Admin({"--output", "json", "serviceaccount", "create", "--name", "Smoke case system",
                  "--owner", "partnerships/smoke-partnership"}))
          .value("name", "");
  ASSERT_THAT(integration, HasSubstr("serviceAccounts/sa-"));
  Admin({"role", "grant", integration, "integration", "partnerships/smoke-partnership"});
  const std::string key_file = (dir_ / "integration.key").string();
  Admin({"apikey", "create", integration, "--name", "smoke", "--expires-in", "1d", "--out",
         key_file});
  Cli("lead", {"login", "--email", "lead@smoke.localhost"}, {{"SIXSTEPS_PASSWORD", password}});
  Cli("integration", {"login", "--api-key-file", key_file});

  const std::string round =
      Json(Lead({"--output", "json", "assessment", "create", "--partnership", "smoke-partnership",
                 "--kind", "self-assessment", "--title", "Smoke self-assessment 2025-26",
                 "--period", "2025-04-01:2026-03-31", "--request-id", "smoke-round-1"}))
          .value("name", "");
  ASSERT_THAT(round, HasSubstr("assessments/"));
  for (const char* org : {"council", "icb", "police"})
    Lead({"assessment", "assign", round, "--org", org});

  // Every question of every step Green, one evidence item each, for each organisation.
  const std::string csv = (dir_ / "ratings.csv").string();
  {
    std::ofstream out(csv);
    out << "respondent,question_id,rating,evidence_description,evidence_link,"
           "document_reference,external_id,commentary,remaining_work\n";
    for (const char* org : {"council", "icb", "police"}) {
      for (int s = 1; s <= 6; ++s) {
        for (int q = 1; q <= 4; ++q) {
          std::string question = absl::StrCat("s", s, ".q", q);
          out << org << "," << question << ",Green,\"Board minutes, " << org << ", " << question
              << "\",https://example.org/" << org << "/" << question << ",," << org << "-"
              << question << ",,\n";
        }
      }
    }
  }
  EXPECT_THAT(Cli("integration", {"assessment", "import-ratings", round, "--csv", csv}),
              ContainsRegex("(^|\n)Imported 72 response\\(s\\)"));
  for (int s = 1; s <= 6; ++s) {
    for (int q = 1; q <= 4; ++q) {
      Lead({"assessment", "consolidate", round, "--question", absl::StrCat("s", s, ".q", q),
            "--rating", "green", "--rationale", "All three partners rate it Green with evidence"});
    }
    Lead({"action", "add", round, "--step", absl::StrCat("s", s), "--questions",
          absl::StrCat("s", s, ".q1,s", s, ".q2,s", s, ".q3,s", s, ".q4"), "--sustain",
          "--description", absl::StrCat("Keep step s", s, " Green"), "--outcome",
          "Still Green next year", "--owner", "council", "--due", "2027-09-30"});
  }
  Lead({"assessment", "submit", round});
  EXPECT_THAT(Lead({"assessment", "check", round}), ContainsRegex("(^|\n)Ready to finalise"));
  Lead({"assessment", "finalise", round});
  EXPECT_THAT(Lead({"assessment", "grid", round}),
              ContainsRegex("(^|\n)Round: 24 Green, 0 Amber, 0 Red, 0 not yet consolidated"));

  // The feed's head: the reports must reflect at least that change.
  std::vector<std::string> changes = absl::StrSplit(
      Admin({"--output", "json", "assessment", "feed", "--partnership", "smoke-partnership"}), '\n',
      absl::SkipEmpty());
  ASSERT_FALSE(changes.empty());
  nlohmann::json head = Json(changes.back());
  const std::string sequence = head["sequence"].is_string()
                                   ? head["sequence"].get<std::string>()
                                   : std::to_string(head["sequence"].get<int64_t>());
  EXPECT_THAT(
      Admin({"--timeout", "30", "report", "assessment", round, "--format", "text", "--min-sequence",
             sequence}),
      ContainsRegex("R Red \\(0\\) +A Amber \\(0\\) +G Green \\(24\\) +- Not rated \\(0\\)"));
  EXPECT_THAT(Admin({"--timeout", "30", "report", "region", "smoke-region", "--format", "csv",
                     "--min-sequence", sequence}),
              HasSubstr("smoke-partnership"));
  // The documents to file: PDF and DOCX through the CLI.
  EXPECT_THAT(Admin({"--timeout", "30", "report", "assessment", round, "--format", "pdf",
                     "--min-sequence", sequence}),
              StartsWith("%PDF-"));
  EXPECT_THAT(Admin({"--timeout", "30", "report", "actions", "smoke-partnership", "--format",
                     "docx", "--min-sequence", sequence}),
              StartsWith("PK"));

  // Reporting's HTTP endpoint, as a dashboard reads it.
  httplib::Client http(target_.http_host, target_.http_port);
  http.set_read_timeout(std::chrono::seconds(30));
  httplib::Result health = http.Get("/healthz");
  ASSERT_TRUE(health) << "reporting's HTTP endpoint does not answer";
  EXPECT_EQ(health->status, 200);
  std::string token = Admin({"token"});
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  httplib::Result overview =
      http.Get("/v1/regions/smoke-region/overview?format=csv",
               httplib::Headers{{"Authorization", absl::StrCat("Bearer ", token)}});
  ASSERT_TRUE(overview);
  EXPECT_EQ(overview->status, 200) << overview->body;
  EXPECT_THAT(overview->body, HasSubstr("smoke-partnership"));
}

}  // namespace
}  // namespace sixsteps::testing
