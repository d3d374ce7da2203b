#include "raft/storage.h"

#include "util/log.h"

namespace arbor::raft {

MemoryStorage::MemoryStorage() : entries_(1) {}

std::pair<HardState, ConfState> MemoryStorage::initial_state() const {
  return {hard_state_, snapshot_.meta.conf_state};
}

uint64_t MemoryStorage::first_index() const { return entries_[0].index + 1; }

uint64_t MemoryStorage::last_index() const { return entries_[0].index + entries_.size() - 1; }

Result<uint64_t, StorageError> MemoryStorage::term(uint64_t i) const {
  const uint64_t offset = entries_[0].index;
  if (i < offset) return StorageError::kCompacted;
  if (i - offset >= entries_.size()) return StorageError::kUnavailable;
  return entries_[i - offset].term;
}

Result<std::vector<Entry>, StorageError> MemoryStorage::entries(uint64_t lo, uint64_t hi,
                                                                uint64_t max_size) const {
  const uint64_t offset = entries_[0].index;
  if (lo <= offset) return StorageError::kCompacted;
  CHECK(hi <= last_index() + 1, "entries hi %lu beyond last %lu", hi, last_index());
  std::vector<Entry> out;
  uint64_t size = 0;
  for (uint64_t i = lo; i < hi; ++i) {
    const Entry& e = entries_[i - offset];
    size += entry_size(e);
    // Always return at least one entry, so a single large entry cannot stall replication.
    if (!out.empty() && size > max_size) break;
    out.push_back(e);
  }
  return out;
}

Result<Snapshot, StorageError> MemoryStorage::snapshot() const { return snapshot_; }

bool MemoryStorage::apply_snapshot(const Snapshot& snap) {
  if (snap.meta.index <= snapshot_.meta.index) return false;
  snapshot_ = snap;
  entries_.assign(1, Entry{snap.meta.term, snap.meta.index, EntryType::kNormal, {}});
  return true;
}

Result<Snapshot, StorageError> MemoryStorage::create_snapshot(uint64_t index, const ConfState& cs,
                                                              std::string data) {
  if (index <= snapshot_.meta.index) return StorageError::kSnapshotOutOfDate;
  CHECK(index <= last_index(), "snapshot %lu beyond last index %lu", index, last_index());
  snapshot_.meta.index = index;
  snapshot_.meta.term = entries_[index - entries_[0].index].term;
  snapshot_.meta.conf_state = cs;
  snapshot_.data = std::move(data);
  return snapshot_;
}

bool MemoryStorage::compact(uint64_t compact_index) {
  const uint64_t offset = entries_[0].index;
  if (compact_index <= offset) return false;
  CHECK(compact_index <= last_index(), "compact %lu beyond last index %lu", compact_index,
        last_index());
  const uint64_t i = compact_index - offset;
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<ptrdiff_t>(i));
  entries_[0].data.clear();  // The dummy keeps only (index, term).
  entries_[0].type = EntryType::kNormal;
  return true;
}

std::optional<size_t> MemoryStorage::make_room(uint64_t front, uint64_t back) {
  const uint64_t first = first_index();
  if (back < first) return std::nullopt;  // Everything given is already compacted.
  const size_t skip = front < first ? first - front : 0;
  const uint64_t offset = front + skip - entries_[0].index;
  CHECK(offset <= entries_.size(), "missing log entries [last %lu, append at %lu]", last_index(),
        front + skip);
  // A conflicting suffix (or a re-append of the same entries) is replaced wholesale.
  entries_.resize(offset);
  return skip;
}

void MemoryStorage::append(std::span<const Entry> ents) {
  if (ents.empty()) return;
  const std::optional<size_t> skip = make_room(ents.front().index, ents.back().index);
  if (!skip) return;
  entries_.insert(entries_.end(), ents.begin() + static_cast<ptrdiff_t>(*skip), ents.end());
}

void MemoryStorage::append_moved(std::span<Entry> ents) {
  if (ents.empty()) return;
  const std::optional<size_t> skip = make_room(ents.front().index, ents.back().index);
  if (!skip) return;
  entries_.insert(entries_.end(),
                  std::make_move_iterator(ents.begin() + static_cast<ptrdiff_t>(*skip)),
                  std::make_move_iterator(ents.end()));
}

}  // namespace arbor::raft
