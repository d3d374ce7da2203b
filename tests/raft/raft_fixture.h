#pragma once
// Vocabulary for tests that drive Raft objects message by message: build a member with a
// given log, read what it sent, and a tiny synchronous network of Raft objects (no storage,
// no Ready loop) for scenarios from the paper's figures.

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <memory>
#include <set>

#include "raft/raft.h"

namespace arbor::raft {

struct Opts {
  bool pre_vote = false;
  bool check_quorum = false;
  int election_tick = 10;
  int heartbeat_tick = 1;
  std::vector<uint64_t> learners = {};
  uint64_t max_size_per_msg = kNoLimit;
  size_t max_inflight = 256;
  uint64_t max_uncommitted = kNoLimit;
};

inline Entry E(uint64_t index, uint64_t term, std::string data = "") {
  return Entry{term, index, EntryType::kNormal, std::move(data)};
}

inline Message M(MessageType type, uint64_t from, uint64_t to, uint64_t term = 0) {
  Message m;
  m.type = type;
  m.from = from;
  m.to = to;
  m.term = term;
  return m;
}

inline Message Prop(uint64_t id, std::string data = "x") {
  Message m = M(MessageType::kProp, id, id);
  m.entries.push_back(E(0, 0, std::move(data)));
  return m;
}

class RaftFixture : public ::testing::Test {
 protected:
  // Member `id` of `peers` whose stable log holds entries 1..n with `terms`; its persisted
  // term is the last entry's.
  Raft& New(uint64_t id, std::vector<uint64_t> peers, std::vector<uint64_t> terms = {},
            Opts o = {}) {
    storages_.push_back(std::make_unique<MemoryStorage>());
    MemoryStorage& s = *storages_.back();
    std::vector<Entry> ents;
    for (size_t i = 0; i < terms.size(); ++i) ents.push_back(E(i + 1, terms[i]));
    s.append(ents);
    if (!terms.empty()) s.set_hard_state(HardState{terms.back(), kNone, 0});
    return NewWithStorage(id, std::move(peers), &s, o);
  }
  Raft& NewWithStorage(uint64_t id, std::vector<uint64_t> peers, MemoryStorage* s, Opts o = {}) {
    Config c;
    c.id = id;
    c.peers = std::move(peers);
    c.learners = o.learners;
    for (uint64_t l : o.learners) std::erase(c.peers, l);
    c.storage = s;
    c.election_tick = o.election_tick;
    c.heartbeat_tick = o.heartbeat_tick;
    c.check_quorum = o.check_quorum;
    c.pre_vote = o.pre_vote;
    c.max_size_per_msg = o.max_size_per_msg;
    c.max_inflight_msgs = o.max_inflight;
    c.max_uncommitted_entries_size = o.max_uncommitted;
    c.random_seed = id;
    rafts_.push_back(std::make_unique<Raft>(c));
    return *rafts_.back();
  }
  // Makes r leader of term_+1 without any messages, and forgets what it sent.
  static void MakeLeader(Raft& r) {
    r.become_candidate();
    r.become_leader();
    (void)r.take_messages();
  }
  static std::vector<Message> Sent(Raft& r) { return r.take_messages(); }
  static std::vector<Message> SentOf(Raft& r, MessageType type) {
    std::vector<Message> out;
    for (Message& m : r.take_messages()) {
      if (m.type == type) out.push_back(std::move(m));
    }
    return out;
  }
  static void Step(Raft& r, Message m) { (void)r.step(std::move(m)); }
  static void Tick(Raft& r, int n) {
    for (int i = 0; i < n; ++i) r.tick();
  }
  static std::vector<uint64_t> LogTerms(const Raft& r) {
    std::vector<uint64_t> out;
    Result<std::vector<Entry>, StorageError> ents =
        r.log().entries(r.log().first_index(), kNoLimit);
    for (const Entry& e : *ents) out.push_back(e.term);
    return out;
  }

  std::vector<std::unique_ptr<MemoryStorage>> storages_;
  std::vector<std::unique_ptr<Raft>> rafts_;
};

// Raft objects exchanging messages synchronously (etcd's test "network" idea): send() delivers
// everything that follows until no message is left. No persistence; cut links lose messages.
class MiniCluster {
 public:
  void add(Raft& r) { rafts_[r.id()] = &r; }
  void cut(uint64_t a, uint64_t b) {
    cut_.insert({a, b});
    cut_.insert({b, a});
  }
  void isolate(uint64_t id) {
    for (auto& [other, r] : rafts_) {
      if (other != id) cut(id, other);
    }
  }
  void heal() { cut_.clear(); }
  // Steps `m` at its destination locally (no link check, like a driver call) and delivers
  // everything that follows.
  void step_local(Message m) {
    (void)rafts_.at(m.to)->step(std::move(m));
    flush();
  }
  // Delivers every message waiting in any member's outbox, and what follows.
  void flush() {
    std::deque<Message> q;
    for (auto& [id, r] : rafts_) {
      for (Message& out : r->take_messages()) q.push_back(std::move(out));
    }
    deliver(std::move(q));
  }
  void send(Message first) { deliver(std::deque<Message>{std::move(first)}); }
  void deliver(std::deque<Message> q) {
    while (!q.empty()) {
      Message m = std::move(q.front());
      q.pop_front();
      auto it = rafts_.find(m.to);
      if (it == rafts_.end() || cut_.count({m.from, m.to})) continue;
      (void)it->second->step(m);
      for (auto& [id, r] : rafts_) {
        for (Message& out : r->take_messages()) q.push_back(std::move(out));
      }
    }
  }
  void campaign(uint64_t id) { send(M(MessageType::kHup, id, id)); }
  void propose(uint64_t id, std::string data = "x") { send(Prop(id, std::move(data))); }
  Raft& at(uint64_t id) { return *rafts_.at(id); }

 private:
  std::map<uint64_t, Raft*> rafts_;
  std::set<std::pair<uint64_t, uint64_t>> cut_;
};

}  // namespace arbor::raft
