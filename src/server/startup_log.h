#pragma once
// The lines etcd 3.4 logs while it starts and stops, in both of its shapes (capnslog text and
// zap JSON; see util/log.h), at the same moments and with the same phrases, so that tools and
// test harnesses waiting for "ready to serve client requests" or "published ... to cluster" work
// unchanged. main() calls these in order; they hold no state.
//
// Thread-compatible (call from main before serving; log_signal from the signal waiter).

#include <cstdint>
#include <string>
#include <vector>

#include "server/config.h"
#include "server/membership.h"

namespace arbor::server {

// The lines parse_config() collected, then (capnslog only) etcd's deprecation banner.
void log_parse_notes(const std::vector<PendingLog>& logs);
// etcd's "[WARNING] Deprecated '--logger=capnslog' flag is set; ..." line (capnslog only).
void log_capnslog_banner(const Config& config);
// "etcdmain: etcd Version: 3.4.23", Git SHA, Go version, OS/Arch, CPUs.
void log_version(const Config& config);
// "embed: name = ...", data dir, member dir, heartbeat, election, snapshot count, URLs.
void log_embed_config(const Config& config, bool restarting);
// "etcdserver: starting member <id> in cluster <id>" (or "restarting ... at commit index N"),
// then "starting server... [version: 3.4.23, cluster version: to_be_decided]" and "added member".
void log_member_start(const Config& config, const Cluster& cluster, bool restarting,
                      uint64_t commit_index);
// A new member, before it writes the cluster version: "setting up the initial cluster version".
void log_setting_up_cluster_version();
// After the member's attributes are applied: "published {Name:... ClientURLs:[...]} to cluster".
void log_published(const Cluster& cluster);
// After /0/version is applied: "set the initial cluster version to 3.4", "enabled capabilities
// for version 3.4" (and zap's "cluster version is updated"). `fresh`: the member bootstrapped it.
void log_cluster_version(const Cluster& cluster, bool fresh);
// Once the listeners serve: "embed: ready to serve client requests" and, per plain-HTTP client
// URL, "serving insecure client requests on <host:port>, this is strongly discouraged!" (for an
// https URL: "serving client requests on <host:port>").
void log_ready(const Config& config);
// "pkg/osutil: received terminated signal, shutting down..." (SIGTERM) or interrupt (SIGINT).
void log_signal(int sig);

}  // namespace arbor::server
