// bin/arbor: flags -> config -> store, apply loop, HTTP server -> run until SIGINT/SIGTERM.
// Flags, ETCD_* variables and --config-file as etcd 3.4 reads them (server/config.h); logs in
// etcd's shapes (server/startup_log.h). Every startup error is one line and exit code 1, as etcd.

#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/peer_transport.h"
#include "http/peer_wire.h"
#include "http/router.h"
#include "http/server.h"
#include "raft/reconfigure.h"
#include "server/bootstrap.h"
#include "server/config.h"
#include "server/durable_log.h"
#include "server/etcd_data_dir.h"
#include "server/kv_service.h"
#include "server/membership.h"
#include "server/server_metrics.h"
#include "server/startup_log.h"
#include "store/store.h"
#include "util/cpu.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/notify.h"
#include "wal/wal.h"

extern char** environ;

namespace {

using namespace arbor;

// etcd's fatal startup line ("C | etcdmain: ...") and exit code.
[[noreturn]] void die(const std::string& line) {
  util::log_event(util::LogLevel::kCritical, "etcdmain", __FILE__, __LINE__, line, line);
  std::fflush(nullptr);
  _exit(1);
}

void raise_nofile_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) LOG_WARN("etcdmain", "setrlimit(NOFILE): %s", strerror(errno));
  }
}

// TLS settings of one side (client or peer URLs); the self-signed pair of auto TLS goes where
// etcd keeps its own and names the listen hosts.
http::TlsSettings tls_settings(const server::TlsConfig& t, const server::Config& cfg,
                               const std::string& auto_dir, const std::vector<std::string>& urls) {
  http::TlsSettings s;
  s.cert_file = t.cert_file;
  s.key_file = t.key_file;
  s.trusted_ca_file = t.trusted_ca_file;
  s.client_cert_auth = t.client_cert_auth;
  s.auto_tls = t.auto_tls;
  s.auto_tls_dir = auto_dir;
  s.cipher_suites = cfg.cipher_suites;
  s.crl_file = t.crl_file;
  s.allowed_cn = t.allowed_cn;
  s.allowed_hostname = t.allowed_hostname;
  for (const std::string& u : urls) {
    std::string host, port;
    if (http::split_url_host_port(u, &host, &port)) s.hosts.push_back(host);
  }
  return s;
}

http::TlsSettings peer_tls_settings(const server::Config& cfg) {
  http::TlsSettings s = tls_settings(cfg.peer_tls, cfg, cfg.data_dir + "/fixtures/peer", cfg.listen_peer_urls);
  s.skip_client_san_verify = cfg.peer_skip_client_san_verification;
  return s;
}

// The client listeners' settings; false (after the error line) when a duration is malformed.
http::ServerConfig client_server_config(const server::Config& cfg) {
  http::ServerConfig sc;
  sc.listen_urls = cfg.listen_client_urls;
  sc.io_threads = cfg.io_threads;
  if (cfg.max_request_bytes != 0) sc.max_request_bytes = cfg.max_request_bytes;
  if (cfg.max_stream_backlog_bytes != 0) sc.max_stream_backlog_bytes = cfg.max_stream_backlog_bytes;
  for (auto [flag, value, out] :
       {std::tuple{"http-read-header-timeout", &cfg.http_read_header_timeout, &sc.read_header_timeout_ms},
        std::tuple{"http-idle-timeout", &cfg.http_idle_timeout, &sc.idle_timeout_ms}}) {
    if (value->empty()) continue;
    *out = http::parse_duration_ms(*value);
    if (*out <= 0) die(std::string("invalid duration \"") + *value + "\" for --" + flag);
  }
  sc.tls = tls_settings(cfg.client_tls, cfg, cfg.data_dir + "/fixtures/client", cfg.listen_client_urls);
  return sc;
}

