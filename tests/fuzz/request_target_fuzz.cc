// Fuzzes what the router does with a request target before any handler: split_target (path
// unescaping), ServeMux's path cleaning with its redirect Location, and ParseQuery. Checks:
// cleaning is rooted and idempotent; the redirect Location (escape_path + the raw query) splits
// back to the cleaned path and the same query; every pair ParseQuery kept, re-encoded, parses
// back to the same pairs with no error; parsing is deterministic.
#include <cstdint>
#include <string>

#include "http/form.h"
#include "util/log.h"

namespace {

// Percent-encodes everything but unreserved characters (what a form encoder may send).
std::string encode_component(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(ch);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arbor::http;
  const std::string_view target(reinterpret_cast<const char*>(data), size);
  std::string path, raw_query;
  if (split_target(target, &path, &raw_query)) {
    const std::string clean = mux_clean_path(path);
    CHECK(!clean.empty() && clean[0] == '/', "cleaned path is not rooted");
    CHECK(mux_clean_path(clean) == clean, "mux_clean_path is not idempotent");
    CHECK(mux_path_is_clean(path) == (clean == path),
          "mux_path_is_clean disagrees with mux_clean_path");
    CHECK(clean.find("//") == std::string::npos, "cleaned path has //");
    // The redirect the router sends for an unclean path.
    std::string location = escape_path(clean);
    CHECK(location.find('?') == std::string::npos && location.find('#') == std::string::npos,
          "escaped path holds ? or #");
    if (!raw_query.empty()) location += "?" + raw_query;
    std::string path2, query2;
    CHECK(split_target(location, &path2, &query2), "redirect Location does not parse");
    CHECK(path2 == clean, "redirect Location does not decode to the cleaned path");
    CHECK(query2 == raw_query, "redirect Location changed the query");
  }

  Form form;
  const std::string err = parse_query(raw_query, &form);
  Form again;
  CHECK(parse_query(raw_query, &again) == err && again.items() == form.items(),
        "parse_query is not deterministic");
  std::string reencoded;
  for (const auto& [k, v] : form.items()) {
    if (!reencoded.empty()) reencoded.push_back('&');
    reencoded += encode_component(k) + "=" + encode_component(v);
  }
  Form back;
  CHECK(parse_query(reencoded, &back).empty(), "re-encoded query has an error");
  CHECK(back.items() == form.items(), "re-encoded query parses to other pairs");
  // Lookups take the first value.
  for (const auto& [k, v] : form.items()) {
    CHECK(form.get(k).has_value(), "a parsed key is not found");
    break;
  }
  return 0;
}
