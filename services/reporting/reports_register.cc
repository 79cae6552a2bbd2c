// The evidence and voice reports (issue 16, H5): see reports_register.h.
#include "services/reporting/reports_register.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/base/names.h"
#include "services/reporting/render_escape.h"

namespace sixsteps::reporting {
namespace {

constexpr av1::Classification kSensitive = av1::CLASSIFICATION_OFFICIAL_SENSITIVE;

// "PARTICIPANT_GROUP_PARENTS_AND_CARERS" without "PARTICIPANT_GROUP_", in lower case.
std::string EnumText(const std::string& name, absl::string_view prefix) {
  absl::string_view rest = name;
  if (absl::StartsWith(rest, prefix)) rest.remove_prefix(prefix.size());
  return absl::AsciiStrToLower(rest);
}

// A redacted record (the feed gave the reporting account its name and classification only)
// has no content to show.
bool Redacted(const av1::EngagementRecord& r) { return r.title().empty(); }
bool Redacted(const av1::CaseAudit& r) { return r.topic().empty(); }
bool Redacted(const av1::LearningReview& r) { return r.title().empty(); }

// Which records a caller is shown: OFFICIAL ones always; sensitive ones only to those who
// may read them, and then only if the read model holds their content (the others are
// counted in `not_shown`).
template <typename Record>
std::vector<const Record*> Shown(const std::vector<Record>& records, bool sees_sensitive,
                                 int* not_shown) {
  std::vector<const Record*> shown;
  for (const Record& record : records) {
    if (record.classification() == kSensitive) {
      if (!sees_sensitive) continue;
      if (Redacted(record)) {
        ++*not_shown;
        continue;
      }
    } else if (Redacted(record)) {
      continue;
    }
    shown.push_back(&record);
  }
  return shown;
}

std::string RespondentLabel(const RoundData& round, absl::string_view respondent) {
  for (const av1::Respondent& r : round.respondents) {
    if (r.name() != respondent) continue;
    if (r.organisation().empty()) return "scrutineer";
    auto name = round.organisation_names.find(r.organisation());
    return name != round.organisation_names.end() ? name->second : LastSegment(r.organisation());
  }
  return std::string(LastSegment(respondent));
}

// "evidenceFiles/{id}" → the records attached to it, in name order.
using Supports = std::map<std::string, std::set<std::string>>;

void FillFile(const av1::EvidenceFile& file, const RegisterData& data, const Supports& supports,
              rv1::RegisteredEvidence* e) {
  if (auto found = supports.find(file.name()); found != supports.end()) {
    for (const std::string& record : found->second) e->add_supports(record);
  }
  e->set_file_name(file.file_name());
  e->set_media_type(file.media_type());
  e->set_size_bytes(file.size_bytes());
  e->set_sha256(file.sha256());
  e->set_classification(ClassificationText(file.classification()));
  auto purged = data.purge_dates.find(file.name());
  if (purged != data.purge_dates.end()) e->set_purge_date(purged->second);
}

// Evidence items of one question, from responses and the consolidation.
void AddItems(const google::protobuf::RepeatedPtrField<av1::EvidenceItem>& items,
              absl::string_view source, const RegisterData& data,
              const absl::flat_hash_map<std::string, const av1::EvidenceFile*>& files,
              const Supports& supports, bool sees_sensitive,
              absl::flat_hash_set<std::string>* named_files, rv1::EvidenceRegisterEntry* entry) {
  for (const av1::EvidenceItem& item : items) {
    if (item.classification() == kSensitive && !sees_sensitive) continue;
    rv1::RegisteredEvidence* e = entry->add_evidence();
    e->set_title(item.description());
    e->set_source(std::string(source));
    e->set_classification(ClassificationText(item.classification()));
    if (!item.file().empty()) {
      e->set_kind("file");
      e->set_reference(item.file());
      named_files->insert(item.file());
      auto file = files.find(item.file());
      if (file != files.end()) FillFile(*file->second, data, supports, e);
    } else if (!item.link().empty()) {
      e->set_kind("link");
      e->set_reference(item.link());
    } else {
      e->set_kind("document");
      e->set_reference(item.document_reference());
    }
  }
}

template <typename Record>
void AddRecord(const Record& record, absl::string_view kind, absl::string_view title,
               rv1::EvidenceRegisterEntry* entry) {
  rv1::RegisteredEvidence* e = entry->add_evidence();
  e->set_kind(std::string(kind));
  e->set_title(std::string(title));
  e->set_reference(record.name());
  e->set_classification(ClassificationText(record.classification()));
}

// Adds to `entry` the records that name `id` among `ids_of(record)`.
template <typename Record, typename Ids>
void AddLinked(const std::vector<const Record*>& records, absl::string_view kind,
               absl::string_view id, const Ids& ids_of, rv1::EvidenceRegisterEntry* entry) {
  for (const Record* record : records) {
    const auto& ids = ids_of(*record);
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
    if constexpr (std::is_same_v<Record, av1::CaseAudit>) {
      AddRecord(*record, kind, record->topic(), entry);
    } else {
      AddRecord(*record, kind, record->title(), entry);
    }
  }
}

struct Linked {
  std::vector<const av1::EngagementRecord*> engagement;
  std::vector<const av1::CaseAudit*> audits;
  std::vector<const av1::LearningReview*> reviews;
  int not_shown = 0;
};

Linked ShownRecords(const RegisterData& data, bool sees_sensitive) {
  Linked linked;
  linked.engagement = Shown(data.engagement, sees_sensitive, &linked.not_shown);
  linked.audits = Shown(data.audits, sees_sensitive, &linked.not_shown);
  linked.reviews = Shown(data.reviews, sees_sensitive, &linked.not_shown);
  return linked;
}

template <typename Record>
void AddSupports(const std::vector<const Record*>& records, Supports& supports) {
  for (const Record* record : records) {
    for (const std::string& file : record->evidence_files()) supports[file].insert(record->name());
  }
}

// Which records each file supports: the shown records' evidence_files and the published
// report's findings and recommendations.
Supports SupportsOf(const Linked& linked, const RegisterData& data) {
  Supports supports;
  AddSupports(linked.engagement, supports);
  AddSupports(linked.audits, supports);
  AddSupports(linked.reviews, supports);
  if (data.published_report) {
    const av1::ScrutinyReport& report = *data.published_report;
    for (const av1::Finding& f : report.findings()) {
      for (const std::string& file : f.evidence_files()) {
        supports[file].insert(absl::StrCat(report.name(), "/findings/", f.id()));
      }
    }
    for (const av1::Recommendation& r : report.recommendations()) {
      for (const std::string& file : r.evidence_files()) {
        supports[file].insert(absl::StrCat(report.name(), "/recommendations/", r.id()));
      }
    }
  }
  return supports;
}

// Adds every shown record naming `id` (a question id, or a step id when `steps`).
void AddAllLinked(const Linked& linked, absl::string_view id, bool steps,
                  rv1::EvidenceRegisterEntry* entry) {
  auto ids = [steps](const auto& record) -> const google::protobuf::RepeatedPtrField<std::string>& {
    return steps ? record.step_ids() : record.question_ids();
  };
  AddLinked(linked.engagement, "engagement_record", id, ids, entry);
  AddLinked(linked.audits, "case_audit", id, ids, entry);
  AddLinked(linked.reviews, "learning_review", id, ids, entry);
}

void Tally(std::map<std::string, rv1::EngagementCount>& counts, const std::string& value,
           int participants) {
  rv1::EngagementCount& c = counts[value];
  c.set_value(value);
  c.set_records(c.records() + 1);
  c.set_participants(c.participants() + participants);
}

void CountGrade(const av1::GradeCount& g, rv1::GradeDistribution& d) {
  switch (g.grade()) {
    case av1::CASE_GRADE_OUTSTANDING:
      d.set_outstanding(d.outstanding() + g.count());
      break;
    case av1::CASE_GRADE_GOOD:
      d.set_good(d.good() + g.count());
      break;
    case av1::CASE_GRADE_REQUIRES_IMPROVEMENT:
      d.set_requires_improvement(d.requires_improvement() + g.count());
      break;
    case av1::CASE_GRADE_INADEQUATE:
      d.set_inadequate(d.inadequate() + g.count());
      break;
    default:
      break;
  }
}

rv1::ActionCounts ProgressOf(const google::protobuf::RepeatedPtrField<std::string>& names,
                             const absl::flat_hash_map<std::string, const actv1::Action*>& actions,
                             absl::string_view as_of) {
  rv1::ActionCounts counts;
  for (const std::string& name : names) {
    auto found = actions.find(name);
    // An action of another round (or not in the read model yet) is still open work.
    if (found == actions.end()) {
      counts.set_open(counts.open() + 1);
      continue;
    }
    CountActionStatus(*found->second, as_of, counts);
  }
  return counts;
}

}  // namespace

std::string ClassificationText(av1::Classification classification) {
  return classification == kSensitive ? "official_sensitive" : "official";
}

bool SeesSensitive(const auth::Caller& caller, absl::string_view partnership) {
  // The one rule of OFFICIAL-SENSITIVE material (docs/permissions.md; MayReadSensitive in
  // the assessment service): only roles bound on the partnership itself. Not its hub
  // administrators, who see through an opt-out but run the hub, not the partnership's
  // casework: they are not told how many sensitive records a report leaves out.
  return std::any_of(caller.grants.begin(), caller.grants.end(), [&](const auth::Grant& g) {
    return !partnership.empty() && g.partnership == partnership;
  });
}

rv1::EvidenceRegister BuildEvidenceRegister(const RoundData& round, const RegisterData& data,
                                            bool sees_sensitive, const rv1::Freshness& freshness) {
  rv1::EvidenceRegister reg;
  reg.set_assessment(round.assessment.name());
  reg.set_partnership_name(round.partnership_name);
  reg.set_round_title(round.assessment.title());
  reg.set_attribution(AttributionOf(round.framework));
  *reg.mutable_freshness() = freshness;

  absl::flat_hash_map<std::string, const av1::EvidenceFile*> files;
  for (const av1::EvidenceFile& file : data.files) {
    if (file.classification() == kSensitive && !sees_sensitive) continue;
    files[file.name()] = &file;
  }
  const Linked linked = ShownRecords(data, sees_sensitive);
  if (sees_sensitive) reg.set_sensitive_not_shown(linked.not_shown);
  const Supports supports = SupportsOf(linked, data);
  absl::flat_hash_set<std::string> named_files;
  for (const fv1::Step& step : round.framework.steps()) {
    rv1::EvidenceRegisterEntry whole_step;
    whole_step.set_step_id(step.id());
    whole_step.set_step_title(step.title());
    AddAllLinked(linked, step.id(), /*steps=*/true, &whole_step);
    if (whole_step.evidence_size() > 0) *reg.add_entries() = std::move(whole_step);
    for (const fv1::Question& q : step.questions()) {
      rv1::EvidenceRegisterEntry entry;
      entry.set_step_id(step.id());
      entry.set_step_title(step.title());
      entry.set_question_id(q.id());
      entry.set_question_text(q.text());
      for (const av1::Response& r : round.responses) {
        if (r.question_id() != q.id()) continue;
        std::string respondent = r.name().substr(0, r.name().rfind("/responses/"));
        AddItems(r.evidence(), RespondentLabel(round, respondent), data, files, supports,
                 sees_sensitive, &named_files, &entry);
      }
      for (const av1::Consolidation& c : round.consolidations) {
        if (c.question_id() != q.id()) continue;
        AddItems(c.evidence(), "consolidation", data, files, supports, sees_sensitive, &named_files,
                 &entry);
      }
      AddAllLinked(linked, q.id(), /*steps=*/false, &entry);
      if (entry.evidence_size() > 0) *reg.add_entries() = std::move(entry);
    }
  }
  for (const av1::EvidenceFile& file : data.files) {
    if (named_files.contains(file.name())) continue;
    if (file.classification() == kSensitive && !sees_sensitive) continue;
    const bool attached = supports.contains(file.name());
    if (!attached && file.assessment() != round.assessment.name()) continue;
    rv1::RegisteredEvidence* e = attached ? reg.add_record_files() : reg.add_unattached_files();
    e->set_kind("file");
    // A purged file keeps neither its name as uploaded nor its description: its reference.
    e->set_title(!file.description().empty() ? file.description()
                 : !file.file_name().empty() ? file.file_name()
                                             : file.name());
    e->set_reference(file.name());
    FillFile(file, data, supports, e);
  }
  return reg;
}

rv1::EngagementSummary BuildEngagementSummary(const RoundData& round, const RegisterData& data,
                                              bool sees_sensitive,
                                              const rv1::Freshness& freshness) {
  rv1::EngagementSummary summary;
  summary.set_assessment(round.assessment.name());
  summary.set_partnership_name(round.partnership_name);
  summary.set_attribution(AttributionOf(round.framework));
  *summary.mutable_freshness() = freshness;
  int not_shown = 0;
  std::vector<const av1::EngagementRecord*> records =
      Shown(data.engagement, sees_sensitive, &not_shown);
  if (sees_sensitive) summary.set_sensitive_not_shown(not_shown);
  std::stable_sort(records.begin(), records.end(), [](const auto* a, const auto* b) {
    return std::tie(a->date(), a->name()) < std::tie(b->date(), b->name());
  });
  std::map<std::string, rv1::EngagementCount> groups, methods, bands;
  for (const av1::EngagementRecord* r : records) {
    const int n = r->participant_count();
    summary.set_record_count(summary.record_count() + 1);
    summary.set_participant_total(summary.participant_total() + n);
    rv1::EngagementLine* line = summary.add_records();
    line->set_name(r->name());
    line->set_title(r->title());
    line->set_date(r->date());
    for (int g : r->participant_groups()) {
      std::string text = EnumText(av1::ParticipantGroup_Name(static_cast<av1::ParticipantGroup>(g)),
                                  "PARTICIPANT_GROUP_");
      line->add_participant_groups(text);
      Tally(groups, text, n);
    }
    line->set_method(EnumText(av1::EngagementMethod_Name(r->method()), "ENGAGEMENT_METHOD_"));
    Tally(methods, line->method(), n);
    line->set_participant_count(n);
    for (int b : r->age_bands()) {
      std::string text = EnumText(av1::AgeBand_Name(static_cast<av1::AgeBand>(b)), "AGE_BAND_");
      line->add_age_bands(text);
      Tally(bands, text, n);
    }
    *line->mutable_themes() = r->themes();
    *line->mutable_quotes() = r->quotes();
    for (const av1::YouSaidWeDid& c : r->changes()) {
      rv1::YouSaidWeDidLine* out = line->add_changes();
      out->set_you_said(c.you_said());
      out->set_we_did(c.we_did());
    }
    *line->mutable_question_ids() = r->question_ids();
    line->set_classification(ClassificationText(r->classification()));
  }
  for (auto& [value, count] : groups) *summary.add_by_group() = count;
  for (auto& [value, count] : methods) *summary.add_by_method() = count;
  for (auto& [value, count] : bands) *summary.add_by_age_band() = count;
  return summary;
}

rv1::AuditsAndReviewsSummary BuildAuditsAndReviewsSummary(const RoundData& round,
                                                          const RegisterData& data,
                                                          bool sees_sensitive,
                                                          absl::string_view as_of,
                                                          const rv1::Freshness& freshness) {
  rv1::AuditsAndReviewsSummary summary;
  summary.set_assessment(round.assessment.name());
  summary.set_partnership_name(round.partnership_name);
  summary.set_as_of_date(std::string(as_of));
  summary.set_attribution(AttributionOf(round.framework));
  *summary.mutable_freshness() = freshness;
  absl::flat_hash_map<std::string, const actv1::Action*> actions;
  for (const actv1::Action& action : round.actions) actions[action.name()] = &action;

  int not_shown = 0;
  std::vector<const av1::CaseAudit*> audits = Shown(data.audits, sees_sensitive, &not_shown);
  std::vector<const av1::LearningReview*> reviews = Shown(data.reviews, sees_sensitive, &not_shown);
  if (sees_sensitive) summary.set_sensitive_not_shown(not_shown);
  std::stable_sort(audits.begin(), audits.end(), [](const auto* a, const auto* b) {
    return std::tie(a->audit_date(), a->name()) < std::tie(b->audit_date(), b->name());
  });
  std::stable_sort(reviews.begin(), reviews.end(), [](const auto* a, const auto* b) {
    return std::tie(a->start_date(), a->name()) < std::tie(b->start_date(), b->name());
  });
  for (const av1::CaseAudit* a : audits) {
    rv1::CaseAuditLine* line = summary.add_audits();
    line->set_name(a->name());
    line->set_topic(a->topic());
    line->set_audit_date(a->audit_date());
    for (const std::string& agency : a->agencies()) {
      auto name = round.organisation_names.find(agency);
      line->add_agencies(name != round.organisation_names.end() ? name->second
                                                                : LastSegment(agency));
    }
    line->set_case_count(a->case_count());
    for (const av1::GradeCount& g : a->grades()) {
      CountGrade(g, *line->mutable_grades());
      CountGrade(g, *summary.mutable_grade_totals());
    }
    summary.set_cases_audited(summary.cases_audited() + a->case_count());
    *line->mutable_findings() = a->findings();
    *line->mutable_actions() = ProgressOf(a->actions(), actions, as_of);
    line->set_classification(ClassificationText(a->classification()));
  }
  for (const av1::LearningReview* r : reviews) {
    rv1::LearningReviewLine* line = summary.add_reviews();
    line->set_name(r->name());
    line->set_type(EnumText(av1::LearningReviewType_Name(r->type()), "LEARNING_REVIEW_TYPE_"));
    line->set_status(
        EnumText(av1::LearningReviewStatus_Name(r->status()), "LEARNING_REVIEW_STATUS_"));
    line->set_title(r->title());
    line->set_start_date(r->start_date());
    line->set_completion_date(r->completion_date());
    line->set_publication_date(r->publication_date());
    *line->mutable_themes() = r->themes();
    for (const av1::LearningReviewRecommendation& rec : r->recommendations()) {
      rv1::RecommendationLine* out = line->add_recommendations();
      out->set_text(rec.text());
      *out->mutable_actions() = ProgressOf(rec.actions(), actions, as_of);
    }
    line->set_classification(ClassificationText(r->classification()));
  }
  return summary;
}

std::string AnnualVoiceMarkdown(const rv1::EngagementSummary& engagement,
                                const rv1::AuditsAndReviewsSummary& audits) {
  std::string md;
  if (engagement.record_count() > 0) {
    std::vector<std::string> groups;
    for (const rv1::EngagementCount& g : engagement.by_group()) {
      groups.push_back(absl::StrCat(MarkdownText(g.value()), " (", g.participants(), ")"));
    }
    absl::StrAppend(&md, "### Engagement: what children, families and practitioners said\n\n",
                    engagement.participant_total(), " people took part in ",
                    engagement.record_count(),
                    " engagement activities: ", absl::StrJoin(groups, ", "), ".\n\n");
    std::vector<std::string> changes;
    for (const rv1::EngagementLine& line : engagement.records()) {
      for (const rv1::YouSaidWeDidLine& c : line.changes()) {
        changes.push_back(absl::StrCat("- You said: ", MarkdownText(c.you_said()),
                                       " We did: ", MarkdownText(c.we_did())));
      }
    }
    if (!changes.empty()) {
      absl::StrAppend(&md, "You said, we did:\n\n", absl::StrJoin(changes, "\n"), "\n\n");
    }
  }
  if (audits.audits_size() > 0 || audits.reviews_size() > 0) {
    absl::StrAppend(&md, "### Case audits and learning reviews\n\n");
    if (audits.audits_size() > 0) {
      const rv1::GradeDistribution& g = audits.grade_totals();
      absl::StrAppend(&md, audits.audits_size(), " multi-agency case audits looked at ",
                      audits.cases_audited(), " cases: ", g.outstanding(), " outstanding, ",
                      g.good(), " good, ", g.requires_improvement(), " requiring improvement and ",
                      g.inadequate(), " inadequate.\n\n");
    }
    for (const rv1::LearningReviewLine& r : audits.reviews()) {
      int done = 0, all = 0;
      for (const rv1::RecommendationLine& rec : r.recommendations()) {
        const rv1::ActionCounts& a = rec.actions();
        done += a.done();
        all += a.open() + a.done() + a.cancelled() + a.carried_over();
      }
      absl::StrAppend(&md, "- ", MarkdownText(r.title()), " (", MarkdownText(r.type()), ", ",
                      MarkdownText(r.status()), "): ", r.recommendations_size(),
                      " recommendations, ", done, " of ", all, " actions done\n");
    }
    if (audits.reviews_size() > 0) md += "\n";
  }
  return md;
}

}  // namespace sixsteps::reporting
