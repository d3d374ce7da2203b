// Entries committed per second of CPU in a simulated 3-member cluster: three raft::Nodes with
// MemoryStorage as their disks, messages delivered in order in-process, every Ready persisted,
// sent and applied exactly as a driver must (ready.h). Measures raft's own cost, not IO.
//
//   build/raft_bench            (items_per_second = committed entries per CPU second)
#include <benchmark/benchmark.h>

#include <deque>
#include <map>
#include <memory>

#include "raft/node.h"
#include "raft/storage.h"

namespace arbor::raft {
namespace {

class Cluster {
 public:
  Cluster() {
    for (uint64_t id = 1; id <= 3; ++id) {
      storages_[id] = std::make_unique<MemoryStorage>();
      Config c;
      c.id = id;
      c.peers = {1, 2, 3};
      c.storage = storages_[id].get();
      c.max_inflight_msgs = 256;
      nodes_[id] = std::make_unique<Node>(c);
    }
    nodes_[1]->campaign();
    settle();
  }

  // Drives every Ready and delivers every message until the cluster is quiet.
  void settle() {
    bool busy = true;
    while (busy) {
      busy = false;
      for (auto& [id, n] : nodes_) {
        while (n->has_ready()) {
          busy = true;
          Ready rd = n->ready();
          MemoryStorage& s = *storages_[id];
          if (rd.snapshot) (void)s.apply_snapshot(*rd.snapshot);
          s.append(rd.entries);
          if (rd.hard_state) s.set_hard_state(*rd.hard_state);
          for (Message& m : rd.messages) queue_.push_back(std::move(m));
          if (id == 1) committed_ += rd.committed_entries.size();
          n->advance(rd);
        }
      }
      while (!queue_.empty()) {
        busy = true;
        Message m = std::move(queue_.front());
        queue_.pop_front();
        (void)nodes_[m.to]->step(m);
      }
    }
  }

  Node& leader() { return *nodes_[1]; }
  uint64_t committed() const { return committed_; }
  // Keeps memory flat over long runs: compact every member's log up to what it applied.
  void compact() {
    for (auto& [id, n] : nodes_) {
      const uint64_t applied = n->raft().log().applied();
      if (applied > storages_[id]->first_index()) (void)storages_[id]->compact(applied);
    }
  }

 private:
  std::map<uint64_t, std::unique_ptr<MemoryStorage>> storages_;
  std::map<uint64_t, std::unique_ptr<Node>> nodes_;
  std::deque<Message> queue_;
  uint64_t committed_ = 0;
};

// state.range(0) proposals per round before the cluster settles (1 = one at a time; larger
// batches exercise pipelining and batched appends).
void BM_ThreeMemberCommit(benchmark::State& state) {
  Cluster cluster;
  const std::string payload(100, 'v');
  const uint64_t start = cluster.committed();
  int rounds = 0;
  for (auto _ : state) {
    for (int64_t i = 0; i < state.range(0); ++i) {
      if (!cluster.leader().propose(payload).ok()) state.SkipWithError("proposal dropped");
    }
    cluster.settle();
    if (++rounds % 64 == 0) cluster.compact();
  }
  state.SetItemsProcessed(static_cast<int64_t>(cluster.committed() - start));
  state.counters["entries_per_cpu_s"] = benchmark::Counter(
      static_cast<double>(cluster.committed() - start), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ThreeMemberCommit)->Arg(1)->Arg(16)->Arg(128);

}  // namespace
}  // namespace arbor::raft

BENCHMARK_MAIN();
