#include "services/notification/templates.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "services/base/make_status.h"
#include "services/base/status_macros.h"

namespace sixsteps::notification {
namespace {

struct Texts {
  const char* subject;
  const char* text;
  const char* html;
};

// The built-in texts. The HTML bodies are fragments: Compose wraps them in a document.
const std::map<std::string, Texts>& BuiltIn() {
  static const auto* const kTexts = new std::map<std::string, Texts>{
      {"round_opened",
       {"{{partnership_name}}: the round \"{{round_title}}\" is open",
        "Dear {{recipient_name}},\n\nThe scrutiny round \"{{round_title}}\" of "
        "{{partnership_name}} is open for your answers.\n\n({{about}})\n",
        "<p>Dear {{recipient_name}},</p><p>The scrutiny round <b>{{round_title}}</b> of "
        "{{partnership_name}} is open for your answers.</p><p><small>{{about}}</small></p>"}},
      {"respondent_assigned",
       {"{{partnership_name}}: you answer in \"{{round_title}}\"",
        "Dear {{recipient_name}},\n\nYou have been asked to answer in the scrutiny round "
        "\"{{round_title}}\" of {{partnership_name}}.\n\n({{about}})\n",
        "<p>Dear {{recipient_name}},</p><p>You have been asked to answer in the scrutiny round "
        "<b>{{round_title}}</b> of {{partnership_name}}.</p><p><small>{{about}}</small></p>"}},
      {"challenge_raised",
       {"{{partnership_name}}: a challenge on question {{question_id}}",
        "Dear {{recipient_name}},\n\nThe scrutineer challenged your answer to question "
        "{{question_id}} in \"{{round_title}}\":\n\n{{challenge_text}}\n\n({{about}})\n",
        "<p>Dear {{recipient_name}},</p><p>The scrutineer challenged your answer to question "
        "{{question_id}} in <b>{{round_title}}</b>:</p><blockquote>{{challenge_text}}"
        "</blockquote><p><small>{{about}}</small></p>"}},
      {"challenge_answered",
       {"{{partnership_name}}: your challenge on question {{question_id}} was answered",
        "Dear {{recipient_name}},\n\nYour challenge on question {{question_id}} in "
        "\"{{round_title}}\" was answered:\n\n{{answer_text}}\n\nYou asked: "
        "{{challenge_text}}\n\n({{about}})\n",
        "<p>Dear {{recipient_name}},</p><p>Your challenge on question {{question_id}} in "
        "<b>{{round_title}}</b> was answered:</p><blockquote>{{answer_text}}</blockquote>"
        "<p>You asked: {{challenge_text}}</p><p><small>{{about}}</small></p>"}},
      {"action_due_soon",
       {"{{partnership_name}}: an action is due in {{days}} days ({{due_date}})",
        "Dear {{recipient_name}},\n\nThis action of {{owner_organisation}} is due on "
        "{{due_date}}, in {{days}} days:\n\n{{action_description}}\n\n({{about}})\n",
        "<p>Dear {{recipient_name}},</p><p>This action of {{owner_organisation}} is due on "
        "<b>{{due_date}}</b>, in {{days}} days:</p><blockquote>{{action_description}}"
        "</blockquote><p><small>{{about}}</small></p>"}},
      {"action_due_today",
       {"{{partnership_name}}: an action is due today ({{due_date}})",
        "Dear {{recipient_name}},\n\nThis action of {{owner_organisation}} is due today, "
        "{{due_date}}:\n\n{{action_description}}\n\n({{about}})\n",
        "<p>Dear {{recipient_name}},</p><p>This action of {{owner_organisation}} is due "
        "<b>today</b>, {{due_date}}:</p><blockquote>{{action_description}}</blockquote>"
        "<p><small>{{about}}</small></p>"}},
      {"action_overdue",
       {"{{partnership_name}}: an action is overdue (due {{due_date}})",
        "Dear {{recipient_name}},\n\nThis action of {{owner_organisation}} was due on "
        "{{due_date}} and is not done:\n\n{{action_description}}\n\n({{about}})\n",
        "<p>Dear {{recipient_name}},</p><p>This action of {{owner_organisation}} was due on "
        "<b>{{due_date}}</b> and is not done:</p><blockquote>{{action_description}}"
        "</blockquote><p><small>{{about}}</small></p>"}},
      {"action_escalation",
       {"{{partnership_name}}: an action is {{days}} days overdue",
        "Dear {{recipient_name}},\n\nAn action of {{owner_organisation}} was due on "
        "{{due_date}} and is still open {{days}} days later:\n\n{{action_description}}\n\n"
        "As a partnership administrator you are told so that delivery is held to account.\n\n"
        "({{about}})\n",
        "<p>Dear {{recipient_name}},</p><p>An action of {{owner_organisation}} was due on "
        "<b>{{due_date}}</b> and is still open {{days}} days later:</p><blockquote>"
        "{{action_description}}</blockquote><p>As a partnership administrator you are told so "
        "that delivery is held to account.</p><p><small>{{about}}</small></p>"}},
      // ---- response deadlines and the scrutineer's report (H2 digest) ----
      {"response_deadline_7_days",
       {"{{partnership_name}}: answers to \"{{round_title}}\" are due in {{days}} days",
        "Dear {{recipient_name}},\n\nYour answers to the scrutiny round \"{{round_title}}\" of "
        "{{partnership_name}} are due by {{due_date}}, in {{days}} days.\n\n({{about}})\n",
        "<p>Dear {{recipient_name}},</p><p>Your answers to the scrutiny round "
        "<b>{{round_title}}</b> of {{partnership_name}} are due by <b>{{due_date}}</b>, in "
        "{{days}} days.</p><p><small>{{about}}</small></p>"}},
      {"response_deadline_1_day",
       {"{{partnership_name}}: answers to \"{{round_title}}\" are due by {{due_date}}",
        "Dear {{recipient_name}},\n\nYour answers to the scrutiny round \"{{round_title}}\" of "
        "{{partnership_name}} are due by the end of {{due_date}}: after that day no answer is "
        "taken.\n\n({{about}})\n",
        "<p>Dear {{recipient_name}},</p><p>Your answers to the scrutiny round "
        "<b>{{round_title}}</b> of {{partnership_name}} are due by the end of "
        "<b>{{due_date}}</b>: after that day no answer is taken.</p>"
        "<p><small>{{about}}</small></p>"}},
      {"response_deadline_passed",
       {"{{partnership_name}}: the response deadline of \"{{round_title}}\" has passed",
        "Dear {{recipient_name}},\n\nThe response deadline {{due_date}} of the scrutiny round "
        "\"{{round_title}}\" of {{partnership_name}} has passed ({{days}} days ago) for "
        "{{about}}. The partnership administrators may extend it.\n",
        "<p>Dear {{recipient_name}},</p><p>The response deadline <b>{{due_date}}</b> of the "
        "scrutiny round <b>{{round_title}}</b> of {{partnership_name}} has passed ({{days}} days "
        "ago) for {{about}}. The partnership administrators may extend it.</p>"}},
      {"scrutiny_report_shared",
       {"{{partnership_name}}: the scrutineer's report on \"{{round_title}}\" is shared for "
        "checking",
        "Dear {{recipient_name}},\n\nVersion {{report_version}} of the scrutineer's report on "
        "\"{{round_title}}\" of {{partnership_name}} is shared with the partners for the "
        "factual-accuracy check: accept it, comment or dispute.\n\n({{about}})\n",
        "<p>Dear {{recipient_name}},</p><p>Version {{report_version}} of the scrutineer's report "
        "on <b>{{round_title}}</b> of {{partnership_name}} is shared with the partners for the "
        "factual-accuracy check: accept it, comment or dispute.</p>"
        "<p><small>{{about}}</small></p>"}},
      {"scrutiny_report_published",
       {"{{partnership_name}}: the scrutineer's report on \"{{round_title}}\" is published",
        "Dear {{recipient_name}},\n\nVersion {{report_version}} of the scrutineer's report on "
        "\"{{round_title}}\" of {{partnership_name}} is published.\n\n({{about}})\n",
        "<p>Dear {{recipient_name}},</p><p>Version {{report_version}} of the scrutineer's report "
        "on <b>{{round_title}}</b> of {{partnership_name}} is published.</p>"
        "<p><small>{{about}}</small></p>"}},
      // ---- end of H2's templates ----
      // ---- digest (H1) ----
      {"weekly_digest",
       {"Six Steps: {{item_count}} things open for you (week of {{week}})",
        "Dear {{recipient_name}},\n\nThis is what is open for you in the Six Steps scrutiny hub "
        "this week ({{week}}):\n\n{{open_items}}To stop this weekly digest: {{unsubscribe}}\n",
        "<p>Dear {{recipient_name}},</p><p>This is what is open for you in the Six Steps scrutiny "
        "hub this week ({{week}}):</p>{{open_items_html}}<p><small>To stop this weekly digest: "
        "{{unsubscribe}}</small></p>"}},
      // ---- end digest (H1) ----
  };
  return *kTexts;
}

// The file's text, or the built-in one when the directory has no such file.
absl::StatusOr<std::string> TextOf(const std::string& directory, const std::string& file,
                                   const char* built_in) {
  if (directory.empty()) return std::string(built_in);
  const std::filesystem::path path = std::filesystem::path(directory) / file;
  if (!std::filesystem::exists(path)) return std::string(built_in);
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(path.string(), ": cannot be read"));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

const std::set<std::string>& KnownPlaceholders() {
  static const auto* const kKnown = new std::set<std::string>{
      "recipient_name", "partnership_name", "about", "round_title", "question_id", "challenge_text",
      "answer_text", "action_description", "due_date", "days", "owner_organisation",
      // H2 digest: the scrutineer's report notices.
      "report_version",
      // The weekly digest (H1): open_items_html is HTML the service built (escaped there).
      "week", "item_count", "open_items", "open_items_html", "unsubscribe"};
  return *kKnown;
}

std::string EscapeHtml(absl::string_view text) {
  return absl::StrReplaceAll(
      text, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}, {"'", "&#39;"}});
}

