#include "tools/sixsteps/voice_commands.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "sixsteps/assessment/v1/voice_service.grpc.pb.h"
#include "tools/sixsteps/assessment_names.h"
#include "tools/sixsteps/cli_status.h"
#include "tools/sixsteps/enum_words.h"
#include "tools/sixsteps/evidence_file_commands.h"
#include "tools/sixsteps/identity_names.h"
#include "tools/sixsteps/options.h"
#include "tools/sixsteps/rpc_client.h"

namespace sixsteps::cli {
namespace {

namespace vv1 = ::sixsteps::assessment::v1;
namespace pb = ::google::protobuf;
using Stub = vv1::VoiceService::StubInterface;
using Client = RpcClient<Stub>;
using VoiceCommand = Command<Client>;

// ---- Enum words ----

constexpr char kGroupPrefix[] = "PARTICIPANT_GROUP_";
constexpr char kMethodPrefix[] = "ENGAGEMENT_METHOD_";
constexpr char kAgePrefix[] = "AGE_BAND_";
constexpr char kGradePrefix[] = "CASE_GRADE_";
constexpr char kTypePrefix[] = "LEARNING_REVIEW_TYPE_";
constexpr char kStatusPrefix[] = "LEARNING_REVIEW_STATUS_";
constexpr char kClassificationPrefix[] = "CLASSIFICATION_";

template <typename E, const pb::EnumDescriptor* (*Descriptor)(), const char* Prefix>
absl::StatusOr<E> ParseWord(absl::string_view argument) {
  if (std::optional<int> value = ParseEnumWord(Descriptor(), Prefix, argument)) {
    return static_cast<E>(*value);
  }
  return UsageError(
      absl::StrCat("unknown value '", argument, "': expected ", EnumWords(Descriptor(), Prefix)));
}
constexpr auto ParseGroup =
    ParseWord<vv1::ParticipantGroup, vv1::ParticipantGroup_descriptor, kGroupPrefix>;
constexpr auto ParseMethod =
    ParseWord<vv1::EngagementMethod, vv1::EngagementMethod_descriptor, kMethodPrefix>;
constexpr auto ParseAgeBand = ParseWord<vv1::AgeBand, vv1::AgeBand_descriptor, kAgePrefix>;
constexpr auto ParseReviewType =
    ParseWord<vv1::LearningReviewType, vv1::LearningReviewType_descriptor, kTypePrefix>;
constexpr auto ParseReviewStatus =
    ParseWord<vv1::LearningReviewStatus, vv1::LearningReviewStatus_descriptor, kStatusPrefix>;
constexpr auto ParseClassification =
    ParseWord<vv1::Classification, vv1::Classification_descriptor, kClassificationPrefix>;

template <typename E>
std::string Word(E value, const pb::EnumDescriptor* descriptor, absl::string_view prefix) {
  return EnumWord(descriptor->FindValueByNumber(value), prefix);
}

// ---- Names ----

// A record's name: in full, or "A/ID" (the round and the record's id).
absl::StatusOr<std::string> RecordName(absl::string_view argument, absl::string_view collection) {
  if (absl::StartsWith(argument, "assessments/")) return std::string(argument);
  std::vector<std::string> parts = absl::StrSplit(argument, '/');
  if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
    return UsageError(
        absl::StrCat("'", argument, "' is not A/ID nor assessments/A/", collection, "/ID"));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(std::string round, ExpandAssessmentName(parts[0]));
  return absl::StrCat(round, "/", collection, "/", parts[1]);
}

// ---- Shared fields ----

// --evidence-file F (repeatable): ID or evidenceFiles/ID, in order.
absl::Status SetEvidenceFiles(const CheckedArgs& args, pb::RepeatedPtrField<std::string>* files) {
  files->Clear();
  for (const std::string& file : args.Values("evidence_file")) {
    SIXSTEPS_ASSIGN_OR_RETURN(*files->Add(), ExpandEvidenceFileName(file));
  }
  return absl::OkStatus();
}

template <typename Record>
absl::Status SetCommon(const CheckedArgs& args, Record& record) {
  SIXSTEPS_RETURN_IF_ERROR(SetEvidenceFiles(args, record.mutable_evidence_files()));
  for (const std::string& step : args.List("steps")) record.add_step_ids(step);
  for (const std::string& question : args.List("questions")) record.add_question_ids(question);
  for (vv1::Classification c : args.Enums<vv1::Classification>("classification")) {
    record.set_classification(c);
  }
  return absl::OkStatus();
}

template <typename Record>
std::string CommonText(const Record& record) {
  std::string text;
  if (!record.step_ids().empty() || !record.question_ids().empty()) {
    absl::StrAppend(&text, "Evidence for: ", absl::StrJoin(record.step_ids(), ", "),
                    record.step_ids().empty() || record.question_ids().empty() ? "" : ", ",
                    absl::StrJoin(record.question_ids(), ", "), "\n");
  }
  if (!record.evidence_files().empty()) {
    absl::StrAppend(&text, "Evidence files: ", absl::StrJoin(record.evidence_files(), ", "), "\n");
  }
  absl::StrAppend(
      &text, "Classification: ",
      Word(record.classification(), vv1::Classification_descriptor(), kClassificationPrefix), "\n");
  return text;
}

void AppendList(std::string* text, absl::string_view heading,
                const pb::RepeatedPtrField<std::string>& items) {
  if (items.empty()) return;
  absl::StrAppend(text, heading, ":\n");
  for (const std::string& item : items) absl::StrAppend(text, "  - ", item, "\n");
}

template <typename E>
std::string Words(const pb::RepeatedField<int>& values, const pb::EnumDescriptor* descriptor,
                  absl::string_view prefix) {
  std::vector<std::string> words;
  for (int value : values) words.push_back(EnumWord(descriptor->FindValueByNumber(value), prefix));
  return absl::StrJoin(words, ", ");
}

// ---- Formats ----

std::string FormatEngagement(const vv1::EngagementRecord& r) {
  std::string text = absl::StrCat(
      r.name(), "\n", r.title(), " (", r.date(), ")\n", "Heard: ",
      Words<int>(r.participant_groups(), vv1::ParticipantGroup_descriptor(), kGroupPrefix),
      "\nHow: ", Word(r.method(), vv1::EngagementMethod_descriptor(), kMethodPrefix), "; ",
      r.participant_count(), " took part");
  if (!r.age_bands().empty()) {
    absl::StrAppend(&text, "; ages ",
                    Words<int>(r.age_bands(), vv1::AgeBand_descriptor(), kAgePrefix));
  }
  absl::StrAppend(&text, "\n");
  AppendList(&text, "Themes", r.themes());
  AppendList(&text, "Quotes", r.quotes());
  if (!r.changes().empty()) {
    absl::StrAppend(&text, "You said, we did:\n");
    for (const vv1::YouSaidWeDid& c : r.changes()) {
      absl::StrAppend(&text, "  - ", c.you_said(), " -> ", c.we_did(), "\n");
    }
  }
  return text + CommonText(r);
}

std::string FormatAudit(const vv1::CaseAudit& a) {
  std::string text = absl::StrCat(a.name(), "\n", a.topic(), " (", a.audit_date(), ")\n",
                                  "Agencies: ", absl::StrJoin(a.agencies(), ", "), "\n",
                                  "Cases: ", a.case_count());
  std::vector<std::string> grades;
  for (const vv1::GradeCount& g : a.grades()) {
    grades.push_back(
        absl::StrCat(Word(g.grade(), vv1::CaseGrade_descriptor(), kGradePrefix), " ", g.count()));
  }
  if (!grades.empty()) absl::StrAppend(&text, " (", absl::StrJoin(grades, ", "), ")");
  absl::StrAppend(&text, "\n");
  AppendList(&text, "Findings", a.findings());
  AppendList(&text, "Actions", a.actions());
  return text + CommonText(a);
}

std::string FormatReview(const vv1::LearningReview& r) {
  std::string text =
      absl::StrCat(r.name(), "\n", r.title(), "\n",
                   Word(r.type(), vv1::LearningReviewType_descriptor(), kTypePrefix), ", ",
                   Word(r.status(), vv1::LearningReviewStatus_descriptor(), kStatusPrefix),
                   "; started ", r.start_date());
  if (!r.completion_date().empty()) absl::StrAppend(&text, ", completed ", r.completion_date());
  if (!r.publication_date().empty()) absl::StrAppend(&text, ", published ", r.publication_date());
  absl::StrAppend(&text, "\n");
  AppendList(&text, "Themes", r.themes());
  if (!r.recommendations().empty()) {
    absl::StrAppend(&text, "Recommendations:\n");
    for (const vv1::LearningReviewRecommendation& rec : r.recommendations()) {
      absl::StrAppend(&text, "  - ", rec.text());
      if (!rec.actions().empty())
        absl::StrAppend(&text, " [", absl::StrJoin(rec.actions(), ", "), "]");
      absl::StrAppend(&text, "\n");
    }
  }
  return text + CommonText(r);
}

// ---- Commands ----

absl::Status CreateEngagement(const CheckedArgs& args, Client& client,
                              const CommandContext& context) {
  vv1::CreateEngagementRecordRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_parent(), ExpandAssessmentName(args.Positional(0)));
  vv1::EngagementRecord& r = *request.mutable_engagement_record();
  r.set_title(args.Text("title"));
  r.set_date(args.Text("date"));
  for (auto group : args.Enums<vv1::ParticipantGroup>("heard")) r.add_participant_groups(group);
  r.set_method(*args.Enum<vv1::EngagementMethod>("method"));
  r.set_participant_count(static_cast<int32_t>(*args.Integer("participants")));
  for (auto band : args.Enums<vv1::AgeBand>("ages")) r.add_age_bands(band);
  for (const std::string& theme : args.Values("theme")) r.add_themes(theme);
  for (const std::string& quote : args.Values("quote")) r.add_quotes(quote);
  const std::vector<std::string> said = args.Values("you_said");
  const std::vector<std::string> did = args.Values("we_did");
  if (said.size() != did.size()) {
    return UsageError("give --you-said and --we-did in pairs, as many of each");
  }
  for (size_t i = 0; i < said.size(); ++i) {
    vv1::YouSaidWeDid* change = r.add_changes();
    change->set_you_said(said[i]);
    change->set_we_did(did[i]);
  }
  SIXSTEPS_RETURN_IF_ERROR(SetCommon(args, r));
  request.set_request_id(args.Text("request_id"));
  SIXSTEPS_ASSIGN_OR_RETURN(vv1::EngagementRecord created,
                            client.Call(&Stub::CreateEngagementRecord, request));
  return PrintMessage(created, absl::StrCat("Recorded ", FormatEngagement(created)), context);
}

// "good=7,requires_improvement=4".
absl::Status SetGrades(const std::vector<std::string>& items, vv1::CaseAudit& audit) {
  for (const std::string& item : items) {
    std::vector<std::string> parts = absl::StrSplit(item, '=');
    int count = 0;
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[1], &count) || count < 0) {
      return UsageError(absl::StrCat("--grades: '", item, "' is not GRADE=COUNT"));
    }
    std::optional<int> grade = ParseEnumWord(vv1::CaseGrade_descriptor(), kGradePrefix, parts[0]);
    if (!grade) {
      return UsageError(absl::StrCat("--grades: unknown grade '", parts[0], "': expected ",
                                     EnumWords(vv1::CaseGrade_descriptor(), kGradePrefix)));
    }
    vv1::GradeCount* g = audit.add_grades();
    g->set_grade(static_cast<vv1::CaseGrade>(*grade));
    g->set_count(count);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ActionName(absl::string_view argument) {
  if (absl::StartsWith(argument, "actions/")) return std::string(argument);
  return absl::StrCat("actions/", argument);
}

absl::Status CreateAudit(const CheckedArgs& args, Client& client, const CommandContext& context) {
  vv1::CreateCaseAuditRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_parent(), ExpandAssessmentName(args.Positional(0)));
  vv1::CaseAudit& a = *request.mutable_case_audit();
  a.set_topic(args.Text("topic"));
  a.set_audit_date(args.Text("date"));
  for (const std::string& agency : args.List("agencies")) {
    SIXSTEPS_ASSIGN_OR_RETURN(*a.add_agencies(), ExpandOrganisationName(agency));
  }
  a.set_case_count(static_cast<int32_t>(*args.Integer("cases")));
  SIXSTEPS_RETURN_IF_ERROR(SetGrades(args.List("grades"), a));
  for (const std::string& finding : args.Values("finding")) a.add_findings(finding);
  for (const std::string& action : args.List("actions")) {
    SIXSTEPS_ASSIGN_OR_RETURN(*a.add_actions(), ActionName(action));
  }
  SIXSTEPS_RETURN_IF_ERROR(SetCommon(args, a));
  request.set_request_id(args.Text("request_id"));
  SIXSTEPS_ASSIGN_OR_RETURN(vv1::CaseAudit created, client.Call(&Stub::CreateCaseAudit, request));
  return PrintMessage(created, absl::StrCat("Recorded ", FormatAudit(created)), context);
}

