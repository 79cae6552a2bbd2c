// The data-set generator: writes the plan of bench/plan.h through the hub's public APIs
// (identity, assessment, actions), as a regional hub's people and integrations would, and
// finds what is there for the load scenarios.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench/hub_client.h"
#include "bench/plan.h"

namespace sixsteps::bench {

struct SeedOptions {
  DataSetOptions data;
  // The regions partnerships are dealt over, round-robin by index (bench/plan.h's layout):
  // one region holds them all.
  std::vector<std::string> region_ids = {"bench"};
  // Partnerships are written (and read back) this many at a time.
  int threads = 8;
};

// What the load scenarios need of one seeded partnership.
struct SeededPartnership {
  std::string name;                            // "partnerships/…"
  std::vector<std::string> finalised_rounds;   // "assessments/…", oldest first
  std::string draft_round;                     // the current year's, in progress
  std::vector<std::string> draft_respondents;  // its respondents' names
};

class Seeder {
 public:
  // `admin` signs in as a hub administrator of the whole deployment.
  Seeder(HubStubs& hub, TokenSource& admin, SeedOptions options)
      : hub_(hub), admin_(admin), options_(std::move(options)) {}

  int regions() const { return static_cast<int>(options_.region_ids.size()); }
  std::string RegionName(int region = 0) const { return "regions/" + options_.region_ids[region]; }
  // "<its region's id>-p0001" for index 0.
  std::string PartnershipId(int index) const;

  // Creates each region that is not there.
  absl::Status EnsureRegions();
  // Makes sure partnerships [0, count) are all seeded: each one not yet complete is
  // written (or finished) now; those this seeder already saw complete are not asked again.
  // `progress` is called after each partnership.
  absl::Status SeedUpTo(int count, const std::function<void(int done, int total)>& progress);
  // Reads back, as the hub holds them, those of partnerships [0, count) dealt to `region`,
  // in index order; each is read once per seeder.
  absl::StatusOr<std::vector<SeededPartnership>> Discover(int count, int region = 0);

  // Calls made by SeedUpTo so far, and partnerships it found incomplete and wrote.
  int64_t calls() const { return calls_.load(); }
  int64_t written() const { return written_.load(); }

 private:
  // Runs `work` for each index of [from, to) on options_.threads threads; the first error
  // stops the rest and is returned, naming the index's partnership.
  absl::Status ForEachPartnership(int from, int to, const std::function<absl::Status(int)>& work,
                                  const std::function<void(int done, int total)>& progress);
  absl::StatusOr<SeededPartnership> DiscoverOne(int index, const std::string& admin);
  absl::Status SeedPartnership(const PartnershipPlan& plan);
  absl::Status RecordRound(const PartnershipPlan& plan, const RoundPlan& round,
                           const std::string& token);
  template <typename Stub, typename Request, typename Response>
  absl::Status Do(Stub& stub,
                  grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                  const std::string& token, const Request& request, Response* response,
                  const char* what) {
    calls_.fetch_add(1);
    return Call(stub, method, token, request, response, what);
  }

  HubStubs& hub_;
  TokenSource& admin_;
  const SeedOptions options_;
  std::atomic<int64_t> calls_{0};
  std::atomic<int64_t> written_{0};
  // Partnerships [0, complete_) were complete when this seeder last looked.
  int complete_ = 0;
  std::mutex discovered_mu_;
  std::map<int, SeededPartnership> discovered_;  // by index
};

}  // namespace sixsteps::bench
