#include "tools/sixsteps/assessment_commands.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "sixsteps/assessment/v1/assessment_service.grpc.pb.h"
#include "sixsteps/framework/v1/framework_service.grpc.pb.h"
#include "sixsteps/identity/v1/identity_service.grpc.pb.h"
#include "tools/sixsteps/assessment_format.h"
#include "tools/sixsteps/assessment_names.h"
#include "tools/sixsteps/cli_status.h"
#include "tools/sixsteps/framework_names.h"
#include "tools/sixsteps/identity_names.h"
#include "tools/sixsteps/json.h"
#include "tools/sixsteps/rpc_client.h"
#include "tools/sixsteps/session.h"

namespace sixsteps::cli {
namespace {

namespace fv1 = ::sixsteps::framework::v1;
namespace iv1 = ::sixsteps::identity::v1;
using Stub = asv1::AssessmentService::StubInterface;
using Client = RpcClient<Stub>;

// ---- shared helpers ----

absl::StatusOr<asv1::Assessment> GetAssessment(Client& client, const std::string& name) {
  asv1::GetAssessmentRequest request;
  request.set_name(name);
  return client.Call(&Stub::GetAssessment, request);
}

// The round every command but create, list, history and feed starts with (declared as the
// required positional A).
absl::StatusOr<std::string> AssessmentArgument(const CheckedArgs& args) {
  return ExpandAssessmentName(args.Positional(0));
}

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

absl::StatusOr<std::vector<asv1::Response>> Responses(Client& client, const std::string& parent) {
  asv1::ListResponsesRequest request;
  request.set_parent(parent);
  std::vector<asv1::Response> all;
  SIXSTEPS_RETURN_IF_ERROR(client.ForEachPage(
      &Stub::ListResponses, request, [&](const asv1::ListResponsesResponse& page) {
        all.insert(all.end(), page.responses().begin(), page.responses().end());
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

std::string ResponseName(const std::string& respondent, const std::string& question) {
  return absl::StrCat(respondent, "/responses/", question);
}

// The response if it exists, else nullopt.
absl::StatusOr<std::optional<asv1::Response>> FindResponse(Client& client,
                                                           const std::string& name) {
  asv1::GetResponseRequest request;
  request.set_name(name);
  absl::StatusOr<asv1::Response> found = client.Call(&Stub::GetResponse, request);
  if (found.ok()) return std::optional<asv1::Response>(*std::move(found));
  if (found.status().code() == absl::StatusCode::kNotFound) return std::optional<asv1::Response>();
  return found.status();
}

// New evidence items from --evidence DESC [--link URL] ..., the i-th link going with the
// i-th description.
absl::StatusOr<std::vector<asv1::EvidenceItem>> EvidenceFlags(const CheckedArgs& args) {
  std::vector<std::string> descriptions = args.Values("evidence");
  std::vector<std::string> links = args.Values("link");
  if (links.size() > descriptions.size()) {
    return UsageError(
        "each --link goes with an --evidence description (the i-th link with the "
        "i-th description)");
  }
  std::vector<asv1::EvidenceItem> items;
  for (size_t i = 0; i < descriptions.size(); ++i) {
    asv1::EvidenceItem item;
    item.set_description(descriptions[i]);
    if (i < links.size()) item.set_link(links[i]);
    items.push_back(std::move(item));
  }
  return items;
}

absl::StatusOr<std::string> ReadTextFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return LocalError(kExitNoInput, absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

// ---- create, list, show ----

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
  std::string period = args.Text("period");
  SIXSTEPS_ASSIGN_OR_RETURN(auto dates, ParsePeriod(period));
  a.set_period_start(dates.first);
  a.set_period_end(dates.second);
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

// ---- respondents ----

// A user's name from an email address, through the identity service.
absl::StatusOr<std::string> UserByEmail(const CommandContext& context, const std::string& email) {
  if (!context.channel_for) return UsageError("give the scrutineer as users/ID");
  std::unique_ptr<iv1::IdentityService::StubInterface> stub =
      iv1::IdentityService::NewStub(context.channel_for("identity"));
  RpcClient<iv1::IdentityService::StubInterface> identity(*stub, context.call);
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

// ---- rate, import-ratings ----

absl::Status Rate(const CheckedArgs& args, Client& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, AssessmentArgument(args));
  std::string respondent_arg = args.Text("respondent");
  std::string question = args.Text("question");
  const fv1::Rating rating = *args.Enum<fv1::Rating>("rating");
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<asv1::EvidenceItem> evidence, EvidenceFlags(args));
  std::optional<std::string> commentary = args.Optional("commentary");
  std::optional<std::string> remaining = args.Optional("remaining_work");

  std::string respondent = respondent_arg;
  if (!absl::StartsWith(respondent_arg, "assessments/")) {
    SIXSTEPS_ASSIGN_OR_RETURN(std::vector<asv1::Respondent> respondents, Respondents(client, name));
    SIXSTEPS_ASSIGN_OR_RETURN(respondent, FindRespondent(respondents, name, respondent_arg));
  }
  asv1::UpsertResponseRequest request;
  asv1::Response& response = *request.mutable_response();
  response.set_name(ResponseName(respondent, question));
  // Based on the current answer, if there is one: its etag, its evidence (kept), and what
  // is not given again.
  SIXSTEPS_ASSIGN_OR_RETURN(std::optional<asv1::Response> existing,
                            FindResponse(client, response.name()));
  if (existing) {
    response.set_etag(existing->etag());
    // Kept items are sent whole (the service keeps them by id, and checks every item sent).
    for (const asv1::EvidenceItem& item : existing->evidence()) *response.add_evidence() = item;
    response.set_commentary(existing->commentary());
    response.set_remaining_work(existing->remaining_work());
  }
  response.set_rating(rating);
  for (asv1::EvidenceItem& item : evidence) *response.add_evidence() = std::move(item);
  if (commentary) response.set_commentary(*commentary);
  if (remaining) response.set_remaining_work(*remaining);
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::Response written, client.Call(&Stub::UpsertResponse, request));
  return PrintMessage(
      written,
      absl::StrCat(existing ? "Updated " : "Rated ", question, " ", RatingWord(written.rating()),
                   " (", written.evidence_size(), " evidence item(s)): ", written.name(), "\n"),
      context);
}

// Keeps an existing evidence item that the CSV lists again (same external id, else the same
// description, link and document reference), so that importing the same file twice changes
// nothing.
void MatchExistingEvidence(const asv1::Response& existing, asv1::Response& incoming) {
  std::set<std::string> used;
  for (asv1::EvidenceItem& item : *incoming.mutable_evidence()) {
    for (const asv1::EvidenceItem& old : existing.evidence()) {
      if (used.contains(old.id())) continue;
      bool same = !item.external_id().empty()
                      ? item.external_id() == old.external_id()
                      : (old.external_id().empty() && item.description() == old.description() &&
                         item.link() == old.link() &&
                         item.document_reference() == old.document_reference());
      if (same) {
        used.insert(old.id());
        item = old;  // kept by its id (sent whole: the service checks every item sent)
        break;
      }
    }
  }
}

absl::Status ImportRatings(const CheckedArgs& args, Client& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, AssessmentArgument(args));
  std::string path = args.Text("csv");
  std::string text;
  if (path == "-") {
    if (context.in == nullptr) return UsageError("no standard input to read the CSV from");
    std::ostringstream contents;
    contents << context.in->rdbuf();
    text = contents.str();
  } else {
    SIXSTEPS_ASSIGN_OR_RETURN(text, ReadTextFile(path));
  }
  absl::StatusOr<std::vector<ImportedResponse>> parsed = ParseRatingsCsv(text);
  if (!parsed.ok()) {
    return LocalError(kExitDataError, absl::StrCat(path, ": ", parsed.status().message()));
  }
  if (parsed->empty())
    return LocalError(kExitDataError, absl::StrCat(path, ": no rows after the header"));

  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<asv1::Respondent> respondents, Respondents(client, name));
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<asv1::Response> current, Responses(client, name));
  std::map<std::string, const asv1::Response*> by_name;
  for (const asv1::Response& r : current) by_name[r.name()] = &r;

  asv1::BatchUpsertResponsesRequest request;
  request.set_parent(name);
  std::set<std::string> who;
  int evidence_items = 0, updates = 0;
  for (const ImportedResponse& row : *parsed) {
    absl::StatusOr<std::string> respondent = FindRespondent(respondents, name, row.respondent);
    if (!respondent.ok()) {
      return absl::Status(respondent.status().code(), absl::StrCat(path, " line ", row.line, ": ",
                                                                   respondent.status().message()));
    }
    who.insert(*respondent);
    asv1::Response& response = *request.add_requests()->mutable_response();
    response.set_name(ResponseName(*respondent, row.question_id));
    response.set_rating(row.rating);
    for (const asv1::EvidenceItem& item : row.evidence) *response.add_evidence() = item;
    response.set_commentary(row.commentary);
    response.set_remaining_work(row.remaining_work);
    evidence_items += response.evidence_size();
    auto existing = by_name.find(response.name());
    if (existing != by_name.end()) {
      ++updates;
      response.set_etag(existing->second->etag());
      MatchExistingEvidence(*existing->second, response);
    }
  }
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::BatchUpsertResponsesResponse written,
                            client.Call(&Stub::BatchUpsertResponses, request));
  return PrintMessage(written,
                      absl::StrCat("Imported ", written.responses_size(), " response(s) (", updates,
                                   " updated, ", written.responses_size() - updates, " new) with ",
                                   evidence_items, " evidence item(s) for ", who.size(),
                                   " respondent(s) into ", name, ", in one batch.\n"),
                      context);
}

// ---- consolidation, divergence, grid ----

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
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::GetDivergenceResponse response,
                            client.Call(&Stub::GetDivergence, request));
  return PrintMessage(response, FormatDivergence(response), context);
}