// "TEXT" or "TEXT=>act-1,act-2" (the actions that carry it out).
absl::Status AddRecommendation(absl::string_view argument, vv1::LearningReview& review) {
  vv1::LearningReviewRecommendation* recommendation = review.add_recommendations();
  std::vector<std::string> parts = absl::StrSplit(argument, absl::MaxSplits("=>", 1));
  recommendation->set_text(parts[0]);
  if (parts.size() == 2) {
    for (absl::string_view action : absl::StrSplit(parts[1], ',', absl::SkipEmpty())) {
      SIXSTEPS_ASSIGN_OR_RETURN(*recommendation->add_actions(), ActionName(action));
    }
  }
  return absl::OkStatus();
}

absl::Status CreateReview(const CheckedArgs& args, Client& client, const CommandContext& context) {
  vv1::CreateLearningReviewRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_parent(), ExpandAssessmentName(args.Positional(0)));
  vv1::LearningReview& r = *request.mutable_learning_review();
  r.set_type(*args.Enum<vv1::LearningReviewType>("type"));
  r.set_status(*args.Enum<vv1::LearningReviewStatus>("status"));
  r.set_title(args.Text("title"));
  r.set_start_date(args.Text("start_date"));
  r.set_completion_date(args.Text("completed"));
  r.set_publication_date(args.Text("published"));
  for (const std::string& theme : args.Values("theme")) r.add_themes(theme);
  for (const std::string& text : args.Values("recommendation")) {
    SIXSTEPS_RETURN_IF_ERROR(AddRecommendation(text, r));
  }
  SIXSTEPS_RETURN_IF_ERROR(SetCommon(args, r));
  request.set_request_id(args.Text("request_id"));
  SIXSTEPS_ASSIGN_OR_RETURN(vv1::LearningReview created,
                            client.Call(&Stub::CreateLearningReview, request));
  return PrintMessage(created, absl::StrCat("Recorded ", FormatReview(created)), context);
}

