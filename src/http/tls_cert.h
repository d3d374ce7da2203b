#pragma once
// --auto-tls: a self-signed certificate and key, as etcd's transport.SelfCert makes them (one
// year, organisation "etcd", the listen hosts as subject alternative names). Files that exist
// already are reused. Plain OpenSSL, no Asio.

#include <string>
#include <vector>

#include "util/status.h"

namespace arbor::http {

// Writes (or finds) `dir`/cert.pem and `dir`/key.pem; sets *cert and *key to their paths.
util::Status make_self_signed_cert(const std::string& dir, const std::vector<std::string>& hosts,
                                   std::string* cert, std::string* key);

}  // namespace arbor::http
