#pragma once
// Snapshotter: snapshot files "%016x-%016x.snap" (term, index) in one directory. A snapshot is
// written atomically (temporary file, fsync, rename, fsync of the directory) and streamed: the
// state machine image goes straight from the store to the file in chunks. See
// docs/snap_format.md.
//
// Thread-compatible: one user at a time (the apply loop, or a snapshot thread it hands off to).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "raft/types.h"
#include "util/file.h"
#include "util/io.h"
#include "util/result.h"
#include "util/status.h"

namespace arbor::snap {

struct LoadedSnapshot {
  raft::SnapshotMeta meta;
  // The state machine image: a view into the bytes parse_snapshot() was given, or into `file`
  // when load_newest() mapped it (a restart builds the store straight from the mapping).
  std::string_view data;
  std::string name;                     // The file it came from.
  std::unique_ptr<util::FileView> file;  // Keeps `data` valid when set.
};

class Snapshotter {
 public:
  explicit Snapshotter(util::Dir& dir) : dir_(dir) {}

  // Writes the snapshot for `meta`; `write_data` streams the image into the sink it is given.
  // When this returns OK the snapshot is durable under its final name.
  [[nodiscard]] util::Status save(
      const raft::SnapshotMeta& meta,
      const std::function<util::Status(util::ByteSink&)>& write_data);

  // The newest snapshot that checks out. A damaged one is renamed to "<name>.broken" (with a log
  // line) and the previous one is tried. NotFound when there is none.
  [[nodiscard]] Result<LoadedSnapshot, util::Status> load_newest();

  // Deletes all but the newest `keep` snapshots.
  [[nodiscard]] util::Status purge(size_t keep);

  // Snapshot file names, oldest first.
  std::vector<std::string> names();

 private:
  util::Dir& dir_;  // Not owned; outlives this Snapshotter.
};

std::string snapshot_name(uint64_t term, uint64_t index);

// The bytes of a snapshot file for `meta` (magic, version, meta, the image `write_data` streams,
// CRC), appended to `out`: what save() puts in a file. The server streams a consistent snapshot
// in this format (arborctl snapshot save) and `snapshot restore` installs it unchanged.
[[nodiscard]] util::Status write_snapshot(
    const raft::SnapshotMeta& meta, const std::function<util::Status(util::ByteSink&)>& write_data,
    util::ByteSink& out);

// Checks a snapshot file's bytes (magic, version, CRC, metadata). Corruption saying what is
// wrong otherwise; `name` is left empty.
// `data` views into `bytes`, which must outlive the result.
[[nodiscard]] Result<LoadedSnapshot, util::Status> parse_snapshot(std::string_view bytes);

}  // namespace arbor::snap
