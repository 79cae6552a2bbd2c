// Evidence files attached to voice records (issue 16), end to end over a real hub: a record
// names files of its partnership (evidence_attachments.h); each refusal writes nothing
// (another partnership's file, an unknown one, a malformed or repeated name, too many, an
// OFFICIAL-SENSITIVE file on an OFFICIAL record); the feed carries the names, and an
// OFFICIAL-SENSITIVE record's change shows a region viewer no names. Purging a file keeps it
// named by the records it supported (they can still be written back as they are) and scrubs
// the feed: replayed from 0, it no longer holds the purged file's name or description, nor,
// once the record is purged too, the record's title or quotes.
#include "services/assessment/evidence_attachments.h"
#include "tests/integration/retention_fixture.h"
#include "tests/support/voice_record_samples.h"

namespace sixsteps::testing::assessment_test {
namespace {

using ::testing::ElementsAre;

class EvidenceAttachmentsTest : public RetentionTest {
 protected:
  av1::EvidenceFile MustUploadClassified(const std::string& file_name,
                                         av1::Classification classification, int seed,
                                         const std::string& token = "",
                                         const std::string& partnership = kPartnership) {
    av1::EvidenceFileUpload metadata = Metadata(file_name, classification);
    metadata.set_partnership(partnership);
    return MustUpload(token.empty() ? admin_ : token, metadata, CsvBytes(16 * 1024, seed));
  }

  static av1::EngagementRecord Engagement(
      const std::string& title, const std::vector<std::string>& files,
      av1::Classification classification = av1::CLASSIFICATION_OFFICIAL) {
    av1::EngagementRecord record = PractitionersFocusGroup(title, classification);
    record.add_quotes("Nobody told us what happened after we referred");
    for (const std::string& f : files) record.add_evidence_files(f);
    return record;
  }

  grpc::Status Create(const av1::Assessment& round, const av1::EngagementRecord& record,
                      av1::EngagementRecord* out, const std::string& token = "") {
    av1::CreateEngagementRecordRequest request;
    request.set_parent(round.name());
    *request.mutable_engagement_record() = record;
    return Invoke(voice_.get(), &VStub::CreateEngagementRecord, token.empty() ? admin_ : token,
                  request, out);
  }

  grpc::Status Update(const av1::EngagementRecord& record, av1::EngagementRecord* out) {
    av1::UpdateEngagementRecordRequest request;
    *request.mutable_engagement_record() = record;
    return Invoke(voice_.get(), &VStub::UpdateEngagementRecord, admin_, request, out);
  }

  // A refused create: its status, and that nothing was written (no record, no change).
  void ExpectRefused(const av1::Assessment& round, const av1::EngagementRecord& record,
                     const std::string& message) {
    const int64_t head = FeedHead();
    const int64_t records = Rows("voice_records");
    av1::EngagementRecord out;
    EXPECT_THAT(Create(round, record, &out), StatusIs(Code::kInvalidArgument, message))
        << record.ShortDebugString();
    EXPECT_EQ(FeedHead(), head);
    EXPECT_EQ(Rows("voice_records"), records);
  }

