#include "server/bootstrap.h"

#include <chrono>
#include <string>
#include <thread>

#include "server/kv_service.h"
#include "server/membership.h"
#include "util/log.h"

namespace arbor::server {

bool publish_attributes(KvService& kv, const Member& self, const std::atomic<bool>* stop) {
  for (int attempt = 0;; ++attempt) {
    if (stop != nullptr && stop->load()) return false;
    Request r;
    r.method = Method::kPut;
    r.path = "/0/members/" + id_hex(self.id) + "/attributes";
    r.val = attributes_json(self);
    r.time = KvService::now_ns();
    WriteOutcome o = kv.write_sync(std::move(r));
    if (o.result.ok()) {
      return true;
    }
    if (attempt % 5 == 0) {
      LOG_WARN("etcdserver", "failed to publish local member to cluster through raft (%s)",
               o.result.error().cause.c_str());
    }
    if (kv.stopped()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

bool ensure_cluster_version(KvService& kv, std::string_view cluster_version) {
  if (kv.read("/0/version", false, false).ok()) return false;
  Request r;
  r.method = Method::kPut;
  r.path = "/0/version";
  r.val = std::string(cluster_version);
  r.prev_exist = false;
  r.time = KvService::now_ns();
  return kv.write_sync(std::move(r)).result.ok();
}

}  // namespace arbor::server
