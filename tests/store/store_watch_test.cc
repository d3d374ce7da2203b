// Watches: ../shared/spec/v2-watch.md §3 (history scan) and §4 (live notification), and the
// watch items of ../shared/peer-suites/store_checklist.md.

#include "store/store.h"

#include "store_fixture.h"

namespace arbor::store {
namespace {

TEST_F(StoreTest, WatchCreateFiresOnceWithTheNewIndex) {  // TestStoreWatchCreate
  Recorder rec;
  auto r = s_.watch("/foo", false, false, 0, rec.callback());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->start_index, 0u);
  EXPECT_EQ(s_.stats().watchers, 1u);
  s_.create("/foo", false, "bar", false, {}, kNow).value();
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0]->action, Action::kCreate);
  EXPECT_EQ(rec.events[0]->node.key, "/foo");
  EXPECT_EQ(rec.events[0]->index(), 1u);
  EXPECT_EQ(s_.stats().watchers, 0u);  // A one-shot watcher is removed after firing.
  Set("/foo", "again");
  EXPECT_EQ(rec.events.size(), 1u);
}

TEST_F(StoreTest, WatchRecursiveCreate) {  // TestStoreWatchRecursiveCreate
  Recorder rec;
  Watch(rec, "/foo", true);
  Set("/foo/bar", "baz");
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0]->action, Action::kSet);
  EXPECT_EQ(rec.events[0]->node.key, "/foo/bar");
}

TEST_F(StoreTest, WatchUpdate) {  // TestStoreWatchUpdate / TestStoreWatchRecursiveUpdate
  Set("/foo/bar", "baz");
  Recorder plain, rec;
  Watch(plain, "/foo/bar");
  Watch(rec, "/foo", true);
  s_.update("/foo/bar", "baz2", {}, kNow).value();
  ASSERT_EQ(plain.events.size(), 1u);
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(plain.events[0]->action, Action::kUpdate);
  EXPECT_EQ(rec.events[0]->node.key, "/foo/bar");
}

TEST_F(StoreTest, WatchDelete) {  // TestStoreWatchDelete / TestStoreWatchRecursiveDelete
  Set("/foo/bar", "baz");
  Recorder plain, rec;
  Watch(plain, "/foo/bar");
  Watch(rec, "/foo", true);
  s_.remove("/foo/bar", false, false, kNow).value();
  ASSERT_EQ(plain.events.size(), 1u);
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(plain.events[0]->action, Action::kDelete);
  EXPECT_EQ(rec.events[0]->action, Action::kDelete);
}

TEST_F(StoreTest, WatchCompareAndSwap) {
  // TestStoreWatchCompareAndSwap / TestStoreWatchRecursiveCompareAndSwap
  Set("/foo/bar", "baz");
  Recorder plain, rec;
  Watch(plain, "/foo/bar");
  Watch(rec, "/foo", true);
  s_.compare_and_swap("/foo/bar", "baz", 0, "baz2", {}, kNow).value();
  ASSERT_EQ(plain.events.size(), 1u);
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(plain.events[0]->action, Action::kCompareAndSwap);
}

TEST_F(StoreTest, WatchStreamDeliversEveryChange) {  // TestStoreWatchStream
  Recorder rec;
  Watch(rec, "/foo", false, true);
  s_.create("/foo", false, "bar", false, {}, kNow).value();
  s_.update("/foo", "baz", {}, kNow).value();
  ASSERT_EQ(rec.events.size(), 2u);
  EXPECT_EQ(rec.events[0]->action, Action::kCreate);
  EXPECT_EQ(rec.events[0]->index(), 1u);
  EXPECT_EQ(rec.events[1]->action, Action::kUpdate);
  EXPECT_EQ(rec.events[1]->index(), 2u);
  EXPECT_EQ(s_.stats().watchers, 1u);
}

TEST_F(StoreTest, WatchCreateWithHiddenKey) {  // TestStoreWatchCreateWithHiddenKey
  Recorder rec;
  Watch(rec, "/_foo");
  Set("/_foo", "bar");
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0]->node.key, "/_foo");
}

TEST_F(StoreTest, WatchRecursiveCreateWithHiddenKey) {  // TestStoreWatchRecursiveCreateWithHiddenKey
  Recorder rec;
  Watch(rec, "/foo", true);
  Set("/foo/_bar", "baz");
  Mkdir("/foo/_baz");
  Set("/foo/_baz/quux", "x");
  EXPECT_TRUE(rec.events.empty());
  Set("/foo/visible", "x");  // The watcher was still there, just not told.
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0]->node.key, "/foo/visible");
}

