// The peer transport on Asio: outbound streams (one per peer, bounded queue, reconnect with
// back-off), snapshot connections, and the listener that accepts streams and answers the peer
// HTTP endpoints. Everything asynchronous runs on the transport's one I/O thread.

#include "http/peer_transport.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <sys/socket.h>

#include "http/json.h"
#include "http/peer_wire.h"
#include "http/send_now.h"
#include "http/tls_context.h"
#include "raft/codec.h"
#include "server/kv_service.h"
#include "server/membership.h"
#include "util/log.h"

namespace arbor::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxHeadBytes = 16 << 10;
constexpr auto kMinBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::milliseconds(1000);
constexpr size_t kFramesPerWrite = 512;

std::string stream_head(const std::string& path, const std::string& host, uint64_t cluster_id,
                        uint64_t from, uint64_t to) {
  return "POST " + path + " HTTP/1.1\r\nHost: " + host +
         "\r\nContent-Type: application/octet-stream\r\nX-Etcd-Cluster-ID: " +
         server::id_hex(cluster_id) + "\r\nX-Server-From: " + server::id_hex(from) +
         "\r\nX-Raft-To: " + server::id_hex(to) + "\r\n\r\n";
}

std::string simple_response(int status, const char* reason, const std::string& content_type,
                            const std::string& extra, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nContent-Type: " + content_type + "\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n" + extra + "\r\n" + body;
}

bool resolve_url(asio::io_context& ioc, const std::string& url, tcp::endpoint* ep) {
  std::string host, port;
  if (!split_url_host_port(url, &host, &port)) return false;
  error_code ec;
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(host.empty() ? "127.0.0.1" : host, port, ec);
  if (ec || results.empty()) return false;
  *ep = results.begin()->endpoint();
  for (const auto& r : results) {
    if (r.endpoint().address().is_v4()) {
      *ep = r.endpoint();
      break;
    }
  }
  return true;
}

bool is_https(const std::string& url) { return url.rfind("https://", 0) == 0; }

// Before a client handshake with `host`: its certificate is checked for that name or address
// when `verify` (the context verifies the chain), and a name (not an address) goes out as SNI.
void prepare_client_tls(asio::ssl::stream<tcp::socket>& s, const std::string& host, bool verify) {
  error_code ignored;
  if (verify) s.set_verify_callback(asio::ssl::host_name_verification(host), ignored);
  error_code addr_ec;
  (void)asio::ip::make_address(host, addr_ec);
  if (addr_ec) SSL_set_tlsext_host_name(s.native_handle(), host.c_str());
}

// One peer connection: TCP, with TLS over it for https:// URLs. Asio's composed operations
// (async_write, async_read_until) take it as a stream. Shared by the handlers of its pending
// operations, so a replaced connection lives until they have run.
class PeerStream {
 public:
  using executor_type = tcp::socket::executor_type;

  // `tls` null: plain TCP.
  PeerStream(tcp::socket s, asio::ssl::context* tls) {
    if (tls != nullptr) tls_.emplace(std::move(s), *tls);
    else plain_.emplace(std::move(s));
  }

  executor_type get_executor() { return socket().get_executor(); }
  tcp::socket& socket() { return tls_ ? tls_->next_layer() : *plain_; }
  bool tls() const { return tls_.has_value(); }
  SSL* native_handle() { return tls_ ? tls_->native_handle() : nullptr; }

  template <class Buffers, class Handler>
  void async_read_some(const Buffers& b, Handler&& h) {
    if (tls_) tls_->async_read_some(b, std::forward<Handler>(h));
    else plain_->async_read_some(b, std::forward<Handler>(h));
  }
  template <class Buffers, class Handler>
  void async_write_some(const Buffers& b, Handler&& h) {
    if (tls_) tls_->async_write_some(b, std::forward<Handler>(h));
    else plain_->async_write_some(b, std::forward<Handler>(h));
  }

  // The TLS handshake (a no-op on plain TCP). A client checks the server's certificate for
  // `host` when `verify` (the context then verifies the chain).
  template <class Handler>
  void async_handshake(bool client, const std::string& host, bool verify, Handler&& h) {
    if (!tls_) return asio::post(get_executor(), [h = std::forward<Handler>(h)]() mutable { h(error_code()); });
    if (client) prepare_client_tls(*tls_, host, verify);
    tls_->async_handshake(client ? asio::ssl::stream_base::client : asio::ssl::stream_base::server,
                          std::forward<Handler>(h));
  }

  void close() {
    error_code ignored;
    socket().close(ignored);
  }

