// ChildIndex (src/store/child_index.h): every node by (parent, name).
#include "store/child_index.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "store/node.h"

namespace arbor::store {
namespace {

class ChildIndexTest : public ::testing::Test {
 protected:
  Node* Add(Node* parent, const std::string& name) {
    nodes_.push_back(std::make_unique<Node>());
    Node* n = nodes_.back().get();
    n->parent = parent;
    n->assign(name, "v");
    index_.insert(n);
    return n;
  }
  ChildIndex index_;
  Node a_, b_;
  std::vector<std::unique_ptr<Node>> nodes_;
};

TEST_F(ChildIndexTest, FindsEachChildUnderItsOwnParent) {
  std::vector<Node*> under_a, under_b;
  for (int i = 0; i < 10000; ++i) {
    under_a.push_back(Add(&a_, "k" + std::to_string(i)));
    under_b.push_back(Add(&b_, "k" + std::to_string(i)));  // The same names elsewhere.
  }
  EXPECT_EQ(index_.size(), 20000u);
  for (int i = 0; i < 10000; ++i) {
    ASSERT_EQ(index_.find(&a_, "k" + std::to_string(i)), under_a[i]);
    ASSERT_EQ(index_.find(&b_, "k" + std::to_string(i)), under_b[i]);
  }
  EXPECT_EQ(index_.find(&a_, "k10000"), nullptr);
  EXPECT_EQ(index_.find(&a_, ""), nullptr);
  EXPECT_EQ(index_.find(under_a[0], "k0"), nullptr);  // A parent with no children.
}

TEST_F(ChildIndexTest, ErasedChildrenAreGoneAndTheRestStayFindable) {
  std::vector<Node*> kids;
  for (int i = 0; i < 5000; ++i) kids.push_back(Add(&a_, std::to_string(i)));
  for (int i = 0; i < 5000; i += 2) index_.erase(kids[i]);
  EXPECT_EQ(index_.size(), 2500u);
  for (int i = 0; i < 5000; ++i) {
    ASSERT_EQ(index_.find(&a_, std::to_string(i)), i % 2 ? kids[i] : nullptr) << i;
  }
  // Erased slots are reused; the table shrinks when it empties out and keeps working.
  for (int i = 0; i < 5000; i += 2) index_.insert(kids[i]);
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(index_.find(&a_, std::to_string(i)), kids[i]);
  for (Node* k : kids) index_.erase(k);
  EXPECT_EQ(index_.size(), 0u);
  EXPECT_EQ(index_.find(&a_, "1"), nullptr);
  Node* again = Add(&a_, "1");
  EXPECT_EQ(index_.find(&a_, "1"), again);
}

// A snapshot load reserves a directory's children before inserting them; entries already in
// the table, and erased slots, must survive the resize.
TEST_F(ChildIndexTest, ReservingKeepsWhatIsThereAndMakesRoomForTheRest) {
  std::vector<Node*> kids;
  for (int i = 0; i < 100; ++i) kids.push_back(Add(&a_, std::to_string(i)));
  for (int i = 0; i < 100; i += 3) index_.erase(kids[i]);
  index_.reserve(index_.size() + 5000);
  index_.reserve(10);  // Smaller than what is there: nothing changes.
  for (int i = 100; i < 5100; ++i) kids.push_back(Add(&a_, std::to_string(i)));
  for (int i = 0; i < 5100; ++i) {
    const bool erased = i < 100 && i % 3 == 0;
    ASSERT_EQ(index_.find(&a_, std::to_string(i)), erased ? nullptr : kids[i]) << i;
  }
  EXPECT_EQ(index_.size(), 5100u - 34u);
}

TEST_F(ChildIndexTest, ChurnOfInsertsAndErasesNeverLosesALiveChild) {
  // Tombstones pile up under churn; the table must clean them without dropping anything.
  std::vector<Node*> live;
  for (int round = 0; round < 20000; ++round) {
    live.push_back(Add(&a_, "n" + std::to_string(round)));
    if (live.size() > 100) {
      index_.erase(live.front());
      live.erase(live.begin());
    }
  }
  EXPECT_EQ(index_.size(), live.size());
  for (Node* n : live) ASSERT_EQ(index_.find(&a_, n->name()), n);
  EXPECT_EQ(index_.find(&a_, "n0"), nullptr);
}

}  // namespace
}  // namespace arbor::store
