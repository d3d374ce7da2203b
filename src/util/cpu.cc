#include "util/cpu.h"

#include <sched.h>

namespace arbor::util {
namespace {

cpu_set_t g_before;      // The process's CPUs before pin_with.
bool g_pinned = false;   // Written once, before the threads that read it exist or fork.

}  // namespace

int allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  const int n = CPU_COUNT(&set);
  return n > 0 ? n : 1;
}

int pin_with(const std::vector<pthread_t>& others) {
  cpu_set_t before;
  CPU_ZERO(&before);
  if (sched_getaffinity(0, sizeof before, &before) != 0) return -1;
  const int cpu = sched_getcpu();
  if (cpu < 0 || !CPU_ISSET(cpu, &before)) return -1;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  std::vector<pthread_t> all = others;
  all.push_back(pthread_self());
  for (size_t i = 0; i < all.size(); ++i) {
    if (pthread_setaffinity_np(all[i], sizeof one, &one) != 0) {
      for (size_t k = 0; k < i; ++k) (void)pthread_setaffinity_np(all[k], sizeof before, &before);
      return -1;
    }
  }
  g_before = before;
  g_pinned = true;
  return cpu;
}

void unpin_self() {
  if (g_pinned) (void)sched_setaffinity(0, sizeof g_before, &g_before);
}

}  // namespace arbor::util
