#include "services/assessment/assessment_service.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/time_util.h>
#include <openssl/sha.h>

#include <algorithm>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"
#include "services/common/grpc_reply.h"
#include "services/common/ids.h"
#include "services/common/pagination.h"
#include "services/common/validation.h"

namespace sixsteps::assessment {
namespace {

using google::protobuf::util::TimeUtil;

// A deterministic digest of a request, for recognising a repeat.
std::string Digest(const google::protobuf::Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

absl::StatusOr<std::string> ParsePartnership(absl::string_view name, absl::string_view field) {
  constexpr absl::string_view kPrefix = "partnerships/";
  if (!absl::StartsWith(name, kPrefix) || !IsResourceId(name.substr(kPrefix.size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must look like partnerships/{partnership}, got '", name, "'"));
  }
  return std::string(name.substr(kPrefix.size()));
}

absl::Status ValidateFrameworkVersionName(absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "frameworks" || parts[2] != "versions" || parts[1].empty() ||
      parts[3].empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "assessment.framework_version: must look like frameworks/{f}/versions/{v}, got '", name,
        "'"));
  }
  return absl::OkStatus();
}

// Parses a serialized response stored for a repeated request.

bool IsOpen(const v1::Challenge& challenge) {
  return challenge.state() != v1::Challenge::STATE_CLOSED;
}

}  // namespace

std::optional<IdempotencyKey> KeyFor(const Caller& caller, absl::string_view method,
                                     absl::string_view request_id,
                                     const google::protobuf::Message& request_without_id) {
  if (request_id.empty()) return std::nullopt;
  return IdempotencyKey{caller.principal, std::string(request_id), std::string(method),
                        Digest(request_without_id)};
}

void AssessmentServiceImpl::BeginShutdown() {
  shutting_down_ = true;
  signal_->Notify();
}

// ---- Access ----

absl::StatusOr<StoredAssessment> AssessmentServiceImpl::VisibleRound(const Caller& caller,
                                                                     const std::string& id) {
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  absl::StatusOr<StoredAssessment> round = store_->GetAssessment(id);
  if (round.ok() && !CanReadRound(caller, visible, round->assessment)) {
    return NotFound(AssessmentName(id));
  }
  return round;
}

absl::Status AssessmentServiceImpl::InVisibleRound(const Caller& caller,
                                                   const std::string& assessment_id, RoundLock lock,
                                                   const AssessmentStore::RoundWork& work) {
  // Asked before the transaction: the directory may call identity.
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  return store_->InRound(assessment_id, lock, [&](RoundTx& tx) -> absl::Status {
    if (!CanReadRound(caller, visible, tx.round().assessment)) {
      return NotFound(AssessmentName(assessment_id));
    }
    return work(tx);
  });
}

// ---- Rounds ----

absl::StatusOr<v1::Assessment> AssessmentServiceImpl::Create(
    const Caller& caller, const v1::CreateAssessmentRequest& request) {
  SIXSTEPS_RETURN_IF_ERROR(ValidateRequestId(request.request_id()));
  v1::CreateAssessmentRequest without_id = request;
  without_id.clear_request_id();
  std::optional<IdempotencyKey> key =
      KeyFor(caller, "CreateAssessment", request.request_id(), without_id);
  // A repeat gets the first answer, even if the framework version has been retired since.
  if (key) {
    SIXSTEPS_ASSIGN_OR_RETURN(std::optional<std::string> repeated, store_->FindRepeat(*key));
    if (repeated) return RepeatedResponse<v1::Assessment>(*repeated);
  }
  const v1::Assessment& requested = request.assessment();
  SIXSTEPS_ASSIGN_OR_RETURN(std::string partnership,
                            ParsePartnership(requested.partnership(), "assessment.partnership"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateFrameworkVersionName(requested.framework_version()));
  SIXSTEPS_RETURN_IF_ERROR(ValidateNewAssessment(requested));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string region, directory_->PartnershipRegion(caller, partnership));

  StoredAssessment round;
  v1::Assessment& assessment = round.assessment;
  assessment.set_name(AssessmentName(RandomId("a")));
  assessment.set_partnership(requested.partnership());
  assessment.set_region(absl::StrCat("regions/", region));
  assessment.set_framework_version(requested.framework_version());
  assessment.set_kind(requested.kind());
  assessment.set_title(requested.title());
  assessment.set_period_start(requested.period_start());
  assessment.set_period_end(requested.period_end());
  assessment.set_state(v1::Assessment::STATE_DRAFT);
  assessment.set_revision(1);
  assessment.set_creator(caller.principal);
  *assessment.mutable_create_time() = TimestampNow();
  *assessment.mutable_update_time() = assessment.create_time();
  SIXSTEPS_RETURN_IF_ERROR(CheckCanSetUp(caller, assessment));
  SIXSTEPS_ASSIGN_OR_RETURN(
      fv1::FrameworkVersion framework,
      directory_->PublishedFrameworkVersion(caller, requested.framework_version()));
  round.framework = std::make_shared<const fv1::FrameworkVersion>(std::move(framework));
  std::optional<std::string> repeated;
  SIXSTEPS_RETURN_IF_ERROR(store_->CreateAssessment(round, {caller.principal, "created", ""},
                                                    key ? &*key : nullptr, &repeated));
  if (repeated) return RepeatedResponse<v1::Assessment>(*repeated);
  return assessment;
}

absl::StatusOr<v1::Assessment> AssessmentServiceImpl::Get(const Caller& caller,
                                                          const v1::GetAssessmentRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.name(), "name"));
  SIXSTEPS_ASSIGN_OR_RETURN(StoredAssessment round, VisibleRound(caller, id));
  return round.assessment;
}

absl::StatusOr<v1::ListAssessmentsResponse> AssessmentServiceImpl::List(
    const Caller& caller, const v1::ListAssessmentsRequest& r) {
  std::string partnership;
  if (!r.partnership().empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(partnership, ParsePartnership(r.partnership(), "partnership"));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size()));
  std::string query = absl::StrCat("assessments:", partnership);
  SIXSTEPS_ASSIGN_OR_RETURN(std::string before, DecodePageToken(r.page_token(), query));
  int64_t before_seq = 0;
  if (!before.empty() && !absl::SimpleAtoi(before, &before_seq)) {
    return absl::InvalidArgumentError("page_token is not a token this service issued");
  }
  std::vector<int64_t> seqs;
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::vector<v1::Assessment> assessments,
      store_->ListAssessments(visible, partnership, before_seq, page_size + 1, &seqs));
  v1::ListAssessmentsResponse response;
  for (int i = 0; i < static_cast<int>(assessments.size()) && i < page_size; ++i) {
    *response.add_assessments() = std::move(assessments[i]);
  }
  if (static_cast<int>(seqs.size()) > page_size) {
    response.set_next_page_token(EncodePageToken(absl::StrCat(seqs[page_size - 1]), query));
  }
  return response;
}

