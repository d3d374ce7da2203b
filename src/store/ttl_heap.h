#pragma once
// TtlHeap: the nodes with a TTL, ordered by expire time (a binary min-heap). Each node remembers
// its position (Node::heap_pos), so update and remove are O(log n).
//
// Thread-compatible; owned by the Store.

#include <cstddef>
#include <vector>

#include "store/node.h"

namespace arbor::store {

// The expiry order: by expire time, then (for equal times) by createdIndex, then by name. A total
// order that depends only on replicated state, so a member that rebuilt its heap from a snapshot
// expires tied nodes in the same order, at the same indexes, as one that never restarted. (No
// two TTL nodes share a createdIndex unless one write auto-created both, and those are
// permanent directories.)
bool expires_before(const Node* a, const Node* b);

class TtlHeap {
 public:
  // REQUIRES: n->heap_pos == kNotInHeap and n has a TTL.
  void push(Node* n);
  // Re-places `n` after its expire time changed. REQUIRES: n is in the heap.
  void update(Node* n);
  // Removes `n` if it is in the heap.
  void remove(Node* n);
  // The node that expires first, or null.
  Node* top() const { return heap_.empty() ? nullptr : heap_[0]; }
  void pop() { remove(top()); }
  size_t size() const { return heap_.size(); }
  bool empty() const { return heap_.empty(); }
  void clear();

 private:
  void sift_up(size_t i);
  void sift_down(size_t i);
  void place(size_t i, Node* n) {
    heap_[i] = n;
    n->heap_pos = static_cast<uint32_t>(i);
  }
  std::vector<Node*> heap_;  // Not owned; heap_[i]->heap_pos == i.
};

}  // namespace arbor::store
