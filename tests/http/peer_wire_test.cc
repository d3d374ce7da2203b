#include "http/peer_wire.h"

#include <gtest/gtest.h>

namespace arbor::http {
namespace {

TEST(PeerWire, FramesSurviveAnySplitOfTheStream) {
  std::string stream;
  append_frame(stream, "first");
  append_frame(stream, "");
  append_frame(stream, std::string(70000, 'x'));
  FrameReader r;
  std::vector<std::string> got;
  for (size_t i = 0; i < stream.size(); i += 3) {
    r.feed(std::string_view(stream).substr(i, 3));
    while (auto f = r.next()) got.push_back(*f);
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], "first");
  EXPECT_EQ(got[1], "");
  EXPECT_EQ(got[2], std::string(70000, 'x'));
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(PeerWire, LengthIsFourBytesBigEndian) {
  std::string out;
  append_frame(out, "abc");
  EXPECT_EQ(out, std::string("\0\0\0\3abc", 7));
}

TEST(PeerWire, AFrameBuiltInPlaceIsTheSameAsAnAppendedOne) {
  std::string appended;
  append_frame(appended, std::string(70000, 'y'));
  std::string in_place(4, '\0');
  in_place.append(70000, 'y');
  set_frame_length(in_place);
  EXPECT_EQ(in_place, appended);
  EXPECT_EQ(in_place.substr(0, 4), std::string("\0\1\x11\x70", 4));
}

TEST(PeerWire, AFrameLongerThanTheLimitFailsTheStreamForGood) {
  FrameReader r;
  r.feed(std::string("\x7f\xff\xff\xff", 4));
  EXPECT_FALSE(r.next().has_value());
  EXPECT_TRUE(r.failed());
  r.feed(std::string("\0\0\0\0", 4));
  EXPECT_FALSE(r.next().has_value());
}

TEST(PeerWire, StreamHeadGivesMethodPathAndLowerCaseHeaders) {
  RequestHead h;
  ASSERT_TRUE(parse_request_head(
      "POST /raft/stream HTTP/1.1\r\nX-Etcd-Cluster-ID: abc\r\nX-Raft-To:  12 \r\n\r\n", &h));
  EXPECT_EQ(h.method, "POST");
  EXPECT_EQ(h.path, "/raft/stream");
  EXPECT_EQ(h.header("x-etcd-cluster-id"), "abc");
  EXPECT_EQ(h.header("x-raft-to"), "12");
  EXPECT_EQ(h.header("x-server-from"), "");
}

TEST(PeerWire, GarbageHeadsAreRefused) {
  RequestHead h;
  EXPECT_FALSE(parse_request_head("", &h));
  EXPECT_FALSE(parse_request_head("POST\r\n\r\n", &h));
  EXPECT_FALSE(parse_request_head("POST /x SMTP\r\n\r\n", &h));
  EXPECT_FALSE(parse_request_head("GET / HTTP/1.1\r\nno colon here\r\n\r\n", &h));
}

TEST(PeerWire, StatusOfAResponseHead) {
  EXPECT_EQ(parse_status("HTTP/1.1 200 OK\r\n\r\n"), 200);
  EXPECT_EQ(parse_status("HTTP/1.1 412 Precondition Failed\r\n"), 412);
  EXPECT_EQ(parse_status("HTTP/1.1 2x0 OK"), 0);
  EXPECT_EQ(parse_status("garbage"), 0);
}

TEST(PeerWire, UrlHostAndPort) {
  std::string host, port;
  ASSERT_TRUE(split_url_host_port("http://127.0.0.1:2380/", &host, &port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, "2380");
  ASSERT_TRUE(split_url_host_port("http://[::1]:2380", &host, &port));
  EXPECT_EQ(host, "::1");
  EXPECT_FALSE(split_url_host_port("127.0.0.1:2380", &host, &port));
}

}  // namespace
}  // namespace arbor::http
