// The page sizes of identity's List RPCs (AIP-158), one default and one maximum per list,
// in one place so that the contracts' comments can quote them. NormalisePageSize applies
// them: a page_size of 0 gets the default, a larger one than the maximum is clamped to it,
// and a negative one is INVALID_ARGUMENT.
#pragma once

namespace sixsteps::identity {

inline constexpr int kListRegionsDefaultPageSize = 50;
inline constexpr int kListRegionsMaxPageSize = 500;
inline constexpr int kListPartnershipsDefaultPageSize = 50;
inline constexpr int kListPartnershipsMaxPageSize = 500;
inline constexpr int kListOrganisationsDefaultPageSize = 50;
inline constexpr int kListOrganisationsMaxPageSize = 500;
inline constexpr int kListUsersDefaultPageSize = 50;
inline constexpr int kListUsersMaxPageSize = 500;
inline constexpr int kListServiceAccountsDefaultPageSize = 50;
inline constexpr int kListServiceAccountsMaxPageSize = 500;
inline constexpr int kListApiKeysDefaultPageSize = 50;
inline constexpr int kListApiKeysMaxPageSize = 500;
inline constexpr int kListRoleBindingsDefaultPageSize = 50;
inline constexpr int kListRoleBindingsMaxPageSize = 500;
inline constexpr int kListAuditEventsDefaultPageSize = 50;
inline constexpr int kListAuditEventsMaxPageSize = 500;

}  // namespace sixsteps::identity
