#include "util/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace arbor::util {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};

void vwrite(char tag, const char* pkg, const char* fmt, va_list ap) {
  char buf[4096];
  auto now = std::chrono::system_clock::now();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  time_t secs = static_cast<time_t>(us / 1000000);
  struct tm tm;
  localtime_r(&secs, &tm);
  int n = static_cast<int>(strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm));
  n += snprintf(buf + n, sizeof buf - static_cast<size_t>(n), ".%06lld %c | %s: ",
                static_cast<long long>(us % 1000000), tag, pkg);
  int m = vsnprintf(buf + n, sizeof buf - static_cast<size_t>(n) - 1, fmt, ap);
  if (m < 0) m = 0;
  n = std::min<int>(n + m, static_cast<int>(sizeof buf) - 2);
  buf[n++] = '\n';
  ssize_t w = ::write(2, buf, static_cast<size_t>(n));
  (void)w;
}

}  // namespace

void set_log_level(LogLevel level) { g_level.store(level, std::memory_order_relaxed); }
LogLevel log_level() { return g_level.load(std::memory_order_relaxed); }

void log_line(LogLevel level, const char* pkg, const char* fmt, ...) {
  if (level < log_level()) return;
  static constexpr char kTags[] = {'D', 'I', 'W', 'E'};
  va_list ap;
  va_start(ap, fmt);
  vwrite(kTags[static_cast<int>(level)], pkg, fmt, ap);
  va_end(ap);
}

void panic(const char* file, int line, const char* fmt, ...) {
  char where[256];
  snprintf(where, sizeof where, "panic at %s:%d", file, line);
  va_list ap;
  va_start(ap, fmt);
  vwrite('C', where, fmt, ap);
  va_end(ap);
  std::abort();
}

}  // namespace arbor::util