absl::StatusOr<Template> Template::Parse(absl::string_view text, absl::string_view where,
                                         const std::set<std::string>& known) {
  Template parsed;
  size_t line = 1, line_start = 0, at = 0;
  auto fail = [&](size_t position, absl::string_view problem) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": line ", line, ", column ",
                                                   position - line_start + 1, ": ", problem));
  };
  std::string literal;
  while (at < text.size()) {
    if (text[at] == '\n') {
      literal.push_back('\n');
      ++line;
      line_start = ++at;
      continue;
    }
    if (text.compare(at, 2, "{{") != 0) {
      if (text.compare(at, 2, "}}") == 0) return fail(at, "'}}' without an opening '{{'");
      literal.push_back(text[at++]);
      continue;
    }
    const size_t close = text.find("}}", at + 2);
    const size_t newline = text.find('\n', at + 2);
    if (close == absl::string_view::npos ||
        (newline != absl::string_view::npos && newline < close)) {
      return fail(at, "'{{' is not closed by '}}' on the same line");
    }
    std::string name(absl::StripAsciiWhitespace(text.substr(at + 2, close - at - 2)));
    if (name.empty()) return fail(at, "an empty placeholder '{{}}'");
    if (!known.count(name)) {
      return fail(at, absl::StrCat("unknown placeholder {{", name,
                                   "}} (known: ", absl::StrJoin(known, ", "), ")"));
    }
    if (!literal.empty()) parsed.pieces_.push_back({false, std::move(literal)});
    literal.clear();
    parsed.pieces_.push_back({true, std::move(name)});
    at = close + 2;
  }
  if (!literal.empty()) parsed.pieces_.push_back({false, std::move(literal)});
  return parsed;
}

