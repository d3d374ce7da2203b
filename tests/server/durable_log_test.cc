// DurableLog on fault-injecting in-memory directories: entries survive a crash once synced,
// snapshots are taken every snapshot_count applied entries, a restart gives back the store as
// of the newest good snapshot plus the entries after it, and damaged snapshots fall back.

#include "server/durable_log.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "testutil/mem_dir.h"

namespace arbor::server {
namespace {

constexpr int64_t kNow = 1'800'000'000LL * 1'000'000'000LL;

class DurableLogTest : public ::testing::Test {
 protected:
  void Open() {
    log_.reset();
    auto l = DurableLog::open(wal_, snap_, "member-1", options_, &rec_);
    ASSERT_TRUE(l.ok()) << l.error().to_string();
    log_ = std::move(*l);
    store_ = std::move(rec_.store);
    // Replay what the log holds after the snapshot, as the server does.
    for (const raft::Entry& e : rec_.entries) Apply(e);
    next_ = (rec_.entries.empty() ? rec_.snapshot.index : rec_.entries.back().index) + 1;
  }
  void Apply(const raft::Entry& e) {
    ASSERT_TRUE(store_->set("/1/k" + std::to_string(e.index % 7), false, e.data, {}, kNow).ok());
    applied_ = e.index;
  }
  // Appends, syncs and applies `n` entries, snapshotting when due.
  void Write(int n, bool sync = true) {
    std::vector<raft::Entry> es;
    for (int i = 0; i < n; ++i) {
      es.push_back(raft::Entry{1, next_, raft::EntryType::kNormal, "v" + std::to_string(next_)});
      ++next_;
    }
    ASSERT_TRUE(log_->append(es, raft::HardState{1, 1, es.back().index}).ok());
    if (!sync) return;
    ASSERT_TRUE(log_->sync().ok());
    for (const auto& e : es) {
      Apply(e);
      ASSERT_TRUE(log_->maybe_snapshot(*store_, applied_, 1, raft::ConfState{{1}, {}}).ok());
    }
  }
  void Crash() {
    log_.reset();
    wal_.crash();
    snap_.crash();
  }

