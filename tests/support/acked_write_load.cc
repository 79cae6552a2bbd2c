#include "tests/support/acked_write_load.h"

#include <chrono>
#include <set>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/server.h"
#include "sixsteps/action/v1/action_service.grpc.pb.h"
#include "sixsteps/assessment/v1/assessment_service.grpc.pb.h"

namespace sixsteps::testing {
namespace {

namespace av1 = ::sixsteps::assessment::v1;
namespace acv1 = ::sixsteps::action::v1;
namespace fv1 = ::sixsteps::framework::v1;

constexpr int kQuestions = 24;
// Each write may take this long; a call cut by a kill fails sooner (UNAVAILABLE).
constexpr absl::Duration kCallDeadline = absl::Seconds(5);
// Between a failed attempt and the next: the service may be restarting.
constexpr absl::Duration kBackoff = absl::Milliseconds(50);

// s1.q1 … s6.q4.
std::string Question(int index) { return absl::StrCat("s", index / 4 + 1, ".q", index % 4 + 1); }

template <typename Stub, typename Request, typename Response>
grpc::Status Call(Stub& stub,
                  grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                  const std::string& token, const Request& request, Response* response) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + token);
  context.set_deadline(absl::ToChronoTime(absl::Now() + kCallDeadline));
  return (stub.*method)(&context, request, response);
}

// The attempt number in a marker "<prefix><k>", or -1.
int64_t AttemptOf(const std::string& text, absl::string_view prefix) {
  int64_t k = -1;
  if (!absl::StartsWith(text, prefix) || !absl::SimpleAtoi(text.substr(prefix.size()), &k)) {
    return -1;
  }
  return k;
}

av1::Response Answer(const std::string& name, const std::string& commentary,
                     const std::string& etag) {
  av1::Response response;
  response.set_name(name);
  response.set_rating(fv1::RATING_GREEN);
  av1::EvidenceItem* item = response.add_evidence();
  item->set_description("Multi-agency audit of " + name);
  item->set_link("https://evidence.example/audit");
  response.set_commentary(commentary);
  response.set_etag(etag);
  return response;
}

}  // namespace

// One writer's own channel and log. Written only by its thread until Stop(), then read by
// Verify().
struct AckedWriteLoad::Writer {
  Writer(std::string name, const std::string& target)
      : name(std::move(name)),
        channel(grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                          [] {
                                            grpc::ChannelArguments args;
                                            args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
                                            // A restarted service is dialled again quickly, not
                                            // after gRPC's backoff of up to two minutes.
                                            args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
                                            args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
                                            return args;
                                          }())),
        assessments(av1::AssessmentService::NewStub(channel)),
        actions(acv1::ActionService::NewStub(channel)) {}

  std::string name;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<av1::AssessmentService::Stub> assessments;
  std::unique_ptr<acv1::ActionService::Stub> actions;
  int64_t next = 0;
  // By key (a question, or "batch"): the attempts made and the last one acknowledged.
  std::map<std::string, std::set<int64_t>> attempts;
  std::map<std::string, int64_t> last_acknowledged;
  int64_t acknowledged = 0;
  // Etags by key; read again after a failure.
  std::map<std::string, std::string> etags;
  bool stale = true;
  // Actions: the request of each attempt, and the action each acknowledged one created.
  std::map<int64_t, acv1::CreateActionRequest> action_requests;
  std::map<int64_t, std::string> acknowledged_actions;
};

AckedWriteLoad::AckedWriteLoad(AckedWriteTargets targets, uint64_t seed)
    : targets_(std::move(targets)), seed_(seed) {}

AckedWriteLoad::~AckedWriteLoad() { Stop(); }

