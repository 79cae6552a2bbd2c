// sixsteps assessment assign, respondents: who answers a round; and finding a respondent
// by its id, organisation or scrutineer.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sixsteps/identity/v1/identity_service.grpc.pb.h"
#include "tools/sixsteps/assessment_command_parts.h"
#include "tools/sixsteps/assessment_format.h"
#include "tools/sixsteps/assessment_names.h"
#include "tools/sixsteps/identity_names.h"

namespace sixsteps::cli::assessment_cmd {

namespace iv1 = ::sixsteps::identity::v1;

absl::StatusOr<std::vector<asv1::Respondent>> Respondents(Client& client,
                                                          const std::string& assessment) {
  asv1::ListRespondentsRequest request;
  request.set_parent(assessment);
  std::vector<asv1::Respondent> all;
  SIXSTEPS_RETURN_IF_ERROR(client.ForEachPage(
      &Stub::ListRespondents, request, [&](const asv1::ListRespondentsResponse& page) {
        all.insert(all.end(), page.respondents().begin(), page.respondents().end());
      }));
  return all;
}

// A respondent as given on the command line or in the CSV: its full name, its id ("r-1"),
// its organisation ("police", "luton/police" or the full name), or its scrutineer ("u-1",
// "users/u-1").
absl::StatusOr<std::string> FindRespondent(const std::vector<asv1::Respondent>& respondents,
                                           const std::string& assessment,
                                           absl::string_view argument) {
  if (absl::StartsWith(argument, "assessments/")) return std::string(argument);
  for (const asv1::Respondent& r : respondents) {
    const std::string& org = r.organisation();
    bool matches =
        LastSegment(r.name()) == argument ||
        (!org.empty() && (org == argument || LastSegment(org) == argument ||
                          absl::EndsWith(org, absl::StrCat("/", argument)) ||
                          absl::StrCat(LastSegment(org.substr(0, org.find("/organisations/"))), "/",
                                       LastSegment(org)) == argument)) ||
        (!r.scrutineer().empty() &&
         (r.scrutineer() == argument || LastSegment(r.scrutineer()) == argument));
    if (matches) return r.name();
  }
  std::vector<std::string> known;
  for (const asv1::Respondent& r : respondents) {
    known.push_back(absl::StrCat(RespondentLabel(r), " (", LastSegment(r.name()), ")"));
  }
  return absl::NotFoundError(
      absl::StrCat("no respondent '", argument, "' in ", assessment, "; its respondents: ",
                   known.empty() ? "none (add one with 'sixsteps assessment assign')"
                                 : absl::StrJoin(known, ", ")));
}

namespace {

// A user's name from an email address, through the identity service.
absl::StatusOr<std::string> UserByEmail(const CommandContext& context, const std::string& email) {
  if (!context.channel_for) return UsageError("give the scrutineer as users/ID");
  auto identity = ClientOf<iv1::IdentityService>(context.channel_for("identity"), context.call);
  std::string found;
  SIXSTEPS_RETURN_IF_ERROR(identity.ForEachPage(&iv1::IdentityService::StubInterface::ListUsers,
                                                iv1::ListUsersRequest(),
                                                [&](const iv1::ListUsersResponse& page) {
                                                  for (const iv1::User& user : page.users()) {
                                                    if (absl::EqualsIgnoreCase(user.email(), email))
                                                      found = user.name();
                                                  }
                                                }));
  if (found.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no user with email ", email, " among the users you can see"));
  }
  return found;
}

}  // namespace

absl::Status Assign(const CheckedArgs& args, Client& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, AssessmentArgument(args));
  std::optional<std::string> org = args.Optional("org");
  std::optional<std::string> scrutineer = args.Optional("scrutineer");
  std::optional<std::string> steps = args.Optional("steps");
  std::optional<std::string> questions = args.Optional("questions");
  std::optional<std::string> request_id = args.Optional("request_id");
  asv1::AddRespondentRequest request;
  request.set_parent(name);
  request.set_request_id(request_id.value_or(""));
  asv1::Respondent& respondent = *request.mutable_respondent();
  for (const std::string& step : SplitList(steps.value_or(""))) respondent.add_step_ids(step);
  for (const std::string& q : SplitList(questions.value_or(""))) respondent.add_question_ids(q);
  if (org) {
    if (absl::StrContains(*org, '/')) {
      SIXSTEPS_ASSIGN_OR_RETURN(*respondent.mutable_organisation(), ExpandOrganisationName(*org));
    } else {
      SIXSTEPS_ASSIGN_OR_RETURN(asv1::Assessment a, GetAssessment(client, name));
      SIXSTEPS_ASSIGN_OR_RETURN(*respondent.mutable_organisation(),
                                ExpandOrganisationName(*org, a.partnership()));
    }
  } else {
    SIXSTEPS_ASSIGN_OR_RETURN(PrincipalArgument principal, ParsePrincipal(*scrutineer));
    if (!principal.email.empty()) {
      SIXSTEPS_ASSIGN_OR_RETURN(principal.name, UserByEmail(context, principal.email));
    }
    if (!absl::StartsWith(principal.name, "users/")) {
      return UsageError(absl::StrCat("'", *scrutineer, "' is not a user"));
    }
    respondent.set_scrutineer(principal.name);
  }
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::Respondent added, client.Call(&Stub::AddRespondent, request));
  return PrintMessage(
      added, absl::StrCat("Added respondent ", added.name(), " (", RespondentLabel(added), ")\n"),
      context);
}

absl::Status ListRespondents(const CheckedArgs& args, Client& client,
                             const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, AssessmentArgument(args));
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<asv1::Respondent> respondents, Respondents(client, name));
  asv1::ListRespondentsResponse all;
  for (const auto& r : respondents) *all.add_respondents() = r;
  return PrintMessage(all, FormatRespondentList(respondents), context);
}

}  // namespace sixsteps::cli::assessment_cmd