 private:
  std::optional<tcp::socket> plain_;
  std::optional<asio::ssl::stream<tcp::socket>> tls_;
};

}  // namespace

struct PeerTransport::Impl : std::enable_shared_from_this<PeerTransport::Impl> {
  // One outbound stream to one peer.
  struct Peer : std::enable_shared_from_this<Peer> {
    Peer(Impl& o, uint64_t i) : owner(o), id(i), timer(o.ioc) {}

    Impl& owner;
    const uint64_t id;
    std::vector<std::string> urls;  // I/O thread.
    size_t next_url = 0;            // I/O thread.
    std::shared_ptr<PeerStream> stream;  // I/O thread: the current connection.
    asio::steady_timer timer;       // I/O thread.
    std::string head_buf;           // I/O thread: the handshake answer.
    std::vector<std::string> inflight;  // I/O thread: the frames being written.
    char probe = 0;                 // I/O thread: a read that notices the peer closing.
    std::chrono::milliseconds backoff = kMinBackoff;
    bool closed = false;            // I/O thread: removed from the cluster.
    bool connecting = false;        // I/O thread.
    bool retry_pending = false;     // I/O thread: the back-off timer is set.
    Clock::time_point last_reject_log{};

    std::mutex mu;
    std::deque<std::string> queue;  // GUARDED_BY(mu): encoded frames waiting to be written.
    size_t queued_bytes = 0;        // GUARDED_BY(mu)
    bool writing = false;           // GUARDED_BY(mu)
    // GUARDED_BY(mu): the descriptor of an established plain-TCP stream, -1 otherwise. The raft
    // loop sends on it directly while nothing is queued (enqueue); it is reset under mu before
    // the stream is closed (close_stream), so no send can reach a closed or reused descriptor.
    int direct_fd = -1;
    std::atomic<bool> connected{false};
    Clock::time_point last_unreachable{};  // GUARDED_BY(mu)
  };

  Impl(PeerTransportConfig c, server::KvService& k, server::ClusterView& v)
      : config(std::move(c)), kv(k), view(v) {}

  // ---------------------------------------------------------------- outbound

  void enqueue(const std::shared_ptr<Peer>& p, std::string frame) {
    bool kick = false, dropped = false;
    {
      std::lock_guard<std::mutex> lock(p->mu);
      // A frame partly written already: the rest must follow it on the stream, whatever the
      // queue's limits (dropping it would leave the peer half a frame). The queue is empty
      // then, so only a frame above max_queued_bytes could meet a limit; v2 cannot make one
      // today (forms stop at 10 MB), but the stream's framing must not depend on that.
      bool started = false;
      if (p->direct_fd >= 0 && !p->writing && p->queue.empty()) {
        // Nothing is queued or being written: the raft loop writes the frame itself, which
        // spares waking the transport's thread for it (one hand-off per message). Whatever the
        // socket does not take at once (or an error, which the transport's write then meets
        // and handles) is left to the transport's thread as usual.
        const ssize_t n = send_now(p->direct_fd, frame);
        if (n == static_cast<ssize_t>(frame.size())) return;
        if (n > 0) {
          frame.erase(0, static_cast<size_t>(n));
          started = true;
        }
      }
      if (!started && (p->queue.size() >= config.max_queued_messages ||
                       p->queued_bytes + frame.size() > config.max_queued_bytes)) {
        dropped = true;
        const auto now = Clock::now();
        // Raft only needs to hear it once in a while; it then probes the peer gently.
        if (now - p->last_unreachable < std::chrono::milliseconds(100)) dropped = false;
        else p->last_unreachable = now;
      } else {
        p->queued_bytes += frame.size();
        p->queue.push_back(std::move(frame));
        kick = !p->writing && p->connected.load(std::memory_order_acquire);
        if (kick) p->writing = true;
      }
    }
    if (dropped) kv.report_unreachable(p->id);
    if (kick) asio::post(ioc, [self = shared_from_this(), p] { self->do_write(p); });
  }

  void do_connect(const std::shared_ptr<Peer>& p) {
    if (p->closed || p->connecting || stopping) return;
    if (p->urls.empty()) return;
    p->connecting = true;
    const std::string url = p->urls[p->next_url++ % p->urls.size()];
    tcp::endpoint ep;
    if (!resolve_url(ioc, url, &ep)) {
      LOG_WARN("rafthttp", "cannot resolve peer URL %s of %s", url.c_str(),
               server::id_hex(p->id).c_str());
      return on_stream_failed(p);
    }
    close_stream(p);
    p->stream = new_stream(url);
    p->stream->socket().async_connect(ep, [self = shared_from_this(), p, s = p->stream, url](error_code ec) {
      self->on_connect(p, s, url, ec);
    });
  }

