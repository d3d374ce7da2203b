#pragma once
// This member and its cluster as etcd 3.4 identifies them: member IDs are the first 8 bytes
// (big-endian) of SHA-1(sorted peer URLs + cluster token); the cluster ID is the first 8 bytes of
// SHA-1 over the sorted member IDs (big-endian). Stable for a given name, peer URLs and token.
//
// Thread-safe once built (immutable).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

  const Member* self() const;
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

}  // namespace arbor::server
