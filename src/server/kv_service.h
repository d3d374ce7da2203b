#pragma once
// What the HTTP layer calls: replicated writes (and quorum reads) go through the single apply
// loop; plain reads and watches go to the store under its shared lock.
//
// The apply loop is the only thread that writes the store. It takes batches of queued entries,
// (later: appends them to the WAL and fsyncs; later still: runs them through Raft), takes the
// store's exclusive lock once per batch, applies the entries in order, releases the lock and then
// completes the waiting requests. It never holds the lock across IO. While TTL keys exist it
// proposes SYNC{now} about every 500 ms, so expiry happens at a log position.
//
// Thread-safe: every public method may be called from any thread after start().

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>

#include "server/applier.h"
#include "server/request.h"
#include "server/waiter.h"
#include "store/store.h"

namespace arbor::server {

// The outcome of a replicated request, with the Raft position it was applied at.
struct WriteOutcome {
  ApplyResult result;
  uint64_t raft_index = 0;
  uint64_t raft_term = 0;
};

// Runs on the apply-loop thread, outside the store lock: it must be quick (post elsewhere).
using WriteDone = std::function<void(WriteOutcome)>;

class KvService {
 public:
  static constexpr uint64_t kTerm = 2;  // A lone member's term after its first election.

  // Takes ownership of `store`. `id_seed` makes request ids unique per member.
  KvService(std::unique_ptr<store::Store> store, uint64_t id_seed);
  ~KvService();
  KvService(const KvService&) = delete;
  KvService& operator=(const KvService&) = delete;

  // `hook` runs on the apply loop after each applied batch, outside the store lock and before
  // the waiting requests are completed (the HTTP layer flushes watch events there).
  // REQUIRES: called before start(), or while no write is in flight.
  void set_batch_hook(std::function<void()> hook) { batch_hook_ = std::move(hook); }

  // Starts the apply loop (and its SYNC ticker).
  void start();
  // Stops the loop; pending writes are completed with error 300 "etcdserver: server stopped".
  void stop();

  // A fresh request id.
  uint64_t next_id() { return next_id_.fetch_add(1, std::memory_order_relaxed); }

  // Queues `req` (PUT/POST/DELETE/QGET; `req.id` is set here) and calls `done` once applied.
  void write(Request req, WriteDone done);

  // Queues `req` and blocks until it is applied. For start-up and admin code, never on an I/O
  // thread that the apply loop might need.
  WriteOutcome write_sync(Request req);

  // A local read of `path` under the shared lock.
  Result<store::Event, store::Error> read(std::string_view path, bool recursive, bool sorted);

  // A watch: history scan and registration under one shared-lock acquisition.
  Result<store::WatchResult, store::Error> watch(std::string_view path, bool recursive,
                                                 bool stream, uint64_t since,
                                                 store::WatchCallback callback);
  void unwatch(uint64_t watcher_id);

  store::StoreStats stats();
  uint64_t current_index();
  // Every applied entry (failed writes, QGETs and SYNCs too) moves the raft index.
  uint64_t raft_index() const { return raft_index_.load(std::memory_order_acquire); }
  uint64_t raft_term() const { return kTerm; }

  static int64_t now_ns();

 private:
  struct Entry {
    std::string data;  // encode(Request)
    uint64_t id = 0;   // 0: no waiter (SYNC).
  };

  void run();
  void apply_batch(std::deque<Entry>& batch);

  std::unique_ptr<store::Store> store_;  // Owned; written by the loop thread only.
  std::shared_mutex store_mu_;           // Readers shared, the loop exclusive per batch.
  Applier applier_;
  Waiter<WriteDone> waiter_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Entry> queue_;  // GUARDED_BY(queue_mu_)
  bool stopping_ = false;    // GUARDED_BY(queue_mu_)

  std::atomic<uint64_t> next_id_;
  std::atomic<uint64_t> raft_index_{0};
  std::thread loop_;  // The apply loop.
  std::function<void()> batch_hook_;  // Run by the loop after each batch.
};

}  // namespace arbor::server