// ---- Updates: the record as read, the flags given replacing its fields (a repeated flag
// replaces the whole list), sent with --etag (from `show`); a stale etag is ABORTED. ----

// Steps, questions and classification, when given.
template <typename Record>
void OverlayCommon(const CheckedArgs& args, Record& record) {
  if (args.Has("steps")) {
    record.clear_step_ids();
    for (const std::string& step : args.List("steps")) record.add_step_ids(step);
  }
  if (args.Has("questions")) {
    record.clear_question_ids();
    for (const std::string& question : args.List("questions")) record.add_question_ids(question);
  }
  for (vv1::Classification c : args.Enums<vv1::Classification>("classification")) {
    record.set_classification(c);
  }
}

// A repeated text flag, when given, replaces the list.
void OverlayTexts(const CheckedArgs& args, absl::string_view flag,
                  pb::RepeatedPtrField<std::string>* items) {
  if (!args.Has(flag)) return;
  items->Clear();
  for (const std::string& value : args.Values(flag)) *items->Add() = value;
}

void OverlayText(const CheckedArgs& args, absl::string_view flag,
                 const std::function<void(const std::string&)>& set) {
  if (std::optional<std::string> value = args.Optional(flag)) set(*value);
}

// Reads the record named by the first positional, lets `overlay` change it, sends it with
// --etag and prints what was stored.
template <typename Record, typename GetRequest, typename UpdateRequest>
absl::Status UpdateOf(const CheckedArgs& args, Client& client, const CommandContext& context,
                      grpc::Status (Stub::*get)(grpc::ClientContext*, const GetRequest&, Record*),
                      grpc::Status (Stub::*update)(grpc::ClientContext*, const UpdateRequest&,
                                                   Record*),
                      Record* (UpdateRequest::*mutable_record)(), absl::string_view collection,
                      const std::function<absl::Status(Record&)>& overlay,
                      std::string (*format)(const Record&)) {
  GetRequest read;
  SIXSTEPS_ASSIGN_OR_RETURN(*read.mutable_name(), RecordName(args.Positional(0), collection));
  SIXSTEPS_ASSIGN_OR_RETURN(Record record, client.Call(get, read));
  SIXSTEPS_RETURN_IF_ERROR(overlay(record));
  OverlayCommon(args, record);
  // --evidence-file, when given, replaces the list (as every repeated flag does).
  if (args.Has("evidence_file")) {
    SIXSTEPS_RETURN_IF_ERROR(SetEvidenceFiles(args, record.mutable_evidence_files()));
  }
  record.set_etag(args.Text("etag"));
  UpdateRequest request;
  *(request.*mutable_record)() = std::move(record);
  SIXSTEPS_ASSIGN_OR_RETURN(Record updated, client.Call(update, request));
  return PrintMessage(updated, absl::StrCat("Updated ", format(updated)), context);
}

