// Runs bin/arborctl against a live server on a loopback port and checks exact output and exit
// codes. The server is bin/arbor when it is built, else the real etcd (/usr/bin/etcd
// --enable-v2); ARBORCTL_TEST_SERVER=etcd|arbor forces one. Each test names the server it ran.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "testutil/free_port.h"

namespace {

using Clock = std::chrono::steady_clock;

using arbor::testutil::FreePort;

struct Outcome {
  int rc = -1;
  std::string out, err;
};

// Runs `argv` with `env` added, feeding `input` on stdin; kills it after `timeout`.
Outcome Exec(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
             const std::string& input = "",
             std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  int in[2], out[2], err[2];
  if (pipe(in) != 0 || pipe(out) != 0 || pipe(err) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
    for (const std::string& e : env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  if (!input.empty()) {
    ssize_t w = write(in[1], input.data(), input.size());
    (void)w;
  }
  close(in[1]);
  Outcome o;
  const auto deadline = Clock::now() + timeout;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_fds = 2;
  while (open_fds > 0 && Clock::now() < deadline) {
    if (poll(fds, 2, 50) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      char buf[4096];
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? o.out : o.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  if (open_fds > 0) kill(pid, SIGKILL);
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);
  int status = 0;
  waitpid(pid, &status, 0);
  o.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

// Polls `cond` every 50 ms until it holds or `timeout` passes.
bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return cond();
}

// One server process on free loopback ports, killed (only it) when destroyed.
class Server {
 public:
  // With `tls` (a directory holding ca.pem, server.pem, server.key) the real etcd serves https
  // and requires client certificates.
  // With `data_dir`, bin/arbor starts on that directory (kept afterwards).
  explicit Server(const std::string& tls = "", const std::string& data_dir = "") {
    const char* forced = std::getenv("ARBORCTL_TEST_SERVER");
    const std::string want = forced ? forced : "";
    if (!tls.empty()) {
      if (access("/usr/bin/etcd", X_OK) != 0) return;
      kind_ = "etcd";
    } else if (want == "arbor" || (want.empty() && access("bin/arbor", X_OK) == 0)) {
      kind_ = "bin/arbor";
    } else if (access("/usr/bin/etcd", X_OK) == 0) {
      kind_ = "etcd";
    } else {
      return;
    }
    const int cport = FreePort(), pport = FreePort();
    url_ = (tls.empty() ? "http://127.0.0.1:" : "https://127.0.0.1:") + std::to_string(cport);
    const std::string peer = "http://127.0.0.1:" + std::to_string(pport);
    char tmpl[] = "/tmp/arborctl-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    data_dir_ = data_dir.empty() ? dir_ + "/data" : data_dir;
    std::vector<std::string> argv = {kind_ == "etcd" ? "/usr/bin/etcd" : "bin/arbor",
                                     "--name",
                                     "default",
                                     "--data-dir",
                                     data_dir_,
                                     "--listen-client-urls",
                                     url_,
                                     "--advertise-client-urls",
                                     url_,
                                     "--listen-peer-urls",
                                     peer,
                                     "--initial-advertise-peer-urls",
                                     peer,
                                     "--initial-cluster",
                                     "default=" + peer,
                                     "--log-level",
                                     "error"};
    if (kind_ == "etcd") argv.push_back("--enable-v2=true");
    if (!tls.empty()) {
      argv.insert(argv.end(),
                  {"--cert-file", tls + "/server.pem", "--key-file", tls + "/server.key",
                   "--trusted-ca-file", tls + "/ca.pem", "--client-cert-auth"});
      ready_args_ = {"--ca-file",         tls + "/ca.pem", "--cert-file",
                     tls + "/client.pem", "--key-file",    tls + "/client.key"};
    }
    pid_ = fork();
    if (pid_ == 0) {
      const int null = open("/dev/null", O_WRONLY);
      dup2(null, 1);
      dup2(null, 2);
      std::vector<char*> args;
      for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    std::vector<std::string> probe = {"bin/arborctl", "--no-sync", "--endpoints", url_};
    probe.insert(probe.end(), ready_args_.begin(), ready_args_.end());
    probe.insert(probe.end(), {"ls", "/"});
    ready_ = WaitFor([&] { return Exec(probe).rc == 0; }, std::chrono::seconds(15));
  }
  ~Server() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (!dir_.empty()) std::system(("rm -rf " + dir_).c_str());
  }
  bool ready() const { return ready_; }
  const std::string& url() const { return url_; }
  const std::string& kind() const { return kind_; }
  const std::string& data_dir() const { return data_dir_; }

 private:
  std::string kind_, url_, dir_, data_dir_;
  std::vector<std::string> ready_args_;  // TLS flags for the readiness probe.
  pid_t pid_ = -1;
  bool ready_ = false;
};

class ArborctlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new Server(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    if (access("bin/arborctl", X_OK) != 0) GTEST_SKIP() << "bin/arborctl not built";
    if (!server_->ready()) GTEST_SKIP() << "no server could be started";
    RecordProperty("server", server_->kind());
    std::cerr << "[ server   ] " << server_->kind() << " at " << server_->url() << "\n";
    prefix_ = "/" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }

  // Runs bin/arborctl --endpoints <server> args...
  Outcome Ctl(std::vector<std::string> args, const std::vector<std::string>& env = {},
              const std::string& input = "") {
    args.insert(args.begin(), {"bin/arborctl", "--endpoints", server_->url()});
    return Exec(args, env, input);
  }
  // The Modified-Index of `key`, read through `-o extended get`.
  uint64_t ModifiedIndex(const std::string& key) {
    const Outcome o = Ctl({"-o", "extended", "get", key});
    std::smatch m;
    if (!std::regex_search(o.out, m, std::regex("Modified-Index: (\\d+)"))) return 0;
    return std::stoull(m[1]);
  }
  std::string K(const std::string& rel) { return prefix_ + rel; }

  static Server* server_;
  std::string prefix_;  // Unique per test: the test's name.
};

Server* ArborctlTest::server_ = nullptr;

void ExpectOutcome(const Outcome& o, int rc, const std::string& out, const std::string& err = "") {
  EXPECT_EQ(o.rc, rc) << o.out << o.err;
  EXPECT_EQ(o.out, out);
  EXPECT_EQ(o.err, err);
}

TEST_F(ArborctlTest, SetAndGetPrintTheValue) {
  ExpectOutcome(Ctl({"set", K("/a"), "v1"}), 0, "v1\n");
  ExpectOutcome(Ctl({"get", K("/a")}), 0, "v1\n");
}

TEST_F(ArborctlTest, ValueFromStdin) {
  ExpectOutcome(Ctl({"set", K("/in")}, {}, "from stdin"), 0, "from stdin\n");
  ExpectOutcome(Ctl({"set", K("/in2")}), 1, "", "Error:  value required\n");
}

TEST_F(ArborctlTest, MissingKeyIsExitCodeFourWithTheClusterIndex) {
  Ctl({"set", K("/x"), "x"});  // The cause names the first missing path component.
  const Outcome o = Ctl({"get", K("/nope")});
  EXPECT_EQ(o.rc, 4);
  EXPECT_TRUE(std::regex_match(
      o.err, std::regex("Error:  100: Key not found \\(" + K("/nope") + "\\) \\[\\d+\\]\n")))
      << o.err;
  EXPECT_EQ(o.out, "");
}

TEST_F(ArborctlTest, ExtendedOutputShowsIndexesAndTtl) {
  Ctl({"set", "--ttl", "100", K("/e"), "x"});
  const uint64_t idx = ModifiedIndex(K("/e"));
  const Outcome o = Ctl({"-o", "extended", "get", K("/e")});
  EXPECT_EQ(o.rc, 0);
  EXPECT_TRUE(std::regex_match(
      o.out, std::regex("Key: " + K("/e") + "\nCreated-Index: " + std::to_string(idx) +
                        "\nModified-Index: " + std::to_string(idx) +
                        "\nTTL: (99|100)\nIndex: \\d+\n\nx\n")))
      << o.out;
}

TEST_F(ArborctlTest, JsonOutputIsGosEncoding) {
  Ctl({"set", K("/j"), "a<b"});
  const uint64_t idx = ModifiedIndex(K("/j"));
  const std::string i = std::to_string(idx);
  ExpectOutcome(Ctl({"-o", "json", "get", K("/j")}), 0,
                R"({"action":"get","node":{"key":")" + K("/j") +
                    R"(","value":"a\u003cb","nodes":null,"createdIndex":)" + i +
                    R"(,"modifiedIndex":)" + i + R"(},"prevNode":null})" + "\n");
}

TEST_F(ArborctlTest, MkRefusesAnExistingKey) {
  ExpectOutcome(Ctl({"mk", K("/m"), "m1"}), 0, "m1\n");
  const Outcome o = Ctl({"mk", K("/m"), "m2"});
  EXPECT_EQ(o.rc, 4);
  EXPECT_EQ(o.err.rfind("Error:  105: Key already exists (" + K("/m") + ")", 0), 0u) << o.err;
}

TEST_F(ArborctlTest, LsRecursiveWithSlashesAndSort) {
  Ctl({"mkdir", K("/d")});
  Ctl({"set", K("/d/sub/c"), "c1"});
  Ctl({"set", K("/d/b"), "b"});
  ExpectOutcome(Ctl({"ls", "--sort", "-r", "-p", K("/d")}), 0,
                K("/d/b") + "\n" + K("/d/sub/") + "\n" + K("/d/sub/c") + "\n");
  ExpectOutcome(Ctl({"ls", "--sort", K("/d")}), 0, K("/d/b") + "\n" + K("/d/sub") + "\n");
}

TEST_F(ArborctlTest, GetOfADirectoryIsExitCodeOne) {
  Ctl({"mkdir", K("/dir")});
  ExpectOutcome(Ctl({"get", K("/dir")}), 1, "", K("/dir") + ": is a directory\n");
}

TEST_F(ArborctlTest, RemoveKeysAndDirectories) {
  Ctl({"set", K("/r/k"), "v"});
  EXPECT_EQ(Ctl({"rm", K("/r")}).rc, 4);
  EXPECT_EQ(Ctl({"rmdir", K("/r")}).rc, 4);
  ExpectOutcome(Ctl({"rm", K("/r/k")}), 0, "PrevNode.Value: v\n");
  ExpectOutcome(Ctl({"rmdir", K("/r")}), 0, "");
}

TEST_F(ArborctlTest, CompareAndSwapFailureNamesBothValues) {
  Ctl({"set", K("/s"), "one"});
  const Outcome o = Ctl({"set", "--swap-with-value", "two", K("/s"), "three"});
  EXPECT_EQ(o.rc, 4);
  EXPECT_EQ(o.err.rfind("Error:  101: Compare failed ([two != one])", 0), 0u) << o.err;
  ExpectOutcome(Ctl({"set", "--swap-with-value", "one", K("/s"), "three"}), 0, "three\n");
}

TEST_F(ArborctlTest, WatchAfterIndexReturnsTheNextChange) {
  Ctl({"set", K("/w"), "w1"});
  const uint64_t idx = ModifiedIndex(K("/w"));
  Ctl({"set", K("/w"), "w2"});
  ExpectOutcome(Ctl({"watch", "--after-index", std::to_string(idx), K("/w")}), 0, "w2\n");
  ExpectOutcome(Ctl({"watch", "-r", "--after-index", std::to_string(idx), prefix_}), 0,
                "[set] " + K("/w") + "\nw2\n");
}

TEST_F(ArborctlTest, ExecWatchRunsTheCommandWithTheEvent) {
  char tmpl[] = "/tmp/arborctl-ew-XXXXXX";
  const std::string file = std::string(mkdtemp(tmpl)) + "/out";
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    Ctl({"set", K("/ew"), "fired"});
  });
  // Without flags the key is the last argument (etcdctl's quirk); the watcher runs until killed.
  Exec({"bin/arborctl", "--endpoints", server_->url(), "exec-watch", "sh", "-c",
        "printf '%s %s\\n' \"$ETCD_WATCH_ACTION\" \"$ETCD_WATCH_VALUE\" >> " + file, K("/ew")},
       {}, "", std::chrono::milliseconds(2500));
  writer.join();
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "set fired");
  std::system(("rm -rf " + file.substr(0, file.rfind('/'))).c_str());
}

