// Default and maximum page_size of ListFrameworks and ListFrameworkVersions (AIP-158),
// quoted by the contracts' comments; see NormalisePageSize for how they apply.
#pragma once

namespace sixsteps::framework {

inline constexpr int kListFrameworksDefaultPageSize = 50;
inline constexpr int kListFrameworksMaxPageSize = 500;
inline constexpr int kListFrameworkVersionsDefaultPageSize = 50;
inline constexpr int kListFrameworkVersionsMaxPageSize = 500;

}  // namespace sixsteps::framework
