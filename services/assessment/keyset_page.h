// A keyset-paged list request as one value (services/assessment/page_sizes.h has its
// parts: NormalisePageSize's size, KeysetSeq, TakeKeysetPage), so that a handler reads its
// page in one statement and fills it in another.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "services/assessment/page_sizes.h"
#include "services/base/status_macros.h"

namespace sixsteps::assessment {

// A keyset page asked for: its size (checked against its limits by NormalisePageSize), the
// query its tokens are bound to, and the sequence it continues from (KeysetSeq).
struct KeysetPage {
  int size = 0;
  std::string query;
  int64_t seq = 0;

  // Reads the page and one item more (`read(seq, limit, &seqs)`, a store's list) to know
  // whether another follows, moves the page into `out`; the next page's token, or "".
  template <typename Item, typename Read>
  absl::StatusOr<std::string> Fill(const Read& read,
                                   google::protobuf::RepeatedPtrField<Item>* out) const {
    std::vector<int64_t> seqs;
    SIXSTEPS_ASSIGN_OR_RETURN(std::vector<Item> items, read(seq, size + 1, &seqs));
    return TakeKeysetPage(items, seqs, size, query, out);
  }
};

// `size` as NormalisePageSize returned it, `page_token` as the request gave it.
inline absl::StatusOr<KeysetPage> ReadKeysetPage(absl::StatusOr<int> size,
                                                 const std::string& page_token, std::string query) {
  SIXSTEPS_RETURN_IF_ERROR(size.status());
  KeysetPage page{*size, std::move(query), 0};
  SIXSTEPS_ASSIGN_OR_RETURN(page.seq, KeysetSeq(page_token, page.query));
  return page;
}

}  // namespace sixsteps::assessment