absl::StatusOr<v1::Assessment> AssessmentServiceImpl::Update(const Caller& caller,
                                                             const v1::UpdateAssessmentRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id,
                            ParseAssessmentName(r.assessment().name(), "assessment.name"));
  SIXSTEPS_RETURN_IF_ERROR(RequireEtag(r.assessment().etag(), "assessment.etag"));
  std::vector<std::string> paths(r.update_mask().paths().begin(), r.update_mask().paths().end());
  if (paths.empty()) paths = {"title", "period_start", "period_end"};
  for (const std::string& path : paths) {
    if (path != "title" && path != "period_start" && path != "period_end") {
      return absl::InvalidArgumentError(absl::StrCat(
          "update_mask: '", path, "' cannot be updated; use title, period_start, period_end"));
    }
  }
  v1::Assessment updated;
  SIXSTEPS_RETURN_IF_ERROR(
      InVisibleRound(caller, id, RoundLock::kExclusive, [&](RoundTx& tx) -> absl::Status {
        updated = tx.round().assessment;
        SIXSTEPS_RETURN_IF_ERROR(CheckCanSetUp(caller, updated));
        SIXSTEPS_RETURN_IF_ERROR(CheckWritable(updated));
        SIXSTEPS_RETURN_IF_ERROR(CheckEtag(r.assessment().etag(), updated.etag(), updated.name()));
        for (const std::string& path : paths) {
          if (path == "title") updated.set_title(r.assessment().title());
          if (path == "period_start") updated.set_period_start(r.assessment().period_start());
          if (path == "period_end") updated.set_period_end(r.assessment().period_end());
        }
        SIXSTEPS_RETURN_IF_ERROR(ValidateNewAssessment(updated));
        return tx.PutAssessment(updated, v1::CHANGE_KIND_ASSESSMENT_UPDATED,
                                {caller.principal, "updated", ""});
      }));
  return updated;
}

absl::StatusOr<v1::Assessment> AssessmentServiceImpl::Transition(const Caller& caller,
                                                                 const std::string& name,
                                                                 const std::string& etag,
                                                                 v1::Assessment::State to,
                                                                 const std::string& reason) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(name, "name"));
  v1::Assessment updated;
  SIXSTEPS_RETURN_IF_ERROR(
      InVisibleRound(caller, id, RoundLock::kExclusive, [&](RoundTx& tx) -> absl::Status {
        updated = tx.round().assessment;
        const FrameworkIndex framework = IndexOf(*tx.round().framework);
        if (to == v1::Assessment::STATE_IN_REVIEW &&
            updated.state() == v1::Assessment::STATE_DRAFT) {
          // Whoever sets a round up may send it for review.
          absl::Status setup = CheckCanSetUp(caller, updated);
          if (!setup.ok()) SIXSTEPS_RETURN_IF_ERROR(CheckCanReview(caller, updated));
        } else if (to == v1::Assessment::STATE_IN_REVIEW) {
          // Reopening: the reviewers, or the region's hub administrators.
          if (!caller.IsHubAdmin(LastSegment(updated.region()))) {
            SIXSTEPS_RETURN_IF_ERROR(CheckCanReview(caller, updated));
          }
        } else {
          SIXSTEPS_RETURN_IF_ERROR(CheckCanReview(caller, updated));
        }
        SIXSTEPS_RETURN_IF_ERROR(CheckEtag(etag, updated.etag(), updated.name()));
        SIXSTEPS_RETURN_IF_ERROR(CheckTransition(updated.state(), to));
        const bool reopening = updated.state() == v1::Assessment::STATE_FINALISED;
        // Submit (never with a reason) moves a draft; Reopen (always with one) a finalised
        // round. Neither may do the other's transition.
        if (to == v1::Assessment::STATE_IN_REVIEW && reopening == reason.empty()) {
          return absl::FailedPreconditionError(
              reopening ? absl::StrCat(updated.name(),
                                       " is finalised: reopen it, with a reason, to change it")
                        : absl::StrCat("only a finalised round can be reopened; ", updated.name(),
                                       " is not finalised"));
        }
        if (to == v1::Assessment::STATE_FINALISED) {
          FinalisationInputs inputs;
          SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Consolidation> consolidations,
                                    tx.Consolidations());
          for (auto& c : consolidations) inputs.consolidations[c.question_id()] = c;
          SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Response> responses, tx.Responses("", ""));
          for (const auto& response : responses) {
            inputs.response_evidence[response.question_id()] += response.evidence_size();
          }
          SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Challenge> challenges, tx.Challenges());
          for (const auto& challenge : challenges) inputs.open_challenges += IsOpen(challenge);
          SIXSTEPS_ASSIGN_OR_RETURN(inputs.covered_by_actions, tx.QuestionsCoveredByActions());
          std::vector<std::string> gaps = FinalisationGaps(framework, inputs);
          if (!gaps.empty()) {
            return absl::FailedPreconditionError(
                absl::StrCat("cannot finalise yet: ", absl::StrJoin(gaps, "; ")));
          }
          updated.set_state(to);
          *updated.mutable_finalise_time() = TimestampNow();
          SIXSTEPS_RETURN_IF_ERROR(tx.PutAssessment(updated,
                                                    v1::CHANGE_KIND_ASSESSMENT_STATE_CHANGED,
                                                    {caller.principal, "state:finalised", reason}));
          v1::FinalisedRevision snapshot;
          *snapshot.mutable_assessment() = updated;
          SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Respondent> respondents, tx.Respondents());
          for (auto& x : respondents) *snapshot.add_respondents() = std::move(x);
          for (auto& x : responses) *snapshot.add_responses() = std::move(x);
          for (auto& x : consolidations) *snapshot.add_consolidations() = std::move(x);
          for (auto& x : challenges) *snapshot.add_challenges() = std::move(x);
          SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::ContextAnswer> answers, tx.ContextAnswers());
          for (auto& x : answers) *snapshot.add_context_answers() = std::move(x);
          return tx.PutFinalisedRevision(snapshot);
        }
        if (reopening) {
          if (reason.empty()) {
            return absl::InvalidArgumentError("reason: reopening a finalised round needs a reason");
          }
          updated.set_revision(updated.revision() + 1);
          updated.clear_finalise_time();
        }
        updated.set_state(to);
        return tx.PutAssessment(
            updated, v1::CHANGE_KIND_ASSESSMENT_STATE_CHANGED,
            {caller.principal, reopening ? "reopened" : "state:in_review", reason});
      }));
  return updated;
}

absl::StatusOr<v1::Assessment> AssessmentServiceImpl::Submit(
    const Caller& caller, const v1::SubmitAssessmentForReviewRequest& r) {
  return Transition(caller, r.name(), r.etag(), v1::Assessment::STATE_IN_REVIEW, "");
}

absl::StatusOr<v1::Assessment> AssessmentServiceImpl::Finalise(
    const Caller& caller, const v1::FinaliseAssessmentRequest& r) {
  return Transition(caller, r.name(), r.etag(), v1::Assessment::STATE_FINALISED, "");
}

absl::StatusOr<v1::Assessment> AssessmentServiceImpl::Reopen(const Caller& caller,
                                                             const v1::ReopenAssessmentRequest& r) {
  if (r.reason().empty()) {
    return absl::InvalidArgumentError("reason: reopening a finalised round needs a reason");
  }
  SIXSTEPS_RETURN_IF_ERROR(ValidateText(r.reason(), kMaxShortTextLength, "reason"));
  return Transition(caller, r.name(), r.etag(), v1::Assessment::STATE_IN_REVIEW, r.reason());
}

