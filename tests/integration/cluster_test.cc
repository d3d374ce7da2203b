// Clusters of bin/arbor on loopback: three members serve the v2 API through any member, survive
// the leader's death, take members in and out under write load, and lose no acknowledged write;
// a member of another cluster is turned away.

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
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "testutil/free_port.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

using arbor::testutil::FreePort;

// A JSON string field of a flat body ("" when absent).
std::string Field(const std::string& body, const std::string& name) {
  const std::string pat = "\"" + name + "\":\"";
  const size_t at = body.find(pat);
  if (at == std::string::npos) return "";
  const size_t end = body.find('"', at + pat.size());
  return body.substr(at + pat.size(), end - at - pat.size());
}

// A reply, copied out of httplib (0: no answer).
struct Reply {
  int status = 0;
  std::string body;
  explicit operator bool() const { return status != 0; }
  const Reply* operator->() const { return this; }
};

Reply Copy(const httplib::Result& r) {
  Reply out;
  if (r) {
    out.status = r->status;
    out.body = r->body;
  }
  return out;
}

// One member: a name, fixed ports and a data directory that outlives restarts.
class Node {
 public:
  Node(std::string name, std::string dir)
      : name_(std::move(name)), dir_(std::move(dir)), client_(FreePort()), peer_(FreePort()) {}
  ~Node() { Kill(SIGKILL); }

  std::string peer_url() const { return "http://127.0.0.1:" + std::to_string(peer_); }
  std::string client_url() const { return "http://127.0.0.1:" + std::to_string(client_); }
  std::string initial() const { return name_ + "=" + peer_url(); }
  int port() const { return client_; }
  bool running() const { return pid_ > 0; }

