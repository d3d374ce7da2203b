// bin/arbor as a drop-in for etcd 3.4: the log milestones in both of etcd's shapes, systemd's
// READY=1, flags from ETCD_* variables and a YAML file, /metrics on --listen-metrics-urls, each
// startup error as one line and a non-zero exit, and docs/etcd.service's flags.

#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "integration/harness.h"

namespace {

using arbor::testing::FreePort;
using arbor::testing::WaitFor;
using namespace std::chrono_literals;

class DropInTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access("bin/arbor", X_OK) != 0) GTEST_SKIP() << "bin/arbor not built";
    char dir[] = "/tmp/arbor-dropin-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    port_ = FreePort();
    client_ = "http://127.0.0.1:" + std::to_string(port_);
    peer_ = "http://127.0.0.1:" + std::to_string(FreePort());
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  // The usual single-member flags on this test's ports and directory.
  std::vector<std::string> MemberFlags() {
    return {"--name", "m1", "--data-dir", dir_ + "/data", "--listen-client-urls", client_,
            "--advertise-client-urls", client_, "--listen-peer-urls", peer_,
            "--initial-advertise-peer-urls", peer_, "--initial-cluster", "m1=" + peer_};
  }
  // Starts bin/arbor with `args` and exactly the variables `env`; stdout and stderr go to
  // <dir>/out.log.
  // With `stdout_only`, stderr goes to /dev/null.
  void Start(std::vector<std::string> args, std::vector<std::string> env = {},
             std::string binary = "bin/arbor", bool stdout_only = false) {
    args.insert(args.begin(), binary);
    const std::string log = dir_ + "/out.log";
    pid_ = fork();
    if (pid_ == 0) {
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(fd, 1);
      dup2(stdout_only ? open("/dev/null", O_WRONLY) : fd, 2);
      std::vector<char*> argv, envp;
      for (auto& a : args) argv.push_back(a.data());
      for (auto& e : env) envp.push_back(e.data());
      argv.push_back(nullptr);
      envp.push_back(nullptr);
      execve(binary.c_str(), argv.data(), envp.data());
      _exit(127);
    }
  }
  // Waits for the process to exit (at most 10 s); its exit code, or -1.
  int ExitCode() {
    int status = 0;
    const bool done = WaitFor([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, 10s);
    if (!done) return -1;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::string Output() {
    std::ifstream in(dir_ + "/out.log");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  bool WaitForOutput(const std::string& needle) {
    return WaitFor([&] { return Output().find(needle) != std::string::npos; }, 10s);
  }
  std::vector<std::string> Lines() {
    std::vector<std::string> out;
    std::stringstream ss(Output());
    for (std::string l; std::getline(ss, l);) out.push_back(l);
    return out;
  }
  // The index of the first line matching `re`, or -1.
  int LineMatching(const std::string& re) {
    const std::vector<std::string> lines = Lines();
    for (size_t i = 0; i < lines.size(); ++i)
      if (std::regex_match(lines[i], std::regex(re))) return static_cast<int>(i);
    return -1;
  }
  // A unix datagram socket bound at `path`, standing in for systemd's notify socket.
  static int NotifySocket(const std::string& path) {
    unlink(path.c_str());
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    return bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 ? fd : -1;
  }
  void Stop() {
    kill(pid_, SIGTERM);
    EXPECT_EQ(ExitCode(), 0);
  }

  std::string dir_, client_, peer_;
  int port_ = 0;
  pid_t pid_ = -1;
};

constexpr const char* kStamp = R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} )";

