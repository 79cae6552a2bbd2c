// The reporting service's SQL. Parameterised statements only; records travel as binary
// protobuf.
#include "services/reporting/read_model.h"

#include <google/protobuf/util/time_util.h>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/status.h"

namespace sixsteps::reporting {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kSelectCursor[] =
    "SELECT sequence, (extract(epoch FROM change_time) * 1000000)::bigint FROM feed_cursor "
    "WHERE id = 1";
constexpr char kSelectCursorForUpdate[] = "SELECT sequence FROM feed_cursor WHERE id = 1 FOR UPDATE";
constexpr char kUpdateCursor[] =
    "UPDATE feed_cursor SET sequence = $1, change_time = to_timestamp($2::bigint / 1000000.0), "
    "update_time = now() WHERE id = 1";

constexpr char kHasFramework[] = "SELECT 1 FROM frameworks WHERE framework_version = $1";
constexpr char kInsertFramework[] =
    "INSERT INTO frameworks (framework_version, content) VALUES ($1, $2) "
    "ON CONFLICT (framework_version) DO NOTHING";
constexpr char kSelectFramework[] = "SELECT content FROM frameworks WHERE framework_version = $1";

constexpr char kHasPartnership[] = "SELECT 1 FROM partnerships WHERE partnership_id = $1";
constexpr char kUpsertRegion[] =
    "INSERT INTO regions (region_id, display_name) VALUES ($1, $2) ON CONFLICT (region_id) "
    "DO UPDATE SET display_name = EXCLUDED.display_name";
constexpr char kUpsertPartnership[] =
    "INSERT INTO partnerships (partnership_id, region_id, display_name, "
    "regional_comparison_opt_out) VALUES ($1, $2, $3, $4) ON CONFLICT (partnership_id) DO UPDATE "
    "SET region_id = EXCLUDED.region_id, display_name = EXCLUDED.display_name, "
    "regional_comparison_opt_out = EXCLUDED.regional_comparison_opt_out, refresh_time = now()";
constexpr char kUpsertOrganisation[] =
    "INSERT INTO organisations (partnership_id, organisation_id, display_name) VALUES ($1, $2, $3) "
    "ON CONFLICT (partnership_id, organisation_id) DO UPDATE SET display_name = "
    "EXCLUDED.display_name";

constexpr char kUpsertRound[] =
    "INSERT INTO rounds (assessment_id, partnership_id, region_id, framework_version, kind, state, "
    "finalise_time, record) VALUES ($1, $2, $3, $4, $5, $6, "
    "CASE WHEN $7::bigint = 0 THEN NULL ELSE to_timestamp($7::bigint / 1000000.0) END, $8) "
    "ON CONFLICT (assessment_id) DO UPDATE SET state = EXCLUDED.state, "
    "finalise_time = EXCLUDED.finalise_time, record = EXCLUDED.record";
constexpr char kUpsertRespondent[] =
    "INSERT INTO respondents (assessment_id, respondent_id, record) VALUES ($1, $2, $3) "
    "ON CONFLICT (assessment_id, respondent_id) DO UPDATE SET record = EXCLUDED.record";
constexpr char kUpsertResponse[] =
    "INSERT INTO responses (assessment_id, respondent_id, question_id, record) "
    "VALUES ($1, $2, $3, $4) ON CONFLICT (assessment_id, respondent_id, question_id) "
    "DO UPDATE SET record = EXCLUDED.record";
constexpr char kUpsertConsolidation[] =
    "INSERT INTO consolidations (assessment_id, question_id, record) VALUES ($1, $2, $3) "
    "ON CONFLICT (assessment_id, question_id) DO UPDATE SET record = EXCLUDED.record";
constexpr char kUpsertChallenge[] =
    "INSERT INTO challenges (assessment_id, challenge_id, record) VALUES ($1, $2, $3) "
    "ON CONFLICT (assessment_id, challenge_id) DO UPDATE SET record = EXCLUDED.record";
constexpr char kUpsertAction[] =
    "INSERT INTO actions (action_id, assessment_id, partnership_id, region_id, status, due_date, "
    "record) VALUES ($1, $2, $3, $4, $5, $6::date, $7) ON CONFLICT (action_id) DO UPDATE SET "
    "status = EXCLUDED.status, due_date = EXCLUDED.due_date, record = EXCLUDED.record";

constexpr char kSelectOwner[] =
    "SELECT partnership_id, region_id FROM rounds WHERE assessment_id = $1";
constexpr char kSelectRound[] =
    "SELECT r.record, r.framework_version, coalesce(p.display_name, r.partnership_id) "
    "FROM rounds r LEFT JOIN partnerships p ON p.partnership_id = r.partnership_id "
    "WHERE r.assessment_id = $1";
constexpr char kSelectRespondents[] =
    "SELECT record FROM respondents WHERE assessment_id = $1 ORDER BY respondent_id";
constexpr char kSelectResponses[] =
    "SELECT record FROM responses WHERE assessment_id = $1 ORDER BY question_id, respondent_id";
constexpr char kSelectConsolidations[] =
    "SELECT record FROM consolidations WHERE assessment_id = $1";
constexpr char kSelectChallenges[] = "SELECT record FROM challenges WHERE assessment_id = $1";
constexpr char kSelectActionsOfRound[] = "SELECT record FROM actions WHERE assessment_id = $1";
constexpr char kSelectOrganisationsOf[] =
    "SELECT organisation_id, display_name FROM organisations WHERE partnership_id = $1";
constexpr char kSelectPartnership[] =
    "SELECT partnership_id, region_id, display_name, regional_comparison_opt_out "
    "FROM partnerships WHERE partnership_id = $1";
constexpr char kSelectFinalisedRounds[] =
    "SELECT record, framework_version FROM rounds WHERE partnership_id = $1 AND kind = $2 "
    "AND state = 'STATE_FINALISED' ORDER BY finalise_time";
constexpr char kSelectConsolidationsOfRounds[] =
    "SELECT assessment_id, record FROM consolidations WHERE assessment_id = ANY($1::text[])";
constexpr char kSelectRegionName[] = "SELECT display_name FROM regions WHERE region_id = $1";
constexpr char kSelectRegionPartnerships[] =
    "SELECT partnership_id, region_id, display_name, regional_comparison_opt_out "
    "FROM partnerships WHERE region_id = $1 ORDER BY display_name, partnership_id";
// The latest finalised independent scrutiny of each partnership of the region.
constexpr char kSelectLatestInRegion[] =
    "SELECT DISTINCT ON (partnership_id) partnership_id, record, framework_version FROM rounds "
    "WHERE region_id = $1 AND state = 'STATE_FINALISED' "
    "AND kind = 'ASSESSMENT_KIND_INDEPENDENT_SCRUTINY' "
    "ORDER BY partnership_id, finalise_time DESC";
constexpr char kSelectOverdueInRegion[] =
    "SELECT partnership_id, count(*) FROM actions WHERE region_id = $1 "
    "AND status IN ('STATUS_PLANNED', 'STATUS_IN_PROGRESS') AND due_date < $2::date "
    "GROUP BY partnership_id";
constexpr char kSelectActionsOfPartnership[] =
    "SELECT record FROM actions WHERE partnership_id = $1";
constexpr char kSelectActionsOfRegion[] = "SELECT record FROM actions WHERE region_id = $1";
constexpr char kSelectOrganisationsOfRegion[] =
    "SELECT o.partnership_id, o.organisation_id, o.display_name FROM organisations o "
    "JOIN partnerships p ON p.partnership_id = o.partnership_id WHERE p.region_id = $1";
constexpr char kSelectFrameworksOfActions[] =
    "SELECT DISTINCT r.framework_version FROM rounds r JOIN actions a "
    "ON a.assessment_id = r.assessment_id WHERE (a.partnership_id = $1 OR a.region_id = $2)";

std::string Bytes(const pqxx::field& field) { return pqxx::binarystring(field).str(); }
pqxx::binarystring Blob(const google::protobuf::Message& message) {
  return pqxx::binarystring(message.SerializeAsString());
}

std::string Id(absl::string_view name) {
  size_t slash = name.rfind('/');
  return std::string(slash == absl::string_view::npos ? name : name.substr(slash + 1));
}

template <typename Message>
absl::StatusOr<Message> Parse(const pqxx::field& field) {
  Message message;
  if (!message.ParseFromString(Bytes(field))) {
    return absl::DataLossError("a stored record of the read model cannot be read");
  }
  return message;
}

template <typename Message>
absl::StatusOr<std::vector<Message>> ParseAll(const pqxx::result& rows, int column = 0) {
  std::vector<Message> messages;
  for (const pqxx::row& row : rows) {
    SIXSTEPS_ASSIGN_OR_RETURN(Message message, Parse<Message>(row[column]));
    messages.push_back(std::move(message));
  }
  return messages;
}

int64_t Micros(const google::protobuf::Timestamp& time) {
  return TimeUtil::TimestampToMicroseconds(time);
}

// Writes the record a change carries.
void ApplyOne(pqxx::work& txn, const av1::Change& change) {
  switch (change.record_case()) {
    case av1::Change::kAssessmentRecord: {
      const av1::Assessment& a = change.assessment_record();
      txn.exec_params(kUpsertRound, Id(a.name()), Id(a.partnership()), Id(a.region()),
                      a.framework_version(), av1::AssessmentKind_Name(a.kind()),
                      av1::Assessment::State_Name(a.state()),
                      a.has_finalise_time() ? Micros(a.finalise_time()) : int64_t{0}, Blob(a));
      break;
    }
    case av1::Change::kRespondent:
      txn.exec_params(kUpsertRespondent, Id(change.assessment()), Id(change.respondent().name()),
                      Blob(change.respondent()));
      break;
    case av1::Change::kResponse: {
      const av1::Response& r = change.response();
      std::string respondent = r.name().substr(0, r.name().rfind("/responses/"));
      txn.exec_params(kUpsertResponse, Id(change.assessment()), Id(respondent), r.question_id(),
                      Blob(r));
      break;
    }
    case av1::Change::kConsolidation:
      txn.exec_params(kUpsertConsolidation, Id(change.assessment()),
                      change.consolidation().question_id(), Blob(change.consolidation()));
      break;
    case av1::Change::kChallenge:
      txn.exec_params(kUpsertChallenge, Id(change.assessment()), Id(change.challenge().name()),
                      Blob(change.challenge()));
      break;
    case av1::Change::kAction: {
      const actv1::Action& a = change.action();
      txn.exec_params(kUpsertAction, Id(a.name()), Id(a.assessment()), Id(a.partnership()),
                      Id(a.region()), actv1::Action::Status_Name(a.status()), a.due_date(),
                      Blob(a));
      break;
    }
    default:
      // Context answers are not part of any report yet; the cursor still moves past them.
      break;
  }
}

}  // namespace

