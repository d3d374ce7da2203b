#pragma once
// The boundary between the socket code (session.cc) and the handlers: a parsed request and the
// channel its reply goes back through. No Boost types, so handlers compile quickly and can be
// tested without sockets.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace arbor::http {

struct HttpRequest {
  std::string method;      // As sent ("GET", "BREW").
  std::string path;        // Percent-decoded URL path.
  std::string raw_query;   // Undecoded query string (after '?').
  std::string content_type;
  std::string authorization;
  std::string origin;
  std::string host;     // The Host header, as sent ("127.0.0.1:2379").
  bool secure = false;  // Came over TLS (--host-whitelist applies to plain HTTP only).
  std::string body;
  // With --client-cert-auth over https: the common names of the client's verified certificate
  // chain, leaf first (the v2 auth user when no Authorization header is sent).
  std::vector<std::string> tls_common_names;
};

// A reply: status, pre-rendered header lines ("Name: value\r\n", in Go's sorted order, without
// Date and Content-Length, which the session adds), and the body.
struct HttpResponse {
  int status = 200;
  std::string headers;
  std::string body;
  bool omit_body = false;  // HEAD: Content-Length of `body`, but no body bytes.

  void add_header(std::string_view name, std::string_view value) {
    headers.append(name);
    headers.append(": ");
    headers.append(value);
    headers.append("\r\n");
  }
};

// Where a handler sends its reply. Thread-safe: any thread may call these, in this order:
// either reply() once, or stream_begin(), stream_write()*, stream_end().
class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual void reply(HttpResponse resp) = 0;
  // Sends the status and headers with chunked encoding and flushes them.
  virtual void stream_begin(HttpResponse head) = 0;
  // Sends one chunk (shared: a watch event is rendered once for all its watchers) and flushes
  // it; `last` ends the body in the same write.
  virtual void stream_write(std::shared_ptr<const std::string> data, bool last) = 0;
  // Ends the chunked body; the connection then serves its next request.
  virtual void stream_end() = 0;
  // `f` runs once, on the session's thread, if the client goes away while a stream is open.
  virtual void on_disconnect(std::function<void()> f) = 0;
};

using ExchangePtr = std::shared_ptr<Exchange>;

// One stream's share of an applied batch: its chunks in one write; `last` ends the body (with
// no chunks: only ends it).
struct StreamDelivery {
  ExchangePtr ex;
  std::vector<std::shared_ptr<const std::string>> chunks;
  bool last = false;
};

// Delivers them all, in order, handing the I/O thread one task for every run of deliveries
// whose connections it serves, not one per delivery: a write that wakes 1,000 long polls is
// one hand-off (session.cc; other Exchange kinds get stream_write/stream_end calls).
void deliver_streams(std::vector<StreamDelivery> items);

// A reply made off the I/O thread is written to the socket at once where it can be (plain TCP);
// the I/O thread is then told, to read the connection's next request. After
// hold_direct_finishes(), the calling thread keeps those notices until
// release_direct_finishes(), which hands them over as one task per I/O thread: the apply loop
// holds them while it answers a batch of writes, so the batch costs the I/O thread one wake-up,
// not one per reply. (session.cc)
void hold_direct_finishes();
void release_direct_finishes();

}  // namespace arbor::http