  testutil::MemDir wal_, snap_;
  DurabilityOptions options_{10, 3, 2, 4096};
  std::unique_ptr<DurableLog> log_;
  RecoveredState rec_;
  std::unique_ptr<store::Store> store_;
  uint64_t next_ = 1, applied_ = 0;
};

TEST_F(DurableLogTest, FreshDirectoryCreatesAnEmptyLog) {
  Open();
  EXPECT_TRUE(rec_.fresh);
  EXPECT_EQ(rec_.metadata, "member-1");
  EXPECT_EQ(store_->current_index(), 0u);
}

TEST_F(DurableLogTest, SyncedEntriesComeBackAfterACrashUnsyncedOnesDoNot) {
  Open();
  Write(5);
  Write(3, /*sync=*/false);
  Crash();
  Open();
  EXPECT_FALSE(rec_.fresh);
  EXPECT_EQ(rec_.entries.size(), 5u);
  EXPECT_EQ(store_->current_index(), 5u);
  EXPECT_EQ(rec_.hard_state.commit, 5u);
  EXPECT_EQ(log_->fsync_histogram().count(), 0u);  // a new process: nothing synced yet
  Write(2);
  EXPECT_EQ(log_->fsync_histogram().count(), 1u);  // one fdatasync per batch
}

TEST_F(DurableLogTest, SnapshotsAreTakenEverySnapshotCountEntriesAndRestartUsesTheNewest) {
  Open();
  Write(35);
  EXPECT_EQ(log_->last_snapshot_index(), 33u);  // 11, 22, 33: "more than" 10 since the last
  const std::string before = store_->save_to_string();
  Crash();
  Open();
  EXPECT_EQ(rec_.snapshot.index, 33u);
  EXPECT_EQ(rec_.entries.size(), 2u);  // 34 and 35, replayed
  EXPECT_EQ(store_->save_to_string(), before);
}

TEST_F(DurableLogTest, OldSnapshotsAndWalSegmentsArePurged) {
  Open();
  Write(200);
  EXPECT_LE(snap_.list()->size(), 3u);
  size_t wals = 0;
  for (const auto& n : *wal_.list()) wals += n.ends_with(".wal") ? 1 : 0;
  EXPECT_LT(wals, 30u);
  const std::string before = store_->save_to_string();
  Crash();
  Open();
  EXPECT_EQ(store_->save_to_string(), before);
}

TEST_F(DurableLogTest, DamagedNewestSnapshotFallsBackToTheOlderOnePlusTheWal) {
  Open();
  Write(40);
  const std::string before = store_->save_to_string();
  Crash();
  auto names = *snap_.list();
  ASSERT_GE(names.size(), 2u);
  snap_.flip(names.back(), 20);
  Open();
  EXPECT_LT(rec_.snapshot.index, 33u);
  EXPECT_EQ(store_->save_to_string(), before);
  EXPECT_TRUE(snap_.exists(names.back() + ".broken"));
}

TEST_F(DurableLogTest, CrashAfterTheMarkerBeforeTheSnapshotFileUsesThePreviousSnapshot) {
  Open();
  Write(25);  // snapshots at 11 and 22
  const std::string before = store_->save_to_string();
  Crash();
  // As if the process died after writing the marker of snapshot 22 but before its file.
  ASSERT_TRUE(snap_.remove(snap::snapshot_name(1, 22)).ok());
  Open();
  EXPECT_EQ(rec_.snapshot.index, 11u);
  EXPECT_EQ(store_->save_to_string(), before);
}

// Background snapshots on a real directory: a forked child writes the image while the parent
// goes on changing its store; the file holds the store as it was at the fork, and the parent
// finishes (purges) once the child is reaped.
TEST(DurableLogPosixTest, BackgroundSnapshotHoldsTheStoreAsOfTheFork) {
  char tmpl[] = "/tmp/arbor-dlog-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string root = tmpl;
  {
    auto dd = open_data_dir(root, "");
    ASSERT_TRUE(dd.ok()) << dd.error().to_string();
    DurabilityOptions opts;
    opts.snapshot_count = 100;
    opts.max_snapshots = 1;
    opts.background_snapshots = true;
    RecoveredState rec;
    auto log = DurableLog::open(*dd->wal, *dd->snap, "m", opts, &rec);
    ASSERT_TRUE(log.ok()) << log.error().to_string();
    store::Store& st = *rec.store;
    uint64_t index = 0;
    auto write = [&](int n) {
      std::vector<raft::Entry> es;
      for (int i = 0; i < n; ++i) {
        ++index;
        es.push_back(raft::Entry{1, index, raft::EntryType::kNormal, std::to_string(index)});
        ASSERT_TRUE(st.set("/1/k" + std::to_string(index), false, "v", {}, kNow).ok());
      }
      ASSERT_TRUE((*log)->append(es, raft::HardState{1, 1, index}).ok());
      ASSERT_TRUE((*log)->sync().ok());
    };
    write(150);
    ASSERT_TRUE((*log)->maybe_snapshot(st, index, 1, raft::ConfState{{1}, {}}).ok());
    // The parent changes its store at once; the child's image is the copy from the fork.
    ASSERT_TRUE(st.set("/1/after", false, "x", {}, kNow).ok());
    ASSERT_TRUE((*log)->wait_snapshot().ok());
    EXPECT_EQ((*log)->last_snapshot_index(), 150u);
    // A second one replaces the first (max_snapshots = 1) once reaped.
    write(150);
    ASSERT_TRUE((*log)->maybe_snapshot(st, index, 1, raft::ConfState{{1}, {}}).ok());
    ASSERT_TRUE((*log)->wait_snapshot().ok());
    EXPECT_EQ((*log)->last_snapshot_index(), 300u);
    auto names = dd->snap->list();
    ASSERT_TRUE(names.ok());
    ASSERT_EQ(names->size(), 1u);
    EXPECT_EQ((*names)[0], "0000000000000001-000000000000012c.snap");
  }
  {
    // A restart loads it: the store as of index 300 (150 + 1 + 150 sets), nothing after.
    auto dd = open_data_dir(root, "");
    ASSERT_TRUE(dd.ok());
    RecoveredState rec;
    auto log = DurableLog::open(*dd->wal, *dd->snap, "m", DurabilityOptions{}, &rec);
    ASSERT_TRUE(log.ok()) << log.error().to_string();
    EXPECT_EQ(rec.snapshot.index, 300u);
    EXPECT_TRUE(rec.entries.empty());
    EXPECT_TRUE(rec.store->get("/1/k300", false, false, kNow).ok());
    EXPECT_TRUE(rec.store->get("/1/after", false, false, kNow).ok());
  }
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace arbor::server
