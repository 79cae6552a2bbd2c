// The store's side of the response deadline reminders against a real PostgreSQL: a
// respondent's deadline kept from the feed (added, extended, removed), only for rounds still
// open for answers, and the notices it gives kept once however often the day is judged.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "services/notification/pg_store.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::notification {
namespace {

using ::sixsteps::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class NotificationDeadlineStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> url =
        ::sixsteps::testing::SharedPgCluster().CreateDatabase("deadline_store");
    ASSERT_THAT(url, IsOk());
    ASSERT_THAT(db::ApplyMigrations(*url, NotificationMigrations()), IsOk());
    pool_ = std::make_unique<db::ConnectionPool>(*url, 2);
    store_ = std::make_unique<PgNotificationStore>(pool_.get());
  }

  static av1::Change Round(int64_t sequence, av1::Assessment::State state) {
    av1::Change change;
    change.set_sequence(sequence);
    change.set_kind(sequence == 1 ? av1::CHANGE_KIND_ASSESSMENT_CREATED
                                  : av1::CHANGE_KIND_ASSESSMENT_STATE_CHANGED);
    change.set_partnership("partnerships/p");
    change.set_region("regions/r");
    change.set_assessment("assessments/a");
    av1::Assessment& round = *change.mutable_assessment_record();
    round.set_name("assessments/a");
    round.set_partnership("partnerships/p");
    round.set_region("regions/r");
    round.set_title("Self-assessment 2030");
    round.set_state(state);
    return change;
  }

  static av1::Change Respondent(int64_t sequence, av1::ChangeKind kind,
                                const std::string& deadline) {
    av1::Change change;
    change.set_sequence(sequence);
    change.set_kind(kind);
    change.set_partnership("partnerships/p");
    change.set_assessment("assessments/a");
    av1::Respondent& r = *change.mutable_respondent();
    r.set_name("assessments/a/respondents/r1");
    r.set_organisation("partnerships/p/organisations/police");
    r.set_response_deadline(deadline);
    return change;
  }

  absl::Status Apply(const std::vector<av1::Change>& changes) {
    return store_->ApplyChanges(changes, [](const av1::Change&, const ChangeFacts&) {
      return absl::StatusOr<std::vector<NewDelivery>>(std::vector<NewDelivery>());
    });
  }

  std::vector<std::string> Deadlines(absl::CivilDay horizon) {
    absl::StatusOr<std::vector<OpenDeadline>> open = store_->OpenDeadlinesBy(horizon);
    EXPECT_THAT(open, IsOk());
    std::vector<std::string> out;
    if (!open.ok()) return out;
    for (const OpenDeadline& d : *open) {
      out.push_back(absl::StrCat(d.assessment_id, "/", d.respondent.respondent_id, " ",
                                 absl::FormatCivilTime(d.deadline), " ", d.round_title, " ",
                                 d.respondent.organisation, " ", d.partnership_id, " ",
                                 d.region_id));
    }
    return out;
  }

  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<PgNotificationStore> store_;
};

TEST_F(NotificationDeadlineStoreTest, DeadlinesFollowTheFeedWhileTheRoundIsOpen) {
  const absl::CivilDay horizon(2030, 4, 7);
  ASSERT_THAT(Apply({Round(1, av1::Assessment::STATE_DRAFT),
                     Respondent(2, av1::CHANGE_KIND_RESPONDENT_ADDED, "2030-03-31")}),
              IsOk());
  EXPECT_THAT(Deadlines(horizon), ElementsAre("a/r1 2030-03-31 Self-assessment 2030 "
                                              "partnerships/p/organisations/police p r"));
  EXPECT_THAT(Deadlines(absl::CivilDay(2030, 3, 30)), IsEmpty());
  // Extended: the new deadline replaces the old one.
  ASSERT_THAT(Apply({Respondent(3, av1::CHANGE_KIND_RESPONSE_DEADLINE_EXTENDED, "2030-04-14")}),
              IsOk());
  EXPECT_THAT(Deadlines(horizon), IsEmpty());
  EXPECT_THAT(Deadlines(absl::CivilDay(2030, 4, 14)),
              ElementsAre(::testing::HasSubstr("a/r1 2030-04-14")));
  // The round moves on to review: its deadline is moot.
  ASSERT_THAT(Apply({Round(4, av1::Assessment::STATE_IN_REVIEW)}), IsOk());
  EXPECT_THAT(Deadlines(absl::CivilDay(2030, 4, 14)), IsEmpty());
}

TEST_F(NotificationDeadlineStoreTest, ARespondentWithoutADeadlineIsNeverReminded) {
  ASSERT_THAT(Apply({Round(1, av1::Assessment::STATE_DRAFT),
                     Respondent(2, av1::CHANGE_KIND_RESPONDENT_ADDED, "")}),
              IsOk());
  EXPECT_THAT(Deadlines(absl::CivilDay(2099, 1, 1)), IsEmpty());
}

TEST_F(NotificationDeadlineStoreTest, NoticesOfTheSameDeadlineAreKeptOnce) {
  ASSERT_THAT(Apply({Round(1, av1::Assessment::STATE_DRAFT),
                     Respondent(2, av1::CHANGE_KIND_RESPONDENT_ADDED, "2030-03-31")}),
              IsOk());
  absl::StatusOr<std::vector<OpenDeadline>> open =
      store_->OpenDeadlinesBy(absl::CivilDay(2030, 4, 7));
  ASSERT_THAT(open, IsOk());
  ASSERT_EQ(open->size(), 1u);
  PartnershipPeople people;
  people.partnership_id = "p";
  people.region_id = "r";
  people.bindings.push_back({{"users/pol", "pol@example.org", "Pol"},
                             auth::Role::ROLE_PARTNER_RESPONDENT,
                             "partnerships/p/organisations/police"});
  absl::StatusOr<TemplateSet> templates = TemplateSet::Load("");
  ASSERT_THAT(templates, IsOk());
  int kept = 0;
  // Judged on three days of the window, and again: one notice.
  for (int day : {24, 26, 29, 29}) {
    std::vector<NewDelivery> deliveries;
    for (const Notice& notice :
         NoticesForDeadline((*open)[0], absl::CivilDay(2030, 3, day), people, {})) {
      absl::StatusOr<Composed> composed = templates->Compose(notice);
      ASSERT_THAT(composed, IsOk());
      deliveries.push_back({notice, *composed, nv1::OutboxMessage::STATE_OUTBOX});
    }
    absl::StatusOr<int> inserted = store_->InsertDeliveries(deliveries);
    ASSERT_THAT(inserted, IsOk());
    kept += *inserted;
  }
  EXPECT_EQ(kept, 1);
}

}  // namespace
}  // namespace sixsteps::notification
