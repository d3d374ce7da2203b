#include "server/kv_service.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <utility>
#include <vector>

#include "raft/codec.h"
#include "server/durable_log.h"
#include "server/transport.h"
#include "snap/snapshotter.h"
#include "util/log.h"

namespace arbor::server {
namespace {

using Clock = std::chrono::steady_clock;

// How often the leader proposes SYNC while TTL keys exist (etcd: 500 ms).
constexpr auto kSyncInterval = std::chrono::milliseconds(500);
// A compaction of a multi-member log happens in steps of at least this many entries, so the
// in-memory log is not shifted on every Ready.
constexpr uint64_t kCompactStep = 1000;

std::string read_context(uint64_t id) {
  std::string ctx(8, '\0');
  for (int i = 0; i < 8; ++i) ctx[static_cast<size_t>(i)] = static_cast<char>(id >> (8 * i));
  return ctx;
}

store::Error error300(std::string message) {
  return store::Error{store::ErrorCode::kRaftInternal, std::move(message), 0};
}

}  // namespace

int64_t KvService::now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

KvService::KvService(std::unique_ptr<store::Store> store, RaftOptions options, DurableLog* log)
    : options_(options), store_(std::move(store)), log_(log) {
  CHECK(options_.id != 0, "kv: member id must not be zero");
  if (options_.request_timeout_ms <= 0) options_.request_timeout_ms = 5000 + 2 * options_.election_ms;
  // etcd's idutil.Generator: 2 bytes of member id, 5 bytes of milliseconds, then a counter.
  const uint64_t ms = static_cast<uint64_t>(now_ns() / 1000000);
  next_id_.store(((options_.id & 0xffff) << 48) | ((ms & 0xffffffffffULL) << 8));
}

KvService::~KvService() { stop(); }

util::Status KvService::bootstrap_new(const std::vector<Member>& members) {
  std::vector<raft::Entry> entries;
  for (const Member& m : members) {
    const raft::ConfChange cc{raft::ConfChangeType::kAddNode, m.id, member_context(0, m.peer_urls)};
    entries.push_back(raft::Entry{1, entries.size() + 1, raft::EntryType::kConfChange,
                                  raft::encode(cc)});
  }
  const raft::HardState hs{1, raft::kNone, entries.size()};
  if (log_ != nullptr) {
    util::Status st = log_->append(entries, hs);
    if (st.ok()) st = log_->sync();
    if (!st.ok()) return st;
  }
  storage_.append(entries);
  storage_.set_hard_state(hs);
  hard_state_ = hs;
  initial_voters_ = members.size();
  return util::Status();
}

void KvService::restore(const raft::SnapshotMeta& snapshot, std::vector<raft::Entry> entries,
                        const raft::HardState& hard_state) {
  if (snapshot.index > 0) {
    // Raft needs the snapshot's position and configuration; the image itself is the store.
    (void)storage_.apply_snapshot(raft::Snapshot{snapshot, {}});
    conf_ = snapshot.conf_state;
    applied_ = snapshot.index;
    applied_term_ = snapshot.term;
  }
  // Entries the snapshot already covers are skipped by append().
  storage_.append(entries);
  raft::HardState hs = hard_state;
  hs.commit = std::clamp(hs.commit, snapshot.index, storage_.last_index());
  storage_.set_hard_state(hs);
  hard_state_ = hs;
  initial_applied_ = snapshot.index;
  raft_index_.store(applied_, std::memory_order_release);
}

std::string KvService::metrics_text() const {
  return log_ != nullptr ? log_->fsync_histogram().render() : std::string();
}

int KvService::election_ticks() const {
  return std::max(2, options_.election_ms / std::max(1, options_.heartbeat_ms));
}

void KvService::start() {
  raft::Config c;
  c.id = options_.id;
  c.heartbeat_tick = 1;
  c.election_tick = election_ticks();
  c.storage = &storage_;
  c.applied = initial_applied_;
  c.pre_vote = options_.pre_vote;
  c.check_quorum = true;
  c.max_inflight_msgs = 512;
  c.random_seed = static_cast<uint64_t>(now_ns());
  node_ = std::make_unique<raft::Node>(c);
  raft_term_.store(hard_state_.term, std::memory_order_release);
  if (view_ != nullptr && applied_ > 0) refresh_members();
  loop_ = std::thread([this] { run(); });
}

void KvService::stop() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (loop_.joinable()) loop_.join();
  stopped_.store(true, std::memory_order_release);
  // Whatever is still waiting is refused.
  for (WriteDone& d : waiter_.take_if([](uint64_t) { return true; })) {
    d(WriteOutcome{error300("etcdserver: server stopped"), raft_index(), raft_term()});
  }
}

