// The page sizes of identity's List RPCs (AIP-158), one default and one maximum per list,
// in one place so that the contracts' comments can quote them. NormalisePageSize applies
// them: a page_size of 0 gets the default, a larger one than the maximum is clamped to it,
// and a negative one is INVALID_ARGUMENT.
#pragma once

#include "services/common/pagination.h"

namespace sixsteps::identity {

inline constexpr PageSizeLimits kListRegionsPage{50, 500};
inline constexpr PageSizeLimits kListPartnershipsPage{50, 500};
inline constexpr PageSizeLimits kListOrganisationsPage{50, 500};
inline constexpr PageSizeLimits kListUsersPage{50, 500};
inline constexpr PageSizeLimits kListServiceAccountsPage{50, 500};
inline constexpr PageSizeLimits kListApiKeysPage{50, 500};
inline constexpr PageSizeLimits kListRoleBindingsPage{50, 500};
inline constexpr PageSizeLimits kListAuditEventsPage{50, 500};

}  // namespace sixsteps::identity
