// Evidence files attached to records (issue 16): engagement records, case audits and
// learning reviews (VoiceService) and the findings and recommendations of the scrutineer's
// report name uploaded files in `evidence_files`. The rules, as plain functions, that every
// such record follows:
//  - shape: at most kMaxAttachedFiles names, each "evidenceFiles/{id}", none twice;
//  - tenancy: each file exists and is a file of the record's partnership the caller may read
//    (INVALID_ARGUMENT "no evidence file ... of partnerships/{p}" otherwise, whether it is
//    another partnership's, never uploaded or OFFICIAL-SENSITIVE to a caller who may not read
//    it: the record exists, its content is what is wrong);
//  - classification: an OFFICIAL record names OFFICIAL files only. Refusing (rather than
//    hiding the reference from some readers) keeps one rule for every reader of a record:
//    whoever may read it may read the files it names, in the RPCs, the feed and the reports;
//  - retention: a file purged by its retention policy stays named by the records it was
//    attached to (their bytes, etags and published report versions do not change); the name
//    resolves to the file's tombstone (RetentionService.ListTombstones) and the reports say
//    "purged on". A write keeps such a name if the record had it; a new one is refused.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "services/common/auth.h"
#include "sixsteps/assessment/v1/assessment.pb.h"
#include "sixsteps/assessment/v1/evidence_file.pb.h"
#include "sixsteps/assessment/v1/scrutiny_report.pb.h"

namespace sixsteps::assessment {

// How many files one record (a voice record, a finding, a recommendation) may name.
inline constexpr int kMaxAttachedFiles = 20;

using FileNames = google::protobuf::RepeatedPtrField<std::string>;

// An evidence file's record by id, as the storage holds it now; none for a file never
// uploaded or purged.
using EvidenceFileLookup =
    std::function<absl::StatusOr<std::optional<v1::EvidenceFile>>(const std::string& file_id)>;

// The shape of a record's `evidence_files`: INVALID_ARGUMENT on `field` (too many) or
// `field[i]` (malformed, named twice).
absl::Status ValidateAttachedFileNames(const FileNames& names, absl::string_view field);

// Every name of `names` against the stored files, for a record of `round` with
// `classification` (UNSPECIFIED counts as OFFICIAL), written by `caller`; `kept` are the
// names the record had before this write (a purged one among them stays). Checks the
// shape first.
absl::Status CheckAttachedFiles(const auth::Caller& caller, const v1::Assessment& round,
                                v1::Classification classification, const FileNames& names,
                                const std::set<std::string>& kept, const EvidenceFileLookup& lookup,
                                absl::string_view field);

// Every file the report's findings, recommendations and scrutineers' contributions name.
std::set<std::string> AttachedFilesOf(const v1::ScrutinyReport& report);

// CheckAttachedFiles over every finding, recommendation and contribution of `report` (an
// OFFICIAL record), keeping what `previous` (the version before this write) named.
absl::Status CheckReportFiles(const auth::Caller& caller, const v1::Assessment& round,
                              const v1::ScrutinyReport& report, const v1::ScrutinyReport& previous,
                              const EvidenceFileLookup& lookup);

}  // namespace sixsteps::assessment