// --pin-write-path: the calling thread (the only I/O thread), the apply loop and the peer
// transport's thread on one CPU.
void pin_write_path(const server::Config& cfg, server::KvService& kv, const http::PeerTransport& peers) {
  const bool on = cfg.pin_write_path == "on" || (cfg.pin_write_path == "auto" && util::allowed_cpus() <= 2);
  if (!on) return;
  if (cfg.io_threads != 1) {
    if (cfg.pin_write_path == "on") LOG_WARN("arbor", "--pin-write-path needs --io-threads 1; not pinned");
    return;
  }
  const int cpu = util::pin_with({kv.loop_thread(), peers.io_thread()});
  if (cpu < 0) LOG_WARN("arbor", "could not bind the write path to one CPU; it runs unpinned");
  else LOG_INFO("arbor", "the client I/O thread, the apply loop and the peer I/O thread run on CPU %d (--pin-write-path %s)", cpu, cfg.pin_write_path.c_str());
}

// "member=<hex> cluster=<hex>", as written at the head of the WAL.
bool parse_metadata(const std::string& md, uint64_t* member, uint64_t* cluster) {
  const size_t m = md.find("member="), c = md.find(" cluster=");
  if (m != 0 || c == std::string::npos) return false;
  return server::parse_id_hex(md.substr(7, c - 7), member) &&
         server::parse_id_hex(md.substr(c + 9), cluster);
}

// --force-new-cluster, as etcd's: drop the uncommitted tail of the log, then append committed
// RemoveNode entries for every other member, so this member is a one-member cluster with all
// its data once they are applied.
void force_new_cluster(server::DurableLog& log, uint64_t self, server::RecoveredState* rec) {
  raft::HardState& hs = rec->hard_state;
  const uint64_t commit = std::max(hs.commit, rec->snapshot.index);
  std::erase_if(rec->entries, [&](const raft::Entry& e) { return e.index > commit; });
  const uint64_t last_term = rec->entries.empty() ? rec->snapshot.term : rec->entries.back().term;
  const raft::ConfState conf = raft::conf_after(rec->snapshot.conf_state, rec->entries);
  std::vector<raft::Entry> removals =
      raft::entries_removing_all_but(conf, self, commit, std::max(hs.term, last_term));
  LOG_NOTICE("etcdserver", "forcing restart of member %s in cluster as a one-member cluster (removing %zu members)",
             server::id_hex(self).c_str(), removals.size());
  if (removals.empty()) return;
  hs.commit = removals.back().index;
  util::Status st = log.append(removals, hs);
  if (st.ok()) st = log.sync();
  if (!st.ok()) die("--force-new-cluster: cannot write the member removals: " + st.message());
  for (raft::Entry& e : removals) rec->entries.push_back(std::move(e));
}

}  // namespace