TEST_F(DropInTest, CapnslogMilestonesInEtcdsOrderAndShape) {
  Start(MemberFlags());
  ASSERT_TRUE(WaitForOutput("ready to serve client requests")) << Output();
  const std::string s = kStamp;
  EXPECT_EQ(Lines()[0], "[WARNING] Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead");
  const int published = LineMatching(
      s + R"(I \| etcdserver: published \{Name:m1 ClientURLs:\[)" + client_ + R"(\]\} to cluster [0-9a-f]+)");
  const int version = LineMatching(s + R"(N \| etcdserver/membership: set the initial cluster version to 3\.4)");
  const int caps = LineMatching(s + R"(I \| etcdserver/api: enabled capabilities for version 3\.4)");
  const int ready = LineMatching(s + R"(I \| embed: ready to serve client requests)");
  EXPECT_GE(published, 0) << Output();
  EXPECT_LT(published, version);
  EXPECT_LT(version, caps);
  EXPECT_LT(caps, ready);
  // Ready means ready: the client port answers.
  httplib::Client cli("127.0.0.1", port_);
  auto r = cli.Get("/v2/keys/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  Stop();
  EXPECT_GE(LineMatching(s + R"(N \| pkg/osutil: received terminated signal, shutting down\.\.\.)"), 0);
}

TEST_F(DropInTest, ZapMilestonesAreJsonLines) {
  std::vector<std::string> flags = MemberFlags();
  flags.insert(flags.end(), {"--logger", "zap"});
  Start(flags);
  ASSERT_TRUE(WaitForOutput("serving client traffic insecurely")) << Output();
  std::vector<std::string> msgs;
  for (const std::string& line : Lines()) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    ASSERT_TRUE(j.contains("level") && j.contains("ts") && j.contains("caller") && j.contains("msg")) << line;
    msgs.push_back(j["msg"]);
    if (j["msg"] == "published local member to cluster through raft") {
      EXPECT_EQ(j["local-member-attributes"], "{Name:m1 ClientURLs:[" + client_ + "]}");
      EXPECT_TRUE(j.contains("cluster-id"));
    }
    if (j["msg"] == "set initial cluster version") EXPECT_EQ(j["cluster-version"], "3.4");
  }
  auto at = [&](const std::string& m) {
    return std::find(msgs.begin(), msgs.end(), m) - msgs.begin();
  };
  const auto n = static_cast<long>(msgs.size());
  EXPECT_LT(at("published local member to cluster through raft"), n);
  EXPECT_LT(at("published local member to cluster through raft"), at("set initial cluster version"));
  EXPECT_LT(at("set initial cluster version"), at("enabled capabilities for version"));
  EXPECT_LT(at("enabled capabilities for version"), at("cluster version is updated"));
  EXPECT_LT(at("cluster version is updated"), n);
}

TEST_F(DropInTest, LogOutputsToAFile) {
  std::vector<std::string> flags = MemberFlags();
  const std::string file = dir_ + "/arbor.log";
  flags.insert(flags.end(), {"--log-outputs", file});
  Start(flags);
  ASSERT_TRUE(WaitFor([&] {
    std::ifstream in(file);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str().find("ready to serve client requests") != std::string::npos;
  }, 10s));
  EXPECT_EQ(Output().find("ready to serve"), std::string::npos);
}

TEST_F(DropInTest, NotifiesSystemdOnceReady) {
  const std::string sock = dir_ + "/notify.sock";
  const int fd = NotifySocket(sock);
  ASSERT_GE(fd, 0);
  Start(MemberFlags(), {"NOTIFY_SOCKET=" + sock});
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 10000), 1) << Output();
  char buf[64] = {};
  EXPECT_EQ(recv(fd, buf, sizeof buf, 0), 7);
  EXPECT_STREQ(buf, "READY=1");
  // READY=1 comes after the ready line and with the port answering.
  EXPECT_NE(Output().find("ready to serve client requests"), std::string::npos);
  httplib::Client cli("127.0.0.1", port_);
  auto r = cli.Get("/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  close(fd);
}

TEST_F(DropInTest, EnvironmentVariablesConfigureTheMember) {
  Start({}, {"ETCD_NAME=envname", "ETCD_DATA_DIR=" + dir_ + "/env", "ETCD_LISTEN_CLIENT_URLS=" + client_,
             "ETCD_ADVERTISE_CLIENT_URLS=" + client_, "ETCD_INITIAL_ADVERTISE_PEER_URLS=" + peer_,
             "ETCD_LISTEN_PEER_URLS=" + peer_, "ETCD_ENABLE_V2=true", "ETCD_UNKNOWN_THING=1"});
  ASSERT_TRUE(WaitForOutput("ready to serve client requests")) << Output();
  EXPECT_NE(Output().find("W | pkg/flags: unrecognized environment variable ETCD_UNKNOWN_THING=1"), std::string::npos);
  httplib::Client cli("127.0.0.1", port_);
  auto r = cli.Get("/v2/members");
  ASSERT_TRUE(r);
  EXPECT_NE(r->body.find("\"name\":\"envname\""), std::string::npos) << r->body;
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/env/member/wal"));
}

