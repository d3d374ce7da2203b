#pragma once
// What the store hands out: NodeView (etcd's NodeExtern, a node as a reply shows it) and Event
// (an action on a node, with the node before it). Events are immutable once built and shared:
// the history, every watcher and the waiting request hold the same EventPtr.
//
// Thread-safe once built (immutable).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace arbor::store {

enum class Action : uint8_t {
  kGet,
  kSet,
  kCreate,
  kUpdate,
  kDelete,
  kCompareAndSwap,
  kCompareAndDelete,
  kExpire,
};

// The wire name: "get", "set", "create", "update", "delete", "compareAndSwap",
// "compareAndDelete", "expire".
std::string_view action_name(Action action);

struct NodeView;

// The children of a NodeView: a vector whose copy and destructor do not recurse, so a view of a
// tree thousands of levels deep is copied and freed without deep recursion on the machine stack.
class NodeList : public std::vector<NodeView> {
 public:
  using std::vector<NodeView>::vector;
  NodeList() = default;
  NodeList(const NodeList& other);
  NodeList(NodeList&&) noexcept = default;
  NodeList& operator=(const NodeList& other);
  NodeList& operator=(NodeList&&) noexcept = default;
  ~NodeList();
};

// A node as a reply shows it. Field presence follows etcd's JSON: `value` only when has_value,
// `dir` only when true, `expiration`/`ttl` only when the node has a TTL, `nodes` only when
// non-empty.
struct NodeView {
  std::string key;              // Full store path, e.g. "/1/dir/a"; the store root is "/".
  std::string value;            // Meaningful only when has_value.
  bool has_value = false;       // Files in get/set/create/update/CAS replies; never directories.
  bool dir = false;
  int64_t expiration = 0;       // Unix nanoseconds; 0 when the node is permanent.
  int64_t ttl = 0;              // ceil((expiration - now) / 1 s) when the view was built.
  uint64_t modified_index = 0;
  uint64_t created_index = 0;
  NodeList nodes;               // Visible children (a Get of a directory).

  friend bool operator==(const NodeView&, const NodeView&) = default;
};

struct Event {
  Action action = Action::kGet;
  NodeView node;
  std::optional<NodeView> prev_node;
  uint64_t etcd_index = 0;  // A write's own index; for a get, the store's current index.
  bool refresh = false;     // A TTL refresh: kept in history, skipped by scans, wakes nobody.

  // The index this event happened at (the index it occupies in the history).
  uint64_t index() const { return node.modified_index; }

  friend bool operator==(const Event&, const Event&) = default;
};

using EventPtr = std::shared_ptr<const Event>;

}  // namespace arbor::store
