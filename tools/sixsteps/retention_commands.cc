#include "tools/sixsteps/retention_commands.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "sixsteps/assessment/v1/retention_service.grpc.pb.h"
#include "tools/sixsteps/assessment_names.h"
#include "tools/sixsteps/cli_status.h"
#include "tools/sixsteps/enum_words.h"
#include "tools/sixsteps/identity_format.h"
#include "tools/sixsteps/identity_names.h"
#include "tools/sixsteps/rpc_client.h"

namespace sixsteps::cli {
namespace {

namespace rv1 = ::sixsteps::assessment::v1;
using Stub = rv1::RetentionService::StubInterface;
using Client = RpcClient<Stub>;
using RetentionCommand = Command<Client>;

// ---- Formats ----

std::string Years(int years) {
  return years == 0 ? "kept for ever" : absl::StrCat(years, " years");
}

std::string FormatPolicy(const rv1::RetentionPolicy& p) {
  std::string text = absl::StrCat(p.name(), "\n");
  if (p.revision() == 0) absl::StrAppend(&text, "No policy: nothing is purged.\n");
  absl::StrAppend(&text, "Evidence files: ", Years(p.evidence_file_years()), "\n",
                  "Engagement records: ", Years(p.engagement_record_years()), "\n",
                  "Case audits: ", Years(p.case_audit_years()), "\n",
                  "Learning reviews: ", Years(p.learning_review_years()), "\n",
                  "(after the round is finalised; a file without a round: after its upload)\n");
  if (p.revision() > 0) {
    absl::StrAppend(&text, "Revision ", p.revision(), ", etag ", p.etag(), ", set by ",
                    p.update_by(), "\n");
  }
  return text;
}

std::string FormatHold(const rv1::LegalHold& h) {
  std::string text = absl::StrCat(h.name(), h.lifted() ? " (lifted)" : " (standing)", "\n",
                                  "Placed by ", h.placed_by(), ": ", h.reason(), "\n");
  if (h.lifted()) absl::StrAppend(&text, "Lifted by ", h.lifted_by(), ": ", h.lift_reason(), "\n");
  return text;
}

std::string FormatTombstone(const rv1::Tombstone& t) {
  return absl::StrCat(t.purged_resource(), " (", WordOf(t.kind()), ")\n  purged ",
                      FormatTime(t.purge_time()), " by ", t.policy(), " revision ",
                      t.policy_revision(), " (", t.retention_years(), " years)\n  sha256 ",
                      t.sha256(), "\n");
}

// ---- Names ----

absl::StatusOr<std::string> PolicyName(absl::string_view partnership) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, ExpandPartnershipName(partnership));
  return absl::StrCat(name, "/retentionPolicy");
}

// ---- Commands ----

absl::Status ShowPolicy(const CheckedArgs& args, Client& client, const CommandContext& context) {
  rv1::GetRetentionPolicyRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), PolicyName(args.Positional(0)));
  return client.CallAndPrint(&Stub::GetRetentionPolicy, request, context, FormatPolicy);
}

// The periods given replace the policy's; the others stay as read. --etag is the policy's
// (from `retention show`); none for a partnership's first policy.
absl::Status SetPolicy(const CheckedArgs& args, Client& client, const CommandContext& context) {
  rv1::GetRetentionPolicyRequest get;
  SIXSTEPS_ASSIGN_OR_RETURN(*get.mutable_name(), PolicyName(args.Positional(0)));
  rv1::UpdateRetentionPolicyRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_policy(), client.Call(&Stub::GetRetentionPolicy, get));
  rv1::RetentionPolicy& p = *request.mutable_policy();
  if (auto years = args.Integer("files")) p.set_evidence_file_years(static_cast<int32_t>(*years));
  if (auto years = args.Integer("engagement_records")) {
    p.set_engagement_record_years(static_cast<int32_t>(*years));
  }
  if (auto years = args.Integer("case_audits"))
    p.set_case_audit_years(static_cast<int32_t>(*years));
  if (auto years = args.Integer("learning_reviews")) {
    p.set_learning_review_years(static_cast<int32_t>(*years));
  }
  p.set_etag(args.Text("etag"));
  return client.CallAndPrint(
      &Stub::UpdateRetentionPolicy, request, context,
      [](const rv1::RetentionPolicy& set) { return absl::StrCat("Set ", FormatPolicy(set)); });
}

absl::Status ListTombstones(const CheckedArgs& args, Client& client,
                            const CommandContext& context) {
  rv1::ListTombstonesRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_parent(), ExpandPartnershipName(args.Positional(0)));
  if (std::optional<std::string> round = args.Optional("round")) {
    SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_assessment(), ExpandAssessmentName(*round));
  }
  return client.ListAndPrint(
      &Stub::ListTombstones, request, &rv1::ListTombstonesResponse::tombstones,
      &rv1::ListTombstonesResponse::mutable_tombstones, context,
      [&](const std::vector<rv1::Tombstone>& tombstones) {
        std::string text = absl::StrCat(tombstones.size(), " purged from ", request.parent(), "\n");
        for (const rv1::Tombstone& t : tombstones) absl::StrAppend(&text, FormatTombstone(t));
        return text;
      });
}

