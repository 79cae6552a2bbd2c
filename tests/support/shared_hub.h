// One test hub for the cases of a suite (issue 14: "what stays an integration test shares
// one cluster per suite and resets tables between cases"). The suite's first case starts the
// hub and makes its world (regions, partnerships, users signed in); the rows of identity's,
// framework's and assessment's databases are then saved (DatabaseSnapshot), and each later
// case of the suite starts from them again: what a case wrote is gone, the world's tokens
// are the same. A case costs its own calls, not a hub and a dozen users.
//
// Only rows come back. Reporting, if a case started it, is stopped first (its cursor would
// be past the restored feed); the next case's StartReporting finds its account gone with the
// rows and starts a new one, as on a new hub. Otherwise a fixture shares its hub only if what
// its cases change lives in those rows: not with notification started, processes of its own
// still writing to the databases, or tokens revoked (the verifier remembers). Under ctest a binary
// of kind integration_cases runs one case per process, so nothing is shared there
// (SuiteRunsMoreThanOneCase); a binary run whole shares.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "services/base/status_macros.h"
#include "tests/support/database_snapshot.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {

// Signs in a new user of `hub` bound to `roles`: their access token, or "" after a failed
// EXPECT naming `email`.
inline std::string SignedInUser(const TestHub& hub, const std::string& email,
                                const std::vector<TestHub::Binding>& roles) {
  absl::StatusOr<std::string> token = hub.UserWithRoles(email, roles);
  EXPECT_THAT(token, IsOk()) << email;
  return token.ok() ? *token : std::string();
}

// Whether the suite of the running case runs more than that one case in this process.
inline bool SuiteRunsMoreThanOneCase() {
  const ::testing::TestSuite* suite = ::testing::UnitTest::GetInstance()->current_test_suite();
  return suite != nullptr && suite->test_to_run_count() > 1;
}

// The hub, the world's `People` (the fixture's tokens), and the rows to put back.
template <typename People>
class SharedHub {
 public:
  // Keeps `hub` and `people`, saving the rows of the hub's databases as they are now.
  static absl::StatusOr<std::unique_ptr<SharedHub>> Keep(std::unique_ptr<TestHub> hub,
                                                         People people) {
    std::vector<DatabaseSnapshot> rows;
    for (const std::string* url : {&hub->identity_database_url(), &hub->framework_database_url(),
                                   &hub->assessment_database_url()}) {
      SIXSTEPS_ASSIGN_OR_RETURN(DatabaseSnapshot snapshot, DatabaseSnapshot::Take(*url));
      rows.push_back(std::move(snapshot));
    }
    return std::unique_ptr<SharedHub>(
        new SharedHub(std::move(hub), std::move(people), std::move(rows)));
  }

  // Stops reporting (above) and puts the saved rows back.
  absl::Status Restore() const {
    hub_->StopReporting();
    for (const DatabaseSnapshot& snapshot : rows_) SIXSTEPS_RETURN_IF_ERROR(snapshot.Restore());
    return absl::OkStatus();
  }

  // Whether the world's access tokens (15 minutes) are young enough for another case; the
  // fixture makes a new world when they are not.
  bool Fresh() const { return absl::Now() - made_ < absl::Minutes(10); }

  TestHub* hub() const { return hub_.get(); }
  const People& people() const { return people_; }

 private:
  SharedHub(std::unique_ptr<TestHub> hub, People people, std::vector<DatabaseSnapshot> rows)
      : hub_(std::move(hub)), people_(std::move(people)), rows_(std::move(rows)) {}
  std::unique_ptr<TestHub> hub_;
  People people_;
  std::vector<DatabaseSnapshot> rows_;
  absl::Time made_ = absl::Now();
};

// A fixture whose cases share the suite's hub when they run in one process, each with the
// world's `People` (a struct of the fixture's tokens, which the fixture derives from).
template <typename People>
class SharedHubTest : public ::testing::Test, protected People {
 protected:
  // Whether the suite's cases may share one hub (see the top of this file). A fixture whose
  // cases start reporting, replicas or processes on the hub's databases says false.
  virtual bool SharesHub() const { return true; }
  // Makes the world on hub_ and fills in People; ASSERTs as it goes.
  virtual void MakePeople() = 0;

  static void TearDownTestSuite() { shared_.reset(); }

  // Sets hub_ to the suite's hub, its rows put back, or to a hub of this case's own named
  // `name` with the world made; for the fixture's SetUp, which returns on a fatal failure.
  void SetUpHub(const std::string& name) {
    if (shared_ != nullptr && (!SharesHub() || !shared_->Fresh())) shared_.reset();
    if (shared_ != nullptr) {
      ASSERT_THAT(shared_->Restore(), IsOk());
      hub_ = shared_->hub();
      static_cast<People&>(*this) = shared_->people();
      return;
    }
    auto hub = TestHub::Start(name);
    ASSERT_THAT(hub, IsOk());
    own_hub_ = std::move(*hub);
    hub_ = own_hub_.get();
    MakePeople();
    ASSERT_FALSE(::testing::Test::HasFailure());
    if (SharesHub() && SuiteRunsMoreThanOneCase()) {
      auto shared = SharedHub<People>::Keep(std::move(own_hub_), static_cast<People&>(*this));
      ASSERT_THAT(shared, IsOk());
      shared_ = std::move(*shared);
    }
  }

  // The suite's hub when its cases share one, else this case's own.
  static inline std::unique_ptr<SharedHub<People>> shared_;
  std::unique_ptr<TestHub> own_hub_;
  TestHub* hub_ = nullptr;
};

}  // namespace sixsteps::testing
