#include "bench/plan.h"

#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace sixsteps::bench {
namespace {

// Organisation kinds of sixsteps.identity.v1.OrganisationKind, the core three first.
constexpr int kLocalAuthority = 1, kHealth = 2, kPolice = 3;
constexpr int kOtherKinds[] = {4, 5, 6, 7, 8};

// A rating drawn around a partnership's maturity: mature partnerships rate more Green.
char DrawRating(std::mt19937_64& rng, double maturity) {
  std::uniform_real_distribution<double> u(0, 1);
  double x = u(rng);
  if (x < 0.15 * (1.2 - maturity)) return 'R';
  if (x < 0.55 * (1.2 - maturity) + 0.1) return 'A';
  return 'G';
}

}  // namespace

std::string QuestionId(int index) {
  return absl::StrCat("s", index / kQuestionsPerStep + 1, ".q", index % kQuestionsPerStep + 1);
}

std::string StepId(int step) { return absl::StrCat("s", step); }

std::string RoundPlan::period_start() const { return absl::StrFormat("%04d-04-01", year); }
std::string RoundPlan::period_end() const { return absl::StrFormat("%04d-03-31", year + 1); }

PartnershipPlan PlanPartnership(const DataSetOptions& options, int index) {
  // One generator per partnership, seeded from the data set's seed and the index.
  std::seed_seq seq{static_cast<uint32_t>(options.seed), static_cast<uint32_t>(options.seed >> 32),
                    static_cast<uint32_t>(index), 0x5157u};
  std::mt19937_64 rng(seq);
  PartnershipPlan plan;
  plan.index = index;
  plan.id = absl::StrFormat("p%04d", index + 1);
  plan.display_name =
      absl::StrFormat("Benchmark Safeguarding Children Partnership %04d", index + 1);

  const int organisation_count = std::uniform_int_distribution<int>(3, 8)(rng);
  const std::pair<int, const char*> core[] = {{kLocalAuthority, "County Council"},
                                              {kHealth, "Integrated Care Board"},
                                              {kPolice, "Constabulary"}};
  for (int o = 0; o < organisation_count; ++o) {
    OrganisationPlan org;
    org.id = absl::StrCat("org", o + 1);
    if (o < 3) {
      org.kind = core[o].first;
      org.display_name = absl::StrCat(core[o].second, " ", index + 1);
      org.core = true;
    } else {
      org.kind = kOtherKinds[(o - 3) % 5];
      org.display_name = absl::StrCat("Relevant agency ", o + 1, " of partnership ", index + 1);
    }
    plan.organisations.push_back(std::move(org));
  }

  double maturity = std::uniform_real_distribution<double>(0.1, 0.6)(rng);
  for (int y = 0; y <= options.finalised_years; ++y) {
    RoundPlan round;
    round.year = options.first_year + y;
    round.finalised = y < options.finalised_years;
    // Every round asks the core partners; some rounds fewer of the others.
    int respondents = std::uniform_int_distribution<int>(3, organisation_count)(rng);
    for (int r = 0; r < respondents; ++r) round.respondents.push_back(r);
    for (int r = 0; r < respondents; ++r) {
      std::string letters;
      for (int q = 0; q < kQuestions; ++q) letters.push_back(DrawRating(rng, maturity));
      round.ratings.push_back(std::move(letters));
    }
    if (round.finalised) {
      // The scrutineer's consolidated rating: the most common of the partners' ratings,
      // the worse one on a tie.
      for (int q = 0; q < kQuestions; ++q) {
        int counts[3] = {0, 0, 0};  // R, A, G
        for (const std::string& letters : round.ratings) {
          counts[letters[q] == 'R' ? 0 : letters[q] == 'A' ? 1 : 2]++;
        }
        int best = 0;
        for (int k = 1; k < 3; ++k) {
          if (counts[k] > counts[best]) best = k;
        }
        round.consolidated.push_back("RAG"[best]);
      }
      // One action per step; earlier rounds' actions mostly done, the latest's open.
      const bool latest = y == options.finalised_years - 1;
      for (int step = 1; step <= kSteps; ++step) {
        ActionPlan action;
        action.step = step;
        int month = std::uniform_int_distribution<int>(1, 12)(rng);
        action.due_date = absl::StrFormat("%04d-%02d-28", round.year + 1, month);
        action.completed = !latest && std::uniform_real_distribution<double>(0, 1)(rng) < 0.7;
        round.actions.push_back(std::move(action));
      }
    }
    maturity = std::min(1.0, maturity + 0.08);
    plan.rounds.push_back(std::move(round));
  }
  return plan;
}

std::vector<std::string> LayoutRegionIds(const std::string& base, uint64_t seed, int count) {
  const int width = static_cast<int>(absl::StrCat(count).size());
  std::vector<std::string> ids;
  for (int k = 1; k <= count; ++k) {
    ids.push_back(absl::StrFormat("%s-s%d-n%d-r%0*d", base, seed, count, width, k));
  }
  return ids;
}

int PartnershipsInRegion(int total, int regions, int region) {
  return total > region ? (total - region + regions - 1) / regions : 0;
}

}  // namespace sixsteps::bench
