// Log lines in etcd 3.4's two shapes, the outputs and levels, and systemd's readiness datagram.

#include "util/log.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "util/notify.h"

namespace arbor::util {
namespace {

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char path[] = "/tmp/arbor_log_test_XXXXXX";
    close(mkstemp(path));
    path_ = path;
  }
  void TearDown() override {
    EXPECT_EQ(configure_logging(LogConfig{}), "");
    std::remove(path_.c_str());
  }
  void Configure(LogFormat format, LogLevel level = LogLevel::kInfo) {
    ASSERT_EQ(configure_logging(LogConfig{format, level, {path_}}), "");
  }
  std::string Written() {
    std::ifstream in(path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::string path_;
};

TEST_F(LogTest, CapnslogLineHasEtcdsShape) {
  Configure(LogFormat::kCapnslog);
  LOG_EVENT(kInfo, "embed", "ready to serve client requests", "ignored in capnslog");
  EXPECT_TRUE(std::regex_match(
      Written(), std::regex(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} I \| embed: ready to serve client requests\n)")))
      << Written();
}

TEST_F(LogTest, NoticeIsN) {
  Configure(LogFormat::kCapnslog);
  LOG_NOTICE("etcdserver/membership", "set the initial cluster version to %s", "3.4");
  EXPECT_NE(Written().find(" N | etcdserver/membership: set the initial cluster version to 3.4\n"),
            std::string::npos);
}

TEST_F(LogTest, ZapLineIsJsonWithLevelTsCallerMsgAndFields) {
  Configure(LogFormat::kZap);
  LOG_EVENT(kNotice, "etcdserver/membership", "set the initial cluster version to 3.4",
            "set initial cluster version", str_field("cluster-id", "cdf818194e3a8c32"),
            num_field("n", 3), strs_field("urls", {"http://a:1"}));
  EXPECT_TRUE(std::regex_match(
      Written(),
      std::regex(R"(\{"level":"info","ts":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","caller":"util/log_test\.cc:\d+",)"
                 R"("msg":"set initial cluster version","cluster-id":"cdf818194e3a8c32","n":3,"urls":\["http://a:1"\]\}\n)")))
      << Written();
}

TEST_F(LogTest, ZapEscapesTheMessage) {
  Configure(LogFormat::kZap);
  LOG_WARN("x", "a \"quoted\"\tline");
  EXPECT_NE(Written().find(R"("level":"warn")"), std::string::npos);
  EXPECT_NE(Written().find(R"("msg":"a \"quoted\"\tline")"), std::string::npos);
}

TEST_F(LogTest, LevelFiltersLines) {
  Configure(LogFormat::kCapnslog, LogLevel::kWarn);
  LOG_INFO("x", "hidden");
  LOG_NOTICE("x", "hidden too");
  LOG_ERROR("x", "shown");
  EXPECT_EQ(Written().find("hidden"), std::string::npos);
  EXPECT_NE(Written().find(" E | x: shown"), std::string::npos);
}

TEST_F(LogTest, UnopenableOutputIsAnError) {
  EXPECT_NE(configure_logging(LogConfig{LogFormat::kCapnslog, LogLevel::kInfo, {"/nonexistent/dir/log"}}), "");
}

TEST_F(LogTest, LogLevelWords) {
  LogLevel l;
  EXPECT_TRUE(parse_log_level("debug", &l));
  EXPECT_EQ(l, LogLevel::kDebug);
  EXPECT_TRUE(parse_log_level("fatal", &l));
  EXPECT_FALSE(parse_log_level("verbose", &l));
}

TEST(NotifyTest, SendsReadyToTheNotifySocket) {
  const std::string path = "/tmp/arbor_notify_test_" + std::to_string(getpid());
  unlink(path.c_str());
  int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  setenv("NOTIFY_SOCKET", path.c_str(), 1);
  EXPECT_EQ(sd_notify("READY=1"), "");
  char buf[64] = {};
  EXPECT_EQ(recv(fd, buf, sizeof buf, MSG_DONTWAIT), 7);
  EXPECT_STREQ(buf, "READY=1");
  unsetenv("NOTIFY_SOCKET");
  EXPECT_EQ(sd_notify("READY=1"), "");  // Not under systemd: nothing to do.
  close(fd);
  unlink(path.c_str());
}

TEST(NotifyTest, MissingSocketIsAnError) {
  setenv("NOTIFY_SOCKET", "/nonexistent/notify.sock", 1);
  EXPECT_NE(sd_notify("READY=1"), "");
  unsetenv("NOTIFY_SOCKET");
}

}  // namespace
}  // namespace arbor::util