void KvService::enqueue(Proposal p) {
  const uint64_t id = p.id;
  bool refused = false;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (stopping_) {
      refused = true;
    } else {
      inbox_.proposals.push_back(std::move(p));
    }
  }
  if (refused) return fail(id, "etcdserver: server stopped");
  queue_cv_.notify_one();
}

void KvService::post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (stopping_) return;
    inbox_.tasks.push_back(std::move(task));
  }
  queue_cv_.notify_one();
}

void KvService::fail(uint64_t id, std::string message) {
  if (WriteDone d = waiter_.take(id)) {
    d(WriteOutcome{error300(std::move(message)), raft_index(), raft_term()});
  }
}

void KvService::write(Request req, WriteDone done, int timeout_ms) {
  req.id = next_id();
  Proposal p;
  p.id = req.id;
  p.timeout_ms = timeout_ms;
  if (req.method == Method::kQGet) {
    p.read = true;
    p.path = std::move(req.path);
    p.recursive = req.recursive;
    p.sorted = req.sorted;
  } else {
    p.data = encode(req);
  }
  waiter_.register_id(p.id, std::move(done));
  enqueue(std::move(p));
}

WriteOutcome KvService::write_sync(Request req) {
  std::promise<WriteOutcome> p;
  auto f = p.get_future();
  write(std::move(req), [&p](WriteOutcome o) { p.set_value(std::move(o)); });
  return f.get();
}

void KvService::add_member(uint64_t id, const std::vector<std::string>& peer_urls,
                           WriteDone done) {
  Proposal p;
  p.id = next_id();
  p.conf = true;
  p.data = raft::encode(
      raft::ConfChange{raft::ConfChangeType::kAddNode, id, member_context(p.id, peer_urls)});
  waiter_.register_id(p.id, std::move(done));
  enqueue(std::move(p));
}

void KvService::remove_member(uint64_t id, WriteDone done) {
  Proposal p;
  p.id = next_id();
  p.conf = true;
  p.data = raft::encode(
      raft::ConfChange{raft::ConfChangeType::kRemoveNode, id, member_context(p.id, {})});
  waiter_.register_id(p.id, std::move(done));
  enqueue(std::move(p));
}

bool KvService::may_add_member() const {
  if (!options_.strict_reconfig_check) return true;
  if (view_ == nullptr) return false;
  const std::shared_ptr<const Cluster> c = view_->get();
  // etcd's IsReadyToAddVoterMember: a quorum of the new size has started (published).
  size_t members = 1, started = 0;
  for (const Member& m : c->members) {
    ++members;
    if (!m.name.empty()) ++started;
  }
  if (!(started == 1 && members == 2) && started < members / 2 + 1) {
    LOG_WARN("etcdserver", "rejecting member add request; not enough started members");
    return false;
  }
  // And every current member is connected (isConnectedFullySince).
  for (const Member& m : c->members) {
    if (m.id != options_.id && (transport_ == nullptr || !transport_->active(m.id))) {
      LOG_WARN("etcdserver", "rejecting member add request; local member has not been connected to all peers, reconfigure breaks active quorum");
      return false;
    }
  }
  return true;
}

