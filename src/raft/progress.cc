#include "raft/progress.h"

#include <algorithm>
#include <cstdio>

#include "util/log.h"

namespace arbor::raft {

void Inflights::add(uint64_t last_index) {
  CHECK(!full(), "inflights full (%zu)", buffer_.size());
  buffer_[(start_ + count_) % buffer_.size()] = last_index;
  ++count_;
}

void Inflights::free_to(uint64_t index) {
  // Appends are recorded in increasing order, so the acknowledged ones are a prefix.
  while (count_ > 0 && buffer_[start_] <= index) {
    start_ = (start_ + 1) % buffer_.size();
    --count_;
  }
  if (count_ == 0) start_ = 0;
}

void Inflights::free_first_one() {
  if (count_ == 0) return;
  free_to(buffer_[start_]);
}

const char* to_string(ProgressState state) {
  switch (state) {
    case ProgressState::kProbe:
      return "probe";
    case ProgressState::kReplicate:
      return "replicate";
    case ProgressState::kSnapshot:
      return "snapshot";
  }
  return "unknown";
}

void Progress::become_probe() {
  // Coming back from a snapshot, the member has at least the snapshot: probe just past it.
  if (state == ProgressState::kSnapshot) {
    const uint64_t pending = pending_snapshot;
    state = ProgressState::kProbe;
    next = std::max(match + 1, pending + 1);
  } else {
    state = ProgressState::kProbe;
    next = match + 1;
  }
  probe_sent = false;
  pending_snapshot = 0;
  inflights.reset();
}

void Progress::become_replicate() {
  state = ProgressState::kReplicate;
  next = match + 1;
  probe_sent = false;
  pending_snapshot = 0;
  inflights.reset();
}

void Progress::become_snapshot(uint64_t snapshot_index) {
  state = ProgressState::kSnapshot;
  probe_sent = false;
  pending_snapshot = snapshot_index;
  inflights.reset();
}

bool Progress::maybe_update(uint64_t n) {
  bool updated = false;
  if (match < n) {
    match = n;
    updated = true;
    resume();
  }
  next = std::max(next, n + 1);
  return updated;
}

bool Progress::maybe_decr_to(uint64_t rejected, uint64_t hint) {
  if (state == ProgressState::kReplicate) {
    // Appends at or below match were accepted before; a rejection of one is a stale duplicate.
    if (rejected <= match) return false;
    next = match + 1;
    return true;
  }
  // Probe (or snapshot): only the rejection of the append at next-1 is current.
  if (next == 0 || next - 1 != rejected) return false;
  next = std::max<uint64_t>(std::min(rejected, hint + 1), 1);
  resume();
  return true;
}

bool Progress::is_paused() const {
  switch (state) {
    case ProgressState::kProbe:
      return probe_sent;
    case ProgressState::kReplicate:
      return inflights.full();
    case ProgressState::kSnapshot:
      return true;
  }
  return true;
}

std::string Progress::to_string() const {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s match=%lu next=%lu%s%s inflight=%zu", raft::to_string(state),
                match, next, is_learner ? " learner" : "", probe_sent ? " paused" : "",
                inflights.count());
  std::string s(buf);
  if (state == ProgressState::kSnapshot)
    s += " pending_snapshot=" + std::to_string(pending_snapshot);
  return s;
}

uint64_t quorum_committed_index(std::vector<uint64_t> matches) {
  if (matches.empty()) return 0;
  // Sorted descending, the entry at position n/2 is held by n/2+1 voters: a majority.
  std::sort(matches.begin(), matches.end(), std::greater<>());
  return matches[matches.size() / 2];
}

VoteResult quorum_vote_result(const std::vector<uint64_t>& voters,
                              const std::map<uint64_t, bool>& votes) {
  if (voters.empty()) return VoteResult::kWon;  // An empty configuration decides trivially.
  size_t granted = 0, rejected = 0;
  for (uint64_t id : voters) {
    auto it = votes.find(id);
    if (it == votes.end()) continue;
    (it->second ? granted : rejected)++;
  }
  const size_t quorum = voters.size() / 2 + 1;
  if (granted >= quorum) return VoteResult::kWon;
  if (rejected >= quorum || voters.size() - rejected < quorum) return VoteResult::kLost;
  return VoteResult::kPending;
}

}  // namespace arbor::raft
