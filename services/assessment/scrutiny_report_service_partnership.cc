// ScrutinyReportService: a partnership's own scrutiny records, which belong to no round:
// the partners' concerns about the scrutiny (c4) and its annual report drafts, on which
// the scrutineer comments (c16).
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/assessment/page_sizes.h"
#include "services/assessment/scrutiny_report_service.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"
#include "services/common/grpc_reply.h"
#include "services/common/ids.h"
#include "services/common/pagination.h"
#include "services/common/validation.h"

namespace sixsteps::assessment {
namespace {

// The creation sequence a page token carries (0 for the first page).
absl::StatusOr<int64_t> AfterSequence(absl::string_view token, absl::string_view query) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after, DecodePageToken(token, query));
  int64_t sequence = 0;
  if (!after.empty() && !absl::SimpleAtoi(after, &sequence)) {
    return Invalid("page_token", "is not a token this service issued");
  }
  return sequence;
}

// One page of records read `limit` + 1 at a time: the extra one says another page follows.
template <typename Record>
void Page(std::vector<Record> records, const std::vector<int64_t>& seqs, int page_size,
          absl::string_view query, google::protobuf::RepeatedPtrField<Record>* page,
          std::string* next_page_token) {
  for (size_t i = 0; i < records.size(); ++i) {
    if (static_cast<int>(i) == page_size) {
      *next_page_token = EncodePageToken(absl::StrCat(seqs[i - 1]), query);
      break;
    }
    *page->Add() = std::move(records[i]);
  }
}

}  // namespace

absl::StatusOr<std::string> ScrutinyReportServiceImpl::VisiblePartnershipRegion(
    const Caller& caller, const std::string& partnership_id) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string region,
                            directory_->PartnershipRegion(caller, partnership_id));
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  if (!CanReadPartnership(caller, visible, region, partnership_id)) {
    return NotFound(absl::StrCat("partnerships/", partnership_id));
  }
  return region;
}

SIXSTEPS_RPC(ScrutinyReportServiceImpl, RaiseScrutinyConcern, v1::RaiseScrutinyConcernRequest,
             v1::ScrutinyConcern)
absl::StatusOr<v1::ScrutinyConcern> ScrutinyReportServiceImpl::DoRaiseScrutinyConcern(
    const Caller& caller, const v1::RaiseScrutinyConcernRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string partnership,
                            ParsePartnership(r.partnership(), "partnership"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateFreeText(r.text(), kMaxConcernLength, "text"));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string region, VisiblePartnershipRegion(caller, partnership));
  SIXSTEPS_RETURN_IF_ERROR(CheckCanRaiseConcern(caller, region, partnership));
  if (!r.assessment().empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.assessment(), "assessment"));
    absl::StatusOr<StoredAssessment> round = store_->GetAssessment(id);
    if (!round.ok()) return round.status();
    if (round->assessment.partnership() != r.partnership()) {
      return Invalid("assessment", "must be a round of the partnership");
    }
  }
  v1::ScrutinyConcern concern;
  concern.set_name(PartnershipChild(partnership, kConcerns, RandomId("sc")));
  concern.set_assessment(r.assessment());
  concern.set_text(r.text());
  concern.set_raised_by(caller.principal);
  *concern.mutable_raise_time() = TimestampNow();
  SIXSTEPS_RETURN_IF_ERROR(records_->InPartnership(partnership, region, [&](PartnershipTx& tx) {
    return tx.PutConcern(concern, v1::CHANGE_KIND_SCRUTINY_CONCERN_RAISED,
                         {caller.principal, "created", ""});
  }));
  return concern;
}

SIXSTEPS_RPC(ScrutinyReportServiceImpl, RecordScrutinyConcernOutcome,
             v1::RecordScrutinyConcernOutcomeRequest, v1::ScrutinyConcern)
