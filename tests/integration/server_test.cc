// Boots bin/arbor on a loopback port and checks exact replies, a long-poll watch, and that a
// watcher whose client disconnects is freed at once.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include "integration/harness.h"

namespace {

using arbor::testing::FreePort;
using arbor::testing::WaitFor;

class ServerTest : public ::testing::Test {
  friend void RunManyLongPollsInTurn(ServerTest& t);
  friend void RunRequestWithShutdown(ServerTest& t);

 protected:
  void SetUp() override {
    if (access("bin/arbor", X_OK) != 0) GTEST_SKIP() << "bin/arbor not built";
    port_ = FreePort();
    const int peer = FreePort();
    const std::string client = "http://127.0.0.1:" + std::to_string(port_);
    const std::string peer_url = "http://127.0.0.1:" + std::to_string(peer);
    char dir[] = "/tmp/arbor-it-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    const std::string data_dir = dir_ + "/data";
    std::vector<std::string> args = {"bin/arbor", "--name", "default", "--data-dir", data_dir,
                                     "--listen-client-urls", client, "--advertise-client-urls", client,
                                     "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls",
                                     peer_url, "--initial-cluster", "default=" + peer_url,
                                     "--log-level", "error"};
    for (const std::string& a : ExtraArgs()) args.push_back(a);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      execv("bin/arbor", argv.data());
      _exit(127);
    }
    cli_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    ASSERT_TRUE(WaitFor(
        [&] {
          auto r = cli_->Get("/v2/keys/");
          return r && r->status == 200;
        },
        std::chrono::seconds(10)));
  }

  virtual std::vector<std::string> ExtraArgs() const { return {}; }

  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  httplib::Result Put(const std::string& path, const std::string& form) {
    return cli_->Put(path, form, "application/x-www-form-urlencoded");
  }

  uint64_t Watchers() {
    auto r = cli_->Get("/v2/stats/store");
    const std::string& b = r->body;
    const size_t at = b.find("\"watchers\":");
    return std::stoull(b.substr(at + 11));
  }

  int port_ = 0;
  std::string dir_;  // The member's data directory, removed at the end.
  pid_t pid_ = -1;
  std::unique_ptr<httplib::Client> cli_;
};

TEST_F(ServerTest, FreshMemberStartsAtIndexThree) {
  auto r = cli_->Get("/v2/keys/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("X-Etcd-Index"), "3");
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  EXPECT_TRUE(r->has_header("X-Etcd-Cluster-Id"));
  EXPECT_TRUE(r->has_header("X-Raft-Index"));
  EXPECT_TRUE(r->has_header("X-Raft-Term"));
  EXPECT_EQ(r->body, "{\"action\":\"get\",\"node\":{\"dir\":true}}\n");
}

TEST_F(ServerTest, SetGetAndErrorsHaveEtcdBodies) {
  auto set = Put("/v2/keys/foo", "value=bar");
  ASSERT_TRUE(set);
  EXPECT_EQ(set->status, 201);
  EXPECT_EQ(set->get_header_value("X-Etcd-Index"), "4");
  EXPECT_EQ(set->body,
            "{\"action\":\"set\",\"node\":{\"key\":\"/foo\",\"value\":\"bar\",\"modifiedIndex\":4,"
            "\"createdIndex\":4}}\n");
  auto again = Put("/v2/keys/foo", "value=baz");
  EXPECT_EQ(again->status, 200);
  EXPECT_NE(again->body.find("\"prevNode\":{\"key\":\"/foo\",\"value\":\"bar\""), std::string::npos);
  auto missing = cli_->Get("/v2/keys/nope/a");
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->get_header_value("X-Etcd-Index"), "5");
  EXPECT_EQ(missing->body,
            "{\"errorCode\":100,\"message\":\"Key not found\",\"cause\":\"/nope\",\"index\":5}\n");
  auto bad = cli_->Get("/v2/keys/foo?recursive=yes");
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(bad->get_header_value("X-Etcd-Index"), "0");
}

