#include "server/membership.h"

#include <cryptopp/sha.h>

#include <algorithm>
#include <map>

#include "store/store.h"

namespace arbor::server {
namespace {

uint64_t first8_be(const CryptoPP::byte* h) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | h[i];
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

const Member* Cluster::self() const { return find(self_id); }

const Member* Cluster::find(uint64_t id) const {
  for (const Member& m : members)
    if (m.id == id) return &m;
  return nullptr;
}

bool Cluster::is_removed(uint64_t id) const {
  return std::binary_search(removed.begin(), removed.end(), id);
}

uint64_t member_id(std::vector<std::string> peer_urls, std::string_view token) {
  std::sort(peer_urls.begin(), peer_urls.end());
  std::string b;
  for (const auto& u : peer_urls) b += u;
  b += token;
  CryptoPP::byte digest[CryptoPP::SHA1::DIGESTSIZE];
  CryptoPP::SHA1().CalculateDigest(digest, reinterpret_cast<const CryptoPP::byte*>(b.data()),
                                   b.size());
  return first8_be(digest);
}

uint64_t cluster_id(std::vector<uint64_t> ids) {
  std::sort(ids.begin(), ids.end());
  std::string b;
  for (uint64_t id : ids)
    for (int i = 7; i >= 0; --i) b.push_back(static_cast<char>(id >> (8 * i)));
  CryptoPP::byte digest[CryptoPP::SHA1::DIGESTSIZE];
  CryptoPP::SHA1().CalculateDigest(digest, reinterpret_cast<const CryptoPP::byte*>(b.data()),
                                   b.size());
  return first8_be(digest);
}

std::string build_cluster(std::string_view name, std::string_view initial_cluster,
                          std::string_view token, const std::vector<std::string>& client_urls,
                          Cluster* out) {
  std::map<std::string, std::vector<std::string>> urls_by_name;
  std::vector<std::string> order;
  while (!initial_cluster.empty()) {
    const size_t comma = initial_cluster.find(',');
    std::string_view item = trim(initial_cluster.substr(0, comma));
    initial_cluster = comma == std::string_view::npos ? std::string_view()
                                                      : initial_cluster.substr(comma + 1);
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == item.size())
      return "--initial-cluster: expected name=url, got \"" + std::string(item) + "\"";
    std::string n(trim(item.substr(0, eq)));
    std::string u(trim(item.substr(eq + 1)));
    if (u.find("://") == std::string::npos)
      return "--initial-cluster: URL scheme missing in \"" + u + "\"";
    if (!urls_by_name.count(n)) order.push_back(n);
    urls_by_name[n].push_back(std::move(u));
  }
  if (!urls_by_name.count(std::string(name)))
    return "couldn't find local name \"" + std::string(name) + "\" in the initial cluster configuration";
  Cluster c;
  std::vector<uint64_t> ids;
  for (auto& [n, urls] : urls_by_name) {
    Member m;
    m.id = member_id(urls, token);
    m.name = n;
    m.peer_urls = urls;
    std::sort(m.peer_urls.begin(), m.peer_urls.end());
    if (n == name) {
      m.client_urls = client_urls;
      std::sort(m.client_urls.begin(), m.client_urls.end());
      c.self_id = m.id;
    }
    ids.push_back(m.id);
    c.members.push_back(std::move(m));
  }
  std::sort(c.members.begin(), c.members.end(),
            [](const Member& a, const Member& b) { return a.id < b.id; });
  c.cluster_id = cluster_id(ids);
  *out = std::move(c);
  return {};
}

std::string id_hex(uint64_t id) {
  static const char kDigits[] = "0123456789abcdef";
  if (id == 0) return "0";
  std::string s;
  while (id != 0) {
    s.push_back(kDigits[id & 15]);
    id >>= 4;
  }
  std::reverse(s.begin(), s.end());
  return s;
}

bool parse_id_hex(std::string_view s, uint64_t* id) {
  if (s.empty() || s.size() > 16) return false;
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return false;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  *id = v;
  return true;
}

namespace {

void append_quoted(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

std::string string_array(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out.push_back(',');
    append_quoted(out, v[i]);
  }
  out.push_back(']');
  return out;
}

// Reads the JSON string starting at s[*pos] == '"'; advances *pos past it. Only the escapes
// our own writers produce (\" and \\) and etcd's \u00xx for control bytes are expected.
bool read_string(std::string_view s, size_t* pos, std::string* out) {
  size_t i = *pos;
  if (i >= s.size() || s[i] != '"') return false;
  ++i;
  out->clear();
  while (i < s.size() && s[i] != '"') {
    if (s[i] == '\\' && i + 1 < s.size()) {
      ++i;
      if (s[i] == 'u' && i + 4 < s.size()) {
        out->push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 4)), nullptr, 16)));
        i += 5;
        continue;
      }
      out->push_back(s[i] == 'n' ? '\n' : s[i] == 't' ? '\t' : s[i]);
      ++i;
      continue;
    }
    out->push_back(s[i++]);
  }
  if (i >= s.size()) return false;
  *pos = i + 1;
  return true;
}