  // A connection for dialing `url`: TLS for https.
  std::shared_ptr<PeerStream> new_stream(const std::string& url) {
    return std::make_shared<PeerStream>(tcp::socket(ioc), is_https(url) ? dial_tls() : nullptr);
  }

  // The client TLS context, made at the first https dial when start() did not make it.
  asio::ssl::context* dial_tls() {
    std::call_once(client_tls_once, [this] {
      if (client_tls) return;
      if (auto st = make_client_tls_context(config.tls, &client_tls, &verify_server); !st.ok()) {
        LOG_ERROR("rafthttp", "cannot dial https peers: %s", st.message().c_str());
      }
    });
    return client_tls.get();
  }

  void on_connect(const std::shared_ptr<Peer>& p, const std::shared_ptr<PeerStream>& s,
                  const std::string& url, error_code ec) {
    if (ec || p->closed) return on_stream_failed(p);
    error_code ignored;
    s->socket().set_option(tcp::no_delay(true), ignored);
    std::string host, port;
    split_url_host_port(url, &host, &port);
    s->async_handshake(true, host, verify_server, [self = shared_from_this(), p, s, host, port, url](error_code hs) {
      if (hs) {
        self->log_dial_failure(p, url, hs);
        return self->on_stream_failed(p);
      }
      auto head = std::make_shared<std::string>(
          stream_head("/raft/stream", host + ":" + port, self->config.cluster_id, self->config.self_id, p->id));
      asio::async_write(*s, asio::buffer(*head), [self, p, s, head, url](error_code e, size_t) {
        if (e) return self->on_stream_failed(p);
        self->read_handshake(p, s, url);
      });
    });
  }

  // A TLS handshake that failed is worth a line (a certificate problem does not heal by itself);
  // at most one every 5 seconds per peer.
  void log_dial_failure(const std::shared_ptr<Peer>& p, const std::string& url, error_code ec) {
    const auto now = Clock::now();
    if (now - p->last_reject_log < std::chrono::seconds(5)) return;
    p->last_reject_log = now;
    LOG_WARN("rafthttp", "TLS with peer %s at %s failed: %s", server::id_hex(p->id).c_str(),
             url.c_str(), ec.message().c_str());
  }

  void read_handshake(const std::shared_ptr<Peer>& p, const std::shared_ptr<PeerStream>& s,
                      const std::string& url) {
    p->head_buf.clear();
    asio::async_read_until(
        *s, asio::dynamic_buffer(p->head_buf, kMaxHeadBytes), "\r\n\r\n",
        [self = shared_from_this(), p, s, url](error_code ec, size_t n) {
          if (ec) {
            // With TLS 1.3 a listener that refuses our certificate says so only now.
            if (ec.category() == asio::error::get_ssl_category()) self->log_dial_failure(p, url, ec);
            return self->on_stream_failed(p);
          }
          const int status = parse_status(p->head_buf);
          if (status != 200) {
            const auto now = Clock::now();
            if (now - p->last_reject_log > std::chrono::seconds(5)) {
              p->last_reject_log = now;
              if (status == 412) {
                LOG_WARN("rafthttp",
                         "peer %s refused the stream: it belongs to another cluster or is "
                         "another member (our cluster %s, member %s)",
                         server::id_hex(p->id).c_str(), server::id_hex(self->config.cluster_id).c_str(),
                         server::id_hex(self->config.self_id).c_str());
              } else if (status == 410) {
                LOG_WARN("rafthttp", "peer %s says this member was removed from the cluster",
                         server::id_hex(p->id).c_str());
              } else {
                LOG_WARN("rafthttp", "peer %s refused the stream (status %d)",
                         server::id_hex(p->id).c_str(), status);
              }
            }
            return self->on_stream_failed(p);
          }
          (void)n;
          p->connecting = false;
          p->backoff = kMinBackoff;
          LOG_INFO("rafthttp", "established a stream to peer %s", server::id_hex(p->id).c_str());
          bool kick = false;
          {
            std::lock_guard<std::mutex> lock(p->mu);
            p->connected.store(true, std::memory_order_release);
            p->direct_fd = s->tls() ? -1 : s->socket().native_handle();
            if (!p->writing && !p->queue.empty()) kick = p->writing = true;
          }
          self->watch_close(p, s);
          if (kick) self->do_write(p);
        });
  }

