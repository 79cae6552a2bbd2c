// VoiceService: engagement records, case audits and learning reviews. One set of handlers
// for the three kinds (templates over the record type); VoiceTraits holds what differs.
#include "services/assessment/voice_service.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/assessment/assessment_service.h"
#include "services/assessment/evidence_attachments.h"
#include "services/assessment/page_sizes.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"
#include "services/base/status_macros.h"
#include "services/common/grpc_reply.h"
#include "services/common/ids.h"

namespace sixsteps::assessment {
namespace {

template <typename Record>
struct VoiceTraits;

template <>
struct VoiceTraits<v1::EngagementRecord> {
  static constexpr VoiceKind kKind = VoiceKind::kEngagementRecord;
  static constexpr const char* kCollection = kEngagementRecords;
  static constexpr const char* kField = "engagement_record";
  static constexpr const char* kIdPrefix = "eng";
  static constexpr v1::ChangeKind kCreated = v1::CHANGE_KIND_ENGAGEMENT_RECORD_CREATED;
  static constexpr v1::ChangeKind kUpdated = v1::CHANGE_KIND_ENGAGEMENT_RECORD_UPDATED;
  static v1::EngagementRecord* In(v1::Change& change) { return change.mutable_engagement_record(); }
  static absl::Status Validate(const v1::EngagementRecord& record, const StoredAssessment& round) {
    return ValidateEngagementRecord(record, IndexOf(*round.framework), kField);
  }
};

template <>
struct VoiceTraits<v1::CaseAudit> {
  static constexpr VoiceKind kKind = VoiceKind::kCaseAudit;
  static constexpr const char* kCollection = kCaseAudits;
  static constexpr const char* kField = "case_audit";
  static constexpr const char* kIdPrefix = "aud";
  static constexpr v1::ChangeKind kCreated = v1::CHANGE_KIND_CASE_AUDIT_CREATED;
  static constexpr v1::ChangeKind kUpdated = v1::CHANGE_KIND_CASE_AUDIT_UPDATED;
  static v1::CaseAudit* In(v1::Change& change) { return change.mutable_case_audit(); }
  static absl::Status Validate(const v1::CaseAudit& audit, const StoredAssessment& round) {
    return ValidateCaseAudit(audit, IndexOf(*round.framework), round.assessment.partnership(),
                             kField);
  }
};

template <>
struct VoiceTraits<v1::LearningReview> {
  static constexpr VoiceKind kKind = VoiceKind::kLearningReview;
  static constexpr const char* kCollection = kLearningReviews;
  static constexpr const char* kField = "learning_review";
  static constexpr const char* kIdPrefix = "lr";
  static constexpr v1::ChangeKind kCreated = v1::CHANGE_KIND_LEARNING_REVIEW_CREATED;
  static constexpr v1::ChangeKind kUpdated = v1::CHANGE_KIND_LEARNING_REVIEW_UPDATED;
  static v1::LearningReview* In(v1::Change& change) { return change.mutable_learning_review(); }
  static absl::Status Validate(const v1::LearningReview& review, const StoredAssessment& round) {
    return ValidateLearningReview(review, IndexOf(*round.framework), kField);
  }
};

template <typename Record>
absl::StatusOr<Record> ParseStored(const StoredVoiceRecord& stored) {
  Record record;
  if (!record.ParseFromString(stored.bytes)) {
    return absl::DataLossError(
        absl::StrCat("stored ", VoiceKindName(VoiceTraits<Record>::kKind), " cannot be read"));
  }
  record.set_etag(stored.etag);
  return record;
}

// The record's classification as it is stored (UNSPECIFIED: OFFICIAL); INVALID_ARGUMENT on
// "<kind>.classification" for an unknown value.
template <typename Record>
absl::StatusOr<v1::Classification> ClassificationOf(const Record& record) {
  return NormaliseClassification(record.classification(),
                                 absl::StrCat(VoiceTraits<Record>::kField, ".classification"));
}

// The agencies a record names, confirmed through the directory (asked before the
// transaction: it may call identity).
absl::Status CheckAgencies(Directory& directory, const Caller& caller, const v1::CaseAudit& audit) {
  for (const std::string& agency : audit.agencies()) {
    SIXSTEPS_RETURN_IF_ERROR(directory.CheckOrganisation(caller, agency));
  }
  return absl::OkStatus();
}
template <typename Record>
absl::Status CheckAgencies(Directory&, const Caller&, const Record&) {
  return absl::OkStatus();
}

}  // namespace

absl::Status VoiceServiceImpl::InVisibleRound(const Caller& caller,
                                              const std::string& assessment_id, RoundLock lock,
                                              const VoiceStore::VoiceWork& work,
                                              const IdempotencyKey* key,
                                              std::optional<std::string>* repeated) {
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  return store_->InVoiceRound(
      assessment_id, lock,
      [&](VoiceTx& tx) -> absl::Status {
        if (!CanReadRound(caller, visible, tx.round().assessment)) {
          return NotFound(AssessmentName(assessment_id));
        }
        return work(tx);
      },
      key, repeated);
}

template <typename Record>
absl::Status VoiceServiceImpl::CheckBeforeWriting(const Caller& caller,
                                                  const std::string& assessment_id,
                                                  const Record& record) {
  StoredAssessment round;
  SIXSTEPS_RETURN_IF_ERROR(
      InVisibleRound(caller, assessment_id, RoundLock::kRead, [&](VoiceTx& tx) -> absl::Status {
        round = tx.round();
        return absl::OkStatus();
      }));
  SIXSTEPS_RETURN_IF_ERROR(VoiceTraits<Record>::Validate(record, round));
  SIXSTEPS_RETURN_IF_ERROR(ValidateAttachedFileNames(
      record.evidence_files(), absl::StrCat(VoiceTraits<Record>::kField, ".evidence_files")));
  return CheckAgencies(*directory_, caller, record);
}

template <typename Record>
absl::Status VoiceServiceImpl::CheckAndStore(VoiceTx& tx, const Caller& caller, Record& record,
                                             v1::ChangeKind change,
                                             const std::set<std::string>& kept_files) {
  using Traits = VoiceTraits<Record>;
  const v1::Assessment& round = tx.round().assessment;
  SIXSTEPS_RETURN_IF_ERROR(CheckCanWriteVoice(caller, round, record.classification()));
  SIXSTEPS_RETURN_IF_ERROR(CheckWritable(round));
  SIXSTEPS_RETURN_IF_ERROR(Traits::Validate(record, tx.round()));
  SIXSTEPS_RETURN_IF_ERROR(CheckAttachedFiles(
      caller, round, record.classification(), record.evidence_files(), kept_files,
      [&tx](const std::string& id) { return tx.EvidenceFileOf(id); },
      absl::StrCat(Traits::kField, ".evidence_files")));
  std::vector<std::string> actions = LinkedActionIds(record);
  if (!actions.empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(std::vector<std::string> missing, tx.MissingActions(actions));
    if (!missing.empty()) {
      return Invalid(absl::StrCat(Traits::kField, ".actions"),
                     absl::StrCat("actions/", absl::StrJoin(missing, ", actions/"),
                                  " not found in ", round.partnership()));
    }
  }
  Record stored = record;
  stored.clear_etag();
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::string etag, tx.Put(Traits::kKind, LastSegment(record.name()), record.classification(),
                               stored.SerializeAsString()));
  record.set_etag(etag);
  v1::Change feed;
  feed.set_kind(change);
  feed.set_actor(caller.principal);
  *Traits::In(feed) = record;
  tx.AppendChange(std::move(feed));
  return absl::OkStatus();
}

