#pragma once
// What arborctl prints: the v2 key response as etcdctl's client library decodes it, and its
// three renderings (simple, extended, json) byte for byte as etcdctl 3.4 (ETCDCTL_API=2) prints
// them. Pure functions from values to text, so tests need no server.
//
// Thread-compatible.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace arbor::cli {

// One node of a v2 key response ("node", "prevNode" or an element of "nodes").
struct Node {
  std::string key;
  bool dir = false;
  std::string value;
  bool has_nodes = false;  // "nodes" was present (false renders as JSON null).
  std::vector<Node> nodes;
  uint64_t created_index = 0;
  uint64_t modified_index = 0;
  std::optional<std::string> expiration;  // RFC 3339 as the server sent it.
  int64_t ttl = 0;
};

// A successful /v2/keys response with the X-Etcd-Index header.
struct KeysResponse {
  std::string action;
  std::optional<Node> node;
  std::optional<Node> prev_node;
  uint64_t index = 0;  // X-Etcd-Index; 0 when absent.
};

// A failed /v2/keys response: {"errorCode", "message", "cause", "index"}.
struct KeysError {
  int64_t code = 0;
  std::string message;
  std::string cause;
  uint64_t index = 0;
  // "100: Key not found (/foo) [5]", the Go client's Error() text.
  std::string text() const;
};

// Decodes a /v2/keys success body. Returns nullopt when the body is not valid JSON of that shape.
std::optional<KeysResponse> parse_keys_response(std::string_view body, uint64_t etcd_index);
// Decodes a /v2/keys error body. Returns nullopt when the body is not valid JSON.
std::optional<KeysError> parse_keys_error(std::string_view body);
// Decodes one node object from JSON text (also used by import). nullopt when malformed.
std::optional<Node> parse_node_json(std::string_view json);

// Go's encoding/json string encoding: quotes, \n \r \t, \u00XX for other controls, HTML-safe
// escapes for < > &, \u2028 \u2029, and U+FFFD for invalid UTF-8.
std::string go_json_quote(std::string_view s);
// A node as Go's json.Marshal writes client.Node (field order and omitempty rules).
std::string node_json(const Node& node);
// A response as Go's json.Marshal writes client.Response: {"action","node","prevNode"}.
std::string response_json(const KeysResponse& resp);
// Go re-marshals a parsed time with RFC3339Nano: trailing zeros of the fraction go.
std::string normalize_rfc3339(std::string_view t);

// printResponseKey: the text etcdctl writes to stdout for `format` ("simple", "extended",
// "json"). For any other format, returns "" and sets *unsupported.
std::string format_response(const KeysResponse& resp, std::string_view format, bool* unsupported);
// `ls` in simple format: the key itself for a file, then every child (recursively as
// returned), directories with a trailing slash when `slash_dirs`.
std::string format_ls(const KeysResponse& resp, bool slash_dirs);

}  // namespace arbor::cli
