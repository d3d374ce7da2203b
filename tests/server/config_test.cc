// The server's flags, ETCD_* variables and YAML config file, parsed as etcd 3.4 parses them.

#include "server/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace arbor::server {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  ParseResult Parse(std::vector<std::string> args, std::vector<std::string> env = {}) {
    config_ = Config{};
    return parse_config(args, env, &config_);
  }
  // Writes `yaml` to a file of its own and returns its path.
  std::string ConfigFile(const std::string& yaml) {
    char path[] = "/tmp/arbor_config_test_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    std::ofstream(path) << yaml;
    files_.push_back(path);
    return path;
  }
  bool Logged(const ParseResult& r, char level, const std::string& needle) {
    for (const PendingLog& l : r.logs)
      if (l.level == level && l.text.find(needle) != std::string::npos) return true;
    return false;
  }
  static std::string FirstLine(const std::string& s) { return s.substr(0, s.find('\n')); }
  void TearDown() override {
    for (const std::string& f : files_) std::remove(f.c_str());
  }
  Config config_;
  std::vector<std::string> files_;
};

TEST_F(ConfigTest, DefaultsAreEtcds) {
  ParseResult r = Parse({});
  ASSERT_TRUE(r.run);
  EXPECT_EQ(config_.name, "default");
  EXPECT_EQ(config_.data_dir, "default.etcd");
  EXPECT_TRUE(Logged(r, 'W', "no data-dir provided, using default data-dir ./default.etcd"));
  EXPECT_EQ(config_.listen_client_urls, std::vector<std::string>{"http://localhost:2379"});
  EXPECT_EQ(config_.initial_cluster, "default=http://localhost:2380");
  EXPECT_EQ(config_.snapshot_count, 100000u);
  EXPECT_EQ(config_.heartbeat_ms, 100u);
  EXPECT_EQ(config_.election_ms, 1000u);
  EXPECT_EQ(config_.max_request_bytes, 0u);  // Not given: the HTTP layer's limit.
  EXPECT_EQ(config_.logger, "capnslog");
  EXPECT_EQ(config_.log_outputs, std::vector<std::string>{"default"});
  EXPECT_EQ(config_.cors, std::vector<std::string>{"*"});
  EXPECT_TRUE(config_.pre_vote);  // The one default that is etcd 3.5's, not 3.4's (docs/flags.md).
}

TEST_F(ConfigTest, PreVoteIsOnUnlessSwitchedOff) {
  ASSERT_TRUE(Parse({"--pre-vote=false"}).run);
  EXPECT_FALSE(config_.pre_vote);
  ASSERT_TRUE(Parse({}, {"ETCD_PRE_VOTE=false"}).run);
  EXPECT_FALSE(config_.pre_vote);
  ASSERT_TRUE(Parse({"--pre-vote"}).run);
  EXPECT_TRUE(config_.pre_vote);
}

TEST_F(ConfigTest, DataDirDefaultsToNameDotEtcd) {
  ASSERT_TRUE(Parse({"--name", "infra1"}).run);
  EXPECT_EQ(config_.data_dir, "infra1.etcd");
  EXPECT_EQ(config_.initial_cluster, "infra1=http://localhost:2380");
}

TEST_F(ConfigTest, ValueSyntaxes) {
  ASSERT_TRUE(Parse({"--name", "a", "-data-dir=/x", "--wal-dir=", "-snapshot-count", "0x10"}).run);
  EXPECT_EQ(config_.name, "a");
  EXPECT_EQ(config_.data_dir, "/x");
  EXPECT_EQ(config_.wal_dir, "");
  EXPECT_EQ(config_.snapshot_count, 16u);
}

TEST_F(ConfigTest, BooleansAsGoParsesThem) {
  ASSERT_TRUE(Parse({"--enable-v2"}).run);
  EXPECT_TRUE(config_.enable_v2);
  ASSERT_TRUE(Parse({"--enable-v2=T", "--strict-reconfig-check=0"}).run);
  EXPECT_TRUE(config_.enable_v2);
  EXPECT_FALSE(config_.strict_reconfig_check);
}

TEST_F(ConfigTest, BooleanFollowedByAWordLeavesAPositionalArgument) {
  ParseResult r = Parse({"--enable-v2", "false"});
  EXPECT_FALSE(r.run);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Logged(r, 'E', "error verifying flags, 'false' is not a valid flag. See 'etcd --help'."));
}

