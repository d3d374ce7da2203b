#pragma once
// The client-facing HTTP server: listeners on the --listen-client-urls, one asynchronous session
// per connection (HTTP/1.1 keep-alive and pipelining), a few I/O threads. Free of Boost types;
// the sockets live in session.cc.
//
// Thread-safe: start() once, then run() on one thread; stop() from any thread.

#include <memory>
#include <string>
#include <vector>

#include "util/status.h"

namespace arbor::http {

class Router;

struct ServerConfig {
  std::vector<std::string> listen_urls;  // "http://127.0.0.1:2379"
  int io_threads = 1;
};

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
