#include "http/keys_request.h"

#include <algorithm>
#include <limits>

#include "http/form.h"
#include "store/key_path.h"

namespace arbor::http {
namespace {

using store::Error;
using store::ErrorCode;

Error invalid(ErrorCode code, std::string cause) { return Error{code, std::move(cause), 0}; }

}  // namespace

std::string parse_form(const KeysInput& in, Form* form) {
  std::string err;
  if (in.method == "POST" || in.method == "PUT" || in.method == "PATCH") {
    std::string_view ct = in.content_type.empty() ? "application/octet-stream" : in.content_type;
    const std::optional<bool> form_body = is_form_content_type(ct, &err);
    if (!form_body) {
      // Go still parses the query; the body error wins.
    } else if (*form_body) {
      if (in.body.size() > kMaxFormBytes) {
        err = "http: POST too large";
      } else {
        err = parse_query(in.body, form);
      }
    }
  }
  std::string qerr = parse_query(in.raw_query, form);
  if (err.empty()) err = std::move(qerr);
  return err;
}

Result<KeysRequest, Error> parse_keys_request(const KeysInput& in) {
  Form form;
  if (std::string err = parse_form(in, &form); !err.empty())
    return invalid(ErrorCode::kInvalidForm, std::move(err));

  KeysRequest out;
  server::Request& r = out.req;
  constexpr std::string_view kPrefix = "/v2/keys";
  std::string_view rest = in.path.size() >= kPrefix.size() ? in.path.substr(kPrefix.size()) : "";
  // "/1" + rest, cleaned below: a rest that starts with '/' (the usual one) gets no second slash,
  // so the joined path is usually clean already and is moved, not rebuilt.
  std::string joined = "/1";
  if (rest.empty() || rest[0] != '/') joined.push_back('/');
  joined.append(rest);
  r.path = store::is_clean_path(joined) ? std::move(joined) : store::clean_path(joined);
  auto get_uint = [&](std::string_view key, uint64_t* v) {
    if (auto s = form.get(key)) {
      auto parsed = parse_uint64(*s);
      if (!parsed) return false;
      *v = *parsed;
    }
    return true;
  };
  auto get_bool = [&](std::string_view key, bool* v) {
    if (auto s = form.get(key)) {
      auto parsed = parse_bool(*s);
      if (!parsed) return false;
      *v = *parsed;
    }
    return true;
  };

  if (!get_uint("prevIndex", &r.prev_index))
    return invalid(ErrorCode::kIndexNaN, "invalid value for \"prevIndex\"");
  if (!get_uint("waitIndex", &r.since))
    return invalid(ErrorCode::kIndexNaN, "invalid value for \"waitIndex\"");
  if (!get_bool("recursive", &r.recursive))
    return invalid(ErrorCode::kInvalidField, "invalid value for \"recursive\"");
  if (!get_bool("sorted", &r.sorted))
    return invalid(ErrorCode::kInvalidField, "invalid value for \"sorted\"");
  if (!get_bool("wait", &r.wait))
    return invalid(ErrorCode::kInvalidField, "invalid value for \"wait\"");
  if (!get_bool("dir", &r.dir)) return invalid(ErrorCode::kInvalidField, "invalid value for \"dir\"");
  if (!get_bool("quorum", &r.quorum))
    return invalid(ErrorCode::kInvalidField, "invalid value for \"quorum\"");
  if (!get_bool("stream", &r.stream))
    return invalid(ErrorCode::kInvalidField, "invalid value for \"stream\"");
  if (r.wait && in.method != "GET")
    return invalid(ErrorCode::kInvalidField, "\"wait\" can only be used with GET requests");
  if (auto pv = form.get("prevValue")) {
    if (pv->empty())
      return invalid(ErrorCode::kPrevValueRequired, "\"prevValue\" cannot be empty");
    r.prev_value = std::string(*pv);
  }
  if (!get_bool("noValueOnSuccess", &out.no_value_on_success))
    return invalid(ErrorCode::kInvalidField, "invalid value for \"noValueOnSuccess\"");
  bool has_ttl = false;
  uint64_t ttl = 0;
  if (!form.value("ttl").empty()) {
    auto parsed = parse_uint64(form.value("ttl"));
    if (!parsed) return invalid(ErrorCode::kTTLNaN, "invalid value for \"ttl\"");
    has_ttl = true;
    ttl = *parsed;
  }
  if (auto pe = form.get("prevExist")) {
    auto parsed = parse_bool(*pe);
    if (!parsed) return invalid(ErrorCode::kInvalidField, "invalid value for prevExist");
    r.prev_exist = *parsed;
  }
  if (auto rf = form.get("refresh")) {
    auto parsed = parse_bool(*rf);
    if (!parsed) return invalid(ErrorCode::kInvalidField, "invalid value for refresh");
    r.refresh = *parsed;
    if (*parsed) {
      if (auto v = form.get("value"); v && !v->empty())
        return invalid(ErrorCode::kRefreshValue, "A value was provided on a refresh");
      if (!has_ttl) return invalid(ErrorCode::kRefreshTTLRequired, "No TTL value set");
    }
  }
  r.val = std::string(form.value("value"));
  if (has_ttl) {
    // Go's time.Duration(ttl) * time.Second wraps silently on overflow; so does this.
    const uint64_t ns = ttl * 1000000000ull;
    r.expiration = static_cast<int64_t>(static_cast<uint64_t>(in.now) + ns);
  }
  if (in.method == "GET") {
    r.method = r.quorum ? server::Method::kQGet : server::Method::kGet;
  } else if (in.method == "HEAD") {
    r.method = server::Method::kGet;
    out.head = true;
  } else if (in.method == "PUT") {
    r.method = server::Method::kPut;
  } else if (in.method == "POST") {
    r.method = server::Method::kPost;
  } else {
    r.method = server::Method::kDelete;
  }
  r.time = in.now;
  return out;
}

int error_status(store::ErrorCode code) {
  switch (code) {
    case ErrorCode::kKeyNotFound: return 404;
    case ErrorCode::kTestFailed: return 412;
    case ErrorCode::kNotFile: return 403;
    case ErrorCode::kNodeExist: return 412;
    case ErrorCode::kDirNotEmpty: return 403;
    case ErrorCode::kUnauthorized: return 401;
    case ErrorCode::kRaftInternal: return 500;
    case ErrorCode::kLeaderElect: return 500;
    default: return 400;
  }
}

}  // namespace arbor::http