TEST_F(ArborctlTest, MemberListAndClusterHealth) {
  const Outcome list = Ctl({"member", "list"});
  EXPECT_EQ(list.rc, 0);
  EXPECT_TRUE(std::regex_match(list.out, std::regex("[0-9a-f]+: name=default peerURLs=http://\\S+ "
                                                    "clientURLs=" +
                                                    server_->url() + " isLeader=true\n")))
      << list.out;
  const Outcome health = Ctl({"cluster-health"});
  EXPECT_EQ(health.rc, 0);
  EXPECT_TRUE(std::regex_match(health.out,
                               std::regex("member [0-9a-f]+ is healthy: got healthy result from " +
                                          server_->url() + "\ncluster is healthy\n")))
      << health.out;
}

TEST_F(ArborctlTest, EndpointsFromTheEnvironment) {
  Ctl({"set", K("/env"), "e"});
  ExpectOutcome(Exec({"bin/arborctl", "get", K("/env")}, {"ETCDCTL_ENDPOINTS=" + server_->url()}),
                0, "e\n");
}

TEST_F(ArborctlTest, UsageErrorsPrintTheCommandHelp) {
  const Outcome o = Ctl({"set", "--bogus", K("/a"), "b"});
  EXPECT_EQ(o.rc, 1);
  EXPECT_EQ(o.err, "flag provided but not defined: -bogus\n");
  EXPECT_EQ(o.out.rfind("Incorrect Usage: flag provided but not defined: -bogus\n\nNAME:\n"
                        "   etcdctl set - set the value of a key\n",
                        0),
            0u)
      << o.out;
  ExpectOutcome(Ctl({"nosuch"}), 3, "", "No help topic for 'nosuch'\n");
  ExpectOutcome(Ctl({"--version"}), 0, "etcdctl version: 3.4.23\nAPI version: 2\n");
}