absl::Status UpdateEngagement(const CheckedArgs& args, Client& client,
                              const CommandContext& context) {
  return UpdateOf<vv1::EngagementRecord, vv1::GetEngagementRecordRequest,
                  vv1::UpdateEngagementRecordRequest>(
      args, client, context, &Stub::GetEngagementRecord, &Stub::UpdateEngagementRecord,
      &vv1::UpdateEngagementRecordRequest::mutable_engagement_record, "engagementRecords",
      [&](vv1::EngagementRecord& r) -> absl::Status {
        OverlayText(args, "title", [&](const std::string& v) { r.set_title(v); });
        OverlayText(args, "date", [&](const std::string& v) { r.set_date(v); });
        if (args.Has("heard")) {
          r.clear_participant_groups();
          for (auto group : args.Enums<vv1::ParticipantGroup>("heard")) {
            r.add_participant_groups(group);
          }
        }
        if (auto method = args.Enum<vv1::EngagementMethod>("method")) r.set_method(*method);
        if (auto count = args.Integer("participants")) {
          r.set_participant_count(static_cast<int32_t>(*count));
        }
        if (args.Has("ages")) {
          r.clear_age_bands();
          for (auto band : args.Enums<vv1::AgeBand>("ages")) r.add_age_bands(band);
        }
        OverlayTexts(args, "theme", r.mutable_themes());
        OverlayTexts(args, "quote", r.mutable_quotes());
        const std::vector<std::string> said = args.Values("you_said");
        const std::vector<std::string> did = args.Values("we_did");
        if (said.size() != did.size()) {
          return UsageError("give --you-said and --we-did in pairs, as many of each");
        }
        if (!said.empty()) {
          r.clear_changes();
          for (size_t i = 0; i < said.size(); ++i) {
            vv1::YouSaidWeDid* change = r.add_changes();
            change->set_you_said(said[i]);
            change->set_we_did(did[i]);
          }
        }
        return absl::OkStatus();
      },
      FormatEngagement);
}

