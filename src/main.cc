// bin/arbor: flags -> config -> store, apply loop, HTTP server -> run until SIGINT/SIGTERM.
// Flags, ETCD_* variables and --config-file as etcd 3.4 reads them (server/config.h); logs in
// etcd's shapes (server/startup_log.h). Every startup error is one line and exit code 1, as etcd.

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/router.h"
#include "http/server.h"
#include "server/bootstrap.h"
#include "server/config.h"
#include "server/durable_log.h"
#include "server/etcd_data_dir.h"
#include "server/kv_service.h"
#include "server/membership.h"
#include "server/server_metrics.h"
#include "server/startup_log.h"
#include "store/store.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/notify.h"

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
  const server::TlsConfig& t = cfg.client_tls;
  sc.tls.cert_file = t.cert_file;
  sc.tls.key_file = t.key_file;
  sc.tls.trusted_ca_file = t.trusted_ca_file;
  sc.tls.client_cert_auth = t.client_cert_auth;
  sc.tls.auto_tls = t.auto_tls;
  sc.tls.auto_tls_dir = cfg.data_dir + "/fixtures/client";  // Where etcd keeps its own.
  sc.tls.cipher_suites = cfg.cipher_suites;
  for (const std::string& u : cfg.listen_client_urls) {
    std::string host = u.substr(u.find("://") + 3);
    host = host.substr(0, host.rfind(':'));
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    sc.tls.hosts.push_back(host);
  }
  return sc;
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

  server::Cluster cluster;
  if (std::string err = server::build_cluster(cfg.name, cfg.initial_cluster, cfg.initial_cluster_token,
                                              cfg.advertise_client_urls, &cluster);
      !err.empty()) {
    die(err);
  }
  server::DurabilityOptions dopt;
  dopt.snapshot_count = cfg.snapshot_count == 0 ? 100000 : cfg.snapshot_count;  // etcd: 0 = default.
  dopt.max_snapshots = cfg.max_snapshots;
  dopt.max_wals = cfg.max_wals;
  dopt.background_snapshots = true;

  // A directory etcd wrote is refused before anything is created in it.
  if (std::string why = server::detect_etcd_data(cfg.data_dir, cfg.wal_dir); !why.empty())
    die(server::etcd_data_refusal(cfg.data_dir, why));
  // The data directory: locked for this process, then the newest snapshot and the WAL after it.
  auto data_dir = server::open_data_dir(cfg.data_dir, cfg.wal_dir);
  if (!data_dir.ok()) die("cannot access data directory: " + data_dir.error().message());
  const auto recover_start = std::chrono::steady_clock::now();
  server::RecoveredState rec;
  const std::string metadata = "member=" + server::id_hex(cluster.self_id) +
                               " cluster=" + server::id_hex(cluster.cluster_id);
  auto log = server::DurableLog::open(*data_dir->wal, *data_dir->snap, metadata, dopt, &rec);
  if (!log.ok()) die("cannot recover data directory " + cfg.data_dir + ": " + log.error().message());
  const auto opened = std::chrono::steady_clock::now();
  if (!rec.fresh && rec.metadata != metadata) {
    LOG_WARN("etcdmain", "data directory %s was created as \"%s\"; starting as \"%s\"",
             cfg.data_dir.c_str(), rec.metadata.c_str(), metadata.c_str());
  }
  if (!rec.fresh)
    LOG_NOTICE("etcdmain", "the server is already initialized as member before, starting as etcd member...");
  server::log_embed_config(cfg, !rec.fresh);

  // Each start is an election this lone member wins: one term past the last persisted one.
  const uint64_t term =
      rec.fresh ? server::KvService::kFirstTerm
                : std::max<uint64_t>(std::max(rec.hard_state.term, rec.snapshot.term),
                                     server::KvService::kFirstTerm - 1) + 1;
  server::KvService kv(std::move(rec.store), cluster.self_id, log->get(), rec.snapshot.index,
                       term);
  if (util::Status st = kv.replay(rec.entries); !st.ok())
    die("cannot recover data directory " + cfg.data_dir + ": " + st.message());
  if (!rec.fresh) {
    auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    LOG_INFO("etcdserver", "recovered in %.1f ms: snapshot at %llu, %zu WAL entries replayed in %.1f ms",
             ms(recover_start, opened), static_cast<unsigned long long>(rec.snapshot.index),
             rec.entries.size(), ms(opened, std::chrono::steady_clock::now()));
  }
  std::vector<raft::Entry>().swap(rec.entries);
  server::log_member_start(cfg, cluster, !rec.fresh, kv.raft_index());

  util::MetricsRegistry metrics;
  server::add_server_metrics(metrics, kv, cluster, "3.4.23", "3.4.0");
  metrics.add(util::collect_process_metrics);
  http::RouterConfig rc;
  rc.cors = cfg.cors;
  rc.host_whitelist = cfg.host_whitelist;
  rc.metrics = &metrics;
  rc.metrics_extensive = cfg.metrics == "extensive";
  http::Router router(rc, kv, cluster);  // Before start(): it installs the loop's batch hook.
  http::RouterConfig metrics_rc = rc;
  metrics_rc.metrics_only = true;
  http::Router metrics_router(metrics_rc, kv, cluster);

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

  kv.start();
  // A new member writes its membership and the cluster version (index 3); a restarted one
  // publishes its attributes again, as etcd does (one index).
  const bool bootstrapped = kv.read("/0/version", false, false).ok();
  if (!bootstrapped) {
    server::bootstrap_store(kv, cluster, "3.4.0");
    server::log_setting_up_cluster_version();
    server::log_published(cluster);
    server::log_cluster_version(cluster, true);
  } else {
    server::log_cluster_version(cluster, false);
    server::publish_attributes(kv, cluster);
    server::log_published(cluster);
  }
  server::log_ready(cfg);
  if (std::string err = util::sd_notify("READY=1"); !err.empty())
    LOG_ERROR("etcdmain", "failed to notify systemd for readiness: %s", err.c_str());

  std::thread metrics_thread;
  if (metrics_srv) metrics_thread = std::thread([&] { metrics_srv->run(); });
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    server::log_signal(sig);
    srv.stop();
    if (metrics_srv) metrics_srv->stop();
  });
  srv.run();
  if (metrics_thread.joinable()) metrics_thread.join();
  kv.stop();
  waiter.detach();
  // Parked watchers still hold sessions whose sockets belong to the stopped server; every
  // acknowledged write is already in the WAL, so leave without running those destructors.
  std::fflush(nullptr);
  _exit(0);
}
