// sixsteps assessment rate, import-ratings: the respondents' answers and their evidence.
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tools/sixsteps/assessment_command_parts.h"
#include "tools/sixsteps/assessment_format.h"
#include "tools/sixsteps/assessment_names.h"
#include "tools/sixsteps/local_files.h"

namespace sixsteps::cli::assessment_cmd {

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

std::string ResponseName(const std::string& respondent, const std::string& question) {
  return absl::StrCat(respondent, "/responses/", question);
}

absl::StatusOr<std::vector<asv1::EvidenceItem>> EvidenceFlags(const CheckedArgs& args) {
  std::vector<std::string> descriptions = args.Values("evidence");
  // No more links than descriptions: checked by the declaration (links_follow_evidence).
  std::vector<std::string> links = args.Values("link");
  std::vector<asv1::EvidenceItem> items;
  for (size_t i = 0; i < descriptions.size(); ++i) {
    asv1::EvidenceItem item;
    item.set_description(descriptions[i]);
    if (i < links.size()) item.set_link(links[i]);
    items.push_back(std::move(item));
  }
  return items;
}

namespace {

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

}  // namespace

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

namespace {

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

}  // namespace

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

}  // namespace sixsteps::cli::assessment_cmd
