#include "server/startup_log.h"

#include <signal.h>
#include <unistd.h>

#include <thread>

#include "util/log.h"

namespace arbor::server {
namespace {

using util::LogLevel;
using util::num_field;
using util::str_field;
using util::strs_field;

constexpr const char* kClusterVersion = "3.4";

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + v[i];
  return out;
}

// "http://127.0.0.1:2379" → "127.0.0.1:2379".
std::string host_port(const std::string& url) {
  size_t p = url.find("://");
  return p == std::string::npos ? url : url.substr(p + 3);
}

// The attributes as Go's %+v prints etcd's Attributes struct.
std::string attributes(const Member& m) {
  std::string urls;
  for (size_t i = 0; i < m.client_urls.size(); ++i) urls += (i ? " " : "") + m.client_urls[i];
  return "{Name:" + m.name + " ClientURLs:[" + urls + "]}";
}

LogLevel level_of(char tag) {
  switch (tag) {
    case 'D': return LogLevel::kDebug;
    case 'N': return LogLevel::kNotice;
    case 'W': return LogLevel::kWarn;
    case 'E': return LogLevel::kError;
    case 'C': return LogLevel::kCritical;
    default: return LogLevel::kInfo;
  }
}

}  // namespace

void log_parse_notes(const std::vector<PendingLog>& logs) {
  for (const PendingLog& l : logs)
    util::log_event(level_of(l.level), l.pkg.c_str(), __FILE__, __LINE__, l.text, l.text);
}

void log_capnslog_banner(const Config& config) {
  if (config.logger == "capnslog")
    util::log_raw("[WARNING] Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead");
}

void log_version(const Config& config) {
  const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  if (config.logger == "capnslog") {
    LOG_INFO("etcdmain", "etcd Version: 3.4.23");
    LOG_INFO("etcdmain", "Git SHA: arbor");
    LOG_INFO("etcdmain", "Go Version: none (arbor is C++20)");
    LOG_INFO("etcdmain", "Go OS/Arch: linux/amd64");
    LOG_INFO("etcdmain", "setting maximum number of CPUs to %u, total number of available CPUs is %u",
             cpus, cpus);
  }
}

void log_embed_config(const Config& c, bool restarting) {
  const std::string member_dir = c.data_dir + "/member";
  LOG_EVENT(kInfo, "embed", "name = " + c.name, "starting an etcd server",
            str_field("etcd-version", "3.4.23"), str_field("git-sha", "arbor"),
            str_field("go-version", "none (arbor is C++20)"), str_field("go-os", "linux"),
            str_field("go-arch", "amd64"), {"member-initialized", restarting ? "true" : "false"},
            str_field("name", c.name), str_field("data-dir", c.data_dir),
            str_field("wal-dir", c.wal_dir), str_field("member-dir", member_dir),
            num_field("snapshot-count", static_cast<int64_t>(c.snapshot_count)),
            strs_field("initial-advertise-peer-urls", c.initial_advertise_peer_urls),
            strs_field("listen-peer-urls", c.listen_peer_urls),
            strs_field("advertise-client-urls", c.advertise_client_urls),
            strs_field("listen-client-urls", c.listen_client_urls),
            strs_field("listen-metrics-urls", c.listen_metrics_urls),
            str_field("initial-cluster", restarting ? "" : c.initial_cluster),
            str_field("initial-cluster-state", c.initial_cluster_state),
            str_field("initial-cluster-token", c.initial_cluster_token),
            {"pre-vote", c.pre_vote ? "true" : "false"},
            {"initial-corrupt-check", "false"});
  if (util::log_format() != util::LogFormat::kCapnslog) return;
  LOG_INFO("embed", "data dir = %s", c.data_dir.c_str());
  LOG_INFO("embed", "member dir = %s", member_dir.c_str());
  if (!c.wal_dir.empty()) LOG_INFO("embed", "dedicated WAL dir = %s", c.wal_dir.c_str());
  LOG_INFO("embed", "heartbeat = %llums", static_cast<unsigned long long>(c.heartbeat_ms));
  LOG_INFO("embed", "election = %llums", static_cast<unsigned long long>(c.election_ms));
  LOG_INFO("embed", "snapshot count = %llu", static_cast<unsigned long long>(c.snapshot_count));
  LOG_INFO("embed", "advertise client URLs = %s", join(c.advertise_client_urls).c_str());
  if (restarting) {
    LOG_INFO("embed", "initial advertise peer URLs = %s", join(c.initial_advertise_peer_urls).c_str());
    LOG_INFO("embed", "initial cluster = ");
  }
}