TEST_F(DropInTest, ConfigFileWinsOverFlagsAndVariables) {
  const std::string yaml = dir_ + "/etcd.conf.yml";
  std::ofstream(yaml) << "name: fromfile\n"
                      << "data-dir: " << dir_ << "/file\n"
                      << "listen-client-urls: " << client_ << "\n"
                      << "advertise-client-urls: " << client_ << "\n"
                      << "initial-advertise-peer-urls: " << peer_ << "\n"
                      << "listen-peer-urls: " << peer_ << "\n"
                      << "enable-v2: true\n";
  Start({"--name", "fromflag"}, {"ETCD_CONFIG_FILE=" + yaml, "ETCD_NAME=fromenv"});
  ASSERT_TRUE(WaitForOutput("ready to serve client requests")) << Output();
  EXPECT_NE(Output().find("Other configuration command line flags and environment variables will be ignored"),
            std::string::npos);
  httplib::Client cli("127.0.0.1", port_);
  auto r = cli.Get("/v2/members");
  ASSERT_TRUE(r);
  EXPECT_NE(r->body.find("\"name\":\"fromfile\""), std::string::npos) << r->body;
}

TEST_F(DropInTest, MetricsListenerServesMetricsAndHealthOnly) {
  const int mport = FreePort();
  std::vector<std::string> flags = MemberFlags();
  flags.insert(flags.end(), {"--listen-metrics-urls", "http://127.0.0.1:" + std::to_string(mport)});
  Start(flags);
  ASSERT_TRUE(WaitForOutput("ready to serve client requests")) << Output();
  httplib::Client m("127.0.0.1", mport);
  auto metrics = m.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  for (const char* name : {"\netcd_server_has_leader 1\n", "\netcd_debugging_store_watchers 0\n",
                           "\netcd_disk_wal_fsync_duration_seconds_count ", "\nprocess_resident_memory_bytes ",
                           "\narbor_store_history_span ", "\narbor_watchers_parked 0\n"})
    EXPECT_NE(metrics->body.find(name), std::string::npos) << name;
  EXPECT_EQ(m.Get("/health")->status, 200);
  EXPECT_EQ(m.Get("/v2/keys/")->status, 404);
  // etcd's v2 request metrics count what the client port served.
  httplib::Client keys("127.0.0.1", port_);
  ASSERT_EQ(keys.Put("/v2/keys/m", "value=1", "application/x-www-form-urlencoded")->status, 201);
  EXPECT_EQ(keys.Get("/v2/keys/missing")->status, 404);
  const std::string after = m.Get("/metrics")->body;
  EXPECT_NE(after.find("\netcd_http_received_total{method=\"PUT\"} 1\n"), std::string::npos) << after;
  EXPECT_NE(after.find("\netcd_http_failed_total{code=\"404\",method=\"GET\"} 1\n"), std::string::npos);
  EXPECT_NE(after.find("\netcd_http_successful_duration_seconds_count{method=\"PUT\"} 1\n"), std::string::npos);
  httplib::Client c("127.0.0.1", port_);
  EXPECT_EQ(c.Get("/metrics")->status, 200);  // The client port serves it too, as etcd's does.
}

// Each startup error: one line, exit code as etcd's.
TEST_F(DropInTest, UnknownFlagExitsTwo) {
  Start({"--no-such-flag"});
  EXPECT_EQ(ExitCode(), 2);
  EXPECT_EQ(Lines().at(0), "flag provided but not defined: -no-such-flag");
}

