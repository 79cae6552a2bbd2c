// The one spelling of a round kind in the reporting API (GetPartnershipTrendRequest.kind,
// PartnershipTrend.kind, the HTTP trend route's ?kind=): the AssessmentKind value's name
// without its ASSESSMENT_KIND_ prefix, in lower_snake_case:
//   independent_scrutiny (the default), self_assessment, wider_partner_assessment.
// Read leniently, so that what the CLI and older clients send keeps working: case is
// ignored, '-' and ' ' count as '_', the full enum name ("ASSESSMENT_KIND_SELF_ASSESSMENT")
// is accepted, and so is the CLI's word "wider-partners". Replies always use the one
// spelling.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sixsteps/assessment/v1/assessment.pb.h"

namespace sixsteps::reporting {

// The kind a request names; empty means ASSESSMENT_KIND_INDEPENDENT_SCRUTINY.
// INVALID_ARGUMENT "kind: ..." for anything else.
absl::StatusOr<assessment::v1::AssessmentKind> ParseRoundKind(absl::string_view kind);

// The one spelling of `kind` ("self_assessment"); "" for ASSESSMENT_KIND_UNSPECIFIED.
std::string RoundKindKey(assessment::v1::AssessmentKind kind);

}  // namespace sixsteps::reporting