absl::StatusOr<v1::CheckFinalisationResponse> AssessmentServiceImpl::Check(
    const Caller& caller, const v1::CheckFinalisationRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.name(), "name"));
  v1::CheckFinalisationResponse response;
  SIXSTEPS_RETURN_IF_ERROR(
      InVisibleRound(caller, id, RoundLock::kRead, [&](RoundTx& tx) -> absl::Status {
        response.Clear();
        FinalisationInputs inputs;
        SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Consolidation> consolidations,
                                  tx.Consolidations());
        for (auto& c : consolidations) inputs.consolidations[c.question_id()] = c;
        SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Response> responses, tx.Responses("", ""));
        for (const auto& x : responses)
          inputs.response_evidence[x.question_id()] += x.evidence_size();
        SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Challenge> challenges, tx.Challenges());
        for (const auto& challenge : challenges) inputs.open_challenges += IsOpen(challenge);
        SIXSTEPS_ASSIGN_OR_RETURN(inputs.covered_by_actions, tx.QuestionsCoveredByActions());
        std::vector<std::string> gaps = FinalisationGaps(IndexOf(*tx.round().framework), inputs);
        if (tx.round().assessment.state() == v1::Assessment::STATE_DRAFT) {
          gaps.insert(gaps.begin(), "the round is a draft: submit it for review first");
        }
        for (std::string& gap : gaps) response.add_missing(std::move(gap));
        response.set_ready(response.missing().empty() &&
                           tx.round().assessment.state() == v1::Assessment::STATE_IN_REVIEW);
        return absl::OkStatus();
      }));
  return response;
}

absl::StatusOr<v1::FinalisedRevision> AssessmentServiceImpl::Finalised(
    const Caller& caller, const v1::GetFinalisedRevisionRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.name(), "name"));
  if (r.revision() < 0) return absl::InvalidArgumentError("revision: must not be negative");
  SIXSTEPS_RETURN_IF_ERROR(VisibleRound(caller, id).status());
  return store_->GetFinalisedRevision(id, r.revision());
}

// ---- Respondents ----

absl::StatusOr<v1::Respondent> AssessmentServiceImpl::AddRespondentTo(
    const Caller& caller, const v1::AddRespondentRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.parent(), "parent"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateRequestId(r.request_id()));
  v1::AddRespondentRequest without_id = r;
  without_id.clear_request_id();
  std::optional<IdempotencyKey> key = KeyFor(caller, "AddRespondent", r.request_id(), without_id);
  if (key) {
    SIXSTEPS_ASSIGN_OR_RETURN(std::optional<std::string> repeated, store_->FindRepeat(*key));
    if (repeated) return RepeatedResponse<v1::Respondent>(*repeated);
  }
  // Checks against identity first, outside the round's transaction.
  SIXSTEPS_ASSIGN_OR_RETURN(StoredAssessment round, VisibleRound(caller, id));
  SIXSTEPS_RETURN_IF_ERROR(CheckCanSetUp(caller, round.assessment));
  SIXSTEPS_RETURN_IF_ERROR(ValidateRespondent(r.respondent(), IndexOf(*round.framework)));
  const std::string partnership = LastSegment(round.assessment.partnership());
  if (!r.respondent().organisation().empty()) {
    if (!absl::StartsWith(r.respondent().organisation(),
                          absl::StrCat(round.assessment.partnership(), "/organisations/"))) {
      return absl::InvalidArgumentError(
          "respondent.organisation: must be an organisation of the round's partnership");
    }
    SIXSTEPS_RETURN_IF_ERROR(directory_->CheckOrganisation(caller, r.respondent().organisation()));
  } else {
    if (!absl::StartsWith(r.respondent().scrutineer(), "users/")) {
      return absl::InvalidArgumentError("respondent.scrutineer: must be users/{user}");
    }
    SIXSTEPS_RETURN_IF_ERROR(
        directory_->CheckScrutineer(caller, partnership, r.respondent().scrutineer()));
  }
  v1::Respondent respondent = r.respondent();
  respondent.set_name(RespondentResourceName(id, RandomId("r")));
  *respondent.mutable_create_time() = TimestampNow();
  std::optional<std::string> repeated;
  SIXSTEPS_RETURN_IF_ERROR(store_->InRound(
      id, RoundLock::kShared,
      [&](RoundTx& tx) -> absl::Status {
        SIXSTEPS_RETURN_IF_ERROR(CheckWritable(tx.round().assessment));
        SIXSTEPS_RETURN_IF_ERROR(tx.PutRespondent(respondent, {caller.principal, "added", ""}));
        tx.SetIdempotentResult(respondent.SerializeAsString());
        return absl::OkStatus();
      },
      key ? &*key : nullptr, &repeated));
  if (repeated) return RepeatedResponse<v1::Respondent>(*repeated);
  return respondent;
}

absl::StatusOr<v1::ListRespondentsResponse> AssessmentServiceImpl::Respondents(
    const Caller& caller, const v1::ListRespondentsRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.parent(), "parent"));
  v1::ListRespondentsResponse response;
  SIXSTEPS_RETURN_IF_ERROR(
      InVisibleRound(caller, id, RoundLock::kRead, [&](RoundTx& tx) -> absl::Status {
        response.Clear();
        SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Respondent> respondents, tx.Respondents());
        for (auto& x : respondents) *response.add_respondents() = std::move(x);
        return absl::OkStatus();
      }));
  return response;
}

absl::StatusOr<google::protobuf::Empty> AssessmentServiceImpl::RemoveRespondent(
    const Caller& caller, const v1::DeleteRespondentRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(RespondentName name, ParseRespondentName(r.name(), "name"));
  SIXSTEPS_RETURN_IF_ERROR(InVisibleRound(
      caller, name.assessment_id, RoundLock::kShared, [&](RoundTx& tx) -> absl::Status {
        SIXSTEPS_RETURN_IF_ERROR(CheckCanSetUp(caller, tx.round().assessment));
        SIXSTEPS_RETURN_IF_ERROR(CheckWritable(tx.round().assessment));
        return tx.DeleteRespondent(name.respondent_id, {caller.principal, "removed", ""});
      }));
  return google::protobuf::Empty();
}

// ---- Responses ----