absl::StatusOr<rv1::Freshness> ReadModel::Freshness() {
  rv1::Freshness freshness;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = txn.exec(kSelectCursor);
    freshness.set_sequence(rows[0][0].as<int64_t>());
    if (!rows[0][1].is_null()) {
      *freshness.mutable_change_time() = TimeUtil::MicrosecondsToTimestamp(rows[0][1].as<int64_t>());
    }
    return absl::OkStatus();
  }));
  *freshness.mutable_report_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(absl::Now()));
  return freshness;
}

absl::StatusOr<bool> ReadModel::HasFramework(const std::string& version_name) {
  bool found = false;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    found = !txn.exec_params(kHasFramework, version_name).empty();
    return absl::OkStatus();
  }));
  return found;
}

absl::Status ReadModel::PutFramework(const std::string& version_name,
                                     const fv1::FrameworkVersion& version) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    txn.exec_params(kInsertFramework, version_name, Blob(version));
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> ReadModel::HasPartnership(const std::string& partnership_id) {
  bool found = false;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    found = !txn.exec_params(kHasPartnership, partnership_id).empty();
    return absl::OkStatus();
  }));
  return found;
}

absl::Status ReadModel::PutDirectory(const std::vector<idv1::Region>& regions,
                                     const std::vector<idv1::Partnership>& partnerships,
                                     const std::vector<idv1::Organisation>& organisations) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    for (const auto& region : regions) {
      txn.exec_params(kUpsertRegion, Id(region.name()), region.display_name());
    }
    for (const auto& p : partnerships) {
      txn.exec_params(kUpsertPartnership, Id(p.name()), Id(p.region()), p.display_name(),
                      p.regional_comparison_opt_out());
    }
    for (const auto& o : organisations) {
      // "partnerships/{p}/organisations/{o}"
      std::string partnership = o.name().substr(0, o.name().find("/organisations/"));
      txn.exec_params(kUpsertOrganisation, Id(partnership), Id(o.name()), o.display_name());
    }
    return absl::OkStatus();
  });
}

