#include "http/json.h"

#include <charconv>
#include <ctime>

#include "http/scan.h"

namespace arbor::http {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_uint(std::string& out, uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void append_int(std::string& out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

// Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid (Go's DecodeRune rules:
// no overlongs, no surrogates, nothing above U+10FFFF).
size_t utf8_len(std::string_view s, size_t i, uint32_t* rune) {
  const auto c0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](size_t k) {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(s[i + k]) & 0x3F); };
  if (c0 < 0x80) {
    *rune = c0;
    return 1;
  }
  if (c0 >= 0xC2 && c0 <= 0xDF) {
    if (!cont(1)) return 0;
    *rune = ((c0 & 0x1Fu) << 6) | b(1);
    return 2;
  }
  if (c0 >= 0xE0 && c0 <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    const uint32_t r = ((c0 & 0x0Fu) << 12) | (b(1) << 6) | b(2);
    if (r < 0x800 || (r >= 0xD800 && r <= 0xDFFF)) return 0;
    *rune = r;
    return 3;
  }
  if (c0 >= 0xF0 && c0 <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const uint32_t r = ((c0 & 0x07u) << 18) | (b(1) << 12) | (b(2) << 6) | b(3);
    if (r < 0x10000 || r > 0x10FFFF) return 0;
    *rune = r;
    return 4;
  }
  return 0;
}

void append_u_escape(std::string& out, uint32_t v) {
  out += "\\u";
  out.push_back(kHex[(v >> 12) & 15]);
  out.push_back(kHex[(v >> 8) & 15]);
  out.push_back(kHex[(v >> 4) & 15]);
  out.push_back(kHex[v & 15]);
}

}  // namespace

void append_json_string_array(std::string& out, const std::vector<std::string>& v) {
  out.push_back('[');
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out.push_back(',');
    append_json_string(out, v[i]);
  }
  out.push_back(']');
}

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    // Copy the longest run that needs no escaping in one go.
    const size_t j = i + json_plain_prefix(s.data() + i, s.size() - i);
    out.append(s.data() + i, j - i);
    i = j;
    if (i >= s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default: append_u_escape(out, c); break;
      }
      ++i;
      continue;
    }
    uint32_t rune = 0;
    const size_t n = utf8_len(s, i, &rune);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
    } else if (rune == 0x2028 || rune == 0x2029) {
      append_u_escape(out, rune);
      i += n;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
  out.push_back('"');
}

std::string format_rfc3339_nano(int64_t unix_ns) {
  int64_t secs = unix_ns / 1000000000;
  int64_t nanos = unix_ns % 1000000000;
  if (nanos < 0) {
    nanos += 1000000000;
    --secs;
  }
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  if (nanos != 0) {
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%09lld", static_cast<long long>(nanos));
    std::string f(frac);
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out.push_back('Z');
  return out;
}

std::string_view trim_keys_prefix(std::string_view p) {
  if (p.size() >= 2 && p[0] == '/' && p[1] == '1') return p.substr(2);
  return p;
}

namespace {

// The fields of one node up to "nodes" (opening its list when it has children); returns whether
// a field was written.
bool append_node_head(std::string& out, const store::NodeView& node) {
  out.push_back('{');
  bool first = true;
  auto sep = [&] {
    if (!first) out.push_back(',');
    first = false;
  };
  std::string_view key = trim_keys_prefix(node.key);
  if (!key.empty()) {
    sep();
    out += "\"key\":";
    append_json_string(out, key);
  }
  if (node.has_value) {
    sep();
    out += "\"value\":";
    append_json_string(out, node.value);
  }
  if (node.dir) {
    sep();
    out += "\"dir\":true";
  }
  if (node.expiration != 0) {
    sep();
    out += "\"expiration\":\"";
    out += format_rfc3339_nano(node.expiration);
    out.push_back('"');
  }
  if (node.ttl != 0) {
    sep();
    out += "\"ttl\":";
    append_int(out, node.ttl);
  }
  if (!node.nodes.empty()) {
    sep();
    out += "\"nodes\":[";
  }
  return !first;
}

// The fields after "nodes" (closing its list), and the closing brace.
void append_node_tail(std::string& out, const store::NodeView& node, bool any_field) {
  bool first = !any_field;
  if (!node.nodes.empty()) out.push_back(']');
  auto sep = [&] {
    if (!first) out.push_back(',');
    first = false;
  };
  if (node.modified_index != 0) {
    sep();
    out += "\"modifiedIndex\":";
    append_uint(out, node.modified_index);
  }
  if (node.created_index != 0) {
    sep();
    out += "\"createdIndex\":";
    append_uint(out, node.created_index);
  }
  out.push_back('}');
}

}  // namespace

// Depth-first with an explicit stack: a tree may be thousands of levels deep.
void append_node_json(std::string& out, const store::NodeView& node) {
  struct Frame {
    const store::NodeView* node;
    size_t next_child;
    bool any_field;
  };
  std::vector<Frame> stack;
  stack.push_back({&node, 0, append_node_head(out, node)});
  while (!stack.empty()) {
    Frame& f = stack.back();
    if (f.next_child < f.node->nodes.size()) {
      if (f.next_child) out.push_back(',');
      const store::NodeView& child = f.node->nodes[f.next_child++];
      const bool any = append_node_head(out, child);
      stack.push_back({&child, 0, any});
      continue;
    }
    append_node_tail(out, *f.node, f.any_field);
    stack.pop_back();
  }
}

void append_event_json(std::string& out, const store::Event& ev, bool omit_nodes) {
  out += "{\"action\":\"";
  out += store::action_name(ev.action);
  out.push_back('"');
  if (!omit_nodes) {
    out += ",\"node\":";
    append_node_json(out, ev.node);
    if (ev.prev_node) {
      out += ",\"prevNode\":";
      append_node_json(out, *ev.prev_node);
    }
  }
  out.push_back('}');
}

void append_error_json(std::string& out, const store::Error& err) {
  out += "{\"errorCode\":";
  append_uint(out, static_cast<uint64_t>(err.code));
  out += ",\"message\":";
  append_json_string(out, store::error_message(err.code));
  std::string_view cause = err.cause;
  if (cause.size() >= 2 && cause[0] == '/' && cause[1] == '1') cause = cause.substr(2);
  if (!cause.empty()) {
    out += ",\"cause\":";
    append_json_string(out, cause);
  }
  out += ",\"index\":";
  append_uint(out, err.index);
  out.push_back('}');
}

std::string message_json(std::string_view message) {
  std::string out = "{\"message\":";
  append_json_string(out, message);
  out.push_back('}');
  return out;
}

}  // namespace arbor::http
