// ReportingService, scrutiny cycle (H4, issue 15): the scrutineer's report as published,
// the annual report section's year of scrutiny and the regional overview's chart of
// overdue actions over time.
#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "services/base/make_status.h"
#include "services/base/names.h"
#include "services/common/grpc_reply.h"
#include "services/reporting/reporting_service.h"

namespace sixsteps::reporting {

absl::StatusOr<rv1::ScrutineerReport> Reports::Scrutineer(const Caller& caller,
                                                          const rv1::GetScrutineerReportRequest& r,
                                                          absl::Time deadline) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseId(r.assessment(), "assessments", "assessment"));
  if (r.version() < 0) return Invalid("version", "must not be negative (0 for the latest)");
  SIXSTEPS_ASSIGN_OR_RETURN(std::string as_of, AsOf(r.as_of_date()));
  rv1::Freshness freshness;
  RoundData round;
  std::vector<av1::ScrutinyReport> published;
  SIXSTEPS_RETURN_IF_ERROR(
      Read(r.min_sequence(), deadline,
           [&](ReadModel::Snapshot& model, const rv1::Freshness& f) -> absl::Status {
             freshness = f;
             SIXSTEPS_ASSIGN_OR_RETURN(round, LoadRoundFor(caller, model, id, r.assessment()));
             SIXSTEPS_ASSIGN_OR_RETURN(published, model.PublishedScrutinyReports(id));
             // Not yet published is NOT_FOUND: in the read loop, so min_sequence waits for
             // a publication the caller has just made.
             if (published.empty())
               return NotFound(absl::StrCat(r.assessment(), "/scrutinyReport"));
             return absl::OkStatus();
           }));
  return BuildScrutineerReport(round, published, r.version(), as_of, freshness);
}

absl::Status Reports::LoadAnnualCycle(ReadModel::Snapshot& model, const RoundData& round,
                                      AnnualCycleInput* input) {
  const std::string partnership = LastSegment(round.assessment.partnership());
  const std::string id = LastSegment(round.assessment.name());
  for (av1::AssessmentKind kind :
       {av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, av1::ASSESSMENT_KIND_SELF_ASSESSMENT,
        av1::ASSESSMENT_KIND_WIDER_PARTNER_ASSESSMENT}) {
    SIXSTEPS_ASSIGN_OR_RETURN(std::vector<FinalisedRound> rounds,
                              model.FinalisedRounds(partnership, av1::AssessmentKind_Name(kind)));
    for (const FinalisedRound& f : rounds) input->finalised.push_back(f.assessment);
    if (kind == round.assessment.kind()) input->rounds_of_kind = std::move(rounds);
  }
  std::sort(input->finalised.begin(), input->finalised.end(),
            [](const av1::Assessment& a, const av1::Assessment& b) {
              return a.finalise_time().seconds() < b.finalise_time().seconds();
            });
  SIXSTEPS_ASSIGN_OR_RETURN(input->planned, model.PlannedRounds(partnership));
  SIXSTEPS_ASSIGN_OR_RETURN(input->published, model.PublishedScrutinyReportsOf(partnership));
  SIXSTEPS_ASSIGN_OR_RETURN(input->context_answers, model.ContextAnswers(id));
  SIXSTEPS_ASSIGN_OR_RETURN(input->drafts, model.AnnualReportDrafts(partnership));
  SIXSTEPS_ASSIGN_OR_RETURN(ActionData actions, model.LoadActions(partnership, ""));
  input->actions = std::move(actions.actions);
  return absl::OkStatus();
}

absl::Status Reports::AddRegionOverdueChart(const Caller& /*caller*/,
                                            const rv1::GetRegionalOverviewRequest& r,
                                            absl::Time deadline, rv1::RegionalOverview* report) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseId(r.region(), "regions", "region"));
  // Only the partnerships the overview names: anonymous rows (opted out, and the caller
  // not one of their members) stay out of the chart.
  std::map<std::string, std::string> named;  // by id: ordered, as OverdueOverTime orders
  for (const rv1::RegionalRow& row : report->partnerships()) {
    if (!row.partnership().empty()) named[LastSegment(row.partnership())] = row.partnership_name();
  }
  const std::vector<std::string> dates = QuarterEnds(report->as_of_date(), 8);
  absl::flat_hash_map<std::string, std::vector<int>> counts;
  SIXSTEPS_RETURN_IF_ERROR(
      Read(r.min_sequence(), deadline, [&](ReadModel::Snapshot& model, const rv1::Freshness&) {
        SIXSTEPS_ASSIGN_OR_RETURN(counts, model.OverdueOverTime(id, dates));
        return absl::OkStatus();
      }));
  rv1::CountsOverTime& chart = *report->mutable_overdue_over_time();
  chart.set_title("Overdue actions per partnership at each quarter end");
  for (const std::string& d : dates) chart.add_dates(d);
  // A series per named partnership with actions, by resource name as OverdueOverTime keys it.
  for (const auto& [partnership, name] : named) {
    auto series = counts.find(partnership);
    if (series == counts.end()) continue;
    rv1::CountSeries* s = chart.add_series();
    s->set_label(name);
    for (int n : series->second) s->add_counts(n);
  }
  return absl::OkStatus();
}

absl::StatusOr<rv1::ScrutineerReport> ReportingServiceImpl::DoGetScrutineerReport(
    const Caller& caller, const rv1::GetScrutineerReportRequest& request,
    const grpc::ServerContextBase& context) {
  return reports_->Scrutineer(caller, request, DeadlineOf(context));
}

}  // namespace sixsteps::reporting
