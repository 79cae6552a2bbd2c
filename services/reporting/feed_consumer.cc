#include "services/reporting/feed_consumer.h"

#include <google/protobuf/util/time_util.h>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
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

void WithToken(grpc::ClientContext& context, const std::string& token, absl::Duration timeout) {
  context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

std::string Id(absl::string_view name) {
  size_t slash = name.rfind('/');
  return std::string(slash == absl::string_view::npos ? name : name.substr(slash + 1));
}

}  // namespace

// ---- GrpcUpstream ----

absl::StatusOr<std::string> GrpcUpstream::Token() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!token_.empty() && absl::Now() < token_expiry_ - absl::Minutes(1)) return token_;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  idv1::SignInWithApiKeyRequest request;
  request.set_api_key(api_key_);
  idv1::SignInWithApiKeyResponse response;
  grpc::Status status =
      idv1::IdentityService::NewStub(identity_)->SignInWithApiKey(&context, request, &response);
  if (!status.ok()) {
    return absl::UnavailableError(
        absl::StrCat("the reporting service cannot sign in: ", status.error_message()));
  }
  token_ = response.access_token();
  token_expiry_ = absl::FromUnixMicros(
      TimeUtil::TimestampToMicroseconds(response.access_token_expire_time()));
  return token_;
}

absl::StatusOr<fv1::FrameworkVersion> GrpcUpstream::GetFrameworkVersion(const std::string& name) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string token, Token());
  grpc::ClientContext context;
  WithToken(context, token, absl::Seconds(10));
  fv1::GetFrameworkVersionRequest request;
  request.set_name(name);
  fv1::FrameworkVersion version;
  SIXSTEPS_RETURN_IF_ERROR(FromGrpcStatus(
      fv1::FrameworkService::NewStub(framework_)->GetFrameworkVersion(&context, request, &version)));
  return version;
}

absl::StatusOr<Upstream::Directory> GrpcUpstream::LoadDirectory() {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string token, Token());
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
  for (const idv1::Partnership& partnership : directory.partnerships) {
    do {
      grpc::ClientContext context;
      WithToken(context, token, absl::Seconds(10));
      idv1::ListOrganisationsRequest request;
      request.set_parent(partnership.name());
      request.set_page_size(500);
      request.set_page_token(page);
      idv1::ListOrganisationsResponse response;
      SIXSTEPS_RETURN_IF_ERROR(
          FromGrpcStatus(stub->ListOrganisations(&context, request, &response)));
      for (auto& o : *response.mutable_organisations()) {
        directory.organisations.push_back(std::move(o));
      }
      page = response.next_page_token();
    } while (!page.empty());
  }
  return directory;
}

// ---- FeedConsumer ----

struct FeedConsumer::LockConnection {
  std::unique_ptr<pqxx::connection> connection;
};

