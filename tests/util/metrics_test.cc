#include "util/metrics.h"

#include <gtest/gtest.h>

namespace arbor::util {
namespace {

TEST(HistogramTest, RendersCumulativeBucketsSumAndCountInPrometheusText) {
  Histogram h("etcd_disk_wal_fsync_duration_seconds",
              "The latency distributions of fsync called by WAL.", 0.001, 2, 3);
  h.observe(0.0005);  // <= 0.001
  h.observe(0.0015);  // <= 0.002
  h.observe(0.5);     // +Inf only
  EXPECT_EQ(h.render(),
            "# HELP etcd_disk_wal_fsync_duration_seconds The latency distributions of fsync "
            "called by WAL.\n"
            "# TYPE etcd_disk_wal_fsync_duration_seconds histogram\n"
            "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.001\"} 1\n"
            "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.002\"} 2\n"
            "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.004\"} 2\n"
            "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"+Inf\"} 3\n"
            "etcd_disk_wal_fsync_duration_seconds_sum 0.502\n"
            "etcd_disk_wal_fsync_duration_seconds_count 3\n");
  EXPECT_EQ(h.count(), 3u);
}

}  // namespace
}  // namespace arbor::util

namespace arbor::util {
namespace {

TEST(MetricsRegistryTest, RendersEveryCollectorInOrder) {
  MetricsRegistry r;
  r.add([](std::string* out, bool) { append_metric(out, "a_total", "counter", "A.", 3); });
  r.add([](std::string* out, bool extensive) {
    if (extensive) append_metric(out, "b", "gauge", "B.", 0.5, "x=\"y\"");
  });
  EXPECT_EQ(r.render(false), "# HELP a_total A.\n# TYPE a_total counter\na_total 3\n");
  EXPECT_EQ(r.render(true),
            "# HELP a_total A.\n# TYPE a_total counter\na_total 3\n"
            "# HELP b B.\n# TYPE b gauge\nb{x=\"y\"} 0.5\n");
}

TEST(MetricsRegistryTest, ProcessMetricsArePresent) {
  std::string out;
  collect_process_metrics(&out, false);
  for (const char* name : {"process_cpu_seconds_total ", "process_resident_memory_bytes ",
                           "process_open_fds ", "process_max_fds ", "process_start_time_seconds "})
    EXPECT_NE(out.find(std::string("\n") + name), std::string::npos) << name;
}

}  // namespace
}  // namespace arbor::util

namespace arbor::util {
namespace {

TEST(MetricsFormatTest, ValuesAsGosFormatFloat) {
  for (auto [v, want] : {std::pair{20000.0, "20000"}, std::pair{1e6, "1e+06"},
                         std::pair{9605120.0, "9.60512e+06"}, std::pair{0.001, "0.001"},
                         std::pair{0.00001, "1e-05"}, std::pair{0.008657313, "0.008657313"},
                         std::pair{3.0, "3"}, std::pair{0.0, "0"}}) {
    std::string out;
    append_sample(&out, "m", v);
    EXPECT_EQ(out, std::string("m ") + want + "\n");
  }
}

}  // namespace
}  // namespace arbor::util
