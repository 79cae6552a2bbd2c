// The fixture of the scrutineer's report tests (ScrutinyReportService end to end, and the
// reporting service's scrutiny-cycle reports): the assessment fixture's world with one
// independent scrutiny round (the local authority and the police answering, the
// scrutineer), and the calls that take its report from draft to publication.
#pragma once

#include "tests/integration/assessment_fixture.h"

namespace sixsteps::testing::assessment_test {

using SStub = av1::ScrutinyReportService::Stub;

class ScrutinyReportTest : public AssessmentServiceTest {
 protected:
  void SetUp() override {
    AssessmentServiceTest::SetUp();
    reports_ = hub_->ScrutinyReportStub();
    round_ = MustCreate(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, admin_);
    MustAddOrg(round_, kLa);
    MustAddOrg(round_, kPolice);
    MustAddScrutineer(round_);
  }

  template <typename Request, typename Response>
  grpc::Status S(Rpc<SStub, Request, Response> method, const std::string& token,
                 const Request& request, Response* response) {
    return Invoke(reports_.get(), method, token, request, response);
  }

  template <typename Request, typename Response>
  Response MustS(Rpc<SStub, Request, Response> method, const std::string& token,
                 const Request& request) {
    Response response;
    EXPECT_THAT(S(method, token, request, &response), IsOk()) << request.ShortDebugString();
    return response;
  }

  av1::ScrutinyReport Create(const std::string& token = "") {
    av1::CreateScrutinyReportRequest request;
    request.set_parent(round_.name());
    request.set_summary("The partnership knows its strengths.");
    return MustS(&SStub::CreateScrutinyReport, token.empty() ? scrutineer_ : token, request);
  }

  av1::ScrutinyReport Latest(const std::string& token = "", int version = 0) {
    av1::GetScrutinyReportRequest request;
    request.set_parent(round_.name());
    request.set_version(version);
    return MustS(&SStub::GetScrutinyReport, token.empty() ? scrutineer_ : token, request);
  }

  static av1::Finding Finding(const std::string& title, const std::string& question) {
    av1::Finding f;
    f.set_title(title);
    f.set_narrative(absl::StrCat(title, ": seen in the board's minutes."));
    f.set_nature(av1::Finding::NATURE_CONCERN);
    f.add_question_ids(question);
    av1::CitedEvidence* e = f.add_evidence();
    e->set_description("Board minutes, March");
    e->set_link("https://example.org/minutes.pdf");
    return f;
  }

  // The lead's text: one finding and one recommendation following from it.
  grpc::Status Edit(const av1::ScrutinyReport& current, av1::ScrutinyReport* written,
                    bool tie_recommendation = true, const std::string& token = "") {
    av1::UpdateScrutinyReportRequest request;
    request.set_parent(round_.name());
    request.set_etag(current.etag());
    request.set_summary("Leadership is shared; the police's audit is late.");
    *request.mutable_findings() = current.findings();
    if (request.findings().empty()) *request.add_findings() = Finding("Audit is late", "s1.q2");
    av1::Recommendation* rec = request.add_recommendations();
    rec->set_text("Finish the section 11 audit");
    if (tie_recommendation && !request.findings(0).id().empty()) {
      rec->add_finding_ids(request.findings(0).id());
    } else if (tie_recommendation) {
      // The finding has no id yet: write it first, then tie.
      av1::ScrutinyReport first;
      request.clear_recommendations();
      grpc::Status status =
          S(&SStub::UpdateScrutinyReport, token.empty() ? scrutineer_ : token, request, &first);
      if (!status.ok()) return status;
      return Edit(first, written, true, token);
    }
    return S(&SStub::UpdateScrutinyReport, token.empty() ? scrutineer_ : token, request, written);
  }

  av1::ScrutinyReport Share(const av1::ScrutinyReport& current) {
    av1::ShareScrutinyReportRequest request;
    request.set_parent(round_.name());
    request.set_etag(current.etag());
    return MustS(&SStub::ShareScrutinyReport, scrutineer_, request);
  }