void AckedWriteLoad::Start() {
  using Run = void (AckedWriteLoad::*)(Writer&);
  const std::pair<const char*, Run> kinds[] = {
      {"batches", &AckedWriteLoad::RunBatches},
      {"responses", &AckedWriteLoad::RunSingles},
      {"actions", &AckedWriteLoad::RunActions},
      {"consolidations", &AckedWriteLoad::RunConsolidations}};
  for (const auto& [name, run] : kinds) {
    writers_.push_back(std::make_unique<Writer>(name, targets_.assessment_target));
    Writer* writer = writers_.back().get();
    threads_.emplace_back([this, run, writer] { (this->*run)(*writer); });
  }
}

void AckedWriteLoad::Stop() {
  stop_ = true;
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

bool AckedWriteLoad::AwaitAcknowledged(int64_t count, absl::Duration patience) const {
  absl::Time deadline = absl::Now() + patience;
  while (acknowledged_.load() < count) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

std::map<std::string, int64_t> AckedWriteLoad::Failures() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failures_;
}

void AckedWriteLoad::Failed(const Writer& writer, int code, const std::string& message) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    const char* name = ::sixsteps::StatusCodeName(static_cast<grpc::StatusCode>(code));
    ++failures_[name];
    first_failures_.emplace(absl::StrCat(writer.name, " ", name), message);
  }
  absl::SleepFor(kBackoff);
}

// Every response of the batch respondent at once, all marked "batch-<k>".
void AckedWriteLoad::RunBatches(Writer& w) {
  while (!stop_) {
    if (w.stale) {
      av1::ListResponsesRequest list;
      list.set_parent(targets_.batch_respondent);
      list.set_page_size(100);
      av1::ListResponsesResponse listed;
      grpc::Status status = Call(*w.assessments, &av1::AssessmentService::Stub::ListResponses,
                                 targets_.batch_token, list, &listed);
      if (!status.ok()) {
        Failed(w, status.error_code(), status.error_message());
        continue;
      }
      w.etags.clear();
      for (const av1::Response& r : listed.responses()) w.etags[r.question_id()] = r.etag();
      w.stale = false;
    }
    const int64_t k = w.next++;
    av1::BatchUpsertResponsesRequest request;
    request.set_parent(targets_.round);
    for (int q = 0; q < kQuestions; ++q) {
      *request.add_requests()->mutable_response() =
          Answer(absl::StrCat(targets_.batch_respondent, "/responses/", Question(q)),
                 absl::StrCat("batch-", k), w.etags[Question(q)]);
    }
    w.attempts["batch"].insert(k);
    ++attempted_;
    av1::BatchUpsertResponsesResponse written;
    grpc::Status status = Call(*w.assessments, &av1::AssessmentService::Stub::BatchUpsertResponses,
                               targets_.batch_token, request, &written);
    if (!status.ok()) {
      w.stale = true;
      Failed(w, status.error_code(), status.error_message());
      continue;
    }
    for (const av1::Response& r : written.responses()) w.etags[r.question_id()] = r.etag();
    w.last_acknowledged["batch"] = k;
    ++w.acknowledged;
    ++acknowledged_;
  }
}

// One response per write, question after question, marked "single-<k>".
void AckedWriteLoad::RunSingles(Writer& w) {
  while (!stop_) {
    const int64_t k = w.next;
    const std::string question = Question(static_cast<int>(k % kQuestions));
    const std::string name = absl::StrCat(targets_.single_respondent, "/responses/", question);
    if (w.stale) {
      av1::GetResponseRequest get;
      get.set_name(name);
      av1::Response current;
      grpc::Status status = Call(*w.assessments, &av1::AssessmentService::Stub::GetResponse,
                                 targets_.single_token, get, &current);
      if (!status.ok() && status.error_code() != grpc::StatusCode::NOT_FOUND) {
        Failed(w, status.error_code(), status.error_message());
        continue;
      }
      w.etags[question] = status.ok() ? current.etag() : "";
      w.stale = false;
    }
    ++w.next;
    av1::UpsertResponseRequest request;
    *request.mutable_response() = Answer(name, absl::StrCat("single-", k), w.etags[question]);
    w.attempts[question].insert(k);
    ++attempted_;
    av1::Response written;
    grpc::Status status = Call(*w.assessments, &av1::AssessmentService::Stub::UpsertResponse,
                               targets_.single_token, request, &written);
    // The next write is to the next question: its etag is read first.
    w.stale = true;
    if (!status.ok()) {
      Failed(w, status.error_code(), status.error_message());
      continue;
    }
    w.last_acknowledged[question] = k;
    ++w.acknowledged;
    ++acknowledged_;
  }
}

