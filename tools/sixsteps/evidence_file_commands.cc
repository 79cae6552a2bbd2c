#include "tools/sixsteps/evidence_file_commands.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/base/status_macros.h"
#include "sixsteps/assessment/v1/evidence_file_service.grpc.pb.h"
#include "tools/sixsteps/assessment_names.h"
#include "tools/sixsteps/enum_words.h"
#include "tools/sixsteps/identity_names.h"
#include "tools/sixsteps/rpc_client.h"

namespace sixsteps::cli {
namespace {

namespace fv1 = ::sixsteps::assessment::v1;
using Stub = fv1::EvidenceFileService::StubInterface;
using Client = RpcClient<Stub>;

// What one upload message carries (the service takes at most 1 MiB).
constexpr size_t kUploadChunkBytes = 1024 * 1024;

// SHA-256 in pieces, as the service computes it.
class Digest {
 public:
  Digest() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr); }
  void Update(absl::string_view bytes) { EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()); }
  std::string Hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(ctx_.get(), digest, &length);
    std::string hex;
    for (unsigned int i = 0; i < length; ++i)
      absl::StrAppend(&hex, absl::Hex(digest[i], absl::kZeroPad2));
    return hex;
  }

 private:
  struct Free {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> ctx_;
};

// Reads `path` in chunks into `each`; NOT_FOUND-like usage error if it cannot be opened.
absl::Status ForEachChunk(const std::string& path,
                          const std::function<absl::Status(absl::string_view)>& each) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return UsageError(absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  std::string buffer(kUploadChunkBytes, '\0');
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    std::streamsize got = in.gcount();
    if (got > 0) SIXSTEPS_RETURN_IF_ERROR(each(absl::string_view(buffer.data(), got)));
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat("reading ", path, " failed"));
  return absl::OkStatus();
}

std::string FormatFile(const fv1::EvidenceFile& file) {
  std::string text = absl::StrCat(file.name(), "  ", file.file_name(), "\n");
  absl::StrAppend(&text, "  partnership     ", file.partnership(), "\n");
  if (!file.assessment().empty())
    absl::StrAppend(&text, "  round           ", file.assessment(), "\n");
  absl::StrAppend(&text, "  type            ", file.media_type(), "\n");
  absl::StrAppend(&text, "  size            ", file.size_bytes(), " bytes\n");
  absl::StrAppend(&text, "  sha256          ", file.sha256(), "\n");
  absl::StrAppend(&text, "  classification  ", WordOf(file.classification()), "\n");
  if (!file.description().empty())
    absl::StrAppend(&text, "  description     ", file.description(), "\n");
  if (!file.target().empty()) absl::StrAppend(&text, "  attached to     ", file.target(), "\n");
  absl::StrAppend(&text, "  uploaded by     ", file.uploader(), "\n");
  return text;
}

absl::Status Upload(const CheckedArgs& args, Client& client, const CommandContext& context) {
  const std::string path(args.Positional(0));
  fv1::EvidenceFileUpload metadata;
  SIXSTEPS_ASSIGN_OR_RETURN(*metadata.mutable_partnership(),
                            ExpandPartnershipName(args.Text("partnership")));
  if (args.Has("assessment")) {
    SIXSTEPS_ASSIGN_OR_RETURN(*metadata.mutable_assessment(),
                              ExpandAssessmentName(args.Text("assessment")));
  }
  std::optional<std::string> name = args.Optional("name");
  metadata.set_file_name(name ? *name : path.substr(path.find_last_of('/') + 1));
  metadata.set_classification(
      args.Enum<fv1::Classification>("classification").value_or(fv1::CLASSIFICATION_OFFICIAL));
  metadata.set_description(args.Text("description"));
  metadata.set_target(args.Text("target"));
  // The file is read twice: once for its hash (the service refuses it if what arrives
  // hashes otherwise), once to send it; never whole in memory.
  Digest digest;
  SIXSTEPS_RETURN_IF_ERROR(ForEachChunk(path, [&](absl::string_view chunk) {
    digest.Update(chunk);
    return absl::OkStatus();
  }));
  metadata.set_expected_sha256(digest.Hex());
  auto write = [&](grpc::ClientWriterInterface<fv1::UploadEvidenceFileRequest>& writer) {
    fv1::UploadEvidenceFileRequest first;
    *first.mutable_metadata() = metadata;
    if (!writer.Write(first)) return absl::OkStatus();  // Finish says why
    return ForEachChunk(path, [&](absl::string_view chunk) {
      fv1::UploadEvidenceFileRequest next;
      next.set_chunk(chunk.data(), chunk.size());
      writer.Write(next);  // a refused stream ends here; Finish says why
      return absl::OkStatus();
    });
  };
  absl::StatusOr<fv1::EvidenceFile> uploaded =
      client.ClientStream<fv1::EvidenceFile, fv1::UploadEvidenceFileRequest>(
          &Stub::UploadEvidenceFile, write);
  if (!uploaded.ok()) return uploaded.status();
  const fv1::EvidenceFile& file = *uploaded;
  return PrintMessage(file, absl::StrCat("Uploaded ", FormatFile(file)), context);
}

