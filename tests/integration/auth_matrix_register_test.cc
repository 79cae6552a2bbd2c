// The auth matrix's rows of the evidence and voice reports (issue 16, H5): a round's
// evidence register, engagement summary and audits-and-reviews summary, read by anyone who
// can read the partnership (its own roles, and the region's viewers and dashboards, who see
// its OFFICIAL material only), NOT_FOUND to other tenants. See
// auth_matrix_assessment_test.cc for what the rows prove.
#include "tests/support/auth_matrix.h"

namespace sixsteps::testing {
namespace {

namespace rv1 = ::sixsteps::reporting::v1;

using namespace short_names;  // NOLINT(build/namespaces)

}  // namespace

std::vector<Row> RegisterRows(const MatrixWorld& world) {
  const std::string& round = world.assessment.round;
  std::vector<Row> rows;
  const RowsOf reporting(rows, rv1::ReportingService::service_full_name());
  const std::vector<Expect> readers = {{N, UA}, {B, NF},  {O, NF}, {V, OK},
                                       {D, OK}, {PA, OK}, {HA, OK}};
  {
    rv1::GetEvidenceRegisterRequest m;
    m.set_assessment(round);
    reporting("GetEvidenceRegister", "of A's round", Fixed(m), readers, round);
    rv1::ExportReportRequest exported;
    *exported.mutable_evidence_register() = m;
    exported.set_format(rv1::FORMAT_JSON);
    reporting("ExportReport", "A's evidence register as JSON", Fixed(exported),
              {{N, UA}, {B, NF}, {O, NF}, {D, OK}}, round);
  }
  {
    rv1::GetEngagementSummaryRequest m;
    m.set_assessment(round);
    reporting("GetEngagementSummary", "of A's round", Fixed(m), readers, round);
  }
  {
    rv1::GetAuditsAndReviewsSummaryRequest m;
    m.set_assessment(round);
    reporting("GetAuditsAndReviewsSummary", "of A's round", Fixed(m), readers, round);
  }
  return rows;
}

}  // namespace sixsteps::testing