bool KvService::may_remove_member(uint64_t id) const {
  if (!options_.strict_reconfig_check) return true;
  if (view_ == nullptr) return false;
  const std::shared_ptr<const Cluster> c = view_->get();
  // etcd's IsReadyToRemoveVotingMember: the others hold a started quorum.
  size_t members = 0, started = 0;
  for (const Member& m : c->members) {
    if (m.id == id) continue;
    ++members;
    if (!m.name.empty()) ++started;
  }
  if (started < members / 2 + 1) {
    LOG_WARN("etcdserver", "rejecting member remove request; not enough started members");
    return false;
  }
  // A member that is down is safe to remove: it is not part of the active quorum.
  auto active = [&](uint64_t m) {
    return m == options_.id || (transport_ != nullptr && transport_->active(m));
  };
  if (!active(id)) return true;
  size_t connected = 0;
  for (const Member& m : c->members) connected += active(m.id) ? 1 : 0;
  if (connected - 1 < 1 + (c->members.size() - 1) / 2) {
    LOG_WARN("etcdserver", "rejecting member remove request; local member has not been connected to all peers, reconfigure breaks active quorum");
    return false;
  }
  return true;
}

bool KvService::transfer_leadership(int timeout_ms) {
  auto chosen = std::make_shared<std::promise<uint64_t>>();
  std::future<uint64_t> f = chosen->get_future();
  post([this, chosen] {
    const raft::Raft& r = node_->raft();
    uint64_t best = raft::kNone, best_match = 0;
    if (r.state() == raft::StateType::kLeader) {
      for (const auto& [id, pr] : r.progress()) {
        if (id == options_.id || pr.is_learner) continue;
        if (best == raft::kNone || pr.match > best_match) best = id, best_match = pr.match;
      }
      if (best != raft::kNone) {
        LOG_INFO("raft", "%s starts leadership transfer to %s", id_hex(options_.id).c_str(),
                 id_hex(best).c_str());
        node_->transfer_leadership(best);
      }
    }
    chosen->set_value(best);
  });
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  if (f.wait_until(deadline) != std::future_status::ready) return false;
  if (f.get() == raft::kNone) return true;
  while (Clock::now() < deadline) {
    const uint64_t lead = leader();
    if (lead != options_.id && lead != raft::kNone) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
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

void KvService::unwatch(uint64_t watcher_id) {
  // Shared: the loop may replace the store (an installed snapshot) under the exclusive lock.
  std::shared_lock<std::shared_mutex> lock(store_mu_);
  store_->unwatch(watcher_id);
}

store::StoreStats KvService::stats() {
  std::shared_lock<std::shared_mutex> lock(store_mu_);
  return store_->stats();
}

uint64_t KvService::current_index() {
  std::shared_lock<std::shared_mutex> lock(store_mu_);
  return store_->current_index();
}

uint64_t KvService::history_start_index() {
  std::shared_lock<std::shared_mutex> lock(store_mu_);
  return store_->history_start_index();
}

util::Status KvService::write_snapshot(util::ByteSink& out) {
  // The loop changes the store, the applied index and the configuration only under the
  // exclusive lock, so they agree here.
  std::shared_lock<std::shared_mutex> lock(store_mu_);
  const raft::SnapshotMeta meta{applied_, applied_term_, conf_};
  return snap::write_snapshot(meta, [&](util::ByteSink& sink) { return store_->save(sink); }, out);
}

RaftStatus KvService::raft_status() const {
  std::lock_guard<std::mutex> lock(status_mu_);
  return status_;
}

void KvService::receive(raft::Message m) {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (stopping_) return;
    inbox_.messages.push_back(std::move(m));
  }
  queue_cv_.notify_one();
}

void KvService::report_unreachable(uint64_t id) {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (stopping_) return;
    inbox_.unreachable.push_back(id);
  }
  queue_cv_.notify_one();
}

