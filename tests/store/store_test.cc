// The v2 store's operations, from ../shared/spec/v2-keys-api.md §4 and the checklist
// ../shared/peer-suites/store_checklist.md (test names follow etcd's where one exists).

#include "store/store.h"

#include "store_fixture.h"

namespace arbor::store {
namespace {

// --- Reads ----------------------------------------------------------------------------------

TEST_F(StoreTest, NewStoreHasNamespaceDirectories) {  // TestNewStoreWithNamespaces
  EXPECT_TRUE(Get("/0").node.dir);
  EXPECT_TRUE(Get("/1").node.dir);
  EXPECT_EQ(s_.current_index(), 0u);
}

TEST_F(StoreTest, GetValueReturnsNodeAndCurrentIndex) {  // TestStoreGetValue
  Set("/foo", "bar");
  Event e = Get("/foo");
  EXPECT_EQ(e.action, Action::kGet);
  EXPECT_EQ(e.node, file_view("/foo", "bar", 1, 1));
  EXPECT_EQ(e.etcd_index, 1u);
  EXPECT_FALSE(e.prev_node.has_value());
}

TEST_F(StoreTest, GetSortedListsChildrenInByteOrderAtEveryLevel) {  // TestStoreGetSorted
  Mkdir("/foo");
  Set("/foo/x", "0");
  Set("/foo/z", "0");
  Set("/foo/y/a", "0");
  Set("/foo/y/c", "0");
  Set("/foo/y/b", "0");
  Event e = Get("/foo", true);
  ASSERT_EQ(e.node.nodes.size(), 3u);
  EXPECT_EQ(e.node.nodes[0].key, "/foo/x");
  EXPECT_EQ(e.node.nodes[1].key, "/foo/y");
  EXPECT_EQ(e.node.nodes[2].key, "/foo/z");
  ASSERT_EQ(e.node.nodes[1].nodes.size(), 3u);
  EXPECT_EQ(e.node.nodes[1].nodes[0].key, "/foo/y/a");
  EXPECT_EQ(e.node.nodes[1].nodes[1].key, "/foo/y/b");
  EXPECT_EQ(e.node.nodes[1].nodes[2].key, "/foo/y/c");
}

TEST_F(StoreTest, GetDirectoryRecursiveOmitsHiddenAndShowsChildTtl) {  // TestStoreGetDirectory
  Mkdir("/foo");
  Set("/foo/bar", "X");
  Set("/foo/_hidden", "*");
  Mkdir("/foo/baz");
  Set("/foo/baz/bat", "Y");
  Set("/foo/baz/_hidden", "*");
  Set("/foo/baz/ttl", "Y", ttl(3));
  Event e = Get("/foo", true);
  EXPECT_EQ(e.action, Action::kGet);
  EXPECT_TRUE(e.node.dir);
  ASSERT_EQ(e.node.nodes.size(), 2u);
  EXPECT_EQ(e.node.nodes[0], file_view("/foo/bar", "X", 2, 2));
  const NodeView& baz = e.node.nodes[1];
  EXPECT_EQ(baz.key, "/foo/baz");
  EXPECT_TRUE(baz.dir);
  ASSERT_EQ(baz.nodes.size(), 2u);
  EXPECT_EQ(baz.nodes[0], file_view("/foo/baz/bat", "Y", 5, 5));
  EXPECT_EQ(baz.nodes[1].key, "/foo/baz/ttl");
  EXPECT_EQ(baz.nodes[1].ttl, 3);
  EXPECT_EQ(baz.nodes[1].expiration, kNow + 3 * kSecond);
}

TEST_F(StoreTest, NonRecursiveGetListsChildDirectoriesWithoutTheirChildren) {
  Set("/d/sub/leaf", "v");
  Set("/d/file", "f");
  Event e = Get("/d");
  ASSERT_EQ(e.node.nodes.size(), 2u);
  EXPECT_EQ(e.node.nodes[0], file_view("/d/file", "f", 2, 2));
  EXPECT_EQ(e.node.nodes[1], dir_view("/d/sub", 1, 1));
}

TEST_F(StoreTest, EmptyDirectoryAndOnlyHiddenChildrenHaveNoNodes) {
  Mkdir("/empty");
  Set("/h/_x", "1");
  EXPECT_TRUE(Get("/empty").node.nodes.empty());
  EXPECT_TRUE(Get("/h", true).node.nodes.empty());
  EXPECT_EQ(Get("/h/_x").node.value, "1");  // Hidden keys can be read directly.
}

TEST_F(StoreTest, GetMissingKeyNamesTheFirstMissingComponent) {
  Set("/a/b", "x");
  EXPECT_EQ(ErrorOf(s_.get("/nodir/a/b", false, false, kNow)),
            (Error{ErrorCode::kKeyNotFound, "/nodir", 1}));
  EXPECT_EQ(ErrorOf(s_.get("/a/c/d", false, false, kNow)),
            (Error{ErrorCode::kKeyNotFound, "/a/c", 1}));
}

TEST_F(StoreTest, GetBelowAFileIsNotADirectory) {
  Set("/foo", "bar");
  EXPECT_EQ(ErrorOf(s_.get("/foo/bar/baz", false, false, kNow)),
            (Error{ErrorCode::kNotDir, "/foo", 1}));
}

TEST_F(StoreTest, GetCleansThePath) {
  Set("/a/b", "x");
  EXPECT_EQ(Get("a//b/").node.key, "/a/b");
  EXPECT_EQ(Get("/a/./c/../b").node.key, "/a/b");
}

TEST_F(StoreTest, ExpireTimeBeforeYear2000IsPermanent) {  // TestMinExpireTime
  auto e = s_.create("/foo", false, "Y", false, TtlOptions{1, false}, kNow);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->node.ttl, 0);
  EXPECT_EQ((*e)->node.expiration, 0);
  s_.delete_expired(kNow + 1000 * kSecond);
  Event g = Get("/foo");
  EXPECT_EQ(g.node.ttl, 0);
  EXPECT_FALSE(s_.has_ttl_keys());
}

// --- Set / create / update ------------------------------------------------------------------

TEST_F(StoreTest, SetCreatesAndReplaces) {  // TestSet
  EventPtr e = Set("/foo", "");
  EXPECT_EQ(e->action, Action::kSet);
  EXPECT_EQ(e->node, file_view("/foo", "", 1, 1));
  EXPECT_FALSE(e->prev_node);
  EXPECT_EQ(e->etcd_index, 1u);

  e = Set("/foo", "bar");
  EXPECT_EQ(e->node, file_view("/foo", "bar", 2, 2));  // Set replaces: a new createdIndex.
  EXPECT_EQ(*e->prev_node, file_view("/foo", "", 1, 1));

  e = Set("/foo", "baz");
  EXPECT_EQ(*e->prev_node, file_view("/foo", "bar", 2, 2));

  e = Set("/a/b/c/d", "deep");  // Missing parents are created with the same index.
  EXPECT_EQ(e->node, file_view("/a/b/c/d", "deep", 4, 4));
  EXPECT_EQ(Get("/a/b").node.created_index, 4u);
  EXPECT_EQ(Get("/a/b").node.modified_index, 4u);

  auto d = s_.set("/dir", true, "ignored", {}, kNow);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ((*d)->node, dir_view("/dir", 5, 5));
}

TEST_F(StoreTest, SetOnAnExistingDirectoryIsNotAFile) {
  Mkdir("/dir");
  EXPECT_EQ(ErrorOf(s_.set("/dir", false, "x", {}, kNow)), (Error{ErrorCode::kNotFile, "/dir", 1}));
  EXPECT_EQ(ErrorOf(s_.set("/dir", true, "", {}, kNow)), (Error{ErrorCode::kNotFile, "/dir", 1}));
  EXPECT_EQ(s_.current_index(), 1u);
}

TEST_F(StoreTest, SetDirOnAFileReplacesItWithAnEmptyDirectory) {
  Set("/f", "v");
  auto e = s_.set("/f", true, "", {}, kNow);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->node, dir_view("/f", 2, 2));
  EXPECT_EQ(*(*e)->prev_node, file_view("/f", "v", 1, 1));
}

