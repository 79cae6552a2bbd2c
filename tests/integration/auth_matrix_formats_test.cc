// The refusal matrix of the streamed export (ReportingService.StreamReport; see
// auth_matrix_assessment_test.cc for the rules every row follows): the same readers as
// ExportReport, each refusal before any byte, the first message naming the file's type.
#include "tests/support/auth_matrix.h"

namespace sixsteps::testing {
namespace {

namespace rv1 = ::sixsteps::reporting::v1;

using namespace short_names;  // NOLINT(build/namespaces)

}  // namespace

std::vector<Row> FormatsRows(const MatrixWorld& world) {
  std::vector<Row> rows;
  const RowsOf reporting(rows, rv1::ReportingService::service_full_name());
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
