// Flag parsing and global options as etcdctl v2 (urfave/cli v1 over Go's flag package) does it.

#include "cli/flags.h"

#include <gtest/gtest.h>

#include <map>

namespace arbor::cli {
namespace {

using Args = std::vector<std::string>;

std::vector<FlagSpec> WatchFlags() {
  return {{"forever, f", FlagType::kBool},
          {"after-index", FlagType::kInt, "0"},
          {"recursive, r", FlagType::kBool}};
}

// A fake environment for resolve_global_options.
Getenv Env(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

GlobalOptions Resolve(const Args& args, std::map<std::string, std::string> env = {}) {
  FlagSet flags(global_flag_specs());
  EXPECT_EQ(flags.parse(args), std::nullopt);
  std::string error;
  auto o = resolve_global_options(flags, Env(std::move(env)), &error);
  EXPECT_TRUE(o.has_value()) << error;
  return o.value_or(GlobalOptions{});
}

TEST(FlagSetTest, ParsesGoSyntaxAndStopsAtFirstArgument) {
  FlagSet f(WatchFlags());
  ASSERT_EQ(f.parse({"-r", "--after-index=5", "/key", "-f"}), std::nullopt);
  EXPECT_TRUE(f.get_bool("recursive"));
  EXPECT_FALSE(f.get_bool("forever"));
  EXPECT_EQ(f.get_int("after-index"), 5);
  EXPECT_EQ(f.args(), (Args{"/key", "-f"}));
}

TEST(FlagSetTest, DoubleDashEndsFlagsAndIsConsumed) {
  FlagSet f(WatchFlags());
  ASSERT_EQ(f.parse({"--", "-r"}), std::nullopt);
  EXPECT_FALSE(f.get_bool("r"));
  EXPECT_EQ(f.args(), (Args{"-r"}));
}

TEST(FlagSetTest, ErrorsUseGosWords) {
  FlagSet f(WatchFlags());
  EXPECT_EQ(f.parse({"--bogus"}), "flag provided but not defined: -bogus");
  EXPECT_EQ(f.parse({"--after-index"}), "flag needs an argument: -after-index");
  EXPECT_EQ(f.parse({"--after-index", "abc"}),
            "invalid value \"abc\" for flag -after-index: parse error");
  EXPECT_EQ(f.parse({"-r=maybe"}), "invalid boolean value \"maybe\" for -r: parse error");
  EXPECT_EQ(f.parse({"---r"}), "bad flag syntax: ---r");
}

TEST(FlagSetTest, TwoFormsOfOneFlagAreRefused) {
  FlagSet f(WatchFlags());
  ASSERT_EQ(f.parse({"-r", "--recursive"}), std::nullopt);
  EXPECT_EQ(f.check_forms(), "Cannot use two forms of the same flag: r recursive");
  ASSERT_EQ(f.parse({"-r", "-r"}), std::nullopt);
  EXPECT_EQ(f.check_forms(), std::nullopt);
}

TEST(FlagSetTest, IntsAcceptGoBasePrefixes) {
  int64_t v = 0;
  EXPECT_TRUE(parse_go_int("0x10", &v));
  EXPECT_EQ(v, 16);
  EXPECT_TRUE(parse_go_int("010", &v));
  EXPECT_EQ(v, 8);
  EXPECT_TRUE(parse_go_int("-7", &v));
  EXPECT_EQ(v, -7);
  EXPECT_FALSE(parse_go_int("9223372036854775808", &v));
}

TEST(FlagSetTest, DurationsFollowTimeParseDuration) {
  std::chrono::nanoseconds d{};
  EXPECT_TRUE(parse_go_duration("1m30s", &d));
  EXPECT_EQ(d, std::chrono::seconds(90));
  EXPECT_TRUE(parse_go_duration("1.5s", &d));
  EXPECT_EQ(d, std::chrono::milliseconds(1500));
  EXPECT_TRUE(parse_go_duration("0", &d));
  EXPECT_FALSE(parse_go_duration("5", &d));
  EXPECT_FALSE(parse_go_duration("1x", &d));
}

TEST(FlagSetTest, StringSliceKeepsEveryValue) {
  FlagSet f({{"roles", FlagType::kStringSlice}});
  ASSERT_EQ(f.parse({"--roles", "a", "--roles=b"}), std::nullopt);
  EXPECT_EQ(f.get_slice("roles"), (Args{"a", "b"}));
}

TEST(ReorderArgsTest, FlagsAfterArgumentsMoveToTheFront) {
  EXPECT_EQ(reorder_args(WatchFlags(), {"/key", "--after-index", "3"}),
            (Args{"--after-index", "3", "/key"}));
}

TEST(ReorderArgsTest, ArgumentAfterABooleanFlagTravelsWithIt) {
  // Go's parser then stops at "/key": the later "-f" is an argument, as in etcdctl.
  EXPECT_EQ(reorder_args(WatchFlags(), {"-r", "/key", "-f"}), (Args{"-r", "/key", "-f"}));
}

TEST(ReorderArgsTest, ExecWatchWithoutFlagsKeepsOrder) {
  const std::vector<FlagSpec> specs = {{"after-index", FlagType::kInt, "0"},
                                       {"recursive, r", FlagType::kBool}};
  EXPECT_EQ(reorder_args(specs, {"sh", "-c", "echo", "/key"}), (Args{"sh", "-c", "echo", "/key"}));
  EXPECT_EQ(reorder_args(specs, {"/key", "--", "cmd"}), (Args{"--", "/key", "cmd"}));
  EXPECT_EQ(reorder_args(specs, {"-r", "/key", "--", "cmd"}), (Args{"-r", "/key", "--", "cmd"}));
}

TEST(GlobalOptionsTest, DefaultsAreEtcdctls) {
  GlobalOptions o = Resolve({});
  EXPECT_EQ(o.endpoints, (Args{"http://127.0.0.1:2379", "http://127.0.0.1:4001"}));
  EXPECT_EQ(o.output, "simple");
  EXPECT_EQ(o.timeout, std::chrono::seconds(2));
  EXPECT_EQ(o.total_timeout, std::chrono::seconds(5));
  EXPECT_TRUE(o.username.empty());
}

TEST(GlobalOptionsTest, EndpointsFlagBeatsEnvironmentWhichBeatsDeprecatedFlags) {
  EXPECT_EQ(Resolve({"--endpoints", "http://a:1"}, {{"ETCDCTL_ENDPOINTS", "http://b:2"}}).endpoints,
            (Args{"http://a:1"}));
  EXPECT_EQ(Resolve({"-C", "http://c:3"}, {{"ETCDCTL_ENDPOINTS", "http://b:2"}}).endpoints,
            (Args{"http://b:2"}));
  EXPECT_EQ(Resolve({"--endpoint", "http://d:4", "-C", "http://c:3"}).endpoints,
            (Args{"http://d:4"}));
  EXPECT_EQ(Resolve({}, {{"ETCDCTL_PEERS", "http://e:5,http://f:6"}}).endpoints,
            (Args{"http://e:5", "http://f:6"}));
}

TEST(GlobalOptionsTest, MissingSchemeBecomesHttp) {
  EXPECT_EQ(Resolve({"--endpoints", "example.com"}).endpoints, (Args{"http://example.com"}));
}

TEST(GlobalOptionsTest, HostPortWithoutSchemeIsGosParseError) {
  FlagSet flags(global_flag_specs());
  ASSERT_EQ(flags.parse({"--endpoints", "127.0.0.1:2379"}), std::nullopt);
  std::string error;
  EXPECT_FALSE(resolve_global_options(flags, Env({}), &error));
  EXPECT_EQ(error, "parse \"127.0.0.1:2379\": first path segment in URL cannot contain colon");
}

TEST(GlobalOptionsTest, UsernameSplitsAtFirstColon) {
  GlobalOptions o = Resolve({"-u", "root:pw:x"});
  EXPECT_EQ(o.username, "root");
  EXPECT_EQ(o.password, "pw:x");
}

TEST(GlobalOptionsTest, UsernameFromEnvironmentAndPasswordFlag) {
  GlobalOptions o = Resolve({"--password", "secret"}, {{"ETCDCTL_USERNAME", "alice"}});
  EXPECT_EQ(o.username, "alice");
  EXPECT_EQ(o.password, "secret");
  EXPECT_EQ(Resolve({"-u", "bob"}, {{"ETCDCTL_PASSWORD", "pw"}}).password, "pw");
  EXPECT_EQ(Resolve({"-u", "bob"}).password, std::nullopt);  // etcdctl prompts
}

TEST(GlobalOptionsTest, TlsFilesFromFlagsOrEnvironment) {
  GlobalOptions o = Resolve({"--ca-file", "ca.pem"}, {{"ETCDCTL_CA_FILE", "other.pem"},
                                                      {"ETCDCTL_CERT_FILE", "c.pem"},
                                                      {"ETCDCTL_KEY_FILE", "k.pem"}});
  EXPECT_EQ(o.ca_file, "ca.pem");
  EXPECT_EQ(o.cert_file, "c.pem");
  EXPECT_EQ(o.key_file, "k.pem");
}

}  // namespace
}  // namespace arbor::cli