absl::StatusOr<v1::Response> AssessmentServiceImpl::WriteResponse(RoundTx& tx, const Caller& caller,
                                                                  const v1::Response& request,
                                                                  absl::string_view field) {
  SIXSTEPS_ASSIGN_OR_RETURN(ResponseName name,
                            ParseResponseName(request.name(), absl::StrCat(field, ".name")));
  const v1::Assessment& assessment = tx.round().assessment;
  SIXSTEPS_ASSIGN_OR_RETURN(std::optional<v1::Respondent> respondent,
                            tx.GetRespondent(name.respondent_id));
  if (!respondent) return NotFound(RespondentResourceName(name.assessment_id, name.respondent_id));
  SIXSTEPS_RETURN_IF_ERROR(CheckCanRespond(caller, assessment, *respondent));
  SIXSTEPS_RETURN_IF_ERROR(CheckWritable(assessment));
  const FrameworkIndex framework = IndexOf(*tx.round().framework);
  if (!framework.HasQuestion(name.question_id)) {
    return NotFound(
        absl::StrCat("question ", name.question_id, " of ", assessment.framework_version()));
  }
  if (!IsAssigned(*respondent, name.question_id, framework)) {
    return absl::FailedPreconditionError(
        absl::StrCat("question ", name.question_id, " is not assigned to ", respondent->name()));
  }
  if (!fv1::Rating_IsValid(request.rating())) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".rating: unknown rating"));
  }
  SIXSTEPS_RETURN_IF_ERROR(ValidateEvidence(request.evidence(), absl::StrCat(field, ".evidence")));
  for (const auto& [text, part] : {std::pair{&request.commentary(), "commentary"},
                                   {&request.remaining_work(), "remaining_work"}}) {
    if (CharacterCount(*text) > kMaxTextLength || !IsValidUtf8(*text)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".", part, ": at most ", kMaxTextLength, " characters of UTF-8"));
    }
  }
  SIXSTEPS_ASSIGN_OR_RETURN(std::optional<v1::Response> existing,
                            tx.GetResponseForUpdate(name.respondent_id, name.question_id));
  if (existing) {
    if (request.etag().empty()) {
      return absl::AbortedError(
          absl::StrCat(request.name(), " already exists (etag ", existing->etag(),
                       "): send the etag of the version you based your change on"));
    }
    SIXSTEPS_RETURN_IF_ERROR(CheckEtag(request.etag(), existing->etag(), request.name()));
  }
  v1::Response response;
  response.set_name(ResponseResourceName(name));
  response.set_question_id(name.question_id);
  response.set_rating(request.rating());
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::vector<v1::EvidenceItem> evidence,
      MergeEvidence(existing ? existing->evidence() : response.evidence(), request.evidence(),
                    caller.principal, absl::Now(), absl::StrCat(field, ".evidence")));
  for (auto& item : evidence) *response.add_evidence() = std::move(item);
  response.set_commentary(request.commentary());
  response.set_remaining_work(request.remaining_work());
  SIXSTEPS_RETURN_IF_ERROR(CheckEvidenceRule(response.rating(), response.evidence_size(),
                                             response.remaining_work(), field));
  SIXSTEPS_RETURN_IF_ERROR(
      tx.PutResponse(response, {caller.principal, existing ? "updated" : "created", ""}));
  return response;
}

absl::StatusOr<v1::Response> AssessmentServiceImpl::Upsert(const Caller& caller,
                                                           const v1::UpsertResponseRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(ResponseName name,
                            ParseResponseName(r.response().name(), "response.name"));
  v1::Response written;
  SIXSTEPS_RETURN_IF_ERROR(InVisibleRound(
      caller, name.assessment_id, RoundLock::kShared, [&](RoundTx& tx) -> absl::Status {
        SIXSTEPS_ASSIGN_OR_RETURN(written, WriteResponse(tx, caller, r.response(), "response"));
        return absl::OkStatus();
      }));
  return written;
}

absl::StatusOr<v1::BatchUpsertResponsesResponse> AssessmentServiceImpl::BatchUpsert(
    const Caller& caller, const v1::BatchUpsertResponsesRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.parent(), "parent"));
  SIXSTEPS_RETURN_IF_ERROR(CheckBatchSize(r.requests_size(), "responses"));
  std::set<std::string> names;
  for (int i = 0; i < r.requests_size(); ++i) {
    const std::string& name = r.requests(i).response().name();
    if (!absl::StartsWith(name, absl::StrCat(r.parent(), "/"))) {
      return absl::InvalidArgumentError(
          absl::StrCat("requests[", i, "].response.name: must belong to ", r.parent()));
    }
    if (!names.insert(name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("requests[", i, "].response.name: ", name, " appears twice in the batch"));
    }
  }
  v1::BatchUpsertResponsesResponse response;
  SIXSTEPS_RETURN_IF_ERROR(
      InVisibleRound(caller, id, RoundLock::kShared, [&](RoundTx& tx) -> absl::Status {
        response.Clear();
        for (int i = 0; i < r.requests_size(); ++i) {
          SIXSTEPS_ASSIGN_OR_RETURN(*response.add_responses(),
                                    WriteResponse(tx, caller, r.requests(i).response(),
                                                  absl::StrCat("requests[", i, "].response")));
        }
        return absl::OkStatus();
      }));
  return response;
}

absl::StatusOr<v1::Response> AssessmentServiceImpl::GetOneResponse(
    const Caller& caller, const v1::GetResponseRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(ResponseName name, ParseResponseName(r.name(), "name"));
  v1::Response found;
  SIXSTEPS_RETURN_IF_ERROR(InVisibleRound(
      caller, name.assessment_id, RoundLock::kRead, [&](RoundTx& tx) -> absl::Status {
        SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Response> responses,
                                  tx.Responses(name.respondent_id, name.question_id));
        if (responses.empty()) return NotFound(r.name());
        found = responses.front();
        return absl::OkStatus();
      }));
  return found;
}

absl::StatusOr<v1::ListResponsesResponse> AssessmentServiceImpl::Responses(
    const Caller& caller, const v1::ListResponsesRequest& r) {
  std::string id, respondent;
  if (absl::StrContains(r.parent(), "/respondents/")) {
    SIXSTEPS_ASSIGN_OR_RETURN(RespondentName name, ParseRespondentName(r.parent(), "parent"));
    id = name.assessment_id;
    respondent = name.respondent_id;
  } else {
    SIXSTEPS_ASSIGN_OR_RETURN(id, ParseAssessmentName(r.parent(), "parent"));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size(), 200, 1000));
  std::string query = absl::StrCat(r.parent(), ":", r.question_id());
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after, DecodePageToken(r.page_token(), query));
  v1::ListResponsesResponse response;
  SIXSTEPS_RETURN_IF_ERROR(
      InVisibleRound(caller, id, RoundLock::kRead, [&](RoundTx& tx) -> absl::Status {
        response.Clear();
        SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Response> responses,
                                  tx.Responses(respondent, r.question_id()));
        // A round holds at most a few hundred responses: page over them in name order.
        std::sort(responses.begin(), responses.end(),
                  [](const auto& a, const auto& b) { return a.name() < b.name(); });
        for (auto& x : responses) {
          if (!after.empty() && x.name() <= after) continue;
          if (response.responses_size() == page_size) {
            response.set_next_page_token(
                EncodePageToken(response.responses(page_size - 1).name(), query));
            break;
          }
          *response.add_responses() = std::move(x);
        }
        return absl::OkStatus();
      }));
  return response;
}

// ---- Consolidation and divergence ----

namespace {

// The checks of a consolidation request that need no round: `field` names it in errors.
absl::Status ValidateConsolidation(const v1::Consolidation& request, absl::string_view field) {
  if (request.rating() == fv1::RATING_UNSPECIFIED || !fv1::Rating_IsValid(request.rating())) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".rating: must be Red, Amber or Green"));
  }
  SIXSTEPS_RETURN_IF_ERROR(
      ValidateText(request.rationale(), kMaxTextLength, absl::StrCat(field, ".rationale")));
  return ValidateEvidence(request.evidence(), absl::StrCat(field, ".evidence"));
}

}  // namespace