absl::StatusOr<v1::ScrutinyConcern> ScrutinyReportServiceImpl::DoRecordScrutinyConcernOutcome(
    const Caller& caller, const v1::RecordScrutinyConcernOutcomeRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(PartnershipChildName name,
                            ParsePartnershipChild(r.name(), kConcerns, "name"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateFreeText(r.outcome(), kMaxNoteLength, "outcome"));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string region,
                            VisiblePartnershipRegion(caller, name.partnership_id));
  SIXSTEPS_RETURN_IF_ERROR(CheckCanSettleConcern(caller, region, name.partnership_id));
  v1::ScrutinyConcern concern;
  SIXSTEPS_RETURN_IF_ERROR(
      records_->InPartnership(name.partnership_id, region, [&](PartnershipTx& tx) -> absl::Status {
        SIXSTEPS_ASSIGN_OR_RETURN(std::optional<v1::ScrutinyConcern> found,
                                  tx.GetConcernForUpdate(name.id));
        if (!found) return NotFound(r.name());
        SIXSTEPS_RETURN_IF_ERROR(CheckEtag(r.etag(), found->etag(), r.name()));
        concern = std::move(*found);
        concern.set_outcome(r.outcome());
        concern.set_outcome_by(caller.principal);
        *concern.mutable_outcome_time() = TimestampNow();
        return tx.PutConcern(concern, v1::CHANGE_KIND_SCRUTINY_CONCERN_OUTCOME,
                             {caller.principal, "updated", ""});
      }));
  return concern;
}

SIXSTEPS_RPC(ScrutinyReportServiceImpl, ListScrutinyConcerns, v1::ListScrutinyConcernsRequest,
             v1::ListScrutinyConcernsResponse)
absl::StatusOr<v1::ListScrutinyConcernsResponse> ScrutinyReportServiceImpl::DoListScrutinyConcerns(
    const Caller& caller, const v1::ListScrutinyConcernsRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string partnership,
                            ParsePartnership(r.partnership(), "partnership"));
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size,
                            NormalisePageSize(r.page_size(), kListScrutinyConcernsPage));
  const std::string query = absl::StrCat("scrutiny-concerns:", r.partnership());
  SIXSTEPS_ASSIGN_OR_RETURN(int64_t after, AfterSequence(r.page_token(), query));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string region, VisiblePartnershipRegion(caller, partnership));
  // Concerns are about the scrutineer: they see none but their own, like everyone who
  // neither administers the partnership nor its region.
  const std::string raised_by =
      SeesEveryConcern(caller, region, partnership) ? "" : caller.principal;
  std::vector<int64_t> seqs;
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::vector<v1::ScrutinyConcern> concerns,
      records_->ListConcerns(partnership, raised_by, after, page_size + 1, &seqs));
  v1::ListScrutinyConcernsResponse response;
  Page(std::move(concerns), seqs, page_size, query, response.mutable_concerns(),
       response.mutable_next_page_token());
  return response;
}

SIXSTEPS_RPC(ScrutinyReportServiceImpl, AttachAnnualReportDraft, v1::AttachAnnualReportDraftRequest,
             v1::AnnualReportDraft)
absl::StatusOr<v1::AnnualReportDraft> ScrutinyReportServiceImpl::DoAttachAnnualReportDraft(
    const Caller& caller, const v1::AttachAnnualReportDraftRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string partnership,
                            ParsePartnership(r.partnership(), "partnership"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateDraft(r.draft()));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string region, VisiblePartnershipRegion(caller, partnership));
  SIXSTEPS_RETURN_IF_ERROR(CheckCanAttachDraft(caller, region, partnership));
  v1::AnnualReportDraft draft;
  draft.set_name(PartnershipChild(partnership, kDrafts, RandomId("ard")));
  draft.set_title(r.draft().title());
  draft.set_year(r.draft().year());
  draft.set_text(r.draft().text());
  draft.set_link(r.draft().link());
  draft.set_attached_by(caller.principal);
  *draft.mutable_attach_time() = TimestampNow();
  SIXSTEPS_RETURN_IF_ERROR(records_->InPartnership(partnership, region, [&](PartnershipTx& tx) {
    return tx.PutDraft(draft, {caller.principal, "created", ""});
  }));
  return draft;
}

