#include "http/park_set.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cerrno>
#include <sys/epoll.h>
#include <unistd.h>

namespace arbor::http {

struct ParkSet::Impl {
  struct Slot {
    Member* member = nullptr;  // Null: no registration.
    uint32_t key = 0;
    std::shared_ptr<void> keep;  // Set while parked.
  };

  Impl(boost::asio::io_context& ioc, int fd) : descriptor(ioc, fd) {}

  Slot* slot(int fd, uint32_t key) {
    if (fd < 0 || static_cast<size_t>(fd) >= slots.size()) return nullptr;
    Slot& s = slots[static_cast<size_t>(fd)];
    return s.member != nullptr && s.key == key ? &s : nullptr;
  }

  void arm() {
    descriptor.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                          [this](const boost::system::error_code& ec) {
                            if (ec) return;
                            on_ready();
                            arm();
                          });
  }

  void on_ready() {
    constexpr int kBatch = 256;
    epoll_event events[kBatch];
    for (;;) {
      const int n = ::epoll_wait(descriptor.native_handle(), events, kBatch, 0);
      if (n < 0 && errno == EINTR) continue;
      for (int i = 0; i < n; ++i) {
        const int fd = static_cast<int>(events[i].data.u64 & 0xffffffffu);
        // A socket closed earlier in this batch, or its descriptor reused, is skipped.
        if (Slot* s = slot(fd, static_cast<uint32_t>(events[i].data.u64 >> 32))) s->member->on_park_event(events[i].events);
      }
      if (n < kBatch) return;
    }
  }

  boost::asio::posix::stream_descriptor descriptor;
  std::vector<Slot> slots;  // By socket descriptor.
  uint32_t next_key = 1;
};

std::unique_ptr<ParkSet> ParkSet::create(boost::asio::io_context& ioc) {
  const int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) return nullptr;
  auto set = std::unique_ptr<ParkSet>(new ParkSet(std::make_unique<Impl>(ioc, fd)));
  set->impl_->arm();
  return set;
}

ParkSet::ParkSet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ParkSet::~ParkSet() {
  // Sessions may outlive the set (their handlers die with the I/O context): detach them first,
  // then let go of the parked ones.
  std::vector<Impl::Slot> slots;
  slots.swap(impl_->slots);
  for (Impl::Slot& s : slots)
    if (s.member != nullptr) s.member->detach_park();
  slots.clear();
  boost::system::error_code ignored;
  impl_->descriptor.cancel(ignored);
}

bool ParkSet::add(int fd, Member* m, uint32_t* key) {
  if (fd < 0) return false;
  const uint32_t k = impl_->next_key++;
  if (impl_->next_key == 0) impl_->next_key = 1;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
  ev.data.u64 = (uint64_t{k} << 32) | static_cast<uint32_t>(fd);
  if (::epoll_ctl(impl_->descriptor.native_handle(), EPOLL_CTL_ADD, fd, &ev) != 0) return false;
  if (static_cast<size_t>(fd) >= impl_->slots.size()) impl_->slots.resize(static_cast<size_t>(fd) + 64);
  Impl::Slot& s = impl_->slots[static_cast<size_t>(fd)];
  s.member = m;
  s.key = k;
  s.keep.reset();
  *key = k;
  return true;
}

void ParkSet::park(int fd, uint32_t key, std::shared_ptr<void> keep) {
  if (Impl::Slot* s = impl_->slot(fd, key)) s->keep = std::move(keep);
}

std::shared_ptr<void> ParkSet::unpark(int fd, uint32_t key) {
  Impl::Slot* s = impl_->slot(fd, key);
  return s != nullptr ? std::move(s->keep) : nullptr;
}

std::shared_ptr<void> ParkSet::remove(int fd, uint32_t key) {
  Impl::Slot* s = impl_->slot(fd, key);
  if (s == nullptr) return nullptr;
  // The socket leaves the epoll set when it is closed (no EPOLL_CTL_DEL needed); an event still
  // reported for it (a forked snapshot writer may hold the socket open a while) is skipped,
  // because the slot no longer names this registration.
  s->member = nullptr;
  return std::move(s->keep);
}

}  // namespace arbor::http
