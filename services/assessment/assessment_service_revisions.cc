// AssessmentService: history: a round's finalised revisions and every record's revisions.
#include "services/assessment/assessment_service.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/assessment/classification_rules.h"
#include "services/assessment/page_sizes.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"
#include "services/common/grpc_reply.h"
#include "services/common/pagination.h"

namespace sixsteps::assessment {

SIXSTEPS_RPC(AssessmentServiceImpl, GetFinalisedRevision, v1::GetFinalisedRevisionRequest,
             v1::FinalisedRevision)
absl::StatusOr<v1::FinalisedRevision> AssessmentServiceImpl::DoGetFinalisedRevision(
    const Caller& caller, const v1::GetFinalisedRevisionRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.name(), "name"));
  if (r.revision() < 0) return absl::InvalidArgumentError("revision: must not be negative");
  SIXSTEPS_ASSIGN_OR_RETURN(StoredAssessment round, VisibleRound(caller, id));
  SIXSTEPS_ASSIGN_OR_RETURN(v1::FinalisedRevision revision,
                            store_->GetFinalisedRevision(id, r.revision()));
  const absl::string_view region = LastSegment(round.assessment.region());
  const absl::string_view partnership = LastSegment(round.assessment.partnership());
  for (auto& response : *revision.mutable_responses()) {
    RedactEvidence(caller, region, partnership, response.mutable_evidence());
  }
  for (auto& consolidation : *revision.mutable_consolidations()) {
    RedactEvidence(caller, region, partnership, consolidation.mutable_evidence());
  }
  return revision;
}

SIXSTEPS_RPC(AssessmentServiceImpl, ListRevisions, v1::ListRevisionsRequest,
             v1::ListRevisionsResponse)
absl::StatusOr<v1::ListRevisionsResponse> AssessmentServiceImpl::DoListRevisions(
    const Caller& caller, const v1::ListRevisionsRequest& r) {
  std::vector<std::string> parts = absl::StrSplit(r.name(), '/');
  if (parts.size() < 2 || parts[0] != "assessments") {
    return absl::InvalidArgumentError(
        "name: must name a round, a response, a consolidation or a context answer");
  }
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id,
                            ParseAssessmentName(absl::StrCat(parts[0], "/", parts[1]), "name"));
  SIXSTEPS_ASSIGN_OR_RETURN(StoredAssessment round, VisibleRound(caller, id));
  std::string record = r.name();
  if (parts.size() == 2) {
    // the round itself
  } else if (parts.size() == 4 && parts[2] == "consolidations") {
  } else if (parts.size() == 6 && parts[2] == "respondents" && parts[4] == "responses") {
  } else if (parts.size() == 4 && parts[2] == "contextAnswers") {
    // Context answers belong to the partnership, across its rounds.
    record = absl::StrCat(round.assessment.partnership(), "/contextAnswers/", parts[3]);
  } else {
    return absl::InvalidArgumentError(
        "name: must name a round, a response, a consolidation or a context answer");
  }
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size(), kListRevisionsPage));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after, DecodePageToken(r.page_token(), r.name()));
  int64_t after_id = 0;
  if (!after.empty() && !absl::SimpleAtoi(after, &after_id)) {
    return absl::InvalidArgumentError("page_token is not a token this service issued");
  }
  std::vector<int64_t> ids;
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Revision> revisions,
                            store_->ListRevisions(record, after_id, page_size + 1, &ids));
  v1::ListRevisionsResponse response;
  for (int i = 0; i < static_cast<int>(revisions.size()) && i < page_size; ++i) {
    v1::Revision& revision = revisions[i];
    for (auto* evidence :
         {revision.has_response() ? revision.mutable_response()->mutable_evidence() : nullptr,
          revision.has_consolidation() ? revision.mutable_consolidation()->mutable_evidence()
                                       : nullptr}) {
      if (evidence != nullptr) {
        RedactEvidence(caller, LastSegment(round.assessment.region()),
                       LastSegment(round.assessment.partnership()), evidence);
      }
    }
    *response.add_revisions() = std::move(revision);
  }
  if (static_cast<int>(ids.size()) > page_size) {
    response.set_next_page_token(EncodePageToken(absl::StrCat(ids[page_size - 1]), r.name()));
  }
  return response;
}

}  // namespace sixsteps::assessment
