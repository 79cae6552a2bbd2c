// What the webhook tests share: a hub with the notification service (its clock injected),
// users of two partnerships and a region, and a real HTTPS receiver on loopback
// (tests/support/webhook_receiver.py) whose certificate `openssl req` makes here and whose
// CA the delivery pool is given. The receiver checks each signature with Python's hmac,
// hashlib and base64, never the hub's code.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/base/names.h"
#include "services/common/status.h"
#include "services/notification/webhook_dispatcher.h"
#include "services/notification/webhook_sender.h"
#include "tests/support/local_certificate.h"
#include "tests/support/paths.h"
#include "tests/support/read_file.h"
#include "tests/support/shared_hub.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {

namespace av1 = ::sixsteps::assessment::v1;
namespace nv1 = ::sixsteps::notification::v1;
namespace fs = std::filesystem;
using auth::Role;
using NStub = nv1::NotificationService::Stub;

class WebhookClock final : public Clock {
 public:
  // Real time plus an offset a test moves forward (never back: leases and due times hold).
  absl::Time Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return absl::Now() + offset_;
  }
  void Advance(absl::Duration by) {
    std::lock_guard<std::mutex> lock(mu_);
    offset_ += by;
  }

 private:
  mutable std::mutex mu_;
  absl::Duration offset_;
};

class WebhookTest : public ::testing::Test {
 protected:
  template <typename Request, typename Response>
  static absl::Status NCall(grpc::Status (NStub::*method)(grpc::ClientContext*, const Request&,
                                                          Response*),
                            const std::string& token, const Request& request, Response* response) {
    auto stub = hub_->NotificationStub();
    grpc::ClientContext context;
    Authorize(context, token);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    return FromGrpcStatus((stub.get()->*method)(&context, request, response));
  }

  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / absl::StrCat("webhooks-", ::getpid());
    fs::create_directories(dir_ / "hooks");
    ASSERT_TRUE(MakeLocalCertificate(dir_));
    receiver_ = ::fork();
    ASSERT_GE(receiver_, 0);
    if (receiver_ == 0) {
      const std::string script = SourceDir().string() + "/tests/support/webhook_receiver.py";
      const std::string port = (dir_ / "port").string(), cert = (dir_ / "cert.pem").string(),
                        key = (dir_ / "key.pem").string(), hooks = (dir_ / "hooks").string();
      ::execl("/usr/bin/python3", "python3", script.c_str(), port.c_str(), cert.c_str(),
              key.c_str(), hooks.c_str(), nullptr);
      ::_exit(127);
    }
    for (int i = 0; i < 300 && !fs::exists(dir_ / "port"); ++i) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    ASSERT_TRUE(fs::exists(dir_ / "port")) << "the webhook receiver did not start";
    port_ = ReadFile(dir_ / "port");

