#include "bench/scenarios.h"

#include <atomic>
#include <chrono>
#include <optional>
#include <random>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "bench/scenarios_ceilings.h"
#include "services/assessment/pg_store.h"
#include "services/common/db.h"
#include "services/common/server.h"
#include "services/common/status.h"

namespace sixsteps::bench {
namespace {

namespace asv1 = ::sixsteps::assessment::v1;
namespace acv1 = ::sixsteps::action::v1;
namespace fv1 = ::sixsteps::framework::v1;
namespace rv1 = ::sixsteps::reporting::v1;

std::string ErrorOf(const grpc::Status& status) {
  if (status.ok()) return "";
  return absl::StrCat(status.error_code(), ": ", status.error_message());
}

// One response the write scenarios keep rewriting, and the etag of its latest version.
struct Target {
  std::string round;       // "assessments/…"
  std::string respondent;  // "assessments/…/respondents/…"
  std::string question;    // "s1.q1"
  std::string etag;
  int writes = 0;
  std::string name() const { return absl::StrCat(respondent, "/responses/", question); }
};

// Distinct responses for `count` slots: slot i writes in partnership i mod n, so concurrent
// writers meet in one round only when there are more slots than partnerships.
std::vector<Target> PickTargets(const ScenarioContext& context, int count, int skip_last) {
  std::vector<Target> targets;
  const int n = static_cast<int>(context.partnerships.size()) - skip_last;
  for (int i = 0; i < count; ++i) {
    const SeededPartnership& p = context.partnerships[i % n];
    const int k = static_cast<int>(p.draft_respondents.size());
    Target t;
    t.round = p.draft_round;
    t.respondent = p.draft_respondents[(i / n) % k];
    t.question = QuestionId((i / n / k) % kQuestions);
    targets.push_back(std::move(t));
  }
  return targets;
}

absl::Status FetchEtags(const ScenarioContext& context, std::vector<Target>& targets) {
  auto stub = asv1::AssessmentService::NewStub(Dial(context.addresses.assessment, "setup"));
  absl::StatusOr<std::string> token = context.integration->Token();
  if (!token.ok()) return token.status();
  for (Target& t : targets) {
    asv1::GetResponseRequest request;
    request.set_name(t.name());
    asv1::Response response;
    SIXSTEPS_RETURN_IF_ERROR(Call(*stub, &asv1::AssessmentService::Stub::GetResponse, *token,
                                  request, &response, "GetResponse"));
    t.etag = response.etag();
  }
  return absl::OkStatus();
}

// The next version of a target's response: Amber and Green in turn, with one fresh item
// of evidence (which replaces the previous one) and, for Amber, the work remaining.
void FillResponse(Target& t, asv1::Response* response) {
  const bool amber = t.writes++ % 2 == 0;
  response->set_name(t.name());
  response->set_etag(t.etag);
  response->set_rating(amber ? fv1::RATING_AMBER : fv1::RATING_GREEN);
  response->set_commentary(absl::StrCat("Revised after the practice review, version ", t.writes));
  asv1::EvidenceItem* item = response->add_evidence();
  item->set_description("Multi-agency case audit, quarter 3");
  item->set_link(absl::StrCat("https://evidence.example/audit/", t.writes));
  if (amber) response->set_remaining_work("Embed the new practice across partners");
}

// Starts one UpsertResponse for `target` and calls done when it completes.
void StartUpsert(asv1::AssessmentService::Stub* stub, const std::string& token, Target& target,
                 std::function<void(std::string)> done) {
  struct InFlight {
    grpc::ClientContext context;
    asv1::UpsertResponseRequest request;
    asv1::Response response;
  };
  auto* call = new InFlight;
  Authorize(call->context, token, absl::Seconds(30));
  FillResponse(target, call->request.mutable_response());
  stub->async()->UpsertResponse(&call->context, &call->request, &call->response,
                                [call, &target, done = std::move(done)](grpc::Status status) {
                                  if (status.ok()) target.etag = call->response.etag();
                                  std::string error = ErrorOf(status);
                                  delete call;
                                  done(std::move(error));
                                });
}

// An id from a resource name: the segment after `collection`.
std::string IdAfter(const std::string& name, absl::string_view collection) {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (parts[i] == collection) return parts[i + 1];
  }
  return "";
}

template <typename Request, typename Response, typename Method>
void StartRead(Method method, const std::string& token, Request request,
               std::function<void(std::string)> done) {
  struct InFlight {
    grpc::ClientContext context;
    Request request;
    Response response;
  };
  auto* call = new InFlight;
  Authorize(call->context, token, absl::Seconds(30));
  call->request = std::move(request);
  method(&call->context, &call->request, &call->response,
         [call, done = std::move(done)](grpc::Status status) {
           std::string error = ErrorOf(status);
           delete call;
           done(std::move(error));
         });
}

}  // namespace