TEST_F(StoreTest, SetBelowAFileIsNotADirectory) {
  Set("/foo", "bar");
  EXPECT_EQ(ErrorOf(s_.set("/foo/bar", false, "x", {}, kNow)), (Error{ErrorCode::kNotDir, "/foo", 1}));
}

TEST_F(StoreTest, CreateValue) {  // TestStoreCreateValue
  auto e = s_.create("/foo", false, "bar", false, {}, kNow);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->action, Action::kCreate);
  EXPECT_EQ((*e)->node, file_view("/foo", "bar", 1, 1));
  e = s_.create("/empty", false, "", false, {}, kNow);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->node, file_view("/empty", "", 2, 2));
}

TEST_F(StoreTest, CreateDirectory) {  // TestStoreCreateDirectory
  EventPtr e = Mkdir("/foo");
  EXPECT_EQ(e->action, Action::kCreate);
  EXPECT_EQ(e->node, dir_view("/foo", 1, 1));
}

TEST_F(StoreTest, CreateFailsIfExists) {  // TestStoreCreateFailsIfExists
  Mkdir("/foo");
  EXPECT_EQ(ErrorOf(s_.create("/foo", false, "bar", false, {}, kNow)),
            (Error{ErrorCode::kNodeExist, "/foo", 1}));
  EXPECT_EQ(ErrorOf(s_.create("/foo", true, "", false, {}, kNow)),
            (Error{ErrorCode::kNodeExist, "/foo", 1}));
  EXPECT_EQ(s_.current_index(), 1u);
}

