#pragma once
// Start-up writes of a member, as etcd 3.4 makes them once Raft has a leader: the member
// publishes its attributes (/0/members/<id>/attributes: name and client URLs, a set) and, when
// the cluster has none yet, the cluster version is set (/0/version). A member's raftAttributes
// are written by applying the ConfChange that added it (the first log entries of a new
// cluster), so a fresh single member reports index 3 and the first client write gets index 4.

#include <atomic>
#include <string_view>

namespace arbor::server {

class KvService;
struct Member;

// Publishes `self`'s attributes through the log, retrying (a cluster may have no leader yet)
// until it is applied or `*stop` is set. True once published.
bool publish_attributes(KvService& kv, const Member& self, const std::atomic<bool>* stop);

// Sets /0/version to `cluster_version` unless it is set already (a create: at most one
// member's write succeeds). REQUIRES: publish_attributes returned true.
// True when this call set it.
bool ensure_cluster_version(KvService& kv, std::string_view cluster_version);

}  // namespace arbor::server
