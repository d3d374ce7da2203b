#pragma once
// The replicated command: etcd's v2 Request (etcdserverpb.Request), which a handler builds from an
// HTTP request and the apply loop applies to the store. It travels as bytes (encode/decode) so
// that the WAL and Raft can carry it unchanged. Paths are store paths ("/1/foo").
//
// Thread-compatible (a value type).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace arbor::server {

enum class Method : uint8_t {
  kGet = 1,   // Local read (never replicated; here for completeness).
  kQGet = 2,  // Quorum read: ordered in the log, moves no store index.
  kPut = 3,
  kPost = 4,
  kDelete = 5,
  kSync = 6,  // Expire every key whose expiration is <= `time`.
};

struct Request {
  uint64_t id = 0;  // Unique per request on this member; the waiter key.
  Method method = Method::kGet;
  std::string path;  // Store path, cleaned ("/1/a/b").
  std::string val;
  bool dir = false;
  std::string prev_value;
  uint64_t prev_index = 0;
  std::optional<bool> prev_exist;
  int64_t expiration = 0;  // Unix ns; 0 = permanent.
  bool wait = false;
  uint64_t since = 0;
  bool recursive = false;
  bool sorted = false;
  bool quorum = false;
  int64_t time = 0;  // SYNC cutoff (Unix ns), and the proposer's clock for TTL views.
  bool stream = false;
  std::optional<bool> refresh;

  friend bool operator==(const Request&, const Request&) = default;
};

// A compact binary form: a version byte, a flags word, then the fields that are set.
std::string encode(const Request& req);

// The request encoded in `bytes`, or nullopt when the bytes are not one we wrote.
std::optional<Request> decode(std::string_view bytes);
// The same into `out`, whose strings keep their capacity (the apply loop reuses one Request).
// False, with `out` in an unspecified state, when the bytes are not one we wrote.
[[nodiscard]] bool decode_into(std::string_view bytes, Request* out);

}  // namespace arbor::server
