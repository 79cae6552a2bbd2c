// Evidence files' rules as plain functions (issue 16): file names, the allowed types, the
// accounting of an upload's chunks (size caps, SHA-256, the bytes the type is detected
// from), and who may read what by classification.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/auth.h"
#include "services/common/pagination.h"
#include "sixsteps/assessment/v1/classification.pb.h"
#include "sixsteps/assessment/v1/evidence_file.pb.h"

namespace sixsteps::assessment {

// The most one upload or download message carries.
inline constexpr int64_t kMaxFileChunkBytes = 1024 * 1024;
// The default cap on one file (--max_evidence_file_mb).
inline constexpr int kDefaultMaxFileMb = 25;
// The most characters a cleaned file name keeps.
inline constexpr int kMaxFileNameCharacters = 200;
// How many of a file's first bytes its type is detected from.
inline constexpr int64_t kTypeSniffBytes = 1024 * 1024;
inline constexpr int kMaxFileDescriptionLength = 2000;
inline constexpr int kMaxAttachmentTargetLength = 500;

// "evidenceFiles/{id}" to its id; INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<std::string> ParseEvidenceFileName(absl::string_view name, absl::string_view field);
std::string EvidenceFileName(absl::string_view id);

// A file name safe to show and to offer as a download's name: the last path segment (after
// any '/' or '\'), without control characters (C0, DEL, C1), invalid UTF-8, or leading dots
// and spaces, trailing dots and spaces trimmed, at most kMaxFileNameCharacters characters
// (the extension kept when it is short). INVALID_ARGUMENT on `field` if nothing is left.
absl::StatusOr<std::string> CleanFileName(absl::string_view name, absl::string_view field);

// The media types an evidence file may have (PDF, DOCX, XLSX, PPTX, ODT, PNG, JPEG, CSV,
// plain text), as libmagic names them.
bool IsAllowedMediaType(absl::string_view media_type);
// INVALID_ARGUMENT naming the detected type unless it is allowed.
absl::Status CheckAllowedMediaType(absl::string_view media_type);
// The media type of content starting with `head`, from libmagic (never from a name).
absl::StatusOr<std::string> DetectMediaType(absl::string_view head);

// SHA-256 over bytes fed in pieces (OpenSSL EVP).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(absl::string_view bytes);
  // 64 lowercase hex digits; call once.
  std::string HexDigest();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

// The accounting of one upload's chunks as they arrive: each chunk at most
// kMaxFileChunkBytes (INVALID_ARGUMENT), the whole at most `max_bytes`
// (RESOURCE_EXHAUSTED), the running SHA-256, and the first kTypeSniffBytes kept for type
// detection. Holds nothing else of the file.
class UploadAccount {
 public:
  explicit UploadAccount(int64_t max_bytes) : max_bytes_(max_bytes) {}
  // Counts a chunk; an empty one is allowed (and counts nothing).
  absl::Status Add(absl::string_view chunk);
  int64_t size() const { return size_; }
  int chunks() const { return chunks_; }
  const std::string& head() const { return head_; }
  // After the last chunk: INVALID_ARGUMENT for an empty file or one whose hash is not
  // `expected_sha256` (if given; either case); the hash otherwise.
  absl::StatusOr<std::string> Finish(absl::string_view expected_sha256);

 private:
  const int64_t max_bytes_;
  int64_t size_ = 0;
  int chunks_ = 0;
  std::string head_;
  Sha256 hash_;
};

// An expected hash as given: empty, or 64 hex digits (either case).
absl::Status ValidateExpectedSha256(absl::string_view hex, absl::string_view field);

// CLASSIFICATION_UNSPECIFIED stored as CLASSIFICATION_OFFICIAL; INVALID_ARGUMENT on `field`
// for a value the enum does not have.
absl::StatusOr<v1::Classification> EffectiveClassification(int value, absl::string_view field);
// "official", "official_sensitive": the classification column's words.
std::string ClassificationWord(v1::Classification classification);

// Whether the caller may read a record of the partnership (ids) with this classification:
// OFFICIAL to everyone who may read the partnership; OFFICIAL-SENSITIVE only to the
// partnership's own roles (any binding on the partnership itself), never to hub
// administrators, region-wide or deployment-wide viewers, dashboards or integrations (the
// reporting and notification services' accounts among them).
// Assumes the caller may read the partnership.
bool MayReadClassified(const auth::Caller& caller, absl::string_view region,
                       absl::string_view partnership, v1::Classification classification);
// Whether the caller may read the partnership's OFFICIAL-SENSITIVE records at all.
bool MayReadSensitive(const auth::Caller& caller, absl::string_view region,
                      absl::string_view partnership);
// Upload files: everyone who writes the partnership's records (its administrators,
// scrutineers, partner respondents, action owners, integrations, and the region's hub
// administrators and integrations); PERMISSION_DENIED for read-only roles.
absl::Status CheckCanUploadFiles(const auth::Caller& caller, absl::string_view region,
                                 absl::string_view partnership);
// Read the download audit log: the partnership's administrators and its hub administrators.
absl::Status CheckCanReadDownloadAudit(const auth::Caller& caller, absl::string_view region,
                                       absl::string_view partnership);

}  // namespace sixsteps::assessment