TEST_F(StoreTest, CreateUniqueNamesTheKeyAfterTheNewIndex) {
  Set("/x", "1");
  auto e = s_.create("/queue", false, "job", true, {}, kNow);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->node, file_view("/queue/00000000000000000002", "job", 2, 2));
  EXPECT_EQ(Get("/queue").node.created_index, 2u);  // The parent was created at the same index.
  auto d = s_.create("/queue", true, "", true, {}, kNow);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ((*d)->node, dir_view("/queue/00000000000000000003", 3, 3));
  auto top = s_.create("/", false, "v", true, {}, kNow);
  ASSERT_TRUE(top.ok());
  EXPECT_EQ((*top)->node.key, "/00000000000000000004");
}

TEST_F(StoreTest, CreateUniqueUnderAFileIsNotADirectory) {
  Set("/f", "v");
  EXPECT_EQ(ErrorOf(s_.create("/f", false, "x", true, {}, kNow)), (Error{ErrorCode::kNotDir, "/f", 1}));
  // (quirk) etcd counts the failed walk as a failed set as well as a failed create.
  EXPECT_EQ(s_.stats().create_fail, 1u);
  EXPECT_EQ(s_.stats().sets_fail, 1u);
}

TEST_F(StoreTest, UpdateValue) {  // TestStoreUpdateValue
  Set("/foo", "bar");
  auto e = s_.update("/foo", "baz", {}, kNow);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->action, Action::kUpdate);
  EXPECT_EQ((*e)->node, file_view("/foo", "baz", 2, 1));  // createdIndex kept.
  EXPECT_EQ(*(*e)->prev_node, file_view("/foo", "bar", 1, 1));
  EXPECT_EQ((*e)->etcd_index, 2u);
  e = s_.update("/foo", "", {}, kNow);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->node, file_view("/foo", "", 3, 1));
  Event g = Get("/foo");
  EXPECT_EQ(g.node, file_view("/foo", "", 3, 1));
  EXPECT_EQ(g.etcd_index, 3u);
}

TEST_F(StoreTest, UpdateFailsIfDirectoryGetsAValue) {  // TestStoreUpdateFailsIfDirectory
  Mkdir("/foo");
  EXPECT_EQ(ErrorOf(s_.update("/foo", "baz", {}, kNow)), (Error{ErrorCode::kNotFile, "/foo", 1}));
}

TEST_F(StoreTest, UpdateOfAMissingKeyIsKeyNotFound) {
  EXPECT_EQ(ErrorOf(s_.update("/nope", "x", {}, kNow)), (Error{ErrorCode::kKeyNotFound, "/nope", 0}));
}

TEST_F(StoreTest, UpdateOfADirectoryChangesOnlyItsTtlAndKeepsItsStoredModifiedIndex) {
  Mkdir("/dir", ttl(100));
  auto e = s_.update("/dir", "", ttl(200), kNow);
  ASSERT_TRUE(e.ok());
  NodeView want = dir_view("/dir", 2, 1);
  want.expiration = kNow + 200 * kSecond;
  want.ttl = 200;
  EXPECT_EQ((*e)->node, want);
  EXPECT_EQ(Get("/dir").node.modified_index, 1u);  // (quirk) The stored index stays.
}

TEST_F(StoreTest, UpdateWithoutTtlMakesTheNodePermanent) {
  Set("/k", "v", ttl(10));
  ASSERT_TRUE(s_.update("/k", "w", {}, kNow).ok());
  EXPECT_EQ(Get("/k").node.ttl, 0);
  EXPECT_FALSE(s_.has_ttl_keys());
}

TEST_F(StoreTest, RootAndNamespacesAreReadOnly) {  // TestRootRdOnly
  for (const char* p : {"/", "/0", "/1"}) {
    const Error ro{ErrorCode::kRootROnly, "/", 0};
    EXPECT_EQ(ErrorOf(s_.set(p, true, "", {}, kNow)), ro) << p;
    EXPECT_EQ(ErrorOf(s_.remove(p, true, true, kNow)), ro) << p;
    EXPECT_EQ(ErrorOf(s_.create(p, true, "", false, {}, kNow)), ro) << p;
    EXPECT_EQ(ErrorOf(s_.update(p, "", {}, kNow)), ro) << p;
    EXPECT_EQ(ErrorOf(s_.compare_and_swap(p, "", 0, "", {}, kNow)), ro) << p;
  }
  EXPECT_EQ(s_.current_index(), 0u);
}

