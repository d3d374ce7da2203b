#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace arbor::cli {
namespace {

std::string amount(double v, const std::string& unit) {
  char buf[64];
  if (unit == "B") {
    if (v >= 1024.0 * 1024.0) {
      std::snprintf(buf, sizeof buf, "%.1f MiB", v / (1024.0 * 1024.0));
    } else if (v >= 1024.0) {
      std::snprintf(buf, sizeof buf, "%.1f KiB", v / 1024.0);
    } else {
      std::snprintf(buf, sizeof buf, "%.0f B", v);
    }
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

std::string duration(double s) {
  char buf[32];
  const auto secs = static_cast<long>(s + 0.5);
  if (secs >= 3600) {
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", secs / 3600, (secs / 60) % 60);
  } else if (secs >= 60) {
    std::snprintf(buf, sizeof buf, "%ldm%02lds", secs / 60, secs % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lds", secs);
  }
  return buf;
}

}  // namespace

std::string render_progress(uint64_t done, uint64_t total, double elapsed,
                            const std::string& unit) {
  constexpr int kWidth = 20;
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  const std::string rate_unit = unit == "B" ? "/s" : " " + unit + "/s";
  std::string line;
  char buf[64];
  if (total > 0) {
    const double frac =
        done >= total ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
    const int filled = static_cast<int>(frac * kWidth);
    line = "[" + std::string(static_cast<size_t>(filled), '#') +
           std::string(static_cast<size_t>(kWidth - filled), '-') + "]";
    std::snprintf(buf, sizeof buf, " %3d%%  ", static_cast<int>(frac * 100));
    line += buf;
    line += unit == "B" ? amount(static_cast<double>(done), unit) + "/" +
                              amount(static_cast<double>(total), unit)
                        : amount(static_cast<double>(done), unit) + "/" +
                              amount(static_cast<double>(total), unit) + " " + unit;
  } else {
    line = amount(static_cast<double>(done), unit) + (unit == "B" ? "" : " " + unit);
  }
  if (unit == "B") {
    line += "  " + amount(rate, unit) + rate_unit;
  } else {
    std::snprintf(buf, sizeof buf, "  %.1f", rate);
    line += buf + rate_unit;
  }
  if (total > 0) {
    if (done >= total) {
      line += "  done in " + duration(elapsed);
    } else if (rate > 0) {
      line += "  ETA " + duration(static_cast<double>(total - done) / rate);
    } else {
      line += "  ETA --";
    }
  }
  return line;
}

Progress::Progress(bool enabled, int fd, std::string unit)
    : enabled_(enabled), fd_(fd), unit_(std::move(unit)) {}

void Progress::update(uint64_t done, uint64_t total) {
  done_ = done;
  total_ = total;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100) && !(total > 0 && done >= total))
    return;
  last_draw_ = now;
  drawn_ = true;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  // "\r" returns to the start of the line and "\033[K" clears what a longer line left.
  const std::string line = "\r" + render_progress(done, total, elapsed, unit_) + "\033[K";
  ssize_t w = ::write(fd_, line.data(), line.size());
  (void)w;
}

void Progress::finish() {
  if (!enabled_) return;
  drawn_ = false;
  update(done_, total_ == 0 ? done_ : total_);
  ssize_t w = ::write(fd_, "\n", 1);
  (void)w;
}

}  // namespace arbor::cli
