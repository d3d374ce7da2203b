#include "server/membership.h"

#include <cryptopp/sha.h>

#include <algorithm>
#include <map>

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

const Member* Cluster::self() const {
  for (const Member& m : members)
    if (m.id == self_id) return &m;
  return nullptr;
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

}  // namespace arbor::server
