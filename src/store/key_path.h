#pragma once
// Store paths: cleaning as Go's path.Clean(path.Join("/", p)), splitting, the hidden-key rule.
//
// Thread-safe (pure functions).

#include <string>
#include <string_view>

namespace arbor::store {

// Go's path.Clean(path.Join("/", p)): rooted, no trailing slash, no "//", "." or ".." (".."
// above the root stays at the root). "" and "/" give "/".
std::string clean_path(std::string_view p);

// True when `p` is already what clean_path would return (the cheap common case).
bool is_clean_path(std::string_view p);

// The last component of a clean path ("" for "/").
std::string_view base_name(std::string_view clean);

// A key is hidden when its last component starts with '_'.
inline bool is_hidden_name(std::string_view name) { return !name.empty() && name[0] == '_'; }

// etcd's watcher rule: is `key` hidden as seen from a watch on `watch_path`? True when the part
// of `key` below `watch_path` has a component starting with '_'.
bool is_hidden_from(std::string_view watch_path, std::string_view key);

}  // namespace arbor::store