TEST_F(ArborctlTest, UnreachableClusterIsExitCodeTwo) {
  const int port = FreePort();
  const std::string dial =
      "dial tcp 127.0.0.1:" + std::to_string(port) + ": connect: connection refused";
  ExpectOutcome(Exec({"bin/arborctl", "--endpoints", "http://127.0.0.1:" + std::to_string(port),
                      "get", "/a"}),
                2, "",
                "Error:  client: etcd cluster is unavailable or misconfigured; error #0: " + dial +
                    "\n\nerror #0: " + dial + "\n\n");
}

TEST_F(ArborctlTest, TreeExportAndImportRoundTrip) {
  Ctl({"set", K("/src/a"), "1"});
  Ctl({"set", "--ttl", "300", K("/src/sub/t"), "temp"});
  Ctl({"mkdir", K("/src/empty")});
  const Outcome exported = Ctl({"export", K("/src")});
  ASSERT_EQ(exported.rc, 0) << exported.err;
  char tmpl[] = "/tmp/arborctl-export-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  std::ofstream(dir + "/e.json") << exported.out;
  const Outcome imported = Ctl({"import", dir + "/e.json", K("/dst")});
  EXPECT_EQ(imported.rc, 0) << imported.err;
  EXPECT_EQ(imported.err, "imported 3 of 3 nodes into " + K("/dst") + "\n");
  const Outcome tree = Ctl({"tree", K("/dst")});
  EXPECT_EQ(tree.rc, 0);
  EXPECT_TRUE(std::regex_match(
      tree.out, std::regex(K("/dst") + "/\n├── a = \"1\"\n├── empty/\n└── sub/\n"
                                       "    └── t = \"temp\"  \\(ttl (29\\d|300)s\\)\n\n"
                                       "2 directories, 2 keys\n")))
      << tree.out;
  // A second import stops at the first existing key; --skip-existing resumes past them.
  EXPECT_EQ(Ctl({"import", dir + "/e.json", K("/dst")}).rc, 4);
  ExpectOutcome(Ctl({"import", "--skip-existing", dir + "/e.json", K("/dst")}), 0, "",
                "imported 0 of 3 nodes into " + K("/dst") + " (3 already there)\n");
  std::system(("rm -rf " + dir).c_str());
}

