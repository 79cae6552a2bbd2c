// The action-plan rules as plain functions: what an action must say, when it is overdue,
// when it may be a "sustain" action, who may plan and who may report progress, and how an
// open action is carried into a new round.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/assessment/domain.h"
#include "sixsteps/action/v1/action.pb.h"

namespace sixsteps::assessment {

namespace av1 = ::sixsteps::action::v1;

// Progress notes are rows of their own, capped per action (issue 13: notes kept in the
// action record made every read, revision and feed change grow without bound, until one
// passed gRPC's message limit and stopped reporting for every tenant). The caps are far
// above what an action owner writes honestly (a note a week for four years is 200).
// A progress note: at most this many characters (a completion note or cancel reason, one
// per action, keeps kMaxTextLength).
inline constexpr int kMaxProgressNoteLength = 4000;
// Notes per action added with AddProgressUpdate; the note that closes an action (done,
// cancelled, carried over) is always accepted, so an action has at most one more.
inline constexpr int kMaxProgressUpdatesPerAction = 200;
// Bytes of note and evidence text per action (the same closing note aside).
inline constexpr int64_t kMaxProgressBytesPerAction = 512 * 1024;
// How many of the latest notes the action record (and so every read, revision and feed
// change of it) carries; ListProgressUpdates reads them all.
inline constexpr int kLatestProgressUpdatesKept = 5;

// The notes an action has as rows.
struct ProgressUsage {
  int count = 0;
  int64_t bytes = 0;
};

// What a note counts against kMaxProgressBytesPerAction: its note and evidence.
int64_t ProgressBytes(const av1::ProgressUpdate& update);

// RESOURCE_EXHAUSTED naming the limit if one more note of `note_bytes` would pass a cap.
absl::Status CheckProgressCapacity(const ProgressUsage& usage, int64_t note_bytes);

// How many of the record's last progress_updates are not rows yet: all of them in a record
// written before notes were rows (its progress_update_count is 0), and any that a replica
// of that release appended since. Such notes come after every row.
int UnadoptedProgressCount(const av1::Action& action);

// Trims the record's progress_updates to the latest kLatestProgressUpdatesKept, and says
// in progress_update_count how many there are in all (rows plus unadopted ones), so that
// a record written before notes were rows reads small too. Idempotent.
void KeepLatestProgress(av1::Action& action);

// Planned or in progress.
bool IsOpenAction(const av1::Action& action);
// Open, and due before `as_of` (an ISO date): the due date itself is not overdue yet.
bool IsOverdue(const av1::Action& action, absl::string_view as_of);
// Today's date in the hub's time zone, ISO.
std::string TodayIn(absl::TimeZone zone, absl::Time now);

// The fields a planner sets: a step of the round's framework; at least one question, all
// of that step, none twice; description and intended outcome; an owner organisation of
// the round's partnership; an ISO due date; a known kind. INVALID_ARGUMENT naming the field.
absl::Status ValidateActionPlan(const av1::Action& action, const FrameworkIndex& framework,
                                absl::string_view partnership_name);

// Section 5: a "sustain" action maintains a Green; every question it covers must have a
// consolidated Green rating. FAILED_PRECONDITION otherwise.
absl::Status CheckSustainAllowed(const av1::Action& action,
                                 const std::map<std::string, fv1::Rating>& consolidated);

// Planning (create, change, cancel, carry over): the partnership's administrators and
// scrutineers, the region's hub administrators, integrations.
absl::Status CheckCanPlan(const Caller& caller, const v1::Assessment& assessment);
// Progress (notes, done): the owner organisation's partner respondents and action owners,
// and whoever may plan.
absl::Status CheckCanReportProgress(const Caller& caller, const v1::Assessment& assessment,
                                    const av1::Action& action);

// The new round's copy of an open action: same step and plan, the questions the new
// framework still has (matched by their stable ids), linked to the old one. Nullopt when
// none of its questions is in the new framework.
std::optional<av1::Action> CarriedForward(const av1::Action& old, const FrameworkIndex& framework,
                                          const v1::Assessment& new_round);

}  // namespace sixsteps::assessment