    auto hub = TestHub::Start("webhooks");
    ASSERT_THAT(hub, IsOk());
    hub_ = hub->release();
    ASSERT_THAT(hub_->CreateRegion("wh-r"), IsOk());
    ASSERT_THAT(hub_->CreateRegion("wh-o"), IsOk());
    ASSERT_THAT(hub_->CreatePartnership("wh-p", "wh-r"), IsOk());
    ASSERT_THAT(hub_->CreatePartnership("wh-q", "wh-o"), IsOk());
    auto user = [](const std::string& email, const std::vector<TestHub::Binding>& roles) {
      return SignedInUser(*hub_, email, roles);
    };
    tokens_["adm"] = user("adm@wh.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, kP, ""}});
    tokens_["adm2"] = user("adm2@wh.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, kP, ""}});
    tokens_["viewer"] = user("viewer@wh.test", {{Role::ROLE_VIEWER, kP, ""}});
    tokens_["hub"] = user("hub@wh.test", {{Role::ROLE_HUB_ADMINISTRATOR, "regions/wh-r", ""}});
    tokens_["other"] =
        user("other@wh.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "partnerships/wh-q", ""}});
    notification::WebhookDispatcherOptions options;
    options.http.allow_loopback = true;
    options.http.ca_file = (dir_ / "cert.pem").string();
    options.http.total_timeout = absl::Minutes(5);
    options.poll = absl::Milliseconds(50);
    options.workers = 3;
    options.per_subscription = 2;
    hub_->set_webhook_options(options);
    clock_ = new WebhookClock();
    ASSERT_THAT(hub_->StartNotification(clock_), IsOk());
  }

  static void TearDownTestSuite() {
    // Lets every hanging answer go, so that the delivery workers end.
    for (const auto& entry : fs::directory_iterator(dir_ / "hooks")) {
      if (entry.path().extension() == ".json") {
        std::ofstream(fs::path(entry.path()).replace_extension(".release")) << "go";
      }
    }
    delete hub_;
    hub_ = nullptr;
    if (receiver_ > 0) {
      ::kill(receiver_, SIGTERM);
      ::waitpid(receiver_, nullptr, 0);
    }
    fs::remove_all(dir_);
  }

  // The receiver's URL for `name`, told to answer as `config` says.
  static std::string Receiver(const std::string& name, nlohmann::json config = {}) {
    if (!config.is_object()) config = nlohmann::json::object();
    std::ofstream(dir_ / "hooks" / (name + ".json")) << config.dump();
    return absl::StrCat("https://127.0.0.1:", port_, "/", name);
  }
  // Tells the receiver the subscription's secret (so that it can check signatures).
  static void ReceiverSecret(const std::string& name, const std::string& secret,
                             nlohmann::json config = {}) {
    if (!config.is_object()) config = nlohmann::json::object();
    config["secret"] = secret;
    std::ofstream(dir_ / "hooks" / (name + ".json")) << config.dump();
  }
  static void Release(const std::string& name) {
    std::ofstream(dir_ / "hooks" / (name + ".release")) << "go";
  }
  // Every request the receiver got at `name`, in order.
  static std::vector<nlohmann::json> Received(const std::string& name) {
    std::vector<nlohmann::json> lines;
    std::ifstream in(dir_ / "hooks" / (name + ".log"));
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
    }
    return lines;
  }
  // Waits (bounded, 60 s) until `name` got at least `count` requests.
  static std::vector<nlohmann::json> AwaitReceived(const std::string& name, size_t count) {
    for (int i = 0; i < 1200; ++i) {
      std::vector<nlohmann::json> got = Received(name);
      if (got.size() >= count) return got;
      absl::SleepFor(absl::Milliseconds(50));
    }
    ADD_FAILURE() << name << " did not get " << count << " requests";
    return Received(name);
  }

  static nv1::Webhook Create(const std::string& parent, const std::string& url,
                             std::vector<std::string> types = {"round_opened"},
                             const std::string& token = "") {
    nv1::CreateWebhookRequest request;
    request.set_parent(parent);
    request.mutable_webhook()->set_url(url);
    for (const std::string& type : types) request.mutable_webhook()->add_event_types(type);
    nv1::Webhook created;
    EXPECT_THAT(
        NCall(&NStub::CreateWebhook, token.empty() ? tokens_["adm"] : token, request, &created),
        IsOk());
    return created;
  }

  static std::vector<nv1::WebhookDelivery> Deliveries(const std::string& webhook,
                                                      const std::string& token = "") {
    nv1::ListWebhookDeliveriesRequest request;
    request.set_parent(webhook);
    request.set_page_size(100);
    nv1::ListWebhookDeliveriesResponse page;
    EXPECT_THAT(NCall(&NStub::ListWebhookDeliveries, token.empty() ? tokens_["adm"] : token,
                      request, &page),
                IsOk());
    return {page.deliveries().begin(), page.deliveries().end()};
  }

  // A new round in wh-p (or `partnership`, as `token`): a round_opened event.
  static av1::Assessment CreateRound(const std::string& title, const std::string& partnership = kP,
                                     const std::string& token = "") {
    av1::CreateAssessmentRequest request;
    av1::Assessment* a = request.mutable_assessment();
    a->set_partnership(partnership);
    a->set_framework_version("frameworks/six-steps/versions/2019");
    a->set_kind(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY);
    a->set_title(title);
    a->set_period_start("2025-04-01");
    a->set_period_end("2026-03-31");
    av1::Assessment round;
    auto stub = hub_->AssessmentStub();
    grpc::ClientContext context;
    Authorize(context, token.empty() ? tokens_["adm"] : token);
    EXPECT_THAT(FromGrpcStatus(stub->CreateAssessment(&context, request, &round)), IsOk());
    return round;
  }

  // Rows of a table of the notification database (for "nothing saved").
  static int64_t Count(const std::string& table) {
    pqxx::connection connection(hub_->notification_database_url());
    pqxx::nontransaction query(connection);
    return query.exec("SELECT count(*) FROM " + table)[0][0].as<int64_t>();
  }

  static constexpr char kP[] = "partnerships/wh-p";
  static inline TestHub* hub_ = nullptr;
  static inline std::map<std::string, std::string> tokens_;
  static inline WebhookClock* clock_ = nullptr;
  static inline fs::path dir_;
  static inline pid_t receiver_ = -1;
  static inline std::string port_;
};

}  // namespace sixsteps::testing
