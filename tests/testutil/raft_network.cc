#include "testutil/raft_network.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "raft/codec.h"

namespace arbor::testutil {

using raft::Entry;
using raft::Message;
using raft::MessageType;

namespace {

uint64_t mix(uint64_t h, const Entry& e) {
  // FNV-1a over (term, index, type, data): any difference in what was applied shows up.
  auto step = [&h](uint64_t byte) { h = (h ^ byte) * 0x100000001b3ULL; };
  for (int i = 0; i < 8; ++i) step((e.term >> (8 * i)) & 0xff);
  for (int i = 0; i < 8; ++i) step((e.index >> (8 * i)) & 0xff);
  step(static_cast<uint64_t>(e.type));
  for (char c : e.data) step(static_cast<unsigned char>(c));
  return h;
}

}  // namespace

Network::Network(std::vector<uint64_t> ids, NetworkOptions options)
    : ids_(std::move(ids)), options_(std::move(options)), rng_(options_.seed) {
  trace_ = std::getenv("ARBOR_RAFT_TRACE") != nullptr;
  initial_ids_ = ids_;
  next_id_ = *std::max_element(ids_.begin(), ids_.end()) + 1;
  for (uint64_t id : ids_) {
    Member& m = members_[id];
    m.storage = std::make_unique<raft::MemoryStorage>();
    m.node = std::make_unique<raft::Node>(make_config(id, 0));
    m.conf_state = raft::ConfState{m.node->raft().voters(), m.node->raft().learners()};
  }
}

raft::Config Network::make_config(uint64_t id, uint64_t applied) const {
  raft::Config c;
  c.id = id;
  if (!members_.at(id).joiner) {
    for (uint64_t p : initial_ids_) {
      if (std::find(options_.learners.begin(), options_.learners.end(), p) ==
          options_.learners.end()) {
        c.peers.push_back(p);
      }
    }
    c.learners = options_.learners;
  }
  c.election_tick = options_.election_tick;
  c.heartbeat_tick = options_.heartbeat_tick;
  c.storage = members_.at(id).storage.get();
  c.applied = applied;
  c.max_size_per_msg = options_.max_size_per_msg;
  c.max_inflight_msgs = options_.max_inflight_msgs;
  c.check_quorum = options_.check_quorum;
  c.pre_vote = options_.pre_vote;
  c.random_seed = options_.seed * 7919 + step_;
  return c;
}

// ---------------------------------------------------------------- driver actions

void Network::campaign(uint64_t id) {
  node(id).campaign();
  process_readies();
}

raft::StepResult Network::propose(uint64_t id, std::string data) {
  raft::StepResult r = node(id).propose(std::move(data));
  process_readies();
  return r;
}

raft::StepResult Network::propose_conf_change(uint64_t id, const raft::ConfChange& cc) {
  raft::StepResult r = node(id).propose_conf_change(cc);
  process_readies();
  return r;
}

void Network::tick(uint64_t id, int n) {
  for (int i = 0; i < n; ++i) {
    node(id).tick();
    process_readies();
  }
}

void Network::tick_all(int n) {
  for (int i = 0; i < n; ++i) {
    for (uint64_t id : ids_) {
      if (alive(id)) node(id).tick();
    }
    process_readies();
  }
}

void Network::transfer_leadership(uint64_t at, uint64_t transferee) {
  node(at).transfer_leadership(transferee);
  process_readies();
}

raft::StepResult Network::read_index(uint64_t id, std::string context) {
  raft::StepResult r = node(id).read_index(std::move(context));
  process_readies();
  return r;
}

std::vector<raft::ReadState> Network::take_read_states(uint64_t id) {
  process_readies();
  return std::exchange(read_states_[id], {});
}

void Network::stabilize() {
  process_readies();
  for (int guard = 0; !queue_.empty(); ++guard) {
    if (guard > 1000000) {
      fail("stabilize: messages never stop");
      queue_.clear();
      return;
    }
    Message m = std::move(queue_.front().msg);
    queue_.pop_front();
    deliver(m);
    process_readies();
  }
}

void Network::run(int rounds) {
  for (int i = 0; i < rounds; ++i) {
    tick_all();
    stabilize();
  }
}

void Network::cut(uint64_t a, uint64_t b) {
  cut_.insert({a, b});
  cut_.insert({b, a});
}

void Network::isolate(uint64_t id) {
  for (uint64_t other : ids_) {
    if (other != id) cut(id, other);
  }
}

void Network::heal() { cut_.clear(); }

void Network::crash(uint64_t id) {
  if (trace_) std::fprintf(stderr, "[%lu] crash %lu\n", step_, id);
  Member& m = members_.at(id);
  m.node.reset();
  // Drop what is addressed to it or sent by it: a rebooted process has lost its sockets. The
  // transport tells senders of snapshots that the transfer failed.
  std::vector<Message> lost_snapshots;
  std::erase_if(queue_, [&](const InFlight& f) {
    const bool lost = f.msg.to == id || f.msg.from == id;
    if (lost && f.msg.type == MessageType::kSnap) lost_snapshots.push_back(f.msg);
    return lost;
  });
  for (const Message& snap : lost_snapshots) {
    if (alive(snap.from)) node(snap.from).report_snapshot(snap.to, false);
  }
}

void Network::restart(uint64_t id) {
  Member& m = members_.at(id);
  if (m.node || m.removed) return;
  if (trace_) std::fprintf(stderr, "[%lu] restart %lu\n", step_, id);
  Result<raft::Snapshot, raft::StorageError> snap = m.storage->snapshot();
  const raft::Snapshot s = snap.ok() ? *snap : raft::Snapshot{};
  m.applied_index = s.meta.index;
  m.sm_hash = s.empty() ? 0 : std::stoull(s.data);
  m.applied_data.clear();
  m.node = std::make_unique<raft::Node>(make_config(id, s.meta.index));
  m.conf_state = s.empty() ? raft::ConfState{m.node->raft().voters(), m.node->raft().learners()}
                           : s.meta.conf_state;
  m.checked_leader_term = 0;
  process_readies();
}

void Network::compact(uint64_t id) {
  if (trace_) std::fprintf(stderr, "[%lu] compact %lu\n", step_, id);
  Member& m = members_.at(id);
  if (m.applied_index < m.storage->first_index()) return;  // Nothing new to compact.
  Result<raft::Snapshot, raft::StorageError> snap =
      m.storage->create_snapshot(m.applied_index, m.conf_state, std::to_string(m.sm_hash));
  if (!snap.ok()) return;
  (void)m.storage->compact(m.applied_index);
  ++counts_.compactions;
}

void Network::add_member(uint64_t id) {
  if (trace_) std::fprintf(stderr, "[%lu] add member %lu\n", step_, id);
  Member& m = members_[id];
  m.joiner = true;
  m.storage = std::make_unique<raft::MemoryStorage>();
  m.node = std::make_unique<raft::Node>(make_config(id, 0));
  ids_.push_back(id);
}

void Network::random_membership_change() {
  const uint64_t l = leader();
  if (l == raft::kNone) return;
  const std::vector<uint64_t> voters = conf_state(l).voters;
  if (voters.size() < 5 && rng_() % 2 == 0) {
    // Every member that could ever lead must have a snapshot to send the new member, so that
    // it learns the configuration instead of replaying the log from an empty one.
    for (uint64_t id : ids_) {
      if (removed(id)) continue;
      if (!alive(id)) return;
      compact(id);
      if (storage(id).first_index() == 1) return;
    }
    const uint64_t id = next_id_++;
    add_member(id);
    (void)propose_conf_change(l, raft::ConfChange{raft::ConfChangeType::kAddNode, id, ""});
  } else if (voters.size() > 3) {
    const uint64_t id = voters[rng_() % voters.size()];
    (void)propose_conf_change(l, raft::ConfChange{raft::ConfChangeType::kRemoveNode, id, ""});
  }
}

uint64_t Network::leader() const {
  uint64_t best = raft::kNone, best_term = 0;
  for (const auto& [id, m] : members_) {
    if (!m.node || m.node->raft().state() != raft::StateType::kLeader) continue;
    if (m.node->raft().term() >= best_term) {
      best = id;
      best_term = m.node->raft().term();
    }
  }
  return best;
}

// ---------------------------------------------------------------- the Ready loop

void Network::process_readies() {
  for (uint64_t id : ids_) {
    if (alive(id)) process_ready(id);
  }
}

void Network::process_ready(uint64_t id) {
  Member& mem = members_.at(id);
  raft::Node& n = *mem.node;
  while (n.has_ready()) {
    raft::Ready rd = n.ready();
    if (trace_) {
      std::fprintf(stderr, "[%lu] ready %lu: %s term %lu lead %lu", step_, id,
                   raft::to_string(n.raft().state()), n.raft().term(), n.raft().lead());
      if (rd.hard_state) {
        std::fprintf(stderr, " hs{%lu,%lu,%lu}", rd.hard_state->term, rd.hard_state->vote,
                     rd.hard_state->commit);
      }
      for (const Entry& e : rd.entries) std::fprintf(stderr, " +%lu/%lu", e.index, e.term);
      if (rd.snapshot)
        std::fprintf(stderr, " snap %lu/%lu", rd.snapshot->meta.index, rd.snapshot->meta.term);
      for (const Entry& e : rd.committed_entries)
        std::fprintf(stderr, " apply %lu/%lu", e.index, e.term);
      for (const Message& m : rd.messages) {
        std::fprintf(stderr, "\n      %s %lu->%lu t%lu i%lu lt%lu c%lu n%zu%s",
                     raft::to_string(m.type), m.from, m.to, m.term, m.index, m.log_term, m.commit,
                     m.entries.size(), m.reject ? " reject" : "");
      }
      std::fprintf(stderr, "\n");
    }
    // 1. Persist: snapshot, entries, hard state.
    if (rd.snapshot) {
      if (!mem.storage->apply_snapshot(*rd.snapshot)) fail("stale snapshot in a Ready");
    }
    if (!rd.entries.empty()) {
      mem.storage->append(rd.entries);
      // Log Matching, by induction: (index, term) must always name the same entry with the
      // same predecessor term.
      for (const Entry& e : rd.entries) {
        Result<uint64_t, raft::StorageError> prev = mem.storage->term(e.index - 1);
        const uint64_t prev_term = prev.ok() ? *prev : 0;
        auto [it, inserted] =
            entries_seen_.try_emplace({e.index, e.term}, LogRecord{prev_term, e.type, e.data});
        if (!inserted && (it->second.data != e.data || it->second.type != e.type ||
                          (prev.ok() && it->second.prev_term != prev_term))) {
          fail("Log Matching: member " + std::to_string(id) + " has a different entry at index " +
               std::to_string(e.index) + " term " + std::to_string(e.term));
        }
      }
    }
    if (rd.hard_state) mem.storage->set_hard_state(*rd.hard_state);
    // 2. Send.
    for (const Message& m : rd.messages) enqueue(m);
    // 3. Apply.
    if (rd.snapshot) {
      const raft::Snapshot& s = *rd.snapshot;
      mem.applied_index = s.meta.index;
      mem.sm_hash = std::stoull(s.data);
      mem.conf_state = s.meta.conf_state;
      ++counts_.snapshots_installed;
      auto [it, inserted] = hash_at_.try_emplace(s.meta.index, mem.sm_hash);
      if (!inserted && it->second != mem.sm_hash) {
        fail("State Machine Safety: snapshot at " + std::to_string(s.meta.index) +
             " differs from what was applied there");
      }
    }
    for (const Entry& e : rd.committed_entries) apply(id, e);

    for (raft::ReadState& rs : rd.read_states) {
      if (auto it = read_floor_.find(rs.context); it != read_floor_.end()) {
        ++counts_.reads_served;
        if (rs.index < it->second) {
          fail("ReadIndex: read " + rs.context + " at member " + std::to_string(id) +
               " answered with index " + std::to_string(rs.index) + " but " +
               std::to_string(it->second) + " was committed when it was asked");
        }
      }
      read_states_[id].push_back(std::move(rs));
    }
    n.advance(rd);
  }
  if (mem.removed) {
    // A member that applied its own removal stops (Raft §6), after sending what its last
    // Ready held (a removed leader's hand-off to its successor): those messages stay queued.
    if (trace_) std::fprintf(stderr, "[%lu] stop removed %lu\n", step_, id);
    mem.node.reset();
    std::erase_if(queue_, [id](const InFlight& f) { return f.msg.to == id; });
    return;
  }
  // Election Safety: at most one leader per term.
  const raft::Raft& r = n.raft();
  if (r.state() == raft::StateType::kLeader) {
    auto [it, inserted] = leader_of_term_.try_emplace(r.term(), id);
    if (!inserted && it->second != id) {
      fail("Election Safety: " + std::to_string(it->second) + " and " + std::to_string(id) +
           " both lead term " + std::to_string(r.term()));
    }
    if (mem.checked_leader_term != r.term()) {
      mem.checked_leader_term = r.term();
      check_leaders();
    }
  }
}

void Network::apply(uint64_t id, const Entry& e) {
  Member& mem = members_.at(id);
  if (e.index != mem.applied_index + 1) {
    fail("member " + std::to_string(id) + " applied " + std::to_string(e.index) + " after " +
         std::to_string(mem.applied_index));
  }
  mem.applied_index = e.index;
  mem.sm_hash = mix(mem.sm_hash, e);
  // State Machine Safety: every member applies the same entry at each index.
  auto [it, inserted] = applied_at_.try_emplace(e.index, e);
  if (!inserted && !(it->second == e)) {
    fail("State Machine Safety: member " + std::to_string(id) + " applied a different entry at " +
         std::to_string(e.index));
  }
  // An upper bound on the term in which the entry was first committed: the applier's term
  // (it learned the commit from a leader of that term, or of an earlier one).
  auto [ct, ct_new] = commit_term_.try_emplace(e.index, mem.node->raft().term());
  if (!ct_new) ct->second = std::min(ct->second, mem.node->raft().term());
  auto [hit, hinserted] = hash_at_.try_emplace(e.index, mem.sm_hash);
  if (!hinserted && hit->second != mem.sm_hash) {
    fail("State Machine Safety: member " + std::to_string(id) + " state differs after " +
         std::to_string(e.index));
  }
  if (e.type == raft::EntryType::kConfChange) {
    Result<raft::ConfChange, util::Status> cc = raft::decode_conf_change(e.data);
    if (!cc.ok()) {
      fail("undecodable conf change");
      return;
    }
    mem.conf_state = mem.node->apply_conf_change(*cc);
    if (cc->node_id == id && cc->type == raft::ConfChangeType::kRemoveNode) {
      mem.removed = true;
      ++counts_.members_removed;
    }
    if (cc->node_id == id && cc->type == raft::ConfChangeType::kAddNode && mem.joiner) {
      ++counts_.members_added;
    }
  } else if (!e.data.empty()) {
    mem.applied_data.push_back(e.data);
  }
}

void Network::check_leaders() {
  for (auto& [id, mem] : members_) {
    if (!mem.node || mem.node->raft().state() != raft::StateType::kLeader) continue;
    const raft::RaftLog& log = mem.node->raft().log();
    const uint64_t snapshot_index = log.first_index() - 1;
    // Leader Completeness (Raft §5.4): every entry committed in an earlier term is in this
    // leader's log (or in its snapshot, which covers only committed entries). A stale leader
    // of an old term may lack entries committed since: those are not checked against it.
    const uint64_t term = mem.node->raft().term();
    for (const auto& [index, e] : applied_at_) {
      if (index <= snapshot_index || commit_term_.at(index) >= term) continue;
      Result<uint64_t, raft::StorageError> t = log.term(index);
      if (index > log.last_index() || !t.ok() || *t != e.term) {
        fail("Leader Completeness: leader " + std::to_string(id) + " of term " +
             std::to_string(mem.node->raft().term()) + " lacks committed entry " +
             std::to_string(index));
        return;
      }
    }
  }
}

// ---------------------------------------------------------------- messages

void Network::enqueue(const Message& m) {
  InFlight f{m, 0};
  queue_.push_back(std::move(f));
}

bool Network::blocked(const Message& m) const {
  return cut_.count({m.from, m.to}) != 0 || !members_.count(m.to) || !alive(m.to) ||
         ignored_.count(m.type) != 0;
}

void Network::deliver(const Message& m) {
  const bool lost = blocked(m);
  if (trace_) {
    std::fprintf(stderr, "[%lu] %s %s %lu->%lu t%lu i%lu lt%lu c%lu n%zu\n", step_,
                 lost ? "lose" : "deliver", raft::to_string(m.type), m.from, m.to, m.term, m.index,
                 m.log_term, m.commit, m.entries.size());
  }
  if (!lost) {
    ++counts_.delivered;
    (void)node(m.to).step(m);
  } else {
    ++counts_.dropped;
  }
  // The transport reports how sending a snapshot went.
  if (m.type == MessageType::kSnap && alive(m.from)) node(m.from).report_snapshot(m.to, !lost);
}

uint64_t Network::max_commit() const {
  uint64_t best = 0;
  for (const auto& [id, m] : members_) {
    best = std::max(best, m.storage->hard_state().commit);
    if (m.node) best = std::max(best, m.node->raft().log().committed());
  }
  return best;
}

void Network::fail(const std::string& what) {
  if (violation_.empty()) violation_ = what;
}

uint64_t Network::pick(const std::vector<uint64_t>& from) { return from[rng_() % from.size()]; }

// ---------------------------------------------------------------- randomised faults

void Network::random_step(const FaultOptions& f) {
  ++step_;
  std::vector<uint64_t> live, dead;
  for (uint64_t id : ids_) {
    if (!removed(id)) (alive(id) ? live : dead).push_back(id);
  }
  auto chance = [this](int pct) { return static_cast<int>(rng_() % 100) < pct; };

  if (!live.empty() && chance(f.crash_pct)) {
    const uint64_t id = pick(live);
    // Half the time the member crashes right after taking input, before persisting the Ready
    // it produced: that state (and its messages) must simply be lost.
    if (chance(50)) node(id).tick();
    crash(id);
    ++counts_.crashes;
    return;
  }
  if (!dead.empty() && chance(f.restart_pct)) {
    restart(pick(dead));
    ++counts_.restarts;
    return;
  }
  if (chance(f.partition_pct)) {
    if (chance(50)) {
      isolate(pick(ids_));
    } else {
      const uint64_t a = pick(ids_), b = pick(ids_);
      if (a != b) cut(a, b);
    }
    ++counts_.partitions;
    return;
  }
  if (chance(f.heal_pct)) {
    heal();
    return;
  }
  if (!live.empty() && chance(f.compact_pct)) {
    compact(pick(live));
    process_readies();
    return;
  }
  if (!live.empty() && chance(f.propose_pct)) {
    // A third of the proposals are batches of 2-3 writes, as the server's loop proposes a turn.
    if (chance(33)) {
      const int n = 2 + static_cast<int>(rng_() % 2);
      std::vector<std::string> batch;
      for (int i = 0; i < n; ++i) batch.push_back("v" + std::to_string(step_) + "." + std::to_string(i));
      (void)node(pick(live)).propose_batch(std::move(batch));
      process_readies();
      counts_.proposals += n;
    } else {
      (void)propose(pick(live), "v" + std::to_string(step_));
      ++counts_.proposals;
    }
    return;
  }
  if (chance(f.membership_pct)) {
    random_membership_change();
    return;
  }
  if (!live.empty() && chance(f.read_pct)) {
    const std::string ctx = "read" + std::to_string(step_);
    read_floor_[ctx] = max_commit();
    ++counts_.reads_requested;
    (void)read_index(pick(live), ctx);
    return;
  }
  if (!live.empty() && chance(1)) {
    const uint64_t l = leader();
    if (l != raft::kNone) transfer_leadership(l, pick(ids_));
    return;
  }
  // Deliver one message, chosen at random among the deliverable ones (reordering).
  std::vector<size_t> ready_idx;
  for (size_t i = 0; i < queue_.size(); ++i) {
    if (queue_[i].not_before <= step_) ready_idx.push_back(i);
  }
  if (!live.empty() && (ready_idx.empty() || chance(f.tick_pct))) {
    tick(pick(live));
    return;
  }
  if (ready_idx.empty()) return;
  const size_t i = ready_idx[rng_() % ready_idx.size()];
  InFlight inflight = std::move(queue_[i]);
  queue_.erase(queue_.begin() + static_cast<ptrdiff_t>(i));
  if (chance(f.delay_pct) && inflight.not_before == 0) {
    inflight.not_before = step_ + 1 + rng_() % 40;  // Held back: delivered much later.
    queue_.push_back(std::move(inflight));
    ++counts_.delayed;
    return;
  }
  if (chance(f.drop_pct)) {
    ++counts_.dropped;
    if (inflight.msg.type == MessageType::kSnap && alive(inflight.msg.from)) {
      node(inflight.msg.from).report_snapshot(inflight.msg.to, false);
    }
    process_readies();
    return;
  }
  if (chance(f.duplicate_pct)) {
    queue_.push_back(InFlight{inflight.msg, step_ + rng_() % 20});
    ++counts_.duplicated;
  }
  deliver(inflight.msg);
  process_readies();
}

}  // namespace arbor::testutil
