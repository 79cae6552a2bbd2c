// Report requests the reporting tests share.
#pragma once

#include <cstdint>
#include <string>

#include "sixsteps/reporting/v1/reporting_service.pb.h"

namespace sixsteps::testing {

// ExportReport's request for one round's assessment report at feed position `min_sequence`,
// overdue actions judged on `as_of_date` ("" for today); the format is set by the caller.
inline reporting::v1::ExportReportRequest AssessmentReportExport(
    const std::string& assessment, int64_t min_sequence, const std::string& as_of_date = "") {
  reporting::v1::ExportReportRequest request;
  reporting::v1::GetAssessmentReportRequest& report = *request.mutable_assessment();
  report.set_assessment(assessment);
  report.set_min_sequence(min_sequence);
  report.set_as_of_date(as_of_date);
  return request;
}

}  // namespace sixsteps::testing
