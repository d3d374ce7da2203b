#pragma once
// arborctl's additions over etcdctl: `tree`, `export` and `import` of a whole subtree through the
// v2 API alone. The export format is the v2 "node" object of a recursive GET (docs/arborctl.md);
// import also takes a whole GET response ({"action":"get","node":{...}}), which is what a real
// etcd's `curl .../v2/keys/DIR?recursive=true` or `etcdctl -o json ls -r` gives.
// The functions here are pure; the commands in transfer.cc do the IO.
//
// Thread-compatible.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/format.h"

namespace arbor::cli {

// One write of an import: a key with its value, or a directory (created only when it has a
// TTL or no children; otherwise its keys create it).
struct ImportOp {
  std::string key;
  bool dir = false;
  std::string value;
  int64_t ttl = 0;  // Seconds left at export time; 0: none.

  bool operator==(const ImportOp&) const = default;
};

// Reads an export: a node object, or a response object with a "node" member. nullopt and
// *error on malformed input.
std::optional<Node> parse_export(std::string_view json, std::string* error);

// The writes that recreate `root`'s subtree with `root.key` replaced by `dest`, parents before
// children. The root itself is written only when it is a key, or an empty or TTL'd directory.
std::vector<ImportOp> plan_import(const Node& root, std::string_view dest);

// `tree`'s text: the root, then one line per node with box-drawing indentation, values quoted as
// JSON strings, TTLs, and a closing count of directories and keys.
std::string render_tree(const Node& root);

}  // namespace arbor::cli
