#pragma once
// One send that never blocks: for writers that try the socket first and queue only the rest
// (replies in session.cc, peer frames in peer_transport.cc).

#include <sys/socket.h>
#include <sys/types.h>

#include <cerrno>
#include <string_view>

namespace arbor::http {

// Sends what the socket takes of `data` now. Returns the byte count, or -1 with errno set
// (EAGAIN/EWOULDBLOCK: it took nothing). Never raises SIGPIPE.
inline ssize_t send_now(int fd, std::string_view data) {
  ssize_t n;
  do {
    n = ::send(fd, data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n;
}

}  // namespace arbor::http
