// Forced reconfiguration (raft/reconfigure.h): what --force-new-cluster and a restore of a
// many-member snapshot append. Not a checklist item (etcd's Go server does it outside raft);
// dissertation §4.1 (one change at a time) is why each removal is its own entry.

#include "raft/reconfigure.h"

#include <gtest/gtest.h>

#include "raft/codec.h"
#include "raft/raft.h"
#include "raft_fixture.h"

namespace arbor::raft {
namespace {

Entry Conf(uint64_t index, ConfChangeType type, uint64_t id) {
  return Entry{1, index, EntryType::kConfChange, encode(ConfChange{type, id, {}})};
}

TEST(ReconfigureTest, ConfAfterFollowsTheLogsConfChangesInOrder) {
  const ConfState start{{1, 2, 3}, {}};
  const std::vector<Entry> log = {
      Conf(5, ConfChangeType::kAddLearnerNode, 4), Entry{1, 6, EntryType::kNormal, "x"},
      Conf(7, ConfChangeType::kRemoveNode, 2),     Conf(8, ConfChangeType::kAddNode, 4),
      Entry{1, 9, EntryType::kConfChange, "not a conf change"},
      Conf(10, ConfChangeType::kAddLearnerNode, 5)};
  EXPECT_EQ(conf_after(start, {}), start);
  EXPECT_EQ(conf_after(start, std::span(log).first(1)), (ConfState{{1, 2, 3}, {4}}));
  EXPECT_EQ(conf_after(start, log), (ConfState{{1, 3, 4}, {5}}));  // 4 promoted, 2 gone.
}

TEST(ReconfigureTest, RemovesEveryOtherVoterAndLearnerOneEntryEach) {
  const std::vector<Entry> out = entries_removing_all_but(ConfState{{1, 2, 3}, {9}}, 2, 40, 7);
  ASSERT_EQ(out.size(), 3u);
  std::vector<uint64_t> removed;
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].index, 41 + i);
    EXPECT_EQ(out[i].term, 7u);
    ASSERT_EQ(out[i].type, EntryType::kConfChange);
    auto cc = decode_conf_change(out[i].data);
    ASSERT_TRUE(cc.ok());
    EXPECT_EQ(cc->type, ConfChangeType::kRemoveNode);
    removed.push_back(cc->node_id);
  }
  EXPECT_EQ(removed, (std::vector<uint64_t>{1, 3, 9}));
  EXPECT_EQ(conf_after(ConfState{{1, 2, 3}, {9}}, out), (ConfState{{2}, {}}));
  EXPECT_TRUE(entries_removing_all_but(ConfState{{2}, {}}, 2, 40, 7).empty());
}

using ForcedTest = RaftFixture;

// Once the removals are applied, the survivor is a quorum of one: it elects itself with no
// votes from the members that are gone.
TEST_F(ForcedTest, TheSurvivorElectsItselfOnceTheRemovalsAreApplied) {
  Raft& r = New(2, {1, 2, 3});
  for (const Entry& e : entries_removing_all_but(ConfState{{1, 2, 3}, {}}, 2, 0, 1)) {
    auto cc = decode_conf_change(e.data);
    ASSERT_TRUE(cc.ok());
    r.apply_conf_change(*cc);
  }
  Step(r, M(MessageType::kHup, 2, 2));
  EXPECT_EQ(r.state(), StateType::kLeader);
}

}  // namespace
}  // namespace arbor::raft