absl::Status ReadModel::Apply(const std::vector<av1::Change>& changes) {
  if (changes.empty()) return absl::OkStatus();
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    int64_t cursor = txn.exec(kSelectCursorForUpdate)[0][0].as<int64_t>();
    const av1::Change* last = nullptr;
    for (const av1::Change& change : changes) {
      if (change.sequence() <= cursor) continue;
      ApplyOne(txn, change);
      cursor = change.sequence();
      last = &change;
    }
    if (last != nullptr) txn.exec_params(kUpdateCursor, cursor, Micros(last->time()));
    return absl::OkStatus();
  });
}

absl::StatusOr<fv1::FrameworkVersion> ReadModel::Framework(const std::string& version_name) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto found = frameworks_.find(version_name);
    if (found != frameworks_.end()) return found->second;
  }
  fv1::FrameworkVersion version;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = txn.exec_params(kSelectFramework, version_name);
    if (rows.empty()) {
      return absl::UnavailableError(
          absl::StrCat("the read model has not fetched ", version_name, " yet; try again"));
    }
    SIXSTEPS_ASSIGN_OR_RETURN(version, Parse<fv1::FrameworkVersion>(rows[0][0]));
    return absl::OkStatus();
  }));
  std::lock_guard<std::mutex> lock(mu_);
  frameworks_[version_name] = version;
  return version;
}

