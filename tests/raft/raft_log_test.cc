// Raft §5.3 / §7: the raft log's bookkeeping over stable storage, unstable tail and snapshot.
#include "raft/raft_log.h"

#include <gtest/gtest.h>

namespace arbor::raft {
namespace {

Entry E(uint64_t index, uint64_t term) { return Entry{term, index, EntryType::kNormal, ""}; }

std::vector<uint64_t> Terms(const std::vector<Entry>& ents) {
  std::vector<uint64_t> out;
  for (const Entry& e : ents) out.push_back(e.term);
  return out;
}

class RaftLogTest : public ::testing::Test {
 protected:
  // Stores entries 1..n with the given terms, all persisted.
  void Store(std::vector<uint64_t> terms) {
    std::vector<Entry> ents;
    for (size_t i = 0; i < terms.size(); ++i) ents.push_back(E(i + 1, terms[i]));
    storage_.append(ents);
    log_ = std::make_unique<RaftLog>(&storage_);
  }
  RaftLog& log() { return *log_; }
  MemoryStorage storage_;
  std::unique_ptr<RaftLog> log_ = std::make_unique<RaftLog>(&storage_);
};

// Raft §5.3: TestFindConflict.
TEST_F(RaftLogTest, FindConflictReturnsTheFirstDifferingOrNewIndex) {
  Store({1, 2, 3});
  EXPECT_EQ(log().find_conflict(std::vector<Entry>{E(1, 1), E(2, 2)}), 0u);
  EXPECT_EQ(log().find_conflict(std::vector<Entry>{E(2, 2), E(3, 3), E(4, 4)}), 4u);
  EXPECT_EQ(log().find_conflict(std::vector<Entry>{E(2, 2), E(3, 4)}), 3u);
  EXPECT_EQ(log().find_conflict(std::vector<Entry>{E(1, 4), E(2, 4)}), 1u);
}

// Raft §5.4.1: TestIsUpToDate.
TEST_F(RaftLogTest, UpToDateComparesLastTermThenLastIndex) {
  Store({1, 2, 3});
  EXPECT_TRUE(log().is_up_to_date(1, 4));
  EXPECT_FALSE(log().is_up_to_date(5, 2));
  EXPECT_TRUE(log().is_up_to_date(3, 3));
  EXPECT_TRUE(log().is_up_to_date(4, 3));
  EXPECT_FALSE(log().is_up_to_date(2, 3));
}

// Raft §5.3: TestAppend.
TEST_F(RaftLogTest, AppendTruncatesFromTheFirstNewIndex) {
  Store({1, 2});
  EXPECT_EQ(log().append(std::vector<Entry>{E(2, 3), E(3, 3)}), 3u);
  EXPECT_EQ(Terms(*log().entries(1, kNoLimit)), (std::vector<uint64_t>{1, 3, 3}));
  EXPECT_EQ(log().unstable_entries().front().index, 2u);
}

// Raft §5.3: TestLogMaybeAppend (match, mismatch, conflict, commit bound).
TEST_F(RaftLogTest, MaybeAppendChecksPrevAndCommitsUpToLastNew) {
  Store({1, 2, 3});
  EXPECT_FALSE(log().maybe_append(3, 2, 3, std::vector<Entry>{E(4, 4)}).has_value());
  EXPECT_FALSE(log().maybe_append(4, 4, 3, std::vector<Entry>{E(5, 4)}).has_value());
  EXPECT_EQ(*log().maybe_append(3, 3, 10, std::vector<Entry>{E(4, 4)}), 4u);
  EXPECT_EQ(log().committed(), 4u);  // min(leader commit, last new index)
  EXPECT_EQ(*log().maybe_append(1, 1, 2, {}), 1u);
  EXPECT_EQ(log().committed(), 4u);  // Never decreases.
}

TEST_F(RaftLogTest, MaybeAppendIgnoresAStaleDuplicateInsteadOfTruncating) {
  Store({1, 2, 3});
  EXPECT_EQ(*log().maybe_append(1, 1, 0, std::vector<Entry>{E(2, 2)}), 2u);
  EXPECT_EQ(log().last_index(), 3u);
}

TEST_F(RaftLogTest, ConflictWithACommittedEntryIsFatal) {
  Store({1, 2, 3});
  log().commit_to(3);
  EXPECT_DEATH((void)log().maybe_append(1, 1, 3, std::vector<Entry>{E(2, 5)}), "conflict");
}

// Raft §5.3: TestCommitTo.
TEST_F(RaftLogTest, CommitNeverDecreasesAndNeverPassesTheLastIndex) {
  Store({1, 2, 3});
  log().commit_to(2);
  log().commit_to(1);
  EXPECT_EQ(log().committed(), 2u);
  EXPECT_DEATH(log().commit_to(4), "beyond last index");
}

// Raft §5.4.2 (log level): maybe_commit only for an entry of the given term.
TEST_F(RaftLogTest, MaybeCommitOnlyCommitsAnEntryOfTheGivenTerm) {
  Store({1, 2, 2});
  EXPECT_FALSE(log().maybe_commit(2, 1));
  EXPECT_TRUE(log().maybe_commit(3, 2));
  EXPECT_EQ(log().committed(), 3u);
}

// Raft §7: TestHasNextEnts / TestNextEnts.
TEST_F(RaftLogTest, NextEntriesAreCommittedButUnapplied) {
  Store({1, 1, 1});
  log().commit_to(2);
  EXPECT_EQ(log().next_entries().size(), 2u);
  log().applied_to(1);
  EXPECT_TRUE(log().has_next_entries());
  EXPECT_EQ(log().next_entries().front().index, 2u);
  log().applied_to(2);
  EXPECT_FALSE(log().has_next_entries());
}

// Raft §7: TestUnstableEnts / TestStableTo.
TEST_F(RaftLogTest, StableToDropsPersistedUnstableEntriesOnlyIfTheTermMatches) {
  log().append(std::vector<Entry>{E(1, 1), E(2, 2)});
  log().stable_to(1, 2);  // Wrong term: ignored.
  EXPECT_EQ(log().unstable_entries().size(), 2u);
  log().stable_to(1, 1);
  EXPECT_EQ(log().unstable_entries().size(), 1u);
  storage_.append(std::vector<Entry>{E(1, 1)});
  log().stable_to(2, 2);
  EXPECT_TRUE(log().unstable_entries().empty());
}

// Raft §7: TestStableToWithSnap / TestLogRestore / TestTermWithUnstableSnapshot.
TEST_F(RaftLogTest, RestoreReplacesTheLogWithAnUnstableSnapshot) {
  Store({1, 2});
  log().restore(Snapshot{SnapshotMeta{10, 5, {}}, ""});
  EXPECT_EQ(log().first_index(), 11u);
  EXPECT_EQ(log().last_index(), 10u);
  EXPECT_EQ(log().committed(), 10u);
  EXPECT_EQ(*log().term(10), 5u);
  EXPECT_EQ(log().term(9).error(), StorageError::kCompacted);
  log().stable_snap_to(10);
  EXPECT_FALSE(log().unstable_snapshot().has_value());
}

// Raft §7: TestCompaction / TestCompactionSideEffects / TestIsOutOfBounds / TestSlice.
TEST_F(RaftLogTest, SliceSpansStableAndUnstableAndReportsCompaction) {
  Store({1, 1, 2, 2});
  ASSERT_TRUE(storage_.compact(2));
  log_ = std::make_unique<RaftLog>(&storage_);
  log().append(std::vector<Entry>{E(5, 3), E(6, 3)});
  EXPECT_EQ(log().slice(2, 4, kNoLimit).error(), StorageError::kCompacted);
  EXPECT_EQ(Terms(*log().slice(3, 7, kNoLimit)), (std::vector<uint64_t>{2, 2, 3, 3}));
  EXPECT_EQ(*log().term(2), 1u);  // The dummy entry keeps the compaction point's term.
  EXPECT_EQ(*log().term(7), 0u);  // Beyond the end: term 0.
  EXPECT_DEATH((void)log().slice(3, 8, kNoLimit), "beyond last");
}

// Raft §5.3 quick back-off: the follower's hint skips every entry of a later term.
TEST_F(RaftLogTest, ConflictByTermSkipsEntriesNewerThanTheLeadersPrevTerm) {
  Store({1, 1, 4, 4, 4});
  EXPECT_EQ(log().find_conflict_by_term(5, 2), 2u);
  EXPECT_EQ(log().find_conflict_by_term(9, 4), 5u);
  EXPECT_EQ(log().find_conflict_by_term(5, 0), 0u);
}

// log_unstable_test: TestUnstableMaybeFirstIndex / TestMaybeLastIndex / TestUnstableMaybeTerm /
// TestUnstableRestore / TestUnstableStableTo / TestUnstableTruncateAndAppend.
TEST(UnstableTest, IndexesAndTermsComeFromEntriesThenTheSnapshot) {
  Unstable u;
  u.set_offset(5);
  EXPECT_FALSE(u.maybe_first_index().has_value());
  EXPECT_FALSE(u.maybe_last_index().has_value());
  u.truncate_and_append(std::vector<Entry>{E(5, 1)});
  EXPECT_EQ(*u.maybe_last_index(), 5u);
  EXPECT_EQ(*u.maybe_term(5), 1u);
  EXPECT_FALSE(u.maybe_term(4).has_value());
  u.restore(Snapshot{SnapshotMeta{4, 1, {}}, ""});
  EXPECT_EQ(*u.maybe_first_index(), 5u);
  EXPECT_EQ(*u.maybe_last_index(), 4u);
  EXPECT_EQ(*u.maybe_term(4), 1u);
  EXPECT_TRUE(u.entries().empty());
}

TEST(UnstableTest, TruncateAndAppendReplacesFromTheFirstNewIndex) {
  Unstable u;
  u.set_offset(5);
  u.truncate_and_append(std::vector<Entry>{E(5, 1), E(6, 1), E(7, 1)});
  u.truncate_and_append(std::vector<Entry>{E(6, 2)});  // Inside: truncate then append.
  EXPECT_EQ(Terms(u.entries()), (std::vector<uint64_t>{1, 2}));
  u.truncate_and_append(std::vector<Entry>{E(4, 3)});  // Before the offset: replace all.
  EXPECT_EQ(u.offset(), 4u);
  EXPECT_EQ(Terms(u.entries()), (std::vector<uint64_t>{3}));
  u.stable_to(4, 3);
  EXPECT_EQ(u.offset(), 5u);
  EXPECT_TRUE(u.entries().empty());
}

// util_test: TestLimitSize.
TEST(LimitSizeTest, KeepsAtLeastOneEntry) {
  std::vector<Entry> ents{Entry{1, 1, EntryType::kNormal, "aaaa"},
                          Entry{1, 2, EntryType::kNormal, "bb"}};
  limit_size(ents, 5);
  EXPECT_EQ(ents.size(), 1u);
  limit_size(ents, 0);
  EXPECT_EQ(ents.size(), 1u);
}

}  // namespace
}  // namespace arbor::raft
