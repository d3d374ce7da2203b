// Fuzzes the WAL segment decoder. It never reads past its input, every record it accepts
// re-encodes to exactly the bytes it was read from, and the end offset is within the input.
#include <cstdint>
#include <string>

#include "util/log.h"
#include "wal/decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arbor::wal;
  const std::string_view seg(reinterpret_cast<const char*>(data), size);
  for (uint32_t crc : {0u, 0x12345678u}) {
    DecodeResult r = decode_segment(seg, crc);
    CHECK(r.end_offset <= seg.size(), "end offset past the input");
    uint64_t at = 0;
    for (const Record& rec : r.records) {
      CHECK(rec.offset == at, "records are not contiguous");
      std::string frame;
      append_frame(frame, rec.type, rec.crc, rec.data);
      CHECK(seg.substr(at, frame.size()) == frame, "record does not re-encode to its bytes");
      at += frame.size();
    }
    CHECK(at == r.end_offset, "end offset is not after the last record");
  }
  return 0;
}