absl::StatusOr<ScenarioResult> RunUpsert(const ScenarioContext& context,
                                         const RunOptions& options) {
  std::vector<Target> targets = PickTargets(context, options.concurrency, 1);
  SIXSTEPS_RETURN_IF_ERROR(FetchEtags(context, targets));
  absl::StatusOr<std::string> token = context.integration->Token();
  if (!token.ok()) return token.status();
  auto stub = asv1::AssessmentService::NewStub(Dial(context.addresses.assessment, "upsert"));
  ScenarioResult result;
  result.name = "write: upsert one response";
  result.ceiling = "ceiling: write SQL via libpqxx";
  result.bare_ceiling = kBareInsertCeiling;
  result.run = RunAsync(options, [&](int slot, std::function<void(std::string)> done) {
    StartUpsert(stub.get(), *token, targets[slot], std::move(done));
  });
  return result;
}

absl::StatusOr<ScenarioResult> RunUpsertSql(const ScenarioContext& context,
                                            const RunOptions& options, int batch_size) {
  // Targets: one response per thread (or, for batches, one respondent's first
  // `batch_size` questions per thread), the same ones the gRPC scenarios write.
  std::vector<Target> targets = PickTargets(context, options.concurrency, 1);
  db::ConnectionPool pool(context.assessment_database_url, context.db_pool_size);
  assessment::PgAssessmentStore store(&pool, nullptr);
  ScenarioResult result;
  result.name = batch_size == 1
                    ? "ceiling: write SQL via libpqxx"
                    : absl::StrCat("ceiling: batch of ", batch_size, " SQL via libpqxx");
  result.note = "the assessment service's storage layer alone: same statements, same transaction";
  result.bare_ceiling = kBareInsertCeiling;
  result.run = RunBlocking(options, [&](int thread) -> std::string {
    Target& target = targets[thread];
    const std::string round_id = IdAfter(target.round, "assessments");
    const std::string respondent_id = IdAfter(target.respondent, "respondents");
    // The service's UpsertResponse and BatchUpsertResponses read the round, the respondent
    // and the responses in one call (InRoundForResponses), as here; the bench sees every
    // round.
    std::vector<assessment::ResponseKey> keys;
    for (int q = 0; q < batch_size; ++q) {
      keys.push_back({respondent_id, batch_size == 1 ? target.question : QuestionId(q)});
    }
    assessment::AssessmentStore::RoundWork work = [&](assessment::RoundTx& tx) -> absl::Status {
      for (int q = 0; q < batch_size; ++q) {
        const std::string question = batch_size == 1 ? target.question : QuestionId(q);
        absl::StatusOr<std::optional<asv1::Respondent>> respondent =
            tx.GetRespondent(respondent_id);
        if (!respondent.ok()) return respondent.status();
        if (!*respondent) return absl::NotFoundError(target.respondent);
        absl::StatusOr<std::optional<asv1::Response>> existing =
            tx.GetResponseForUpdate(respondent_id, question);
        if (!existing.ok()) return existing.status();
        Target version = target;
        version.question = question;
        asv1::Response response;
        FillResponse(version, &response);
        response.clear_etag();
        response.set_question_id(question);
        asv1::EvidenceItem* item = response.mutable_evidence(0);
        item->set_id(absl::StrCat("e", target.writes));
        item->set_added_by("serviceAccounts/benchmark");
        SIXSTEPS_RETURN_IF_ERROR(
            tx.PutResponse(response, {"serviceAccounts/benchmark", "updated", ""}));
      }
      ++target.writes;
      return absl::OkStatus();
    };
    assessment::Visibility everything;
    everything.everything = true;
    absl::Status status = store.InRoundForResponses(round_id, everything, keys, work);
    return status.ok() ? "" : status.ToString();
  });
  return result;
}

