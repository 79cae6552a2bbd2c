// The refusal matrix of the reporting service's scrutiny-cycle reports (H4, issue 15): the
// scrutineer's report on part-a's round (see auth_matrix_assessment_test.cc for the rules
// every row follows). The report is published by ScrutinyReportService's last allowed row;
// the allowed rows here are last too, after it, and ask for the feed position of their call
// so the read model has the published version.
#include "absl/strings/str_cat.h"
#include "tests/support/auth_matrix.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

namespace rv1 = ::sixsteps::reporting::v1;

constexpr Who N = Who::kNobody;
constexpr Who B = Who::kRegionB;
constexpr Who O = Who::kOtherPartnership;
constexpr Who V = Who::kViewerA;
constexpr Who RS = Who::kPoliceRespondentA;
constexpr Code UA = Code::kUnauthenticated;
constexpr Code NF = Code::kNotFound;
constexpr Code OK = Code::kOk;

}  // namespace

std::vector<Row> CycleRows(const MatrixWorld& world) {
  const MatrixWorld* w = &world;
  const std::string round = world.assessment.round;
  std::vector<Row> rows;
  auto reporting = [&](const std::string& method, const std::string& what, RequestFn request,
                       Who who, Code code, bool last) {
    rows.push_back({absl::StrCat(rv1::ReportingService::service_full_name(), ".", method), what,
                    who, code, request, code == OK ? round : "", last});
  };
  rv1::GetScrutineerReportRequest get;
  get.set_assessment(round);
  RequestFn at_head = [w, get] {
    auto m = std::make_shared<rv1::GetScrutineerReportRequest>(get);
    absl::StatusOr<int64_t> head = w->hub->FeedHead();
    m->set_min_sequence(head.ok() ? *head : 0);
    return m;
  };
  for (auto [who, code] : {std::pair{N, UA}, {B, NF}, {O, NF}}) {
    reporting("GetScrutineerReport", "of A's round", Fixed(get), who, code, false);
  }
  for (Who who : {V, RS}) {
    reporting("GetScrutineerReport", "of A's round, published", at_head, who, OK, true);
  }
  rv1::ExportReportRequest exported;
  *exported.mutable_scrutineer() = get;
  exported.set_format(rv1::FORMAT_JSON);
  RequestFn export_at_head = [w, exported] {
    auto m = std::make_shared<rv1::ExportReportRequest>(exported);
    absl::StatusOr<int64_t> head = w->hub->FeedHead();
    m->mutable_scrutineer()->set_min_sequence(head.ok() ? *head : 0);
    return m;
  };
  for (auto [who, code] : {std::pair{N, UA}, {B, NF}, {O, NF}}) {
    reporting("ExportReport", "A's scrutineer's report as JSON", Fixed(exported), who, code, false);
  }
  reporting("ExportReport", "A's scrutineer's report as JSON, published", export_at_head, V, OK,
            true);
  return rows;
}

}  // namespace sixsteps::testing
