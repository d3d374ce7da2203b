#include "raft/raft.h"

#include <algorithm>

#include "util/log.h"

namespace arbor::raft {

const char* to_string(StateType state) {
  switch (state) {
    case StateType::kFollower:
      return "follower";
    case StateType::kCandidate:
      return "candidate";
    case StateType::kLeader:
      return "leader";
    case StateType::kPreCandidate:
      return "pre-candidate";
  }
  return "unknown";
}

Raft::Raft(const Config& config)
    : id_(config.id),
      election_timeout_(config.election_tick),
      heartbeat_timeout_(config.heartbeat_tick),
      max_size_per_msg_(config.max_size_per_msg),
      max_uncommitted_size_(config.max_uncommitted_entries_size),
      max_inflight_(config.max_inflight_msgs),
      check_quorum_(config.check_quorum),
      pre_vote_(config.pre_vote),
      log_(config.storage, config.max_committed_size_per_ready),
      rng_state_(config.random_seed ^ (config.id * 0x9e3779b97f4a7c15ULL)) {
  CHECK(id_ != kNone, "raft: id must not be zero");
  CHECK(config.storage != nullptr, "raft: storage required");
  CHECK(heartbeat_timeout_ > 0 && election_timeout_ > heartbeat_timeout_,
        "raft: need 0 < heartbeat_tick < election_tick");
  CHECK(max_inflight_ > 0, "raft: max_inflight_msgs must be positive");
  auto [hs, cs] = config.storage->initial_state();
  if (cs.voters.empty() && cs.learners.empty()) {
    cs.voters = config.peers;
    cs.learners = config.learners;
  }
  init_progress(cs);
  if (!hs.empty()) {
    CHECK(hs.commit >= log_.committed() && hs.commit <= log_.last_index(),
          "raft: hard state commit %lu outside [%lu, %lu]", hs.commit, log_.committed(),
          log_.last_index());
    log_.commit_to(hs.commit);
    term_ = hs.term;
    vote_ = hs.vote;
  }
  if (config.applied > 0) log_.applied_to(config.applied);
  become_follower(term_, kNone);
}

// ---------------------------------------------------------------- configuration

void Raft::init_progress(const ConfState& cs) {
  prs_.clear();
  for (uint64_t v : cs.voters) add_progress(v, false);
  for (uint64_t l : cs.learners) add_progress(l, true);
}

void Raft::add_progress(uint64_t id, bool is_learner) {
  auto [it, inserted] = prs_.try_emplace(id, max_inflight_);
  Progress& pr = it->second;
  if (!inserted) {
    // Only promotion changes an existing member (a voter is never demoted by an add).
    if (pr.is_learner && !is_learner) pr.is_learner = false;
    return;
  }
  pr.is_learner = is_learner;
  pr.next = log_.last_index() + 1;
  pr.match = id == id_ ? log_.last_index() : 0;
  // A new member counts as active, so that adding it cannot make CheckQuorum fail at once.
  pr.recent_active = true;
}

std::vector<uint64_t> Raft::voters() const {
  std::vector<uint64_t> out;
  for (const auto& [id, pr] : prs_) {
    if (!pr.is_learner) out.push_back(id);
  }
  return out;
}

std::vector<uint64_t> Raft::learners() const {
  std::vector<uint64_t> out;
  for (const auto& [id, pr] : prs_) {
    if (pr.is_learner) out.push_back(id);
  }
  return out;
}

bool Raft::promotable() const {
  auto it = prs_.find(id_);
  return it != prs_.end() && !it->second.is_learner;
}

size_t Raft::quorum() const { return voters().size() / 2 + 1; }

ConfState Raft::apply_conf_change(const ConfChange& cc) {
  switch (cc.type) {
    case ConfChangeType::kAddNode:
      add_progress(cc.node_id, false);
      break;
    case ConfChangeType::kAddLearnerNode:
      add_progress(cc.node_id, true);
      break;
    case ConfChangeType::kRemoveNode:
      prs_.erase(cc.node_id);
      if (cc.node_id == lead_transferee_) abort_leader_transfer();
      if (cc.node_id == id_ && state_ == StateType::kLeader) {
        // Raft §6: a leader that is no longer a member steps down once the change is
        // committed. To spare the others an election timeout, it first hands leadership to
        // a remaining voter that holds its whole log (dissertation §3.10); that message
        // goes out with the next Ready, so a driver stopping a removed member should send it
        // first. Otherwise the remaining members elect a leader as usual.
        uint64_t successor = kNone;
        for (const auto& [id, pr] : prs_) {
          if (!pr.is_learner && pr.match == log_.last_index()) successor = id;
        }
        if (successor != kNone) send_timeout_now(successor);
        become_follower(term_, kNone);
      }
      break;
  }
  // Raft §6: a smaller quorum may commit entries that were waiting for the removed member.
  if (state_ == StateType::kLeader && !voters().empty() && maybe_commit()) bcast_append();
  return ConfState{voters(), learners()};
}

// ---------------------------------------------------------------- role changes

uint64_t Raft::next_random() {
  // splitmix64: small, deterministic, well distributed.
  uint64_t z = (rng_state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void Raft::reset_randomized_election_timeout() {
  // Raft §5.2: randomised in [et, 2et) so that split votes are rare and resolve quickly.
  randomized_election_timeout_ =
      election_timeout_ +
      static_cast<int>(next_random() % static_cast<uint64_t>(election_timeout_));
}

void Raft::reset(uint64_t term) {
  if (term_ != term) {
    term_ = term;
    vote_ = kNone;
  }
  lead_ = kNone;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  reset_randomized_election_timeout();
  abort_leader_transfer();
  votes_.clear();
  for (auto& [id, pr] : prs_) {
    const bool learner = pr.is_learner;
    pr = Progress(max_inflight_);
    pr.is_learner = learner;
    pr.next = log_.last_index() + 1;
    if (id == id_) pr.match = log_.last_index();
  }
  pending_conf_index_ = 0;
  uncommitted_size_ = 0;
  pending_reads_.clear();
  pending_read_index_msgs_.clear();
}

void Raft::become_follower(uint64_t term, uint64_t lead) {
  reset(term);
  lead_ = lead;
  state_ = StateType::kFollower;
}

void Raft::become_candidate() {
  CHECK(state_ != StateType::kLeader, "raft %lu: leader cannot become candidate", id_);
  // Raft §5.2: increment the term and vote for ourselves.
  reset(term_ + 1);
  vote_ = id_;
  state_ = StateType::kCandidate;
}

void Raft::become_pre_candidate() {
  CHECK(state_ != StateType::kLeader, "raft %lu: leader cannot become pre-candidate", id_);
  // Dissertation §9.6: the pre-vote changes neither our term nor our vote.
  votes_.clear();
  lead_ = kNone;
  reset_randomized_election_timeout();
  state_ = StateType::kPreCandidate;
}

void Raft::become_leader() {
  CHECK(state_ != StateType::kFollower, "raft %lu: follower cannot become leader", id_);
  reset(term_);
  lead_ = id_;
  state_ = StateType::kLeader;
  // The leader knows its own log exactly: replicate to itself from the start.
  prs_.at(id_).become_replicate();
  // An uncommitted conf change may be in our log; treat everything up to here as pending so
  // that a second change waits until it is applied.
  pending_conf_index_ = log_.last_index();
  // Raft §5.4.2 / §8: an empty entry of our own term, so that earlier entries can commit and
  // reads learn a current commit index.
  std::vector<Entry> empty(1);
  CHECK(append_entries(empty), "raft %lu: could not append the leader's empty entry", id_);
}

// ---------------------------------------------------------------- elections

void Raft::hup() {
  if (!promotable()) return;
  // A committed but unapplied conf change might remove us or change the quorum.
  if (log_.committed() > log_.applied()) {
    Result<std::vector<Entry>, StorageError> unapplied = log_.slice(
        std::max(log_.applied() + 1, log_.first_index()), log_.committed() + 1, kNoLimit);
    CHECK(unapplied.ok(), "raft %lu: unapplied entries unavailable", id_);
    for (const Entry& e : *unapplied) {
      if (e.type == EntryType::kConfChange) return;
    }
  }
  campaign(pre_vote_ ? CampaignKind::kPreElection : CampaignKind::kElection);
}

void Raft::campaign(CampaignKind kind) {
  MessageType vote_type;
  uint64_t term;
  if (kind == CampaignKind::kPreElection) {
    become_pre_candidate();
    vote_type = MessageType::kPreVote;
    term = term_ + 1;  // The term we would campaign in; our own term stays.
  } else {
    become_candidate();
    vote_type = MessageType::kVote;
    term = term_;
  }
  if (poll(id_, true) == VoteResult::kWon) {
    // A single-voter cluster wins at once.
    if (kind == CampaignKind::kPreElection) {
      campaign(CampaignKind::kElection);
    } else {
      become_leader();
    }
    return;
  }
  for (uint64_t v : voters()) {
    if (v == id_) continue;
    Message m;
    m.type = vote_type;
    m.to = v;
    m.term = term;
    m.index = log_.last_index();
    m.log_term = log_.last_term();
    if (kind == CampaignKind::kTransfer) m.context = std::string(kCampaignTransfer);
    send(std::move(m));
  }
}

VoteResult Raft::poll(uint64_t id, bool granted) {
  votes_.try_emplace(id, granted);  // Only the first answer from each member counts.
  return quorum_vote_result(voters(), votes_);
}

void Raft::handle_vote_request(const Message& m) {
  const bool pre = m.type == MessageType::kPreVote;
  // Raft §5.2: at most one vote per term, first come first served (a repeated request from
  // the same candidate is granted again). A pre-vote for a later term binds nothing.
  const bool can_vote =
      vote_ == m.from || (vote_ == kNone && lead_ == kNone) || (pre && m.term > term_);
  Message resp;
  resp.type = pre ? MessageType::kPreVoteResp : MessageType::kVoteResp;
  resp.to = m.from;
  // Raft §5.4.1: only for a candidate whose log is at least as up to date as ours.
  if (can_vote && log_.is_up_to_date(m.index, m.log_term)) {
    // A granted pre-vote answers in the candidate's future term so it can count it.
    resp.term = m.term;
    if (!pre) {
      election_elapsed_ = 0;
      vote_ = m.from;
    }
  } else {
    resp.term = term_;
    resp.reject = true;
  }
  send(std::move(resp));
}

// ---------------------------------------------------------------- timing

void Raft::tick() {
  if (state_ == StateType::kLeader) {
    tick_heartbeat();
  } else {
    tick_election();
  }
}

void Raft::tick_election() {
  ++election_elapsed_;
  if (promotable() && election_elapsed_ >= randomized_election_timeout_) {
    election_elapsed_ = 0;
    (void)step(Message{.type = MessageType::kHup, .from = id_});
  }
}

void Raft::tick_heartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (election_elapsed_ >= election_timeout_) {
    election_elapsed_ = 0;
    if (check_quorum_) (void)step(Message{.type = MessageType::kCheckQuorum, .from = id_});
    // Dissertation §3.10: a transfer that did not finish within an election timeout is
    // abandoned so the leader accepts proposals again.
    if (state_ == StateType::kLeader) abort_leader_transfer();
  }
  if (state_ != StateType::kLeader) return;
  if (heartbeat_elapsed_ >= heartbeat_timeout_) {
    heartbeat_elapsed_ = 0;
    (void)step(Message{.type = MessageType::kBeat, .from = id_});
  }
}

bool Raft::quorum_active() {
  size_t active = 0;
  for (auto& [id, pr] : prs_) {
    if (id == id_) {
      if (!pr.is_learner) ++active;
      continue;
    }
    if (pr.recent_active && !pr.is_learner) ++active;
    pr.recent_active = false;
  }
  return active >= quorum();
}

// ---------------------------------------------------------------- step

StepResult Raft::step(Message m) {
  if (m.term == 0) {
    // Local message (or a forwarded proposal/read, which carries no term).
  } else if (m.term > term_) {
    if (m.type == MessageType::kVote || m.type == MessageType::kPreVote) {
      const bool force = m.context == kCampaignTransfer;
      // Dissertation §6.2 / §9.6: a member that heard from a leader within the minimum
      // election timeout ignores requests to elect another, so a partitioned member cannot
      // depose a working leader. (For votes this needs CheckQuorum, which keeps leaders
      // honest about their lease; pre-votes bind nothing, so they always honour it.)
      const bool lease_applies = m.type == MessageType::kPreVote || check_quorum_;
      const bool in_lease =
          lease_applies && lead_ != kNone && election_elapsed_ < election_timeout_;
      if (!force && in_lease) return Stepped{};
    }
    if (m.type == MessageType::kPreVote) {
      // Never change term because of a pre-vote request.
    } else if (m.type == MessageType::kPreVoteResp && !m.reject) {
      // A granted pre-vote carries the term we are about to campaign in.
    } else {
      // Raft §5.1: a higher term makes us a follower of that term.
      const bool from_leader = m.type == MessageType::kApp || m.type == MessageType::kHeartbeat ||
                               m.type == MessageType::kSnap;
      become_follower(m.term, from_leader ? m.from : kNone);
    }
  } else if (m.term < term_) {
    if ((check_quorum_ || pre_vote_) &&
        (m.type == MessageType::kHeartbeat || m.type == MessageType::kApp)) {
      // A stale leader (e.g. one that was partitioned) learns our term and steps down.
      // Without this, a member whose term rose while it was cut off, and whose pre-votes or
      // votes are refused because of leases, could never rejoin.
      send(Message{.type = MessageType::kAppResp, .to = m.from});
    } else if (m.type == MessageType::kPreVote) {
      // Tell the pre-candidate our term so it stops asking and catches up.
      send(Message{.type = MessageType::kPreVoteResp, .to = m.from, .term = term_, .reject = true});
    }
    // Raft §5.1: otherwise a stale-term message is ignored.
    return Stepped{};
  }

  switch (m.type) {
    case MessageType::kHup:
      if (state_ != StateType::kLeader) hup();
      return Stepped{};
    case MessageType::kVote:
    case MessageType::kPreVote:
      handle_vote_request(m);
      return Stepped{};
    default:
      break;
  }
  switch (state_) {
    case StateType::kLeader:
      return step_leader(m);
    case StateType::kCandidate:
    case StateType::kPreCandidate:
      return step_candidate(m);
    case StateType::kFollower:
      return step_follower(m);
  }
  return Stepped{};
}

StepResult Raft::step_leader(Message& m) {
  switch (m.type) {
    case MessageType::kBeat:
      bcast_heartbeat("");
      return Stepped{};
    case MessageType::kCheckQuorum:
      if (!quorum_active()) become_follower(term_, kNone);
      return Stepped{};
    case MessageType::kProp: {
      if (m.entries.empty()) return StepError::kProposalDropped;             // Nothing to propose.
      if (prs_.find(id_) == prs_.end()) return StepError::kProposalDropped;  // Removed.
      if (lead_transferee_ != kNone) return StepError::kProposalDropped;
      for (size_t i = 0; i < m.entries.size(); ++i) {
        Entry& e = m.entries[i];
        if (e.type != EntryType::kConfChange) continue;
        // Raft §6 (single-server changes): one change at a time. A second one while the first
        // is unapplied becomes an empty entry, so the proposer sees it applied as a no-op.
        if (pending_conf_index_ > log_.applied()) {
          e = Entry{};
        } else {
          pending_conf_index_ = log_.last_index() + i + 1;
        }
      }
      if (!append_entries(m.entries)) return StepError::kProposalDropped;
      bcast_append();
      return Stepped{};
    }
    case MessageType::kReadIndex:
      handle_read_index(m);
      return Stepped{};
    default:
      break;
  }

  auto it = prs_.find(m.from);
  if (it == prs_.end()) return Stepped{};  // Not (or no longer) a member.
  Progress& pr = it->second;
  switch (m.type) {
    case MessageType::kAppResp: {
      pr.recent_active = true;
      if (m.reject) {
        // Raft §5.3: back off next_index and retry; the hint skips a whole conflicting term.
        if (pr.maybe_decr_to(m.index, m.reject_hint)) {
          if (pr.state == ProgressState::kReplicate) pr.become_probe();
          send_append(m.from);
        }
        return Stepped{};
      }
      const bool was_paused = pr.is_paused();
      if (!pr.maybe_update(m.index)) return Stepped{};
      if (pr.state == ProgressState::kProbe) {
        pr.become_replicate();
      } else if (pr.state == ProgressState::kSnapshot && pr.match >= pr.pending_snapshot) {
        // The member caught up past the snapshot (via the snapshot or appends): probe again.
        pr.become_probe();
        pr.become_replicate();
      } else if (pr.state == ProgressState::kReplicate) {
        pr.inflights.free_to(m.index);
      }
      if (maybe_commit()) {
        bcast_append();
      } else if (was_paused) {
        send_append(m.from);
      }
      // Fill the window while there is more to send.
      while (prs_.count(m.from) != 0 && send_append(m.from, false)) {
      }
      if (m.from == lead_transferee_ && prs_.at(m.from).match == log_.last_index()) {
        // Dissertation §3.10: the transferee is caught up; let it start an election now.
        send_timeout_now(m.from);
      }
      return Stepped{};
    }
    case MessageType::kHeartbeatResp:
      pr.recent_active = true;
      pr.resume();
      // A full window whose acknowledgements were lost would never drain: free one slot.
      if (pr.state == ProgressState::kReplicate && pr.inflights.full())
        pr.inflights.free_first_one();
      if (pr.match < log_.last_index()) send_append(m.from);
      if (!m.context.empty()) recv_read_ack(m.from, m.context);
      return Stepped{};
    case MessageType::kSnapStatus:
      if (pr.state != ProgressState::kSnapshot) return Stepped{};
      if (m.reject) pr.pending_snapshot = 0;  // Failed: probe from match+1 again.
      pr.become_probe();
      // Wait for the member's append response (or a heartbeat) before sending more.
      pr.probe_sent = true;
      return Stepped{};
    case MessageType::kUnreachable:
      // Appends in flight were probably lost; stop streaming and probe.
      if (pr.state == ProgressState::kReplicate) pr.become_probe();
      return Stepped{};
    case MessageType::kTransferLeader:
      handle_transfer_leader(m);
      return Stepped{};
    default:
      return Stepped{};
  }
}

StepResult Raft::step_candidate(Message& m) {
  const MessageType my_resp =
      state_ == StateType::kPreCandidate ? MessageType::kPreVoteResp : MessageType::kVoteResp;
  switch (m.type) {
    case MessageType::kProp:
    case MessageType::kReadIndex:
      return StepError::kProposalDropped;  // No leader to serve it.
    case MessageType::kApp:
      // Raft §5.2: a leader of our term exists; concede.
      become_follower(m.term, m.from);
      handle_append_entries(m);
      return Stepped{};
    case MessageType::kHeartbeat:
      become_follower(m.term, m.from);
      handle_heartbeat(m);
      return Stepped{};
    case MessageType::kSnap:
      become_follower(m.term, m.from);
      handle_snapshot(m);
      return Stepped{};
    default:
      break;
  }
  if (m.type == my_resp) {
    switch (poll(m.from, !m.reject)) {
      case VoteResult::kWon:
        if (state_ == StateType::kPreCandidate) {
          campaign(CampaignKind::kElection);
        } else {
          become_leader();
          bcast_append();  // Establish authority and start replicating (Raft §5.2).
        }
        break;
      case VoteResult::kLost:
        become_follower(term_, kNone);
        break;
      case VoteResult::kPending:
        break;
    }
  }
  return Stepped{};
}

StepResult Raft::step_follower(Message& m) {
  switch (m.type) {
    case MessageType::kProp:
      if (lead_ == kNone) return StepError::kProposalDropped;
      m.to = lead_;
      send(std::move(m));  // Forwarded; the leader assigns term and index.
      return Stepped{};
    case MessageType::kApp:
      election_elapsed_ = 0;
      lead_ = m.from;
      handle_append_entries(m);
      return Stepped{};
    case MessageType::kHeartbeat:
      election_elapsed_ = 0;
      lead_ = m.from;
      handle_heartbeat(m);
      return Stepped{};
    case MessageType::kSnap:
      election_elapsed_ = 0;
      lead_ = m.from;
      handle_snapshot(m);
      return Stepped{};
    case MessageType::kTransferLeader:
    case MessageType::kReadIndex:
      if (lead_ == kNone) return StepError::kProposalDropped;
      m.to = lead_;
      send(std::move(m));
      return Stepped{};
    case MessageType::kTimeoutNow:
      // Dissertation §3.10: start an election at once, skipping the pre-vote, and ask voters
      // to ignore their leader lease. A member removed from the configuration does nothing.
      if (promotable()) campaign(CampaignKind::kTransfer);
      return Stepped{};
    case MessageType::kReadIndexResp:
      read_states_.push_back(ReadState{m.index, m.context});
      return Stepped{};
    default:
      return Stepped{};
  }
}

// ---------------------------------------------------------------- follower handlers

void Raft::handle_append_entries(const Message& m) {
  Message resp{.type = MessageType::kAppResp, .to = m.from};
  if (m.index < log_.committed()) {
    // Everything up to our commit index matches the leader already (Log Matching).
    resp.index = log_.committed();
    send(std::move(resp));
    return;
  }
  if (std::optional<uint64_t> last_new =
          log_.maybe_append(m.index, m.log_term, m.commit, m.entries)) {
    resp.index = *last_new;
  } else {
    // Raft §5.3: no entry at (index, log_term). Hint where the leader should probe next.
    resp.index = m.index;
    resp.reject = true;
    resp.reject_hint = log_.find_conflict_by_term(m.index, m.log_term);
  }
  send(std::move(resp));
}

void Raft::handle_heartbeat(const Message& m) {
  log_.commit_to(m.commit);
  send(Message{.type = MessageType::kHeartbeatResp, .to = m.from, .context = m.context});
}

void Raft::handle_snapshot(const Message& m) {
  if (!m.snapshot.has_value()) return;  // Malformed: nothing to install.
  Message resp{.type = MessageType::kAppResp, .to = m.from};
  resp.index = restore(*m.snapshot) ? log_.last_index() : log_.committed();
  send(std::move(resp));
}

bool Raft::restore(const Snapshot& snap) {
  // Raft §7: a snapshot no newer than our commit index tells us nothing.
  if (snap.meta.index <= log_.committed()) return false;
  if (log_.match_term(snap.meta.index, snap.meta.term)) {
    // We already have the entry the snapshot ends at: keep the log, just commit.
    log_.commit_to(snap.meta.index);
    return false;
  }
  log_.restore(snap);
  init_progress(snap.meta.conf_state);
  for (auto& [id, pr] : prs_) {
    pr.next = log_.last_index() + 1;
    pr.match = id == id_ ? log_.last_index() : 0;
  }
  return true;
}

// ---------------------------------------------------------------- leader helpers

void Raft::send(Message m) {
  if (m.from == kNone) m.from = id_;  // Forwarded requests keep their origin.
  const bool is_vote = m.type == MessageType::kVote || m.type == MessageType::kPreVote ||
                       m.type == MessageType::kVoteResp || m.type == MessageType::kPreVoteResp;
  if (is_vote) {
    CHECK(m.term != 0, "raft %lu: %s needs a term", id_, to_string(m.type));
  } else if (m.type != MessageType::kProp && m.type != MessageType::kReadIndex &&
             m.type != MessageType::kTransferLeader) {
    // Forwarded proposals and reads keep term 0: the leader treats them like local requests.
    m.term = term_;
  }
  msgs_.push_back(std::move(m));
}

bool Raft::send_append(uint64_t to, bool send_if_empty) {
  Progress& pr = prs_.at(to);
  if (pr.is_paused()) return false;
  Message m{.type = MessageType::kApp, .to = to};
  Result<uint64_t, StorageError> prev_term = log_.term(pr.next - 1);
  Result<std::vector<Entry>, StorageError> ents = log_.entries(pr.next, max_size_per_msg_);
  if (ents.ok() && ents->empty() && !send_if_empty) return false;
  if (!prev_term.ok() || !ents.ok()) {
    // Raft §7: the entries this member needs are compacted: send the snapshot instead, but
    // only to a member we recently heard from (it may be down, and snapshots are large).
    if (!pr.recent_active) return false;
    Result<Snapshot, StorageError> snap = log_.snapshot();
    if (!snap.ok()) return false;  // Temporarily unavailable: try again later.
    CHECK(!snap->empty(), "raft %lu: need a snapshot for %lu but it is empty", id_, to);
    pr.become_snapshot(snap->meta.index);
    m.type = MessageType::kSnap;
    m.snapshot = std::move(*snap);
    send(std::move(m));
    return true;
  }
  m.index = pr.next - 1;
  m.log_term = *prev_term;
  m.entries = std::move(*ents);
  m.commit = log_.committed();
  if (!m.entries.empty()) {
    const uint64_t last = m.entries.back().index;
    if (pr.state == ProgressState::kReplicate) {
      // Pipeline: assume success and move on; a rejection brings next back.
      pr.optimistic_update(last);
      pr.inflights.add(last);
    } else {
      pr.probe_sent = true;
    }
  }
  send(std::move(m));
  return true;
}

void Raft::bcast_append() {
  for (const auto& [id, pr] : prs_) {
    if (id != id_) send_append(id);
  }
}

void Raft::send_heartbeat(uint64_t to, const std::string& context) {
  // Only commit up to what the member is known to hold: it cannot commit entries it lacks.
  const uint64_t commit = std::min(prs_.at(to).match, log_.committed());
  send(Message{.type = MessageType::kHeartbeat, .to = to, .commit = commit, .context = context});
}

void Raft::bcast_heartbeat(const std::string& context) {
  for (const auto& [id, pr] : prs_) {
    if (id != id_) send_heartbeat(id, context);
  }
}

void Raft::send_timeout_now(uint64_t to) {
  send(Message{.type = MessageType::kTimeoutNow, .to = to});
}

bool Raft::append_entries(std::vector<Entry>& ents) {
  uint64_t size = 0;
  for (const Entry& e : ents) size += entry_size(e);
  if (max_uncommitted_size_ != kNoLimit && size > 0 &&
      uncommitted_size_ + size > max_uncommitted_size_) {
    return false;
  }
  uncommitted_size_ += size;
  uint64_t index = log_.last_index();
  for (Entry& e : ents) {
    e.term = term_;
    e.index = ++index;
  }
  log_.append(ents);
  // The leader's own log counts toward the quorum (it persists in parallel, dissertation
  // §10.2.1; the Ready contract persists these entries before any message goes out).
  prs_.at(id_).maybe_update(log_.last_index());
  maybe_commit();
  return true;
}

void Raft::reduce_uncommitted_size(const std::vector<Entry>& committed) {
  if (state_ != StateType::kLeader) return;
  uint64_t size = 0;
  for (const Entry& e : committed) size += entry_size(e);
  uncommitted_size_ = size > uncommitted_size_ ? 0 : uncommitted_size_ - size;
}

bool Raft::maybe_commit() {
  std::vector<uint64_t> matches;
  for (const auto& [id, pr] : prs_) {
    if (!pr.is_learner) matches.push_back(pr.match);
  }
  if (matches.empty()) return false;
  const bool had_term_commit = committed_entry_in_current_term();
  // Raft §5.4.2: only an entry of the current term is committed by counting replicas.
  const bool moved = log_.maybe_commit(quorum_committed_index(matches), term_);
  if (moved && !had_term_commit) release_pending_read_index();
  return moved;
}

bool Raft::committed_entry_in_current_term() const {
  Result<uint64_t, StorageError> t = log_.term(log_.committed());
  return t.ok() && *t == term_;
}

// ---------------------------------------------------------------- ReadIndex (thesis §6.4)

void Raft::handle_read_index(Message& m) {
  if (m.from == kNone) m.from = id_;
  if (voters().size() <= 1) {
    // A single voter is its own quorum.
    answer_read(m.from, log_.committed(), m.context);
    return;
  }
  if (!committed_entry_in_current_term()) {
    // Dissertation §6.4: until an entry of its term commits, a new leader does not know the
    // latest commit index. Hold the read until then.
    pending_read_index_msgs_.push_back(std::move(m));
    return;
  }
  PendingRead read{log_.committed(), m.from, m.context, {id_}};
  pending_reads_.push_back(std::move(read));
  // Confirm we are still leader: a quorum must answer a heartbeat round sent after the read.
  bcast_heartbeat(m.context);
}

void Raft::release_pending_read_index() {
  std::vector<Message> held = std::exchange(pending_read_index_msgs_, {});
  for (Message& m : held) handle_read_index(m);
}

void Raft::answer_read(uint64_t from, uint64_t index, const std::string& context) {
  if (from == id_) {
    read_states_.push_back(ReadState{index, context});
  } else {
    send(Message{
        .type = MessageType::kReadIndexResp, .to = from, .index = index, .context = context});
  }
}

void Raft::recv_read_ack(uint64_t from, const std::string& context) {
  auto it = std::find_if(pending_reads_.begin(), pending_reads_.end(),
                         [&](const PendingRead& r) { return r.context == context; });
  if (it == pending_reads_.end()) return;
  it->acks.insert(from);
  size_t voter_acks = 0;
  for (uint64_t id : it->acks) {
    auto pr = prs_.find(id);
    if (pr != prs_.end() && !pr->second.is_learner) ++voter_acks;  // Learners do not count.
  }
  if (voter_acks < quorum()) return;
  // A quorum confirmed leadership after this read arrived, hence after every earlier one too.
  const auto end = std::next(it);
  for (auto r = pending_reads_.begin(); r != end; ++r) answer_read(r->from, r->index, r->context);
  pending_reads_.erase(pending_reads_.begin(), end);
}

// ---------------------------------------------------------------- leadership transfer

void Raft::handle_transfer_leader(const Message& m) {
  const Progress& pr = prs_.at(m.from);
  if (pr.is_learner) return;
  const uint64_t transferee = m.from;
  if (lead_transferee_ != kNone) {
    if (lead_transferee_ == transferee) return;  // Already under way.
    abort_leader_transfer();
  }
  if (transferee == id_) return;  // Already leader.
  lead_transferee_ = transferee;
  // The transfer must finish within one election timeout (tick_heartbeat aborts it).
  election_elapsed_ = 0;
  if (pr.match == log_.last_index()) {
    send_timeout_now(transferee);
  } else {
    send_append(transferee);  // Catch it up first; the AppResp handler sends TimeoutNow.
  }
}

}  // namespace arbor::raft
