#pragma once
// GET /arbor/snapshot: a consistent snapshot of the member's store, in arbor's snapshot file
// format (docs/snap_format.md), for `arborctl snapshot save FILE` (restored with `arborctl
// snapshot restore FILE --data-dir DIR`). Root only: with auth enabled the request needs the
// root user's credentials (401 "Insufficient credentials" otherwise), as etcd's admin endpoints.
// The image is taken under the store's shared lock (writes wait, reads go on), then sent with a
// Content-Length. Documented in docs/dropin.md.
//
// Thread-safe: runs on any I/O thread.

#include <string>

#include "http/exchange.h"

namespace arbor::server {
class KvService;
}  // namespace arbor::server

namespace arbor::http {

class Auth;

inline constexpr const char* kSnapshotPath = "/arbor/snapshot";

// `common` are the CORS header lines. `kv` and `auth` are not owned.
void serve_snapshot(const HttpRequest& req, const ExchangePtr& ex, const std::string& common,
                    server::KvService& kv, Auth& auth);

}  // namespace arbor::http