TEST_F(ServerTest, UnknownMethodAndPathAreTextReplies) {
  auto r = cli_->Patch("/v2/keys/foo", "", "text/plain");
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->get_header_value("Allow"), "HEAD,GET,PUT,POST,DELETE");
  EXPECT_EQ(r->body, "Method Not Allowed\n");
  auto nf = cli_->Get("/v2/nothing");
  EXPECT_EQ(nf->status, 404);
  EXPECT_EQ(nf->body, "404 page not found\n");
}

TEST_F(ServerTest, LongPollWatchReturnsTheNextEvent) {
  auto watch = std::async(std::launch::async, [&] {
    httplib::Client c("127.0.0.1", port_);
    return c.Get("/v2/keys/w?wait=true");
  });
  ASSERT_TRUE(WaitFor([&] { return Watchers() == 1; }, std::chrono::seconds(5)));
  ASSERT_EQ(Put("/v2/keys/w", "value=1")->status, 201);
  ASSERT_EQ(watch.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  auto r = watch.get();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("X-Etcd-Index"), "3");  // Index when the watch was made.
  EXPECT_EQ(r->body,
            "{\"action\":\"set\",\"node\":{\"key\":\"/w\",\"value\":\"1\",\"modifiedIndex\":4,"
            "\"createdIndex\":4}}\n");
  EXPECT_EQ(Watchers(), 0u);
}

TEST_F(ServerTest, DisconnectingWatcherIsFreedAtOnce) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port_));
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  const std::string req = "GET /v2/keys/d?wait=true HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(write(fd, req.data(), req.size()), static_cast<ssize_t>(req.size()));
  ASSERT_TRUE(WaitFor([&] { return Watchers() == 1; }, std::chrono::seconds(5)));
  close(fd);
  EXPECT_TRUE(WaitFor([&] { return Watchers() == 0; }, std::chrono::seconds(2)));
}

// One connection runs many long polls in turn, as watch loops do. After its first, a parked
// watch waits in the server's edge-triggered set without a read of its own; each next request
// must still wake it, a request sent while a watch is parked is served after that watch's event,
// and closing the connection frees the watcher at once.
void RunManyLongPollsInTurn(ServerTest& t);
void RunRequestWithShutdown(ServerTest& t);

TEST_F(ServerTest, OneConnectionRunsManyLongPollsInTurn) { RunManyLongPollsInTurn(*this); }
TEST_F(ServerTest, ARequestArrivingWithTheClientsShutdownStillEndsTheWatch) { RunRequestWithShutdown(*this); }

// With two I/O threads a parked watch waits with a pending read instead (no edge-triggered set).
class ServerTwoIoThreadsTest : public ServerTest {
  std::vector<std::string> ExtraArgs() const override { return {"--io-threads", "2"}; }
};
TEST_F(ServerTwoIoThreadsTest, OneConnectionRunsManyLongPollsInTurn) { RunManyLongPollsInTurn(*this); }
TEST_F(ServerTwoIoThreadsTest, ARequestArrivingWithTheClientsShutdownStillEndsTheWatch) { RunRequestWithShutdown(*this); }

