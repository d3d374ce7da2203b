// The limits that keep one client from hurting the others (docs/architecture.md, "Limits"):
// each test crosses one, checks the answer, and checks that the server still serves.

#include <gtest/gtest.h>
#include <httplib.h>

#include <future>
#include <string>

#include "integration/harness.h"

namespace arbor::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class LimitsTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> flags = {}) {
    if (access("bin/arbor", X_OK) != 0) GTEST_SKIP() << "bin/arbor not built";
    server_ = std::make_unique<ArborProcess>(std::move(flags));
    cli_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    ASSERT_TRUE(WaitFor([&] { return Healthy(); }, seconds(10)));
  }

  // The server answers and a key written before is intact.
  bool Healthy() {
    if (!server_->running()) return false;
    auto r = cli_->Get("/v2/keys/");
    return r && r->status == 200;
  }

  uint64_t Watchers() {
    auto r = cli_->Get("/v2/stats/store");
    if (!r) return ~0ull;
    const size_t at = r->body.find("\"watchers\":");
    return std::stoull(r->body.substr(at + 11));
  }

  static std::string Status(const std::string& reply) { return reply.substr(0, reply.find("\r\n")); }

  std::unique_ptr<ArborProcess> server_;
  std::unique_ptr<httplib::Client> cli_;
};

// A form body over Go's 10 MiB ParseForm cap gets etcd's 400/210 from the headers alone: the
// body is never sent here, so an answer proves the server did not wait to read it.
TEST_F(LimitsTest, FormBodyOverTenMiBIsRefusedFromItsHeaders) {
  Start();
  RawConn c(server_->port());
  ASSERT_TRUE(c.send("PUT /v2/keys/big HTTP/1.1\r\nHost: x\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n"
                     "Content-Length: 12582912\r\n\r\nvalue=aaaa"));
  bool closed = false;
  const std::string reply = c.read(seconds(5), &closed, "\"index\":0}\n");
  EXPECT_EQ(Status(reply), "HTTP/1.1 400 Bad Request");
  EXPECT_NE(reply.find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(reply.find("{\"errorCode\":210,\"message\":\"Invalid POST form\","
                       "\"cause\":\"http: POST too large\",\"index\":0}\n"),
            std::string::npos);
  EXPECT_TRUE(Healthy());
  // Exactly 10 MiB of form is accepted, as etcd accepts it.
  std::string body = "value=" + std::string((10 << 20) - 6, 'v');
  auto ok = cli_->Put("/v2/keys/tenmib", body, "application/x-www-form-urlencoded");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 201);
}

TEST_F(LimitsTest, BodyOverMaxRequestBytesGets413AndTheConnectionCloses) {
  Start({"--max-request-bytes", "1000"});
  const std::string big(2000, 'x');
  // A declared length: refused before the body is read.
  {
    RawConn c(server_->port());
    ASSERT_TRUE(c.send("PUT /v2/members HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       "Content-Length: 2000\r\n\r\n"));
    bool closed = false;
    const std::string reply = c.read(seconds(5), &closed);
    EXPECT_EQ(Status(reply), "HTTP/1.1 413 Request Entity Too Large");
    EXPECT_NE(reply.find("\r\n\r\n{\"message\":\"http: request body too large\"}\n"), std::string::npos);
    EXPECT_TRUE(closed);
  }
  // A chunked body: cut off when it passes the bound.
  {
    RawConn c(server_->port());
    ASSERT_TRUE(c.send("PUT /v2/keys/c HTTP/1.1\r\nHost: x\r\n"
                       "Content-Type: application/x-www-form-urlencoded\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n7d0\r\n" + big + "\r\n0\r\n\r\n"));
    bool closed = false;
    const std::string reply = c.read(seconds(5), &closed);
    EXPECT_EQ(Status(reply), "HTTP/1.1 413 Request Entity Too Large");
    EXPECT_TRUE(closed);
  }
  auto form = cli_->Put("/v2/keys/f", "value=" + big, "application/x-www-form-urlencoded");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 413);
  auto small = cli_->Put("/v2/keys/f", "value=small", "application/x-www-form-urlencoded");
  ASSERT_TRUE(small);
  EXPECT_EQ(small->status, 201);
  EXPECT_TRUE(Healthy());
}

// etcd's port multiplexer drops a request line longer than 4096 bytes (CRLF included), and a
// first line that is not HTTP/1, without an answer; arbor does the same.
TEST_F(LimitsTest, RequestLineOverFourKiBIsDroppedAsEtcdDoes) {
  Start();
  auto line = [](size_t url_len) {
    return "GET /v2/keys/" + std::string(url_len - 9, 'u') + " HTTP/1.1\r\n";
  };
  ASSERT_EQ(line(4081).size(), 4096u);
  {
    RawConn c(server_->port());
    ASSERT_TRUE(c.send(line(4081) + "Host: x\r\n\r\n"));
    EXPECT_EQ(Status(c.read(seconds(5), nullptr, "\r\n\r\n")), "HTTP/1.1 404 Not Found");
  }
  for (const std::string& req : {line(4082) + "Host: x\r\n\r\n",
                                 line(1 << 20) + "Host: x\r\n\r\n",
                                 std::string("\x16\x03\x01\x02\x00GARBAGE\r\n\r\n")}) {
    RawConn c(server_->port());
    c.send(req);
    bool closed = false;
    EXPECT_EQ(c.read(seconds(5), &closed), "");
    EXPECT_TRUE(closed);
  }
  EXPECT_TRUE(Healthy());
}

// The deepest key a 4096-byte request line can name (about 2,000 levels) is stored, listed
// recursively and deleted; the store and the JSON encoder do not recurse per level.
TEST_F(LimitsTest, DeepestKeyARequestLineCanNameIsStoredListedAndDeleted) {
  Start();
  std::string key = "/v2/keys/deep";
  int levels = 0;
  while (key.size() + 2 + 5 + 22 < 4096) {
    key += "/a";
    ++levels;
  }
  key += "/leaf";
  auto put = cli_->Put(key, "value=deep", "application/x-www-form-urlencoded");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 201);
  auto list = cli_->Get("/v2/keys/deep?recursive=true");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->status, 200);
  size_t dirs = 0;
  for (size_t at = 0; (at = list->body.find("\"dir\":true", at)) != std::string::npos; ++at) ++dirs;
  EXPECT_EQ(dirs, static_cast<size_t>(levels + 1));  // /deep and every /a.
  EXPECT_NE(list->body.find("\"value\":\"deep\""), std::string::npos);
  auto del = cli_->Delete("/v2/keys/deep?recursive=true");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 200);
  EXPECT_EQ(cli_->Get(key)->status, 404);
  EXPECT_GT(levels, 2000);
  EXPECT_TRUE(Healthy());
}

