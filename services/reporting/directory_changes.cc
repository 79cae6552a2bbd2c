#include "services/reporting/directory_changes.h"

#include <string>

#include "absl/hash/hash.h"

namespace sixsteps::reporting {
namespace {

template <typename Entry>
void KeepChanged(const std::vector<Entry>& listed, const DirectoryFingerprints& written,
                 DirectoryFingerprints* listed_fingerprints, std::vector<Entry>* changed) {
  std::string bytes;
  for (const Entry& entry : listed) {
    bytes.clear();
    entry.SerializeToString(&bytes);
    uint64_t fingerprint = absl::Hash<std::string>{}(bytes);
    listed_fingerprints->insert(fingerprint);
    if (!written.contains(fingerprint)) changed->push_back(entry);
  }
}

}  // namespace

DirectoryEntries ChangedEntries(const DirectoryEntries& listed,
                                const DirectoryFingerprints& written,
                                DirectoryFingerprints* listed_fingerprints) {
  DirectoryEntries changed;
  listed_fingerprints->clear();
  KeepChanged(listed.regions, written, listed_fingerprints, &changed.regions);
  KeepChanged(listed.partnerships, written, listed_fingerprints, &changed.partnerships);
  KeepChanged(listed.organisations, written, listed_fingerprints, &changed.organisations);
  return changed;
}

}  // namespace sixsteps::reporting