absl::StatusOr<v1::Consolidation> AssessmentServiceImpl::WriteConsolidation(
    RoundTx& tx, const Caller& caller, const v1::Consolidation& request, absl::string_view field) {
  const std::string id = LastSegment(tx.round().assessment.name());
  SIXSTEPS_RETURN_IF_ERROR(CheckCanReview(caller, tx.round().assessment));
  SIXSTEPS_RETURN_IF_ERROR(CheckWritable(tx.round().assessment));
  const FrameworkIndex framework = IndexOf(*tx.round().framework);
  if (!framework.HasQuestion(request.question_id())) {
    return NotFound(absl::StrCat("question '", request.question_id(), "' of ",
                                 tx.round().assessment.framework_version()));
  }
  // Every assigned respondent must have rated the question first.
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Respondent> respondents, tx.Respondents());
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Response> responses,
                            tx.Responses("", request.question_id()));
  std::set<std::string> rated;
  int response_evidence = 0;
  for (const auto& response : responses) {
    if (response.rating() != fv1::RATING_UNSPECIFIED) {
      rated.insert(
          RespondentResourceName(id, ParseResponseName(response.name(), "")->respondent_id));
    }
    response_evidence += response.evidence_size();
  }
  std::vector<std::string> waiting;
  for (const auto& respondent : respondents) {
    if (IsAssigned(respondent, request.question_id(), framework) &&
        !rated.contains(respondent.name())) {
      waiting.push_back(respondent.name());
    }
  }
  if (respondents.empty()) {
    return absl::FailedPreconditionError("the round has no respondents yet");
  }
  if (!waiting.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("waiting for the rating of ",
                                                      request.question_id(),
                                                      " from: ", absl::StrJoin(waiting, ", ")));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(std::optional<v1::Consolidation> existing,
                            tx.GetConsolidationForUpdate(request.question_id()));
  // The first consolidation of a question has no etag to send; replacing one needs it.
  if (existing) {
    SIXSTEPS_RETURN_IF_ERROR(CheckReplaceEtag(request.etag(), existing->etag(), existing->name()));
  }
  v1::Consolidation written;
  written.set_question_id(request.question_id());
  written.set_rating(request.rating());
  written.set_rationale(request.rationale());
  written.set_remaining_work(request.remaining_work());
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::vector<v1::EvidenceItem> evidence,
      MergeEvidence(existing ? existing->evidence() : written.evidence(), request.evidence(),
                    caller.principal, absl::Now(), absl::StrCat(field, ".evidence")));
  for (auto& item : evidence) *written.add_evidence() = std::move(item);
  SIXSTEPS_RETURN_IF_ERROR(CheckEvidenceRule(written.rating(),
                                             written.evidence_size() + response_evidence,
                                             written.remaining_work(), field));
  SIXSTEPS_RETURN_IF_ERROR(
      tx.PutConsolidation(written, {caller.principal, existing ? "updated" : "created", ""}));
  return written;
}

absl::StatusOr<v1::Consolidation> AssessmentServiceImpl::Consolidate(
    const Caller& caller, const v1::ConsolidateQuestionRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.parent(), "parent"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateConsolidation(r.consolidation(), "consolidation"));
  v1::Consolidation written;
  SIXSTEPS_RETURN_IF_ERROR(
      InVisibleRound(caller, id, RoundLock::kShared, [&](RoundTx& tx) -> absl::Status {
        SIXSTEPS_ASSIGN_OR_RETURN(
            written, WriteConsolidation(tx, caller, r.consolidation(), "consolidation"));
        return absl::OkStatus();
      }));
  return written;
}

absl::StatusOr<v1::BatchConsolidateQuestionsResponse> AssessmentServiceImpl::BatchConsolidate(
    const Caller& caller, const v1::BatchConsolidateQuestionsRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.parent(), "parent"));
  SIXSTEPS_RETURN_IF_ERROR(CheckBatchSize(r.requests_size(), "consolidations"));
  std::set<std::string> questions;
  for (int i = 0; i < r.requests_size(); ++i) {
    const v1::ConsolidateQuestionRequest& request = r.requests(i);
    if (!request.parent().empty() && request.parent() != r.parent()) {
      return absl::InvalidArgumentError(
          absl::StrCat("requests[", i, "].parent: must be empty or ", r.parent()));
    }
    const std::string field = absl::StrCat("requests[", i, "].consolidation");
    SIXSTEPS_RETURN_IF_ERROR(ValidateConsolidation(request.consolidation(), field));
    if (!questions.insert(request.consolidation().question_id()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".question_id: ", request.consolidation().question_id(),
                       " appears twice in the batch"));
    }
  }
  v1::BatchConsolidateQuestionsResponse response;
  SIXSTEPS_RETURN_IF_ERROR(
      InVisibleRound(caller, id, RoundLock::kShared, [&](RoundTx& tx) -> absl::Status {
        response.Clear();
        for (int i = 0; i < r.requests_size(); ++i) {
          SIXSTEPS_ASSIGN_OR_RETURN(
              *response.add_consolidations(),
              WriteConsolidation(tx, caller, r.requests(i).consolidation(),
                                 absl::StrCat("requests[", i, "].consolidation")));
        }
        return absl::OkStatus();
      }));
  return response;
}

absl::StatusOr<v1::ListConsolidationsResponse> AssessmentServiceImpl::Consolidations(
    const Caller& caller, const v1::ListConsolidationsRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.parent(), "parent"));
  v1::ListConsolidationsResponse response;
  SIXSTEPS_RETURN_IF_ERROR(
      InVisibleRound(caller, id, RoundLock::kRead, [&](RoundTx& tx) -> absl::Status {
        response.Clear();
        SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Consolidation> list, tx.Consolidations());
        for (auto& x : list) *response.add_consolidations() = std::move(x);
        return absl::OkStatus();
      }));
  return response;
}