void KvService::report_snapshot(uint64_t id, bool ok) {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (stopping_) return;
    inbox_.snapshot_reports.emplace_back(id, ok);
  }
  queue_cv_.notify_one();
}

// ------------------------------------------------------------------------------ the loop

void KvService::run() {
  const auto tick = std::chrono::milliseconds(std::max(1, options_.heartbeat_ms));
  const auto timeout = std::chrono::milliseconds(options_.request_timeout_ms);
  auto next_tick = Clock::now() + tick;
  auto next_sync = Clock::now() + kSyncInterval;
  // Request ids grow monotonically; every second the loop notes the next id, and a request
  // older than the timeout (an id below a note that old) is answered "request timed out".
  std::deque<std::pair<Clock::time_point, uint64_t>> id_marks;
  auto next_mark = Clock::now();
  auto next_status = Clock::now();
  // etcd's adjustTicks for several members (a lone member campaigns at once, below).
  bool tick_advance_pending = options_.initial_election_tick_advance && transport_ != nullptr;
  const auto tick_advance_until = Clock::now() + std::chrono::seconds(5);
  if (!options_.initial_election_tick_advance) LOG_INFO("etcdserver", "skipping initial election tick advance (election ticks %d)", election_ticks());
  Inbox in;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      queue_cv_.wait_until(lock, next_tick, [this] {
        return stopping_ || !inbox_.proposals.empty() || !inbox_.messages.empty() ||
               !inbox_.tasks.empty() || !inbox_.unreachable.empty() ||
               !inbox_.snapshot_reports.empty();
      });
      if (stopping_) break;
      std::swap(in, inbox_);
    }
    const auto now = Clock::now();
    if (now >= next_tick) {
      // A loop that fell far behind (a long fsync) does not replay every missed tick at once.
      if (now - next_tick > 5 * tick) next_tick = now;
      while (now >= next_tick) {
        node_->tick();
        next_tick += tick;
      }
      if (tick_advance_pending) {
        size_t active = 0;
        for (uint64_t id : node_->raft().voters())
          if (id != options_.id && transport_->active(id)) ++active;
        if (active > 1) {
          LOG_INFO("etcdserver", "%s initialized peer connection; fast-forwarding %d ticks (election ticks %d) with %zu active peer(s)",
                   id_hex(options_.id).c_str(), election_ticks() - 2, election_ticks(), active);
          for (int i = 0; i < election_ticks() - 2; ++i) node_->tick();
        }
        if (active > 1 || now >= tick_advance_until) tick_advance_pending = false;
      }
      // A background snapshot that finished is reaped (and old files purged) even when idle.
      if (log_ != nullptr) {
        util::Status st = log_->maybe_snapshot(*store_, applied_, applied_term_, conf_);
        CHECK(st.ok(), "etcdserver: failed to save snapshot: %s", st.to_string().c_str());
      }
    }
    for (auto& task : in.tasks) task();
    if (!in.messages.empty()) {
      const int64_t wall = now_ns();
      for (raft::Message& m : in.messages) {
        last_contact_ns_[m.from] = wall;
        if (m.type == raft::MessageType::kApp) ++recv_append_;
        (void)node_->step(std::move(m));
      }
    }
    for (uint64_t id : in.unreachable) node_->report_unreachable(id);
    for (auto [id, ok] : in.snapshot_reports) node_->report_snapshot(id, ok);
    if (node_->raft().lead() != raft::kNone && !no_leader_.empty()) propose_held(now);
    propose_all(in.proposals, now);
    // Re-ask for read points that were dropped (no leader then, or a lost ReadIndex round).
    for (PendingRead& r : reads_) {
      if (r.index == 0 && node_->raft().lead() != raft::kNone &&
          now - r.issued > std::chrono::milliseconds(options_.election_ms)) {
        r.issued = now;
        (void)node_->read_index(read_context(r.p.id));
      }
    }
    if (now >= next_sync) {
      next_sync = now + kSyncInterval;
      // Only this thread writes the store, so has_ttl_keys() needs no lock against writers.
      if (node_->raft().state() == raft::StateType::kLeader && store_->has_ttl_keys()) {
        Request sync;
        sync.method = Method::kSync;
        sync.time = now_ns();
        (void)node_->propose(encode(sync));
      }
    }
    for (int pass = 0; pass < 2; ++pass) {
      // A member that is the only voter need not wait for an election timeout (its
      // configuration may only be known once the first Ready is applied: hence two passes).
      if (node_->raft().lead() == raft::kNone && !removed_ &&
          node_->raft().state() == raft::StateType::kFollower) {
        const std::vector<uint64_t> voters = node_->raft().voters();
        if (voters.size() == 1 && voters[0] == options_.id) node_->campaign();
      }
      drain_ready(now);
    }
    if (!short_deadlines_.empty()) {
      std::erase_if(short_deadlines_, [&](const auto& d) {
        if (d.first > now) return false;
        fail(d.second, "etcdserver: request timed out");
        return true;
      });
    }
    if (now >= next_mark) {
      next_mark = now + std::chrono::seconds(1);
      id_marks.emplace_back(now, next_id_.load(std::memory_order_relaxed));
      while (!id_marks.empty() && now - id_marks.front().first >= timeout) {
        const uint64_t below = id_marks.front().second;
        id_marks.pop_front();
        for (WriteDone& d : waiter_.take_if([below](uint64_t id) { return id < below; })) {
          d(WriteOutcome{error300("etcdserver: request timed out"), raft_index(), raft_term()});
        }
      }
    }
    if (now >= next_status) {
      next_status = now + std::chrono::milliseconds(50);
      publish_status();
    }
    if (after_batch_hook_) after_batch_hook_();
    in.proposals.clear();
    in.messages.clear();
    in.unreachable.clear();
    in.snapshot_reports.clear();
    in.tasks.clear();
  }
  // A snapshot still being written in the background is finished before the loop ends.
  if (log_ != nullptr) {
    util::Status st = log_->wait_snapshot();
    if (!st.ok()) LOG_ERROR("etcdserver", "%s", st.to_string().c_str());
  }
}

