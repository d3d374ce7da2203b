#pragma once
// What the HTTP layer calls: replicated writes (and quorum reads) go through Raft and the single
// raft loop; plain reads and watches go to the store under its shared lock.
//
// The raft loop is the only thread that drives raft::Node and writes the store. Each turn it
// takes the queued proposals (proposing each to Raft; a follower's Raft forwards them to the
// leader), the messages the transport delivered, and the ticks that are due; then for every
// Ready: the leader sends its messages first (its own append runs in parallel with the
// followers', dissertation §10.2.1); the entries and hard state go to the WAL with one fdatasync
// when Raft asks for it (group commit: everything proposed while the previous sync ran lands in
// one batch); a follower sends only after that sync; the committed entries are applied under the
// store's exclusive lock, once per Ready; the waiting requests are completed; then advance.
// Nothing is acknowledged before the fsync that covers it. It never holds the lock across IO.
// After applying it takes a snapshot every --snapshot-count entries and compacts Raft's
// in-memory log to what followers may still need (a single member keeps nothing applied).
// While TTL keys exist the leader proposes SYNC{now} about every 500 ms, so expiry happens at a
// log position. Quorum reads use ReadIndex (dissertation §6.4): nothing is written to the log.
//
// A single member is the same path: Raft with one voter commits an entry in the Ready that
// persists it.
//
// Thread-safe: every public method may be called from any thread after start().

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "raft/node.h"
#include "raft/storage.h"
#include "raft/types.h"
#include "server/applier.h"
#include "server/membership.h"
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

// Runs on the raft loop thread, outside the store lock: it must be quick (post elsewhere).
using WriteDone = std::function<void(WriteOutcome)>;

class DurableLog;
class Transport;

struct RaftOptions {
  uint64_t id = 0;            // This member. REQUIRES: != 0.
  uint64_t cluster_id = 0;    // For the membership view.
  int heartbeat_ms = 100;     // --heartbeat-interval: one raft tick.
  int election_ms = 1000;     // --election-timeout.
  bool pre_vote = true;       // --pre-vote
  int64_t request_timeout_ms = 0;  // 0: etcd's 5 s + 2 election timeouts.
  // Entries kept in memory behind the applied index for slow followers (beyond that they get
  // a snapshot). etcd's SnapshotCatchUpEntries.
  uint64_t catch_up_entries = 5000;
  bool strict_reconfig_check = true;  // --strict-reconfig-check
  // --initial-election-tick-advance: once streams to more than one peer are up (within 5 s of
  // the start), fast-forward election_ticks - 2 ticks, as etcd, so the first election does not
  // wait a whole election timeout.
  bool initial_election_tick_advance = true;
};

// What /v2/stats and /health show; refreshed by the loop after every turn.
struct RaftStatus {
  uint64_t id = 0;
  uint64_t lead = 0;
  raft::StateType state = raft::StateType::kFollower;
  uint64_t term = 0;
  uint64_t commit = 0;
  uint64_t applied = 0;
  int64_t leader_since_ns = 0;                   // When `lead` last changed (Unix ns).
  std::map<uint64_t, raft::Progress> progress;   // The leader's view of every member.
  std::map<uint64_t, int64_t> last_contact_ns;   // Leader: last message from each follower.
  uint64_t recv_append = 0;                      // MsgApp received (follower).
  uint64_t send_append = 0;                      // MsgApp sent (leader).
};

class KvService {
 public:
  // Takes ownership of `store`. With `log` (not owned; outlives this) every Ready is made
  // durable before anything is applied or acknowledged; without it the data lives in memory
  // only (tests).
  KvService(std::unique_ptr<store::Store> store, RaftOptions options, DurableLog* log = nullptr);
  ~KvService();
  KvService(const KvService&) = delete;
  KvService& operator=(const KvService&) = delete;

  // --- Before start() -------------------------------------------------------------------------
  // A new cluster: the log starts with one AddNode ConfChange per initial member (term 1,
  // committed), written to the WAL, as etcd's StartNode does. REQUIRES: a fresh data dir.
  [[nodiscard]] util::Status bootstrap_new(const std::vector<Member>& members);
  // A restart: Raft's log is the recovered snapshot (the store is already at its index), the WAL
  // entries after it and the hard state. Raft re-applies the committed ones after start().
  void restore(const raft::SnapshotMeta& snapshot, std::vector<raft::Entry> entries,
               const raft::HardState& hard_state);
  // A member joining an existing cluster starts with an empty log: nothing to call.

