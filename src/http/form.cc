#include "http/form.h"

#include <array>
#include <cctype>

#include "http/scan.h"
#include "store/key_path.h"

namespace arbor::http {
namespace {

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

int hex_val(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// strconv.Quote, enough for escape errors: printable ASCII kept, the rest escaped.
std::string go_quote(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c >= 0x20 && c < 0x7f) {
      out.push_back(ch);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  out.push_back('"');
  return out;
}

// RFC 2045 token characters: printable ASCII except space and the tspecials.
constexpr auto kTokenChar = [] {
  std::array<bool, 256> t{};
  constexpr std::string_view kSpecials = "()<>@,;:\\\"/[]?=";
  for (int c = 0x21; c < 0x7f; ++c)
    t[c] = kSpecials.find(static_cast<char>(c)) == std::string_view::npos;
  return t;
}();

bool is_token_char(char c) { return kTokenChar[static_cast<unsigned char>(c)]; }

}  // namespace

std::optional<std::string_view> Form::get(std::string_view key) const {
  for (const auto& [k, v] : kv_)
    if (k == key) return std::string_view(v);
  return std::nullopt;
}

bool url_unescape(std::string_view s, bool query_mode, std::string* out, std::string* err) {
  out->clear();
  out->reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    // Copy the run up to the next escape in one go.
    const size_t j = i + url_plain_prefix(s.data() + i, s.size() - i, query_mode);
    out->append(s.data() + i, j - i);
    if (j == s.size()) break;
    i = j;
    if (s[i] == '+') {
      out->push_back(' ');
      ++i;
      continue;
    }
    if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) {
      std::string_view bad = s.substr(i, 3);
      *err = "invalid URL escape " + go_quote(bad);
      return false;
    }
    out->push_back(static_cast<char>(hex_val(s[i + 1]) * 16 + hex_val(s[i + 2])));
    i += 3;
  }
  return true;
}

std::string parse_query(std::string_view query, Form* form) {
  if (query.empty()) return std::string();
  form->reserve(form->size() + 4);  // A request's few parameters: one allocation, not three.
  std::string first_err;
  std::string key, value, err;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (item.find(';') != std::string_view::npos) {
      if (first_err.empty()) first_err = "invalid semicolon separator in query";
      continue;
    }
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    std::string_view k = item.substr(0, eq);
    std::string_view v = eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
    if (!url_unescape(k, true, &key, &err) || !url_unescape(v, true, &value, &err)) {
      if (first_err.empty()) first_err = err;
      continue;
    }
    form->add(std::move(key), std::move(value));
    key.clear();
    value.clear();
  }
  return first_err;
}

std::optional<bool> parse_bool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False")
    return false;
  return std::nullopt;
}

std::optional<uint64_t> parse_uint64(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

bool parse_media_type(std::string_view ct, std::string* media_type, std::string* err) {
  // mime.ParseMediaType: the part before ';', trimmed, must be token "/" token (or a lone token).
  const size_t semi = ct.find(';');
  std::string_view base = ct.substr(0, semi);
  while (!base.empty() && (base.front() == ' ' || base.front() == '\t')) base.remove_prefix(1);
  while (!base.empty() && (base.back() == ' ' || base.back() == '\t')) base.remove_suffix(1);
  size_t i = 0;
  while (i < base.size() && is_token_char(base[i])) ++i;
  if (i == 0) {
    *err = "mime: no media type";
    return false;
  }
  if (i < base.size()) {
    if (base[i] != '/') {
      *err = "mime: expected slash after first token";
      return false;
    }
    size_t j = i + 1;
    while (j < base.size() && is_token_char(base[j])) ++j;
    if (j == i + 1) {
      *err = "mime: expected token after slash";
      return false;
    }
    if (j != base.size()) {
      *err = "mime: unexpected content after media subtype";
      return false;
    }
  }
  media_type->assign(base);
  // Token characters are ASCII: lower them without std::tolower's locale lookup per byte (it
  // showed in put profiles: this runs twice per form request).
  for (char& c : *media_type) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return true;
}

std::optional<bool> is_form_content_type(std::string_view content_type, std::string* err) {
  constexpr std::string_view kForm = "application/x-www-form-urlencoded";
  if (content_type == kForm) return true;
  std::string media;
  if (!parse_media_type(content_type, &media, err)) return std::nullopt;
  return media == kForm;
}

std::string mux_clean_path(std::string_view p) {
  if (p.empty()) return "/";
  // path.Clean of a rooted path.
  std::string out = "/";
  size_t i = 0;
  const size_t n = p.size();
  while (i < n) {
    if (p[i] == '/') {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < n && p[j] != '/') ++j;
    std::string_view seg = p.substr(i, j - i);
    if (seg == ".") {
      // skip
    } else if (seg == "..") {
      if (out.size() > 1) {
        out.pop_back();  // the trailing '/'
        out.erase(out.rfind('/') + 1);
      }
    } else {
      out.append(seg);
      out.push_back('/');
    }
    i = j;
  }
  if (out.size() > 1) out.pop_back();
  // ServeMux keeps a trailing slash (path.Clean drops it), unless the result is "/".
  if (p.back() == '/' && out != "/") out.push_back('/');
  return out;
}

bool mux_path_is_clean(std::string_view p) {
  // A clean store path, or one with a trailing slash kept (but "//" is not "/" kept).
  if (p.size() > 1 && p.back() == '/') {
    p.remove_suffix(1);
    if (p.size() == 1) return false;
  }
  return store::is_clean_path(p);
}

std::string escape_path(std::string_view p) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : p) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '$' || c == '&' ||
        c == '+' || c == ',' || c == '/' || c == ':' || c == ';' || c == '=' || c == '@') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

bool split_target(std::string_view target, std::string* path, std::string* raw_query) {
  const size_t q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  if (q != std::string_view::npos) {
    raw_query->assign(target.substr(q + 1));
  } else {
    raw_query->clear();
  }
  std::string err;
  return url_unescape(raw_path, false, path, &err);
}

}  // namespace arbor::http
