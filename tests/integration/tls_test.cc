// TLS on the client URLs (issue 7): https and http listeners together, --client-cert-auth with
// the certificate's common name as the v2 auth user, --auto-tls and --cipher-suites. The
// certificates are made here with the openssl CLI; requests go through curl.

#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdio>
#include <string>

#include "integration/harness.h"

namespace arbor::testing {
namespace {

using std::chrono::seconds;

// Runs a shell command; its stdout, and *rc its exit status.
std::string Sh(const std::string& cmd, int* rc = nullptr) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  if (rc) *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access("bin/arbor", X_OK) != 0) GTEST_SKIP() << "bin/arbor not built";
    if (Sh("command -v openssl >/dev/null && command -v curl >/dev/null && echo yes") != "yes\n") GTEST_SKIP() << "needs openssl and curl";
    dir_ = "/tmp/arbor-tls-" + std::to_string(getpid());
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes ";
    int rc = 0;
    Sh("set -e; rm -rf " + dir_ + "; mkdir -p " + dir_ + "; cd " + dir_ +
           "; openssl req -x509" + ec + "-keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca"
           "; printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext"
           "; for n in server alice root; do openssl req" + ec + "-keyout $n.key -out $n.csr -subj /CN=$n"
           "; openssl x509 -req -in $n.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $n.pem -days 2"
           " -extfile san.ext; done 2>/dev/null",
       &rc);
    ASSERT_EQ(rc, 0);
  }
  void TearDown() override { Sh("rm -rf " + dir_); }

  // Starts bin/arbor listening on http (server_->port()) and https (https_port_) together;
  // `flags` are the TLS flags.
  bool Start(std::vector<std::string> flags) {
    https_port_ = FreePort();
    server_ = std::make_unique<ArborProcess>(flags, "https://127.0.0.1:" + std::to_string(https_port_));
    cli_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    return WaitFor(
        [&] {
          auto r = cli_->Get("/v2/keys/");
          return r && r->status == 200;
        },
        seconds(10));
  }

  // curl over https: "<status> <body>".
  std::string Curl(const std::string& args) {
    return Sh("curl -s -m 5 -w ' %{http_code}' --cacert " + dir_ + "/ca.pem " + args +
              " 2>/dev/null");
  }
  std::string Cert(const std::string& who) {
    return " --cert " + dir_ + "/" + who + ".pem --key " + dir_ + "/" + who + ".key ";
  }
  std::string Url(const std::string& path) {
    return " https://127.0.0.1:" + std::to_string(https_port_) + path;
  }

  std::string dir_;
  int https_port_ = 0;
  std::unique_ptr<ArborProcess> server_;
  std::unique_ptr<httplib::Client> cli_;
};

