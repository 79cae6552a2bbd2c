// Voice records the integration tests plant (voice_records_test.cc, register_reports_test.cc):
// one graded case audit, so that the summaries' sums are the same wherever it is read.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "sixsteps/assessment/v1/voice.pb.h"

namespace sixsteps::testing {

// A case audit of neglect by `agencies` (organisation names): 12 cases graded 7 good, 4
// requiring improvement and 1 inadequate, with one finding; no questions or steps yet.
inline assessment::v1::CaseAudit NeglectCaseAudit(const std::vector<std::string>& agencies) {
  namespace av1 = ::sixsteps::assessment::v1;
  av1::CaseAudit audit;
  audit.set_topic("Neglect: children on child protection plans");
  audit.set_audit_date("2025-06-20");
  for (const std::string& agency : agencies) audit.add_agencies(agency);
  audit.set_case_count(12);
  for (auto [grade, count] : {std::pair{av1::CASE_GRADE_GOOD, 7},
                              {av1::CASE_GRADE_REQUIRES_IMPROVEMENT, 4},
                              {av1::CASE_GRADE_INADEQUATE, 1}}) {
    av1::GradeCount* graded = audit.add_grades();
    graded->set_grade(grade);
    graded->set_count(count);
  }
  audit.add_findings("Chronologies were not shared between agencies");
  return audit;
}

}  // namespace sixsteps::testing