bool UseColor(const CheckedArgs& args, const CommandContext& context) {
  std::string mode = args.Optional("color").value_or("auto");
  if (mode == "always") return true;
  if (mode == "never") return false;
  // https://no-color.org: any non-empty NO_COLOR turns colours off.
  std::optional<std::string> no_color = context.env ? (*context.env)("NO_COLOR") : std::nullopt;
  return context.out_is_terminal && (!no_color || no_color->empty());
}

absl::Status Grid(const CheckedArgs& args, Client& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, AssessmentArgument(args));
  const bool color = UseColor(args, context);
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::Assessment a, GetAssessment(client, name));
  GridInput input;
  if (!context.channel_for) return absl::InternalError("no channel to the framework service");
  std::unique_ptr<fv1::FrameworkService::StubInterface> framework_stub =
      fv1::FrameworkService::NewStub(context.channel_for("framework"));
  RpcClient<fv1::FrameworkService::StubInterface> framework(*framework_stub, context.call);
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

// ---- challenges ----

absl::Status ChallengeRaise(const CheckedArgs& args, Client& client,
                            const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, AssessmentArgument(args));
  std::string response = args.Text("response");
  asv1::RaiseChallengeRequest request;
  request.set_parent(name);
  *request.mutable_challenge()->mutable_text() = args.Text("text");
  std::optional<std::string> request_id = args.Optional("request_id");
  request.set_request_id(request_id.value_or(""));
  if (absl::StartsWith(response, "assessments/")) {
    request.mutable_challenge()->set_response(response);
  } else {
    // RESPONDENT/QUESTION, e.g. police/s2.q1.
    size_t slash = response.rfind('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == response.size()) {
      return UsageError(
          absl::StrCat("--response must be RESPONDENT/QUESTION (e.g. police/s2.q1) or "
                       "a full response name, got '",
                       response, "'"));
    }
    SIXSTEPS_ASSIGN_OR_RETURN(std::vector<asv1::Respondent> respondents, Respondents(client, name));
    SIXSTEPS_ASSIGN_OR_RETURN(std::string respondent,
                              FindRespondent(respondents, name, response.substr(0, slash)));
    request.mutable_challenge()->set_response(ResponseName(respondent, response.substr(slash + 1)));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::Challenge raised, client.Call(&Stub::RaiseChallenge, request));
  return PrintMessage(raised, absl::StrCat("Raised ", raised.name(), "\n", FormatChallenge(raised)),
                      context);
}

