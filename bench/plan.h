// The benchmark's data set, decided before anything is written: a region of partnerships,
// each with five years of finalised independent-scrutiny rounds of the built-in framework
// and the current year's round in progress. Everything follows from (seed, partnership
// index), so two runs with the same seed write the same records whatever the order the
// generator's threads take the partnerships in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sixsteps::bench {

// The built-in framework: six steps of four questions ("s1.q1" … "s6.q4").
inline constexpr int kSteps = 6;
inline constexpr int kQuestionsPerStep = 4;
inline constexpr int kQuestions = kSteps * kQuestionsPerStep;
inline constexpr char kBuiltInFramework[] = "frameworks/six-steps/versions/2019";
std::string QuestionId(int index);  // 0 → "s1.q1", 23 → "s6.q4"
std::string StepId(int step);       // 1 → "s1"

struct OrganisationPlan {
  std::string id;  // "org1" …
  std::string display_name;
  int kind = 0;  // sixsteps.identity.v1.OrganisationKind
  bool core = false;
};

struct ActionPlan {
  int step = 1;          // 1..6: covers that step's four questions
  std::string due_date;  // ISO date
  // Done before the benchmark runs; the others stay open (overdue once their date passes).
  bool completed = false;
};

struct RoundPlan {
  int year = 0;            // the round covers April `year` to March `year + 1`
  bool finalised = false;  // the current year's round is left in progress
  // Respondents: indexes into PartnershipPlan::organisations (3 to 8 of them).
  std::vector<int> respondents;
  // ratings[r][q]: 'R', 'A' or 'G' for respondent r, question q.
  std::vector<std::string> ratings;
  std::string consolidated;  // 24 letters; empty for a round in progress
  std::vector<ActionPlan> actions;
  std::string period_start() const;
  std::string period_end() const;
};

struct PartnershipPlan {
  int index = 0;
  std::string id;  // "p0001" …
  std::string display_name;
  std::vector<OrganisationPlan> organisations;
  std::vector<RoundPlan> rounds;  // oldest first; the last one in progress
};

struct DataSetOptions {
  uint64_t seed = 1;
  int finalised_years = 5;
  int first_year = 2021;  // the oldest finalised round starts in April of this year
};

// The plan of partnership `index` (0-based).
PartnershipPlan PlanPartnership(const DataSetOptions& options, int index);

// The layout: partnerships dealt round-robin over regions (issue 18, "cost grows as it
// should": the overview in one region of many). A partnership's plan follows from its index
// alone, so the same size in one region and in ten holds the same partnerships.
//
// The ids of `count` regions: "<base>-s<seed>-n<count>-r<k>" (k from 1, as wide as `count`),
// so that another seed or another count never meets this layout's partnerships.
std::vector<std::string> LayoutRegionIds(const std::string& base, uint64_t seed, int count);
// The region (0-based) partnership `index` is dealt to.
inline int RegionOfPartnership(int index, int regions) { return index % regions; }
// How many of partnerships [0, total) region `region` holds.
int PartnershipsInRegion(int total, int regions, int region);

}  // namespace sixsteps::bench
