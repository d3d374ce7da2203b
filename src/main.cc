// bin/arbor: flags -> config -> store, apply loop, HTTP server -> run until SIGINT/SIGTERM.
// Flags use etcd's names, as `--flag value` or `--flag=value`.

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/router.h"
#include "http/server.h"
#include "server/bootstrap.h"
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
               "  --io-threads N                       HTTP I/O threads (default 1)\n");
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
  LOG_INFO("main", "arbor: name %s, member %s, cluster %s, data in memory only (data dir %s unused)",
           cfg.name.c_str(), server::id_hex(cluster.self_id).c_str(),
           server::id_hex(cluster.cluster_id).c_str(), cfg.data_dir.c_str());

  server::KvService kv(std::make_unique<store::Store>(), cluster.self_id);
  http::RouterConfig rc;
  rc.cors = split_list(cfg.cors);
  http::Router router(rc, kv, cluster);  // Before start(): it installs the loop's batch hook.
  kv.start();
  server::bootstrap_store(kv, cluster, "3.4.0");

  http::ServerConfig sc;
  sc.listen_urls = split_list(cfg.listen_client_urls);
  sc.io_threads = std::max(1, std::atoi(cfg.io_threads.c_str()));
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
  // Parked watchers still hold sessions whose sockets belong to the stopped server; the data is
  // in memory only, so leave without running those destructors.
  std::fflush(nullptr);
  _exit(0);
}
