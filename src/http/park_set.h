// Parked plain-TCP streams wait for their client in one edge-triggered epoll set of their own.
//
// A parked long poll (its headers sent, waiting for an event) must still notice its client
// leaving or sending the next request. A pending Asio read does that, but arming one costs a
// recv that finds nothing (Asio's speculative read) every time a watcher parks. Here a socket
// joins the set once (EPOLL_CTL_ADD, which also reports data already there) and stays in it for
// the connection's life, so parking again costs no system call; one Asio wait on the set's
// descriptor serves every parked socket. The session keeps the state that makes this safe
// (session.cc, park_*): it parks without a check only when its own last recv left the socket
// drained and no edge was reported since.
//
// Single-threaded: used only with one I/O thread, on that thread.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace arbor::http {

class ParkSet {
 public:
  class Member {
   public:
    // The socket became readable (data, EOF or an error); `events` are epoll's.
    virtual void on_park_event(uint32_t events) = 0;
    // The set is going away: forget it.
    virtual void detach_park() = 0;

   protected:
    ~Member() = default;
  };

  // Null when the epoll set cannot be created (the sessions then use a pending read).
  static std::unique_ptr<ParkSet> create(boost::asio::io_context& ioc);
  ~ParkSet();
  ParkSet(const ParkSet&) = delete;
  ParkSet& operator=(const ParkSet&) = delete;

  // Adds `fd` for its connection's life; `*key` identifies this registration. False on failure.
  bool add(int fd, Member* m, uint32_t* key);
  // Holds `keep` (the session) until unpark or remove: a parked session has no pending operation.
  void park(int fd, uint32_t key, std::shared_ptr<void> keep);
  std::shared_ptr<void> unpark(int fd, uint32_t key);
  // At close, or when the session is destroyed: the registration ends. Returns what park held.
  std::shared_ptr<void> remove(int fd, uint32_t key);

 private:
  struct Impl;
  explicit ParkSet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace arbor::http
