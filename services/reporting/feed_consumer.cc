#include "services/reporting/feed_consumer.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <iterator>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/feed_batch.h"
#include "services/common/log.h"
#include "services/common/status.h"
#include "sixsteps/assessment/v1/assessment_service.grpc.pb.h"
#include "sixsteps/framework/v1/framework_service.grpc.pb.h"
#include "sixsteps/identity/v1/identity_service.grpc.pb.h"

namespace sixsteps::reporting {
namespace {

using google::protobuf::util::TimeUtil;

// One fixed key: the read model has its own database, so nothing else takes it.
constexpr long long kLeaderLockKey = 7'242'004'206;
constexpr int kCatchUpPage = 500;
// Following the live feed: at most this many changes in one read-model transaction, and
// at most kFollowQueue read ahead of the one being applied.
constexpr size_t kFollowBatch = 500;
constexpr size_t kFollowQueue = 2 * kFollowBatch;
// Under a steady feed, batches start at most this often, so each carries more changes and
// the read model commits (and looks up names) less often; a change after a quiet spell is
// still applied at once.
constexpr std::chrono::milliseconds kFollowInterval{25};

void WithToken(grpc::ClientContext& context, const std::string& token, absl::Duration timeout) {
  context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

// Every organisation of one partnership ("partnerships/{p}"), page by page.
absl::Status AppendOrganisations(idv1::IdentityService::Stub& stub, const std::string& token,
                                 const std::string& partnership,
                                 std::vector<idv1::Organisation>* organisations) {
  std::string page;
  do {
    grpc::ClientContext context;
    WithToken(context, token, absl::Seconds(10));
    idv1::ListOrganisationsRequest request;
    request.set_parent(partnership);
    request.set_page_size(500);
    request.set_page_token(page);
    idv1::ListOrganisationsResponse response;
    SIXSTEPS_RETURN_IF_ERROR(FromGrpcStatus(stub.ListOrganisations(&context, request, &response)));
    for (auto& o : *response.mutable_organisations()) organisations->push_back(std::move(o));
    page = response.next_page_token();
  } while (!page.empty());
  return absl::OkStatus();
}

// Every organisation the account may see ("partnerships/-": identity lists them across
// partnerships), page by page: a refresh costs a few calls however many partnerships
// there are. An identity from before that listing refuses "-" as INVALID_ARGUMENT; then
// each partnership is listed on its own, as before.
absl::Status AppendEveryOrganisation(idv1::IdentityService::Stub& stub, const std::string& token,
                                     const std::vector<idv1::Partnership>& partnerships,
                                     std::vector<idv1::Organisation>* organisations) {
  absl::Status listed = AppendOrganisations(stub, token, "partnerships/-", organisations);
  if (!absl::IsInvalidArgument(listed)) return listed;
  organisations->clear();
  for (const idv1::Partnership& partnership : partnerships) {
    SIXSTEPS_RETURN_IF_ERROR(AppendOrganisations(stub, token, partnership.name(), organisations));
  }
  return absl::OkStatus();
}

std::string Id(absl::string_view name) {
  size_t slash = name.rfind('/');
  return std::string(slash == absl::string_view::npos ? name : name.substr(slash + 1));
}

}  // namespace

bool IsTransientFeedError(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kNotFound:
      return false;
    default:
      // UNAVAILABLE, ABORTED, DEADLINE_EXCEEDED, CANCELLED, UNAUTHENTICATED,
      // PERMISSION_DENIED (the account's binding: it would refuse every change alike),
      // RESOURCE_EXHAUSTED, INTERNAL, UNKNOWN: retried.
      return true;
  }
}

bool IsMessageTooLarge(const absl::Status& status) {
  // gRPC core says "Received message larger than max (N vs. M)" or "Sent message larger
  // than max (N vs. M)".
  return status.code() == absl::StatusCode::kResourceExhausted &&
         absl::StrContains(absl::AsciiStrToLower(status.message()), "message larger than max");
}

// ---- GrpcUpstream ----

absl::StatusOr<ServiceToken::Issued> GrpcUpstream::SignIn() {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  idv1::SignInWithApiKeyRequest request;
  request.set_api_key(api_key_);
  idv1::SignInWithApiKeyResponse response;
  SIXSTEPS_RETURN_IF_ERROR(FromGrpcStatus(
      idv1::IdentityService::NewStub(identity_)->SignInWithApiKey(&context, request, &response)));
  return ServiceToken::Issued{
      response.access_token(),
      absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(response.access_token_expire_time()))};
}

