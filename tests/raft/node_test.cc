// The driver's contract (ready.h, node.h): Ready carries what to persist, send and apply.
#include "raft/node.h"

#include <gtest/gtest.h>

#include "raft/codec.h"
#include "raft_fixture.h"

namespace arbor::raft {
namespace {

class NodeTest : public ::testing::Test {
 protected:
  Node& Start(uint64_t id, std::vector<uint64_t> peers) {
    Config c;
    c.id = id;
    c.peers = std::move(peers);
    c.storage = &storage_;
    c.pre_vote = false;
    c.check_quorum = false;
    node_ = std::make_unique<Node>(c);
    return *node_;
  }
  // Persists and applies a Ready the way a driver must, and returns it.
  Ready Drive() {
    Ready rd = node_->ready();
    if (rd.snapshot) {
      EXPECT_TRUE(storage_.apply_snapshot(*rd.snapshot));
    }
    storage_.append(rd.entries);
    if (rd.hard_state) storage_.set_hard_state(*rd.hard_state);
    node_->advance(rd);
    return rd;
  }
  MemoryStorage storage_;
  std::unique_ptr<Node> node_;
};

// Checklist (node API): TestNodeStart / TestReadyContainUpdates / TestNodeAdvance.
TEST_F(NodeTest, ASingleMemberCampaignsCommitsAndHandsOutEachEntryOnce) {
  Node& n = Start(1, {1});
  EXPECT_FALSE(n.has_ready());
  n.campaign();
  ASSERT_TRUE(n.has_ready());
  Ready rd = Drive();
  EXPECT_EQ(rd.soft_state, (SoftState{1, StateType::kLeader}));
  EXPECT_EQ(rd.hard_state, (HardState{1, 1, 1}));
  EXPECT_EQ(rd.entries.size(), 1u);
  EXPECT_EQ(rd.committed_entries.size(), 1u);
  EXPECT_TRUE(rd.must_sync);
  EXPECT_FALSE(n.has_ready());
  ASSERT_TRUE(n.propose("foo").ok());
  rd = Drive();
  EXPECT_EQ(rd.entries, (std::vector<Entry>{E(2, 1, "foo")}));
  EXPECT_EQ(rd.committed_entries, rd.entries);
  EXPECT_FALSE(rd.soft_state.has_value());
  EXPECT_FALSE(n.has_ready());
}

}  // namespace
}  // namespace arbor::raft
