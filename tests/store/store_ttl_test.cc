// TTL and expiry: ../shared/spec/v2-keys-api.md §6, v2-store-internals.md §4 and the TTL items of
// ../shared/peer-suites/store_checklist.md.

#include "store/store.h"

#include "store_fixture.h"

namespace arbor::store {
namespace {

TEST_F(StoreTest, TtlIsRoundedUpAndExpirationIsAbsolute) {
  EventPtr e = Set("/k", "v", ttl(60));
  EXPECT_EQ(e->node.ttl, 60);
  EXPECT_EQ(e->node.expiration, kNow + 60 * kSecond);
  EXPECT_EQ(Get("/k", false, kNow + kSecond / 2).node.ttl, 60);  // 59.5 s left -> 60
  EXPECT_EQ(Get("/k", false, kNow + 59 * kSecond).node.ttl, 1);
  EXPECT_EQ(Get("/k", false, kNow + 60 * kSecond).node.ttl, 0);
  EXPECT_EQ(Get("/k", false, kNow + 61 * kSecond).node.ttl, -1);  // expired, not yet swept
}

TEST_F(StoreTest, TtlZeroMakesAKeyThatExpiresAtTheNextSweep) {
  EventPtr e = Set("/k", "v", TtlOptions{kNow, false});
  EXPECT_EQ(e->node.ttl, 0);
  EXPECT_EQ(e->node.expiration, kNow);
  EXPECT_EQ(s_.delete_expired(kNow), 1u);
}

TEST_F(StoreTest, UpdateValueTtl) {  // TestStoreUpdateValueTTL
  Set("/foo", "bar");
  s_.update("/foo", "baz", ttl(1), kNow).value();
  EXPECT_EQ(Get("/foo").node.value, "baz");
  EXPECT_EQ(s_.delete_expired(kNow + 2 * kSecond), 1u);
  EXPECT_EQ(ErrorOf(s_.get("/foo", false, false, kNow)).code, ErrorCode::kKeyNotFound);
}

TEST_F(StoreTest, UpdateDirTtl) {  // TestStoreUpdateDirTTL
  Mkdir("/foo");
  Set("/foo/bar", "baz");
  auto e = s_.update("/foo", "", ttl(1), kNow);
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE((*e)->node.dir);
  EXPECT_EQ((*e)->node.ttl, 1);
  s_.delete_expired(kNow + 2 * kSecond);
  EXPECT_EQ(ErrorOf(s_.get("/foo/bar", false, false, kNow)),
            (Error{ErrorCode::kKeyNotFound, "/foo", 4}));
}

TEST_F(StoreTest, WatchExpire) {  // TestStoreWatchExpire
  Set("/foo", "bar", ttl(1));        // 1
  Set("/foofoo", "barbarbar", ttl(1));  // 2
  Mkdir("/foodir", ttl(1));          // 3
  Recorder rec;
  Watch(rec, "/", true, true);
  EXPECT_EQ(s_.delete_expired(kNow + 2 * kSecond), 3u);
  ASSERT_EQ(rec.events.size(), 3u);
  EXPECT_EQ(rec.events[0]->action, Action::kExpire);
  EXPECT_EQ(rec.events[0]->node.key, "/foo");
  EXPECT_EQ(rec.events[0]->index(), 4u);
  EXPECT_EQ(rec.events[1]->node.key, "/foofoo");
  EXPECT_EQ(rec.events[2]->node.key, "/foodir");
  EXPECT_TRUE(rec.events[2]->node.dir);
  // A watch from a past index replays them from history.
  EXPECT_EQ(WatchHistory("/", true, 5)->node.key, "/foofoo");
  EXPECT_TRUE(WatchHistory("/foodir", false, 6)->node.dir);
}

TEST_F(StoreTest, ExpireEventShape) {
  Set("/exp", "soon", ttl(1));
  Recorder rec;
  Watch(rec, "/exp");
  s_.delete_expired(kNow + kSecond);
  ASSERT_EQ(rec.events.size(), 1u);
  const Event& e = *rec.events[0];
  NodeView node;
  node.key = "/exp";
  node.modified_index = 2;
  node.created_index = 1;
  EXPECT_EQ(e.node, node);
  NodeView prev = file_view("/exp", "soon", 1, 1);
  prev.expiration = kNow + kSecond;  // ttl 0 at that moment: left out
  EXPECT_EQ(*e.prev_node, prev);
  EXPECT_EQ(s_.stats().expire_count, 1u);
}

TEST_F(StoreTest, ExpiredDirectoryIsOneEventAndWatchersBelowGetIt) {
  Mkdir("/edir", ttl(2));
  Set("/edir/child", "x");
  Recorder child, parent;
  Watch(child, "/edir/child");
  Watch(parent, "/", true);
  s_.delete_expired(kNow + 3 * kSecond);
  ASSERT_EQ(child.events.size(), 1u);
  EXPECT_EQ(child.events[0]->node.key, "/edir");
  EXPECT_EQ(child.events[0]->action, Action::kExpire);
  EXPECT_EQ(s_.current_index(), 3u);
  // The child's own TTL entry (if any) goes with the directory.
  EXPECT_FALSE(s_.has_ttl_keys());
}

TEST_F(StoreTest, ChildWithItsOwnTtlLeavesTheHeapWhenItsDirectoryIsDeleted) {
  Mkdir("/d");
  Set("/d/k", "v", ttl(5));
  EXPECT_TRUE(s_.has_ttl_keys());
  s_.remove("/d", true, true, kNow).value();
  EXPECT_FALSE(s_.has_ttl_keys());
  EXPECT_EQ(s_.delete_expired(kNow + 10 * kSecond), 0u);
}

TEST_F(StoreTest, ExpiryIsInExpireTimeOrder) {
  Set("/late", "v", ttl(30));
  Set("/early", "v", ttl(10));
  Set("/mid", "v", ttl(20));
  Recorder rec;
  Watch(rec, "/", true, true);
  EXPECT_EQ(s_.delete_expired(kNow + 15 * kSecond), 1u);
  EXPECT_EQ(s_.delete_expired(kNow + 60 * kSecond), 2u);
  ASSERT_EQ(rec.events.size(), 3u);
  EXPECT_EQ(rec.events[0]->node.key, "/early");
  EXPECT_EQ(rec.events[1]->node.key, "/mid");
  EXPECT_EQ(rec.events[2]->node.key, "/late");
}

TEST_F(StoreTest, WatchExpireRefresh) {  // TestStoreWatchExpireRefresh
  Set("/foo", "bar", ttl(1));
  Set("/foofoo", "barbarbar", ttl(1));
  Recorder rec;
  Watch(rec, "/", true, true);
  auto e = s_.update("/foofoo", "", refresh(3), kNow);  // 3
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE((*e)->refresh);
  EXPECT_TRUE(rec.events.empty());  // A refresh wakes nobody.
  s_.delete_expired(kNow + 2 * kSecond);
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0]->node.key, "/foo");
  EXPECT_EQ(rec.events[0]->index(), 4u);
  s_.delete_expired(kNow + 4 * kSecond);
  ASSERT_EQ(rec.events.size(), 2u);
  EXPECT_EQ(rec.events[1]->node.key, "/foofoo");
  EXPECT_EQ(rec.events[1]->index(), 5u);
}

