// The data-set generator: writes the plan of bench/plan.h through the hub's public APIs
// (identity, assessment, actions), as a regional hub's people and integrations would, and
// finds what is there for the load scenarios.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench/hub_client.h"
#include "bench/plan.h"

namespace sixsteps::bench {

struct SeedOptions {
  DataSetOptions data;
  std::string region_id = "bench";
  // Partnerships are written this many at a time.
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

  std::string RegionName() const { return "regions/" + options_.region_id; }
  std::string PartnershipId(int index) const;

  // Creates the region if it is not there.
  absl::Status EnsureRegion();
  // Makes sure partnerships [0, count) are all seeded: each one not yet complete is
  // written (or finished) now. `progress` is called after each partnership.
  absl::Status SeedUpTo(int count, const std::function<void(int done, int total)>& progress);
  // Reads back partnerships [0, count) as the hub holds them.
  absl::StatusOr<std::vector<SeededPartnership>> Discover(int count);

  // Calls made by SeedUpTo so far.
  int64_t calls() const { return calls_.load(); }

 private:
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
};

}  // namespace sixsteps::bench