  // Starts the process (it answers later, once the cluster has a leader).
  void Spawn(const std::string& initial_cluster, const std::string& state,
             const std::string& token = "itest", const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {
        "bin/arbor", "--name", name_, "--data-dir", dir_, "--listen-client-urls", client_url(),
        "--advertise-client-urls", client_url(), "--listen-peer-urls", peer_url(),
        "--initial-advertise-peer-urls", peer_url(), "--initial-cluster", initial_cluster,
        "--initial-cluster-state", state, "--initial-cluster-token", token,
        "--snapshot-count", "200"};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = fork();
    if (pid_ == 0) {
      const int fd = open((dir_ + ".log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) dup2(fd, 2);
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv("bin/arbor", argv.data());
      _exit(127);
    }
  }

  // Waits until the member answers GET /v2/keys/ (false when it exited or timed out).
  bool WaitReady(int seconds = 20) {
    httplib::Client cli("127.0.0.1", client_);
    cli.set_connection_timeout(std::chrono::milliseconds(200));
    const auto deadline = Clock::now() + std::chrono::seconds(seconds);
    while (Clock::now() < deadline) {
      int status = 0;
      if (pid_ <= 0 || waitpid(pid_, &status, WNOHANG) == pid_) {
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
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  std::string Log() const {
    std::ifstream f(dir_ + ".log");
    return std::string(std::istreambuf_iterator<char>(f), {});
  }

  Reply Get(const std::string& path) {
    httplib::Client cli("127.0.0.1", client_);
    cli.set_read_timeout(std::chrono::seconds(10));
    return Copy(cli.Get(path));
  }
  Reply Put(const std::string& key, const std::string& value) {
    httplib::Client cli("127.0.0.1", client_);
    cli.set_read_timeout(std::chrono::seconds(10));
    return Copy(cli.Put("/v2/keys/" + key, "value=" + value, "application/x-www-form-urlencoded"));
  }
  std::string State() {
    auto r = Get("/v2/stats/self");
    return r && r->status == 200 ? Field(r->body, "state") : "";
  }
  std::string Id() {
    auto r = Get("/v2/stats/self");
    return r && r->status == 200 ? Field(r->body, "id") : "";
  }

 private:
  std::string name_, dir_;
  int client_, peer_;
  pid_t pid_ = -1;
};

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("arbor-cluster-" + std::to_string(getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override {
    nodes_.clear();
    if (!HasFailure()) fs::remove_all(root_);
  }

  Node& Add(const std::string& name) {
    nodes_.push_back(std::make_unique<Node>(name, (root_ / name).string()));
    return *nodes_.back();
  }

  // Starts `n` members as a new cluster and waits until all of them serve.
  void StartCluster(int n) {
    for (int i = 0; i < n; ++i) Add("m" + std::to_string(i));
    for (auto& m : nodes_) m->Spawn(Initial(), "new");
    for (auto& m : nodes_) ASSERT_TRUE(m->WaitReady()) << m->Log();
  }

  std::string Initial() const {
    std::string initial;
    for (const auto& m : nodes_) initial += (initial.empty() ? "" : ",") + m->initial();
    return initial;
  }

  // The member every running member agrees is leader (waits up to 10 s).
  Node* Leader() {
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline) {
      for (auto& m : nodes_) {
        if (m->running() && m->State() == "StateLeader") return m.get();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return nullptr;
  }
  Node* Follower() {
    Node* lead = Leader();
    for (auto& m : nodes_)
      if (m.get() != lead && m->running()) return m.get();
    return nullptr;
  }

  // Writers putting unique keys through every running member until stopped; acknowledged
  // keys are recorded.
  void StartWriters(int per_member) {
    stop_ = false;
    for (auto& m : nodes_) {
      for (int w = 0; w < per_member; ++w) {
        const int port = m->port();
        const std::string prefix = "w" + std::to_string(port) + "-" + std::to_string(w);
        writers_.emplace_back([this, port, prefix] {
          httplib::Client cli("127.0.0.1", port);
          cli.set_connection_timeout(std::chrono::milliseconds(300));
          cli.set_read_timeout(std::chrono::seconds(10));
          for (int i = 0; !stop_ && i < 100000; ++i) {
            const std::string key = prefix + "-" + std::to_string(i);
            auto r = cli.Put("/v2/keys/load/" + key, "value=" + key,
                             "application/x-www-form-urlencoded");
            if (r && (r->status == 200 || r->status == 201)) {
              std::lock_guard<std::mutex> lock(mu_);
              acked_.push_back(key);
            } else {
              std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
          }
        });
      }
    }
  }
  void StopWriters() {
    stop_ = true;
    for (auto& t : writers_) t.join();
    writers_.clear();
  }

  // Every acknowledged key is on `m` (a quorum read of the whole directory).
  void ExpectAllAcked(Node& m) {
    auto r = m.Get("/v2/keys/load?quorum=true&recursive=true");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    std::lock_guard<std::mutex> lock(mu_);
    size_t missing = 0;
    for (const std::string& k : acked_) {
      if (r->body.find("\"value\":\"" + k + "\"") == std::string::npos) ++missing;
    }
    EXPECT_EQ(missing, 0u) << "of " << acked_.size() << " acknowledged writes";
  }

  size_t Acked() {
    std::lock_guard<std::mutex> lock(mu_);
    return acked_.size();
  }

  fs::path root_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::thread> writers_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> acked_;
};

TEST_F(ClusterTest, ThreeMembersServeTheV2ApiThroughAFollower) {
  StartCluster(3);
  Node* lead = Leader();
  ASSERT_NE(lead, nullptr);
  Node* f = Follower();
  ASSERT_NE(f, nullptr);
  auto put = f->Put("greeting", "hello");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 201) << put->body;
  for (auto& m : nodes_) {
    auto r = m->Get("/v2/keys/greeting?quorum=true");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_NE(r->body.find("\"value\":\"hello\""), std::string::npos) << r->body;
  }
  auto members = f->Get("/v2/members");
  ASSERT_TRUE(members);
  for (const char* name : {"\"m0\"", "\"m1\"", "\"m2\""})
    EXPECT_NE(members->body.find(name), std::string::npos) << members->body;
  auto machines = f->Get("/v2/machines");
  ASSERT_TRUE(machines);
  for (auto& m : nodes_)
    EXPECT_NE(machines->body.find(m->client_url()), std::string::npos) << machines->body;
  auto stats = lead->Get("/v2/stats/leader");
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->status, 200);
  EXPECT_NE(stats->body.find("\"followers\":{\""), std::string::npos) << stats->body;
  auto not_leader = f->Get("/v2/stats/leader");
  ASSERT_TRUE(not_leader);
  EXPECT_EQ(not_leader->status, 403);
  auto health = f->Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->body, "{\"health\":\"true\"}");
}

TEST_F(ClusterTest, KillingTheLeaderLosesNoAcknowledgedWrite) {
  StartCluster(3);
  StartWriters(2);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  Node* lead = Leader();
  ASSERT_NE(lead, nullptr);
  lead->Kill(SIGKILL);
  const size_t before = Acked();
  // The others elect a leader and go on accepting writes.
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Acked() < before + 50 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_GE(Acked(), before + 50) << "no writes after the leader died";
  StopWriters();
  for (auto& m : nodes_)
    if (m->running()) ExpectAllAcked(*m);
}

TEST_F(ClusterTest, HealthIsFalseWithoutAQuorum) {
  StartCluster(3);
  Node* f = Follower();
  ASSERT_NE(f, nullptr);
  for (auto& m : nodes_)
    if (m.get() != f) m->Kill(SIGKILL);
  // Within an election timeout or two the survivor knows it has no leader.
  std::string body;
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    auto r = f->Get("/health");
    if (r && r->status == 503) {
      body = r->body;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(body, "{\"health\":\"false\"}\n");
}

TEST_F(ClusterTest, MembersAreAddedAndRemovedUnderWriteLoad) {
  StartCluster(3);
  StartWriters(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  Node* lead = Leader();
  ASSERT_NE(lead, nullptr);
  // Add m3 through the API, then start it against the existing cluster.
  Node& added = Add("m3");
  {
    httplib::Client cli("127.0.0.1", lead->port());
    auto r = cli.Post("/v2/members", "{\"peerURLs\":[\"" + added.peer_url() + "\"]}",
                      "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201) << r->body;
  }
  std::string initial;
  for (auto& m : nodes_) initial += (initial.empty() ? "" : ",") + m->initial();
  added.Spawn(initial, "existing");
  ASSERT_TRUE(added.WaitReady()) << added.Log();
  // Remove one of the original followers.
  Node* victim = nullptr;
  for (auto& m : nodes_)
    if (m.get() != Leader() && m.get() != &added) victim = m.get();
  ASSERT_NE(victim, nullptr);
  const std::string victim_id = victim->Id();
  {
    httplib::Client cli("127.0.0.1", Leader()->port());
    auto r = cli.Delete("/v2/members/" + victim_id);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 204) << r->body;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  victim->Kill(SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  StopWriters();
  auto members = Leader()->Get("/v2/members");
  ASSERT_TRUE(members);
  EXPECT_EQ(members->body.find(victim_id), std::string::npos) << members->body;
  EXPECT_NE(members->body.find("\"m3\""), std::string::npos) << members->body;
  for (auto& m : nodes_)
    if (m->running()) ExpectAllAcked(*m);
}

TEST_F(ClusterTest, AMemberOfAnotherClusterIsTurnedAway) {
  StartCluster(1);
  Node& stranger = Add("x0");
  // A one-member cluster of its own whose initial cluster names m0's peer URL as a peer.
  stranger.Spawn(stranger.initial() + "," + nodes_[0]->initial(), "new", "other-token");
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline &&
         nodes_[0]->Log().find("belongs to cluster") == std::string::npos)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_NE(nodes_[0]->Log().find("belongs to cluster"), std::string::npos) << nodes_[0]->Log();
}

}  // namespace

TEST_F(ClusterTest, ForceNewClusterRestartsASurvivorAloneWithItsData) {
  StartCluster(3);
  Node* f = Follower();
  ASSERT_NE(f, nullptr);
  StartWriters(1);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  StopWriters();
  ASSERT_GT(Acked(), 0u);
  ExpectAllAcked(*f);  // A quorum read: f has applied every acknowledged write.
  // The cluster is lost but for f's data directory; f comes back as a cluster of one.
  for (auto& m : nodes_) m->Kill(SIGKILL);
  f->Spawn(Initial(), "new", "itest", {"--force-new-cluster"});
  ASSERT_TRUE(f->WaitReady()) << f->Log();
  EXPECT_NE(f->Log().find("as a one-member cluster (removing 2 members)"), std::string::npos) << f->Log();
  ASSERT_EQ(Leader(), f) << f->Log();
  ExpectAllAcked(*f);
  auto members = f->Get("/v2/members");
  ASSERT_TRUE(members);
  EXPECT_EQ(members->body.find("\"id\"", members->body.find("\"id\"") + 1), std::string::npos)
      << "more than one member: " << members->body;
  auto put = f->Put("after-force", "1");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 201) << put->body;
  // A plain restart keeps the one-member configuration.
  f->Kill(SIGTERM);
  f->Spawn(Initial(), "new");
  ASSERT_TRUE(f->WaitReady()) << f->Log();
  auto again = f->Put("after-restart", "1");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 201) << again->body;
}
