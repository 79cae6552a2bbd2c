// sixsteps assessment create, list, show and the lifecycle: submit, check,
// finalise, reopen.
#include "absl/strings/str_cat.h"
#include "tools/sixsteps/assessment_command_parts.h"
#include "tools/sixsteps/assessment_format.h"
#include "tools/sixsteps/assessment_names.h"
#include "tools/sixsteps/framework_names.h"
#include "tools/sixsteps/identity_names.h"

namespace sixsteps::cli::assessment_cmd {

absl::StatusOr<asv1::Assessment> GetAssessment(Client& client, const std::string& name) {
  asv1::GetAssessmentRequest request;
  request.set_name(name);
  return client.Call(&Stub::GetAssessment, request);
}

// The round every command but create, list, history and feed starts with
// (declared as the required positional A).
absl::StatusOr<std::string> AssessmentArgument(const CheckedArgs& args) {
  return ExpandAssessmentName(args.Positional(0));
}

absl::Status Create(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::CreateAssessmentRequest request;
  asv1::Assessment& a = *request.mutable_assessment();
  std::string partnership = args.Text("partnership");
  SIXSTEPS_ASSIGN_OR_RETURN(*a.mutable_partnership(), ExpandPartnershipName(partnership));
  std::optional<std::string> framework = args.Optional("framework");
  SIXSTEPS_ASSIGN_OR_RETURN(
      *a.mutable_framework_version(),
      ExpandVersionName(framework.value_or(std::string(kDefaultFrameworkVersion))));
  a.set_kind(*args.Enum<asv1::AssessmentKind>("kind"));
  *a.mutable_title() = args.Text("title");
  auto [start, end] = *args.Period("period");
  a.set_period_start(start);
  a.set_period_end(end);
  std::optional<std::string> request_id = args.Optional("request_id");
  request.set_request_id(request_id.value_or(""));
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::Assessment created,
                            client.Call(&Stub::CreateAssessment, request));
  return PrintMessage(created,
                      absl::StrCat("Created ", created.name(), "\n", FormatAssessment(created),
                                   "Next: sixsteps assessment assign ", LastSegment(created.name()),
                                   " --org ORG (or --scrutineer USER)\n"),
                      context);
}

absl::Status List(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::ListAssessmentsRequest request;
  std::optional<std::string> partnership = args.Optional("partnership");
  if (partnership) {
    SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_partnership(), ExpandPartnershipName(*partnership));
  }
  asv1::ListAssessmentsResponse all;
  SIXSTEPS_RETURN_IF_ERROR(client.ForEachPage(&Stub::ListAssessments, request,
                                              [&](const asv1::ListAssessmentsResponse& page) {
                                                for (const auto& a : page.assessments())
                                                  *all.add_assessments() = a;
                                              }));
  return PrintMessage(all,
                      FormatAssessmentList(std::vector<asv1::Assessment>(all.assessments().begin(),
                                                                         all.assessments().end())),
                      context);
}

absl::Status Show(const CheckedArgs& args, Client& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, AssessmentArgument(args));
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::Assessment a, GetAssessment(client, name));
  return PrintMessage(a, FormatAssessment(a), context);
}

// A lifecycle call (submit, finalise, reopen) on the round as it is now: the
// service needs the etag read.
template <typename Request>
absl::StatusOr<asv1::Assessment> ChangeState(
    Client& client, const std::string& name, Request request,
    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, asv1::Assessment*)) {
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::Assessment current, GetAssessment(client, name));
  request.set_name(name);
  request.set_etag(current.etag());
  return client.Call(method, request);
}

absl::Status Submit(const CheckedArgs& args, Client& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, AssessmentArgument(args));
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::Assessment a,
                            ChangeState(client, name, asv1::SubmitAssessmentForReviewRequest(),
                                        &Stub::SubmitAssessmentForReview));
  return PrintMessage(
      a, absl::StrCat("Submitted ", a.name(), " for review (state ", WordOf(a.state()), ")\n"),
      context);
}

absl::Status Check(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::CheckFinalisationRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), AssessmentArgument(args));
  return client.CallAndPrint(&Stub::CheckFinalisation, request, context, FormatCheck);
}

absl::Status Finalise(const CheckedArgs& args, Client& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, AssessmentArgument(args));
  SIXSTEPS_ASSIGN_OR_RETURN(
      asv1::Assessment a,
      ChangeState(client, name, asv1::FinaliseAssessmentRequest(), &Stub::FinaliseAssessment));
  return PrintMessage(a, absl::StrCat("Finalised ", a.name(), " (revision ", a.revision(), ")\n"),
                      context);
}

absl::Status Reopen(const CheckedArgs& args, Client& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, AssessmentArgument(args));
  asv1::ReopenAssessmentRequest request;
  *request.mutable_reason() = args.Text("reason");
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::Assessment a,
                            ChangeState(client, name, request, &Stub::ReopenAssessment));
  return PrintMessage(a, absl::StrCat("Reopened ", a.name(), " as revision ", a.revision(), "\n"),
                      context);
}

}  // namespace sixsteps::cli::assessment_cmd