absl::StatusOr<ScenarioResult> RunBatchUpsert(const ScenarioContext& context,
                                              const RunOptions& options) {
  // Slot i rewrites all 24 answers of one respondent.
  std::vector<Target> respondents = PickTargets(context, options.concurrency, 1);
  std::vector<std::vector<Target>> answers;
  for (const Target& r : respondents) {
    std::vector<Target> all;
    for (int q = 0; q < kQuestions; ++q) {
      Target t = r;
      t.question = QuestionId(q);
      all.push_back(std::move(t));
    }
    SIXSTEPS_RETURN_IF_ERROR(FetchEtags(context, all));
    answers.push_back(std::move(all));
  }
  absl::StatusOr<std::string> token = context.integration->Token();
  if (!token.ok()) return token.status();
  auto stub = asv1::AssessmentService::NewStub(Dial(context.addresses.assessment, "batch"));
  ScenarioResult result;
  result.name = "batch write: 24 responses";
  result.ceiling = absl::StrCat("ceiling: batch of ", kQuestions, " SQL via libpqxx");
  result.bare_ceiling = kBareInsertCeiling;
  result.run = RunAsync(options, [&](int slot, std::function<void(std::string)> done) {
    struct InFlight {
      grpc::ClientContext context;
      asv1::BatchUpsertResponsesRequest request;
      asv1::BatchUpsertResponsesResponse response;
    };
    std::vector<Target>& mine = answers[slot];
    auto* call = new InFlight;
    Authorize(call->context, *token, absl::Seconds(30));
    call->request.set_parent(mine[0].round);
    for (Target& t : mine) FillResponse(t, call->request.add_requests()->mutable_response());
    stub->async()->BatchUpsertResponses(
        &call->context, &call->request, &call->response,
        [call, &mine, done = std::move(done)](grpc::Status status) {
          if (status.ok()) {
            for (int i = 0;
                 i < call->response.responses_size() && i < static_cast<int>(mine.size()); ++i) {
              mine[i].etag = call->response.responses(i).etag();
            }
          }
          std::string error = ErrorOf(status);
          delete call;
          done(std::move(error));
        });
  });
  return result;
}

namespace {

// A read as the region's dashboard, at the options' concurrency: `request_for` makes each
// call's request (from its slot's own generator, so runs repeat), `send` starts it on the
// reporting stub.
template <typename Request, typename Response, typename Send>
absl::StatusOr<ScenarioResult> RunDashboardRead(
    const ScenarioContext& context, const RunOptions& options, ScenarioResult result, uint64_t salt,
    const std::function<Request(std::mt19937_64&)>& request_for, Send send) {
  absl::StatusOr<std::string> token = context.dashboard->Token();
  if (!token.ok()) return token.status();
  auto stub = rv1::ReportingService::NewStub(Dial(context.addresses.reporting, result.name));
  std::vector<std::mt19937_64> rngs;
  for (int i = 0; i < options.concurrency; ++i) rngs.emplace_back(context.seed * salt + i);
  result.ceiling = kBootstrapEchoCeiling;
  result.bare_ceiling = kBareEchoCeiling;
  result.run = RunAsync(options, [&](int slot, std::function<void(std::string)> done) {
    StartRead<Request, Response>(
        [&](grpc::ClientContext* c, const Request* q, Response* r,
            std::function<void(grpc::Status)> f) { send(*stub->async(), c, q, r, std::move(f)); },
        *token, request_for(rngs[slot]), std::move(done));
  });
  return result;
}

}  // namespace

