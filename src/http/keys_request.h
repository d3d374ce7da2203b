#pragma once
// Parsing of a /v2/keys request into the replicated Request, as etcd's parseKeyRequest does:
// Go's ParseForm (body values before query values, only for PUT/POST with a form body), the
// validation order of ../shared/spec/v2-keys-api.md §2.4, and TTL -> absolute expiration.
//
// Thread-safe (pure functions).

#include <cstdint>
#include <string>
#include <string_view>

#include "server/request.h"
#include "store/error.h"
#include "util/result.h"

namespace arbor::http {

class Form;

// Go's ParseForm refuses form bodies above 10 MB.
inline constexpr size_t kMaxFormBytes = 10 << 20;

struct KeysInput {
  std::string_view method;        // "GET", "HEAD", "PUT", "POST", "DELETE"
  std::string_view path;          // Decoded URL path, starting with "/v2/keys".
  std::string_view raw_query;     // Undecoded query string.
  std::string_view content_type;  // The Content-Type header ("" when absent).
  std::string_view body;
  int64_t now = 0;  // Unix ns, for the TTL.
};

struct KeysRequest {
  server::Request req;      // method is the HTTP method mapped (HEAD -> GET).
  bool head = false;
  bool no_value_on_success = false;
};

// Parses and validates; the errors are 400-class v2 errors with index 0.
Result<KeysRequest, store::Error> parse_keys_request(const KeysInput& in);

// Go's ParseForm for `in`: the merged form or the error text.
std::string parse_form(const KeysInput& in, Form* form);

// The v2 error code -> HTTP status table (v2-errors.md §2).
int error_status(store::ErrorCode code);

}  // namespace arbor::http
