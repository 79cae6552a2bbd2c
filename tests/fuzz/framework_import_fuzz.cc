// A framework document from another hub (`sixsteps framework import FILE`): the CLI reads the
// JSON into a FrameworkDocument (tools/sixsteps/json.h, unknown fields refused) and the
// framework service checks it (ValidateDocument) before making a version of it. Any bytes
// are refused or give a document whose version diffs to nothing against itself.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "services/framework/domain.h"
#include "tools/sixsteps/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace framework = sixsteps::framework;
  const std::string text(reinterpret_cast<const char*>(data), size);
  framework::v1::FrameworkDocument document;
  if (!sixsteps::cli::FromJson(text, document).ok()) return 0;
  if (!framework::ValidateDocument(document).ok()) return 0;
  framework::v1::FrameworkVersion version = framework::VersionFromDocument(document);
  if (!framework::Diff(version, version).empty()) std::abort();
  return 0;
}
