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
#include <cstdio>
#include <filesystem>
#include <functional>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "integration/harness.h"
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

  std::string peer_url() const { return scheme_ + "://127.0.0.1:" + std::to_string(peer_); }
  // "https": the peer URLs carry TLS (the flags go in Spawn's `extra`).
  void set_peer_scheme(std::string scheme) { scheme_ = std::move(scheme); }
  std::string client_url() const { return "http://127.0.0.1:" + std::to_string(client_); }
  std::string initial() const { return name_ + "=" + peer_url(); }
  int port() const { return client_; }
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

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
  std::string scheme_ = "http";
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

  // Starts `n` members whose peer URLs are https, each with `flags(i)`, as a new cluster.
  void StartTlsCluster(int n, const std::function<std::vector<std::string>(int)>& flags) {
    for (int i = 0; i < n; ++i) Add("m" + std::to_string(i)).set_peer_scheme("https");
    for (int i = 0; i < n; ++i) nodes_[i]->Spawn(Initial(), "new", "itest", flags(i));
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
  // Three members, their leader and one follower; fails the test when either is missing.
  void StartThree(Node** lead, Node** follower) {
    StartCluster(3);
    *lead = Leader();
    ASSERT_NE(*lead, nullptr);
    *follower = Follower();
    ASSERT_NE(*follower, nullptr);
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
  Node* lead = nullptr;
  Node* f = nullptr;
  ASSERT_NO_FATAL_FAILURE(StartThree(&lead, &f));
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

// The raft loop writes a message to a peer's socket itself when nothing is queued for that
// peer, and leaves the rest to the transport's thread: what the socket does not take at once,
// and messages made while one is being written. A follower that is paused (SIGSTOP) while
// 24 values of 1 MB are written fills its socket, so both happen; once it runs again it must
// end with every value intact.
TEST_F(ClusterTest, AFollowerPausedUnderLargeWritesCatchesUpIntact) {
  Node* lead = nullptr;
  Node* f = nullptr;
  ASSERT_NO_FATAL_FAILURE(StartThree(&lead, &f));
  ASSERT_EQ(kill(f->pid(), SIGSTOP), 0);
  constexpr int kValues = 24;
  auto value = [](int i) { return std::string(1000000, static_cast<char>('a' + i % 26)); };
  std::vector<std::thread> writers;
  std::vector<int> status(kValues, 0);
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = w; i < kValues; i += 4) {
        auto r = lead->Put("big" + std::to_string(i), value(i));
        status[static_cast<size_t>(i)] = r ? r->status : 0;
      }
    });
  }
  for (auto& t : writers) t.join();
  ASSERT_EQ(kill(f->pid(), SIGCONT), 0);
  for (int i = 0; i < kValues; ++i) ASSERT_EQ(status[static_cast<size_t>(i)], 201) << "value " << i;
  for (auto& m : nodes_) {
    for (int i = 0; i < kValues; ++i) {
      auto r = m->Get("/v2/keys/big" + std::to_string(i) + "?quorum=true");
      ASSERT_TRUE(r);
      ASSERT_EQ(r->status, 200);
      const std::string want = "\"value\":\"" + value(i) + "\"";
      EXPECT_NE(r->body.find(want), std::string::npos) << "member " << m->client_url() << " key big" << i;
    }
  }
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

// ---------------------------------------------------------------- peer TLS (issue 7)

