// Who the people of a partnership are, with their names and email addresses: from identity,
// as the notification service's own account (a notifier on '*': identity shows it every
// role binding and every user's name and address, and it may change nothing). Answers are kept for
// a short while, so a busy feed does not ask identity once per change.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <grpcpp/channel.h>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/notification/rules.h"
#include "services/reporting/service_token.h"

namespace sixsteps::notification {

// The notification service's own access token, signed in with its account's API key.
std::unique_ptr<reporting::ServiceToken> MakeServiceToken(std::shared_ptr<grpc::Channel> identity,
                                                          std::string api_key);

class People {
 public:
  virtual ~People() = default;
  // The partnership (its region and name), the people bound on it, and the people of `also`
  // (principals a change names) that exist. NOT_FOUND if identity has no such partnership.
  virtual absl::StatusOr<PartnershipPeople> ForPartnership(
      const std::string& partnership_id, const std::vector<std::string>& also) = 0;
  // The region id of a partnership; NOT_FOUND if there is none.
  virtual absl::StatusOr<std::string> RegionOf(const std::string& partnership_id) = 0;
  // ---- webhooks (H1) ----
  // The person `principal` ("users/{id}") is, with their address; nullopt if there is no
  // such user (or a service account). Not pure, so that fakes need not define it.
  virtual absl::StatusOr<std::optional<Person>> FindPerson(const std::string& principal);
  // Whether identity has the region (a region's webhooks need one). Not pure, as above.
  virtual absl::StatusOr<bool> RegionExists(const std::string& region_id);
  // ---- end webhooks (H1) ----
};

class GrpcPeople final : public People {
 public:
  // `token` is the service account's (MakeServiceToken).
  GrpcPeople(std::shared_ptr<grpc::Channel> identity, reporting::ServiceToken* token,
             absl::Duration keep_for = absl::Minutes(1));
  absl::StatusOr<PartnershipPeople> ForPartnership(const std::string& partnership_id,
                                                   const std::vector<std::string>& also) override;
  absl::StatusOr<std::string> RegionOf(const std::string& partnership_id) override;
  absl::StatusOr<std::optional<Person>> FindPerson(const std::string& principal) override;  // H1
  absl::StatusOr<bool> RegionExists(const std::string& region_id) override;                 // H1

 private:
  // One call with the service's token, once more with a new token if it was refused.
  template <typename Result, typename Call>
  absl::StatusOr<Result> WithToken(const Call& call);
  absl::StatusOr<PartnershipPeople> Fetch(const std::string& token,
                                          const std::string& partnership_id);
  // nullopt: no such user (or disabled).
  absl::StatusOr<std::optional<Person>> FetchUser(const std::string& token,
                                                  const std::string& principal);

  std::shared_ptr<grpc::Channel> identity_;
  reporting::ServiceToken* token_;
  const absl::Duration keep_for_;
  std::mutex mu_;
  struct Kept {
    PartnershipPeople people;
    absl::Time fetched;
  };
  std::map<std::string, Kept> partnerships_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::pair<std::optional<Person>, absl::Time>> users_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sixsteps::notification
