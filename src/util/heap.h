#pragma once
// Getting the heap ready for a large structure built in one go (the store a restart rebuilds
// from its snapshot).
//
// Growing the heap page by page costs one page fault per 4 KB, and under the virtual machines
// arbor is measured on a fault of fresh memory costs ~10 us: for the 100k-key store that was
// most of the rebuild (~75 ms cold against ~25 ms on memory already mapped). Mapping the memory
// in one call, with transparent huge pages where the kernel allows them, takes a few ms.

#include <cstddef>

namespace arbor::util {

// Maps up to `bytes` at the top of glibc's main heap (huge pages where allowed, populated
// writable), so that the small allocations this thread makes next land on memory that is
// already there. Best effort: nothing happens on another allocator, on another thread's arena
// or on a kernel without MADV_POPULATE_WRITE (Linux 5.14). The memory stays with the heap as
// free space; what the structure does not use is returned by glibc's usual trimming.
void prefault_heap(size_t bytes);

}  // namespace arbor::util