void RunManyLongPollsInTurn(ServerTest& t) {
  arbor::testing::RawConn c(t.port_);
  ASSERT_TRUE(c.ok());
  auto wait_req = [](int index) {
    return "GET /v2/keys/r?wait=true&waitIndex=" + std::to_string(index) + " HTTP/1.1\r\nHost: x\r\n\r\n";
  };
  for (int round = 0; round < 20; ++round) {
    const int index = 4 + round;
    ASSERT_TRUE(c.send(wait_req(index)));
    ASSERT_TRUE(WaitFor([&] { return t.Watchers() == 1; }, std::chrono::seconds(5))) << round;
    ASSERT_EQ(t.Put("/v2/keys/r", "value=v" + std::to_string(round))->status, round == 0 ? 201 : 200);
    const std::string want = "\"value\":\"v" + std::to_string(round) + "\",\"modifiedIndex\":" + std::to_string(index);
    const std::string got = c.read(std::chrono::seconds(5), nullptr, "\r\n0\r\n\r\n");
    ASSERT_NE(got.find(want), std::string::npos) << round << ": " << got;
    ASSERT_EQ(t.Watchers(), 0u);
  }
  // Two requests in one send: the second is served once the first has its event.
  ASSERT_TRUE(c.send(wait_req(24) + wait_req(25)));
  ASSERT_TRUE(WaitFor([&] { return t.Watchers() == 1; }, std::chrono::seconds(5)));
  ASSERT_EQ(t.Put("/v2/keys/r", "value=a")->status, 200);
  ASSERT_TRUE(WaitFor([&] { return t.Watchers() == 1; }, std::chrono::seconds(5)));
  ASSERT_EQ(t.Put("/v2/keys/r", "value=b")->status, 200);
  const std::string both = c.read(std::chrono::seconds(5), nullptr, "\"value\":\"b\"");
  EXPECT_LT(both.find("\"value\":\"a\",\"modifiedIndex\":24"), both.find("\"value\":\"b\",\"modifiedIndex\":25")) << both;
  // Parked again, then the client goes away.
  ASSERT_TRUE(c.send(wait_req(26)));
  ASSERT_TRUE(WaitFor([&] { return t.Watchers() == 1; }, std::chrono::seconds(5)));
  c.shutdown_write();
  EXPECT_TRUE(WaitFor([&] { return t.Watchers() == 0; }, std::chrono::seconds(2)));
  bool closed = false;
  c.read(std::chrono::seconds(5), &closed);
  EXPECT_TRUE(closed);
}

