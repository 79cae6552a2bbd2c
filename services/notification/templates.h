// The texts of notices: per rule a subject, a plain-text body and an HTML body, each a
// template with {{placeholder}} holes. Built-in texts serve by default; an operator's
// directory (--templates_dir) may replace any of them with files named
// <rule>.subject, <rule>.txt and <rule>.html. Every template is parsed at start: one that
// does not parse, or names a placeholder no rule fills, stops the service with the file,
// line and column at fault.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/notification/rules.h"

namespace sixsteps::notification {

// Every placeholder a template may use.
const std::set<std::string>& KnownPlaceholders();

class Template {
 public:
  // INVALID_ARGUMENT "<where>: line L, column C: ..." for a '{{' not closed, an empty
  // placeholder, or one not in `known`. Text outside the holes is kept as it is.
  static absl::StatusOr<Template> Parse(absl::string_view text, absl::string_view where,
                                        const std::set<std::string>& known = KnownPlaceholders());
  // The text with each hole filled from `values` (empty if missing), HTML-escaped if `html`.
  std::string Render(const std::map<std::string, std::string>& values, bool html) const;

 private:
  struct Piece {
    bool hole = false;
    std::string text;  // literal text, or the placeholder's name
  };
  std::vector<Piece> pieces_;
};

// One composed notice.
struct Composed {
  std::string subject;  // one line
  std::string text;
  std::string html;
  // The List-Unsubscribe header's value, "<https://...>" (weekly digests only; digest, H1).
  std::string list_unsubscribe;
};

class TemplateSet {
 public:
  // The built-in texts, each replaced by its file in `directory` if that has one ("" for
  // none). INVALID_ARGUMENT naming the file for one that does not parse; NOT_FOUND if the
  // directory is given and does not exist.
  static absl::StatusOr<TemplateSet> Load(const std::string& directory);
  // The notice's texts; INVALID_ARGUMENT for a rule with no templates.
  absl::StatusOr<Composed> Compose(const Notice& notice) const;

 private:
  struct ForRule {
    Template subject, text, html;
  };
  std::map<std::string, ForRule> rules_;
};

// HTML-escapes & < > " '.
std::string EscapeHtml(absl::string_view text);

}  // namespace sixsteps::notification
