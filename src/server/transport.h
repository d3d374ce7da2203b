#pragma once
// What the raft loop needs from the network: hand it messages to deliver to other members.
// Implemented by http/peer_transport.cc; the loop never sees a socket. Delivery is best effort
// (raft retries): send() never blocks, and a peer whose queue is full or whose connection
// failed is reported back to the loop (KvService::report_unreachable), as is the outcome of
// a snapshot (KvService::report_snapshot).
//
// Thread-safe.

#include <cstdint>
#include <vector>

#include "raft/types.h"

namespace arbor::server {

struct Cluster;

class Transport {
 public:
  virtual ~Transport() = default;
  // Queues `msgs` (each to its `to`). Messages to unknown members are dropped.
  virtual void send(std::vector<raft::Message> msgs) = 0;
  // The membership changed: connect to new members, drop removed ones, follow new URLs.
  virtual void update_peers(const Cluster& cluster) = 0;
  // True while an outbound connection to `id` is established (etcd's "active" peer).
  virtual bool active(uint64_t id) const = 0;
};

}  // namespace arbor::server
