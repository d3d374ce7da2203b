// Fuzzes the raft codec (src/raft/codec.h): the first byte picks the decoder (message, entry,
// hard state, snapshot metadata, conf change), the rest is its input. Checks: no crash on any
// bytes; what decodes encodes to bytes that decode to the same value (a decode-then-encode round
// trip), encoding is a fixed point from then on, and never longer than the input.
#include <cstdint>
#include <string>

#include "raft/codec.h"
#include "util/log.h"

namespace {

template <typename T, typename Decode>
void round_trip(std::string_view in, Decode decode) {
  auto v = decode(in);
  if (!v.ok()) return;
  const std::string enc = arbor::raft::encode(v.value());
  CHECK(enc.size() <= in.size(), "re-encoding is longer than the input");
  auto back = decode(enc);
  CHECK(back.ok(), "an encoding does not decode");
  CHECK(back.value() == v.value(), "decode(encode(v)) != v");
  CHECK(arbor::raft::encode(back.value()) == enc, "encoding is not a fixed point");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arbor::raft;
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0: round_trip<Message>(in, [](std::string_view s) { return decode_message(s); }); break;
    case 1: round_trip<Entry>(in, [](std::string_view s) { return decode_entry(s); }); break;
    case 2: round_trip<HardState>(in, [](std::string_view s) { return decode_hard_state(s); }); break;
    case 3: round_trip<SnapshotMeta>(in, [](std::string_view s) { return decode_snapshot_meta(s); }); break;
    default: round_trip<ConfChange>(in, [](std::string_view s) { return decode_conf_change(s); }); break;
  }
  return 0;
}