// Auth changes the whole server, so it gets its own.
TEST(ArborctlAuthTest, EnableGrantRevokeDisable) {
  if (access("bin/arborctl", X_OK) != 0) GTEST_SKIP() << "bin/arborctl not built";
  Server server;
  if (!server.ready()) GTEST_SKIP() << "no server could be started";
  std::cerr << "[ server   ] " << server.kind() << " at " << server.url() << "\n";
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"bin/arborctl", "--endpoints", server.url()});
    return Exec(args);
  };
  ExpectOutcome(ctl({"auth", "enable"}), 1, "",
                "auth: No root user available, please create one\n");
  ExpectOutcome(ctl({"user", "add", "root:rootpw"}), 0, "User root created\n");
  ExpectOutcome(ctl({"auth", "enable"}), 0, "Authentication Enabled\n");
  ExpectOutcome(ctl({"-u", "root:rootpw", "role", "add", "app"}), 0, "Role app created\n");
  ExpectOutcome(ctl({"-u", "root:rootpw", "role", "grant", "--path", "/app/*", "--rw", "app"}), 0,
                "Role app updated\n");
  ExpectOutcome(ctl({"-u", "root:rootpw", "role", "get", "app"}), 0,
                "Role: app\nKV Read:\n\t/app/*\nKV Write:\n\t/app/*\n");
  ExpectOutcome(ctl({"-u", "root:rootpw", "user", "add", "alice:pw"}), 0, "User alice created\n");
  ExpectOutcome(ctl({"-u", "root:rootpw", "user", "grant", "--roles", "app", "alice"}), 0,
                "User alice updated\n");
  // The Go client leaves one empty name per role object before the names: two spaces.
  ExpectOutcome(ctl({"-u", "root:rootpw", "user", "get", "alice"}), 0,
                "User: alice\nRoles:  app\n");
  ExpectOutcome(ctl({"-u", "root:rootpw", "role", "revoke", "--path", "/*", "--rw", "guest"}), 0,
                "Role guest updated\n");
  const Outcome denied = ctl({"set", "/closed", "x"});
  EXPECT_EQ(denied.rc, 4);
  EXPECT_EQ(denied.err.rfind("Error:  110: The request requires user authentication", 0), 0u);
  ExpectOutcome(Exec({"bin/arborctl", "--endpoints", server.url(), "--username", "alice", "set",
                      "/app/k", "ok"},
                     {"ETCDCTL_PASSWORD=pw"}),
                0, "ok\n");
  ExpectOutcome(ctl({"-u", "root:rootpw", "auth", "disable"}), 0, "Authentication Disabled\n");
  ExpectOutcome(ctl({"user", "remove", "alice"}), 0, "User alice removed\n");
  ExpectOutcome(ctl({"role", "remove", "app"}), 0, "Role app removed\n");
}

}  // namespace

