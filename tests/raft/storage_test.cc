// Raft §7 (log compaction): MemoryStorage, the stable part of the log.
#include "raft/storage.h"

#include <gtest/gtest.h>

namespace arbor::raft {
namespace {

Entry E(uint64_t index, uint64_t term, std::string data = "") {
  return Entry{term, index, EntryType::kNormal, std::move(data)};
}

// A storage compacted at (3, 3) holding entries 4 and 5 (terms 4 and 5).
class StorageTest : public ::testing::Test {
 protected:
  StorageTest() {
    EXPECT_TRUE(s_.apply_snapshot(Snapshot{SnapshotMeta{3, 3, {}}, ""}));
    std::vector<Entry> ents{E(4, 4), E(5, 5)};
    s_.append(ents);
  }
  std::vector<uint64_t> Indexes(uint64_t lo, uint64_t hi, uint64_t max = kNoLimit) {
    std::vector<uint64_t> out;
    Result<std::vector<Entry>, StorageError> ents = s_.entries(lo, hi, max);
    for (const Entry& e : *ents) out.push_back(e.index);
    return out;
  }
  MemoryStorage s_;
};

// Raft §7: TestStorageTerm.
TEST_F(StorageTest, TermIsKnownFromTheSnapshotOnAndCompactedBelow) {
  EXPECT_EQ(s_.term(2).error(), StorageError::kCompacted);
  EXPECT_EQ(*s_.term(3), 3u);
  EXPECT_EQ(*s_.term(5), 5u);
  EXPECT_EQ(s_.term(6).error(), StorageError::kUnavailable);
}

// Raft §7: TestStorageEntries (and TestLimitSize: at least one entry).
TEST_F(StorageTest, EntriesRespectCompactionAndSizeLimit) {
  EXPECT_EQ(s_.entries(3, 5, kNoLimit).error(), StorageError::kCompacted);
  EXPECT_EQ(Indexes(4, 6), (std::vector<uint64_t>{4, 5}));
  s_.append(std::vector<Entry>{E(6, 5, "xx"), E(7, 5, "yy")});
  EXPECT_EQ(Indexes(6, 8, 0), (std::vector<uint64_t>{6}));
  EXPECT_EQ(Indexes(6, 8, 3), (std::vector<uint64_t>{6}));
  EXPECT_EQ(Indexes(6, 8, 4), (std::vector<uint64_t>{6, 7}));
}

// Raft §7: TestStorageFirstIndex / TestStorageLastIndex.
TEST_F(StorageTest, FirstAndLastIndex) {
  EXPECT_EQ(s_.first_index(), 4u);
  EXPECT_EQ(s_.last_index(), 5u);
  s_.append(std::vector<Entry>{E(6, 5)});
  EXPECT_EQ(s_.last_index(), 6u);
}

// Raft §7: TestStorageCompact.
TEST_F(StorageTest, CompactDiscardsThePrefixAndRefusesToGoBack) {
  EXPECT_FALSE(s_.compact(3));
  EXPECT_TRUE(s_.compact(4));
  EXPECT_EQ(s_.first_index(), 5u);
  EXPECT_EQ(*s_.term(4), 4u);
  EXPECT_EQ(s_.term(3).error(), StorageError::kCompacted);
}

// Raft §7: TestStorageCreateSnapshot.
TEST_F(StorageTest, CreateSnapshotRecordsIndexTermAndConfiguration) {
  Result<Snapshot, StorageError> snap = s_.create_snapshot(5, ConfState{{1, 2}, {}}, "data");
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->meta, (SnapshotMeta{5, 5, ConfState{{1, 2}, {}}}));
  EXPECT_EQ(s_.create_snapshot(4, {}, "").error(), StorageError::kSnapshotOutOfDate);
}

// Raft §7: TestStorageAppend.
TEST_F(StorageTest, AppendTruncatesAConflictingSuffixAndSkipsCompactedEntries) {
  s_.append(std::vector<Entry>{E(4, 4), E(5, 6)});
  EXPECT_EQ(*s_.term(5), 6u);
  s_.append(std::vector<Entry>{E(2, 3), E(3, 3), E(4, 4)});  // Overlaps the snapshot.
  EXPECT_EQ(s_.first_index(), 4u);
  EXPECT_EQ(s_.last_index(), 4u);
  s_.append(std::vector<Entry>{E(5, 5), E(6, 5)});
  EXPECT_EQ(s_.last_index(), 6u);
}

// append_moved places entries exactly as append does (truncation, skipping what is
// compacted), taking their payloads and leaving their index and term for the caller.
TEST_F(StorageTest, AppendMovedPlacesEntriesLikeAppendAndTakesThePayloads) {
  MemoryStorage copy;
  EXPECT_TRUE(copy.apply_snapshot(Snapshot{SnapshotMeta{3, 3, {}}, ""}));
  copy.append(std::vector<Entry>{E(4, 4), E(5, 5)});
  for (const std::vector<Entry>& batch :
       {std::vector<Entry>{E(4, 4, "a"), E(5, 6, "b")},
        std::vector<Entry>{E(2, 3, "c"), E(3, 3, "d"), E(4, 4, "e")},
        std::vector<Entry>{E(5, 5, std::string(100, 'f')), E(6, 5, "g")},
        std::vector<Entry>{E(1, 1, "h")}}) {
    copy.append(batch);
    std::vector<Entry> moved = batch;
    s_.append_moved(moved);
    EXPECT_EQ(*s_.entries(s_.first_index(), s_.last_index() + 1, kNoLimit),
              *copy.entries(copy.first_index(), copy.last_index() + 1, kNoLimit));
    ASSERT_EQ(moved.size(), batch.size());
    for (size_t i = 0; i < moved.size(); ++i) {
      EXPECT_EQ(moved[i].index, batch[i].index);
      EXPECT_EQ(moved[i].term, batch[i].term);
    }
  }
  EXPECT_EQ(s_.entries(5, 6, kNoLimit)->front().data, std::string(100, 'f'));
}

// Raft §7: TestStorageApplySnapshot.
TEST_F(StorageTest, ApplySnapshotReplacesEverythingButRefusesAnOlderOne) {
  EXPECT_TRUE(s_.apply_snapshot(Snapshot{SnapshotMeta{10, 7, {}}, ""}));
  EXPECT_EQ(s_.first_index(), 11u);
  EXPECT_EQ(s_.last_index(), 10u);
  EXPECT_FALSE(s_.apply_snapshot(Snapshot{SnapshotMeta{8, 7, {}}, ""}));
}

}  // namespace
}  // namespace arbor::raft
