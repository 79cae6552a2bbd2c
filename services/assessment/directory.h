// What the assessment service asks the identity and framework services, always on the
// caller's behalf (their token is forwarded), so those services apply the caller's own
// permissions. An interface, so the service's rules can be tested with a fake.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <grpcpp/channel.h>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/assessment/store.h"
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
  // The ids of the partnerships of `region` (an id) that have opted out of regional
  // comparison, as identity shows them to the caller (a viewer or dashboard of the region,
  // who sees all of them). May be a few seconds old.
  virtual absl::StatusOr<std::vector<std::string>> OptedOutPartnerships(
      const auth::Caller& caller, const std::string& region) = 0;
};

// The partnerships (ids) whose regional-comparison opt-out hides them from the caller
// (OptOutHides): for a caller with no OptOutRegions, none, without asking the directory.
// Their records are NOT_FOUND to the caller and left out of its lists and its change feed.
absl::StatusOr<std::vector<std::string>> PartnershipsHiddenFrom(Directory& directory,
                                                                const auth::Caller& caller);
// What the caller's reads may return: Visibility::Of(caller), less PartnershipsHiddenFrom.
absl::StatusOr<Visibility> VisibilityFor(Directory& directory, const auth::Caller& caller);
// Whether the caller may read a partnership's records (ids): CanSeePartnership, unless
// `visible` (VisibilityFor the caller) hides the partnership.
bool CanReadPartnership(const auth::Caller& caller, const Visibility& visible,
                        absl::string_view region, absl::string_view partnership);
// The same for a round (CanRead, unless hidden).
bool CanReadRound(const auth::Caller& caller, const Visibility& visible,
                  const v1::Assessment& assessment);
// The region of a partnership (id) the caller may read (CanReadPartnership); NOT_FOUND
// naming `name` (what the caller asked for) otherwise.
absl::StatusOr<std::string> ReadablePartnershipRegion(Directory& directory,
                                                      const auth::Caller& caller,
                                                      const std::string& partnership_id,
                                                      const std::string& name);

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
  absl::StatusOr<std::vector<std::string>> OptedOutPartnerships(const auth::Caller& caller,
                                                                const std::string& region) override;

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
  // The opted-out partnerships of each region, for kOptOutTtl: asked only for region-level
  // viewers and dashboards, and by them on every read, so kept briefly; a changed flag
  // takes effect within kOptOutTtl. Any caller who asks sees the region's whole list, so
  // one entry serves them all.
  static constexpr absl::Duration kOptOutTtl = absl::Seconds(30);
  static constexpr size_t kMaxOptOutRegions = 1000;
  // A region's list is read in pages of this many, up to this many pages (a region with
  // more partnerships than that is refused as UNAVAILABLE rather than half-checked).
  static constexpr int kPartnershipPageSize = 500;
  static constexpr int kMaxPartnershipPages = 40;
  struct OptOuts {
    std::vector<std::string> partnerships;
    absl::Time valid_until;
  };
  std::mutex opt_outs_mu_;
  absl::flat_hash_map<std::string, OptOuts> opt_outs_;  // by region id
};

}  // namespace sixsteps::assessment
