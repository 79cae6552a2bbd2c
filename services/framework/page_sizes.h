// Default and maximum page_size of ListFrameworks and ListFrameworkVersions (AIP-158),
// quoted by the contracts' comments; see NormalisePageSize for how they apply.
#pragma once

#include "services/common/pagination.h"

namespace sixsteps::framework {

inline constexpr PageSizeLimits kListFrameworksPage{50, 500};
inline constexpr PageSizeLimits kListFrameworkVersionsPage{50, 500};

}  // namespace sixsteps::framework