std::vector<std::string> FinalisedRoundsOf(const ScenarioContext& context) {
  std::vector<std::string> rounds;
  for (const SeededPartnership& p : context.partnerships) {
    rounds.insert(rounds.end(), p.finalised_rounds.begin(), p.finalised_rounds.end());
  }
  return rounds;
}

absl::StatusOr<ScenarioResult> RunAssessmentReportParsed(const ScenarioContext& context,
                                                         const RunOptions& options) {
  const std::vector<std::string> rounds = FinalisedRoundsOf(context);
  ScenarioResult result;
  result.name = "read: assessment report, parsed";
  result.note = absl::StrCat("a random one of ", rounds.size(),
                             " finalised rounds, each reply parsed into its message");
  return RunDashboardRead<rv1::GetAssessmentReportRequest, rv1::AssessmentReport>(
      context, options, std::move(result), 1000,
      [&](std::mt19937_64& rng) {
        rv1::GetAssessmentReportRequest request;
        request.set_assessment(rounds[rng() % rounds.size()]);
        return request;
      },
      [](auto& async, auto* c, auto* q, auto* r, auto f) {
        async.GetAssessmentReport(c, q, r, std::move(f));
      });
}

// A finalised round's document as PDF through ExportReport: the assessment report, or the
// annual report section of the same round.
absl::StatusOr<ScenarioResult> RunPdfExport(const ScenarioContext& context,
                                            const RunOptions& options, bool annual) {
  const std::vector<std::string> rounds = FinalisedRoundsOf(context);
  ScenarioResult result;
  result.name = annual ? "read: annual report PDF" : "read: assessment report PDF";
  result.note = absl::StrCat("a random one of ", rounds.size(), " finalised rounds, as A4 PDF");
  return RunDashboardRead<rv1::ExportReportRequest, rv1::ExportReportResponse>(
      context, options, std::move(result), annual ? 4000 : 3000,
      [&](std::mt19937_64& rng) {
        rv1::ExportReportRequest request;
        request.set_format(rv1::FORMAT_PDF);
        const std::string& round = rounds[rng() % rounds.size()];
        if (annual) {
          request.mutable_annual()->set_assessment(round);
        } else {
          request.mutable_assessment()->set_assessment(round);
        }
        return request;
      },
      [](auto& async, auto* c, auto* q, auto* r, auto f) {
        async.ExportReport(c, q, r, std::move(f));
      });
}

absl::StatusOr<ScenarioResult> RunAssessmentPdf(const ScenarioContext& context,
                                                const RunOptions& options) {
  return RunPdfExport(context, options, false);
}

absl::StatusOr<ScenarioResult> RunAnnualPdf(const ScenarioContext& context,
                                            const RunOptions& options) {
  return RunPdfExport(context, options, true);
}

absl::StatusOr<ScenarioResult> RunRegionalOverview(const ScenarioContext& context,
                                                   const RunOptions& options) {
  absl::StatusOr<int> size = RegionSize(context);
  if (!size.ok()) return size.status();
  ScenarioResult result;
  result.name = "read: regional overview";
  result.note = absl::StrCat(*size, " partnerships");
  return RunDashboardRead<rv1::GetRegionalOverviewRequest, rv1::RegionalOverview>(
      context, options, std::move(result), 0,
      [&](std::mt19937_64&) {
        rv1::GetRegionalOverviewRequest request;
        request.set_region(context.region);
        return request;
      },
      [](auto& async, auto* c, auto* q, auto* r, auto f) {
        async.GetRegionalOverview(c, q, r, std::move(f));
      });
}

absl::StatusOr<ScenarioResult> RunActionTracker(const ScenarioContext& context,
                                                const RunOptions& options) {
  ScenarioResult result;
  result.name = "read: action tracker";
  result.note = "one partnership's actions, five years";
  return RunDashboardRead<rv1::GetActionTrackerRequest, rv1::ActionTracker>(
      context, options, std::move(result), 2000,
      [&](std::mt19937_64& rng) {
        rv1::GetActionTrackerRequest request;
        request.set_scope(context.partnerships[rng() % context.partnerships.size()].name);
        return request;
      },
      [](auto& async, auto* c, auto* q, auto* r, auto f) {
        async.GetActionTracker(c, q, r, std::move(f));
      });
}