void log_member_start(const Config& c, const Cluster& cluster, bool restarting, uint64_t commit_index) {
  (void)c;
  const std::string self = id_hex(cluster.self_id), cid = id_hex(cluster.cluster_id);
  if (restarting) {
    LOG_EVENT(kInfo, "etcdserver",
              "restarting member " + self + " in cluster " + cid + " at commit index " + std::to_string(commit_index),
              "restarting local member", str_field("cluster-id", cid), str_field("local-member-id", self),
              num_field("commit-index", static_cast<int64_t>(commit_index)));
  } else {
    LOG_EVENT(kInfo, "etcdserver", "starting member " + self + " in cluster " + cid,
              "starting local member", str_field("local-member-id", self), str_field("cluster-id", cid));
  }
  LOG_EVENT(kInfo, "etcdserver", "starting server... [version: 3.4.23, cluster version: to_be_decided]",
            "starting etcd server", str_field("local-member-id", self),
            str_field("local-server-version", "3.4.23"), str_field("cluster-version", "to_be_decided"));
  for (const Member& m : cluster.members) {
    LOG_EVENT(kInfo, "etcdserver/membership",
              "added member " + id_hex(m.id) + " [" + join(m.peer_urls) + "] to cluster " + cid,
              "added member", str_field("cluster-id", cid), str_field("local-member-id", self),
              str_field("added-peer-id", id_hex(m.id)), strs_field("added-peer-peer-urls", m.peer_urls));
  }
}

void log_setting_up_cluster_version() {
  LOG_EVENT(kInfo, "etcdserver", std::string("setting up the initial cluster version to ") + kClusterVersion,
            "setting up initial cluster version", str_field("cluster-version", kClusterVersion));
}

void log_published(const Cluster& cluster) {
  const Member* self = cluster.self();
  if (self == nullptr) return;
  const std::string id = id_hex(cluster.self_id), cid = id_hex(cluster.cluster_id);
  LOG_EVENT(kInfo, "etcdserver", "published " + attributes(*self) + " to cluster " + cid,
            "published local member to cluster through raft", str_field("local-member-id", id),
            str_field("local-member-attributes", attributes(*self)),
            str_field("request-path", "/0/members/" + id + "/attributes"), str_field("cluster-id", cid),
            str_field("publish-timeout", "7s"));
}

void log_cluster_version(const Cluster& cluster, bool fresh) {
  const std::string id = id_hex(cluster.self_id), cid = id_hex(cluster.cluster_id);
  LOG_EVENT(kNotice, "etcdserver/membership", std::string("set the initial cluster version to ") + kClusterVersion,
            "set initial cluster version", str_field("cluster-id", cid), str_field("local-member-id", id),
            str_field("cluster-version", kClusterVersion));
  LOG_EVENT(kInfo, "etcdserver/api", std::string("enabled capabilities for version ") + kClusterVersion,
            "enabled capabilities for version", str_field("cluster-version", kClusterVersion));
  if (fresh && util::log_format() == util::LogFormat::kZap) {
    LOG_EVENT(kInfo, "etcdserver", "", "cluster version is updated", str_field("cluster-version", kClusterVersion));
  }
}

void log_ready(const Config& c) {
  // etcd 3.4 writes "ready to serve client requests" with capnslog only.
  if (util::log_format() == util::LogFormat::kCapnslog) LOG_INFO("embed", "ready to serve client requests");
  for (const std::string& u : c.listen_client_urls) {
    if (u.rfind("https://", 0) == 0) {
      LOG_EVENT(kInfo, "embed", "serving client requests on " + host_port(u),
                "serving client traffic securely", str_field("address", host_port(u)));
      continue;
    }
    if (u.rfind("http://", 0) != 0) continue;
    LOG_EVENT(kNotice, "embed",
              "serving insecure client requests on " + host_port(u) + ", this is strongly discouraged!",
              "serving client traffic insecurely; this is strongly discouraged!",
              str_field("address", host_port(u)));
  }
}

void log_signal(int sig) {
  const char* name = sig == SIGINT ? "interrupt" : "terminated";
  LOG_EVENT(kNotice, "pkg/osutil", std::string("received ") + name + " signal, shutting down...",
            "received signal; shutting down", str_field("signal", name));
}

}  // namespace arbor::server
