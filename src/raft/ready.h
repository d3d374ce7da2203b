#pragma once
// Ready: everything raft asks its driver to do, handed out by Node::ready() and acknowledged
// with Node::advance(). The driver must, in this order:
//   1. persist `snapshot` (if any), then `entries`, then `hard_state` (if any) — durably when
//      `must_sync` is set;
//   2. only then send `messages` (a vote or an append acknowledgement promises that the state
//      above survives a crash, Raft §5 Figure 2 "respond after persisting");
//   3. apply `snapshot`, then `committed_entries` in order, to the state machine;
//   4. call advance(ready).
// Taking a second Ready before advancing the first is not allowed.
//
// Thread-compatible (a plain value).

#include <optional>
#include <string>
#include <vector>

#include "raft/types.h"

namespace arbor::raft {

enum class StateType : uint8_t { kFollower, kCandidate, kLeader, kPreCandidate };

const char* to_string(StateType state);

// Volatile state worth telling the driver about (not persisted).
struct SoftState {
  uint64_t lead = kNone;
  StateType state = StateType::kFollower;

  friend bool operator==(const SoftState&, const SoftState&) = default;
};

// A linearizable read may be served once the state machine has applied `index`
// (dissertation §6.4). `context` is the id the driver gave Node::read_index().
struct ReadState {
  uint64_t index = 0;
  std::string context;

  friend bool operator==(const ReadState&, const ReadState&) = default;
};

struct Ready {
  std::optional<SoftState> soft_state;   // Only when changed since the last Ready.
  std::optional<HardState> hard_state;   // Only when changed; persist before sending.
  std::vector<ReadState> read_states;    // Reads that may be served once applied reaches index.
  std::vector<Entry> entries;            // Persist before sending messages.
  std::optional<Snapshot> snapshot;      // Persist and apply; replaces the log before it.
  std::vector<Entry> committed_entries;  // Apply in order (already persisted, here or earlier).
  std::vector<Message> messages;         // Send after persisting the above.
  bool must_sync = false;                // Entries, term or vote changed: fsync before sending.
};

}  // namespace arbor::raft
