#include "http/tls_cert.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cerrno>
#include <functional>
#include <memory>

namespace arbor::http {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;

bool exists(const std::string& path) { return access(path.c_str(), R_OK) == 0; }

// mkdir -p with mode 0700, as etcd's fileutil.TouchDirAll.
bool make_dirs(const std::string& dir) {
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      const std::string part = dir.substr(0, i);
      if (mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) return false;
    }
  }
  return true;
}

bool write_pem(const std::string& path, int mode, const std::function<int(FILE*)>& write) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  chmod(path.c_str(), static_cast<mode_t>(mode));
  const bool ok = write(f) == 1;
  return std::fclose(f) == 0 && ok;
}

}  // namespace

util::Status make_self_signed_cert(const std::string& dir, const std::vector<std::string>& hosts,
                                   std::string* cert, std::string* key) {
  *cert = dir + "/cert.pem";
  *key = dir + "/key.pem";
  if (exists(*cert) && exists(*key)) return util::Status();
  if (!make_dirs(dir)) return util::Status::io_error("auto-tls: cannot create " + dir);

  PkeyPtr pkey(EVP_EC_gen("P-256"));
  X509Ptr x(X509_new());
  if (!pkey || !x) return util::Status::io_error("auto-tls: cannot make a key");
  X509_set_version(x.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 365L * 24 * 3600);
  X509_set_pubkey(x.get(), pkey.get());
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("etcd"),
                             -1, -1, 0);
  X509_set_issuer_name(x.get(), name);

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
  std::string san;
  for (const std::string& h : hosts) {
    if (h.empty()) continue;
    if (!san.empty()) san.push_back(',');
    const bool ip = h.find_first_not_of("0123456789.") == std::string::npos || h.find(':') != std::string::npos;
    san += (ip ? "IP:" : "DNS:") + h;
  }
  const std::pair<int, std::string> exts[] = {
      {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
      {NID_ext_key_usage, "serverAuth"},
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_subject_alt_name, san},
  };
  for (const auto& [nid, value] : exts) {
    if (value.empty()) continue;
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (e == nullptr) return util::Status::invalid_argument("auto-tls: bad certificate host in " + value);
    X509_add_ext(x.get(), e, -1);
    X509_EXTENSION_free(e);
  }
  if (X509_sign(x.get(), pkey.get(), EVP_sha256()) == 0)
    return util::Status::io_error("auto-tls: cannot sign the certificate");
  if (!write_pem(*key, 0600, [&](FILE* f) {
        return PEM_write_PrivateKey(f, pkey.get(), nullptr, nullptr, 0, nullptr, nullptr);
      }) ||
      !write_pem(*cert, 0644, [&](FILE* f) { return PEM_write_X509(f, x.get()); })) {
    return util::Status::io_error("auto-tls: cannot write " + dir);
  }
  return util::Status();
}

}  // namespace arbor::http
