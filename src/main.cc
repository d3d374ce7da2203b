// bin/arbor: flags -> config -> store, apply loop, HTTP server -> run until SIGINT/SIGTERM.
// Flags use etcd's names, as `--flag value` or `--flag=value`.

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/router.h"
#include "http/server.h"
#include "server/bootstrap.h"
#include "server/durable_log.h"
#include "server/kv_service.h"
#include "server/membership.h"
#include "store/store.h"
#include "util/log.h"

namespace {

using namespace arbor;

struct Config {
  std::string name = "default";
  std::string data_dir;
  std::string listen_client_urls = "http://localhost:2379";
  std::string advertise_client_urls = "http://localhost:2379";
  std::string listen_peer_urls = "http://localhost:2380";
  std::string initial_advertise_peer_urls = "http://localhost:2380";
  std::string initial_cluster;
  std::string initial_cluster_token = "etcd-cluster";
  std::string initial_cluster_state = "new";
  std::string cors;
  std::string enable_v2 = "true";
  std::string log_level = "info";
  std::string io_threads = "1";
  std::string wal_dir;
  std::string snapshot_count = "100000";
  std::string max_snapshots = "5";
  std::string max_wals = "5";
  std::string max_request_bytes;      // Empty: http::ServerConfig's default (10 MiB).
  std::string http_read_header_timeout;
  std::string http_idle_timeout;
  std::string max_stream_backlog_bytes;
};

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    std::string item = s.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.push_back(item);
    start = comma + 1;
  }
  return out;
}

void usage(FILE* f) {
  std::fprintf(f,
               "usage: arbor [flags]\n"
               "  --name NAME                          member name (default \"default\")\n"
               "  --data-dir DIR                       data directory (default \"NAME.etcd\")\n"
               "  --listen-client-urls URLS            client listen URLs\n"
               "  --advertise-client-urls URLS         client URLs advertised to the cluster\n"
               "  --listen-peer-urls URLS              peer listen URLs\n"
               "  --initial-advertise-peer-urls URLS   peer URLs advertised to the cluster\n"
               "  --initial-cluster NAME=URL,...       initial cluster configuration\n"
               "  --initial-cluster-token TOKEN        initial cluster token\n"
               "  --initial-cluster-state new|existing initial cluster state\n"
               "  --cors ORIGINS                       comma-separated CORS origins (default \"*\")\n"
               "  --enable-v2 BOOL                     accepted; the v2 API is always on\n"
               "  --log-level debug|info|warn|error    log level\n"
               "  --io-threads N                       HTTP I/O threads (default 1)\n"
               "  --wal-dir DIR                        WAL directory (default DATA-DIR/member/wal)\n"
               "  --snapshot-count N                   applied entries between snapshots (default 100000)\n"
               "  --max-snapshots N                    snapshot files to keep, 0 = all (default 5)\n"
               "  --max-wals N                         WAL files to keep, 0 = all (default 5)\n"
               "  --max-request-bytes N                request body limit (default 10485760)\n"
               "  --http-read-header-timeout DURATION  time to send request headers (default 30s)\n"
               "  --http-idle-timeout DURATION         idle keep-alive connection timeout (default 5m)\n"
               "  --max-stream-backlog-bytes N         unsent bytes before a stream watcher is dropped (default 1048576)\n");
}

