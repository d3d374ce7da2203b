#pragma once
// An in-process network of raft Nodes for tests. Each member has a MemoryStorage that plays the
// part of its disk (Readies are persisted there before their messages are sent) and a tiny
// state machine (a hash chain over applied entries). Messages wait in one queue and are
// delivered in FIFO order by stabilize(), or one at a time in random order by random_step().
// Faults: cut links, isolate members, drop/duplicate/delay/reorder messages, crash a member
// (losing everything not in its storage) and restart it from its storage alone.
//
// After every Ready it checks Raft's safety properties (Raft §5.2 Figure 3):
//   Election Safety      at most one leader per term;
//   Log Matching         (index, term) identifies the entry and its predecessor's term;
//   Leader Completeness  a leader holds every entry committed in an earlier term;
//   State Machine Safety no two members apply different entries at one index;
//   ReadIndex            a read index is at least every commit index known anywhere when the
//                        read was requested (dissertation §6.4: linearizable reads).
// The first violation is recorded in violation().
//
// Thread-compatible; deterministic for a given seed.

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "raft/node.h"
#include "raft/storage.h"

namespace arbor::testutil {

struct NetworkOptions {
  bool pre_vote = true;
  bool check_quorum = true;
  int election_tick = 10;
  int heartbeat_tick = 1;
  uint64_t max_size_per_msg = 1 << 20;
  size_t max_inflight_msgs = 256;
  std::vector<uint64_t> learners;
  uint64_t seed = 1;
};

// Fault probabilities for random_step(), in percent of steps / messages.
struct FaultOptions {
  int drop_pct = 5;        // A delivered message is lost.
  int duplicate_pct = 3;   // A delivered message is delivered again later.
  int delay_pct = 10;      // A sent message is held back for a while.
  int crash_pct = 1;       // Per step: crash a random live member.
  int restart_pct = 3;     // Per step: restart a crashed member.
  int partition_pct = 2;   // Per step: isolate a random member, or cut a random link.
  int heal_pct = 3;        // Per step: heal all partitions.
  int compact_pct = 2;     // Per step: a member snapshots and compacts its log.
  int membership_pct = 0;  // Per step: propose adding a new member or removing one.
  int propose_pct = 15;    // Per step: propose at a random member.
  int read_pct = 3;        // Per step: ask a random member for a linearizable read index.
  int tick_pct = 30;       // Per step: tick a random member (else deliver a message).
};

struct FaultCounts {
  uint64_t delivered = 0, dropped = 0, duplicated = 0, delayed = 0, crashes = 0, restarts = 0,
           partitions = 0, compactions = 0, snapshots_installed = 0, proposals = 0,
           reads_requested = 0, reads_served = 0,
           members_added = 0,  // New members that applied their own addition.
      members_removed = 0;     // Members that applied their own removal and stopped.
};

class Network {
 public:
  Network(std::vector<uint64_t> ids, NetworkOptions options = {});

  raft::Node& node(uint64_t id) { return *members_.at(id).node; }
  const raft::Raft& raft(uint64_t id) { return members_.at(id).node->raft(); }
  raft::MemoryStorage& storage(uint64_t id) { return *members_.at(id).storage; }
  // Data of the normal, non-empty entries member `id` applied since it last (re)started from
  // scratch, in order.
  const std::vector<std::string>& applied(uint64_t id) { return members_.at(id).applied_data; }
  uint64_t applied_index(uint64_t id) { return members_.at(id).applied_index; }
  bool alive(uint64_t id) const { return members_.at(id).node != nullptr; }
  const std::vector<uint64_t>& ids() const { return ids_; }

  // Driver actions; each processes the resulting Readies (messages are queued, not delivered).
  void campaign(uint64_t id);
  raft::StepResult propose(uint64_t id, std::string data);
  raft::StepResult propose_conf_change(uint64_t id, const raft::ConfChange& cc);
  void tick(uint64_t id, int n = 1);
  void tick_all(int n = 1);
  void transfer_leadership(uint64_t leader, uint64_t transferee);
  raft::StepResult read_index(uint64_t id, std::string context);
  std::vector<raft::ReadState> take_read_states(uint64_t id);

  // Delivers queued messages (and those they cause) in FIFO order until none are left.
  // Messages over cut links, to isolated or crashed members, or dropped are discarded.
  void stabilize();
  // Ticks every live member and stabilizes, `rounds` times.
  void run(int rounds);

