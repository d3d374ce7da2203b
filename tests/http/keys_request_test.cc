#include "http/keys_request.h"

#include <gtest/gtest.h>

namespace arbor::http {
namespace {

constexpr std::string_view kForm = "application/x-www-form-urlencoded";
constexpr int64_t kNow = 1763780000000000000;

Result<KeysRequest, store::Error> Parse(std::string_view method, std::string_view path,
                                        std::string_view query = "", std::string_view body = "",
                                        std::string_view ctype = kForm) {
  KeysInput in;
  in.method = method;
  in.path = path;
  in.raw_query = query;
  in.body = body;
  in.content_type = ctype;
  in.now = kNow;
  return parse_keys_request(in);
}

store::Error ErrorOf(const Result<KeysRequest, store::Error>& r) { return r.error(); }

TEST(KeysRequest, PathGoesUnderTheKeysNamespace) {
  EXPECT_EQ(Parse("GET", "/v2/keys")->req.path, "/1");
  EXPECT_EQ(Parse("GET", "/v2/keys/")->req.path, "/1");
  EXPECT_EQ(Parse("GET", "/v2/keys/foo/")->req.path, "/1/foo");
}

TEST(KeysRequest, BodyValueBeatsQueryValue) {
  EXPECT_EQ(Parse("PUT", "/v2/keys/a", "value=query", "value=body")->req.val, "body");
  EXPECT_EQ(Parse("PUT", "/v2/keys/a", "value=query", "")->req.val, "query");
}

TEST(KeysRequest, NonFormBodyIsIgnored) {
  EXPECT_EQ(Parse("PUT", "/v2/keys/a", "", R"({"value":"x"})", "application/json")->req.val, "");
}

TEST(KeysRequest, GetAndDeleteBodiesAreNotParsed) {
  EXPECT_FALSE(Parse("DELETE", "/v2/keys/a", "", "prevValue=")->req.prev_value.size());
}

TEST(KeysRequest, ValidationOrderFollowsEtcd) {
  // prevIndex (203) is checked before recursive (209).
  EXPECT_EQ(ErrorOf(Parse("GET", "/v2/keys/a", "recursive=x&prevIndex=y")).code,
            store::ErrorCode::kIndexNaN);
  EXPECT_EQ(ErrorOf(Parse("GET", "/v2/keys/a", "recursive=x&prevIndex=y")).cause,
            "invalid value for \"prevIndex\"");
  EXPECT_EQ(ErrorOf(Parse("PUT", "/v2/keys/a", "wait=true")).cause,
            "\"wait\" can only be used with GET requests");
  EXPECT_EQ(ErrorOf(Parse("PUT", "/v2/keys/a", "prevValue=")).code,
            store::ErrorCode::kPrevValueRequired);
  EXPECT_EQ(ErrorOf(Parse("PUT", "/v2/keys/a", "prevExist=maybe")).cause,
            "invalid value for prevExist");
  EXPECT_EQ(ErrorOf(Parse("PUT", "/v2/keys/a", "refresh=true&ttl=5", "value=x")).code,
            store::ErrorCode::kRefreshValue);
  EXPECT_EQ(ErrorOf(Parse("PUT", "/v2/keys/a", "refresh=true")).code,
            store::ErrorCode::kRefreshTTLRequired);
  EXPECT_EQ(ErrorOf(Parse("PUT", "/v2/keys/a", "", "value=%zz")).code, store::ErrorCode::kInvalidForm);
}

TEST(KeysRequest, TtlBecomesAnAbsoluteExpiration) {
  EXPECT_EQ(Parse("PUT", "/v2/keys/a", "ttl=5")->req.expiration, kNow + 5000000000);
  EXPECT_EQ(Parse("PUT", "/v2/keys/a", "ttl=")->req.expiration, 0);
  EXPECT_EQ(ErrorOf(Parse("PUT", "/v2/keys/a", "ttl=-1")).code, store::ErrorCode::kTTLNaN);
  EXPECT_EQ(ErrorOf(Parse("PUT", "/v2/keys/a", "ttl=1.5")).code, store::ErrorCode::kTTLNaN);
}

TEST(KeysRequest, PrevExistAndRefreshAreNullable) {
  EXPECT_FALSE(Parse("PUT", "/v2/keys/a")->req.prev_exist.has_value());
  EXPECT_EQ(Parse("PUT", "/v2/keys/a", "prevExist=F")->req.prev_exist, std::optional<bool>(false));
  EXPECT_EQ(Parse("PUT", "/v2/keys/a", "refresh=false", "value=x")->req.refresh,
            std::optional<bool>(false));
}

TEST(KeysRequest, QuorumGetIsReplicated) {
  EXPECT_EQ(Parse("GET", "/v2/keys/a", "quorum=true&wait=true")->req.method, server::Method::kQGet);
  EXPECT_EQ(Parse("GET", "/v2/keys/a")->req.method, server::Method::kGet);
  EXPECT_TRUE(Parse("HEAD", "/v2/keys/a")->head);
}

TEST(ErrorStatus, FollowsTheV2Table) {
  EXPECT_EQ(error_status(store::ErrorCode::kKeyNotFound), 404);
  EXPECT_EQ(error_status(store::ErrorCode::kTestFailed), 412);
  EXPECT_EQ(error_status(store::ErrorCode::kNodeExist), 412);
  EXPECT_EQ(error_status(store::ErrorCode::kNotFile), 403);
  EXPECT_EQ(error_status(store::ErrorCode::kDirNotEmpty), 403);
  EXPECT_EQ(error_status(store::ErrorCode::kUnauthorized), 401);
  EXPECT_EQ(error_status(store::ErrorCode::kRaftInternal), 500);
  EXPECT_EQ(error_status(store::ErrorCode::kNotDir), 400);
  EXPECT_EQ(error_status(store::ErrorCode::kEventIndexCleared), 400);
}

}  // namespace
}  // namespace arbor::http
