#pragma once
// The WAL's frame and record format in one small header. See docs/wal_format.md.
//
//   frame  = length word (fixed64 LE) | record | zero padding to a multiple of 8 bytes
//            length word: low 56 bits = record length; top byte = 0x80 | pad when padded
//   record = type (1 byte) | crc (fixed32 LE) | data
//   crc    = CRC-32C of `data` extended from the previous record's crc (a running checksum,
//            chained across segments by the kCrc record that opens each segment)
//
// Thread-safe (constants).

#include <cstddef>
#include <cstdint>

namespace arbor::wal {

enum class RecordType : uint8_t {
  kMetadata = 1,  // Opaque bytes from the owner (member and cluster ids); in every segment.
  kEntry = 2,     // raft::encode(Entry).
  kState = 3,     // raft::encode(HardState).
  kCrc = 4,       // No data; its crc field carries the running crc into a new segment.
  kSnapshot = 5,  // A snapshot marker: varint index, varint term.
};
inline constexpr uint8_t kMaxRecordType = 5;

inline constexpr size_t kLengthWordBytes = 8;
inline constexpr size_t kRecordHeaderBytes = 5;  // type + crc
inline constexpr uint64_t kLengthMask = (uint64_t{1} << 56) - 1;
// Records larger than this are refused when read (a damaged length word must not make the
// reader allocate gigabytes).
inline constexpr uint64_t kMaxRecordBytes = 512ull * 1024 * 1024;
// Segments are cut once they pass this size (etcd's SegmentSizeBytes).
inline constexpr uint64_t kDefaultSegmentBytes = 64ull * 1000 * 1000;

}  // namespace arbor::wal
