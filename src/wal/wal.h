#pragma once
// A Wal is the durable record of raft's HardState and log entries, stored as a directory of
// segment files named "%016x-%016x.wal" (sequence, index of the first entry expected in it).
// See docs/wal_format.md for the byte layout and the recovery rules.
//
// Segments are preallocated and cut at a size limit; the next one is prepared in advance under
// a ".tmp" name and renamed into place when it is put in use. A crash in the middle of cut()
// leaves at worst a ".tmp" file, which open() removes: the old segment was synced first.
//
// Thread-compatible: callers serialise access (the apply loop is the only user).

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "raft/types.h"
#include "util/file.h"
#include "util/result.h"
#include "util/status.h"
#include "wal/record.h"

namespace arbor::wal {

// A snapshot marker: the log up to (index, term) is covered by a snapshot.
struct WalSnapshot {
  uint64_t index = 0;
  uint64_t term = 0;
  friend bool operator==(const WalSnapshot&, const WalSnapshot&) = default;
};

struct WalOptions {
  uint64_t segment_bytes = 64ull * 1000 * 1000;  // Cut after a segment passes this size.
};

// What open() read back.
struct WalContents {
  std::string metadata;
  raft::HardState state;
  std::vector<raft::Entry> entries;  // Every entry after the snapshot, in index order.
  std::vector<std::string> repairs;  // One line per torn tail truncated ("file at offset: why").
};

class Wal {
 public:
  // Creates a new WAL in `dir`. REQUIRES: `dir` holds no WAL (see exists()).
  static Result<std::unique_ptr<Wal>, util::Status> create(util::Dir& dir,
                                                           std::string_view metadata,
                                                           WalOptions options = {});

  // Opens the WAL in `dir` and reads everything after `snap` (which must be a snapshot marker
  // this WAL recorded, or {0,0}). A torn tail in the newest segment is truncated and reported
  // in `repairs`; any other damage, a missing segment or an entry gap is Corruption naming the
  // file, the offset and the reason. Afterwards the WAL appends after the last good record.
  static Result<std::unique_ptr<Wal>, util::Status> open(util::Dir& dir, WalSnapshot snap,
                                                         WalContents* contents,
                                                         WalOptions options = {});

  // True when `dir` holds at least one segment.
  static bool exists(util::Dir& dir);

  // Appends `entries` then `state` (when it is not empty and differs from the last one saved).
  // Durable only after sync() returns OK. May cut a new segment.
  [[nodiscard]] util::Status save(const raft::HardState& state,
                                  std::span<const raft::Entry> entries);

  // Records a snapshot marker and syncs.
  [[nodiscard]] util::Status save_snapshot(WalSnapshot snap);

  // Makes everything saved so far durable (fdatasync). The caller treats a failure as fatal.
  [[nodiscard]] util::Status sync();

  // Deletes the oldest segments whose entries all lie before `index` (covered by a snapshot),
  // as long as more than `keep` segments remain.
  [[nodiscard]] util::Status release_before(uint64_t index, size_t keep);

  size_t segment_count() const { return segments_.size(); }
  uint64_t last_index() const { return last_index_; }

  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;
  ~Wal();

 private:
  struct Segment {
    uint64_t seq;
    uint64_t first_index;
    std::string name;
  };
  Wal(util::Dir& dir, WalOptions options);
  [[nodiscard]] util::Status append(RecordType type, std::string_view data);
  [[nodiscard]] util::Status flush();
  // Writes zeros from the tail up to a chunk past `end` (see wal.cc).
  [[nodiscard]] util::Status zero_ahead(uint64_t end);
  static constexpr uint64_t kZeroChunk = 1 << 20;
  [[nodiscard]] util::Status cut();
  [[nodiscard]] util::Status start_segment(const std::string& tmp, const std::string& name);

  util::Dir& dir_;                   // Not owned; outlives this Wal.
  WalOptions options_;
  std::vector<Segment> segments_;    // Oldest first; the last is being appended to.
  std::unique_ptr<util::File> tail_; // The segment being appended to.
  uint64_t offset_ = 0;              // Where the next frame goes in tail_.
  uint64_t zeroed_ = 0;              // tail_ holds written zeros from offset_ up to here.
  std::string buf_;                  // Frames encoded but not yet written.
  uint32_t crc_ = 0;                 // Running CRC of every record so far.
  std::string metadata_;
  raft::HardState state_;            // The last hard state saved.
  uint64_t last_index_ = 0;          // Index of the last entry saved.
};

// "%016x-%016x.wal".
std::string segment_name(uint64_t seq, uint64_t first_index);
// Parses a segment name; false when `name` is not one.
bool parse_segment_name(std::string_view name, uint64_t* seq, uint64_t* first_index);

}  // namespace arbor::wal
