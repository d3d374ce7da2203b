#pragma once
// Files and directories as the WAL and the snapshotter need them: positional writes into
// preallocated segments, fdatasync, atomic rename, directory fsync and an exclusive lock.
// PosixDir is the real thing; tests use MemDir (tests/testutil/mem_dir.h), which forgets
// unsynced bytes at a simulated crash, tears writes and flips bits.
//
// Thread-compatible: each File and Dir has one user at a time.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"
#include "util/status.h"

namespace arbor::util {

class File {
 public:
  virtual ~File() = default;
  // Writes `data` at `offset` (may extend the file). Durable only after sync().
  [[nodiscard]] virtual Status write_at(uint64_t offset, std::string_view data) = 0;
  // fdatasync: everything written so far survives a crash.
  [[nodiscard]] virtual Status sync() = 0;
  // Reserves space up to `size` bytes (the file reads as zeros there). May be a no-op.
  [[nodiscard]] virtual Status preallocate(uint64_t size) = 0;
  [[nodiscard]] virtual Status truncate(uint64_t size) = 0;
  virtual uint64_t size() const = 0;
};

// A read-only view of a file's content, valid while the object lives.
class FileView {
 public:
  virtual ~FileView() = default;
  virtual std::string_view data() const = 0;
};

class Dir {
 public:
  virtual ~Dir() = default;
  // Opens `name` for writing, creating it if needed (keeps its content).
  [[nodiscard]] virtual Result<std::unique_ptr<File>, Status> open(std::string_view name) = 0;
  // The content of `name`. A trailing hole (which reads as zeros) may be left off, so `out`
  // can be shorter than the file; readers treat the end of `out` like zeros to the end.
  [[nodiscard]] virtual Status read(std::string_view name, std::string* out) = 0;
  // The same content as read() gives, as a view. This default reads it into memory; PosixDir
  // maps the file instead, sparing a restart the copy and the page faults of a buffer as
  // large as a WAL segment.
  [[nodiscard]] virtual Result<std::unique_ptr<FileView>, Status> view(std::string_view name);
  // File names in the directory, sorted.
  [[nodiscard]] virtual Result<std::vector<std::string>, Status> list() = 0;
  // Atomically replaces `to` with `from`. Durable after sync_dir().
  [[nodiscard]] virtual Status rename(std::string_view from, std::string_view to) = 0;
  [[nodiscard]] virtual Status remove(std::string_view name) = 0;
  // fsync of the directory itself: makes creates, renames and removes durable.
  [[nodiscard]] virtual Status sync_dir() = 0;
  virtual bool exists(std::string_view name) = 0;
  // The directory's path, for messages.
  virtual const std::string& path() const = 0;
};

// A directory of the real file system. create_dirs makes it (and its parents) if missing.
Result<std::unique_ptr<Dir>, Status> open_posix_dir(const std::string& path, bool create_dirs);

// An exclusive advisory lock (flock) on `path`, held until the returned object is destroyed.
// IOError naming the path when another process holds it.
class FileLock {
 public:
  virtual ~FileLock() = default;
};
Result<std::unique_ptr<FileLock>, Status> lock_file(const std::string& path);

}  // namespace arbor::util
