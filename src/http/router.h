#pragma once
// Routing of client requests, as etcd's ServeMux plus its CORS wrapper does it: OPTIONS and the
// CORS headers first, then 301 for unclean paths, then the handlers (/v2/keys, /v2/members,
// /v2/machines, /v2/stats/*, /v2/auth/*, /version, /health) and 404 for the rest.
//
// Thread-safe: handle() runs on any I/O thread.

#include <memory>
#include <string>
#include <vector>

#include "http/exchange.h"

namespace arbor::server {
class KvService;
class ClusterView;
}  // namespace arbor::server
namespace arbor::util {
class MetricsRegistry;
}  // namespace arbor::util

namespace arbor::http {

class Auth;

struct RouterConfig {
  std::vector<std::string> cors;  // Allowed origins; empty or "*" allows all.
  // --host-whitelist: Host names a plain-HTTP request may name; empty or "*" allows all. Others
  // get etcd's 421 (its CVE-2018-5702 answer against DNS rebinding).
  std::vector<std::string> host_whitelist;
  std::string server_version = "3.4.23";
  std::string cluster_version = "3.4.0";
  // /metrics renders this registry (not owned; outlives the Router), to which the Router adds
  // its etcd_http_* families (unless metrics_only); null: an empty page.
  util::MetricsRegistry* metrics = nullptr;
  bool metrics_extensive = false;  // --metrics=extensive
  // A --listen-metrics-urls listener: only /metrics and /health, 404 for the rest.
  bool metrics_only = false;
};

class Router {
 public:
  // `kv` and `view` are not owned and outlive this Router.
  Router(RouterConfig config, server::KvService& kv, server::ClusterView& view);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  void handle(HttpRequest req, const ExchangePtr& ex);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace arbor::http