  // `transport` (not owned; outlives this) carries messages to other members. Without one the
  // member can only be a cluster of one.
  void set_transport(Transport* transport) { transport_ = transport; }
  // `view` (not owned; outlives this) is replaced whenever applied entries change the members.
  void set_cluster_view(ClusterView* view) { view_ = view; }
  // Called (on the loop) once this member applied its own removal.
  void set_on_removed(std::function<void()> f) { on_removed_ = std::move(f); }
  // `before` runs on the loop after each applied batch, outside the store lock and before the
  // waiting requests are completed (the HTTP layer flushes watch events there); `after` runs
  // once they are, and at the end of every turn of the loop (the HTTP layer hands the I/O
  // thread what the replies left for it).
  void set_batch_hooks(std::function<void()> before, std::function<void()> after) {
    batch_hook_ = std::move(before);
    after_batch_hook_ = std::move(after);
  }

  // Starts the raft loop (and its ticker).
  void start();
  // The loop's thread, once started (to place it on a CPU: util/cpu.h).
  std::thread::native_handle_type loop_thread() { return loop_.native_handle(); }
  // Stops the loop; pending requests are completed with error 300 "etcdserver: server stopped".
  void stop();
  bool stopped() const { return stopped_.load(std::memory_order_acquire); }

  // --- Requests -------------------------------------------------------------------------------
  // A fresh request id: etcd's generator (member id's low 16 bits, milliseconds, counter), so
  // ids stay unique across members and restarts.
  uint64_t next_id() { return next_id_.fetch_add(1, std::memory_order_relaxed); }

  // Proposes `req` (PUT/POST/DELETE; QGET is a ReadIndex read; `req.id` is set here) and calls
  // `done` once applied, or with error 300 when it timed out (after `timeout_ms`, or the
  // request timeout when 0) or the loop stopped.
  void write(Request req, WriteDone done, int timeout_ms = 0);
  // write() and wait. For start-up and admin code, never on a thread the loop might need.
  WriteOutcome write_sync(Request req);

  // Adds a member (AddNode with its peer URLs) or removes one, through the log. `done` gets an
  // empty event once the change is applied.
  void add_member(uint64_t id, const std::vector<std::string>& peer_urls, WriteDone done);
  void remove_member(uint64_t id, WriteDone done);
  // etcd's strict reconfiguration check (--strict-reconfig-check): adding needs every voter
  // connected and a quorum of the new size started; removing must leave a connected quorum.
  // Always true when the check is off.
  bool may_add_member() const;
  bool may_remove_member(uint64_t id) const;

  // Hands leadership to the most up-to-date other voter and waits (at most `timeout_ms`) until
  // this member is no longer leader. True when it was not leader or the transfer happened.
  bool transfer_leadership(int timeout_ms);

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
  // The applied Raft index and the current term (X-Raft-Index, X-Raft-Term).
  uint64_t raft_index() const { return raft_index_.load(std::memory_order_acquire); }
  uint64_t raft_term() const { return raft_term_.load(std::memory_order_acquire); }
  uint64_t leader() const { return leader_.load(std::memory_order_acquire); }
  RaftStatus raft_status() const;

  // --- From the transport ---------------------------------------------------------------------
  void receive(raft::Message m);
  void report_unreachable(uint64_t id);
  void report_snapshot(uint64_t id, bool ok);

  static int64_t now_ns();

  // A consistent snapshot of the store in the snapshot file format (docs/snap_format.md), as of
  // the raft index the store is at, appended to `out` under the shared lock (writes wait for it;
  // reads do not). For the root-only /arbor/snapshot endpoint (docs/dropin.md).
  [[nodiscard]] util::Status write_snapshot(util::ByteSink& out);

  // Metrics the loop owns (the WAL fsync histogram), in Prometheus text; "" without a log.
  std::string metrics_text() const;

