#include "server/bootstrap.h"

#include <string>
#include <vector>

#include "server/kv_service.h"
#include "server/membership.h"
#include "util/log.h"

namespace arbor::server {
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

void put(KvService& kv, std::string path, std::string value, bool create) {
  Request r;
  r.method = Method::kPut;
  r.path = std::move(path);
  r.val = std::move(value);
  if (create) r.prev_exist = false;
  r.time = KvService::now_ns();
  WriteOutcome o = kv.write_sync(std::move(r));
  if (!o.result.ok()) LOG_WARN("server", "bootstrap write failed: %s", o.result.error().cause.c_str());
}

}  // namespace

void bootstrap_store(KvService& kv, const Cluster& cluster, std::string_view cluster_version) {
  const Member* self = cluster.self();
  CHECK(self != nullptr, "bootstrap: this member is not in its cluster");
  // etcd adds every initial member, then the local one publishes its attributes.
  for (const Member& m : cluster.members) {
    put(kv, "/0/members/" + id_hex(m.id) + "/raftAttributes",
        "{\"peerURLs\":" + string_array(m.peer_urls) + "}", /*create=*/true);
  }
  publish_attributes(kv, cluster);
  put(kv, "/0/version", std::string(cluster_version), /*create=*/false);
}

void publish_attributes(KvService& kv, const Cluster& cluster) {
  const Member* self = cluster.self();
  CHECK(self != nullptr, "bootstrap: this member is not in its cluster");
  std::string attrs = "{\"name\":";
  append_quoted(attrs, self->name);
  if (!self->client_urls.empty()) attrs += ",\"clientURLs\":" + string_array(self->client_urls);
  attrs += "}";
  put(kv, "/0/members/" + id_hex(self->id) + "/attributes", attrs, /*create=*/false);
}

}  // namespace arbor::server