// --- Delete -----------------------------------------------------------------------------------

TEST_F(StoreTest, DeleteValue) {  // TestStoreDeleteValue
  Set("/foo", "bar");
  auto e = s_.remove("/foo", false, false, kNow);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->action, Action::kDelete);
  NodeView want;
  want.key = "/foo";
  want.modified_index = 2;
  want.created_index = 1;
  EXPECT_EQ((*e)->node, want);
  EXPECT_EQ(*(*e)->prev_node, file_view("/foo", "bar", 1, 1));
  EXPECT_EQ((*e)->etcd_index, 2u);
  EXPECT_EQ(ErrorOf(s_.get("/foo", false, false, kNow)).code, ErrorCode::kKeyNotFound);
}

TEST_F(StoreTest, DeleteDirectory) {  // TestStoreDeleteDirectory
  Mkdir("/foo");
  auto e = s_.remove("/foo", true, false, kNow);
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE((*e)->node.dir);
  EXPECT_TRUE((*e)->prev_node->dir);

  Mkdir("/foo");
  Set("/foo/bar", "baz");
  EXPECT_EQ(ErrorOf(s_.remove("/foo", true, false, kNow)), (Error{ErrorCode::kDirNotEmpty, "/foo", 4}));
  auto r = s_.remove("/foo", false, true, kNow);  // recursive implies dir
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->node, dir_view("/foo", 5, 3));
  EXPECT_EQ(*(*r)->prev_node, dir_view("/foo", 3, 3));
  EXPECT_EQ(ErrorOf(s_.get("/foo/bar", false, false, kNow)).code, ErrorCode::kKeyNotFound);
}

TEST_F(StoreTest, DeleteDirectoryFailsIfNonRecursiveAndDir) {
  // TestStoreDeleteDirectoryFailsIfNonRecursiveAndDir
  Mkdir("/foo");
  EXPECT_EQ(ErrorOf(s_.remove("/foo", false, false, kNow)), (Error{ErrorCode::kNotFile, "/foo", 1}));
}

TEST_F(StoreTest, DeleteAFileWithDirWorks) {
  Set("/f", "v");
  EXPECT_TRUE(s_.remove("/f", true, false, kNow).ok());
}

TEST_F(StoreTest, DeleteMissingKeyIsKeyNotFound) {
  EXPECT_EQ(ErrorOf(s_.remove("/nope", false, false, kNow)), (Error{ErrorCode::kKeyNotFound, "/nope", 0}));
}

// --- Compare-and-swap / compare-and-delete ----------------------------------------------------

TEST_F(StoreTest, CompareAndSwapPrevValue) {  // TestStoreCompareAndSwapPrevValue
  Set("/foo", "bar");
  auto e = s_.compare_and_swap("/foo", "bar", 0, "baz", {}, kNow);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->action, Action::kCompareAndSwap);
  EXPECT_EQ((*e)->node, file_view("/foo", "baz", 2, 1));
  EXPECT_EQ(*(*e)->prev_node, file_view("/foo", "bar", 1, 1));
  EXPECT_EQ(Get("/foo").node.value, "baz");
}

TEST_F(StoreTest, CompareAndSwapPrevValueFailsIfNotMatch) {
  // TestStoreCompareAndSwapPrevValueFailsIfNotMatch
  Set("/foo", "bar");
  EXPECT_EQ(ErrorOf(s_.compare_and_swap("/foo", "wrong", 0, "baz", {}, kNow)),
            (Error{ErrorCode::kTestFailed, "[wrong != bar]", 1}));
  EXPECT_EQ(Get("/foo").node, file_view("/foo", "bar", 1, 1));
}

TEST_F(StoreTest, CompareAndSwapPrevIndex) {  // TestStoreCompareAndSwapPrevIndex
  Set("/foo", "bar");
  auto e = s_.compare_and_swap("/foo", "", 1, "baz", {}, kNow);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->node, file_view("/foo", "baz", 2, 1));
  EXPECT_EQ(*(*e)->prev_node, file_view("/foo", "bar", 1, 1));
}

