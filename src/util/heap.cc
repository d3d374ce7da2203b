#include "util/heap.h"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace arbor::util {

void prefault_heap(size_t bytes) {
#if defined(__GLIBC__)
  // glibc serves blocks of at least its mmap threshold with a mapping of their own; freeing
  // one raises the threshold to its size, up to 32 MiB (mallopt(3): "dynamic adjustment").
  // The blocks below then come from the main heap, which grows with brk. Freed, they merge
  // into the heap's free top; glibc trims that top only beyond twice the threshold, so at most
  // 1.5 steps are taken.
  constexpr size_t kStep = 30u << 20;
  constexpr size_t kMin = 1u << 20;
  bytes = std::min(bytes, kStep + kStep / 2);
  if (bytes < kMin) return;
  const size_t step = std::min(bytes, kStep);
  void* volatile probe = std::malloc(step);  // volatile: the pair must not be optimized away
  std::free(probe);

  char* const begin = static_cast<char*>(sbrk(0));
  void* volatile blocks[2] = {nullptr, nullptr};
  size_t got = 0;
  for (int i = 0; i < 2 && got < bytes; ++i) {
    const size_t n = std::min(step, bytes - got);
    // A little under `n`, so the request stays below the threshold the probe set.
    blocks[i] = std::malloc(n - std::min<size_t>(n / 2, 64u << 10));
    if (blocks[i] == nullptr) break;
    got += n;
  }
  char* const end = static_cast<char*>(sbrk(0));
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t lo = (reinterpret_cast<uintptr_t>(begin) + page - 1) & ~(page - 1);
  const uintptr_t hi = reinterpret_cast<uintptr_t>(end) & ~(page - 1);
  if (begin != reinterpret_cast<char*>(-1) && hi > lo) {
    // Errors are ignored: without huge pages or without populate the heap just grows as usual.
    (void)madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
    (void)madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_POPULATE_WRITE);
  }
  std::free(blocks[1]);
  std::free(blocks[0]);
#else
  (void)bytes;
#endif
}

}  // namespace arbor::util
