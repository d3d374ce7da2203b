#pragma once
// Start-up writes of a fresh member, as etcd 3.4 makes them: the member's raft attributes
// (/0/members/<id>/raftAttributes, a create), its published attributes (.../attributes, a set)
// and the cluster version (/0/version, a set). A fresh member therefore reports index 3 and the
// first client write gets index 4.

#include <string_view>

namespace arbor::server {

class KvService;
struct Cluster;

// REQUIRES: `kv` is started and its store is fresh. Blocks until the writes are applied.
void bootstrap_store(KvService& kv, const Cluster& cluster, std::string_view cluster_version);

// A restarted member's publish: its attributes (name, client URLs) are set again.
void publish_attributes(KvService& kv, const Cluster& cluster);

}  // namespace arbor::server
