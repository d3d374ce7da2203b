#include "store/event_history.h"

#include <string>
#include <utility>

namespace arbor::store {

EventHistory::EventHistory(size_t capacity) : ring_(capacity) {}

void EventHistory::add(EventPtr e) {
  const uint64_t index = e->index();
  if (size_ == ring_.size()) {
    ring_[front_] = std::move(e);
    front_ = (front_ + 1) % ring_.size();
  } else {
    ring_[(front_ + size_) % ring_.size()] = std::move(e);
    ++size_;
  }
  last_index_ = index;
  start_index_ = ring_[front_]->index();
}

Result<EventPtr, Error> EventHistory::scan(std::string_view key, bool recursive,
                                           uint64_t index) const {
  if (index < start_index_) {
    return Error{ErrorCode::kEventIndexCleared,
                 "the requested history has been cleared [" + std::to_string(start_index_) + "/" +
                     std::to_string(index) + "]",
                 0};
  }
  if (index > last_index_ || size_ == 0) return EventPtr();

  // A recursive watch matches keys below `key`; the root's children start with "/" itself.
  std::string prefix(key);
  if (prefix.back() != '/') prefix.push_back('/');

  for (size_t i = static_cast<size_t>(index - start_index_); i < size_; ++i) {
    const EventPtr& e = at(i);
    if (e->refresh) continue;
    const std::string& k = e->node.key;
    bool ok = k == key || (recursive && k.starts_with(prefix));
    // (quirk) A deleted or expired directory matches any watch whose key merely starts with the
    // directory's key as a string: deleting /pd matches a watch on /pdx.
    if (!ok && (e->action == Action::kDelete || e->action == Action::kExpire) && e->prev_node &&
        e->prev_node->dir) {
      ok = key.starts_with(e->prev_node->key);
    }
    if (ok) return e;
  }
  return EventPtr();
}

}  // namespace arbor::store
