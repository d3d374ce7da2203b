#include "server/durable_log.h"

#include <algorithm>
#include <chrono>

#include "util/log.h"

namespace arbor::server {

Result<std::unique_ptr<DurableLog>, util::Status> DurableLog::open(util::Dir& wal_dir,
                                                                   util::Dir& snap_dir,
                                                                   std::string_view metadata,
                                                                   DurabilityOptions options,
                                                                   RecoveredState* out) {
  std::unique_ptr<DurableLog> log(new DurableLog(snap_dir, options));
  *out = RecoveredState();
  const wal::WalOptions wal_options{options.segment_bytes};
  if (!wal::Wal::exists(wal_dir)) {
    auto w = wal::Wal::create(wal_dir, metadata, wal_options);
    if (!w.ok()) return w.error();
    log->wal_ = std::move(*w);
    out->store = std::make_unique<store::Store>();
    out->metadata = std::string(metadata);
    out->fresh = true;
    return log;
  }

  // The newest snapshot that checks out (damaged ones are set aside), then the WAL after it.
  auto loaded = log->snapshotter_.load_newest();
  if (loaded.ok()) {
    auto st = store::Store::recover_from_string(loaded->data);
    if (!st.ok()) {
      return util::Status::corruption(snap_dir.path() + "/" + loaded->name + ": " +
                                      st.error().message());
    }
    out->store = std::move(*st);
    out->snapshot = loaded->meta;
    log->last_snapshot_index_ = loaded->meta.index;
  } else if (loaded.error().code() == util::Status::Code::kNotFound) {
    out->store = std::make_unique<store::Store>();
  } else {
    return loaded.error();
  }

  wal::WalContents contents;
  auto w = wal::Wal::open(wal_dir, {out->snapshot.index, out->snapshot.term}, &contents,
                          wal_options);
  if (!w.ok()) return w.error();
  log->wal_ = std::move(*w);
  out->entries = std::move(contents.entries);
  out->hard_state = contents.state;
  out->metadata = std::move(contents.metadata);
  out->repairs = std::move(contents.repairs);
  return log;
}

util::Status DurableLog::append(std::span<const raft::Entry> entries,
                                const raft::HardState& state) {
  return wal_->save(state, entries);
}

util::Status DurableLog::sync() {
  const auto start = std::chrono::steady_clock::now();
  util::Status s = wal_->sync();
  fsync_seconds_.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return s;
}

util::Status DurableLog::maybe_snapshot(const store::Store& store, uint64_t applied,
                                        uint64_t term, const raft::ConfState& conf) {
  if (applied <= last_snapshot_index_ + options_.snapshot_count) return util::Status();
  const auto start = std::chrono::steady_clock::now();
  const raft::SnapshotMeta meta{applied, term, conf};
  // The WAL marker first, then the file (etcd's order): a crash in between leaves a marker
  // with no file, and a restart uses the previous snapshot, whose marker and WAL tail are still
  // there. The reverse order would leave a snapshot the WAL cannot be opened at. The store
  // streams straight into the file.
  util::Status s = wal_->save_snapshot({applied, term});
  if (s.ok()) {
    s = snapshotter_.save(meta, [&](util::ByteSink& sink) { return store.save(sink); });
  }
  if (!s.ok()) return s;
  last_snapshot_index_ = applied;
  // Keep max_snapshots snapshots, and every WAL segment the oldest of them still needs (so a
  // damaged newest snapshot can fall back to an older one plus the WAL).
  if (s = snapshotter_.purge(options_.max_snapshots); !s.ok()) return s;
  const std::vector<std::string> kept = snapshotter_.names();
  uint64_t oldest = applied;
  for (const std::string& n : kept) {
    // "%016x-%016x.snap": the index is the second field.
    const uint64_t index = std::stoull(n.substr(17, 16), nullptr, 16);
    oldest = std::min(oldest, index);
  }
  s = wal_->release_before(oldest, options_.max_wals);
  last_snapshot_pause_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::steady_clock::now() - start)
                                .count();
  LOG_INFO("etcdserver", "saved snapshot at index %llu (%.1f ms)",
           static_cast<unsigned long long>(applied),
           static_cast<double>(last_snapshot_pause_ns_) / 1e6);
  return s;
}

Result<DataDir, util::Status> open_data_dir(const std::string& data_dir,
                                            const std::string& wal_dir) {
  DataDir d;
  const std::string member = data_dir + "/member";
  auto snap = util::open_posix_dir(member + "/snap", /*create_dirs=*/true);
  if (!snap.ok()) return snap.error();
  auto lock = util::lock_file(member + "/arbor.lock");
  if (!lock.ok()) {
    return util::Status::io_error("data directory " + data_dir +
                                  " is in use by another process (" + lock.error().message() + ")");
  }
  auto wal = util::open_posix_dir(wal_dir.empty() ? member + "/wal" : wal_dir, true);
  if (!wal.ok()) return wal.error();
  d.lock = std::move(*lock);
  d.snap = std::move(*snap);
  d.wal = std::move(*wal);
  return d;
}

}  // namespace arbor::server
