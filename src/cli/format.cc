#include "cli/format.h"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace arbor::cli {
namespace {

using Json = nlohmann::json;

// Go's decoder leaves a field at its zero value when the JSON holds another type; arborctl does
// the same rather than failing, except where the Go client would fail the whole decode.
std::string str_field(const Json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

uint64_t uint_field(const Json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number()) return 0;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_number_integer()) return static_cast<uint64_t>(it->get<int64_t>());
  return static_cast<uint64_t>(it->get<double>());
}

int64_t int_field(const Json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  return static_cast<int64_t>(it->get<double>());
}

std::optional<Node> node_from(const Json& j) {
  if (!j.is_object()) return std::nullopt;
  Node n;
  n.key = str_field(j, "key");
  auto dir = j.find("dir");
  n.dir = dir != j.end() && dir->is_boolean() && dir->get<bool>();
  n.value = str_field(j, "value");
  auto nodes = j.find("nodes");
  if (nodes != j.end() && nodes->is_array()) {
    n.has_nodes = true;
    for (const Json& c : *nodes) {
      auto child = node_from(c);
      if (!child) return std::nullopt;
      n.nodes.push_back(std::move(*child));
    }
  }
  n.created_index = uint_field(j, "createdIndex");
  n.modified_index = uint_field(j, "modifiedIndex");
  auto exp = j.find("expiration");
  if (exp != j.end() && exp->is_string()) n.expiration = exp->get<std::string>();
  n.ttl = int_field(j, "ttl");
  return n;
}

// Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid.
size_t utf8_len(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid, as Go's utf8 says.
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
      (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
    return 0;
  return n;
}

}  // namespace

std::string KeysError::text() const {
  return std::to_string(code) + ": " + message + " (" + cause + ") [" + std::to_string(index) + "]";
}

std::optional<KeysResponse> parse_keys_response(std::string_view body, uint64_t etcd_index) {
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  KeysResponse r;
  r.action = str_field(j, "action");
  auto node = j.find("node");
  if (node != j.end() && !node->is_null()) {
    r.node = node_from(*node);
    if (!r.node) return std::nullopt;
  }
  auto prev = j.find("prevNode");
  if (prev != j.end() && !prev->is_null()) {
    r.prev_node = node_from(*prev);
    if (!r.prev_node) return std::nullopt;
  }
  r.index = etcd_index;
  return r;
}

std::optional<KeysError> parse_keys_error(std::string_view body) {
  Json j = Json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  KeysError e;
  e.code = int_field(j, "errorCode");
  e.message = str_field(j, "message");
  e.cause = str_field(j, "cause");
  e.index = uint_field(j, "index");
  return e;
}

std::optional<Node> parse_node_json(std::string_view json) {
  Json j = Json::parse(json, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return node_from(j);
}

std::string go_json_quote(std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    const size_t n = utf8_len(s, i);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (n == 3 && c == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
         static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
      out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  out += '"';
  return out;
}

std::string normalize_rfc3339(std::string_view t) {
  // Find the fraction between the seconds and the zone; drop its trailing zeros (and the dot
  // when nothing is left), as RFC3339Nano formatting does.
  const size_t dot = t.find('.');
  if (dot == std::string_view::npos) return std::string(t);
  size_t end = dot + 1;
  while (end < t.size() && t[end] >= '0' && t[end] <= '9') ++end;
  size_t last = end;
  while (last > dot + 1 && t[last - 1] == '0') --last;
  std::string out(t.substr(0, dot));
  if (last > dot + 1) out.append(t.substr(dot, last - dot));
  out.append(t.substr(end));
  return out;
}

std::string node_json(const Node& n) {
  std::string out = "{\"key\":" + go_json_quote(n.key);
  if (n.dir) out += ",\"dir\":true";
  out += ",\"value\":" + go_json_quote(n.value);
  out += ",\"nodes\":";
  if (!n.has_nodes) {
    out += "null";
  } else {
    out += '[';
    for (size_t i = 0; i < n.nodes.size(); ++i) {
      if (i > 0) out += ',';
      out += node_json(n.nodes[i]);
    }
    out += ']';
  }
  out += ",\"createdIndex\":" + std::to_string(n.created_index);
  out += ",\"modifiedIndex\":" + std::to_string(n.modified_index);
  if (n.expiration) out += ",\"expiration\":" + go_json_quote(normalize_rfc3339(*n.expiration));
  if (n.ttl != 0) out += ",\"ttl\":" + std::to_string(n.ttl);
  out += '}';
  return out;
}

std::string response_json(const KeysResponse& r) {
  std::string out = "{\"action\":" + go_json_quote(r.action) + ",\"node\":";
  out += r.node ? node_json(*r.node) : "null";
  out += ",\"prevNode\":";
  out += r.prev_node ? node_json(*r.prev_node) : "null";
  out += '}';
  return out;
}

std::string format_response(const KeysResponse& r, std::string_view format, bool* unsupported) {
  *unsupported = false;
  static const Node kEmpty;
  const Node& node = r.node ? *r.node : kEmpty;
  std::string out;
  if (format == "simple") {
    if (r.action != "delete") {
      out = node.value + "\n";
    } else {
      out = "PrevNode.Value: " + (r.prev_node ? r.prev_node->value : std::string()) + "\n";
    }
  } else if (format == "extended") {
    out += "Key: " + node.key + "\n";
    out += "Created-Index: " + std::to_string(node.created_index) + "\n";
    out += "Modified-Index: " + std::to_string(node.modified_index) + "\n";
    if (r.prev_node) out += "PrevNode.Value: " + r.prev_node->value + "\n";
    out += "TTL: " + std::to_string(node.ttl) + "\n";
    out += "Index: " + std::to_string(r.index) + "\n";
    if (r.action != "delete") out += "\n" + node.value + "\n";
  } else if (format == "json") {
    out = response_json(r) + "\n";
  } else {
    *unsupported = true;
  }
  return out;
}

namespace {
void ls_print(const Node& n, bool slash_dirs, std::string* out) {
  *out += n.key;
  if (n.dir && slash_dirs) *out += '/';
  *out += '\n';
  for (const Node& c : n.nodes) ls_print(c, slash_dirs, out);
}
}  // namespace

std::string format_ls(const KeysResponse& r, bool slash_dirs) {
  std::string out;
  if (!r.node) return out;
  if (!r.node->dir) out += r.node->key + "\n";
  for (const Node& c : r.node->nodes) ls_print(c, slash_dirs, &out);
  return out;
}

}  // namespace arbor::cli
