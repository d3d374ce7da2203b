#pragma once
// URL and form decoding as Go's net/url and net/http do it: percent-unescaping of paths and
// query components, ParseQuery (first error wins, parsing goes on), strconv.ParseBool and
// ParseUint, and ServeMux's path cleaning with its redirect target.
//
// Thread-safe (pure functions).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace arbor::http {

// A decoded form: (name, value) pairs in arrival order. Lookups take the first value, as
// Go's Values.Get does.
class Form {
 public:
  void add(std::string key, std::string value) { kv_.emplace_back(std::move(key), std::move(value)); }
  void reserve(size_t n) { kv_.reserve(n); }
  size_t size() const { return kv_.size(); }
  // The first value of `key`, or nullopt when the key is absent.
  std::optional<std::string_view> get(std::string_view key) const;
  bool has(std::string_view key) const { return get(key).has_value(); }
  // Go's FormValue: the first value or "".
  std::string_view value(std::string_view key) const { return get(key).value_or(std::string_view()); }
  const std::vector<std::pair<std::string, std::string>>& items() const { return kv_; }

 private:
  std::vector<std::pair<std::string, std::string>> kv_;
};

// Percent-decodes `s`. In query mode '+' becomes ' '. On a bad escape returns false and sets
// `err` to Go's text (`invalid URL escape "%zz"`).
bool url_unescape(std::string_view s, bool query_mode, std::string* out, std::string* err);

// Go's url.ParseQuery into `form` (appending). Returns the first error text, or "" on success.
std::string parse_query(std::string_view query, Form* form);

// strconv.ParseBool / ParseUint(s, 10, 64).
std::optional<bool> parse_bool(std::string_view s);
std::optional<uint64_t> parse_uint64(std::string_view s);

// Go's mime.ParseMediaType, reduced to what ParseForm needs: the lower-cased media type, or an
// error text ("mime: no media type", ...).
bool parse_media_type(std::string_view content_type, std::string* media_type, std::string* err);
// Is the media type of `content_type` application/x-www-form-urlencoded (the body ParseForm
// reads)? nullopt, with `err` set, when it does not parse. The usual spelling is checked
// before any parsing.
std::optional<bool> is_form_content_type(std::string_view content_type, std::string* err);

// ServeMux's cleanPath: path.Clean, rooted, keeping a trailing slash.
std::string mux_clean_path(std::string_view p);
// Whether mux_clean_path(p) == p, without building the cleaned path (the usual request).
bool mux_path_is_clean(std::string_view p);

// The path escaped as Go's URL.EscapedPath for a redirect Location.
std::string escape_path(std::string_view p);

// Splits an HTTP request target into the decoded path and the raw query. Returns false on a bad
// escape in the path (Go's server answers 400 Bad Request).
bool split_target(std::string_view target, std::string* path, std::string* raw_query);

}  // namespace arbor::http
