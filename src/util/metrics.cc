#include "util/metrics.h"

#include <cstdio>

namespace arbor::util {
namespace {

// Go's strconv.FormatFloat(v, 'g', -1, 64) for the bucket bounds and sum.
std::string go_float(double v) {
  char buf[64];
  for (int precision = 1; precision <= 17; ++precision) {
    snprintf(buf, sizeof buf, "%.*g", precision, v);
    double back = 0;
    sscanf(buf, "%lf", &back);
    if (back == v) break;
  }
  return buf;
}

}  // namespace

Histogram::Histogram(std::string name, std::string help, double start, double factor, size_t count)
    : name_(std::move(name)), help_(std::move(help)), buckets_(count < kMaxBuckets ? count : kMaxBuckets) {
  double b = start;
  for (size_t i = 0; i < buckets_; ++i, b *= factor) bounds_[i] = b;
}

void Histogram::observe(double value) {
  size_t i = 0;
  while (i < buckets_ && value > bounds_[i]) ++i;
  if (i < buckets_) counts_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_nanos_.fetch_add(static_cast<uint64_t>(value * 1e9), std::memory_order_relaxed);
}

std::string Histogram::render() const {
  std::string out = "# HELP " + name_ + " " + help_ + "\n# TYPE " + name_ + " histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < buckets_; ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    out += name_ + "_bucket{le=\"" + go_float(bounds_[i]) + "\"} " + std::to_string(cumulative) + "\n";
  }
  const uint64_t n = count_.load(std::memory_order_relaxed);
  out += name_ + "_bucket{le=\"+Inf\"} " + std::to_string(n) + "\n";
  out += name_ + "_sum " + go_float(static_cast<double>(sum_nanos_.load(std::memory_order_relaxed)) / 1e9) + "\n";
  out += name_ + "_count " + std::to_string(n) + "\n";
  return out;
}

}  // namespace arbor::util
