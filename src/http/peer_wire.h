#pragma once
// The peer wire, free of sockets so that it can be tested and fuzzed (docs/peer_wire.md).
//
// A member dials every other member once and keeps the connection. The dialer opens with an
// HTTP/1.1 request head naming the stream, the cluster and both members:
//
//   POST /raft/stream HTTP/1.1            (or /raft/snapshot: one frame, then "OK", then close)
//   Host: <host:port>
//   X-Etcd-Cluster-ID: <hex>
//   X-Server-From: <hex member id>
//   X-Raft-To: <hex member id>
//
// The listener answers "HTTP/1.1 200 OK" and the stream switches to frames, or answers 412
// (another cluster, or another member) or 410 (a removed member) and closes. A frame is a
// 4-byte big-endian payload length followed by the payload: one raft::Message in the raft
// codec's encoding (src/raft/codec.h).
//
// Thread-compatible.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace arbor::http {

// A frame longer than this ends the connection (a snapshot of a large store fits).
inline constexpr uint32_t kMaxFrameBytes = 1u << 30;

// Appends one frame holding `payload` to `out`.
void append_frame(std::string& out, std::string_view payload);
// For a frame built in place: `frame` is 4 placeholder bytes and then the payload; writes the
// payload's length into the placeholder.
void set_frame_length(std::string& frame);

// Cuts a byte stream into frames. After a frame longer than kMaxFrameBytes it reports an
// error for good.
class FrameReader {
 public:
  void feed(std::string_view data) { buf_.append(data); }
  // The next complete frame, or nullopt when more bytes are needed (or after an error).
  std::optional<std::string> next();
  bool failed() const { return failed_; }
  size_t buffered() const { return buf_.size() - pos_; }

 private:
  std::string buf_;
  size_t pos_ = 0;  // Start of the first unconsumed byte.
  bool failed_ = false;
};

// A parsed request head (method, path and headers with lower-case names).
struct RequestHead {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// Parses "METHOD PATH HTTP/1.x\r\nName: value\r\n...\r\n\r\n" (the terminator may be missing).
// False on anything else.
bool parse_request_head(std::string_view head, RequestHead* out);

// Splits "http://host:port[/]" into host (brackets of an IPv6 literal removed) and port.
bool split_url_host_port(const std::string& url, std::string* host, std::string* port);

// The status code of a response head ("HTTP/1.1 200 OK\r\n..."), or 0.
int parse_status(std::string_view head);

}  // namespace arbor::http
