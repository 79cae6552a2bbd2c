#include "tools/sixsteps/voice_commands.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "sixsteps/assessment/v1/voice_service.grpc.pb.h"
#include "tools/sixsteps/assessment_names.h"
#include "tools/sixsteps/cli_status.h"
#include "tools/sixsteps/enum_words.h"
#include "tools/sixsteps/evidence_file_commands.h"
#include "tools/sixsteps/identity_names.h"
#include "tools/sixsteps/rpc_client.h"

namespace sixsteps::cli {
namespace {

namespace vv1 = ::sixsteps::assessment::v1;
namespace pb = ::google::protobuf;
using Stub = vv1::VoiceService::StubInterface;
using Client = RpcClient<Stub>;
using VoiceCommand = Command<Client>;

// The words of a repeated enum field ("children, parents").
template <typename E>
std::string Words(const pb::RepeatedField<int>& values) {
  std::vector<std::string> words;
  for (int value : values) words.push_back(WordOf(static_cast<E>(value)));
  return absl::StrJoin(words, ", ");
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
  absl::StrAppend(&text, "Classification: ", WordOf(record.classification()), "\n");
  return text;
}

void AppendList(std::string* text, absl::string_view heading,
                const pb::RepeatedPtrField<std::string>& items) {
  if (items.empty()) return;
  absl::StrAppend(text, heading, ":\n");
  for (const std::string& item : items) absl::StrAppend(text, "  - ", item, "\n");
}

// ---- Formats ----

std::string FormatEngagement(const vv1::EngagementRecord& r) {
  std::string text =
      absl::StrCat(r.name(), "\n", r.title(), " (", r.date(), ")\n",
                   "Heard: ", Words<vv1::ParticipantGroup>(r.participant_groups()),
                   "\nHow: ", WordOf(r.method()), "; ", r.participant_count(), " took part");
  if (!r.age_bands().empty()) {
    absl::StrAppend(&text, "; ages ", Words<vv1::AgeBand>(r.age_bands()));
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
    grades.push_back(absl::StrCat(WordOf(g.grade()), " ", g.count()));
  }
  if (!grades.empty()) absl::StrAppend(&text, " (", absl::StrJoin(grades, ", "), ")");
  absl::StrAppend(&text, "\n");
  AppendList(&text, "Findings", a.findings());
  AppendList(&text, "Actions", a.actions());
  return text + CommonText(a);
}

std::string FormatReview(const vv1::LearningReview& r) {
  std::string text = absl::StrCat(r.name(), "\n", r.title(), "\n", WordOf(r.type()), ", ",
                                  WordOf(r.status()), "; started ", r.start_date());
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

// --you-said S --we-did D, in pairs (the declaration checks there are as many of each).
void SetChanges(const CheckedArgs& args, vv1::EngagementRecord& r) {
  const std::vector<std::string> said = args.Values("you_said");
  const std::vector<std::string> did = args.Values("we_did");
  r.clear_changes();
  for (size_t i = 0; i < said.size(); ++i) {
    vv1::YouSaidWeDid* change = r.add_changes();
    change->set_you_said(said[i]);
    change->set_we_did(did[i]);
  }
}

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
  SetChanges(args, r);
  SIXSTEPS_RETURN_IF_ERROR(SetCommon(args, r));
  request.set_request_id(args.Text("request_id"));
  SIXSTEPS_ASSIGN_OR_RETURN(vv1::EngagementRecord created,
                            client.Call(&Stub::CreateEngagementRecord, request));
  return PrintMessage(created, absl::StrCat("Recorded ", FormatEngagement(created)), context);
}

// --grades good=7,requires_improvement=4 (checked and read by the declaration).
void SetGrades(const CheckedArgs& args, vv1::CaseAudit& audit) {
  audit.clear_grades();
  for (const auto& [grade, count] : args.EnumCounts<vv1::CaseGrade>("grades")) {
    vv1::GradeCount* g = audit.add_grades();
    g->set_grade(grade);
    g->set_count(static_cast<int32_t>(count));
  }
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
  SetGrades(args, a);
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
  SIXSTEPS_ASSIGN_OR_RETURN(*read.mutable_name(),
                            ExpandRoundRecordName(args.Positional(0), collection));
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
        if (args.Has("you_said")) SetChanges(args, r);
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
          SetGrades(args, a);
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
  return client.ListAndPrint(
      list, request, items, mutable_items, context, [&](const std::vector<Record>& records) {
        std::string text = absl::StrCat(records.size(), " ", what, " of ", request.parent(), "\n");
        for (const Record& r : records) {
          absl::StrAppend(&text, "\n", format(r));
        }
        return text;
      });
}

// `show A/ID` of one kind.
template <typename Record, typename GetRequest>
absl::Status ShowOf(const CheckedArgs& args, Client& client, const CommandContext& context,
                    grpc::Status (Stub::*get)(grpc::ClientContext*, const GetRequest&, Record*),
                    absl::string_view collection, std::string (*format)(const Record&)) {
  GetRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(),
                            ExpandRoundRecordName(args.Positional(0), collection));
  return client.CallAndPrint(get, request, context, format);
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
                       arg::Enum<vv1::Classification>("classification"), arg::String("request_id"),
                       arg::String("evidence_file").Repeated()}) {
    flags.push_back(std::move(flag));
  }
  return flags;
}

