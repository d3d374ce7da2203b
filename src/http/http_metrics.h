#pragma once
// etcd's v2 client metrics (etcdserver/api/v2http/metrics.go), counted by the /v2/keys handler:
//   etcd_http_received_total{method}            requests parsed and authorised (not watches)
//   etcd_http_failed_total{method,code}         requests the store or the log refused, by status
//   etcd_http_successful_duration_seconds{method}  time to answer a successful non-watch request
// `method` is the HTTP method, "QGET" for a quorum GET.
//
// Thread-safe: counters are atomics; the per-method slots are fixed at construction.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "util/metrics.h"

namespace arbor::http {

class HttpMetrics {
 public:
  HttpMetrics();

  void received(std::string_view method);
  void failed(std::string_view method, int status);
  void succeeded(std::string_view method, double seconds);

  // The three families in the text format (a MetricsRegistry collector).
  void render(std::string* out) const;

 private:
  static constexpr std::array<const char*, 6> kMethods = {"DELETE", "GET", "HEAD", "POST", "PUT", "QGET"};
  static size_t slot(std::string_view method);  // kMethods.size() for anything else.

  std::array<std::atomic<uint64_t>, kMethods.size()> received_{};
  std::array<std::unique_ptr<util::Histogram>, kMethods.size()> durations_;
  mutable std::mutex failed_mu_;
  std::map<std::pair<std::string, int>, uint64_t> failed_;  // GUARDED_BY(failed_mu_)
};

}  // namespace arbor::http
