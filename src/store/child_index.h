#pragma once
// ChildIndex: every node of the tree by (parent, name), in one open-addressing hash table.
// Internal to src/store.
//
// A directory's ChildSet (node.h) keeps its children in name order for listings; looking a child
// up there walks ~log2(n) nodes, each a cache miss on the node and another on its name, which is
// what a PUT to a 10,000-key directory spent most of its store time on. Here a lookup is one
// probe run in a flat array: a slot holds the node's address with 16 bits of its hash in the
// unused top bits, so a probe reads a node only when those bits match. 8 bytes a slot, at most
// half the slots full or deleted: about 16 bytes per key.
//
// Thread-compatible: find() is const and may run in several readers at once; insert/erase need
// the store's exclusive lock.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace arbor::store {

struct Node;

class ChildIndex {
 public:
  ChildIndex();
  // The child of `parent` named `name`, or nullptr.
  Node* find(const Node* parent, std::string_view name) const;
  // REQUIRES: n->parent and n's name are set and no other child of n->parent has that name.
  void insert(Node* n);
  // REQUIRES: `n` was inserted, with the same parent and name.
  void erase(const Node* n);
  void clear();
  // Room for `n` live entries without a rehash (a snapshot load knows its sizes up front).
  void reserve(size_t n);
  size_t size() const { return live_; }

 private:
  static uint64_t hash(const Node* parent, std::string_view name);
  void rehash(size_t capacity);

  std::vector<uint64_t> slots_;  // 0: empty; kDeleted; else tag << 48 | address.
  size_t live_ = 0;
  size_t deleted_ = 0;
};

}  // namespace arbor::store
