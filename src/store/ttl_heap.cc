#include "store/ttl_heap.h"

namespace arbor::store {

bool expires_before(const Node* a, const Node* b) {
  if (a->expire_time != b->expire_time) return a->expire_time < b->expire_time;
  if (a->created_index != b->created_index) return a->created_index < b->created_index;
  return a->name() < b->name();
}

void TtlHeap::push(Node* n) {
  heap_.push_back(n);
  n->heap_pos = static_cast<uint32_t>(heap_.size() - 1);
  sift_up(heap_.size() - 1);
}

void TtlHeap::update(Node* n) {
  sift_up(n->heap_pos);
  sift_down(n->heap_pos);
}

void TtlHeap::remove(Node* n) {
  if (n == nullptr || n->heap_pos == kNotInHeap) return;
  size_t i = n->heap_pos;
  Node* last = heap_.back();
  heap_.pop_back();
  n->heap_pos = kNotInHeap;
  if (last != n) {
    place(i, last);
    sift_up(i);
    sift_down(last->heap_pos);
  }
}

void TtlHeap::clear() {
  for (Node* n : heap_) n->heap_pos = kNotInHeap;
  heap_.clear();
}

void TtlHeap::sift_up(size_t i) {
  Node* n = heap_[i];
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!expires_before(n, heap_[parent])) break;
    place(i, heap_[parent]);
    i = parent;
  }
  place(i, n);
}

void TtlHeap::sift_down(size_t i) {
  Node* n = heap_[i];
  const size_t size = heap_.size();
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= size) break;
    if (child + 1 < size && expires_before(heap_[child + 1], heap_[child])) ++child;
    if (!expires_before(heap_[child], n)) break;
    place(i, heap_[child]);
    i = child;
  }
  place(i, n);
}

}  // namespace arbor::store
