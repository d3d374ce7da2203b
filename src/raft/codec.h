#pragma once
// The binary encoding of raft's values, used by the WAL (entries, hard state, snapshot
// metadata) and the peer wire (messages). See docs/raft.md for the byte layout.
//
// Every encoding starts with one version byte (kCodecVersion); a decoder rejects versions it
// does not know. Integers are varints (util/coding.h), byte strings are length-prefixed.
// Decoding never reads past its input and reports garbage (truncation, trailing bytes,
// unknown enum values, absurd counts) as Status::corruption, never by crashing.
//
// Thread-safe (pure functions).

#include <string>
#include <string_view>

#include "raft/types.h"
#include "util/result.h"
#include "util/status.h"

namespace arbor::raft {

inline constexpr uint8_t kCodecVersion = 1;

std::string encode(const Entry& e);
std::string encode(const HardState& s);
std::string encode(const SnapshotMeta& m);
std::string encode(const ConfChange& cc);
std::string encode(const Message& m);
// Appends encode(m) to `out`, after reserving room for it (no regrowth on the way).
void encode_to(std::string& out, const Message& m);

[[nodiscard]] Result<Entry, util::Status> decode_entry(std::string_view in);
// The index of an encoded entry, without copying its data (a WAL replay skips the entries a
// snapshot covers this way). Checks the version and the fields before the data only.
[[nodiscard]] Result<uint64_t, util::Status> decode_entry_index(std::string_view in);
[[nodiscard]] Result<HardState, util::Status> decode_hard_state(std::string_view in);
[[nodiscard]] Result<SnapshotMeta, util::Status> decode_snapshot_meta(std::string_view in);
[[nodiscard]] Result<ConfChange, util::Status> decode_conf_change(std::string_view in);
[[nodiscard]] Result<Message, util::Status> decode_message(std::string_view in);

}  // namespace arbor::raft
