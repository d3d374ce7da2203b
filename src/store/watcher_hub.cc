#include "store/watcher_hub.h"

#include <utility>

#include "store/key_path.h"

namespace arbor::store {

uint64_t WatcherHub::add(std::string_view path, bool recursive, bool stream, uint64_t since_index,
                         WatchCallback callback) {
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t id = next_id_++;
  auto list_it = by_path_.find(path);
  if (list_it == by_path_.end()) list_it = by_path_.emplace(std::string(path), WatcherList()).first;
  WatcherList& list = list_it->second;
  list.push_back(Watcher{id, recursive, stream, since_index, std::move(callback)});
  by_id_.emplace(id, Handle{&list_it->first, std::prev(list.end())});
  count_.fetch_add(1, std::memory_order_relaxed);
  return id;
}

void WatcherHub::remove(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto h = by_id_.find(id);
  if (h == by_id_.end()) return;
  auto list_it = by_path_.find(*h->second.path);
  erase_locked(list_it, h->second.it);
}

void WatcherHub::erase_locked(std::unordered_map<std::string, WatcherList>::iterator list_it,
                              WatcherList::iterator it) {
  by_id_.erase(it->id);
  list_it->second.erase(it);
  count_.fetch_sub(1, std::memory_order_relaxed);
  if (list_it->second.empty()) by_path_.erase(list_it);
}

void WatcherHub::notify(const EventPtr& e) {
  if (empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  const std::string& key = e->node.key;
  // Ancestors of "/1/a/b": "/", "/1", "/1/a", then the key itself.
  notify_locked(e, "/", false);
  for (size_t i = 1; i <= key.size(); ++i) {
    if (i == key.size() || key[i] == '/') notify_locked(e, std::string_view(key).substr(0, i), false);
  }
}

void WatcherHub::notify_watchers(const EventPtr& e, std::string_view path, bool deleted) {
  if (empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  notify_locked(e, path, deleted);
}

void WatcherHub::notify_locked(const EventPtr& e, std::string_view path, bool deleted) {
  auto list_it = by_path_.find(path);
  if (list_it == by_path_.end()) return;
  WatcherList& list = list_it->second;
  const bool original_path = e->node.key == path;
  // Hidden keys are judged on the part of the key below the watch point only.
  if (!original_path && is_hidden_from(path, e->node.key)) return;
  for (auto it = list.begin(); it != list.end();) {
    auto next = std::next(it);
    Watcher& w = *it;
    if ((w.recursive || original_path || deleted) && e->index() >= w.since_index) {
      // A watcher that cannot take the event (its buffer is full) is dropped, as etcd drops a
      // watcher whose channel is full; a one-shot watcher is done after one event.
      const bool accepted = w.callback(e);
      if (!accepted || !w.stream) {
        const bool last = list.size() == 1;
        erase_locked(list_it, it);
        if (last) return;  // The list (and `list_it`) is gone.
      }
    }
    it = next;
  }
}

}  // namespace arbor::store