TEST_F(StoreTest, WatchUpdateWithHiddenKey) {  // TestStoreWatchUpdateWithHiddenKey
  Set("/_foo", "bar");
  Recorder rec;
  Watch(rec, "/_foo");
  s_.update("/_foo", "baz", {}, kNow).value();
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0]->action, Action::kUpdate);
}

TEST_F(StoreTest, WatchRecursiveUpdateWithHiddenKey) {  // TestStoreWatchRecursiveUpdateWithHiddenKey
  Set("/foo/_bar", "baz");
  Recorder rec;
  Watch(rec, "/foo", true);
  s_.update("/foo/_bar", "baz2", {}, kNow).value();
  EXPECT_TRUE(rec.events.empty());
}

TEST_F(StoreTest, WatchDeleteWithHiddenKey) {  // TestStoreWatchDeleteWithHiddenKey
  Set("/_foo", "bar");
  Recorder rec;
  Watch(rec, "/_foo");
  s_.remove("/_foo", false, false, kNow).value();
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0]->action, Action::kDelete);
}

TEST_F(StoreTest, WatchRecursiveDeleteWithHiddenKey) {  // TestStoreWatchRecursiveDeleteWithHiddenKey
  Set("/foo/_bar", "baz");
  Recorder rec;
  Watch(rec, "/foo", true);
  s_.remove("/foo/_bar", false, false, kNow).value();
  EXPECT_TRUE(rec.events.empty());
}

TEST_F(StoreTest, WatchRecursiveCreateDeeperThanHiddenKey) {
  // TestStoreWatchRecursiveCreateDeeperThanHiddenKey: hiddenness is judged below the watch point.
  Recorder rec;
  Watch(rec, "/_foo/bar", true);
  Set("/_foo/bar/baz", "baz");
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0]->node.key, "/_foo/bar/baz");
}

TEST_F(StoreTest, WatchSlowConsumerIsDroppedAndWritersGoOn) {  // TestStoreWatchSlowConsumer
  Recorder rec;
  rec.capacity = 100;
  Watch(rec, "/foo", true, true);
  for (int i = 0; i < 150; ++i) Set("/foo/k", std::to_string(i));
  EXPECT_EQ(rec.events.size(), 100u);
  EXPECT_EQ(s_.stats().watchers, 0u);
  EXPECT_EQ(s_.current_index(), 150u);
}

TEST_F(StoreTest, UnwatchFreesTheWatcher) {
  Recorder rec;
  uint64_t id = Watch(rec, "/foo");
  EXPECT_EQ(s_.stats().watchers, 1u);
  s_.unwatch(id);
  s_.unwatch(id);  // A second unwatch does nothing.
  EXPECT_EQ(s_.stats().watchers, 0u);
  Set("/foo", "x");
  EXPECT_TRUE(rec.events.empty());
}

TEST_F(StoreTest, NonRecursiveWatchOnADirectoryIgnoresChildrenButSeesItsDeletion) {
  Mkdir("/dir");
  Recorder rec;
  Watch(rec, "/dir");
  Set("/dir/child", "x");
  EXPECT_TRUE(rec.events.empty());
  s_.remove("/dir", true, true, kNow).value();
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0]->action, Action::kDelete);
}

TEST_F(StoreTest, WatcherBelowADeletedDirectoryGetsTheDirectoryEvent) {
  Set("/a/b/c", "x");
  Recorder rec;
  Watch(rec, "/a/b");
  s_.remove("/a", false, true, kNow).value();
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0]->node.key, "/a");
  EXPECT_TRUE(rec.events[0]->node.dir);
}

TEST_F(StoreTest, WatcherOnAKeyThatIsNotThereYetBelowADeletedDirectory) {
  Mkdir("/a");
  Recorder rec;
  Watch(rec, "/a/not/there");
  s_.remove("/a", true, false, kNow).value();
  EXPECT_TRUE(rec.events.empty());  // Only removed nodes are told in the deleted pass.
}

TEST_F(StoreTest, StreamWatcherOnADeletedKeySeesTheEventTwice) {
  // (quirk) Once from the removal pass and once from the ancestor pass.
  Set("/k", "v");
  Recorder rec;
  Watch(rec, "/k", false, true);
  s_.remove("/k", false, false, kNow).value();
  ASSERT_EQ(rec.events.size(), 2u);
  EXPECT_EQ(rec.events[0], rec.events[1]);
}

