// The auth decoders (http/auth_decode.h): basic-auth headers and the v2 auth JSON bodies, with
// the answers etcd 3.4 gives (../shared/spec/v2-cluster-admin-api.md §7).
#include "http/auth_decode.h"

#include <gtest/gtest.h>

namespace arbor::http {
namespace {

TEST(Base64, DecodesWhatGoDecodes) {
  EXPECT_EQ(base64_decode("cm9vdDpyb290cHc="), "root:rootpw");
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_EQ(base64_decode("QQ=="), "A");
  EXPECT_EQ(base64_decode("QUI="), "AB");
  EXPECT_EQ(base64_decode("QUJD"), "ABC");
  for (const char* bad : {"QQ", "QQ=", "Q===", "====", "QQ=A", "Q=Q=", "QU!D", "QUJD\n"})
    EXPECT_FALSE(base64_decode(bad)) << bad;
}

TEST(Base64, EncodeRoundTrips) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  for (size_t n = 0; n <= all.size(); n += 1) {
    const std::string in = all.substr(0, n);
    const std::string enc = base64_encode(in);
    EXPECT_EQ(enc.size() % 4, 0u);
    EXPECT_EQ(base64_decode(enc), in) << n;
  }
  EXPECT_EQ(base64_encode("root:rootpw"), "cm9vdDpyb290cHc=");
}

TEST(BasicAuth, SplitsAtTheFirstColon) {
  EXPECT_EQ(parse_basic_auth("Basic cm9vdDpyb290cHc="), (BasicCredentials{"root", "rootpw"}));
  EXPECT_EQ(parse_basic_auth("bAsIc " + base64_encode("a:b:c")), (BasicCredentials{"a", "b:c"}));
  EXPECT_EQ(parse_basic_auth("Basic " + base64_encode(":")), (BasicCredentials{"", ""}));
  EXPECT_FALSE(parse_basic_auth("Basic " + base64_encode("nocolon")));
  EXPECT_FALSE(parse_basic_auth("Bearer cm9vdDpyb290cHc="));
  EXPECT_FALSE(parse_basic_auth("Basic"));
  EXPECT_FALSE(parse_basic_auth("Basic  cm9vdDpyb290cHc="));
  EXPECT_FALSE(parse_basic_auth(""));
}

TEST(UserBody, FieldsNullAndAbsent) {
  auto u = parse_user_body(R"({"user":"alice","password":"pw","roles":["a","b"]})");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->user, "alice");
  EXPECT_EQ(u->password, "pw");
  EXPECT_EQ(u->roles, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(u->grant.empty());

  u = parse_user_body(R"({"user":null,"roles":null,"grant":["g"],"revoke":null} trailing)");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->user, "");
  EXPECT_FALSE(u->roles);
  EXPECT_EQ(u->grant, std::vector<std::string>{"g"});

  for (const char* bad : {"", "[]", "\"x\"", "{", R"({"user":1})", R"({"password":true})",
                          R"({"roles":"a"})", R"({"roles":[1]})", R"({"grant":{}})",
                          R"({"revoke":[null]})"})
    EXPECT_FALSE(parse_user_body(bad)) << bad;
}

TEST(RoleBody, PermissionsGrantRevoke) {
  auto r = parse_role_body(
      R"({"role":"guest","revoke":{"kv":{"read":["/*"],"write":["/*"]}}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->role, "guest");
  EXPECT_FALSE(r->has_grant);
  EXPECT_TRUE(r->has_revoke);
  EXPECT_EQ(r->revoke.read, std::vector<std::string>{"/*"});
  EXPECT_FALSE(r->permissions.read);

  r = parse_role_body(R"({"role":"r","grant":{},"revoke":null,"permissions":{"kv":null}})");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->has_grant);
  EXPECT_FALSE(r->has_revoke);
  EXPECT_FALSE(r->grant.read);

  for (const char* bad : {R"({"role":[]})", R"({"permissions":[]})", R"({"grant":{"kv":1}})",
                          R"({"revoke":{"kv":{"read":"x"}}})", R"({"grant":{"kv":{"write":[2]}}})"})
    EXPECT_FALSE(parse_role_body(bad)) << bad;
}

TEST(AuthBodies, RenderedJsonReadsBackTheSame) {
  UserBody u{"al\"ice", "p\\w\n<>", std::vector<std::string>{"r\u2028", ""}, {"g"}, {}};
  EXPECT_EQ(parse_user_body(user_body_json(u)), u);
  RoleBody r;
  r.role = "x";
  r.permissions.read = std::vector<std::string>{"/a/*"};
  r.has_revoke = true;
  r.revoke.write = std::vector<std::string>{};
  EXPECT_EQ(parse_role_body(role_body_json(r)), r);
}

}  // namespace
}  // namespace arbor::http