TEST_F(DropInTest, PortInUseExitsOne) {
  int busy = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port_));
  ASSERT_EQ(bind(busy, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  listen(busy, 1);
  Start(MemberFlags());
  EXPECT_EQ(ExitCode(), 1);
  EXPECT_GE(LineMatching(std::string(kStamp) + "C \\| etcdmain: listen " + client_ + ": .*in use"), 0) << Output();
  close(busy);
}

TEST_F(DropInTest, UnusableDataDirExitsOne) {
  std::ofstream(dir_ + "/file") << "x";
  std::vector<std::string> flags = MemberFlags();
  flags[3] = dir_ + "/file/data";  // Below a regular file: mkdir fails whoever runs the test.
  Start(flags);
  EXPECT_EQ(ExitCode(), 1);
  EXPECT_GE(LineMatching(std::string(kStamp) + "C \\| etcdmain: cannot access data directory: .*"), 0) << Output();
}

TEST_F(DropInTest, EtcdDataDirIsRefusedWithTheMigration) {
  std::filesystem::create_directories(dir_ + "/data/member/snap");
  std::string page(4096, '\0');
  page[16] = '\xED', page[17] = '\xDA', page[18] = '\x0C', page[19] = '\xED';
  std::ofstream(dir_ + "/data/member/snap/db", std::ios::binary) << page;
  Start(MemberFlags());
  EXPECT_EQ(ExitCode(), 1);
  const int line = LineMatching(std::string(kStamp) + "C \\| etcdmain: data directory .* was written by etcd .*arborctl import.*");
  EXPECT_GE(line, 0) << Output();
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/data/member/wal"));  // Nothing written there.
}

TEST_F(DropInTest, ProxyModeExitsOne) {
  Start({"--proxy", "readonly"});
  EXPECT_EQ(ExitCode(), 1);
  EXPECT_NE(Output().find("C | etcdmain: --proxy=readonly is not supported"), std::string::npos);
}

TEST_F(DropInTest, VersionAndHelpInEtcdsShape) {
  Start({"--version"});
  EXPECT_EQ(ExitCode(), 0);
  EXPECT_EQ(Lines().at(0), "etcd Version: 3.4.23");
  Start({"-h"});
  EXPECT_EQ(ExitCode(), 0);
  EXPECT_NE(Output().find("  --initial-cluster-token 'etcd-cluster'\n"), std::string::npos);
}

// docs/etcd.service: its Environment= lines and ExecStart's flags, on this test's ports.
TEST_F(DropInTest, SystemdUnitFlagsAreAccepted) {
  std::ifstream in("docs/etcd.service");
  ASSERT_TRUE(in) << "docs/etcd.service";
  std::vector<std::string> env, args;
  std::string unit, line;
  while (std::getline(in, line)) {
    while (!line.empty() && line.back() == '\\') {  // systemd's line continuation.
      line.pop_back();
      std::string more;
      if (!std::getline(in, more)) break;
      line += " " + more;
    }
    unit += line + "\n";
  }
  auto localize = [&](std::string s) {  // The unit's ports and directory → this test's.
    s = std::regex_replace(s, std::regex("http://[^,\" ]*:2379"), client_);
    s = std::regex_replace(s, std::regex("http://[^,\" ]*:2380"), peer_);
    s = std::regex_replace(s, std::regex("/var/lib/etcd"), dir_ + "/unit");
    return s;
  };
  std::stringstream ss(unit);
  while (std::getline(ss, line)) {
    std::smatch m;
    if (std::regex_match(line, m, std::regex(R"(Environment=\"?([A-Z0-9_]+=[^\"]*)\"?)"))) {
      env.push_back(localize(m[1]));
    } else if (line.rfind("ExecStart=", 0) == 0) {
      std::stringstream words(localize(line.substr(10)));
      std::string w;
      words >> w;  // The binary.
      while (words >> w) args.push_back(w);
    }
  }
  ASSERT_FALSE(env.empty());
  ASSERT_FALSE(args.empty());
  // etcd itself (when installed) and bin/arbor: each must start, notify READY=1 and serve.
  for (const std::string binary : {"/usr/bin/etcd", "bin/arbor"}) {
    if (access(binary.c_str(), X_OK) != 0) continue;
    SCOPED_TRACE(binary);
    const std::string sock = dir_ + "/notify.sock";
    const int fd = NotifySocket(sock);
    ASSERT_GE(fd, 0);
    std::vector<std::string> e = env;
    e.push_back("NOTIFY_SOCKET=" + sock);
    std::filesystem::remove_all(dir_ + "/unit");
    Start(args, e, binary);
    pollfd p{fd, POLLIN, 0};
    ASSERT_EQ(poll(&p, 1, 15000), 1) << Output();  // Type=notify: READY=1 arrives.
    EXPECT_EQ(Output().find(" E | "), std::string::npos) << Output();
    EXPECT_EQ(Output().find(" C | "), std::string::npos) << Output();
    httplib::Client cli("127.0.0.1", port_);
    auto r = cli.Put("/v2/keys/unit", "value=ok", "application/x-www-form-urlencoded");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 201);
    close(fd);
    kill(pid_, SIGTERM);
    ExitCode();
  }
}