int main(int argc, char** argv) {
  server::Config cfg;
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  server::ParseResult parsed = server::parse_config({argv + 1, argv + argc}, env, &cfg);
  std::fputs(parsed.out.c_str(), stdout);
  std::fputs(parsed.err.c_str(), stderr);
  if (!parsed.run) {
    server::log_parse_notes(parsed.logs);
    return parsed.exit_code;
  }
  util::LogConfig lc;
  lc.format = cfg.logger == "zap" ? util::LogFormat::kZap : util::LogFormat::kCapnslog;
  (void)util::parse_log_level(cfg.log_level, &lc.level);
  lc.outputs = cfg.log_outputs;
  if (std::string err = util::configure_logging(lc); !err.empty()) die("cannot set up logging: " + err);

  server::log_capnslog_banner(cfg);
  server::log_version(cfg);
  server::log_parse_notes(parsed.logs);
  server::log_capnslog_banner(cfg);
  if (!cfg.enable_v2)
    LOG_INFO("etcdmain", "--enable-v2 is false; arbor serves the v2 API anyway (it has no other)");
  raise_nofile_limit();

  // Block the stop signals in every thread; one thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  server::DurabilityOptions dopt;
  dopt.snapshot_count = cfg.snapshot_count == 0 ? 100000 : cfg.snapshot_count;  // etcd: 0 = default.
  dopt.max_snapshots = cfg.max_snapshots;
  dopt.max_wals = cfg.max_wals;
  dopt.background_snapshots = true;
  // A directory etcd wrote is refused before anything is created in it.
  if (std::string why = server::detect_etcd_data(cfg.data_dir, cfg.wal_dir); !why.empty())
    die(server::etcd_data_refusal(cfg.data_dir, why));
  // The data directory: locked for this process.
  auto data_dir = server::open_data_dir(cfg.data_dir, cfg.wal_dir);
  if (!data_dir.ok()) die("cannot access data directory: " + data_dir.error().message());
  const bool restart = wal::Wal::exists(*data_dir->wal);

  // Who we are. A restart takes it from the WAL and ignores the --initial-cluster flags; a new
  // cluster derives it from them; a member joining an existing cluster asks the others.
  server::Cluster cluster;
  if (!restart) {
    if (std::string err = server::build_cluster(cfg.name, cfg.initial_cluster,
                                                cfg.initial_cluster_token,
                                                cfg.advertise_client_urls, &cluster);
        !err.empty()) {
      die(err);
    }
    if (cfg.initial_cluster_state == "existing") {
      const std::vector<std::string> self_urls = cluster.self()->peer_urls;
      std::vector<std::string> others;
      for (const server::Member& m : cluster.members)
        if (m.id != cluster.self_id) others.insert(others.end(), m.peer_urls.begin(), m.peer_urls.end());
      server::Cluster existing;
      if (std::string err = http::PeerTransport::fetch_cluster(others, peer_tls_settings(cfg), &existing); !err.empty())
        die("cannot fetch cluster info from peer urls: " + err);
      for (const server::Member& m : existing.members)
        if (m.peer_urls == self_urls) existing.self_id = m.id;
      if (existing.self_id == 0)
        die("member's peer URLs are not in the existing cluster (add it first: POST /v2/members)");
      for (server::Member& m : existing.members) {
        if (m.id == existing.self_id) {
          m.name = cfg.name;
          m.client_urls = cfg.advertise_client_urls;
          std::sort(m.client_urls.begin(), m.client_urls.end());
        }
      }
      cluster = std::move(existing);
    }
  }
  const auto recover_start = std::chrono::steady_clock::now();
  server::RecoveredState rec;
  const std::string metadata = "member=" + server::id_hex(cluster.self_id) +
                               " cluster=" + server::id_hex(cluster.cluster_id);
  auto log = server::DurableLog::open(*data_dir->wal, *data_dir->snap, metadata, dopt, &rec);
  if (!log.ok()) die("cannot recover data directory " + cfg.data_dir + ": " + log.error().message());
  const auto opened = std::chrono::steady_clock::now();
  if (restart) {
    if (!parse_metadata(rec.metadata, &cluster.self_id, &cluster.cluster_id))
      die("data directory " + cfg.data_dir + ": unreadable WAL metadata \"" + rec.metadata + "\"");
    server::Member self;
    self.id = cluster.self_id;
    self.name = cfg.name;
    self.client_urls = cfg.advertise_client_urls;
    std::sort(self.client_urls.begin(), self.client_urls.end());
    cluster.members = {self};
    LOG_NOTICE("etcdmain", "the server is already initialized as member before, starting as etcd member...");
    if (cfg.force_new_cluster) force_new_cluster(**log, cluster.self_id, &rec);
  }
  server::log_embed_config(cfg, restart);

  server::RaftOptions ro;
  ro.id = cluster.self_id;
  ro.cluster_id = cluster.cluster_id;
  ro.heartbeat_ms = static_cast<int>(cfg.heartbeat_ms);
  ro.election_ms = static_cast<int>(cfg.election_ms);
  ro.pre_vote = cfg.pre_vote;
  ro.initial_election_tick_advance = cfg.initial_election_tick_advance;
  ro.strict_reconfig_check = cfg.strict_reconfig_check;
  server::KvService kv(std::move(rec.store), ro, log->get());
  const size_t wal_entries = rec.entries.size();
  if (restart) {
    kv.restore(rec.snapshot, std::move(rec.entries), rec.hard_state);
    auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    LOG_INFO("etcdserver", "recovered in %.1f ms: snapshot at %llu, %zu WAL entries to replay",
             ms(recover_start, opened), static_cast<unsigned long long>(rec.snapshot.index),
             wal_entries);
  } else if (cfg.initial_cluster_state == "new") {
    if (util::Status st = kv.bootstrap_new(cluster.members); !st.ok())
      die("cannot write the new cluster's first entries: " + st.message());
  }
  std::vector<raft::Entry>().swap(rec.entries);
  server::log_member_start(cfg, cluster, restart, kv.raft_index());
  server::ClusterView view(cluster);
  kv.set_cluster_view(&view);

  http::PeerTransportConfig pc;
  pc.listen_urls = cfg.listen_peer_urls;
  pc.tls = peer_tls_settings(cfg);
  pc.self_id = cluster.self_id;
  pc.cluster_id = cluster.cluster_id;
  http::PeerTransport peers(pc, kv, view);
  if (util::Status st = peers.start(); !st.ok()) die(st.message());
  kv.set_transport(&peers);
  peers.update_peers(cluster);

  util::MetricsRegistry metrics;
  server::add_server_metrics(metrics, kv, cluster, "3.4.23", "3.4.0");
  metrics.add(util::collect_process_metrics);
  http::RouterConfig rc;
  rc.cors = cfg.cors;
  rc.host_whitelist = cfg.host_whitelist;
  rc.metrics = &metrics;
  rc.metrics_extensive = cfg.metrics == "extensive";
  http::Router router(rc, kv, view);  // Before start(): it installs the loop's batch hook.
  http::RouterConfig metrics_rc = rc;
  metrics_rc.metrics_only = true;
  http::Router metrics_router(metrics_rc, kv, view);
  // Bind before serving, so that a port in use stops the start with one line.
  http::Server srv(client_server_config(cfg), router);
  if (util::Status st = srv.start(); !st.ok()) die(st.message());
  std::unique_ptr<http::Server> metrics_srv;
  if (!cfg.listen_metrics_urls.empty()) {
    http::ServerConfig msc;
    msc.listen_urls = cfg.listen_metrics_urls;
    metrics_srv = std::make_unique<http::Server>(msc, metrics_router);
    if (util::Status st = metrics_srv->start(); !st.ok()) die(st.message());
  }
  kv.set_on_removed([] {
    LOG_WARN("etcdserver", "the member has been permanently removed from the cluster");
    kill(getpid(), SIGTERM);
  });
  kv.start();

  std::atomic<bool> stop_requested{false};
  std::atomic<bool> serving{false};
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    server::log_signal(sig);
    stop_requested = true;
    // A leader hands over first, so that the others need not wait for an election timeout.
    if (!kv.transfer_leadership(static_cast<int>(2 * cfg.election_ms)))
      LOG_WARN("etcdserver", "leadership transfer did not finish before shutdown");
    srv.stop();
    if (metrics_srv) metrics_srv->stop();
    // Still publishing (no leader yet): stop waiting for one.
    if (!serving) kv.stop();
  });

  // The member publishes its name and client URLs through Raft (so it waits for a leader), and
  // the cluster version is set once; only then are clients served, as etcd does.
  const server::Member* self = cluster.self();
  if (!server::publish_attributes(kv, *self, &stop_requested)) {
    kv.stop();
    peers.stop();
    waiter.join();
    std::fflush(nullptr);
    _exit(0);
  }
  serving = true;
  // Publishing waited for the replay of the log: recovery has freed the snapshot image, the
  // decoding buffers and the replay's garbage. Give those pages back once (at 1M keys about
  // 60 MB of RSS that glibc would otherwise keep).
  malloc_trim(0);
  server::log_published(cluster);
  const bool fresh_version = server::ensure_cluster_version(kv, "3.4.0");
  if (fresh_version) server::log_setting_up_cluster_version();
  server::log_cluster_version(cluster, fresh_version);
  server::log_ready(cfg);
  if (std::string err = util::sd_notify("READY=1"); !err.empty())
    LOG_ERROR("etcdmain", "failed to notify systemd for readiness: %s", err.c_str());
  std::thread metrics_thread;
  if (metrics_srv) metrics_thread = std::thread([&] { metrics_srv->run(); });
  // Last: a thread started after this would share the one CPU (a forked snapshot writer leaves
  // it: util::unpin_self).
  pin_write_path(cfg, kv, peers);
  srv.run();
  if (metrics_thread.joinable()) metrics_thread.join();
  kv.stop();
  peers.stop();
  waiter.detach();
  // Parked watchers still hold sessions whose sockets belong to the stopped server; every
  // acknowledged write is already in the WAL, so leave without running those destructors.
  std::fflush(nullptr);
  _exit(0);
}
