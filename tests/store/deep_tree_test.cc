// A key 10,000 levels deep is stored, listed recursively, saved, recovered and deleted, all on a
// 256 KiB stack: nothing in the store may recurse once per level.

#include <gtest/gtest.h>

#include <string>

#include "store/store.h"
#include "store_fixture.h"
#include "testutil/small_stack.h"

namespace arbor::store {
namespace {

constexpr int kDepth = 10'000;

std::string DeepKey() {
  std::string key = "/d";
  for (int i = 0; i < kDepth; ++i) key += "/a";
  return key + "/leaf";
}

// Levels below `v` along its only child, and the value at the bottom.
int DepthOf(const NodeView& v, std::string* leaf_value) {
  int depth = 0;
  const NodeView* cur = &v;
  while (!cur->nodes.empty()) {
    EXPECT_EQ(cur->nodes.size(), 1u);
    cur = &cur->nodes[0];
    ++depth;
  }
  *leaf_value = cur->value;
  return depth;
}

TEST(DeepTreeTest, TenThousandLevelsOnASmallStack) {
  testing::RunOnSmallStack([] {
    auto s = std::make_unique<Store>();
    const std::string key = DeepKey();
    ASSERT_TRUE(s->set(key, false, "deep", TtlOptions{}, kNow).ok());
    {
      auto got = s->get("/d", /*recursive=*/true, false, kNow);
      ASSERT_TRUE(got.ok());
      std::string leaf;
      EXPECT_EQ(DepthOf(got.value().node, &leaf), kDepth + 1);
      EXPECT_EQ(leaf, "deep");
    }  // The view is freed here.

    auto recovered = Store::recover_from_string(s->save_to_string());
    ASSERT_TRUE(recovered.ok());
    auto leaf = recovered.value()->get(key, false, false, kNow);
    ASSERT_TRUE(leaf.ok());
    EXPECT_EQ(leaf.value().node.value, "deep");

    Recorder rec;
    ASSERT_TRUE(s->watch("/d/a/a", /*recursive=*/true, /*stream=*/true, 0, rec.callback()).ok());
    auto del = s->remove("/d", /*dir=*/true, /*recursive=*/true, kNow);
    ASSERT_TRUE(del.ok());
    EXPECT_EQ(s->get(key, false, false, kNow).error().code, ErrorCode::kKeyNotFound);
    ASSERT_EQ(rec.events.size(), 1u);
    EXPECT_EQ(rec.events[0]->action, Action::kDelete);
    recovered.value().reset();  // Destroys a deep tree.
    s.reset();
  });
}

}  // namespace
}  // namespace arbor::store
