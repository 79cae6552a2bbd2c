// Keeps the read model in step with the assessment service's change feed: one active
// consumer per deployment (a PostgreSQL advisory lock), catching up with ListChanges pages
// and then following WatchChanges live; framework versions and partnership names are
// fetched from their services when first needed and refreshed now and then.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/leader_lock.h"
#include "services/common/metrics.h"
#include "services/reporting/directory_changes.h"
#include "services/reporting/read_model.h"
#include "services/reporting/service_token.h"

namespace sixsteps::reporting {

// What the consumer asks the other services, as the reporting service's own account.
class Upstream {
 public:
  virtual ~Upstream() = default;
  // An access token of the reporting service's account, renewed before it expires.
  virtual absl::StatusOr<std::string> Token() = 0;
  // A service refused `token` UNAUTHENTICATED (revoked): the next Token() signs in again
  // (after a backoff, so that a revoked key does not hammer identity).
  virtual void TokenRefused(const std::string& token, absl::string_view why) {}
  virtual absl::StatusOr<fv1::FrameworkVersion> GetFrameworkVersion(const std::string& name) = 0;
  using Directory = DirectoryEntries;
  virtual absl::StatusOr<Directory> LoadDirectory() = 0;
  // One partnership's entries (its region, itself, its organisations): what a change naming
  // a partnership new to the read model needs. Empty if identity no longer has it.
  virtual absl::StatusOr<Directory> LoadPartnership(const std::string& partnership_id) = 0;
};

// Upstream over gRPC, signed in with an API key of a service account bound as viewer on
// "*" (it reads every partnership of the deployment, and changes nothing).
class GrpcUpstream final : public Upstream {
 public:
  GrpcUpstream(std::shared_ptr<grpc::Channel> identity, std::shared_ptr<grpc::Channel> framework,
               std::string api_key)
      : identity_(std::move(identity)),
        framework_(std::move(framework)),
        api_key_(std::move(api_key)),
        token_([this] { return SignIn(); }) {}
  absl::StatusOr<std::string> Token() override { return token_.Get(); }
  void TokenRefused(const std::string& token, absl::string_view why) override {
    token_.Refused(token, why);
  }
  absl::StatusOr<fv1::FrameworkVersion> GetFrameworkVersion(const std::string& name) override;
  absl::StatusOr<Directory> LoadDirectory() override;
  absl::StatusOr<Directory> LoadPartnership(const std::string& partnership_id) override;

 private:
  std::shared_ptr<grpc::Channel> identity_;
  std::shared_ptr<grpc::Channel> framework_;
  absl::StatusOr<ServiceToken::Issued> SignIn();
  // The calls themselves, with a given token.
  absl::StatusOr<fv1::FrameworkVersion> FetchFrameworkVersion(const std::string& token,
                                                              const std::string& name);
  absl::StatusOr<Directory> FetchDirectory(const std::string& token);
  absl::StatusOr<Directory> FetchPartnership(const std::string& token,
                                             const std::string& partnership_id);
  // Runs `call` with the token; if it is refused UNAUTHENTICATED, once more with a new one.
  template <typename Result, typename Call>
  absl::StatusOr<Result> WithRenewal(const Call& call);

  const std::string api_key_;
  ServiceToken token_;
};

struct ConsumerOptions {
  // How often partnership names and opt-outs are re-read from identity.
  absl::Duration directory_refresh = absl::Minutes(1);
  // Wait before reconnecting after an error (doubles up to max_backoff).
  absl::Duration backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(5);
  // How long a standby waits between attempts to take over.
  absl::Duration standby_poll = absl::Milliseconds(500);
};

// Whether trying again may cure a failure to fetch or apply changes: a service or the
// database unreachable, busy or restarting, a lost race, a timeout, an expired token, the
// account's access. Anything else (a record the read model refuses, a version that does
// not exist) fails the same way every time, so the change is quarantined instead.
bool IsTransientFeedError(const absl::Status& status);

// Whether a failed fetch means that the page was larger than a gRPC message may be (a
// server's send limit or this client's receive limit), as opposed to the server being
// short of threads or memory, which is RESOURCE_EXHAUSTED too.
bool IsMessageTooLarge(const absl::Status& status);

// Reports in metrics::DefaultRegistry() while it exists: sixsteps_feed_leader (1 while it
// holds the lead), sixsteps_feed_sequence (the read model's cursor) and, on the leader,
// sixsteps_feed_lag_seconds (0 while it follows the live feed, else the age of the newest
// applied change), and the counter sixsteps_feed_quarantined_total of changes set aside.
//
// A change that cannot be applied never halts the consumer for everyone (issue 13): a page
// too large to fetch is fetched again in smaller pages, down to one change; a change that
// alone is too large to fetch, or that fails to apply for a reason retrying cannot cure,
// is quarantined (ReadModel::Quarantine), counted, logged ("feed_quarantined"), and the
// consumer goes on with the next one. Transient failures are retried with backoff.
class FeedConsumer {
 public:
  // `database_url` is the read model's database: the leader lock is held on a connection
  // of its own, so it is released at once if this process dies.
  FeedConsumer(ReadModel* model, Upstream* upstream, std::shared_ptr<grpc::Channel> assessment,
               std::string database_url, ConsumerOptions options = {});
  ~FeedConsumer();

  void Start();
  // Stops following the feed and gives up the leader lock.
  void Stop();
  bool is_leader() const { return leader_.held(); }
  // Caught up with the head of the feed and following it live.
  bool is_caught_up() const { return caught_up_; }

 private:
  void Run();
  // Fetches what changes need before they are applied (their framework versions, their
  // partnerships' names), looking each one up once however many changes name it.
  absl::Status Prepare(const std::vector<av1::Change>& changes);
  absl::Status RefreshDirectory();
  // Puts one partnership new to the read model (with its region and organisations) there.
  absl::Status AddPartnership(const std::string& partnership_id);
  absl::Status CatchUp();
  absl::Status Follow();
  // Prepares and applies changes (in one read-model transaction when all can be); if one
  // fails for good, applies them one at a time and quarantines those that fail for good.
  absl::Status ApplyBatch(const std::vector<av1::Change>& changes);
  absl::Status QuarantineChange(const av1::Change& change, bool received,
                                const absl::Status& error);

  ReadModel* model_;
  Upstream* upstream_;
  std::shared_ptr<grpc::Channel> assessment_;
  const ConsumerOptions options_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> caught_up_{false};
  std::thread thread_;
  absl::Time last_refresh_ = absl::InfinitePast();
  // The directory entries this leader last wrote (DirectoryChanges), on the consumer thread.
  DirectoryFingerprints directory_written_;
  bool aggregates_filled_ = false;
  // Changes asked for per catch-up page: halved after a page too large to fetch, doubled
  // back after a page that was fetched.
  int catch_up_page_;
  metrics::Counter* quarantined_;
  // The lead among replicas; TryLead and Release only on the consumer thread.
  LeaderLock leader_;
  std::mutex watch_mu_;
  grpc::ClientContext* watch_ ABSL_GUARDED_BY(watch_mu_) = nullptr;
  // Last: unregistered first, before what it reads is destroyed.
  metrics::Registration metrics_;
};

}  // namespace sixsteps::reporting
