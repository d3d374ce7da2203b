#pragma once
// The etcd v2 key tree (etcd 3.4.23's v2store): files and directories, TTLs, compare-and-swap,
// in-order keys, one store-wide index, a 1000-event history and a watcher hub.
// The behaviour is specified in ../shared/spec/ (v2-keys-api.md §4, v2-watch.md,
// v2-store-internals.md); the tests in tests/store/ pin it down.
//
// Paths are store paths: the keys clients see live under "/1" ("/v2/keys/foo" is "/1/foo"),
// cluster data under "/0", auth under "/2". Every path is cleaned as Go's
// path.Clean(path.Join("/", p)) does. The namespace directories and "/" are read-only.
//
// Pure: no IO, no threads, no clock. Time comes in as `now` (Unix nanoseconds), used for the
// `ttl` of the views a call builds; expiry happens only in delete_expired(now).
//
// Thread-compatible, with these allowances for the server's reader/writer lock:
//  * write calls (set, create, update, compare_and_swap, remove, compare_and_delete,
//    delete_expired) need exclusive access;
//  * get, watch, has_ttl_keys, current_index, stats and save may run concurrently with each
//    other (a shared lock); the counters they bump are atomic;
//  * unwatch may run at any time, from any thread.
// Watch callbacks run on the writer's thread, inside the write call, with the hub's internal
// mutex held: they must be quick (post elsewhere) and must not call back into the store.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "store/error.h"
#include "store/event.h"
#include "util/io.h"
#include "util/result.h"
#include "util/status.h"

namespace arbor::store {

// TTL of a write. `expire_time` is absolute (Unix ns), worked out by the member that received
// the request; 0 means permanent (and removes an existing TTL). Times before 2000-01-01 count
// as permanent. `refresh` keeps the old value and wakes no watcher.
struct TtlOptions {
  int64_t expire_time = 0;
  bool refresh = false;
};

// The counters of GET /v2/stats/store, in its field order.
struct StoreStats {
  uint64_t gets_success = 0, gets_fail = 0;
  uint64_t sets_success = 0, sets_fail = 0;
  uint64_t delete_success = 0, delete_fail = 0;
  uint64_t update_success = 0, update_fail = 0;
  uint64_t create_success = 0, create_fail = 0;
  uint64_t compare_and_swap_success = 0, compare_and_swap_fail = 0;
  uint64_t compare_and_delete_success = 0, compare_and_delete_fail = 0;
  uint64_t expire_count = 0;
  uint64_t watchers = 0;  // Registered (waiting) watchers right now.

  friend bool operator==(const StoreStats&, const StoreStats&) = default;
};

// Receives a live event. Returns false when it cannot take it (its buffer is full): the hub then
// removes the watcher, as etcd drops a watcher whose 100-event channel overflows. A non-stream
// watcher is removed after its first delivered event.
using WatchCallback = std::function<bool(const EventPtr&)>;

struct WatchResult {
  EventPtr event;            // Set when the history already holds a matching event; no watcher.
  uint64_t watcher_id = 0;   // Set when a watcher was registered (then `event` is null).
  uint64_t start_index = 0;  // The store index when the watch was made (X-Etcd-Index).
};

// A number that changes whenever a node under /2 (v2 auth: users, roles, the enable flag)
// changes in any Store of this process, and whenever a Store is created or recovered. Caches
// of what /2 holds are valid while it stays the same. Thread-safe.
uint64_t auth_generation();
void bump_auth_generation();

class Store {
 public:
  // A store with "/" and the given namespace directories, all permanent, index 0, read-only.
  Store();
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The node at `path`; `recursive` nests the whole subtree, `sorted` is accepted for
  // compatibility (listings are always in byte order). Hidden children are left out.
  // Errors: 100 (cause: first missing component), 104 (cause: the file on the way).
  [[nodiscard]] Result<Event, Error> get(std::string_view path, bool recursive, bool sorted,
                                         int64_t now) const;

  // Creates or replaces a file, or creates a directory (`dir`). A replaced node gets a new
  // createdIndex. Errors: 107, 104, 102 (target is a directory), 100 (refresh of a missing key).
  [[nodiscard]] Result<EventPtr, Error> set(std::string_view path, bool dir,
                                            std::string_view value, TtlOptions ttl, int64_t now);

  // Creates a node; `unique` appends "/%020d" of the new index (POST, in-order keys).
  // Errors: 107, 104, 105 (exists).
  [[nodiscard]] Result<EventPtr, Error> create(std::string_view path, bool dir,
                                               std::string_view value, bool unique,
                                               TtlOptions ttl, int64_t now);

  // Replaces a file's value (createdIndex kept) or a directory's TTL. Errors: 107, 100, 104,
  // 102 (a directory with a non-empty value).
  [[nodiscard]] Result<EventPtr, Error> update(std::string_view path, std::string_view value,
                                               TtlOptions ttl, int64_t now);

  // Update guarded by `prev_value` (if non-empty) and `prev_index` (if non-zero).
  // Errors: 107, 100, 104, 102 (directory), 101 (compare failed, cause "[a != b]...").
  [[nodiscard]] Result<EventPtr, Error> compare_and_swap(std::string_view path,
                                                         std::string_view prev_value,
                                                         uint64_t prev_index,
                                                         std::string_view value, TtlOptions ttl,
                                                         int64_t now);

  // etcd's Delete. `recursive` implies `dir`; a file is deleted whatever `dir` says.
  // Errors: 107, 100, 104, 102 (directory without dir), 108 (non-empty without recursive).
  [[nodiscard]] Result<EventPtr, Error> remove(std::string_view path, bool dir, bool recursive,
                                               int64_t now);

  // Delete guarded like compare_and_swap. Errors: 100, 104, 102, 101.
  [[nodiscard]] Result<EventPtr, Error> compare_and_delete(std::string_view path,
                                                           std::string_view prev_value,
                                                           uint64_t prev_index, int64_t now);

  // Watches `path` (and below it when `recursive`) for events at index >= `since_index`
  // (0: the next event). Answers from the history at once when it can, otherwise registers
  // `callback`. Errors: 401 when `since_index` is older than the history.
  [[nodiscard]] Result<WatchResult, Error> watch(std::string_view path, bool recursive,
                                                 bool stream, uint64_t since_index,
                                                 WatchCallback callback);

  // Removes a registered watcher; does nothing if it is already gone.
  void unwatch(uint64_t watcher_id);

  // Expires every node whose expiration is <= `now`, one `expire` event (and index) each,
  // earliest first. Returns how many expired.
  size_t delete_expired(int64_t now);

  bool has_ttl_keys() const;
  uint64_t current_index() const;
  StoreStats stats() const;
  // The index of the oldest event the history still holds (0 while it is empty): a watch from
  // an older index gets 401 EventIndexCleared.
  uint64_t history_start_index() const;

  // Writes the whole store (tree, TTLs, index, history, stats) in the versioned, checksummed
  // format of docs/store_format.md, streaming; nothing is built whole in memory.
  [[nodiscard]] util::Status save(util::ByteSink& out) const;
  std::string save_to_string() const;

  // A store that behaves exactly like the one that was saved (watchers excepted).
  // Corruption on a bad magic, version, checksum or structure.
  [[nodiscard]] static Result<std::unique_ptr<Store>, util::Status> recover(util::ByteSource& in);
  [[nodiscard]] static Result<std::unique_ptr<Store>, util::Status> recover_from_string(
      std::string_view bytes);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;  // Owned; the tree, TTL heap, history, hub and counters.
};

}  // namespace arbor::store
