#include "bench/scenarios_webhooks.h"

#include <httplib.h>

#include <atomic>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/plan.h"
#include "services/base/status_macros.h"
#include "sixsteps/notification/v1/notification_service.grpc.pb.h"

namespace sixsteps::bench {
namespace {

namespace asv1 = ::sixsteps::assessment::v1;
namespace nv1 = ::sixsteps::notification::v1;

// Counts what arrives and how long after its change each delivery came.
struct Receiver {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::mutex mu;
  std::vector<double> latencies_ms;
  int64_t received = 0;
  absl::Time last_arrival = absl::InfinitePast();

  absl::Status Start() {
    server.new_task_queue = [] { return new httplib::ThreadPool(32); };
    server.Post("/hook", [this](const httplib::Request& request, httplib::Response& response) {
      const absl::Time arrival = absl::Now();
      nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
      absl::Time fed;
      std::string error;
      const bool timed = body.is_object() && body.contains("timestamp") &&
                         absl::ParseTime("%Y-%m-%dT%H:%M:%E*SZ",
                                         body["timestamp"].get<std::string>(), &fed, &error);
      {
        std::lock_guard<std::mutex> lock(mu);
        ++received;
        last_arrival = arrival;
        if (timed) latencies_ms.push_back(absl::ToDoubleMilliseconds(arrival - fed));
      }
      response.set_content("ok", "text/plain");
    });
    port = server.bind_to_any_port("127.0.0.1");
    if (port <= 0) return absl::UnavailableError("the webhook receiver could not listen");
    thread = std::thread([this] { server.listen_after_bind(); });
    return absl::OkStatus();
  }
  void Stop() {
    server.stop();
    if (thread.joinable()) thread.join();
  }
};

}  // namespace

absl::StatusOr<ScenarioResult> RunWebhookDeliveries(const ScenarioContext& context,
                                                    const RunOptions& options,
                                                    const WebhookScenarioOptions& webhooks) {
  if (context.partnerships.empty()) return absl::FailedPreconditionError("no partnerships seeded");
  absl::StatusOr<std::string> admin = context.admin->Token();
  if (!admin.ok()) return admin.status();
  Receiver receiver;
  SIXSTEPS_RETURN_IF_ERROR(receiver.Start());
  auto notification = nv1::NotificationService::NewStub(Dial(webhooks.notification_address));
  auto assessment = asv1::AssessmentService::NewStub(Dial(context.addresses.assessment, "hooks"));
  std::vector<nv1::Webhook> created;
  absl::Status status;
  for (int i = 0; i < webhooks.subscriptions && status.ok(); ++i) {
    nv1::CreateWebhookRequest request;
    request.set_parent(context.region);
    request.mutable_webhook()->set_url(absl::StrCat("http://127.0.0.1:", receiver.port, "/hook"));
    request.mutable_webhook()->add_event_types("round_opened");
    request.mutable_webhook()->set_description(absl::StrCat("sixsteps-bench ", i));
    nv1::Webhook webhook;
    status = Call(*notification, &nv1::NotificationService::Stub::CreateWebhook, *admin, request,
                  &webhook, "CreateWebhook");
    if (status.ok()) created.push_back(webhook);
  }
  int64_t events = 0, errors = 0;
  std::string first_error;
  const absl::Time start = absl::Now();
  if (status.ok()) {
    const absl::Duration every = absl::Seconds(1.0 / std::max(0.1, webhooks.events_per_second));
    for (absl::Time next = start; next < start + options.duration; next += every) {
      absl::SleepFor(next - absl::Now());
      asv1::CreateAssessmentRequest request;
      asv1::Assessment* a = request.mutable_assessment();
      a->set_partnership(context.partnerships[events % context.partnerships.size()].name);
      a->set_framework_version(kBuiltInFramework);
      a->set_kind(asv1::ASSESSMENT_KIND_SELF_ASSESSMENT);
      a->set_title(absl::StrCat("Webhook bench ", events));
      a->set_period_start("2030-04-01");
      a->set_period_end("2031-03-31");
      asv1::Assessment round;
      absl::Status made = Call(*assessment, &asv1::AssessmentService::Stub::CreateAssessment,
                               *admin, request, &round, "CreateAssessment");
      if (made.ok()) {
        ++events;
      } else {
        ++errors;
        if (first_error.empty()) first_error = made.ToString();
      }
    }
    // Waits for the deliveries still on their way (a minute at most).
    const int64_t expected = events * static_cast<int64_t>(created.size());
    for (int i = 0; i < 600; ++i) {
      {
        std::lock_guard<std::mutex> lock(receiver.mu);
        if (receiver.received >= expected) break;
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
  }
  for (const nv1::Webhook& webhook : created) {
    nv1::DeleteWebhookRequest request;
    request.set_name(webhook.name());
    request.set_etag(webhook.etag());
    google::protobuf::Empty done;
    (void)Call(*notification, &nv1::NotificationService::Stub::DeleteWebhook, *admin, request,
               &done, "DeleteWebhook");
  }
  receiver.Stop();
  SIXSTEPS_RETURN_IF_ERROR(status);
  ScenarioResult result;
  result.name = absl::StrFormat("webhook deliveries (%d subscriptions)", webhooks.subscriptions);
  std::lock_guard<std::mutex> lock(receiver.mu);
  result.run.ok = receiver.received;
  result.run.errors = errors + std::max<int64_t>(0, events * static_cast<int64_t>(created.size()) -
                                                        receiver.received);
  result.run.first_error = first_error;
  result.run.elapsed =
      (receiver.last_arrival > start ? receiver.last_arrival : absl::Now()) - start;
  result.run.latency = Summarise(receiver.latencies_ms);
  result.note = absl::StrFormat(
      "%.0f deliveries/min of %d events; latency = feed entry to arrival (target 10,000/min, "
      "p99 < 2 s)",
      result.run.throughput() * 60, events);
  return result;
}

}  // namespace sixsteps::bench