// The flags an update shares: --etag (required) and those of every kind.
std::vector<ArgDecl> WithUpdateFlags(std::vector<ArgDecl> flags) {
  for (ArgDecl flag : {arg::String("etag").Required(), arg::List("steps"), arg::List("questions"),
                       arg::Enum<vv1::Classification>("classification"),
                       arg::String("evidence_file").Repeated()}) {
    flags.push_back(std::move(flag));
  }
  return flags;
}

const std::vector<VoiceCommand>& EngagementCommands() {
  const FlagGroup changes_in_pairs{FlagGroup::Rule::kSameCount,
                                   {"you_said", "we_did"},
                                   "give --you-said and --we-did in pairs, as many of each"};
  static const auto* const kCommands = new std::vector<VoiceCommand>{
      {"create",
       "sixsteps engagement create A --title T --date 2025-05-14 --heard GROUP,... --method M "
       "--participants N [--ages BAND,...] [--theme T]... [--quote Q]... "
       "[--you-said S --we-did D]... [--steps s3] [--questions s3.q1,...] "
       "[--classification official|official_sensitive] [--evidence-file FILE]... [--request-id ID]",
       {.positionals = {arg::String("A").Required()},
        .flags = WithCommonFlags(
            {arg::String("title").Required(), arg::Date("date").Required(),
             arg::Enum<vv1::ParticipantGroup>("heard").AsList().Required().NonEmpty(),
             arg::Enum<vv1::EngagementMethod>("method").Required(),
             arg::Integer("participants", 1, "a whole number from 1 up").Required(),
             arg::Enum<vv1::AgeBand>("ages").AsList(), arg::String("theme").Repeated(),
             arg::String("quote").Repeated(), arg::String("you_said").Repeated(),
             arg::String("we_did").Repeated()}),
        .groups = {changes_in_pairs}},
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
                             arg::Enum<vv1::ParticipantGroup>("heard").AsList(),
                             arg::Enum<vv1::EngagementMethod>("method"),
                             arg::Integer("participants", 1, "a whole number from 1 up"),
                             arg::Enum<vv1::AgeBand>("ages").AsList(),
                             arg::String("theme").Repeated(), arg::String("quote").Repeated(),
                             arg::String("you_said").Repeated(), arg::String("we_did").Repeated()}),
        .groups = {changes_in_pairs}},
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
                                  arg::Enum<vv1::CaseGrade>("grades").AsCounts(),
                                  arg::String("finding").Repeated(), arg::List("actions")})},
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
        .flags = WithUpdateFlags({arg::String("topic"), arg::Date("date"),
                                  arg::List("agencies", "agency"),
                                  arg::Integer("cases", 1, "a whole number from 1 up"),
                                  arg::Enum<vv1::CaseGrade>("grades").AsCounts(),
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
        .flags = WithCommonFlags({arg::Enum<vv1::LearningReviewType>("type").Required(),
                                  arg::Enum<vv1::LearningReviewStatus>("status").Required(),
                                  arg::String("title").Required(),
                                  arg::Date("start_date").Required(), arg::Date("completed"),
                                  arg::Date("published"), arg::String("theme").Repeated(),
                                  arg::String("recommendation").Repeated()})},
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
        .flags = WithUpdateFlags(
            {arg::Enum<vv1::LearningReviewType>("type"),
             arg::Enum<vv1::LearningReviewStatus>("status"), arg::String("title"),
             arg::Date("start_date"), arg::Date("completed"), arg::Date("published"),
             arg::String("theme").Repeated(), arg::String("recommendation").Repeated()})},
       UpdateReview},
  };
  return *kCommands;
}

// The entry of one voice word: its commands go to the assessment service, which serves the
// VoiceService, and every one's help ends with the same notes.
ServiceCommands VoiceWord(absl::string_view word, absl::string_view summary,
                          std::vector<VoiceCommand> commands, absl::string_view about) {
  return WordCommands(CommandWord<vv1::VoiceService, Client>{
      .word = word,
      .summary = summary,
      .commands = std::move(commands),
      .endpoint = "assessment",
      .about = about,
      .notes =
          "A is ID or assessments/ID (the round); free text must hold no personal data (names,\n"
          "NHS numbers, postcodes, dates of birth, emails, phone numbers). OFFICIAL-SENSITIVE\n"
          "records are read only by the partnership's own roles."});
}

}  // namespace

std::vector<ServiceCommands> VoiceServiceCommands() {
  return {
      VoiceWord(
          "engagement", "engagement records (the voice of children, families, staff)",
          EngagementCommands(),
          "What children, families and practitioners said (Step 3): who was heard, how, how\n"
          "many, in which age bands, the themes, anonymised quotes and \"you said, we did\"."),
      VoiceWord("case-audit", "multi-agency case audits: grade counts, findings, actions",
                AuditCommands(),
                "Multi-agency case audits (Step 4): the grades as counts (GRADE=COUNT: "
                "outstanding,\ngood, requires_improvement, inadequate), never case identifiers; "
                "findings and the\nactions (ActionService) that follow."),
      VoiceWord("learning-review", "rapid reviews and practice reviews, their recommendations",
                ReviewCommands(),
                "Rapid reviews and local child safeguarding practice reviews (Step 5): their "
                "themes\nand recommendations, each with the actions that carry it out.")};
}

}  // namespace sixsteps::cli
