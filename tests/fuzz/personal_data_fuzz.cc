// The personal-data check (services/base/personal_data.h) that every free-text field of every
// service goes through: any text gives OK or INVALID_ARGUMENT, and the message never repeats
// the value.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "services/base/personal_data.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::Status checked = sixsteps::CheckNoPersonalData("field", text);
  if (!checked.ok()) {
    if (checked.code() != absl::StatusCode::kInvalidArgument) std::abort();
    // The refusal must not echo what it found (a 10-character value is long enough to say
    // an NHS number or a postcode has not leaked into the message).
    if (text.size() >= 10 && checked.message().find(text) != absl::string_view::npos) {
      std::fprintf(stderr, "the message repeats the value: %s\n", checked.ToString().c_str());
      std::abort();
    }
  }
  if (size == 10) (void)sixsteps::IsValidNhsNumber(text);
  return 0;
}
