#include "server/server_metrics.h"

#include "server/kv_service.h"
#include "store/store.h"

namespace arbor::server {

void add_server_metrics(util::MetricsRegistry& registry, KvService& kv, const Cluster& cluster,
                        std::string server_version, std::string cluster_version) {
  registry.add([&kv, &cluster, server_version, cluster_version](std::string* out, bool /*extensive*/) {
    using util::append_family;
    using util::append_metric;
    using util::append_sample;
    const store::StoreStats s = kv.stats();
    const auto d = [](uint64_t v) { return static_cast<double>(v); };
    append_metric(out, "etcd_cluster_version", "gauge",
                  "Which version is running. 1 for 'cluster_version' label with current cluster version", 1,
                  "cluster_version=\"" + cluster_version + "\"");
    // Reads and writes that succeeded, by action, as etcd's v2 store counts them.
    append_family(out, "etcd_debugging_store_expires_total", "counter", "Total number of expired keys.");
    append_sample(out, "etcd_debugging_store_expires_total", d(s.expire_count));
    append_family(out, "etcd_debugging_store_reads_total", "counter",
                  "Total number of reads action by (get/getRecursive), local to this member.");
    append_sample(out, "etcd_debugging_store_reads_total", d(s.gets_success), "action=\"get\"");
    append_family(out, "etcd_debugging_store_watchers", "gauge", "Count of currently active watchers.");
    append_sample(out, "etcd_debugging_store_watchers", d(s.watchers));
    append_family(out, "etcd_debugging_store_writes_total", "counter",
                  "Total number of writes (e.g. set/compareAndDelete) seen by this member.");
    for (auto [action, n] : {std::pair{"compareAndDelete", s.compare_and_delete_success},
                             std::pair{"compareAndSwap", s.compare_and_swap_success},
                             std::pair{"create", s.create_success}, std::pair{"delete", s.delete_success},
                             std::pair{"set", s.sets_success}, std::pair{"update", s.update_success}}) {
      if (n != 0) append_sample(out, "etcd_debugging_store_writes_total", d(n), std::string("action=\"") + action + "\"");
    }
    out->append(kv.metrics_text());  // etcd_disk_wal_fsync_duration_seconds, from the WAL.
    append_metric(out, "etcd_server_has_leader", "gauge",
                  "Whether or not a leader exists. 1 is existence, 0 is not.", kv.leader() != 0 ? 1 : 0);
    append_metric(out, "etcd_server_id", "gauge", "Server or member ID in hexadecimal format. 1 for 'server_id' label with current ID.",
                  1, "server_id=\"" + id_hex(cluster.self_id) + "\"");
    append_metric(out, "etcd_server_is_leader", "gauge", "Whether or not this member is a leader. 1 if is, 0 otherwise.",
                  kv.leader() == cluster.self_id ? 1 : 0);
    append_metric(out, "etcd_server_is_learner", "gauge", "Whether or not this member is a learner. 1 if is, 0 otherwise.", 0);
    append_metric(out, "etcd_server_leader_changes_seen_total", "counter", "The number of leader changes seen.", 1);
    const double index = d(kv.raft_index());
    append_metric(out, "etcd_server_proposals_applied_total", "gauge", "The total number of consensus proposals applied.", index);
    append_metric(out, "etcd_server_proposals_committed_total", "gauge", "The total number of consensus proposals committed.", index);
    append_metric(out, "etcd_server_proposals_pending", "gauge", "The current number of pending proposals to commit.", 0);
    append_metric(out, "etcd_server_version", "gauge", "Which version is running. 1 for 'server_version' label with current version.",
                  1, "server_version=\"" + server_version + "\"");
    // arbor's own.
    const uint64_t start = kv.history_start_index(), current = kv.current_index();
    append_metric(out, "arbor_store_index", "gauge", "The v2 store's current index (X-Etcd-Index).", d(current));
    append_metric(out, "arbor_store_history_start_index", "gauge",
                  "The oldest index a watch can start from; older ones get 401 EventIndexCleared (0: empty history).",
                  d(start));
    append_metric(out, "arbor_store_history_span", "gauge", "Indexes covered by the event history (current index - start + 1).",
                  start == 0 ? 0 : d(current - start + 1));
    append_metric(out, "arbor_watchers_parked", "gauge",
                  "Watch requests waiting for an event (long polls and streams) right now.", d(s.watchers));
  });
}

}  // namespace arbor::server
