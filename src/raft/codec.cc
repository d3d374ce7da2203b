#include "raft/codec.h"

#include "util/coding.h"

namespace arbor::raft {
namespace {

using util::Decoder;
using util::Status;

// Body writers and readers, shared by the standalone encodings and the message encoding, so a
// message carries entries and snapshot metadata in exactly the WAL's form minus version bytes.

void put_entry_body(std::string& out, const Entry& e) {
  util::put_varint(out, e.term);
  util::put_varint(out, e.index);
  out.push_back(static_cast<char>(e.type));
  util::put_bytes(out, e.data);
}

void put_ids(std::string& out, const std::vector<uint64_t>& ids) {
  util::put_varint(out, ids.size());
  for (uint64_t id : ids) util::put_varint(out, id);
}

void put_meta_body(std::string& out, const SnapshotMeta& m) {
  util::put_varint(out, m.index);
  util::put_varint(out, m.term);
  put_ids(out, m.conf_state.voters);
  put_ids(out, m.conf_state.learners);
}

// Reads one byte; returns 0xff (an invalid value for every enum here) when the input is short.
uint8_t read_byte(Decoder& d) {
  std::string_view b = d.raw(1);
  return b.empty() ? 0xff : static_cast<uint8_t>(b[0]);
}

bool read_entry(Decoder& d, Entry& e) {
  e.term = d.varint();
  e.index = d.varint();
  const uint8_t type = read_byte(d);
  if (type > static_cast<uint8_t>(EntryType::kConfChange)) return false;
  e.type = static_cast<EntryType>(type);
  e.data = std::string(d.bytes());
  return d.ok();
}

// A count is plausible only if every counted item could still fit (each takes >= `min_bytes`);
// this keeps a corrupt count from reserving gigabytes.
bool read_count(Decoder& d, size_t min_bytes, uint64_t& n) {
  n = d.varint();
  return d.ok() && n <= d.remaining() / min_bytes;
}

bool read_ids(Decoder& d, std::vector<uint64_t>& ids) {
  uint64_t n = 0;
  if (!read_count(d, 1, n)) return false;
  ids.reserve(n);
  for (uint64_t i = 0; i < n; ++i) ids.push_back(d.varint());
  return d.ok();
}

bool read_meta(Decoder& d, SnapshotMeta& m) {
  m.index = d.varint();
  m.term = d.varint();
  return read_ids(d, m.conf_state.voters) && read_ids(d, m.conf_state.learners);
}

bool read_version(Decoder& d) { return read_byte(d) == kCodecVersion; }

Status corrupt(const char* what) {
  return Status::corruption(std::string("raft codec: bad ") + what);
}

}  // namespace

std::string encode(const Entry& e) {
  std::string out(1, static_cast<char>(kCodecVersion));
  put_entry_body(out, e);
  return out;
}

std::string encode(const HardState& s) {
  std::string out(1, static_cast<char>(kCodecVersion));
  util::put_varint(out, s.term);
  util::put_varint(out, s.vote);
  util::put_varint(out, s.commit);
  return out;
}

std::string encode(const SnapshotMeta& m) {
  std::string out(1, static_cast<char>(kCodecVersion));
  put_meta_body(out, m);
  return out;
}

std::string encode(const ConfChange& cc) {
  std::string out(1, static_cast<char>(kCodecVersion));
  out.push_back(static_cast<char>(cc.type));
  util::put_varint(out, cc.node_id);
  util::put_bytes(out, cc.context);
  return out;
}

std::string encode(const Message& m) {
  std::string out;
  encode_to(out, m);
  return out;
}

void encode_to(std::string& out, const Message& m) {
  // Fixed fields and varints take at most 10 bytes each; an entry's header at most 32.
  size_t room = 128 + m.context.size();
  for (const Entry& e : m.entries) room += 32 + e.data.size();
  if (m.snapshot) {
    const ConfState& cs = m.snapshot->meta.conf_state;
    room += 64 + m.snapshot->data.size() + 10 * (cs.voters.size() + cs.learners.size());
  }
  out.reserve(out.size() + room);
  out.push_back(static_cast<char>(kCodecVersion));
  out.push_back(static_cast<char>(m.type));
  util::put_varint(out, m.to);
  util::put_varint(out, m.from);
  util::put_varint(out, m.term);
  util::put_varint(out, m.log_term);
  util::put_varint(out, m.index);
  util::put_varint(out, m.commit);
  out.push_back(static_cast<char>(m.reject ? 1 : 0));
  util::put_varint(out, m.reject_hint);
  util::put_bytes(out, m.context);
  util::put_varint(out, m.entries.size());
  for (const Entry& e : m.entries) put_entry_body(out, e);
  out.push_back(static_cast<char>(m.snapshot.has_value() ? 1 : 0));
  if (m.snapshot) {
    put_meta_body(out, m.snapshot->meta);
    util::put_bytes(out, m.snapshot->data);
  }
}

Result<Entry, util::Status> decode_entry(std::string_view in) {
  Decoder d(in);
  Entry e;
  if (!read_version(d) || !read_entry(d, e) || !d.done()) return corrupt("entry");
  return e;
}

Result<uint64_t, util::Status> decode_entry_index(std::string_view in) {
  Decoder d(in);
  if (!read_version(d)) return corrupt("entry");
  (void)d.varint();  // term
  const uint64_t index = d.varint();
  if (!d.ok()) return corrupt("entry");
  return index;
}

Result<HardState, util::Status> decode_hard_state(std::string_view in) {
  Decoder d(in);
  HardState s;
  if (!read_version(d)) return corrupt("hard state version");
  s.term = d.varint();
  s.vote = d.varint();
  s.commit = d.varint();
  if (!d.done()) return corrupt("hard state");
  return s;
}

Result<SnapshotMeta, util::Status> decode_snapshot_meta(std::string_view in) {
  Decoder d(in);
  SnapshotMeta m;
  if (!read_version(d) || !read_meta(d, m) || !d.done()) return corrupt("snapshot meta");
  return m;
}

Result<ConfChange, util::Status> decode_conf_change(std::string_view in) {
  Decoder d(in);
  ConfChange cc;
  if (!read_version(d)) return corrupt("conf change version");
  const uint8_t type = read_byte(d);
  if (type > static_cast<uint8_t>(ConfChangeType::kAddLearnerNode)) return corrupt("conf change");
  cc.type = static_cast<ConfChangeType>(type);
  cc.node_id = d.varint();
  cc.context = std::string(d.bytes());
  if (!d.done()) return corrupt("conf change");
  return cc;
}

Result<Message, util::Status> decode_message(std::string_view in) {
  Decoder d(in);
  Message m;
  if (!read_version(d)) return corrupt("message version");
  const uint8_t type = read_byte(d);
  if (type > kMaxMessageType) return corrupt("message type");
  m.type = static_cast<MessageType>(type);
  m.to = d.varint();
  m.from = d.varint();
  m.term = d.varint();
  m.log_term = d.varint();
  m.index = d.varint();
  m.commit = d.varint();
  const uint8_t reject = read_byte(d);
  if (reject > 1) return corrupt("message reject flag");
  m.reject = reject == 1;
  m.reject_hint = d.varint();
  m.context = std::string(d.bytes());
  uint64_t n = 0;
  if (!read_count(d, 4, n)) return corrupt("message entry count");
  m.entries.resize(n);
  for (Entry& e : m.entries) {
    if (!read_entry(d, e)) return corrupt("message entry");
  }
  const uint8_t has_snapshot = read_byte(d);
  if (has_snapshot > 1) return corrupt("message snapshot flag");
  if (has_snapshot == 1) {
    Snapshot s;
    if (!read_meta(d, s.meta)) return corrupt("message snapshot");
    s.data = std::string(d.bytes());
    m.snapshot = std::move(s);
  }
  if (!d.done()) return corrupt("message");
  return m;
}

}  // namespace arbor::raft