// Returns 0 to go on, otherwise the exit code.
int parse_flags(int argc, char** argv, Config* c) {
  std::map<std::string, std::string*> flags = {
      {"name", &c->name},
      {"data-dir", &c->data_dir},
      {"listen-client-urls", &c->listen_client_urls},
      {"advertise-client-urls", &c->advertise_client_urls},
      {"listen-peer-urls", &c->listen_peer_urls},
      {"initial-advertise-peer-urls", &c->initial_advertise_peer_urls},
      {"initial-cluster", &c->initial_cluster},
      {"initial-cluster-token", &c->initial_cluster_token},
      {"initial-cluster-state", &c->initial_cluster_state},
      {"cors", &c->cors},
      {"enable-v2", &c->enable_v2},
      {"log-level", &c->log_level},
      {"io-threads", &c->io_threads},
      {"wal-dir", &c->wal_dir},
      {"snapshot-count", &c->snapshot_count},
      {"max-snapshots", &c->max_snapshots},
      {"max-wals", &c->max_wals},
      {"max-request-bytes", &c->max_request_bytes},
      {"http-read-header-timeout", &c->http_read_header_timeout},
      {"http-idle-timeout", &c->http_idle_timeout},
      {"max-stream-backlog-bytes", &c->max_stream_backlog_bytes},
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help" || arg == "-help") {
      usage(stdout);
      return -1;
    }
    if (arg.rfind("-", 0) != 0) {
      std::fprintf(stderr, "arbor: unexpected argument \"%s\"\n", arg.c_str());
      return 2;
    }
    std::string name = arg.substr(arg[1] == '-' ? 2 : 1);
    std::string value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    auto it = flags.find(name);
    if (it == flags.end()) {
      std::fprintf(stderr, "arbor: unknown flag --%s (see --help)\n", name.c_str());
      return 2;
    }
    if (!has_value) {
      if (name == "enable-v2" && (i + 1 >= argc || argv[i + 1][0] == '-')) {
        value = "true";
      } else if (i + 1 >= argc) {
        std::fprintf(stderr, "arbor: flag needs an argument: --%s\n", name.c_str());
        return 2;
      } else {
        value = argv[++i];
      }
    }
    *it->second = value;
  }
  return 0;
}

// A non-negative decimal flag value, or false.
bool parse_count(const char* flag, const std::string& s, uint64_t* out) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (s.empty() || s[0] == '-' || *end != '\0' || errno != 0) {
    std::fprintf(stderr, "arbor: invalid value \"%s\" for flag --%s\n", s.c_str(), flag);
    return false;
  }
  *out = v;
  return true;
}