// The etag of a challenge as it is now: answering and closing overwrite it, so the
// service needs the version the change is based on.
absl::StatusOr<std::string> ChallengeEtag(Client& client, const std::string& name) {
  const size_t slash = name.find("/challenges/");
  if (slash == std::string::npos) {
    return UsageError(absl::StrCat("not a challenge name: '", name, "'"));
  }
  asv1::ListChallengesRequest request;
  request.set_parent(name.substr(0, slash));
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::ListChallengesResponse response,
                            client.Call(&Stub::ListChallenges, request));
  for (const asv1::Challenge& challenge : response.challenges()) {
    if (challenge.name() == name) return challenge.etag();
  }
  return absl::NotFoundError(absl::StrCat(name, " not found"));
}

absl::Status ChallengeAnswer(const CheckedArgs& args, Client& client,
                             const CommandContext& context) {
  asv1::AnswerChallengeRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), ExpandChallengeName(args.Positional(0)));
  *request.mutable_answer() = args.Text("text");
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_etag(), ChallengeEtag(client, request.name()));
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::Challenge answered, client.Call(&Stub::AnswerChallenge, request));
  return PrintMessage(answered, absl::StrCat("Answered ", answered.name(), "\n"), context);
}

absl::Status ChallengeClose(const CheckedArgs& args, Client& client,
                            const CommandContext& context) {
  asv1::CloseChallengeRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), ExpandChallengeName(args.Positional(0)));
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_etag(), ChallengeEtag(client, request.name()));
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::Challenge closed, client.Call(&Stub::CloseChallenge, request));
  return PrintMessage(closed, absl::StrCat("Closed ", closed.name(), "\n"), context);
}