TEST_F(StoreTest, CompareAndSwapPrevIndexFailsIfNotMatch) {
  // TestStoreCompareAndSwapPrevIndexFailsIfNotMatch
  Set("/foo", "bar");
  EXPECT_EQ(ErrorOf(s_.compare_and_swap("/foo", "", 100, "baz", {}, kNow)),
            (Error{ErrorCode::kTestFailed, "[100 != 1]", 1}));
  EXPECT_EQ(ErrorOf(s_.compare_and_swap("/foo", "nope", 100, "baz", {}, kNow)),
            (Error{ErrorCode::kTestFailed, "[nope != bar] [100 != 1]", 1}));
  EXPECT_EQ(s_.current_index(), 1u);
}

TEST_F(StoreTest, CompareAndSwapOnDirectoryOrMissingKeyFails) {
  Mkdir("/dir");
  EXPECT_EQ(ErrorOf(s_.compare_and_swap("/dir", "x", 0, "y", {}, kNow)),
            (Error{ErrorCode::kNotFile, "/dir", 1}));
  EXPECT_EQ(ErrorOf(s_.compare_and_swap("/missing", "x", 0, "y", {}, kNow)),
            (Error{ErrorCode::kKeyNotFound, "/missing", 1}));
}

TEST_F(StoreTest, CompareAndDeletePrevValue) {  // TestStoreCompareAndDeletePrevValue
  Set("/foo", "bar");
  auto e = s_.compare_and_delete("/foo", "bar", 0, kNow);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->action, Action::kCompareAndDelete);
  NodeView want;
  want.key = "/foo";
  want.modified_index = 2;
  want.created_index = 1;
  EXPECT_EQ((*e)->node, want);
  EXPECT_EQ(*(*e)->prev_node, file_view("/foo", "bar", 1, 1));
}

TEST_F(StoreTest, CompareAndDeletePrevValueFailsIfNotMatch) {
  Set("/foo", "bar");
  EXPECT_EQ(ErrorOf(s_.compare_and_delete("/foo", "baz", 0, kNow)),
            (Error{ErrorCode::kTestFailed, "[baz != bar]", 1}));
  EXPECT_EQ(Get("/foo").node.value, "bar");
  EXPECT_EQ(s_.current_index(), 1u);
}

TEST_F(StoreTest, CompareAndDeletePrevIndex) {  // TestStoreCompareAndDeletePrevIndex
  Set("/foo", "bar");
  auto e = s_.compare_and_delete("/foo", "", 1, kNow);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->prev_node->modified_index, 1u);
  EXPECT_EQ((*e)->etcd_index, 2u);
}

TEST_F(StoreTest, CompareAndDeletePrevIndexFailsIfNotMatch) {
  Set("/foo", "bar");
  EXPECT_EQ(ErrorOf(s_.compare_and_delete("/foo", "", 100, kNow)),
            (Error{ErrorCode::kTestFailed, "[100 != 1]", 1}));
  EXPECT_EQ(Get("/foo").node, file_view("/foo", "bar", 1, 1));
}

TEST_F(StoreTest, CompareAndDeleteDirectoryFails) {  // TestStoreCompareAndDeleteDirectoryFail
  Mkdir("/foo");
  EXPECT_EQ(ErrorOf(s_.compare_and_delete("/foo", "", 0, kNow)), (Error{ErrorCode::kNotFile, "/foo", 1}));
}

// --- The index ------------------------------------------------------------------------------

TEST_F(StoreTest, FailedWritesAndReadsDoNotMoveTheIndex) {
  Set("/a", "1");
  (void)s_.get("/a", false, false, kNow);
  (void)s_.get("/missing", false, false, kNow);
  (void)s_.create("/a", false, "x", false, {}, kNow);
  (void)s_.update("/missing", "x", {}, kNow);
  (void)s_.compare_and_swap("/a", "nope", 0, "x", {}, kNow);
  (void)s_.remove("/missing", false, false, kNow);
  EXPECT_EQ(s_.current_index(), 1u);
}

TEST_F(StoreTest, DeepTreesNeedNoMachineStackRecursion) {
  std::string key;
  for (int i = 0; i < 10000; ++i) key += "/d";
  Set(key, "deep");
  Event e = Get("/d", true);
  const NodeView* v = &e.node;
  int depth = 1;
  while (!v->nodes.empty()) {
    v = &v->nodes[0];
    ++depth;
  }
  EXPECT_EQ(depth, 10000);
  EXPECT_EQ(v->value, "deep");
  std::string bytes = s_.save_to_string();
  auto copy = Store::recover_from_string(bytes);
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ((*copy)->get(key, false, false, kNow)->node.value, "deep");
  EXPECT_TRUE(s_.remove("/d", true, true, kNow).ok());
}

}  // namespace
}  // namespace arbor::store
