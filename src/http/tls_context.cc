#include "http/tls_context.h"

#include <netdb.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <boost/asio/ssl/context.hpp>
#include <cstdio>
#include <utility>
#include <vector>

#include "http/tls_cert.h"

namespace arbor::http {
namespace {

namespace ssl = boost::asio::ssl;
using error_code = boost::system::error_code;

// The key pair: the given files, or (auto TLS without files) a self-signed pair. With auto TLS
// etcd replaces the whole TLSInfo by the self-signed one, so *self_signed tells the caller to
// drop the CA, client authentication and certificate checks.
util::Status key_pair(const TlsSettings& t, std::string* cert, std::string* key, bool* self_signed) {
  *cert = t.cert_file;
  *key = t.key_file;
  *self_signed = false;
  if (!t.has_key_pair() && t.auto_tls) {
    *self_signed = true;
    return make_self_signed_cert(t.auto_tls_dir, t.hosts, cert, key);
  }
  return util::Status();
}

util::Status base_context(const TlsSettings& t, ssl::context::method method, const std::string& cert,
                          const std::string& key, std::unique_ptr<ssl::context>* out) {
  auto ctx = std::make_unique<ssl::context>(method);
  error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use,
                   ec);
  if (!cert.empty() || !key.empty()) {
    ctx->use_certificate_chain_file(cert, ec);
    if (ec) return util::Status::invalid_argument("cert-file " + cert + ": " + ec.message());
    ctx->use_private_key_file(key, ssl::context::pem, ec);
    if (ec) return util::Status::invalid_argument("key-file " + key + ": " + ec.message());
  }
  if (!t.cipher_suites.empty()) {
    std::string list;
    for (const std::string& go_name : t.cipher_suites) {
      const char* name = openssl_cipher_name(go_name);
      if (name == nullptr) return util::Status::invalid_argument("unexpected TLS cipher suite " + go_name);
      if (!list.empty()) list.push_back(':');
      list += name;
    }
    // etcd's list limits TLS 1.2; Go does not let TLS 1.3 suites be chosen, nor does this.
    if (SSL_CTX_set_cipher_list(ctx->native_handle(), list.c_str()) != 1)
      return util::Status::invalid_argument("no usable TLS cipher suite in " + list);
  }
  *out = std::move(ctx);
  return util::Status();
}

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};

// Go's x509.ParseCRL takes PEM or DER.
std::unique_ptr<X509_CRL, Deleter<X509_CRL, X509_CRL_free>> read_crl(const std::string& path,
                                                                     std::string* err) {
  std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>> bio(BIO_new_file(path.c_str(), "rb"));
  if (!bio) {
    *err = "cannot read the CRL file " + path;
    return nullptr;
  }
  X509_CRL* crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr);
  if (crl == nullptr) {
    (void)BIO_reset(bio.get());
    crl = d2i_X509_CRL_bio(bio.get(), nullptr);
  }
  if (crl == nullptr) *err = "cannot parse the CRL file " + path;
  return std::unique_ptr<X509_CRL, Deleter<X509_CRL, X509_CRL_free>>(crl);
}

// etcd's checkCertSAN: a certificate with subject alternative names must name the address the
// client connects from, as an IP address or as a DNS name that resolves to it.
std::string check_san(X509* cert, const std::string& remote_ip) {
  GENERAL_NAMES* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return "";
  bool any_ip = false;
  std::vector<std::string> dns;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    if (g->type == GEN_IPADD) any_ip = true;
    if (g->type == GEN_DNS) {
      const ASN1_STRING* s = g->d.dNSName;
      dns.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<size_t>(ASN1_STRING_length(s)));
    }
  }
  GENERAL_NAMES_free(names);
  if (!any_ip && dns.empty()) return "";
  if (any_ip && X509_check_ip_asc(cert, remote_ip.c_str(), 0) == 1) return "";
  for (const std::string& name : dns) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(name.c_str(), nullptr, &hints, &res) != 0) continue;
    bool match = false;
    for (addrinfo* a = res; a != nullptr && !match; a = a->ai_next) {
      char host[NI_MAXHOST];
      if (getnameinfo(a->ai_addr, a->ai_addrlen, host, sizeof host, nullptr, 0, NI_NUMERICHOST) == 0)
        match = remote_ip == host;
    }
    freeaddrinfo(res);
    if (match) return "";
  }
  return "the client certificate's subject alternative names do not name " + remote_ip;
}

bool host_matches(X509* cert, const std::string& host) {
  return X509_check_ip_asc(cert, host.c_str(), 0) == 1 ||
         X509_check_host(cert, host.c_str(), host.size(), 0, nullptr) == 1;
}

}  // namespace

