// The binary encoding shared by the WAL and the peer wire (docs/raft.md, "Codec").
#include "raft/codec.h"

#include <gtest/gtest.h>

#include <random>

namespace arbor::raft {
namespace {

Message FullMessage() {
  Message m{.type = MessageType::kSnap,
            .to = 2,
            .from = 1,
            .term = 7,
            .log_term = 6,
            .index = 300,
            .commit = 299};
  m.entries = {Entry{6, 301, EntryType::kNormal, "a"}, Entry{7, 302, EntryType::kConfChange, "cc"}};
  m.snapshot = Snapshot{SnapshotMeta{300, 6, ConfState{{1, 2, 3}, {4}}}, "state"};
  m.reject = true;
  m.reject_hint = 123456789012345ULL;
  m.context = "ctx";
  return m;
}

TEST(CodecTest, EveryTypeRoundTrips) {
  const Entry e{3, 17, EntryType::kConfChange, std::string("\0\xff", 2)};
  EXPECT_EQ(*decode_entry(encode(e)), e);
  EXPECT_EQ(*decode_entry_index(encode(e)), 17u);
  EXPECT_EQ(*decode_entry_index(encode(Entry{1, 1ULL << 40, EntryType::kNormal, "x"})), 1ULL << 40);
  EXPECT_FALSE(decode_entry_index(encode(e).substr(0, 2)).ok());  // Cut inside the index.
  const HardState hs{9, 2, 8};
  EXPECT_EQ(*decode_hard_state(encode(hs)), hs);
  const SnapshotMeta meta{100, 4, ConfState{{1, 2}, {3}}};
  EXPECT_EQ(*decode_snapshot_meta(encode(meta)), meta);
  const ConfChange cc{ConfChangeType::kAddLearnerNode, 5, "http://x"};
  EXPECT_EQ(*decode_conf_change(encode(cc)), cc);
  EXPECT_EQ(*decode_message(encode(FullMessage())), FullMessage());
  // encode_to appends: what was there stays, and the rest is the message's encoding.
  std::string out = "head";
  encode_to(out, FullMessage());
  EXPECT_EQ(out, "head" + encode(FullMessage()));
}

TEST(CodecTest, EveryMessageTypeRoundTrips) {
  for (uint8_t t = 0; t <= kMaxMessageType; ++t) {
    Message m{.type = static_cast<MessageType>(t), .to = 1, .from = 2, .term = 3};
    EXPECT_EQ(*decode_message(encode(m)), m) << to_string(m.type);
  }
}

TEST(CodecTest, EncodingStartsWithTheVersionByte) {
  EXPECT_EQ(encode(HardState{1, 2, 3}), std::string("\x01\x01\x02\x03", 4));
  std::string future = encode(HardState{1, 2, 3});
  future[0] = 2;
  EXPECT_EQ(decode_hard_state(future).error().code(), util::Status::Code::kCorruption);
}

TEST(CodecTest, EveryTruncationIsRejected) {
  const std::string full = encode(FullMessage());
  for (size_t n = 0; n < full.size(); ++n) {
    EXPECT_FALSE(decode_message(full.substr(0, n)).ok()) << "prefix " << n;
  }
}

TEST(CodecTest, TrailingBytesAreRejected) {
  EXPECT_FALSE(decode_message(encode(FullMessage()) + "x").ok());
  EXPECT_FALSE(decode_entry(encode(Entry{1, 1, EntryType::kNormal, "a"}) + "x").ok());
}

TEST(CodecTest, UnknownEnumValuesAreRejected) {
  std::string m = encode(Message{.type = MessageType::kApp});
  m[1] = static_cast<char>(kMaxMessageType + 1);
  EXPECT_FALSE(decode_message(m).ok());
  std::string e = encode(Entry{1, 1, EntryType::kNormal, ""});
  e[3] = 7;  // version, term, index, then the type byte.
  EXPECT_FALSE(decode_entry(e).ok());
}

TEST(CodecTest, AHugeEntryCountIsRejectedWithoutAllocating) {
  std::string m = encode(Message{.type = MessageType::kApp});
  // Replace the entry count (just before the final snapshot flag) by 2^60.
  m.resize(m.size() - 2);
  m += std::string("\x80\x80\x80\x80\x80\x80\x80\x80\x10", 9);
  m.push_back(0);
  EXPECT_FALSE(decode_message(m).ok());
}

TEST(CodecTest, RandomGarbageNeverCrashesTheDecoder) {
  std::mt19937_64 rng(42);
  const std::string full = encode(FullMessage());
  for (int i = 0; i < 20000; ++i) {
    std::string s = full;
    for (int k = 0; k < 3; ++k) s[rng() % s.size()] = static_cast<char>(rng());
    if (rng() % 2) s.resize(rng() % s.size());
    (void)decode_message(s);  // Must return (ok or corruption) without reading past s.
    (void)decode_entry(s);
    (void)decode_snapshot_meta(s);
    (void)decode_conf_change(s);
    (void)decode_hard_state(s);
  }
}

}  // namespace
}  // namespace arbor::raft
