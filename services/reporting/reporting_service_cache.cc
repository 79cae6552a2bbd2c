// The assessment report served from the replica's ReportCache (issue 18, Reads): from
// memory alone when the cache's listener has heard up to the request's min_sequence,
// otherwise after one row of the read model confirms the entry's versions, otherwise built
// from the read model and kept (if no change to the round was heard while it was built).
//
// A cached report is kept encoded. Served to gRPC (ReportForm::kEncoded), it becomes the
// unknown fields of an otherwise empty message beside its freshness: protobuf writes unknown
// fields out as they are, so the bytes on the wire are the report's own and serving it copies
// and encodes no message. A profile of the earlier form (a parsed report copied for each call,
// then encoded by gRPC) had most of reporting's CPU in malloc, free and the copy.
//
// On gRPC's callback API (AssessmentFromMemory, session 21) a report served from memory alone
// is not even parsed into unknown fields: the call's response is a ByteBuffer of two slices,
// the freshness field encoded for the call and the cached bytes themselves, which the slice
// holds (with a reference to the entry) until gRPC has sent them.
#include <google/protobuf/util/time_util.h>

#include <memory>
#include <utility>

#include <grpcpp/support/slice.h>

#include "absl/time/clock.h"
#include "services/base/make_status.h"
#include "services/base/status_macros.h"
#include "services/reporting/reporting_service.h"

namespace sixsteps::reporting {
namespace {

using google::protobuf::util::TimeUtil;

bool MayRead(const Caller& caller, const RoundOwner& owner) {
  return MayReadPartnershipReports(caller, owner.region_id, owner.partnership_id, owner.opted_out);
}

// The cached report with the freshness it is served at.
absl::StatusOr<rv1::AssessmentReport> Served(const CachedReport& entry, rv1::Freshness freshness,
                                             ReportForm form) {
  rv1::AssessmentReport report;
  const bool parsed =
      form == ReportForm::kEncoded
          // Its top-level fields, each kept as its encoded bytes.
          ? report.GetReflection()->MutableUnknownFields(&report)->ParseFromString(entry.encoded)
          : report.ParseFromString(entry.encoded);
  if (!parsed) return absl::InternalError("a cached assessment report could not be read");
  *report.mutable_freshness() = std::move(freshness);
  return report;
}

// The freshness a report served from memory alone is sent with.
rv1::Freshness LiveFreshness(const ReportCache::Live& live) {
  rv1::Freshness freshness;
  freshness.set_sequence(live.sequence);
  if (live.change_micros != 0) {
    *freshness.mutable_change_time() = TimeUtil::MicrosecondsToTimestamp(live.change_micros);
  }
  *freshness.mutable_report_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(absl::Now()));
  return freshness;
}

// The entry's bytes as a slice that keeps the entry alive until gRPC lets go of it.
grpc::Slice SliceOf(std::shared_ptr<const CachedReport> entry) {
  using Kept = std::shared_ptr<const CachedReport>;
  auto* kept = new Kept(std::move(entry));
  return grpc::Slice(
      const_cast<char*>((*kept)->encoded.data()), (*kept)->encoded.size(),
      [](void* user_data) { delete static_cast<Kept*>(user_data); }, kept);
}

}  // namespace

std::optional<grpc::ByteBuffer> Reports::AssessmentFromMemory(
    const Caller& caller, const rv1::GetAssessmentReportRequest& r) {
  if (cache_ == nullptr || r.min_sequence() < 0) return std::nullopt;
  absl::StatusOr<std::string> id = ParseId(r.assessment(), "assessments", "assessment");
  if (!id.ok()) return std::nullopt;
  absl::StatusOr<std::string> as_of = AsOf(r.as_of_date());
  if (!as_of.ok()) return std::nullopt;
  std::optional<ReportCache::Live> live = cache_->FindLive(*id, *as_of, r.min_sequence());
  if (!live || !MayRead(caller, live->entry->owner)) return std::nullopt;
  // The report's freshness field alone, encoded: a message field's tag and length, then the
  // Freshness. The cached bytes are the report's other fields; field order does not matter
  // on the wire, and this is the order protobuf wrote when they were its unknown fields.
  rv1::AssessmentReport freshness_only;
  *freshness_only.mutable_freshness() = LiveFreshness(*live);
  grpc::Slice parts[2] = {grpc::Slice(freshness_only.SerializeAsString()),
                          SliceOf(std::move(live->entry))};
  cache_->Count(ReportCache::Served::kFromMemory);
  return grpc::ByteBuffer(parts, 2);
}

absl::StatusOr<rv1::AssessmentReport> Reports::CachedAssessment(
    const Caller& caller, const rv1::GetAssessmentReportRequest& r, const std::string& id,
    const std::string& as_of, absl::Time deadline, ReportForm form) {
  if (r.min_sequence() < 0) {
    return absl::InvalidArgumentError("min_sequence: must not be negative");
  }
  std::optional<ReportCache::Live> live = cache_->FindLive(id, as_of, r.min_sequence());
  // Another partnership's round is refused by Read below, as one that does not exist is
  // (catching_up.h: the same answer while reporting catches up with the feed).
  if (live && MayRead(caller, live->entry->owner)) {
    cache_->Count(ReportCache::Served::kFromMemory);
    return Served(*live->entry, LiveFreshness(*live), form);
  }

  // Taken before the snapshot: a change to the round heard from here on keeps what is
  // built from it out of the cache.
  const ReportCache::Generation since = cache_->Begin();
  auto may_see = [&](const RoundOwner& owner) { return MayRead(caller, owner); };
  rv1::Freshness freshness;
  ReadModel::Snapshot::VersionedOwner versioned;
  std::shared_ptr<const CachedReport> hit;
  RoundData round;
  SIXSTEPS_RETURN_IF_ERROR(Read(
      r.min_sequence(), deadline,
      [&](ReadModel::Snapshot& model, const rv1::Freshness& f) -> absl::Status {
        freshness = f;
        hit.reset();
        absl::StatusOr<ReadModel::Snapshot::VersionedOwner> found =
            model.RoundVersionOf(id, may_see);
        if (!found.ok()) {
          return found.status().code() == absl::StatusCode::kNotFound ? NotFound(r.assessment())
                                                                      : found.status();
        }
        versioned = *found;
        std::shared_ptr<const CachedReport> entry = cache_->Find(id, as_of);
        if (entry != nullptr && entry->version == versioned.version) {
          hit = std::move(entry);
          return absl::OkStatus();
        }
        SIXSTEPS_ASSIGN_OR_RETURN(round, LoadRoundFor(caller, model, id, r.assessment()));
        return absl::OkStatus();
      }));
  if (hit != nullptr) {
    cache_->Count(ReportCache::Served::kChecked);
    return Served(*hit, std::move(freshness), form);
  }

  rv1::AssessmentReport report = BuildAssessmentReport(round, as_of, freshness);
  auto entry = std::make_shared<CachedReport>();
  entry->owner = versioned.owner;
  {
    // Encoded without its freshness, which each call sets.
    std::unique_ptr<rv1::Freshness> built(report.release_freshness());
    entry->encoded = report.SerializeAsString();
    report.set_allocated_freshness(built.release());
  }
  entry->version = versioned.version;
  entry->built_sequence = freshness.sequence();
  entry->built_change_micros =
      freshness.has_change_time() ? TimeUtil::TimestampToMicroseconds(freshness.change_time()) : 0;
  cache_->Count(ReportCache::Served::kBuilt);
  cache_->Put(id, as_of, since, std::move(entry));
  return report;
}

}  // namespace sixsteps::reporting