TEST_F(TlsTest, ClientCertificateCommonNameIsTheAuthUser) {
  ASSERT_TRUE(Start({"--cert-file", dir_ + "/server.pem", "--key-file", dir_ + "/server.key",
                     "--trusted-ca-file", dir_ + "/ca.pem", "--client-cert-auth"}));
  // Over the plain listener: root, a read-only role for alice, auth on.
  auto put = [&](const std::string& path, const std::string& json) {
    return cli_->Put(path, json, "application/json")->status;
  };
  ASSERT_EQ(put("/v2/auth/users/root", R"({"user":"root","password":"rootpw"})"), 201);
  ASSERT_EQ(put("/v2/auth/roles/reader", R"({"role":"reader","permissions":{"kv":{"read":["/*"],"write":[]}}})"), 201);
  ASSERT_LT(put("/v2/auth/users/alice", R"({"user":"alice","password":"alicepw","roles":["reader"]})"), 300);
  cli_->set_basic_auth("root", "rootpw");
  ASSERT_EQ(cli_->Put("/v2/auth/enable", "", "application/json")->status, 200);
  ASSERT_EQ(cli_->Put("/v2/keys/k", "value=1", "application/x-www-form-urlencoded")->status, 201);
  ASSERT_EQ(cli_->Put("/v2/auth/roles/guest", R"({"role":"guest","revoke":{"kv":{"read":["/*"],"write":["/*"]}}})",
                      "application/json")->status, 200);

  // No client certificate: the handshake fails.
  int rc = 0;
  Sh("curl -s -m 5 --cacert " + dir_ + "/ca.pem" + Url("/v2/keys/k") + " >/dev/null 2>&1", &rc);
  EXPECT_NE(rc, 0);
  // alice's certificate: she may read, not write; root's certificate may write.
  const std::string got = Curl(Cert("alice") + Url("/v2/keys/k"));
  EXPECT_NE(got.find("\"value\":\"1\""), std::string::npos) << got;
  EXPECT_EQ(got.substr(got.size() - 4), " 200");
  const std::string denied = Curl(Cert("alice") + "-XPUT -d value=2" + Url("/v2/keys/k"));
  EXPECT_EQ(denied.substr(denied.size() - 4), " 401") << denied;
  EXPECT_NE(Curl(Cert("root") + "-XPUT -d value=3" + Url("/v2/keys/k")).find("\"value\":\"3\""),
            std::string::npos);
  // The certificate's user is used only without an Authorization header.
  const std::string wrong = Curl(Cert("root") + "-u alice:wrong -XPUT -d value=4" + Url("/v2/keys/k"));
  EXPECT_EQ(wrong.substr(wrong.size() - 4), " 401");
  EXPECT_EQ(cli_->Get("/v2/keys/k")->status, 200);  // root still set on cli_.
}

TEST_F(TlsTest, AutoTlsMakesASelfSignedPairAndWatchersOverTlsAreFreed) {
  ASSERT_TRUE(Start({"--auto-tls"}));
  EXPECT_EQ(Sh("openssl x509 -noout -subject -in $(ls -d /tmp/arbor-it-" + std::to_string(getpid()) +
               "-*)/fixtures/client/cert.pem"),
            "subject=O = etcd\n");
  const std::string r = Sh("curl -sk -m 5 -XPUT -d value=1" + Url("/v2/keys/t"));
  EXPECT_NE(r.find("\"action\":\"set\""), std::string::npos) << r;
  // A stream watcher over TLS whose client leaves is freed (the TLS read path of a parked stream).
  Sh("curl -sk -m 1" + Url("/v2/keys/t?wait=true&stream=true") + " >/dev/null 2>&1");
  EXPECT_TRUE(WaitFor(
      [&] {
        auto s = cli_->Get("/v2/stats/store");
        return s && s->body.find("\"watchers\":0") != std::string::npos;
      },
      seconds(5)));
}

TEST_F(TlsTest, CipherSuitesLimitTheHandshake) {
  ASSERT_TRUE(Start({"--cert-file", dir_ + "/server.pem", "--key-file", dir_ + "/server.key",
                     "--cipher-suites", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}));
  int rc = 0;
  Sh("curl -s -m 5 --tls-max 1.2 --ciphers ECDHE-ECDSA-AES128-GCM-SHA256 --cacert " + dir_ +
         "/ca.pem" + Url("/v2/keys/") + " >/dev/null", &rc);
  EXPECT_EQ(rc, 0);
  Sh("curl -s -m 5 --tls-max 1.2 --ciphers ECDHE-ECDSA-AES256-GCM-SHA384 --cacert " + dir_ +
         "/ca.pem" + Url("/v2/keys/") + " >/dev/null 2>&1", &rc);
  EXPECT_NE(rc, 0);
}

TEST_F(TlsTest, UnknownCipherSuiteOrMissingKeyStopsTheStart) {
  for (const std::string& flags :
       {"--cipher-suites TLS_NO_SUCH_SUITE --cert-file " + dir_ + "/server.pem --key-file " + dir_ + "/server.key",
        std::string("--cert-file ") + dir_ + "/server.pem"}) {
    const int port = FreePort(), peer = FreePort();
    int rc = 0;
    Sh("timeout 10 bin/arbor --data-dir " + dir_ + "/d --listen-client-urls https://127.0.0.1:" +
           std::to_string(port) + " --listen-peer-urls http://127.0.0.1:" + std::to_string(peer) +
           " --initial-advertise-peer-urls http://127.0.0.1:" + std::to_string(peer) +
           " --initial-cluster default=http://127.0.0.1:" + std::to_string(peer) + " " + flags +
           " >/dev/null 2>&1",
       &rc);
    EXPECT_NE(rc, 0) << flags;
    EXPECT_NE(rc, 124) << flags;  // Refused at once, not served until the timeout.
  }
}

TEST_F(TlsTest, HttpsPeerUrlWithoutAKeyPairStopsTheStart) {
  const std::string client = "http://127.0.0.1:" + std::to_string(FreePort());
  const std::string peer = "https://127.0.0.1:" + std::to_string(FreePort());
  int rc = 0;
  const std::string out = Sh("timeout 10 bin/arbor --data-dir " + dir_ + "/p --listen-client-urls " + client +
                                 " --advertise-client-urls " + client + " --listen-peer-urls " + peer +
                                 " --initial-advertise-peer-urls " + peer + " --initial-cluster default=" +
                                 peer + " 2>&1",
                             &rc);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("C | etcdmain: cannot listen on TLS for 127.0.0.1:"), std::string::npos) << out;
  EXPECT_NE(out.find(": KeyFile and CertFile are not presented"), std::string::npos) << out;
}

// etcd's listener checks after the handshake: a trusted CA alone requires a client certificate;
// --client-crl-file refuses one the CA revoked; --client-cert-allowed-hostname refuses one not
// valid for that name.
TEST_F(TlsTest, RevokedOrMisnamedClientCertificatesAreRefused) {
  int rc = 0;
  Sh("set -e; cd " + dir_ + "; touch index.txt; echo 01 > crlnumber"
         "; printf '[ca]\\ndefault_ca=d\\n[d]\\ndatabase=index.txt\\ncrlnumber=crlnumber\\n"
         "default_md=sha256\\ndefault_crl_days=2\\n' > ca.cnf"
         "; openssl ca -batch -config ca.cnf -keyfile ca.key -cert ca.pem -revoke alice.pem"
         "; openssl ca -batch -config ca.cnf -keyfile ca.key -cert ca.pem -gencrl -out crl.pem"
         " >/dev/null 2>&1",
     &rc);
  ASSERT_EQ(rc, 0);
  const std::vector<std::string> base = {"--cert-file", dir_ + "/server.pem", "--key-file",
                                         dir_ + "/server.key", "--trusted-ca-file", dir_ + "/ca.pem"};
  std::vector<std::string> flags = base;
  flags.insert(flags.end(), {"--client-crl-file", dir_ + "/crl.pem"});
  ASSERT_TRUE(Start(flags));
  const std::string ok = Curl(Cert("root") + Url("/v2/keys/"));
  EXPECT_EQ(ok.substr(ok.size() - 4), " 200") << ok;
  Sh("curl -s -m 5 --cacert " + dir_ + "/ca.pem" + Url("/v2/keys/") + " >/dev/null 2>&1", &rc);
  EXPECT_NE(rc, 0) << "no client certificate, yet a trusted CA is given";
  const std::string revoked = Curl(Cert("alice") + Url("/v2/keys/"));
  EXPECT_EQ(revoked.find(" 200"), std::string::npos) << revoked;

  server_.reset();
  flags = base;
  flags.insert(flags.end(), {"--client-cert-allowed-hostname", "db.example.com"});
  ASSERT_TRUE(Start(flags));
  const std::string misnamed = Curl(Cert("root") + Url("/v2/keys/"));
  EXPECT_EQ(misnamed.find(" 200"), std::string::npos) << misnamed;
  server_.reset();
  flags = base;
  flags.insert(flags.end(), {"--client-cert-allowed-hostname", "127.0.0.1"});
  ASSERT_TRUE(Start(flags));
  const std::string named = Curl(Cert("root") + Url("/v2/keys/"));
  EXPECT_EQ(named.substr(named.size() - 4), " 200") << named;
}

}  // namespace
}  // namespace arbor::testing
