#pragma once
// Node: one file or directory of the tree. Internal to src/store.
//
// Lean by design (the server's budget is 300 bytes of RSS per 64-byte key): a node keeps its own
// name, not its path (paths are built when a reply needs one); a directory keeps its children in
// an intrusive red-black tree ordered by name, so lookup is O(log n), a sorted listing costs
// nothing extra, and a child costs no allocation beyond the node itself.
//
// Thread-compatible; owned by the Store.

#include <boost/intrusive/set.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace arbor::store {

struct Node;

struct NodeNameOf {
  using type = std::string_view;
  std::string_view operator()(const Node& n) const;
};

using NodeHook = boost::intrusive::set_base_hook<boost::intrusive::optimize_size<true>,
                                                 boost::intrusive::link_mode<boost::intrusive::normal_link>>;
// Children by name. The tree owns its nodes: a node is deleted with its parent (destroy_subtree)
// or when it is removed from the tree.
using ChildSet = boost::intrusive::set<Node, boost::intrusive::base_hook<NodeHook>,
                                       boost::intrusive::key_of_value<NodeNameOf>,
                                       boost::intrusive::constant_time_size<false>>;

inline constexpr uint32_t kNotInHeap = UINT32_MAX;
// Expire times before 2000-01-01T00:00:00Z are treated as permanent (etcd's minExpireTime).
inline constexpr int64_t kMinExpireTime = 946684800LL * 1000000000LL;

struct Node : NodeHook {
  Node* parent = nullptr;             // Not owned; null for the root.
  std::string name;                   // The last path component; "" for the root.
  std::string value;                  // Files only.
  std::unique_ptr<ChildSet> children; // Non-null exactly when this is a directory.
  uint64_t created_index = 0;
  uint64_t modified_index = 0;
  int64_t expire_time = 0;            // Unix ns; 0 = permanent.
  uint32_t heap_pos = kNotInHeap;     // Position in the TTL heap, or kNotInHeap.

  bool is_dir() const { return children != nullptr; }
  bool is_permanent() const { return expire_time == 0; }
  bool is_hidden() const { return !name.empty() && name[0] == '_'; }
  Node* child(std::string_view n) const {
    auto it = children->find(n);
    return it == children->end() ? nullptr : const_cast<Node*>(&*it);
  }
};

inline std::string_view NodeNameOf::operator()(const Node& n) const { return n.name; }

// Deletes `n` and everything below it, without recursion on the machine stack (trees may be
// 10,000 levels deep). REQUIRES: `n` is already unlinked from its parent's ChildSet.
void destroy_subtree(Node* n);

// The full path of `n`, built by walking up to the root ("/" for the root).
std::string path_of(const Node* n);

}  // namespace arbor::store
