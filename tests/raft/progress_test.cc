// Per-follower progress and flow control (checklist: tracker/).
#include "raft/progress.h"

#include <gtest/gtest.h>

namespace arbor::raft {
namespace {

// Checklist (tracker): TestInflightsAdd / TestInflightFreeTo / TestInflightFreeFirstOne.
TEST(InflightsTest, AWindowFillsFreesAPrefixAndWrapsAround) {
  Inflights in(4);
  for (uint64_t i = 1; i <= 4; ++i) in.add(i * 10);
  EXPECT_TRUE(in.full());
  in.free_to(25);  // Frees 10 and 20.
  EXPECT_EQ(in.count(), 2u);
  in.add(50);
  in.add(60);  // Wraps around the ring.
  EXPECT_TRUE(in.full());
  in.free_first_one();
  EXPECT_EQ(in.count(), 3u);
  in.free_to(5);  // Nothing at or below 5.
  EXPECT_EQ(in.count(), 3u);
  in.free_to(60);
  EXPECT_EQ(in.count(), 0u);
}

// Checklist (tracker): TestProgressIsPaused / TestProgressResume.
TEST(ProgressTest, PausedMeansProbeSentFullWindowOrSnapshot) {
  Progress p(2);
  EXPECT_FALSE(p.is_paused());
  p.probe_sent = true;
  EXPECT_TRUE(p.is_paused());
  p.resume();
  EXPECT_FALSE(p.is_paused());
  p.become_replicate();
  p.inflights.add(1);
  p.inflights.add(2);
  EXPECT_TRUE(p.is_paused());
  p.become_snapshot(10);
  EXPECT_TRUE(p.is_paused());
}

// Checklist (tracker): TestProgressBecomeProbe / TestProgressBecomeReplicate /
// TestProgressBecomeSnapshot.
TEST(ProgressTest, StateChangesResetNextFromMatchOrThePendingSnapshot) {
  Progress p(4);
  p.match = 1;
  p.next = 5;
  p.become_replicate();
  EXPECT_EQ(p.next, 2u);
  p.become_snapshot(10);
  EXPECT_EQ(p.pending_snapshot, 10u);
  p.become_probe();
  EXPECT_EQ(p.next, 11u);  // Just past the snapshot it was sent.
  EXPECT_EQ(p.pending_snapshot, 0u);
  p.match = 20;
  p.become_probe();
  EXPECT_EQ(p.next, 21u);
}

// Checklist (tracker): TestProgressUpdate.
TEST(ProgressTest, UpdateRaisesMatchAndNextButNeverLowersThem) {
  Progress p(4);
  p.match = 3;
  p.next = 5;
  EXPECT_FALSE(p.maybe_update(2));
  EXPECT_EQ(p.next, 5u);
  EXPECT_TRUE(p.maybe_update(4));
  EXPECT_EQ(p.match, 4u);
  EXPECT_EQ(p.next, 5u);
  EXPECT_TRUE(p.maybe_update(6));
  EXPECT_EQ(p.next, 7u);
}

// Checklist (tracker): TestProgressMaybeDecr.
TEST(ProgressTest, DecrementUsesTheHintAndIgnoresStaleRejections) {
  Progress p(4);
  p.become_replicate();
  p.match = 5;
  p.next = 10;
  EXPECT_FALSE(p.maybe_decr_to(5, 5));  // At or below match: stale.
  EXPECT_TRUE(p.maybe_decr_to(9, 9));
  EXPECT_EQ(p.next, 6u);  // Replicate: back to match + 1.
  Progress q(4);
  q.next = 10;
  EXPECT_FALSE(q.maybe_decr_to(5, 0));  // Probe: only the rejection of next - 1 counts.
  EXPECT_TRUE(q.maybe_decr_to(9, 3));
  EXPECT_EQ(q.next, 4u);  // min(rejected, hint + 1).
  EXPECT_TRUE(q.maybe_decr_to(3, 0));
  EXPECT_EQ(q.next, 1u);  // Never below 1.
}

// Checklist (tracker): TestProgressString.
TEST(ProgressTest, DescribesItselfForLogs) {
  Progress p(4);
  p.match = 1;
  p.next = 2;
  p.become_snapshot(7);
  EXPECT_EQ(p.to_string(), "snapshot match=1 next=2 inflight=0 pending_snapshot=7");
}

}  // namespace
}  // namespace arbor::raft
