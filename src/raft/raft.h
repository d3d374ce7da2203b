#pragma once
// Raft is the consensus algorithm as a pure state machine (Ongaro & Ousterhout 2014, and
// Ongaro's dissertation for PreVote, CheckQuorum, leadership transfer, ReadIndex and
// learners). It has no threads, files, sockets or clocks: time arrives as tick(), the network
// as step(Message), and its outputs (messages to send, entries to persist and apply) wait
// inside until Node collects them into a Ready. Most drivers use Node (node.h); tests use Raft
// directly to examine one member.
//
// Thread-compatible: one thread at a time (the raft loop).

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "raft/progress.h"
#include "raft/raft_log.h"
#include "raft/ready.h"
#include "raft/storage.h"
#include "raft/types.h"
#include "util/result.h"

namespace arbor::raft {

struct Config {
  uint64_t id = kNone;  // This member. REQUIRES: != kNone.
  // The initial voters and learners of a new cluster; used only when the storage holds no
  // configuration (no snapshot). Later changes go through the log (apply_conf_change).
  std::vector<uint64_t> peers;
  std::vector<uint64_t> learners;
  int election_tick = 10;            // Election timeout, randomised in [election_tick, 2x).
  int heartbeat_tick = 1;            // Leader heartbeat interval. REQUIRES: < election_tick.
  const Storage* storage = nullptr;  // Not owned; outlives the Raft. REQUIRES: != nullptr.
  uint64_t applied = 0;              // The last index the state machine applied before a restart.
  uint64_t max_size_per_msg = 1 << 20;               // Payload bytes per MsgApp (>= 1 entry).
  uint64_t max_committed_size_per_ready = kNoLimit;  // Page size of committed entries.
  uint64_t max_uncommitted_entries_size = kNoLimit;  // Leader refuses proposals beyond this.
  size_t max_inflight_msgs = 256;                    // Pipelined MsgApps per follower.
  bool check_quorum = true;  // Dissertation §6.2: leader steps down without a quorum.
  bool pre_vote = true;      // Dissertation §9.6: ask before disrupting with a new term.
  uint64_t random_seed = 0;  // Seeds the election timeout jitter (deterministic).
};

enum class StepError {
  kProposalDropped,  // No leader known, leadership transfer under way, or member removed.
  kLocalMessage,     // A local-only message type arrived from the network.
  kUnknownPeer,      // A response from a member not in the configuration.
};
struct Stepped {};
using StepResult = Result<Stepped, StepError>;

// The context a transfer-triggered campaign carries so that voters skip their leader lease.
inline constexpr std::string_view kCampaignTransfer = "CampaignTransfer";

class Raft {
 public:
  // Starts as a follower from the storage's hard state, snapshot and log.
  explicit Raft(const Config& config);

  // Advances logical time by one tick: election timeout for followers and candidates,
  // heartbeats and the CheckQuorum round for the leader.
  void tick();
  // Handles one message, local or from a peer.
  [[nodiscard]] StepResult step(Message m);

  // Applies a committed membership change (Raft §6, one member at a time). Returns the new
  // configuration. A leader that removes itself steps down.
  ConfState apply_conf_change(const ConfChange& cc);

  // Outputs, taken by Node::ready().
  std::vector<Message> take_messages() { return std::exchange(msgs_, {}); }
  std::vector<ReadState> take_read_states() { return std::exchange(read_states_, {}); }
  bool has_messages() const { return !msgs_.empty(); }
  bool has_read_states() const { return !read_states_.empty(); }
  // Proposals may be refused while more than max_uncommitted_entries_size bytes are
  // uncommitted; committed entries handed to the driver free that budget.
  void reduce_uncommitted_size(const std::vector<Entry>& committed);

  uint64_t id() const { return id_; }
  uint64_t term() const { return term_; }
  uint64_t vote() const { return vote_; }
  uint64_t lead() const { return lead_; }
  StateType state() const { return state_; }
  uint64_t lead_transferee() const { return lead_transferee_; }
  uint64_t max_size_per_msg() const { return max_size_per_msg_; }
  uint64_t pending_conf_index() const { return pending_conf_index_; }
  HardState hard_state() const { return {term_, vote_, log_.committed()}; }
  SoftState soft_state() const { return {lead_, state_}; }
  const RaftLog& log() const { return log_; }
  RaftLog& mutable_log() { return log_; }
  // The progress of every member (meaningful on the leader).
  const std::map<uint64_t, Progress>& progress() const { return prs_; }
  std::vector<uint64_t> voters() const;    // Sorted.
  std::vector<uint64_t> learners() const;  // Sorted.
  // Can this member become leader (a voter in its own configuration)?
  bool promotable() const;
  int randomized_election_timeout() const { return randomized_election_timeout_; }
  int election_elapsed() const { return election_elapsed_; }

