#pragma once
// Storage is raft's read-only view of the stable log: what the driver has persisted (entries,
// hard state, the newest snapshot). Raft reads it; only the driver writes it, after persisting
// a Ready and before calling Node::advance. MemoryStorage is the in-memory implementation used
// by tests and, backed by the WAL, by the server.
//
// Thread-compatible: raft and its driver use a Storage from one thread.

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "raft/types.h"
#include "util/result.h"

namespace arbor::raft {

enum class StorageError {
  kCompacted,                       // The index is at or below the snapshot: ask for it instead.
  kUnavailable,                     // The index is beyond the last entry.
  kSnapshotOutOfDate,               // A snapshot or compaction older than what is stored.
  kSnapshotTemporarilyUnavailable,  // No snapshot ready yet; raft retries later.
};

inline constexpr uint64_t kNoLimit = std::numeric_limits<uint64_t>::max();

class Storage {
 public:
  virtual ~Storage() = default;

  // The persisted hard state and the configuration of the newest snapshot.
  virtual std::pair<HardState, ConfState> initial_state() const = 0;
  // Entries [lo, hi), at most `max_size` payload bytes but always at least one entry.
  // kCompacted if lo <= the snapshot index; REQUIRES: hi <= last_index() + 1.
  virtual Result<std::vector<Entry>, StorageError> entries(uint64_t lo, uint64_t hi,
                                                           uint64_t max_size) const = 0;
  // The term of entry i; the snapshot's term for i == snapshot index. kCompacted below that,
  // kUnavailable above last_index().
  virtual Result<uint64_t, StorageError> term(uint64_t i) const = 0;
  // The first index that entries() may return (snapshot index + 1).
  virtual uint64_t first_index() const = 0;
  virtual uint64_t last_index() const = 0;
  // The newest snapshot (kSnapshotTemporarilyUnavailable while one is being made).
  virtual Result<Snapshot, StorageError> snapshot() const = 0;
};

// Keeps everything in memory. entries_[0] is a dummy holding the snapshot's (index, term).
class MemoryStorage : public Storage {
 public:
  MemoryStorage();

  std::pair<HardState, ConfState> initial_state() const override;
  Result<std::vector<Entry>, StorageError> entries(uint64_t lo, uint64_t hi,
                                                   uint64_t max_size) const override;
  Result<uint64_t, StorageError> term(uint64_t i) const override;
  uint64_t first_index() const override;
  uint64_t last_index() const override;
  Result<Snapshot, StorageError> snapshot() const override;

  void set_hard_state(const HardState& state) { hard_state_ = state; }
  const HardState& hard_state() const { return hard_state_; }

  // Replaces the whole contents with `snap`. False (nothing changes) if `snap` is not newer
  // than the stored snapshot (the paper's kSnapshotOutOfDate).
  [[nodiscard]] bool apply_snapshot(const Snapshot& snap);
  // Records a snapshot of the state machine at `index` (<= last_index) for later sending.
  // kSnapshotOutOfDate if index <= the current snapshot's.
  [[nodiscard]] Result<Snapshot, StorageError> create_snapshot(uint64_t index, const ConfState& cs,
                                                               std::string data);
  // Discards entries before `compact_index` (which becomes the dummy). False (nothing
  // changes) if already compacted that far. REQUIRES: compact_index <= last_index().
  [[nodiscard]] bool compact(uint64_t compact_index);
  // Appends entries, truncating any conflicting suffix; entries already compacted are skipped.
  // REQUIRES: entries are contiguous and leave no gap after last_index().
  void append(std::span<const Entry> entries);
  // The same, moving each entry's payload out of `entries` instead of copying it (their
  // index and term stay).
  void append_moved(std::span<Entry> entries);

 private:
  // Makes room for entries [front, back]: truncates any suffix from `front` on. Returns how
  // many of them to skip (already compacted), or nullopt when all of them are.
  std::optional<size_t> make_room(uint64_t front, uint64_t back);

  HardState hard_state_;
  Snapshot snapshot_;           // Newest snapshot; its index/term mirror entries_[0].
  std::vector<Entry> entries_;  // entries_[i].index == entries_[0].index + i.
};

}  // namespace arbor::raft
