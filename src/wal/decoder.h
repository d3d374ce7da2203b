#pragma once
// Decodes the frames of one WAL segment (already in memory) and tells a clean end, a torn tail
// (the last append was cut short by a crash: repairable by truncation) and corruption (a bad
// record followed by a good one: never repaired) apart.
//
// Thread-compatible.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "wal/record.h"

namespace arbor::wal {

struct Record {
  RecordType type;
  uint32_t crc;
  std::string_view data;  // A view into the segment bytes.
  uint64_t offset;        // Where its frame starts.
};

struct DecodeResult {
  enum class End { kClean, kTorn, kCorrupt };
  std::vector<Record> records;  // Every valid record before `end_offset` (collecting form only).
  End end = End::kClean;
  uint64_t end_offset = 0;  // Just past the last valid frame.
  uint32_t crc = 0;         // The running crc after the last valid record.
  std::string reason;       // Why decoding stopped, when not kClean.
  bool stopped = false;     // The visitor asked to stop; `end` and `reason` say nothing then.
};

// Decodes `segment`, whose first record continues the running checksum `crc`, handing each
// valid record to `visit` in order as it is found; nothing is collected, so a restart does not
// hold a vector as long as the segment. `visit` returns false to stop there.
DecodeResult decode_segment(std::string_view segment, uint32_t crc,
                            const std::function<bool(const Record&)>& visit);
// The same, collecting every valid record into `records` (tests and the fuzzer).
DecodeResult decode_segment(std::string_view segment, uint32_t crc);

// Appends one frame holding (type, crc, data) to `out`.
void append_frame(std::string& out, RecordType type, uint32_t crc, std::string_view data);

}  // namespace arbor::wal