absl::Status Download(const CheckedArgs& args, Client& client, const CommandContext& context) {
  fv1::DownloadEvidenceFileRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), ExpandEvidenceFileName(args.Positional(0)));
  const std::string out_path = args.Text("out");
  const bool to_stdout = out_path == "-";
  if (to_stdout && context.out_is_terminal) {
    return UsageError("a file is not written to a terminal: give --out FILE or redirect");
  }
  // Owner-only (0600), written as it arrives.
  int fd = -1;
  if (!to_stdout) {
    fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
      return UsageError(absl::StrCat("cannot write ", out_path, ": ", std::strerror(errno)));
  }
  fv1::EvidenceFile file;
  Digest digest;
  int64_t received = 0;
  absl::Status status = client.ServerStream<fv1::DownloadEvidenceFileResponse>(
      &Stub::DownloadEvidenceFile, request,
      [&](const fv1::DownloadEvidenceFileResponse& message) -> absl::Status {
        if (message.has_file()) {
          file = message.file();
          return absl::OkStatus();
        }
        digest.Update(message.chunk());
        received += static_cast<int64_t>(message.chunk().size());
        if (to_stdout) {
          context.out->write(message.chunk().data(),
                             static_cast<std::streamsize>(message.chunk().size()));
          return absl::OkStatus();
        }
        for (size_t at = 0; at < message.chunk().size();) {
          ssize_t wrote = ::write(fd, message.chunk().data() + at, message.chunk().size() - at);
          if (wrote < 0 && errno == EINTR) continue;
          if (wrote < 0) return absl::DataLossError(absl::StrCat("writing ", out_path, " failed"));
          at += static_cast<size_t>(wrote);
        }
        return absl::OkStatus();
      });
  if (fd >= 0 && ::close(fd) != 0 && status.ok()) {
    status = absl::DataLossError(absl::StrCat("writing ", out_path, " failed"));
  }
  if (status.ok() && (received != file.size_bytes() || digest.Hex() != file.sha256())) {
    status = absl::DataLossError("the download does not match the file's size and SHA-256");
  }
  if (!status.ok()) {
    if (!to_stdout) ::unlink(out_path.c_str());
    return status;
  }
  if (!to_stdout) {
    *context.err << "Wrote " << received << " bytes of " << file.name() << " (" << file.file_name()
                 << ", sha256 " << file.sha256() << ") to " << out_path << "\n";
  }
  return absl::OkStatus();
}

absl::Status List(const CheckedArgs& args, Client& client, const CommandContext& context) {
  fv1::ListEvidenceFilesRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_partnership(),
                            ExpandPartnershipName(args.Positional(0)));
  if (args.Has("assessment")) {
    SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_assessment(),
                              ExpandAssessmentName(args.Text("assessment")));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<fv1::EvidenceFile> files,
                            client.ListAll(&Stub::ListEvidenceFiles, request,
                                           &fv1::ListEvidenceFilesResponse::evidence_files));
  std::string text = absl::StrCat(files.size(), " file(s) of ", request.partnership(), "\n");
  for (const fv1::EvidenceFile& file : files) {
    absl::StrAppend(&text, file.name(), "  ", WordOf(file.classification()), "  ",
                    file.size_bytes(), " bytes  ", file.media_type(), "  ", file.file_name(), "\n");
  }
  return PrintMessage(Collect(files, &fv1::ListEvidenceFilesResponse::mutable_evidence_files), text,
                      context);
}

