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
//
// The regional overview is served from the replica's OverviewCache the same way, after one
// row of the read model (the region's versions) confirms the entry (overview_cache.h).
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/support/slice.h>

#include "absl/strings/str_cat.h"
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

// A cached report (`encoded` without its freshness) with the freshness it is served at.
template <typename Report>
absl::StatusOr<Report> Served(const std::string& encoded, rv1::Freshness freshness,
                              ReportForm form) {
  Report report;
  const bool parsed =
      form == ReportForm::kEncoded
          // Its top-level fields, each kept as its encoded bytes.
          ? report.GetReflection()->MutableUnknownFields(&report)->ParseFromString(encoded)
          : report.ParseFromString(encoded);
  if (!parsed) return absl::InternalError("a cached report could not be read");
  *report.mutable_freshness() = std::move(freshness);
  return report;
}

// `report` encoded without its freshness, which each call sets.
template <typename Report>
std::string EncodedWithoutFreshness(Report& report) {
  std::unique_ptr<rv1::Freshness> built(report.release_freshness());
  std::string encoded = report.SerializeAsString();
  report.set_allocated_freshness(built.release());
  return encoded;
}

// The caller's view of a region's opted-out partnerships (sorted ids): the ones whose names
// it sees through the opt-out (reports.h), each followed by a space.
std::string ViewOf(const Caller& caller, const std::string& region,
                   const std::vector<std::string>& opted_out) {
  std::string view;
  for (const std::string& partnership : opted_out) {
    if (SeesThroughOptOut(caller, region, partnership)) absl::StrAppend(&view, partnership, " ");
  }
  return view;
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
    return Served<rv1::AssessmentReport>(live->entry->encoded, LiveFreshness(*live), form);
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
    return Served<rv1::AssessmentReport>(hit->encoded, std::move(freshness), form);
  }

  rv1::AssessmentReport report = BuildAssessmentReport(round, as_of, freshness);
  auto entry = std::make_shared<CachedReport>();
  entry->owner = versioned.owner;
  entry->encoded = EncodedWithoutFreshness(report);
  entry->version = versioned.version;
  entry->built_sequence = freshness.sequence();
  entry->built_change_micros =
      freshness.has_change_time() ? TimeUtil::TimestampToMicroseconds(freshness.change_time()) : 0;
  cache_->Count(ReportCache::Served::kBuilt);
  cache_->Put(id, as_of, since, std::move(entry));
  return report;
}

absl::StatusOr<rv1::RegionalOverview> Reports::Region(const Caller& caller,
                                                      const rv1::GetRegionalOverviewRequest& r,
                                                      absl::Time deadline, ReportForm form) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseId(r.region(), "regions", "region"));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string as_of, AsOf(r.as_of_date()));
  if (!caller.CanSeeRegion(id)) return NotFound(r.region());
  auto view_of = [&](const std::vector<std::string>& opted_out) {
    return ViewOf(caller, id, opted_out);
  };
  rv1::Freshness freshness;
  RegionData data;
  RegionVersion version;
  std::shared_ptr<const std::string> cached;
  SIXSTEPS_RETURN_IF_ERROR(
      Read(r.min_sequence(), deadline,
           [&](ReadModel::Snapshot& model, const rv1::Freshness& f) -> absl::Status {
             freshness = f;
             cached.reset();
             // The versions and the region's data come from the same snapshot, so an entry
             // built here is what any snapshot at these versions would build.
             if (overview_cache_ != nullptr) {
               SIXSTEPS_ASSIGN_OR_RETURN(version, model.RegionVersionOf(id));
               cached = overview_cache_->Find(id, as_of, version, view_of);
               if (cached != nullptr) return absl::OkStatus();
             }
             SIXSTEPS_ASSIGN_OR_RETURN(data, model.LoadRegion(id, as_of));
             return absl::OkStatus();
           }));
  if (cached != nullptr) {
    overview_cache_->Count(OverviewCache::Served::kChecked);
    return Served<rv1::RegionalOverview>(*cached, std::move(freshness), form);
  }
  std::vector<std::string> opted_out;
  std::vector<RegionalInput> inputs;
  inputs.reserve(data.partnerships.size());
  for (PartnershipInfo& p : data.partnerships) {
    if (p.opted_out) opted_out.push_back(p.id);
    RegionalInput& input = inputs.emplace_back();
    input.opted_out = p.opted_out;
    input.caller_is_member = SeesThroughOptOut(caller, id, p.id);
    auto latest = data.latest_figures.find(p.id);
    if (latest != data.latest_figures.end()) input.latest_figures = std::move(latest->second);
    auto overdue = data.overdue.find(p.id);
    if (overdue != data.overdue.end()) input.overdue_actions = overdue->second;
    input.partnership_id = std::move(p.id);
    input.name = std::move(p.name);
  }
  rv1::RegionalOverview overview =
      BuildRegionalOverview(r.region(), data.region_name, std::move(inputs), as_of, freshness);
  if (overview_cache_ != nullptr) {
    std::sort(opted_out.begin(), opted_out.end());
    const std::string view = view_of(opted_out);
    overview_cache_->Put(id, as_of, version, std::move(opted_out), view,
                         std::make_shared<const std::string>(EncodedWithoutFreshness(overview)));
    overview_cache_->Count(OverviewCache::Served::kBuilt);
  }
  return overview;
}

}  // namespace sixsteps::reporting
