#pragma once
// DurableLog: the member's data directory as the apply loop uses it. Entries go to the WAL
// (<data-dir>/member/wal) and are made durable with one fdatasync per batch before anything is
// acknowledged; every --snapshot-count applied entries the store is streamed to a snapshot
// (<data-dir>/member/snap), the WAL gets a snapshot marker, and files no longer needed are purged.
// A restart loads the newest valid snapshot and hands back the WAL entries after it to replay.
//
// Thread-compatible: the apply loop is its only user.

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "raft/types.h"
#include "snap/snapshotter.h"
#include "store/store.h"
#include "util/file.h"
#include "util/metrics.h"
#include "util/result.h"
#include "util/status.h"
#include "wal/wal.h"

namespace arbor::server {

struct DurabilityOptions {
  uint64_t snapshot_count = 100000;  // --snapshot-count: applied entries between snapshots.
  size_t max_snapshots = 5;          // --max-snapshots
  size_t max_wals = 5;               // --max-wals
  uint64_t segment_bytes = 64ull * 1000 * 1000;
  // Write snapshots from a forked child, which streams its copy-on-write image of the store
  // while the loop goes on: the loop pauses only for the fork. Only with a real (POSIX) snap
  // directory; tests on in-memory directories write inline.
  bool background_snapshots = false;
};

// What a restart found on disk.
struct RecoveredState {
  std::unique_ptr<store::Store> store;  // As of the snapshot; a fresh store when there is none.
  raft::SnapshotMeta snapshot;          // index 0 when there is none.
  std::vector<raft::Entry> entries;     // The log after the snapshot, to apply in order.
  raft::HardState hard_state;
  std::string metadata;                 // What the log was created with.
  std::vector<std::string> repairs;     // Torn tails the WAL truncated.
  bool fresh = false;                   // No WAL existed: a new log was created.
};

class DurableLog {
 public:
  // Recovers the log in `wal_dir` and `snap_dir`, or creates one holding `metadata` when there
  // is none. Corruption (other than a torn WAL tail) is an error naming the file and offset.
  static Result<std::unique_ptr<DurableLog>, util::Status> open(util::Dir& wal_dir,
                                                                util::Dir& snap_dir,
                                                                std::string_view metadata,
                                                                DurabilityOptions options,
                                                                RecoveredState* out);

  // Appends `entries` and `state`. Durable only after sync().
  [[nodiscard]] util::Status append(std::span<const raft::Entry> entries,
                                    const raft::HardState& state);
  // One fdatasync for everything appended so far. The caller treats a failure as fatal.
  [[nodiscard]] util::Status sync();

  // Called after applying up to `applied` (of term `term`): takes a snapshot of `store` when
  // more than snapshot_count entries were applied since the last one. REQUIRES: `store` does
  // not change during the call (the apply loop, its only writer, is the caller).
  // With background_snapshots, the snapshot is finished (files purged) by a later call once
  // the child is done; a failed child is an error then.
  [[nodiscard]] util::Status maybe_snapshot(const store::Store& store, uint64_t applied,
                                            uint64_t term, const raft::ConfState& conf);
  // Waits for a background snapshot under way, if any, and finishes it.
  [[nodiscard]] util::Status wait_snapshot();

  // Saves a snapshot the leader sent (its data is a store image): the WAL marker, then the
  // file, as maybe_snapshot does. Durable when this returns OK.
  [[nodiscard]] util::Status save_received_snapshot(const raft::Snapshot& snap);

  uint64_t last_snapshot_index() const { return last_snapshot_index_; }
  // etcd_disk_wal_fsync_duration_seconds: one observation per WAL fdatasync.
  const util::Histogram& fsync_histogram() const { return fsync_seconds_; }
  // How long the last snapshot held the apply loop (ns; with background snapshots, the WAL
  // marker and the fork); 0 before the first.
  int64_t last_snapshot_pause_ns() const { return last_snapshot_pause_ns_; }

  ~DurableLog();
  DurableLog(const DurableLog&) = delete;
  DurableLog& operator=(const DurableLog&) = delete;

 private:
  DurableLog(util::Dir& snap_dir, DurabilityOptions options)
      : snapshotter_(snap_dir), options_(options) {}

  // Reaps the snapshot child (waiting for it when `block`) and finishes its snapshot.
  util::Status reap_child(bool block);
  // After a snapshot at `meta` is durable: purge old snapshots and WAL segments.
  util::Status finish_snapshot(const raft::SnapshotMeta& meta);
  [[noreturn]] void write_in_child(const store::Store& store, const raft::SnapshotMeta& meta,
                                   int parent);

  std::unique_ptr<wal::Wal> wal_;
  snap::Snapshotter snapshotter_;
  DurabilityOptions options_;
  uint64_t last_snapshot_index_ = 0;
  int64_t last_snapshot_pause_ns_ = 0;
  int child_pid_ = 0;                // A background snapshot under way, or 0.
  raft::SnapshotMeta child_meta_;    // What that child writes.
  std::chrono::steady_clock::time_point child_start_;
  util::Histogram fsync_seconds_{"etcd_disk_wal_fsync_duration_seconds",
                                 "The latency distributions of fsync called by WAL.", 0.001, 2, 14};
};

// The data directory on disk: <data_dir>/member/wal (or `wal_dir`), <data_dir>/member/snap, and
// an exclusive lock so that a second process on the same directory refuses to start.
struct DataDir {
  std::unique_ptr<util::FileLock> lock;
  std::unique_ptr<util::Dir> wal;
  std::unique_ptr<util::Dir> snap;
};
[[nodiscard]] Result<DataDir, util::Status> open_data_dir(const std::string& data_dir,
                                                          const std::string& wal_dir);

}  // namespace arbor::server
