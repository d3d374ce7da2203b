#pragma once
// What a leader knows about each member's log (Raft Figure 2: next_index, match_index), plus
// the flow control that etcd's raft adds on top: a member is probed one append at a time until
// its match point is known, then appends are pipelined within a window of in-flight messages,
// and a member that needs a snapshot gets nothing else until the snapshot is reported.
//
// Thread-compatible: owned by one Raft.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace arbor::raft {

// A ring of the last indexes of MsgApps sent but not yet acknowledged.
class Inflights {
 public:
  explicit Inflights(size_t capacity) : buffer_(capacity) {}

  // Records an append ending at `last_index`. REQUIRES: !full(); indexes increase.
  void add(uint64_t last_index);
  // An acknowledgement up to `index` frees every append ending at or before it.
  void free_to(uint64_t index);
  void free_first_one();
  void reset() { start_ = count_ = 0; }
  bool full() const { return count_ == buffer_.size(); }
  size_t count() const { return count_; }
  size_t capacity() const { return buffer_.size(); }

 private:
  std::vector<uint64_t> buffer_;  // Ring storage; capacity fixed at construction.
  size_t start_ = 0;              // Slot of the oldest in-flight append.
  size_t count_ = 0;              // Number of in-flight appends.
};

enum class ProgressState : uint8_t {
  kProbe,      // Match point unknown: one MsgApp at a time, then wait.
  kReplicate,  // Match point known: stream appends within the inflight window.
  kSnapshot,   // A snapshot is on its way: send nothing until it is reported.
};

const char* to_string(ProgressState state);

struct Progress {
  explicit Progress(size_t max_inflight) : inflights(max_inflight) {}

  uint64_t match = 0;  // Raft's match_index: highest index known to be replicated there.
  uint64_t next = 1;   // Raft's next_index: the next index to send.
  ProgressState state = ProgressState::kProbe;
  bool probe_sent = false;        // kProbe: an append is outstanding; wait before the next.
  uint64_t pending_snapshot = 0;  // kSnapshot: the index of the snapshot being sent.
  bool recent_active = false;     // Heard from since the last CheckQuorum round.
  bool is_learner = false;        // Replicates but does not vote or count toward quorums.
  Inflights inflights;

  void become_probe();
  void become_replicate();
  void become_snapshot(uint64_t snapshot_index);
  // An acknowledgement of everything up to n. Returns false if it was stale.
  bool maybe_update(uint64_t n);
  // Replicate: optimistically assume an append ending at n will succeed.
  void optimistic_update(uint64_t n) { next = n + 1; }
  // A rejection of an append at `rejected`; `hint` bounds the member's match point. Returns
  // false if the rejection is stale (for an older append).
  bool maybe_decr_to(uint64_t rejected, uint64_t hint);
  // Whether the leader must hold back appends to this member for now.
  bool is_paused() const;
  void resume() { probe_sent = false; }

  std::string to_string() const;
};

// Majority arithmetic over voters (Raft §5.3, §5.2).
// The largest index replicated on a majority of `matches` (one per voter); 0 with no voters.
uint64_t quorum_committed_index(std::vector<uint64_t> matches);

enum class VoteResult { kPending, kWon, kLost };
// `votes` maps voter id to granted (true) / rejected (false); absent voters have not answered.
VoteResult quorum_vote_result(const std::vector<uint64_t>& voters,
                              const std::map<uint64_t, bool>& votes);

}  // namespace arbor::raft
