#include "server/kv_service.h"

#include <chrono>
#include <future>
#include <utility>
#include <vector>

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

KvService::KvService(std::unique_ptr<store::Store> store, uint64_t id_seed)
    : store_(std::move(store)), applier_(*store_), next_id_((id_seed << 16) | 1) {}

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
                        raft_index(), kTerm});
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
                     raft_index(), kTerm});
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

void KvService::run() {
  auto next_sync = std::chrono::steady_clock::now() + kSyncInterval;
  std::deque<Entry> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      queue_cv_.wait_until(lock, next_sync, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
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
}

void KvService::apply_batch(std::deque<Entry>& batch) {
  // Later: the WAL append and fsync of `batch` go here, before anything is applied or answered.
  std::vector<std::pair<uint64_t, WriteOutcome>> done;
  done.reserve(batch.size());
  {
    std::unique_lock<std::shared_mutex> lock(store_mu_);
    const int64_t now = now_ns();
    for (Entry& e : batch) {
      std::optional<Request> req = decode(e.data);
      CHECK(req.has_value(), "apply loop: undecodable entry of %zu bytes", e.data.size());
      ApplyResult r = applier_.apply(*req, now);
      const uint64_t ri = raft_index_.fetch_add(1, std::memory_order_acq_rel) + 1;
      if (e.id != 0) done.emplace_back(e.id, WriteOutcome{std::move(r), ri, kTerm});
    }
  }
  if (batch_hook_) batch_hook_();
  for (auto& [id, outcome] : done) {
    if (WriteDone d = waiter_.take(id)) d(std::move(outcome));
  }
}

}  // namespace arbor::server
