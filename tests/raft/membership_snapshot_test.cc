// Raft §6 (membership changes, one member at a time) and §7 (log compaction, InstallSnapshot).
#include <gtest/gtest.h>

#include "raft/codec.h"
#include "raft/raft.h"
#include "raft_fixture.h"

namespace arbor::raft {
namespace {

using MembershipTest = RaftFixture;
using SnapshotTest = RaftFixture;

Message ConfProp(uint64_t id, ConfChangeType type, uint64_t node) {
  Message m = M(MessageType::kProp, id, id);
  m.entries.push_back(Entry{0, 0, EntryType::kConfChange, encode(ConfChange{type, node, ""})});
  return m;
}

// ---------------------------------------------------------------- §6

// Raft §6: TestStepConfig / TestStepIgnoreConfig.
TEST_F(MembershipTest, OneConfChangeAtATimeASecondBecomesAnEmptyEntry) {
  Raft& r = New(1, {1, 2});
  MakeLeader(r);
  Step(r, ConfProp(1, ConfChangeType::kAddNode, 3));
  EXPECT_EQ(r.log().last_index(), 2u);
  EXPECT_EQ(r.pending_conf_index(), 2u);
  Step(r, ConfProp(1, ConfChangeType::kAddNode, 4));
  std::vector<Entry> ents = *r.log().entries(3, kNoLimit);
  ASSERT_EQ(ents.size(), 1u);
  EXPECT_EQ(ents[0].type, EntryType::kNormal);
  EXPECT_TRUE(ents[0].data.empty());
  EXPECT_EQ(r.pending_conf_index(), 2u);
}

// Raft §6: TestNewLeaderPendingConfig.
TEST_F(MembershipTest, ANewLeaderTreatsItsUncommittedTailAsAPendingConfChange) {
  Raft& r = New(1, {1, 2}, {1, 1});
  r.become_follower(1, kNone);
  MakeLeader(r);
  EXPECT_EQ(r.pending_conf_index(), 2u);  // Everything before its own empty entry.
}

// Raft §6: TestAddNode / TestRemoveNode / TestRaftNodes / TestNodeProposeAddDuplicateNode.
TEST_F(MembershipTest, ApplyingChangesUpdatesTheSortedMemberSets) {
  Raft& r = New(1, {1, 2});
  EXPECT_EQ(r.apply_conf_change(ConfChange{ConfChangeType::kAddNode, 3, ""}),
            (ConfState{{1, 2, 3}, {}}));
  EXPECT_EQ(r.apply_conf_change(ConfChange{ConfChangeType::kAddNode, 3, ""}),
            (ConfState{{1, 2, 3}, {}}));  // Adding an existing member changes nothing.
  EXPECT_EQ(r.apply_conf_change(ConfChange{ConfChangeType::kRemoveNode, 2, ""}),
            (ConfState{{1, 3}, {}}));
  EXPECT_EQ(r.apply_conf_change(ConfChange{ConfChangeType::kRemoveNode, 1, ""}),
            (ConfState{{3}, {}}));
  EXPECT_EQ(r.apply_conf_change(ConfChange{ConfChangeType::kRemoveNode, 3, ""}), (ConfState{}));
}

// Raft §6: TestAddNodeCheckQuorum.
TEST_F(MembershipTest, AddingAMemberDoesNotMakeCheckQuorumFailAtOnce) {
  Raft& r = New(1, {1, 2}, {}, Opts{.check_quorum = true});
  MakeLeader(r);
  Tick(r, 9);
  Step(r, M(MessageType::kHeartbeatResp, 2, 1, 1));  // 2 is active in this round.
  r.apply_conf_change(ConfChange{ConfChangeType::kAddNode, 3, ""});
  Tick(r, 1);  // Check: 1, 2 and the new 3 (assumed active) — a quorum.
  EXPECT_EQ(r.state(), StateType::kLeader);
  Tick(r, 10);  // Next round: only 1 was heard from.
  EXPECT_EQ(r.state(), StateType::kFollower);
}

// Raft §6: TestCommitAfterRemoveNode.
TEST_F(MembershipTest, RemovingAMemberLowersTheQuorumAndCommitsWaitingEntries) {
  Raft& r = New(1, {1, 2});
  MakeLeader(r);
  Message ack = M(MessageType::kAppResp, 2, 1, 1);
  ack.index = 1;
  Step(r, ack);
  Step(r, Prop(1));  // Entry 2 waits for member 2, which never answers.
  EXPECT_EQ(r.log().committed(), 1u);
  r.apply_conf_change(ConfChange{ConfChangeType::kRemoveNode, 2, ""});
  EXPECT_EQ(r.log().committed(), 2u);
}

// Raft §6: TestPromotable / TestTransferNonMember / the removed member stops.
TEST_F(MembershipTest, AMemberOutsideTheConfigurationNeverCampaigns) {
  Raft& r = New(1, {2, 3});
  EXPECT_FALSE(r.promotable());
  Tick(r, 100);
  EXPECT_EQ(r.state(), StateType::kFollower);
  Step(r, M(MessageType::kTimeoutNow, 2, 1, 1));
  EXPECT_EQ(r.state(), StateType::kFollower);
  EXPECT_TRUE(SentOf(r, MessageType::kVote).empty());
}

// Raft §6: a leader that removes itself steps down (confchange_v1_remove_leader.txt).
TEST_F(MembershipTest, ALeaderRemovingItselfStepsDownAndTheRestElectANewLeader) {
  MiniCluster net;
  for (uint64_t id = 1; id <= 3; ++id) net.add(New(id, {1, 2, 3}));
  net.campaign(1);
  for (uint64_t id = 1; id <= 3; ++id) {
    net.at(id).apply_conf_change(ConfChange{ConfChangeType::kRemoveNode, 1, ""});
  }
  EXPECT_EQ(net.at(1).state(), StateType::kFollower);
  net.flush();  // Its parting MsgTimeoutNow makes an up-to-date member campaign at once.
  const uint64_t next = net.at(2).state() == StateType::kLeader ? 2 : 3;
  EXPECT_EQ(net.at(next).state(), StateType::kLeader);
  EXPECT_EQ(net.at(next).voters(), (std::vector<uint64_t>{2, 3}));
}

// Raft §6: a committed but unapplied conf change blocks campaigning (it may remove us).
TEST_F(MembershipTest, NoCampaignWhileACommittedConfChangeIsUnapplied) {
  Raft& r = New(1, {1, 2});
  Message app = M(MessageType::kApp, 2, 1, 1);
  app.entries = {
      Entry{1, 1, EntryType::kConfChange, encode(ConfChange{ConfChangeType::kRemoveNode, 1, ""})}};
  app.commit = 1;
  Step(r, app);
  Step(r, M(MessageType::kHup, 1, 1));
  EXPECT_EQ(r.state(), StateType::kFollower);
}

// Learners: TestLearnerElectionTimeout / TestLearnerCampaign / TestLearnerCanVote /
// TestAddLearner / TestRemoveLearner / TestLearnerPromotion.
TEST_F(MembershipTest, ALearnerVotesWhenAskedButNeverCampaignsUntilPromoted) {
  Raft& r = New(2, {1, 2}, {}, Opts{.learners = {2}});
  EXPECT_EQ(r.learners(), (std::vector<uint64_t>{2}));
  Tick(r, 100);
  Step(r, M(MessageType::kHup, 2, 2));
  EXPECT_EQ(r.state(), StateType::kFollower);
  Message vote = M(MessageType::kVote, 1, 2, 2);
  Step(r, vote);
  ASSERT_EQ(SentOf(r, MessageType::kVoteResp).size(), 1u);
  EXPECT_EQ(r.apply_conf_change(ConfChange{ConfChangeType::kAddNode, 2, ""}),
            (ConfState{{1, 2}, {}}));  // Promotion.
  Tick(r, 100);
  EXPECT_NE(r.state(), StateType::kFollower);
  EXPECT_EQ(r.apply_conf_change(ConfChange{ConfChangeType::kAddLearnerNode, 3, ""}),
            (ConfState{{1, 2}, {3}}));
  EXPECT_EQ(r.apply_conf_change(ConfChange{ConfChangeType::kRemoveNode, 3, ""}),
            (ConfState{{1, 2}, {}}));
}

// Learners: TestLearnerLogReplication — replicated to, but not counted toward commit.
TEST_F(MembershipTest, ALearnersAcknowledgementDoesNotCountTowardCommit) {
  Raft& r = New(1, {1, 2, 3}, {}, Opts{.learners = {3}});
  MakeLeader(r);
  EXPECT_EQ(SentOf(r, MessageType::kApp).size(), 0u);
  Step(r, M(MessageType::kBeat, 1, 1));
  EXPECT_EQ(SentOf(r, MessageType::kHeartbeat).size(), 2u);  // Learners are replicated to.
  Message ack = M(MessageType::kAppResp, 3, 1, 1);
  ack.index = 1;
  Step(r, ack);
  EXPECT_EQ(r.log().committed(), 0u);
  ack.from = 2;
  Step(r, ack);
  EXPECT_EQ(r.log().committed(), 1u);
}

// ---------------------------------------------------------------- §7

Snapshot Snap(uint64_t index, uint64_t term, std::vector<uint64_t> voters) {
  return Snapshot{SnapshotMeta{index, term, ConfState{std::move(voters), {}}}, "sm"};
}

// Raft §7: TestRestore / TestRestoreFromSnapMsg / TestRestoreWithLearner.
TEST_F(SnapshotTest, AFollowerInstallsANewerSnapshotWithItsConfiguration) {
  Raft& r = New(2, {1, 2});
  Message m = M(MessageType::kSnap, 1, 2, 2);
  m.snapshot = Snapshot{SnapshotMeta{11, 11, ConfState{{1, 2}, {3}}}, "sm"};
  Step(r, m);
  EXPECT_EQ(r.lead(), 1u);
  EXPECT_EQ(r.log().last_index(), 11u);
  EXPECT_EQ(*r.log().term(11), 11u);
  EXPECT_EQ(r.log().committed(), 11u);
  EXPECT_EQ(r.voters(), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(r.learners(), (std::vector<uint64_t>{3}));
  std::vector<Message> resp = SentOf(r, MessageType::kAppResp);
  ASSERT_EQ(resp.size(), 1u);
  EXPECT_EQ(resp[0].index, 11u);
}

// Raft §7 / learners: TestRestoreVoterToLearner / TestRestoreLearnerPromotion /
// TestLearnerReceiveSnapshot — the snapshot's configuration decides what this member is.
TEST_F(SnapshotTest, TheSnapshotsConfigurationCanDemoteOrPromoteThisMember) {
  Raft& voter = New(3, {1, 2, 3});
  Message m = M(MessageType::kSnap, 1, 3, 2);
  m.snapshot = Snapshot{SnapshotMeta{11, 11, ConfState{{1, 2}, {3}}}, "sm"};
  Step(voter, m);
  EXPECT_FALSE(voter.promotable());
  EXPECT_EQ(voter.log().committed(), 11u);  // A learner installs snapshots like anyone.
  Raft& learner = New(3, {1, 2, 3}, {}, Opts{.learners = {3}});
  m.snapshot = Snapshot{SnapshotMeta{11, 11, ConfState{{1, 2, 3}, {}}}, "sm"};
  Step(learner, m);
  EXPECT_TRUE(learner.promotable());
}

// Raft §7: TestRestoreIgnoreSnapshot.
TEST_F(SnapshotTest, ASnapshotAtOrBelowCommitIsIgnoredButAMatchingOneAdvancesCommit) {
  Raft& r = New(1, {1, 2}, {1, 1, 1});
  r.mutable_log().commit_to(1);
  Message m = M(MessageType::kSnap, 2, 1, 1);
  m.snapshot = Snap(1, 1, {1, 2});
  Step(r, m);
  EXPECT_EQ(r.log().committed(), 1u);
  m.snapshot = Snap(2, 1, {1, 2});  // We hold (2, 1): keep the log, just commit.
  Step(r, m);
  EXPECT_EQ(r.log().committed(), 2u);
  EXPECT_EQ(r.log().last_index(), 3u);
  EXPECT_FALSE(r.log().unstable_snapshot().has_value());
}

class LeaderWithSnapshot : public SnapshotTest {
 protected:
  // Leader 1 of {1, 2} whose storage was compacted to a snapshot at 11 (term 11).
  Raft& Leader(Opts o = {}) {
    storages_.push_back(std::make_unique<MemoryStorage>());
    EXPECT_TRUE(storages_.back()->apply_snapshot(Snap(11, 11, {1, 2})));
    Raft& r = NewWithStorage(1, {1, 2}, storages_.back().get(), o);
    r.become_follower(11, kNone);
    MakeLeader(r);
    return r;
  }
  // Follower 2 says it has nothing: the leader probes down to index 0.
  static void RejectAll(Raft& r) {
    Message rej = M(MessageType::kAppResp, 2, 1, r.term());
    rej.index = r.progress().at(2).next - 1;
    rej.reject = true;
    rej.reject_hint = 0;
    Step(r, rej);
  }
};

// Raft §7: TestProvideSnap / TestSendingSnapshotSetPendingSnapshot.
TEST_F(LeaderWithSnapshot, AFollowerThatNeedsCompactedEntriesGetsTheSnapshot) {
  Raft& r = Leader();
  RejectAll(r);
  std::vector<Message> snaps = SentOf(r, MessageType::kSnap);
  ASSERT_EQ(snaps.size(), 1u);
  EXPECT_EQ(snaps[0].snapshot->meta.index, 11u);
  EXPECT_EQ(r.progress().at(2).state, ProgressState::kSnapshot);
  EXPECT_EQ(r.progress().at(2).pending_snapshot, 11u);
}

// Raft §7: TestIgnoreProvidingSnap.
TEST_F(LeaderWithSnapshot, NoSnapshotGoesToAFollowerNotRecentlyActive) {
  Raft& r = Leader();
  // The scene: 2 needs entries below the snapshot and has been silent since the last
  // CheckQuorum round. (Set directly: any response from 2 would make it active again.)
  Progress& pr = const_cast<Progress&>(r.progress().at(2));
  pr.next = 1;
  pr.recent_active = false;
  Step(r, Prop(1));
  EXPECT_TRUE(SentOf(r, MessageType::kSnap).empty());
  EXPECT_EQ(r.progress().at(2).state, ProgressState::kProbe);
}

// Raft §7: TestPendingSnapshotPauseReplication.
TEST_F(LeaderWithSnapshot, NothingElseIsSentWhileASnapshotIsPending) {
  Raft& r = Leader();
  RejectAll(r);
  (void)Sent(r);
  Step(r, Prop(1));
  EXPECT_TRUE(SentOf(r, MessageType::kApp).empty());
}

// Raft §7: TestSnapshotFailure / TestSnapshotSucceed.
TEST_F(LeaderWithSnapshot, TheSnapshotReportMovesTheFollowerBackToProbe) {
  for (bool ok : {false, true}) {
    Raft& r = Leader();
    RejectAll(r);
    Message status = M(MessageType::kSnapStatus, 2, 1);
    status.reject = !ok;
    Step(r, status);
    const Progress& pr = r.progress().at(2);
    EXPECT_EQ(pr.state, ProgressState::kProbe);
    EXPECT_EQ(pr.next, ok ? 12u : 1u);
    EXPECT_TRUE(pr.probe_sent);  // Waits for the follower's response.
  }
}

// Raft §7: TestSnapshotAbort / snapshot_succeed_via_app_resp.txt.
TEST_F(LeaderWithSnapshot, AnAcknowledgementPastThePendingSnapshotEndsTheSnapshotState) {
  Raft& r = Leader();
  RejectAll(r);
  Message ack = M(MessageType::kAppResp, 2, 1, r.term());
  ack.index = 12;
  Step(r, ack);
  EXPECT_EQ(r.progress().at(2).state, ProgressState::kReplicate);
  EXPECT_EQ(r.progress().at(2).next, 13u);
}

}  // namespace
}  // namespace arbor::raft