  // Role changes, public for tests that set a scene. become_leader REQUIRES: not a follower.
  void become_follower(uint64_t term, uint64_t lead);
  void become_candidate();
  void become_pre_candidate();
  void become_leader();

 private:
  enum class CampaignKind { kPreElection, kElection, kTransfer };
  struct PendingRead {
    uint64_t index;           // Commit index when the read arrived.
    uint64_t from;            // Who asked (this member for local reads).
    std::string context;      // The driver's read id.
    std::set<uint64_t> acks;  // Members that answered the heartbeat round carrying context.
  };

  StepResult step_leader(Message& m);
  StepResult step_candidate(Message& m);
  StepResult step_follower(Message& m);
  void handle_vote_request(const Message& m);
  void handle_append_entries(const Message& m);
  void handle_heartbeat(const Message& m);
  void handle_snapshot(const Message& m);
  void handle_read_index(Message& m);
  void handle_transfer_leader(const Message& m);
  bool restore(const Snapshot& snap);

  void hup();
  void campaign(CampaignKind kind);
  VoteResult poll(uint64_t id, bool granted);
  void reset(uint64_t term);
  void reset_randomized_election_timeout();
  void tick_election();
  void tick_heartbeat();
  bool quorum_active();
  void abort_leader_transfer() { lead_transferee_ = kNone; }

  void send(Message m);
  bool send_append(uint64_t to, bool send_if_empty = true);
  void bcast_append();
  void send_heartbeat(uint64_t to, const std::string& context);
  void bcast_heartbeat(const std::string& context);
  void send_timeout_now(uint64_t to);
  bool append_entries(std::vector<Entry>& ents);
  bool maybe_commit();
  bool committed_entry_in_current_term() const;
  void release_pending_read_index();
  void answer_read(uint64_t from, uint64_t index, const std::string& context);
  void recv_read_ack(uint64_t from, const std::string& context);
  void init_progress(const ConfState& cs);
  void add_progress(uint64_t id, bool is_learner);
  size_t quorum() const;
  uint64_t next_random();

  const uint64_t id_;
  const int election_timeout_;
  const int heartbeat_timeout_;
  const uint64_t max_size_per_msg_;
  const uint64_t max_uncommitted_size_;
  const size_t max_inflight_;
  const bool check_quorum_;
  const bool pre_vote_;

  uint64_t term_ = 0;      // Raft's current_term (persisted).
  uint64_t vote_ = kNone;  // Raft's voted_for in term_ (persisted).
  uint64_t lead_ = kNone;  // The leader of term_, if known.
  StateType state_ = StateType::kFollower;
  RaftLog log_;
  std::map<uint64_t, Progress> prs_;       // Every member, this one included.
  std::map<uint64_t, bool> votes_;         // Candidate: answers received in this election.
  std::vector<Message> msgs_;              // Outbox, emptied by take_messages().
  std::vector<ReadState> read_states_;     // Reads ready to serve, emptied by take_read_states().
  std::deque<PendingRead> pending_reads_;  // Leader: reads awaiting a heartbeat quorum.
  std::vector<Message> pending_read_index_msgs_;  // Leader: reads awaiting a commit in term_.
  int election_elapsed_ = 0;   // Ticks since the last reset (leader: since the last CheckQuorum).
  int heartbeat_elapsed_ = 0;  // Leader: ticks since the last heartbeat.
  int randomized_election_timeout_ = 0;
  uint64_t lead_transferee_ = kNone;  // Leader: the member leadership is moving to.
  uint64_t pending_conf_index_ = 0;   // Leader: a conf change at or below is not yet applied.
  uint64_t uncommitted_size_ = 0;     // Leader: payload bytes appended but not yet committed.
  uint64_t rng_state_;                // splitmix64 state for election jitter.
};

}  // namespace arbor::raft
