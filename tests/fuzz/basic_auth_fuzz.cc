// Fuzzes basic-auth header decoding (Go's Request.BasicAuth): no crash on any header; what
// decodes re-encodes to a header that decodes to the same credentials; base64 decoding of an
// encoding gives the bytes back, and a decoded string re-encodes and decodes to itself.
#include <cstdint>
#include <string>

#include "http/auth_decode.h"
#include "util/log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arbor::http;
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  if (auto creds = parse_basic_auth(in)) {
    CHECK(creds->user.find(':') == std::string::npos, "the user holds a colon");
    const std::string header = "Basic " + base64_encode(creds->user + ":" + creds->password);
    CHECK(parse_basic_auth(header) == creds, "re-encoded credentials decode differently");
    CHECK(base64_decode(in.substr(6)).has_value(), "credentials without valid base64");
  }

  if (auto decoded = base64_decode(in)) {
    CHECK(decoded->size() <= in.size() / 4 * 3, "decoded too long");
    const std::string enc = base64_encode(*decoded);
    CHECK(enc.size() == in.size(), "re-encoding has another length");
    CHECK(base64_decode(enc) == decoded, "decode(encode(decode(x))) != decode(x)");
  }

  const std::string enc = base64_encode(in);
  CHECK(enc.size() % 4 == 0, "encoding not padded");
  CHECK(base64_decode(enc) == std::string(in), "decode(encode(x)) != x");
  return 0;
}
