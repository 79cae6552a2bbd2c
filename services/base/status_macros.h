// Early-return macros for absl::Status and absl::StatusOr, named like Abseil's newer
// ABSL_RETURN_IF_ERROR / ABSL_ASSIGN_OR_RETURN, which Abseil 20220623 does not have.
#pragma once

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns the status of `expr` from the enclosing function unless it is OK.
#define SIXSTEPS_RETURN_IF_ERROR(expr)                   \
  do {                                                   \
    ::absl::Status sixsteps_status_ = (expr);            \
    if (!sixsteps_status_.ok()) return sixsteps_status_; \
  } while (0)

#define SIXSTEPS_CONCAT_INNER(a, b) a##b
#define SIXSTEPS_CONCAT(a, b) SIXSTEPS_CONCAT_INNER(a, b)

// Declares or assigns `lhs` from the value of the absl::StatusOr `expr`, or returns its
// status from the enclosing function.
#define SIXSTEPS_ASSIGN_OR_RETURN(lhs, expr) \
  SIXSTEPS_ASSIGN_OR_RETURN_IMPL(SIXSTEPS_CONCAT(sixsteps_statusor_, __LINE__), lhs, expr)
#define SIXSTEPS_ASSIGN_OR_RETURN_IMPL(statusor, lhs, expr) \
  auto statusor = (expr);                                   \
  if (!statusor.ok()) return std::move(statusor).status();  \
  lhs = std::move(statusor).value()