namespace {

// The feed's newest sequence, paging forward from `from`.
absl::StatusOr<int64_t> FeedHead(asv1::AssessmentService::Stub& stub, const std::string& token,
                                 int64_t from, const std::string& partnership = "") {
  int64_t head = from;
  while (true) {
    asv1::ListChangesRequest request;
    request.set_after_sequence(head);
    request.set_partnership(partnership);
    request.set_page_size(1000);
    asv1::ListChangesResponse response;
    SIXSTEPS_RETURN_IF_ERROR(Call(stub, &asv1::AssessmentService::Stub::ListChanges, token, request,
                                  &response, "ListChanges"));
    if (response.next_after_sequence() <= head) return head;
    head = response.next_after_sequence();
  }
}

}  // namespace

absl::StatusOr<int> RegionSize(const ScenarioContext& context) {
  auto stub = rv1::ReportingService::NewStub(Dial(context.addresses.reporting, "size"));
  absl::StatusOr<std::string> token = context.dashboard->Token();
  if (!token.ok()) return token.status();
  rv1::GetRegionalOverviewRequest request;
  request.set_region(context.region);
  rv1::RegionalOverview overview;
  SIXSTEPS_RETURN_IF_ERROR(Call(*stub, &rv1::ReportingService::Stub::GetRegionalOverview, *token,
                                request, &overview, "GetRegionalOverview"));
  return overview.partnerships_size();
}

absl::Status WaitForReports(const ScenarioContext& context, absl::Duration timeout) {
  auto reporting = rv1::ReportingService::NewStub(Dial(context.addresses.reporting, "wait"));
  auto assessments = asv1::AssessmentService::NewStub(Dial(context.addresses.assessment, "wait"));
  absl::StatusOr<std::string> token = context.admin->Token();
  if (!token.ok()) return token.status();
  rv1::Freshness freshness;
  SIXSTEPS_RETURN_IF_ERROR(Call(*reporting, &rv1::ReportingService::Stub::GetFreshness, *token,
                                rv1::GetFreshnessRequest(), &freshness, "GetFreshness"));
  absl::StatusOr<int64_t> head = FeedHead(*assessments, *token, freshness.sequence());
  if (!head.ok()) return head.status();
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    SIXSTEPS_RETURN_IF_ERROR(Call(*reporting, &rv1::ReportingService::Stub::GetFreshness, *token,
                                  rv1::GetFreshnessRequest(), &freshness, "GetFreshness"));
    if (freshness.sequence() >= *head) return absl::OkStatus();
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("reports at ", freshness.sequence(), ", feed at ", *head));
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
}