std::string Template::Render(const std::map<std::string, std::string>& values, bool html) const {
  std::string out;
  for (const Piece& piece : pieces_) {
    if (!piece.hole) {
      out += piece.text;
      continue;
    }
    auto value = values.find(piece.text);
    if (value == values.end()) continue;
    // A "_html" value is HTML the service built from escaped parts: kept as it is.
    const bool escape = html && !absl::EndsWith(piece.text, "_html");
    out += escape ? EscapeHtml(value->second) : value->second;
  }
  return out;
}

absl::StatusOr<TemplateSet> TemplateSet::Load(const std::string& directory) {
  if (!directory.empty() && !std::filesystem::is_directory(directory)) {
    return absl::NotFoundError(absl::StrCat("templates_dir: ", directory, " is not a directory"));
  }
  TemplateSet set;
  for (const RuleInfo& rule : Rules()) {
    auto built_in = BuiltIn().find(std::string(rule.name));
    if (built_in == BuiltIn().end()) {
      return absl::InternalError(absl::StrCat("rule ", rule.name, " has no built-in templates"));
    }
    ForRule parsed;
    const std::string name(rule.name);
    const std::string place = directory.empty() ? "built-in " : directory + "/";
    for (auto [suffix, text, out] :
         {std::tuple{".subject", built_in->second.subject, &parsed.subject},
          std::tuple{".txt", built_in->second.text, &parsed.text},
          std::tuple{".html", built_in->second.html, &parsed.html}}) {
      const std::string file = name + suffix;
      SIXSTEPS_ASSIGN_OR_RETURN(std::string source, TextOf(directory, file, text));
      SIXSTEPS_ASSIGN_OR_RETURN(*out, Template::Parse(source, place + file));
    }
    set.rules_.emplace(name, std::move(parsed));
  }
  return set;
}

absl::StatusOr<Composed> TemplateSet::Compose(const Notice& notice) const {
  auto found = rules_.find(notice.rule);
  if (found == rules_.end()) return Invalid("rule", absl::StrCat("unknown rule ", notice.rule));
  Composed composed;
  // A subject is one header line: line breaks in values would inject headers.
  composed.subject = absl::StrReplaceAll(found->second.subject.Render(notice.fields, false),
                                         {{"\r", " "}, {"\n", " "}});
  composed.text = found->second.text.Render(notice.fields, false);
  composed.html = absl::StrCat("<!DOCTYPE html><html><body>",
                               found->second.html.Render(notice.fields, true), "</body></html>");
  return composed;
}

}  // namespace sixsteps::notification