  // The listener never writes on a stream: a completed read means it closed (or failed).
  void watch_close(const std::shared_ptr<Peer>& p, const std::shared_ptr<PeerStream>& s) {
    s->async_read_some(asio::buffer(&p->probe, 1), [self = shared_from_this(), p, s](error_code ec, size_t) {
      if (!ec) return self->watch_close(p, s);
      if (ec != asio::error::operation_aborted && s == p->stream) self->on_stream_failed(p);
    });
  }

  void do_write(const std::shared_ptr<Peer>& p) {
    p->inflight.clear();
    {
      std::lock_guard<std::mutex> lock(p->mu);
      if (!p->connected.load(std::memory_order_acquire) || p->queue.empty()) {
        p->writing = false;
        return;
      }
      while (!p->queue.empty() && p->inflight.size() < kFramesPerWrite) {
        p->queued_bytes -= p->queue.front().size();
        p->inflight.push_back(std::move(p->queue.front()));
        p->queue.pop_front();
      }
    }
    std::vector<asio::const_buffer> bufs;
    bufs.reserve(p->inflight.size());
    for (const std::string& f : p->inflight) bufs.emplace_back(asio::buffer(f));
    // The handler holds the stream: a reconnect may replace p->stream while this write runs.
    asio::async_write(*p->stream, bufs, [self = shared_from_this(), p, s = p->stream](error_code ec, size_t) {
      if (ec) {
        {
          std::lock_guard<std::mutex> lock(p->mu);
          p->writing = false;
        }
        return self->on_stream_failed(p);
      }
      self->do_write(p);
    });
  }

  // Closes the current stream, if any; the raft loop stops writing on it first (direct_fd).
  void close_stream(const std::shared_ptr<Peer>& p) {
    {
      std::lock_guard<std::mutex> lock(p->mu);
      p->direct_fd = -1;
    }
    if (p->stream) p->stream->close();
  }

  // The stream broke or could not be made: forget what was queued (Raft resends), tell Raft,
  // and dial again after the back-off.
  void on_stream_failed(const std::shared_ptr<Peer>& p) {
    const bool was_connected = p->connected.exchange(false);
    p->connecting = false;
    close_stream(p);
    {
      std::lock_guard<std::mutex> lock(p->mu);
      p->queue.clear();
      p->queued_bytes = 0;
    }
    if (was_connected) {
      LOG_WARN("rafthttp", "lost the stream to peer %s", server::id_hex(p->id).c_str());
    }
    if (p->closed || stopping || p->retry_pending) return;
    kv.report_unreachable(p->id);
    p->retry_pending = true;
    p->timer.expires_after(p->backoff);
    p->backoff = std::min(p->backoff * 2, std::chrono::milliseconds(kMaxBackoff));
    p->timer.async_wait([self = shared_from_this(), p](error_code ec) {
      p->retry_pending = false;
      if (!ec) self->do_connect(p);
    });
  }

  // A snapshot goes on a connection of its own, so that it does not hold up the stream.
  void send_snapshot(uint64_t to, std::vector<std::string> urls, std::shared_ptr<std::string> frame) {
    struct Snap {
      explicit Snap(std::shared_ptr<PeerStream> s) : stream(std::move(s)) {}
      std::shared_ptr<PeerStream> stream;
      std::string head;
      std::string ack;
    };
    auto done = [self = shared_from_this(), to](bool ok) {
      LOG_INFO("rafthttp", "snapshot to %s %s", server::id_hex(to).c_str(), ok ? "sent" : "failed");
      self->kv.report_snapshot(to, ok);
    };
    tcp::endpoint ep;
    if (urls.empty() || !resolve_url(ioc, urls.front(), &ep)) return done(false);
    std::string host, port;
    split_url_host_port(urls.front(), &host, &port);
    auto s = std::make_shared<Snap>(new_stream(urls.front()));
    s->head = stream_head("/raft/snapshot", host + ":" + port, config.cluster_id, config.self_id, to);
    s->stream->socket().async_connect(ep, [s, frame, done, host, verify = verify_server](error_code ec) {
      if (ec) return done(false);
      s->stream->async_handshake(true, host, verify, [s, frame, done](error_code hs) {
        if (hs) return done(false);
        asio::async_write(*s->stream, asio::buffer(s->head), [s, frame, done](error_code e, size_t) {
          if (e) return done(false);
          asio::async_read_until(
              *s->stream, asio::dynamic_buffer(s->ack, kMaxHeadBytes), "\r\n\r\n",
              [s, frame, done](error_code e2, size_t n) {
                if (e2 || parse_status(s->ack) != 200) return done(false);
                s->ack.erase(0, n);
                asio::async_write(*s->stream, asio::buffer(*frame), [s, frame, done](error_code e3, size_t) {
                  if (e3) return done(false);
                  asio::async_read(*s->stream, asio::dynamic_buffer(s->ack),
                                   asio::transfer_at_least(s->ack.size() >= 2 ? 0 : 2 - s->ack.size()),
                                   [s, done](error_code e4, size_t) {
                                     done(!e4 && s->ack.substr(0, 2) == "OK");
                                   });
                });
              });
        });
      });
    });
  }