template <typename Result, typename Call>
absl::StatusOr<Result> GrpcUpstream::WithRenewal(const Call& call) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string token, Token());
  absl::StatusOr<Result> result = call(token);
  if (!absl::IsUnauthenticated(result.status())) return result;
  token_.Refused(token, result.status().message());
  SIXSTEPS_ASSIGN_OR_RETURN(token, Token());
  return call(token);
}

absl::StatusOr<fv1::FrameworkVersion> GrpcUpstream::GetFrameworkVersion(const std::string& name) {
  return WithRenewal<fv1::FrameworkVersion>(
      [&](const std::string& token) { return FetchFrameworkVersion(token, name); });
}

absl::StatusOr<Upstream::Directory> GrpcUpstream::LoadDirectory() {
  return WithRenewal<Directory>([&](const std::string& token) { return FetchDirectory(token); });
}

absl::StatusOr<Upstream::Directory> GrpcUpstream::LoadPartnership(
    const std::string& partnership_id) {
  return WithRenewal<Directory>(
      [&](const std::string& token) { return FetchPartnership(token, partnership_id); });
}

absl::StatusOr<fv1::FrameworkVersion> GrpcUpstream::FetchFrameworkVersion(const std::string& token,
                                                                          const std::string& name) {
  grpc::ClientContext context;
  WithToken(context, token, absl::Seconds(10));
  fv1::GetFrameworkVersionRequest request;
  request.set_name(name);
  fv1::FrameworkVersion version;
  SIXSTEPS_RETURN_IF_ERROR(FromGrpcStatus(fv1::FrameworkService::NewStub(framework_)
                                              ->GetFrameworkVersion(&context, request, &version)));
  return version;
}

absl::StatusOr<Upstream::Directory> GrpcUpstream::FetchDirectory(const std::string& token) {
  auto stub = idv1::IdentityService::NewStub(identity_);
  Directory directory;
  std::string page;
  do {
    grpc::ClientContext context;
    WithToken(context, token, absl::Seconds(10));
    idv1::ListRegionsRequest request;
    request.set_page_size(500);
    request.set_page_token(page);
    idv1::ListRegionsResponse response;
    SIXSTEPS_RETURN_IF_ERROR(FromGrpcStatus(stub->ListRegions(&context, request, &response)));
    for (auto& region : *response.mutable_regions()) directory.regions.push_back(std::move(region));
    page = response.next_page_token();
  } while (!page.empty());
  do {
    grpc::ClientContext context;
    WithToken(context, token, absl::Seconds(10));
    idv1::ListPartnershipsRequest request;
    request.set_page_size(500);
    request.set_page_token(page);
    idv1::ListPartnershipsResponse response;
    SIXSTEPS_RETURN_IF_ERROR(FromGrpcStatus(stub->ListPartnerships(&context, request, &response)));
    for (auto& p : *response.mutable_partnerships()) directory.partnerships.push_back(std::move(p));
    page = response.next_page_token();
  } while (!page.empty());
  SIXSTEPS_RETURN_IF_ERROR(
      AppendEveryOrganisation(*stub, token, directory.partnerships, &directory.organisations));
  return directory;
}

absl::StatusOr<Upstream::Directory> GrpcUpstream::FetchPartnership(
    const std::string& token, const std::string& partnership_id) {
  auto stub = idv1::IdentityService::NewStub(identity_);
  Directory directory;
  idv1::Partnership partnership;
  {
    grpc::ClientContext context;
    WithToken(context, token, absl::Seconds(10));
    idv1::GetPartnershipRequest request;
    request.set_name(absl::StrCat("partnerships/", partnership_id));
    grpc::Status status = stub->GetPartnership(&context, request, &partnership);
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) return directory;
    SIXSTEPS_RETURN_IF_ERROR(FromGrpcStatus(status));
  }
  {
    grpc::ClientContext context;
    WithToken(context, token, absl::Seconds(10));
    idv1::GetRegionRequest request;
    request.set_name(partnership.region());
    idv1::Region region;
    SIXSTEPS_RETURN_IF_ERROR(FromGrpcStatus(stub->GetRegion(&context, request, &region)));
    directory.regions.push_back(std::move(region));
  }
  SIXSTEPS_RETURN_IF_ERROR(
      AppendOrganisations(*stub, token, partnership.name(), &directory.organisations));
  directory.partnerships.push_back(std::move(partnership));
  return directory;
}

// ---- FeedConsumer ----