// What `legal-hold place` and `lift` print.
std::string Placed(const rv1::LegalHold& hold) { return absl::StrCat("Placed ", FormatHold(hold)); }
std::string Lifted(const rv1::LegalHold& hold) { return absl::StrCat("Lifted ", FormatHold(hold)); }

absl::Status PlaceHold(const CheckedArgs& args, Client& client, const CommandContext& context) {
  rv1::PlaceLegalHoldRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_parent(), ExpandAssessmentName(args.Positional(0)));
  request.set_reason(args.Text("reason"));
  return client.CallAndPrint(&Stub::PlaceLegalHold, request, context, Placed);
}

absl::Status LiftHold(const CheckedArgs& args, Client& client, const CommandContext& context) {
  rv1::LiftLegalHoldRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(),
                            ExpandRoundRecordName(args.Positional(0), "legalHolds"));
  request.set_reason(args.Text("reason"));
  return client.CallAndPrint(&Stub::LiftLegalHold, request, context, Lifted);
}

absl::Status ListHolds(const CheckedArgs& args, Client& client, const CommandContext& context) {
  rv1::ListLegalHoldsRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_parent(), ExpandAssessmentName(args.Positional(0)));
  return client.ListAndPrint(
      &Stub::ListLegalHolds, request, &rv1::ListLegalHoldsResponse::legal_holds,
      &rv1::ListLegalHoldsResponse::mutable_legal_holds, context,
      [&](const std::vector<rv1::LegalHold>& holds) {
        std::string text = absl::StrCat(holds.size(), " legal hold(s) on ", request.parent(), "\n");
        for (const rv1::LegalHold& h : holds) absl::StrAppend(&text, FormatHold(h));
        return text;
      });
}

ArgDecl YearsFlag(std::string name) {
  return arg::Integer(std::move(name), 0, "a whole number of years from 0 (kept for ever)");
}

const std::vector<RetentionCommand>& PolicyCommands() {
  static const auto* const kCommands = new std::vector<RetentionCommand>{
      {"show",
       "sixsteps retention show PARTNERSHIP",
       {.positionals = {arg::String("PARTNERSHIP").Required()}},
       ShowPolicy},
      {"set",
       "sixsteps retention set PARTNERSHIP [--files YEARS] [--engagement-records YEARS] "
       "[--case-audits YEARS] [--learning-reviews YEARS] [--etag ETAG]",
       {.positionals = {arg::String("PARTNERSHIP").Required()},
        .flags = {YearsFlag("files"), YearsFlag("engagement_records"), YearsFlag("case_audits"),
                  YearsFlag("learning_reviews"), arg::String("etag")}},
       SetPolicy},
      {"tombstones",
       "sixsteps retention tombstones PARTNERSHIP [--round A]",
       {.positionals = {arg::String("PARTNERSHIP").Required()}, .flags = {arg::String("round")}},
       ListTombstones},
  };
  return *kCommands;
}

const std::vector<RetentionCommand>& HoldCommands() {
  static const auto* const kCommands = new std::vector<RetentionCommand>{
      {"place",
       "sixsteps legal-hold place A --reason TEXT",
       {.positionals = {arg::String("A").Required()}, .flags = {arg::String("reason").Required()}},
       PlaceHold},
      {"lift",
       "sixsteps legal-hold lift A/ID --reason TEXT",
       {.positionals = {arg::String("HOLD").Required()},
        .flags = {arg::String("reason").Required()}},
       LiftHold},
      {"list",
       "sixsteps legal-hold list A",
       {.positionals = {arg::String("A").Required()}},
       ListHolds},
  };
  return *kCommands;
}

constexpr absl::string_view kNames =
    "PARTNERSHIP is ID or partnerships/ID; A is ID or assessments/ID (the round).";

}  // namespace

std::vector<ServiceCommands> RetentionServiceCommands() {
  return {
      WordCommands(CommandWord<rv1::RetentionService, Client>{
          .word = "retention",
          .summary = "how long evidence is kept; what the daily purge removed",
          .commands = PolicyCommands(),
          .endpoint = "assessment",
          .about =
              "A partnership's retention policy: how many years its evidence files, engagement\n"
              "records, case audits and learning reviews are kept after their round is finalised\n"
              "(0: for ever). A daily purge deletes what has expired and leaves a tombstone (what, "
              "its\n"
              "SHA-256, when, by which policy). Set by the partnership's administrators and its "
              "hub\n"
              "administrators; --etag is the policy's (from show), none for the first policy.",
          .notes = kNames}),
      WordCommands(CommandWord<rv1::RetentionService, Client>{
          .word = "legal-hold",
          .summary = "legal holds that stop a round's purge",
          .commands = HoldCommands(),
          .endpoint = "assessment",
          .about =
              "Legal holds on a round: while one stands, nothing of the round is purged. Placed\n"
              "and lifted with a reason (kept) by the partnership's administrators and its hub\n"
              "administrators.",
          .notes = kNames})};
}

}  // namespace sixsteps::cli
