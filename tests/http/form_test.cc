#include "http/form.h"

#include <gtest/gtest.h>

namespace arbor::http {
namespace {

TEST(ParseQuery, FirstValueWinsAndPlusIsSpace) {
  Form f;
  EXPECT_EQ(parse_query("value=one&value=two&a=b+c%21", &f), "");
  EXPECT_EQ(f.value("value"), "one");
  EXPECT_EQ(f.value("a"), "b c!");
  EXPECT_FALSE(f.has("missing"));
}

TEST(ParseQuery, EmptyValueIsPresent) {
  Form f;
  EXPECT_EQ(parse_query("recursive=&x", &f), "");
  ASSERT_TRUE(f.get("recursive").has_value());
  EXPECT_EQ(*f.get("recursive"), "");
  EXPECT_TRUE(f.has("x"));
}

TEST(ParseQuery, BadEscapeReportsGoTextAndKeepsTheRest) {
  Form f;
  EXPECT_EQ(parse_query("a=%zz&b=1", &f), "invalid URL escape \"%zz\"");
  EXPECT_EQ(f.value("b"), "1");
  EXPECT_EQ(parse_query("c=%4", &f), "invalid URL escape \"%4\"");
}

TEST(ParseQuery, SemicolonIsAnError) {
  Form f;
  EXPECT_EQ(parse_query("a=1;b=2", &f), "invalid semicolon separator in query");
}

TEST(FormContentType, TheUsualSpellingAndWhatParsesToIt) {
  std::string err;
  EXPECT_EQ(is_form_content_type("application/x-www-form-urlencoded", &err), true);
  EXPECT_EQ(is_form_content_type("Application/X-WWW-Form-Urlencoded; charset=utf-8", &err), true);
  EXPECT_EQ(is_form_content_type(" application/x-www-form-urlencoded ", &err), true);
  EXPECT_EQ(is_form_content_type("text/plain", &err), false);
  EXPECT_EQ(is_form_content_type("application/x-www-form-urlencodedx", &err), false);
  EXPECT_EQ(err, "");
  EXPECT_EQ(is_form_content_type("/x", &err), std::nullopt);
  EXPECT_EQ(err, "mime: no media type");
  EXPECT_EQ(is_form_content_type("a/b c", &err), std::nullopt);
  EXPECT_EQ(err, "mime: unexpected content after media subtype");
}

TEST(ParseBool, AcceptsGoSpellingsOnly) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) EXPECT_EQ(parse_bool(t), true) << t;
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"}) EXPECT_EQ(parse_bool(f), false) << f;
  for (const char* bad : {"", "yes", "tRUE", " true"}) EXPECT_FALSE(parse_bool(bad)) << bad;
}

TEST(ParseUint64, DecimalDigitsWithinRange) {
  EXPECT_EQ(parse_uint64("18446744073709551615"), UINT64_MAX);
  EXPECT_FALSE(parse_uint64("18446744073709551616"));
  // strconv.ParseUint takes leading zeros at any length (found by form_fuzz, whose reference
  // refused more than 20 digits).
  EXPECT_EQ(parse_uint64("00000000000000000000000000001458"), 1458u);
  EXPECT_EQ(parse_uint64("000000000000000000000018446744073709551615"), UINT64_MAX);
  EXPECT_FALSE(parse_uint64("-1"));
  EXPECT_FALSE(parse_uint64("+1"));
  EXPECT_FALSE(parse_uint64("1.5"));
  EXPECT_FALSE(parse_uint64(""));
}

TEST(MuxCleanPath, CleansButKeepsATrailingSlash) {
  EXPECT_EQ(mux_clean_path("/v2/keys//a//b"), "/v2/keys/a/b");
  EXPECT_EQ(mux_clean_path("/v2/keys/a/../b/./c/"), "/v2/keys/b/c/");
  EXPECT_EQ(mux_clean_path("/v2/keys/"), "/v2/keys/");
  EXPECT_EQ(mux_clean_path("/../.."), "/");
  EXPECT_EQ(mux_clean_path(""), "/");
}

TEST(MuxCleanPath, IsCleanAnswersWhetherCleaningChangesThePath) {
  for (std::string_view p : {"/", "/v2/keys", "/v2/keys/", "/v2/keys/a.b/..c/...", "/a/b/c", "",
                             "v2/keys", "//", "/v2//keys", "/v2/keys//", "/./a", "/a/.", "/a/..",
                             "/a/../b", "/..", "/a/./", "/.a/b./", "/a//"}) {
    EXPECT_EQ(mux_path_is_clean(p), mux_clean_path(p) == p) << p;
  }
}

TEST(EscapePath, EscapesLikeGoUrlPaths) {
  EXPECT_EQ(escape_path("/v2/keys/with space"), "/v2/keys/with%20space");
  EXPECT_EQ(escape_path("/a:b@c=d&e+f$,;"), "/a:b@c=d&e+f$,;");
  EXPECT_EQ(escape_path("/é"), "/%C3%A9");
}

TEST(SplitTarget, DecodesThePathOnly) {
  std::string path, query;
  ASSERT_TRUE(split_target("/v2/keys/enc%2Fkey?value=a%20b", &path, &query));
  EXPECT_EQ(path, "/v2/keys/enc/key");
  EXPECT_EQ(query, "value=a%20b");
  EXPECT_FALSE(split_target("/v2/keys/%zz", &path, &query));
}

TEST(MediaType, ParsesTheTypeBeforeParameters) {
  std::string m, err;
  ASSERT_TRUE(parse_media_type("Application/X-WWW-Form-Urlencoded; charset=utf-8", &m, &err));
  EXPECT_EQ(m, "application/x-www-form-urlencoded");
  EXPECT_FALSE(parse_media_type("", &m, &err));
  EXPECT_EQ(err, "mime: no media type");
}

}  // namespace
}  // namespace arbor::http