 private:
  int election_ticks() const;  // --election-timeout in raft ticks (heartbeats), at least 2.
  struct Proposal {
    std::string data;  // encode(Request), or an encoded ConfChange when `conf` is set.
    uint64_t id = 0;   // The waiter's key.
    bool read = false;  // A QGET: served by ReadIndex.
    bool conf = false;
    int timeout_ms = 0;  // A shorter deadline than the request timeout (0: none).
    std::string path;  // QGET: what to read.
    bool recursive = false;
    bool sorted = false;
  };
  struct Inbox {
    std::deque<Proposal> proposals;
    std::vector<raft::Message> messages;
    std::vector<uint64_t> unreachable;
    std::vector<std::pair<uint64_t, bool>> snapshot_reports;
    std::vector<std::function<void()>> tasks;  // Run on the loop (admin actions).
  };
  struct PendingRead {
    uint64_t index = 0;  // Serve once applied reaches it; 0 while waiting for ReadIndex.
    std::chrono::steady_clock::time_point issued;  // When ReadIndex was last asked.
    Proposal p;
  };

  void enqueue(Proposal p);
  void post(std::function<void()> task);
  void fail(uint64_t id, std::string message);
  void run();
  void propose_all(std::deque<Proposal>& ps, std::chrono::steady_clock::time_point now);
  void propose_held(std::chrono::steady_clock::time_point now);
  void propose(Proposal& p, std::chrono::steady_clock::time_point now);
  void drain_ready(std::chrono::steady_clock::time_point now);
  void handle_ready(raft::Ready& rd);
  void send(std::vector<raft::Message>& msgs);
  // Writes and syncs the Ready's state; hands its entries' payloads to the in-memory log (the
  // Ready keeps their index and term, which is all advance() needs).
  void persist(raft::Ready& rd);
  void install_snapshot(const raft::Snapshot& snap);
  void apply(const std::vector<raft::Entry>& entries);
  void serve_reads();
  void compact();
  void publish_status();
  void refresh_members();

  RaftOptions options_;
  std::unique_ptr<store::Store> store_;  // Owned; written by the loop thread only.
  std::shared_mutex store_mu_;           // Readers shared, the loop exclusive per Ready.
  DurableLog* log_ = nullptr;            // Not owned; null: memory only.
  Transport* transport_ = nullptr;       // Not owned; null: no peers.
  ClusterView* view_ = nullptr;          // Not owned.
  std::function<void()> on_removed_;
  std::function<void()> batch_hook_;
  std::function<void()> after_batch_hook_;

  // Owned by the loop thread (and by the caller before start()).
  raft::MemoryStorage storage_;         // Raft's stable log: the WAL's contents, compacted.
  std::unique_ptr<raft::Node> node_;
  raft::HardState hard_state_;          // As last persisted.
  raft::ConfState conf_;                // As of the applied index.
  uint64_t applied_ = 0;
  uint64_t applied_term_ = 0;
  uint64_t initial_applied_ = 0;        // The store's index at start (its snapshot).
  uint64_t initial_voters_ = 0;         // How many voters a new cluster started with.
  bool removed_ = false;
  std::deque<Proposal> no_leader_;      // Proposals held while no leader is known.
  std::deque<PendingRead> reads_;       // QGETs waiting for ReadIndex and then for apply.
  std::vector<std::pair<std::chrono::steady_clock::time_point, uint64_t>> short_deadlines_;
  std::map<uint64_t, int64_t> last_contact_ns_;
  uint64_t recv_append_ = 0, send_append_ = 0;
  Request apply_scratch_;  // Each applied entry is decoded into it (its strings stay allocated).
  int64_t leader_since_ns_ = 0;
  uint64_t last_lead_ = 0;

  Waiter<WriteDone> waiter_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  Inbox inbox_;              // GUARDED_BY(queue_mu_)
  bool stopping_ = false;    // GUARDED_BY(queue_mu_)
  std::atomic<bool> stopped_{false};

  mutable std::mutex status_mu_;
  RaftStatus status_;  // GUARDED_BY(status_mu_)

  std::atomic<uint64_t> next_id_;
  std::atomic<uint64_t> raft_index_{0};
  std::atomic<uint64_t> raft_term_{0};
  std::atomic<uint64_t> leader_{0};
  std::thread loop_;
};

}  // namespace arbor::server
