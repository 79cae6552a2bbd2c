#include "services/assessment/evidence_file_domain.h"

#include <magic.h>
#include <openssl/evp.h>

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/base/make_status.h"
#include "services/common/validation.h"

namespace sixsteps::assessment {
namespace {

using auth::Role;

constexpr absl::string_view kFilePrefix = "evidenceFiles/";

// The allowed types as libmagic names them.
constexpr absl::string_view kAllowedMediaTypes[] = {
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "image/png",
    "image/jpeg",
    "text/csv",
    "text/plain",
};

// Decodes one UTF-8 code point at `text[*i]`, advancing `*i`; -1 for an invalid sequence
// (advancing one byte).
int32_t NextCodePoint(absl::string_view text, size_t* i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(*i);
  int length = lead < 0x80           ? 1
               : (lead >> 5) == 0x6  ? 2
               : (lead >> 4) == 0xE  ? 3
               : (lead >> 3) == 0x1E ? 4
                                     : 0;
  if (length == 0 || *i + length > text.size()) {
    ++*i;
    return -1;
  }
  int32_t code = length == 1 ? lead : lead & (0x7F >> length);
  for (int k = 1; k < length; ++k) {
    unsigned char next = byte(*i + k);
    if ((next & 0xC0) != 0x80) {
      ++*i;
      return -1;
    }
    code = (code << 6) | (next & 0x3F);
  }
  static constexpr int32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < kMinimum[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
    ++*i;
    return -1;
  }
  *i += length;
  return code;
}

// Control characters, and the bidirectional overrides that make a name read otherwise
// than it is ("invoice\u202Efdp.exe").
bool IsUnwanted(int32_t code) {
  return code < 0x20 || (code >= 0x7F && code <= 0x9F) || (code >= 0x202A && code <= 0x202E) ||
         (code >= 0x2066 && code <= 0x2069) || code == 0xFEFF;
}

bool IsTrimmed(absl::string_view piece) { return piece == "." || piece == " "; }

Role RoleOf(const auth::Grant& grant) { return grant.role; }

}  // namespace

absl::StatusOr<std::string> ParseEvidenceFileName(absl::string_view name, absl::string_view field) {
  if (!absl::StartsWith(name, kFilePrefix)) {
    return Invalid(field, absl::StrCat("must look like evidenceFiles/{evidence_file}"));
  }
  absl::string_view id = name.substr(kFilePrefix.size());
  if (id.empty() || id.size() > 64 || !std::all_of(id.begin(), id.end(), [](char c) {
        return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-';
      })) {
    return Invalid(field, "must look like evidenceFiles/{evidence_file}");
  }
  return std::string(id);
}

std::string EvidenceFileName(absl::string_view id) { return absl::StrCat(kFilePrefix, id); }

absl::StatusOr<std::string> CleanFileName(absl::string_view name, absl::string_view field) {
  size_t slash = name.find_last_of("/\\");
  if (slash != absl::string_view::npos) name = name.substr(slash + 1);
  // Code points kept, each as its UTF-8 bytes.
  std::vector<std::string> kept;
  for (size_t i = 0; i < name.size();) {
    size_t start = i;
    int32_t code = NextCodePoint(name, &i);
    if (code < 0 || IsUnwanted(code)) continue;
    kept.emplace_back(name.substr(start, i - start));
  }
  size_t first = 0;
  while (first < kept.size() && IsTrimmed(kept[first])) ++first;
  size_t end = kept.size();
  while (end > first && IsTrimmed(kept[end - 1])) --end;
  std::vector<std::string> cleaned(kept.begin() + first, kept.begin() + end);
  if (cleaned.empty()) return Invalid(field, "nothing is left of the name once cleaned");
  if (cleaned.size() > static_cast<size_t>(kMaxFileNameCharacters)) {
    // Keep a short extension (".pdf") at the end of the shortened name.
    size_t dot = cleaned.size();
    for (size_t k = cleaned.size(); k-- > 0;) {
      if (cleaned[k] == ".") {
        dot = k;
        break;
      }
    }
    size_t extension = cleaned.size() - dot;
    if (dot == cleaned.size() || extension > 10) extension = 0;
    std::vector<std::string> shortened(cleaned.begin(),
                                       cleaned.begin() + (kMaxFileNameCharacters - extension));
    shortened.insert(shortened.end(), cleaned.end() - extension, cleaned.end());
    cleaned = std::move(shortened);
  }
  std::string result;
  for (const std::string& piece : cleaned) result += piece;
  return result;
}

bool IsAllowedMediaType(absl::string_view media_type) {
  return std::find(std::begin(kAllowedMediaTypes), std::end(kAllowedMediaTypes), media_type) !=
         std::end(kAllowedMediaTypes);
}

absl::Status CheckAllowedMediaType(absl::string_view media_type) {
  if (IsAllowedMediaType(media_type)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("the file's contents are of type '", media_type,
                   "', which is not allowed: upload PDF, DOCX, XLSX, PPTX, ODT, PNG, JPEG, CSV "
                   "or plain text"));
}

absl::StatusOr<std::string> DetectMediaType(absl::string_view head) {
  // A cookie per call: libmagic's are not thread-safe, and loading the compiled database
  // costs far less than an upload.
  magic_t cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
  if (cookie == nullptr) return absl::InternalError("libmagic cannot start");
  if (magic_load(cookie, nullptr) != 0) {
    magic_close(cookie);
    return absl::InternalError("libmagic cannot load its database");
  }
  const char* type = magic_buffer(cookie, head.data(), head.size());
  std::string result = type == nullptr ? "" : type;
  magic_close(cookie);
  if (result.empty()) return absl::InternalError("libmagic could not read the file");
  return result;
}

struct Sha256::Context {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Context() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {
  EVP_DigestInit_ex(context_->ctx, EVP_sha256(), nullptr);
}

Sha256::~Sha256() = default;

void Sha256::Update(absl::string_view bytes) {
  EVP_DigestUpdate(context_->ctx, bytes.data(), bytes.size());
}

std::string Sha256::HexDigest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context_->ctx, digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xF];
  }
  return hex;
}

