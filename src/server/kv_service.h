#pragma once
// What the HTTP layer calls: replicated writes (and quorum reads) go through the single apply
// loop; plain reads and watches go to the store under its shared lock.
//
// The apply loop is the only thread that writes the store. It takes batches of queued entries,
// appends them to the WAL and fsyncs once for the whole batch (group commit; later: runs them
// through Raft), takes the store's exclusive lock once per batch, applies the entries in order,
// releases the lock and then completes the waiting requests: nothing is acknowledged before the
// fsync that covers it. It never holds the lock across IO, so reads never wait for a sync. After
// a batch it takes a snapshot when --snapshot-count entries were applied since the last one.
// While TTL keys exist it proposes SYNC{now} about every 500 ms, so expiry happens at a log
// position.
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
#include <vector>

#include "raft/types.h"
#include "server/applier.h"
#include "server/request.h"
#include "server/waiter.h"
#include "store/store.h"
#include "util/io.h"
#include "util/status.h"

namespace arbor::server {

// The outcome of a replicated request, with the Raft position it was applied at.
struct WriteOutcome {
  ApplyResult result;
  uint64_t raft_index = 0;
  uint64_t raft_term = 0;
};

// Runs on the apply-loop thread, outside the store lock: it must be quick (post elsewhere).
using WriteDone = std::function<void(WriteOutcome)>;

class DurableLog;

class KvService {
 public:
  static constexpr uint64_t kFirstTerm = 2;  // A lone member's term after its first election.

  // Takes ownership of `store`. `id_seed` makes request ids unique per member. With `log`
  // (not owned; outlives this) every batch is made durable before it is applied; without it
  // the data lives in memory only (tests). `applied` is the raft index the store is at.
  KvService(std::unique_ptr<store::Store> store, uint64_t id_seed, DurableLog* log = nullptr,
            uint64_t applied = 0, uint64_t term = kFirstTerm);
  ~KvService();
  KvService(const KvService&) = delete;
  KvService& operator=(const KvService&) = delete;

  // `hook` runs on the apply loop after each applied batch, outside the store lock and before
  // the waiting requests are completed (the HTTP layer flushes watch events there).
  // REQUIRES: called before start(), or while no write is in flight.
  void set_batch_hook(std::function<void()> hook) { batch_hook_ = std::move(hook); }

  // Applies entries recovered from the WAL, in order, with no waiters. REQUIRES: before start();
  // entries follow `applied` without a gap. A gap or an undecodable entry is an error naming
  // its index (the caller refuses to start).
  [[nodiscard]] util::Status replay(const std::vector<raft::Entry>& entries);

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
  // The oldest index a watch can start from (0 while the history is empty).
  uint64_t history_start_index();
  // Every applied entry (failed writes, QGETs and SYNCs too) moves the raft index.
  uint64_t raft_index() const { return raft_index_.load(std::memory_order_acquire); }
  uint64_t raft_term() const { return term_; }

  static int64_t now_ns();

  // A consistent snapshot of the store in the snapshot file format (docs/snap_format.md), as of
  // the raft index the store is at, appended to `out` under the shared lock (writes wait for it;
  // reads do not). For the root-only /arbor/snapshot endpoint (docs/dropin.md).
  [[nodiscard]] util::Status write_snapshot(util::ByteSink& out);

  // Metrics the loop owns (the WAL fsync histogram), in Prometheus text; "" without a log.
  std::string metrics_text() const;

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
  DurableLog* log_ = nullptr;                   // Not owned; null: memory only.
  std::vector<raft::Entry> wal_batch_;          // Reused by the loop for each batch.
  raft::ConfState conf_;                        // This member alone, until clusters.
  uint64_t term_;  // Each start is an election a lone member wins: the last term + 1.
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