  // Whether any change of the partnership, replayed from 0 as its administrator, holds `text`.
  bool FeedHolds(const std::string& text) {
    for (const av1::Change& change : AllChanges(admin_, 0, kPartnership)) {
      if (change.SerializeAsString().find(text) != std::string::npos) return true;
    }
    return false;
  }
};

TEST_F(EvidenceAttachmentsTest, RecordsNameFilesOfTheirPartnershipAndEachRefusalWritesNothing) {
  av1::Assessment round =
      ReadyRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, fv1::RATING_GREEN, false);
  av1::EvidenceFile minutes = MustUploadClassified("minutes.csv", av1::CLASSIFICATION_OFFICIAL, 1);
  av1::EvidenceFile survey = MustUploadClassified("survey.csv", av1::CLASSIFICATION_OFFICIAL, 2);
  av1::EvidenceFile sensitive =
      MustUploadClassified("case-notes.csv", av1::CLASSIFICATION_OFFICIAL_SENSITIVE, 3);
  const std::string other_admin = MustUser(
      "admin@plymouth.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, kOtherPartnership, ""}});
  av1::EvidenceFile others = MustUploadClassified("plymouth.csv", av1::CLASSIFICATION_OFFICIAL, 4,
                                                  other_admin, kOtherPartnership);

  av1::EngagementRecord created;
  ASSERT_THAT(
      Create(round, Engagement("Practitioners' forum", {minutes.name(), survey.name()}), &created),
      IsOk());
  EXPECT_THAT(created.evidence_files(), ElementsAre(minutes.name(), survey.name()));
  av1::GetEngagementRecordRequest get;
  get.set_name(created.name());
  av1::EngagementRecord read;
  ASSERT_THAT(Invoke(voice_.get(), &VStub::GetEngagementRecord, region_viewer_, get, &read),
              IsOk());
  EXPECT_THAT(read.evidence_files(), ElementsAre(minutes.name(), survey.name()));

  // Tenancy: another partnership's file is as unknown as one never uploaded.
  ExpectRefused(round, Engagement("Forum", {others.name()}), "no evidence file");
  ExpectRefused(round, Engagement("Forum", {"evidenceFiles/ef-never-uploaded"}),
                "no evidence file");
  ExpectRefused(round, Engagement("Forum", {"files/minutes"}), "evidence_files[0]");
  ExpectRefused(round, Engagement("Forum", {minutes.name(), survey.name(), minutes.name()}),
                "evidence_files[2]: 'evidenceFiles/");
  std::vector<std::string> too_many(assessment::kMaxAttachedFiles + 1, minutes.name());
  ExpectRefused(round, Engagement("Forum", too_many), "at most 20 files");
  // An OFFICIAL record may not name an OFFICIAL-SENSITIVE file...
  ExpectRefused(round, Engagement("Forum", {sensitive.name()}), "OFFICIAL-SENSITIVE file");
  // ...nor become OFFICIAL while it names one.
  av1::EngagementRecord secret;
  ASSERT_THAT(Create(round,
                     Engagement("Family-led audit", {sensitive.name()},
                                av1::CLASSIFICATION_OFFICIAL_SENSITIVE),
                     &secret),
              IsOk());
  av1::EngagementRecord downgraded = secret;
  downgraded.set_classification(av1::CLASSIFICATION_OFFICIAL);
  av1::EngagementRecord out;
  EXPECT_THAT(Update(downgraded, &out),
              StatusIs(Code::kInvalidArgument, "OFFICIAL-SENSITIVE file"));
  // An update replaces the list: a file dropped, another added.
  av1::EngagementRecord edited = created;
  edited.clear_evidence_files();
  edited.add_evidence_files(survey.name());
  ASSERT_THAT(Update(edited, &out), IsOk());
  EXPECT_THAT(out.evidence_files(), ElementsAre(survey.name()));

  // The feed carries the names; the sensitive record's change shows a region viewer none.
  bool seen_official = false, seen_sensitive = false;
  for (const av1::Change& change : AllChanges(region_viewer_, 0, kPartnership)) {
    if (!change.has_engagement_record()) continue;
    const av1::EngagementRecord& r = change.engagement_record();
    if (r.name() == created.name()) {
      seen_official = true;
      EXPECT_FALSE(r.evidence_files().empty());
    }
    if (r.name() == secret.name()) {
      seen_sensitive = true;
      EXPECT_TRUE(r.evidence_files().empty());
      EXPECT_TRUE(r.title().empty());
    }
  }
  EXPECT_TRUE(seen_official);
  EXPECT_TRUE(seen_sensitive);
}

TEST_F(EvidenceAttachmentsTest, PurgeKeepsTheNameAndScrubsTheFeedReplayedFromZero) {
  av1::RetentionPolicy policy;
  ASSERT_THAT(SetPolicy(admin_, /*file_years=*/1, /*engagement_years=*/2, "", &policy), IsOk());
  av1::Assessment round =
      ReadyRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, fv1::RATING_GREEN, true, {}, "Purged");
  av1::EvidenceFileUpload metadata = Metadata("forum-notes-kestrel.csv");
  metadata.set_assessment(round.name());
  metadata.set_description("Notes of the Kestrel forum");
  av1::EvidenceFile file = MustUpload(admin_, metadata, CsvBytes(16 * 1024, 9));
  av1::EngagementRecord record;
  ASSERT_THAT(Create(round, Engagement("Osprey forum on thresholds", {file.name()}), &record),
              IsOk());
  round = MustFinalise(round);
  ASSERT_TRUE(FeedHolds("forum-notes-kestrel.csv"));
  ASSERT_TRUE(FeedHolds("Notes of the Kestrel forum"));
  ASSERT_TRUE(FeedHolds("Osprey forum on thresholds"));
  const size_t changes_before = AllChanges(admin_, 0, kPartnership).size();

