// Which partnerships' records a caller may read, in the form the stores filter by: shared by
// identity's partnership list and assessment's Visibility.
#pragma once

#include <string>
#include <vector>

#include "services/common/auth.h"

namespace sixsteps::auth {

// Every partnership `caller` has a grant on (into `partnerships`), and the regions (or "*")
// of its region-level grants that see a region's partnerships (into `regions`): hub
// administrator, viewer, dashboard and integration (Caller::CanSeePartnership).
inline void PartnershipsSeen(const Caller& caller, std::vector<std::string>* regions,
                             std::vector<std::string>* partnerships) {
  for (const Grant& grant : caller.grants) {
    if (!grant.partnership.empty()) {
      partnerships->push_back(grant.partnership);
    } else if (caller.CanSeePartnership(grant.region, "")) {
      regions->push_back(grant.region);
    }
  }
}

}  // namespace sixsteps::auth
