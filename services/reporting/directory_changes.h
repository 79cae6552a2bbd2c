// Which directory entries (regions, partnerships, organisations) a refresh must write: those
// that differ from what was last written. A refresh of an unchanged directory then writes
// nothing, however many partnerships there are.
#pragma once

#include <cstdint>

#include "absl/container/flat_hash_set.h"
#include "sixsteps/identity/v1/identity.pb.h"

namespace sixsteps::reporting {

// One fingerprint per entry (its whole serialised content, name included).
using DirectoryFingerprints = absl::flat_hash_set<uint64_t>;

// The read model's copy of identity's directory (Upstream::Directory's fields).
struct DirectoryEntries {
  std::vector<identity::v1::Region> regions;
  std::vector<identity::v1::Partnership> partnerships;
  std::vector<identity::v1::Organisation> organisations;
};

// The entries of `listed` whose fingerprint is not in `written` (new or changed since);
// `*listed_fingerprints` gets the fingerprints of all of `listed`, to remember once the
// changed entries are written.
DirectoryEntries ChangedEntries(const DirectoryEntries& listed,
                                const DirectoryFingerprints& written,
                                DirectoryFingerprints* listed_fingerprints);

}  // namespace sixsteps::reporting