// The same bad command lines given to etcd and to bin/arbor: the same exit code and the same
// first line (Go's flag error, or etcd's "error verifying flags" line without its timestamp).
TEST_F(DropInTest, FlagErrorsMatchEtcd) {
  if (access("/usr/bin/etcd", X_OK) != 0) GTEST_SKIP() << "etcd not installed";
  const std::vector<std::vector<std::string>> cases = {
      {"--bogus"},
      {"--enable-v2=maybe"},
      {"--snapshot-count=abc"},
      {"--name"},
      {"---x"},
      {"--listen-client-urls=http://foo/x"},
      {"--listen-peer-urls", "ftp://127.0.0.1:1"},
      {"--initial-cluster-state=bad"},
      {"--proxy=maybe"},
      {"--max-concurrent-streams=4294967296"},
      {"--enable-v2", "false"},
      {"--listen-client-urls", client_},
      {"--heartbeat-interval", "300", "--election-timeout", "1000"},
  };
  auto first_error = [&]() {
    for (const std::string& l : Lines()) {
      if (l.rfind("[WARNING]", 0) == 0) continue;
      std::smatch m;
      if (std::regex_match(l, m, std::regex(std::string(kStamp) + "([EC]) \\| (.*)"))) return m[1].str() + " " + m[2].str();
      if (std::regex_match(l, std::regex(std::string(kStamp) + ".*"))) continue;  // Info lines.
      return l;
    }
    return std::string();
  };
  for (const auto& args : cases) {
    SCOPED_TRACE(args[0]);
    Start(args, {}, "/usr/bin/etcd");
    const int etcd_rc = ExitCode();
    const std::string etcd_line = first_error();
    Start(args);
    EXPECT_EQ(ExitCode(), etcd_rc);
    EXPECT_EQ(first_error(), etcd_line);
  }
}

TEST_F(DropInTest, HelpAndVersionMatchEtcd) {
  if (access("/usr/bin/etcd", X_OK) != 0) GTEST_SKIP() << "etcd not installed";
  Start({"-h"}, {}, "/usr/bin/etcd", true);
  ASSERT_EQ(ExitCode(), 0);
  const std::string etcd_help = Output();
  Start({"-h"}, {}, "bin/arbor", true);
  ASSERT_EQ(ExitCode(), 0);
  // etcd's flag descriptions, word for word; arbor's usage lines and its own section differ.
  const std::string flags_start = "\nMember:\n";
  const std::string flags_end = "--log-package-levels ''\n";
  auto section = [&](const std::string& text) {
    const size_t a = text.find(flags_start), b = text.find(flags_end);
    return a == std::string::npos || b == std::string::npos ? std::string() : text.substr(a, b - a);
  };
  EXPECT_FALSE(section(etcd_help).empty());
  // The one deliberate difference: PreVote is on by default (docs/flags.md).
  std::string expected = section(etcd_help);
  const std::string etcd_pre_vote = "--pre-vote 'false'";
  ASSERT_NE(expected.find(etcd_pre_vote), std::string::npos);
  expected.replace(expected.find(etcd_pre_vote), etcd_pre_vote.size(), "--pre-vote 'true'");
  EXPECT_EQ(section(Output()), expected);
  Start({"--version"}, {}, "/usr/bin/etcd");
  ASSERT_EQ(ExitCode(), 0);
  const std::string etcd_version = Lines().at(0);
  Start({"--version"});
  ASSERT_EQ(ExitCode(), 0);
  EXPECT_EQ(Lines().at(0), etcd_version);
  EXPECT_EQ(Lines().size(), 4u);
}

TEST_F(DropInTest, HostWhitelistRefusesOtherHostsAsEtcd) {
  std::vector<std::string> flags = MemberFlags();
  flags.insert(flags.end(), {"--host-whitelist", "example.com,localhost"});
  Start(flags);
  ASSERT_TRUE(WaitForOutput("ready to serve client requests")) << Output();
  httplib::Client cli("127.0.0.1", port_);
  auto refused = cli.Get("/v2/keys/");  // Host: 127.0.0.1:<port>
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 421);
  EXPECT_NE(refused->body.find("etcd --host-whitelist \"127.0.0.1\""), std::string::npos) << refused->body;
  auto allowed = cli.Get("/v2/keys/", {{"Host", "example.com:2379"}});
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 200);
  EXPECT_TRUE(WaitForOutput("W | embed: rejecting HTTP request from \"127.0.0.1\" to prevent DNS rebinding attacks"));
}

}  // namespace