absl::Status Show(const CheckedArgs& args, Client& client, const CommandContext& context) {
  fv1::GetEvidenceFileRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), ExpandEvidenceFileName(args.Positional(0)));
  return client.CallAndPrint(&Stub::GetEvidenceFile, request, context, FormatFile);
}

absl::Status Downloads(const CheckedArgs& args, Client& client, const CommandContext& context) {
  fv1::ListEvidenceFileDownloadsRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_partnership(),
                            ExpandPartnershipName(args.Positional(0)));
  if (args.Has("file")) {
    SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_evidence_file(),
                              ExpandEvidenceFileName(args.Text("file")));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<fv1::EvidenceFileDownload> downloads,
                            client.ListAll(&Stub::ListEvidenceFileDownloads, request,
                                           &fv1::ListEvidenceFileDownloadsResponse::downloads));
  std::string text = absl::StrCat(downloads.size(), " download(s) of OFFICIAL-SENSITIVE files\n");
  for (const fv1::EvidenceFileDownload& d : downloads) {
    absl::StrAppend(&text, d.download_time().seconds(), "  ", d.principal(), "  ",
                    d.evidence_file(), "  ", d.file_name(), "  ", d.sha256(), "\n");
  }
  return PrintMessage(
      Collect(downloads, &fv1::ListEvidenceFileDownloadsResponse::mutable_downloads), text,
      context);
}

using FilesCommand = Command<Client>;

const std::vector<FilesCommand>& Commands() {
  static const auto* const kCommands = new std::vector<FilesCommand>{
      {"upload",
       "sixsteps files upload PATH --partnership P [--assessment A] [--classification "
       "official|official_sensitive] [--name NAME] [--description D] [--target RESOURCE]",
       {.positionals = {arg::File("PATH").Required()},
        .flags = {arg::String("partnership").Required(), arg::String("assessment"),
                  arg::Enum<fv1::Classification>("classification"), arg::String("name"),
                  arg::String("description"), arg::String("target")}},
       Upload},
      {"download",
       "sixsteps files download FILE --out PATH|-",
       {.positionals = {arg::String("FILE").Required()}, .flags = {arg::File("out").Required()}},
       Download},
      {"list",
       "sixsteps files list P [--assessment A]",
       {.positionals = {arg::String("P").Required()}, .flags = {arg::String("assessment")}},
       List},
      {"show", "sixsteps files show FILE", {.positionals = {arg::String("FILE").Required()}}, Show},
      {"downloads",
       "sixsteps files downloads P [--file FILE]",
       {.positionals = {arg::String("P").Required()}, .flags = {arg::String("file")}},
       Downloads},
  };
  return *kCommands;
}

}  // namespace

ServiceCommands FilesServiceCommands() {
  return WordCommands(CommandWord<fv1::EvidenceFileService, Client>{
      .word = "files",
      .summary = "evidence files: upload, download, list, show, downloads (the audit log)",
      .commands = Commands(),
      .endpoint = "assessment",
      .about =
          "Evidence files of a partnership, kept by the assessment service. P is ID or\n"
          "partnerships/ID; A is ID or assessments/ID; FILE is ID or evidenceFiles/ID.\n"
          "An upload is typed from its contents (PDF, DOCX, XLSX, PPTX, ODT, PNG, JPEG, CSV or\n"
          "plain text), at most 25 MiB unless the hub says otherwise, and checked against the\n"
          "SHA-256 the CLI computes. OFFICIAL-SENSITIVE files are read only by the partnership's\n"
          "own roles, and each download of one is in the audit log ('files downloads')."});
}

absl::StatusOr<std::string> ExpandEvidenceFileName(absl::string_view argument) {
  if (argument.empty()) return UsageError("give the file as ID or evidenceFiles/ID");
  if (absl::StartsWith(argument, "evidenceFiles/")) return std::string(argument);
  if (absl::StrContains(argument, '/')) {
    return UsageError(absl::StrCat("'", argument, "' is not evidenceFiles/ID"));
  }
  return absl::StrCat("evidenceFiles/", argument);
}

}  // namespace sixsteps::cli
