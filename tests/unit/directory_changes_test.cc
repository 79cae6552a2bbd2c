// Which directory entries a refresh writes to the read model (issue 18: a refresh of an
// unchanged directory must cost nothing per partnership).
#include "services/reporting/directory_changes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sixsteps::reporting {
namespace {

namespace idv1 = ::sixsteps::identity::v1;

idv1::Partnership Partnership(const std::string& id, const std::string& name) {
  idv1::Partnership p;
  p.set_name("partnerships/" + id);
  p.set_region("regions/north");
  p.set_display_name(name);
  return p;
}

idv1::Organisation Organisation(const std::string& partnership, const std::string& id,
                                const std::string& name) {
  idv1::Organisation o;
  o.set_name("partnerships/" + partnership + "/organisations/" + id);
  o.set_display_name(name);
  return o;
}

DirectoryEntries Directory() {
  DirectoryEntries d;
  idv1::Region region;
  region.set_name("regions/north");
  region.set_display_name("North");
  d.regions.push_back(region);
  for (const char* id : {"p1", "p2", "p3"}) {
    d.partnerships.push_back(Partnership(id, std::string("Partnership ") + id));
    d.organisations.push_back(Organisation(id, "council", "Council"));
    d.organisations.push_back(Organisation(id, "police", "Police"));
  }
  return d;
}

size_t Size(const DirectoryEntries& d) {
  return d.regions.size() + d.partnerships.size() + d.organisations.size();
}

TEST(DirectoryChangesTest, TheFirstRefreshWritesEverythingAndAnUnchangedOneNothing) {
  DirectoryFingerprints written, seen;
  DirectoryEntries first = ChangedEntries(Directory(), written, &seen);
  EXPECT_EQ(Size(first), Size(Directory()));
  written = seen;
  DirectoryEntries second = ChangedEntries(Directory(), written, &seen);
  EXPECT_EQ(Size(second), 0u);
  EXPECT_EQ(seen, written);
}

TEST(DirectoryChangesTest, ARenameOrANewOrganisationIsAllThatIsWritten) {
  DirectoryFingerprints written, seen;
  ChangedEntries(Directory(), written, &written);
  DirectoryEntries later = Directory();
  later.partnerships[1].set_display_name("Partnership two, renamed");
  later.partnerships[2].set_regional_comparison_opt_out(true);
  later.organisations[0].set_display_name("County council");
  later.organisations.push_back(Organisation("p2", "health", "Health"));
  DirectoryEntries changed = ChangedEntries(later, written, &seen);
  EXPECT_TRUE(changed.regions.empty());
  ASSERT_EQ(changed.partnerships.size(), 2u);
  EXPECT_EQ(changed.partnerships[0].display_name(), "Partnership two, renamed");
  EXPECT_TRUE(changed.partnerships[1].regional_comparison_opt_out());
  ASSERT_EQ(changed.organisations.size(), 2u);
  EXPECT_EQ(changed.organisations[0].display_name(), "County council");
  EXPECT_EQ(changed.organisations[1].name(), "partnerships/p2/organisations/health");
  // Renamed back: written again, since the read model holds the other name.
  DirectoryEntries back = ChangedEntries(Directory(), seen, &written);
  EXPECT_EQ(back.partnerships.size(), 2u);
  EXPECT_EQ(back.organisations.size(), 1u);
}

}  // namespace
}  // namespace sixsteps::reporting
