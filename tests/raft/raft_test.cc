// Single-member behaviour of the raft state machine, driven message by message.
#include "raft/raft.h"

#include <gtest/gtest.h>

#include <deque>
#include <memory>

#include "raft/node.h"

namespace arbor::raft {
namespace {

class RaftTest : public ::testing::Test {
 protected:
  // Member `id` of a cluster of `peers`, whose storage holds entries with `terms` (1-based).
  Raft& New(uint64_t id, std::vector<uint64_t> peers, std::vector<uint64_t> terms = {}) {
    storages_.emplace_back();
    MemoryStorage& s = storages_.back();
    std::vector<Entry> ents;
    for (size_t i = 0; i < terms.size(); ++i) ents.push_back(Entry{terms[i], i + 1, EntryType::kNormal, ""});
    s.append(ents);
    if (!terms.empty()) s.set_hard_state(HardState{terms.back(), kNone, 0});
    Config c;
    c.id = id;
    c.peers = std::move(peers);
    c.storage = &s;
    c.check_quorum = false;
    c.pre_vote = false;
    c.random_seed = id;
    rafts_.push_back(std::make_unique<Raft>(c));
    return *rafts_.back();
  }
  std::deque<MemoryStorage> storages_;
  std::vector<std::unique_ptr<Raft>> rafts_;
};

// Raft §5.2: TestStartAsFollower.
TEST_F(RaftTest, AFreshMemberStartsAsFollower) {
  Raft& r = New(1, {1, 2, 3});
  EXPECT_EQ(r.state(), StateType::kFollower);
  Node n(Config{.id = 9, .peers = {9}, .storage = &storages_.back()});
  EXPECT_EQ(n.raft().state(), StateType::kFollower);
}

}  // namespace
}  // namespace arbor::raft