template <typename Record, typename Request>
absl::StatusOr<Record> VoiceServiceImpl::Create(const Caller& caller, const Request& request,
                                                const Record& input) {
  using Traits = VoiceTraits<Record>;
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(request.parent(), "parent"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateRequestId(request.request_id()));
  SIXSTEPS_ASSIGN_OR_RETURN(v1::Classification classification, ClassificationOf(input));
  SIXSTEPS_RETURN_IF_ERROR(CheckBeforeWriting(caller, id, input));
  Record record;
  Request without_id = request;
  without_id.clear_request_id();
  std::optional<IdempotencyKey> key =
      KeyFor(caller, absl::StrCat("Create", Traits::kCollection), request.request_id(), without_id);
  std::optional<std::string> repeated;
  SIXSTEPS_RETURN_IF_ERROR(InVisibleRound(
      caller, id, RoundLock::kShared,
      [&](VoiceTx& tx) -> absl::Status {
        SIXSTEPS_ASSIGN_OR_RETURN(int count, tx.CountForCreate(Traits::kKind));
        if (count >= kMaxVoiceRecordsPerRound) {
          return absl::ResourceExhaustedError(absl::StrCat(
              "a round holds at most ", kMaxVoiceRecordsPerRound, " ", Traits::kCollection));
        }
        record = input;
        record.set_classification(classification);
        record.set_name(absl::StrCat(AssessmentName(id), "/", Traits::kCollection, "/",
                                     RandomId(Traits::kIdPrefix)));
        record.set_creator(caller.principal);
        record.set_update_by(caller.principal);
        *record.mutable_create_time() = TimestampNow();
        *record.mutable_update_time() = record.create_time();
        SIXSTEPS_RETURN_IF_ERROR(CheckAndStore(tx, caller, record, Traits::kCreated));
        tx.SetIdempotentResult(record.SerializeAsString());
        return absl::OkStatus();
      },
      key ? &*key : nullptr, &repeated));
  if (repeated) return RepeatedResponse<Record>(*repeated);
  return record;
}

