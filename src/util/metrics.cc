#include "util/metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

namespace arbor::util {
namespace {

// Go's strconv.FormatFloat(v, 'g', -1, 64), as Prometheus' Go client writes sample values: the
// shortest digits that read back as `v`, in exponent form when the exponent is < -4 or >= 6
// (20000 → "20000", 1e6 → "1e+06", 9605120 → "9.60512e+06", 0.001 → "0.001").
std::string go_float(double v) {
  if (v == 0) return "0";
  char buf[64];
  int precision = 1;
  for (; precision <= 17; ++precision) {
    snprintf(buf, sizeof buf, "%.*e", precision - 1, v);
    if (strtod(buf, nullptr) == v) break;
  }
  const int exp = atoi(strchr(buf, 'e') + 1);
  if (exp < -4 || exp >= 6) return buf;  // Already "d.ddde+XX".
  snprintf(buf, sizeof buf, "%.*f", std::max(precision - 1 - exp, 0), v);
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
  return "# HELP " + name_ + " " + help_ + "\n# TYPE " + name_ + " histogram\n" + render_samples("");
}

std::string Histogram::render_samples(std::string_view labels) const {
  const std::string l(labels);
  const std::string sep = l.empty() ? "" : ",";
  std::string out;
  uint64_t cumulative = 0;
  for (size_t i = 0; i < buckets_; ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    out += name_ + "_bucket{" + l + sep + "le=\"" + go_float(bounds_[i]) + "\"} " + std::to_string(cumulative) + "\n";
  }
  const uint64_t n = count_.load(std::memory_order_relaxed);
  const std::string braces = l.empty() ? "" : "{" + l + "}";
  out += name_ + "_bucket{" + l + sep + "le=\"+Inf\"} " + std::to_string(n) + "\n";
  out += name_ + "_sum" + braces + " " + go_float(static_cast<double>(sum_nanos_.load(std::memory_order_relaxed)) / 1e9) + "\n";
  out += name_ + "_count" + braces + " " + std::to_string(n) + "\n";
  return out;
}

void MetricsRegistry::add(Collector collector) {
  std::lock_guard<std::mutex> lock(mu_);
  collectors_.push_back(std::move(collector));
}

std::string MetricsRegistry::render(bool extensive) const {
  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const Collector& c : collectors_) c(&out, extensive);
  return out;
}

void append_family(std::string* out, std::string_view name, std::string_view type,
                   std::string_view help) {
  out->append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ");
  out->append(name).append(" ").append(type).append("\n");
}

void append_sample(std::string* out, std::string_view name, double value, std::string_view labels) {
  out->append(name);
  if (!labels.empty()) out->append("{").append(labels).append("}");
  out->append(" ").append(go_float(value)).append("\n");
}

void append_metric(std::string* out, std::string_view name, std::string_view type,
                   std::string_view help, double value, std::string_view labels) {
  append_family(out, name, type, help);
  append_sample(out, name, value, labels);
}

void collect_process_metrics(std::string* out, bool /*extensive*/) {
  // /proc/self/stat: fields 14-15 utime/stime (ticks), 22 starttime (ticks after boot),
  // 23 vsize (bytes), 24 rss (pages). The command name (field 2) may hold spaces: skip past ')'.
  std::ifstream stat("/proc/self/stat");
  std::string line;
  std::getline(stat, line);
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return;
  std::istringstream fields(line.substr(close + 2));
  std::vector<std::string> f((std::istream_iterator<std::string>(fields)), std::istream_iterator<std::string>());
  if (f.size() < 22) return;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  // Field n (1-based) is f[n - 3] once the pid and the command are skipped.
  const double cpu = (std::stod(f[11]) + std::stod(f[12])) / ticks;
  const double start_ticks = std::stod(f[19]);
  const double vsize = std::stod(f[20]);
  const double rss = std::stod(f[21]) * page;
  double boot_time = 0;
  std::ifstream proc_stat("/proc/stat");
  while (std::getline(proc_stat, line))
    if (line.rfind("btime ", 0) == 0) boot_time = std::stod(line.substr(6));
  double open_fds = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') open_fds += 1;
    closedir(d);
    open_fds -= 1;  // The descriptor of the listing itself.
  }
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  append_metric(out, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", cpu);
  append_metric(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.", static_cast<double>(rl.rlim_cur));
  append_metric(out, "process_open_fds", "gauge", "Number of open file descriptors.", open_fds);
  append_metric(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", rss);
  append_metric(out, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", boot_time + start_ticks / ticks);
  append_metric(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", vsize);
}

}  // namespace arbor::util