absl::StatusOr<v1::GetDivergenceResponse> AssessmentServiceImpl::Divergence(
    const Caller& caller, const v1::GetDivergenceRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.name(), "name"));
  v1::GetDivergenceResponse response;
  std::optional<FinalisedRevisionRef> self_assessment;
  std::map<std::string, fv1::Rating> consolidated;
  SIXSTEPS_RETURN_IF_ERROR(
      InVisibleRound(caller, id, RoundLock::kRead, [&](RoundTx& tx) -> absl::Status {
        response.Clear();
        consolidated.clear();
        SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Response> responses, tx.Responses("", ""));
        std::map<std::string, v1::QuestionDivergence> by_question;
        for (const auto& [question, step] : IndexOf(*tx.round().framework).questions) {
          by_question[question].set_question_id(question);
        }
        for (const auto& x : responses) {
          if (x.rating() == fv1::RATING_UNSPECIFIED) continue;
          (*by_question[x.question_id()]
                .mutable_ratings())[x.name().substr(0, x.name().rfind("/responses/"))] = x.rating();
        }
        SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Consolidation> list, tx.Consolidations());
        for (const auto& c : list) consolidated[c.question_id()] = c.rating();
        for (const auto& [question, step] : IndexOf(*tx.round().framework).questions) {
          v1::QuestionDivergence& entry = by_question[question];
          std::vector<fv1::Rating> ratings;
          for (const auto& [respondent, rating] : entry.ratings()) ratings.push_back(rating);
          Spread spread = SpreadOf(ratings);
          entry.set_divergent(spread.divergent);
          entry.set_severe(spread.severe);
          *response.add_questions() = entry;
        }
        self_assessment.reset();
        if (tx.round().assessment.kind() == v1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY) {
          SIXSTEPS_ASSIGN_OR_RETURN(self_assessment,
                                    tx.LatestFinalised(v1::ASSESSMENT_KIND_SELF_ASSESSMENT));
        }
        return absl::OkStatus();
      }));
  if (self_assessment) {
    SIXSTEPS_ASSIGN_OR_RETURN(
        v1::FinalisedRevision earlier,
        store_->GetFinalisedRevision(self_assessment->assessment_id, self_assessment->revision));
    response.set_self_assessment(AssessmentName(self_assessment->assessment_id));
    std::map<std::string, fv1::Rating> theirs;
    for (const auto& c : earlier.consolidations()) theirs[c.question_id()] = c.rating();
    for (v1::QuestionDivergence& entry : *response.mutable_questions()) {
      auto found = theirs.find(entry.question_id());
      if (found == theirs.end()) continue;
      entry.set_self_assessment_rating(found->second);
      auto ours = consolidated.find(entry.question_id());
      if (ours != consolidated.end()) {
        entry.set_self_assessment_severe(SpreadOf({found->second, ours->second}).severe);
      }
    }
  }
  return response;
}

// ---- Challenges ----

absl::StatusOr<v1::Challenge> AssessmentServiceImpl::Raise(const Caller& caller,
                                                           const v1::RaiseChallengeRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.parent(), "parent"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateRequestId(r.request_id()));
  SIXSTEPS_ASSIGN_OR_RETURN(ResponseName target,
                            ParseResponseName(r.challenge().response(), "challenge.response"));
  if (target.assessment_id != id) {
    return absl::InvalidArgumentError("challenge.response: must be a response of the round");
  }
  SIXSTEPS_RETURN_IF_ERROR(ValidateText(r.challenge().text(), kMaxTextLength, "challenge.text"));
  v1::RaiseChallengeRequest without_id = r;
  without_id.clear_request_id();
  std::optional<IdempotencyKey> key = KeyFor(caller, "RaiseChallenge", r.request_id(), without_id);
  v1::Challenge challenge;
  challenge.set_name(ChallengeName(id, RandomId("ch")));
  std::optional<std::string> repeated;
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  SIXSTEPS_RETURN_IF_ERROR(store_->InRound(
      id, RoundLock::kShared,
      [&](RoundTx& tx) -> absl::Status {
        if (!CanReadRound(caller, visible, tx.round().assessment)) return NotFound(r.parent());
        SIXSTEPS_RETURN_IF_ERROR(CheckCanReview(caller, tx.round().assessment));
        SIXSTEPS_RETURN_IF_ERROR(CheckWritable(tx.round().assessment));
        SIXSTEPS_ASSIGN_OR_RETURN(
            std::optional<v1::Response> response,
            tx.GetResponseForUpdate(target.respondent_id, target.question_id));
        if (!response) return NotFound(r.challenge().response());
        challenge.set_response(response->name());
        challenge.set_question_id(target.question_id);
        challenge.set_text(r.challenge().text());
        challenge.set_state(v1::Challenge::STATE_OPEN);
        challenge.set_raised_by(caller.principal);
        *challenge.mutable_raise_time() = TimestampNow();
        SIXSTEPS_RETURN_IF_ERROR(tx.PutChallenge(challenge, v1::CHANGE_KIND_CHALLENGE_RAISED,
                                                 {caller.principal, "raised", ""}));
        tx.SetIdempotentResult(challenge.SerializeAsString());
        return absl::OkStatus();
      },
      key ? &*key : nullptr, &repeated));
  if (repeated) return RepeatedResponse<v1::Challenge>(*repeated);
  return challenge;
}

absl::StatusOr<v1::Challenge> AssessmentServiceImpl::Answer(const Caller& caller,
                                                            const v1::AnswerChallengeRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(ChildName name, ParseChildName(r.name(), "challenges", "name"));
  SIXSTEPS_RETURN_IF_ERROR(RequireEtag(r.etag(), "etag"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateText(r.answer(), kMaxTextLength, "answer"));
  v1::Challenge challenge;
  SIXSTEPS_RETURN_IF_ERROR(InVisibleRound(
      caller, name.assessment_id, RoundLock::kShared, [&](RoundTx& tx) -> absl::Status {
        SIXSTEPS_ASSIGN_OR_RETURN(std::optional<v1::Challenge> found,
                                  tx.GetChallengeForUpdate(name.id));
        if (!found) return NotFound(r.name());
        challenge = *found;
        SIXSTEPS_ASSIGN_OR_RETURN(ResponseName target, ParseResponseName(challenge.response(), ""));
        SIXSTEPS_ASSIGN_OR_RETURN(std::optional<v1::Respondent> respondent,
                                  tx.GetRespondent(target.respondent_id));
        if (!respondent) return NotFound(challenge.response());
        SIXSTEPS_RETURN_IF_ERROR(CheckCanRespond(caller, tx.round().assessment, *respondent));
        SIXSTEPS_RETURN_IF_ERROR(CheckWritable(tx.round().assessment));
        SIXSTEPS_RETURN_IF_ERROR(CheckEtag(r.etag(), challenge.etag(), r.name()));
        if (challenge.state() != v1::Challenge::STATE_OPEN) {
          return absl::FailedPreconditionError(absl::StrCat(r.name(), " is not open"));
        }
        challenge.set_answer(r.answer());
        challenge.set_answered_by(caller.principal);
        *challenge.mutable_answer_time() = TimestampNow();
        challenge.set_state(v1::Challenge::STATE_ANSWERED);
        return tx.PutChallenge(challenge, v1::CHANGE_KIND_CHALLENGE_ANSWERED,
                               {caller.principal, "answered", ""});
      }));
  return challenge;
}

absl::StatusOr<v1::Challenge> AssessmentServiceImpl::Close(const Caller& caller,
                                                           const v1::CloseChallengeRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(ChildName name, ParseChildName(r.name(), "challenges", "name"));
  // Closing after an answer one has not read would close it unseen.
  SIXSTEPS_RETURN_IF_ERROR(RequireEtag(r.etag(), "etag"));
  v1::Challenge challenge;
  SIXSTEPS_RETURN_IF_ERROR(InVisibleRound(
      caller, name.assessment_id, RoundLock::kShared, [&](RoundTx& tx) -> absl::Status {
        SIXSTEPS_RETURN_IF_ERROR(CheckCanReview(caller, tx.round().assessment));
        SIXSTEPS_RETURN_IF_ERROR(CheckWritable(tx.round().assessment));
        SIXSTEPS_ASSIGN_OR_RETURN(std::optional<v1::Challenge> found,
                                  tx.GetChallengeForUpdate(name.id));
        if (!found) return NotFound(r.name());
        challenge = *found;
        SIXSTEPS_RETURN_IF_ERROR(CheckEtag(r.etag(), challenge.etag(), r.name()));
        if (challenge.state() == v1::Challenge::STATE_CLOSED) {
          return absl::FailedPreconditionError(absl::StrCat(r.name(), " is already closed"));
        }
        challenge.set_state(v1::Challenge::STATE_CLOSED);
        challenge.set_closed_by(caller.principal);
        *challenge.mutable_close_time() = TimestampNow();
        return tx.PutChallenge(challenge, v1::CHANGE_KIND_CHALLENGE_CLOSED,
                               {caller.principal, "closed", ""});
      }));
  return challenge;
}

absl::StatusOr<v1::ListChallengesResponse> AssessmentServiceImpl::Challenges(
    const Caller& caller, const v1::ListChallengesRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.parent(), "parent"));
  v1::ListChallengesResponse response;
  SIXSTEPS_RETURN_IF_ERROR(
      InVisibleRound(caller, id, RoundLock::kRead, [&](RoundTx& tx) -> absl::Status {
        response.Clear();
        SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Challenge> list, tx.Challenges());
        for (auto& x : list) *response.add_challenges() = std::move(x);
        return absl::OkStatus();
      }));
  return response;
}