FeedConsumer::FeedConsumer(ReadModel* model, Upstream* upstream,
                           std::shared_ptr<grpc::Channel> assessment, std::string database_url,
                           ConsumerOptions options)
    : model_(model),
      upstream_(upstream),
      assessment_(std::move(assessment)),
      database_url_(std::move(database_url)),
      options_(options),
      lock_(std::make_unique<LockConnection>()) {
  metrics_ = metrics::DefaultRegistry().AddCollector([this](metrics::GaugeSink& sink) {
    bool leader = leader_;
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
      absl::Time change_time = absl::FromUnixMicros(
          TimeUtil::TimestampToMicroseconds(freshness->change_time()));
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

bool FeedConsumer::TryLead() {
  try {
    if (lock_->connection == nullptr) {
      lock_->connection = std::make_unique<pqxx::connection>(database_url_);
    }
    pqxx::nontransaction query(*lock_->connection);
    bool held = query.exec_params("SELECT pg_try_advisory_lock($1)", kLeaderLockKey)[0][0].as<bool>();
    if (held && !leader_) LogEvent("feed_leader", {{"leader", true}});
    leader_ = held;
  } catch (const std::exception&) {
    // The connection broke (the database restarted): whatever lock it held is gone.
    lock_->connection.reset();
    leader_ = false;
  }
  return leader_;
}

void FeedConsumer::ReleaseLead() {
  if (leader_) LogEvent("feed_leader", {{"leader", false}});
  leader_ = false;
  lock_->connection.reset();  // closing the session releases the lock
}

absl::Status FeedConsumer::RefreshDirectory() {
  SIXSTEPS_ASSIGN_OR_RETURN(Upstream::Directory directory, upstream_->LoadDirectory());
  SIXSTEPS_RETURN_IF_ERROR(
      model_->PutDirectory(directory.regions, directory.partnerships, directory.organisations));
  last_refresh_ = absl::Now();
  return absl::OkStatus();
}

absl::Status FeedConsumer::Prepare(const av1::Change& change) {
  if (change.has_assessment_record()) {
    const std::string& version = change.assessment_record().framework_version();
    SIXSTEPS_ASSIGN_OR_RETURN(bool known, model_->HasFramework(version));
    if (!known) {
      SIXSTEPS_ASSIGN_OR_RETURN(fv1::FrameworkVersion framework,
                                upstream_->GetFrameworkVersion(version));
      SIXSTEPS_RETURN_IF_ERROR(model_->PutFramework(version, framework));
    }
  }
  if (!change.partnership().empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(bool known, model_->HasPartnership(Id(change.partnership())));
    if (!known) SIXSTEPS_RETURN_IF_ERROR(RefreshDirectory());
  }
  return absl::OkStatus();
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
    request.set_page_size(kCatchUpPage);
    av1::ListChangesResponse response;
    SIXSTEPS_RETURN_IF_ERROR(
        FromGrpcStatus(stub->ListChanges(&context, request, &response)));
    std::vector<av1::Change> changes(response.changes().begin(), response.changes().end());
    for (const av1::Change& change : changes) SIXSTEPS_RETURN_IF_ERROR(Prepare(change));
    SIXSTEPS_RETURN_IF_ERROR(model_->Apply(changes));
    if (response.changes_size() < kCatchUpPage) return absl::OkStatus();
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
  av1::WatchChangesResponse message;
  absl::Status result = absl::OkStatus();
  while (!stop_ && stream->Read(&message)) {
    result = Prepare(message.change());
    if (result.ok()) result = model_->Apply({message.change()});
    // Names and opt-outs change outside the feed; the access token expires: leave the
    // stream now and then, to refresh both and to check we still hold the lead.
    if (!result.ok() || absl::Now() - last_refresh_ > options_.directory_refresh) break;
  }
  context.TryCancel();
  grpc::Status finished = stream->Finish();
  {
    std::lock_guard<std::mutex> lock(watch_mu_);
    watch_ = nullptr;
  }
  if (!result.ok()) return result;
  if (!finished.ok() && finished.error_code() != grpc::StatusCode::CANCELLED &&
      finished.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
    return FromGrpcStatus(finished);
  }
  return absl::OkStatus();
}

void FeedConsumer::Run() {
  absl::Duration backoff = options_.backoff;
  while (!stop_) {
    if (!TryLead()) {
      caught_up_ = false;
      absl::SleepFor(options_.standby_poll);
      continue;
    }
    absl::Status status = absl::OkStatus();
    if (absl::Now() - last_refresh_ > options_.directory_refresh) status = RefreshDirectory();
    if (status.ok()) status = CatchUp();
    // From here until an error the read model is at the head: Follow applies each change
    // as it is made.
    if (status.ok()) caught_up_ = true;
    if (status.ok() && !stop_) status = Follow();
    if (status.ok()) {
      backoff = options_.backoff;
      continue;
    }
    caught_up_ = false;
    LogEvent("feed_error", {{"error", std::string(status.message())},
                            {"retry_in_ms", absl::ToInt64Milliseconds(backoff)}});
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  caught_up_ = false;
  ReleaseLead();
}

}  // namespace sixsteps::reporting
