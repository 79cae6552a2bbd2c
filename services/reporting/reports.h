// The five reports, built from read-model data by plain functions: no I/O, no clock.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "services/common/auth.h"
#include "sixsteps/action/v1/action.pb.h"
#include "sixsteps/assessment/v1/assessment.pb.h"
#include "sixsteps/framework/v1/framework.pb.h"
#include "sixsteps/reporting/v1/reporting.pb.h"

namespace sixsteps::reporting {

namespace rv1 = ::sixsteps::reporting::v1;
namespace av1 = ::sixsteps::assessment::v1;
namespace fv1 = ::sixsteps::framework::v1;
namespace actv1 = ::sixsteps::action::v1;

// Everything about one round that its report needs.
struct RoundData {
  av1::Assessment assessment;
  fv1::FrameworkVersion framework;
  std::string partnership_name;
  std::vector<av1::Respondent> respondents;
  std::vector<av1::Response> responses;
  std::vector<av1::Consolidation> consolidations;
  std::vector<av1::Challenge> challenges;
  std::vector<actv1::Action> actions;
  // "partnerships/{p}/organisations/{o}" → display name.
  absl::flat_hash_map<std::string, std::string> organisation_names;
};

// A finalised round with its consolidated ratings.
struct FinalisedRound {
  av1::Assessment assessment;
  // Shared, not copied: a region's rounds mostly use one framework version.
  std::shared_ptr<const fv1::FrameworkVersion> framework;
  std::vector<av1::Consolidation> consolidations;
};

// Red 1, Amber 2, Green 3; 0 for not rated.
int Score(fv1::Rating rating);
// Calendar days from one ISO date to another (negative if `to` is earlier).
int DaysBetween(absl::string_view from, absl::string_view to);
// The attribution a report carries: an adapted framework's attribution line, or else the
// built-in framework's source citation.
std::string AttributionOf(const fv1::FrameworkVersion& framework);

// ---- Opting out of regional comparison ----
// A partnership that opted out is seen through (named, its own reports readable) only by
// its members (any role bound on the partnership itself) and the hub administrators of its
// region (deployment administrators included). Everyone else who can see it through a
// region-wide binding (viewer, dashboard, integration) meets it only as an anonymous row
// of the regional overview, and not at all in the region's action tracker; its own reports
// are NOT_FOUND to them, as for a partnership they cannot see.
bool SeesThroughOptOut(const auth::Caller& caller, absl::string_view region,
                       absl::string_view partnership);
// The partnership's own reports (assessment report, annual section, trend, its action
// tracker, their exports): the caller can see the partnership and, if it opted out, sees
// through the opt-out.
bool MayReadPartnershipReports(const auth::Caller& caller, absl::string_view region,
                               absl::string_view partnership, bool opted_out);
// GetFreshness, the read model's feed position (a deployment-wide write counter, issue 13
// finding 13): for roles bound on a region or on the whole deployment (hub administrators,
// viewers, dashboards, integrations, the notifier), which watch whether reporting keeps up.
// A partnership's members learn the position of what they read from each report's own
// freshness, not by asking for it at will.
bool MayReadFreshness(const auth::Caller& caller);
// The actions a region's tracker shows the caller: all but those of partnerships in
// `opted_out` (ids) that the caller does not see through.
std::vector<actv1::Action> ActionsShownInRegion(const auth::Caller& caller,
                                                absl::string_view region,
                                                std::vector<actv1::Action> actions,
                                                const absl::flat_hash_set<std::string>& opted_out);

// Planned or in progress.
bool IsOpen(const actv1::Action& action);
// Adds one action to `counts`: open ones due before `as_of` (ISO date) are also overdue.
void CountAction(const actv1::Action& action, absl::string_view as_of, rv1::ActionCounts& counts);
// The tracker's line of an action, judged as of `as_of`.
rv1::ActionLine ActionLineOf(const actv1::Action& action, absl::string_view as_of);

// Report 1. Overdue is judged as of `as_of` (ISO date).
rv1::AssessmentReport BuildAssessmentReport(const RoundData& round, absl::string_view as_of,
                                            const rv1::Freshness& freshness);

// Report 2. `rounds` oldest first. Questions are matched across rounds (and across an
// adapted framework and its source) by their stable ids; texts and order come from the
// newest round's framework.
rv1::PartnershipTrend BuildPartnershipTrend(absl::string_view partnership,
                                            absl::string_view partnership_name,
                                            absl::string_view kind,
                                            const std::vector<FinalisedRound>& rounds,
                                            const rv1::Freshness& freshness);

// One partnership of a region as the overview sees it.
struct RegionalInput {
  std::string partnership_id;
  std::string name;
  bool opted_out = false;
  // The caller belongs to it (any role on it) or administers the region: they see its
  // name even if it opted out of regional comparison.
  bool caller_is_member = false;
  std::optional<FinalisedRound> latest;
  int overdue_actions = 0;
  // Or, instead of `latest`, that round's figures as the read model keeps them
  // (RoundFigures of it).
  std::optional<rv1::RegionalRow> latest_figures;
};

// What the regional overview shows of a finalised round: its name and period end, and per
// step of its framework the rating counts and heat, and the round's counts. The consumer
// keeps it per round (the read model's round_aggregates); the overview reads it back.
rv1::RegionalRow RoundFigures(const FinalisedRound& round);

// A caller sees anonymous rows only when there are at least this many: a lone one would
// be named by elimination by anyone who knows the region's partnerships.
inline constexpr size_t kMinAnonymousRows = 2;

// Report 3. Partnerships named (in the order given, by name), then those that opted out
// and whose members the caller is not: as anonymous rows without id, name, round or date,
// ordered by their figures alone, and left out altogether when fewer than
// kMinAnonymousRows.
rv1::RegionalOverview BuildRegionalOverview(absl::string_view region, absl::string_view region_name,
                                            std::vector<RegionalInput> partnerships,
                                            absl::string_view as_of,
                                            const rv1::Freshness& freshness);

// Report 4. `actions` of the scope (any status); `step_titles` names the steps.
rv1::ActionTracker BuildActionTracker(
    absl::string_view scope, const std::vector<actv1::Action>& actions,
    const absl::flat_hash_map<std::string, std::string>& organisation_names,
    const absl::flat_hash_map<std::string, std::string>& step_titles, absl::string_view as_of,
    const rv1::Freshness& freshness);

// Report 5: a Markdown summary of the round for the partnership's annual report.
// `cycle_markdown` (the year of scrutiny, reports_cycle.h) goes before the attribution.
rv1::AnnualReportSection BuildAnnualReportSection(const rv1::AssessmentReport& report,
                                                  absl::string_view cycle_markdown = "");

}  // namespace sixsteps::reporting
