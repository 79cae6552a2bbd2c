// The refusal matrix of the reporting service's scrutiny-cycle reports (H4, issue 15): the
// scrutineer's report on part-a's round (see auth_matrix_assessment_test.cc for the rules
// every row follows). The report is published by ScrutinyReportService's last allowed row;
// the allowed rows here are last too, after it, and ask for the feed position of their call
// so the read model has the published version.
#include "tests/support/auth_matrix.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

namespace rv1 = ::sixsteps::reporting::v1;

using namespace short_names;  // NOLINT(build/namespaces)

}  // namespace

std::vector<Row> CycleRows(const MatrixWorld& world) {
  const MatrixWorld* w = &world;
  const std::string round = world.assessment.round;
  std::vector<Row> rows;
  const RowsOf reporting(rows, rv1::ReportingService::service_full_name());
  rv1::GetScrutineerReportRequest get;
  get.set_assessment(round);
  RequestFn at_head = [w, get] {
    auto m = std::make_shared<rv1::GetScrutineerReportRequest>(get);
    absl::StatusOr<int64_t> head = w->hub->FeedHead();
    m->set_min_sequence(head.ok() ? *head : 0);
    return m;
  };
  reporting("GetScrutineerReport", "of A's round", Fixed(get), {{N, UA}, {B, NF}, {O, NF}});
  reporting("GetScrutineerReport", "of A's round, published", at_head,
            {{V, OK, round, true}, {RS, OK, round, true}});
  rv1::ExportReportRequest exported;
  *exported.mutable_scrutineer() = get;
  exported.set_format(rv1::FORMAT_JSON);
  RequestFn export_at_head = [w, exported] {
    auto m = std::make_shared<rv1::ExportReportRequest>(exported);
    absl::StatusOr<int64_t> head = w->hub->FeedHead();
    m->mutable_scrutineer()->set_min_sequence(head.ok() ? *head : 0);
    return m;
  };
  reporting("ExportReport", "A's scrutineer's report as JSON", Fixed(exported),
            {{N, UA}, {B, NF}, {O, NF}});
  reporting("ExportReport", "A's scrutineer's report as JSON, published", export_at_head,
            {{V, OK, round, true}});
  return rows;
}

}  // namespace sixsteps::testing