  // ---------------------------------------------------------------- inbound

  struct Inbound : std::enable_shared_from_this<Inbound> {
    Inbound(Impl& o, tcp::socket s, asio::ssl::context* tls) : owner(o), stream(std::move(s), tls) {}
    Impl& owner;
    PeerStream stream;
    std::string head;
    FrameReader frames;
    std::array<char, 64 << 10> buf{};
    bool snapshot = false;
    uint64_t from = 0;
  };

  void do_accept(size_t i) {
    acceptors[i]->async_accept([self = shared_from_this(), i](error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted || self->stopping) return;
      if (!ec) {
        error_code ignored;
        s.set_option(tcp::no_delay(true), ignored);
        auto in = std::make_shared<Inbound>(*self, std::move(s), self->tls_listener[i] ? self->server_tls.get() : nullptr);
        self->handshake(in);
        return self->do_accept(i);
      }
      auto t = std::make_shared<asio::steady_timer>(self->ioc, std::chrono::milliseconds(50));
      t->async_wait([self, i, t](error_code) { self->do_accept(i); });
    });
  }

  // TLS: the handshake, then etcd's listener checks (CRL, allowed CN or host, SAN).
  void handshake(const std::shared_ptr<Inbound>& in) {
    if (!in->stream.tls()) return read_head(in);
    in->stream.async_handshake(false, "", false, [self = shared_from_this(), in](error_code ec) {
      error_code ignored;
      const std::string remote = in->stream.socket().remote_endpoint(ignored).address().to_string();
      std::string why = ec ? ec.message() : check_client_certificate(in->stream.native_handle(), self->config.tls, remote);
      if (!why.empty()) {
        LOG_WARN("rafthttp", "rejected connection from \"%s\" (%s)", remote.c_str(), why.c_str());
        return in->stream.close();
      }
      self->read_head(in);
    });
  }

  void read_head(const std::shared_ptr<Inbound>& in) {
    asio::async_read_until(in->stream, asio::dynamic_buffer(in->head, kMaxHeadBytes), "\r\n\r\n",
                           [self = shared_from_this(), in](error_code ec, size_t n) {
                             if (ec) return;
                             // Bytes after the head are already frames.
                             std::string rest = in->head.substr(n);
                             in->head.resize(n);
                             self->on_head(in, std::move(rest));
                           });
  }

  void reply_and_close(const std::shared_ptr<Inbound>& in, std::string resp) {
    auto r = std::make_shared<std::string>(std::move(resp));
    asio::async_write(in->stream, asio::buffer(*r), [in, r](error_code, size_t) {
      error_code ignored;
      in->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      in->stream.close();
    });
  }

  void on_head(const std::shared_ptr<Inbound>& in, std::string rest) {
    RequestHead h;
    const std::string cid = server::id_hex(config.cluster_id);
    const std::string cid_header = "X-Etcd-Cluster-ID: " + cid + "\r\n";
    if (!parse_request_head(in->head, &h)) {
      return reply_and_close(in, simple_response(400, "Bad Request", "text/plain", "", "bad request\n"));
    }
    if (h.method == "GET" && h.path == "/members") {
      const std::shared_ptr<const server::Cluster> c = view.get();
      std::string body = "[";
      for (size_t i = 0; i < c->members.size(); ++i) {
        const server::Member& m = c->members[i];
        if (i) body.push_back(',');
        body += "{\"id\":\"" + server::id_hex(m.id) + "\",\"name\":";
        append_json_string(body, m.name);
        body += ",\"peerURLs\":[";
        for (size_t j = 0; j < m.peer_urls.size(); ++j) {
          if (j) body.push_back(',');
          append_json_string(body, m.peer_urls[j]);
        }
        body += "],\"clientURLs\":[";
        for (size_t j = 0; j < m.client_urls.size(); ++j) {
          if (j) body.push_back(',');
          append_json_string(body, m.client_urls[j]);
        }
        body += "]}";
      }
      body += "]\n";
      return reply_and_close(in, simple_response(200, "OK", "application/json", cid_header, body));
    }
    if (h.method == "GET" && h.path == "/version") {
      return reply_and_close(
          in, simple_response(200, "OK", "application/json", "",
                              "{\"etcdserver\":\"" + config.server_version +
                                  "\",\"etcdcluster\":\"" + config.cluster_version + "\"}"));
    }
    if (h.method != "POST" || (h.path != "/raft/stream" && h.path != "/raft/snapshot")) {
      return reply_and_close(in, simple_response(404, "Not Found", "text/plain", "", "404 page not found\n"));
    }
    uint64_t remote_cid = 0, from = 0, to = 0;
    const bool ids_ok = server::parse_id_hex(h.header("x-etcd-cluster-id"), &remote_cid) &&
                        server::parse_id_hex(h.header("x-server-from"), &from) &&
                        server::parse_id_hex(h.header("x-raft-to"), &to);
    if (!ids_ok || remote_cid != config.cluster_id) {
      LOG_WARN("rafthttp",
               "rejected a stream from peer %s: it belongs to cluster %s, this member (%s) to "
               "cluster %s",
               h.header("x-server-from").c_str(), h.header("x-etcd-cluster-id").c_str(),
               server::id_hex(config.self_id).c_str(), cid.c_str());
      return reply_and_close(in, simple_response(412, "Precondition Failed", "text/plain", cid_header,
                                                 "cluster ID mismatch\n"));
    }
    if (to != config.self_id) {
      LOG_WARN("rafthttp", "rejected a stream from peer %s meant for member %s (this is %s)",
               server::id_hex(from).c_str(), server::id_hex(to).c_str(),
               server::id_hex(config.self_id).c_str());
      return reply_and_close(in, simple_response(412, "Precondition Failed", "text/plain", cid_header,
                                                 "member ID mismatch\n"));
    }
    if (view.get()->is_removed(from)) {
      LOG_WARN("rafthttp", "rejected a stream from removed member %s", server::id_hex(from).c_str());
      return reply_and_close(in, simple_response(410, "Gone", "text/plain", cid_header,
                                                 "the member has been permanently removed from the cluster\n"));
    }
    in->snapshot = h.path == "/raft/snapshot";
    in->from = from;
    in->frames.feed(rest);
    auto ok = std::make_shared<std::string>("HTTP/1.1 200 OK\r\n" + cid_header + "\r\n");
    asio::async_write(in->stream, asio::buffer(*ok), [self = shared_from_this(), in, ok](error_code ec, size_t) {
      if (ec) return;
      self->drain_frames(in);
    });
  }

  // Delivers every complete frame, then reads more.
  void drain_frames(const std::shared_ptr<Inbound>& in) {
    while (std::optional<std::string> f = in->frames.next()) {
      auto m = raft::decode_message(*f);
      if (!m.ok() || m->to != config.self_id || m->from != in->from) {
        LOG_WARN("rafthttp", "dropping the stream from %s: a frame that is not a message for "
                 "this member (%zu bytes)", server::id_hex(in->from).c_str(), f->size());
        in->stream.close();
        return;
      }
      kv.receive(std::move(*m));
      if (in->snapshot) {
        return reply_and_close(in, "OK");
      }
    }
    if (in->frames.failed()) {
      LOG_WARN("rafthttp", "dropping the stream from %s: frame too long",
               server::id_hex(in->from).c_str());
      in->stream.close();
      return;
    }
    in->stream.async_read_some(asio::buffer(in->buf),
                               [self = shared_from_this(), in](error_code ec, size_t n) {
                                 if (ec) return;
                                 in->frames.feed(std::string_view(in->buf.data(), n));
                                 self->drain_frames(in);
                               });
  }

  // ---------------------------------------------------------------- members

  void set_peers(const server::Cluster& c) {
    std::map<uint64_t, std::vector<std::string>> wanted;
    for (const server::Member& m : c.members) {
      if (m.id != config.self_id && !m.peer_urls.empty()) wanted[m.id] = m.peer_urls;
    }
    std::vector<std::shared_ptr<Peer>> gone, fresh;
    {
      std::lock_guard<std::mutex> lock(peers_mu);
      for (auto it = peers.begin(); it != peers.end();) {
        if (wanted.count(it->first) == 0) {
          gone.push_back(it->second);
          it = peers.erase(it);
        } else {
          ++it;
        }
      }
      for (auto& [id, urls] : wanted) {
        auto [it, inserted] = peers.try_emplace(id);
        if (inserted) {
          it->second = std::make_shared<Peer>(*this, id);
          fresh.push_back(it->second);
        }
        if (it->second->urls != urls) {
          it->second->urls = urls;  // Used from the next dial on.
        }
      }
    }
    for (auto& p : gone) {
      p->closed = true;
      p->timer.cancel();
      close_stream(p);
      p->connected.store(false);
    }
    for (auto& p : fresh) do_connect(p);
  }

  std::shared_ptr<Peer> find(uint64_t id) {
    std::lock_guard<std::mutex> lock(peers_mu);
    auto it = peers.find(id);
    return it == peers.end() ? nullptr : it->second;
  }

  PeerTransportConfig config;
  server::KvService& kv;      // Not owned.
  server::ClusterView& view;  // Not owned.
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::vector<bool> tls_listener;  // Per acceptor: an https URL.
  std::unique_ptr<asio::ssl::context> server_tls;  // For https listeners; null without.
  std::unique_ptr<asio::ssl::context> client_tls;  // For dialing https peer URLs.
  std::once_flag client_tls_once;                   // dial_tls() makes it if start() did not.
  bool verify_server = true;  // Dialing: verify the peer's certificate (not with auto TLS).
  std::thread thread;
  std::atomic<bool> stopping{false};
  mutable std::mutex peers_mu;
  std::map<uint64_t, std::shared_ptr<Peer>> peers;  // GUARDED_BY(peers_mu)
};