util::Status make_server_tls_context(const TlsSettings& t, std::unique_ptr<ssl::context>* out) {
  std::string cert, key;
  bool self_signed = false;
  if (auto st = key_pair(t, &cert, &key, &self_signed); !st.ok()) return st;
  if (cert.empty() || key.empty())
    return util::Status::invalid_argument("an https URL needs a certificate and a key (or auto TLS)");
  if (!t.allowed_cn.empty() && !t.allowed_hostname.empty())
    return util::Status::invalid_argument("AllowedCN and AllowedHostname are mutually exclusive (cn=\"" +
                                          t.allowed_cn + "\", hostname=\"" + t.allowed_hostname + "\")");
  if (auto st = base_context(t, ssl::context::tls_server, cert, key, out); !st.ok()) return st;
  if (self_signed) return util::Status();
  error_code ec;
  if (!t.trusted_ca_file.empty()) {
    (*out)->load_verify_file(t.trusted_ca_file, ec);
    if (ec) return util::Status::invalid_argument("trusted-ca-file " + t.trusted_ca_file + ": " + ec.message());
  }
  // Go's RequireAndVerifyClientCert whenever a trusted CA is given, as etcd's ServerConfig.
  if (t.client_cert_auth || !t.trusted_ca_file.empty())
    (*out)->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
  return util::Status();
}

util::Status make_client_tls_context(const TlsSettings& t, std::unique_ptr<ssl::context>* out,
                                     bool* verify_server) {
  std::string cert, key;
  bool self_signed = false;
  if (auto st = key_pair(t, &cert, &key, &self_signed); !st.ok()) return st;
  if (auto st = base_context(t, ssl::context::tls_client, cert, key, out); !st.ok()) return st;
  *verify_server = !self_signed;
  if (self_signed) return util::Status();
  error_code ec;
  if (!t.trusted_ca_file.empty()) (*out)->load_verify_file(t.trusted_ca_file, ec);
  else (*out)->set_default_verify_paths(ec);
  if (ec) return util::Status::invalid_argument("trusted-ca-file " + t.trusted_ca_file + ": " + ec.message());
  (*out)->set_verify_mode(ssl::verify_peer, ec);
  return util::Status();
}

std::string check_client_certificate(SSL* ssl, const TlsSettings& t, const std::string& remote_ip) {
  if (!t.has_key_pair() && t.auto_tls) return "";  // etcd's self-signed TLSInfo checks nothing.
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (leaf == nullptr) return "";  // None was asked for.
  if (SSL_get_verify_result(ssl) != X509_V_OK) return "the client certificate did not verify";
  if (!t.allowed_cn.empty()) {
    X509_NAME* name = X509_get_subject_name(leaf);
    char cn[256] = {0};
    if (X509_NAME_get_text_by_NID(name, NID_commonName, cn, sizeof cn) < 0 || t.allowed_cn != cn)
      return "client certificate authentication failed (common name is not " + t.allowed_cn + ")";
  }
  if (!t.allowed_hostname.empty() && !host_matches(leaf, t.allowed_hostname))
    return "client certificate authentication failed (not valid for " + t.allowed_hostname + ")";
  if (!t.crl_file.empty()) {
    std::string err;
    auto crl = read_crl(t.crl_file, &err);
    if (!crl) return err;
    std::vector<X509*> certs = {leaf};
    if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl)) {
      for (int i = 0; i < sk_X509_num(chain); ++i) certs.push_back(sk_X509_value(chain, i));
    }
    for (X509* c : certs) {
      X509_REVOKED* revoked = nullptr;
      if (X509_CRL_get0_by_serial(crl.get(), &revoked, X509_get0_serialNumber(c)) == 1) {
        BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(c), nullptr);
        char* hex = bn ? BN_bn2hex(bn) : nullptr;
        std::string why = std::string("certificate serial ") + (hex ? hex : "?") + " revoked";
        OPENSSL_free(hex);
        BN_free(bn);
        return why;
      }
    }
  }
  if (!t.skip_client_san_verify) return check_san(leaf, remote_ip);
  return "";
}

const char* openssl_cipher_name(std::string_view go_name) {
  // Go's crypto/tls names (etcd's --cipher-suites) of the TLS 1.2 suites, and OpenSSL's.
  static constexpr std::pair<std::string_view, const char*> kSuites[] = {
      {"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"},
      {"TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"},
      {"TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256"},
      {"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"},
      {"TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"},
      {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"},
      {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"},
      {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256"},
      {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256"},
      {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
      {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
      {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
      {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "ECDHE-RSA-CHACHA20-POLY1305"},
      {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "ECDHE-ECDSA-CHACHA20-POLY1305"},
  };
  for (const auto& [go, ossl] : kSuites)
    if (go == go_name) return ossl;
  return nullptr;
}

}  // namespace arbor::http
