#pragma once
// The server's contribution to /metrics: etcd's etcd_server_*, etcd_debugging_store_* and
// etcd_disk_* families as far as a v2 member has them, and arbor's own (arbor_*: the history
// span, parked watchers). Registered once by main; rendered by whichever listener serves /metrics.
//
// Thread-safe (the collector reads atomics and takes the store's shared lock).

#include <string>

#include "server/membership.h"
#include "util/metrics.h"

namespace arbor::server {

class KvService;

// Adds the collector. `kv` and `cluster` are not owned and outlive `registry`'s use.
void add_server_metrics(util::MetricsRegistry& registry, KvService& kv, const Cluster& cluster,
                        std::string server_version, std::string cluster_version);

}  // namespace arbor::server
