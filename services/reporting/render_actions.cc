// Renders the action tracker (actions by owner and by step) in every format.
#include "services/reporting/render.h"

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "services/base/names.h"
#include "services/base/status_macros.h"
#include "services/reporting/document.h"
#include "services/reporting/render_internal.h"
#include "services/reporting/render_xlsx.h"

namespace sixsteps::reporting::render_internal {
namespace {

// ---------------------------------------------------------------------------------------
// Report 4: ActionTracker
// ---------------------------------------------------------------------------------------

std::string TrackerTitle(const v1::ActionTracker& t) {
  return absl::StrCat("Action tracker: ", t.scope().empty() ? "all" : t.scope());
}

Row ActionCsvHeader() {
  return {"action",   "assessment", "step_id", "owner_organisation", "owner",       "description",
          "due_date", "status",     "overdue", "age_days",           "days_overdue"};
}
Row ActionFields(const TrackedAction& t) {
  const auto& a = *t.line;
  return {a.action(),
          a.assessment(),
          a.step_id(),
          a.owner_organisation(),
          t.owner_label,
          a.description(),
          a.due_date(),
          a.status(),
          YesNo(a.overdue()),
          absl::StrCat(a.age_days()),
          absl::StrCat(a.days_overdue())};
}

std::string TrackerCsv(const v1::ActionTracker& t) {
  std::string out;
  CsvRow(&out, ActionCsvHeader());
  for (const auto& a : FlattenActions(t)) CsvRow(&out, ActionFields(a));
  return out;
}

std::string GroupHeading(const v1::ActionGroup& g) {
  return g.label().empty() ? LastSegment(g.key()) : g.label();
}

std::string TrackerMarkdown(const v1::ActionTracker& t) {
  std::string out = absl::StrCat("# ", Md(TrackerTitle(t)), "\n\n");
  if (!t.as_of_date().empty())
    absl::StrAppend(&out, "- **Overdue judged on:** ", Md(t.as_of_date()), "\n");
  absl::StrAppend(&out, "- **Actions:** ", ActionCountsLine(t.counts()), "\n\n_",
                  Md(FreshnessLine(t.freshness())), "_\n\n");
  auto groups = [&](absl::string_view heading,
                    const google::protobuf::RepeatedPtrField<v1::ActionGroup>& gs) {
    absl::StrAppend(&out, "## ", heading, "\n\n");
    for (const auto& g : gs) {
      absl::StrAppend(&out, "### ", Md(GroupHeading(g)), "\n\n", ActionCountsLine(g.counts()),
                      "\n\n");
      if (g.actions().empty()) continue;
      std::vector<Row> rows;
      for (const auto& a : g.actions())
        rows.push_back(
            {Md(a.description()), Md(a.step_id()), Md(LastSegment(a.owner_organisation())),
             Md(a.due_date()), Md(a.status()),
             a.overdue() ? absl::StrCat("**OVERDUE** ", a.days_overdue(), " days") : "no",
             absl::StrCat(a.age_days())});
      MdTable(&out, {"Action", "Step", "Owner", "Due", "Status", "Overdue", "Age (days)"}, rows);
    }
  };
  groups("By owner organisation", t.by_owner());
  groups("By step", t.by_step());
  return out;
}

std::string TrackerHtml(const v1::ActionTracker& t) {
  std::string out = HtmlHead(TrackerTitle(t));
  absl::StrAppend(&out, "<header>\n<h1>", H(TrackerTitle(t)), "</h1>\n");
  HtmlMeta(&out, {{"Scope", t.scope()},
                  {"Overdue judged on", t.as_of_date()},
                  {"Actions", ActionCountsLine(t.counts())}});
  absl::StrAppend(&out, "<p class=\"freshness\">", H(FreshnessLine(t.freshness())),
                  "</p>\n</header>\n");
  auto groups = [&](absl::string_view heading,
                    const google::protobuf::RepeatedPtrField<v1::ActionGroup>& gs) {
    absl::StrAppend(&out, "<section>\n<h2>", heading, "</h2>\n");
    for (const auto& g : gs) {
      absl::StrAppend(&out, "<div class=\"group\">\n<h3>", H(GroupHeading(g)), "</h3>\n<p>",
                      H(ActionCountsLine(g.counts())), "</p>\n");
      if (g.actions().empty()) {
        out += "</div>\n";
        continue;
      }
      std::vector<Row> rows;
      for (const auto& a : g.actions()) {
        rows.push_back(
            {H(a.description()), H(a.step_id()), H(LastSegment(a.owner_organisation())),
             H(a.due_date()), H(a.status()),
             a.overdue()
                 ? absl::StrCat("<td class=\"rating r\"><span class=\"letter\">!</span> Overdue ",
                                a.days_overdue(), " days</td>")
                 : "No",
             Num(a.age_days())});
      }
      HtmlTable(&out, {"Action", "Step", "Owner", "Due", "Status", "Overdue", "Age (days)"}, rows);
      out += "</div>\n";
    }
    out += "</section>\n";
  };
  groups("By owner organisation", t.by_owner());
  groups("By step", t.by_step());
  out += HtmlFooter("", &t.freshness());
  return out;
}

absl::StatusOr<std::string> TrackerXlsx(const v1::ActionTracker& t) {
  SIXSTEPS_ASSIGN_OR_RETURN(auto x, Xlsx::Create(TrackerTitle(t)));
  lxw_worksheet* ws = x->Sheet("Actions");
  Row header = ActionCsvHeader();
  x->Header(ws, 0, header);
  int row = 1;
  for (const auto& a : FlattenActions(t)) {
    Row f = ActionFields(a);
    for (int c = 0; c < 8; ++c) x->Str(ws, row, c, f[c], c == 5 ? x->wrap() : nullptr);
    x->Str(ws, row, 8, f[8],
           a.line->overdue() ? x->RatingFormat(framework::v1::RATING_RED) : nullptr);
    x->Number(ws, row, 9, a.line->age_days());
    x->Number(ws, row, 10, a.line->days_overdue());
    ++row;
  }
  x->Table(ws, 0, static_cast<int>(header.size()), row - 1);
  x->Width(ws, 0, 1, 22);
  x->Width(ws, 2, 2, 10);
  x->Width(ws, 3, 4, 22);
  x->Width(ws, 5, 5, 50);
  x->Width(ws, 6, 10, 12);
  auto group_sheet = [&](const char* name,
                         const google::protobuf::RepeatedPtrField<v1::ActionGroup>& gs) {
    lxw_worksheet* s = x->Sheet(name);
    Row h = {"key", "label", "open", "overdue", "done", "cancelled", "carried_over"};
    x->Header(s, 0, h);
    int r = 1;
    for (const auto& g : gs) {
      x->Str(s, r, 0, g.key());
      x->Str(s, r, 1, g.label());
      int values[] = {g.counts().open(), g.counts().overdue(), g.counts().done(),
                      g.counts().cancelled(), g.counts().carried_over()};
      for (int i = 0; i < 5; ++i) x->Number(s, r, 2 + i, values[i]);
      ++r;
    }
    x->Table(s, 0, static_cast<int>(h.size()), r - 1);
    x->Width(s, 0, 1, 30);
  };
  group_sheet("By owner", t.by_owner());
  group_sheet("By step", t.by_step());
  lxw_worksheet* summary = x->Sheet("Summary");
  XlsxPairs(*x, summary, 0,
            {{"Scope", t.scope()},
             {"Overdue judged on", t.as_of_date()},
             {"Actions", ActionCountsLine(t.counts())},
             {"Freshness", FreshnessLine(t.freshness())}});
  x->Width(summary, 0, 0, 20);
  x->Width(summary, 1, 1, 60);
  return x->Finish();
}

std::string TrackerText(const v1::ActionTracker& t) {
  std::string out = absl::StrCat(TrackerTitle(t), "\n");
  if (!t.as_of_date().empty()) absl::StrAppend(&out, "Overdue judged on: ", t.as_of_date(), "\n");
  absl::StrAppend(&out, "Actions: ", ActionCountsLine(t.counts()), "\n");
  TextWrapped(&out, "", FreshnessLine(t.freshness()));
  auto groups = [&](absl::string_view heading,
                    const google::protobuf::RepeatedPtrField<v1::ActionGroup>& gs) {
    TextHeading(&out, heading);
    for (const auto& g : gs) {
      absl::StrAppend(&out, "\n", GroupHeading(g), " (", ActionCountsLine(g.counts()), ")\n");
      std::vector<Row> rows;
      for (const auto& a : g.actions())
        rows.push_back({a.overdue() ? absl::StrCat("OVERDUE ", a.days_overdue(), "d") : "",
                        a.due_date(), a.step_id(), LastSegment(a.owner_organisation()), a.status(),
                        a.description()});
      if (!rows.empty())
        TextTable(&out, {"Overdue", "Due", "Step", "Owner", "Status", "Action"}, rows, 50);
    }
  };
  groups("By owner organisation", t.by_owner());
  groups("By step", t.by_step());
  return out;
}

}  // namespace

Renderers RenderersOf(const v1::ActionTracker& report) {
  return RenderersOf(report, TrackerCsv, TrackerHtml, TrackerMarkdown, TrackerXlsx, TrackerText);
}

}  // namespace sixsteps::reporting::render_internal

