// The auth matrix's rows of the evidence and voice reports (issue 16, H5): a round's
// evidence register, engagement summary and audits-and-reviews summary, read by anyone who
// can read the partnership (its own roles, and the region's viewers and dashboards, who see
// its OFFICIAL material only), NOT_FOUND to other tenants. See
// auth_matrix_assessment_test.cc for what the rows prove.
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
constexpr Who PA = Who::kPartnershipAdminA;
constexpr Who HA = Who::kHubAdminA;
constexpr Code UA = Code::kUnauthenticated;
constexpr Code NF = Code::kNotFound;
constexpr Code OK = Code::kOk;

}  // namespace

std::vector<Row> RegisterRows(const MatrixWorld& world) {
  const std::string& round = world.assessment.round;
  std::vector<Row> rows;
  auto reporting = [&](const std::string& method, const std::string& what, RequestFn request,
                       std::initializer_list<std::pair<Who, Code>> expects) {
    for (const auto& [who, code] : expects) {
      rows.push_back({absl::StrCat(rv1::ReportingService::service_full_name(), ".", method), what,
                      who, code, request, code == OK ? round : "", false});
    }
  };
  std::initializer_list<std::pair<Who, Code>> readers = {{N, UA}, {B, NF},  {O, NF}, {V, OK},
                                                         {D, OK}, {PA, OK}, {HA, OK}};
  {
    rv1::GetEvidenceRegisterRequest m;
    m.set_assessment(round);
    reporting("GetEvidenceRegister", "of A's round", Fixed(m), readers);
    rv1::ExportReportRequest exported;
    *exported.mutable_evidence_register() = m;
    exported.set_format(rv1::FORMAT_JSON);
    reporting("ExportReport", "A's evidence register as JSON", Fixed(exported),
              {{N, UA}, {B, NF}, {O, NF}, {D, OK}});
  }
  {
    rv1::GetEngagementSummaryRequest m;
    m.set_assessment(round);
    reporting("GetEngagementSummary", "of A's round", Fixed(m), readers);
  }
  {
    rv1::GetAuditsAndReviewsSummaryRequest m;
    m.set_assessment(round);
    reporting("GetAuditsAndReviewsSummary", "of A's round", Fixed(m), readers);
  }
  return rows;
}

}  // namespace sixsteps::testing
