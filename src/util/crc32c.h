#pragma once
// CRC-32C (Castagnoli), as used by etcd's WAL and snapshots, with a running form so that a
// checksum can be chained across records and segments (Go's crc32.Update).
//
// Crypto++'s CRC32C cannot be seeded with a running value, so this is a small implementation of
// our own: the SSE4.2 crc32 instruction when the CPU has it, a table otherwise. The unit test
// checks it against Crypto++.
//
// Thread-safe (pure functions).

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace arbor::util {

// Extends `crc` (the CRC of the bytes so far; 0 for none) with `n` more bytes.
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t n);

inline uint32_t crc32c(std::string_view s) { return crc32c_extend(0, s.data(), s.size()); }

}  // namespace arbor::util
