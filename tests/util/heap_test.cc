// util::prefault_heap: the small allocations that follow it land on memory already mapped.

#include "util/heap.h"

#include <gtest/gtest.h>
#include <malloc.h>
#include <sys/resource.h>

#include <memory>
#include <vector>

namespace arbor::util {
namespace {

long minor_faults() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return u.ru_minflt;
}

TEST(PrefaultHeapTest, SmallAllocationsAfterItTakeFewPageFaults) {
#if defined(__SANITIZE_ADDRESS__) || !defined(__GLIBC__)
  GTEST_SKIP() << "works on glibc's main heap, which this build does not use";
#else
  constexpr size_t kBytes = 16u << 20;
  constexpr size_t kBlock = 48;
  std::vector<std::unique_ptr<char[]>> blocks;
  blocks.reserve(kBytes / kBlock);
  malloc_trim(0);  // Free memory earlier tests left in the heap would hide the faults.
  prefault_heap(kBytes * 3 / 2);
  const long before = minor_faults();
  for (size_t i = 0; i < kBytes / kBlock; ++i) {
    blocks.emplace_back(new char[kBlock]);
    blocks.back()[0] = 1;
  }
  const long faults = minor_faults() - before;
  // Growing the heap as usual takes one fault per 4 KB page: about 4,000 here.
  EXPECT_LT(faults, static_cast<long>(kBytes / 4096 / 4)) << faults << " page faults";
#endif
}

}  // namespace
}  // namespace arbor::util
