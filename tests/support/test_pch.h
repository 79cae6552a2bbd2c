// The headers every test binary's own sources are compiled against, precompiled once per build
// (tests/CMakeLists.txt, sixsteps_test_pch) and reused by every test target: GoogleTest, gRPC,
// protobuf, libpqxx, Abseil and every service's generated contracts. Parsing them was most of a
// test source's compile time (the generated gRPC headers alone ~15 s of CPU per source); loading
// them precompiled takes a fraction of a second. Only headers that change with the contracts or
// the toolchain belong here: a service's own headers change often, and every test would be
// recompiled with them. A source still includes what it uses (the build works without this).
#pragma once

#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/util/time_util.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "sixsteps/action/v1/action_service.grpc.pb.h"
#include "sixsteps/assessment/v1/assessment_service.grpc.pb.h"
#include "sixsteps/assessment/v1/evidence_file_service.grpc.pb.h"
#include "sixsteps/assessment/v1/programme_service.grpc.pb.h"
#include "sixsteps/assessment/v1/retention_service.grpc.pb.h"
#include "sixsteps/assessment/v1/scrutiny_report_service.grpc.pb.h"
#include "sixsteps/assessment/v1/voice_service.grpc.pb.h"
#include "sixsteps/framework/v1/framework_service.grpc.pb.h"
#include "sixsteps/identity/v1/identity_service.grpc.pb.h"
#include "sixsteps/notification/v1/notification_service.grpc.pb.h"
#include "sixsteps/reporting/v1/reporting_service.grpc.pb.h"
