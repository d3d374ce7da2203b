// The Raft paper's rules (§5.1–§5.4), one member at a time or in a MiniCluster.
#include "raft/raft.h"

#include <gtest/gtest.h>

#include <set>

#include "raft/progress.h"
#include "raft_fixture.h"

namespace arbor::raft {
namespace {

using RaftTest = RaftFixture;

// ---------------------------------------------------------------- §5.1 Terms and server states

// Raft §5.1: TestFollowerUpdateTermFromMessage / TestCandidateUpdateTermFromMessage /
// TestLeaderUpdateTermFromMessage / TestAllServerStepdown.
TEST_F(RaftTest, EveryRoleAdoptsAHigherTermAndBecomesFollower) {
  for (int role = 0; role < 3; ++role) {
    for (MessageType type : {MessageType::kApp, MessageType::kVote}) {
      Raft& r = New(1, {1, 2, 3});
      if (role >= 1) r.become_candidate();
      if (role == 2) r.become_leader();
      const uint64_t last = r.log().last_index();
      Message m = M(type, 2, 1, 5);
      m.log_term = 5;
      m.index = last + 10;  // A vote request from an up-to-date log.
      if (type == MessageType::kApp) {
        m.index = 0;
        m.log_term = 0;
      }
      Step(r, m);
      EXPECT_EQ(r.state(), StateType::kFollower);
      EXPECT_EQ(r.term(), 5u);
      EXPECT_EQ(r.lead(), type == MessageType::kApp ? 2u : kNone);
    }
  }
}

// Raft §5.1: TestRejectStaleTermMessage / TestStepIgnoreOldTermMsg / TestOldMessages.
TEST_F(RaftTest, AMessageFromAnOlderTermIsIgnored) {
  Raft& r = New(1, {1, 2, 3}, {1, 2});
  MakeLeader(r);  // Term 3.
  Message stale = M(MessageType::kApp, 2, 1, 2);
  stale.index = 2;
  stale.log_term = 2;
  stale.entries = {E(3, 2, "old")};
  const std::vector<uint64_t> before = LogTerms(r);
  Step(r, stale);
  EXPECT_EQ(LogTerms(r), before);
  EXPECT_EQ(r.state(), StateType::kLeader);
  EXPECT_TRUE(Sent(r).empty());
}

// Raft §5.1: TestStateTransition.
TEST_F(RaftTest, IllegalRoleTransitionsAreFatal) {
  Raft& r = New(1, {1, 2});
  EXPECT_DEATH(r.become_leader(), "follower cannot become leader");
  r.become_candidate();
  r.become_leader();
  EXPECT_EQ(r.lead(), 1u);
  EXPECT_DEATH(r.become_candidate(), "leader cannot become candidate");
  EXPECT_DEATH(r.become_pre_candidate(), "leader cannot become pre-candidate");
}

// Raft §5.1: TestCandidateResetTermMsgHeartbeat / TestCandidateResetTermMsgApp.
TEST_F(RaftTest, ACandidateHearingFromALeaderOfItsTermBecomesItsFollower) {
  for (MessageType type : {MessageType::kHeartbeat, MessageType::kApp}) {
    Raft& r = New(1, {1, 2, 3});
    r.become_candidate();
    Step(r, M(type, 3, 1, r.term()));
    EXPECT_EQ(r.state(), StateType::kFollower);
    EXPECT_EQ(r.lead(), 3u);
    EXPECT_EQ(r.term(), 1u);
  }
}

// ---------------------------------------------------------------- §5.2 Leader election

// Raft §5.2: TestStartAsFollower.
TEST_F(RaftTest, AFreshMemberStartsAsAFollowerWithNoLeaderOrVote) {
  Raft& r = New(1, {1, 2, 3});
  EXPECT_EQ(r.state(), StateType::kFollower);
  EXPECT_EQ(r.term(), 0u);
  EXPECT_EQ(r.lead(), kNone);
  EXPECT_EQ(r.vote(), kNone);
  EXPECT_TRUE(Sent(r).empty());
}

// Raft §5.2: TestLeaderBcastBeat / TestBcastBeat.
TEST_F(RaftTest, LeaderSendsHeartbeatsCarryingTheCommitEachFollowerCanAccept) {
  Raft& r = New(1, {1, 2, 3}, {}, Opts{.heartbeat_tick = 2});
  MakeLeader(r);
  Step(r, M(MessageType::kAppResp, 2, 1, 1));  // 2 acknowledges nothing yet (match 0).
  Message ack = M(MessageType::kAppResp, 3, 1, 1);
  ack.index = 1;
  Step(r, ack);  // 3 holds entry 1, which commits.
  (void)Sent(r);
  Tick(r, 2);
  std::vector<Message> hbs = SentOf(r, MessageType::kHeartbeat);
  ASSERT_EQ(hbs.size(), 2u);
  for (const Message& m : hbs) {
    EXPECT_TRUE(m.entries.empty());
    EXPECT_EQ(m.index, 0u);
    EXPECT_EQ(m.commit, m.to == 3 ? 1u : 0u);
  }
}

// Raft §5.2: TestRecvMsgBeat / TestCampaignWhileLeader.
TEST_F(RaftTest, OnlyALeaderReactsToBeatAndALeaderIgnoresHup) {
  Raft& f = New(1, {1, 2, 3});
  Step(f, M(MessageType::kBeat, 1, 1));
  EXPECT_TRUE(Sent(f).empty());
  Raft& c = New(2, {1, 2, 3});
  c.become_candidate();
  (void)Sent(c);
  Step(c, M(MessageType::kBeat, 2, 2));
  EXPECT_TRUE(Sent(c).empty());
  Raft& l = New(3, {1, 2, 3});
  MakeLeader(l);
  Step(l, M(MessageType::kHup, 3, 3));
  EXPECT_EQ(l.term(), 1u);
  EXPECT_EQ(l.state(), StateType::kLeader);
  Step(l, M(MessageType::kBeat, 3, 3));
  EXPECT_EQ(SentOf(l, MessageType::kHeartbeat).size(), 2u);
}

// Raft §5.2: TestFollowerStartElection / TestCandidateStartNewElection / TestVoteRequest (§5.4.1).
TEST_F(RaftTest, AnElectionTimeoutStartsAnElectionInTheNextTerm) {
  Raft& r = New(1, {1, 2, 3}, {1, 2});
  for (uint64_t expected_term = 3; expected_term <= 4; ++expected_term) {
    Tick(r, 2 * 10);
    EXPECT_EQ(r.state(), StateType::kCandidate);
    EXPECT_EQ(r.term(), expected_term);
    EXPECT_EQ(r.vote(), 1u);
    std::vector<Message> votes = SentOf(r, MessageType::kVote);
    ASSERT_EQ(votes.size(), 2u);
    for (const Message& m : votes) {
      EXPECT_EQ(m.term, expected_term);
      EXPECT_EQ(m.index, 2u);     // Candidate's last log index...
      EXPECT_EQ(m.log_term, 2u);  // ...and term (§5.4.1).
    }
  }
}

// Raft §5.2: TestLeaderElectionInOneRoundRPC / TestSingleNodeCandidate.
TEST_F(RaftTest, OneRoundOfVotesWinsLosesOrWaits) {
  struct Case {
    size_t size;
    std::map<uint64_t, bool> votes;
    StateType want;
  };
  const std::vector<Case> cases = {
      {1, {}, StateType::kLeader},
      {3, {{2, true}, {3, true}}, StateType::kLeader},
      {3, {{2, true}}, StateType::kLeader},
      {5, {{2, true}, {3, true}, {4, true}, {5, true}}, StateType::kLeader},
      {5, {{2, true}, {3, true}}, StateType::kLeader},
      {3, {{2, false}, {3, false}}, StateType::kFollower},
      {5, {{2, false}, {3, false}, {4, false}}, StateType::kFollower},
      {5, {{2, true}, {3, false}, {4, false}, {5, false}}, StateType::kFollower},
      {3, {}, StateType::kCandidate},
      {5, {{2, true}}, StateType::kCandidate},
      {5, {{2, false}, {3, false}}, StateType::kCandidate},
  };
  for (const Case& c : cases) {
    std::vector<uint64_t> peers;
    for (uint64_t i = 1; i <= c.size; ++i) peers.push_back(i);
    Raft& r = New(1, peers);
    Step(r, M(MessageType::kHup, 1, 1));
    for (const auto& [from, granted] : c.votes) {
      Message v = M(MessageType::kVoteResp, from, 1, r.term());
      v.reject = !granted;
      Step(r, v);
    }
    EXPECT_EQ(r.state(), c.want) << c.size << " members";
    EXPECT_EQ(r.term(), 1u);
  }
}

// Raft §5.2: TestFollowerVote / TestRecvMsgVote / TestVoter (§5.4.1).
TEST_F(RaftTest, AVoterGrantsOneVotePerTermToAnUpToDateCandidate) {
  struct Case {
    uint64_t vote;       // Already voted for (in term 1).
    uint64_t candidate;  // Asking in term 1.
    uint64_t index, log_term;
    bool reject;
  };
  const std::vector<Case> cases = {
      {kNone, 2, 2, 1, false}, {2, 2, 2, 1, false},  // First come, and the same again.
      {3, 2, 2, 1, true},                            // Already voted for another.
      {kNone, 2, 1, 1, true},                        // Shorter log, same last term.
      {kNone, 2, 1, 2, false},                       // Later last term wins even if shorter.
      {kNone, 2, 5, 0, true},                        // Earlier last term loses even if longer.
  };
  for (const Case& c : cases) {
    storages_.push_back(std::make_unique<MemoryStorage>());
    storages_.back()->append(std::vector<Entry>{E(1, 1), E(2, 1)});
    storages_.back()->set_hard_state(HardState{1, c.vote, 0});
    Raft& r = NewWithStorage(1, {1, 2, 3}, storages_.back().get());
    Message m = M(MessageType::kVote, c.candidate, 1, 1);
    m.index = c.index;
    m.log_term = c.log_term;
    Step(r, m);
    std::vector<Message> resp = SentOf(r, MessageType::kVoteResp);
    ASSERT_EQ(resp.size(), 1u);
    EXPECT_EQ(resp[0].reject, c.reject) << "vote " << c.vote << " index " << c.index;
    if (!c.reject) {
      EXPECT_EQ(r.vote(), c.candidate);
    }
  }
}

// Raft §5.2: TestVoteFromAnyState.
TEST_F(RaftTest, EveryRoleGrantsAHigherTermVoteToAnUpToDateCandidate) {
  for (int role = 0; role < 4; ++role) {
    Raft& r = New(1, {1, 2, 3});
    if (role == 1) r.become_candidate();
    if (role == 2) r.become_pre_candidate();
    if (role == 3) MakeLeader(r);
    (void)Sent(r);
    Message m = M(MessageType::kVote, 2, 1, r.term() + 1);
    m.index = 42;
    m.log_term = r.term() + 1;
    const uint64_t new_term = m.term;
    Step(r, m);
    std::vector<Message> resp = SentOf(r, MessageType::kVoteResp);
    ASSERT_EQ(resp.size(), 1u);
    EXPECT_FALSE(resp[0].reject);
    EXPECT_EQ(r.state(), StateType::kFollower);
    EXPECT_EQ(r.term(), new_term);
    EXPECT_EQ(r.vote(), 2u);
  }
}

// Raft §5.2: TestCandidateFallback.
TEST_F(RaftTest, ACandidateFallsBackOnAppendFromALeaderOfItsTermOrLater) {
  for (uint64_t delta : {0, 1}) {
    Raft& r = New(1, {1, 2, 3});
    Step(r, M(MessageType::kHup, 1, 1));
    Step(r, M(MessageType::kApp, 2, 1, r.term() + delta));
    EXPECT_EQ(r.state(), StateType::kFollower);
    EXPECT_EQ(r.lead(), 2u);
    EXPECT_EQ(r.term(), 1 + delta);
  }
}

// Raft §5.2: TestFollowerElectionTimeoutRandomized / TestCandidateElectionTimeoutRandomized /
// TestPastElectionTimeout.
TEST_F(RaftTest, ElectionTimeoutsCoverTheWholeRangeFromEtTo2Et) {
  std::set<int> seen;
  Raft& r = New(1, {1, 2, 3});
  for (int round = 0; round < 500; ++round) {
    r.become_follower(r.term() + 1, kNone);
    int ticks = 0;
    while (r.state() == StateType::kFollower) {
      r.tick();
      ++ticks;
    }
    seen.insert(ticks);
  }
  std::set<int> want;
  for (int t = 10; t < 20; ++t) want.insert(t);
  EXPECT_EQ(seen, want);
}

// Raft §5.2: TestFollowersElectionTimeoutNonconflict / TestCandidatesElectionTimeoutNonconflict.
TEST_F(RaftTest, FiveMembersRarelyTimeOutOnTheSameTick) {
  int conflicts = 0;
  const int rounds = 1000;
  std::vector<Raft*> rs;
  for (uint64_t id = 1; id <= 5; ++id) rs.push_back(&New(id, {1, 2, 3, 4, 5}));
  for (int round = 0; round < rounds; ++round) {
    for (Raft* r : rs) r->become_follower(r->term() + 1, kNone);
    int fired = 0;
    while (fired == 0) {
      for (Raft* r : rs) {
        r->tick();
        if (r->state() != StateType::kFollower) ++fired;
      }
    }
    if (fired > 1) ++conflicts;
  }
  EXPECT_LE(conflicts, rounds * 3 / 10);
}

// Raft §5.2: TestLeaderCycle / TestLeaderElection.
TEST_F(RaftTest, EveryMemberCanBecomeLeaderButOnlyWithAMajority) {
  MiniCluster net;
  for (uint64_t id = 1; id <= 3; ++id) net.add(New(id, {1, 2, 3}));
  for (uint64_t id = 1; id <= 3; ++id) {
    net.campaign(id);
    EXPECT_EQ(net.at(id).state(), StateType::kLeader);
    for (uint64_t other = 1; other <= 3; ++other) EXPECT_EQ(net.at(other).lead(), id);
  }
  net.isolate(1);
  net.cut(2, 3);
  net.campaign(2);
  EXPECT_EQ(net.at(2).state(), StateType::kCandidate);
}

// Raft §5.2: TestLeaderElectionOverwriteNewerLogs / TestLeaderSyncFollowerLog (§5.3, Figure 7).
TEST_F(RaftTest, TheLeaderBringsEveryFigure7FollowerIntoAgreement) {
  const std::vector<uint64_t> leader_log = {1, 1, 1, 4, 4, 5, 5, 6, 6, 6};
  const std::vector<std::vector<uint64_t>> followers = {
      {1, 1, 1, 4, 4, 5, 5, 6, 6},           // (a) missing one
      {1, 1, 1, 4},                          // (b) missing many
      {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6},     // (c) one extra uncommitted
      {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7},  // (d) extra entries of a later term
      {1, 1, 1, 4, 4, 4, 4},                 // (e) conflicting suffix
      {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3},     // (f) long conflicting suffix
  };
  for (bool pre_vote : {false, true}) {  // TestLeaderElectionOverwriteNewerLogsPreVote too.
    for (const std::vector<uint64_t>& f : followers) {
      MiniCluster net;
      const Opts o{.pre_vote = pre_vote};
      Raft& leader = New(1, {1, 2, 3}, leader_log, o);
      Raft& follower = New(2, {1, 2, 3}, f, o);
      Raft& voter = New(3, {1, 2, 3}, leader_log, o);
      net.add(leader);
      net.add(follower);
      net.add(voter);
      // The voter's vote elects 1 in a term above everyone's (the follower may refuse).
      storages_.back()->set_hard_state(HardState{7, kNone, 0});
      leader.become_follower(7, kNone);
      voter.become_follower(7, kNone);
      net.campaign(1);
      ASSERT_EQ(leader.state(), StateType::kLeader);
      net.propose(1);
      EXPECT_EQ(LogTerms(follower), LogTerms(leader)) << "follower of length " << f.size();
    }
  }
}

// Raft §5.2: TestDuelingCandidates / TestCandidateConcede.
TEST_F(RaftTest, DuelingCandidatesResolveAndTheStaleOneConcedes) {
  MiniCluster net;
  for (uint64_t id = 1; id <= 3; ++id) net.add(New(id, {1, 2, 3}));
  net.cut(1, 3);
  net.campaign(1);
  net.campaign(3);
  EXPECT_EQ(net.at(1).state(), StateType::kLeader);
  EXPECT_EQ(net.at(3).state(), StateType::kCandidate);  // 2 already voted in term 1.
  net.heal();
  // 3 campaigns again in term 2 but its log lacks 1's empty entry: it cannot win (§5.4.1).
  net.campaign(3);
  EXPECT_EQ(net.at(3).state(), StateType::kFollower);
  EXPECT_EQ(net.at(2).state(), StateType::kFollower);
  net.campaign(1);
  net.propose(1, "after");
  EXPECT_EQ(LogTerms(net.at(3)), LogTerms(net.at(1)));
  EXPECT_EQ(LogTerms(net.at(2)), LogTerms(net.at(1)));
}

// Raft §5.2: TestNodeWithSmallerTermCanCompleteElection.
TEST_F(RaftTest, AMemberWithASmallerTermDoesNotPreventAnElection) {
  MiniCluster net;
  for (uint64_t id = 1; id <= 3; ++id) net.add(New(id, {1, 2, 3}, {}, Opts{.pre_vote = true}));
  net.campaign(1);
  net.isolate(3);
  net.step_local(M(MessageType::kTransferLeader, 2, 1));  // 2 leads term 2...
  net.step_local(M(MessageType::kTransferLeader, 1, 2));  // ...and 1 leads term 3.
  ASSERT_EQ(net.at(1).state(), StateType::kLeader);
  ASSERT_EQ(net.at(1).term(), 3u);
  EXPECT_EQ(net.at(3).term(), 1u);  // 3 missed all of it.
  net.heal();
  net.isolate(1);   // Now 2 and 3 alone must elect a leader.
  net.campaign(3);  // Refused (3 is behind), but 3 learns term 3.
  EXPECT_EQ(net.at(3).term(), 3u);
  net.campaign(2);
  EXPECT_EQ(net.at(2).state(), StateType::kLeader);
  EXPECT_EQ(net.at(3).lead(), 2u);
}

// ---------------------------------------------------------------- §5.3 Log replication

// Raft §5.3: TestLeaderStartReplication.
TEST_F(RaftTest, AProposalIsAppendedAndSentToEveryFollower) {
  Raft& r = New(1, {1, 2, 3});
  MakeLeader(r);
  for (uint64_t id : {2, 3}) {  // Followers acknowledge the empty entry: replicate state.
    Message ack = M(MessageType::kAppResp, id, 1, 1);
    ack.index = 1;
    Step(r, ack);
  }
  (void)Sent(r);
  Step(r, Prop(1, "some data"));
  EXPECT_EQ(r.log().last_index(), 2u);
  std::vector<Message> apps = SentOf(r, MessageType::kApp);
  ASSERT_EQ(apps.size(), 2u);
  for (const Message& m : apps) {
    EXPECT_EQ(m.index, 1u);
    EXPECT_EQ(m.log_term, 1u);
    EXPECT_EQ(m.commit, 1u);
    EXPECT_EQ(m.entries, (std::vector<Entry>{E(2, 1, "some data")}));
  }
}

// Raft §5.3: TestLeaderCommitEntry / TestLeaderAcknowledgeCommit.
TEST_F(RaftTest, AnEntryCommitsExactlyWhenAMajorityHoldsIt) {
  struct Case {
    size_t size;
    std::set<uint64_t> acks;
    bool committed;
  };
  const std::vector<Case> cases = {{1, {}, true},          {3, {}, false},  {3, {2}, true},
                                   {3, {2, 3}, true},      {5, {2}, false}, {5, {2, 3}, true},
                                   {5, {2, 3, 4, 5}, true}};
  for (const Case& c : cases) {
    std::vector<uint64_t> peers;
    for (uint64_t i = 1; i <= c.size; ++i) peers.push_back(i);
    Raft& r = New(1, peers);
    MakeLeader(r);
    Step(r, Prop(1));
    for (uint64_t id : c.acks) {
      Message ack = M(MessageType::kAppResp, id, 1, 1);
      ack.index = 2;
      Step(r, ack);
    }
    EXPECT_EQ(r.log().committed() == 2, c.committed) << c.size << " members";
    if (c.committed && c.size > 1) {
      // The next append carries the new commit index (and is returned for application).
      EXPECT_EQ(r.log().next_entries().back().index, 2u);
      (void)Sent(r);
      Step(r, Prop(1));
      size_t checked = 0;
      for (const Message& m : SentOf(r, MessageType::kApp)) {
        if (c.acks.count(m.to)) {
          EXPECT_EQ(m.commit, 2u);
          ++checked;
        }
      }
      EXPECT_EQ(checked, c.acks.size());
    }
  }
}

// Raft §5.3: TestLeaderCommitPrecedingEntries / §5.4.2 TestCommitWithoutNewTermEntry.
TEST_F(RaftTest, CommittingAnEntryCommitsEveryEarlierOneIncludingOldTerms) {
  Raft& r = New(1, {1, 2, 3}, {2, 2});
  r.become_follower(2, kNone);
  MakeLeader(r);  // Term 3, empty entry at 3.
  Message ack = M(MessageType::kAppResp, 2, 1, 3);
  ack.index = 3;
  Step(r, ack);
  EXPECT_EQ(r.log().committed(), 3u);
  std::vector<Entry> next = r.log().next_entries();
  ASSERT_EQ(next.size(), 3u);
  EXPECT_EQ(next[0].index, 1u);
}

// Raft §5.3: TestFollowerCommitEntry / TestHandleHeartbeat.
TEST_F(RaftTest, AFollowerCommitsWhatTheLeaderSaysAndNeverLowersIt) {
  Raft& r = New(1, {1, 2}, {1, 1, 1});
  Message app = M(MessageType::kApp, 2, 1, 1);
  app.index = 3;
  app.log_term = 1;
  app.commit = 2;
  Step(r, app);
  EXPECT_EQ(r.log().committed(), 2u);
  Message hb = M(MessageType::kHeartbeat, 2, 1, 1);
  hb.commit = 3;
  Step(r, hb);
  EXPECT_EQ(r.log().committed(), 3u);
  hb.commit = 1;
  Step(r, hb);
  EXPECT_EQ(r.log().committed(), 3u);
  EXPECT_EQ(SentOf(r, MessageType::kHeartbeatResp).size(), 2u);
}

// Raft §5.3: TestFollowerCheckMsgApp / TestHandleMsgApp / TestFollowerAppendEntries.
TEST_F(RaftTest, AFollowerAcceptsOnlyAnAppendThatMatchesItsLog) {
  struct Case {
    uint64_t index, log_term;
    std::vector<Entry> ents;
    uint64_t commit;
    bool reject;
    uint64_t want_index;               // Response index (or reject hint's index).
    std::vector<uint64_t> want_terms;  // Resulting log.
    uint64_t want_commit;
  };
  const std::vector<Case> cases = {
      {2, 3, {}, 3, true, 2, {1, 2}, 0},       // Term mismatch at 2.
      {3, 3, {}, 3, true, 3, {1, 2}, 0},       // Index beyond our log.
      {1, 1, {}, 1, false, 1, {1, 2}, 1},      // Match; commit bounded by last new index.
      {0, 0, {E(1, 2)}, 1, false, 1, {2}, 1},  // Conflict at 1: truncate and replace.
      {2, 2, {E(3, 2), E(4, 2)}, 3, false, 4, {1, 2, 2, 2}, 3},
      {1, 1, {E(2, 4)}, 2, false, 2, {1, 4}, 2},  // Conflict at 2.
  };
  for (const Case& c : cases) {
    Raft& r = New(1, {1, 2}, {1, 2});
    Message m = M(MessageType::kApp, 2, 1, 4);
    m.index = c.index;
    m.log_term = c.log_term;
    m.entries = c.ents;
    m.commit = c.commit;
    Step(r, m);
    std::vector<Message> resp = SentOf(r, MessageType::kAppResp);
    ASSERT_EQ(resp.size(), 1u);
    EXPECT_EQ(resp[0].reject, c.reject) << "case index " << c.index;
    EXPECT_EQ(resp[0].index, c.want_index);
    if (c.reject) {
      EXPECT_EQ(resp[0].reject_hint, 2u);  // Our last index bounds the match point.
    }
    EXPECT_EQ(LogTerms(r), c.want_terms);
    EXPECT_EQ(r.log().committed(), c.want_commit);
    if (!c.ents.empty()) {
      EXPECT_FALSE(r.log().unstable_entries().empty());  // Marked to be persisted.
    }
  }
}

// Raft §5.3: TestHandleHeartbeatResp.
TEST_F(RaftTest, AHeartbeatResponseFromALaggingFollowerTriggersAnAppend) {
  Raft& r = New(1, {1, 2}, {1, 2, 3});
  r.become_follower(3, kNone);
  MakeLeader(r);
  Step(r, M(MessageType::kHeartbeatResp, 2, 1, r.term()));
  std::vector<Message> apps = SentOf(r, MessageType::kApp);
  ASSERT_EQ(apps.size(), 1u);
  EXPECT_EQ(apps[0].index, 3u);  // Probing just below the leader's empty entry.
}

// Raft §5.3: TestLeaderAppResp (with the quick back-off hint) / TestProgressMaybeDecr.
TEST_F(RaftTest, ALeaderMovesNextOnAcksAndBacksOffByTheHintOnRejects) {
  Raft& r = New(1, {1, 2, 3}, {0 + 1, 1, 1, 1, 1});
  r.become_follower(1, kNone);
  MakeLeader(r);  // Term 2, last index 6; followers are probed at next 6 (prev index 5).
  Message reject = M(MessageType::kAppResp, 2, 1, 2);
  reject.index = 5;
  reject.reject = true;
  reject.reject_hint = 2;  // The follower's log ends at 2.
  Step(r, reject);
  EXPECT_EQ(r.progress().at(2).next, 3u);
  std::vector<Message> apps = SentOf(r, MessageType::kApp);
  ASSERT_EQ(apps.size(), 1u);
  EXPECT_EQ(apps[0].index, 2u);
  Message ack = M(MessageType::kAppResp, 3, 1, 2);
  ack.index = 6;
  Step(r, ack);
  EXPECT_EQ(r.progress().at(3).match, 6u);
  EXPECT_EQ(r.progress().at(3).next, 7u);
  EXPECT_EQ(r.progress().at(3).state, ProgressState::kReplicate);
}

// Raft §5.3: TestSingleNodeCommit / TestProposal (no leader).
TEST_F(RaftTest, ASingleMemberCommitsAloneAndNoLeaderMeansDropped) {
  Raft& solo = New(1, {1});
  Step(solo, M(MessageType::kHup, 1, 1));
  Step(solo, Prop(1));
  Step(solo, Prop(1));
  EXPECT_EQ(solo.log().committed(), 3u);
  Raft& f = New(1, {1, 2, 3});
  EXPECT_EQ(f.step(Prop(1)).error(), StepError::kProposalDropped);
  f.become_candidate();
  EXPECT_EQ(f.step(Prop(1)).error(), StepError::kProposalDropped);
}

// Raft §5.3: TestLeaderIncreaseNext / TestProgressProbe / TestProgressReplicate /
// TestProgressPaused.
TEST_F(RaftTest, ProbeSendsOneAppendAtATimeWhileReplicateStreams) {
  Raft& r = New(1, {1, 2});
  MakeLeader(r);
  Step(r, Prop(1));
  Step(r, Prop(1));
  Step(r, Prop(1));
  EXPECT_EQ(SentOf(r, MessageType::kApp).size(), 1u);  // Probe: paused after the first.
  EXPECT_EQ(r.progress().at(2).next, 1u);              // ...and next does not move.
  Message ack = M(MessageType::kAppResp, 2, 1, 1);
  ack.index = 1;
  Step(r, ack);
  EXPECT_EQ(r.progress().at(2).state, ProgressState::kReplicate);
  (void)Sent(r);
  Step(r, Prop(1));
  Step(r, Prop(1));
  EXPECT_EQ(SentOf(r, MessageType::kApp).size(), 2u);            // Replicate: one per proposal.
  EXPECT_EQ(r.progress().at(2).next, r.log().last_index() + 1);  // Optimistic.
}

// Raft §5.3: TestProgressLeader / TestProgressResumeByHeartbeatResp.
TEST_F(RaftTest, LeaderTracksItselfAndAHeartbeatResponseUnpausesAProbe) {
  Raft& r = New(1, {1, 2});
  MakeLeader(r);
  Step(r, Prop(1));
  EXPECT_EQ(r.progress().at(1).match, 2u);
  EXPECT_TRUE(r.progress().at(2).probe_sent);
  Step(r, M(MessageType::kHeartbeatResp, 2, 1, 1));
  EXPECT_EQ(SentOf(r, MessageType::kApp).size(), 2u);  // The original probe, then a retry.
}

// Raft §5.3: TestProgressFlowControl / TestMsgAppFlowControlFull / MoveForward / RecvHeartbeat.
TEST_F(RaftTest, FlowControlBoundsMessageSizeAndInflightAppends) {
  Raft& r = New(1, {1, 2}, {}, Opts{.max_size_per_msg = 2048, .max_inflight = 3});
  MakeLeader(r);
  Message ack = M(MessageType::kAppResp, 2, 1, 1);
  ack.index = 1;
  Step(r, ack);
  (void)Sent(r);
  for (int i = 0; i < 10; ++i) Step(r, Prop(1, std::string(1000, 'a')));
  std::vector<Message> apps = SentOf(r, MessageType::kApp);
  ASSERT_EQ(apps.size(), 3u);  // The window is full.
  for (const Message& m : apps) EXPECT_EQ(m.entries.size(), 1u);
  ack.index = apps[1].entries.back().index;  // Frees two slots: the window moves forward.
  Step(r, ack);
  std::vector<Message> more = SentOf(r, MessageType::kApp);
  ASSERT_EQ(more.size(), 2u);
  EXPECT_EQ(more[0].entries.size(), 2u);  // Now batched up to 2048 bytes.
  EXPECT_TRUE(r.progress().at(2).inflights.full());
  Step(r, M(MessageType::kHeartbeatResp, 2, 1, 1));  // A heartbeat response frees one slot.
  EXPECT_EQ(SentOf(r, MessageType::kApp).size(), 1u);
}

// Raft §5.3: TestUncommittedEntryLimit.
TEST_F(RaftTest, ProposalsBeyondTheUncommittedBudgetAreRefusedUntilEntriesCommit) {
  Raft& r = New(1, {1, 2, 3}, {}, Opts{.max_uncommitted = 10});
  MakeLeader(r);
  EXPECT_TRUE(r.step(Prop(1, "aaaaa")).ok());
  EXPECT_TRUE(r.step(Prop(1, "bbbbb")).ok());
  EXPECT_EQ(r.step(Prop(1, "c")).error(), StepError::kProposalDropped);
  r.reduce_uncommitted_size({E(2, 1, "aaaaa")});
  EXPECT_TRUE(r.step(Prop(1, "c")).ok());
}

// Raft §5.3: TestProposalByProxy / TestLogReplication are multi-member: see network_test.cc.

// ---------------------------------------------------------------- §5.4.2

// Raft §5.4.2: TestLeaderOnlyCommitsLogFromCurrentTerm / TestCannotCommitWithoutNewTermEntry /
// TestCommit.
TEST_F(RaftTest, ReplicaCountingCommitsOnlyAnEntryOfTheCurrentTerm) {
  Raft& r = New(1, {1, 2, 3}, {1, 2});
  r.become_follower(2, kNone);
  MakeLeader(r);  // Term 3; its empty entry is at index 3.
  Message ack = M(MessageType::kAppResp, 2, 1, 3);
  ack.index = 2;  // A majority holds entry 2 (term 2)...
  Step(r, ack);
  EXPECT_EQ(r.log().committed(), 0u);  // ...which still does not commit (Figure 8).
  ack.index = 3;
  Step(r, ack);
  EXPECT_EQ(r.log().committed(), 3u);
}

// quorum/testdata/majority_commit.txt and majority_vote.txt: the majority arithmetic.
TEST(QuorumTest, CommittedIndexIsTheMedianOfVoterMatches) {
  EXPECT_EQ(quorum_committed_index({}), 0u);
  EXPECT_EQ(quorum_committed_index({5}), 5u);
  EXPECT_EQ(quorum_committed_index({5, 3}), 3u);
  EXPECT_EQ(quorum_committed_index({5, 3, 1}), 3u);
  EXPECT_EQ(quorum_committed_index({9, 8, 1, 1}), 1u);
  EXPECT_EQ(quorum_committed_index({9, 8, 7, 1, 1}), 7u);
}

TEST(QuorumTest, VoteResultNeedsAMajorityEitherWay) {
  const std::vector<uint64_t> v = {1, 2, 3};
  EXPECT_EQ(quorum_vote_result(v, {{1, true}}), VoteResult::kPending);
  EXPECT_EQ(quorum_vote_result(v, {{1, true}, {2, true}}), VoteResult::kWon);
  EXPECT_EQ(quorum_vote_result(v, {{1, true}, {2, false}}), VoteResult::kPending);
  EXPECT_EQ(quorum_vote_result(v, {{1, true}, {2, false}, {3, false}}), VoteResult::kLost);
  EXPECT_EQ(quorum_vote_result({1, 2, 3, 4}, {{1, true}, {2, true}, {3, false}}),
            VoteResult::kPending);
  EXPECT_EQ(quorum_vote_result({}, {}), VoteResult::kWon);
}

}  // namespace
}  // namespace arbor::raft
