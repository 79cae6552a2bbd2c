// The gRPC AssessmentService: each RPC authenticates (SIXSTEPS_RPC), then runs its handler
// Do{Rpc}, which checks the request, applies the domain rules inside the round's
// transaction, and returns. The handlers are in assessment_service_{resource}.cc, one file
// per resource (rounds, respondents, responses, consolidations, challenges, context
// answers, revisions, the feed); assessment_service.cc holds what they share.
#pragma once

#include <algorithm>
#include <atomic>
#include <string>

#include "absl/status/statusor.h"
#include "services/assessment/directory.h"
#include "services/assessment/domain.h"
#include "services/assessment/feed.h"
#include "services/assessment/store.h"
#include "services/assessment/watch_streams.h"
#include "services/base/clock.h"
#include "services/common/auth.h"
#include "services/common/pagination.h"
#include "sixsteps/assessment/v1/assessment_service.grpc.pb.h"

namespace sixsteps::assessment {

// WatchChanges is served by a callback reactor (assessment_service_feed.cc); the other RPCs
// are synchronous.
class AssessmentServiceImpl final : public v1::AssessmentService::WithCallbackMethod_WatchChanges<
                                        v1::AssessmentService::Service> {
 public:
  // Everything must outlive the service. `signal`, notified whenever the numbered feed may
  // have moved (FeedSequencer's `numbered`), wakes WatchChanges streams; `watch_limits`
  // caps how many run at once; `clock` and `hub_time_zone` say what "today" is for
  // respondents' response deadlines.
  AssessmentServiceImpl(AssessmentStore* store, Directory* directory,
                        const auth::TokenVerifier* verifier, ChangeSignal* signal,
                        WatchLimits watch_limits = {}, const Clock* clock = &SystemClock(),
                        absl::TimeZone hub_time_zone = absl::UTCTimeZone())
      : store_(store),
        directory_(directory),
        verifier_(verifier),
        signal_(signal),
        watch_slots_(watch_limits),
        watch_streams_(signal),
        clock_(clock),
        zone_(hub_time_zone) {}

  // Ends every WatchChanges stream (UNAVAILABLE), so a graceful shutdown does not wait on
  // them; their clients reconnect to another replica and resume from their cursor.
  void BeginShutdown();

  grpc::Status CreateAssessment(grpc::ServerContext*, const v1::CreateAssessmentRequest*,
                                v1::Assessment*) override;
  grpc::Status GetAssessment(grpc::ServerContext*, const v1::GetAssessmentRequest*,
                             v1::Assessment*) override;
  grpc::Status ListAssessments(grpc::ServerContext*, const v1::ListAssessmentsRequest*,
                               v1::ListAssessmentsResponse*) override;
  grpc::Status UpdateAssessment(grpc::ServerContext*, const v1::UpdateAssessmentRequest*,
                                v1::Assessment*) override;
  grpc::Status SubmitAssessmentForReview(grpc::ServerContext*,
                                         const v1::SubmitAssessmentForReviewRequest*,
                                         v1::Assessment*) override;
  grpc::Status CheckFinalisation(grpc::ServerContext*, const v1::CheckFinalisationRequest*,
                                 v1::CheckFinalisationResponse*) override;
  grpc::Status FinaliseAssessment(grpc::ServerContext*, const v1::FinaliseAssessmentRequest*,
                                  v1::Assessment*) override;
  grpc::Status ReopenAssessment(grpc::ServerContext*, const v1::ReopenAssessmentRequest*,
                                v1::Assessment*) override;
  grpc::Status GetFinalisedRevision(grpc::ServerContext*, const v1::GetFinalisedRevisionRequest*,
                                    v1::FinalisedRevision*) override;
  grpc::Status AddRespondent(grpc::ServerContext*, const v1::AddRespondentRequest*,
                             v1::Respondent*) override;
  grpc::Status ListRespondents(grpc::ServerContext*, const v1::ListRespondentsRequest*,
                               v1::ListRespondentsResponse*) override;
  grpc::Status DeleteRespondent(grpc::ServerContext*, const v1::DeleteRespondentRequest*,
                                google::protobuf::Empty*) override;
  grpc::Status UpsertResponse(grpc::ServerContext*, const v1::UpsertResponseRequest*,
                              v1::Response*) override;
  grpc::Status BatchUpsertResponses(grpc::ServerContext*, const v1::BatchUpsertResponsesRequest*,
                                    v1::BatchUpsertResponsesResponse*) override;
  grpc::Status GetResponse(grpc::ServerContext*, const v1::GetResponseRequest*,
                           v1::Response*) override;
  grpc::Status ListResponses(grpc::ServerContext*, const v1::ListResponsesRequest*,
                             v1::ListResponsesResponse*) override;
  grpc::Status BatchConsolidateQuestions(grpc::ServerContext*,
                                         const v1::BatchConsolidateQuestionsRequest*,
                                         v1::BatchConsolidateQuestionsResponse*) override;
  grpc::Status ConsolidateQuestion(grpc::ServerContext*, const v1::ConsolidateQuestionRequest*,
                                   v1::Consolidation*) override;
  grpc::Status ListConsolidations(grpc::ServerContext*, const v1::ListConsolidationsRequest*,
                                  v1::ListConsolidationsResponse*) override;
  grpc::Status GetDivergence(grpc::ServerContext*, const v1::GetDivergenceRequest*,
                             v1::GetDivergenceResponse*) override;
  grpc::Status RaiseChallenge(grpc::ServerContext*, const v1::RaiseChallengeRequest*,
                              v1::Challenge*) override;
  grpc::Status AnswerChallenge(grpc::ServerContext*, const v1::AnswerChallengeRequest*,
                               v1::Challenge*) override;
  grpc::Status CloseChallenge(grpc::ServerContext*, const v1::CloseChallengeRequest*,
                              v1::Challenge*) override;
  grpc::Status ListChallenges(grpc::ServerContext*, const v1::ListChallengesRequest*,
                              v1::ListChallengesResponse*) override;
  grpc::Status SetContextAnswer(grpc::ServerContext*, const v1::SetContextAnswerRequest*,
                                v1::ContextAnswer*) override;
  grpc::Status ListContextAnswers(grpc::ServerContext*, const v1::ListContextAnswersRequest*,
                                  v1::ListContextAnswersResponse*) override;
  grpc::Status ListRevisions(grpc::ServerContext*, const v1::ListRevisionsRequest*,
                             v1::ListRevisionsResponse*) override;
  grpc::Status ListChanges(grpc::ServerContext*, const v1::ListChangesRequest*,
                           v1::ListChangesResponse*) override;
  grpc::ServerWriteReactor<v1::WatchChangesResponse>* WatchChanges(
      grpc::CallbackServerContext* context, const v1::WatchChangesRequest* request) override;

 private:
  // Unit tests call the handlers directly, with a caller they build (tests/unit).
  friend class AssessmentServicePeer;
  friend class WatchStream;

  // SIXSTEPS_RPC authenticates each call with this, then calls Do{Method}.
  const auth::TokenVerifier& verifier() const { return *verifier_; }

  // One handler per RPC, named after it, in assessment_service_{resource}.cc next to the
  // SIXSTEPS_RPC line that serves it.
  absl::StatusOr<v1::Assessment> DoCreateAssessment(const Caller& caller,
                                                    const v1::CreateAssessmentRequest& request);
  absl::StatusOr<v1::Assessment> DoGetAssessment(const Caller& caller,
                                                 const v1::GetAssessmentRequest& r);
  absl::StatusOr<v1::ListAssessmentsResponse> DoListAssessments(
      const Caller& caller, const v1::ListAssessmentsRequest& r);
  absl::StatusOr<v1::Assessment> DoUpdateAssessment(const Caller& caller,
                                                    const v1::UpdateAssessmentRequest& r);
  absl::StatusOr<v1::Assessment> DoSubmitAssessmentForReview(
      const Caller& caller, const v1::SubmitAssessmentForReviewRequest& r);
  absl::StatusOr<v1::CheckFinalisationResponse> DoCheckFinalisation(
      const Caller& caller, const v1::CheckFinalisationRequest& r);
  absl::StatusOr<v1::Assessment> DoFinaliseAssessment(const Caller& caller,
                                                      const v1::FinaliseAssessmentRequest& r);
  absl::StatusOr<v1::Assessment> DoReopenAssessment(const Caller& caller,
                                                    const v1::ReopenAssessmentRequest& r);
  absl::StatusOr<v1::FinalisedRevision> DoGetFinalisedRevision(
      const Caller& caller, const v1::GetFinalisedRevisionRequest& r);
  absl::StatusOr<v1::Respondent> DoAddRespondent(const Caller& caller,
                                                 const v1::AddRespondentRequest& r);
  absl::StatusOr<v1::ListRespondentsResponse> DoListRespondents(
      const Caller& caller, const v1::ListRespondentsRequest& r);
  absl::StatusOr<google::protobuf::Empty> DoDeleteRespondent(const Caller& caller,
                                                             const v1::DeleteRespondentRequest& r);
  absl::StatusOr<v1::Response> DoUpsertResponse(const Caller& caller,
                                                const v1::UpsertResponseRequest& r);
  absl::StatusOr<v1::BatchUpsertResponsesResponse> DoBatchUpsertResponses(
      const Caller& caller, const v1::BatchUpsertResponsesRequest& r);
  absl::StatusOr<v1::Response> DoGetResponse(const Caller& caller, const v1::GetResponseRequest& r);
  absl::StatusOr<v1::ListResponsesResponse> DoListResponses(const Caller& caller,
                                                            const v1::ListResponsesRequest& r);
  absl::StatusOr<v1::Consolidation> DoConsolidateQuestion(const Caller& caller,
                                                          const v1::ConsolidateQuestionRequest& r);
  absl::StatusOr<v1::BatchConsolidateQuestionsResponse> DoBatchConsolidateQuestions(
      const Caller& caller, const v1::BatchConsolidateQuestionsRequest& r);
  absl::StatusOr<v1::ListConsolidationsResponse> DoListConsolidations(
      const Caller& caller, const v1::ListConsolidationsRequest& r);
  absl::StatusOr<v1::GetDivergenceResponse> DoGetDivergence(const Caller& caller,
                                                            const v1::GetDivergenceRequest& r);
  absl::StatusOr<v1::Challenge> DoRaiseChallenge(const Caller& caller,
                                                 const v1::RaiseChallengeRequest& r);
  absl::StatusOr<v1::Challenge> DoAnswerChallenge(const Caller& caller,
                                                  const v1::AnswerChallengeRequest& r);
  absl::StatusOr<v1::Challenge> DoCloseChallenge(const Caller& caller,
                                                 const v1::CloseChallengeRequest& r);
  absl::StatusOr<v1::ListChallengesResponse> DoListChallenges(const Caller& caller,
                                                              const v1::ListChallengesRequest& r);
  absl::StatusOr<v1::ContextAnswer> DoSetContextAnswer(const Caller& caller,
                                                       const v1::SetContextAnswerRequest& r);
  absl::StatusOr<v1::ListContextAnswersResponse> DoListContextAnswers(
      const Caller& caller, const v1::ListContextAnswersRequest& r);
  absl::StatusOr<v1::ListRevisionsResponse> DoListRevisions(const Caller& caller,
                                                            const v1::ListRevisionsRequest& r);
  absl::StatusOr<v1::ListChangesResponse> DoListChanges(const Caller& caller,
                                                        const v1::ListChangesRequest& r);
  // One page of the feed for the caller, with its per-caller cursor; `*more` when the page
  // was cut (by count or by bytes) and more may follow at once.
  absl::StatusOr<v1::ListChangesResponse> ChangesPage(const Caller& caller,
                                                      const v1::ListChangesRequest& r, bool* more);

  // One response write inside a round's transaction: the rules of UpsertResponse.
  absl::StatusOr<v1::Response> WriteResponse(RoundTx& tx, const Caller& caller,
                                             const v1::Response& request, absl::string_view field);
  // One consolidation inside a round's transaction: the rules of ConsolidateQuestion
  // (ValidateConsolidation has checked the request itself).
  absl::StatusOr<v1::Consolidation> WriteConsolidation(RoundTx& tx, const Caller& caller,
                                                       const v1::Consolidation& request,
                                                       absl::string_view field);
  // Runs `work` on a round the caller can see (NOT_FOUND otherwise, as if it did not exist).
  absl::Status InVisibleRound(const Caller& caller, const std::string& assessment_id,
                              RoundLock lock, const AssessmentStore::RoundWork& work);
  // The same with RoundLock::kShared for writes to `responses` of the round: the store refuses
  // a round the caller cannot see before it locks anything, and reads the respondents and the
  // responses with the round (AssessmentStore::InRoundForResponses).
  absl::Status InVisibleRoundForResponses(const Caller& caller, const std::string& assessment_id,
                                          const std::vector<ResponseKey>& responses,
                                          const AssessmentStore::RoundWork& work);
  // The round, if the caller can see it.
  absl::StatusOr<StoredAssessment> VisibleRound(const Caller& caller, const std::string& id);
  // Changes the round's state, with the rules of the transition.
  absl::StatusOr<v1::Assessment> Transition(const Caller& caller, const std::string& name,
                                            const std::string& etag, v1::Assessment::State to,
                                            const std::string& reason);

  AssessmentStore* store_;
  Directory* directory_;
  const auth::TokenVerifier* verifier_;
  ChangeSignal* signal_;
  WatchSlots watch_slots_;
  WatchStreams watch_streams_;
  const Clock* clock_;
  absl::TimeZone zone_;
  std::atomic<bool> shutting_down_{false};
};

// The key under which a create is remembered: the caller, their request id, the method and
// a digest of the request without its request id. Null when there is no request id.
std::optional<IdempotencyKey> KeyFor(const Caller& caller, absl::string_view method,
                                     absl::string_view request_id,
                                     const google::protobuf::Message& request_without_id);

// One page of a round's records in name order (a round holds at most a few hundred of
// each, read whole): those named after `after` (all when empty), at most `page_size` of
// them into `page`, and `*next_page_token` (for `query`) when more follow.
template <typename Record>
void PageByName(std::vector<Record> records, absl::string_view after, int page_size,
                absl::string_view query, google::protobuf::RepeatedPtrField<Record>* page,
                std::string* next_page_token) {
  std::sort(records.begin(), records.end(),
            [](const Record& a, const Record& b) { return a.name() < b.name(); });
  for (Record& record : records) {
    if (!after.empty() && record.name() <= after) continue;
    if (page->size() == page_size) {
      *next_page_token = EncodePageToken((*page)[page_size - 1].name(), query);
      break;
    }
    *page->Add() = std::move(record);
  }
}

// The response stored for an earlier request with the same request id, parsed.
template <typename Message>
absl::StatusOr<Message> RepeatedResponse(const std::string& bytes) {
  Message message;
  if (!message.ParseFromString(bytes)) return absl::DataLossError("stored response unreadable");
  return message;
}

}  // namespace sixsteps::assessment