absl::Status ListChallenges(const CheckedArgs& args, Client& client,
                            const CommandContext& context) {
  asv1::ListChallengesRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_parent(), AssessmentArgument(args));
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::ListChallengesResponse response,
                            client.Call(&Stub::ListChallenges, request));
  return PrintMessage(response,
                      FormatChallengeList(std::vector<asv1::Challenge>(
                          response.challenges().begin(), response.challenges().end())),
                      context);
}

// ---- context answers ----

absl::StatusOr<asv1::ListContextAnswersResponse> ContextAnswers(Client& client,
                                                                const std::string& name) {
  asv1::ListContextAnswersRequest request;
  request.set_parent(name);
  return client.Call(&Stub::ListContextAnswers, request);
}

absl::Status ContextSet(const CheckedArgs& args, Client& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, AssessmentArgument(args));
  std::string question = args.Text("question");
  asv1::SetContextAnswerRequest request;
  asv1::ContextAnswer& answer = *request.mutable_context_answer();
  answer.set_name(absl::StrCat(name, "/contextAnswers/", question));
  *answer.mutable_text() = args.Text("text");
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::ListContextAnswersResponse current, ContextAnswers(client, name));
  for (const asv1::ContextAnswer& old : current.context_answers()) {
    if (old.context_question_id() == question) answer.set_etag(old.etag());
  }
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::ContextAnswer written,
                            client.Call(&Stub::SetContextAnswer, request));
  return PrintMessage(written, absl::StrCat("Answered ", written.context_question_id(), "\n"),
                      context);
}

absl::Status ContextList(const CheckedArgs& args, Client& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, AssessmentArgument(args));
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::ListContextAnswersResponse response,
                            ContextAnswers(client, name));
  return PrintMessage(response,
                      FormatContextAnswerList(std::vector<asv1::ContextAnswer>(
                          response.context_answers().begin(), response.context_answers().end())),
                      context);
}

// ---- lifecycle ----

absl::Status Submit(const CheckedArgs& args, Client& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, AssessmentArgument(args));
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::Assessment current, GetAssessment(client, name));
  asv1::SubmitAssessmentForReviewRequest request;
  request.set_name(name);
  request.set_etag(current.etag());
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::Assessment a,
                            client.Call(&Stub::SubmitAssessmentForReview, request));
  return PrintMessage(a,
                      absl::StrCat("Submitted ", a.name(), " for review (state ",
                                   AssessmentStateWord(a.state()), ")\n"),
                      context);
}

absl::Status Check(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::CheckFinalisationRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), AssessmentArgument(args));
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::CheckFinalisationResponse response,
                            client.Call(&Stub::CheckFinalisation, request));
  return PrintMessage(response, FormatCheck(response), context);
}

absl::Status Finalise(const CheckedArgs& args, Client& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, AssessmentArgument(args));
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::Assessment current, GetAssessment(client, name));
  asv1::FinaliseAssessmentRequest request;
  request.set_name(name);
  request.set_etag(current.etag());
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::Assessment a, client.Call(&Stub::FinaliseAssessment, request));
  return PrintMessage(a, absl::StrCat("Finalised ", a.name(), " (revision ", a.revision(), ")\n"),
                      context);
}

absl::Status Reopen(const CheckedArgs& args, Client& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, AssessmentArgument(args));
  asv1::ReopenAssessmentRequest request;
  *request.mutable_reason() = args.Text("reason");
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::Assessment current, GetAssessment(client, name));
  request.set_name(name);
  request.set_etag(current.etag());
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::Assessment a, client.Call(&Stub::ReopenAssessment, request));
  return PrintMessage(a, absl::StrCat("Reopened ", a.name(), " as revision ", a.revision(), "\n"),
                      context);
}