TEST_F(ConfigTest, FlagErrorsPrintGosMessageAndUsage) {
  ParseResult r = Parse({"--bogus"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.substr(0, r.err.find('\n')), "flag provided but not defined: -bogus");
  EXPECT_NE(r.err.find("Usage:"), std::string::npos);
  EXPECT_EQ(Parse({"--enable-v2=maybe"}).err.substr(0, 55),
            "invalid boolean value \"maybe\" for -enable-v2: parse err");
  EXPECT_EQ(FirstLine(Parse({"--snapshot-count=abc"}).err),
            "invalid value \"abc\" for flag -snapshot-count: parse error");
  EXPECT_EQ(FirstLine(Parse({"--name"}).err), "flag needs an argument: -name");
  EXPECT_EQ(Parse({"---x"}).err.substr(0, 22), "bad flag syntax: ---x\n");
}

TEST_F(ConfigTest, UrlsAreCheckedAsEtcdDoes) {
  EXPECT_EQ(FirstLine(Parse({"--listen-client-urls=http://foo/x"}).err),
            "invalid value \"http://foo/x\" for flag -listen-client-urls: URL address does not have "
            "the form \"host:port\": http://foo/x");
  EXPECT_NE(Parse({"--listen-peer-urls=ftp://1.2.3.4:1"}).err.find("URL scheme must be http"), std::string::npos);
  EXPECT_NE(Parse({"--listen-peer-urls=http://1.2.3.4:1/p"}).err.find("URL must not contain a path"),
            std::string::npos);
  ParseResult r = Parse({"--listen-client-urls=http://example.com:1", "--advertise-client-urls=http://a:1"});
  EXPECT_TRUE(Logged(r, 'E', "expected IP in URL for binding (http://example.com:1)"));
}

TEST_F(ConfigTest, ListenClientUrlsNeedAdvertiseClientUrls) {
  ParseResult r = Parse({"--listen-client-urls", "http://127.0.0.1:2379"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Logged(r, 'E', "--advertise-client-urls is required when --listen-client-urls is set explicitly"));
  ASSERT_TRUE(Parse({"--listen-client-urls", "http://127.0.0.1:2,http://127.0.0.1:1",
                     "--advertise-client-urls", "http://127.0.0.1:1"}).run);
  EXPECT_EQ(config_.listen_client_urls,
            (std::vector<std::string>{"http://127.0.0.1:1", "http://127.0.0.1:2"}));
}

TEST_F(ConfigTest, ElectionTimeoutMustBeFiveHeartbeats) {
  ParseResult r = Parse({"--heartbeat-interval", "300", "--election-timeout", "1000"});
  EXPECT_TRUE(Logged(r, 'E', "--election-timeout[1000ms] should be at least as 5 times as --heartbeat-interval[300ms]"));
}

TEST_F(ConfigTest, HelpAndVersion) {
  ParseResult h = Parse({"--help"});
  EXPECT_FALSE(h.run);
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.out.find("  --data-dir '${name}.etcd'\n    Path to the data directory.\n"), std::string::npos);
  EXPECT_NE(h.err.find("Usage:"), std::string::npos);
  ParseResult v = Parse({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out.substr(0, 21), "etcd Version: 3.4.23\n");
}

TEST_F(ConfigTest, EnvironmentVariablesSetFlags) {
  ParseResult r = Parse({}, {"ETCD_NAME=envname", "ETCD_ENABLE_V2=true", "PATH=/bin"});
  ASSERT_TRUE(r.run);
  EXPECT_EQ(config_.name, "envname");
  EXPECT_TRUE(config_.enable_v2);
  EXPECT_TRUE(Logged(r, 'I', "recognized and used environment variable ETCD_NAME=envname"));
}

TEST_F(ConfigTest, AFlagShadowsItsVariableWithAWarning) {
  ParseResult r = Parse({"--name", "flag"}, {"ETCD_NAME=env"});
  ASSERT_TRUE(r.run);
  EXPECT_EQ(config_.name, "flag");
  EXPECT_TRUE(Logged(r, 'W', "conflicting environment variable \"ETCD_NAME\" is shadowed"));
}

TEST_F(ConfigTest, UnknownVariableWarns) {
  ParseResult r = Parse({}, {"ETCD_NO_SUCH_FLAG=1", "ETCDCTL_API=2"});
  ASSERT_TRUE(r.run);
  EXPECT_TRUE(Logged(r, 'W', "unrecognized environment variable ETCD_NO_SUCH_FLAG=1"));
  EXPECT_FALSE(Logged(r, 'W', "ETCDCTL_API"));
}

TEST_F(ConfigTest, BadVariableValueRefuses) {
  ParseResult r = Parse({}, {"ETCD_SNAPSHOT_COUNT=lots"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Logged(r, 'E', "invalid value \"lots\" for ETCD_SNAPSHOT_COUNT: parse error"));
}

TEST_F(ConfigTest, ListenClientUrlsFromTheEnvironmentAlsoNeedAdvertise) {
  ParseResult r = Parse({}, {"ETCD_LISTEN_CLIENT_URLS=http://127.0.0.1:1"});
  EXPECT_EQ(r.exit_code, 1);
}

TEST_F(ConfigTest, ConfigFileInEtcdsYaml) {
  const std::string path = ConfigFile(
      "name: 'infra0'\n"
      "data-dir: /var/lib/etcd\n"
      "snapshot-count: 5000\n"
      "listen-client-urls: http://127.0.0.1:2379,http://127.0.0.1:4001\n"
      "advertise-client-urls: http://127.0.0.1:2379\n"
      "enable-v2: true\n"
      "log-outputs: [stdout]\n"
      "proxy: 'off'\n"
      "client-transport-security:\n"
      "  cert-file: /c.pem\n"
      "  client-cert-auth: true\n"
      "peer-transport-security:\n"
      "  key-file: /k.pem\n");
  ParseResult r = Parse({"--config-file", path});
  ASSERT_TRUE(r.run);
  EXPECT_EQ(config_.name, "infra0");
  EXPECT_EQ(config_.data_dir, "/var/lib/etcd");
  EXPECT_EQ(config_.snapshot_count, 5000u);
  EXPECT_EQ(config_.listen_client_urls.size(), 2u);
  EXPECT_TRUE(config_.enable_v2);
  EXPECT_EQ(config_.log_outputs, std::vector<std::string>{"stdout"});
  EXPECT_EQ(config_.client_tls.cert_file, "/c.pem");
  EXPECT_TRUE(config_.client_tls.client_cert_auth);
  EXPECT_EQ(config_.peer_tls.key_file, "/k.pem");
  EXPECT_TRUE(Logged(r, 'I', "Loading server configuration from"));
}

TEST_F(ConfigTest, ConfigFileReplacesFlagsAndVariables) {
  const std::string path = ConfigFile("name: fromfile\n");
  ParseResult r = Parse({"--name", "fromflag"}, {"ETCD_CONFIG_FILE=" + path, "ETCD_SNAPSHOT_COUNT=7"});
  ASSERT_TRUE(r.run);
  EXPECT_EQ(config_.name, "fromfile");
  EXPECT_EQ(config_.snapshot_count, 100000u);
  EXPECT_TRUE(Logged(r, 'I', "Other configuration command line flags and environment variables will be ignored"));
}

TEST_F(ConfigTest, BrokenConfigFileRefuses) {
  EXPECT_EQ(Parse({"--config-file", ConfigFile("name: [unclosed\n")}).exit_code, 1);
  EXPECT_EQ(Parse({"--config-file", ConfigFile("snapshot-count: many\n")}).exit_code, 1);
  EXPECT_EQ(Parse({"--config-file", "/nonexistent/arbor.yml"}).exit_code, 1);
}

// Found by config_fuzz: a YAML mapping key that is itself a mapping or a sequence (`? ...`
// complex keys) is refused with a reason, at the top level and under *-transport-security,
// rather than escaping as an exception.
TEST_F(ConfigTest, NonScalarYamlKeysRefuse) {
  for (const char* yaml : {"? {a: 1}\n: x\n", "? [a, b]\n: x\n",
                           "client-transport-security:\n  ? [cert-file]\n  : /x\n",
                           "peer-transport-security:\n  ? {k: v}\n  : true\n"}) {
    ParseResult r;
    ASSERT_NO_THROW(r = Parse({"--config-file", ConfigFile(yaml)})) << yaml;
    EXPECT_EQ(r.exit_code, 1) << yaml;
    EXPECT_FALSE(r.run) << yaml;
    EXPECT_TRUE(Logged(r, 'E', "not a string")) << yaml;
  }
}

TEST_F(ConfigTest, IgnoredFlagsWarnOnce) {
  ParseResult r = Parse({"--quota-backend-bytes=8589934592", "--auth-token", "jwt", "--debug", "--force-new-cluster",
                         "--experimental-initial-corrupt-check", "--enable-pprof"});
  ASSERT_TRUE(r.run);
  EXPECT_TRUE(Logged(r, 'W', "--quota-backend-bytes is ignored: concerns only etcd's v3 API"));
  EXPECT_TRUE(Logged(r, 'W', "--auth-token is ignored"));
  EXPECT_TRUE(Logged(r, 'W', "--debug is ignored"));
  EXPECT_TRUE(Logged(r, 'W', "--experimental-initial-corrupt-check is ignored"));
  EXPECT_TRUE(Logged(r, 'W', "--enable-pprof is ignored"));
  EXPECT_FALSE(Logged(r, 'W', "--force-new-cluster"));  // Honoured now: no warning.
  EXPECT_TRUE(config_.force_new_cluster);
}

TEST_F(ConfigTest, LegacyFlagsAreIgnoredAsEtcdDoes) {
  ParseResult r = Parse({"-v", "--peer-heartbeat-interval"});
  ASSERT_TRUE(r.run);
  EXPECT_TRUE(Logged(r, 'W', "flag \"-v\" is no longer supported - ignoring."));
}

TEST_F(ConfigTest, ProxyModeRefusesToStart) {
  ParseResult r = Parse({"--proxy", "on"});
  EXPECT_FALSE(r.run);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Logged(r, 'C', "--proxy=on is not supported"));
  EXPECT_TRUE(Parse({"--proxy=off"}).run);
  EXPECT_EQ(Parse({"--proxy=maybe"}).exit_code, 2);
}

TEST_F(ConfigTest, DiscoveryRefusesToStart) {
  ParseResult r = Parse({"--discovery", "https://discovery.etcd.io/x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Logged(r, 'C', "discovery"));
}

TEST_F(ConfigTest, DurationsAsGoParsesThem) {
  EXPECT_TRUE(Parse({"--grpc-keepalive-interval=1h2m3.5s"}).run);
  EXPECT_TRUE(Parse({"--backend-batch-interval=0"}).run);
  EXPECT_EQ(Parse({"--backend-batch-interval=5"}).exit_code, 2);
}

TEST_F(ConfigTest, PinWritePathTakesAutoOnOrOff) {
  ASSERT_TRUE(Parse({}).run);
  EXPECT_EQ(config_.pin_write_path, "auto");
  ASSERT_TRUE(Parse({"--pin-write-path=off"}).run);
  EXPECT_EQ(config_.pin_write_path, "off");
  ASSERT_TRUE(Parse({"--pin-write-path", "on"}).run);
  EXPECT_EQ(config_.pin_write_path, "on");
  ParseResult bad = Parse({"--pin-write-path=always"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(FirstLine(bad.err), "invalid value \"always\" for flag -pin-write-path: invalid value");
}

TEST_F(ConfigTest, EveryHelpFlagIsInTheTable) {
  ParseResult h = Parse({"-h"});
  size_t pos = 0;
  int n = 0;
  while ((pos = h.out.find("\n  --", pos)) != std::string::npos) {
    pos += 5;
    std::string name = h.out.substr(pos, h.out.find_first_of(" \n", pos) - pos);
    bool found = false;
    for (const FlagSpec& f : all_flags()) found = found || name == f.name;
    EXPECT_TRUE(found) << name;
    ++n;
  }
  EXPECT_EQ(n, 81 + 5);  // etcd 3.4's 81, and arbor's --io-threads, --pin-write-path and three HTTP limits.
}

}  // namespace
}  // namespace arbor::server

namespace arbor::server {
namespace {

TEST(FlagsDocTest, DocsFlagsPageNamesEveryFlag) {
  std::ifstream in("docs/flags.md");
  if (!in) GTEST_SKIP() << "run from the source tree (ctest does)";
  std::stringstream ss;
  ss << in.rdbuf();
  for (const FlagSpec& f : all_flags())
    EXPECT_NE(ss.str().find("| `--" + std::string(f.name) + "` |"), std::string::npos) << f.name;
}

}  // namespace
}  // namespace arbor::server