namespace {

// Makes a CA, a server certificate for 127.0.0.1 and a client certificate (CN root) in `dir`.
bool MakeCertificates(const std::string& dir) {
  const std::string script =
      "cd " + dir +
      " && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2"
      " -subj /CN=test-ca"
      " && openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr"
      " -subj /CN=127.0.0.1"
      " && printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' > ext.cnf"
      " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
      " -out server.pem -days 2 -extfile ext.cnf"
      " && openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=root"
      " && printf 'extendedKeyUsage=clientAuth\\n' > cext.cnf"
      " && openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
      " -out client.pem -days 2 -extfile cext.cnf";
  return std::system(("(" + script + ") >/dev/null 2>&1").c_str()) == 0;
}

// TLS runs against the real etcd (https client URLs with --client-cert-auth).
TEST(ArborctlTlsTest, CertificatesFromFlagsOrEnvironment) {
  if (access("bin/arborctl", X_OK) != 0) GTEST_SKIP() << "bin/arborctl not built";
  char tmpl[] = "/tmp/arborctl-tls-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  if (!MakeCertificates(dir)) GTEST_SKIP() << "openssl could not make certificates";
  {
    Server server(dir);
    if (!server.ready()) GTEST_SKIP() << "no TLS server could be started";
    std::cerr << "[ server   ] " << server.kind() << " at " << server.url() << "\n";
    ExpectOutcome(Exec({"bin/arborctl", "--endpoints", server.url(), "--ca-file", dir + "/ca.pem",
                        "--cert-file", dir + "/client.pem", "--key-file", dir + "/client.key",
                        "set", "/tls", "secure"}),
                  0, "secure\n");
    ExpectOutcome(
        Exec({"bin/arborctl", "--endpoints", server.url(), "get", "/tls"},
             {"ETCDCTL_CA_FILE=" + dir + "/ca.pem", "ETCDCTL_CERT_FILE=" + dir + "/client.pem",
              "ETCDCTL_KEY_FILE=" + dir + "/client.key"}),
        0, "secure\n");
    const std::string unknown = "x509: certificate signed by unknown authority";
    ExpectOutcome(Exec({"bin/arborctl", "--endpoints", server.url(), "get", "/tls"}), 4, "",
                  "Error:  client: etcd cluster is unavailable or misconfigured; error #0: " +
                      unknown + "\n\nerror #0: " + unknown + "\n\n");
  }
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace

namespace {

// Replaces what legitimately differs between two servers: their ports, member ids and
// expiration times.
std::string Normalize(const std::string& s) {
  std::string out = std::regex_replace(s, std::regex("127\\.0\\.0\\.1:[0-9]+"), "127.0.0.1:<PORT>");
  out = std::regex_replace(out, std::regex("\\b[0-9a-f]{12,16}\\b"), "<ID>");
  return std::regex_replace(out, std::regex("\"expiration\":\"[^\"]*\""), "\"expiration\":\"<T>\"");
}

// The same commands through the real etcdctl (ETCDCTL_API=2) and through arborctl, each against
// its own fresh server of the same kind, must print the same bytes on the same streams and exit
// with the same code.
TEST(ArborctlDifferentialTest, SameOutputAsEtcdctl) {
  if (access("bin/arborctl", X_OK) != 0) GTEST_SKIP() << "bin/arborctl not built";
  if (access("/usr/bin/etcdctl", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/etcdctl";
  Server reference, candidate;
  if (!reference.ready() || !candidate.ready()) GTEST_SKIP() << "no servers could be started";
  std::cerr << "[ server   ] two " << reference.kind() << " servers\n";
  const std::vector<std::vector<std::string>> cases = {
      {"set", "/a", "v1"},
      {"-o", "json", "set", "/a", "v2"},
      {"-o", "extended", "set", "/a", "v3"},
      {"get", "/nope"},
      {"mk", "/a", "x"},
      {"mkdir", "/d"},
      {"-o", "json", "mkdir", "/d2"},
      {"set", "--ttl", "100", "/d/t", "x"},
      {"-o", "json", "get", "/d/t"},
      {"-o", "extended", "ls", "/d"},
      {"ls", "--sort", "-r", "-p", "/"},
      {"get", "/d"},
      {"rm", "/d"},
      {"rmdir", "/d"},
      {"-o", "json", "rm", "/d/t"},
      {"set", "--swap-with-value", "nope", "/a", "z"},
      {"set", "--swap-with-index", "1", "/a", "z"},
      {"rm", "--with-value", "v3", "/a"},
      {"set", "/sp", "a b&c=d/é<>\n"},
      {"-o", "json", "get", "/sp"},
      {"set", "/with space/k", "v"},
      {"ls", "/with space"},
      {"mk", "--in-order", "/q", "v"},
      {"update", "/nope", "x"},
      {"setdir", "/sd"},
      {"updatedir", "--ttl", "100", "/sd"},
      {"-o", "bogus", "get", "/sp"},
      {"set"},
      {"set", "--bogus", "/a", "b"},
      {"set", "--ttl", "abc", "/a", "b"},
      {"--bogus", "get", "/a"},
      {"ls", "-r", "--recursive", "/"},
      {"nosuch"},
      {"watch", "--after-index", "1", "/sp"},
      {"-o", "extended", "watch", "-r", "--after-index", "3", "/"},
      {"exec-watch", "a"},
      {"member", "list"},
      {"member", "remove", "default"},
      {"member", "add", "n", "foo"},
      {"cluster-health"},
      {"auth", "enable"},
      {"user", "get", "nobody"},
      {"role", "add", "r1"},
      {"role", "grant", "--path", "/a//b", "--read", "r1"},
      {"role", "grant", "--path", "/a", "--read", "r1"},
      {"role", "grant", "--path", "/a", "--read", "r1"},
      {"role", "get", "r1"},
      {"role", "remove", "r1"},
      {"--debug", "get", "/sp"},
      {"set", "--help"},
      {"help", "member"},
      {"member"},
      {"--version"},
  };
  for (const auto& args : cases) {
    std::vector<std::string> ref = {"/usr/bin/etcdctl", "--endpoints", reference.url()};
    std::vector<std::string> cand = {"bin/arborctl", "--endpoints", candidate.url()};
    ref.insert(ref.end(), args.begin(), args.end());
    cand.insert(cand.end(), args.begin(), args.end());
    const Outcome want = Exec(ref, {"ETCDCTL_API=2"});
    const Outcome got = Exec(cand);
    std::string line;
    for (const auto& a : args) line += a + " ";
    EXPECT_EQ(got.rc, want.rc) << line;
    EXPECT_EQ(Normalize(got.err), Normalize(want.err)) << line;
    // arborctl's own commands are listed in its help; everything else is etcdctl's.
    std::string got_out = Normalize(got.out);
    const std::string extra =
        "   tree            print a directory as an indented tree with values and TTLs\n"
        "   export          write a whole subtree as JSON to stdout\n"
        "   import          create the keys of an exported subtree under a directory\n"
        "   snapshot        save a member's snapshot, or restore one into a new data directory\n";
    if (const size_t at = got_out.find(extra); at != std::string::npos)
      got_out.erase(at, extra.size());
    EXPECT_EQ(got_out, Normalize(want.out)) << line;
  }
}

// snapshot save / restore and backup: arbor's data directories (bin/arbor only).
class DataDirCommandsTest : public ArborctlTest {
 protected:
  void SetUp() override {
    ArborctlTest::SetUp();
    if (IsSkipped()) return;
    if (server_->kind() != "bin/arbor") GTEST_SKIP() << "needs bin/arbor";
    char tmpl[] = "/tmp/arborctl-dd-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override {
    if (!dir_.empty()) std::system(("rm -rf " + dir_).c_str());
  }
  // The keys under this test's prefix, as a fresh bin/arbor on `data_dir` lists them.
  std::string KeysServedFrom(const std::string& data_dir) {
    Server restarted("", data_dir);
    if (!restarted.ready()) return "not ready";
    return Exec({"bin/arborctl", "--endpoints", restarted.url(), "ls", "--recursive", prefix_}).out;
  }
  std::string dir_;
};

TEST_F(DataDirCommandsTest, SnapshotSaveThenRestoreServesTheSameKeys) {
  ASSERT_EQ(Ctl({"set", K("/a"), "1"}).rc, 0);
  ASSERT_EQ(Ctl({"set", K("/d/b"), "2"}).rc, 0);
  const Outcome save = Ctl({"snapshot", "save", dir_ + "/snap.bin"});
  ASSERT_EQ(save.rc, 0) << save.err;
  EXPECT_EQ(save.out.rfind("Snapshot saved at " + dir_ + "/snap.bin (index ", 0), 0u) << save.out;
  const Outcome restore = Exec({"bin/arborctl", "snapshot", "restore", dir_ + "/snap.bin", "--data-dir", dir_ + "/r"});
  ASSERT_EQ(restore.rc, 0) << restore.err;
  EXPECT_EQ(KeysServedFrom(dir_ + "/r"), K("/a") + "\n" + K("/d") + "\n" + K("/d/b") + "\n");
}

TEST_F(DataDirCommandsTest, RestoreRefusesAnExistingMemberAndADamagedFile) {
  ASSERT_EQ(Ctl({"snapshot", "save", dir_ + "/snap.bin"}).rc, 0);
  ASSERT_EQ(Exec({"bin/arborctl", "snapshot", "restore", dir_ + "/snap.bin", "--data-dir", dir_ + "/r"}).rc, 0);
  ExpectOutcome(Exec({"bin/arborctl", "snapshot", "restore", dir_ + "/snap.bin", "--data-dir", dir_ + "/r"}), 1, "",
                "Error:  data-dir \"" + dir_ + "/r\" exists\n");
  std::ofstream(dir_ + "/bad.bin") << "ARBORSNP not really";
  const Outcome bad = Exec({"bin/arborctl", "snapshot", "restore", dir_ + "/bad.bin", "--data-dir", dir_ + "/r2"});
  EXPECT_EQ(bad.rc, 1);
  EXPECT_NE(bad.err.find("is not an arbor snapshot"), std::string::npos) << bad.err;
}

TEST_F(DataDirCommandsTest, BackupOfALiveMemberStartsWithItsKeys) {
  ASSERT_EQ(Ctl({"set", K("/x"), "live"}).rc, 0);
  const Outcome b = Exec({"bin/arborctl", "backup", "--data-dir", server_->data_dir(), "--backup-dir", dir_ + "/b"});
  ASSERT_EQ(b.rc, 0) << b.err;
  EXPECT_EQ(b.out, "");
  EXPECT_EQ(KeysServedFrom(dir_ + "/b"), K("/x") + "\n");
}

TEST_F(DataDirCommandsTest, SnapshotIsRootOnlyOnceAuthIsEnabled) {
  Server own;  // Its own member: enabling auth must not touch the suite's server.
  ASSERT_TRUE(own.ready());
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"bin/arborctl", "--endpoints", own.url()});
    return Exec(args);
  };
  ASSERT_EQ(ctl({"user", "add", "root:rootpw"}).rc, 0);
  ASSERT_EQ(ctl({"auth", "enable"}).rc, 0);
  const Outcome denied = ctl({"snapshot", "save", dir_ + "/s.bin"});
  EXPECT_EQ(denied.rc, 3);
  EXPECT_NE(denied.err.find("insufficient credentials"), std::string::npos) << denied.err;
  EXPECT_EQ(access((dir_ + "/s.bin").c_str(), F_OK), -1);
  EXPECT_EQ(ctl({"--username", "root:rootpw", "snapshot", "save", dir_ + "/s.bin"}).rc, 0);
}

}  // namespace
