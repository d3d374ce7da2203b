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
