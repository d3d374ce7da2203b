#pragma once
// etcd v2 auth (../shared/spec/v2-cluster-admin-api.md §7): users, roles and the enable flag
// live in the store under /2 and change through ordinary replicated writes. Checks read the
// store under its shared lock; a password is verified once and then cached until the user's
// stored hash changes.
//
// Thread-safe.

#include <memory>
#include <string>
#include <string_view>

#include "http/exchange.h"

namespace arbor::server {
class KvService;
}

namespace arbor::http {

class Auth {
 public:
  // `kv` is not owned and outlives this Auth.
  explicit Auth(server::KvService& kv);
  ~Auth();

  // May this request touch `key` (the URL path after /v2/keys)? Always true while auth is
  // disabled. Every call reads /2/enabled from the store, as etcd does.
  bool keys_allowed(const HttpRequest& req, std::string_view key, bool recursive);

  // Root access (auth endpoints, member changes). True while auth is disabled.
  bool has_root_access(const HttpRequest& req);

  // /v2/auth/*. `common` are the CORS header lines; `cluster_id` the hex cluster ID.
  void handle(const HttpRequest& req, const ExchangePtr& ex, const std::string& common,
              const std::string& cluster_id);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace arbor::http
