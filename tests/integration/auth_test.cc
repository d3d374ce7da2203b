// Auth that costs nothing: bcrypt runs off the I/O thread (a request without credentials is
// answered while many wrong passwords are being checked), a correct password is cached, and a
// changed or deleted user's old password stops working at once.

#include <gtest/gtest.h>
#include <httplib.h>

#include <future>
#include <string>
#include <vector>

#include "integration/harness.h"

namespace arbor::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access("bin/arbor", X_OK) != 0) GTEST_SKIP() << "bin/arbor not built";
    server_ = std::make_unique<ArborProcess>();
    cli_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    ASSERT_TRUE(WaitFor(
        [&] {
          auto r = cli_->Get("/v2/keys/");
          return r && r->status == 200;
        },
        seconds(10)));
    ASSERT_EQ(Put("/v2/auth/users/root", R"({"user":"root","password":"rootpw"})")->status, 201);
    ASSERT_EQ(Put("/v2/auth/users/u", R"({"user":"u","password":"pw1"})")->status, 201);
    cli_->set_basic_auth("root", "rootpw");
    ASSERT_EQ(cli_->Put("/v2/auth/enable", "", "application/json")->status, 200);
    cli_->set_basic_auth("", "");
  }

  httplib::Result Put(const std::string& path, const std::string& json) {
    return cli_->Put(path, json, "application/json");
  }

  int GetAs(const std::string& user, const std::string& password) {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_basic_auth(user, password);
    auto r = c.Get("/v2/keys/");
    return r ? r->status : -1;
  }

  std::unique_ptr<ArborProcess> server_;
  std::unique_ptr<httplib::Client> cli_;
};

TEST_F(AuthTest, WrongPasswordsDoNotStallOtherClients) {
  // 24 wrong passwords: about 24 bcrypt checks of tens of ms each, queued on the check threads.
  std::vector<std::unique_ptr<RawConn>> conns;
  const std::string req = "GET /v2/keys/ HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " +
                          std::string("dTp3cm9uZw==") /* u:wrong */ + "\r\n\r\n";
  for (int i = 0; i < 24; ++i) {
    conns.push_back(std::make_unique<RawConn>(server_->port()));
    ASSERT_TRUE(conns.back()->send(req));
  }
  // A guest request (guest may read everything by default) is answered meanwhile.
  const auto t0 = std::chrono::steady_clock::now();
  auto r = cli_->Get("/v2/keys/");
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_LT(took, milliseconds(200));
  for (auto& c : conns) {
    const std::string reply = c->read(seconds(20), nullptr, "\r\n\r\n");
    EXPECT_EQ(reply.substr(0, reply.find("\r\n")), "HTTP/1.1 401 Unauthorized");
  }
}

TEST_F(AuthTest, ChangedOrDeletedUserLosesTheCachedPassword) {
  cli_->set_basic_auth("root", "rootpw");
  ASSERT_EQ(Put("/v2/auth/roles/r", R"({"role":"r","permissions":{"kv":{"read":["/*"],"write":[]}}})")
                ->status, 201);
  ASSERT_EQ(Put("/v2/auth/users/u", R"({"user":"u","grant":["r"]})")->status, 200);
  EXPECT_EQ(GetAs("u", "pw1"), 200);  // Checked with bcrypt, then cached.
  EXPECT_EQ(GetAs("u", "pw1"), 200);  // From the cache.
  EXPECT_EQ(GetAs("u", "nope"), 401);
  ASSERT_EQ(Put("/v2/auth/users/u", R"({"user":"u","password":"pw2"})")->status, 200);
  EXPECT_EQ(GetAs("u", "pw1"), 401);
  EXPECT_EQ(GetAs("u", "pw2"), 200);
  ASSERT_EQ(cli_->Delete("/v2/auth/users/u")->status, 200);
  EXPECT_EQ(GetAs("u", "pw2"), 401);
}

}  // namespace
}  // namespace arbor::testing