// ---- Context answers ----

absl::StatusOr<v1::ContextAnswer> AssessmentServiceImpl::SetContext(
    const Caller& caller, const v1::SetContextAnswerRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(
      ChildName name,
      ParseChildName(r.context_answer().name(), "contextAnswers", "context_answer.name"));
  SIXSTEPS_RETURN_IF_ERROR(
      ValidateText(r.context_answer().text(), kMaxTextLength, "context_answer.text"));
  v1::ContextAnswer answer;
  SIXSTEPS_RETURN_IF_ERROR(InVisibleRound(
      caller, name.assessment_id, RoundLock::kShared, [&](RoundTx& tx) -> absl::Status {
        SIXSTEPS_RETURN_IF_ERROR(CheckCanAnswerContext(caller, tx.round().assessment));
        SIXSTEPS_RETURN_IF_ERROR(CheckWritable(tx.round().assessment));
        const FrameworkIndex framework = IndexOf(*tx.round().framework);
        if (std::find(framework.context_questions.begin(), framework.context_questions.end(),
                      name.id) == framework.context_questions.end()) {
          return NotFound(absl::StrCat("context question '", name.id, "' of ",
                                       tx.round().assessment.framework_version()));
        }
        SIXSTEPS_ASSIGN_OR_RETURN(std::optional<v1::ContextAnswer> existing,
                                  tx.GetContextAnswerForUpdate(name.id));
        if (existing) {
          if (r.context_answer().etag().empty()) {
            return absl::AbortedError(absl::StrCat(
                "the partnership has already answered ", name.id, " (etag ", existing->etag(),
                "): send the etag of the answer you based your change on"));
          }
          SIXSTEPS_RETURN_IF_ERROR(
              CheckEtag(r.context_answer().etag(), existing->etag(), r.context_answer().name()));
        }
        answer = v1::ContextAnswer();
        answer.set_context_question_id(name.id);
        answer.set_text(r.context_answer().text());
        return tx.PutContextAnswer(answer,
                                   {caller.principal, existing ? "updated" : "created", ""});
      }));
  return answer;
}

absl::StatusOr<v1::ListContextAnswersResponse> AssessmentServiceImpl::ContextAnswers(
    const Caller& caller, const v1::ListContextAnswersRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.parent(), "parent"));
  SIXSTEPS_ASSIGN_OR_RETURN(StoredAssessment round, VisibleRound(caller, id));
  v1::ListContextAnswersResponse response;
  // A finalised round shows the answers as they stood when it was finalised.
  if (round.assessment.state() == v1::Assessment::STATE_FINALISED) {
    SIXSTEPS_ASSIGN_OR_RETURN(v1::FinalisedRevision finalised,
                              store_->GetFinalisedRevision(id, round.assessment.revision()));
    for (const auto& answer : finalised.context_answers()) *response.add_context_answers() = answer;
    return response;
  }
  SIXSTEPS_RETURN_IF_ERROR(
      InVisibleRound(caller, id, RoundLock::kRead, [&](RoundTx& tx) -> absl::Status {
        response.Clear();
        SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::ContextAnswer> answers, tx.ContextAnswers());
        for (auto& x : answers) *response.add_context_answers() = std::move(x);
        return absl::OkStatus();
      }));
  return response;
}

// ---- History and the change feed ----

absl::StatusOr<v1::ListRevisionsResponse> AssessmentServiceImpl::Revisions(
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
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size(), 100, 1000));
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
    *response.add_revisions() = std::move(revisions[i]);
  }
  if (static_cast<int>(ids.size()) > page_size) {
    response.set_next_page_token(EncodePageToken(absl::StrCat(ids[page_size - 1]), r.name()));
  }
  return response;
}

absl::StatusOr<v1::ListChangesResponse> AssessmentServiceImpl::Changes(
    const Caller& caller, const v1::ListChangesRequest& r) {
  bool more = false;
  return ChangesPage(caller, r, &more);
}

absl::StatusOr<v1::ListChangesResponse> AssessmentServiceImpl::ChangesPage(
    const Caller& caller, const v1::ListChangesRequest& r, bool* more) {
  if (r.after_sequence() < 0) return absl::InvalidArgumentError("after_sequence: must be >= 0");
  std::string partnership;
  if (!r.partnership().empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(partnership, ParsePartnership(r.partnership(), "partnership"));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size(), 100, 1000));
  ChangePageInfo page;
  // Asked for every page (and every WatchChanges batch): a partnership that opts out
  // leaves the caller's feed within the directory's refresh.
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Change> changes,
                            store_->ListChanges(visible, partnership, r.after_sequence(), page_size,
                                                kFeedPageBytes, &page));
  v1::ListChangesResponse response;
  const int delivered = static_cast<int>(changes.size());
  const int64_t last = changes.empty() ? 0 : changes.back().sequence();
  for (auto& change : changes) *response.add_changes() = std::move(change);
  // Per caller: a scoped caller's cursor moves only with changes they were given.
  response.set_next_after_sequence(
      NextAfterSequence(r.after_sequence(), last, delivered, page, caller.SeesEverything()));
  *more = page.more;
  return response;
}

// ---- Handlers ----

#define SIXSTEPS_ASSESSMENT_RPC(Method, Request, Response, Do)                                     \
  grpc::Status AssessmentServiceImpl::Method(grpc::ServerContext* context, const Request* request, \
                                             Response* response) {                                 \
    return Authenticated(*verifier_, context, response,                                            \
                         [&](const Caller& caller) { return Do(caller, *request); });              \
  }

SIXSTEPS_ASSESSMENT_RPC(CreateAssessment, v1::CreateAssessmentRequest, v1::Assessment, Create)
SIXSTEPS_ASSESSMENT_RPC(GetAssessment, v1::GetAssessmentRequest, v1::Assessment, Get)
SIXSTEPS_ASSESSMENT_RPC(ListAssessments, v1::ListAssessmentsRequest, v1::ListAssessmentsResponse,
                        List)
