#pragma once
// The progress bar of export and import: one line redrawn in place on a terminal,
//   [##########----------]  50%  120/240 keys  45.2 keys/s  ETA 3s
// render_progress() is the pure part; Progress decides when to draw and where.
//
// Thread-compatible.

#include <chrono>
#include <cstdint>
#include <string>

namespace arbor::cli {

// The line for `done` of `total` units after `elapsed_seconds` (no carriage return). A zero
// `total` means unknown: no bar, percentage or ETA. Byte units ("B") are shown as KiB/MiB.
std::string render_progress(uint64_t done, uint64_t total, double elapsed_seconds,
                            const std::string& unit);

class Progress {
 public:
  // Draws on `fd` (stderr) only when `enabled`; callers pass isatty() or --progress.
  Progress(bool enabled, int fd, std::string unit);

  // Redraws at most ten times a second, and always when done == total.
  void update(uint64_t done, uint64_t total);
  // Draws the final state and ends the line.
  void finish();

 private:
  bool enabled_;
  int fd_;
  std::string unit_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_draw_{};
  uint64_t done_ = 0, total_ = 0;
  bool drawn_ = false;
};

}  // namespace arbor::cli
