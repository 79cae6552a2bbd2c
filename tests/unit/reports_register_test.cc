// The evidence and voice report builders (issue 16, H5) as plain functions: what each
// counts, and that OFFICIAL-SENSITIVE material is shown only to callers who may read it,
// whatever the read model happens to hold.
#include "services/reporting/reports_register.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/reporting/http_download.h"
#include "services/reporting/render.h"

namespace sixsteps::reporting {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

RoundData Round() {
  RoundData round;
  round.assessment.set_name("assessments/a-1");
  round.assessment.set_partnership("partnerships/p");
  round.assessment.set_title("2025/26");
  round.partnership_name = "Sunderland";
  fv1::Step* step = round.framework.add_steps();
  step->set_id("s1");
  step->set_title("Step 1");
  fv1::Question* q = step->add_questions();
  q->set_id("s1.q1");
  q->set_text("Is there a plan?");
  av1::Respondent* police = &round.respondents.emplace_back();
  police->set_name("assessments/a-1/respondents/r1");
  police->set_organisation("partnerships/p/organisations/police");
  round.organisation_names["partnerships/p/organisations/police"] = "Police";
  av1::Response& answer = round.responses.emplace_back();
  answer.set_name("assessments/a-1/respondents/r1/responses/s1.q1");
  answer.set_question_id("s1.q1");
  av1::EvidenceItem* link = answer.add_evidence();
  link->set_description("Plan on the website");
  link->set_link("https://example.org/plan");
  link->set_classification(av1::CLASSIFICATION_OFFICIAL);
  av1::EvidenceItem* file = answer.add_evidence();
  file->set_description("Minutes");
  file->set_file("evidenceFiles/f1");
  file->set_classification(av1::CLASSIFICATION_OFFICIAL);
  av1::EvidenceItem* secret = answer.add_evidence();
  secret->set_description("Secret item");
  secret->set_document_reference("DMS-1");
  secret->set_classification(av1::CLASSIFICATION_OFFICIAL_SENSITIVE);
  actv1::Action& done = round.actions.emplace_back();
  done.set_name("actions/x1");
  done.set_status(actv1::Action::STATUS_DONE);
  actv1::Action& late = round.actions.emplace_back();
  late.set_name("actions/x2");
  late.set_status(actv1::Action::STATUS_IN_PROGRESS);
  late.set_due_date("2026-01-01");
  return round;
}

RegisterData Data() {
  RegisterData data;
  av1::EvidenceFile& f = data.files.emplace_back();
  f.set_name("evidenceFiles/f1");
  f.set_assessment("assessments/a-1");
  f.set_file_name("minutes.pdf");
  f.set_media_type("application/pdf");
  f.set_size_bytes(2048);
  f.set_sha256(std::string(64, 'a'));
  f.set_classification(av1::CLASSIFICATION_OFFICIAL);
  data.purge_dates["evidenceFiles/f1"] = "2031-04-01";
  av1::EngagementRecord& forum = data.engagement.emplace_back();
  forum.set_name("assessments/a-1/engagementRecords/e1");
  forum.set_title("Forum");
  forum.set_date("2025-05-01");
  forum.add_participant_groups(av1::PARTICIPANT_GROUP_CHILDREN_AND_YOUNG_PEOPLE);
  forum.set_method(av1::ENGAGEMENT_METHOD_FOCUS_GROUP);
  forum.set_participant_count(10);
  forum.add_age_bands(av1::AGE_BAND_11_TO_15);
  forum.add_question_ids("s1.q1");
  forum.set_classification(av1::CLASSIFICATION_OFFICIAL);
  // A sensitive record whose content the read model holds, and one it holds redacted.
  av1::EngagementRecord held = forum;
  held.set_name("assessments/a-1/engagementRecords/e2");
  held.set_title("Held sensitive");
  held.set_classification(av1::CLASSIFICATION_OFFICIAL_SENSITIVE);
  data.engagement.push_back(held);
  av1::EngagementRecord redacted;
  redacted.set_name("assessments/a-1/engagementRecords/e3");
  redacted.set_classification(av1::CLASSIFICATION_OFFICIAL_SENSITIVE);
  data.engagement.push_back(redacted);
  av1::CaseAudit& audit = data.audits.emplace_back();
  audit.set_name("assessments/a-1/caseAudits/c1");
  audit.set_topic("Neglect");
  audit.set_case_count(5);
  for (auto [grade, count] :
       {std::pair{av1::CASE_GRADE_GOOD, 3}, {av1::CASE_GRADE_INADEQUATE, 2}}) {
    av1::GradeCount* g = audit.add_grades();
    g->set_grade(grade);
    g->set_count(count);
  }
  audit.add_actions("actions/x1");
  audit.add_actions("actions/x2");
  audit.set_classification(av1::CLASSIFICATION_OFFICIAL);
  return data;
}

TEST(EvidenceRegisterTest, ListsEachQuestionsEvidenceWithFileMetadataAndPurgeDate) {
  rv1::EvidenceRegister reg = BuildEvidenceRegister(Round(), Data(), true, rv1::Freshness());
  ASSERT_EQ(reg.entries_size(), 1);
  const rv1::EvidenceRegisterEntry& e = reg.entries(0);
  EXPECT_EQ(e.question_id(), "s1.q1");
  // link, file, the sensitive item (the caller may read it), the forum, the held record.
  ASSERT_EQ(e.evidence_size(), 5) << e.DebugString();
  EXPECT_EQ(e.evidence(0).kind(), "link");
  EXPECT_EQ(e.evidence(0).source(), "Police");
  EXPECT_EQ(e.evidence(1).file_name(), "minutes.pdf");
  EXPECT_EQ(e.evidence(1).size_bytes(), 2048);
  EXPECT_EQ(e.evidence(1).purge_date(), "2031-04-01");
  EXPECT_EQ(e.evidence(2).kind(), "document");
  EXPECT_EQ(e.evidence(2).classification(), "official_sensitive");
  EXPECT_EQ(reg.sensitive_not_shown(), 1);
  EXPECT_EQ(reg.unattached_files_size(), 0);

  absl::StatusOr<Rendered> pdf = Render(reg, v1::FORMAT_PDF);
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  EXPECT_EQ(pdf->filename, "evidence-register-a-1.pdf");
  // Every format is a writer over the same document: the CSV holds the register's tables.
  absl::StatusOr<Rendered> csv = Render(reg, v1::FORMAT_CSV);
  ASSERT_TRUE(csv.ok()) << csv.status();
  EXPECT_EQ(csv->filename, "evidence-register-a-1.csv");
  EXPECT_THAT(csv->content, HasSubstr("minutes.pdf"));
}

TEST(EvidenceRegisterTest, EachFileSaysWhichRecordsItSupports) {
  RegisterData data = Data();
  // f1 is named by an evidence item and by the forum; f2 (of no round) only by the audit and
  // the published report; f3, of the round, by nothing; the held sensitive record's file is
  // not shown to region-wide callers.
  data.engagement[0].add_evidence_files("evidenceFiles/f1");
  data.engagement[1].add_evidence_files("evidenceFiles/f4");
  data.audits[0].add_evidence_files("evidenceFiles/f2");
  av1::EvidenceFile f2 = data.files[0];
  f2.set_name("evidenceFiles/f2");
  f2.set_assessment("");
  f2.set_file_name("audit.csv");
  data.files.push_back(f2);
  av1::EvidenceFile f3 = f2;
  f3.set_name("evidenceFiles/f3");
  f3.set_assessment("assessments/a-1");
  data.files.push_back(f3);
  av1::EvidenceFile f4 = f2;
  f4.set_name("evidenceFiles/f4");
  f4.set_classification(av1::CLASSIFICATION_OFFICIAL_SENSITIVE);
  data.files.push_back(f4);
  av1::ScrutinyReport& report = data.published_report.emplace();
  report.set_name("assessments/a-1/scrutinyReport/versions/1");
  av1::Finding* finding = report.add_findings();
  finding->set_id("f-1");
  finding->add_evidence_files("evidenceFiles/f2");
  av1::Recommendation* rec = report.add_recommendations();
  rec->set_id("rec-1");
  rec->add_evidence_files("evidenceFiles/f2");

  rv1::EvidenceRegister reg = BuildEvidenceRegister(Round(), data, false, rv1::Freshness());
  ASSERT_EQ(reg.entries_size(), 1);
  EXPECT_THAT(reg.entries(0).evidence(1).supports(),
              ElementsAre("assessments/a-1/engagementRecords/e1"));
  ASSERT_EQ(reg.record_files_size(), 1) << reg.DebugString();
  EXPECT_EQ(reg.record_files(0).reference(), "evidenceFiles/f2");
  EXPECT_THAT(reg.record_files(0).supports(),
              ElementsAre("assessments/a-1/caseAudits/c1",
                          "assessments/a-1/scrutinyReport/versions/1/findings/f-1",
                          "assessments/a-1/scrutinyReport/versions/1/recommendations/rec-1"));
  ASSERT_EQ(reg.unattached_files_size(), 1);
  EXPECT_EQ(reg.unattached_files(0).reference(), "evidenceFiles/f3");
  EXPECT_THAT(reg.DebugString(), Not(HasSubstr("evidenceFiles/f4")));
  // The partnership's own roles see the held sensitive record's file too.
  rv1::EvidenceRegister own = BuildEvidenceRegister(Round(), data, true, rv1::Freshness());
  ASSERT_EQ(own.record_files_size(), 2);
  EXPECT_THAT(own.record_files(1).supports(), ElementsAre("assessments/a-1/engagementRecords/e2"));

  absl::StatusOr<Rendered> csv = Render(reg, v1::FORMAT_CSV);
  ASSERT_TRUE(csv.ok()) << csv.status();
  EXPECT_THAT(csv->content, HasSubstr("supports assessments/a-1/caseAudits/c1"));
}

TEST(EvidenceRegisterTest, RegionWideCallersNeverSeeSensitiveMaterialEvenIfHeld) {
  rv1::EvidenceRegister reg = BuildEvidenceRegister(Round(), Data(), false, rv1::Freshness());
  EXPECT_THAT(reg.DebugString(), Not(HasSubstr("Secret item")));
  EXPECT_THAT(reg.DebugString(), Not(HasSubstr("Held sensitive")));
  EXPECT_EQ(reg.sensitive_not_shown(), 0);
  ASSERT_EQ(reg.entries_size(), 1);
  EXPECT_EQ(reg.entries(0).evidence_size(), 3);
  rv1::EngagementSummary summary = BuildEngagementSummary(Round(), Data(), false, {});
  EXPECT_EQ(summary.record_count(), 1);
  EXPECT_EQ(summary.sensitive_not_shown(), 0);
  EXPECT_THAT(summary.DebugString(), Not(HasSubstr("Held sensitive")));
}

// The one rule of OFFICIAL-SENSITIVE material (docs/permissions.md): only roles bound on
// the partnership itself are shown it, and so told how many records a report leaves out.
TEST(SeesSensitiveTest, OnlyRolesBoundOnThePartnershipItself) {
  auto caller = [](auth::Role role, const std::string& region, const std::string& partnership) {
    auth::Caller c;
    c.principal = "users/u-1";
    c.grants.push_back({role, region, partnership, ""});
    return c;
  };
  using auth::Role;
  EXPECT_TRUE(SeesSensitive(caller(Role::ROLE_VIEWER, "ne", "p"), "p"));
  EXPECT_TRUE(SeesSensitive(caller(Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "ne", "p"), "p"));
  EXPECT_FALSE(SeesSensitive(caller(Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "ne", "q"), "p"));
  // The region's and the deployment's hub administrators run the hub, not its casework.
  EXPECT_FALSE(SeesSensitive(caller(Role::ROLE_HUB_ADMINISTRATOR, "ne", ""), "p"));
  EXPECT_FALSE(SeesSensitive(caller(Role::ROLE_HUB_ADMINISTRATOR, "*", ""), "p"));
  EXPECT_FALSE(SeesSensitive(caller(Role::ROLE_DASHBOARD, "ne", ""), "p"));
  EXPECT_FALSE(SeesSensitive(caller(Role::ROLE_VIEWER, "*", ""), "p"));
  EXPECT_FALSE(SeesSensitive(caller(Role::ROLE_INTEGRATION, "ne", ""), "p"));
  EXPECT_FALSE(SeesSensitive(caller(Role::ROLE_VIEWER, "ne", "p"), ""));
}

TEST(EngagementSummaryTest, CountsGroupsMethodsAndBands) {
  rv1::EngagementSummary s = BuildEngagementSummary(Round(), Data(), true, {});
  EXPECT_EQ(s.record_count(), 2);
  EXPECT_EQ(s.participant_total(), 20);
  EXPECT_EQ(s.sensitive_not_shown(), 1);
  ASSERT_EQ(s.by_group_size(), 1);
  EXPECT_EQ(s.by_group(0).value(), "children_and_young_people");
  EXPECT_EQ(s.by_group(0).records(), 2);
  EXPECT_EQ(s.by_method(0).value(), "focus_group");
  EXPECT_EQ(s.by_age_band(0).value(), "11_to_15");
}

TEST(AuditsAndReviewsTest, GradesAndActionProgress) {
  rv1::AuditsAndReviewsSummary s =
      BuildAuditsAndReviewsSummary(Round(), Data(), true, "2026-03-31", {});
  ASSERT_EQ(s.audits_size(), 1);
  EXPECT_EQ(s.cases_audited(), 5);
  EXPECT_EQ(s.grade_totals().good(), 3);
  EXPECT_EQ(s.grade_totals().inadequate(), 2);
  EXPECT_EQ(s.audits(0).actions().done(), 1);
  EXPECT_EQ(s.audits(0).actions().open(), 1);
  EXPECT_EQ(s.audits(0).actions().overdue(), 1);
  std::string md = AnnualVoiceMarkdown(BuildEngagementSummary(Round(), Data(), false, {}), s);
  EXPECT_THAT(md, HasSubstr("10 people took part in 1 engagement activities"));
  EXPECT_THAT(md, HasSubstr("1 multi-agency case audits looked at 5 cases"));
  EXPECT_EQ(AnnualVoiceMarkdown(rv1::EngagementSummary(), rv1::AuditsAndReviewsSummary()), "");
}

TEST(AttachmentDispositionTest, AnAsciiFallbackAndTheNamePercentEncoded) {
  EXPECT_EQ(AttachmentDisposition("case audit \"1\".csv"),
            "attachment; filename=\"case_audit__1_.csv\"; "
            "filename*=UTF-8''case%20audit%20%221%22.csv");
  EXPECT_EQ(AttachmentDisposition("r\xC3\xA9sum\xC3\xA9.pdf"),
            "attachment; filename=\"r__sum__.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf");
  EXPECT_EQ(AttachmentDisposition(""),
            "attachment; filename=\"evidence\"; filename*=UTF-8''evidence");
}

}  // namespace
}  // namespace sixsteps::reporting
