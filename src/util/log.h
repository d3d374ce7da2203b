#pragma once
// Leveled logging in etcd 3.4's two shapes, CHECK for invariants, PANIC for what must stop the
// process (a failed fsync, a broken invariant). printf-style and format-checked.
//
//   capnslog (default):  2026-11-22 04:15:34.949701 I | embed: ready to serve client requests
//   zap:                 {"level":"info","ts":"2026-11-22T04:15:34.949Z","caller":"server/x.cc:12",
//                         "msg":"...","field":"value"}
//
// Lines go to every configured output (stderr by default; stdout; files opened for append).
// Thread-safe: configure_logging() runs once before other threads log; each line is then written
// with one write(2) per output.

#include <cstdarg>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace arbor::util {

// capnslog's levels; zap shows kNotice as "info" and kCritical as "fatal".
enum class LogLevel { kDebug = 0, kInfo = 1, kNotice = 2, kWarn = 3, kError = 4, kCritical = 5 };
enum class LogFormat { kCapnslog, kZap };

struct LogConfig {
  LogFormat format = LogFormat::kCapnslog;
  LogLevel level = LogLevel::kInfo;
  // "default" and "stderr" mean fd 2, "stdout" fd 1, anything else a file opened for append.
  std::vector<std::string> outputs = {"default"};
};

// Applies `config`. Returns an error text (and changes nothing) when a file cannot be opened.
[[nodiscard]] std::string configure_logging(const LogConfig& config);
// etcd's --log-level words (debug, info, warn, error, panic, fatal) → a level; false if unknown.
bool parse_log_level(std::string_view word, LogLevel* out);
void set_log_level(LogLevel level);
LogLevel log_level();
LogFormat log_format();

// A structured field of a zap line: its key and its value already rendered as JSON.
struct LogField {
  std::string key;
  std::string json;
};
LogField str_field(std::string key, std::string_view value);
LogField num_field(std::string key, int64_t value);
LogField strs_field(std::string key, const std::vector<std::string>& values);
// JSON string literal for `s` (quotes and escapes).
std::string json_quote(std::string_view s);

// One event in both shapes: `text` for capnslog, `msg` plus `fields` for zap (etcd's messages
// differ between its two loggers; the milestone lines tools wait for are written this way).
void log_event(LogLevel level, const char* pkg, const char* file, int line, std::string_view text,
               std::string_view msg, std::initializer_list<LogField> fields = {});
// A printf-style line: the same text in both shapes.
void log_line(LogLevel level, const char* pkg, const char* file, int line, const char* fmt, ...)
    __attribute__((format(printf, 5, 6)));
// A line written as is, whatever the format (etcd's "[WARNING] Deprecated ..." banner).
void log_raw(std::string_view line);
[[noreturn]] void panic(const char* file, int line, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

}  // namespace arbor::util

#define ARBOR_LOG(level, pkg, ...) \
  ::arbor::util::log_line(::arbor::util::LogLevel::level, pkg, __FILE__, __LINE__, __VA_ARGS__)
#define LOG_DEBUG(pkg, ...) ARBOR_LOG(kDebug, pkg, __VA_ARGS__)
#define LOG_INFO(pkg, ...) ARBOR_LOG(kInfo, pkg, __VA_ARGS__)
#define LOG_NOTICE(pkg, ...) ARBOR_LOG(kNotice, pkg, __VA_ARGS__)
#define LOG_WARN(pkg, ...) ARBOR_LOG(kWarn, pkg, __VA_ARGS__)
#define LOG_ERROR(pkg, ...) ARBOR_LOG(kError, pkg, __VA_ARGS__)
#define LOG_EVENT(level, pkg, text, msg, ...)                                               \
  ::arbor::util::log_event(::arbor::util::LogLevel::level, pkg, __FILE__, __LINE__, text, msg, \
                           {__VA_ARGS__})
#define PANIC(...) ::arbor::util::panic(__FILE__, __LINE__, __VA_ARGS__)
#define CHECK(cond, ...)                          \
  do {                                            \
    if (__builtin_expect(!(cond), 0)) PANIC(__VA_ARGS__); \
  } while (0)
