#include "services/assessment/evidence_attachments.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "services/assessment/evidence_file_domain.h"
#include "services/base/make_status.h"
#include "services/base/names.h"
#include "services/base/status_macros.h"

namespace sixsteps::assessment {

absl::Status ValidateAttachedFileNames(const FileNames& names, absl::string_view field) {
  if (names.size() > kMaxAttachedFiles) {
    return Invalid(field, absl::StrCat("at most ", kMaxAttachedFiles, " files"));
  }
  std::set<std::string> seen;
  for (int i = 0; i < names.size(); ++i) {
    const std::string at = absl::StrCat(field, "[", i, "]");
    SIXSTEPS_RETURN_IF_ERROR(ParseEvidenceFileName(names[i], at).status());
    if (!seen.insert(names[i]).second) {
      return Invalid(at, absl::StrCat("'", names[i], "' is named twice"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckAttachedFiles(const auth::Caller& caller, const v1::Assessment& round,
                                v1::Classification classification, const FileNames& names,
                                const std::set<std::string>& kept, const EvidenceFileLookup& lookup,
                                absl::string_view field) {
  SIXSTEPS_RETURN_IF_ERROR(ValidateAttachedFileNames(names, field));
  const std::string region(LastSegment(round.region()));
  const std::string partnership(LastSegment(round.partnership()));
  for (int i = 0; i < names.size(); ++i) {
    const std::string at = absl::StrCat(field, "[", i, "]");
    SIXSTEPS_ASSIGN_OR_RETURN(std::optional<v1::EvidenceFile> file,
                              lookup(std::string(LastSegment(names[i]))));
    // A file purged since it was attached: the name stays, resolving to its tombstone.
    if (!file && kept.count(names[i])) continue;
    if (!file || file->partnership() != round.partnership() ||
        !MayReadClassified(caller, region, partnership, file->classification())) {
      return Invalid(at,
                     absl::StrCat("no evidence file '", names[i], "' of ", round.partnership()));
    }
    if (file->classification() == v1::CLASSIFICATION_OFFICIAL_SENSITIVE &&
        classification != v1::CLASSIFICATION_OFFICIAL_SENSITIVE) {
      return Invalid(at,
                     "an OFFICIAL record may not name an OFFICIAL-SENSITIVE file (classify the "
                     "record OFFICIAL-SENSITIVE, or attach an OFFICIAL file)");
    }
  }
  return absl::OkStatus();
}

std::set<std::string> AttachedFilesOf(const v1::ScrutinyReport& report) {
  std::set<std::string> names;
  auto add_findings = [&](const google::protobuf::RepeatedPtrField<v1::Finding>& findings) {
    for (const v1::Finding& f : findings)
      names.insert(f.evidence_files().begin(), f.evidence_files().end());
  };
  add_findings(report.findings());
  for (const v1::ScrutineerContribution& c : report.contributions()) add_findings(c.findings());
  for (const v1::Recommendation& r : report.recommendations()) {
    names.insert(r.evidence_files().begin(), r.evidence_files().end());
  }
  return names;
}

absl::Status CheckReportFiles(const auth::Caller& caller, const v1::Assessment& round,
                              const v1::ScrutinyReport& report, const v1::ScrutinyReport& previous,
                              const EvidenceFileLookup& lookup) {
  const std::set<std::string> kept = AttachedFilesOf(previous);
  // Findings often name the same files: each is looked up once.
  std::map<std::string, std::optional<v1::EvidenceFile>> looked_up;
  EvidenceFileLookup once =
      [&](const std::string& id) -> absl::StatusOr<std::optional<v1::EvidenceFile>> {
    auto found = looked_up.find(id);
    if (found != looked_up.end()) return found->second;
    SIXSTEPS_ASSIGN_OR_RETURN(std::optional<v1::EvidenceFile> file, lookup(id));
    looked_up.emplace(id, file);
    return file;
  };
  auto check = [&](const FileNames& names, const std::string& field) {
    return CheckAttachedFiles(caller, round, v1::CLASSIFICATION_OFFICIAL, names, kept, once, field);
  };
  for (int i = 0; i < report.findings_size(); ++i) {
    SIXSTEPS_RETURN_IF_ERROR(check(report.findings(i).evidence_files(),
                                   absl::StrCat("findings[", i, "].evidence_files")));
  }
  for (int i = 0; i < report.recommendations_size(); ++i) {
    SIXSTEPS_RETURN_IF_ERROR(check(report.recommendations(i).evidence_files(),
                                   absl::StrCat("recommendations[", i, "].evidence_files")));
  }
  for (const v1::ScrutineerContribution& c : report.contributions()) {
    for (int i = 0; i < c.findings_size(); ++i) {
      SIXSTEPS_RETURN_IF_ERROR(
          check(c.findings(i).evidence_files(), absl::StrCat("findings[", i, "].evidence_files")));
    }
  }
  return absl::OkStatus();
}

}  // namespace sixsteps::assessment
