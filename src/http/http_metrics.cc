#include "http/http_metrics.h"

namespace arbor::http {
namespace {

constexpr const char* kDuration = "etcd_http_successful_duration_seconds";

}  // namespace

HttpMetrics::HttpMetrics() {
  // etcd: ExponentialBuckets(0.0005, 2, 13), 0.5 ms to 2.048 s.
  for (auto& h : durations_) h = std::make_unique<util::Histogram>(kDuration, "", 0.0005, 2, 13);
}

size_t HttpMetrics::slot(std::string_view method) {
  for (size_t i = 0; i < kMethods.size(); ++i)
    if (method == kMethods[i]) return i;
  return kMethods.size();
}

void HttpMetrics::received(std::string_view method) {
  if (size_t i = slot(method); i < kMethods.size()) received_[i].fetch_add(1, std::memory_order_relaxed);
}

void HttpMetrics::failed(std::string_view method, int status) {
  std::lock_guard<std::mutex> lock(failed_mu_);
  ++failed_[{std::string(method), status}];
}

void HttpMetrics::succeeded(std::string_view method, double seconds) {
  if (size_t i = slot(method); i < kMethods.size()) durations_[i]->observe(seconds);
}

void HttpMetrics::render(std::string* out) const {
  // As Prometheus' Go client: a labelled family appears once it has a sample.
  std::string failed;
  {
    std::lock_guard<std::mutex> lock(failed_mu_);
    for (const auto& [key, n] : failed_)
      util::append_sample(&failed, "etcd_http_failed_total", static_cast<double>(n),
                          "code=\"" + std::to_string(key.second) + "\",method=\"" + key.first + "\"");
  }
  if (!failed.empty()) {
    util::append_family(out, "etcd_http_failed_total", "counter",
                        "Counter of handle failures of requests (non-watches), by method (GET/PUT etc.) and code (400, 500 etc.).");
    out->append(failed);
  }
  std::string received;
  for (size_t i = 0; i < kMethods.size(); ++i) {
    const uint64_t n = received_[i].load(std::memory_order_relaxed);
    if (n != 0)
      util::append_sample(&received, "etcd_http_received_total", static_cast<double>(n),
                          std::string("method=\"") + kMethods[i] + "\"");
  }
  if (!received.empty()) {
    util::append_family(out, "etcd_http_received_total", "counter",
                        "Counter of requests received into the system (successfully parsed and authd).");
    out->append(received);
  }
  std::string durations;
  for (size_t i = 0; i < kMethods.size(); ++i)
    if (durations_[i]->count() != 0)
      durations += durations_[i]->render_samples(std::string("method=\"") + kMethods[i] + "\"");
  if (!durations.empty()) {
    util::append_family(out, kDuration, "histogram",
                        "Bucketed histogram of processing time (s) of successfully handled requests (non-watches), by method (GET/PUT etc.).");
    out->append(durations);
  }
}

}  // namespace arbor::http