namespace {

// Runs `cmd` through the shell; its stdout and stderr, and *rc its exit status.
std::string Shell(const std::string& cmd, int* rc) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// Certificates made with the openssl CLI in `dir`: ca.pem; peer.pem/peer.key and
// revoked.pem/revoked.key signed by it (CN = the file name, SAN IP:127.0.0.1, server and client
// use); rogue.pem/rogue.key from another CA; crl.pem, in which the CA revokes revoked.pem.
bool MakePeerCerts(const std::string& dir) {
  const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes ";
  int rc = 0;
  Shell("set -e; mkdir -p " + dir + "; cd " + dir + "; (set -e" +
            "; openssl req -x509" + ec + "-keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca" +
            "; openssl req -x509" + ec + "-keyout other-ca.key -out other-ca.pem -days 2 -subj /CN=other-ca" +
            "; printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth,clientAuth\\n' > san.ext" +
            "; for n in peer revoked rogue; do c=ca; if [ $n = rogue ]; then c=other-ca; fi;" +
            " openssl req" + ec + "-keyout $n.key -out $n.csr -subj /CN=$n;" +
            " openssl x509 -req -in $n.csr -CA $c.pem -CAkey $c.key -CAcreateserial -out $n.pem -days 2" +
            " -extfile san.ext; done" +
            "; touch index.txt; echo 01 > crlnumber" +
            "; printf '[ca]\\ndefault_ca=d\\n[d]\\ndatabase=index.txt\\ncrlnumber=crlnumber\\n" +
            "default_md=sha256\\ndefault_crl_days=2\\n' > ca.cnf" +
            "; openssl ca -batch -config ca.cnf -keyfile ca.key -cert ca.pem -revoke revoked.pem" +
            "; openssl ca -batch -config ca.cnf -keyfile ca.key -cert ca.pem -gencrl -out crl.pem" +
            ") >/dev/null 2>&1", &rc);
  return rc == 0;
}

// The peer TLS flags of a member using `who`.pem/key from `dir`, verifying against ca.pem.
std::vector<std::string> PeerTlsFlags(const std::string& dir, const std::string& who) {
  return {"--peer-cert-file", dir + "/" + who + ".pem", "--peer-key-file", dir + "/" + who + ".key",
          "--peer-trusted-ca-file", dir + "/ca.pem", "--peer-client-cert-auth"};
}

// Three members over https peer URLs with verified client certificates: writes through a
// follower reach everyone; a member added later joins (GET /members over TLS) and catches up by
// a snapshot streamed over TLS; the leader's death is survived (streams re-dialled).
TEST_F(ClusterTest, PeerTlsCarriesStreamsSnapshotsAndJoins) {
  const std::string certs = (root_ / "certs").string();
  ASSERT_TRUE(MakePeerCerts(certs));
  StartTlsCluster(3, [&](int) { return PeerTlsFlags(certs, "peer"); });
  for (auto& m : nodes_) ASSERT_TRUE(m->WaitReady()) << m->Log();
  Node* f = Follower();
  ASSERT_NE(f, nullptr);
  for (int i = 0; i < 10; ++i) {
    auto r = f->Put("k" + std::to_string(i), std::to_string(i));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201) << r->body;
  }
  for (auto& m : nodes_) {
    auto r = m->Get("/v2/keys/k9?quorum=true");
    ASSERT_TRUE(r);
    EXPECT_NE(r->body.find("\"value\":\"9\""), std::string::npos) << r->body;
  }
  // Enough entries that the leader compacts its log (every 1000 entries once all followers
  // have them): a member added afterwards must be sent a snapshot.
  StartWriters(4);
  const auto until = Clock::now() + std::chrono::seconds(60);
  while (Acked() < 1500 && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  StopWriters();
  ASSERT_GE(Acked(), 1500u);
  Node* lead = Leader();
  ASSERT_NE(lead, nullptr);
  EXPECT_NE(lead->Log().find("established a stream to peer"), std::string::npos);

  Node& added = Add("m3");
  added.set_peer_scheme("https");
  {
    httplib::Client cli("127.0.0.1", lead->port());
    auto r = cli.Post("/v2/members", "{\"peerURLs\":[\"" + added.peer_url() + "\"]}", "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201) << r->body;
  }
  added.Spawn(Initial(), "existing", "itest", PeerTlsFlags(certs, "peer"));
  ASSERT_TRUE(added.WaitReady()) << added.Log();
  EXPECT_TRUE(arbor::testing::WaitFor(
      [&] {
        auto r = added.Get("/v2/keys/k0");
        return r && r->body.find("\"value\":\"0\"") != std::string::npos;
      },
      std::chrono::seconds(10)))
      << added.Log();
  ExpectAllAcked(added);
  EXPECT_NE(lead->Log().find("sending snapshot"), std::string::npos) << "caught up without a snapshot?";
  EXPECT_NE(lead->Log().find("snapshot to"), std::string::npos);

  lead->Kill(SIGKILL);
  Node* next = Leader();
  ASSERT_NE(next, nullptr);
  auto r = next->Put("after", "1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
}

// The listener's checks: a member whose certificate another CA signed, and one whose
// certificate the CRL revokes, are refused with a log line; the two good members (a quorum of
// three) serve on. Then --peer-auto-tls: self-signed pairs, not verified, as etcd.
TEST_F(ClusterTest, PeerTlsRefusesForeignAndRevokedCertificates) {
  const std::string certs = (root_ / "certs").string();
  ASSERT_TRUE(MakePeerCerts(certs));
  const std::vector<std::string> cert_of = {"peer", "peer", "rogue"};
  StartTlsCluster(3, [&](int i) {
    auto flags = PeerTlsFlags(certs, cert_of[i]);
    flags.insert(flags.end(), {"--peer-crl-file", certs + "/crl.pem"});
    return flags;
  });
  ASSERT_TRUE(nodes_[0]->WaitReady()) << nodes_[0]->Log();
  ASSERT_TRUE(nodes_[1]->WaitReady()) << nodes_[1]->Log();
  auto r = nodes_[0]->Put("a", "1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
  EXPECT_NE(nodes_[0]->Log().find("rejected connection from \"127.0.0.1\""), std::string::npos)
      << nodes_[0]->Log();
  // TLS 1.3: the dialer's handshake completes before the listener checks its certificate, so
  // the refusal shows on the dialer's side when it reads the answer.
  EXPECT_NE(nodes_[2]->Log().find("TLS with peer"), std::string::npos) << nodes_[2]->Log();
  EXPECT_EQ(nodes_[2]->Log().find("established a stream"), std::string::npos) << nodes_[2]->Log();
  nodes_[2]->Kill(SIGKILL);

  // The revoked certificate verifies against the CA, so only the CRL turns it away. (The rogue
  // member is removed first, so that the cluster keeps a started quorum.)
  Node* lead = Leader();
  ASSERT_NE(lead, nullptr);
  Node& revoked = Add("m3");
  revoked.set_peer_scheme("https");
  {
    httplib::Client cli("127.0.0.1", lead->port());
    auto members = cli.Get("/v2/members");
    ASSERT_TRUE(members);
    const size_t at = members->body.find("\"name\":\"m2\"");
    std::string rogue_id;
    if (at != std::string::npos) rogue_id = Field(members->body.substr(members->body.rfind("{", at)), "id");
    if (rogue_id.empty()) {  // Never published: find it by its peer URL.
      const size_t u = members->body.find(nodes_[2]->peer_url());
      ASSERT_NE(u, std::string::npos) << members->body;
      rogue_id = Field(members->body.substr(members->body.rfind("{\"id\"", u)), "id");
    }
    auto del = cli.Delete("/v2/members/" + rogue_id);
    ASSERT_TRUE(del);
    ASSERT_EQ(del->status, 204) << del->body;
    auto add = cli.Post("/v2/members", "{\"peerURLs\":[\"" + revoked.peer_url() + "\"]}", "application/json");
    ASSERT_TRUE(add);
    ASSERT_EQ(add->status, 201) << add->body;
  }
  std::vector<std::string> flags = PeerTlsFlags(certs, "revoked");
  revoked.Spawn(Initial(), "existing", "itest", flags);
  EXPECT_TRUE(arbor::testing::WaitFor([&] { return lead->Log().find("revoked") != std::string::npos; },
                                      std::chrono::seconds(10)))
      << lead->Log();
}

TEST_F(ClusterTest, PeerAutoTlsFormsAClusterOfSelfSignedMembers) {
  StartTlsCluster(3, [](int) { return std::vector<std::string>{"--peer-auto-tls"}; });
  for (auto& m : nodes_) ASSERT_TRUE(m->WaitReady()) << m->Log();
  Node* f = Follower();
  ASSERT_NE(f, nullptr);
  auto r = f->Put("x", "1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
  EXPECT_TRUE(fs::exists(root_ / "m0" / "fixtures" / "peer" / "cert.pem"));
}

}  // namespace

namespace {

// `arborctl snapshot restore` of a snapshot taken from a 3-member cluster: it must be told
// which member to become (--name); the restored member keeps that member's ID, elects itself
// alone, serves every key and takes writes.
TEST_F(ClusterTest, SnapshotOfAClusterRestoresTheNamedMemberAlone) {
  StartCluster(3);
  Node* f = Follower();
  ASSERT_NE(f, nullptr);
  for (int i = 0; i < 20; ++i) {
    auto r = f->Put("s" + std::to_string(i), std::to_string(i));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201) << r->body;
  }
  const std::string m1_id = nodes_[1]->Id();
  ASSERT_FALSE(m1_id.empty());
  const std::string snap = (root_ / "cluster.snap").string();
  int rc = 0;
  std::string out = Shell("bin/arborctl --endpoints " + nodes_[0]->client_url() + " snapshot save " + snap, &rc);
  ASSERT_EQ(rc, 0) << out;
  const std::string restored = (root_ / "restored").string();
  out = Shell("bin/arborctl snapshot restore " + snap + " --data-dir " + restored, &rc);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("the snapshot holds 3 members"), std::string::npos) << out;
  EXPECT_NE(out.find("choose the one to restore with --name"), std::string::npos) << out;
  out = Shell("bin/arborctl snapshot restore " + snap + " --data-dir " + restored + " --name m1", &rc);
  ASSERT_EQ(rc, 0) << out;

  nodes_.clear();  // The old cluster is gone.
  nodes_.push_back(std::make_unique<Node>("m1", restored));
  Node& m1 = *nodes_.back();
  m1.Spawn(m1.initial(), "new");  // The data directory's WAL wins over the cluster flags.
  ASSERT_TRUE(m1.WaitReady()) << m1.Log();
  EXPECT_EQ(m1.Id(), m1_id);
  auto r = m1.Get("/v2/keys/s19");
  ASSERT_TRUE(r);
  EXPECT_NE(r->body.find("\"value\":\"19\""), std::string::npos) << r->body;
  auto w = m1.Put("after-restore", "1");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->status, 201) << w->body;
  auto members = m1.Get("/v2/members");
  ASSERT_TRUE(members);
  size_t count = 0;
  for (size_t at = members->body.find("\"id\":"); at != std::string::npos; at = members->body.find("\"id\":", at + 1)) ++count;
  EXPECT_EQ(count, 1u) << members->body;
}

}  // namespace

namespace {

// --initial-election-tick-advance (default true): once its streams to both peers are up, a
// member of a fresh 3-member cluster fast-forwards its election clock, as etcd; with false it
// says it skips that and does not.
TEST_F(ClusterTest, InitialElectionTickAdvanceFastForwardsOncePeersAreUp) {
  StartCluster(3);
  const std::string line = "initialized peer connection; fast-forwarding 8 ticks (election ticks 10) with 2 active peer(s)";
  for (auto& m : nodes_) {
    // The advance waits at most 5 s for the streams.
    EXPECT_TRUE(arbor::testing::WaitFor([&] { return m->Log().find(line) != std::string::npos; },
                                        std::chrono::seconds(6)))
        << m->Log();
  }
  nodes_.clear();
  for (int i = 0; i < 3; ++i) Add("n" + std::to_string(i));
  for (auto& m : nodes_) m->Spawn(Initial(), "new", "itest", {"--initial-election-tick-advance=false"});
  for (auto& m : nodes_) ASSERT_TRUE(m->WaitReady()) << m->Log();
  for (auto& m : nodes_) {
    EXPECT_NE(m->Log().find("skipping initial election tick advance"), std::string::npos) << m->Log();
    EXPECT_EQ(m->Log().find("fast-forwarding"), std::string::npos) << m->Log();
  }
}

}  // namespace