void KvService::drain_ready(Clock::time_point now) {
  while (node_->has_ready()) {
    raft::Ready rd = node_->ready();
    handle_ready(rd);
    // A leader just became known: the proposals held for it go now, not a tick later.
    if (!no_leader_.empty() && node_->raft().lead() != raft::kNone) propose_held(now);
  }
}

void KvService::propose_held(Clock::time_point now) {
  std::deque<Proposal> held;
  held.swap(no_leader_);
  std::erase_if(held, [this](const Proposal& p) { return !waiter_.contains(p.id); });
  propose_all(held, now);
}

// The writes of a turn go to Raft as one batch (one append, one MsgApp per follower for all of
// them, node.h); a read or a membership change between them keeps its place in the order. A
// batch stops at kMaxProposalBatchBytes, so that a follower forwarding a turn of large values
// stays far below the peer wire's 1 GiB frame limit.
void KvService::propose_all(std::deque<Proposal>& ps, Clock::time_point now) {
  constexpr size_t kMaxProposalBatchBytes = 8 << 20;
  std::vector<Proposal*> writes;
  size_t bytes = 0;
  auto flush = [&] {
    bytes = 0;
    if (writes.empty()) return;
    std::vector<std::string> data;
    data.reserve(writes.size());
    for (const Proposal* w : writes) data.push_back(w->data);
    // Dropped: no leader yet, or a leadership transfer under way. Held until a leader is
    // known; the requests time out if none appears.
    if (!node_->propose_batch(std::move(data)).ok()) {
      for (Proposal* w : writes) no_leader_.push_back(std::move(*w));
    }
    writes.clear();
  };
  for (Proposal& p : ps) {
    if (p.timeout_ms > 0) {
      short_deadlines_.emplace_back(now + std::chrono::milliseconds(p.timeout_ms), p.id);
      p.timeout_ms = 0;
    }
    if (removed_) {
      fail(p.id, "etcdserver: the member has been permanently removed from the cluster");
    } else if (p.read || p.conf) {
      flush();
      propose(p, now);
    } else {
      if (!writes.empty() && bytes + p.data.size() > kMaxProposalBatchBytes) flush();
      bytes += p.data.size();
      writes.push_back(&p);
    }
  }
  flush();
}

