// gmock fakes of the assessment store's interfaces (store.h), for unit tests of the
// service's rules without PostgreSQL. A test gives MockAssessmentStore::InRound a
// MockRoundTx to run the handler's work on; every read a handler makes must then be given
// a result (gmock's default for absl::StatusOr is an error).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>

#include "services/assessment/store.h"

namespace sixsteps::assessment {

class MockRoundTx : public RoundTx {
 public:
  MOCK_METHOD(const StoredAssessment&, round, (), (const, override));

  MOCK_METHOD(absl::StatusOr<std::optional<v1::Respondent>>, GetRespondent, (const std::string& id),
              (override));
  MOCK_METHOD(absl::StatusOr<std::vector<v1::Respondent>>, Respondents, (), (override));
  MOCK_METHOD(absl::StatusOr<std::optional<v1::Response>>, GetResponseForUpdate,
              (const std::string& respondent_id, const std::string& question_id), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<v1::Response>>, Responses,
              (const std::string& respondent_filter, const std::string& question_filter),
              (override));
  MOCK_METHOD(absl::StatusOr<std::optional<v1::Consolidation>>, GetConsolidationForUpdate,
              (const std::string& question_id), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<v1::Consolidation>>, Consolidations, (), (override));
  MOCK_METHOD(absl::StatusOr<std::optional<v1::Challenge>>, GetChallengeForUpdate,
              (const std::string& id), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<v1::Challenge>>, Challenges, (), (override));
  MOCK_METHOD(absl::StatusOr<std::optional<v1::ContextAnswer>>, GetContextAnswerForUpdate,
              (const std::string& context_question_id), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<v1::ContextAnswer>>, ContextAnswers, (), (override));
  MOCK_METHOD(absl::StatusOr<std::set<std::string>>, QuestionsCoveredByActions, (), (override));
  MOCK_METHOD(absl::StatusOr<std::optional<FinalisedRevisionRef>>, LatestFinalised,
              (v1::AssessmentKind kind), (override));

  MOCK_METHOD(absl::StatusOr<std::optional<av1::Action>>, GetActionForUpdate,
              (const std::string& action_id), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<av1::Action>>, OpenActionsOf,
              (const std::string& assessment_id), (override));
  MOCK_METHOD(absl::StatusOr<ProgressUsage>, ProgressUsageOf, (const std::string& action_id),
              (override));
  MOCK_METHOD(absl::Status, AppendProgressUpdate,
              (const std::string& action_id, const av1::ProgressUpdate& update), (override));

  MOCK_METHOD(absl::StatusOr<std::optional<v1::EvidenceFile>>, EvidenceFileOf,
              (const std::string& file_id), (override));
  MOCK_METHOD(absl::Status, PutAssessment,
              (v1::Assessment & assessment, v1::ChangeKind change, const Provenance& provenance),
              (override));
  MOCK_METHOD(absl::Status, PutRespondent,
              (v1::Respondent & respondent, const Provenance& provenance), (override));
  MOCK_METHOD(absl::Status, DeleteRespondent, (const std::string& id, const Provenance& provenance),
              (override));
  MOCK_METHOD(absl::Status, UpdateRespondent,
              (v1::Respondent & respondent, v1::ChangeKind change, const Provenance& provenance),
              (override));
  MOCK_METHOD(absl::Status, PutResponse, (v1::Response & response, const Provenance& provenance),
              (override));
  MOCK_METHOD(absl::Status, PutConsolidation,
              (v1::Consolidation & consolidation, const Provenance& provenance), (override));
  MOCK_METHOD(absl::Status, PutChallenge,
              (v1::Challenge & challenge, v1::ChangeKind change, const Provenance& provenance),
              (override));
  MOCK_METHOD(absl::Status, PutContextAnswer,
              (v1::ContextAnswer & answer, const Provenance& provenance), (override));
  MOCK_METHOD(absl::Status, PutFinalisedRevision, (const v1::FinalisedRevision& revision),
              (override));
  MOCK_METHOD(absl::Status, PutAction, (av1::Action & action, const Provenance& provenance),
              (override));

  MOCK_METHOD(void, SetIdempotentResult, (std::string serialized_response), (override));

  MOCK_METHOD(absl::StatusOr<std::vector<v1::ScrutinyReport>>, ScrutinyReportVersions, (),
              (override));
  MOCK_METHOD(absl::Status, PutScrutinyReport,
              (v1::ScrutinyReport & report, v1::ChangeKind change, const Provenance& provenance),
              (override));
};

class MockAssessmentStore : public AssessmentStore {
 public:
  MOCK_METHOD(absl::Status, CreateAssessment,
              (StoredAssessment & round, const Provenance& provenance, const IdempotencyKey* key,
               std::optional<std::string>* repeated),
              (override));
  MOCK_METHOD(absl::StatusOr<std::optional<std::string>>, FindRepeat, (const IdempotencyKey& key),
              (override));
  MOCK_METHOD(absl::StatusOr<StoredAssessment>, GetAssessment, (const std::string& id), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<v1::Assessment>>, ListAssessments,
              (const Visibility& visible, const std::string& partnership_filter, int64_t before_seq,
               int limit, std::vector<int64_t>* seqs),
              (override));
  MOCK_METHOD(absl::Status, InRound,
              (const std::string& assessment_id, RoundLock lock, const RoundWork& work,
               const IdempotencyKey* key, std::optional<std::string>* repeated),
              (override));
  MOCK_METHOD(absl::StatusOr<av1::Action>, GetAction, (const std::string& id), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<av1::Action>>, ListActions,
              (const Visibility& visible, const ActionFilter& filter, int limit), (override));
  MOCK_METHOD(absl::StatusOr<ProgressUsage>, GetProgressUsage, (const std::string& action_id),
              (override));
  MOCK_METHOD(absl::StatusOr<std::vector<av1::ProgressUpdate>>, ListProgressUpdates,
              (const std::string& action_id, int after_number, int limit), (override));
  MOCK_METHOD(absl::StatusOr<v1::FinalisedRevision>, GetFinalisedRevision,
              (const std::string& assessment_id, int revision), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<v1::Revision>>, ListRevisions,
              (const std::string& record_name, int64_t after_id, int limit,
               std::vector<int64_t>* ids),
              (override));
  MOCK_METHOD(absl::StatusOr<std::vector<v1::Change>>, ListChanges,
              (const Visibility& visible, const std::string& partnership_filter,
               int64_t after_sequence, int limit, int64_t max_bytes, ChangePageInfo* page),
              (override));
};

}  // namespace sixsteps::assessment
