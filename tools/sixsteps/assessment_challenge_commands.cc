// sixsteps assessment challenge raise|answer|close, challenges, context set|list: challenges
// to answers, and the answers to the framework's context questions.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tools/sixsteps/assessment_command_parts.h"
#include "tools/sixsteps/assessment_format.h"
#include "tools/sixsteps/assessment_names.h"

namespace sixsteps::cli::assessment_cmd {

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

namespace {

// The etag of a challenge as it is now: answering and closing overwrite it, so the
// service needs the version the change is based on.
absl::StatusOr<std::string> ChallengeEtag(Client& client, const std::string& name) {
  const size_t slash = name.find("/challenges/");
  if (slash == std::string::npos) {
    return UsageError(absl::StrCat("not a challenge name: '", name, "'"));
  }
  asv1::ListChallengesRequest request;
  request.set_parent(name.substr(0, slash));
  std::string etag;
  SIXSTEPS_RETURN_IF_ERROR(client.ForEachPage(
      &Stub::ListChallenges, request, [&](const asv1::ListChallengesResponse& page) {
        for (const asv1::Challenge& challenge : page.challenges()) {
          if (challenge.name() == name) etag = challenge.etag();
        }
        return etag.empty();  // stops at the page that has it
      }));
  if (!etag.empty()) return etag;
  return absl::NotFoundError(absl::StrCat(name, " not found"));
}

}  // namespace

absl::Status ChallengeAnswer(const CheckedArgs& args, Client& client,
                             const CommandContext& context) {
  asv1::AnswerChallengeRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), ExpandChallengeName(args.Positional(0)));
  *request.mutable_answer() = args.Text("text");
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_etag(), ChallengeEtag(client, request.name()));
  return client.CallAndPrint(&Stub::AnswerChallenge, request, context, SaidDone("Answered"));
}

absl::Status ChallengeClose(const CheckedArgs& args, Client& client,
                            const CommandContext& context) {
  asv1::CloseChallengeRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), ExpandChallengeName(args.Positional(0)));
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_etag(), ChallengeEtag(client, request.name()));
  return client.CallAndPrint(&Stub::CloseChallenge, request, context, SaidDone("Closed"));
}

absl::Status ListChallenges(const CheckedArgs& args, Client& client,
                            const CommandContext& context) {
  asv1::ListChallengesRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_parent(), AssessmentArgument(args));
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::vector<asv1::Challenge> challenges,
      client.ListAll(&Stub::ListChallenges, request, &asv1::ListChallengesResponse::challenges));
  asv1::ListChallengesResponse all;
  for (const asv1::Challenge& challenge : challenges) *all.add_challenges() = challenge;
  return PrintMessage(all, FormatChallengeList(challenges), context);
}

namespace {

absl::StatusOr<asv1::ListContextAnswersResponse> ContextAnswers(Client& client,
                                                                const std::string& name) {
  asv1::ListContextAnswersRequest request;
  request.set_parent(name);
  return client.Call(&Stub::ListContextAnswers, request);
}

}  // namespace

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

}  // namespace sixsteps::cli::assessment_cmd
