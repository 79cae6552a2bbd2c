// The documents of the evidence and voice reports (issue 16, H5), and their files: JSON,
// and PDF and DOCX through the document writers (no per-report renderer: the other formats
// are the generic document writers' to give).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "services/base/names.h"
#include "services/reporting/render.h"
#include "services/reporting/render_internal.h"

namespace sixsteps::reporting {
namespace {

namespace ri = render_internal;

// "12.5 KiB", "3.1 MiB".
std::string Size(int64_t bytes) {
  if (bytes < 1024) return absl::StrCat(bytes, " B");
  if (bytes < 1024 * 1024) return absl::StrFormat("%.1f KiB", bytes / 1024.0);
  return absl::StrFormat("%.1f MiB", bytes / (1024.0 * 1024.0));
}

std::string ClassificationLabel(absl::string_view text) {
  return text == "official_sensitive" ? "OFFICIAL-SENSITIVE" : "OFFICIAL";
}

std::string Words(absl::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '_') c = ' ';
  }
  return out;
}

std::string WordsOf(const google::protobuf::RepeatedPtrField<std::string>& values) {
  std::vector<std::string> words;
  for (const std::string& v : values) words.push_back(Words(v));
  return absl::StrJoin(words, ", ");
}

std::string ActionProgress(const v1::ActionCounts& a) {
  const int all = a.open() + a.done() + a.cancelled() + a.carried_over();
  if (all == 0) return "no actions";
  return absl::StrCat(a.done(), " of ", all, " done, ", a.open(), " open (", a.overdue(),
                      " overdue)");
}

// What a file is, in a cell: its name, type, size and SHA-256, or that it was purged.
// A purged file is named by its reference only (its name as uploaded is purged with it).
// Then the records it supports.
std::string FileLine(const v1::RegisteredEvidence& e) {
  std::string line;
  if (!e.file_name().empty()) {
    line = absl::StrCat(e.file_name(), " (", e.media_type(), ", ", Size(e.size_bytes()),
                        ") SHA-256 ", e.sha256());
  } else {
    line = e.reference();
  }
  if (!e.purge_date().empty()) absl::StrAppend(&line, "; purged on ", e.purge_date());
  if (!e.supports().empty()) {
    absl::StrAppend(&line, "; supports ", absl::StrJoin(e.supports(), ", "));
  }
  return line;
}

void SensitiveNote(doc::Document* d, int not_shown) {
  if (not_shown <= 0) return;
  d->intro.push_back(doc::Note(absl::StrCat(
      not_shown,
      " OFFICIAL-SENSITIVE record(s) of this round are not held by the reporting service and "
      "are not shown: read them through the assessment service.")));
}

doc::Table EvidenceTable(const google::protobuf::RepeatedPtrField<v1::RegisteredEvidence>& items) {
  doc::Table table{{"Kind", "Evidence", "Reference or file", "Classification", "From"}, {}};
  for (const v1::RegisteredEvidence& e : items) {
    table.rows.push_back({doc::Text(Words(e.kind())), doc::Text(e.title()),
                          doc::Text(e.kind() == "file" ? FileLine(e) : e.reference()),
                          doc::Status(ClassificationLabel(e.classification()),
                                      e.classification() == "official_sensitive"),
                          doc::Text(e.source())});
  }
  return table;
}

void CountsTable(doc::Section& s, absl::string_view what,
                 const google::protobuf::RepeatedPtrField<v1::EngagementCount>& counts) {
  doc::Table table{{std::string(what), "Activities", "Participants"}, {}};
  for (const v1::EngagementCount& c : counts) {
    table.rows.push_back(
        {doc::Text(Words(c.value())), doc::Number(c.records()), doc::Number(c.participants())});
  }
  s.blocks.push_back(std::move(table));
}

}  // namespace

