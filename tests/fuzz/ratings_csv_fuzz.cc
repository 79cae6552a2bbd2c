// The ratings CSV that `sixsteps assessment import-ratings` reads (tools/sixsteps/
// assessment_names.h) before it sends the responses as one batch: RFC 4180 records, then the
// rows merged into responses. Any bytes give records or an error naming a line; records come
// out in the order of their lines.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "tools/sixsteps/assessment_names.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::vector<sixsteps::cli::CsvRecord>> records = sixsteps::cli::ParseCsv(text);
  if (records.ok()) {
    int line = 0;
    for (const sixsteps::cli::CsvRecord& record : *records) {
      if (record.line <= line) std::abort();
      line = record.line;
    }
  }
  absl::StatusOr<std::vector<sixsteps::cli::ImportedResponse>> responses =
      sixsteps::cli::ParseRatingsCsv(text);
  if (responses.ok()) {
    for (const sixsteps::cli::ImportedResponse& response : *responses) {
      if (response.line < 1) std::abort();
    }
  }
  return 0;
}
