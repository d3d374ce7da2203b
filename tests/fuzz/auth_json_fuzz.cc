// Fuzzes the v2 auth JSON bodies (PUT /v2/auth/users/<name> and /v2/auth/roles/<name>, and the
// stored users and roles read back with the same decoders). The first byte picks user or role.
// Checks: no crash and no exception escapes; what parses renders to JSON that parses back to
// the same value, and renders the same again (idempotence).
#include <cstdint>
#include <string>

#include "http/auth_decode.h"
#include "util/log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arbor::http;
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    if (auto r = parse_role_body(body)) {
      const std::string j = role_body_json(*r);
      auto back = parse_role_body(j);
      CHECK(back.has_value(), "rendered role does not parse");
      CHECK(*back == *r, "rendered role parses to another value");
      CHECK(role_body_json(*back) == j, "role rendering is not idempotent");
    }
  } else {
    if (auto u = parse_user_body(body)) {
      const std::string j = user_body_json(*u);
      auto back = parse_user_body(j);
      CHECK(back.has_value(), "rendered user does not parse");
      CHECK(*back == *u, "rendered user parses to another value");
      CHECK(user_body_json(*back) == j, "user rendering is not idempotent");
    }
  }
  return 0;
}
