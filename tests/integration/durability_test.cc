// Durability of bin/arbor as a black box: kill -9 under concurrent write load, restart on the
// same data directory, and every acknowledged write must be there with its acknowledged
// modifiedIndex; snapshots are taken and old files purged along the way; a second process on
// the same directory and a WAL damaged before its tail are refused with a clear message.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "testutil/free_port.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

using arbor::testutil::FreePort;

// The modifiedIndex in a v2 reply body, or 0.
uint64_t ModifiedIndex(const std::string& body) {
  const size_t at = body.find("\"modifiedIndex\":");
  return at == std::string::npos ? 0 : std::stoull(body.substr(at + 16));
}

// One bin/arbor process on a data directory; the directory outlives restarts.
class Member {
 public:
  Member(std::string data_dir, std::vector<std::string> extra)
      : data_dir_(std::move(data_dir)), extra_(std::move(extra)) {}
  ~Member() { Kill(SIGKILL); }

  // Starts the server; returns once it answers, or false when it exited or timed out.
  // Its stderr goes to `stderr_path_`.
  bool Start() {
    port_ = FreePort();
    const int peer = FreePort();
    const std::string client = "http://127.0.0.1:" + std::to_string(port_);
    const std::string peer_url = "http://127.0.0.1:" + std::to_string(peer);
    std::vector<std::string> args = {"bin/arbor", "--name", "default", "--data-dir", data_dir_,
                                     "--listen-client-urls", client, "--advertise-client-urls",
                                     client, "--listen-peer-urls", peer_url,
                                     "--initial-advertise-peer-urls", peer_url,
                                     "--initial-cluster", "default=" + peer_url,
                                     "--log-level", "error"};
    args.insert(args.end(), extra_.begin(), extra_.end());
    pid_ = fork();
    if (pid_ == 0) {
      const int fd = open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) dup2(fd, 2);
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv("bin/arbor", argv.data());
      _exit(127);
    }
    httplib::Client cli("127.0.0.1", port_);
    cli.set_connection_timeout(std::chrono::milliseconds(200));
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (Clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_status_ = status;
        pid_ = -1;
        return false;
      }
      if (auto r = cli.Get("/v2/keys/"); r && r->status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  void Kill(int sig) {
    if (pid_ <= 0) return;
    kill(pid_, sig);
    waitpid(pid_, &exit_status_, 0);
    pid_ = -1;
  }

  int port() const { return port_; }
  int exit_status() const { return exit_status_; }
  std::string Stderr() const {
    std::ifstream f(stderr_path_);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }
  void set_stderr_path(std::string p) { stderr_path_ = std::move(p); }

 private:
  std::string data_dir_;
  std::vector<std::string> extra_;
  std::string stderr_path_ = "/dev/null";
  pid_t pid_ = -1;
  int port_ = 0;
  int exit_status_ = 0;
};

class DurabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access("bin/arbor", X_OK) != 0) GTEST_SKIP() << "bin/arbor not built";
    char tmpl[] = "/tmp/arbor-dur-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::string dir_;
};

