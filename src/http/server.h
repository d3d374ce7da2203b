#pragma once
// The client-facing HTTP server: listeners on the --listen-client-urls, one asynchronous session
// per connection (HTTP/1.1 keep-alive and pipelining), a few I/O threads. Free of Boost types;
// the sockets live in session.cc.
//
// Thread-safe: start() once, then run() on one thread; stop() from any thread.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/tls_settings.h"
#include "util/status.h"

namespace arbor::http {

class Router;

struct ServerConfig {
  std::vector<std::string> listen_urls;  // "http://127.0.0.1:2379"
  int io_threads = 1;

  // Limits that keep one client from hurting the others (docs/architecture.md, "Limits").
  // Request line: 4096 bytes as etcd's port multiplexer; headers: 1 MiB as Go's server.
  // A body longer than this gets 413 as soon as its length is known (the rest is not kept);
  // a form body longer than 10 MiB gets etcd's 400/210 "http: POST too large" whatever this
  // is. --max-request-bytes; etcd's own default (1.5 MiB) concerns only its v3 gRPC API, so the
  // default here accepts everything etcd's v2 API accepts.
  uint64_t max_request_bytes = 10 << 20;
  // A connection must finish a request's headers within this time of their first byte.
  int64_t read_header_timeout_ms = 30'000;
  // A keep-alive connection with no request in progress is closed after this long. Watches
  // (long polls and streams) are never timed out.
  int64_t idle_timeout_ms = 300'000;
  // A stream watcher whose client does not read is dropped once this many bytes of events
  // wait in the server for its socket.
  uint64_t max_stream_backlog_bytes = 1 << 20;

  TlsSettings tls;  // For the https:// listen URLs.
};

// "30s", "1.5s", "500ms", "2m", "1h" (Go's time.ParseDuration for the common units) or a plain
// number of seconds, in milliseconds; -1 when malformed.
int64_t parse_duration_ms(const std::string& s);

class Server {
 public:
  // `router` is not owned and outlives this Server.
  Server(ServerConfig config, Router& router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every listener. IOError when an address cannot be bound.
  [[nodiscard]] util::Status start();
  // Serves until stop(); returns when every I/O thread is done.
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;  // Owned; the io_context, acceptors and threads.
};

}  // namespace arbor::http
