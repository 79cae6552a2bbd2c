// The auth matrix's rows of RetentionService (issue 16: retention policies, legal holds,
// tombstones) and the holds they aim at, placed on part-a's draft round when the matrix's
// hub is built. See auth_matrix_assessment_test.cc for what the rows prove. Retention is
// managed by the partnership's administrators and its region's hub administrators; anyone
// who reads the partnership reads its policy and holds; tombstones only its managers.
#include <grpcpp/client_context.h>

#include "services/base/status_macros.h"
#include "services/common/status.h"
#include "tests/support/auth_matrix.h"

namespace sixsteps::testing {
namespace {

namespace asv1 = ::sixsteps::assessment::v1;
using RStub = asv1::RetentionService::Stub;

using namespace short_names;  // NOLINT(build/namespaces)

constexpr char kPolicyA[] = "partnerships/part-a/retentionPolicy";

// part-a's policy as its administrator reads it when a row runs, with new periods.
RequestFn PolicyUpdate(const MatrixWorld* w, int years) {
  return [w, years] {
    grpc::ClientContext context;
    Authorize(context, w->TokenOf(PA));
    asv1::GetRetentionPolicyRequest get;
    get.set_name(kPolicyA);
    asv1::RetentionPolicy current;
    (void)w->hub->RetentionStub()->GetRetentionPolicy(&context, get, &current);
    auto request = std::make_shared<asv1::UpdateRetentionPolicyRequest>();
    *request->mutable_policy() = current;
    request->mutable_policy()->set_engagement_record_years(years);
    return request;
  };
}

}  // namespace

absl::Status MakeRetentionRecords(MatrixWorld& w) {
  auto retention = w.hub->RetentionStub();
  for (std::string* hold : {&w.retention.hold, &w.retention.hold_to_lift}) {
    grpc::ClientContext context;
    Authorize(context, w.TokenOf(PA));
    asv1::PlaceLegalHoldRequest request;
    request.set_parent(w.assessment.round);
    request.set_reason("Planted hold: a complaint about the partnership is under review");
    asv1::LegalHold placed;
    SIXSTEPS_RETURN_IF_ERROR(FromGrpcStatus(retention->PlaceLegalHold(&context, request, &placed)));
    *hold = placed.name();
  }
  return absl::OkStatus();
}

std::vector<Row> RetentionRows(const MatrixWorld& world) {
  const MatrixWorld* w = &world;
  const std::string& round = world.assessment.round;
  const RetentionRecords& r = world.retention;
  std::vector<Row> rows;
  const RowsOf retention(rows, asv1::RetentionService::service_full_name());

  {
    asv1::GetRetentionPolicyRequest m;
    m.set_name(kPolicyA);
    retention("GetRetentionPolicy", "part-a's retention policy", Fixed(m),
              {{N, UA}, {B, NF}, {O, NF}, {V, OK, "part-a"}, {D, OK, "part-a"}});
  }
  retention("UpdateRetentionPolicy", "part-a's retention policy", PolicyUpdate(w, 7),
            {{N, UA},
             {B, NF},
             {O, NF},
             {V, PD},
             {D, PD},
             {RS, PD},
             {SC, PD},
             {IN, PD},
             {PA, OK, "engagement_record_years: 7"},
             {HA, OK, "engagement_record_years: 7"}});
  {
    asv1::PlaceLegalHoldRequest m;
    m.set_parent(round);
    m.set_reason("A planted hold while a complaint is reviewed");
    retention("PlaceLegalHold", "a hold on A's round", Fixed(m),
              {{N, UA},
               {B, NF},
               {O, NF},
               {V, PD},
               {D, PD},
               {RS, PD},
               {SC, PD},
               {IN, PD},
               {PA, OK, "planted hold"},
               {HA, OK, "planted hold"}});
  }
  {
    asv1::LiftLegalHoldRequest m;
    m.set_name(r.hold_to_lift);
    m.set_reason("The review is closed");
    retention("LiftLegalHold", "a standing hold on A's round", Fixed(m),
              {{N, UA},
               {B, NF},
               {O, NF},
               {V, PD},
               {D, PD},
               {RS, PD},
               {SC, PD},
               {PA, OK, "The review is closed", true}});
  }
  {
    asv1::ListLegalHoldsRequest m;
    m.set_parent(round);
    retention("ListLegalHolds", "A's round's holds", Fixed(m),
              {{N, UA}, {B, NF}, {O, NF}, {V, OK, IdOf(r.hold)}, {D, OK, IdOf(r.hold)}});
  }
  {
    asv1::ListTombstonesRequest m;
    m.set_parent("partnerships/part-a");
    retention("ListTombstones", "part-a's tombstones", Fixed(m),
              {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {D, PD}, {RS, PD}, {PA, OK}, {HA, OK}});
  }
  return rows;
}

}  // namespace sixsteps::testing
