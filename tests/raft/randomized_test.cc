// Raft §5.2 Figure 3 (safety properties) and §5.6 (availability), checked under random faults.
//
// Each seed builds a 3- or 5-member cluster over the simulated network, runs kFaultSteps random
// actions (ticks, deliveries in random order, drops, duplicates, delays, partitions, crashes
// with loss of unpersisted state, restarts from storage alone, compactions and snapshot
// installs, leadership transfers, ReadIndex requests, and in half the seeds membership changes
// — adding fresh members and removing members, one at a time), checking Election Safety, Log
// Matching, Leader Completeness, State Machine Safety and ReadIndex linearizability after every
// Ready. Then the network heals, every member restarts, and within a bounded number of ticks a
// leader must be elected and a new entry must commit on every member.
//
// ARBOR_RAFT_SEEDS sets the number of seeds (default 1000; `make raft-soak` runs 100000),
// ARBOR_RAFT_FIRST_SEED the first one (to replay a failure), ARBOR_RAFT_STEPS the fault steps
// per seed, and ARBOR_RAFT_TRACE=1 prints every action and Ready.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "testutil/raft_network.h"

namespace arbor::raft {
namespace {

using testutil::FaultCounts;
using testutil::FaultOptions;
using testutil::Network;
using testutil::NetworkOptions;

constexpr int kFaultSteps = 2000;  // Per seed; ARBOR_RAFT_STEPS overrides.
constexpr int kHealRounds = 1000;  // Ends early once the new entry is everywhere.

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

struct SeedResult {
  std::string failure;  // Empty on success.
  FaultCounts counts;
};

SeedResult RunSeed(uint64_t seed, uint64_t steps) {
  NetworkOptions options;
  options.seed = seed;
  options.pre_vote = seed % 4 != 1;  // Mostly the default (on), sometimes off.
  options.check_quorum = seed % 3 != 2;
  options.max_inflight_msgs = 1 + seed % 4;
  options.max_size_per_msg = seed % 2 == 0 ? 1 : 64;  // Tiny messages: more pipelining.
  options.election_tick = 10;
  options.heartbeat_tick = 1 + static_cast<int>(seed % 2);
  std::vector<uint64_t> ids =
      seed % 5 == 0 ? std::vector<uint64_t>{1, 2, 3, 4, 5} : std::vector<uint64_t>{1, 2, 3};
  Network net(ids, options);
  FaultOptions faults;
  faults.membership_pct = seed % 2 == 1 ? 1 : 0;  // Half the seeds also change membership.
  SeedResult result;
  for (uint64_t step = 0; step < steps && net.violation().empty(); ++step) net.random_step(faults);
  if (net.violation().empty()) {
    // Heal and wait for a leader, then for a new entry to commit everywhere (Raft §5.6: safety
    // never depends on timing, but progress returns once the system is stable).
    net.heal();
    for (uint64_t id : net.ids()) net.restart(id);
    bool committed = false;
    uint64_t proposed_term = 0;  // Like a client, propose again under each new leader term.
    for (int round = 0; round < kHealRounds && !committed && net.violation().empty(); ++round) {
      net.run(1);
      const uint64_t leader = net.leader();
      if (leader == kNone) continue;
      if (proposed_term != net.raft(leader).term() && net.propose(leader, "after-heal").ok()) {
        proposed_term = net.raft(leader).term();
      }
      net.stabilize();
      committed = true;
      // Every current member (by the leader's configuration) must apply it.
      const ConfState& cs = net.conf_state(leader);
      std::vector<uint64_t> members = cs.voters;
      members.insert(members.end(), cs.learners.begin(), cs.learners.end());
      for (uint64_t id : members) {
        if (net.removed(id)) continue;
        const std::vector<std::string>& a = net.applied(id);
        committed = committed && std::find(a.begin(), a.end(), "after-heal") != a.end();
      }
    }
    if (net.violation().empty() && !committed) {
      result.failure = "no progress after healing (leader " + std::to_string(net.leader()) + ")";
      for (uint64_t id : net.ids()) {
        if (!net.alive(id)) continue;
        const Raft& r = net.raft(id);
        result.failure +=
            "\n  member " + std::to_string(id) + ": " + to_string(r.state()) + " term " +
            std::to_string(r.term()) + " lead " + std::to_string(r.lead()) + " last " +
            std::to_string(r.log().last_index()) + " commit " +
            std::to_string(r.log().committed()) + " applied " +
            std::to_string(net.applied_index(id)) + " transferee " +
            std::to_string(r.lead_transferee()) + (r.promotable() ? "" : " not-promotable") +
            " timeout " + std::to_string(r.randomized_election_timeout()) + " elapsed " +
            std::to_string(r.election_elapsed());
        for (const auto& [pid, pr] : r.progress()) {
          result.failure += "\n    " + std::to_string(pid) + ": " + pr.to_string();
        }
      }
    }
  }
  net.check_leaders();
  if (!net.violation().empty()) result.failure = net.violation();
  result.counts = net.counts();
  return result;
}

TEST(RandomizedTest, SafetyHoldsAndProgressResumesAfterHealingUnderRandomFaults) {
  const uint64_t first = EnvOr("ARBOR_RAFT_FIRST_SEED", 1);
  const uint64_t seeds = EnvOr("ARBOR_RAFT_SEEDS", 1000);
  const uint64_t steps = EnvOr("ARBOR_RAFT_STEPS", kFaultSteps);
  FaultCounts total;
  int failures = 0;
  for (uint64_t seed = first; seed < first + seeds; ++seed) {
    SeedResult r = RunSeed(seed, steps);
    if (!r.failure.empty() && ++failures <= 5) {
      ADD_FAILURE() << "seed " << seed << ": " << r.failure
                    << " (replay: ARBOR_RAFT_FIRST_SEED=" << seed
                    << " ARBOR_RAFT_SEEDS=1 ARBOR_RAFT_STEPS=" << steps << ")";
    }
    total.delivered += r.counts.delivered;
    total.dropped += r.counts.dropped;
    total.duplicated += r.counts.duplicated;
    total.delayed += r.counts.delayed;
    total.crashes += r.counts.crashes;
    total.restarts += r.counts.restarts;
    total.partitions += r.counts.partitions;
    total.compactions += r.counts.compactions;
    total.snapshots_installed += r.counts.snapshots_installed;
    total.proposals += r.counts.proposals;
    total.reads_requested += r.counts.reads_requested;
    total.reads_served += r.counts.reads_served;
    total.members_added += r.counts.members_added;
    total.members_removed += r.counts.members_removed;
  }
  EXPECT_EQ(failures, 0);
  std::printf(
      "randomized raft: %lu seeds x %lu fault steps; delivered %lu, dropped %lu, duplicated %lu, "
      "delayed %lu, crashes %lu, restarts %lu, partitions %lu, compactions %lu, snapshots "
      "installed %lu, proposals %lu, reads %lu (served %lu), members added %lu, removed %lu; "
      "failing seeds %d\n",
      seeds, steps, total.delivered, total.dropped, total.duplicated, total.delayed, total.crashes,
      total.restarts, total.partitions, total.compactions, total.snapshots_installed,
      total.proposals, total.reads_requested, total.reads_served, total.members_added,
      total.members_removed, failures);
}

}  // namespace
}  // namespace arbor::raft
