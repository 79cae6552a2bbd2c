// What the assessment service asks the identity and framework services, always on the
// caller's behalf (their token is forwarded), so those services apply the caller's own
// permissions. An interface, so the service's rules can be tested with a fake.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include <grpcpp/channel.h>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/auth.h"
#include "sixsteps/framework/v1/framework.pb.h"

namespace sixsteps::assessment {

class Directory {
 public:
  virtual ~Directory() = default;
  // The region id of a partnership the caller can see; NOT_FOUND otherwise.
  virtual absl::StatusOr<std::string> PartnershipRegion(const auth::Caller& caller,
                                                        const std::string& partnership_id) = 0;
  // OK if "partnerships/{p}/organisations/{o}" exists and the caller can see it.
  virtual absl::Status CheckOrganisation(const auth::Caller& caller,
                                         const std::string& organisation) = 0;
  // OK if the user ("users/{u}") is an independent scrutineer of the partnership.
  virtual absl::Status CheckScrutineer(const auth::Caller& caller,
                                       const std::string& partnership_id,
                                       const std::string& user) = 0;
  // A framework version that is published now: FAILED_PRECONDITION for a draft or a
  // retired one, NOT_FOUND for one that does not exist or the caller cannot see.
  virtual absl::StatusOr<framework::v1::FrameworkVersion> PublishedFrameworkVersion(
      const auth::Caller& caller, const std::string& name) = 0;
};

class GrpcDirectory final : public Directory {
 public:
  GrpcDirectory(std::shared_ptr<grpc::Channel> identity, std::shared_ptr<grpc::Channel> framework)
      : identity_(std::move(identity)), framework_(std::move(framework)) {}

  absl::StatusOr<std::string> PartnershipRegion(const auth::Caller& caller,
                                                const std::string& partnership_id) override;
  absl::Status CheckOrganisation(const auth::Caller& caller,
                                 const std::string& organisation) override;
  absl::Status CheckScrutineer(const auth::Caller& caller, const std::string& partnership_id,
                               const std::string& user) override;
  absl::StatusOr<framework::v1::FrameworkVersion> PublishedFrameworkVersion(
      const auth::Caller& caller, const std::string& name) override;

 private:
  std::shared_ptr<grpc::Channel> identity_;
  std::shared_ptr<grpc::Channel> framework_;
  // Organisations identity confirmed to a caller, each for kConfirmationTtl: setting up a
  // round's respondents and action plan checks the same few organisations dozens of times.
  // Only confirmations are kept, so a new organisation counts at once; one removed, or a
  // caller's grant revoked, still passes this check for up to kConfirmationTtl.
  static constexpr absl::Duration kConfirmationTtl = absl::Seconds(30);
  static constexpr size_t kMaxConfirmations = 10000;
  std::mutex confirmed_mu_;
  absl::flat_hash_map<std::string, absl::Time> confirmed_;  // principal \n organisation
};

}  // namespace sixsteps::assessment
