#pragma once
// RaftLog is raft's whole view of the log: the stable part (Storage, what the driver has
// persisted) followed by the unstable tail (entries and possibly a snapshot that raft has
// accepted but the driver has not yet persisted), plus the commit and applied indexes.
//
//   snapshot ... storage.first_index() ... storage.last_index() | unstable.offset ... last
//              <--------------- stable --------------------->  <---- unstable ---->
//   invariant: applied <= committed <= last_index()
//
// Thread-compatible: owned by one Raft.

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "raft/storage.h"
#include "raft/types.h"
#include "util/result.h"

namespace arbor::raft {

// The not-yet-persisted tail. entries[i].index == offset + i; a pending snapshot, if any,
// covers everything before offset.
class Unstable {
 public:
  // The first index covered by the unstable snapshot, if there is one.
  std::optional<uint64_t> maybe_first_index() const;
  // The last unstable index (last entry, else the snapshot's index).
  std::optional<uint64_t> maybe_last_index() const;
  std::optional<uint64_t> maybe_term(uint64_t i) const;

  // The driver persisted entries up to (i, t): drop them, unless the tail was since replaced.
  void stable_to(uint64_t i, uint64_t t);
  void stable_snap_to(uint64_t i);
  void restore(const Snapshot& snap);
  // Appends, replacing any unstable entries at or after ents.front().index.
  void truncate_and_append(std::span<const Entry> ents);
  // Entries [lo, hi). REQUIRES: offset <= lo <= hi <= offset + entries.size().
  std::vector<Entry> slice(uint64_t lo, uint64_t hi) const;

  const std::vector<Entry>& entries() const { return entries_; }
  const std::optional<Snapshot>& snapshot() const { return snapshot_; }
  uint64_t offset() const { return offset_; }
  void set_offset(uint64_t offset) { offset_ = offset; }

 private:
  std::optional<Snapshot> snapshot_;  // Received but not yet persisted.
  std::vector<Entry> entries_;        // Not yet persisted.
  uint64_t offset_ = 0;               // Index of entries_[0].
};

class RaftLog {
 public:
  // Continues from what `storage` holds. `storage` is not owned and outlives this log.
  explicit RaftLog(const Storage* storage, uint64_t max_next_entries_size = kNoLimit);

  uint64_t first_index() const;
  uint64_t last_index() const;
  uint64_t last_term() const;
  // The term of entry i; 0 for an index outside [first_index()-1, last_index()] that is not
  // an error (beyond the end). kCompacted below the snapshot.
  Result<uint64_t, StorageError> term(uint64_t i) const;
  bool match_term(uint64_t i, uint64_t t) const;
  // Raft §5.4.1: is a log ending at (last_index, last_term) at least as up to date as ours?
  bool is_up_to_date(uint64_t last_index, uint64_t last_term) const;

  // Raft §5.3: appends the leader's entries following (index, log_term) if our entry there
  // matches; truncates a conflicting suffix. Returns the last new index, or nullopt on mismatch.
  std::optional<uint64_t> maybe_append(uint64_t index, uint64_t log_term, uint64_t committed,
                                       std::span<const Entry> ents);
  // Appends after truncating from ents.front().index. Returns last_index().
  // REQUIRES: ents.front().index > committed().
  uint64_t append(std::span<const Entry> ents);
  // The first entry whose term differs from ours (or that we lack); 0 if all match.
  uint64_t find_conflict(std::span<const Entry> ents) const;
  // For a rejected append at (index, log_term): the largest index <= index whose term is
  // <= log_term; the leader's log cannot match ours beyond it (quick back-off).
  uint64_t find_conflict_by_term(uint64_t index, uint64_t log_term) const;

  // Entries [lo, hi) bounded by max_size (at least one). kCompacted if lo is compacted.
  Result<std::vector<Entry>, StorageError> slice(uint64_t lo, uint64_t hi, uint64_t max_size) const;
  Result<std::vector<Entry>, StorageError> entries(uint64_t i, uint64_t max_size) const;

  const std::vector<Entry>& unstable_entries() const { return unstable_.entries(); }
  const std::optional<Snapshot>& unstable_snapshot() const { return unstable_.snapshot(); }
  // Committed entries not yet applied (paged by max_next_entries_size).
  std::vector<Entry> next_entries() const;
  bool has_next_entries() const;
  // The unstable snapshot if any, else the storage's.
  Result<Snapshot, StorageError> snapshot() const;

  // Raises committed to i. REQUIRES: i <= last_index() (a lower i is ignored).
  void commit_to(uint64_t i);
  // Raft §5.4.2: commits max_index only if that entry is from `term`. Returns true if moved.
  bool maybe_commit(uint64_t max_index, uint64_t term);
  // REQUIRES: committed() >= i >= applied() (or i == 0).
  void applied_to(uint64_t i);
  void stable_to(uint64_t i, uint64_t t) { unstable_.stable_to(i, t); }
  void stable_snap_to(uint64_t i) { unstable_.stable_snap_to(i); }
  // Replaces the log with a snapshot (Raft §7). committed becomes the snapshot index.
  void restore(const Snapshot& snap);

  uint64_t committed() const { return committed_; }
  uint64_t applied() const { return applied_; }

 private:
  const Storage* storage_;          // Not owned; outlives this log.
  Unstable unstable_;               // Accepted, not yet persisted.
  uint64_t committed_ = 0;          // Highest index known to be committed.
  uint64_t applied_ = 0;            // Highest index the driver has applied.
  uint64_t max_next_entries_size_;  // Page size of next_entries().
};

// Entries truncated to at most `max_size` payload bytes, but never to fewer than one.
void limit_size(std::vector<Entry>& ents, uint64_t max_size);

}  // namespace arbor::raft