// A new action per write, with request id "load-<seed>-<k>".
void AckedWriteLoad::RunActions(Writer& w) {
  while (!stop_) {
    const int64_t k = w.next++;
    acv1::CreateActionRequest request;
    request.set_request_id(absl::StrCat("load-", seed_, "-", k));
    acv1::Action* action = request.mutable_action();
    action->set_assessment(targets_.round);
    action->set_step_id("s1");
    action->add_question_ids("s1.q1");
    action->set_kind(acv1::Action::KIND_IMPROVEMENT);
    action->set_description(absl::StrCat("Planned action ", seed_, "-", k));
    action->set_intended_outcome("Children are safer");
    action->set_owner_organisation(targets_.owner_organisation);
    action->set_due_date("2026-03-31");
    w.action_requests[k] = request;
    ++attempted_;
    acv1::Action created;
    grpc::Status status = Call(*w.actions, &acv1::ActionService::Stub::CreateAction,
                               targets_.admin_token, request, &created);
    if (!status.ok()) {
      Failed(w, status.error_code(), status.error_message());
      continue;
    }
    w.acknowledged_actions[k] = created.name();
    ++w.acknowledged;
    ++acknowledged_;
  }
}

// The review round's consolidations, question after question, rationale "review-<k>".
void AckedWriteLoad::RunConsolidations(Writer& w) {
  while (!stop_) {
    if (w.stale) {
      av1::ListConsolidationsRequest list;
      list.set_parent(targets_.review_round);
      av1::ListConsolidationsResponse listed;
      grpc::Status status = Call(*w.assessments, &av1::AssessmentService::Stub::ListConsolidations,
                                 targets_.admin_token, list, &listed);
      if (!status.ok()) {
        Failed(w, status.error_code(), status.error_message());
        continue;
      }
      w.etags.clear();
      for (const av1::Consolidation& c : listed.consolidations()) {
        w.etags[c.question_id()] = c.etag();
      }
      w.stale = false;
    }
    const int64_t k = w.next++;
    const std::string question = Question(static_cast<int>(k % kQuestions));
    av1::ConsolidateQuestionRequest request;
    request.set_parent(targets_.review_round);
    av1::Consolidation* c = request.mutable_consolidation();
    c->set_question_id(question);
    c->set_rating(fv1::RATING_GREEN);
    c->set_rationale(absl::StrCat("review-", k));
    av1::EvidenceItem* evidence = c->add_evidence();
    evidence->set_description("Joint audit of " + question);
    evidence->set_link("https://evidence.example/review");
    c->set_etag(w.etags[question]);
    w.attempts[question].insert(k);
    ++attempted_;
    av1::Consolidation written;
    grpc::Status status = Call(*w.assessments, &av1::AssessmentService::Stub::ConsolidateQuestion,
                               targets_.admin_token, request, &written);
    if (!status.ok()) {
      w.stale = true;
      Failed(w, status.error_code(), status.error_message());
      continue;
    }
    w.etags[question] = written.etag();
    w.last_acknowledged[question] = k;
    ++w.acknowledged;
    ++acknowledged_;
  }
}

