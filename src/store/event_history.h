#pragma once
// EventHistory: the last 1000 events, one per store index with no gaps, so a watch from index i
// finds its starting point by offset (i - start_index). etcd's EventHistory and its scan rules
// (v2-watch.md §2 and §3), quirks included.
//
// Thread-compatible; owned by the Store.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "store/error.h"
#include "store/event.h"
#include "util/result.h"

namespace arbor::store {

class EventHistory {
 public:
  static constexpr size_t kCapacity = 1000;

  explicit EventHistory(size_t capacity = kCapacity);

  // Appends `e`, dropping the oldest event when full. REQUIRES: e->index() == last_index() + 1
  // (or the history is empty).
  void add(EventPtr e);

  // The first event at index >= `index` that a watch on `key` (clean store path) would match,
  // refresh events skipped; null when there is none yet. Error 401 (index 0; the caller sets
  // the current index) when `index` < start_index().
  Result<EventPtr, Error> scan(std::string_view key, bool recursive, uint64_t index) const;

  uint64_t start_index() const { return start_index_; }  // 0 while empty.
  uint64_t last_index() const { return last_index_; }
  size_t size() const { return size_; }
  size_t capacity() const { return ring_.size(); }
  // The i-th oldest event, 0 <= i < size().
  const EventPtr& at(size_t i) const { return ring_[(front_ + i) % ring_.size()]; }

 private:
  std::vector<EventPtr> ring_;  // Fixed size; the live events are [front_, front_ + size_).
  size_t front_ = 0;
  size_t size_ = 0;
  uint64_t start_index_ = 0;  // Index of the oldest event kept.
  uint64_t last_index_ = 0;   // Index of the newest event.
};

}  // namespace arbor::store