FeedConsumer::FeedConsumer(ReadModel* model, Upstream* upstream,
                           std::shared_ptr<grpc::Channel> assessment, std::string database_url,
                           ConsumerOptions options)
    : model_(model),
      upstream_(upstream),
      assessment_(std::move(assessment)),
      options_(options),
      catch_up_page_(kCatchUpPage),
      quarantined_(&metrics::DefaultRegistry().AddCounter(
          "sixsteps_feed_quarantined_total",
          "Assessment feed changes the reporting read model set aside because they could not "
          "be fetched or applied (see its feed_quarantine table).")),
      leader_(std::move(database_url), kLeaderLockKey, "feed_leader") {
  metrics_ = metrics::DefaultRegistry().AddCollector([this](metrics::GaugeSink& sink) {
    bool leader = leader_.held();
    sink.Set("sixsteps_feed_leader",
             "1 while this reporting replica holds the feed consumer's lead, else 0.", {},
             leader ? 1 : 0);
    absl::StatusOr<rv1::Freshness> freshness = model_->Freshness();
    if (!freshness.ok()) return;  // the database is down: no reading rather than a wrong one
    sink.Set("sixsteps_feed_sequence",
             "Sequence number of the newest assessment change applied to the read model.", {},
             static_cast<double>(freshness->sequence()));
    // Only the leader knows whether it is following the live feed.
    if (!leader) return;
    double lag = 0;
    if (!caught_up_) {
      if (!freshness->has_change_time()) return;  // nothing applied yet: unknown
      absl::Time change_time =
          absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(freshness->change_time()));
      lag = std::max(0.0, absl::ToDoubleSeconds(absl::Now() - change_time));
    }
    sink.Set("sixsteps_feed_lag_seconds",
             "0 while the read model follows the live feed; otherwise seconds since the "
             "newest applied change was made.",
             {}, lag);
  });
}

FeedConsumer::~FeedConsumer() { Stop(); }