absl::Status UpdateAudit(const CheckedArgs& args, Client& client, const CommandContext& context) {
  return UpdateOf<vv1::CaseAudit, vv1::GetCaseAuditRequest, vv1::UpdateCaseAuditRequest>(
      args, client, context, &Stub::GetCaseAudit, &Stub::UpdateCaseAudit,
      &vv1::UpdateCaseAuditRequest::mutable_case_audit, "caseAudits",
      [&](vv1::CaseAudit& a) -> absl::Status {
        OverlayText(args, "topic", [&](const std::string& v) { a.set_topic(v); });
        OverlayText(args, "date", [&](const std::string& v) { a.set_audit_date(v); });
        if (args.Has("agencies")) {
          a.clear_agencies();
          for (const std::string& agency : args.List("agencies")) {
            SIXSTEPS_ASSIGN_OR_RETURN(*a.add_agencies(), ExpandOrganisationName(agency));
          }
        }
        if (auto cases = args.Integer("cases")) a.set_case_count(static_cast<int32_t>(*cases));
        if (args.Has("grades")) {
          a.clear_grades();
          SIXSTEPS_RETURN_IF_ERROR(SetGrades(args.List("grades"), a));
        }
        OverlayTexts(args, "finding", a.mutable_findings());
        if (args.Has("actions")) {
          a.clear_actions();
          for (const std::string& action : args.List("actions")) {
            SIXSTEPS_ASSIGN_OR_RETURN(*a.add_actions(), ActionName(action));
          }
        }
        return absl::OkStatus();
      },
      FormatAudit);
}

absl::Status UpdateReview(const CheckedArgs& args, Client& client, const CommandContext& context) {
  return UpdateOf<vv1::LearningReview, vv1::GetLearningReviewRequest,
                  vv1::UpdateLearningReviewRequest>(
      args, client, context, &Stub::GetLearningReview, &Stub::UpdateLearningReview,
      &vv1::UpdateLearningReviewRequest::mutable_learning_review, "learningReviews",
      [&](vv1::LearningReview& r) -> absl::Status {
        if (auto type = args.Enum<vv1::LearningReviewType>("type")) r.set_type(*type);
        if (auto status = args.Enum<vv1::LearningReviewStatus>("status")) r.set_status(*status);
        OverlayText(args, "title", [&](const std::string& v) { r.set_title(v); });
        OverlayText(args, "start_date", [&](const std::string& v) { r.set_start_date(v); });
        OverlayText(args, "completed", [&](const std::string& v) { r.set_completion_date(v); });
        OverlayText(args, "published", [&](const std::string& v) { r.set_publication_date(v); });
        OverlayTexts(args, "theme", r.mutable_themes());
        if (args.Has("recommendation")) {
          r.clear_recommendations();
          for (const std::string& text : args.Values("recommendation")) {
            SIXSTEPS_RETURN_IF_ERROR(AddRecommendation(text, r));
          }
        }
        return absl::OkStatus();
      },
      FormatReview);
}