// A quorum read or a membership change (writes go in batches, propose_all).
void KvService::propose(Proposal& p, Clock::time_point now) {
  if (p.read) {
    PendingRead r;
    r.issued = now;
    const bool ok = node_->read_index(read_context(p.id)).ok();
    if (!ok) r.issued = Clock::time_point();  // Retried once a leader is known.
    r.p = std::move(p);
    reads_.push_back(std::move(r));
    return;
  }
  auto cc = raft::decode_conf_change(p.data);
  CHECK(cc.ok(), "kv: undecodable conf change proposal");
  // Dropped: held as a write is (propose_all).
  if (!node_->propose_conf_change(*cc).ok()) no_leader_.push_back(std::move(p));
}

void KvService::handle_ready(raft::Ready& rd) {
  if (rd.soft_state) {
    if (rd.soft_state->lead != last_lead_) {
      if (rd.soft_state->lead != raft::kNone) {
        LOG_INFO("raft", "%s elected leader %s at term %llu", id_hex(options_.id).c_str(),
                 id_hex(rd.soft_state->lead).c_str(),
                 static_cast<unsigned long long>(node_->raft().term()));
      } else {
        LOG_INFO("raft", "%s lost leader %s", id_hex(options_.id).c_str(),
                 id_hex(last_lead_).c_str());
      }
      last_lead_ = rd.soft_state->lead;
      leader_since_ns_ = now_ns();
    }
    leader_.store(rd.soft_state->lead, std::memory_order_release);
  }
  // The leader's appends go out before its own fsync (dissertation §10.2.1); everyone else's
  // messages (votes, acknowledgements) promise persisted state and wait for it.
  const bool leader = node_->raft().state() == raft::StateType::kLeader;
  if (leader) send(rd.messages);
  persist(rd);
  if (!leader) send(rd.messages);
  if (rd.snapshot) install_snapshot(*rd.snapshot);
  apply(rd.committed_entries);
  for (const raft::ReadState& rs : rd.read_states) {
    for (PendingRead& r : reads_) {
      if (r.index == 0 && read_context(r.p.id) == rs.context) {
        r.index = std::max<uint64_t>(rs.index, 1);
        break;
      }
    }
  }
  serve_reads();
  node_->advance(rd);
  if (log_ != nullptr && !rd.committed_entries.empty()) {
    // The loop is the store's only writer, so it may read the store without the lock while it
    // streams a snapshot; writers wait meanwhile (queued), readers do not.
    util::Status st = log_->maybe_snapshot(*store_, applied_, applied_term_, conf_);
    CHECK(st.ok(), "etcdserver: failed to save snapshot at index %llu: %s",
          static_cast<unsigned long long>(applied_), st.to_string().c_str());
  }
  compact();
  if (removed_ && on_removed_) {
    auto f = std::move(on_removed_);
    on_removed_ = nullptr;
    f();
  }
}

void KvService::send(std::vector<raft::Message>& msgs) {
  if (msgs.empty()) return;
  for (raft::Message& m : msgs) {
    if (m.type == raft::MessageType::kApp) ++send_append_;
    if (m.type == raft::MessageType::kSnap) {
      // Raft's stored snapshot carries no image (the store is the image): send the store as
      // of the applied index instead, which is newer than what Raft asked for and is what the
      // follower then continues from (etcd's merged snapshot).
      raft::Snapshot s;
      s.meta = raft::SnapshotMeta{applied_, applied_term_, conf_};
      s.data = store_->save_to_string();
      LOG_INFO("raft", "sending snapshot at index %llu (%zu bytes) to %s",
               static_cast<unsigned long long>(applied_), s.data.size(), id_hex(m.to).c_str());
      m.snapshot = std::move(s);
    }
  }
  if (transport_ != nullptr) transport_->send(std::move(msgs));
  msgs.clear();
}

