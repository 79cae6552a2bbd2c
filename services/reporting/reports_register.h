// The evidence and voice reports of issue 16 (H5): a round's evidence register, its
// engagement summary and its audits-and-reviews summary, built from read-model data by
// plain functions (no I/O, no clock), and the lines they add to the annual report section.
//
// Classification: the read model holds what the reporting service's account may read, so
// OFFICIAL-SENSITIVE records arrive with their name and classification only. The builders
// still decide per caller: with `sees_sensitive` false (anyone but the partnership's own
// roles and its hub administrators) every OFFICIAL-SENSITIVE item is left out without a
// trace; with it true, sensitive records whose content the read model holds are shown and
// the others counted in `sensitive_not_shown`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/reporting/reports.h"
#include "sixsteps/assessment/v1/evidence_file.pb.h"
#include "sixsteps/assessment/v1/scrutiny_report.pb.h"
#include "sixsteps/assessment/v1/voice.pb.h"

namespace sixsteps::reporting {

// The evidence files and voice records of one round, as the read model holds them.
struct RegisterData {
  // Files uploaded for the round, and files of the partnership its evidence items name.
  std::vector<av1::EvidenceFile> files;
  // "evidenceFiles/{id}" → the ISO date it was purged, for purged files.
  absl::flat_hash_map<std::string, std::string> purge_dates;
  std::vector<av1::EngagementRecord> engagement;
  std::vector<av1::CaseAudit> audits;
  std::vector<av1::LearningReview> reviews;
  // The round's latest published scrutineer's report, if any: its findings and
  // recommendations name files too.
  std::optional<av1::ScrutinyReport> published_report;
};

// Whether a caller may read the partnership's (id) OFFICIAL-SENSITIVE material in reports,
// and so is told how many such records a report leaves out: only its own roles (any binding
// on the partnership itself), as the assessment service decides for the records themselves;
// never hub administrators, region-wide or deployment-wide roles.
bool SeesSensitive(const auth::Caller& caller, absl::string_view partnership);

// Counts an action into `counts` (open, overdue as of `as_of`, done, cancelled, carried over)
// as the other reports count them.
void CountActionStatus(const actv1::Action& action, absl::string_view as_of,
                       rv1::ActionCounts& counts);

rv1::EvidenceRegister BuildEvidenceRegister(const RoundData& round, const RegisterData& data,
                                            bool sees_sensitive, const rv1::Freshness& freshness);
rv1::EngagementSummary BuildEngagementSummary(const RoundData& round, const RegisterData& data,
                                              bool sees_sensitive, const rv1::Freshness& freshness);
// Action progress as of `as_of` (ISO date).
rv1::AuditsAndReviewsSummary BuildAuditsAndReviewsSummary(const RoundData& round,
                                                          const RegisterData& data,
                                                          bool sees_sensitive,
                                                          absl::string_view as_of,
                                                          const rv1::Freshness& freshness);

// The annual report section's lines about engagement, case audits and learning reviews
// (Markdown, every record text escaped); empty when the round has none of them.
std::string AnnualVoiceMarkdown(const rv1::EngagementSummary& engagement,
                                const rv1::AuditsAndReviewsSummary& audits);

// Enum values as the reports spell them: the value name without its prefix, lower case.
std::string ClassificationText(av1::Classification classification);

}  // namespace sixsteps::reporting
