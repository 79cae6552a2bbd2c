#include "services/notification/follower.h"

#include <grpcpp/client_context.h>

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "services/base/names.h"
#include "services/base/status_macros.h"
#include "services/common/feed_batch.h"
#include "services/common/log.h"
#include "services/common/status.h"
#include "sixsteps/assessment/v1/assessment_service.grpc.pb.h"

namespace sixsteps::notification {
namespace {

// The feed follower's lead (LeaderLock): one fixed key in the service's own database.
constexpr long long kLeaderLockKey = 7'242'004'207;

// The people of every partnership a batch names, with the principals its changes name.
absl::StatusOr<std::map<std::string, PartnershipPeople>> PeopleOf(
    People& people, const std::vector<av1::Change>& changes) {
  std::map<std::string, std::vector<std::string>> named;
  for (const av1::Change& change : changes) {
    if (change.partnership().empty()) continue;
    std::vector<std::string>& also = named[LastSegment(change.partnership())];
    for (std::string& principal : PrincipalsNamedBy(change)) also.push_back(std::move(principal));
  }
  std::map<std::string, PartnershipPeople> found;
  for (const auto& [partnership, also] : named) {
    absl::StatusOr<PartnershipPeople> one = people.ForPartnership(partnership, also);
    if (absl::IsNotFound(one.status())) {
      // Gone from identity: nobody to tell.
      found[partnership].partnership_id = partnership;
      continue;
    }
    SIXSTEPS_RETURN_IF_ERROR(one.status());
    found[partnership] = std::move(*one);
  }
  return found;
}

}  // namespace

bool IsTransient(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kCancelled:
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
      return true;
    default:
      return false;
  }
}

absl::StatusOr<std::vector<NewDelivery>> ComposeAll(const TemplateSet& templates,
                                                    const std::vector<Notice>& notices,
                                                    nv1::OutboxMessage::State state) {
  std::vector<NewDelivery> deliveries;
  for (const Notice& notice : notices) {
    SIXSTEPS_ASSIGN_OR_RETURN(Composed composed, templates.Compose(notice));
    deliveries.push_back({notice, std::move(composed), state});
  }
  return deliveries;
}

Follower::Follower(NotificationStore* store, People* people, const TemplateSet* templates,
                   reporting::ServiceToken* token, std::shared_ptr<grpc::Channel> assessment,
                   std::string database_url, const Clock* clock, absl::TimeZone zone,
                   FollowerOptions options)
    : store_(store),
      people_(people),
      templates_(templates),
      token_(token),
      assessment_(std::move(assessment)),
      clock_(clock),
      zone_(zone),
      options_(options),
      quarantined_(&metrics::DefaultRegistry().AddCounter(
          "sixsteps_notification_quarantined_total",
          "Assessment feed changes the notification service set aside because they could not "
          "be applied (see its feed_quarantine table).")),
      leader_(std::move(database_url), kLeaderLockKey, "notification_leader") {}

Follower::~Follower() { Stop(); }