// `list A` of one kind: every page.
template <typename Record, typename ListRequest, typename ListResponse>
absl::Status ListOf(const CheckedArgs& args, Client& client, const CommandContext& context,
                    grpc::Status (Stub::*list)(grpc::ClientContext*, const ListRequest&,
                                               ListResponse*),
                    const pb::RepeatedPtrField<Record>& (ListResponse::*items)() const,
                    pb::RepeatedPtrField<Record>* (ListResponse::*mutable_items)(),
                    absl::string_view what, std::string (*format)(const Record&)) {
  ListRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_parent(), ExpandAssessmentName(args.Positional(0)));
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<Record> records, client.ListAll(list, request, items));
  std::string text = absl::StrCat(records.size(), " ", what, " of ", request.parent(), "\n");
  for (const Record& record : records) absl::StrAppend(&text, "\n", format(record));
  return PrintMessage(Collect(records, mutable_items), text, context);
}

// `show A/ID` of one kind.
template <typename Record, typename GetRequest>
absl::Status ShowOf(const CheckedArgs& args, Client& client, const CommandContext& context,
                    grpc::Status (Stub::*get)(grpc::ClientContext*, const GetRequest&, Record*),
                    absl::string_view collection, std::string (*format)(const Record&)) {
  GetRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), RecordName(args.Positional(0), collection));
  SIXSTEPS_ASSIGN_OR_RETURN(Record record, client.Call(get, request));
  return PrintMessage(record, format(record), context);
}

absl::Status ListEngagements(const CheckedArgs& args, Client& client,
                             const CommandContext& context) {
  return ListOf(args, client, context, &Stub::ListEngagementRecords,
                &vv1::ListEngagementRecordsResponse::engagement_records,
                &vv1::ListEngagementRecordsResponse::mutable_engagement_records,
                "engagement record(s)", FormatEngagement);
}
absl::Status ShowEngagement(const CheckedArgs& args, Client& client,
                            const CommandContext& context) {
  return ShowOf(args, client, context, &Stub::GetEngagementRecord, "engagementRecords",
                FormatEngagement);
}
absl::Status ListAudits(const CheckedArgs& args, Client& client, const CommandContext& context) {
  return ListOf(args, client, context, &Stub::ListCaseAudits,
                &vv1::ListCaseAuditsResponse::case_audits,
                &vv1::ListCaseAuditsResponse::mutable_case_audits, "case audit(s)", FormatAudit);
}
absl::Status ShowAudit(const CheckedArgs& args, Client& client, const CommandContext& context) {
  return ShowOf(args, client, context, &Stub::GetCaseAudit, "caseAudits", FormatAudit);
}
absl::Status ListReviews(const CheckedArgs& args, Client& client, const CommandContext& context) {
  return ListOf(args, client, context, &Stub::ListLearningReviews,
                &vv1::ListLearningReviewsResponse::learning_reviews,
                &vv1::ListLearningReviewsResponse::mutable_learning_reviews, "learning review(s)",
                FormatReview);
}
absl::Status ShowReview(const CheckedArgs& args, Client& client, const CommandContext& context) {
  return ShowOf(args, client, context, &Stub::GetLearningReview, "learningReviews", FormatReview);
}

// The flags every kind shares.
std::vector<ArgDecl> WithCommonFlags(std::vector<ArgDecl> flags) {
  for (ArgDecl flag : {arg::List("steps"), arg::List("questions"),
                       arg::Enum<ParseClassification>("classification"), arg::String("request_id"),
                       arg::String("evidence_file").Repeated()}) {
    flags.push_back(std::move(flag));
  }
  return flags;
}

// The flags an update shares: --etag (required) and those of every kind.
std::vector<ArgDecl> WithUpdateFlags(std::vector<ArgDecl> flags) {
  for (ArgDecl flag : {arg::String("etag").Required(), arg::List("steps"), arg::List("questions"),
                       arg::Enum<ParseClassification>("classification"),
                       arg::String("evidence_file").Repeated()}) {
    flags.push_back(std::move(flag));
  }
  return flags;
}