size_t find_value(std::string_view json, std::string_view key) {
  const std::string pat = "\"" + std::string(key) + "\":";
  const size_t at = json.find(pat);
  if (at == std::string_view::npos) return at;
  size_t i = at + pat.size();
  while (i < json.size() && json[i] == ' ') ++i;
  return i;
}

std::string json_string_field(std::string_view json, std::string_view key) {
  size_t i = find_value(json, key);
  std::string out;
  if (i == std::string_view::npos || !read_string(json, &i, &out)) return {};
  return out;
}

std::vector<std::string> json_array_field(std::string_view json, std::string_view key) {
  std::vector<std::string> out;
  size_t i = find_value(json, key);
  if (i == std::string_view::npos || i >= json.size() || json[i] != '[') return out;
  ++i;
  std::string item;
  while (i < json.size() && json[i] != ']') {
    if (json[i] == '"') {
      if (!read_string(json, &i, &item)) break;
      out.push_back(item);
    } else {
      ++i;
    }
  }
  return out;
}

}  // namespace

std::string raft_attributes_json(const std::vector<std::string>& peer_urls) {
  return "{\"peerURLs\":" + string_array(peer_urls) + "}";
}

std::string attributes_json(const Member& m) {
  std::string attrs = "{\"name\":";
  append_quoted(attrs, m.name);
  if (!m.client_urls.empty()) attrs += ",\"clientURLs\":" + string_array(m.client_urls);
  attrs += "}";
  return attrs;
}

Cluster cluster_from_store(const store::Store& store, uint64_t cid, uint64_t self_id) {
  Cluster c;
  c.cluster_id = cid;
  c.self_id = self_id;
  auto members = store.get("/0/members", /*recursive=*/true, /*sorted=*/false, 0);
  if (members.ok()) {
    for (const store::NodeView& dir : members->node.nodes) {
      Member m;
      const std::string_view key = dir.key;
      if (!parse_id_hex(key.substr(key.rfind('/') + 1), &m.id)) continue;
      for (const store::NodeView& f : dir.nodes) {
        const std::string_view k = f.key;
        if (k.ends_with("/raftAttributes")) {
          m.peer_urls = json_array_field(f.value, "peerURLs");
        } else if (k.ends_with("/attributes")) {
          m.name = json_string_field(f.value, "name");
          m.client_urls = json_array_field(f.value, "clientURLs");
        }
      }
      std::sort(m.peer_urls.begin(), m.peer_urls.end());
      c.members.push_back(std::move(m));
    }
  }
  std::sort(c.members.begin(), c.members.end(),
            [](const Member& a, const Member& b) { return a.id < b.id; });
  auto removed = store.get("/0/removed_members", false, false, 0);
  if (removed.ok()) {
    for (const store::NodeView& n : removed->node.nodes) {
      uint64_t id = 0;
      const std::string_view key = n.key;
      if (parse_id_hex(key.substr(key.rfind('/') + 1), &id)) c.removed.push_back(id);
    }
  }
  std::sort(c.removed.begin(), c.removed.end());
  return c;
}

std::string member_context(uint64_t request_id, const std::vector<std::string>& peer_urls) {
  std::string out = id_hex(request_id);
  for (const std::string& u : peer_urls) out += "\n" + u;
  return out;
}

std::vector<std::string> parse_member_context(std::string_view context, uint64_t* request_id) {
  std::vector<std::string> urls;
  *request_id = 0;
  bool first = true;
  while (true) {
    const size_t nl = context.find('\n');
    const std::string_view line = context.substr(0, nl);
    if (first) {
      if (!parse_id_hex(line, request_id)) *request_id = 0;
      first = false;
    } else if (!line.empty()) {
      urls.emplace_back(line);
    }
    if (nl == std::string_view::npos) break;
    context.remove_prefix(nl + 1);
  }
  return urls;
}

}  // namespace arbor::server