// ---- history, feed ----

absl::Status History(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::ListRevisionsRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), ExpandRecordName(args.Positional(0)));
  asv1::ListRevisionsResponse all;
  SIXSTEPS_RETURN_IF_ERROR(client.ForEachPage(&Stub::ListRevisions, request,
                                              [&](const asv1::ListRevisionsResponse& page) {
                                                for (const auto& r : page.revisions())
                                                  *all.add_revisions() = r;
                                              }));
  return PrintMessage(all,
                      FormatRevisionList(std::vector<asv1::Revision>(all.revisions().begin(),
                                                                     all.revisions().end())),
                      context);
}

absl::Status PrintChange(const asv1::Change& change, const CommandContext& context) {
  if (context.output == OutputFormat::kJson) {
    SIXSTEPS_ASSIGN_OR_RETURN(std::string line, ToJsonLine(change));
    *context.out << line;
  } else {
    *context.out << FormatChange(change);
  }
  context.out->flush();
  return absl::OkStatus();
}

absl::Status Feed(const CheckedArgs& args, Client& client, const CommandContext& context) {
  int64_t after = args.Integer("after").value_or(0);
  std::optional<std::string> partnership_arg = args.Optional("partnership");
  std::string partnership;
  if (partnership_arg) {
    SIXSTEPS_ASSIGN_OR_RETURN(partnership, ExpandPartnershipName(*partnership_arg));
  }
  if (args.Has("follow")) {
    std::string token = context.call.bearer_token;
    while (true) {
      asv1::WatchChangesRequest request;
      request.set_after_sequence(after);
      request.set_partnership(partnership);
      // No deadline: the stream lasts until the service ends it or the user interrupts.
      grpc::ClientContext call;
      if (!token.empty()) call.AddMetadata("authorization", absl::StrCat("Bearer ", token));
      std::unique_ptr<grpc::ClientReaderInterface<asv1::WatchChangesResponse>> reader =
          client.stub().WatchChanges(&call, request);
      const absl::Time opened = absl::Now();
      bool delivered = false;
      asv1::WatchChangesResponse response;
      while (reader->Read(&response)) {
        SIXSTEPS_RETURN_IF_ERROR(PrintChange(response.change(), context));
        after = response.change().sequence();
        delivered = true;
      }
      grpc::Status finished = reader->Finish();
      // The service ends a stream when its access token expires (or stops being valid):
      // with a stored sign-in, renew the token and carry on after the last change printed.
      // A stream refused at once with nothing delivered is not retried: the sign-in itself
      // is refused, and renewing again would not help.
      constexpr absl::Duration kServedLongEnough = absl::Seconds(10);
      bool served = delivered || absl::Now() - opened >= kServedLongEnough;
      if (finished.error_code() == grpc::StatusCode::UNAUTHENTICATED && served &&
          context.session != nullptr && context.env != nullptr &&
          context.session->stored.has_value() && !context.session->token_from_environment) {
        // The service no longer accepts this token, whatever time it has left.
        context.session->stored->access_token_expire_time = absl::InfinitePast();
        std::string renewed = CurrentAccessToken(*context.session, *context.env, context.call);
        if (!renewed.empty() && renewed != token) {
          token = std::move(renewed);
          continue;
        }
      }
      return FromGrpc(finished);
    }
  }
  asv1::ListChangesRequest request;
  request.set_after_sequence(after);
  request.set_partnership(partnership);
  int printed = 0;
  while (true) {
    SIXSTEPS_ASSIGN_OR_RETURN(asv1::ListChangesResponse page,
                              client.Call(&Stub::ListChanges, request));
    for (const asv1::Change& change : page.changes()) {
      SIXSTEPS_RETURN_IF_ERROR(PrintChange(change, context));
      ++printed;
    }
    // next_after_sequence may pass changes the caller cannot see; nothing examined: the end.
    if (page.next_after_sequence() <= request.after_sequence()) break;
    request.set_after_sequence(page.next_after_sequence());
  }
  if (printed == 0 && context.output == OutputFormat::kText && context.err != nullptr) {
    *context.err << "no changes after " << after << "\n";
  }
  return absl::OkStatus();
}

// ---- the command table ----

