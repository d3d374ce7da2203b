#include "raft/raft_log.h"

#include <algorithm>

#include "util/log.h"

namespace arbor::raft {

void limit_size(std::vector<Entry>& ents, uint64_t max_size) {
  if (ents.empty()) return;
  uint64_t size = entry_size(ents[0]);
  for (size_t i = 1; i < ents.size(); ++i) {
    size += entry_size(ents[i]);
    if (size > max_size) {
      ents.resize(i);
      return;
    }
  }
}

// ---- Unstable ----

std::optional<uint64_t> Unstable::maybe_first_index() const {
  if (snapshot_) return snapshot_->meta.index + 1;
  return std::nullopt;
}

std::optional<uint64_t> Unstable::maybe_last_index() const {
  if (!entries_.empty()) return offset_ + entries_.size() - 1;
  if (snapshot_) return snapshot_->meta.index;
  return std::nullopt;
}

std::optional<uint64_t> Unstable::maybe_term(uint64_t i) const {
  if (i < offset_) {
    if (snapshot_ && snapshot_->meta.index == i) return snapshot_->meta.term;
    return std::nullopt;
  }
  const std::optional<uint64_t> last = maybe_last_index();
  if (!last || i > *last) return std::nullopt;
  if (entries_.empty()) return std::nullopt;  // Only the snapshot, and i == offset_ is past it.
  return entries_[i - offset_].term;
}

void Unstable::stable_to(uint64_t i, uint64_t t) {
  const std::optional<uint64_t> gt = maybe_term(i);
  // Only if (i, t) is still ours: a newer leader may have replaced the tail since the Ready was
  // taken, and those replacement entries are not persisted yet.
  if (!gt || *gt != t || i < offset_) return;
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<ptrdiff_t>(i + 1 - offset_));
  offset_ = i + 1;
}

void Unstable::stable_snap_to(uint64_t i) {
  if (snapshot_ && snapshot_->meta.index == i) snapshot_.reset();
}

void Unstable::restore(const Snapshot& snap) {
  offset_ = snap.meta.index + 1;
  entries_.clear();
  snapshot_ = snap;
}

void Unstable::truncate_and_append(std::span<const Entry> ents) {
  if (ents.empty()) return;
  const uint64_t after = ents.front().index;
  if (after == offset_ + entries_.size()) {
    // The common case: directly after what we have.
  } else if (after <= offset_) {
    // Replaces the whole unstable tail (and stable entries from `after` on, which the driver
    // overwrites when it persists these).
    offset_ = after;
    entries_.clear();
  } else {
    entries_.resize(after - offset_);
  }
  entries_.insert(entries_.end(), ents.begin(), ents.end());
}

std::vector<Entry> Unstable::slice(uint64_t lo, uint64_t hi) const {
  CHECK(offset_ <= lo && lo <= hi && hi <= offset_ + entries_.size(),
        "unstable slice [%lu,%lu) out of [%lu,%lu)", lo, hi, offset_, offset_ + entries_.size());
  return std::vector<Entry>(entries_.begin() + static_cast<ptrdiff_t>(lo - offset_),
                            entries_.begin() + static_cast<ptrdiff_t>(hi - offset_));
}

// ---- RaftLog ----

RaftLog::RaftLog(const Storage* storage, uint64_t max_next_entries_size)
    : storage_(storage), max_next_entries_size_(max_next_entries_size) {
  unstable_.set_offset(storage_->last_index() + 1);
  // Everything up to the snapshot is committed and applied by definition.
  committed_ = storage_->first_index() - 1;
  applied_ = committed_;
}

uint64_t RaftLog::first_index() const {
  if (auto i = unstable_.maybe_first_index()) return *i;
  return storage_->first_index();
}

uint64_t RaftLog::last_index() const {
  if (auto i = unstable_.maybe_last_index()) return *i;
  return storage_->last_index();
}

uint64_t RaftLog::last_term() const {
  Result<uint64_t, StorageError> t = term(last_index());
  CHECK(t.ok(), "term of the last index %lu unavailable", last_index());
  return *t;
}

Result<uint64_t, StorageError> RaftLog::term(uint64_t i) const {
  // Only the dummy entry (the snapshot's index) and later have a known term.
  const uint64_t dummy = first_index() - 1;
  if (i < dummy) return StorageError::kCompacted;
  if (i > last_index()) return uint64_t{0};
  if (auto t = unstable_.maybe_term(i)) return *t;
  return storage_->term(i);
}

bool RaftLog::match_term(uint64_t i, uint64_t t) const {
  Result<uint64_t, StorageError> got = term(i);
  return got.ok() && *got == t;
}

bool RaftLog::is_up_to_date(uint64_t last_index_in, uint64_t last_term_in) const {
  // Raft §5.4.1: the later term wins; with equal terms, the longer log.
  const uint64_t our_term = last_term();
  return last_term_in > our_term || (last_term_in == our_term && last_index_in >= last_index());
}

