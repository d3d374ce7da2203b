// The driver's contract (ready.h, node.h): Ready carries what to persist, send and apply.
#include "raft/node.h"

#include <gtest/gtest.h>

#include <map>

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

// Raft §5 Figure 2 (persist before responding): TestNodeStep's Ready contract — a campaign's
// Ready carries the new term and self-vote together with the vote requests, flagged must_sync.
TEST_F(NodeTest, MessagesThatDependOnNewStateShareTheReadyThatPersistsIt) {
  Node& n = Start(1, {1, 2, 3});
  n.campaign();
  Ready rd = Drive();
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_EQ(rd.hard_state->term, 1u);
  EXPECT_EQ(rd.hard_state->vote, 1u);
  EXPECT_TRUE(rd.must_sync);
  EXPECT_EQ(rd.messages.size(), 2u);
  // A follower's append acknowledgement arrives with the entries it acknowledges.
  MemoryStorage fs;
  Config c;
  c.id = 2;
  c.peers = {1, 2, 3};
  c.storage = &fs;
  Node f(c);
  Message app = M(MessageType::kApp, 1, 2, 1);
  app.entries = {E(1, 1, "x")};
  ASSERT_TRUE(f.step(app).ok());
  Ready frd = f.ready();
  EXPECT_EQ(frd.entries, app.entries);
  ASSERT_EQ(frd.messages.size(), 1u);
  EXPECT_EQ(frd.messages[0].type, MessageType::kAppResp);
  EXPECT_TRUE(frd.must_sync);
}

// The driver proposes everything queued in one turn as one batch: one append and one MsgApp
// per follower carrying all of it, instead of one per proposal (what a follower then acknowledges
// and the leader answers with a commit update, per proposal).
TEST_F(NodeTest, ABatchOfProposalsIsOneAppendPerFollower) {
  Node& n = Start(1, {1, 2, 3});
  n.campaign();
  Drive();
  ASSERT_TRUE(n.step(M(MessageType::kVoteResp, 2, 1, 1)).ok());
  Ready rd = Drive();
  ASSERT_EQ(n.raft().state(), StateType::kLeader);
  ASSERT_EQ(rd.entries.size(), 1u);  // The leader's empty entry at index 1.
  for (uint64_t f : {2, 3}) {        // Both followers match it: replicate state.
    Message resp = M(MessageType::kAppResp, f, 1, 1);
    resp.index = 1;
    ASSERT_TRUE(n.step(resp).ok());
  }
  Drive();
  ASSERT_TRUE(n.propose_batch({"a", "b", "c"}).ok());
  rd = Drive();
  EXPECT_EQ(rd.entries, (std::vector<Entry>{E(2, 1, "a"), E(3, 1, "b"), E(4, 1, "c")}));
  std::map<uint64_t, int> apps;
  for (const Message& m : rd.messages) {
    if (m.type != MessageType::kApp) continue;
    ++apps[m.to];
    EXPECT_EQ(m.entries, rd.entries) << "to " << m.to;
  }
  EXPECT_EQ(apps, (std::map<uint64_t, int>{{2, 1}, {3, 1}}));
  // Dropped as a whole, like a single proposal, when there is nothing to propose.
  EXPECT_EQ(n.propose_batch({}).error(), StepError::kProposalDropped);
}

// Under load a leader's turn both learns a new commit index (an acknowledgement: an empty
// MsgApp to every follower, to pass it on) and proposes the next batch (a MsgApp with the
// entries). The Ready carries one MsgApp per follower with both; each follower then persists
// and acknowledges once.
TEST_F(NodeTest, ACommitUpdateAndTheNextBatchToAFollowerAreOneMessage) {
  Node& n = Start(1, {1, 2, 3});
  n.campaign();
  Drive();
  ASSERT_TRUE(n.step(M(MessageType::kVoteResp, 2, 1, 1)).ok());
  Drive();
  for (uint64_t f : {2, 3}) {
    Message resp = M(MessageType::kAppResp, f, 1, 1);
    resp.index = 1;
    ASSERT_TRUE(n.step(resp).ok());
  }
  Drive();
  ASSERT_TRUE(n.propose_batch({"a"}).ok());
  Drive();
  // One turn: follower 2 acknowledges "a" (commit 2), then "b" and "c" are proposed.
  Message ack = M(MessageType::kAppResp, 2, 1, 1);
  ack.index = 2;
  ASSERT_TRUE(n.step(ack).ok());
  ASSERT_TRUE(n.propose_batch({"b", "c"}).ok());
  Ready rd = Drive();
  std::map<uint64_t, int> apps;
  for (const Message& m : rd.messages) {
    ASSERT_EQ(m.type, MessageType::kApp);
    ++apps[m.to];
    EXPECT_EQ(m.index, 2u) << "to " << m.to;
    EXPECT_EQ(m.log_term, 1u);
    EXPECT_EQ(m.commit, 2u) << "to " << m.to;
    EXPECT_EQ(m.entries, (std::vector<Entry>{E(3, 1, "b"), E(4, 1, "c")})) << "to " << m.to;
  }
  EXPECT_EQ(apps, (std::map<uint64_t, int>{{2, 1}, {3, 1}}));
}