SIXSTEPS_RPC(ScrutinyReportServiceImpl, CommentOnAnnualReportDraft,
             v1::CommentOnAnnualReportDraftRequest, v1::AnnualReportDraft)
absl::StatusOr<v1::AnnualReportDraft> ScrutinyReportServiceImpl::DoCommentOnAnnualReportDraft(
    const Caller& caller, const v1::CommentOnAnnualReportDraftRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(PartnershipChildName name,
                            ParsePartnershipChild(r.name(), kDrafts, "name"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateFreeText(r.text(), kMaxNoteLength, "text"));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string region,
                            VisiblePartnershipRegion(caller, name.partnership_id));
  SIXSTEPS_RETURN_IF_ERROR(CheckCanCommentOnDraft(caller, name.partnership_id));
  v1::AnnualReportDraft draft;
  SIXSTEPS_RETURN_IF_ERROR(
      records_->InPartnership(name.partnership_id, region, [&](PartnershipTx& tx) -> absl::Status {
        SIXSTEPS_ASSIGN_OR_RETURN(std::optional<v1::AnnualReportDraft> found,
                                  tx.GetDraftForUpdate(name.id));
        if (!found) return NotFound(r.name());
        if (found->comments_size() >= kMaxDraftComments) {
          return absl::ResourceExhaustedError(
              absl::StrCat(r.name(), " has ", kMaxDraftComments,
                           " comments, the most a draft keeps: attach a new draft"));
        }
        draft = std::move(*found);
        v1::DraftComment* comment = draft.add_comments();
        comment->set_text(r.text());
        comment->set_author(caller.principal);
        *comment->mutable_time() = TimestampNow();
        return tx.PutDraft(draft, {caller.principal, "updated", ""});
      }));
  return draft;
}

SIXSTEPS_RPC(ScrutinyReportServiceImpl, GetAnnualReportDraft, v1::GetAnnualReportDraftRequest,
             v1::AnnualReportDraft)
absl::StatusOr<v1::AnnualReportDraft> ScrutinyReportServiceImpl::DoGetAnnualReportDraft(
    const Caller& caller, const v1::GetAnnualReportDraftRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(PartnershipChildName name,
                            ParsePartnershipChild(r.name(), kDrafts, "name"));
  SIXSTEPS_RETURN_IF_ERROR(VisiblePartnershipRegion(caller, name.partnership_id).status());
  return records_->GetDraft(name.partnership_id, name.id);
}

SIXSTEPS_RPC(ScrutinyReportServiceImpl, ListAnnualReportDrafts, v1::ListAnnualReportDraftsRequest,
             v1::ListAnnualReportDraftsResponse)
absl::StatusOr<v1::ListAnnualReportDraftsResponse>
ScrutinyReportServiceImpl::DoListAnnualReportDrafts(const Caller& caller,
                                                    const v1::ListAnnualReportDraftsRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string partnership,
                            ParsePartnership(r.partnership(), "partnership"));
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size,
                            NormalisePageSize(r.page_size(), kListAnnualReportDraftsPage));
  const std::string query = absl::StrCat("annual-report-drafts:", r.partnership());
  SIXSTEPS_ASSIGN_OR_RETURN(int64_t after, AfterSequence(r.page_token(), query));
  SIXSTEPS_RETURN_IF_ERROR(VisiblePartnershipRegion(caller, partnership).status());
  std::vector<int64_t> seqs;
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::AnnualReportDraft> drafts,
                            records_->ListDrafts(partnership, after, page_size + 1, &seqs));
  v1::ListAnnualReportDraftsResponse response;
  Page(std::move(drafts), seqs, page_size, query, response.mutable_drafts(),
       response.mutable_next_page_token());
  return response;
}

}  // namespace sixsteps::assessment