using AssessmentCommand = Command<Client>;

const std::vector<AssessmentCommand>& Commands() {
  const ArgDecl round = arg::String("A").Required();
  const ArgDecl request_id = arg::String("request_id");
  const ArgDecl rating = arg::Enum<ParseRating>("rating").Required();
  const ArgDecl evidence = arg::String("evidence").Repeated().NonEmpty();
  const ArgDecl link = arg::String("link").Repeated();
  const ArgDecl remaining_work = arg::String("remaining_work");
  const ArgSpec just_the_round = {.positionals = {round}};
  static const auto* const kCommands = new std::vector<AssessmentCommand>{
      {"create",
       "sixsteps assessment create --partnership P [--framework F] --kind "
       "independent-scrutiny|self-assessment|wider-partners --title T --period START:END "
       "[--request-id ID]",
       {.flags = {arg::String("partnership").Required(), arg::String("framework"),
                  arg::Enum<ParseAssessmentKind>("kind").Required(),
                  arg::String("title").Required(), arg::Checked<ParsePeriod>("period").Required(),
                  request_id}},
       Create},
      {"list",
       "sixsteps assessment list [--partnership P]",
       {.flags = {arg::String("partnership")}},
       List},
      {"show", "sixsteps assessment show A", just_the_round, Show},
      {"assign",
       "sixsteps assessment assign A --org ORG|--scrutineer USER [--steps s1,s2] "
       "[--questions s1.q1,...] [--request-id ID]",
       {.positionals = {round},
        .flags = {arg::String("org"), arg::String("scrutineer"), arg::List("steps"),
                  arg::List("questions"), request_id},
        .groups = {{FlagGroup::Rule::kExactlyOne,
                    {"org", "scrutineer"},
                    "give exactly one of --org ORG and --scrutineer USER"}}},
       Assign},
      {"respondents", "sixsteps assessment respondents A", just_the_round, ListRespondents},
      {"rate",
       "sixsteps assessment rate A --respondent R --question Q --rating red|amber|green "
       "[--evidence DESC [--link URL]]... [--commentary C] [--remaining-work W]",
       {.positionals = {round},
        .flags = {arg::String("respondent").Required(), arg::String("question").Required(), rating,
                  evidence, link, arg::String("commentary"), remaining_work}},
       Rate},
      {"import-ratings",
       "sixsteps assessment import-ratings A --csv FILE",
       {.positionals = {round}, .flags = {arg::File("csv").Required()}},
       ImportRatings},
      {"consolidate",
       "sixsteps assessment consolidate A --question Q --rating R --rationale T "
       "[--evidence DESC [--link URL]]... [--remaining-work W]",
       {.positionals = {round},
        .flags = {arg::String("question").Required(), rating, arg::String("rationale").Required(),
                  evidence, link, remaining_work}},
       Consolidate},
      {"challenge raise",
       "sixsteps assessment challenge raise A --response RESPONDENT/QUESTION --text T",
       {.positionals = {round},
        .flags = {arg::String("response").Required(), arg::String("text").Required(), request_id}},
       ChallengeRaise},
      {"challenge answer",
       "sixsteps assessment challenge answer A/CHALLENGE --text T",
       {.positionals = {arg::String("A/CHALLENGE").Required()},
        .flags = {arg::String("text").Required()}},
       ChallengeAnswer},
      {"challenge close",
       "sixsteps assessment challenge close A/CHALLENGE",
       {.positionals = {arg::String("A/CHALLENGE").Required()}},
       ChallengeClose},
      {"challenges", "sixsteps assessment challenges A", just_the_round, ListChallenges},
      {"context set",
       "sixsteps assessment context set A --question c3 --text T",
       {.positionals = {round},
        .flags = {arg::String("question").Required(), arg::String("text").Required()}},
       ContextSet},
      {"context list", "sixsteps assessment context list A", just_the_round, ContextList},
      {"submit", "sixsteps assessment submit A", just_the_round, Submit},
      {"check", "sixsteps assessment check A", just_the_round, Check},
      {"finalise", "sixsteps assessment finalise A", just_the_round, Finalise},
      {"reopen",
       "sixsteps assessment reopen A --reason R",
       {.positionals = {round}, .flags = {arg::String("reason").Required()}},
       Reopen},
      {"history",
       "sixsteps assessment history NAME",
       {.positionals = {arg::String("NAME").Required()}},
       History},
      {"divergence", "sixsteps assessment divergence A", just_the_round, Divergence},
      {"grid",
       "sixsteps assessment grid A [--color always|never|auto]",
       {.positionals = {round}, .flags = {arg::Choice("color", {"always", "never", "auto"})}},
       Grid},
      {"feed",
       "sixsteps assessment feed [--after N] [--partnership P] [--follow]",
       {.flags = {arg::Integer("after", 0, "a sequence number (0 or more)"),
                  arg::String("partnership"), arg::Switch("follow")}},
       Feed},
  };
  return *kCommands;
}