template <typename Record>
absl::StatusOr<Record> VoiceServiceImpl::Get(const Caller& caller, const std::string& name) {
  using Traits = VoiceTraits<Record>;
  SIXSTEPS_ASSIGN_OR_RETURN(ChildName parsed, ParseChildName(name, Traits::kCollection, "name"));
  Record record;
  SIXSTEPS_RETURN_IF_ERROR(InVisibleRound(
      caller, parsed.assessment_id, RoundLock::kRead, [&](VoiceTx& tx) -> absl::Status {
        SIXSTEPS_ASSIGN_OR_RETURN(std::optional<StoredVoiceRecord> stored,
                                  tx.Get(Traits::kKind, parsed.id, /*for_update=*/false));
        if (!stored) return NotFound(name);
        SIXSTEPS_ASSIGN_OR_RETURN(record, ParseStored<Record>(*stored));
        if (!CanReadClassified(caller, tx.round().assessment.partnership(),
                               record.classification())) {
          return NotFound(name);
        }
        return absl::OkStatus();
      }));
  return record;
}

template <typename Record, typename Response>
absl::StatusOr<Response> VoiceServiceImpl::List(
    const Caller& caller, const std::string& parent, int page_size, const std::string& page_token,
    google::protobuf::RepeatedPtrField<Record>* (Response::*items)()) {
  using Traits = VoiceTraits<Record>;
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(parent, "parent"));
  SIXSTEPS_ASSIGN_OR_RETURN(int size, NormalisePageSize(page_size, kListVoiceRecordsPage));
  const std::string query = absl::StrCat(Traits::kCollection, "\n", parent);
  std::string after;
  if (!page_token.empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(after, DecodePageToken(page_token, query));
  }
  Response response;
  SIXSTEPS_RETURN_IF_ERROR(
      InVisibleRound(caller, id, RoundLock::kRead, [&](VoiceTx& tx) -> absl::Status {
        response.Clear();
        SIXSTEPS_ASSIGN_OR_RETURN(std::vector<StoredVoiceRecord> stored, tx.List(Traits::kKind));
        std::vector<Record> readable;
        for (const StoredVoiceRecord& one : stored) {
          SIXSTEPS_ASSIGN_OR_RETURN(Record record, ParseStored<Record>(one));
          if (CanReadClassified(caller, tx.round().assessment.partnership(),
                                record.classification())) {
            readable.push_back(std::move(record));
          }
        }
        PageByName(std::move(readable), after, size, query, (response.*items)(),
                   response.mutable_next_page_token());
        return absl::OkStatus();
      }));
  return response;
}

