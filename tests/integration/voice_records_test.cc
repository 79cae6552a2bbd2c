// VoiceService over real servers (issue 16): engagement records, multi-agency case audits and
// learning reviews of a round: create, get, list, update; each refusal writes nothing;
// OFFICIAL-SENSITIVE records stay with the partnership's own roles (also in the feed); audits
// and reviews keep their links to the round's actions.
#include "tests/integration/assessment_fixture.h"
#include "tests/support/voice_record_samples.h"
#include "tests/support/voice_samples.h"

namespace sixsteps::testing::assessment_test {
namespace {

using VStub = av1::VoiceService::Stub;

av1::EngagementRecord Forum(const std::string& title = "Young people's forum on online safety") {
  av1::EngagementRecord record;
  record.set_title(title);
  record.set_date("2025-05-14");
  record.add_participant_groups(av1::PARTICIPANT_GROUP_CHILDREN_AND_YOUNG_PEOPLE);
  record.set_method(av1::ENGAGEMENT_METHOD_YOUNG_PEOPLES_FORUM);
  record.set_participant_count(32);
  record.add_age_bands(av1::AGE_BAND_11_TO_15);
  record.add_age_bands(av1::AGE_BAND_16_TO_17);
  record.add_themes("Not knowing who to tell");
  record.add_quotes("I didn't know the school nurse could help");
  av1::YouSaidWeDid* change = record.add_changes();
  change->set_you_said("We don't know who to tell");
  change->set_we_did("Posters and an assembly in every secondary school");
  record.add_step_ids("s3");
  record.add_question_ids("s3.q1");
  return record;
}

class VoiceRecordsTest : public AssessmentServiceTest {
 protected:
  void SetUp() override {
    AssessmentServiceTest::SetUp();
    voice_ = hub_->VoiceStub();
    round_ = MustCreate(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, admin_);
  }

  template <typename Request, typename Response>
  grpc::Status V(Rpc<VStub, Request, Response> method, const std::string& token,
                 const Request& request, Response* response) {
    return Invoke(voice_.get(), method, token, request, response);
  }

  grpc::Status CreateEngagement(const std::string& token, const av1::EngagementRecord& record,
                                av1::EngagementRecord* created,
                                const std::string& request_id = "") {
    av1::CreateEngagementRecordRequest request;
    request.set_parent(round_.name());
    *request.mutable_engagement_record() = record;
    request.set_request_id(request_id);
    return V(&VStub::CreateEngagementRecord, token, request, created);
  }

  av1::CaseAudit Audit() const {
    av1::CaseAudit audit = NeglectCaseAudit({Org(kLa), Org(kHealth)});
    audit.add_step_ids("s4");
    return audit;
  }

  av1::LearningReview Review() const {
    av1::LearningReview review = ChildQRapidReview();
    review.add_question_ids("s5.q2");
    return review;
  }

