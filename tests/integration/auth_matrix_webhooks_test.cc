// The webhook rows of the auth matrix (issue 17): part-a's subscriptions are managed by its
// partnership administrators and region A's hub administrators; read-only roles, the
// respondents and the integration account are refused PERMISSION_DENIED, other tenants
// NOT_FOUND. They run with the assessment rows (AssessmentActionReportingRows).
#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "sixsteps/notification/v1/notification_service.grpc.pb.h"
#include "tests/support/auth_matrix.h"

namespace sixsteps::testing {
namespace {

namespace nv1 = ::sixsteps::notification::v1;

using namespace short_names;  // NOLINT(build/namespaces)

constexpr char kPartA[] = "partnerships/part-a";
// Loopback (the test hub allows it): a delivery or ping is refused at once, nothing waits.
constexpr char kUrl[] = "https://127.0.0.1:9/hooks";

// A new subscription of part-a made by the deployment administrator.
nv1::Webhook NewWebhook(const MatrixWorld& w) {
  grpc::ClientContext context;
  Authorize(context, w.admin);
  nv1::CreateWebhookRequest request;
  request.set_parent(kPartA);
  request.mutable_webhook()->set_url(kUrl);
  request.mutable_webhook()->add_event_types("challenge_raised");
  nv1::Webhook created;
  (void)w.hub->NotificationStub()->CreateWebhook(&context, request, &created);
  return created;
}

// The subscription the refused rows aim at (made once, never changed).
const nv1::Webhook& Planted(const MatrixWorld& w) {
  static const nv1::Webhook* planted = new nv1::Webhook(NewWebhook(w));
  return *planted;
}

// The delivery the ping of the planted subscription made (its first).
std::string PlantedDelivery(const MatrixWorld& w) {
  const nv1::Webhook& planted = Planted(w);
  {
    grpc::ClientContext context;
    Authorize(context, w.admin);
    nv1::SendTestNoticeRequest ping;
    ping.set_webhook(planted.name());
    nv1::SendTestNoticeResponse answer;
    (void)w.hub->NotificationStub()->SendTestNotice(&context, ping, &answer);
    if (!answer.delivery().name().empty()) return answer.delivery().name();
  }
  return absl::StrCat(planted.name(), "/deliveries/1");
}

}  // namespace

std::vector<Row> WebhookRows(const MatrixWorld& world) {
  const MatrixWorld* w = &world;
  std::vector<Row> rows;
  const RowsOf add(rows, nv1::NotificationService::service_full_name());
  // Refused everywhere but by part-a's administrators and region A's hub administrators.
  const std::vector<Expect> refused = {{N, UA},  {B, NF},  {O, NF},  {V, PD}, {D, PD},
                                       {RS, PD}, {AO, PD}, {SC, PD}, {IN, PD}};
  const std::vector<Expect> allowed = {{PA, OK}, {HA, OK}};
  auto planted_name = [w](auto message) {
    return [w, message] {
      auto m = std::make_shared<decltype(message)>(message);
      m->set_name(Planted(*w).name());
      return m;
    };
  };
  {
    nv1::CreateWebhookRequest m;
    m.set_parent(kPartA);
    m.mutable_webhook()->set_url(kUrl);
    m.mutable_webhook()->add_event_types("action_overdue");
    add("CreateWebhook", "a subscription of part-a", Fixed(m), refused);
    add("CreateWebhook", "a subscription of part-a", Fixed(m), allowed, "part-a");
    m.set_parent("regions/region-a");
    add("CreateWebhook", "a subscription of region A", Fixed(m),
        {{N, UA}, {B, NF}, {V, PD}, {D, PD}, {PA, PD}, {IN, PD}, {HA, OK}}, "region-a");
  }
  add("GetWebhook", "part-a's subscription", planted_name(nv1::GetWebhookRequest()), refused);
  add("GetWebhook", "part-a's subscription", planted_name(nv1::GetWebhookRequest()), allowed,
      "part-a");
  {
    nv1::ListWebhooksRequest m;
    m.set_parent(kPartA);
    add("ListWebhooks", "part-a's subscriptions", Fixed(m), refused);
    add("ListWebhooks", "part-a's subscriptions", Fixed(m), allowed, "part-a");
  }
  // Writes: the refused rows aim at the planted subscription (with its etag), the allowed
  // ones each at a subscription of their own.
  auto update = [w](bool fresh) {
    return [w, fresh] {
      auto m = std::make_shared<nv1::UpdateWebhookRequest>();
      *m->mutable_webhook() = fresh ? NewWebhook(*w) : Planted(*w);
      m->mutable_webhook()->set_description("Changed by the matrix");
      m->set_update_mask("description");
      return m;
    };
  };
  add("UpdateWebhook", "part-a's subscription", update(false), refused);
  add("UpdateWebhook", "part-a's subscription", update(true), allowed, "part-a");
  auto rotate = [w](bool fresh) {
    return [w, fresh] {
      auto m = std::make_shared<nv1::RotateWebhookSecretRequest>();
      const nv1::Webhook target = fresh ? NewWebhook(*w) : Planted(*w);
      m->set_name(target.name());
      m->set_etag(target.etag());
      return m;
    };
  };
  add("RotateWebhookSecret", "part-a's subscription", rotate(false), refused);
  add("RotateWebhookSecret", "part-a's subscription", rotate(true), allowed, "whsec_");
  auto remove = [w](bool fresh) {
    return [w, fresh] {
      auto m = std::make_shared<nv1::DeleteWebhookRequest>();
      const nv1::Webhook target = fresh ? NewWebhook(*w) : Planted(*w);
      m->set_name(target.name());
      m->set_etag(target.etag());
      return m;
    };
  };
  add("DeleteWebhook", "part-a's subscription", remove(false), refused);
  add("DeleteWebhook", "part-a's subscription", remove(true), allowed);
  auto deliveries = [w] {
    auto m = std::make_shared<nv1::ListWebhookDeliveriesRequest>();
    (void)PlantedDelivery(*w);  // so that the log holds a ping to show
    m->set_parent(Planted(*w).name());
    return m;
  };
  add("ListWebhookDeliveries", "part-a's subscription's log", deliveries, refused);
  add("ListWebhookDeliveries", "part-a's subscription's log", deliveries, allowed, "ping");
  auto redeliver = [w] {
    auto m = std::make_shared<nv1::RedeliverWebhookDeliveryRequest>();
    m->set_name(PlantedDelivery(*w));
    return m;
  };
  add("RedeliverWebhookDelivery", "a delivery of part-a", redeliver, refused);
  add("RedeliverWebhookDelivery", "a delivery of part-a", redeliver, allowed, "ping");
  auto ping = [w] {
    auto m = std::make_shared<nv1::SendTestNoticeRequest>();
    m->set_webhook(Planted(*w).name());
    return m;
  };
  add("SendTestNotice", "a ping to part-a's subscription", ping, refused);
  add("SendTestNotice", "a ping to part-a's subscription", ping, allowed, "ping");
  return rows;
}

}  // namespace sixsteps::testing