  // The file's purge: its name stays on the record, and nothing in the feed names it by its
  // file name or description any more; every change is still there (cursors move past).
  EXPECT_THAT(PurgeAt(DayStartYearsAfter(round.finalise_time(), 1)), ElementsAre(file.name()));
  EXPECT_FALSE(FeedHolds("forum-notes-kestrel.csv"));
  EXPECT_FALSE(FeedHolds("Notes of the Kestrel forum"));
  EXPECT_TRUE(FeedHolds("Osprey forum on thresholds"));
  EXPECT_EQ(AllChanges(admin_, 0, kPartnership).size(), changes_before + 1);  // + the tombstone
  av1::GetEngagementRecordRequest get;
  get.set_name(record.name());
  av1::EngagementRecord kept;
  ASSERT_THAT(Invoke(voice_.get(), &VStub::GetEngagementRecord, admin_, get, &kept), IsOk());
  EXPECT_THAT(kept.evidence_files(), ElementsAre(file.name()));
  std::vector<av1::Tombstone> tombstones = Tombstones();
  ASSERT_THAT(tombstones, SizeIs(1));
  EXPECT_EQ(tombstones[0].purged_resource(), file.name());

  // Two years on: the record's purge scrubs its title and quotes from the feed too.
  EXPECT_THAT(PurgeAt(DayStartYearsAfter(round.finalise_time(), 2)), ElementsAre(record.name()));
  EXPECT_FALSE(FeedHolds("Osprey forum on thresholds"));
  EXPECT_FALSE(FeedHolds("Nobody told us what happened"));
  bool seen = false;
  for (const av1::Change& change : AllChanges(admin_, 0, kPartnership)) {
    if (change.has_engagement_record() && change.engagement_record().name() == record.name()) {
      seen = true;
      EXPECT_EQ(change.kind(), av1::CHANGE_KIND_ENGAGEMENT_RECORD_CREATED);
    }
  }
  EXPECT_TRUE(seen);
}

TEST_F(EvidenceAttachmentsTest, ARecordNamingAPurgedFileIsWrittenBackButANewRecordCannotNameIt) {
  av1::RetentionPolicy policy;
  ASSERT_THAT(SetPolicy(admin_, /*file_years=*/1, /*engagement_years=*/0, "", &policy), IsOk());
  // A file of no round expires from its upload; the round it supports stays open.
  av1::EvidenceFile file = MustUploadClassified("minutes.csv", av1::CLASSIFICATION_OFFICIAL, 21);
  av1::Assessment round =
      ReadyRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, fv1::RATING_GREEN, false, {}, "Open");
  av1::EngagementRecord record;
  ASSERT_THAT(Create(round, Engagement("Forum", {file.name()}), &record), IsOk());
  ASSERT_THAT(PurgeAt(DayStartYearsAfter(file.upload_time(), 1)), ElementsAre(file.name()));

  av1::EngagementRecord edited = record;
  edited.set_title("Forum, revisited");
  av1::EngagementRecord out;
  ASSERT_THAT(Update(edited, &out), IsOk());
  EXPECT_THAT(out.evidence_files(), ElementsAre(file.name()));
  ExpectRefused(round, Engagement("Another forum", {file.name()}), "no evidence file");
}

}  // namespace
}  // namespace sixsteps::testing::assessment_test