absl::StatusOr<RoundOwner> ReadModel::OwnerOf(const std::string& assessment_id) {
  RoundOwner owner;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = txn.exec_params(kSelectOwner, assessment_id);
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat("assessments/", assessment_id, " not found"));
    }
    owner = {rows[0][0].as<std::string>(), rows[0][1].as<std::string>()};
    return absl::OkStatus();
  }));
  return owner;
}

absl::StatusOr<RoundData> ReadModel::LoadRound(const std::string& assessment_id) {
  RoundData round;
  std::string framework_version;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    round = RoundData();
    pqxx::result rows = txn.exec_params(kSelectRound, assessment_id);
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat("assessments/", assessment_id, " not found"));
    }
    SIXSTEPS_ASSIGN_OR_RETURN(round.assessment, Parse<av1::Assessment>(rows[0][0]));
    framework_version = rows[0][1].as<std::string>();
    round.partnership_name = rows[0][2].as<std::string>();
    SIXSTEPS_ASSIGN_OR_RETURN(round.respondents, ParseAll<av1::Respondent>(
                                                     txn.exec_params(kSelectRespondents, assessment_id)));
    SIXSTEPS_ASSIGN_OR_RETURN(round.responses, ParseAll<av1::Response>(
                                                   txn.exec_params(kSelectResponses, assessment_id)));
    SIXSTEPS_ASSIGN_OR_RETURN(round.consolidations,
                              ParseAll<av1::Consolidation>(
                                  txn.exec_params(kSelectConsolidations, assessment_id)));
    SIXSTEPS_ASSIGN_OR_RETURN(round.challenges, ParseAll<av1::Challenge>(
                                                    txn.exec_params(kSelectChallenges, assessment_id)));
    SIXSTEPS_ASSIGN_OR_RETURN(round.actions, ParseAll<actv1::Action>(
                                                 txn.exec_params(kSelectActionsOfRound, assessment_id)));
    std::string partnership = Id(round.assessment.partnership());
    for (const pqxx::row& row : txn.exec_params(kSelectOrganisationsOf, partnership)) {
      round.organisation_names[absl::StrCat(round.assessment.partnership(), "/organisations/",
                                            row[0].as<std::string>())] = row[1].as<std::string>();
    }
    return absl::OkStatus();
  }));
  SIXSTEPS_ASSIGN_OR_RETURN(round.framework, Framework(framework_version));
  return round;
}

absl::StatusOr<PartnershipInfo> ReadModel::Partnership(const std::string& partnership_id) {
  PartnershipInfo info;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = txn.exec_params(kSelectPartnership, partnership_id);
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat("partnerships/", partnership_id, " not found"));
    }
    info = {rows[0][0].as<std::string>(), rows[0][1].as<std::string>(),
            rows[0][2].as<std::string>(), rows[0][3].as<bool>()};
    return absl::OkStatus();
  }));
  return info;
}

absl::StatusOr<std::vector<FinalisedRound>> ReadModel::FinalisedRounds(
    const std::string& partnership_id, const std::string& kind) {
  std::vector<FinalisedRound> rounds;
  std::vector<std::string> versions;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    rounds.clear();
    versions.clear();
    std::vector<std::string> ids;
    absl::flat_hash_map<std::string, size_t> index;
    for (const pqxx::row& row : txn.exec_params(kSelectFinalisedRounds, partnership_id, kind)) {
      FinalisedRound round;
      SIXSTEPS_ASSIGN_OR_RETURN(round.assessment, Parse<av1::Assessment>(row[0]));
      versions.push_back(row[1].as<std::string>());
      ids.push_back(Id(round.assessment.name()));
      index[ids.back()] = rounds.size();
      rounds.push_back(std::move(round));
    }
    for (const pqxx::row& row :
         txn.exec_params(kSelectConsolidationsOfRounds, db::TextArray(ids))) {
      SIXSTEPS_ASSIGN_OR_RETURN(av1::Consolidation c, Parse<av1::Consolidation>(row[1]));
      rounds[index[row[0].as<std::string>()]].consolidations.push_back(std::move(c));
    }
    return absl::OkStatus();
  }));
  for (size_t i = 0; i < rounds.size(); ++i) {
    SIXSTEPS_ASSIGN_OR_RETURN(rounds[i].framework, Framework(versions[i]));
  }
  return rounds;
}

