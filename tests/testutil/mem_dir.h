#pragma once
// MemDir: an in-memory util::Dir with a crash button. It remembers what was synced (file bytes
// at sync(), directory entries at sync_dir()) and a crash throws away the rest, optionally
// keeping a few bytes of the last unsynced write (a torn write). flip() damages stored bytes.
//
// Thread-compatible; tests only.

#include <map>
#include <memory>
#include <string>

#include "util/file.h"

namespace arbor::testutil {

class MemDir final : public util::Dir {
 public:
  MemDir() : path_("memdir") {}
  // A deep copy (a disk image): later changes to either do not show in the other.
  MemDir(const MemDir& other);
  MemDir& operator=(const MemDir& other);

  Result<std::unique_ptr<util::File>, util::Status> open(std::string_view name) override;
  util::Status read(std::string_view name, std::string* out) override;
  Result<std::vector<std::string>, util::Status> list() override;
  util::Status rename(std::string_view from, std::string_view to) override;
  util::Status remove(std::string_view name) override;
  util::Status sync_dir() override;
  bool exists(std::string_view name) override { return files_.count(std::string(name)) != 0; }
  const std::string& path() const override { return path_; }

  // A power loss: every file goes back to its synced bytes, except that the first
  // `torn_bytes` bytes of its unsynced change survive; directory entries go back to the last
  // sync_dir(). Open File objects must not be used afterwards.
  void crash(size_t torn_bytes = 0);
  // XORs the byte at `offset` of `name` (synced and current copies) with `mask`.
  void flip(const std::string& name, size_t offset, uint8_t mask = 0x01);
  // Cuts `name` to `size` bytes (synced and current copies).
  void cut(const std::string& name, size_t size);
  // The current bytes of `name`.
  std::string& bytes(const std::string& name) { return files_.at(name)->data; }

  struct State {
    std::string data;    // What reads see.
    std::string synced;  // What survives a crash.
  };

 private:
  std::map<std::string, std::shared_ptr<State>> files_;    // The live directory.
  std::map<std::string, std::shared_ptr<State>> durable_;  // As of the last sync_dir().
  std::string path_;
};

}  // namespace arbor::testutil
