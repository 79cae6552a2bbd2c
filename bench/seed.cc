#include "bench/seed.h"

#include <algorithm>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/common/status.h"

namespace sixsteps::bench {
namespace {

namespace idv1 = ::sixsteps::identity::v1;
namespace asv1 = ::sixsteps::assessment::v1;
namespace acv1 = ::sixsteps::action::v1;
namespace fv1 = ::sixsteps::framework::v1;
using IdStub = idv1::IdentityService::Stub;
using AStub = asv1::AssessmentService::Stub;
using ActStub = acv1::ActionService::Stub;

fv1::Rating Rate(char letter) {
  switch (letter) {
    case 'R':
      return fv1::RATING_RED;
    case 'A':
      return fv1::RATING_AMBER;
    default:
      return fv1::RATING_GREEN;
  }
}

// Tolerated when a partnership is finished after an interrupted run.
absl::Status IgnoreExisting(absl::Status status) {
  return absl::IsAlreadyExists(status) ? absl::OkStatus() : status;
}

}  // namespace

std::string Seeder::PartnershipId(int index) const {
  return absl::StrFormat("%s-p%04d", options_.region_ids[RegionOfPartnership(index, regions())],
                         index + 1);
}

absl::Status Seeder::EnsureRegions() {
  absl::StatusOr<std::string> token = admin_.Token();
  if (!token.ok()) return token.status();
  for (const std::string& id : options_.region_ids) {
    idv1::CreateRegionRequest request;
    request.set_region_id(id);
    request.mutable_region()->set_display_name("Benchmark region " + id);
    idv1::Region region;
    SIXSTEPS_RETURN_IF_ERROR(IgnoreExisting(
        Do(*hub_.identity, &IdStub::CreateRegion, *token, request, &region, "CreateRegion")));
  }
  return absl::OkStatus();
}

absl::Status Seeder::ForEachPartnership(int from, int to,
                                        const std::function<absl::Status(int)>& work,
                                        const std::function<void(int, int)>& progress) {
  std::atomic<int> next{from}, done{from};
  std::mutex mu;
  absl::Status first_error;
  std::vector<std::thread> workers;
  for (int t = 0; t < options_.threads; ++t) {
    workers.emplace_back([&] {
      while (true) {
        int index = next.fetch_add(1);
        if (index >= to) return;
        {
          std::lock_guard<std::mutex> lock(mu);
          if (!first_error.ok()) return;
        }
        absl::Status status = work(index);
        std::lock_guard<std::mutex> lock(mu);
        if (!status.ok() && first_error.ok()) {
          first_error = absl::Status(status.code(),
                                     absl::StrCat(PartnershipId(index), ": ", status.message()));
        }
        if (progress) progress(++done, to);
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  return first_error;
}

absl::Status Seeder::SeedUpTo(int count, const std::function<void(int, int)>& progress) {
  SIXSTEPS_RETURN_IF_ERROR(ForEachPartnership(
      complete_, count,
      [&](int index) {
        PartnershipPlan plan = PlanPartnership(options_.data, index);
        plan.id = PartnershipId(index);
        return SeedPartnership(plan);
      },
      progress));
  complete_ = std::max(complete_, count);
  return absl::OkStatus();
}

absl::Status Seeder::SeedPartnership(const PartnershipPlan& plan) {
  const std::string partnership = "partnerships/" + plan.id;
  absl::StatusOr<std::string> admin = admin_.Token();
  if (!admin.ok()) return admin.status();

  // Already complete? (A rerun with the same seed and region finds its data and moves on.)
  int finalised = 0;
  bool has_draft = false;
  {
    idv1::GetPartnershipRequest get;
    get.set_name(partnership);
    idv1::Partnership existing;
    absl::Status found =
        Do(*hub_.identity, &IdStub::GetPartnership, *admin, get, &existing, "GetPartnership");
    if (found.ok()) {
      asv1::ListAssessmentsRequest list;
      list.set_partnership(partnership);
      list.set_page_size(100);
      asv1::ListAssessmentsResponse rounds;
      SIXSTEPS_RETURN_IF_ERROR(
          Do(*hub_.assessment, &AStub::ListAssessments, *admin, list, &rounds, "ListAssessments"));
      for (const asv1::Assessment& a : rounds.assessments()) {
        if (a.state() == asv1::Assessment::STATE_FINALISED) ++finalised;
        if (a.state() == asv1::Assessment::STATE_DRAFT) has_draft = true;
      }
      if (finalised >= options_.data.finalised_years && has_draft) return absl::OkStatus();
    } else if (!absl::IsNotFound(found)) {
      return found;
    }
  }
  written_.fetch_add(1);

  {
    idv1::CreatePartnershipRequest request;
    request.set_partnership_id(plan.id);
    request.mutable_partnership()->set_display_name(plan.display_name);
    request.mutable_partnership()->set_region(
        RegionName(RegionOfPartnership(plan.index, regions())));
    idv1::Partnership created;
    SIXSTEPS_RETURN_IF_ERROR(IgnoreExisting(Do(*hub_.identity, &IdStub::CreatePartnership, *admin,
                                               request, &created, "CreatePartnership")));
  }
  for (const OrganisationPlan& org : plan.organisations) {
    idv1::CreateOrganisationRequest request;
    request.set_parent(partnership);
    request.set_organisation_id(org.id);
    request.mutable_organisation()->set_display_name(org.display_name);
    request.mutable_organisation()->set_kind(static_cast<idv1::OrganisationKind>(org.kind));
    request.mutable_organisation()->set_core_partner(org.core);
    idv1::Organisation created;
    SIXSTEPS_RETURN_IF_ERROR(IgnoreExisting(Do(*hub_.identity, &IdStub::CreateOrganisation, *admin,
                                               request, &created, "CreateOrganisation")));
  }
  // The partnership's own account: its administrator and scrutineer, and the integration
  // its partners' answers arrive through.
  calls_.fetch_add(6);
  absl::StatusOr<std::string> key = CreateServiceAccountKey(
      *hub_.identity, *admin, absl::StrCat(plan.id, " recorder"), partnership, partnership,
      {idv1::ROLE_PARTNERSHIP_ADMINISTRATOR, idv1::ROLE_INDEPENDENT_SCRUTINEER,
       idv1::ROLE_INTEGRATION});
  if (!key.ok()) return key.status();
  absl::StatusOr<std::unique_ptr<TokenSource>> recorder =
      TokenSource::ForApiKey(hub_.identity.get(), *key);
  if (!recorder.ok()) return recorder.status();

  for (size_t y = 0; y < plan.rounds.size(); ++y) {
    const RoundPlan& round = plan.rounds[y];
    // An interrupted run left `finalised` rounds: the plan's earliest ones.
    if (round.finalised && static_cast<int>(y) < finalised) continue;
    if (!round.finalised && has_draft) continue;
    absl::StatusOr<std::string> token = (*recorder)->Token();
    if (!token.ok()) return token.status();
    SIXSTEPS_RETURN_IF_ERROR(RecordRound(plan, round, *token));
  }
  return absl::OkStatus();
}

absl::Status Seeder::RecordRound(const PartnershipPlan& plan, const RoundPlan& plan_round,
                                 const std::string& token) {
  const std::string partnership = "partnerships/" + plan.id;
  auto org_name = [&](int o) {
    return absl::StrCat(partnership, "/organisations/", plan.organisations[o].id);
  };
  asv1::Assessment round;
  {
    asv1::CreateAssessmentRequest request;
    asv1::Assessment* a = request.mutable_assessment();
    a->set_partnership(partnership);
    a->set_framework_version(kBuiltInFramework);
    a->set_kind(asv1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY);
    a->set_title(absl::StrFormat("Independent scrutiny %d/%02d", plan_round.year,
                                 (plan_round.year + 1) % 100));
    a->set_period_start(plan_round.period_start());
    a->set_period_end(plan_round.period_end());
    SIXSTEPS_RETURN_IF_ERROR(
        Do(*hub_.assessment, &AStub::CreateAssessment, token, request, &round, "CreateAssessment"));
  }
  for (size_t r = 0; r < plan_round.respondents.size(); ++r) {
    const int o = plan_round.respondents[r];
    asv1::AddRespondentRequest add;
    add.set_parent(round.name());
    add.mutable_respondent()->set_organisation(org_name(o));
    asv1::Respondent respondent;
    SIXSTEPS_RETURN_IF_ERROR(
        Do(*hub_.assessment, &AStub::AddRespondent, token, add, &respondent, "AddRespondent"));
    asv1::BatchUpsertResponsesRequest batch;
    batch.set_parent(round.name());
    for (int q = 0; q < kQuestions; ++q) {
      const char letter = plan_round.ratings[r][q];
      asv1::Response* response = batch.add_requests()->mutable_response();
      response->set_name(absl::StrCat(respondent.name(), "/responses/", QuestionId(q)));
      response->set_rating(Rate(letter));
      response->set_commentary(absl::StrCat(plan.organisations[o].display_name, " on question ",
                                            QuestionId(q), ", ", plan_round.year));
      if (letter != 'R') {
        asv1::EvidenceItem* item = response->add_evidence();
        item->set_description(absl::StrCat("Multi-agency audit of ", QuestionId(q)));
        item->set_link(absl::StrCat("https://evidence.example/", plan.id, "/", plan_round.year, "/",
                                    o, "/", q));
      }
      if (letter == 'A') response->set_remaining_work("Embed the new practice across partners");
    }
    asv1::BatchUpsertResponsesResponse written;
    SIXSTEPS_RETURN_IF_ERROR(Do(*hub_.assessment, &AStub::BatchUpsertResponses, token, batch,
                                &written, "BatchUpsertResponses"));
  }
  if (!plan_round.finalised) return absl::OkStatus();

  // Submit and finalise without an etag (it is optional there): the generator is the only
  // writer of its round, and reading the round again for its etag before each was two
  // calls a round (10 of about 72 per partnership) for nothing.
  {
    asv1::SubmitAssessmentForReviewRequest request;
    request.set_name(round.name());
    SIXSTEPS_RETURN_IF_ERROR(Do(*hub_.assessment, &AStub::SubmitAssessmentForReview, token, request,
                                &round, "SubmitAssessmentForReview"));
  }
  {
    // The whole round in one call, as an integrator would.
    asv1::BatchConsolidateQuestionsRequest batch;
    batch.set_parent(round.name());
    for (int q = 0; q < kQuestions; ++q) {
      const char letter = plan_round.consolidated[q];
      asv1::Consolidation* c = batch.add_requests()->mutable_consolidation();
      c->set_question_id(QuestionId(q));
      c->set_rating(Rate(letter));
      c->set_rationale(absl::StrCat("Weighed every partner's evidence on ", QuestionId(q)));
      if (letter != 'R') {
        c->add_evidence()->set_description(
            absl::StrCat("Scrutineer's case audit of ", QuestionId(q)));
      }
      if (letter == 'A') c->set_remaining_work("Complete the joint audit");
    }
    asv1::BatchConsolidateQuestionsResponse written;
    SIXSTEPS_RETURN_IF_ERROR(Do(*hub_.assessment, &AStub::BatchConsolidateQuestions, token, batch,
                                &written, "BatchConsolidateQuestions"));
  }
  std::vector<acv1::Action> actions;
  for (const ActionPlan& planned : plan_round.actions) {
    acv1::CreateActionRequest request;
    acv1::Action* action = request.mutable_action();
    action->set_assessment(round.name());
    action->set_step_id(StepId(planned.step));
    for (int q = 1; q <= kQuestionsPerStep; ++q) {
      action->add_question_ids(absl::StrCat("s", planned.step, ".q", q));
    }
    action->set_kind(acv1::Action::KIND_IMPROVEMENT);
    action->set_description(
        absl::StrCat("Strengthen step ", planned.step, " after the ", plan_round.year, " round"));
    action->set_intended_outcome("Children and families get help earlier");
    action->set_owner_organisation(org_name((planned.step - 1) % 3));
    action->set_due_date(planned.due_date);
    acv1::Action created;
    SIXSTEPS_RETURN_IF_ERROR(
        Do(*hub_.action, &ActStub::CreateAction, token, request, &created, "CreateAction"));
    actions.push_back(std::move(created));
  }
  {
    asv1::FinaliseAssessmentRequest request;
    request.set_name(round.name());
    SIXSTEPS_RETURN_IF_ERROR(Do(*hub_.assessment, &AStub::FinaliseAssessment, token, request,
                                &round, "FinaliseAssessment"));
  }
  for (size_t i = 0; i < actions.size(); ++i) {
    if (!plan_round.actions[i].completed) continue;
    acv1::CompleteActionRequest request;
    request.set_name(actions[i].name());
    request.set_etag(actions[i].etag());
    request.set_completion_note("Done and checked at the partnership board");
    acv1::Action completed;
    SIXSTEPS_RETURN_IF_ERROR(
        Do(*hub_.action, &ActStub::CompleteAction, token, request, &completed, "CompleteAction"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<SeededPartnership>> Seeder::Discover(int count, int region) {
  absl::StatusOr<std::string> admin = admin_.Token();
  if (!admin.ok()) return admin.status();
  SIXSTEPS_RETURN_IF_ERROR(ForEachPartnership(
      0, count,
      [&](int index) -> absl::Status {
        if (RegionOfPartnership(index, regions()) != region) return absl::OkStatus();
        {
          std::lock_guard<std::mutex> lock(discovered_mu_);
          if (discovered_.count(index) > 0) return absl::OkStatus();
        }
        absl::StatusOr<SeededPartnership> found = DiscoverOne(index, *admin);
        if (!found.ok()) return found.status();
        std::lock_guard<std::mutex> lock(discovered_mu_);
        discovered_[index] = *std::move(found);
        return absl::OkStatus();
      },
      nullptr));
  std::vector<SeededPartnership> seeded;
  std::lock_guard<std::mutex> lock(discovered_mu_);
  for (auto it = discovered_.begin(); it != discovered_.end() && it->first < count; ++it) {
    if (RegionOfPartnership(it->first, regions()) == region) seeded.push_back(it->second);
  }
  return seeded;
}

absl::StatusOr<SeededPartnership> Seeder::DiscoverOne(int index, const std::string& admin) {
  SeededPartnership p;
  p.name = "partnerships/" + PartnershipId(index);
  asv1::ListAssessmentsRequest list;
  list.set_partnership(p.name);
  list.set_page_size(100);
  asv1::ListAssessmentsResponse rounds;
  SIXSTEPS_RETURN_IF_ERROR(
      Call(*hub_.assessment, &AStub::ListAssessments, admin, list, &rounds, "ListAssessments"));
  std::vector<std::string> draft_rounds;
  for (const asv1::Assessment& a : rounds.assessments()) {
    if (a.state() == asv1::Assessment::STATE_FINALISED) p.finalised_rounds.push_back(a.name());
    if (a.state() == asv1::Assessment::STATE_DRAFT) draft_rounds.push_back(a.name());
  }
  // The seeded draft round is the one with respondents: the webhook scenario opens rounds
  // with none, and the write scenarios need respondents to write as.
  for (const std::string& round : draft_rounds) {
    asv1::ListRespondentsRequest respondents;
    respondents.set_parent(round);
    respondents.set_page_size(100);
    asv1::ListRespondentsResponse listed;
    SIXSTEPS_RETURN_IF_ERROR(Call(*hub_.assessment, &AStub::ListRespondents, admin, respondents,
                                  &listed, "ListRespondents"));
    if (listed.respondents().empty()) continue;
    p.draft_round = round;
    for (const asv1::Respondent& r : listed.respondents()) {
      p.draft_respondents.push_back(r.name());
    }
    break;
  }
  if (p.draft_round.empty() || p.finalised_rounds.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(p.name, " is not fully seeded"));
  }
  return p;
}

}  // namespace sixsteps::bench