constexpr absl::string_view kUsage = "sixsteps assessment COMMAND [ARGS...]";

absl::Status Run(const ParsedArgs& args, std::shared_ptr<grpc::ChannelInterface> channel,
                 const CommandContext& context) {
  if (args.positionals().empty()) {
    return UsageError("missing command (see 'sixsteps assessment help')", kUsage);
  }
  absl::string_view word = args.Positional(0);
  if (word == "help" || args.Has("help")) {
    *context.out << AssessmentHelp();
    return absl::OkStatus();
  }
  const bool two_words = word == "challenge" || word == "context";
  std::string name = two_words ? absl::StrCat(word, " ", args.Positional(1)) : std::string(word);
  if (const AssessmentCommand* command = FindCommand(Commands(), name)) {
    std::unique_ptr<Stub> stub = asv1::AssessmentService::NewStub(std::move(channel));
    Client client(*stub, context.call);
    return RunCommand(*command, args.WithoutLeadingPositionals(two_words ? 2 : 1), client, context);
  }
  return UsageError(
      absl::StrCat("unknown assessment command '", name, "' (see 'sixsteps assessment help')"),
      kUsage);
}

}  // namespace

std::string AssessmentHelp() {
  std::string help = absl::StrCat(
      "usage: ", kUsage, "\n\n",
      "Scrutiny rounds. A is ID or assessments/ID; P is ID or partnerships/ID; ORG is ID (of the\n"
      "round's partnership), PARTNERSHIP/ID or the full name; F is ID/VERSION (default\n",
      kDefaultFrameworkVersion, ").\n\nCommands:\n");
  for (const AssessmentCommand& command : Commands())
    absl::StrAppend(&help, "  ", command.usage, "\n");
  absl::StrAppend(
      &help,
      "\nA respondent (R) is its id (r-...), its organisation (police) or its scrutineer (u-...).\n"
      "rate reads the current answer first and updates it with its etag: its evidence is kept,\n"
      "each --evidence adds an item (the i-th --link goes with the i-th --evidence), and the\n"
      "commentary and remaining work stay unless given again. Green and Amber need evidence;\n"
      "Amber also needs --remaining-work.\n\n"
      "import-ratings reads a CSV (RFC 4180, header row; FILE may be - for stdin) with columns\n"
      "  respondent,question_id,rating,evidence_description,evidence_link,document_reference,\n"
      "  external_id,commentary,remaining_work\n"
      "one row per evidence item; rows of the same respondent and question are merged. Every\n"
      "response goes in ONE BatchUpsertResponses call: all or nothing. Importing the same file\n"
      "again keeps the evidence items it already holds (matched by external_id, else by text).\n\n"
      "check prints what finalisation still needs. history takes a round (A), or a record under\n"
      "it: A/consolidations/Q, A/respondents/R/responses/Q, A/contextAnswers/C.\n"
      "grid shows the steps as sections, each question with the round's consolidated rating\n"
      "(R/A/G/-) and each respondent's; colours only on a terminal without $NO_COLOR, unless\n"
      "--color always|never says otherwise.\n"
      "feed lists the change feed (sequence, time, kind, record), or with --follow waits for new\n"
      "changes; with --output json, one JSON object per line.\n\n"
      "Every command goes to the assessment service (--assessment_address, else\n"
      "$SIXSTEPS_ASSESSMENT_ADDRESS, else 127.0.0.1:50053); grid also reads the framework.\n"
      "Global options: ",
      kGlobalOptionsUsage, "\n");
  return help;
}

ServiceCommands AssessmentServiceCommands() {
  return ServiceCommands{
      .service = "assessment",
      .summary =
          "scrutiny rounds: create, assign, rate, import-ratings, consolidate, finalise, grid, "
          "feed",
      .help = AssessmentHelp,
      .run = Run,
  };
}

}  // namespace sixsteps::cli
