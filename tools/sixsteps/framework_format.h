// Text output of the framework commands, for people. Scripts use --output json instead,
// so this format may change; texts are printed in full, never truncated or wrapped.
#pragma once

#include <string>
#include <vector>

#include "sixsteps/framework/v1/framework.pb.h"
#include "sixsteps/framework/v1/framework_service.pb.h"

namespace sixsteps::cli {

namespace v1 = ::sixsteps::framework::v1;

// A table with a header row, one framework a line: id, display name, owner (built-in or
// region), latest published version, derived from.
std::string FormatFrameworkList(const std::vector<v1::Framework>& frameworks);
// A table with a header row, one version a line: version, state, created, published, title.
std::string FormatVersionList(const std::vector<v1::FrameworkVersion>& versions);

// The whole version: title; each step ("Step s1: <title>") with its questions
// ("  s1.q1  <text>"); the rating definitions ("Green: <definition>"); the action plan
// guidance; the context questions ("  c1  <text>"); then source, attribution, lineage,
// name, state and etag.
std::string FormatVersion(const v1::FrameworkVersion& version);
// A few lines: name, state, title, how many steps and questions, etag.
std::string FormatVersionSummary(const v1::FrameworkVersion& version);
// A few lines about a framework: name, display name, owner, lineage.
std::string FormatFramework(const v1::Framework& framework);

// One change of a diff, for example "+ question s2.q5 (step s2): <text>",
// "- step s3: <title>", "~ question s1.q2: <old> -> <new>",
// "> question s1.q3 moved to step s2".
std::string FormatChange(const v1::FrameworkChange& change);
// Every change, one a line, or "no changes" when there are none.
std::string FormatChanges(const v1::DiffFrameworkVersionsResponse& diff);

}  // namespace sixsteps::cli
