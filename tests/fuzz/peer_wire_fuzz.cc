// Fuzzes the peer wire (src/http/peer_wire.h): the first byte picks the part, the rest is its
// input. Frames: the bytes are fed to a FrameReader in pieces of varying size and every frame
// it yields is decoded as a raft message, as a peer stream does; re-framing what came out
// reproduces the consumed input exactly. Heads: the request-head and status parsers take any
// bytes without crashing, and a parsed head names a method and a path without spaces.
#include <algorithm>
#include <cstdint>
#include <string>

#include "http/peer_wire.h"
#include "raft/codec.h"
#include "util/log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arbor::http;
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    FrameReader reader;
    std::string reframed;
    size_t fed = 0, step = 1 + data[0] / 2 % 7;
    while (fed < in.size()) {
      const size_t n = std::min(step, in.size() - fed);
      reader.feed(in.substr(fed, n));
      fed += n;
      step = step * 3 % 11 + 1;
      while (auto f = reader.next()) {
        (void)arbor::raft::decode_message(*f);
        append_frame(reframed, *f);
      }
    }
    CHECK(reframed.size() + reader.buffered() == in.size() || reader.failed(),
          "frames and the buffered rest do not add up to the input");
    CHECK(in.substr(0, reframed.size()) == reframed, "re-framing changed the bytes");
  } else {
    RequestHead h;
    if (parse_request_head(in, &h)) {
      CHECK(!h.method.empty() && h.method.find(' ') == std::string::npos, "bad method");
      CHECK(!h.path.empty() && h.path.find(' ') == std::string::npos, "bad path");
    }
    const int status = parse_status(in);
    CHECK(status >= 0 && status <= 999, "status out of range");
  }
  return 0;
}