absl::StatusOr<FeedLagResult> RunFeedLag(const ScenarioContext& context,
                                         const RunOptions& options) {
  // Writers use every partnership but the last; the probe writes in the last one, so its
  // changes are the only ones on that partnership's feed.
  std::vector<Target> targets = PickTargets(context, options.concurrency, 1);
  SIXSTEPS_RETURN_IF_ERROR(FetchEtags(context, targets));
  const SeededPartnership& probe_partnership = context.partnerships.back();
  std::vector<Target> probe(1);
  probe[0].round = probe_partnership.draft_round;
  probe[0].respondent = probe_partnership.draft_respondents[0];
  probe[0].question = QuestionId(0);
  SIXSTEPS_RETURN_IF_ERROR(FetchEtags(context, probe));

  absl::StatusOr<std::string> token = context.integration->Token();
  if (!token.ok()) return token.status();
  absl::StatusOr<std::string> admin = context.admin->Token();
  if (!admin.ok()) return admin.status();
  auto writer = asv1::AssessmentService::NewStub(Dial(context.addresses.assessment, "lag-writes"));
  auto probe_stub = asv1::AssessmentService::NewStub(Dial(context.addresses.assessment, "probe"));
  auto reporting = rv1::ReportingService::NewStub(Dial(context.addresses.reporting, "probe"));
  absl::StatusOr<int64_t> cursor = FeedHead(*probe_stub, *admin, 0, probe_partnership.name);
  if (!cursor.ok()) return cursor.status();

  std::atomic<bool> writing{true};
  std::vector<double> lags;
  int64_t probe_errors = 0;
  std::string probe_error;
  std::thread prober([&] {
    absl::SleepFor(options.warmup);
    while (writing.load()) {
      // Write, note the acknowledgement, find the write's feed sequence, then ask for
      // the probe round's report until it reflects that sequence.
      Target& t = probe[0];
      grpc::ClientContext write_context;
      Authorize(write_context, *token, absl::Seconds(30));
      asv1::UpsertResponseRequest request;
      FillResponse(t, request.mutable_response());
      asv1::Response written;
      grpc::Status status = probe_stub->UpsertResponse(&write_context, request, &written);
      auto acknowledged = std::chrono::steady_clock::now();
      if (!status.ok()) {
        ++probe_errors;
        probe_error = ErrorOf(status);
        absl::SleepFor(absl::Milliseconds(50));
        continue;
      }
      t.etag = written.etag();
      // The write's own sequence: the newest change of the probe's partnership (nothing
      // else writes there).
      asv1::ListChangesRequest changes_request;
      changes_request.set_after_sequence(*cursor);
      changes_request.set_partnership(probe_partnership.name);
      changes_request.set_page_size(1000);
      asv1::ListChangesResponse changes;
      absl::Status listed = Call(*probe_stub, &asv1::AssessmentService::Stub::ListChanges, *admin,
                                 changes_request, &changes, "ListChanges");
      std::optional<int64_t> sequence;
      for (const asv1::Change& change : changes.changes()) {
        if (change.response().name() == t.name()) sequence = change.sequence();
      }
      if (!listed.ok() || !sequence) {
        ++probe_errors;
        probe_error = listed.ok() ? "the probe's write is not on the feed" : listed.ToString();
        continue;
      }
      *cursor = std::max(*cursor, changes.next_after_sequence());
      // Waits past the end of the writes if need be: a lag longer than the run is still
      // a lag, not an error.
      const auto give_up = acknowledged + std::chrono::seconds(60);
      bool visible = false;
      while (true) {
        grpc::ClientContext read_context;
        Authorize(read_context, *admin, absl::Seconds(30));
        rv1::GetAssessmentReportRequest read;
        read.set_assessment(t.round);
        rv1::AssessmentReport report;
        grpc::Status read_status = reporting->GetAssessmentReport(&read_context, read, &report);
        if (read_status.ok() && report.freshness().sequence() >= *sequence) {
          visible = true;
          break;
        }
        if (!read_status.ok() || std::chrono::steady_clock::now() > give_up) {
          ++probe_errors;
          probe_error = read_status.ok() ? "not visible within 60 s" : ErrorOf(read_status);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      if (!visible) continue;
      lags.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - acknowledged)
              .count());
      absl::SleepFor(absl::Milliseconds(20));
    }
  });

  FeedLagResult result;
  result.writes.name = "feed lag: the paced writes";
  result.writes.bare_ceiling = kBareInsertCeiling;
  result.writes.run = RunAsync(options, [&](int slot, std::function<void(std::string)> done) {
    StartUpsert(writer.get(), *token, targets[slot], std::move(done));
  });
  writing = false;
  prober.join();
  result.lag.name = "feed lag: write to report";
  result.lag.run.ok = static_cast<int64_t>(lags.size());
  result.lag.run.errors = probe_errors;
  result.lag.run.first_error = probe_error;
  result.lag.run.elapsed = result.writes.run.elapsed;
  result.lag.run.latency = Summarise(lags);
  result.lag.note = absl::StrFormat("while writing %.0f/s; probe polls every 2 ms",
                                    result.writes.run.throughput());
  return result;
}

}  // namespace sixsteps::bench
