// Writes seed corpora for the fuzz targets: real store snapshots, WAL segments and snapshot
// files as the code produces them, and paths from the spec transcripts.
//   make_seeds DIR   ->  DIR/<target>/seed-N
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "snap/snapshotter.h"
#include "store/store.h"
#include "testutil/mem_dir.h"
#include "wal/wal.h"

namespace {

void put(const std::string& dir, const std::string& target, int n, const std::string& bytes) {
  const std::string d = dir + "/" + target;
  ::mkdir(dir.c_str(), 0755);
  ::mkdir(d.c_str(), 0755);
  std::ofstream(d + "/seed-" + std::to_string(n), std::ios::binary) << bytes;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds DIR\n");
    return 2;
  }
  const std::string out = argv[1];
  using namespace arbor;
  const int64_t now = 1'800'000'000LL * 1'000'000'000LL;

  store::Store s;
  put(out, "store_recover_fuzz", 0, s.save_to_string());
  (void)s.set("/1/foo", false, "bar", {}, now);
  (void)s.create("/1/dir", true, "", false, {now + 5'000'000'000LL, false}, now);
  (void)s.create("/1/queue", false, "job", true, {}, now);
  (void)s.set("/1/dir/_hidden", false, "h", {}, now);
  (void)s.remove("/1/foo", false, false, now);
  put(out, "store_recover_fuzz", 1, s.save_to_string());

  testutil::MemDir wal_dir;
  auto w = wal::Wal::create(wal_dir, "metadata", wal::WalOptions{4096});
  std::vector<raft::Entry> es{{1, 1, raft::EntryType::kNormal, "first"},
                              {1, 2, raft::EntryType::kNormal, "second entry"}};
  (void)(*w)->save(raft::HardState{1, 1, 2}, es);
  (void)(*w)->sync();
  std::string seg;
  for (const auto& n : *wal_dir.list()) {
    if (wal_dir.read(n, &seg).ok()) {
      while (!seg.empty() && seg.back() == 0) seg.pop_back();
      put(out, "wal_segment_fuzz", 0, seg);
    }
  }

  testutil::MemDir snap_dir;
  snap::Snapshotter snapper(snap_dir);
  (void)snapper.save(raft::SnapshotMeta{5, 1, {{1}, {}}},
                     [&](util::ByteSink& sink) { return s.save(sink); });
  std::string snap_bytes;
  (void)snap_dir.read(snap::snapshot_name(1, 5), &snap_bytes);
  put(out, "snapshot_file_fuzz", 0, snap_bytes);

  int n = 0;
  for (const char* p : {"/1/foo", "/1//a//b", "/1/./a/../b/", "/1/with space", "/1/_hidden/x",
                        "/1/enc/key", "/..", "", "/1/a/b/c/d/e/f"}) {
    put(out, "key_path_fuzz", n++, p);
  }
  return 0;
}
