// Page tokens (services/common/pagination.h): every list RPC decodes the page_token a client
// sends. Any bytes give a key or INVALID_ARGUMENT, and a token this service made decodes to
// the key it was made from (for a key that is UTF-8, as every key read from PostgreSQL is:
// the token is a protobuf message of string fields, which refuse other bytes).
#include <fuzzer/FuzzedDataProvider.h>
#include <google/protobuf/stubs/common.h>
#include <google/protobuf/stubs/logging.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "services/common/pagination.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // protobuf logs every string field that is not UTF-8; the run's output stays the fuzzer's.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  const std::string query = input.ConsumeRandomLengthString(64);
  const std::string token = input.ConsumeRemainingBytesAsString();

  absl::StatusOr<std::string> decoded = sixsteps::DecodePageToken(token, query);
  if (!decoded.ok() && decoded.status().code() != absl::StatusCode::kInvalidArgument) {
    std::fprintf(stderr, "DecodePageToken: %s\n", decoded.status().ToString().c_str());
    std::abort();
  }
  if (decoded.ok() && token.empty() != decoded->empty()) std::abort();

  // The round trip: what EncodePageToken makes, DecodePageToken reads back.
  if (!token.empty() && google::protobuf::internal::IsStructurallyValidUTF8(token) &&
      google::protobuf::internal::IsStructurallyValidUTF8(query)) {
    absl::StatusOr<std::string> again =
        sixsteps::DecodePageToken(sixsteps::EncodePageToken(token, query), query);
    if (!again.ok() || *again != token) std::abort();
  }
  return 0;
}