TEST_F(StoreTest, PrefixThatIsNotAPathSegmentDoesNotMatchLive) {  // TestWatcher
  Recorder fo, foo, rec;
  Watch(fo, "/fo", true);
  Watch(foo, "/foo");
  Watch(rec, "/foo", true, true);
  Set("/foo/bar", "y");  // a child: only the recursive watcher on /foo
  s_.remove("/foo", true, true, kNow).value();
  EXPECT_TRUE(fo.events.empty());
  ASSERT_EQ(foo.events.size(), 1u);
  EXPECT_EQ(foo.events[0]->action, Action::kDelete);
  // The set, then the delete twice: the stream watcher sits on the removed node itself.
  ASSERT_EQ(rec.events.size(), 3u);
}

TEST_F(StoreTest, WatchOnRootSeesEverything) {
  Recorder rec;
  Watch(rec, "/", true, true);
  Set("/1/a", "x");
  Set("/0/b", "y");
  EXPECT_EQ(rec.events.size(), 2u);
}

TEST_F(StoreTest, WatchFutureIndexWaitsForAnEventAtOrAfterIt) {
  Set("/k", "1");
  Recorder rec;
  Watch(rec, "/k", false, false, 3);
  Set("/k", "2");  // index 2 < 3: not delivered
  EXPECT_TRUE(rec.events.empty());
  Set("/k", "3");
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0]->index(), 3u);
}

// --- History ------------------------------------------------------------------------------------

TEST_F(StoreTest, WatchFromThePastIsAnsweredFromHistory) {
  Set("/foo", "1");
  Set("/bar", "2");
  Set("/foo", "3");
  EventPtr e = WatchHistory("/foo", false, 2);
  EXPECT_EQ(e->index(), 3u);
  auto r = s_.watch("/foo", false, false, 1, nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->event->index(), 1u);
  EXPECT_EQ(r->start_index, 3u);  // X-Etcd-Index is the current index, not the event's.
  EXPECT_EQ(s_.stats().watchers, 0u);
}

TEST_F(StoreTest, HistoryScanMatchesRecursiveChildrenAndDeletedAncestors) {  // TestScanHistory
  Set("/foo", "1");  // 1
  EXPECT_FALSE(s_.set("/foo/x", false, "1", {}, kNow).ok());  // /foo is a file: no index used
  EXPECT_EQ(s_.current_index(), 1u);
  Set("/d/a/b", "1");       // 2
  Set("/other", "1");       // 3
  s_.remove("/d", false, true, kNow).value();  // 4
  EXPECT_EQ(WatchHistory("/d", true, 1)->index(), 2u);
  EXPECT_EQ(WatchHistory("/d/a/b", false, 3)->index(), 4u);  // the ancestor's delete
  EXPECT_EQ(WatchHistory("/", true, 3)->index(), 3u);
  Recorder rec;
  Watch(rec, "/d", true, false, 5);  // the future: registered, not answered
}

TEST_F(StoreTest, HistoryScanDoesNotFilterHiddenKeys) {
  Set("/h/_x", "1");
  EXPECT_EQ(WatchHistory("/h", true, 1)->node.key, "/h/_x");
}

TEST_F(StoreTest, HistoryScanMatchesDeletedDirectoryByPlainStringPrefix) {
  Mkdir("/pd");
  s_.remove("/pd", true, false, kNow).value();
  EXPECT_EQ(WatchHistory("/pdx", false, 2)->action, Action::kDelete);
}

TEST_F(StoreTest, HistoryScanSkipsRefreshEvents) {
  Set("/rk", "v", ttl(100));
  s_.update("/rk", "", refresh(200), kNow).value();  // 2, refresh
  Set("/rk", "w");                                     // 3
  EXPECT_EQ(WatchHistory("/rk", false, 2)->index(), 3u);
}

TEST_F(StoreTest, EventIndexHistoryCleared) {  // TestEventIndexHistoryCleared
  for (int i = 0; i < 1010; ++i) Set("/load", "x");
  // History holds 11..1010: 11 is accepted, 10 is outdated.
  EXPECT_EQ(WatchHistory("/load", false, 11)->index(), 11u);
  auto r = s_.watch("/load", false, false, 10, nullptr);
  EXPECT_EQ(ErrorOf(r), (Error{ErrorCode::kEventIndexCleared,
                               "the requested history has been cleared [11/10]", 1010}));
}

}  // namespace
}  // namespace arbor::store
