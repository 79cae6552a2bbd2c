// The refusal matrix of the streamed export (ReportingService.StreamReport; see
// auth_matrix_assessment_test.cc for the rules every row follows): the same readers as
// ExportReport, each refusal before any byte, the first message naming the file's type.
#include "absl/strings/str_cat.h"
#include "tests/support/auth_matrix.h"

namespace sixsteps::testing {
namespace {

namespace rv1 = ::sixsteps::reporting::v1;

constexpr Who N = Who::kNobody;
constexpr Who B = Who::kRegionB;
constexpr Who O = Who::kOtherPartnership;
constexpr Who V = Who::kViewerA;
constexpr Who D = Who::kDashboardA;
constexpr Code UA = Code::kUnauthenticated;
constexpr Code NF = Code::kNotFound;
constexpr Code PD = Code::kPermissionDenied;
constexpr Code OK = Code::kOk;

struct Expect {
  Who who;
  Code code;
  std::string must_show = "";
  bool last = false;
};

}  // namespace

std::vector<Row> FormatsRows(const MatrixWorld& world) {
  std::vector<Row> rows;
  auto reporting = [&](const std::string& method, const std::string& what, RequestFn request,
                       std::initializer_list<Expect> expects) {
    for (const Expect& e : expects) {
      rows.push_back({absl::StrCat(rv1::ReportingService::service_full_name(), ".", method), what,
                      e.who, e.code, request, e.must_show, e.last});
    }
  };
  rv1::StreamReportRequest m;
  m.mutable_report()->mutable_assessment()->set_assessment(world.assessment.round);
  m.mutable_report()->set_format(rv1::FORMAT_CSV);
  reporting("StreamReport", "A's round as CSV", Fixed(m),
            {{N, UA}, {B, NF}, {O, NF}, {V, OK, "text/csv"}, {D, OK, "text/csv"}});
  m.mutable_report()->mutable_actions()->set_scope("regions/region-a");
  m.mutable_report()->set_format(rv1::FORMAT_PDF);
  reporting("StreamReport", "region A's action tracker as PDF", Fixed(m),
            {{B, NF}, {O, PD}, {V, PD}, {D, OK, "application/pdf"}});
  return rows;
}

}  // namespace sixsteps::testing
