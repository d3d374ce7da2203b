// The counters behind GET /v2/stats/store (TestStoreStats* of the store checklist): each
// operation moves exactly its own success or failure counter by one.

#include "store/store.h"

#include "store_fixture.h"

namespace arbor::store {
namespace {

class StoreStatsTest : public StoreTest {
 protected:
  // The stats after `op`, minus the stats before it.
  template <typename F>
  StoreStats Delta(F op) {
    StoreStats before = s_.stats();
    op();
    StoreStats after = s_.stats();
    StoreStats d;
    d.gets_success = after.gets_success - before.gets_success;
    d.gets_fail = after.gets_fail - before.gets_fail;
    d.sets_success = after.sets_success - before.sets_success;
    d.sets_fail = after.sets_fail - before.sets_fail;
    d.delete_success = after.delete_success - before.delete_success;
    d.delete_fail = after.delete_fail - before.delete_fail;
    d.update_success = after.update_success - before.update_success;
    d.update_fail = after.update_fail - before.update_fail;
    d.create_success = after.create_success - before.create_success;
    d.create_fail = after.create_fail - before.create_fail;
    d.compare_and_swap_success = after.compare_and_swap_success - before.compare_and_swap_success;
    d.compare_and_swap_fail = after.compare_and_swap_fail - before.compare_and_swap_fail;
    d.compare_and_delete_success =
        after.compare_and_delete_success - before.compare_and_delete_success;
    d.compare_and_delete_fail = after.compare_and_delete_fail - before.compare_and_delete_fail;
    d.expire_count = after.expire_count - before.expire_count;
    d.watchers = after.watchers - before.watchers;
    return d;
  }
  static StoreStats Only(uint64_t StoreStats::*field) {
    StoreStats s;
    s.*field = 1;
    return s;
  }
};

TEST_F(StoreStatsTest, GetSuccess) {
  Set("/foo", "bar");
  EXPECT_EQ(Delta([&] { (void)s_.get("/foo", false, false, kNow); }), Only(&StoreStats::gets_success));
}
TEST_F(StoreStatsTest, GetFail) {
  EXPECT_EQ(Delta([&] { (void)s_.get("/no", false, false, kNow); }), Only(&StoreStats::gets_fail));
}
TEST_F(StoreStatsTest, CreateSuccess) {
  EXPECT_EQ(Delta([&] { (void)s_.create("/foo", false, "bar", false, {}, kNow); }),
            Only(&StoreStats::create_success));
}
TEST_F(StoreStatsTest, CreateFail) {
  Mkdir("/foo");
  EXPECT_EQ(Delta([&] { (void)s_.create("/foo", false, "bar", false, {}, kNow); }),
            Only(&StoreStats::create_fail));
}
TEST_F(StoreStatsTest, SetSuccessAndFail) {
  EXPECT_EQ(Delta([&] { (void)s_.set("/foo", false, "bar", {}, kNow); }), Only(&StoreStats::sets_success));
  Mkdir("/dir");
  EXPECT_EQ(Delta([&] { (void)s_.set("/dir", false, "bar", {}, kNow); }), Only(&StoreStats::sets_fail));
}
TEST_F(StoreStatsTest, UpdateSuccess) {
  Set("/foo", "bar");
  EXPECT_EQ(Delta([&] { (void)s_.update("/foo", "baz", {}, kNow); }), Only(&StoreStats::update_success));
}
TEST_F(StoreStatsTest, UpdateFail) {
  EXPECT_EQ(Delta([&] { (void)s_.update("/foo", "baz", {}, kNow); }), Only(&StoreStats::update_fail));
}
TEST_F(StoreStatsTest, CompareAndSwapSuccess) {
  Set("/foo", "bar");
  EXPECT_EQ(Delta([&] { (void)s_.compare_and_swap("/foo", "bar", 0, "baz", {}, kNow); }),
            Only(&StoreStats::compare_and_swap_success));
}
TEST_F(StoreStatsTest, CompareAndSwapFail) {
  Set("/foo", "bar");
  EXPECT_EQ(Delta([&] { (void)s_.compare_and_swap("/foo", "wrong", 0, "baz", {}, kNow); }),
            Only(&StoreStats::compare_and_swap_fail));
}
TEST_F(StoreStatsTest, DeleteSuccess) {
  Set("/foo", "bar");
  EXPECT_EQ(Delta([&] { (void)s_.remove("/foo", false, false, kNow); }), Only(&StoreStats::delete_success));
}
TEST_F(StoreStatsTest, DeleteFail) {
  EXPECT_EQ(Delta([&] { (void)s_.remove("/foo", false, false, kNow); }), Only(&StoreStats::delete_fail));
}
TEST_F(StoreStatsTest, CompareAndDeleteSuccessAndFail) {
  Set("/foo", "bar");
  EXPECT_EQ(Delta([&] { (void)s_.compare_and_delete("/foo", "x", 0, kNow); }),
            Only(&StoreStats::compare_and_delete_fail));
  EXPECT_EQ(Delta([&] { (void)s_.compare_and_delete("/foo", "bar", 0, kNow); }),
            Only(&StoreStats::compare_and_delete_success));
}
TEST_F(StoreStatsTest, ExpireCount) {
  Set("/foo", "bar", ttl(1));
  EXPECT_EQ(Delta([&] { s_.delete_expired(kNow + 2 * kSecond); }), Only(&StoreStats::expire_count));
}
TEST_F(StoreStatsTest, WatchersCountsRegisteredWatchersOnly) {
  Recorder rec;
  EXPECT_EQ(Delta([&] { Watch(rec, "/foo"); }), Only(&StoreStats::watchers));
  Set("/foo", "bar");
  EXPECT_EQ(s_.stats().watchers, 0u);
  (void)WatchHistory("/foo", false, 1);  // answered from history: never counted
  EXPECT_EQ(s_.stats().watchers, 0u);
}

}  // namespace
}  // namespace arbor::store