TEST(CoalesceAppendsTest, MergesOnlyAppendsThatContinueThePreviousMessageToTheSameMember) {
  auto app = [](uint64_t to, uint64_t index, uint64_t log_term, std::vector<Entry> ents,
                uint64_t commit) {
    Message m = M(MessageType::kApp, 1, to, 2);
    m.index = index;
    m.log_term = log_term;
    m.entries = std::move(ents);
    m.commit = commit;
    return m;
  };
  // Empty commit update then entries, to 2; entries then commit update, to 3; 3's follow-up
  // is interleaved with a message to 2 (order between members does not matter).
  std::vector<Message> msgs = {app(2, 5, 1, {}, 4), app(3, 4, 1, {E(5, 2, "x")}, 3),
                               app(2, 5, 1, {E(6, 2, "y")}, 4), app(3, 5, 2, {}, 5)};
  coalesce_appends(msgs, 1 << 20);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].to, 2u);
  EXPECT_EQ(msgs[0].index, 5u);
  EXPECT_EQ(msgs[0].entries, (std::vector<Entry>{E(6, 2, "y")}));
  EXPECT_EQ(msgs[0].commit, 4u);
  EXPECT_EQ(msgs[1].to, 3u);
  EXPECT_EQ(msgs[1].entries, (std::vector<Entry>{E(5, 2, "x")}));
  EXPECT_EQ(msgs[1].commit, 5u);

  // Not merged: a probe that starts elsewhere (after a rejection), a different log term at
  // the join, a different message term, a heartbeat in between, more than max_bytes.
  const std::vector<std::vector<Message>> kept = {
      {app(2, 6, 2, {E(7, 2, "a")}, 4), app(2, 3, 1, {E(4, 1, "b")}, 4)},
      {app(2, 6, 2, {}, 4), app(2, 6, 1, {E(7, 2, "b")}, 4)},
      {app(2, 6, 2, {}, 4), [&] { Message m = app(2, 6, 2, {E(7, 3, "b")}, 4); m.term = 3; return m; }()},
      {app(2, 6, 2, {}, 4), M(MessageType::kHeartbeat, 1, 2, 2), app(2, 6, 2, {E(7, 2, "b")}, 4)},
      {app(2, 6, 2, {E(7, 2, "aaaa")}, 4), app(2, 7, 2, {E(8, 2, "bbbb")}, 4)},
  };
  for (size_t i = 0; i < kept.size(); ++i) {
    std::vector<Message> v = kept[i];
    coalesce_appends(v, 7);
    EXPECT_EQ(v, kept[i]) << "case " << i;
  }

  // The cap counts everything merged so far: three appends of 3 bytes under a cap of 8 make
  // one message of two and one of one.
  std::vector<Message> chain = {app(2, 6, 2, {E(7, 2, "aaa")}, 4), app(2, 7, 2, {E(8, 2, "bbb")}, 4),
                                app(2, 8, 2, {E(9, 2, "ccc")}, 4)};
  coalesce_appends(chain, 8);
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[0].entries, (std::vector<Entry>{E(7, 2, "aaa"), E(8, 2, "bbb")}));
  EXPECT_EQ(chain[1].entries, (std::vector<Entry>{E(9, 2, "ccc")}));
  EXPECT_EQ(chain[1].index, 8u);
}

// Checklist (node API): TestNodeStep / TestRawNodeStep / TestIsLocalMsg.
TEST_F(NodeTest, LocalMessageTypesFromTheNetworkAndUnknownRespondersAreRefused) {
  Node& n = Start(1, {1, 2, 3});
  for (MessageType t : {MessageType::kHup, MessageType::kBeat, MessageType::kUnreachable,
                        MessageType::kSnapStatus, MessageType::kCheckQuorum}) {
    EXPECT_TRUE(is_local_message(t));
    EXPECT_EQ(n.step(M(t, 2, 1, 1)).error(), StepError::kLocalMessage);
  }
  EXPECT_FALSE(is_local_message(MessageType::kApp));
  EXPECT_EQ(n.step(M(MessageType::kAppResp, 9, 1, 1)).error(), StepError::kUnknownPeer);
  EXPECT_TRUE(n.step(M(MessageType::kHeartbeat, 2, 1, 1)).ok());
}