template <typename Record>
absl::StatusOr<Record> VoiceServiceImpl::Update(const Caller& caller, const Record& input) {
  using Traits = VoiceTraits<Record>;
  SIXSTEPS_ASSIGN_OR_RETURN(
      ChildName parsed,
      ParseChildName(input.name(), Traits::kCollection, absl::StrCat(Traits::kField, ".name")));
  SIXSTEPS_RETURN_IF_ERROR(RequireEtag(input.etag(), absl::StrCat(Traits::kField, ".etag")));
  SIXSTEPS_ASSIGN_OR_RETURN(v1::Classification classification, ClassificationOf(input));
  SIXSTEPS_RETURN_IF_ERROR(CheckBeforeWriting(caller, parsed.assessment_id, input));
  Record record;
  SIXSTEPS_RETURN_IF_ERROR(InVisibleRound(
      caller, parsed.assessment_id, RoundLock::kShared, [&](VoiceTx& tx) -> absl::Status {
        SIXSTEPS_ASSIGN_OR_RETURN(std::optional<StoredVoiceRecord> stored,
                                  tx.Get(Traits::kKind, parsed.id, /*for_update=*/true));
        if (!stored) return NotFound(input.name());
        SIXSTEPS_ASSIGN_OR_RETURN(Record existing, ParseStored<Record>(*stored));
        if (!CanReadClassified(caller, tx.round().assessment.partnership(),
                               existing.classification())) {
          return NotFound(input.name());
        }
        SIXSTEPS_RETURN_IF_ERROR(CheckEtag(input.etag(), existing.etag(), input.name()));
        record = input;
        record.set_classification(classification);
        record.set_creator(existing.creator());
        *record.mutable_create_time() = existing.create_time();
        record.set_update_by(caller.principal);
        *record.mutable_update_time() = TimestampNow();
        return CheckAndStore(tx, caller, record, Traits::kUpdated,
                             {existing.evidence_files().begin(), existing.evidence_files().end()});
      }));
  return record;
}

// ---- The RPCs ----

// The four RPCs of one kind of record, each written out by its full name (so that searching
// for an RPC finds it), served by the templates above.
#define SIXSTEPS_VOICE_RPCS(Record, CreateRpc, GetRpc, ListRpc, UpdateRpc, field, items)        \
  SIXSTEPS_RPC(VoiceServiceImpl, CreateRpc, v1::CreateRpc##Request, v1::Record)                 \
  absl::StatusOr<v1::Record> VoiceServiceImpl::Do##CreateRpc(const Caller& caller,              \
                                                             const v1::CreateRpc##Request& r) { \
    return Create(caller, r, r.field());                                                        \
  }                                                                                             \
  SIXSTEPS_RPC(VoiceServiceImpl, GetRpc, v1::GetRpc##Request, v1::Record)                       \
  absl::StatusOr<v1::Record> VoiceServiceImpl::Do##GetRpc(const Caller& caller,                 \
                                                          const v1::GetRpc##Request& r) {       \
    return Get<v1::Record>(caller, r.name());                                                   \
  }                                                                                             \
  SIXSTEPS_RPC(VoiceServiceImpl, ListRpc, v1::ListRpc##Request, v1::ListRpc##Response)          \
  absl::StatusOr<v1::ListRpc##Response> VoiceServiceImpl::Do##ListRpc(                          \
      const Caller& caller, const v1::ListRpc##Request& r) {                                    \
    return List(caller, r.parent(), r.page_size(), r.page_token(),                              \
                &v1::ListRpc##Response::mutable_##items);                                       \
  }                                                                                             \
  SIXSTEPS_RPC(VoiceServiceImpl, UpdateRpc, v1::UpdateRpc##Request, v1::Record)                 \
  absl::StatusOr<v1::Record> VoiceServiceImpl::Do##UpdateRpc(const Caller& caller,              \
                                                             const v1::UpdateRpc##Request& r) { \
    return Update(caller, r.field());                                                           \
  }

SIXSTEPS_VOICE_RPCS(EngagementRecord, CreateEngagementRecord, GetEngagementRecord,
                    ListEngagementRecords, UpdateEngagementRecord, engagement_record,
                    engagement_records)
SIXSTEPS_VOICE_RPCS(CaseAudit, CreateCaseAudit, GetCaseAudit, ListCaseAudits, UpdateCaseAudit,
                    case_audit, case_audits)
SIXSTEPS_VOICE_RPCS(LearningReview, CreateLearningReview, GetLearningReview, ListLearningReviews,
                    UpdateLearningReview, learning_review, learning_reviews)

#undef SIXSTEPS_VOICE_RPCS

}  // namespace sixsteps::assessment