TEST_F(StoreTest, WatchExpireEmptyRefreshKeepsTheValue) {  // TestStoreWatchExpireEmptyRefresh
  Set("/foo", "bar", ttl(1));
  s_.update("/foo", "", refresh(1), kNow).value();
  Recorder rec;
  Watch(rec, "/", true, true);
  s_.delete_expired(kNow + 2 * kSecond);
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0]->prev_node->value, "bar");
}

TEST_F(StoreTest, WatchNoRefresh) {  // TestStoreWatchNoRefresh
  Set("/foo", "bar", ttl(1));
  Recorder rec;
  Watch(rec, "/", true, true);
  s_.update("/foo", "", ttl(3), kNow).value();  // not a refresh: a normal update to ""
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0]->action, Action::kUpdate);
  EXPECT_EQ(rec.events[0]->prev_node->value, "bar");
  EXPECT_EQ(rec.events[0]->node.value, "");
}

TEST_F(StoreTest, RefreshThroughUpdateSetDirUpdateAndCas) {  // TestStoreRefresh
  Set("/foo", "bar", ttl(1));
  Mkdir("/dir", ttl(1));
  auto u = s_.update("/foo", "", refresh(5), kNow);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ((*u)->node.value, "bar");
  EXPECT_EQ((*u)->node.created_index, 1u);  // update keeps createdIndex
  auto s = s_.set("/foo", false, "", refresh(5), kNow);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)->node.value, "bar");
  EXPECT_EQ((*s)->node.created_index, 4u);  // set replaces the node: new createdIndex
  EXPECT_TRUE(s_.update("/dir", "", refresh(5), kNow).ok());
  auto c = s_.compare_and_swap("/foo", "bar", 0, "", refresh(5), kNow);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)->node.value, "bar");
  EXPECT_EQ(s_.current_index(), 6u);  // every refresh moved the index
}

TEST_F(StoreTest, RefreshOfAMissingKeyIsKeyNotFound) {
  EXPECT_EQ(ErrorOf(s_.set("/nope", false, "", refresh(5), kNow)).code, ErrorCode::kKeyNotFound);
}

TEST_F(StoreTest, WatchExpireWithHiddenKey) {  // TestStoreWatchExpireWithHiddenKey
  Set("/_foo", "bar", ttl(1));
  Set("/foofoo", "barbarbar", ttl(2));
  Recorder rec;
  Watch(rec, "/", true, true);
  s_.delete_expired(kNow + 1 * kSecond);
  EXPECT_TRUE(rec.events.empty());
  s_.delete_expired(kNow + 2 * kSecond);
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0]->node.key, "/foofoo");
}

TEST_F(StoreTest, ExpiredButNotSweptKeyIsStillReadable) {
  Set("/k", "v", ttl(1));
  EXPECT_EQ(Get("/k", false, kNow + 5 * kSecond).node.value, "v");
}

}  // namespace
}  // namespace arbor::store