const std::vector<VoiceCommand>& EngagementCommands() {
  static const auto* const kCommands = new std::vector<VoiceCommand>{
      {"create",
       "sixsteps engagement create A --title T --date 2025-05-14 --heard GROUP,... --method M "
       "--participants N [--ages BAND,...] [--theme T]... [--quote Q]... "
       "[--you-said S --we-did D]... [--steps s3] [--questions s3.q1,...] "
       "[--classification official|official_sensitive] [--evidence-file FILE]... [--request-id ID]",
       {.positionals = {arg::String("A").Required()},
        .flags =
            WithCommonFlags({arg::String("title").Required(), arg::Date("date").Required(),
                             arg::EnumList<ParseGroup>("heard").Required().NonEmpty(),
                             arg::Enum<ParseMethod>("method").Required(),
                             arg::Integer("participants", 1, "a whole number from 1 up").Required(),
                             arg::EnumList<ParseAgeBand>("ages"), arg::String("theme").Repeated(),
                             arg::String("quote").Repeated(), arg::String("you_said").Repeated(),
                             arg::String("we_did").Repeated()})},
       CreateEngagement},
      {"list",
       "sixsteps engagement list A",
       {.positionals = {arg::String("A").Required()}},
       ListEngagements},
      {"show",
       "sixsteps engagement show A/ID",
       {.positionals = {arg::String("RECORD").Required()}},
       ShowEngagement},
      {"update",
       "sixsteps engagement update A/ID --etag ETAG [--title T] [--date DATE] "
       "[--heard GROUP,...] [--method M] [--participants N] [--ages BAND,...] "
       "[--theme T]... [--quote Q]... [--you-said S --we-did D]... [--steps ...] "
       "[--questions ...] [--classification C] [--evidence-file FILE]..."
       " (the flags given replace those fields; --etag from show)",
       {.positionals = {arg::String("RECORD").Required()},
        .flags =
            WithUpdateFlags({arg::String("title"), arg::Date("date"),
                             arg::EnumList<ParseGroup>("heard"), arg::Enum<ParseMethod>("method"),
                             arg::Integer("participants", 1, "a whole number from 1 up"),
                             arg::EnumList<ParseAgeBand>("ages"), arg::String("theme").Repeated(),
                             arg::String("quote").Repeated(), arg::String("you_said").Repeated(),
                             arg::String("we_did").Repeated()})},
       UpdateEngagement},
  };
  return *kCommands;
}

const std::vector<VoiceCommand>& AuditCommands() {
  static const auto* const kCommands = new std::vector<VoiceCommand>{
      {"create",
       "sixsteps case-audit create A --topic T --date 2025-06-20 --agencies ORG,... --cases N "
       "[--grades good=7,requires_improvement=4,...] [--finding F]... [--actions act-1,...] "
       "[--steps s4] [--questions s4.q1,...] [--classification official|official_sensitive] "
       "[--evidence-file FILE]... [--request-id ID]",
       {.positionals = {arg::String("A").Required()},
        .flags = WithCommonFlags({arg::String("topic").Required(), arg::Date("date").Required(),
                                  arg::List("agencies", "agency").Required().NonEmpty(),
                                  arg::Integer("cases", 1, "a whole number from 1 up").Required(),
                                  arg::List("grades"), arg::String("finding").Repeated(),
                                  arg::List("actions")})},
       CreateAudit},
      {"list",
       "sixsteps case-audit list A",
       {.positionals = {arg::String("A").Required()}},
       ListAudits},
      {"show",
       "sixsteps case-audit show A/ID",
       {.positionals = {arg::String("RECORD").Required()}},
       ShowAudit},
      {"update",
       "sixsteps case-audit update A/ID --etag ETAG [--topic T] [--date DATE] "
       "[--agencies ORG,...] [--cases N] [--grades GRADE=COUNT,...] "
       "[--finding F]... [--actions act-1,...] [--steps ...] [--questions ...] "
       "[--classification C] [--evidence-file FILE]..."
       " (the flags given replace those fields; --etag from show)",
       {.positionals = {arg::String("RECORD").Required()},
        .flags = WithUpdateFlags(
            {arg::String("topic"), arg::Date("date"), arg::List("agencies", "agency"),
             arg::Integer("cases", 1, "a whole number from 1 up"), arg::List("grades"),
             arg::String("finding").Repeated(), arg::List("actions")})},
       UpdateAudit},
  };
  return *kCommands;
}