TEST_F(DurabilityTest, EveryAcknowledgedWriteSurvivesKillNine) {
  Member m(dir_ + "/data", {"--snapshot-count", "300", "--max-snapshots", "2", "--max-wals", "2"});
  std::map<std::string, std::pair<std::string, uint64_t>> acked;  // key -> (value, modifiedIndex)
  std::mutex mu;
  uint64_t last_index = 0;
  for (int cycle = 0; cycle < 4; ++cycle) {
    ASSERT_TRUE(m.Start()) << "cycle " << cycle;
    httplib::Client check("127.0.0.1", m.port());
    // Everything acknowledged before the crash is there, with the index it was given.
    for (const auto& [key, want] : acked) {
      auto r = check.Get("/v2/keys" + key);
      ASSERT_TRUE(r) << key;
      ASSERT_EQ(r->status, 200) << key << " lost after cycle " << cycle;
      EXPECT_NE(r->body.find("\"value\":\"" + want.first + "\""), std::string::npos) << r->body;
      EXPECT_EQ(ModifiedIndex(r->body), want.second) << key;
    }
    auto root = check.Get("/v2/keys/");
    ASSERT_TRUE(root);
    const uint64_t index = std::stoull(root->get_header_value("X-Etcd-Index"));
    EXPECT_GE(index, last_index) << "the store index went back";
    last_index = index;

    // Writers until the kill; some requests are in flight when it lands.
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w) {
      writers.emplace_back([&, w] {
        httplib::Client cli("127.0.0.1", m.port());
        cli.set_read_timeout(std::chrono::seconds(5));
        for (int n = 0; n < 100000 && !stop.load(); ++n) {
          const std::string key = "/dur/c" + std::to_string(cycle) + "w" + std::to_string(w) +
                                  "n" + std::to_string(n);
          const std::string value = "v" + std::to_string(n);
          auto r = cli.Put("/v2/keys" + key, "value=" + value, "application/x-www-form-urlencoded");
          if (!r) break;  // The server is gone.
          if (r->status / 100 == 2) {
            std::lock_guard<std::mutex> lock(mu);
            acked[key] = {value, ModifiedIndex(r->body)};
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(400 + 150 * cycle));
    m.Kill(SIGKILL);
    stop = true;
    for (auto& t : writers) t.join();
  }
  ASSERT_GT(acked.size(), 1000u) << "too little load to mean anything";
  ASSERT_TRUE(m.Start());
  httplib::Client check("127.0.0.1", m.port());
  for (const auto& [key, want] : acked) {
    auto r = check.Get("/v2/keys" + key);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << key << " lost";
    EXPECT_EQ(ModifiedIndex(r->body), want.second) << key;
  }
  // Snapshots were taken and purged down to --max-snapshots.
  size_t snaps = 0;
  for (const auto& e : fs::directory_iterator(dir_ + "/data/member/snap"))
    if (e.path().extension() == ".snap") ++snaps;
  EXPECT_GE(snaps, 1u);
  // --max-snapshots 2, plus one when a kill fell between a snapshot's rename and the purge of
  // the oldest (the next snapshot purges it).
  EXPECT_LE(snaps, 3u);
  m.Kill(SIGTERM);
}

TEST_F(DurabilityTest, RestartKeepsTtlAndIndexAndPublishesAgain) {
  Member m(dir_ + "/data", {});
  ASSERT_TRUE(m.Start());
  {
    httplib::Client cli("127.0.0.1", m.port());
    auto r = cli.Put("/v2/keys/a?ttl=1000", "value=1", "application/x-www-form-urlencoded");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201);
    EXPECT_EQ(ModifiedIndex(r->body), 4u);
  }
  m.Kill(SIGTERM);
  ASSERT_TRUE(m.Start());
  httplib::Client cli("127.0.0.1", m.port());
  auto r = cli.Get("/v2/keys/a");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("\"ttl\":"), std::string::npos) << r->body;
  // As etcd: the restarted member publishes its attributes again (one index), and its term
  // is one past the last one.
  EXPECT_EQ(r->get_header_value("X-Etcd-Index"), "5");
  EXPECT_EQ(r->get_header_value("X-Raft-Term"), "3");
  r = cli.Put("/v2/keys/b", "value=2", "application/x-www-form-urlencoded");
  ASSERT_TRUE(r);
  EXPECT_EQ(ModifiedIndex(r->body), 6u);
}

TEST_F(DurabilityTest, SecondProcessOnTheSameDirectoryIsRefused) {
  Member first(dir_ + "/data", {});
  ASSERT_TRUE(first.Start());
  Member second(dir_ + "/data", {});
  second.set_stderr_path(dir_ + "/second.err");
  EXPECT_FALSE(second.Start());
  EXPECT_TRUE(WIFEXITED(second.exit_status()));
  EXPECT_NE(WEXITSTATUS(second.exit_status()), 0);
  EXPECT_NE(second.Stderr().find("in use by another process"), std::string::npos)
      << second.Stderr();
  // The first one is unharmed.
  httplib::Client cli("127.0.0.1", first.port());
  auto r = cli.Put("/v2/keys/x", "value=1", "application/x-www-form-urlencoded");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
}

TEST_F(DurabilityTest, DamageBeforeTheTailRefusesToStartNamingTheFile) {
  Member m(dir_ + "/data", {});
  ASSERT_TRUE(m.Start());
  {
    httplib::Client cli("127.0.0.1", m.port());
    for (int i = 0; i < 200; ++i) {
      auto r = cli.Put("/v2/keys/k" + std::to_string(i), "value=" + std::string(50, 'x'),
                       "application/x-www-form-urlencoded");
      ASSERT_TRUE(r);
    }
  }
  m.Kill(SIGTERM);
  // Flip one byte a third of the way into the written part of the (only) segment.
  std::string wal;
  for (const auto& e : fs::directory_iterator(dir_ + "/data/member/wal"))
    if (e.path().extension() == ".wal") wal = e.path();
  ASSERT_FALSE(wal.empty());
  std::fstream f(wal, std::ios::in | std::ios::out | std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), {});
  size_t used = bytes.find_last_not_of('\0');
  ASSERT_NE(used, std::string::npos);
  const size_t at = used / 3;
  f.seekp(static_cast<std::streamoff>(at));
  f.put(static_cast<char>(bytes[at] ^ 0x5a));
  f.close();

  m.set_stderr_path(dir_ + "/err");
  EXPECT_FALSE(m.Start());
  EXPECT_TRUE(WIFEXITED(m.exit_status()));
  EXPECT_NE(WEXITSTATUS(m.exit_status()), 0);
  const std::string err = m.Stderr();
  EXPECT_NE(err.find(fs::path(wal).filename().string()), std::string::npos) << err;
  EXPECT_NE(err.find("offset"), std::string::npos) << err;
}

}  // namespace
