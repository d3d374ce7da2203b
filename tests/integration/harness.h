#pragma once
// Helpers for the tests that boot bin/arbor on loopback: free ports, bounded waits, a child
// server process with extra flags, and a raw socket for requests cpp-httplib will not send.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace arbor::testing {

inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// Polls `cond` every 20 ms until it holds or `timeout` passes.
inline bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

// bin/arbor as a single member on free loopback ports; killed (by its PID) on destruction.
class ArborProcess {
 public:
  // `extra` are more flags; `more_client_urls` ("https://127.0.0.1:N") are listened on too.
  explicit ArborProcess(std::vector<std::string> extra = {}, std::string more_client_urls = "")
      : client_port_(FreePort()), peer_port_(FreePort()) {
    const std::string client = "http://127.0.0.1:" + std::to_string(client_port_);
    const std::string listen = more_client_urls.empty() ? client : client + "," + more_client_urls;
    const std::string peer = "http://127.0.0.1:" + std::to_string(peer_port_);
    data_dir_ = "/tmp/arbor-it-" + std::to_string(getpid()) + "-" + std::to_string(client_port_);
    std::vector<std::string> args = {"bin/arbor", "--name", "default", "--data-dir", data_dir_,
                                     "--listen-client-urls", listen, "--advertise-client-urls",
                                     client, "--listen-peer-urls", peer,
                                     "--initial-advertise-peer-urls", peer, "--initial-cluster",
                                     "default=" + peer, "--log-level", "error"};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv("bin/arbor", argv.data());
      _exit(127);
    }
  }
  ~ArborProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    std::system(("rm -rf " + data_dir_).c_str());
  }
  ArborProcess(const ArborProcess&) = delete;
  ArborProcess& operator=(const ArborProcess&) = delete;

  int port() const { return client_port_; }
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }

  // Resident set size in KiB, from /proc.
  long rss_kb() const {
    std::ifstream f("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(f, line))
      if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
    return -1;
  }

 private:
  int client_port_;
  int peer_port_;
  pid_t pid_ = -1;
  std::string data_dir_;
};

// A plain TCP connection to 127.0.0.1:port; `rcvbuf` > 0 sets SO_RCVBUF before connecting.
class RawConn {
 public:
  explicit RawConn(int port, int rcvbuf = 0) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf > 0) setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    ok_ = connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~RawConn() { close(fd_); }
  RawConn(const RawConn&) = delete;
  RawConn& operator=(const RawConn&) = delete;

  bool ok() const { return ok_; }
  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }
  bool send(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      const ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  // Reads until the peer closes, `stop` is found in what was read, or `timeout` passes.
  // Sets *closed when the peer closed (EOF or reset).
  std::string read(std::chrono::milliseconds timeout, bool* closed = nullptr,
                   const std::string& stop = "") {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    if (closed) *closed = false;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[65536];
      const ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        if (closed) *closed = true;
        break;
      }
      out.append(buf, static_cast<size_t>(n));
      if (!stop.empty() && out.find(stop) != std::string::npos) break;
    }
    return out;
  }

 private:
  int fd_ = -1;
  bool ok_ = false;
};

}  // namespace arbor::testing