absl::Status UploadAccount::Add(absl::string_view chunk) {
  if (static_cast<int64_t>(chunk.size()) > kMaxFileChunkBytes) {
    return Invalid("chunk", absl::StrCat("at most ", kMaxFileChunkBytes, " bytes per message, got ",
                                         chunk.size()));
  }
  if (size_ + static_cast<int64_t>(chunk.size()) > max_bytes_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the file is over the largest this hub stores (", max_bytes_, " bytes)"));
  }
  if (chunk.empty()) return absl::OkStatus();
  size_ += static_cast<int64_t>(chunk.size());
  ++chunks_;
  hash_.Update(chunk);
  if (static_cast<int64_t>(head_.size()) < kTypeSniffBytes) {
    head_.append(chunk.data(),
                 std::min(chunk.size(), static_cast<size_t>(kTypeSniffBytes) - head_.size()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> UploadAccount::Finish(absl::string_view expected_sha256) {
  if (size_ == 0) return Invalid("chunk", "the file is empty");
  std::string actual = hash_.HexDigest();
  if (!expected_sha256.empty() && absl::AsciiStrToLower(expected_sha256) != actual) {
    return Invalid("metadata.expected_sha256",
                   absl::StrCat("the contents' SHA-256 is ", actual, "; nothing was stored"));
  }
  return actual;
}

absl::Status ValidateExpectedSha256(absl::string_view hex, absl::string_view field) {
  if (hex.empty()) return absl::OkStatus();
  if (hex.size() != 64 || !std::all_of(hex.begin(), hex.end(), [](char c) {
        return absl::ascii_isxdigit(static_cast<unsigned char>(c));
      })) {
    return Invalid(field, "must be 64 hex digits");
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Classification> EffectiveClassification(int value, absl::string_view field) {
  if (!v1::Classification_IsValid(value)) return Invalid(field, "unknown classification");
  if (value == v1::CLASSIFICATION_UNSPECIFIED) return v1::CLASSIFICATION_OFFICIAL;
  return static_cast<v1::Classification>(value);
}

std::string ClassificationWord(v1::Classification classification) {
  return classification == v1::CLASSIFICATION_OFFICIAL_SENSITIVE ? "official_sensitive"
                                                                 : "official";
}

bool MayReadSensitive(const auth::Caller& caller, absl::string_view region,
                      absl::string_view partnership) {
  // Only roles bound on the partnership itself: the issue's "readable only by the
  // partnership's own roles", as for voice records (CanReadClassified); a hub administrator
  // runs the hub, not the partnership's casework.
  return std::any_of(caller.grants.begin(), caller.grants.end(), [&](const auth::Grant& g) {
    return !g.partnership.empty() && g.partnership == partnership;
  });
}

bool MayReadClassified(const auth::Caller& caller, absl::string_view region,
                       absl::string_view partnership, v1::Classification classification) {
  if (classification != v1::CLASSIFICATION_OFFICIAL_SENSITIVE) return true;
  return MayReadSensitive(caller, region, partnership);
}

absl::Status CheckCanUploadFiles(const auth::Caller& caller, absl::string_view region,
                                 absl::string_view partnership) {
  if (caller.HasRegionRole(region, {Role::ROLE_HUB_ADMINISTRATOR, Role::ROLE_INTEGRATION})) {
    return absl::OkStatus();
  }
  bool writer = std::any_of(caller.grants.begin(), caller.grants.end(), [&](const auth::Grant& g) {
    return g.partnership == partnership && !partnership.empty() && RoleOf(g) != Role::ROLE_VIEWER &&
           RoleOf(g) != Role::ROLE_DASHBOARD;
  });
  if (writer) return absl::OkStatus();
  return absl::PermissionDeniedError(
      "only those who write the partnership's records upload its evidence files; viewers and "
      "dashboards only read them");
}

absl::Status CheckCanReadDownloadAudit(const auth::Caller& caller, absl::string_view region,
                                       absl::string_view partnership) {
  if (caller.CanManagePartnership(region, partnership)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      "only the partnership's administrators and its hub administrators read the download "
      "audit log");
}

}  // namespace sixsteps::assessment
