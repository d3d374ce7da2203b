#pragma once
// The values raft exchanges with its driver, its peers and its storage: log entries, the hard
// state that must survive a crash, snapshot metadata and messages. Plain data; codec.h gives
// their binary encoding (shared by the WAL and the peer wire).
//
// Thread-compatible (plain values).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace arbor::raft {

// A member id. Zero means "none" (no leader, no vote).
inline constexpr uint64_t kNone = 0;

enum class EntryType : uint8_t {
  kNormal = 0,      // An application command (may be empty: a new leader's no-op).
  kConfChange = 1,  // An encoded ConfChange (codec.h), applied by the driver via Node.
};

// One slot of the replicated log. Raft §5.3: identified by (index, term).
struct Entry {
  uint64_t term = 0;
  uint64_t index = 0;
  EntryType type = EntryType::kNormal;
  std::string data = {};

  friend bool operator==(const Entry&, const Entry&) = default;
};

// What must be on stable storage before any message that depends on it is sent (Raft §5,
// Figure 2 "Persistent state on all servers"; commit is kept too so restarts re-apply less).
struct HardState {
  uint64_t term = 0;
  uint64_t vote = kNone;  // The paper's voted_for.
  uint64_t commit = 0;

  bool empty() const { return term == 0 && vote == kNone && commit == 0; }
  friend bool operator==(const HardState&, const HardState&) = default;
};

// The membership at some log position: voters count toward quorums, learners only replicate.
struct ConfState {
  std::vector<uint64_t> voters;
  std::vector<uint64_t> learners;

  friend bool operator==(const ConfState&, const ConfState&) = default;
};

// Raft §7: the last entry a snapshot replaces, and the configuration as of that entry.
struct SnapshotMeta {
  uint64_t index = 0;
  uint64_t term = 0;
  ConfState conf_state;

  friend bool operator==(const SnapshotMeta&, const SnapshotMeta&) = default;
};

struct Snapshot {
  SnapshotMeta meta;
  std::string data;  // The application's state machine image; opaque to raft.

  bool empty() const { return meta.index == 0; }
  friend bool operator==(const Snapshot&, const Snapshot&) = default;
};

// One membership change (Raft §6 / dissertation §4.1: one server at a time). Adding an
// existing learner as a voter promotes it.
enum class ConfChangeType : uint8_t { kAddNode = 0, kRemoveNode = 1, kAddLearnerNode = 2 };

struct ConfChange {
  ConfChangeType type = ConfChangeType::kAddNode;
  uint64_t node_id = kNone;
  std::string context;  // Opaque to raft (etcd puts the member's URLs here).

  friend bool operator==(const ConfChange&, const ConfChange&) = default;
};

// Local messages (kHup, kBeat, kProp from the driver, kUnreachable, kSnapStatus, kCheckQuorum)
// never travel on the wire; the rest are exchanged between members.
enum class MessageType : uint8_t {
  kHup = 0,      // Local: start an election (the election timer fired).
  kBeat = 1,     // Local: leader, send heartbeats now.
  kProp = 2,     // A client proposal (local, or forwarded by a follower).
  kApp = 3,      // AppendEntries (Raft §5.3).
  kAppResp = 4,  // Its answer: index = last matching index, or reject + hint.
  kVote = 5,     // RequestVote (Raft §5.2).
  kVoteResp = 6,
  kSnap = 7,       // InstallSnapshot (Raft §7).
  kHeartbeat = 8,  // An empty AppendEntries carrying commit (Raft §5.2).
  kHeartbeatResp = 9,
  kUnreachable = 10,     // Local: the transport could not reach `from`.
  kSnapStatus = 11,      // Local: the transport finished (reject = failed) sending a snapshot.
  kCheckQuorum = 12,     // Local: leader, check that a quorum was active (dissertation §6.2).
  kTransferLeader = 13,  // Dissertation §3.10: from = the transferee.
  kTimeoutNow = 14,      // Leader to transferee: campaign now.
  kReadIndex = 15,       // Dissertation §6.4: context identifies the read.
  kReadIndexResp = 16,
  kPreVote = 17,  // Dissertation §9.6: would you vote for me at term+1?
  kPreVoteResp = 18,
};
inline constexpr uint8_t kMaxMessageType = 18;

const char* to_string(MessageType type);

// One message. Which fields mean something depends on `type` (see codec.h and docs/raft.md).
struct Message {
  MessageType type = MessageType::kHup;
  uint64_t to = kNone;
  uint64_t from = kNone;
  uint64_t term = 0;
  uint64_t log_term = 0;  // kApp: term of entry `index`; kVote: candidate's last log term.
  uint64_t index = 0;     // kApp: prev log index; kAppResp: last matching index.
  std::vector<Entry> entries = {};
  uint64_t commit = 0;
  std::optional<Snapshot> snapshot = {};  // kSnap only.
  bool reject = false;
  uint64_t reject_hint = 0;  // kAppResp with reject: an index at or above the match point.
  std::string context = {};  // kReadIndex/kHeartbeat: read id; kVote: "transfer" marker.

  friend bool operator==(const Message&, const Message&) = default;
};

// True for messages a node generates for itself and never puts on the wire.
bool is_local_message(MessageType type);
// True for responses (which a stale-term filter must not answer again).
bool is_response_message(MessageType type);

// Sum of entry payload sizes, the unit of every size limit in raft.
uint64_t entry_size(const Entry& e);

}  // namespace arbor::raft
