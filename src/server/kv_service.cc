#include "server/kv_service.h"

#include <chrono>
#include <future>
#include <utility>
#include <vector>

#include "server/durable_log.h"
#include "snap/snapshotter.h"
#include "util/log.h"

namespace arbor::server {
namespace {

// How often the loop proposes SYNC while TTL keys exist (etcd: 500 ms).
constexpr auto kSyncInterval = std::chrono::milliseconds(500);

}  // namespace

int64_t KvService::now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

KvService::KvService(std::unique_ptr<store::Store> store, uint64_t id_seed, DurableLog* log,
                     uint64_t applied, uint64_t term)
    : store_(std::move(store)),
      applier_(*store_),
      log_(log),
      term_(term),
      next_id_((id_seed << 16) | 1),
      raft_index_(applied) {
  conf_.voters.push_back(id_seed);
}

util::Status KvService::replay(const std::vector<raft::Entry>& entries) {
  uint64_t index = raft_index();
  for (const raft::Entry& e : entries) {
    if (e.index != index + 1) {
      return util::Status::corruption("WAL entry " + std::to_string(e.index) + " follows " +
                                      std::to_string(index) + ": entries are missing");
    }
    std::optional<Request> req = decode(e.data);
    if (!req.has_value()) {
      return util::Status::corruption("WAL entry " + std::to_string(e.index) +
                                      " does not decode (" + std::to_string(e.data.size()) +
                                      " bytes)");
    }
    // `now` only shapes the views a call returns (their ttl); nobody reads them here.
    (void)applier_.apply(*req, req->time);
    index = e.index;
  }
  raft_index_.store(index, std::memory_order_release);
  return util::Status();
}

std::string KvService::metrics_text() const {
  return log_ != nullptr ? log_->fsync_histogram().render() : std::string();
}

KvService::~KvService() { stop(); }

void KvService::start() { loop_ = std::thread([this] { run(); }); }

void KvService::stop() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (loop_.joinable()) loop_.join();
  // Whatever was queued after the loop stopped is refused.
  std::deque<Entry> left;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    left.swap(queue_);
  }
  for (Entry& e : left) {
    if (WriteDone done = waiter_.take(e.id)) {
      done(WriteOutcome{store::Error{store::ErrorCode::kRaftInternal,
                                     "etcdserver: server stopped", 0},
                        raft_index(), term_});
    }
  }
}

void KvService::write(Request req, WriteDone done) {
  req.id = next_id();
  Entry e{encode(req), req.id};
  waiter_.register_id(req.id, std::move(done));
  bool refused = false;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (stopping_) {
      refused = true;
    } else {
      queue_.push_back(std::move(e));
    }
  }
  if (refused) {
    if (WriteDone d = waiter_.take(req.id))
      d(WriteOutcome{store::Error{store::ErrorCode::kRaftInternal, "etcdserver: server stopped", 0},
                     raft_index(), term_});
    return;
  }
  queue_cv_.notify_one();
}

WriteOutcome KvService::write_sync(Request req) {
  std::promise<WriteOutcome> p;
  auto f = p.get_future();
  write(std::move(req), [&p](WriteOutcome o) { p.set_value(std::move(o)); });
  return f.get();
}

Result<store::Event, store::Error> KvService::read(std::string_view path, bool recursive,
                                                   bool sorted) {
  std::shared_lock<std::shared_mutex> lock(store_mu_);
  return store_->get(path, recursive, sorted, now_ns());
}

Result<store::WatchResult, store::Error> KvService::watch(std::string_view path, bool recursive,
                                                          bool stream, uint64_t since,
                                                          store::WatchCallback callback) {
  std::shared_lock<std::shared_mutex> lock(store_mu_);
  return store_->watch(path, recursive, stream, since, std::move(callback));
}

void KvService::unwatch(uint64_t watcher_id) { store_->unwatch(watcher_id); }

store::StoreStats KvService::stats() {
  std::shared_lock<std::shared_mutex> lock(store_mu_);
  return store_->stats();
}

uint64_t KvService::current_index() {
  std::shared_lock<std::shared_mutex> lock(store_mu_);
  return store_->current_index();
}

