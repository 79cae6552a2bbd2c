// The digest rows of the auth matrix (digest, H1): notification preferences are each
// person's own — nobody reads or sets another's, administrators neither (PERMISSION_DENIED,
// other tenants too: the name says whose they are, and saying "not yours" reveals nothing);
// a viewer sets their own. UnsubscribeDigest needs no access token (the token it carries is
// the credential): a forged one is UNAUTHENTICATED, and a signed-in caller may use only
// their own person's. They run with the assessment rows (AssessmentActionReportingRows).
#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/notification/service_secret.h"
#include "sixsteps/notification/v1/notification_service.grpc.pb.h"
#include "tests/support/auth_matrix.h"

namespace sixsteps::testing {
namespace {

namespace nv1 = ::sixsteps::notification::v1;

using namespace short_names;  // NOLINT(build/namespaces)

// "users/{id}" of the caller `who`, as the service names them.
std::string PrincipalOf(const MatrixWorld& w, Who who) {
  grpc::ClientContext context;
  Authorize(context, w.tokens.at(who));
  nv1::GetNotificationPreferencesRequest request;
  request.set_name("users/me/notificationPreferences");
  nv1::NotificationPreferences own;
  (void)w.hub->NotificationStub()->GetNotificationPreferences(&context, request, &own);
  return std::string(absl::StripSuffix(own.name(), "/notificationPreferences"));
}

// An unsubscribe token of `who`'s digest, as the hub signs them.
std::string TokenOf(const MatrixWorld& w, Who who) {
  return w.hub->notification_secret().UnsubscribeToken(PrincipalOf(w, who),
                                                       absl::Now() + absl::Hours(24));
}

}  // namespace

std::vector<Row> DigestRows(const MatrixWorld& world) {
  const MatrixWorld* w = &world;
  std::vector<Row> rows;
  const RowsOf add(rows, nv1::NotificationService::service_full_name());
  auto preferences_of = [w](Who whose) {
    return [w, whose] {
      auto m = std::make_shared<nv1::GetNotificationPreferencesRequest>();
      m->set_name(absl::StrCat(PrincipalOf(*w, whose), "/notificationPreferences"));
      return m;
    };
  };
  add("GetNotificationPreferences", "part-a administrator's preferences", preferences_of(PA),
      {{N, UA}, {B, PD}, {O, PD}, {V, PD}, {HA, PD}, {SC, PD}, {PA, OK}},
      "notificationPreferences");
  auto update_of = [w](Who whose) {
    return [w, whose] {
      auto m = std::make_shared<nv1::UpdateNotificationPreferencesRequest>();
      m->mutable_preferences()->set_name(
          whose == N ? "users/me/notificationPreferences"
                     : absl::StrCat(PrincipalOf(*w, whose), "/notificationPreferences"));
      m->mutable_preferences()->set_weekly_digest(true);
      m->set_update_mask("weekly_digest");
      return m;
    };
  };
  add("UpdateNotificationPreferences", "part-a administrator's preferences", update_of(PA),
      {{N, UA}, {B, PD}, {O, PD}, {V, PD}, {D, PD}, {HA, PD}, {IN, PD}, {PA, OK}},
      "notificationPreferences");
  add("UpdateNotificationPreferences", "the caller's own preferences", update_of(N),
      {{V, OK}, {RS, OK}}, "notificationPreferences");
  auto unsubscribe = [w](Who whose) {
    return [w, whose] {
      auto m = std::make_shared<nv1::UnsubscribeDigestRequest>();
      // Nobody's: signed with a secret that is not the hub's (the nobody rows add bad access
      // tokens, or none).
      if (whose == N) {
        absl::StatusOr<notification::ServiceSecret> forged =
            notification::ServiceSecret::FromSecret("a-forger-does-not-know-it");
        m->set_token(forged->UnsubscribeToken(PrincipalOf(*w, PA), absl::Now() + absl::Hours(1)));
      } else {
        m->set_token(TokenOf(*w, whose));
      }
      return m;
    };
  };
  add("UnsubscribeDigest", "a forged token", unsubscribe(N), {{N, UA}});
  add("UnsubscribeDigest", "the viewer's token", unsubscribe(V), {{B, PD}, {O, PD}, {PA, PD}}, "");
  add("UnsubscribeDigest", "the administrator's token", unsubscribe(PA), {{V, PD}, {D, PD}});
  add("UnsubscribeDigest", "the viewer's own token", unsubscribe(V), {{V, OK}},
      "notificationPreferences");
  return rows;
}

}  // namespace sixsteps::testing