void KvService::persist(raft::Ready& rd) {
  if (log_ != nullptr) {
    // A failed write or sync stops the process: it is never retried (the page cache may have
    // dropped the dirty pages, so a retry could report success for lost data).
    util::Status st;
    if (rd.snapshot) st = log_->save_received_snapshot(*rd.snapshot);
    if (st.ok() && (!rd.entries.empty() || rd.hard_state)) {
      st = log_->append(rd.entries, rd.hard_state.value_or(hard_state_));
    }
    if (st.ok() && rd.must_sync) st = log_->sync();
    CHECK(st.ok(), "etcdserver: failed to persist raft state: %s", st.to_string().c_str());
  }
  if (rd.hard_state) {
    hard_state_ = *rd.hard_state;
    storage_.set_hard_state(hard_state_);
    raft_term_.store(hard_state_.term, std::memory_order_release);
  }
  if (rd.snapshot) (void)storage_.apply_snapshot(raft::Snapshot{rd.snapshot->meta, {}});
  if (!rd.entries.empty()) storage_.append_moved(rd.entries);
}

void KvService::install_snapshot(const raft::Snapshot& snap) {
  auto restored = store::Store::recover_from_string(snap.data);
  CHECK(restored.ok(), "etcdserver: snapshot at index %llu from the leader does not load: %s",
        static_cast<unsigned long long>(snap.meta.index),
        restored.ok() ? "" : restored.error().to_string().c_str());
  {
    std::unique_lock<std::shared_mutex> lock(store_mu_);
    // Watchers registered on the old store end with it (their clients re-watch and see 401 if
    // they fell out of the history).
    store_ = std::move(*restored);
    conf_ = snap.meta.conf_state;
    applied_ = snap.meta.index;
    applied_term_ = snap.meta.term;
  }
  raft_index_.store(applied_, std::memory_order_release);
  LOG_INFO("etcdserver", "applied snapshot at index %llu",
           static_cast<unsigned long long>(applied_));
  refresh_members();
}

void KvService::apply(const std::vector<raft::Entry>& entries) {
  if (entries.empty()) return;
  std::vector<std::pair<uint64_t, WriteOutcome>> done;
  done.reserve(entries.size());
  bool members_changed = false;
  {
    std::unique_lock<std::shared_mutex> lock(store_mu_);
    const int64_t now = now_ns();
    Applier applier(*store_);
    const uint64_t term = raft_term();
    for (const raft::Entry& e : entries) {
      if (e.index <= applied_) continue;  // Already in the store (a snapshot covered it).
      if (e.type == raft::EntryType::kConfChange) {
        auto cc = raft::decode_conf_change(e.data);
        CHECK(cc.ok(), "apply: undecodable conf change at index %llu",
              static_cast<unsigned long long>(e.index));
        conf_ = node_->apply_conf_change(*cc);
        uint64_t rid = 0;
        const std::vector<std::string> urls = parse_member_context(cc->context, &rid);
        const std::string dir = "/0/members/" + id_hex(cc->node_id);
        // etcd's RaftCluster.AddMember / RemoveMember, in the store.
        if (cc->type == raft::ConfChangeType::kRemoveNode) {
          (void)store_->remove(dir, true, true, now);
          (void)store_->create("/0/removed_members/" + id_hex(cc->node_id), false, "", false,
                               store::TtlOptions{}, now);
          if (cc->node_id == options_.id) removed_ = true;
        } else {
          (void)store_->create(dir + "/raftAttributes", false, raft_attributes_json(urls), false,
                               store::TtlOptions{}, now);
        }
        members_changed = true;
        if (rid != 0) done.emplace_back(rid, WriteOutcome{store::EventPtr(), e.index, term});
      } else if (!e.data.empty()) {
        Request& req = apply_scratch_;
        const bool decoded = decode_into(e.data, &req);
        CHECK(decoded, "apply: undecodable entry of %zu bytes at index %llu",
              e.data.size(), static_cast<unsigned long long>(e.index));
        ApplyResult r = applier.apply(req, now);
        if (req.path.starts_with("/0/members")) members_changed = true;
        if (req.id != 0) done.emplace_back(req.id, WriteOutcome{std::move(r), e.index, term});
      }
      applied_ = e.index;
      applied_term_ = e.term;
    }
  }
  raft_index_.store(applied_, std::memory_order_release);
  if (members_changed) refresh_members();
  if (batch_hook_) batch_hook_();
  for (auto& [id, outcome] : done) {
    if (WriteDone d = waiter_.take(id)) d(std::move(outcome));
  }
  if (after_batch_hook_) after_batch_hook_();
}

