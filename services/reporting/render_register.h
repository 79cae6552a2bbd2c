// The evidence and voice reports (issue 16, H5) as files: JSON, and PDF and DOCX through
// their documents (document_register.cc) and the document writers. The other formats come
// from the generic writers over a document once they exist (the formats work); until then
// they are INVALID_ARGUMENT for these reports.
#pragma once

#include "absl/status/statusor.h"
#include "services/reporting/document.h"
#include "services/reporting/render.h"

namespace sixsteps::reporting {

absl::StatusOr<Rendered> Render(const v1::EvidenceRegister& report, v1::Format format);
absl::StatusOr<Rendered> Render(const v1::EngagementSummary& report, v1::Format format);
absl::StatusOr<Rendered> Render(const v1::AuditsAndReviewsSummary& report, v1::Format format);

namespace doc {
Document BuildDocument(const v1::EvidenceRegister& report);
Document BuildDocument(const v1::EngagementSummary& report);
Document BuildDocument(const v1::AuditsAndReviewsSummary& report);
}  // namespace doc

}  // namespace sixsteps::reporting