TEST_F(LimitsTest, HeadersOverOneMiBGet431) {
  Start();
  RawConn c(server_->port());
  c.send("GET /v2/keys/ HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2 << 20, 'h') + "\r\n\r\n");
  EXPECT_EQ(Status(c.read(seconds(5), nullptr, "\r\n\r\n")),
            "HTTP/1.1 431 Request Header Fields Too Large");
  EXPECT_TRUE(Healthy());
}

// A client that trickles its headers is cut off; one that sends nothing after a reply is closed
// once idle; a long poll that simply waits is kept.
TEST_F(LimitsTest, SlowHeadersAndIdleConnectionsTimeOutButLongPollsDoNot) {
  Start({"--http-read-header-timeout", "500ms", "--http-idle-timeout", "1s"});
  RawConn slow(server_->port());
  ASSERT_TRUE(slow.send("GET /v2/keys/ HTTP/1.1\r\nHost: x\r\n"));
  const auto t0 = std::chrono::steady_clock::now();
  bool closed = false;
  for (int i = 0; i < 40 && !closed; ++i) {  // At most 4 s.
    if (!slow.send("X-a: b\r\n")) break;
    slow.read(milliseconds(100), &closed);
  }
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_TRUE(closed || !slow.send("X-a: b\r\n"));
  EXPECT_LT(took, seconds(3));  // Within two header timeouts and some slack.

  RawConn idle(server_->port());
  ASSERT_TRUE(idle.send("GET /v2/keys/ HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(Status(idle.read(seconds(2), nullptr, "\r\n\r\n")), "HTTP/1.1 200 OK");
  const auto i0 = std::chrono::steady_clock::now();
  idle.read(seconds(5), &closed);
  EXPECT_TRUE(closed);
  EXPECT_GE(std::chrono::steady_clock::now() - i0, milliseconds(900));

  RawConn poll(server_->port());
  ASSERT_TRUE(poll.send("GET /v2/keys/lp?wait=true HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(WaitFor([&] { return Watchers() == 1; }, seconds(5)));
  // The reply's headers leave at once (as etcd's do); then nothing until the event.
  EXPECT_EQ(Status(poll.read(seconds(2), nullptr, "\r\n\r\n")), "HTTP/1.1 200 OK");
  EXPECT_EQ(poll.read(milliseconds(2500), &closed), "");  // Past both timeouts.
  EXPECT_FALSE(closed);
  EXPECT_EQ(Watchers(), 1u);
  ASSERT_EQ(cli_->Put("/v2/keys/lp", "value=1", "application/x-www-form-urlencoded")->status, 201);
  EXPECT_NE(poll.read(seconds(5), nullptr, "}}\n").find("\"action\":\"set\""), std::string::npos);
  EXPECT_TRUE(Healthy());
}

// A stream watcher whose client never reads (a tiny receive buffer, no recv) is dropped once
// its backlog passes --max-stream-backlog-bytes; the server's memory stays bounded.
TEST_F(LimitsTest, StreamWatcherThatDoesNotReadIsDropped) {
  Start({"--max-stream-backlog-bytes", "262144"});
  const long rss_before = server_->rss_kb();
  RawConn stuck(server_->port(), /*rcvbuf=*/4096);
  ASSERT_TRUE(stuck.send("GET /v2/keys/s?wait=true&stream=true&recursive=true HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(WaitFor([&] { return Watchers() == 1; }, seconds(5)));
  const std::string value = "value=" + std::string(16 << 10, 'e');
  int written = 0;
  for (int i = 0; i < 2000 && Watchers() == 1; ++i) {  // Up to 32 MiB of events.
    auto r = cli_->Put("/v2/keys/s/k", value, "application/x-www-form-urlencoded");
    ASSERT_TRUE(r);
    ASSERT_LT(r->status, 300);
    ++written;
  }
  EXPECT_TRUE(WaitFor([&] { return Watchers() == 0; }, seconds(5)));
  EXPECT_LT(written, 200);  // Dropped after a few hundred KiB, not after tens of MiB.
  EXPECT_LT(server_->rss_kb() - rss_before, 64 << 10);
  EXPECT_TRUE(Healthy());
}

}  // namespace
}  // namespace arbor::testing