// The next request and the client's end of sending arrive together, on a connection that has
// parked before: the request is served, and the end that came with it still frees the watcher
// (one wake-up reports both; reading the request does not read the end of the stream).
void RunRequestWithShutdown(ServerTest& t) {
  arbor::testing::RawConn c(t.port_);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.send("GET /v2/keys/s?wait=true HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(WaitFor([&] { return t.Watchers() == 1; }, std::chrono::seconds(5)));
  ASSERT_EQ(t.Put("/v2/keys/s", "value=1")->status, 201);
  ASSERT_NE(c.read(std::chrono::seconds(5), nullptr, "\r\n0\r\n\r\n").find("\"value\":\"1\""), std::string::npos);
  ASSERT_TRUE(c.send("GET /v2/keys/s?wait=true&waitIndex=5 HTTP/1.1\r\nHost: x\r\n\r\n"));
  c.shutdown_write();
  bool closed = false;
  const std::string got = c.read(std::chrono::seconds(5), &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(got.substr(0, got.find("\r\n")), "HTTP/1.1 200 OK") << got;
  EXPECT_EQ(t.Watchers(), 0u);
}

TEST_F(ServerTest, HeadHasGetHeadersButNoBody) {
  ASSERT_EQ(Put("/v2/keys/h", "value=x")->status, 201);
  auto get = cli_->Get("/v2/keys/h");
  auto head = cli_->Head("/v2/keys/h");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->get_header_value("Content-Length"), std::to_string(get->body.size()));
  EXPECT_EQ(head->body, "");
  // The connection is still usable: nothing extra was sent after the headers.
  EXPECT_EQ(cli_->Get("/v2/keys/h")->status, 200);
}

TEST_F(ServerTest, StreamWatcherOnDeletedKeyGetsTheDeleteTwice) {
  std::promise<std::string> got;
  auto fut = got.get_future();
  std::thread t([&] {
    httplib::Client c("127.0.0.1", port_);
    std::string body;
    bool set = false;
    c.Get("/v2/keys/sk?wait=true&stream=true", [&](const char* data, size_t n) {
      body.append(data, n);
      if (std::count(body.begin(), body.end(), '\n') >= 3 && !set) {
        set = true;
        got.set_value(body);
        return false;  // Hang up.
      }
      return true;
    });
    if (!set) got.set_value(body);
  });
  ASSERT_TRUE(WaitFor([&] { return Watchers() == 1; }, std::chrono::seconds(5)));
  ASSERT_EQ(Put("/v2/keys/sk", "value=1")->status, 201);
  ASSERT_EQ(cli_->Delete("/v2/keys/sk")->status, 200);
  ASSERT_EQ(fut.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  const std::string body = fut.get();
  t.join();
  const std::string del =
      "{\"action\":\"delete\",\"node\":{\"key\":\"/sk\",\"modifiedIndex\":5,\"createdIndex\":4},"
      "\"prevNode\":{\"key\":\"/sk\",\"value\":\"1\",\"modifiedIndex\":4,\"createdIndex\":4}}\n";
  EXPECT_EQ(body,
            "{\"action\":\"set\",\"node\":{\"key\":\"/sk\",\"value\":\"1\",\"modifiedIndex\":4,"
            "\"createdIndex\":4}}\n" + del + del);
  EXPECT_TRUE(WaitFor([&] { return Watchers() == 0; }, std::chrono::seconds(2)));
}

TEST_F(ServerTest, UncleanPathRedirects) {
  auto r = cli_->Get("/v2/keys//a//b?x=1");
  EXPECT_EQ(r->status, 301);
  EXPECT_EQ(r->get_header_value("Location"), "/v2/keys/a/b?x=1");
}

// The web UI compiled in from web/ (docs/web_ui.md): /ui redirects, files carry their type, an
// unknown file is etcd's plain 404, and every path outside /ui/ keeps etcd's answer.
TEST_F(ServerTest, WebUiIsServedFromTheBinary) {
  auto redirect = cli_->Get("/ui?api=x");
  ASSERT_TRUE(redirect);
  EXPECT_EQ(redirect->status, 301);
  EXPECT_EQ(redirect->get_header_value("Location"), "/ui/?api=x");
  EXPECT_EQ(cli_->Get("/ui")->get_header_value("Location"), "/ui/");

  auto index = cli_->Get("/ui/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(index->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_NE(index->body.find("Content-Security-Policy"), std::string::npos);
  EXPECT_EQ(cli_->Get("/ui/index.html")->body, index->body);

  auto js = cli_->Get("/ui/app.js");
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_NE(js->body.find("import"), std::string::npos);
  EXPECT_EQ(cli_->Get("/ui/style.css")->get_header_value("Content-Type"), "text/css; charset=utf-8");

  auto head = cli_->Head("/ui/app.js");
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->get_header_value("Content-Length"), std::to_string(js->body.size()));
  EXPECT_TRUE(head->body.empty());

  for (const char* path : {"/ui/nope.js", "/ui/web/app.js", "/ui/app.js/", "/uix", "/ui.js"}) {
    auto r = cli_->Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << path;
    EXPECT_EQ(r->body, "404 page not found\n") << path;
  }
  // ".." is cleaned by the router's redirect first, and the lookup is exact: nothing escapes web/.
  auto dots = cli_->Get("/ui/../CMakeLists.txt");
  EXPECT_EQ(dots->status, 301);
  EXPECT_EQ(dots->get_header_value("Location"), "/CMakeLists.txt");

  auto post = cli_->Post("/ui/app.js", "x", "text/plain");
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->get_header_value("Allow"), "GET, HEAD");
}

}  // namespace

