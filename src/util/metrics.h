#pragma once
// Prometheus-style metrics, rendered in the text exposition format with etcd's names where
// they apply (e.g. etcd_disk_wal_fsync_duration_seconds).
//
// Thread-safe: observe() and render() may run concurrently (atomics; a render may see an
// observation half-counted, as Prometheus clients allow).

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace arbor::util {

// A histogram over exponential buckets: start, start*factor, ... (count of them), plus +Inf.
class Histogram {
 public:
  static constexpr size_t kMaxBuckets = 24;

  Histogram(std::string name, std::string help, double start, double factor, size_t count);

  void observe(double value);

  // "# HELP ...\n# TYPE ... histogram\n<name>_bucket{le="..."} N ... _sum ... _count ...\n"
  std::string render() const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::string name_, help_;
  size_t buckets_;
  std::array<double, kMaxBuckets> bounds_{};
  std::array<std::atomic<uint64_t>, kMaxBuckets> counts_{};  // Not cumulative; render sums.
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_nanos_{0};  // The sum, kept in billionths to stay atomic.
};

}  // namespace arbor::util
