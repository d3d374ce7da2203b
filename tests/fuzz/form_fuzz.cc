// Fuzzes a /v2/keys request's form handling end to end: Go's ParseForm (body before query, only
// for PUT/POST with a form Content-Type), the media type parser, url_unescape, ParseBool,
// ParseUint and parse_keys_request's validation. Checks: no crash; an error is a 4xx v2 error;
// parsing is deterministic; url_unescape of a re-escaped value gives it back; ParseBool and
// ParseUint agree with simple reference definitions; a parsed request's path is rooted.
//
// Input: one byte picking the method, then "content-type\npath\nquery\nbody" (the body is the
// rest, newlines included), so that seeds are readable requests.
#include <cstdint>
#include <string>

#include "http/form.h"
#include "http/keys_request.h"
#include "util/log.h"

namespace {

std::optional<uint64_t> reference_uint64(std::string_view s) {
  // Go's strconv.ParseUint(s, 10, 64): digits only (leading zeros are fine), at most 2^64-1.
  if (s.empty()) return std::nullopt;
  unsigned __int128 v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
    if (v > UINT64_MAX) return std::nullopt;
  }
  return static_cast<uint64_t>(v);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arbor::http;
  if (size == 0) return 0;
  static const char* const kMethods[] = {"GET", "HEAD", "PUT", "POST", "DELETE"};
  const std::string method = kMethods[data[0] % 5];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto field = [&rest]() {
    const size_t nl = rest.find('\n');
    std::string_view f = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    return std::string(f);
  };
  const std::string content_type = field();
  const std::string path = "/v2/keys" + field();
  const std::string query = field();
  const std::string body(rest);

  KeysInput in;
  in.method = method;
  in.path = path;
  in.raw_query = query;
  in.content_type = content_type;
  in.body = body;
  in.now = 1'800'000'000LL * 1'000'000'000LL;

  Form form, form2;
  const std::string ferr = parse_form(in, &form);
  CHECK(parse_form(in, &form2) == ferr && form2.items() == form.items(), "parse_form is not deterministic");

  auto parsed = parse_keys_request(in);
  if (parsed.ok()) {
    const auto& r = parsed.value().req;
    CHECK(!r.path.empty() && r.path[0] == '/', "request path is not rooted");
    CHECK(parsed.value().head == (method == "HEAD"), "head flag");
  } else {
    const int status = error_status(parsed.error().code);
    CHECK(status >= 400 && status < 500, "a parse error is not a 4xx");
    CHECK(parsed.error().index == 0, "a parse error carries an index");
  }

  std::string media, merr;
  if (parse_media_type(content_type, &media, &merr)) {
    std::string media2;
    CHECK(parse_media_type(media, &media2, &merr) && media2 == media, "media type not idempotent");
    for (char c : media) CHECK(!(c >= 'A' && c <= 'Z'), "media type not lower case");
  }

  for (const auto& [k, v] : form.items()) {
    CHECK(parse_bool(v).has_value() ==
              (v == "1" || v == "t" || v == "T" || v == "TRUE" || v == "true" || v == "True" ||
               v == "0" || v == "f" || v == "F" || v == "FALSE" || v == "false" || v == "False"),
          "parse_bool disagrees with strconv.ParseBool");
    CHECK(parse_uint64(v) == reference_uint64(v), "parse_uint64 disagrees with the reference");
    std::string out, err;
    CHECK(url_unescape(escape_path(v), false, &out, &err) && out == v,
          "url_unescape(escape_path(v)) != v");
    (void)k;
  }
  std::string out, err;
  if (url_unescape(body, true, &out, &err)) CHECK(out.size() <= body.size(), "unescape grew");
  return 0;
}