std::optional<uint64_t> RaftLog::maybe_append(uint64_t index, uint64_t log_term, uint64_t committed,
                                              std::span<const Entry> ents) {
  if (!match_term(index, log_term)) return std::nullopt;
  const uint64_t last_new = index + ents.size();
  // A follower may receive the same AppendEntries twice, out of order. Only truncate on a
  // real term conflict; otherwise an old duplicate would erase entries already acknowledged.
  if (const uint64_t conflict = find_conflict(ents); conflict != 0) {
    CHECK(conflict > committed_, "conflict at %lu with committed entry (committed %lu)", conflict,
          committed_);
    append(ents.subspan(conflict - (index + 1)));
  }
  // Raft Figure 2: commit = min(leader_commit, index of last new entry).
  commit_to(std::min(committed, last_new));
  return last_new;
}

uint64_t RaftLog::append(std::span<const Entry> ents) {
  if (ents.empty()) return last_index();
  CHECK(ents.front().index > committed_, "append at %lu would overwrite committed %lu",
        ents.front().index, committed_);
  unstable_.truncate_and_append(ents);
  return last_index();
}

uint64_t RaftLog::find_conflict(std::span<const Entry> ents) const {
  for (const Entry& e : ents) {
    if (!match_term(e.index, e.term)) return e.index;
  }
  return 0;
}

uint64_t RaftLog::find_conflict_by_term(uint64_t index, uint64_t log_term) const {
  uint64_t i = std::min(index, last_index());
  for (; i > 0; --i) {
    Result<uint64_t, StorageError> t = term(i);
    // Compacted entries are committed, so they match the leader's: stop there.
    if (!t.ok() || *t <= log_term) break;
  }
  return i;
}

Result<std::vector<Entry>, StorageError> RaftLog::slice(uint64_t lo, uint64_t hi,
                                                        uint64_t max_size) const {
  CHECK(lo <= hi, "slice lo %lu > hi %lu", lo, hi);
  if (lo < first_index()) return StorageError::kCompacted;
  CHECK(hi <= last_index() + 1, "slice hi %lu beyond last %lu", hi, last_index());
  std::vector<Entry> out;
  if (lo == hi) return out;
  const uint64_t offset = unstable_.offset();
  if (lo < offset) {
    Result<std::vector<Entry>, StorageError> stored =
        storage_->entries(lo, std::min(hi, offset), max_size);
    if (!stored.ok()) {
      CHECK(stored.error() == StorageError::kCompacted, "storage entries [%lu,%lu) unavailable", lo,
            std::min(hi, offset));
      return stored.error();
    }
    out = std::move(*stored);
    // The size limit cut the stored part short: the unstable part would exceed it too.
    if (out.size() < std::min(hi, offset) - lo) return out;
  }
  if (hi > offset) {
    std::vector<Entry> tail = unstable_.slice(std::max(lo, offset), hi);
    out.insert(out.end(), std::make_move_iterator(tail.begin()),
               std::make_move_iterator(tail.end()));
  }
  limit_size(out, max_size);
  return out;
}

Result<std::vector<Entry>, StorageError> RaftLog::entries(uint64_t i, uint64_t max_size) const {
  if (i > last_index()) return std::vector<Entry>{};
  return slice(i, last_index() + 1, max_size);
}

std::vector<Entry> RaftLog::next_entries() const {
  const uint64_t off = std::max(applied_ + 1, first_index());
  if (committed_ + 1 <= off) return {};
  Result<std::vector<Entry>, StorageError> ents =
      slice(off, committed_ + 1, max_next_entries_size_);
  CHECK(ents.ok(), "committed entries [%lu,%lu] unavailable", off, committed_);
  return std::move(*ents);
}

bool RaftLog::has_next_entries() const {
  return committed_ + 1 > std::max(applied_ + 1, first_index());
}

Result<Snapshot, StorageError> RaftLog::snapshot() const {
  if (unstable_.snapshot()) return *unstable_.snapshot();
  return storage_->snapshot();
}

void RaftLog::commit_to(uint64_t i) {
  if (i <= committed_) return;  // Never decreases.
  CHECK(i <= last_index(), "commit %lu beyond last index %lu", i, last_index());
  committed_ = i;
}

bool RaftLog::maybe_commit(uint64_t max_index, uint64_t t) {
  if (max_index <= committed_) return false;
  Result<uint64_t, StorageError> got = term(max_index);
  if (!got.ok() || *got != t) return false;
  commit_to(max_index);
  return true;
}

void RaftLog::applied_to(uint64_t i) {
  if (i == 0) return;
  CHECK(committed_ >= i && i >= applied_, "applied %lu outside [%lu, %lu]", i, applied_,
        committed_);
  applied_ = i;
}

void RaftLog::restore(const Snapshot& snap) {
  committed_ = snap.meta.index;
  unstable_.restore(snap);
}

}  // namespace arbor::raft