  void cut(uint64_t a, uint64_t b);
  void isolate(uint64_t id);
  void heal();
  // Every message of `type` is discarded until allow() is called.
  void ignore(raft::MessageType type) { ignored_.insert(type); }
  void allow() { ignored_.clear(); }

  // Loses the member's memory (including an unpersisted Ready); its storage survives.
  void crash(uint64_t id);
  // Starts a new Node from the member's storage, as after a reboot.
  void restart(uint64_t id);
  // Snapshots the member's state machine at its applied index and compacts its log there.
  void compact(uint64_t id);
  // Starts a new, empty member `id` that knows no configuration: it learns it from the
  // leader's snapshot (so every member must have compacted first) and the log after it. The
  // caller then proposes adding it. A member that applies its own removal stops for good.
  void add_member(uint64_t id);
  bool removed(uint64_t id) const { return members_.at(id).removed; }
  // The configuration as of the member's applied index.
  const raft::ConfState& conf_state(uint64_t id) const { return members_.at(id).conf_state; }

  // The live leader with the highest term, or raft::kNone.
  uint64_t leader() const;

  // One random action under `faults` (see FaultOptions).
  void random_step(const FaultOptions& faults);
  // The membership part of random_step: add a fresh member or remove one (keeps 3..5 voters).
  void random_membership_change();
  const FaultCounts& counts() const { return counts_; }
  // Empty while every safety property holds; else describes the first violation.
  const std::string& violation() const { return violation_; }
  // Checks Leader Completeness for every live leader (also done on every election).
  void check_leaders();

 private:
  struct Member {
    std::unique_ptr<raft::MemoryStorage> storage;  // The member's "disk"; survives crashes.
    std::unique_ptr<raft::Node> node;              // Null while crashed.
    raft::ConfState conf_state;                    // As of the applied index.
    uint64_t applied_index = 0;
    uint64_t sm_hash = 0;  // Hash chain of applied entries.
    std::vector<std::string> applied_data;
    uint64_t checked_leader_term = 0;  // Leader Completeness checked for it.
    bool joiner = false;               // Added later: starts with no configuration.
    bool removed = false;              // Applied its own removal: stopped for good.
  };
  struct InFlight {
    raft::Message msg;
    uint64_t not_before = 0;  // Step number before which it may not be delivered.
  };

  raft::Config make_config(uint64_t id, uint64_t applied) const;
  void process_readies();
  void process_ready(uint64_t id);
  void apply(uint64_t id, const raft::Entry& e);
  void enqueue(const raft::Message& m);
  bool blocked(const raft::Message& m) const;
  void deliver(const raft::Message& m);
  void fail(const std::string& what);
  uint64_t max_commit() const;  // The highest commit index any member knows (or persisted).
  uint64_t pick(const std::vector<uint64_t>& from);

  std::vector<uint64_t> ids_;          // Every member ever started, removed ones included.
  std::vector<uint64_t> initial_ids_;  // The founding members (Config.peers of non-joiners).
  NetworkOptions options_;
  std::map<uint64_t, Member> members_;
  std::deque<InFlight> queue_;                   // Sent, not yet delivered.
  std::set<std::pair<uint64_t, uint64_t>> cut_;  // Directed links that lose everything.
  std::set<raft::MessageType> ignored_;
  std::map<uint64_t, std::vector<raft::ReadState>> read_states_;  // Served by take_read_states.
  std::map<std::string, uint64_t> read_floor_;   // Read context -> max commit when requested.
  std::map<uint64_t, uint64_t> leader_of_term_;  // Election Safety.
  struct LogRecord {
    uint64_t prev_term;
    raft::EntryType type;
    std::string data;
  };
  std::map<std::pair<uint64_t, uint64_t>, LogRecord> entries_seen_;  // Log Matching.
  std::map<uint64_t, raft::Entry> applied_at_;  // State Machine Safety: index -> entry.
  std::map<uint64_t, uint64_t> hash_at_;        // index -> state machine hash after it.
  std::map<uint64_t, uint64_t> commit_term_;    // index -> term it was committed by (bound).
  std::mt19937_64 rng_;
  uint64_t step_ = 0;
  uint64_t next_id_ = 0;  // Next fresh member id for add_member in random runs.
  bool trace_ = false;    // ARBOR_RAFT_TRACE set: print every action and Ready to stderr.
  FaultCounts counts_;
  std::string violation_;
};

}  // namespace arbor::testutil
