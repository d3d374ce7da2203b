#include "cli/snapshot.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cli/client.h"
#include "cli/progress.h"
#include "raft/reconfigure.h"
#include "server/membership.h"
#include "snap/snapshotter.h"
#include "store/store.h"
#include "util/file.h"
#include "wal/wal.h"

namespace arbor::cli {
namespace {

bool read_file(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

// Writes `data` to `path` through a temporary file, fsync and rename: the file is whole or absent.
std::string write_file_atomically(const std::string& path, const std::string& data) {
  const std::string tmp = path + ".part";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return "open " + tmp + ": " + std::strerror(errno);
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string e = "write " + tmp + ": " + std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return e;
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string e = "save " + path + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return e;
  }
  return "";
}

bool is_dir(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string wal_dir_of(const std::string& data_dir, const std::string& wal_dir) {
  return wal_dir.empty() ? data_dir + "/member/wal" : wal_dir;
}

// The newest snapshot of `dir` that checks out, read-only (Snapshotter::load_newest would set
// damaged ones aside, which a backup must not do to a live directory). False when there is none.
bool newest_snapshot(util::Dir& dir, snap::LoadedSnapshot* out) {
  snap::Snapshotter snapshotter(dir);
  std::vector<std::string> names = snapshotter.names();
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    auto view = dir.view(*it);
    if (!view.ok()) continue;
    auto parsed = snap::parse_snapshot((*view)->data());
    if (!parsed.ok()) continue;
    *out = std::move(*parsed);
    out->name = *it;
    out->file = std::move(*view);
    return true;
  }
  return false;
}

// Reads the data directory at (data_dir, wal_dir) as a restart would. "" when it checks out.
std::string verify(const std::string& data_dir, const std::string& wal_dir, uint64_t* entries) {
  auto snap_dir = util::open_posix_dir(data_dir + "/member/snap", false);
  auto wal = util::open_posix_dir(wal_dir_of(data_dir, wal_dir), false);
  if (!snap_dir.ok()) return snap_dir.error().message();
  if (!wal.ok()) return wal.error().message();
  snap::LoadedSnapshot loaded;
  wal::WalSnapshot marker;
  if (newest_snapshot(**snap_dir, &loaded)) {
    auto st = store::Store::recover_from_string(loaded.data);
    if (!st.ok()) return loaded.name + ": " + st.error().message();
    marker = {loaded.meta.index, loaded.meta.term};
  }
  wal::WalContents contents;
  auto w = wal::Wal::open(**wal, marker, &contents);
  if (!w.ok()) return w.error().message();
  *entries = contents.entries.size();
  return "";
}

// A new cluster ID for a restored member (splitmix64 over its ID, the snapshot's index and the
// time): it never matches the cluster the snapshot came from, whose members it must not join.
uint64_t restored_cluster_id(uint64_t member, uint64_t index) {
  uint64_t z = member ^ (index * 0x9e3779b97f4a7c15ULL) ^
               static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return z == 0 ? 1 : z;
}

// The member a restored data directory belongs to: the snapshot's only voter or, when it has
// several (or records none), the one whose /0/members attributes name `name`.
std::string choose_member(const store::Store& st, const raft::ConfState& conf, const std::string& name,
                          uint64_t* self) {
  const server::Cluster recorded = server::cluster_from_store(st, 0, 0);
  std::vector<uint64_t> ids = conf.voters;
  if (ids.empty())
    for (const server::Member& m : recorded.members) ids.push_back(m.id);
  if (ids.size() == 1) {
    *self = ids[0];
    return "";
  }
  std::string names;
  for (const server::Member& m : recorded.members) {
    if (std::find(ids.begin(), ids.end(), m.id) == ids.end()) continue;
    if (m.name == name) {
      *self = m.id;
      return "";
    }
    names += (names.empty() ? "" : ", ") + (m.name.empty() ? server::id_hex(m.id) : m.name);
  }
  if (ids.empty()) return "the snapshot records no member";
  return "the snapshot holds " + std::to_string(ids.size()) + " members (" + names +
         "); choose the one to restore with --name";
}

}  // namespace

int cmd_snapshot_save(Session& s) {
  if (s.args.empty()) return handle_error(kExitBadArgs, "snapshot save expects one argument: the file to write");
  if (int rc = connect(s, true)) return rc;
  const std::string& file = s.args[0];
  HttpRequest req;
  req.path = "/arbor/snapshot";
  req.any_status = true;
  Progress progress(isatty(STDERR_FILENO) != 0, STDERR_FILENO, "B");
  req.progress = [&](uint64_t cur, uint64_t total) { progress.update(cur, total); };
  auto r = s.client->send(req, std::nullopt);
  progress.finish();
  if (!r.ok()) return handle_error(kExitBadConnection, r.error().text());
  if (r->status == 401) return handle_error(kExitBadAuth, "insufficient credentials: the snapshot needs the root user");
  if (r->status != 200)
    return handle_error(kExitServerError, "the server answered " + std::to_string(r->status) +
                                              " (is it arbor? etcd has no /arbor/snapshot)");
  auto parsed = snap::parse_snapshot(r->body);
  if (!parsed.ok()) return handle_error(kExitServerError, "the snapshot received is damaged: " + parsed.error().message());
  if (std::string e = write_file_atomically(file, r->body); !e.empty()) return handle_error(kExitBadArgs, e);
  out("Snapshot saved at " + file + " (index " + std::to_string(parsed->meta.index) + ", " +
      std::to_string(r->body.size()) + " bytes)\n");
  return kExitSuccess;
}

int cmd_snapshot_restore(Session& s) {
  if (s.args.empty()) return handle_error(kExitBadArgs, "snapshot restore expects one argument: the snapshot file");
  const std::string data_dir = s.flags->get_string("data-dir");
  const std::string wal_dir = s.flags->get_string("wal-dir");
  if (data_dir.empty()) return handle_error(kExitBadArgs, "--data-dir is required");
  std::string bytes;
  if (!read_file(s.args[0], &bytes)) return handle_error(kExitBadArgs, "open " + s.args[0] + ": cannot read the file");
  auto parsed = snap::parse_snapshot(bytes);
  if (!parsed.ok()) return handle_error(kExitBadArgs, s.args[0] + " is not an arbor snapshot: " + parsed.error().message());
  auto restored = store::Store::recover_from_string(parsed->data);
  if (!restored.ok()) return handle_error(kExitBadArgs, s.args[0] + ": " + restored.error().message());
  uint64_t self = 0;
  if (std::string e = choose_member(**restored, parsed->meta.conf_state, s.flags->get_string("name"), &self);
      !e.empty())
    return handle_error(kExitBadArgs, s.args[0] + ": " + e);
  // As etcdctl's restore: never into a directory that already holds a member.
  if (is_dir(data_dir + "/member")) return handle_error(kExitBadArgs, "data-dir \"" + data_dir + "\" exists");
  auto snap_dir = util::open_posix_dir(data_dir + "/member/snap", true);
  if (!snap_dir.ok()) return handle_error(kExitBadArgs, snap_dir.error().message());
  snap::Snapshotter snapshotter(**snap_dir);
  util::Status st = snapshotter.save(parsed->meta, [&](util::ByteSink& sink) { return sink.append(parsed->data); });
  auto wal = util::open_posix_dir(wal_dir_of(data_dir, wal_dir), true);
  if (!st.ok() || !wal.ok()) return handle_error(kExitBadArgs, (st.ok() ? wal.error() : st).message());
  // The WAL starts at the snapshot, with the member's identity in its metadata (as a WAL the
  // server creates) and a new cluster ID: the restored member starts a cluster of its own.
  // When the snapshot came from several members, committed RemoveNode entries for the others
  // follow (raft/reconfigure.h), so the member elects itself at once.
  const uint64_t cluster = restored_cluster_id(self, parsed->meta.index);
  auto w = wal::Wal::create(**wal, "member=" + server::id_hex(self) + " cluster=" + server::id_hex(cluster));
  if (!w.ok()) return handle_error(kExitBadArgs, w.error().message());
  st = (*w)->save_snapshot({parsed->meta.index, parsed->meta.term});
  const std::vector<raft::Entry> removals =
      raft::entries_removing_all_but(parsed->meta.conf_state, self, parsed->meta.index, parsed->meta.term);
  const uint64_t last = parsed->meta.index + removals.size();
  if (st.ok()) st = (*w)->save(raft::HardState{parsed->meta.term, raft::kNone, last}, removals);
  if (st.ok()) st = (*w)->sync();
  if (!st.ok()) return handle_error(kExitBadArgs, st.message());
  out("Restored snapshot at index " + std::to_string(parsed->meta.index) + " into " + data_dir + "\n");
  return kExitSuccess;
}

int cmd_backup(Session& s) {
  const std::string data_dir = s.flags->get_string("data-dir");
  const std::string backup_dir = s.flags->get_string("backup-dir");
  const std::string wal_dir = s.flags->get_string("wal-dir");
  const std::string backup_wal_dir = s.flags->get_string("backup-wal-dir");
  if (data_dir.empty() || backup_dir.empty())
    return handle_error(kExitBadArgs, "backup needs --data-dir and --backup-dir");
  if (is_dir(backup_dir + "/member")) return handle_error(kExitBadArgs, "backup-dir \"" + backup_dir + "\" exists");
  auto src_snap = util::open_posix_dir(data_dir + "/member/snap", false);
  auto src_wal = util::open_posix_dir(wal_dir_of(data_dir, wal_dir), false);
  if (!src_snap.ok() || !src_wal.ok())
    return handle_error(kExitBadArgs, (src_snap.ok() ? src_wal.error() : src_snap.error()).message());
  auto dst_snap = util::open_posix_dir(backup_dir + "/member/snap", true);
  auto dst_wal = util::open_posix_dir(wal_dir_of(backup_dir, backup_wal_dir), true);
  if (!dst_snap.ok() || !dst_wal.ok())
    return handle_error(kExitBadArgs, (dst_snap.ok() ? dst_wal.error() : dst_snap.error()).message());
  // The newest good snapshot, then every WAL segment (the server only purges segments behind
  // its oldest kept snapshot, so they cover everything after the newest one).
  auto copy = [](util::Dir& from, util::Dir& to, const std::string& name) -> util::Status {
    std::string bytes;
    util::Status st = from.read(name, &bytes);
    if (!st.ok()) return st;
    auto f = to.open(name);
    if (!f.ok()) return f.error();
    st = (*f)->write_at(0, bytes);
    if (st.ok()) st = (*f)->sync();
    return st;
  };
  snap::LoadedSnapshot newest;
  if (newest_snapshot(**src_snap, &newest)) {
    if (util::Status st = copy(**src_snap, **dst_snap, newest.name); !st.ok())
      return handle_error(kExitBadArgs, st.message());
  }
  auto names = (*src_wal)->list();
  if (!names.ok()) return handle_error(kExitBadArgs, names.error().message());
  std::sort(names->begin(), names->end());
  for (const std::string& n : *names) {
    if (n.size() < 4 || n.compare(n.size() - 4, 4, ".wal") != 0) continue;
    if (util::Status st = copy(**src_wal, **dst_wal, n); !st.ok()) return handle_error(kExitBadArgs, st.message());
  }
  if (util::Status st = (*dst_snap)->sync_dir(); !st.ok()) return handle_error(kExitBadArgs, st.message());
  if (util::Status st = (*dst_wal)->sync_dir(); !st.ok()) return handle_error(kExitBadArgs, st.message());
  // The copy must read back as a restart reads it (a torn tail of a live WAL is repaired in
  // the copy, never in the source).
  uint64_t entries = 0;
  if (std::string e = verify(backup_dir, backup_wal_dir, &entries); !e.empty())
    return handle_error(kExitBadArgs, "the backup does not read back: " + e);
  return kExitSuccess;
}

}  // namespace arbor::cli
