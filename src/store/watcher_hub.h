#pragma once
// WatcherHub: the registered watchers, by the exact store path they watch, and etcd's live
// notification rules (v2-watch.md §4): an event is offered to the watchers on every ancestor of
// its key and on the key itself; a delete or expiry also offers it to the watchers on every
// removed node ("deleted" pass).
//
// Thread-safe: add/remove may run from any thread, concurrently with notify (an internal mutex).
// Callbacks run inside notify with that mutex held.

#include <atomic>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/event.h"
#include "store/store.h"

namespace arbor::store {

class WatcherHub {
 public:
  // Registers a watcher on `path` (clean store path) for events at index >= since_index.
  // Returns its id (never 0).
  uint64_t add(std::string_view path, bool recursive, bool stream, uint64_t since_index,
               WatchCallback callback);
  // Removes watcher `id` if it is still registered.
  void remove(uint64_t id);

  // Offers `e` to the watchers on each ancestor of its key ("/", "/1", "/1/a") and the key.
  void notify(const EventPtr& e);
  // Offers `e` to the watchers registered exactly on `path`. `deleted`: `path` is a node that
  // `e` removed, so even a non-recursive watcher there is told.
  void notify_watchers(const EventPtr& e, std::string_view path, bool deleted);

  // True when no watcher is registered (lets deletes skip building removed paths).
  bool empty() const { return count_.load(std::memory_order_relaxed) == 0; }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  struct Watcher {
    uint64_t id;
    bool recursive;
    bool stream;
    uint64_t since_index;
    WatchCallback callback;
  };
  using WatcherList = std::list<Watcher>;
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Handle {
    // The key of the watcher's list in by_path_: nodes do not move, and the list lives as long
    // as it holds a watcher.
    const std::string* path;
    WatcherList::iterator it;
  };

  void notify_locked(const EventPtr& e, std::string_view path, bool deleted);
  void erase_locked(std::unordered_map<std::string, WatcherList>::iterator list_it,
                    WatcherList::iterator it);

  std::mutex mu_;
  std::unordered_map<std::string, WatcherList, StringHash, std::equal_to<>> by_path_;  // GUARDED_BY(mu_)
  std::unordered_map<uint64_t, Handle> by_id_;  // GUARDED_BY(mu_)
  uint64_t next_id_ = 1;                         // GUARDED_BY(mu_)
  std::atomic<uint64_t> count_{0};               // Registered watchers.
};

}  // namespace arbor::store