// Checklist (node API): TestNodePropose / TestNodeProposeWaitDropped / TestNodeTick /
// TestRawNodeStatus.
TEST_F(NodeTest, ProposalsFailWithoutALeaderAndStatusReportsTheState) {
  Node& n = Start(1, {1, 2, 3});
  EXPECT_EQ(n.propose("x").error(), StepError::kProposalDropped);
  const int before = n.raft().election_elapsed();
  n.tick();
  EXPECT_EQ(n.raft().election_elapsed(), before + 1);
  Node& solo = Start(1, {1});
  solo.campaign();
  Drive();
  Status st = solo.status();
  EXPECT_EQ(st.id, 1u);
  EXPECT_EQ(st.soft_state, (SoftState{1, StateType::kLeader}));
  EXPECT_EQ(st.hard_state, (HardState{1, 1, 1}));
  EXPECT_EQ(st.applied, 1u);
  EXPECT_EQ(st.progress.at(1).match, 1u);
}

// Checklist (node API): TestSoftStateEqual / TestIsHardStateEqual / TestDescribeEntry.
TEST(StateEqualityTest, StatesCompareFieldByField) {
  EXPECT_EQ((SoftState{1, StateType::kLeader}), (SoftState{1, StateType::kLeader}));
  EXPECT_NE((SoftState{1, StateType::kLeader}), (SoftState{1, StateType::kFollower}));
  EXPECT_NE((HardState{1, 2, 3}), (HardState{1, 2, 4}));
  EXPECT_TRUE(HardState{}.empty());
  EXPECT_STREQ(to_string(MessageType::kPreVoteResp), "MsgPreVoteResp");
  EXPECT_STREQ(to_string(StateType::kPreCandidate), "pre-candidate");
}

// Checklist (node API): TestCommitPagination / TestNodeCommitPaginationAfterRestart /
// TestRawNodeCommitPaginationAfterRestart — committed entries are paged, never skipped.
TEST_F(NodeTest, CommittedEntriesArePagedBySizeAndNoneIsSkippedAfterARestart) {
  std::vector<Entry> ents;
  for (uint64_t i = 1; i <= 10; ++i) ents.push_back(E(i, 1, std::string(100, 'a')));
  storage_.append(ents);
  storage_.set_hard_state(HardState{1, 1, 10});
  Config c;
  c.id = 1;
  c.peers = {1};
  c.storage = &storage_;
  c.applied = 2;  // The state machine had applied up to 2 before the restart.
  c.max_committed_size_per_ready = 250;
  node_ = std::make_unique<Node>(c);
  uint64_t next = 3;
  while (node_->has_ready()) {
    Ready rd = Drive();
    EXPECT_LE(rd.committed_entries.size(), 2u);
    for (const Entry& e : rd.committed_entries) EXPECT_EQ(e.index, next++);
  }
  EXPECT_EQ(next, 11u);
}

// Raft §7: TestRawNodeRestartFromSnapshot — restart resumes after the snapshot.
TEST_F(NodeTest, ARestartFromSnapshotAndLogAppliesOnlyWhatFollowsTheSnapshot) {
  ASSERT_TRUE(storage_.apply_snapshot(Snapshot{SnapshotMeta{2, 1, ConfState{{1, 2}, {}}}, "sm"}));
  storage_.append(std::vector<Entry>{E(3, 1, "c"), E(4, 1, "d")});
  storage_.set_hard_state(HardState{1, 1, 3});
  Config c;
  c.id = 1;
  c.storage = &storage_;
  c.applied = 2;
  node_ = std::make_unique<Node>(c);
  EXPECT_EQ(node_->raft().voters(), (std::vector<uint64_t>{1, 2}));
  Ready rd = Drive();
  EXPECT_EQ(rd.committed_entries, (std::vector<Entry>{E(3, 1, "c")}));
  EXPECT_FALSE(rd.hard_state.has_value());  // Unchanged since it was loaded.
  EXPECT_TRUE(rd.messages.empty());
}

// Checklist (node API): TestRawNodeConsumeReady / TestNodeAdvance — advance marks the Ready's
// entries stable and its committed entries applied.
TEST_F(NodeTest, AdvanceStabilizesAndAppliesWhatTheReadyHeld) {
  Node& n = Start(1, {1});
  n.campaign();
  Ready rd = n.ready();
  EXPECT_TRUE(n.has_ready());  // Until advanced, the entries are still unstable.
  storage_.append(rd.entries);
  n.advance(rd);
  EXPECT_FALSE(n.has_ready());
  EXPECT_EQ(n.raft().log().applied(), 1u);
  EXPECT_TRUE(n.raft().log().unstable_entries().empty());
}

}  // namespace
}  // namespace arbor::raft