void raise_nofile_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) LOG_WARN("main", "setrlimit(NOFILE): %s", strerror(errno));
  }
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  if (int rc = parse_flags(argc, argv, &cfg); rc != 0) return rc < 0 ? 0 : rc;
  if (cfg.log_level == "debug") util::set_log_level(util::LogLevel::kDebug);
  else if (cfg.log_level == "warn") util::set_log_level(util::LogLevel::kWarn);
  else if (cfg.log_level == "error") util::set_log_level(util::LogLevel::kError);
  if (cfg.data_dir.empty()) cfg.data_dir = cfg.name + ".etcd";
  if (cfg.initial_cluster.empty()) cfg.initial_cluster = cfg.name + "=" + cfg.initial_advertise_peer_urls;
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
                                              split_list(cfg.advertise_client_urls), &cluster);
      !err.empty()) {
    std::fprintf(stderr, "arbor: %s\n", err.c_str());
    return 1;
  }
  server::DurabilityOptions dopt;
  uint64_t max_snapshots = 0, max_wals = 0;
  if (!parse_count("snapshot-count", cfg.snapshot_count, &dopt.snapshot_count) ||
      !parse_count("max-snapshots", cfg.max_snapshots, &max_snapshots) ||
      !parse_count("max-wals", cfg.max_wals, &max_wals))
    return 2;
  if (dopt.snapshot_count == 0) dopt.snapshot_count = 100000;  // etcd: 0 means the default.
  dopt.max_snapshots = max_snapshots;
  dopt.max_wals = max_wals;
  dopt.background_snapshots = true;

  // The data directory: locked for this process, then the newest snapshot and the WAL after it.
  auto data_dir = server::open_data_dir(cfg.data_dir, cfg.wal_dir);
  if (!data_dir.ok()) {
    std::fprintf(stderr, "arbor: cannot use data directory %s: %s\n", cfg.data_dir.c_str(),
                 data_dir.error().to_string().c_str());
    return 1;
  }
  const auto recover_start = std::chrono::steady_clock::now();
  server::RecoveredState rec;
  const std::string metadata = "member=" + server::id_hex(cluster.self_id) +
                               " cluster=" + server::id_hex(cluster.cluster_id);
  auto log = server::DurableLog::open(*data_dir->wal, *data_dir->snap, metadata, dopt, &rec);
  if (!log.ok()) {
    std::fprintf(stderr, "arbor: cannot recover data directory %s: %s\n", cfg.data_dir.c_str(),
                 log.error().to_string().c_str());
    return 1;
  }
  if (!rec.fresh && rec.metadata != metadata) {
    LOG_WARN("main", "data directory %s was created as \"%s\"; starting as \"%s\"",
             cfg.data_dir.c_str(), rec.metadata.c_str(), metadata.c_str());
  }
  const auto opened = std::chrono::steady_clock::now();

  // Each start is an election this lone member wins: one term past the last persisted one.
  const uint64_t term =
      rec.fresh ? server::KvService::kFirstTerm
                : std::max<uint64_t>(std::max(rec.hard_state.term, rec.snapshot.term),
                                     server::KvService::kFirstTerm - 1) + 1;
  server::KvService kv(std::move(rec.store), cluster.self_id, log->get(), rec.snapshot.index,
                       term);
  if (util::Status st = kv.replay(rec.entries); !st.ok()) {
    std::fprintf(stderr, "arbor: cannot recover data directory %s: %s\n", cfg.data_dir.c_str(),
                 st.to_string().c_str());
    return 1;
  }
  auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
  LOG_INFO("main", "arbor: name %s, member %s, cluster %s, data dir %s (%s)", cfg.name.c_str(),
           server::id_hex(cluster.self_id).c_str(), server::id_hex(cluster.cluster_id).c_str(),
           cfg.data_dir.c_str(),
           rec.fresh ? "new"
                     : ("recovered in " + std::to_string(ms(recover_start, opened)) +
                        " ms: snapshot at " + std::to_string(rec.snapshot.index) + ", " +
                        std::to_string(rec.entries.size()) + " WAL entries replayed in " +
                        std::to_string(ms(opened, std::chrono::steady_clock::now())) + " ms")
                           .c_str());
  std::vector<raft::Entry>().swap(rec.entries);
  http::RouterConfig rc;
  rc.cors = split_list(cfg.cors);
  http::Router router(rc, kv, cluster);  // Before start(): it installs the loop's batch hook.
  kv.start();
  // A new member writes its membership and the cluster version (index 3); a restarted one
  // publishes its attributes again, as etcd does (one index).
  const bool bootstrapped = kv.read("/0/version", false, false).ok();
  if (!bootstrapped) {
    server::bootstrap_store(kv, cluster, "3.4.0");
  } else {
    server::publish_attributes(kv, cluster);
  }

  http::ServerConfig sc;
  sc.listen_urls = split_list(cfg.listen_client_urls);
  sc.io_threads = std::max(1, std::atoi(cfg.io_threads.c_str()));
  if (!cfg.max_request_bytes.empty()) sc.max_request_bytes = std::strtoull(cfg.max_request_bytes.c_str(), nullptr, 10);
  if (!cfg.max_stream_backlog_bytes.empty())
    sc.max_stream_backlog_bytes = std::strtoull(cfg.max_stream_backlog_bytes.c_str(), nullptr, 10);
  for (auto [flag, out] : {std::pair{&cfg.http_read_header_timeout, &sc.read_header_timeout_ms},
                           std::pair{&cfg.http_idle_timeout, &sc.idle_timeout_ms}}) {
    if (flag->empty()) continue;
    *out = http::parse_duration_ms(*flag);
    if (*out <= 0) {
      std::fprintf(stderr, "arbor: invalid duration \"%s\"\n", flag->c_str());
      return 2;
    }
  }
  http::Server srv(sc, router);
  if (util::Status st = srv.start(); !st.ok()) {
    std::fprintf(stderr, "arbor: %s\n", st.to_string().c_str());
    kv.stop();
    return 1;
  }
  LOG_INFO("main", "serving client requests on %s", cfg.listen_client_urls.c_str());

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    LOG_INFO("main", "received signal %d, shutting down", sig);
    srv.stop();
  });
  srv.run();
  kv.stop();
  waiter.detach();
  // Parked watchers still hold sessions whose sockets belong to the stopped server; every
  // acknowledged write is already in the WAL, so leave without running those destructors.
  std::fflush(nullptr);
  _exit(0);
}
