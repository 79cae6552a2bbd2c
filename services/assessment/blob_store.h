// Where evidence files' contents live: a small interface, so that a store other than
// PostgreSQL (an object store) could hold them later. Blobs are immutable once stored and
// are read and written in chunks, so that nothing holds a whole file in memory.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace sixsteps::assessment {

// Writes one new blob. Nothing written is visible to readers until the upload that owns it
// is stored (EvidenceFileStore::StoreUpload); an upload that fails or is abandoned leaves
// nothing behind.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  // Appends the next bytes of the blob (any length: the writer cuts its own chunks).
  virtual absl::Status Append(absl::string_view bytes) = 0;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  // Calls `sink` with each chunk of a stored blob (at most 1 MiB each), in order; stops at
  // the first error `sink` returns and returns it. Only one chunk is in memory at a time.
  using ChunkSink = std::function<absl::Status(absl::string_view chunk)>;
  virtual absl::Status ReadBlob(const std::string& blob_id, const ChunkSink& sink) = 0;
};

}  // namespace sixsteps::assessment
