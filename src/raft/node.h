#pragma once
// Node is the driver's handle on one raft member: feed it time (tick), messages (step) and
// requests (propose, propose_conf_change, read_index, transfer_leadership); collect what it
// wants done as a Ready; do it (see ready.h for the order); then advance. Nothing inside
// blocks or waits, so a driver loop looks like:
//
//   node.tick();                    // on the loop's timer
//   node.step(message_from_peer);   // as messages arrive
//   if (node.has_ready()) {
//     Ready rd = node.ready();
//     persist(rd.snapshot, rd.entries, rd.hard_state); send(rd.messages); apply(...);
//     node.advance(rd);
//   }
//
// Crash behaviour: a Node keeps nothing durable itself. Whatever the driver has not persisted
// from a Ready (and therefore not yet sent, by the Ready contract) is simply lost in a crash;
// a restart constructs a new Node over the same Storage with config.applied set to the state
// machine's index, and raft continues from the persisted term, vote, log and snapshot.
//
// Thread-compatible: the raft loop is the only caller.

#include <cstdint>
#include <map>
#include <string>

#include "raft/raft.h"
#include "raft/ready.h"
#include "raft/types.h"

namespace arbor::raft {

struct Status {
  uint64_t id = kNone;
  HardState hard_state;
  SoftState soft_state;
  uint64_t applied = 0;
  uint64_t lead_transferee = kNone;
  std::map<uint64_t, Progress> progress;  // Filled on the leader only.
};

class Node {
 public:
  // Starts (or restarts, from config.storage) a member. See Config in raft.h.
  explicit Node(const Config& config);

  void tick() { raft_.tick(); }
  // Starts an election now (as if the election timer fired).
  void campaign();
  // Proposes a command. kProposalDropped when no leader is known, a transfer is under way, or
  // the uncommitted budget is exhausted; the caller retries or fails the request.
  [[nodiscard]] StepResult propose(std::string data);
  // Proposes several commands, in order, in one step: one append and one message per follower
  // for all of them. Accepted or dropped as a whole, for the reasons above.
  [[nodiscard]] StepResult propose_batch(std::vector<std::string> data);
  // Proposes a membership change; once committed, the driver calls apply_conf_change.
  [[nodiscard]] StepResult propose_conf_change(const ConfChange& cc);
  // Handles a message from a peer. kLocalMessage for local-only types; kUnknownPeer for a
  // response from a non-member. Pass an rvalue to spare a copy of the entries.
  [[nodiscard]] StepResult step(Message m);
  // Asks for a linearizable read point; answered by a ReadState with this context in a later
  // Ready. Contexts should be unique among outstanding reads. A read may be dropped silently
  // (the leader changed or lost its quorum): callers time out and retry.
  [[nodiscard]] StepResult read_index(std::string context);
  // Asks the leader to hand leadership to `transferee` (dissertation §3.10).
  void transfer_leadership(uint64_t transferee);
  // The transport could not deliver to `id` / finished sending it a snapshot.
  void report_unreachable(uint64_t id);
  void report_snapshot(uint64_t id, bool ok);
  // Applies a committed ConfChange entry. Returns the resulting configuration (to persist in
  // the next snapshot). When it removes this member, the driver sends the messages of the
  // next Ready (a leader's hand-off to its successor) and then stops the member.
  ConfState apply_conf_change(const ConfChange& cc) { return raft_.apply_conf_change(cc); }

  bool has_ready() const;
  // What to persist, send and apply now. REQUIRES: the previous Ready was advanced.
  // Appends to one member that continue each other (coalesce_appends) go out as one message.
  Ready ready();
  // The driver finished with `rd` (persisted, sent, applied).
  void advance(const Ready& rd);

  Status status() const;
  // The underlying state machine, for inspection.
  const Raft& raft() const { return raft_; }

 private:
  Raft raft_;
  SoftState prev_soft_;  // As reported in the last Ready.
  HardState prev_hard_;  // As reported in the last Ready (or loaded at start).
};

// Merges each MsgApp into the previous message to the same member when that one is a MsgApp of
// the same term whose last entry is where this one starts, and the two carry at most
// `max_bytes` of entries: the member then gets one message and sends one acknowledgement where
// it got two (typically the empty MsgApp that tells it a new commit index, then the next
// batch's entries, both made in one turn of the loop). The merged message has the same effect
// on the member as the two in order: the same entries after the same position, the later
// commit index. Messages to other members, and their order, are untouched.
void coalesce_appends(std::vector<Message>& msgs, uint64_t max_bytes);

}  // namespace arbor::raft
