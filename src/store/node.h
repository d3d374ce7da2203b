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
#include <cstring>
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

// A node's name and (for files) value share one exact-size heap block, with 32-bit lengths:
// 88 bytes of node plus name+value bytes, two allocations per key.
struct Node : NodeHook {
  Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  ~Node() { delete[] data_; }

  std::string_view name() const { return {data_, name_len_}; }
  std::string_view value() const { return {data_ + name_len_, value_len_}; }
  // REQUIRES: name and value each shorter than 4 GiB.
  void assign(std::string_view name, std::string_view value) {
    char* data = name.size() + value.size() == 0 ? nullptr : new char[name.size() + value.size()];
    if (!name.empty()) std::memcpy(data, name.data(), name.size());
    if (!value.empty()) std::memcpy(data + name.size(), value.data(), value.size());
    delete[] data_;
    data_ = data;
    name_len_ = static_cast<uint32_t>(name.size());
    value_len_ = static_cast<uint32_t>(value.size());
  }
  void set_value(std::string_view value) {
    if (value.size() == value_len_) {
      if (!value.empty()) std::memcpy(data_ + name_len_, value.data(), value.size());
      return;
    }
    const std::string name_copy(name());
    assign(name_copy, value);
  }

  bool is_dir() const { return children != nullptr; }
  bool is_permanent() const { return expire_time == 0; }
  bool is_hidden() const { return name_len_ > 0 && data_[0] == '_'; }

  Node* parent = nullptr;             // Not owned; null for the root.
  std::unique_ptr<ChildSet> children; // Non-null exactly when this is a directory.
  uint64_t created_index = 0;
  uint64_t modified_index = 0;
  int64_t expire_time = 0;            // Unix ns; 0 = permanent.
  uint32_t heap_pos = kNotInHeap;     // Position in the TTL heap, or kNotInHeap.

 private:
  uint32_t name_len_ = 0;
  uint32_t value_len_ = 0;
  char* data_ = nullptr;  // Owned: name_len_ bytes of name, then value_len_ bytes of value.
};

// 88 bytes + malloc's 8-byte header is a 96-byte chunk; one field more would cost 16 per key.
static_assert(sizeof(Node) <= 88, "Node grew: check the per-key memory budget");

inline std::string_view NodeNameOf::operator()(const Node& n) const { return n.name(); }

// Deletes `n` and everything below it, without recursion on the machine stack (trees may be
// 10,000 levels deep). REQUIRES: `n` is already unlinked from its parent's ChildSet.
void destroy_subtree(Node* n);

// The full path of `n`, built by walking up to the root ("/" for the root).
std::string path_of(const Node* n);

}  // namespace arbor::store
