// The auth matrix's shared parts: one real hub (identity, framework, assessment with
// ActionService, reporting) with the records and callers every matrix file aims at, a
// generic caller for any method (unary or server-streaming), the tokens that must never
// authenticate anyone, and database fingerprints. The test files are
//   tests/integration/auth_matrix_test.cc             identity and framework (region-B cases)
//   tests/integration/auth_matrix_assessment_test.cc  assessment, actions, reporting (rows)
//   tests/integration/auth_matrix_notification_test.cc  notification (rows)
//   tests/integration/auth_matrix_coverage_test.cc    every method of every sixsteps.*.v1
//                                                     service has its rows
// and they share one hub: MatrixWorld() builds it once per test binary.
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {

using Code = absl::StatusCode;

// ---- The callers ----

// Who makes a call. Every caller but kNobody is a real user with real role bindings.
enum class Who {
  // Each of BadTokens() in turn: no token, expired, forged, tampered, alg none...
  kNobody,
  // bob: hub administrator of region B and administrator of partnership B; nothing in A.
  kRegionB,
  // carol: administrator of part-c, the other partnership of region A.
  kOtherPartnership,
  // Read-only roles that see part-a: a viewer of part-a, a dashboard of region A.
  kViewerA,
  kDashboardA,
  // Partner respondents of part-a's police and of its council; an action owner of its police.
  kPoliceRespondentA,
  kCouncilRespondentA,
  kActionOwnerA,
  // alice: independent scrutineer of part-a.
  kScrutineerA,
  kPartnershipAdminA,
  // Hub administrator of region A.
  kHubAdminA,
  // A case-management system: a service account of part-a bound as integration on part-a,
  // signed in with its API key.
  kIntegrationA,
};
std::string WhoName(Who who);
// Callers with no binding on part-a nor a region-wide role in region A (carol has a
// binding in region A, on part-c only).
inline bool IsOtherTenant(Who who) { return who == Who::kRegionB || who == Who::kOtherPartnership; }
inline bool IsReadOnly(Who who) { return who == Who::kViewerA || who == Who::kDashboardA; }

// Short names for the tables of rows (using namespace short_names;).
namespace short_names {
constexpr Who N = Who::kNobody;
constexpr Who B = Who::kRegionB;
constexpr Who O = Who::kOtherPartnership;
constexpr Who V = Who::kViewerA;
constexpr Who D = Who::kDashboardA;
constexpr Who RS = Who::kPoliceRespondentA;
constexpr Who RC = Who::kCouncilRespondentA;
constexpr Who AO = Who::kActionOwnerA;
constexpr Who SC = Who::kScrutineerA;
constexpr Who PA = Who::kPartnershipAdminA;
constexpr Who HA = Who::kHubAdminA;
constexpr Who IN = Who::kIntegrationA;
constexpr Code UA = Code::kUnauthenticated;
constexpr Code NF = Code::kNotFound;
constexpr Code PD = Code::kPermissionDenied;
constexpr Code OK = Code::kOk;
}  // namespace short_names

// ---- The records ----

// Identity's and framework's records of region A (besides the users above).
struct IdentityRecords {
  std::string user_a;     // users/{id}: alice, scrutineer of part-a
  std::string binding_a;  // roleBindings/{id}: alice's binding
  std::string account_a;  // serviceAccounts/{id}, owned by part-a
  std::string api_key_a;  // its key
  std::string api_key_a_id;
  std::string user_b;                           // users/{id}: bob
  framework::v1::FrameworkVersion draft_a;      // frameworks/frame-a/versions/2, a draft
  framework::v1::FrameworkVersion built_in;     // frameworks/six-steps/versions/2019
  framework::v1::FrameworkDocument document_a;  // frameworks/frame-a/versions/1, exported
};

// Assessment's records of part-a, all on the built-in framework, independent scrutiny.
struct AssessmentRecords {
  // A finalised round: police answered every question Red, alice consolidated, one action
  // per step (owned by police), finalised.
  std::string finalised;  // assessments/{id}
  // A draft round after it (its previous round is `finalised`).
  std::string round;              // assessments/{id}
  std::string police_respondent;  // every question; answered s1.q1 and s1.q4 (Red)
  std::string alice_respondent;   // alice, step s6 only; answered nothing
  std::string response;           // police's s1.q1
  std::string challenge;          // alice's open challenge of `response`
  // Actions of `round`, owned by police, planned.
  std::string action;         // progress and updates
  std::string action_done;    // to complete
  std::string action_cancel;  // to cancel
  // A self-assessment round: police (s1.q1 only) answered s1.q1 Red.
  std::string self_assessment;
  std::string self_response;
  // A planned round of part-a (ProgrammeService), opening in 2090: never opened here.
  std::string planned_round;  // plannedRounds/{id}
  // An OFFICIAL-SENSITIVE evidence file of part-a (evidenceFiles/{id}), uploaded by its
  // administrator: region A's dashboard may not read it.
  std::string evidence_file;
};

// VoiceService's records in part-a's draft round `round` (auth_matrix_voice_test.cc).
struct VoiceRecords {
  std::string engagement;            // OFFICIAL
  std::string sensitive_engagement;  // OFFICIAL-SENSITIVE
  std::string case_audit;
  std::string learning_review;
};

// Retention's records (auth_matrix_retention_test.cc): two standing legal holds on part-a's
// draft round `round`; one is lifted by the matrix's allowed row.
struct RetentionRecords {
  std::string hold;          // assessments/{round}/legalHolds/{id}
  std::string hold_to_lift;  // the same, for LiftLegalHold
};

// The scrutineer's report's records of part-a (tests/integration/
// auth_matrix_scrutiny_report_test.cc builds them): a report on `AssessmentRecords::round`
// written by alice and shared with the police, a concern the police raised, and an annual
// report draft of part-a.
struct ScrutinyRecords {
  std::string report;          // assessments/{round}/scrutinyReport/versions/1
  std::string recommendation;  // its recommendation
  std::string concern;         // partnerships/part-a/scrutinyConcerns/{id}
  std::string draft;           // partnerships/part-a/annualReportDrafts/{id}
};

struct MatrixWorld {
  std::unique_ptr<TestHub> hub;
  std::string admin;  // the deployment administrator's token
  std::map<Who, std::string> tokens;
  IdentityRecords identity;
  AssessmentRecords assessment;
  VoiceRecords voice;
  RetentionRecords retention;  // retention (H6)
  ScrutinyRecords scrutiny;
  // Texts that name A's records: none may appear in an answer to another tenant.
  std::vector<std::string> markers;

  const std::string& TokenOf(Who who) const { return tokens.at(who); }
  // The channel of the server that serves `service` (a full name); nullptr if the matrix
  // does not know it: add the new service's server here (auth_matrix.cc).
  std::shared_ptr<grpc::Channel> ChannelFor(const std::string& service) const;

  mutable std::map<std::string, std::shared_ptr<grpc::Channel>> channels;
};

// The one hub of this test binary, built on first use; fails the calling test if it could
// not be built.
absl::StatusOr<MatrixWorld*> GetMatrixWorld();

// ---- Calls ----

struct Reply {
  grpc::Status status;
  std::unique_ptr<google::protobuf::Message> response;
};

// Calls `method` with `request` and `token` ("" for none) through a generic stub. A
// server-streaming method answers with its first message (status OK, the call then
// cancelled) or, if the stream ends first, its status; `stream_wait` bounds the wait for
// that first message.
Reply CallGeneric(const MatrixWorld& world, const google::protobuf::MethodDescriptor* method,
                  const google::protobuf::Message& request, const std::string& token,
                  absl::Duration stream_wait = absl::Seconds(2));

// Tokens that must never authenticate anyone; each would make its bearer the deployment
// administrator if it did. {what it is, the token}.
std::vector<std::pair<std::string, std::string>> BadTokens(const MatrixWorld& world);

// A token's header (part 0) or payload (part 1).
nlohmann::json JwtPart(const std::string& token, int part);

// The first of world.markers in `response`, or "".
std::string LeakOf(const MatrixWorld& world, const google::protobuf::Message& response);

// Every table of a database but the ones sign-in attempts write: rows and a digest.
std::map<std::string, std::string> Fingerprint(const std::string& url);
// Fingerprint() of the hub's identity and framework databases and, if `with_assessment`,
// its assessment database, keyed "<database>.<table>".
std::map<std::string, std::string> HubFingerprints(const TestHub& hub, bool with_assessment = true);

// The last segment of a resource name: what a list's answer shows of a record.
std::string IdOf(const std::string& name);

// ---- The rows of the assessment, action and reporting matrix (and every later service) ----

// Builds a row's request when the row runs, so that it carries current etags.
using RequestFn = std::function<std::shared_ptr<google::protobuf::Message>()>;

template <typename T>
RequestFn Fixed(T message) {
  auto shared = std::make_shared<const T>(std::move(message));
  return [shared] { return std::make_shared<T>(*shared); };
}

struct Row {
  std::string method;  // full name: "sixsteps.action.v1.ActionService.GetAction"
  std::string what;    // the request in words
  Who who;
  Code code;  // what `who` gets
  RequestFn request;
  // Allowed rows: a text the answer must contain (a list shows the record it should).
  std::string must_show;
  // Allowed rows that change what other allowed rows rely on run after all the others.
  bool last = false;
};

// One expectation of a request: who calls, what they get; for an allowed caller, what the
// answer must show; `last` for an allowed write the other allowed rows must run before.
struct Expect {
  Who who;
  Code code;
  std::string must_show = "";
  bool last = false;
};

// Adds the rows of one service to `rows`: rows_of(method, what, request, {{N, UA}, {B, NF},
// {PA, OK, "shown"}}) adds a row per expectation. An allowed expectation that names nothing
// to show must show `shown`, when given.
class RowsOf {
 public:
  RowsOf(std::vector<Row>& rows, std::string service)
      : rows_(&rows), service_(std::move(service)) {}
  void operator()(const std::string& method, const std::string& what, const RequestFn& request,
                  const std::vector<Expect>& expects, const std::string& shown = "") const;

 private:
  std::vector<Row>* rows_;
  std::string service_;
};

// What a row proves, for the coverage check.
enum class RowKind { kUnauthenticated, kOtherTenant, kRoleRefused, kAllowed };
RowKind KindOf(const Row& row);
// Reads answer from what is stored; everything else may write.
bool IsReadMethod(const google::protobuf::MethodDescriptor& method);

// Defined in auth_matrix_assessment_test.cc: every row of assessment, action and reporting.
std::vector<Row> AssessmentActionReportingRows(const MatrixWorld& world);
// Defined in auth_matrix_voice_test.cc: VoiceService's records (planted when the world is
// built) and rows (part of AssessmentActionReportingRows).
absl::Status MakeVoiceRecords(MatrixWorld& world);
std::vector<Row> VoiceRows(const MatrixWorld& world);
// Defined in auth_matrix_retention_test.cc: RetentionService's holds (planted when the world
// is built) and rows (part of AssessmentActionReportingRows).
absl::Status MakeRetentionRecords(MatrixWorld& world);
std::vector<Row> RetentionRows(const MatrixWorld& world);
// Defined in auth_matrix_notification_test.cc: every row of the notification service
// (AssessmentActionReportingRows includes them, so the same checks run over them).
std::vector<Row> NotificationRows(const MatrixWorld& world);
// ---- webhooks (H1) ----
// Defined in auth_matrix_webhooks_test.cc: the webhook RPCs of the notification service
// (AssessmentActionReportingRows includes them).
std::vector<Row> WebhookRows(const MatrixWorld& world);
// Defined in auth_matrix_digest_test.cc: preferences and the unsubscribe (digest, H1).
std::vector<Row> DigestRows(const MatrixWorld& world);
// ---- end webhooks (H1) ----
// Defined in auth_matrix_scrutiny_report_test.cc: builds world.scrutiny (called while the
// world is built), and the rows of ScrutinyReportService (appended to
// AssessmentActionReportingRows).
absl::Status MakeScrutinyRecords(MatrixWorld& world);
std::vector<Row> ScrutinyReportRows(const MatrixWorld& world);
// Defined in auth_matrix_formats_test.cc: the streamed export's rows (appended to
// AssessmentActionReportingRows).
std::vector<Row> FormatsRows(const MatrixWorld& world);
// Defined in auth_matrix_cycle_test.cc: the reporting service's scrutiny-cycle reports (the
// scrutineer's report), appended to AssessmentActionReportingRows after ScrutinyReportRows.
std::vector<Row> CycleRows(const MatrixWorld& world);
// ---- evidence and voice reports (H5) ----
// Defined in auth_matrix_register_test.cc: the rows of the evidence register, engagement
// summary and audits-and-reviews summary (appended to AssessmentActionReportingRows).
std::vector<Row> RegisterRows(const MatrixWorld& world);
// Defined in auth_matrix_test.cc: identity's and framework's methods with at least one
// region-B case (each is also called with every bad token).
std::set<std::string> IdentityAndFrameworkMethods(const MatrixWorld& world);
// Defined in auth_matrix_test.cc: every request of identity's and framework's table, aimed
// at region A's records, with its method's full name (auth_matrix_notifier_test.cc).
std::vector<std::pair<std::string, std::shared_ptr<google::protobuf::Message>>>
IdentityAndFrameworkRequests(const MatrixWorld& world);

}  // namespace sixsteps::testing