PeerTransport::PeerTransport(PeerTransportConfig config, server::KvService& kv,
                             server::ClusterView& view)
    : impl_(std::make_shared<Impl>(std::move(config), kv, view)) {}

PeerTransport::~PeerTransport() { stop(); }

util::Status PeerTransport::start() {
  Impl& im = *impl_;
  // Contexts first: a bad certificate or key stops the start with one line.
  for (const std::string& url : im.config.listen_urls) {
    if (!is_https(url) || im.server_tls) continue;
    if (!im.config.tls.has_key_pair() && !im.config.tls.auto_tls) {
      return util::Status::invalid_argument("cannot listen on TLS for " + url.substr(8) +
                                            ": KeyFile and CertFile are not presented");
    }
    if (auto st = make_server_tls_context(im.config.tls, &im.server_tls); !st.ok()) return st;
  }
  // The client context loads the system's CA bundle (~35 ms of a restart here): a member
  // configured without TLS makes it only when it first dials an https peer URL (dial_tls).
  const TlsSettings& t = im.config.tls;
  if (t.has_key_pair() || t.auto_tls || !t.trusted_ca_file.empty()) {
    if (auto st = make_client_tls_context(t, &im.client_tls, &im.verify_server); !st.ok()) return st;
  }
  for (const std::string& url : im.config.listen_urls) {
    tcp::endpoint ep;
    std::string host, port;
    if (!split_url_host_port(url, &host, &port)) {
      return util::Status::invalid_argument("bad peer listen URL " + url);
    }
    if (host.empty()) {
      ep = tcp::endpoint(tcp::v4(), static_cast<unsigned short>(std::atoi(port.c_str())));
    } else if (!resolve_url(im.ioc, url, &ep)) {
      return util::Status::io_error("resolve " + url);
    }
    error_code ec;
    auto acc = std::make_unique<tcp::acceptor>(im.ioc);
    acc->open(ep.protocol(), ec);
    if (!ec) acc->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acc->bind(ep, ec);
    if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return util::Status::io_error("listen " + url + ": " + ec.message());
    im.acceptors.push_back(std::move(acc));
    im.tls_listener.push_back(is_https(url));
  }
  for (size_t i = 0; i < im.acceptors.size(); ++i) im.do_accept(i);
  im.work.emplace(im.ioc.get_executor());
  im.thread = std::thread([impl = impl_] { impl->ioc.run(); });
  return util::Status();
}

