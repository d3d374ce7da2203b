// store::auth_generation moves on every change under /2 (what v2 auth caches) and on a new or
// recovered Store, and not on other writes.

#include <gtest/gtest.h>

#include "store/store.h"
#include "store_fixture.h"

namespace arbor::store {
namespace {

TEST(AuthGenerationTest, MovesOnlyWithSlashTwo) {
  Store s;
  uint64_t g = auth_generation();
  ASSERT_TRUE(s.set("/1/a", false, "x", TtlOptions{}, kNow).ok());
  ASSERT_TRUE(s.remove("/1/a", false, false, kNow).ok());
  EXPECT_EQ(auth_generation(), g);
  ASSERT_TRUE(s.set("/2/enabled", false, "true", TtlOptions{}, kNow).ok());
  EXPECT_GT(auth_generation(), g);
  g = auth_generation();
  ASSERT_TRUE(s.set("/2/users/u", false, "{}", TtlOptions{}, kNow).ok());
  EXPECT_GT(auth_generation(), g);
  g = auth_generation();
  ASSERT_TRUE(s.remove("/2/users/u", false, false, kNow).ok());
  EXPECT_GT(auth_generation(), g);
  g = auth_generation();
  auto r = Store::recover_from_string(s.save_to_string());
  ASSERT_TRUE(r.ok());
  EXPECT_GT(auth_generation(), g);
}

}  // namespace
}  // namespace arbor::store
