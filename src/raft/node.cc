#include "raft/node.h"

#include <algorithm>

#include "raft/codec.h"

namespace arbor::raft {

Node::Node(const Config& config)
    : raft_(config), prev_soft_(raft_.soft_state()), prev_hard_(raft_.hard_state()) {}

void Node::campaign() { (void)raft_.step(Message{.type = MessageType::kHup, .from = raft_.id()}); }

StepResult Node::propose(std::string data) {
  std::vector<std::string> one;
  one.push_back(std::move(data));
  return propose_batch(std::move(one));
}

StepResult Node::propose_batch(std::vector<std::string> data) {
  Message m{.type = MessageType::kProp, .from = raft_.id()};
  m.entries.reserve(data.size());
  for (std::string& d : data) m.entries.push_back(Entry{.data = std::move(d)});
  return raft_.step(std::move(m));
}

StepResult Node::propose_conf_change(const ConfChange& cc) {
  Message m{.type = MessageType::kProp, .from = raft_.id()};
  m.entries.push_back(Entry{.type = EntryType::kConfChange, .data = encode(cc)});
  return raft_.step(std::move(m));
}

StepResult Node::step(Message m) {
  if (is_local_message(m.type)) return StepError::kLocalMessage;
  if (is_response_message(m.type) && raft_.progress().count(m.from) == 0) {
    return StepError::kUnknownPeer;
  }
  return raft_.step(std::move(m));
}

StepResult Node::read_index(std::string context) {
  return raft_.step(
      Message{.type = MessageType::kReadIndex, .from = raft_.id(), .context = std::move(context)});
}

void Node::transfer_leadership(uint64_t transferee) {
  (void)raft_.step(Message{.type = MessageType::kTransferLeader, .from = transferee});
}

void Node::report_unreachable(uint64_t id) {
  (void)raft_.step(Message{.type = MessageType::kUnreachable, .from = id});
}

void Node::report_snapshot(uint64_t id, bool ok) {
  (void)raft_.step(Message{.type = MessageType::kSnapStatus, .from = id, .reject = !ok});
}

bool Node::has_ready() const {
  const RaftLog& log = raft_.log();
  if (raft_.soft_state() != prev_soft_) return true;
  const HardState hs = raft_.hard_state();
  if (!hs.empty() && hs != prev_hard_) return true;
  return log.unstable_snapshot().has_value() || !log.unstable_entries().empty() ||
         log.has_next_entries() || raft_.has_messages() || raft_.has_read_states();
}

Ready Node::ready() {
  Ready rd;
  const RaftLog& log = raft_.log();
  rd.entries = log.unstable_entries();
  rd.committed_entries = log.next_entries();
  if (log.unstable_snapshot()) rd.snapshot = *log.unstable_snapshot();
  const SoftState ss = raft_.soft_state();
  if (ss != prev_soft_) {
    rd.soft_state = ss;
    prev_soft_ = ss;
  }
  const HardState hs = raft_.hard_state();
  if (!hs.empty() && hs != prev_hard_) {
    rd.must_sync = hs.term != prev_hard_.term || hs.vote != prev_hard_.vote;
    rd.hard_state = hs;
    prev_hard_ = hs;
  }
  rd.must_sync = rd.must_sync || !rd.entries.empty();
  rd.messages = raft_.take_messages();
  coalesce_appends(rd.messages, raft_.max_size_per_msg());
  rd.read_states = raft_.take_read_states();
  raft_.reduce_uncommitted_size(rd.committed_entries);
  return rd;
}

void Node::advance(const Ready& rd) {
  RaftLog& log = raft_.mutable_log();
  if (rd.snapshot) {
    log.stable_snap_to(rd.snapshot->meta.index);
    log.applied_to(rd.snapshot->meta.index);
  }
  if (!rd.entries.empty()) log.stable_to(rd.entries.back().index, rd.entries.back().term);
  if (!rd.committed_entries.empty()) log.applied_to(rd.committed_entries.back().index);
}

Status Node::status() const {
  Status s;
  s.id = raft_.id();
  s.hard_state = raft_.hard_state();
  s.soft_state = raft_.soft_state();
  s.applied = raft_.log().applied();
  s.lead_transferee = raft_.lead_transferee();
  if (raft_.state() == StateType::kLeader) s.progress = raft_.progress();
  return s;
}

void coalesce_appends(std::vector<Message>& msgs, uint64_t max_bytes) {
  if (msgs.size() < 2) return;
  // Per member: where the last message kept for it now is, and its entries' payload bytes.
  struct Last {
    uint64_t to;
    size_t at;
    uint64_t bytes;
  };
  std::vector<Last> last;
  auto payload = [](const Message& m) {
    uint64_t n = 0;
    for (const Entry& e : m.entries) n += entry_size(e);
    return n;
  };
  size_t out = 0;
  for (size_t i = 0; i < msgs.size(); ++i) {
    Message& m = msgs[i];
    auto it = std::find_if(last.begin(), last.end(), [&](const Last& l) { return l.to == m.to; });
    const uint64_t bytes = payload(m);
    if (it != last.end() && m.type == MessageType::kApp) {
      Message& prev = msgs[it->at];
      const bool empty = prev.entries.empty();
      const uint64_t prev_last = empty ? prev.index : prev.entries.back().index;
      const uint64_t prev_last_term = empty ? prev.log_term : prev.entries.back().term;
      if (prev.type == MessageType::kApp && prev.term == m.term && m.index == prev_last &&
          m.log_term == prev_last_term && it->bytes + bytes <= max_bytes) {
        prev.entries.insert(prev.entries.end(), std::make_move_iterator(m.entries.begin()),
                            std::make_move_iterator(m.entries.end()));
        prev.commit = std::max(prev.commit, m.commit);
        it->bytes += bytes;
        continue;
      }
    }
    if (out != i) msgs[out] = std::move(m);
    if (it != last.end()) {
      *it = Last{it->to, out, bytes};
    } else {
      last.push_back(Last{msgs[out].to, out, bytes});
    }
    ++out;
  }
  msgs.resize(out);
}

}  // namespace arbor::raft
