// The scrutineer's report as plain functions (issue 15): its names, what its records must
// say, its lifecycle as a state machine over the record (draft -> shared -> each partner
// answers -> every dispute resolved -> published; a correction is a new draft version),
// and who may do what. No I/O: the handlers (scrutiny_report_service*.cc) call these.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/assessment/domain.h"
#include "sixsteps/assessment/v1/scrutiny_report.pb.h"
#include "sixsteps/assessment/v1/scrutiny_report_service.pb.h"

namespace sixsteps::assessment {

// ---- Limits (every text has one) ----
inline constexpr int kMaxSummaryLength = 20000;
inline constexpr int kMaxFindings = 100;
inline constexpr int kMaxRecommendations = 100;
inline constexpr int kMaxCitedEvidence = 50;
// Comments, dispute reasons and resolutions, recommendation texts, change notes, outcomes.
inline constexpr int kMaxNoteLength = 4000;
inline constexpr int kMaxConcernLength = 10000;
inline constexpr int kMaxDraftTextLength = 200000;
inline constexpr int kMaxDraftComments = 100;
inline constexpr int kMaxYearLength = 20;
inline constexpr int kMaxActionsPerRecommendation = 20;
// A version is one record, in every read and feed change of it.
inline constexpr size_t kMaxReportBytes = 1024 * 1024;

// ---- Names ----
// A version's state as stored and written: "draft", "shared", "published".
std::string ScrutinyReportStateName(v1::ScrutinyReport::State state);
std::string ScrutinyReportName(absl::string_view assessment_id, int version);
std::string RecommendationName(absl::string_view assessment_id, absl::string_view id);
// "assessments/{a}/scrutinyReport/recommendations/{r}"
absl::StatusOr<ChildName> ParseRecommendationName(absl::string_view name, absl::string_view field);
struct PartnershipChildName {  // partnerships/{p}/{collection}/{id}
  std::string partnership_id;
  std::string id;
};
std::string PartnershipChild(absl::string_view partnership_id, absl::string_view collection,
                             absl::string_view id);
absl::StatusOr<PartnershipChildName> ParsePartnershipChild(absl::string_view name,
                                                           absl::string_view collection,
                                                           absl::string_view field);
inline constexpr char kConcerns[] = "scrutinyConcerns";
inline constexpr char kDrafts[] = "annualReportDrafts";

// ---- Input ----
// Title, narrative, nature, steps and questions of `framework` (at least one), cited
// evidence (a response cited must be of `assessment_id`), amalgamated ids among
// `known_contributions` (when `allow_amalgamates`). INVALID_ARGUMENT naming the field.
absl::Status ValidateFindings(const google::protobuf::RepeatedPtrField<v1::Finding>& findings,
                              const FrameworkIndex& framework, absl::string_view assessment_id,
                              const std::vector<std::string>& known_contributions,
                              bool allow_amalgamates, absl::string_view field);
// The lead's text of a draft: summary, findings, and recommendations each tied to at least
// one finding of the report (a recommendation without a finding is INVALID_ARGUMENT), and
// the whole record within kMaxReportBytes.
absl::Status ValidateReportContent(const v1::ScrutinyReport& report,
                                   const FrameworkIndex& framework);
// Gives findings and recommendations without an id a new one; a finding's author is
// `author` unless it is kept from before (same id in `previous`).
void AssignFindingIds(google::protobuf::RepeatedPtrField<v1::Finding>* findings,
                      const google::protobuf::RepeatedPtrField<v1::Finding>& previous,
                      absl::string_view author);
void AssignRecommendationIds(
    google::protobuf::RepeatedPtrField<v1::Recommendation>* recs,
    const google::protobuf::RepeatedPtrField<v1::Recommendation>& previous);

// ---- Lifecycle: a state machine over the latest version ----
enum class ReportStep {
  kEdit,     // the lead's text or a scrutineer's own findings: a draft only
  kShare,    // draft -> shared
  kAnswer,   // a partner answers: shared only
  kResolve,  // the lead resolves a dispute: shared only
  kPublish,  // shared -> published
  kCorrect,  // published -> a new draft version
  kAccept,   // a recommendation becomes actions: published only
};
// FAILED_PRECONDITION when `step` does not apply to `latest`'s state.
absl::Status CheckReportStep(const v1::ScrutinyReport& latest, ReportStep step);
// Draft -> shared, asking `partners` (the round's organisation respondents): it needs a
// summary, a finding and a partner (FAILED_PRECONDITION).
absl::Status ShareReport(v1::ScrutinyReport& report, const std::vector<std::string>& partners,
                         absl::Time now);
// A partner's answer, replacing its earlier one: NOT_FOUND for an organisation not asked,
// FAILED_PRECONDITION once its dispute is resolved, INVALID_ARGUMENT for a missing comment
// or reason or an unknown finding.
absl::Status ApplyAnswer(v1::ScrutinyReport& report, const v1::AnswerScrutinyReportRequest& r,
                         absl::string_view actor, absl::Time now);
// The final arbiter's resolution of an organisation's dispute.
absl::Status ApplyResolution(v1::ScrutinyReport& report, const v1::ResolveScrutinyDisputeRequest& r,
                             absl::string_view actor, absl::Time now);
// The organisations asked that have not answered.
std::vector<std::string> UnansweredPartners(const v1::ScrutinyReport& report);
// Shared -> published: FAILED_PRECONDITION while a dispute is unresolved, or a partner has
// not answered and `unanswered_note` is empty.
absl::Status PublishReport(v1::ScrutinyReport& report, absl::string_view unanswered_note,
                           absl::string_view actor, absl::Time now);
// The next version of a published one: a draft with the same text and contributions, no
// answers, and the change note.
v1::ScrutinyReport CorrectionOf(const v1::ScrutinyReport& published, absl::string_view change_note,
                                absl::Time now);
// Marks the recommendation accepted with its actions: NOT_FOUND if the version has no such
// recommendation, FAILED_PRECONDITION if it was accepted already.
absl::Status AcceptRecommendationIn(v1::ScrutinyReport& report, absl::string_view id,
                                    absl::string_view actor, absl::Time now);

// ---- Who may do what ----
// A scrutineer respondent of the round.
bool IsRoundScrutineer(const Caller& caller, const std::vector<v1::Respondent>& respondents);
// The round's organisation respondents, in order, once each.
std::vector<std::string> OrganisationRespondents(const std::vector<v1::Respondent>& respondents);
// PERMISSION_DENIED unless the caller is the report's lead scrutineer.
absl::Status CheckIsLead(const Caller& caller, const v1::ScrutinyReport& report);
// PERMISSION_DENIED unless the caller is a partner respondent of `organisation` (a
// partner never answers for another).
absl::Status CheckCanAnswerFor(const Caller& caller, absl::string_view partnership_id,
                               absl::string_view organisation);
// Whether the caller sees a version: shared and published ones to whoever sees the round,
// drafts only to the partnership's scrutineers.
bool CanSeeVersion(const Caller& caller, const v1::Assessment& round,
                   const v1::ScrutinyReport& report);
// Concerns (c4): raised by the partnership's partner respondents, action owners and
// administrators; seen whole and settled by its administrators and the region's hub
// administrators; others who raised one see their own.
absl::Status CheckCanRaiseConcern(const Caller& caller, absl::string_view region,
                                  absl::string_view partnership);
bool SeesEveryConcern(const Caller& caller, absl::string_view region,
                      absl::string_view partnership);
absl::Status CheckCanSettleConcern(const Caller& caller, absl::string_view region,
                                   absl::string_view partnership);
// Annual report drafts (c16): attached by the partnership's administrators (and the
// region's hub administrators), commented on by its scrutineers.
absl::Status CheckCanAttachDraft(const Caller& caller, absl::string_view region,
                                 absl::string_view partnership);
absl::Status CheckCanCommentOnDraft(const Caller& caller, absl::string_view partnership);
// Title, year, text and/or link of a new draft.
absl::Status ValidateDraft(const v1::AnnualReportDraft& draft);

}  // namespace sixsteps::assessment
