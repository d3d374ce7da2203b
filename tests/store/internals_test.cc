// The store's internal pieces, tested through their own headers: the TTL heap, the event
// history ring, the hidden-key rule, path cleaning, and nodes. ("Nodes, history, heap" in
// ../shared/peer-suites/store_checklist.md, ported in spirit.)

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "store/event_history.h"
#include "store/key_path.h"
#include "store/node.h"
#include "store/ttl_heap.h"
#include "store_fixture.h"

namespace arbor::store {
namespace {

// --- TtlHeap ----------------------------------------------------------------------------------

class TtlHeapTest : public ::testing::Test {
 protected:
  Node* NewNode(int64_t expire, uint64_t created = 0) {
    nodes_.push_back(std::make_unique<Node>());
    nodes_.back()->expire_time = expire;
    nodes_.back()->created_index = created;
    return nodes_.back().get();
  }
  std::vector<int64_t> Drain() {
    std::vector<int64_t> out;
    while (Node* n = heap_.top()) {
      out.push_back(n->expire_time);
      heap_.pop();
    }
    return out;
  }
  std::vector<std::unique_ptr<Node>> nodes_;
  TtlHeap heap_;
};

TEST_F(TtlHeapTest, PopsInExpiryOrder) {  // TestHeapPushPop
  for (int64_t t : {5, 3, 9, 1, 7, 2, 8, 6, 4, 0}) heap_.push(NewNode(t));
  EXPECT_EQ(Drain(), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST_F(TtlHeapTest, KeepsOrderAfterExpiryTimesChange) {  // TestHeapUpdate
  std::vector<Node*> ns;
  for (int64_t t : {10, 20, 30, 40, 50}) {
    ns.push_back(NewNode(t));
    heap_.push(ns.back());
  }
  ns[4]->expire_time = 5;  // 50 -> 5
  heap_.update(ns[4]);
  ns[0]->expire_time = 45;  // 10 -> 45
  heap_.update(ns[0]);
  heap_.remove(ns[2]);  // 30 leaves
  EXPECT_EQ(ns[2]->heap_pos, kNotInHeap);
  EXPECT_EQ(Drain(), (std::vector<int64_t>{5, 20, 40, 45}));
}

TEST_F(TtlHeapTest, TiesBreakByCreatedIndex) {
  heap_.push(NewNode(7, 3));
  heap_.push(NewNode(7, 1));
  heap_.push(NewNode(7, 2));
  std::vector<uint64_t> order;
  while (Node* n = heap_.top()) {
    order.push_back(n->created_index);
    heap_.pop();
  }
  EXPECT_EQ(order, (std::vector<uint64_t>{1, 2, 3}));
}

TEST_F(TtlHeapTest, RemovingANodeThatIsNotInTheHeapDoesNothing) {
  Node* a = NewNode(1);
  heap_.remove(a);
  heap_.push(a);
  heap_.pop();
  heap_.remove(a);
  EXPECT_TRUE(heap_.empty());
}

// --- EventHistory -----------------------------------------------------------------------------

EventPtr MakeEvent(uint64_t index, std::string key, Action action = Action::kSet) {
  auto e = std::make_shared<Event>();
  e->action = action;
  e->node.key = std::move(key);
  e->node.modified_index = index;
  e->etcd_index = index;
  return e;
}

TEST(EventHistoryTest, KeepsTheNewestEventsOfAFixedCapacity) {  // TestEventQueue
  EventHistory h(100);
  for (uint64_t i = 1; i <= 200; ++i) h.add(MakeEvent(i, "/foo"));
  EXPECT_EQ(h.size(), 100u);
  EXPECT_EQ(h.start_index(), 101u);
  EXPECT_EQ(h.last_index(), 200u);
  for (size_t i = 0; i < h.size(); ++i) EXPECT_EQ(h.at(i)->index(), 101 + i);
}

TEST(EventHistoryTest, ScanFindsTheFirstMatchAtOrAfterTheIndex) {  // TestScanHistory
  EventHistory h;
  h.add(MakeEvent(1, "/foo"));
  h.add(MakeEvent(2, "/foo/foo"));
  h.add(MakeEvent(3, "/foo/bar"));
  h.add(MakeEvent(4, "/foo/foo/foo"));
  h.add(MakeEvent(5, "/foo/fooo/foo"));
  EXPECT_EQ((*h.scan("/foo", false, 1))->index(), 1u);
  EXPECT_EQ((*h.scan("/foo/bar", false, 1))->index(), 3u);
  EXPECT_EQ((*h.scan("/foo/bar", true, 1))->index(), 3u);
  EXPECT_EQ((*h.scan("/foo", true, 2))->index(), 2u);
  EXPECT_EQ((*h.scan("/foo/foo", true, 3))->index(), 4u);
  EXPECT_EQ(*h.scan("/foo/fo", true, 1), nullptr);  // "/foo/fo/" is no prefix of "/foo/fooo/"
  EXPECT_EQ(*h.scan("/foo", false, 6), nullptr);     // the future

  // A deleted directory matches a key below it.
  auto del = std::make_shared<Event>(*MakeEvent(6, "/dir", Action::kDelete));
  del->prev_node = dir_view("/dir", 1, 1);
  h.add(del);
  EXPECT_EQ((*h.scan("/dir/below", false, 1))->index(), 6u);
}

TEST(EventHistoryTest, OlderThanTheWindowIsCleared) {  // TestEventIndexHistoryCleared
  EventHistory h(5);
  for (uint64_t i = 1; i <= 9; ++i) h.add(MakeEvent(i, "/k"));
  auto r = h.scan("/k", false, 4);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kEventIndexCleared);
  EXPECT_EQ(r.error().cause, "the requested history has been cleared [5/4]");
  EXPECT_EQ((*h.scan("/k", false, 5))->index(), 5u);
}

TEST(EventHistoryTest, WorksAcrossWrapAround) {  // TestFullEventQueue
  EventHistory h(10);
  for (uint64_t i = 1; i <= 1000; ++i) {
    h.add(MakeEvent(i, "/k" + std::to_string(i % 3)));
    if (i > 10) {
      auto r = h.scan("/k" + std::to_string((i - 2) % 3), false, i - 9);
      ASSERT_TRUE(r.ok());
      ASSERT_NE(*r, nullptr);
      EXPECT_EQ((*r)->node.key, "/k" + std::to_string((i - 2) % 3));
      EXPECT_GE((*r)->index(), i - 9);
    }
  }
}

TEST(EventTest, CopiesAreIndependent) {  // TestCloneEvent
  Event e1 = *MakeEvent(1, "/a");
  e1.prev_node = file_view("/a", "old", 1, 1);
  Event e2 = e1;
  e2.node.key = "/b";
  e2.prev_node->value = "changed";
  EXPECT_EQ(e1.node.key, "/a");
  EXPECT_EQ(e1.prev_node->value, "old");
}

TEST(NodeViewTest, CopyIsDeep) {  // TestNodeExternClone
  NodeView dir = dir_view("/d", 1, 1);
  dir.expiration = 5;
  dir.nodes.push_back(file_view("/d/a", "v", 2, 2));
  NodeView copy = dir;
  copy.nodes[0].value = "w";
  copy.expiration = 6;
  EXPECT_EQ(dir.nodes[0].value, "v");
  EXPECT_EQ(dir.expiration, 5);
}

// --- Paths and the hidden rule ----------------------------------------------------------------

TEST(KeyPathTest, CleansAsGoPathJoinAndClean) {
  EXPECT_EQ(clean_path(""), "/");
  EXPECT_EQ(clean_path("/"), "/");
  EXPECT_EQ(clean_path("foo"), "/foo");
  EXPECT_EQ(clean_path("/foo/"), "/foo");
  EXPECT_EQ(clean_path("//a//b//"), "/a/b");
  EXPECT_EQ(clean_path("/a/./b/../c"), "/a/c");
  EXPECT_EQ(clean_path("/../../a"), "/a");
  EXPECT_EQ(clean_path("/1/."), "/1");
  EXPECT_EQ(clean_path("/with space/x"), "/with space/x");
  EXPECT_TRUE(is_clean_path("/a/b"));
  EXPECT_FALSE(is_clean_path("/a/b/"));
  EXPECT_FALSE(is_clean_path("/a/../b"));
  EXPECT_EQ(base_name("/a/b"), "b");
  EXPECT_EQ(base_name("/"), "");
}

TEST(KeyPathTest, CleaningIsIdempotent) {
  for (const char* p : {"", "/", "a/../../b", "/x/./y//z/", "/..", "/a/b/../../..", "/_h/./k"}) {
    EXPECT_EQ(clean_path(clean_path(p)), clean_path(p)) << p;
    EXPECT_TRUE(is_clean_path(clean_path(p))) << p;
  }
}

TEST(KeyPathTest, HiddenIsJudgedBelowTheWatchPoint) {  // TestIsHidden
  EXPECT_TRUE(is_hidden_from("/", "/_foo"));
  EXPECT_FALSE(is_hidden_from("/_foo", "/_foo"));
  EXPECT_TRUE(is_hidden_from("/_foo", "/_foo/_foo"));
  EXPECT_FALSE(is_hidden_from("/_foo", "/_foo/foo"));
  EXPECT_TRUE(is_hidden_from("/foo", "/foo/_bar/baz"));
  EXPECT_FALSE(is_hidden_from("/foo/bar/baz", "/foo/bar"));  // watch path longer than key
  EXPECT_TRUE(is_hidden_name("_x"));
  EXPECT_FALSE(is_hidden_name("x_"));
}

// --- Nodes (through the store, which owns them) -----------------------------------------------

TEST_F(StoreTest, NewFileAndDirectoryAreWhatTheyClaim) {  // TestNewKVIs / TestNewDirIs
  EventPtr f = Set("/kv", "v", ttl(10));
  EXPECT_FALSE(f->node.dir);
  EXPECT_TRUE(f->node.has_value);
  EXPECT_NE(f->node.expiration, 0);  // not permanent
  EventPtr d = Mkdir("/dir", ttl(10));
  EXPECT_TRUE(d->node.dir);
  EXPECT_FALSE(d->node.has_value);
}

TEST_F(StoreTest, FileReadWriteCompare) {  // TestNewKVReadWriteCompare
  Set("/kv", "v");
  EXPECT_TRUE(s_.compare_and_swap("/kv", "v", 1, "w", {}, kNow).ok());
  EXPECT_EQ(Get("/kv").node.value, "w");
}

TEST_F(StoreTest, RemainingTtlNeverExceedsTheDurationAndFollowsUpdates) {
  // TestNewKVExpiration / TestNewDirExpirationTTL
  Set("/kv", "v", ttl(100));
  EXPECT_LE(Get("/kv", false, kNow + 1).node.ttl, 100);
  s_.update("/kv", "v", ttl(50), kNow).value();
  EXPECT_EQ(Get("/kv").node.ttl, 50);
  Mkdir("/dir", ttl(100));
  s_.update("/dir", "", ttl(10), kNow).value();
  EXPECT_EQ(Get("/dir").node.ttl, 10);
}

TEST_F(StoreTest, RemovedNodeLeavesTheTtlHeap) {  // TestNewKVRemove
  Set("/kv", "v", ttl(10));
  s_.remove("/kv", false, false, kNow).value();
  EXPECT_FALSE(s_.has_ttl_keys());
}

TEST_F(StoreTest, AddingThenRemovingAChildUpdatesTheDirectory) {  // TestNewDirChild
  Mkdir("/dir");
  Set("/dir/child", "v");
  EXPECT_EQ(Get("/dir").node.nodes.size(), 1u);
  s_.remove("/dir/child", false, false, kNow).value();
  EXPECT_TRUE(Get("/dir").node.nodes.empty());
}

TEST_F(StoreTest, ExternalRepresentationHasThePathAsKey) {
  // TestNewKVListReprCompareClone / TestNewDirReadWriteListReprClone
  Set("/a/b", "v");
  EXPECT_EQ(Get("/a/b").node.key, "/a/b");
  EXPECT_EQ(Get("/a").node.nodes[0].key, "/a/b");
  // Writing a value to a directory fails; so does listing a file as a directory.
  EXPECT_EQ(ErrorOf(s_.update("/a", "x", {}, kNow)).code, ErrorCode::kNotFile);
  EXPECT_TRUE(Get("/a/b").node.nodes.empty());
}

}  // namespace
}  // namespace arbor::store