void Follower::Start() {
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void Follower::Stop() {
  {
    std::lock_guard<std::mutex> lock(pause_mu_);
    stop_ = true;
  }
  pause_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Follower::Pause(absl::Duration duration) {
  std::unique_lock<std::mutex> lock(pause_mu_);
  pause_cv_.wait_for(lock, absl::ToChronoNanoseconds(duration), [this] { return stop_.load(); });
}

absl::Status Follower::ApplyChanges(const std::vector<av1::Change>& changes) {
  SIXSTEPS_ASSIGN_OR_RETURN(auto people, PeopleOf(*people_, changes));
  return store_->ApplyChanges(
      changes,
      [&](const av1::Change& change,
          const ChangeFacts& facts) -> absl::StatusOr<std::vector<NewDelivery>> {
        auto found = people.find(LastSegment(change.partnership()));
        if (found == people.end()) return std::vector<NewDelivery>();
        return ComposeAll(*templates_, NoticesForChange(change, facts, found->second),
                          options_.new_state);
      });
}

absl::Status Follower::ApplyBatch(const std::vector<av1::Change>& changes) {
  return ApplyOrQuarantine(
      changes, [this](const std::vector<av1::Change>& some) { return ApplyChanges(some); },
      IsTransient,
      [this](const av1::Change& change, const absl::Status& error) -> absl::Status {
        SIXSTEPS_RETURN_IF_ERROR(store_->Quarantine(change, error));
        quarantined_->Increment({});
        LogEvent("feed_quarantined", {{"level", "error"},
                                      {"sequence", change.sequence()},
                                      {"partnership", change.partnership()},
                                      {"kind", av1::ChangeKind_Name(change.kind())},
                                      {"error", error.ToString()}});
        return absl::OkStatus();
      });
}

absl::Status Follower::CatchUp() {
  auto stub = av1::AssessmentService::NewStub(assessment_);
  while (!stop_) {
    SIXSTEPS_ASSIGN_OR_RETURN(int64_t cursor, store_->Cursor());
    SIXSTEPS_ASSIGN_OR_RETURN(std::string token, token_->Get());
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    av1::ListChangesRequest request;
    request.set_after_sequence(cursor);
    request.set_page_size(options_.page_size);
    av1::ListChangesResponse response;
    absl::Status fetched = FromGrpcStatus(stub->ListChanges(&context, request, &response));
    if (absl::IsUnauthenticated(fetched)) token_->Refused(token, fetched.message());
    SIXSTEPS_RETURN_IF_ERROR(fetched);
    std::vector<av1::Change> changes(response.changes().begin(), response.changes().end());
    if (!changes.empty()) SIXSTEPS_RETURN_IF_ERROR(ApplyBatch(changes));
    if (response.changes_size() < options_.page_size) return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status Follower::RunCalendar() {
  const absl::CivilDay today = TodayIn(*clock_, zone_);
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<OpenAction> actions,
                            store_->OpenActionsDueBy(DueHorizon(today)));
  // ---- webhooks (H1): the day's events, kept once per action, rule and due date ----
  if (webhooks_ != nullptr) {
    SIXSTEPS_RETURN_IF_ERROR(
        webhooks_->KeepEvents(WebhookEventsForDay(actions, today, clock_->Now())).status());
  }
  // ---- end webhooks (H1) ----
  std::map<std::string, std::vector<const OpenAction*>> by_partnership;
  for (const OpenAction& action : actions) by_partnership[action.partnership_id].push_back(&action);
  // ---- H2 digest: response deadlines, judged with the actions of the same partnership ----
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<OpenDeadline> deadlines,
                            store_->OpenDeadlinesBy(DeadlineHorizon(today)));
  std::map<std::string, std::vector<const OpenDeadline*>> deadlines_of;
  for (const OpenDeadline& deadline : deadlines) {
    deadlines_of[deadline.partnership_id].push_back(&deadline);
    by_partnership[deadline.partnership_id];  // judged even with no action due
  }
  // ---- end H2 ----
  for (const auto& [partnership, open] : by_partnership) {
    absl::StatusOr<PartnershipPeople> people = people_->ForPartnership(partnership, {});
    if (absl::IsNotFound(people.status())) continue;
    SIXSTEPS_RETURN_IF_ERROR(people.status());
    SIXSTEPS_ASSIGN_OR_RETURN(NotificationStore::Switches switches,
                              store_->RuleSwitches(partnership));
    std::set<std::string> disabled;
    for (const auto& [rule, enabled] : switches.enabled) {
      if (!enabled) disabled.insert(rule);
    }
    std::vector<Notice> notices;
    for (const OpenAction* action : open) {
      for (Notice& notice : NoticesForDay(*action, today, *people, disabled)) {
        notices.push_back(std::move(notice));
      }
    }
    // H2 digest: the partnership's response deadlines.
    for (const OpenDeadline* deadline : deadlines_of[partnership]) {
      for (Notice& notice : NoticesForDeadline(*deadline, today, *people, disabled)) {
        notices.push_back(std::move(notice));
      }
    }
    SIXSTEPS_ASSIGN_OR_RETURN(std::vector<NewDelivery> deliveries,
                              ComposeAll(*templates_, notices, options_.new_state));
    SIXSTEPS_ASSIGN_OR_RETURN(int kept, store_->InsertDeliveries(deliveries));
    if (kept > 0) {
      LogEvent(
          "calendar_notices",
          {{"partnership", partnership}, {"day", absl::FormatCivilTime(today)}, {"kept", kept}});
    }
  }
  return absl::OkStatus();
}

void Follower::Run() {
  absl::Duration backoff = options_.backoff;
  while (!stop_) {
    if (!leader_.TryLead()) {
      Pause(options_.standby_poll);
      continue;
    }
    absl::Status status = CatchUp();
    if (status.ok() && absl::Now() - last_calendar_ >= options_.calendar_every) {
      status = RunCalendar();
      if (status.ok()) status = RunDigests();  // digest (H1)
      if (status.ok()) last_calendar_ = absl::Now();
    }
    if (status.ok()) {
      backoff = options_.backoff;
      Pause(options_.poll);
      continue;
    }
    LogEvent("notification_feed_error", {{"error", std::string(status.message())},
                                         {"retry_in_ms", absl::ToInt64Milliseconds(backoff)}});
    Pause(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  leader_.Release();
}

}  // namespace sixsteps::notification