util::Status KvService::write_snapshot(util::ByteSink& out) {
  std::shared_lock<std::shared_mutex> lock(store_mu_);
  raft::SnapshotMeta meta;
  meta.index = raft_index();
  meta.term = term_;
  meta.conf_state = conf_;  // Set at construction; the loop never changes it.
  return snap::write_snapshot(meta, [&](util::ByteSink& sink) { return store_->save(sink); }, out);
}

uint64_t KvService::history_start_index() {
  std::shared_lock<std::shared_mutex> lock(store_mu_);
  return store_->history_start_index();
}

void KvService::run() {
  auto next_sync = std::chrono::steady_clock::now() + kSyncInterval;
  std::deque<Entry> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      queue_cv_.wait_until(lock, next_sync, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) break;
      batch.swap(queue_);
    }
    // Only this thread writes the store, so has_ttl_keys() needs no lock against writers.
    if (std::chrono::steady_clock::now() >= next_sync) {
      next_sync = std::chrono::steady_clock::now() + kSyncInterval;
      if (store_->has_ttl_keys()) {
        Request sync;
        sync.method = Method::kSync;
        sync.time = now_ns();
        batch.push_back(Entry{encode(sync), 0});
      }
    }
    if (!batch.empty()) apply_batch(batch);
    batch.clear();
  }
  // A snapshot still being written in the background is finished before the loop ends.
  if (log_ != nullptr) {
    util::Status st = log_->wait_snapshot();
    if (!st.ok()) LOG_ERROR("etcdserver", "%s", st.to_string().c_str());
  }
}

void KvService::apply_batch(std::deque<Entry>& batch) {
  const uint64_t first = raft_index() + 1;
  if (log_ != nullptr) {
    // Group commit: the whole batch is appended and covered by one fdatasync before any of it
    // is applied or answered. The request bytes move into the log entries and are decoded from
    // there. A failed write or sync stops the process: it is never retried (the page cache may
    // have dropped the dirty pages, so a retry could report success for lost data).
    wal_batch_.clear();
    wal_batch_.reserve(batch.size());
    uint64_t index = first - 1;
    for (Entry& e : batch) {
      wal_batch_.push_back(raft::Entry{term_, ++index, raft::EntryType::kNormal, std::move(e.data)});
    }
    const raft::HardState hs{term_, conf_.voters.front(), index};
    util::Status st = log_->append(wal_batch_, hs);
    if (st.ok()) st = log_->sync();
    CHECK(st.ok(), "etcdserver: failed to persist entries %llu..%llu: %s",
          static_cast<unsigned long long>(first), static_cast<unsigned long long>(index),
          st.to_string().c_str());
  }
  std::vector<std::pair<uint64_t, WriteOutcome>> done;
  done.reserve(batch.size());
  {
    std::unique_lock<std::shared_mutex> lock(store_mu_);
    const int64_t now = now_ns();
    for (size_t i = 0; i < batch.size(); ++i) {
      const std::string& data = log_ != nullptr ? wal_batch_[i].data : batch[i].data;
      std::optional<Request> req = decode(data);
      CHECK(req.has_value(), "apply loop: undecodable entry of %zu bytes", data.size());
      ApplyResult r = applier_.apply(*req, now);
      const uint64_t ri = raft_index_.fetch_add(1, std::memory_order_acq_rel) + 1;
      if (batch[i].id != 0) done.emplace_back(batch[i].id, WriteOutcome{std::move(r), ri, term_});
    }
  }
  if (batch_hook_) batch_hook_();
  for (auto& [id, outcome] : done) {
    if (WriteDone d = waiter_.take(id)) d(std::move(outcome));
  }
  if (log_ != nullptr) {
    // The loop is the store's only writer, so it may read the store without the lock while it
    // streams a snapshot; writers wait meanwhile (queued), readers do not.
    util::Status st = log_->maybe_snapshot(*store_, raft_index(), term_, conf_);
    CHECK(st.ok(), "etcdserver: failed to save snapshot at index %llu: %s",
          static_cast<unsigned long long>(raft_index()), st.to_string().c_str());
  }
}

}  // namespace arbor::server
