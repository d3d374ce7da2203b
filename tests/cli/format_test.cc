// Output formatting: etcdctl's simple, extended and json renderings, Go's JSON encoding, and
// the URL encoding of requests.

#include "cli/format.h"

#include <gtest/gtest.h>

#include "cli/client.h"
#include "cli/progress.h"

namespace arbor::cli {
namespace {

KeysResponse Parse(std::string_view body, uint64_t index = 7) {
  auto r = parse_keys_response(body, index);
  EXPECT_TRUE(r.has_value()) << body;
  return r.value_or(KeysResponse{});
}

std::string Format(const KeysResponse& r, std::string_view format) {
  bool unsupported = false;
  return format_response(r, format, &unsupported);
}

constexpr std::string_view kSet =
    R"({"action":"set","node":{"key":"/a","value":"v2","modifiedIndex":5,"createdIndex":5},)"
    R"("prevNode":{"key":"/a","value":"v1","modifiedIndex":4,"createdIndex":4}})";

TEST(FormatTest, SimplePrintsTheValue) { EXPECT_EQ(Format(Parse(kSet), "simple"), "v2\n"); }

TEST(FormatTest, SimpleDeletePrintsThePreviousValue) {
  auto r = Parse(R"({"action":"delete","node":{"key":"/a","modifiedIndex":6,"createdIndex":5},)"
                 R"("prevNode":{"key":"/a","value":"v2","modifiedIndex":5,"createdIndex":5}})");
  EXPECT_EQ(Format(r, "simple"), "PrevNode.Value: v2\n");
}

TEST(FormatTest, ExtendedIsRfc2822Style) {
  EXPECT_EQ(Format(Parse(kSet), "extended"),
            "Key: /a\nCreated-Index: 5\nModified-Index: 5\nPrevNode.Value: v1\nTTL: 0\n"
            "Index: 7\n\nv2\n");
}

TEST(FormatTest, JsonFollowsGoFieldOrderAndOmitEmpty) {
  EXPECT_EQ(Format(Parse(kSet), "json"),
            R"({"action":"set","node":{"key":"/a","value":"v2","nodes":null,"createdIndex":5,)"
            R"("modifiedIndex":5},"prevNode":{"key":"/a","value":"v1","nodes":null,)"
            R"("createdIndex":4,"modifiedIndex":4}})"
            "\n");
}

TEST(FormatTest, JsonDirectoryWithTtlAndChildren) {
  auto r = Parse(R"({"action":"get","node":{"key":"/d","dir":true,"nodes":[{"key":"/d/t",)"
                 R"("value":"x","expiration":"2026-11-22T05:48:57.492094300Z","ttl":100,)"
                 R"("modifiedIndex":8,"createdIndex":8}],"modifiedIndex":6,"createdIndex":6}})");
  EXPECT_EQ(Format(r, "json"),
            R"({"action":"get","node":{"key":"/d","dir":true,"value":"","nodes":[{"key":"/d/t",)"
            R"("value":"x","nodes":null,"createdIndex":8,"modifiedIndex":8,)"
            R"("expiration":"2026-11-22T05:48:57.4920943Z","ttl":100}],"createdIndex":6,)"
            R"("modifiedIndex":6},"prevNode":null})"
            "\n");
}

TEST(FormatTest, UnknownFormatIsReported) {
  bool unsupported = false;
  EXPECT_EQ(format_response(Parse(kSet), "yaml", &unsupported), "");
  EXPECT_TRUE(unsupported);
}

TEST(FormatTest, LsListsChildrenRecursivelyWithOptionalSlash) {
  auto r = Parse(
      R"({"action":"get","node":{"key":"/d","dir":true,"nodes":[{"key":"/d/sub",)"
      R"("dir":true,"nodes":[{"key":"/d/sub/c","value":"c1"}]},{"key":"/d/k","value":"1"}]}})");
  EXPECT_EQ(format_ls(r, false), "/d/sub\n/d/sub/c\n/d/k\n");
  EXPECT_EQ(format_ls(r, true), "/d/sub/\n/d/sub/c\n/d/k\n");
}

TEST(FormatTest, LsOfAKeyPrintsTheKey) { EXPECT_EQ(format_ls(Parse(kSet), false), "/a\n"); }

TEST(FormatTest, KeysErrorTextIsTheGoClients) {
  auto e =
      parse_keys_error(R"({"errorCode":100,"message":"Key not found","cause":"/foo","index":5})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->text(), "100: Key not found (/foo) [5]");
}

TEST(GoJsonTest, EscapesLikeEncodingJson) {
  EXPECT_EQ(go_json_quote("a\"b\\c\n<&>\x01"), R"("a\"b\\c\n\u003c\u0026\u003e\u0001")");
  EXPECT_EQ(go_json_quote("é\xE2\x80\xA8"), "\"é\\u2028\"");
  EXPECT_EQ(go_json_quote("\xff"), R"("\ufffd")");
}

TEST(GoJsonTest, Rfc3339NanoTrimsTrailingZeros) {
  EXPECT_EQ(normalize_rfc3339("2026-11-22T05:48:57.492094300Z"), "2026-11-22T05:48:57.4920943Z");
  EXPECT_EQ(normalize_rfc3339("2026-11-22T05:48:57.000Z"), "2026-11-22T05:48:57Z");
  EXPECT_EQ(normalize_rfc3339("2026-11-22T05:48:57+01:00"), "2026-11-22T05:48:57+01:00");
}

TEST(UrlTest, KeysPathsAreCanonicalAndEscaped) {
  EXPECT_EQ(canonical_url_path("/v2/keys//a/./b/"), "/v2/keys/a/b/");
  EXPECT_EQ(canonical_url_path("/v2/keys/a/../b"), "/v2/keys/b");
  EXPECT_EQ(escape_path("/with space/é?#%"), "/with%20space/%C3%A9%3F%23%25");
  EXPECT_EQ(escape_path("/a$&+,:;=@"), "/a$&+,:;=@");
}

TEST(UrlTest, ValuesAreSortedAndQueryEscaped) {
  EXPECT_EQ(encode_values({{"value", "a b&c"}, {"ttl", "5"}}), "ttl=5&value=a+b%26c");
}

TEST(ProgressTest, ShowsBarRateAndEta) {
  EXPECT_EQ(render_progress(50, 200, 10.0, "keys"),
            "[#####---------------]  25%  50/200 keys  5.0 keys/s  ETA 30s");
  EXPECT_EQ(render_progress(200, 200, 40.0, "keys"),
            "[####################] 100%  200/200 keys  5.0 keys/s  done in 40s");
}

TEST(ProgressTest, BytesWithoutTotalShowOnlyAmountAndRate) {
  EXPECT_EQ(render_progress(2048, 0, 2.0, "B"), "2.0 KiB  1.0 KiB/s");
}

}  // namespace
}  // namespace arbor::cli
