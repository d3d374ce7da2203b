#include "util/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace arbor::util {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::atomic<LogFormat> g_format{LogFormat::kCapnslog};
// The output descriptors; replaced only by configure_logging(), before other threads log.
constexpr size_t kMaxOutputs = 8;
int g_fds[kMaxOutputs] = {2};
size_t g_nfds = 1;

void write_all(const std::string& line) {
  for (size_t i = 0; i < g_nfds; ++i) {
    ssize_t w = ::write(g_fds[i], line.data(), line.size());
    (void)w;
  }
}

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "2026-11-22 04:15:34.949701 I | pkg: " in local time, as capnslog writes it.
std::string capnslog_prefix(char tag, const char* pkg) {
  const int64_t us = now_us();
  time_t secs = static_cast<time_t>(us / 1000000);
  struct tm tm;
  localtime_r(&secs, &tm);
  char buf[96];
  size_t n = strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  snprintf(buf + n, sizeof buf - n, ".%06lld %c | ", static_cast<long long>(us % 1000000), tag);
  return std::string(buf) + pkg + ": ";
}

// "2026-11-22T04:15:34.949Z": zap's ISO 8601 in UTC with milliseconds, as etcd 3.4 configures it.
std::string zap_time() {
  const int64_t us = now_us();
  time_t secs = static_cast<time_t>(us / 1000000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, sizeof buf - n, ".%03lldZ", static_cast<long long>((us / 1000) % 1000));
  return buf;
}

char tag_of(LogLevel level) {
  static constexpr char kTags[] = {'D', 'I', 'N', 'W', 'E', 'C'};
  return kTags[static_cast<int>(level)];
}

const char* zap_level(LogLevel level) {
  static constexpr const char* kNames[] = {"debug", "info", "info", "warn", "error", "fatal"};
  return kNames[static_cast<int>(level)];
}

// "src/server/config.cc" → "server/config.cc", as zap's short caller shows "embed/etcd.go".
std::string caller(const char* file, int line) {
  std::string_view f(file);
  size_t last = f.rfind('/');
  if (last != std::string_view::npos && last > 0) {
    size_t prev = f.rfind('/', last - 1);
    if (prev != std::string_view::npos) f = f.substr(prev + 1);
  }
  return std::string(f) + ":" + std::to_string(line);
}

void emit(LogLevel level, const char* pkg, const char* file, int line, std::string_view text,
          std::string_view msg, std::initializer_list<LogField> fields) {
  std::string out;
  if (g_format.load(std::memory_order_relaxed) == LogFormat::kZap) {
    out = "{\"level\":\"";
    out += zap_level(level);
    out += "\",\"ts\":\"" + zap_time() + "\",\"caller\":" + json_quote(caller(file, line)) +
           ",\"msg\":" + json_quote(msg);
    for (const LogField& f : fields) out += "," + json_quote(f.key) + ":" + f.json;
    out += "}\n";
  } else {
    out = capnslog_prefix(tag_of(level), pkg);
    out += text;
    out += '\n';
  }
  write_all(out);
}

}  // namespace

std::string configure_logging(const LogConfig& config) {
  int fds[kMaxOutputs];
  size_t n = 0;
  for (const std::string& o : config.outputs) {
    int fd;
    if (o == "default" || o == "stderr") fd = 2;
    else if (o == "stdout") fd = 1;
    else {
      fd = ::open(o.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
      if (fd < 0) return "open " + o + ": " + std::strerror(errno);
    }
    if (n == kMaxOutputs) return "too many log outputs";
    if (std::find(fds, fds + n, fd) == fds + n) fds[n++] = fd;
  }
  if (n == 0) fds[n++] = 2;
  std::copy(fds, fds + n, g_fds);
  g_nfds = n;
  g_format.store(config.format, std::memory_order_relaxed);
  g_level.store(config.level, std::memory_order_relaxed);
  return "";
}

bool parse_log_level(std::string_view word, LogLevel* out) {
  if (word == "debug") *out = LogLevel::kDebug;
  else if (word == "info") *out = LogLevel::kInfo;
  else if (word == "warn") *out = LogLevel::kWarn;
  else if (word == "error") *out = LogLevel::kError;
  else if (word == "dpanic" || word == "panic" || word == "fatal") *out = LogLevel::kCritical;
  else return false;
  return true;
}

void set_log_level(LogLevel level) { g_level.store(level, std::memory_order_relaxed); }
LogLevel log_level() { return g_level.load(std::memory_order_relaxed); }
LogFormat log_format() { return g_format.load(std::memory_order_relaxed); }

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

LogField str_field(std::string key, std::string_view value) { return {std::move(key), json_quote(value)}; }
LogField num_field(std::string key, int64_t value) { return {std::move(key), std::to_string(value)}; }
LogField strs_field(std::string key, const std::vector<std::string>& values) {
  std::string json = "[";
  for (size_t i = 0; i < values.size(); ++i) json += (i ? "," : "") + json_quote(values[i]);
  return {std::move(key), json + "]"};
}

void log_event(LogLevel level, const char* pkg, const char* file, int line, std::string_view text,
               std::string_view msg, std::initializer_list<LogField> fields) {
  if (level < log_level()) return;
  emit(level, pkg, file, line, text, msg, fields);
}

void log_line(LogLevel level, const char* pkg, const char* file, int line, const char* fmt, ...) {
  if (level < log_level()) return;
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  int m = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  std::string_view text(buf, static_cast<size_t>(std::clamp(m, 0, static_cast<int>(sizeof buf) - 1)));
  emit(level, pkg, file, line, text, text, {});
}

void log_raw(std::string_view line) {
  std::string out(line);
  out += '\n';
  write_all(out);
}

void panic(const char* file, int line, const char* fmt, ...) {
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  char where[256];
  snprintf(where, sizeof where, "panic at %s:%d", file, line);
  emit(LogLevel::kCritical, where, file, line, buf, buf, {});
  std::abort();
}

}  // namespace arbor::util