pthread_t PeerTransport::io_thread() const { return impl_->thread.native_handle(); }

void PeerTransport::stop() {
  if (impl_->stopping.exchange(true)) return;
  impl_->work.reset();
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

void PeerTransport::send(std::vector<raft::Message> msgs) {
  for (raft::Message& m : msgs) {
    std::shared_ptr<Impl::Peer> p = impl_->find(m.to);
    if (p == nullptr) continue;
    // The frame is encoded in place: its length prefix, then the message.
    std::string frame(4, '\0');
    raft::encode_to(frame, m);
    set_frame_length(frame);
    if (m.type == raft::MessageType::kSnap) {
      auto f = std::make_shared<std::string>(std::move(frame));
      asio::post(impl_->ioc, [impl = impl_, p, f] {
        impl->send_snapshot(p->id, p->urls, f);
      });
      continue;
    }
    impl_->enqueue(p, std::move(frame));
  }
}

void PeerTransport::update_peers(const server::Cluster& cluster) {
  asio::post(impl_->ioc, [impl = impl_, c = cluster] { impl->set_peers(c); });
}

bool PeerTransport::active(uint64_t id) const {
  std::shared_ptr<Impl::Peer> p = impl_->find(id);
  return p != nullptr && p->connected.load(std::memory_order_acquire);
}

std::string PeerTransport::fetch_cluster(const std::vector<std::string>& peer_urls,
                                         const TlsSettings& tls, server::Cluster* out) {
  asio::io_context ioc;
  std::string last_error = "no peer URLs given";
  std::unique_ptr<asio::ssl::context> client_tls;
  bool verify_server = true;
  if (std::any_of(peer_urls.begin(), peer_urls.end(), is_https)) {
    if (auto st = make_client_tls_context(tls, &client_tls, &verify_server); !st.ok()) return st.message();
  }
  for (const std::string& url : peer_urls) {
    tcp::endpoint ep;
    if (!resolve_url(ioc, url, &ep)) {
      last_error = "cannot resolve " + url;
      continue;
    }
    error_code ec;
    std::string host, port;
    split_url_host_port(url, &host, &port);
    const std::string req = "GET /members HTTP/1.1\r\nHost: " + host + ":" + port +
                            "\r\nConnection: close\r\n\r\n";
    std::string resp;
    // One blocking exchange on a plain or TLS stream; a TLS peer that closes without
    // close_notify (Go does) ends the answer like an EOF.
    auto exchange = [&](auto& stream) {
      asio::write(stream, asio::buffer(req), ec);
      if (!ec) asio::read(stream, asio::dynamic_buffer(resp, 16 << 20), ec);
      if (ec == asio::ssl::error::stream_truncated) ec = asio::error::eof;
    };
    tcp::socket s(ioc);
    s.connect(ep, ec);
    if (ec) {
      last_error = "could not connect to " + url + ": " + ec.message();
      continue;
    }
    if (is_https(url)) {
      asio::ssl::stream<tcp::socket> ts(std::move(s), *client_tls);
      prepare_client_tls(ts, host, verify_server);
      ts.handshake(asio::ssl::stream_base::client, ec);
      if (ec) {
        last_error = "TLS handshake with " + url + ": " + ec.message();
        continue;
      }
      exchange(ts);
    } else {
      exchange(s);
    }
    if (ec && ec != asio::error::eof) {
      last_error = "reading /members from " + url + ": " + ec.message();
      continue;
    }
    const size_t end = resp.find("\r\n\r\n");
    if (parse_status(resp) != 200 || end == std::string::npos) {
      last_error = url + "/members answered " + resp.substr(0, resp.find("\r\n"));
      continue;
    }
    // Reuse the request-head parser for the headers (the status line is not a request line).
    std::string head = "GET / HTTP/1.1\r\n" + resp.substr(resp.find("\r\n") + 2, end);
    RequestHead h;
    uint64_t cid = 0;
    if (!parse_request_head(head, &h) || !server::parse_id_hex(h.header("x-etcd-cluster-id"), &cid)) {
      last_error = url + "/members gave no cluster ID";
      continue;
    }
    server::Cluster c;
    c.cluster_id = cid;
    try {
      auto j = nlohmann::json::parse(resp.substr(end + 4));
      for (const auto& m : j) {
        server::Member mem;
        if (!server::parse_id_hex(m.at("id").get<std::string>(), &mem.id)) continue;
        mem.name = m.value("name", "");
        for (const auto& u : m.at("peerURLs")) mem.peer_urls.push_back(u.get<std::string>());
        if (m.contains("clientURLs"))
          for (const auto& u : m["clientURLs"]) mem.client_urls.push_back(u.get<std::string>());
        std::sort(mem.peer_urls.begin(), mem.peer_urls.end());
        c.members.push_back(std::move(mem));
      }
    } catch (const std::exception& e) {
      last_error = url + "/members: " + e.what();
      continue;
    }
    std::sort(c.members.begin(), c.members.end(),
              [](const server::Member& a, const server::Member& b) { return a.id < b.id; });
    *out = std::move(c);
    return {};
  }
  return last_error;
}

}  // namespace arbor::http
