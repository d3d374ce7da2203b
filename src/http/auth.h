#pragma once
// etcd v2 auth (../shared/spec/v2-cluster-admin-api.md §7): users, roles and the enable flag
// live in the store under /2 and change through ordinary replicated writes. Checks read the
// store under its shared lock; a password is verified once (off the I/O threads) and then cached
// until the user's stored hash changes.
//
// Thread-safe.

#include <functional>
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

  // Passwords are bcrypt hashes (tens of ms to check, as etcd's). A correct password is checked
  // once and then found in a cache keyed by (user, keyed hash of the password); the checks
  // above consult only that cache. So every request with credentials first asks
  // needs_password_check(), and when it says yes goes through verify_async(), which runs bcrypt
  // on a small pool of its own threads (never an I/O thread) and then calls `then` on that
  // thread. A wrong password costs one bcrypt per attempt, as with etcd. When too many checks
  // wait already, `ex` gets 503.
  bool needs_password_check(const HttpRequest& req);
  void verify_async(HttpRequest req, ExchangePtr ex,
                    std::function<void(HttpRequest&, const ExchangePtr&)> then);
  // needs_password_check() remembers a good header for the checks of the same request on this
  // thread; this forgets it (Router calls it once the request is handed on).
  void end_request();

  // /v2/auth/*. `common` are the CORS header lines; `cluster_id` the hex cluster ID.
  void handle(const HttpRequest& req, const ExchangePtr& ex, const std::string& common,
              const std::string& cluster_id);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace arbor::http
