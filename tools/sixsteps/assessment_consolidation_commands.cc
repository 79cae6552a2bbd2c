// sixsteps assessment consolidate, divergence, grid: the round's consolidated ratings.
#include "absl/strings/str_cat.h"
#include "sixsteps/framework/v1/framework_service.grpc.pb.h"
#include "tools/sixsteps/assessment_command_parts.h"
#include "tools/sixsteps/assessment_format.h"
#include "tools/sixsteps/assessment_names.h"

namespace sixsteps::cli::assessment_cmd {

absl::StatusOr<std::vector<asv1::Consolidation>> Consolidations(Client& client,
                                                                const std::string& name) {
  asv1::ListConsolidationsRequest request;
  request.set_parent(name);
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::ListConsolidationsResponse response,
                            client.Call(&Stub::ListConsolidations, request));
  return std::vector<asv1::Consolidation>(response.consolidations().begin(),
                                          response.consolidations().end());
}

absl::Status Consolidate(const CheckedArgs& args, Client& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, AssessmentArgument(args));
  asv1::ConsolidateQuestionRequest request;
  request.set_parent(name);
  asv1::Consolidation& c = *request.mutable_consolidation();
  *c.mutable_question_id() = args.Text("question");
  const fv1::Rating rating = *args.Enum<fv1::Rating>("rating");
  *c.mutable_rationale() = args.Text("rationale");
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<asv1::EvidenceItem> evidence, EvidenceFlags(args));
  std::optional<std::string> remaining = args.Optional("remaining_work");
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<asv1::Consolidation> existing,
                            Consolidations(client, name));
  for (const asv1::Consolidation& old : existing) {
    if (old.question_id() != c.question_id()) continue;
    c.set_etag(old.etag());
    for (const asv1::EvidenceItem& item : old.evidence()) *c.add_evidence() = item;
    c.set_remaining_work(old.remaining_work());
  }
  c.set_rating(rating);
  for (asv1::EvidenceItem& item : evidence) *c.add_evidence() = std::move(item);
  if (remaining) c.set_remaining_work(*remaining);
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::Consolidation written,
                            client.Call(&Stub::ConsolidateQuestion, request));
  return PrintMessage(written,
                      absl::StrCat("Consolidated ", request.consolidation().question_id(), " ",
                                   RatingWord(written.rating()), ": ", written.name(), "\n"),
                      context);
}

absl::Status Divergence(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::GetDivergenceRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), AssessmentArgument(args));
  return client.CallAndPrint(&Stub::GetDivergence, request, context, FormatDivergence);
}

namespace {

bool UseColor(const CheckedArgs& args, const CommandContext& context) {
  std::string mode = args.Optional("color").value_or("auto");
  if (mode == "always") return true;
  if (mode == "never") return false;
  // https://no-color.org: any non-empty NO_COLOR turns colours off.
  std::optional<std::string> no_color = context.env ? (*context.env)("NO_COLOR") : std::nullopt;
  return context.out_is_terminal && (!no_color || no_color->empty());
}

}  // namespace

absl::Status Grid(const CheckedArgs& args, Client& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, AssessmentArgument(args));
  const bool color = UseColor(args, context);
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::Assessment a, GetAssessment(client, name));
  GridInput input;
  if (!context.channel_for) return absl::InternalError("no channel to the framework service");
  auto framework = ClientOf<fv1::FrameworkService>(context.channel_for("framework"), context.call);
  fv1::GetFrameworkVersionRequest version_request;
  version_request.set_name(a.framework_version());
  SIXSTEPS_ASSIGN_OR_RETURN(
      input.framework,
      framework.Call(&fv1::FrameworkService::StubInterface::GetFrameworkVersion, version_request));
  SIXSTEPS_ASSIGN_OR_RETURN(input.respondents, Respondents(client, name));
  SIXSTEPS_ASSIGN_OR_RETURN(input.responses, Responses(client, name));
  SIXSTEPS_ASSIGN_OR_RETURN(input.consolidations, Consolidations(client, name));
  if (context.output == OutputFormat::kJson) {
    // The round's records, for scripts; the framework version is one 'framework show' away.
    asv1::FinalisedRevision records;
    *records.mutable_assessment() = a;
    for (const auto& x : input.respondents) *records.add_respondents() = x;
    for (const auto& x : input.responses) *records.add_responses() = x;
    for (const auto& x : input.consolidations) *records.add_consolidations() = x;
    return PrintMessage(records, "", context);
  }
  *context.out << FormatGrid(a, input, color);
  return absl::OkStatus();
}

}  // namespace sixsteps::cli::assessment_cmd
