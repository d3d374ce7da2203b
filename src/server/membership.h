#pragma once
// This member and its cluster as etcd 3.4 identifies them: member IDs are the first 8 bytes
// (big-endian) of SHA-1(sorted peer URLs + cluster token); the cluster ID is the first 8 bytes of
// SHA-1 over the sorted member IDs (big-endian). Stable for a given name, peer URLs and token.
//
// Thread-safe once built (immutable).

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace arbor::store {
class Store;
}

namespace arbor::server {

struct Member {
  uint64_t id = 0;
  std::string name;
  std::vector<std::string> peer_urls;    // Sorted.
  std::vector<std::string> client_urls;  // Empty until the member publishes them.
};

struct Cluster {
  uint64_t cluster_id = 0;
  uint64_t self_id = 0;
  std::vector<Member> members;  // Sorted by id.
  std::vector<uint64_t> removed;  // Members removed for good (/0/removed_members), sorted.

  const Member* self() const;
  const Member* find(uint64_t id) const;
  bool is_removed(uint64_t id) const;
};

// The current membership, replaced as a whole whenever an applied entry changes it (the apply
// loop rebuilds it from the store's /0/members). Readers get an immutable snapshot.
//
// Thread-safe.
class ClusterView {
 public:
  explicit ClusterView(Cluster c) : cur_(std::make_shared<const Cluster>(std::move(c))) {}
  std::shared_ptr<const Cluster> get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return cur_;
  }
  void set(Cluster c) {
    auto next = std::make_shared<const Cluster>(std::move(c));
    std::lock_guard<std::mutex> lock(mu_);
    cur_ = std::move(next);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Cluster> cur_;  // GUARDED_BY(mu_); never null.
};

// etcd's NewMember ID: SHA-1 over the sorted peer URLs then `token`.
uint64_t member_id(std::vector<std::string> peer_urls, std::string_view token);

// etcd's genID over `ids`.
uint64_t cluster_id(std::vector<uint64_t> ids);

// Builds the cluster described by `initial_cluster` ("a=http://h:1,a=http://h:2,b=...") with this
// member (`name`) publishing `client_urls`. Returns an error text when it cannot be parsed or
// `name` is not in it.
std::string build_cluster(std::string_view name, std::string_view initial_cluster,
                          std::string_view token, const std::vector<std::string>& client_urls,
                          Cluster* out);

// Lowercase hex without leading zeros, as Go's strconv.FormatUint(id, 16).
std::string id_hex(uint64_t id);
// Parses id_hex's output (1 to 16 hex digits); false otherwise.
bool parse_id_hex(std::string_view s, uint64_t* id);

// The values etcd stores for a member: /0/members/<id>/raftAttributes holds
// {"peerURLs":[...]}, /0/members/<id>/attributes {"name":"...","clientURLs":[...]}.
std::string raft_attributes_json(const std::vector<std::string>& peer_urls);
std::string attributes_json(const Member& m);

// The members recorded in `store` under /0/members (and /0/removed_members), with this
// member's `self_id` and `cluster_id` copied in. The caller holds the store's lock (shared).
Cluster cluster_from_store(const store::Store& store, uint64_t cluster_id, uint64_t self_id);

// A ConfChange's context: the proposing request's id (hex; its waiter), then for an added
// member its peer URLs, one per line.
std::string member_context(uint64_t request_id, const std::vector<std::string>& peer_urls);
std::vector<std::string> parse_member_context(std::string_view context, uint64_t* request_id);

}  // namespace arbor::server