  grpc::Status AnswerAs(const std::string& token, const std::string& org,
                        av1::PartnerAnswer::Verdict verdict, const std::string& comment,
                        av1::ScrutinyReport* written) {
    av1::AnswerScrutinyReportRequest request;
    request.set_parent(round_.name());
    request.set_organisation(Org(org));
    request.set_verdict(verdict);
    request.set_comment(comment);
    return S(&SStub::AnswerScrutinyReport, token, request, written);
  }

  grpc::Status Publish(const av1::ScrutinyReport& current, av1::ScrutinyReport* written,
                       const std::string& note = "") {
    av1::PublishScrutinyReportRequest request;
    request.set_parent(round_.name());
    request.set_etag(current.etag());
    request.set_unanswered_note(note);
    return S(&SStub::PublishScrutinyReport, scrutineer_, request, written);
  }

  av1::ScrutinyReport Resolve(const std::string& org) {
    av1::ResolveScrutinyDisputeRequest request;
    request.set_parent(round_.name());
    request.set_organisation(Org(org));
    request.set_outcome(av1::DisputeResolution::OUTCOME_NOT_UPHELD);
    request.set_note("The minutes of 12 March show the audit was late");
    return MustS(&SStub::ResolveScrutinyDispute, scrutineer_, request);
  }

  // A report shared with the local authority and the police, its text written.
  av1::ScrutinyReport SharedReport() {
    av1::ScrutinyReport edited;
    EXPECT_THAT(Edit(Create(), &edited), IsOk());
    return Share(edited);
  }

  // Published after both partners accepted.
  av1::ScrutinyReport PublishedReport() {
    SharedReport();
    av1::ScrutinyReport answered;
    EXPECT_THAT(AnswerAs(respondent_[kLa], kLa, av1::PartnerAnswer::VERDICT_ACCEPT, "", &answered),
                IsOk());
    EXPECT_THAT(
        AnswerAs(respondent_[kPolice], kPolice, av1::PartnerAnswer::VERDICT_ACCEPT, "", &answered),
        IsOk());
    av1::ScrutinyReport published;
    EXPECT_THAT(Publish(answered, &published), IsOk());
    return published;
  }

  // Every version the scrutineer sees and the feed's head: equal before and after a refused
  // call means nothing was written.
  std::string ReportFingerprint() {
    av1::ListScrutinyReportVersionsRequest request;
    request.set_parent(round_.name());
    av1::ListScrutinyReportVersionsResponse versions;
    (void)S(&SStub::ListScrutinyReportVersions, scrutineer_, request, &versions);
    return absl::StrCat(versions.DebugString(), "\nhead ", FeedHead());
  }

  std::vector<av1::ChangeKind> KindsAfter(int64_t after) {
    std::vector<av1::ChangeKind> kinds;
    for (const av1::Change& c : AllChanges(hub_->admin_token(), after)) kinds.push_back(c.kind());
    return kinds;
  }

  // Accepting `recommendation` as one police action on s1.q2 per due date.
  av1::AcceptRecommendationRequest AcceptAsPoliceActions(const std::string& recommendation,
                                                         const std::vector<std::string>& dues) {
    av1::AcceptRecommendationRequest accept;
    accept.set_name(recommendation);
    for (const std::string& due : dues) {
      acv1::Action* a = accept.add_actions();
      a->set_step_id("s1");
      a->add_question_ids("s1.q2");
      a->set_description(absl::StrCat("Audit part due ", due));
      a->set_intended_outcome("Every partner audited");
      a->set_owner_organisation(Org(kPolice));
      a->set_due_date(due);
    }
    return accept;
  }

  std::unique_ptr<SStub> reports_;
  av1::Assessment round_;
};

}  // namespace sixsteps::testing::assessment_test