// Replies to writes leave from the apply loop's thread (direct_reply in session.cc); the
// connection must still answer pipelined requests in order, keep reading after each reply, and
// close after a reply to "Connection: close".
TEST_F(ServerTest, PipelinedWritesAreAnsweredInOrderOnOneConnection) {
  arbor::testing::RawConn c(port_);
  ASSERT_TRUE(c.ok());
  std::string reqs;
  for (int i = 0; i < 3; ++i) {
    const std::string body = "value=v" + std::to_string(i);
    reqs += "PUT /v2/keys/p HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  reqs += "GET /v2/keys/p HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_TRUE(c.send(reqs));
  const std::string replies = c.read(std::chrono::seconds(5), nullptr, "\"value\":\"v2\",\"modifiedIndex\":6,\"createdIndex\":4}}\n");
  const size_t r1 = replies.find("HTTP/1.1 201 Created");
  const size_t r2 = replies.find("HTTP/1.1 200 OK", r1);
  const size_t r3 = replies.find("HTTP/1.1 200 OK", r2 + 1);
  const size_t r4 = replies.find("HTTP/1.1 200 OK", r3 + 1);
  ASSERT_NE(r4, std::string::npos) << replies;
  EXPECT_NE(replies.find("{\"action\":\"set\",\"node\":{\"key\":\"/p\",\"value\":\"v0\",\"modifiedIndex\":4,\"createdIndex\":4}}\n"), std::string::npos);
  EXPECT_LT(replies.find("\"value\":\"v1\",\"modifiedIndex\":5"), r3);
  EXPECT_GT(replies.find("{\"action\":\"get\",\"node\":{\"key\":\"/p\",\"value\":\"v2\""), r4);
  // The same connection takes a write asking to close: its reply says so, then EOF.
  ASSERT_TRUE(c.send("PUT /v2/keys/q HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\nvalue=z"));
  bool closed = false;
  const std::string last = c.read(std::chrono::seconds(5), &closed);
  EXPECT_EQ(last.substr(0, last.find("\r\n")), "HTTP/1.1 201 Created");
  EXPECT_NE(last.find("Connection: close\r\n"), std::string::npos);
  EXPECT_TRUE(closed);
}

// The apply loop holds the I/O thread's part of its direct replies and hands them over after each
// applied batch and at the end of each turn (hold_direct_finishes). A quorum read is answered by
// the loop outside an applied batch: if its part were left held, its connection would read
// nothing more until some later write. One connection alternates quorum reads and writes, each
// sent only after the previous reply, so each must be read on its own.
TEST_F(ServerTest, QuorumReadsAndWritesTakeTurnsOnOneConnection) {
  arbor::testing::RawConn c(port_);
  ASSERT_TRUE(c.ok());
  for (int i = 0; i < 4; ++i) {
    const std::string body = "value=t" + std::to_string(i);
    ASSERT_TRUE(c.send("PUT /v2/keys/turn HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                       "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body));
    const std::string put = c.read(std::chrono::seconds(5), nullptr, "}\n");
    ASSERT_NE(put.find("\"value\":\"t" + std::to_string(i) + "\""), std::string::npos) << i << ": " << put;
    for (int k = 0; k < 2; ++k) {
      ASSERT_TRUE(c.send("GET /v2/keys/turn?quorum=true HTTP/1.1\r\nHost: x\r\n\r\n"));
      const std::string get = c.read(std::chrono::seconds(5), nullptr, "}\n");
      EXPECT_EQ(get.substr(0, get.find("\r\n")), "HTTP/1.1 200 OK") << i << "/" << k;
      ASSERT_NE(get.find("{\"action\":\"get\",\"node\":{\"key\":\"/turn\",\"value\":\"t" + std::to_string(i) + "\""),
                std::string::npos) << i << "/" << k << ": " << get;
    }
  }
}

// A reply larger than the socket can take at once (the send buffer grows to 4 MiB at most): the
// part the apply loop's send() could not write is finished by the I/O thread, whole and in order.
// Puts a 5 MiB value of `c`s at /big (a reply that carries it is larger than a socket buffer)
// and returns the form body that did it.
std::string PutBigValue(const arbor::testing::ArborProcess& server, char c) {
  httplib::Client cli("127.0.0.1", server.port());
  EXPECT_TRUE(WaitFor([&] { auto r = cli.Get("/v2/keys/"); return r && r->status == 200; },
                      std::chrono::seconds(10)));
  std::string body = "value=" + std::string(5 << 20, c);
  auto put = cli.Put("/v2/keys/big", body, "application/x-www-form-urlencoded");
  EXPECT_TRUE(put && put->status == 201);
  return body;
}

// Where the body of the first reply in `raw` starts and how long it is: for a 200 with a
// Content-Length; nullopt otherwise.
std::optional<std::pair<size_t, size_t>> FirstOkBody(const std::string& raw) {
  if (raw.compare(0, 17, "HTTP/1.1 200 OK\r\n") != 0) return std::nullopt;
  const size_t hdr_end = raw.find("\r\n\r\n");
  const size_t cl = raw.find("Content-Length: ");
  if (hdr_end == std::string::npos || cl >= hdr_end) return std::nullopt;
  return std::make_pair(hdr_end + 4, static_cast<size_t>(std::stoull(raw.substr(cl + 16))));
}

TEST(ServerReplyTest, AWriteReplyLargerThanTheSocketBufferArrivesWhole) {
  if (access("bin/arbor", X_OK) != 0) GTEST_SKIP() << "bin/arbor not built";
  arbor::testing::ArborProcess server({"--max-request-bytes", "16777216"});
  const std::string body = PutBigValue(server, 'b');
  arbor::testing::RawConn c(server.port(), 4096);
  ASSERT_TRUE(c.ok());
  // The reply carries the new value and the previous one: 10 MiB for a 4 KiB receive buffer.
  ASSERT_TRUE(c.send("PUT /v2/keys/big HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // Let the send buffer fill.
  const std::string reply = c.read(std::chrono::seconds(30), nullptr, "\"createdIndex\":4}}\n");
  const auto body_at = FirstOkBody(reply);
  ASSERT_TRUE(body_at) << reply.substr(0, reply.find("\r\n"));
  EXPECT_EQ(body_at->second, reply.size() - body_at->first);
  const std::string start = "{\"action\":\"set\",\"node\":{\"key\":\"/big\",\"value\":\"bbbbb";
  EXPECT_EQ(reply.substr(body_at->first, start.size()), start);
  // The connection then serves the next request.
  ASSERT_TRUE(c.send("GET /v2/keys/ HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_NE(c.read(std::chrono::seconds(5), nullptr, "\"dir\":true").find("HTTP/1.1 200 OK"), std::string::npos);
}

// The same for a reply the I/O thread writes (a GET): its first send() takes what the socket
// holds, the write operation it falls back to sends the rest; pipelined requests behind it are
// answered in order.
TEST(ServerReplyTest, AReadReplyLargerThanTheSocketBufferArrivesWholeAndInOrder) {
  if (access("bin/arbor", X_OK) != 0) GTEST_SKIP() << "bin/arbor not built";
  arbor::testing::ArborProcess server({"--max-request-bytes", "16777216"});
  PutBigValue(server, 'g');
  arbor::testing::RawConn c(server.port(), 4096);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.send("GET /v2/keys/big HTTP/1.1\r\nHost: x\r\n\r\nGET /v2/keys/nope HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // Let the send buffer fill.
  const std::string reply = c.read(std::chrono::seconds(30), nullptr, "\"cause\":\"/nope\"");
  const auto body_at = FirstOkBody(reply);
  ASSERT_TRUE(body_at) << reply.substr(0, reply.find("\r\n"));
  const std::string first = reply.substr(body_at->first, body_at->second);
  const size_t v = first.find("\"value\":\"");
  ASSERT_NE(v, std::string::npos);
  const size_t v_end = first.find('"', v + 9);
  ASSERT_NE(v_end, std::string::npos);
  const std::string_view got(first.data() + v + 9, v_end - v - 9);
  EXPECT_TRUE(got == std::string(5 << 20, 'g')) << "a value of " << got.size() << " bytes";
  EXPECT_EQ(first.back(), '\n');
  // The second reply follows the first, whole.
  const std::string second = reply.substr(body_at->first + body_at->second);
  EXPECT_EQ(second.substr(0, second.find("\r\n")), "HTTP/1.1 404 Not Found");
}
