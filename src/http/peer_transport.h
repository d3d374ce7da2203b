#pragma once
// The peer transport: raft messages between members over --listen-peer-urls (the wire is in
// peer_wire.h and docs/peer_wire.md), plus the peer HTTP endpoints etcd members and tools use
// (GET /members, GET /version).
//
// One outbound connection per peer, dialled with back-off (100 ms doubling to 1 s) and kept
// open; one bounded send queue per peer (4096 messages or 64 MiB): when it is full the message
// is dropped and the peer reported unreachable, so a slow or dead peer never blocks the raft
// loop. A snapshot goes on a connection of its own and its outcome is reported to Raft. Every
// connection is checked in both directions: a member of another cluster (or one removed from
// this cluster) is turned away with a log line saying so. https:// URLs carry TLS as etcd's
// peer TLS does (tls_context.h): listeners verify client certificates as configured, dialers
// present the member's peer key pair and verify the peer's certificate and host name.
//
// Free of Boost types (pimpl); one I/O thread of its own.
//
// Thread-safe.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "http/tls_settings.h"
#include "server/transport.h"
#include "util/status.h"

namespace arbor::server {
class KvService;
class ClusterView;
struct Cluster;
}  // namespace arbor::server

namespace arbor::http {

struct PeerTransportConfig {
  std::vector<std::string> listen_urls;  // --listen-peer-urls
  TlsSettings tls;  // --peer-*: for https:// listen URLs and for dialing https:// peer URLs.
  uint64_t self_id = 0;
  uint64_t cluster_id = 0;
  size_t max_queued_messages = 4096;  // Per peer.
  size_t max_queued_bytes = 64u << 20;  // Per peer.
  std::string server_version = "3.4.23";
  std::string cluster_version = "3.4.0";
};

class PeerTransport final : public server::Transport {
 public:
  // `kv` receives the messages; `view` answers GET /members. Both not owned; outlive this.
  PeerTransport(PeerTransportConfig config, server::KvService& kv, server::ClusterView& view);
  ~PeerTransport() override;
  PeerTransport(const PeerTransport&) = delete;
  PeerTransport& operator=(const PeerTransport&) = delete;

  // Binds the listeners and starts the I/O thread. IOError when an address cannot be bound.
  [[nodiscard]] util::Status start();
  void stop();
  // The I/O thread, once started (to place it on a CPU: util/cpu.h).
  pthread_t io_thread() const;

  void send(std::vector<raft::Message> msgs) override;
  void update_peers(const server::Cluster& cluster) override;
  bool active(uint64_t id) const override;

  // Asks the members at `peer_urls` (GET /members) for the cluster they form, as a member
  // joining with --initial-cluster-state existing does. Returns "" and fills `out` (members and
  // cluster id), or the reason it failed. https:// URLs are dialled with `tls`.
  static std::string fetch_cluster(const std::vector<std::string>& peer_urls,
                                   const TlsSettings& tls, server::Cluster* out);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // Shared with its asynchronous operations.
};

}  // namespace arbor::http