namespace sixsteps::reporting::doc {

namespace ri = render_internal;

Document BuildDocument(const v1::ActionTracker& t) {
  Document d;
  d.title = ri::TrackerTitle(t);
  d.facts.items = {{"Scope", t.scope()},
                   {"Overdue judged on", t.as_of_date()},
                   {"Actions", ri::ActionCountsLine(t.counts())}};
  d.intro.push_back(Note(ri::FreshnessLine(t.freshness())));
  auto groups = [&](absl::string_view heading,
                    const google::protobuf::RepeatedPtrField<v1::ActionGroup>& gs) {
    AddSection(&d, heading);
    for (const auto& g : gs) {
      Section& s = AddSection(&d, ri::GroupHeading(g), 2);
      s.blocks.push_back(Para(ri::ActionCountsLine(g.counts())));
      if (g.actions().empty()) continue;
      Table table{{"Action", "Step", "Owner", "Due", "Status", "Overdue", "Age (days)"}, {}};
      // Scrutiny cycle (H4): a column naming the recommendation an action answers.
      bool recommendations = false;
      for (const auto& a : g.actions()) recommendations |= !a.recommendation().empty();
      if (recommendations) table.header.push_back("Answers recommendation");
      for (const auto& a : g.actions()) {
        table.rows.push_back(
            {Text(a.description()), Text(a.step_id()), Text(LastSegment(a.owner_organisation())),
             Date(a.due_date()), Status(a.status()),
             a.overdue() ? Status(absl::StrCat("Overdue ", a.days_overdue(), " days"), true)
                         : Status("No"),
             Number(a.age_days())});
        if (recommendations) {
          table.rows.back().push_back(Text(a.recommendation_text().empty()
                                               ? LastSegment(a.recommendation())
                                               : a.recommendation_text()));
        }
      }
      s.blocks.push_back(std::move(table));
    }
  };
  groups("By owner organisation", t.by_owner());
  groups("By step", t.by_step());
  return d;
}

}  // namespace sixsteps::reporting::doc
