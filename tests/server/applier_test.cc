#include "server/applier.h"

#include <gtest/gtest.h>

#include "store/store.h"

namespace arbor::server {
namespace {

constexpr int64_t kNow = 1763780000000000000;

class ApplierTest : public ::testing::Test {
 protected:
  ApplyResult Apply(Method m, std::string path, std::string val = "",
                    std::optional<bool> prev_exist = std::nullopt, std::string prev_value = "",
                    uint64_t prev_index = 0) {
    Request r;
    r.method = m;
    r.path = std::move(path);
    r.val = std::move(val);
    r.prev_exist = prev_exist;
    r.prev_value = std::move(prev_value);
    r.prev_index = prev_index;
    return applier_.apply(r, kNow);
  }
  store::Action ActionOf(const ApplyResult& r) { return r.value()->action; }

  store::Store store_;
  Applier applier_{store_};
};

TEST_F(ApplierTest, PutWithoutConditionsIsSet) {
  EXPECT_EQ(ActionOf(Apply(Method::kPut, "/1/a", "x")), store::Action::kSet);
}

TEST_F(ApplierTest, PutPrevExistFalseIsCreate) {
  EXPECT_EQ(ActionOf(Apply(Method::kPut, "/1/a", "x", false)), store::Action::kCreate);
  EXPECT_EQ(Apply(Method::kPut, "/1/a", "x", false).error().code, store::ErrorCode::kNodeExist);
}

TEST_F(ApplierTest, PutPrevExistTrueIsUpdateOrCompareAndSwap) {
  ASSERT_TRUE(Apply(Method::kPut, "/1/a", "x").ok());
  EXPECT_EQ(ActionOf(Apply(Method::kPut, "/1/a", "y", true)), store::Action::kUpdate);
  EXPECT_EQ(ActionOf(Apply(Method::kPut, "/1/a", "z", true, "y")), store::Action::kCompareAndSwap);
}

TEST_F(ApplierTest, PutWithPrevIndexAloneIsCompareAndSwap) {
  auto set = Apply(Method::kPut, "/1/a", "x");
  auto cas = Apply(Method::kPut, "/1/a", "y", std::nullopt, "", set.value()->index());
  EXPECT_EQ(ActionOf(cas), store::Action::kCompareAndSwap);
}

TEST_F(ApplierTest, PostCreatesInOrderKey) {
  auto r = Apply(Method::kPost, "/1/q", "job");
  EXPECT_EQ(ActionOf(r), store::Action::kCreate);
  EXPECT_EQ(r.value()->node.key, "/1/q/00000000000000000001");
}

TEST_F(ApplierTest, DeleteWithCompareIsCompareAndDelete) {
  ASSERT_TRUE(Apply(Method::kPut, "/1/a", "x").ok());
  EXPECT_EQ(ActionOf(Apply(Method::kDelete, "/1/a", "", std::nullopt, "x")),
            store::Action::kCompareAndDelete);
  ASSERT_TRUE(Apply(Method::kPut, "/1/b", "x").ok());
  EXPECT_EQ(ActionOf(Apply(Method::kDelete, "/1/b")), store::Action::kDelete);
}

TEST_F(ApplierTest, QuorumGetReadsWithoutMovingTheIndex) {
  ASSERT_TRUE(Apply(Method::kPut, "/1/a", "x").ok());
  auto r = Apply(Method::kQGet, "/1/a");
  EXPECT_EQ(ActionOf(r), store::Action::kGet);
  EXPECT_EQ(r.value()->node.value, "x");
  EXPECT_EQ(store_.current_index(), 1u);
}

TEST_F(ApplierTest, SyncExpiresKeysUpToItsTime) {
  Request r;
  r.method = Method::kPut;
  r.path = "/1/t";
  r.expiration = kNow + 1000;
  ASSERT_TRUE(applier_.apply(r, kNow).ok());
  Request sync;
  sync.method = Method::kSync;
  sync.time = kNow + 1000;
  auto s = applier_.apply(sync, kNow);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.value(), nullptr);
  EXPECT_EQ(store_.get("/1/t", false, false, kNow).error().code, store::ErrorCode::kKeyNotFound);
}

}  // namespace
}  // namespace arbor::server