namespace doc {

Document BuildDocument(const v1::EvidenceRegister& r) {
  Document d;
  d.title = absl::StrCat("Evidence register: ", r.round_title());
  d.facts.items = {{"Partnership", r.partnership_name()}, {"Round", r.assessment()}};
  d.intro.push_back(Note(ri::FreshnessLine(r.freshness())));
  SensitiveNote(&d, r.sensitive_not_shown());
  if (r.entries().empty() && r.unattached_files().empty() && r.record_files().empty()) {
    d.intro.push_back(Para("No evidence has been recorded for this round yet."));
  }
  std::string step;
  for (const v1::EvidenceRegisterEntry& e : r.entries()) {
    if (e.step_id() != step) {
      step = e.step_id();
      AddSection(&d, e.step_title().empty() ? e.step_id() : e.step_title());
    }
    Section& s =
        AddSection(&d,
                   e.question_id().empty() ? "The step as a whole"
                                           : absl::StrCat(e.question_id(), ": ", e.question_text()),
                   2);
    s.blocks.push_back(EvidenceTable(e.evidence()));
  }
  if (!r.record_files().empty()) {
    Section& s = AddSection(&d, "Files attached to records");
    s.blocks.push_back(EvidenceTable(r.record_files()));
  }
  if (!r.unattached_files().empty()) {
    Section& s = AddSection(&d, "Files of the round not yet linked to a question");
    s.blocks.push_back(EvidenceTable(r.unattached_files()));
  }
  d.attribution = r.attribution();
  return d;
}

Document BuildDocument(const v1::EngagementSummary& r) {
  Document d;
  d.title = absl::StrCat("Engagement summary: ", r.partnership_name());
  d.facts.items = {{"Round", r.assessment()},
                   {"Engagement activities", absl::StrCat(r.record_count())},
                   {"Participants", absl::StrCat(r.participant_total())}};
  d.intro.push_back(Note(ri::FreshnessLine(r.freshness())));
  SensitiveNote(&d, r.sensitive_not_shown());
  if (r.records().empty()) d.intro.push_back(Para("No engagement has been recorded yet."));
  if (!r.records().empty()) {
    Section& who = AddSection(&d, "Who was heard, and how");
    CountsTable(who, "Group", r.by_group());
    CountsTable(who, "Method", r.by_method());
    CountsTable(who, "Age band", r.by_age_band());
  }
  for (const v1::EngagementLine& line : r.records()) {
    Section& s = AddSection(&d, absl::StrCat(line.date(), ": ", line.title()), 2);
    s.blocks.push_back(Facts{{{"Who", WordsOf(line.participant_groups())},
                              {"How", Words(line.method())},
                              {"How many", absl::StrCat(line.participant_count())},
                              {"Age bands", WordsOf(line.age_bands())},
                              {"Questions", absl::StrJoin(line.question_ids(), ", ")},
                              {"Classification", ClassificationLabel(line.classification())}}});
    if (!line.themes().empty()) {
      List themes;
      for (const std::string& t : line.themes()) themes.items.push_back(Para(t));
      s.blocks.push_back(Para("Themes:"));
      s.blocks.push_back(std::move(themes));
    }
    if (!line.quotes().empty()) {
      List quotes;
      for (const std::string& q : line.quotes())
        quotes.items.push_back(Para("\u201C" + q + "\u201D"));
      s.blocks.push_back(Para("In their words:"));
      s.blocks.push_back(std::move(quotes));
    }
    if (!line.changes().empty()) {
      Table table{{"You said", "We did"}, {}};
      for (const v1::YouSaidWeDidLine& c : line.changes()) {
        table.rows.push_back({Text(c.you_said()), Text(c.we_did())});
      }
      s.blocks.push_back(std::move(table));
    }
  }
  d.attribution = r.attribution();
  return d;
}

Document BuildDocument(const v1::AuditsAndReviewsSummary& r) {
  Document d;
  d.title = absl::StrCat("Case audits and learning reviews: ", r.partnership_name());
  const v1::GradeDistribution& g = r.grade_totals();
  d.facts.items = {{"Round", r.assessment()},
                   {"Actions judged on", r.as_of_date()},
                   {"Case audits", absl::StrCat(r.audits_size())},
                   {"Cases audited", absl::StrCat(r.cases_audited())},
                   {"Learning reviews", absl::StrCat(r.reviews_size())}};
  d.intro.push_back(Note(ri::FreshnessLine(r.freshness())));
  SensitiveNote(&d, r.sensitive_not_shown());
  Section& audits = AddSection(&d, "Multi-agency case audits");
  if (r.audits().empty()) audits.blocks.push_back(Para("No case audits recorded."));
  if (!r.audits().empty()) {
    Table table{{"Topic", "Date", "Cases", "Outstanding", "Good", "Requires improvement",
                 "Inadequate", "Actions"},
                {}};
    for (const v1::CaseAuditLine& a : r.audits()) {
      table.rows.push_back({Text(a.topic()), Date(a.audit_date()), Number(a.case_count()),
                            Number(a.grades().outstanding()), Number(a.grades().good()),
                            Number(a.grades().requires_improvement()),
                            Number(a.grades().inadequate()),
                            Status(ActionProgress(a.actions()), a.actions().overdue() > 0)});
    }
    table.rows.push_back({Bold("All audits"), Text(""), Number(r.cases_audited()),
                          Number(g.outstanding()), Number(g.good()),
                          Number(g.requires_improvement()), Number(g.inadequate()), Text("")});
    audits.blocks.push_back(std::move(table));
  }
  for (const v1::CaseAuditLine& a : r.audits()) {
    if (a.findings().empty() && a.agencies().empty()) continue;
    Section& s = AddSection(&d, absl::StrCat("Findings: ", a.topic()), 2);
    s.blocks.push_back(Facts{{{"Agencies", absl::StrJoin(a.agencies(), ", ")},
                              {"Classification", ClassificationLabel(a.classification())}}});
    List findings;
    for (const std::string& f : a.findings()) findings.items.push_back(Para(f));
    if (!findings.items.empty()) s.blocks.push_back(std::move(findings));
  }
  Section& reviews = AddSection(&d, "Learning reviews");
  if (r.reviews().empty()) reviews.blocks.push_back(Para("No learning reviews recorded."));
  for (const v1::LearningReviewLine& l : r.reviews()) {
    Section& s = AddSection(&d, l.title(), 2);
    s.blocks.push_back(Facts{{{"Type", Words(l.type())},
                              {"Status", Words(l.status())},
                              {"Started", l.start_date()},
                              {"Completed", l.completion_date()},
                              {"Published", l.publication_date()},
                              {"Themes", absl::StrJoin(l.themes(), "; ")},
                              {"Classification", ClassificationLabel(l.classification())}}});
    if (l.recommendations().empty()) continue;
    Table table{{"Recommendation", "Actions"}, {}};
    for (const v1::RecommendationLine& rec : l.recommendations()) {
      table.rows.push_back(
          {Text(rec.text()), Status(ActionProgress(rec.actions()), rec.actions().overdue() > 0)});
    }
    s.blocks.push_back(std::move(table));
  }
  d.attribution = r.attribution();
  return d;
}

}  // namespace doc
}  // namespace sixsteps::reporting
