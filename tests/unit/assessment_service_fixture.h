// The fixture of the AssessmentService handler unit tests: the service with gmock fakes of
// the store, the round's transaction and the directory (services/assessment/mocks) instead
// of PostgreSQL, identity and framework, over one round (assessments/a1, a self-assessment
// of partnerships/durham in regions/north). Writes are recorded for the tests to check.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "services/assessment/assessment_service.h"
#include "services/assessment/mocks/mock_assessment_store.h"
#include "services/assessment/mocks/mock_directory.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/assessment_test_util.h"

namespace sixsteps::assessment {

// Calls the service's private handlers with a caller the test builds (the gRPC methods
// would need a signed token): peer.CreateAssessment(caller, request) calls
// DoCreateAssessment.
// A test peer's forwarder of one RPC to its handler Do{Rpc} (the peer holds `service_`).
#define SIXSTEPS_PEER_HANDLER(Rpc) \
  auto Rpc(const Caller& caller, const auto& request) { return service_.Do##Rpc(caller, request); }

class AssessmentServicePeer {
 public:
  explicit AssessmentServicePeer(AssessmentServiceImpl& service) : service_(service) {}

  SIXSTEPS_PEER_HANDLER(CreateAssessment)
  SIXSTEPS_PEER_HANDLER(ListAssessments)
  SIXSTEPS_PEER_HANDLER(UpdateAssessment)
  SIXSTEPS_PEER_HANDLER(SubmitAssessmentForReview)
  SIXSTEPS_PEER_HANDLER(FinaliseAssessment)
  SIXSTEPS_PEER_HANDLER(ReopenAssessment)
  SIXSTEPS_PEER_HANDLER(CheckFinalisation)
  SIXSTEPS_PEER_HANDLER(ListRespondents)
  SIXSTEPS_PEER_HANDLER(ListChallenges)
  SIXSTEPS_PEER_HANDLER(UpsertResponse)
  SIXSTEPS_PEER_HANDLER(ConsolidateQuestion)

 private:
  AssessmentServiceImpl& service_;
};

namespace testing {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::IsNull;
using ::testing::NiceMock;
using ::testing::Return;
using ::testing::ReturnRef;
using State = v1::Assessment;

inline const Caller kAdmin = With(auth::Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "north", "durham");
inline const Caller kRespondent =
    With(auth::Role::ROLE_PARTNER_RESPONDENT, "north", "durham", "police");
inline const Caller kHubAdmin = With(auth::Role::ROLE_HUB_ADMINISTRATOR, "north");
// An administrator of another partnership, in another region: the round does not exist
// for them.
inline const Caller kStranger = With(auth::Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "south", "leeds");

// A written record with what the store was told about it.
struct PutAssessmentCall {
  v1::Assessment assessment;
  v1::ChangeKind change;
  Provenance provenance;
};

class AssessmentServiceTest : public ::testing::Test {
 protected:
  AssessmentServiceTest()
      : verifier_(nullptr), service_(&store_, &directory_, &verifier_, &signal_) {
    round_.assessment.set_name("assessments/a1");
    round_.assessment.set_partnership("partnerships/durham");
    round_.assessment.set_region("regions/north");
    round_.assessment.set_framework_version("frameworks/six-steps/versions/1");
    round_.assessment.set_kind(v1::ASSESSMENT_KIND_SELF_ASSESSMENT);
    round_.assessment.set_state(v1::Assessment::STATE_DRAFT);
    round_.assessment.set_revision(1);
    round_.assessment.set_etag("3");
    round_.framework = std::make_shared<const fv1::FrameworkVersion>(TwoQuestions());

    ON_CALL(store_, GetAssessment(_)).WillByDefault([this](const std::string& id) {
      if (id != "a1") return absl::StatusOr<StoredAssessment>(absl::NotFoundError(id));
      return absl::StatusOr<StoredAssessment>(round_);
    });
    ON_CALL(store_, InRound(_, _, _, _, _))
        .WillByDefault([this](const std::string& id, RoundLock,
                              const AssessmentStore::RoundWork& work, const IdempotencyKey*,
                              std::optional<std::string>*) -> absl::Status {
          if (id != "a1") return absl::NotFoundError(id);
          return work(tx_);
        });
    ON_CALL(store_, FindRepeat(_)).WillByDefault(Return(std::optional<std::string>()));
    ON_CALL(store_, CreateAssessment(_, _, _, _)).WillByDefault(Return(absl::OkStatus()));
    ON_CALL(directory_, PartnershipRegion(_, "durham")).WillByDefault(Return(std::string("north")));
    ON_CALL(directory_, PublishedFrameworkVersion(_, _)).WillByDefault(Return(TwoQuestions()));
    ON_CALL(directory_, OptedOutPartnerships(_, _))
        .WillByDefault(Return(std::vector<std::string>()));

    ON_CALL(tx_, round()).WillByDefault(ReturnRef(round_));
    ON_CALL(tx_, Respondents()).WillByDefault([this] {
      return absl::StatusOr<std::vector<v1::Respondent>>(respondents_);
    });
    ON_CALL(tx_, GetRespondent(_))
        .WillByDefault([this](const std::string& id) -> std::optional<v1::Respondent> {
          for (const auto& r : respondents_) {
            if (LastSegment(r.name()) == id) return r;
          }
          return std::nullopt;
        });
    ON_CALL(tx_, Responses(_, _)).WillByDefault([this](const std::string&, const std::string&) {
      return absl::StatusOr<std::vector<v1::Response>>(responses_);
    });
    ON_CALL(tx_, GetResponseForUpdate(_, _)).WillByDefault(Return(std::optional<v1::Response>()));
    ON_CALL(tx_, Consolidations()).WillByDefault([this] {
      return absl::StatusOr<std::vector<v1::Consolidation>>(consolidations_);
    });
    ON_CALL(tx_, GetConsolidationForUpdate(_))
        .WillByDefault(Return(std::optional<v1::Consolidation>()));
    ON_CALL(tx_, Challenges()).WillByDefault([this] {
      return absl::StatusOr<std::vector<v1::Challenge>>(challenges_);
    });
    ON_CALL(tx_, ContextAnswers()).WillByDefault(Return(std::vector<v1::ContextAnswer>()));
    ON_CALL(tx_, QuestionsCoveredByActions()).WillByDefault([this] {
      return absl::StatusOr<std::set<std::string>>(covered_);
    });
    ON_CALL(tx_, PutAssessment(_, _, _))
        .WillByDefault([this](v1::Assessment& a, v1::ChangeKind change, const Provenance& p) {
          a.set_etag("4");
          puts_.push_back({a, change, p});
          return absl::OkStatus();
        });
    ON_CALL(tx_, PutFinalisedRevision(_))
        .WillByDefault([this](const v1::FinalisedRevision& snapshot) {
          snapshots_.push_back(snapshot);
          return absl::OkStatus();
        });
    ON_CALL(tx_, PutResponse(_, _))
        .WillByDefault([this](v1::Response& response, const Provenance&) {
          response.set_etag("1");
          written_responses_.push_back(response);
          return absl::OkStatus();
        });
    ON_CALL(tx_, PutConsolidation(_, _)).WillByDefault(Return(absl::OkStatus()));

    v1::Respondent police;
    police.set_name("assessments/a1/respondents/r1");
    police.set_organisation("partnerships/durham/organisations/police");
    respondents_ = {police};
  }

  // Everything a round in review needs to be finalised: both questions consolidated Red and
  // covered by an action, and no challenge open.
  void MakeReadyToFinalise() {
    round_.assessment.set_state(v1::Assessment::STATE_IN_REVIEW);
    v1::Consolidation q1, q2;
    q1.set_question_id("s1.q1");
    q1.set_rating(fv1::RATING_RED);
    q2.set_question_id("s1.q2");
    q2.set_rating(fv1::RATING_RED);
    consolidations_ = {q1, q2};
    covered_ = {"s1.q1", "s1.q2"};
  }

  template <typename Request>
  Request Named(const std::string& etag = "3") {
    Request request;
    request.set_name("assessments/a1");
    if constexpr (requires { request.set_etag(etag); }) request.set_etag(etag);
    return request;
  }

  v1::ReopenAssessmentRequest ReopenRequest(const std::string& reason,
                                            const std::string& etag = "3") {
    v1::ReopenAssessmentRequest request = Named<v1::ReopenAssessmentRequest>(etag);
    request.set_reason(reason);
    return request;
  }

  v1::CreateAssessmentRequest CreateRequest() {
    v1::CreateAssessmentRequest request;
    v1::Assessment* a = request.mutable_assessment();
    a->set_partnership("partnerships/durham");
    a->set_framework_version("frameworks/six-steps/versions/1");
    a->set_kind(v1::ASSESSMENT_KIND_SELF_ASSESSMENT);
    a->set_title("2026 self-assessment");
    a->set_period_start("2026-01-01");
    a->set_period_end("2026-12-31");
    return request;
  }

  NiceMock<MockAssessmentStore> store_;
  NiceMock<MockDirectory> directory_;
  NiceMock<MockRoundTx> tx_;
  auth::TokenVerifier verifier_;
  ChangeSignal signal_;
  AssessmentServiceImpl service_;
  AssessmentServicePeer peer_{service_};

  StoredAssessment round_;
  std::vector<v1::Respondent> respondents_;
  std::vector<v1::Response> responses_;
  std::vector<v1::Consolidation> consolidations_;
  std::vector<v1::Challenge> challenges_;
  std::set<std::string> covered_;

  std::vector<PutAssessmentCall> puts_;
  std::vector<v1::FinalisedRevision> snapshots_;
  std::vector<v1::Response> written_responses_;
};

}  // namespace testing
}  // namespace sixsteps::assessment
