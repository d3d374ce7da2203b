#pragma once
// Prometheus-style metrics, rendered in the text exposition format with etcd's names where
// they apply (e.g. etcd_disk_wal_fsync_duration_seconds).
//
// Thread-safe: observe() and render() may run concurrently (atomics; a render may see an
// observation half-counted, as Prometheus clients allow).

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace arbor::util {

// A histogram over exponential buckets: start, start*factor, ... (count of them), plus +Inf.
class Histogram {
 public:
  static constexpr size_t kMaxBuckets = 24;

  Histogram(std::string name, std::string help, double start, double factor, size_t count);

  void observe(double value);

  // "# HELP ...\n# TYPE ... histogram\n<name>_bucket{le="..."} N ... _sum ... _count ...\n"
  std::string render() const;
  // Only the samples, each with `labels` ('method="GET"') before `le`: for a histogram family
  // with labels, whose header the caller writes once (append_family).
  std::string render_samples(std::string_view labels) const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::string name_, help_;
  size_t buckets_;
  std::array<double, kMaxBuckets> bounds_{};
  std::array<std::atomic<uint64_t>, kMaxBuckets> counts_{};  // Not cumulative; render sums.
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_nanos_{0};  // The sum, kept in billionths to stay atomic.
};

// Where modules contribute their metrics without /metrics knowing them all: each adds a
// collector that appends its families in the text format; render() concatenates them in the
// order they were added. `extensive` is --metrics=extensive (etcd adds its histograms then).
//
// Thread-safe: add() and render() may run concurrently; collectors run under the registry's
// lock, so a collector must not call add() or render().
class MetricsRegistry {
 public:
  using Collector = std::function<void(std::string* out, bool extensive)>;

  void add(Collector collector);
  std::string render(bool extensive) const;

 private:
  mutable std::mutex mu_;
  std::vector<Collector> collectors_;  // GUARDED_BY(mu_)
};

// Appends one family with one sample: "# HELP name help\n# TYPE name type\nname{labels} value\n".
// `labels` is the inside of the braces ("" for none), already escaped.
void append_metric(std::string* out, std::string_view name, std::string_view type,
                   std::string_view help, double value, std::string_view labels = "");
// Appends a family header, then append_sample() adds its samples.
void append_family(std::string* out, std::string_view name, std::string_view type,
                   std::string_view help);
void append_sample(std::string* out, std::string_view name, double value,
                   std::string_view labels = "");

// The process_* metrics of Prometheus' Go client from /proc/self: cpu seconds, resident and
// virtual memory, open and max fds, start time. A collector for MetricsRegistry.
void collect_process_metrics(std::string* out, bool extensive);

}  // namespace arbor::util
