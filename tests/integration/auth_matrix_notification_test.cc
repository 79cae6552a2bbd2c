// The notification service's rows of the auth matrix: who may read part-a's outbox and
// switch its rules. They run with the assessment rows (AssessmentActionReportingRows).
#include <grpcpp/client_context.h>

#include "sixsteps/notification/v1/notification_service.grpc.pb.h"
#include "tests/support/auth_matrix.h"

namespace sixsteps::testing {
namespace {

namespace nv1 = ::sixsteps::notification::v1;

using namespace short_names;  // NOLINT(build/namespaces)

// The newest outbox message of part-a, as the deployment administrator sees it.
std::string PartAMessage(const MatrixWorld& w) {
  grpc::ClientContext context;
  Authorize(context, w.admin);
  nv1::ListOutboxMessagesRequest request;
  request.set_partnership("partnerships/part-a");
  request.set_page_size(1);
  nv1::ListOutboxMessagesResponse page;
  (void)w.hub->NotificationStub()->ListOutboxMessages(&context, request, &page);
  return page.messages_size() > 0 ? page.messages(0).name() : "outboxMessages/0";
}

}  // namespace

std::vector<Row> NotificationRows(const MatrixWorld& world) {
  const MatrixWorld* w = &world;
  std::vector<Row> rows;
  const RowsOf add(rows, nv1::NotificationService::service_full_name());
  {
    nv1::ListOutboxMessagesRequest m;
    m.set_partnership("partnerships/part-a");
    // Others get an empty list (checked for leaks); a respondent sees their own.
    add("ListOutboxMessages", "part-a's outbox", Fixed(m),
        {{N, UA}, {B, OK}, {O, OK}, {V, OK}, {RS, OK}, {PA, OK, "part-a"}, {HA, OK, "part-a"}});
  }
  add("GetOutboxMessage", "a message of part-a",
      [w] {
        auto m = std::make_shared<nv1::GetOutboxMessageRequest>();
        m->set_name(PartAMessage(*w));
        return m;
      },
      {{N, UA}, {B, NF}, {O, NF}, {V, NF}, {PA, OK, "part-a"}, {HA, OK, "part-a"}});
  {
    nv1::GetRuleSettingsRequest m;
    m.set_name("partnerships/part-a/ruleSettings");
    add("GetRuleSettings", "part-a's switches", Fixed(m),
        {{N, UA}, {B, NF}, {O, NF}, {V, OK}, {RS, OK}, {PA, OK, "part-a"}});
  }
  {
    nv1::UpdateRuleSettingsRequest m;
    m.set_name("partnerships/part-a/ruleSettings");
    nv1::RuleSwitch* on = m.add_rules();
    on->set_rule("action_due_soon");
    on->set_enabled(true);
    add("UpdateRuleSettings", "switch a rule of part-a", Fixed(m),
        {{N, UA},
         {B, NF},
         {O, NF},
         {V, PD},
         {D, PD},
         {RS, PD},
         {PA, OK, "part-a"},
         {HA, OK, "part-a"}});
  }
  return rows;
}

}  // namespace sixsteps::testing