  std::unique_ptr<VStub> voice_;
  av1::Assessment round_;
};

TEST_F(VoiceRecordsTest, EngagementRecordIsCreatedReadListedAndUpdatedWithItsChanges) {
  const int64_t head = FeedHead();
  av1::EngagementRecord created;
  ASSERT_THAT(CreateEngagement(admin_, Forum(), &created, "forum-1"), IsOk());
  EXPECT_THAT(created.name(), HasSubstr(round_.name() + "/engagementRecords/eng"));
  EXPECT_EQ(created.classification(), av1::CLASSIFICATION_OFFICIAL);
  EXPECT_EQ(created.participant_count(), 32);
  EXPECT_FALSE(created.etag().empty());
  EXPECT_EQ(created.creator(), PrincipalOf(admin_));

  // A retry with the same request id returns the first record, and writes nothing more.
  av1::EngagementRecord again;
  ASSERT_THAT(CreateEngagement(admin_, Forum(), &again, "forum-1"), IsOk());
  EXPECT_EQ(again.name(), created.name());

  av1::GetEngagementRecordRequest get;
  get.set_name(created.name());
  av1::EngagementRecord read;
  ASSERT_THAT(V(&VStub::GetEngagementRecord, scrutineer_, get, &read), IsOk());
  EXPECT_TRUE(MessageDifferencer::Equals(read, created)) << read.DebugString();

  av1::EngagementRecord second;
  ASSERT_THAT(CreateEngagement(admin_, Forum("Parents' survey"), &second), IsOk());
  av1::ListEngagementRecordsRequest list;
  list.set_parent(round_.name());
  list.set_page_size(1);
  av1::ListEngagementRecordsResponse page;
  ASSERT_THAT(V(&VStub::ListEngagementRecords, respondent_[kLa], list, &page), IsOk());
  ASSERT_EQ(page.engagement_records_size(), 1);
  ASSERT_FALSE(page.next_page_token().empty());
  list.set_page_token(page.next_page_token());
  av1::ListEngagementRecordsResponse rest;
  ASSERT_THAT(V(&VStub::ListEngagementRecords, respondent_[kLa], list, &rest), IsOk());
  ASSERT_EQ(rest.engagement_records_size(), 1);
  EXPECT_TRUE(rest.next_page_token().empty());
  EXPECT_NE(page.engagement_records(0).name(), rest.engagement_records(0).name());

  av1::UpdateEngagementRecordRequest update;
  *update.mutable_engagement_record() = created;
  update.mutable_engagement_record()->set_participant_count(40);
  av1::EngagementRecord updated;
  ASSERT_THAT(V(&VStub::UpdateEngagementRecord, scrutineer_, update, &updated), IsOk());
  EXPECT_EQ(updated.participant_count(), 40);
  EXPECT_EQ(updated.creator(), created.creator());
  EXPECT_EQ(updated.update_by(), scrutineer_user_);
  EXPECT_NE(updated.etag(), created.etag());
  // The old etag is stale now; none at all is malformed.
  EXPECT_THAT(V(&VStub::UpdateEngagementRecord, scrutineer_, update, &updated),
              StatusIs(Code::kAborted));
  update.mutable_engagement_record()->clear_etag();
  EXPECT_THAT(V(&VStub::UpdateEngagementRecord, scrutineer_, update, &updated),
              StatusIs(Code::kInvalidArgument, "engagement_record.etag"));

  // Three changes: two creations and the update, each with the record as it stood.
  av1::ListChangesRequest changes;
  changes.set_after_sequence(head);
  av1::ListChangesResponse feed = Must(&AStub::ListChanges, hub_->admin_token(), changes);
  std::vector<av1::ChangeKind> kinds;
  for (const av1::Change& change : feed.changes()) {
    if (change.has_engagement_record()) kinds.push_back(change.kind());
  }
  EXPECT_THAT(kinds, ElementsAre(av1::CHANGE_KIND_ENGAGEMENT_RECORD_CREATED,
                                 av1::CHANGE_KIND_ENGAGEMENT_RECORD_CREATED,
                                 av1::CHANGE_KIND_ENGAGEMENT_RECORD_UPDATED));
  EXPECT_EQ(feed.changes(feed.changes_size() - 1).engagement_record().participant_count(), 40);
  EXPECT_EQ(feed.changes(0).assessment(), round_.name());
  EXPECT_EQ(feed.changes(0).partnership(), kPartnership);
}

TEST_F(VoiceRecordsTest, EachRefusalWritesNothing) {
  acv1::Action action;
  ASSERT_THAT(CreateAction(admin_, round_, "s4", {"s4.q1"}, &action), IsOk());
  const std::string viewer =
      MustUser("viewer@sunderland.test", {{Role::ROLE_VIEWER, kPartnership, ""}});
  struct Case {
    std::string what;
    Code code;
    std::string field;
    std::function<grpc::Status()> call;
  };
  auto engagement = [&](std::function<void(av1::EngagementRecord&)> change,
                        const std::string& token = "") {
    return [this, change, token] {
      av1::EngagementRecord record = Forum();
      change(record);
      av1::EngagementRecord created;
      return CreateEngagement(token.empty() ? admin_ : token, record, &created);
    };
  };
  auto audit = [&](std::function<void(av1::CaseAudit&)> change) {
    return [this, change] {
      av1::CreateCaseAuditRequest request;
      request.set_parent(round_.name());
      *request.mutable_case_audit() = Audit();
      change(*request.mutable_case_audit());
      av1::CaseAudit created;
      return V(&VStub::CreateCaseAudit, admin_, request, &created);
    };
  };
  auto review = [&](std::function<void(av1::LearningReview&)> change) {
    return [this, change] {
      av1::CreateLearningReviewRequest request;
      request.set_parent(round_.name());
      *request.mutable_learning_review() = Review();
      change(*request.mutable_learning_review());
      av1::LearningReview created;
      return V(&VStub::CreateLearningReview, admin_, request, &created);
    };
  };
  const std::vector<Case> cases = {
      {"a quote with an NHS number", Code::kInvalidArgument,
       "engagement_record.quotes[1]: looks like an NHS number",
       engagement([](auto& r) { r.add_quotes("My NHS number is 943 476 5919"); })},
      {"a theme with a postcode", Code::kInvalidArgument,
       "engagement_record.themes[0]: looks like a postcode",
       engagement([](auto& r) { r.set_themes(0, "Families near SR1 3AA"); })},
      {"a date of birth in what we did", Code::kInvalidArgument,
       "engagement_record.changes[0].we_did: looks like a date of birth",
       engagement([](auto& r) { r.mutable_changes(0)->set_we_did("Met the boy (DOB 3/4/2012)"); })},
      {"nobody took part", Code::kInvalidArgument, "engagement_record.participant_count",
       engagement([](auto& r) { r.set_participant_count(0); })},
      {"no group heard", Code::kInvalidArgument, "engagement_record.participant_groups",
       engagement([](auto& r) { r.clear_participant_groups(); })},
      {"an age band twice", Code::kInvalidArgument, "engagement_record.age_bands[2]",
       engagement([](auto& r) { r.add_age_bands(av1::AGE_BAND_11_TO_15); })},
      {"a question not in the framework", Code::kInvalidArgument,
       "engagement_record.question_ids[0]",
       engagement([](auto& r) { r.set_question_ids(0, "s9.q9"); })},
      {"too many quotes", Code::kInvalidArgument, "engagement_record.quotes",
       engagement([](auto& r) {
         for (int i = 0; i < 60; ++i) r.add_quotes("More");
       })},
      {"a viewer writing", Code::kPermissionDenied, "", engagement([](auto&) {}, viewer)},
      {"another tenant writing", Code::kNotFound, "", engagement([](auto&) {}, outsider_)},
      {"grades that do not add up", Code::kInvalidArgument, "case_audit.grades",
       audit([](auto& a) { a.set_case_count(13); })},
      {"an agency of another partnership", Code::kInvalidArgument, "case_audit.agencies[2]",
       audit([](auto& a) { a.add_agencies("partnerships/plymouth/organisations/police"); })},
      {"an action that does not exist", Code::kInvalidArgument, "case_audit.actions",
       audit([](auto& a) { a.add_actions("actions/act-nothing"); })},
      {"a finding with an email", Code::kInvalidArgument,
       "case_audit.findings[0]: looks like an email address",
       audit([](auto& a) { a.set_findings(0, "Social worker jo@council.gov.uk"); })},
      {"completed before it started", Code::kInvalidArgument, "learning_review.completion_date",
       review([](auto& r) { r.set_completion_date("2025-01-01"); })},
      {"a recommendation with a phone number", Code::kInvalidArgument,
       "learning_review.recommendations[0].text: looks like a phone number",
       review([](auto& r) { r.mutable_recommendations(0)->set_text("Call mum on 07700 900123"); })},
      {"no type", Code::kInvalidArgument, "learning_review.type",
       review([](auto& r) { r.clear_type(); })},
  };
  for (const Case& c : cases) {
    const std::string before = Fingerprint(round_);
    EXPECT_THAT(c.call(), StatusIs(c.code, c.field)) << c.what;
    EXPECT_EQ(Fingerprint(round_), before) << c.what << " wrote something";
  }
  // The same audit with the round's action passes: the refusal was the missing action's.
  av1::CreateCaseAuditRequest request;
  request.set_parent(round_.name());
  *request.mutable_case_audit() = Audit();
  request.mutable_case_audit()->add_actions(action.name());
  av1::CaseAudit created;
  ASSERT_THAT(V(&VStub::CreateCaseAudit, admin_, request, &created), IsOk());
  EXPECT_THAT(created.actions(), ElementsAre(action.name()));
}

TEST_F(VoiceRecordsTest, SensitiveRecordsStayWithThePartnershipsOwnRoles) {
  av1::EngagementRecord record = Forum("Family-led audit of child protection conferences");
  record.set_classification(av1::CLASSIFICATION_OFFICIAL_SENSITIVE);
  // The region's hub administrator may write the round's records, but not sensitive ones.
  av1::EngagementRecord created;
  EXPECT_THAT(CreateEngagement(hub_admin_, record, &created),
              StatusIs(Code::kPermissionDenied, "OFFICIAL-SENSITIVE"));
  const int64_t head = FeedHead();
  ASSERT_THAT(CreateEngagement(admin_, record, &created), IsOk());
  av1::EngagementRecord official;
  ASSERT_THAT(CreateEngagement(admin_, Forum(), &official), IsOk());

  const std::string dashboard = MustUser(
      "dashboard@north-east.test", {{Role::ROLE_DASHBOARD, absl::StrCat("regions/", kRegion), ""}});
  av1::GetEngagementRecordRequest get;
  get.set_name(created.name());
  av1::EngagementRecord read;
  for (const std::string& region_wide : {hub_admin_, dashboard, hub_->admin_token()}) {
    EXPECT_THAT(V(&VStub::GetEngagementRecord, region_wide, get, &read), StatusIs(Code::kNotFound));
    av1::ListEngagementRecordsRequest list;
    list.set_parent(round_.name());
    av1::ListEngagementRecordsResponse listed;
    ASSERT_THAT(V(&VStub::ListEngagementRecords, region_wide, list, &listed), IsOk());
    ASSERT_EQ(listed.engagement_records_size(), 1);
    EXPECT_EQ(listed.engagement_records(0).name(), official.name());
    // Updating it is as if it did not exist.
    av1::UpdateEngagementRecordRequest update;
    *update.mutable_engagement_record() = created;
    av1::EngagementRecord updated;
    EXPECT_THAT(V(&VStub::UpdateEngagementRecord, region_wide, update, &updated),
                StatusIs(Code::kNotFound));
  }
  // The partnership's own roles read it, a respondent too.
  for (const std::string& own : {admin_, scrutineer_, respondent_[kPolice]}) {
    ASSERT_THAT(V(&VStub::GetEngagementRecord, own, get, &read), IsOk());
    EXPECT_EQ(read.title(), created.title());
  }

  // In the feed, a region-wide reader sees that it changed, and nothing of it.
  av1::ListChangesRequest changes;
  changes.set_after_sequence(head);
  av1::ListChangesResponse feed = Must(&AStub::ListChanges, hub_admin_, changes);
  ASSERT_GE(feed.changes_size(), 2);
  EXPECT_EQ(feed.changes(0).engagement_record().name(), created.name());
  EXPECT_EQ(feed.changes(0).engagement_record().classification(),
            av1::CLASSIFICATION_OFFICIAL_SENSITIVE);
  EXPECT_EQ(feed.changes(0).engagement_record().title(), "");
  EXPECT_EQ(feed.changes(0).engagement_record().quotes_size(), 0);
  EXPECT_EQ(feed.changes(1).engagement_record().title(), official.title());
  av1::ListChangesResponse own = Must(&AStub::ListChanges, admin_, changes);
  EXPECT_EQ(own.changes(0).engagement_record().title(), created.title());
}

TEST_F(VoiceRecordsTest, AuditsAndReviewsKeepTheirActionsAndAFinalisedRoundIsReadOnly) {
  acv1::Action action;
  ASSERT_THAT(CreateAction(admin_, round_, "s5", {"s5.q2"}, &action), IsOk());
  av1::CreateLearningReviewRequest create;
  create.set_parent(round_.name());
  *create.mutable_learning_review() = Review();
  create.mutable_learning_review()->mutable_recommendations(0)->add_actions(action.name());
  av1::LearningReview review;
  ASSERT_THAT(V(&VStub::CreateLearningReview, scrutineer_, create, &review), IsOk());
  EXPECT_THAT(review.recommendations(0).actions(), ElementsAre(action.name()));
  av1::GetLearningReviewRequest get;
  get.set_name(review.name());
  av1::LearningReview read;
  ASSERT_THAT(V(&VStub::GetLearningReview, hub_admin_, get, &read), IsOk());
  EXPECT_EQ(read.type(), av1::LEARNING_REVIEW_TYPE_RAPID_REVIEW);

  av1::UpdateLearningReviewRequest publish;
  *publish.mutable_learning_review() = read;
  publish.mutable_learning_review()->set_status(av1::LEARNING_REVIEW_STATUS_PUBLISHED);
  publish.mutable_learning_review()->set_publication_date("2025-04-01");
  av1::LearningReview published;
  ASSERT_THAT(V(&VStub::UpdateLearningReview, admin_, publish, &published), IsOk());
  EXPECT_EQ(published.status(), av1::LEARNING_REVIEW_STATUS_PUBLISHED);

  av1::ListCaseAuditsRequest audits;
  audits.set_parent(round_.name());
  av1::ListCaseAuditsResponse none;
  ASSERT_THAT(V(&VStub::ListCaseAudits, admin_, audits, &none), IsOk());
  EXPECT_EQ(none.case_audits_size(), 0);
  av1::ListCaseAuditsResponse other;
  EXPECT_THAT(V(&VStub::ListCaseAudits, outsider_, audits, &other), StatusIs(Code::kNotFound));

  // Once the round is finalised, its records are read-only.
  av1::Assessment ready = ReadyRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, fv1::RATING_GREEN, true);
  av1::Assessment finalised;
  ASSERT_THAT(Finalise(admin_, ready, &finalised), IsOk());
  av1::CreateEngagementRecordRequest late;
  late.set_parent(finalised.name());
  *late.mutable_engagement_record() = Forum();
  av1::EngagementRecord refused;
  EXPECT_THAT(V(&VStub::CreateEngagementRecord, admin_, late, &refused),
              StatusIs(Code::kFailedPrecondition));
}

}  // namespace
}  // namespace sixsteps::testing::assessment_test
