#include "services/common/ids.h"

#include <openssl/rand.h>

#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace sixsteps {

std::string RandomId(absl::string_view prefix) {
  unsigned char buffer[8];
  if (RAND_bytes(buffer, sizeof(buffer)) != 1) std::abort();  // no randomness: cannot go on
  return absl::StrCat(prefix, "-",
                      absl::BytesToHexString(absl::string_view(
                          reinterpret_cast<const char*>(buffer), sizeof(buffer))));
}

}  // namespace sixsteps
