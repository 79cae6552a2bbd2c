// The assessment domain as plain functions: names, the pinned framework's questions,
// assignments, the Section 5 evidence rule, evidence bookkeeping, the lifecycle,
// finalisation, divergence, and who may do what.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/base/etag.h"
#include "services/base/names.h"  // LastSegment, used with these names.
#include "services/common/auth.h"
#include "sixsteps/assessment/v1/assessment.pb.h"
#include "sixsteps/framework/v1/framework.pb.h"

namespace sixsteps::assessment {

namespace fv1 = ::sixsteps::framework::v1;
using auth::Caller;

inline constexpr int kMaxTitleLength = 300;
inline constexpr int kMaxTextLength = 10000;
inline constexpr int kMaxShortTextLength = 2000;
inline constexpr int kMaxEvidenceItems = 100;
inline constexpr int kMaxBatchSize = 500;
inline constexpr int kMaxRequestIdLength = 128;

// ---- Names ----
struct RespondentName {
  std::string assessment_id;
  std::string respondent_id;
};
struct ResponseName {
  std::string assessment_id;
  std::string respondent_id;
  std::string question_id;
};
struct ChildName {  // assessments/{a}/{collection}/{id}
  std::string assessment_id;
  std::string id;
};

std::string AssessmentName(absl::string_view id);
std::string RespondentResourceName(absl::string_view assessment, absl::string_view respondent);
std::string ResponseResourceName(const ResponseName& name);
std::string ConsolidationName(absl::string_view assessment, absl::string_view question);
std::string ChallengeName(absl::string_view assessment, absl::string_view challenge);
std::string ContextAnswerName(absl::string_view assessment, absl::string_view context_question);

absl::StatusOr<std::string> ParseAssessmentName(absl::string_view name, absl::string_view field);
// "partnerships/{p}" to its id; INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<std::string> ParsePartnership(absl::string_view name, absl::string_view field);
absl::StatusOr<RespondentName> ParseRespondentName(absl::string_view name, absl::string_view field);
absl::StatusOr<ResponseName> ParseResponseName(absl::string_view name, absl::string_view field);
// assessments/{a}/{collection}/{id}
absl::StatusOr<ChildName> ParseChildName(absl::string_view name, absl::string_view collection,
                                         absl::string_view field);

// ---- The pinned framework ----
struct FrameworkIndex {
  // Every question id in framework order, with its step.
  std::vector<std::pair<std::string, std::string>> questions;  // {question_id, step_id}
  absl::flat_hash_map<std::string, std::string> step_of;       // question → step
  std::set<std::string> steps;
  std::vector<std::string> context_questions;
  bool HasQuestion(absl::string_view id) const { return step_of.contains(id); }
};
FrameworkIndex IndexOf(const fv1::FrameworkVersion& framework);

// ---- Input ----
// An ISO date "YYYY-MM-DD" that exists.
absl::Status ValidateIsoDate(absl::string_view date, absl::string_view field);
// kind, title and period of a new round.
absl::Status ValidateNewAssessment(const v1::Assessment& assessment);
absl::Status ValidateRequestId(absl::string_view request_id);
// Exactly one of organisation and scrutineer; step and question ids of the framework.
absl::Status ValidateRespondent(const v1::Respondent& respondent, const FrameworkIndex& framework);
// Whether the respondent answers the question.
bool IsAssigned(const v1::Respondent& respondent, absl::string_view question_id,
                const FrameworkIndex& framework);

// Section 5: Green and Amber need at least one evidence item; Amber also needs the work
// still to do stated. INVALID_ARGUMENT naming the field under `prefix`.
// A batch call's size: at least one item and at most kMaxBatchSize `items` (named in the
// error, "responses" say). INVALID_ARGUMENT on "requests" otherwise.
absl::Status CheckBatchSize(int size, absl::string_view items);

absl::Status CheckEvidenceRule(fv1::Rating rating, int evidence_items,
                               absl::string_view remaining_work, absl::string_view prefix);
// Each item described, lengths within limits, links http(s).
absl::Status ValidateEvidence(const google::protobuf::RepeatedPtrField<v1::EvidenceItem>& items,
                              absl::string_view prefix);
// The evidence list after a write: items with an id must be ones already there (kept as
// they were: who added them and when never change); items without an id are new and get
// an id, `actor` and `now`; items left out are removed. INVALID_ARGUMENT for an unknown id.
absl::StatusOr<std::vector<v1::EvidenceItem>> MergeEvidence(
    const google::protobuf::RepeatedPtrField<v1::EvidenceItem>& existing,
    const google::protobuf::RepeatedPtrField<v1::EvidenceItem>& incoming, absl::string_view actor,
    absl::Time now, absl::string_view prefix);

// ---- Lifecycle ----
// FAILED_PRECONDITION for a finalised round: read-only.
absl::Status CheckWritable(const v1::Assessment& assessment);
// Draft → in review → finalised → (reopen) in review. Anything else is FAILED_PRECONDITION.
absl::Status CheckTransition(v1::Assessment::State from, v1::Assessment::State to);
// CheckEtag and RequireEtag: services/base/etag.h.
// For a create-or-replace write (a consolidation): replacing an existing record needs the
// etag it was read at. ABORTED, as a stale etag is, when none is given: the caller did not
// know the record existed.
absl::Status CheckReplaceEtag(absl::string_view given, absl::string_view stored,
                              absl::string_view what);

// What finalisation still needs, one line per gap, in framework order: each question
// needs a consolidated rating that meets the evidence rule and an action plan entry, and
// no challenge may be open.
struct FinalisationInputs {
  // question → consolidation
  absl::flat_hash_map<std::string, v1::Consolidation> consolidations;
  // question → evidence items across all responses to it
  absl::flat_hash_map<std::string, int> response_evidence;
  int open_challenges = 0;
  // Questions an action of the round covers.
  std::set<std::string> covered_by_actions;
};
std::vector<std::string> FinalisationGaps(const FrameworkIndex& framework,
                                          const FinalisationInputs& inputs);

// ---- Divergence ----
// Different ratings among respondents; severe when Green meets Red.
struct Spread {
  bool divergent = false;
  bool severe = false;
};
Spread SpreadOf(const std::vector<fv1::Rating>& ratings);

// ---- Who may do what ----
// Set up a round and its respondents, edit its title and period, submit it for review:
// its partnership's administrators and scrutineers, the region's hub administrators, and
// integrations of the partnership or region.
absl::Status CheckCanSetUp(const Caller& caller, const v1::Assessment& assessment);
// Answer for a respondent: an organisation's partner respondents (or an integration); a
// scrutineer answers for themself.
absl::Status CheckCanRespond(const Caller& caller, const v1::Assessment& assessment,
                             const v1::Respondent& respondent);
// Consolidate, raise and close challenges, finalise and reopen: scrutineers in an
// independent scrutiny, partnership administrators in the partners' own assessments.
absl::Status CheckCanReview(const Caller& caller, const v1::Assessment& assessment);
// Answer the partnership's context questions: its administrators, scrutineers and
// integrations.
absl::Status CheckCanAnswerContext(const Caller& caller, const v1::Assessment& assessment);
// Read anything of the round: anyone who can see the partnership.
bool CanRead(const Caller& caller, const v1::Assessment& assessment);

// ---- The regional-comparison opt-out (docs/permissions.md) ----
// Whether a partnership's opt-out, if it has opted out, hides it from the caller: when the
// caller's only way to it is a viewer or dashboard grant on its region itself, the grants
// that exist to compare a region's partnerships. Its members (any grant on it), hub
// administrators (of the region or the deployment), integrations (which write its records)
// and viewers and dashboards on "*" (the reporting service's own account) are not affected.
bool OptOutHides(const Caller& caller, absl::string_view region, absl::string_view partnership);
// The regions (ids) where OptOutHides may hide partnerships from the caller: those of its
// viewer and dashboard grants on a region itself, unless a wider grant covers the region.
// Empty for almost everyone, who then need not know which partnerships opted out.
std::vector<std::string> OptOutRegions(const Caller& caller);

}  // namespace sixsteps::assessment
