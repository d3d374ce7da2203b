#include "server/durable_log.h"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <optional>
#include <thread>

#include "util/cpu.h"
#include "util/heap.h"
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

  // A snapshot being written when the process died leaves its temporary file: drop it.
  if (auto names = snap_dir.list(); names.ok()) {
    for (const std::string& n : *names) {
      if (n.size() > 9 && n.compare(n.size() - 9, 9, ".snap.tmp") == 0) (void)snap_dir.remove(n);
    }
  }
  // The newest snapshot that checks out (damaged ones are set aside), then the WAL after it.
  // Its position is known once the file checks out, so the WAL is read on a second thread while
  // this one builds the store from the image (for 100k keys: ~9 ms beside ~25-45 ms).
  auto loaded = log->snapshotter_.load_newest();
  if (!loaded.ok() && loaded.error().code() != util::Status::Code::kNotFound) {
    return loaded.error();
  }
  if (loaded.ok()) out->snapshot = loaded->meta;
  wal::WalContents contents;
  std::optional<Result<std::unique_ptr<wal::Wal>, util::Status>> w;
  std::thread wal_reader([&] {
    w.emplace(wal::Wal::open(wal_dir, {out->snapshot.index, out->snapshot.term}, &contents,
                             wal_options));
  });
  // The store takes 2.2-2.6 times its image in heap (store_bench's bytes-per-key report), all
  // of it fresh memory: map it in one go rather than fault it in 4 KB at a time.
  if (loaded.ok()) util::prefault_heap(loaded->data.size() * 3);
  Result<std::unique_ptr<store::Store>, util::Status> st =
      loaded.ok() ? store::Store::recover_from_string(loaded->data)
                  : Result<std::unique_ptr<store::Store>, util::Status>(
                        std::make_unique<store::Store>());
  wal_reader.join();
  if (!st.ok()) {
    return util::Status::corruption(snap_dir.path() + "/" + loaded->name + ": " +
                                    st.error().message());
  }
  out->store = std::move(*st);
  if (loaded.ok()) log->last_snapshot_index_ = loaded->meta.index;
  if (!w->ok()) return w->error();
  log->wal_ = std::move(**w);
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

DurableLog::~DurableLog() {
  if (child_pid_ > 0) (void)reap_child(/*block=*/true);
}

util::Status DurableLog::maybe_snapshot(const store::Store& store, uint64_t applied,
                                        uint64_t term, const raft::ConfState& conf) {
  if (child_pid_ > 0) {
    util::Status s = reap_child(/*block=*/false);
    if (!s.ok() || child_pid_ > 0) return s;
  }
  if (applied <= last_snapshot_index_ + options_.snapshot_count) return util::Status();
  const auto start = std::chrono::steady_clock::now();
  const raft::SnapshotMeta meta{applied, term, conf};
  // The WAL marker first, then the file (etcd's order): a crash in between leaves a marker
  // with no file, and a restart uses the previous snapshot, whose marker and WAL tail are still
  // there. The reverse order would leave a snapshot the WAL cannot be opened at. The store
  // streams straight into the file.
  util::Status s = wal_->save_snapshot({applied, term});
  if (!s.ok()) return s;
  if (options_.background_snapshots) {
    const int parent = static_cast<int>(::getpid());
    const pid_t pid = ::fork();
    if (pid == 0) write_in_child(store, meta, parent);
    if (pid > 0) {
      child_pid_ = pid;
      child_meta_ = meta;
      child_start_ = start;
      last_snapshot_pause_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    std::chrono::steady_clock::now() - start)
                                    .count();
      return util::Status();
    }
    LOG_WARN("etcdserver", "fork for a background snapshot failed (%s); writing it inline",
             std::strerror(errno));
  }
  s = snapshotter_.save(meta, [&](util::ByteSink& sink) { return store.save(sink); });
  if (!s.ok()) return s;
  last_snapshot_pause_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::steady_clock::now() - start)
                                .count();
  return finish_snapshot(meta);
}

void DurableLog::write_in_child(const store::Store& store, const raft::SnapshotMeta& meta,
                                int parent) {
  // The child owns nothing of the parent's: it dies with the loop thread that forked it, and
  // closes the inherited descriptors at once (sockets, the WAL, and the data directory's lock,
  // which must not outlive the parent). The snap directory is opened by path. No logging here:
  // another thread may have held the log's lock at the fork.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (static_cast<int>(::getppid()) != parent) ::_exit(3);
  util::unpin_self();  // The loop that forked it may be bound to the I/O thread's CPU.
  ::close_range(3, ~0u, 0);
  util::Status s = snapshotter_.save(meta, [&](util::ByteSink& sink) { return store.save(sink); });
  if (!s.ok()) {
    const std::string msg = "snapshot child: " + s.to_string() + "\n";
    (void)!::write(2, msg.data(), msg.size());
  }
  ::_exit(s.ok() ? 0 : 1);
}

util::Status DurableLog::wait_snapshot() {
  return child_pid_ > 0 ? reap_child(/*block=*/true) : util::Status();
}

util::Status DurableLog::reap_child(bool block) {
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(child_pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return util::Status();  // Still writing.
  child_pid_ = 0;
  if (r < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return util::Status::io_error("background snapshot at index " +
                                  std::to_string(child_meta_.index) + " failed (" +
                                  (r < 0 ? std::string(std::strerror(errno))
                                         : "child status " + std::to_string(status)) +
                                  ")");
  }
  LOG_INFO("etcdserver", "snapshot at index %llu written in the background in %.1f ms",
           static_cast<unsigned long long>(child_meta_.index),
           std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                     child_start_)
               .count());
  return finish_snapshot(child_meta_);
}

util::Status DurableLog::finish_snapshot(const raft::SnapshotMeta& meta) {
  last_snapshot_index_ = meta.index;
  // Keep max_snapshots snapshots, and every WAL segment the oldest of them still needs (so a
  // damaged newest snapshot can fall back to an older one plus the WAL).
  util::Status s = snapshotter_.purge(options_.max_snapshots);
  if (!s.ok()) return s;
  const std::vector<std::string> kept = snapshotter_.names();
  uint64_t oldest = meta.index;
  for (const std::string& n : kept) {
    // "%016x-%016x.snap": the index is the second field.
    const uint64_t index = std::stoull(n.substr(17, 16), nullptr, 16);
    oldest = std::min(oldest, index);
  }
  s = wal_->release_before(oldest, options_.max_wals);
  LOG_INFO("etcdserver", "saved snapshot at index %llu (the loop paused %.1f ms)",
           static_cast<unsigned long long>(meta.index),
           static_cast<double>(last_snapshot_pause_ns_) / 1e6);
  return s;
}

util::Status DurableLog::save_received_snapshot(const raft::Snapshot& snap) {
  // A snapshot of our own still being written is finished first (it is older).
  if (util::Status w = wait_snapshot(); !w.ok()) return w;
  util::Status s = wal_->save_snapshot({snap.meta.index, snap.meta.term});
  if (s.ok()) {
    s = snapshotter_.save(snap.meta,
                          [&](util::ByteSink& sink) { return sink.append(snap.data); });
  }
  if (!s.ok()) return s;
  last_snapshot_index_ = snap.meta.index;
  return snapshotter_.purge(options_.max_snapshots);
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
