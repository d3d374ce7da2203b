#include "store/child_index.h"

#include <functional>

#include "store/node.h"

namespace arbor::store {
namespace {

constexpr uint64_t kDeleted = 1;  // No node lives at address 1.
constexpr uint64_t kAddressMask = (uint64_t{1} << 48) - 1;
constexpr size_t kMinCapacity = 16;

uint64_t tag_of(uint64_t h) { return h >> 48; }
Node* node_of(uint64_t slot) { return reinterpret_cast<Node*>(slot & kAddressMask); }

}  // namespace

ChildIndex::ChildIndex() : slots_(kMinCapacity, 0) {}

uint64_t ChildIndex::hash(const Node* parent, std::string_view name) {
  const uint64_t p = reinterpret_cast<uintptr_t>(parent) * 0x9E3779B97F4A7C15ull;
  return std::hash<std::string_view>{}(name) ^ (p >> 17) ^ (p << 29);
}

Node* ChildIndex::find(const Node* parent, std::string_view name) const {
  const uint64_t h = hash(parent, name);
  const size_t mask = slots_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    const uint64_t s = slots_[i];
    if (s == 0) return nullptr;
    if (s == kDeleted || (s >> 48) != tag_of(h)) continue;
    Node* n = node_of(s);
    if (n->parent == parent && n->name() == name) return n;
  }
}

void ChildIndex::insert(Node* n) {
  if ((live_ + deleted_ + 1) * 2 > slots_.size()) {
    rehash(live_ + 1 > slots_.size() / 4 ? slots_.size() * 2 : slots_.size());
  }
  const uint64_t h = hash(n->parent, n->name());
  const size_t mask = slots_.size() - 1;
  size_t i = h & mask;
  while (slots_[i] != 0 && slots_[i] != kDeleted) i = (i + 1) & mask;
  if (slots_[i] == kDeleted) --deleted_;
  slots_[i] = (tag_of(h) << 48) | reinterpret_cast<uintptr_t>(n);
  ++live_;
}

void ChildIndex::erase(const Node* n) {
  const uint64_t h = hash(n->parent, n->name());
  const size_t mask = slots_.size() - 1;
  for (size_t i = h & mask; slots_[i] != 0; i = (i + 1) & mask) {
    if (node_of(slots_[i]) == n) {  // Never kDeleted: no node lives at address 1.
      // A slot followed by an empty one ends no probe run: it can be emptied outright.
      if (slots_[(i + 1) & mask] == 0) {
        slots_[i] = 0;
      } else {
        slots_[i] = kDeleted;
        ++deleted_;
      }
      --live_;
      // A table that emptied out shrinks back (a bulk delete leaves no large idle array).
      if (slots_.size() > kMinCapacity && live_ * 8 < slots_.size()) rehash(slots_.size() / 2);
      return;
    }
  }
}

void ChildIndex::clear() {
  slots_.assign(kMinCapacity, 0);
  live_ = deleted_ = 0;
}

void ChildIndex::reserve(size_t n) {
  size_t capacity = slots_.size();
  // insert() keeps live + deleted at most half the slots.
  while ((n + deleted_ + 1) * 2 > capacity) capacity *= 2;
  if (capacity != slots_.size()) rehash(capacity);
}

void ChildIndex::rehash(size_t capacity) {
  std::vector<uint64_t> old(capacity < kMinCapacity ? kMinCapacity : capacity, 0);
  old.swap(slots_);
  const size_t mask = slots_.size() - 1;
  for (uint64_t s : old) {
    if (s == 0 || s == kDeleted) continue;
    const Node* n = node_of(s);
    size_t i = hash(n->parent, n->name()) & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
  deleted_ = 0;
}

}  // namespace arbor::store