const std::vector<VoiceCommand>& ReviewCommands() {
  static const auto* const kCommands = new std::vector<VoiceCommand>{
      {"create",
       "sixsteps learning-review create A --type rapid_review|"
       "local_child_safeguarding_practice_review --status in_progress|completed|published "
       "--title T --start-date DATE [--completed DATE] [--published DATE] [--theme T]... "
       "[--recommendation 'TEXT[=>act-1,act-2]']... [--steps s5] [--questions s5.q1,...] "
       "[--classification official|official_sensitive] [--evidence-file FILE]... [--request-id ID]",
       {.positionals = {arg::String("A").Required()},
        .flags = WithCommonFlags(
            {arg::Enum<ParseReviewType>("type").Required(),
             arg::Enum<ParseReviewStatus>("status").Required(), arg::String("title").Required(),
             arg::Date("start_date").Required(), arg::Date("completed"), arg::Date("published"),
             arg::String("theme").Repeated(), arg::String("recommendation").Repeated()})},
       CreateReview},
      {"list",
       "sixsteps learning-review list A",
       {.positionals = {arg::String("A").Required()}},
       ListReviews},
      {"show",
       "sixsteps learning-review show A/ID",
       {.positionals = {arg::String("RECORD").Required()}},
       ShowReview},
      {"update",
       "sixsteps learning-review update A/ID --etag ETAG [--type T] [--status S] "
       "[--title T] [--start-date DATE] [--completed DATE] [--published DATE] "
       "[--theme T]... [--recommendation 'TEXT[=>act-1,...]']... [--steps ...] "
       "[--questions ...] [--classification C] [--evidence-file FILE]..."
       " (the flags given replace those fields; --etag from show)",
       {.positionals = {arg::String("RECORD").Required()},
        .flags = WithUpdateFlags({arg::Enum<ParseReviewType>("type"),
                                  arg::Enum<ParseReviewStatus>("status"), arg::String("title"),
                                  arg::Date("start_date"), arg::Date("completed"),
                                  arg::Date("published"), arg::String("theme").Repeated(),
                                  arg::String("recommendation").Repeated()})},
       UpdateReview},
  };
  return *kCommands;
}

// One command word's table, help and run function.
struct VoiceWord {
  absl::string_view word;
  const std::vector<VoiceCommand>& (*commands)();
  absl::string_view about;
};

constexpr VoiceWord kEngagement{
    "engagement", EngagementCommands,
    "What children, families and practitioners said (Step 3): who was heard, how, how many,\n"
    "in which age bands, the themes, anonymised quotes and \"you said, we did\"."};
constexpr VoiceWord kCaseAudit{
    "case-audit", AuditCommands,
    "Multi-agency case audits (Step 4): the grades as counts (GRADE=COUNT: outstanding, good,\n"
    "requires_improvement, inadequate), never case identifiers; findings and the actions\n"
    "(ActionService) that follow."};
constexpr VoiceWord kLearningReview{
    "learning-review", ReviewCommands,
    "Rapid reviews and local child safeguarding practice reviews (Step 5): their themes and\n"
    "recommendations, each with the actions that carry it out."};

template <const VoiceWord& kWord>
std::string Help() {
  std::string help =
      absl::StrCat("usage: sixsteps ", kWord.word, " COMMAND [ARGS...]\n\n", kWord.about,
                   "\nA is ID or assessments/ID (the round); free text must hold no "
                   "personal data (names,\nNHS numbers, postcodes, dates of "
                   "birth, emails, phone numbers).\n\nCommands:\n");
  for (const VoiceCommand& command : kWord.commands()) {
    absl::StrAppend(&help, "  ", command.usage, "\n");
  }
  absl::StrAppend(
      &help,
      "\nOFFICIAL-SENSITIVE records are read only by the partnership's own roles. Every "
      "command goes to\nthe assessment service (--assessment_address). Global "
      "options: ",
      kGlobalOptionsUsage, "\n");
  return help;
}

template <const VoiceWord& kWord>
absl::Status Run(const ParsedArgs& args, std::shared_ptr<grpc::ChannelInterface> channel,
                 const CommandContext& context) {
  const std::string usage = absl::StrCat("sixsteps ", kWord.word, " COMMAND [ARGS...]");
  if (args.positionals().empty()) {
    return UsageError(absl::StrCat("missing command (see 'sixsteps ", kWord.word, " help')"),
                      usage);
  }
  absl::string_view word = args.Positional(0);
  if (word == "help" || args.Has("help")) {
    *context.out << Help<kWord>();
    return absl::OkStatus();
  }
  if (const VoiceCommand* command = FindCommand(kWord.commands(), word)) {
    std::unique_ptr<Stub> stub = vv1::VoiceService::NewStub(channel);
    Client client(*stub, context.call);
    return RunCommand(*command, args.WithoutLeadingPositionals(1), client, context);
  }
  return UsageError(absl::StrCat("unknown ", kWord.word, " command '", word, "' (see 'sixsteps ",
                                 kWord.word, " help')"),
                    usage);
}

template <const VoiceWord& kWord>
ServiceCommands CommandsOf(absl::string_view summary) {
  return ServiceCommands{.service = kWord.word,
                         .summary = summary,
                         .help = Help<kWord>,
                         .run = Run<kWord>,
                         .endpoint = "assessment"};
}

}  // namespace

std::vector<ServiceCommands> VoiceServiceCommands() {
  return {CommandsOf<kEngagement>("engagement records (the voice of children, families, staff)"),
          CommandsOf<kCaseAudit>("multi-agency case audits: grade counts, findings, actions"),
          CommandsOf<kLearningReview>("rapid reviews and practice reviews, their recommendations")};
}

}  // namespace sixsteps::cli
