// etcd's v2 client metrics as etcd's Prometheus client renders them.

#include "http/http_metrics.h"

#include <gtest/gtest.h>

namespace arbor::http {
namespace {

TEST(HttpMetricsTest, NothingCountedRendersNothing) {
  HttpMetrics m;
  std::string out;
  m.render(&out);
  EXPECT_EQ(out, "");
}

TEST(HttpMetricsTest, CountersByMethodAndCode) {
  HttpMetrics m;
  m.received("PUT");
  m.received("QGET");
  m.received("PUT");
  m.failed("GET", 404);
  std::string out;
  m.render(&out);
  EXPECT_NE(out.find("# TYPE etcd_http_failed_total counter\n"
                     "etcd_http_failed_total{code=\"404\",method=\"GET\"} 1\n"),
            std::string::npos) << out;
  EXPECT_NE(out.find("# TYPE etcd_http_received_total counter\n"
                     "etcd_http_received_total{method=\"PUT\"} 2\n"
                     "etcd_http_received_total{method=\"QGET\"} 1\n"),
            std::string::npos) << out;
}

TEST(HttpMetricsTest, DurationsInEtcdsBuckets) {
  HttpMetrics m;
  m.succeeded("PUT", 0.003);
  std::string out;
  m.render(&out);
  EXPECT_NE(out.find("etcd_http_successful_duration_seconds_bucket{method=\"PUT\",le=\"0.0005\"} 0\n"), std::string::npos);
  EXPECT_NE(out.find("etcd_http_successful_duration_seconds_bucket{method=\"PUT\",le=\"0.004\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("etcd_http_successful_duration_seconds_bucket{method=\"PUT\",le=\"2.048\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("etcd_http_successful_duration_seconds_count{method=\"PUT\"} 1\n"), std::string::npos);
}

}  // namespace
}  // namespace arbor::http
