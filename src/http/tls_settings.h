#pragma once
// The TLS settings of one side of arbor, as etcd's transport.TLSInfo holds them: the client URLs
// (--cert-file, --key-file, --trusted-ca-file, --client-cert-auth, --auto-tls, --client-crl-file,
// --client-cert-allowed-hostname) or the peer URLs (the --peer-* equivalents, and
// --peer-cert-allowed-cn); --cipher-suites for both. Plain data: the OpenSSL contexts are made
// in tls_context.cc.

#include <string>
#include <vector>

namespace arbor::http {

struct TlsSettings {
  std::string cert_file, key_file, trusted_ca_file;
  bool client_cert_auth = false;  // Require a client certificate the trusted CA signed (also
                                  // implied by a trusted CA, as etcd); on the client URLs its
                                  // common name is the v2 auth user.
  bool auto_tls = false;          // Without cert/key files: a self-signed pair in auto_tls_dir,
                                  // and (as etcd) nothing else: no CA, no client certificates,
                                  // peers' certificates not verified.
  std::string auto_tls_dir;       // etcd: <data-dir>/fixtures/client or .../peer.
  std::vector<std::string> hosts;  // Names and addresses for the self-signed certificate.
  std::vector<std::string> cipher_suites;  // Go's names (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256).
  std::string crl_file;          // Certificates it revokes are refused after the handshake.
  std::string allowed_cn;        // A client certificate must have this common name...
  std::string allowed_hostname;  // ...or be valid for this host name or address.
  bool skip_client_san_verify = false;  // Else a client certificate with subject alternative
                                        // names must name the address it connects from.

  bool has_key_pair() const { return !cert_file.empty() && !key_file.empty(); }
};

}  // namespace arbor::http
