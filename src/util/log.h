#pragma once
// Leveled logging to stderr, CHECK for invariants, PANIC for what must stop the process
// (a failed fsync, a broken invariant). printf-style and format-checked.
//
// Thread-safe: each line is written with one write(2).

#include <cstdarg>

namespace arbor::util {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

void set_log_level(LogLevel level);
LogLevel log_level();
// Writes one line: "2026-11-22 04:15:34.949701 I | <pkg>: <message>", etcd's capnslog shape.
void log_line(LogLevel level, const char* pkg, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));
[[noreturn]] void panic(const char* file, int line, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

}  // namespace arbor::util

#define LOG_DEBUG(pkg, ...) ::arbor::util::log_line(::arbor::util::LogLevel::kDebug, pkg, __VA_ARGS__)
#define LOG_INFO(pkg, ...) ::arbor::util::log_line(::arbor::util::LogLevel::kInfo, pkg, __VA_ARGS__)
#define LOG_WARN(pkg, ...) ::arbor::util::log_line(::arbor::util::LogLevel::kWarn, pkg, __VA_ARGS__)
#define LOG_ERROR(pkg, ...) ::arbor::util::log_line(::arbor::util::LogLevel::kError, pkg, __VA_ARGS__)
#define PANIC(...) ::arbor::util::panic(__FILE__, __LINE__, __VA_ARGS__)
#define CHECK(cond, ...)                          \
  do {                                            \
    if (__builtin_expect(!(cond), 0)) PANIC(__VA_ARGS__); \
  } while (0)
