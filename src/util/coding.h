#pragma once
// Little-endian fixed-width and varint encoding, for the binary formats (store snapshot, raft
// messages, WAL records). Decoding never reads past the input: a Decoder remembers the first
// failure and every later read returns zero.
//
// Thread-compatible.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace arbor::util {

inline void put_fixed32(std::string& out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out.append(b, 4);
}
inline void put_fixed64(std::string& out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out.append(b, 8);
}
inline void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
// Zig-zag for signed values, so small negatives stay small.
inline void put_varint_signed(std::string& out, int64_t v) {
  put_varint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}
inline void put_bytes(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

inline uint32_t decode_fixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}
inline uint64_t decode_fixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}

  uint32_t fixed32() {
    if (!need(4)) return 0;
    uint32_t v = decode_fixed32(in_.data());
    in_.remove_prefix(4);
    return v;
  }
  uint64_t fixed64() {
    if (!need(8)) return 0;
    uint64_t v = decode_fixed64(in_.data());
    in_.remove_prefix(8);
    return v;
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (!need(1)) return 0;
      auto b = static_cast<unsigned char>(in_[0]);
      in_.remove_prefix(1);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    ok_ = false;  // More than 10 bytes: not a varint we wrote.
    return 0;
  }
  int64_t varint_signed() {
    uint64_t u = varint();
    return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }
  // A length-prefixed byte string; a view into the input.
  std::string_view bytes() {
    uint64_t n = varint();
    if (!ok_ || n > in_.size()) {
      ok_ = false;
      return {};
    }
    std::string_view s = in_.substr(0, n);
    in_.remove_prefix(n);
    return s;
  }
  std::string_view raw(size_t n) {
    if (!need(n)) return {};
    std::string_view s = in_.substr(0, n);
    in_.remove_prefix(n);
    return s;
  }

  bool ok() const { return ok_; }
  bool done() const { return ok_ && in_.empty(); }
  size_t remaining() const { return in_.size(); }

 private:
  bool need(size_t n) {
    if (!ok_ || in_.size() < n) {
      ok_ = false;
      return false;
    }
    return true;
  }
  std::string_view in_;  // What is left to read.
  bool ok_ = true;       // False after the first short or malformed read.
};

}  // namespace arbor::util
