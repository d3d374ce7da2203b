// The dissertation's extensions: ReadIndex (§6.4), CheckQuorum (§6.2), PreVote (§9.6) and
// leadership transfer (§3.10).
#include <gtest/gtest.h>

#include "raft/raft.h"
#include "raft_fixture.h"

namespace arbor::raft {
namespace {

using ReadIndexTest = RaftFixture;
using CheckQuorumTest = RaftFixture;
using PreVoteTest = RaftFixture;
using TransferTest = RaftFixture;

Message Read(uint64_t from, uint64_t to, std::string ctx) {
  Message m = M(MessageType::kReadIndex, from, to);
  m.context = std::move(ctx);
  return m;
}

// ---------------------------------------------------------------- ReadIndex (§6.4)

// Dissertation §6.4: TestReadOnlyOptionSafe / TestRaftFreesReadOnlyMem.
TEST_F(ReadIndexTest, AReadIsServedAtTheCommitIndexAfterAHeartbeatQuorum) {
  Raft& r = New(1, {1, 2, 3});
  MakeLeader(r);
  Message ack = M(MessageType::kAppResp, 2, 1, 1);
  ack.index = 1;
  Step(r, ack);  // The empty entry of term 1 commits.
  (void)Sent(r);
  Step(r, Read(1, 1, "ctx"));
  EXPECT_EQ(r.log().last_index(), 1u);  // Nothing is written to the log.
  std::vector<Message> hbs = SentOf(r, MessageType::kHeartbeat);
  ASSERT_EQ(hbs.size(), 2u);
  EXPECT_EQ(hbs[0].context, "ctx");
  EXPECT_FALSE(r.has_read_states());
  Message hb_ack = M(MessageType::kHeartbeatResp, 3, 1, 1);
  hb_ack.context = "ctx";
  Step(r, hb_ack);
  EXPECT_EQ(r.take_read_states(), (std::vector<ReadState>{{1, "ctx"}}));
  Step(r, hb_ack);  // A late duplicate acknowledgement finds nothing pending.
  EXPECT_FALSE(r.has_read_states());
}

// Dissertation §6.4: TestReadOnlyWithLearner.
TEST_F(ReadIndexTest, LearnersDoNotCountTowardTheReadQuorum) {
  Raft& r = New(1, {1, 2, 3}, {}, Opts{.learners = {3}});
  MakeLeader(r);
  Message ack = M(MessageType::kAppResp, 2, 1, 1);
  ack.index = 1;
  Step(r, ack);
  Step(r, Read(1, 1, "ctx"));
  Message hb_ack = M(MessageType::kHeartbeatResp, 3, 1, 1);
  hb_ack.context = "ctx";
  Step(r, hb_ack);
  EXPECT_FALSE(r.has_read_states());
  hb_ack.from = 2;
  Step(r, hb_ack);
  EXPECT_TRUE(r.has_read_states());
}

// Dissertation §6.4: TestReadOnlyForNewLeader.
TEST_F(ReadIndexTest, ANewLeaderHoldsReadsUntilAnEntryOfItsTermCommits) {
  Raft& r = New(1, {1, 2, 3}, {1, 1});
  r.become_follower(1, kNone);
  MakeLeader(r);
  Step(r, Read(1, 1, "ctx"));
  EXPECT_TRUE(SentOf(r, MessageType::kHeartbeat).empty());
  Message ack = M(MessageType::kAppResp, 2, 1, 2);
  ack.index = 3;
  Step(r, ack);  // Its empty entry at 3 commits: the held read proceeds.
  EXPECT_EQ(SentOf(r, MessageType::kHeartbeat).size(), 2u);
  Message hb_ack = M(MessageType::kHeartbeatResp, 2, 1, 2);
  hb_ack.context = "ctx";
  Step(r, hb_ack);
  EXPECT_EQ(r.take_read_states(), (std::vector<ReadState>{{3, "ctx"}}));
}

// Dissertation §6.4: TestNodeReadIndex / TestNodeReadIndexToOldLeader (forwarding part).
TEST_F(ReadIndexTest, AFollowerForwardsReadsAndRecordsTheLeadersAnswer) {
  Raft& f = New(2, {1, 2, 3});
  Step(f, M(MessageType::kHeartbeat, 1, 2, 1));
  (void)Sent(f);
  Step(f, Read(2, 2, "ctx"));
  std::vector<Message> fwd = SentOf(f, MessageType::kReadIndex);
  ASSERT_EQ(fwd.size(), 1u);
  EXPECT_EQ(fwd[0].to, 1u);
  Message answer = M(MessageType::kReadIndexResp, 1, 2, 1);
  answer.index = 7;
  answer.context = "ctx";
  Step(f, answer);
  EXPECT_EQ(f.take_read_states(), (std::vector<ReadState>{{7, "ctx"}}));
  Raft& lonely = New(3, {1, 2, 3});
  EXPECT_EQ(lonely.step(Read(3, 3, "x")).error(), StepError::kProposalDropped);  // No leader.
  lonely.become_candidate();
  EXPECT_EQ(lonely.step(Read(3, 3, "x")).error(), StepError::kProposalDropped);
}

// ---------------------------------------------------------------- CheckQuorum (§6.2)

// Dissertation §6.2: TestLeaderStepdownWhenQuorumActive / TestLeaderStepdownWhenQuorumLost.
TEST_F(CheckQuorumTest, ALeaderStepsDownOnlyWhenItHearsFromNoQuorumForATimeout) {
  Raft& r = New(1, {1, 2, 3}, {}, Opts{.check_quorum = true});
  MakeLeader(r);
  for (int i = 0; i < 3; ++i) {
    Step(r, M(MessageType::kHeartbeatResp, 2, 1, r.term()));
    Tick(r, 10);
    EXPECT_EQ(r.state(), StateType::kLeader);
  }
  Tick(r, 10);
  EXPECT_EQ(r.state(), StateType::kFollower);
  EXPECT_EQ(r.term(), 1u);  // Stepping down does not change the term.
}

// Dissertation §6.2: TestLeaderSupersedingWithCheckQuorum / TestFreeStuckCandidateWithCheckQuorum.
TEST_F(CheckQuorumTest, AFollowerInItsLeaderLeaseIgnoresVoteRequests) {
  Raft& r = New(2, {1, 2, 3}, {}, Opts{.check_quorum = true});
  Step(r, M(MessageType::kHeartbeat, 1, 2, 1));
  Message vote = M(MessageType::kVote, 3, 2, 2);
  Step(r, vote);
  EXPECT_EQ(r.term(), 1u);
  EXPECT_TRUE(Sent(r).size() == 1);  // Only the heartbeat response.
  Tick(r, 9);
  Step(r, vote);  // Still within the lease (9 < election_tick).
  EXPECT_EQ(r.term(), 1u);
  Tick(r, 1);  // The lease has run out (this member's own timeout, seeded, is later).
  ASSERT_EQ(r.state(), StateType::kFollower);
  Step(r, vote);
  EXPECT_EQ(r.term(), 2u);
  std::vector<Message> resp = SentOf(r, MessageType::kVoteResp);
  ASSERT_EQ(resp.size(), 1u);
  EXPECT_FALSE(resp[0].reject);
}

// Dissertation §6.2: TestLeaderElectionWithCheckQuorum / TestNonPromotableVoterWithCheckQuorum.
TEST_F(CheckQuorumTest, ElectionsStillSucceedAndANonMemberStillFollows) {
  MiniCluster net;
  for (uint64_t id = 1; id <= 3; ++id) net.add(New(id, {1, 2, 3}, {}, Opts{.check_quorum = true}));
  Raft& outsider = New(4, {1, 2, 3}, {}, Opts{.check_quorum = true});
  net.add(outsider);
  // Members are outside their (initially empty) lease: a plain campaign works.
  net.campaign(1);
  EXPECT_EQ(net.at(1).state(), StateType::kLeader);
  Message hb = M(MessageType::kHeartbeat, 1, 4, net.at(1).term());
  Step(outsider, hb);
  EXPECT_EQ(outsider.lead(), 1u);
  Tick(outsider, 100);
  EXPECT_EQ(outsider.state(), StateType::kFollower);
}

// Dissertation §9.6 / §6.2: TestDisruptiveFollower (without PreVote the rejoining member with
// a higher term makes the leader step down).
TEST_F(CheckQuorumTest, WithoutPreVoteARejoiningMemberWithAHigherTermDeposesTheLeader) {
  Raft& leader = New(1, {1, 2, 3}, {}, Opts{.check_quorum = true});
  MakeLeader(leader);
  Message resp = M(MessageType::kAppResp, 3, 1, 5);  // 3 campaigned alone up to term 5.
  Step(leader, resp);
  EXPECT_EQ(leader.state(), StateType::kFollower);
  EXPECT_EQ(leader.term(), 5u);
}

// A stale leader learns the higher term from the answer to its own heartbeat.
TEST_F(CheckQuorumTest, AMemberWithAHigherTermAnswersAStaleLeadersHeartbeat) {
  Raft& r = New(3, {1, 2, 3}, {}, Opts{.check_quorum = true});
  r.become_follower(5, kNone);
  Step(r, M(MessageType::kHeartbeat, 1, 3, 1));
  std::vector<Message> resp = SentOf(r, MessageType::kAppResp);
  ASSERT_EQ(resp.size(), 1u);
  EXPECT_EQ(resp[0].term, 5u);
}

// ---------------------------------------------------------------- PreVote (§9.6)

// Dissertation §9.6: TestLeaderElectionPreVote / TestLeaderCyclePreVote /
// TestSingleNodePreCandidate.
TEST_F(PreVoteTest, APreVoteRoundPrecedesTheRealElection) {
  Raft& solo = New(1, {1}, {}, Opts{.pre_vote = true});
  Step(solo, M(MessageType::kHup, 1, 1));
  EXPECT_EQ(solo.state(), StateType::kLeader);
  MiniCluster net;
  for (uint64_t id = 1; id <= 3; ++id) net.add(New(id, {1, 2, 3}, {}, Opts{.pre_vote = true}));
  net.campaign(1);
  EXPECT_EQ(net.at(1).state(), StateType::kLeader);
  EXPECT_EQ(net.at(1).term(), 1u);  // The pre-vote round did not spend a term.
  // While 1 leads, the others are in its lease and refuse pre-votes: 2 cannot take over.
  net.campaign(2);
  EXPECT_EQ(net.at(1).state(), StateType::kLeader);
  EXPECT_EQ(net.at(2).term(), 1u);
  // Once 1 is gone and 3's lease has run out, 2 is elected: every member can lead in turn.
  net.isolate(1);
  net.at(3).become_follower(net.at(3).term(), kNone);
  net.campaign(2);
  EXPECT_EQ(net.at(2).state(), StateType::kLeader);
  EXPECT_EQ(net.at(2).term(), 2u);
}

// Dissertation §9.6: TestRecvMsgPreVote / TestPreVoteFromAnyState.
TEST_F(PreVoteTest, APreVoteIsGrantedWithoutChangingTermOrVote) {
  for (int role = 0; role < 3; ++role) {
    Raft& r = New(1, {1, 2, 3}, {}, Opts{.pre_vote = true});
    if (role == 1) r.become_candidate();
    if (role == 2) r.become_pre_candidate();
    (void)Sent(r);
    const uint64_t term = r.term(), vote = r.vote();
    const StateType state = r.state();
    Message pv = M(MessageType::kPreVote, 2, 1, term + 1);
    pv.index = 5;
    pv.log_term = term + 1;
    Step(r, pv);
    std::vector<Message> resp = SentOf(r, MessageType::kPreVoteResp);
    ASSERT_EQ(resp.size(), 1u);
    EXPECT_FALSE(resp[0].reject);
    EXPECT_EQ(resp[0].term, term + 1);
    EXPECT_EQ(r.term(), term);
    EXPECT_EQ(r.vote(), vote);
    EXPECT_EQ(r.state(), state);
  }
}

// Dissertation §9.6: TestPreCampaignWhileLeader / TestDuelingPreCandidates /
// TestPreVoteWithSplitVote / TestLeaderElectionOverwriteNewerLogsPreVote.
TEST_F(PreVoteTest, APreCandidateWithAStaleLogDoesNotRaiseAnyonesTerm) {
  MiniCluster net;
  for (uint64_t id = 1; id <= 3; ++id) net.add(New(id, {1, 2, 3}, {}, Opts{.pre_vote = true}));
  net.cut(1, 3);
  net.campaign(1);
  net.propose(1);
  net.heal();
  net.isolate(1);
  net.at(2).become_follower(net.at(2).term(), kNone);  // 2 lost its leader: no lease.
  // 3 (missing 1's entries) pre-campaigns: 2 refuses (3's log is behind), terms stay put.
  const uint64_t term2 = net.at(2).term();
  net.campaign(3);
  EXPECT_EQ(net.at(2).term(), term2);
  EXPECT_NE(net.at(3).state(), StateType::kLeader);
}

// Dissertation §9.6: TestDisruptiveFollowerPreVote / TestPreVoteWithCheckQuorum.
TEST_F(PreVoteTest, AnIsolatedMemberRejoiningCannotDeposeTheLeader) {
  MiniCluster net;
  for (uint64_t id = 1; id <= 3; ++id) {
    net.add(New(id, {1, 2, 3}, {}, Opts{.pre_vote = true, .check_quorum = true}));
  }
  net.campaign(1);
  ASSERT_EQ(net.at(1).state(), StateType::kLeader);
  net.isolate(3);
  net.propose(1);
  for (int i = 0; i < 5; ++i) net.campaign(3);  // Pre-votes go nowhere.
  EXPECT_EQ(net.at(3).term(), 1u);              // Its term never rose.
  net.heal();
  net.campaign(3);  // Refused: 1 and 2 are in their lease and 3's log is behind.
  EXPECT_EQ(net.at(1).state(), StateType::kLeader);
  EXPECT_EQ(net.at(1).term(), 1u);
}

// Dissertation §9.6: TestPreVoteMigrationWithFreeStuckPreCandidate.
TEST_F(PreVoteTest, AStuckPreCandidateIsFreedByTheLeadersHeartbeat) {
  Raft& r = New(3, {1, 2, 3}, {}, Opts{.pre_vote = true});
  r.become_follower(1, kNone);
  r.become_pre_candidate();
  Step(r, M(MessageType::kHeartbeat, 1, 3, 1));
  EXPECT_EQ(r.state(), StateType::kFollower);
  EXPECT_EQ(r.lead(), 1u);
}

// Dissertation §9.6: a rejected pre-vote from a higher term updates the pre-candidate.
TEST_F(PreVoteTest, APreVoteRejectionCarryingAHigherTermMakesThePreCandidateFollow) {
  Raft& r = New(1, {1, 2, 3}, {}, Opts{.pre_vote = true});
  Step(r, M(MessageType::kHup, 1, 1));
  EXPECT_EQ(r.state(), StateType::kPreCandidate);
  EXPECT_EQ(r.term(), 0u);
  Message rej = M(MessageType::kPreVoteResp, 2, 1, 4);
  rej.reject = true;
  Step(r, rej);
  EXPECT_EQ(r.state(), StateType::kFollower);
  EXPECT_EQ(r.term(), 4u);
}

// Dissertation §9.6: TestPreVoteMigrationCanCompleteElection — a cluster where only some
// members use PreVote (during a rolling upgrade) still elects leaders.
TEST_F(PreVoteTest, AMixedPreVoteClusterStillElects) {
  MiniCluster net;
  net.add(New(1, {1, 2, 3}, {}, Opts{.pre_vote = true}));
  net.add(New(2, {1, 2, 3}, {}, Opts{.pre_vote = false}));
  net.add(New(3, {1, 2, 3}, {}, Opts{.pre_vote = true}));
  net.campaign(2);
  EXPECT_EQ(net.at(2).state(), StateType::kLeader);
  net.isolate(2);
  net.at(3).become_follower(net.at(3).term(), kNone);  // Leader gone: leases lapse.
  net.at(1).become_follower(net.at(1).term(), kNone);
  net.campaign(1);
  EXPECT_EQ(net.at(1).state(), StateType::kLeader);
}

// ---------------------------------------------------------------- Leadership transfer (§3.10)

class TransferCluster : public TransferTest {
 protected:
  void SetUp() override {
    for (uint64_t id = 1; id <= 3; ++id) {
      net_.add(New(id, {1, 2, 3}, {}, Opts{.check_quorum = true}));
    }
    net_.campaign(1);
    ASSERT_EQ(net_.at(1).state(), StateType::kLeader);
  }
  // Node::transfer_leadership(to) called at member `via`.
  void Transfer(uint64_t to, uint64_t via = 1) {
    net_.step_local(M(MessageType::kTransferLeader, to, via));
  }
  MiniCluster net_;
};

// Dissertation §3.10: TestLeaderTransferToUpToDateNode / …FromFollower / …WithCheckQuorum /
// TestLeaderTransferBack.
TEST_F(TransferCluster, AnUpToDateTransfereeTakesOverAndCanHandItBack) {
  Transfer(2);
  EXPECT_EQ(net_.at(2).state(), StateType::kLeader);
  EXPECT_EQ(net_.at(1).state(), StateType::kFollower);
  EXPECT_EQ(net_.at(1).lead(), 2u);
  Transfer(1, 3);  // Asked at a follower: forwarded to the leader.
  EXPECT_EQ(net_.at(1).state(), StateType::kLeader);
}

// Dissertation §3.10: TestLeaderTransferToSlowFollower / TestLeaderTransferAfterSnapshot.
TEST_F(TransferCluster, ASlowTransfereeIsCaughtUpFirst) {
  net_.isolate(3);
  net_.propose(1);
  net_.heal();
  Transfer(3);
  EXPECT_EQ(net_.at(3).state(), StateType::kLeader);
  EXPECT_EQ(LogTerms(net_.at(3)).size(), 3u);
}

// Dissertation §3.10: TestLeaderTransferToSelf / TestLeaderTransferToNonExistingNode.
TEST_F(TransferCluster, TransferToSelfOrANonMemberDoesNothing) {
  Transfer(1);
  Transfer(9);
  EXPECT_EQ(net_.at(1).state(), StateType::kLeader);
  EXPECT_EQ(net_.at(1).lead_transferee(), kNone);
}

// Dissertation §3.10: TestLeaderTransferTimeout / TestLeaderTransferIgnoreProposal.
TEST_F(TransferCluster, ProposalsAreDroppedDuringATransferThatTimesOut) {
  net_.isolate(3);
  Transfer(3);
  EXPECT_EQ(net_.at(1).lead_transferee(), 3u);
  EXPECT_EQ(net_.at(1).step(Prop(1)).error(), StepError::kProposalDropped);
  for (int i = 0; i < 10; ++i) {
    net_.at(1).tick();
    net_.flush();
  }
  EXPECT_EQ(net_.at(1).lead_transferee(), kNone);
  EXPECT_EQ(net_.at(1).state(), StateType::kLeader);
  EXPECT_TRUE(net_.at(1).step(Prop(1)).ok());
}

// Dissertation §3.10: TestLeaderTransferSecondTransferToAnotherNode / …ToSameNode /
// TestLeaderTransferRemoveNode / TestLeaderTransferReceiveHigherTermVote.
TEST_F(TransferCluster, ASecondTransferOrRemovingTheTransfereeReplacesOrAbortsTheFirst) {
  net_.isolate(3);
  Transfer(3);
  Transfer(3);  // Same target: still under way.
  EXPECT_EQ(net_.at(1).lead_transferee(), 3u);
  net_.at(1).apply_conf_change(ConfChange{ConfChangeType::kRemoveNode, 3, ""});
  EXPECT_EQ(net_.at(1).lead_transferee(), kNone);
  Transfer(2);  // Another target, reachable: completes.
  EXPECT_EQ(net_.at(2).state(), StateType::kLeader);
}

// Dissertation §3.10: TestLeaderTransferReceiveHigherTermVote.
TEST_F(TransferCluster, AHigherTermElectionDuringATransferEndsIt) {
  net_.isolate(3);
  Transfer(3);
  // A vote request of a higher term that bypasses the lease (itself from a transfer).
  Message vote = M(MessageType::kVote, 2, 1, net_.at(1).term() + 1);
  vote.index = 100;
  vote.log_term = 100;
  vote.context = std::string(kCampaignTransfer);
  Step(net_.at(1), vote);
  EXPECT_EQ(net_.at(1).lead_transferee(), kNone);
  EXPECT_EQ(net_.at(1).state(), StateType::kFollower);
  EXPECT_EQ(net_.at(1).vote(), 2u);
}

}  // namespace
}  // namespace arbor::raft
