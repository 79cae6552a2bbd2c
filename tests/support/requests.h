// Requests that carry nothing but the resource they aim at, in one expression: the tables of
// calls in the auth matrix and the refusal tests build dozens of them.
#pragma once

#include <string>

namespace sixsteps::testing {

// A request naming `name` (Get…, Delete…, most state changes).
template <typename Request>
Request Named(const std::string& name) {
  Request request;
  request.set_name(name);
  return request;
}

// A request under `parent` (List…, Create…).
template <typename Request>
Request ParentOf(const std::string& parent) {
  Request request;
  request.set_parent(parent);
  return request;
}

}  // namespace sixsteps::testing