namespace {

// Checks one key's final marker `found` (-1: nothing stored) against its writer's log.
void CheckKey(const std::string& what, const std::set<int64_t>& attempts, int64_t last_acknowledged,
              int64_t acknowledged_count, int64_t found, AckedWriteFigures* figures,
              std::vector<std::string>* problems) {
  if (found < 0) {
    if (last_acknowledged >= 0) {
      problems->push_back(
          absl::StrCat(what, ": acknowledged write ", last_acknowledged, " lost (nothing stored)"));
    }
    figures->unacknowledged_absent += static_cast<int64_t>(attempts.size());
    return;
  }
  if (attempts.count(found) == 0) {
    problems->push_back(absl::StrCat(what, ": stored marker ", found, " was never written"));
    return;
  }
  if (found < last_acknowledged) {
    problems->push_back(absl::StrCat(what, ": acknowledged write ", last_acknowledged, " lost (",
                                     found, " stored)"));
    return;
  }
  figures->acknowledged_found += acknowledged_count;
  if (found > last_acknowledged) {
    ++figures->unacknowledged_complete;
    // The attempts after it were not acknowledged and did not happen.
    figures->unacknowledged_absent += std::distance(attempts.upper_bound(found), attempts.end());
  }
}

}  // namespace

std::vector<std::string> AckedWriteLoad::Verify(AckedWriteFigures* figures) {
  Stop();
  std::vector<std::string> problems;
  *figures = AckedWriteFigures();
  figures->attempted = attempted_.load();
  figures->acknowledged = acknowledged_.load();
  figures->failures = Failures();
  if (writers_.size() != 4) return {"the load was never started"};
  Writer& batches = *writers_[0];
  Writer& singles = *writers_[1];
  Writer& actions = *writers_[2];
  Writer& reviews = *writers_[3];
  for (const auto& writer : writers_) {
    figures->acknowledged_by_writer[writer->name] = writer->acknowledged;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    figures->first_failures = first_failures_;
  }
  Writer reader("reader", targets_.assessment_target);

  // Batches: all 24 responses carry one attempt's marker.
  {
    av1::ListResponsesRequest list;
    list.set_parent(targets_.batch_respondent);
    list.set_page_size(100);
    av1::ListResponsesResponse listed;
    grpc::Status status = Call(*reader.assessments, &av1::AssessmentService::Stub::ListResponses,
                               targets_.batch_token, list, &listed);
    if (!status.ok())
      return {absl::StrCat("listing the batch responses: ", status.error_message())};
    std::set<int64_t> markers;
    for (const av1::Response& r : listed.responses()) {
      markers.insert(AttemptOf(r.commentary(), "batch-"));
    }
    if (!listed.responses().empty() &&
        (listed.responses_size() != kQuestions || markers.size() != 1)) {
      problems.push_back(absl::StrCat("a batch was half written: ", listed.responses_size(),
                                      " responses with ", markers.size(), " different markers"));
    } else {
      auto last = batches.last_acknowledged.find("batch");
      CheckKey("batch", batches.attempts["batch"],
               last == batches.last_acknowledged.end() ? -1 : last->second, batches.acknowledged,
               markers.empty() ? -1 : *markers.begin(), figures, &problems);
    }
  }

  // Single responses and consolidations: each question's final marker.
  auto check_questions = [&](Writer& w, const std::map<std::string, int64_t>& found,
                             const std::string& what) {
    const size_t problems_before = problems.size();
    for (const auto& [question, attempts] : w.attempts) {
      auto last = w.last_acknowledged.find(question);
      auto stored = found.find(question);
      CheckKey(absl::StrCat(what, " ", question), attempts,
               last == w.last_acknowledged.end() ? -1 : last->second, 0,
               stored == found.end() ? -1 : stored->second, figures, &problems);
    }
    // Each question's acknowledged writes are found (superseded by the stored one at most).
    if (problems.size() == problems_before) figures->acknowledged_found += w.acknowledged;
  };
  {
    std::map<std::string, int64_t> found;
    av1::ListResponsesRequest list;
    list.set_parent(targets_.single_respondent);
    list.set_page_size(100);
    av1::ListResponsesResponse listed;
    grpc::Status status = Call(*reader.assessments, &av1::AssessmentService::Stub::ListResponses,
                               targets_.single_token, list, &listed);
    if (!status.ok()) return {absl::StrCat("listing the responses: ", status.error_message())};
    for (const av1::Response& r : listed.responses()) {
      found[r.question_id()] = AttemptOf(r.commentary(), "single-");
    }
    check_questions(singles, found, "response");
  }
  {
    std::map<std::string, int64_t> found;
    av1::ListConsolidationsRequest list;
    list.set_parent(targets_.review_round);
    av1::ListConsolidationsResponse listed;
    grpc::Status status =
        Call(*reader.assessments, &av1::AssessmentService::Stub::ListConsolidations,
             targets_.admin_token, list, &listed);
    if (!status.ok()) return {absl::StrCat("listing the consolidations: ", status.error_message())};
    for (const av1::Consolidation& c : listed.consolidations()) {
      found[c.question_id()] = AttemptOf(c.rationale(), "review-");
    }
    check_questions(reviews, found, "consolidation");
  }

  // Actions: each acknowledged one exactly once; the others at most once, and once after
  // their retry; a retry returns the first result.
  auto count_actions = [&](std::map<std::string, std::vector<std::string>>* by_description) {
    by_description->clear();
    acv1::ListActionsRequest list;
    list.set_assessment(targets_.round);
    list.set_page_size(1000);
    do {
      acv1::ListActionsResponse listed;
      grpc::Status status = Call(*reader.actions, &acv1::ActionService::Stub::ListActions,
                                 targets_.admin_token, list, &listed);
      if (!status.ok()) return status;
      for (const acv1::Action& a : listed.actions()) {
        (*by_description)[a.description()].push_back(a.name());
      }
      list.set_page_token(listed.next_page_token());
    } while (!list.page_token().empty());
    return grpc::Status::OK;
  };
  std::map<std::string, std::vector<std::string>> before;
  if (grpc::Status status = count_actions(&before); !status.ok()) {
    return {absl::StrCat("listing the actions: ", status.error_message())};
  }
  for (const auto& [k, request] : actions.action_requests) {
    const std::string& description = request.action().description();
    const std::vector<std::string>& names = before[description];
    auto acknowledged = actions.acknowledged_actions.find(k);
    if (names.size() > 1) {
      problems.push_back(absl::StrCat(description, " stored ", names.size(), " times"));
      continue;
    }
    if (acknowledged != actions.acknowledged_actions.end()) {
      if (names.size() != 1 || names[0] != acknowledged->second) {
        problems.push_back(absl::StrCat("acknowledged ", description, " (", acknowledged->second,
                                        ") not found once"));
        continue;
      }
      ++figures->acknowledged_found;
    } else if (names.empty()) {
      ++figures->unacknowledged_absent;
    } else {
      ++figures->unacknowledged_complete;
    }
    acv1::Action retried;
    grpc::Status status = Call(*reader.actions, &acv1::ActionService::Stub::CreateAction,
                               targets_.admin_token, request, &retried);
    if (!status.ok()) {
      problems.push_back(absl::StrCat("retrying ", description, ": ",
                                      ::sixsteps::StatusCodeName(status.error_code()), " ",
                                      status.error_message()));
    } else if (!names.empty() && retried.name() != names[0]) {
      problems.push_back(absl::StrCat("retrying ", description, " returned ", retried.name(),
                                      ", not the first result ", names[0]));
    }
  }
  std::map<std::string, std::vector<std::string>> after;
  if (grpc::Status status = count_actions(&after); !status.ok()) {
    return {absl::StrCat("listing the actions again: ", status.error_message())};
  }
  for (const auto& [k, request] : actions.action_requests) {
    size_t stored = after[request.action().description()].size();
    if (stored != 1) {
      problems.push_back(absl::StrCat(request.action().description(), " stored ", stored,
                                      " times after its retry"));
    }
  }
  return problems;
}

}  // namespace sixsteps::testing