SIXSTEPS_ASSESSMENT_RPC(UpdateAssessment, v1::UpdateAssessmentRequest, v1::Assessment, Update)
SIXSTEPS_ASSESSMENT_RPC(SubmitAssessmentForReview, v1::SubmitAssessmentForReviewRequest,
                        v1::Assessment, Submit)
SIXSTEPS_ASSESSMENT_RPC(CheckFinalisation, v1::CheckFinalisationRequest,
                        v1::CheckFinalisationResponse, Check)
SIXSTEPS_ASSESSMENT_RPC(FinaliseAssessment, v1::FinaliseAssessmentRequest, v1::Assessment, Finalise)
SIXSTEPS_ASSESSMENT_RPC(ReopenAssessment, v1::ReopenAssessmentRequest, v1::Assessment, Reopen)
SIXSTEPS_ASSESSMENT_RPC(GetFinalisedRevision, v1::GetFinalisedRevisionRequest,
                        v1::FinalisedRevision, Finalised)
SIXSTEPS_ASSESSMENT_RPC(AddRespondent, v1::AddRespondentRequest, v1::Respondent, AddRespondentTo)
SIXSTEPS_ASSESSMENT_RPC(ListRespondents, v1::ListRespondentsRequest, v1::ListRespondentsResponse,
                        Respondents)
SIXSTEPS_ASSESSMENT_RPC(DeleteRespondent, v1::DeleteRespondentRequest, google::protobuf::Empty,
                        RemoveRespondent)
SIXSTEPS_ASSESSMENT_RPC(UpsertResponse, v1::UpsertResponseRequest, v1::Response, Upsert)
SIXSTEPS_ASSESSMENT_RPC(BatchUpsertResponses, v1::BatchUpsertResponsesRequest,
                        v1::BatchUpsertResponsesResponse, BatchUpsert)
SIXSTEPS_ASSESSMENT_RPC(GetResponse, v1::GetResponseRequest, v1::Response, GetOneResponse)
SIXSTEPS_ASSESSMENT_RPC(ListResponses, v1::ListResponsesRequest, v1::ListResponsesResponse,
                        Responses)
SIXSTEPS_ASSESSMENT_RPC(ConsolidateQuestion, v1::ConsolidateQuestionRequest, v1::Consolidation,
                        Consolidate)
SIXSTEPS_ASSESSMENT_RPC(BatchConsolidateQuestions, v1::BatchConsolidateQuestionsRequest,
                        v1::BatchConsolidateQuestionsResponse, BatchConsolidate)
SIXSTEPS_ASSESSMENT_RPC(ListConsolidations, v1::ListConsolidationsRequest,
                        v1::ListConsolidationsResponse, Consolidations)
SIXSTEPS_ASSESSMENT_RPC(GetDivergence, v1::GetDivergenceRequest, v1::GetDivergenceResponse,
                        Divergence)
SIXSTEPS_ASSESSMENT_RPC(RaiseChallenge, v1::RaiseChallengeRequest, v1::Challenge, Raise)
SIXSTEPS_ASSESSMENT_RPC(AnswerChallenge, v1::AnswerChallengeRequest, v1::Challenge, Answer)
SIXSTEPS_ASSESSMENT_RPC(CloseChallenge, v1::CloseChallengeRequest, v1::Challenge, Close)
SIXSTEPS_ASSESSMENT_RPC(ListChallenges, v1::ListChallengesRequest, v1::ListChallengesResponse,
                        Challenges)
SIXSTEPS_ASSESSMENT_RPC(SetContextAnswer, v1::SetContextAnswerRequest, v1::ContextAnswer,
                        SetContext)
SIXSTEPS_ASSESSMENT_RPC(ListContextAnswers, v1::ListContextAnswersRequest,
                        v1::ListContextAnswersResponse, ContextAnswers)
SIXSTEPS_ASSESSMENT_RPC(ListRevisions, v1::ListRevisionsRequest, v1::ListRevisionsResponse,
                        Revisions)
SIXSTEPS_ASSESSMENT_RPC(ListChanges, v1::ListChangesRequest, v1::ListChangesResponse, Changes)

#undef SIXSTEPS_ASSESSMENT_RPC

grpc::Status AssessmentServiceImpl::WatchChanges(
    grpc::ServerContext* context, const v1::WatchChangesRequest* request,
    grpc::ServerWriter<v1::WatchChangesResponse>* writer) {
  absl::StatusOr<Caller> caller = verifier_->Authenticate(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  // Each stream holds a thread and polls the database: a few per caller, a bounded number
  // in all. The slot is given back when the stream ends, however it ends.
  absl::StatusOr<WatchSlots::Slot> slot = watch_slots_.Acquire(caller->principal);
  if (!slot.ok()) return ToGrpcStatus(slot.status());
  absl::StatusOr<absl::Time> expires = TokenExpiry(caller->bearer_token);
  if (!expires.ok()) return ToGrpcStatus(expires.status());
  const std::string token = caller->bearer_token;
  const std::string request_id = caller->request_id;
  const grpc::Status expired(grpc::StatusCode::UNAUTHENTICATED,
                             "access token expired: renew it and resume after the last "
                             "sequence you received");
  v1::ListChangesRequest page;
  page.set_after_sequence(request->after_sequence());
  page.set_partnership(request->partnership());
  page.set_page_size(500);
  // Changes committed by other replicas are found by polling; this replica's own
  // commits wake the stream at once.
  constexpr absl::Duration kPollInterval = absl::Milliseconds(250);
  uint64_t generation = signal_->generation();
  while (!context->IsCancelled()) {
    if (shutting_down_) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "the server is shutting down; resume from your last sequence");
    }
    if (absl::Now() >= *expires) return expired;
    // The stream may send only what the token allows now: it is verified again before
    // every batch (a token the verifier has since refused ends the stream), and what the
    // caller may see is derived from that verification, not from the first one.
    absl::StatusOr<Caller> current = verifier_->Verify(token, absl::Now());
    if (!current.ok()) return ToGrpcStatus(current.status());
    current->bearer_token = token;
    current->request_id = request_id;
    bool more = false;
    absl::StatusOr<v1::ListChangesResponse> batch = ChangesPage(*current, page, &more);
    if (!batch.ok()) return ToGrpcStatus(batch.status());
    for (const v1::Change& change : batch->changes()) {
      // A slow reader can hold a batch past the token's end; nothing is sent after it.
      if (absl::Now() >= *expires) return expired;
      v1::WatchChangesResponse message;
      *message.mutable_change() = change;
      if (!writer->Write(message)) return grpc::Status::OK;  // the client went away
    }
    page.set_after_sequence(batch->next_after_sequence());
    if (!more) {
      // Wakes at the token's expiry too, so a quiet stream ends on time.
      absl::Duration until_expiry = absl::Ceil(*expires - absl::Now(), absl::Milliseconds(1));
      generation =
          signal_->Wait(generation, std::clamp(until_expiry, absl::ZeroDuration(), kPollInterval));
    }
  }
  return grpc::Status(grpc::StatusCode::CANCELLED, "the client cancelled the watch");
}

}  // namespace sixsteps::assessment