absl::StatusOr<RegionData> ReadModel::LoadRegion(const std::string& region_id,
                                                 const std::string& as_of) {
  RegionData data;
  absl::flat_hash_map<std::string, std::string> versions;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    data = RegionData();
    versions.clear();
    pqxx::result name = txn.exec_params(kSelectRegionName, region_id);
    data.region_name = name.empty() ? region_id : name[0][0].as<std::string>();
    for (const pqxx::row& row : txn.exec_params(kSelectRegionPartnerships, region_id)) {
      data.partnerships.push_back({row[0].as<std::string>(), row[1].as<std::string>(),
                                   row[2].as<std::string>(), row[3].as<bool>()});
    }
    std::vector<std::string> ids;
    absl::flat_hash_map<std::string, std::string> partnership_of;
    for (const pqxx::row& row : txn.exec_params(kSelectLatestInRegion, region_id)) {
      FinalisedRound round;
      SIXSTEPS_ASSIGN_OR_RETURN(round.assessment, Parse<av1::Assessment>(row[1]));
      std::string partnership = row[0].as<std::string>();
      versions[partnership] = row[2].as<std::string>();
      ids.push_back(Id(round.assessment.name()));
      partnership_of[ids.back()] = partnership;
      data.latest[partnership] = std::move(round);
    }
    for (const pqxx::row& row :
         txn.exec_params(kSelectConsolidationsOfRounds, db::TextArray(ids))) {
      SIXSTEPS_ASSIGN_OR_RETURN(av1::Consolidation c, Parse<av1::Consolidation>(row[1]));
      data.latest[partnership_of[row[0].as<std::string>()]].consolidations.push_back(std::move(c));
    }
    for (const pqxx::row& row : txn.exec_params(kSelectOverdueInRegion, region_id, as_of)) {
      data.overdue[row[0].as<std::string>()] = row[1].as<int>();
    }
    return absl::OkStatus();
  }));
  for (auto& [partnership, round] : data.latest) {
    SIXSTEPS_ASSIGN_OR_RETURN(round.framework, Framework(versions[partnership]));
  }
  return data;
}

absl::StatusOr<ActionData> ReadModel::LoadActions(const std::string& partnership_id,
                                                  const std::string& region_id) {
  ActionData data;
  std::vector<std::string> versions;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    data = ActionData();
    versions.clear();
    if (!partnership_id.empty()) {
      SIXSTEPS_ASSIGN_OR_RETURN(data.actions, ParseAll<actv1::Action>(txn.exec_params(
                                                  kSelectActionsOfPartnership, partnership_id)));
      for (const pqxx::row& row : txn.exec_params(kSelectOrganisationsOf, partnership_id)) {
        data.organisation_names[absl::StrCat("partnerships/", partnership_id, "/organisations/",
                                             row[0].as<std::string>())] = row[1].as<std::string>();
      }
    } else {
      SIXSTEPS_ASSIGN_OR_RETURN(data.actions, ParseAll<actv1::Action>(
                                                  txn.exec_params(kSelectActionsOfRegion, region_id)));
      for (const pqxx::row& row : txn.exec_params(kSelectOrganisationsOfRegion, region_id)) {
        data.organisation_names[absl::StrCat("partnerships/", row[0].as<std::string>(),
                                             "/organisations/", row[1].as<std::string>())] =
            row[2].as<std::string>();
      }
    }
    for (const pqxx::row& row : txn.exec_params(kSelectFrameworksOfActions,
                                                partnership_id.empty() ? "-" : partnership_id,
                                                region_id.empty() ? "-" : region_id)) {
      versions.push_back(row[0].as<std::string>());
    }
    return absl::OkStatus();
  }));
  for (const std::string& version : versions) {
    SIXSTEPS_ASSIGN_OR_RETURN(fv1::FrameworkVersion framework, Framework(version));
    for (const fv1::Step& step : framework.steps()) data.step_titles.emplace(step.id(), step.title());
  }
  return data;
}

}  // namespace sixsteps::reporting