void KvService::serve_reads() {
  if (reads_.empty()) return;
  for (auto it = reads_.begin(); it != reads_.end();) {
    if (it->index == 0 || it->index > applied_) {
      ++it;
      continue;
    }
    if (WriteDone d = waiter_.take(it->p.id)) {
      auto got = read(it->p.path, it->p.recursive, it->p.sorted);
      ApplyResult r = got.ok() ? ApplyResult(store::EventPtr(std::make_shared<const store::Event>(
                                     std::move(got.value()))))
                               : ApplyResult(got.error());
      d(WriteOutcome{std::move(r), applied_, raft_term()});
    }
    it = reads_.erase(it);
  }
}

void KvService::compact() {
  const uint64_t first = storage_.first_index();  // The entry after Raft's snapshot.
  uint64_t to = applied_;
  const raft::Raft& r = node_->raft();
  if (r.progress().size() > 1) {
    // Keep what the followers still need, but no more than catch_up_entries behind: a follower
    // further behind gets a snapshot.
    const uint64_t floor = applied_ > options_.catch_up_entries ? applied_ - options_.catch_up_entries : 0;
    if (r.state() == raft::StateType::kLeader) {
      for (const auto& [id, pr] : r.progress()) {
        if (id != options_.id) to = std::min(to, pr.match);
      }
      to = std::max(to, floor);
    } else {
      to = floor;
    }
    if (to < first + kCompactStep) return;
  }
  if (to < first || to > storage_.last_index()) return;
  // A snapshot at `to` (without an image: sending one serialises the store) so that Raft can
  // still answer for the compacted prefix.
  if (!storage_.create_snapshot(to, conf_, {}).ok()) return;
  (void)storage_.compact(to);
}

void KvService::publish_status() {
  const raft::Raft& r = node_->raft();
  std::lock_guard<std::mutex> lock(status_mu_);
  status_.id = options_.id;
  status_.lead = r.lead();
  status_.state = r.state();
  status_.term = r.term();
  status_.commit = r.log().committed();
  status_.applied = applied_;
  status_.leader_since_ns = leader_since_ns_;
  status_.recv_append = recv_append_;
  status_.send_append = send_append_;
  if (r.state() == raft::StateType::kLeader) {
    status_.progress = r.progress();
    status_.last_contact_ns = last_contact_ns_;
  } else if (!status_.progress.empty()) {
    status_.progress.clear();
  }
}

void KvService::refresh_members() {
  Cluster c;
  {
    std::shared_lock<std::shared_mutex> lock(store_mu_);
    c = cluster_from_store(*store_, options_.cluster_id, options_.id);
  }
  if (transport_ != nullptr) transport_->update_peers(c);
  if (view_ != nullptr) view_->set(std::move(c));
}

}  // namespace arbor::server