void FeedConsumer::Start() {
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void FeedConsumer::Stop() {
  stop_ = true;
  {
    std::lock_guard<std::mutex> lock(watch_mu_);
    if (watch_ != nullptr) watch_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

absl::Status FeedConsumer::RefreshDirectory() {
  SIXSTEPS_ASSIGN_OR_RETURN(Upstream::Directory directory, upstream_->LoadDirectory());
  // Only entries that differ from what this leader last wrote go to the read model: a
  // refresh that finds nothing new costs no statement per partnership.
  DirectoryFingerprints seen;
  DirectoryEntries changed = ChangedEntries(directory, directory_written_, &seen);
  SIXSTEPS_RETURN_IF_ERROR(
      model_->PutDirectory(changed.regions, changed.partnerships, changed.organisations));
  directory_written_ = std::move(seen);
  last_refresh_ = absl::Now();
  return absl::OkStatus();
}

absl::Status FeedConsumer::AddPartnership(const std::string& partnership_id) {
  SIXSTEPS_ASSIGN_OR_RETURN(Upstream::Directory entries,
                            upstream_->LoadPartnership(partnership_id));
  return model_->PutDirectory(entries.regions, entries.partnerships, entries.organisations);
}

absl::Status FeedConsumer::Prepare(const std::vector<av1::Change>& changes) {
  // A batch usually names one framework version and a few partnerships hundreds of
  // times: each is looked up (a read-model round trip) once per batch, not once per change.
  absl::flat_hash_set<std::string> frameworks_seen;
  absl::flat_hash_set<std::string> partnerships_seen;
  std::vector<std::string> partnerships;
  for (const av1::Change& change : changes) {
    if (change.has_assessment_record()) {
      const std::string& version = change.assessment_record().framework_version();
      if (frameworks_seen.insert(version).second) {
        SIXSTEPS_ASSIGN_OR_RETURN(bool known, model_->HasFramework(version));
        if (!known) {
          SIXSTEPS_ASSIGN_OR_RETURN(fv1::FrameworkVersion framework,
                                    upstream_->GetFrameworkVersion(version));
          SIXSTEPS_RETURN_IF_ERROR(model_->PutFramework(version, framework));
        }
      }
    }
    if (!change.partnership().empty()) {
      std::string partnership = Id(change.partnership());
      if (partnerships_seen.insert(partnership).second) partnerships.push_back(partnership);
    }
  }
  // Which partnerships are new, asked once for the batch (a transaction per partnership
  // was most of the read model's transactions under a busy feed: 1,071 against 101
  // applies at 150 writes/s). Only a new partnership is fetched: reloading the whole
  // directory for each one made a region's growth quadratic (a hub gaining its
  // thousandth partnership listed the organisations of all the others).
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<std::string> missing,
                            model_->MissingPartnerships(partnerships));
  for (const std::string& partnership : missing) {
    SIXSTEPS_RETURN_IF_ERROR(AddPartnership(partnership));
  }
  return absl::OkStatus();
}

absl::Status FeedConsumer::QuarantineChange(const av1::Change& change, bool received,
                                            const absl::Status& error) {
  SIXSTEPS_RETURN_IF_ERROR(model_->Quarantine(change, received, error));
  quarantined_->Increment({});
  LogEvent("feed_quarantined", {{"level", "error"},
                                {"sequence", change.sequence()},
                                {"partnership", change.partnership()},
                                {"kind", received ? av1::ChangeKind_Name(change.kind()) : ""},
                                {"error", error.ToString()}});
  return absl::OkStatus();
}

absl::Status FeedConsumer::ApplyBatch(const std::vector<av1::Change>& changes) {
  return ApplyOrQuarantine(
      changes,
      [this](const std::vector<av1::Change>& some) {
        absl::Status status = Prepare(some);
        return status.ok() ? model_->Apply(some) : status;
      },
      IsTransientFeedError,
      [this](const av1::Change& change, const absl::Status& error) {
        return QuarantineChange(change, /*received=*/true, error);
      });
}

absl::Status FeedConsumer::CatchUp() {
  auto stub = av1::AssessmentService::NewStub(assessment_);
  while (!stop_) {
    SIXSTEPS_ASSIGN_OR_RETURN(rv1::Freshness freshness, model_->Freshness());
    SIXSTEPS_ASSIGN_OR_RETURN(std::string token, upstream_->Token());
    grpc::ClientContext context;
    WithToken(context, token, absl::Seconds(30));
    av1::ListChangesRequest request;
    request.set_after_sequence(freshness.sequence());
    request.set_page_size(catch_up_page_);
    av1::ListChangesResponse response;
    absl::Status fetched = FromGrpcStatus(stub->ListChanges(&context, request, &response));
    if (IsMessageTooLarge(fetched)) {
      if (catch_up_page_ > 1) {
        catch_up_page_ = std::max(1, catch_up_page_ / 2);
        LogEvent("feed_page_shrunk", {{"after_sequence", freshness.sequence()},
                                      {"page_size", catch_up_page_},
                                      {"error", std::string(fetched.message())}});
        continue;
      }
      // The next change alone is too large to fetch. The reporting account sees every
      // partnership, and sequences have no gaps, so it is the next sequence.
      av1::Change unread;
      unread.set_sequence(freshness.sequence() + 1);
      SIXSTEPS_RETURN_IF_ERROR(QuarantineChange(unread, /*received=*/false, fetched));
      continue;
    }
    if (absl::IsUnauthenticated(fetched)) upstream_->TokenRefused(token, fetched.message());
    SIXSTEPS_RETURN_IF_ERROR(fetched);
    std::vector<av1::Change> changes(response.changes().begin(), response.changes().end());
    SIXSTEPS_RETURN_IF_ERROR(ApplyBatch(changes));
    const int asked = catch_up_page_;
    catch_up_page_ = std::min(kCatchUpPage, catch_up_page_ * 2);
    if (response.changes_size() < asked) return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status FeedConsumer::Follow() {
  SIXSTEPS_ASSIGN_OR_RETURN(rv1::Freshness freshness, model_->Freshness());
  SIXSTEPS_ASSIGN_OR_RETURN(std::string token, upstream_->Token());
  grpc::ClientContext context;
  // The stream ends by itself after a while, so names are refreshed, the token renewed and
  // the lead re-checked even when the feed is quiet.
  WithToken(context, token, options_.directory_refresh);
  {
    std::lock_guard<std::mutex> lock(watch_mu_);
    if (stop_) return absl::OkStatus();
    watch_ = &context;
  }
  av1::WatchChangesRequest request;
  request.set_after_sequence(freshness.sequence());
  auto stream = av1::AssessmentService::NewStub(assessment_)->WatchChanges(&context, request);

  // Each read-model transaction waits for a commit to reach disk, so one per change falls
  // behind a busy feed for good. The stream is therefore read on a thread of its own into
  // `inbox`, and this thread applies whatever has arrived (up to kFollowBatch) in one
  // transaction: a lone change is applied at once, and changes that arrive while a
  // transaction commits go together into the next one.
  struct Inbox {
    std::mutex mu;                    // guards the rest
    std::condition_variable changed;  // a change queued or taken, the reader or applier done
    std::deque<av1::Change> queue;
    bool read_all = false;   // the stream has ended (its deadline, an error, Stop)
    bool abandoned = false;  // the applier takes no more changes
  } inbox;
  std::thread reader([&] {
    av1::WatchChangesResponse message;
    while (stream->Read(&message)) {
      std::unique_lock<std::mutex> lock(inbox.mu);
      // A full queue holds the reader back, and gRPC's flow control then the server.
      inbox.changed.wait(lock,
                         [&] { return inbox.queue.size() < kFollowQueue || inbox.abandoned; });
      if (inbox.abandoned) break;
      inbox.queue.push_back(std::move(*message.mutable_change()));
      inbox.changed.notify_all();
    }
    std::lock_guard<std::mutex> lock(inbox.mu);
    inbox.read_all = true;
    inbox.changed.notify_all();
  });

  absl::Status result = absl::OkStatus();
  std::vector<av1::Change> batch;
  auto last_batch = std::chrono::steady_clock::time_point::min();
  while (!stop_) {
    batch.clear();
    {
      std::unique_lock<std::mutex> lock(inbox.mu);
      // Stop() cancels the context, which ends the reader, which wakes this wait.
      inbox.changed.wait(lock, [&] { return !inbox.queue.empty() || inbox.read_all; });
      inbox.changed.wait_until(lock, last_batch + kFollowInterval, [&] {
        return inbox.queue.size() >= kFollowBatch || inbox.read_all;
      });
      last_batch = std::chrono::steady_clock::now();
      // What was read before the stream ended is applied first; then we are done.
      if (inbox.queue.empty()) break;
      size_t take = std::min(inbox.queue.size(), kFollowBatch);
      batch.assign(std::make_move_iterator(inbox.queue.begin()),
                   std::make_move_iterator(inbox.queue.begin() + take));
      inbox.queue.erase(inbox.queue.begin(), inbox.queue.begin() + take);
      inbox.changed.notify_all();
    }
    if (stop_) break;
    result = ApplyBatch(batch);
    // Names and opt-outs change outside the feed; the access token expires: leave the
    // stream now and then, to refresh both and to check we still hold the lead. Changes
    // still queued are dropped: the next stream starts again from the cursor.
    if (!result.ok() || absl::Now() - last_refresh_ > options_.directory_refresh) break;
  }
  {
    std::lock_guard<std::mutex> lock(inbox.mu);
    inbox.abandoned = true;
    inbox.changed.notify_all();
  }
  context.TryCancel();  // ends a Read the reader is blocked in
  reader.join();
  grpc::Status finished = stream->Finish();
  {
    std::lock_guard<std::mutex> lock(watch_mu_);
    watch_ = nullptr;
  }
  if (!result.ok()) return result;
  if (finished.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
    upstream_->TokenRefused(token, finished.error_message());
  }
  if (!finished.ok() && finished.error_code() != grpc::StatusCode::CANCELLED &&
      finished.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
    return FromGrpcStatus(finished);
  }
  return absl::OkStatus();
}

void FeedConsumer::Run() {
  absl::Duration backoff = options_.backoff;
  while (!stop_) {
    if (!leader_.TryLead()) {
      caught_up_ = false;
      // Another replica may write the directory meanwhile: the next lead writes it whole.
      directory_written_.clear();
      absl::SleepFor(options_.standby_poll);
      continue;
    }
    absl::Status status = absl::OkStatus();
    if (absl::Now() - last_refresh_ > options_.directory_refresh) status = RefreshDirectory();
    // Rounds and actions applied before the read model kept their aggregates (V010).
    if (status.ok() && !aggregates_filled_) {
      status = model_->FillAggregates();
      aggregates_filled_ = status.ok();
    }
    if (status.ok()) status = CatchUp();
    // From here until an error the read model is at the head: Follow applies changes as
    // they are made.
    if (status.ok()) caught_up_ = true;
    if (status.ok() && !stop_) status = Follow();
    if (status.ok()) {
      backoff = options_.backoff;
      continue;
    }
    caught_up_ = false;
    directory_written_.clear();  // the lead may have changed hands meanwhile
    LogEvent("feed_error", {{"error", std::string(status.message())},
                            {"retry_in_ms", absl::ToInt64Milliseconds(backoff)}});
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  caught_up_ = false;
  leader_.Release();
}

}  // namespace sixsteps::reporting
