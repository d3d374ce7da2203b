// Connections: one Session per socket on its own strand. A session reads one request with Beast's
// parser, hands it to the Router, writes the reply (or a chunked stream for watches) and then
// reads the next request, so pipelined requests are answered in order. A reply made on another
// thread (a write's, on the apply loop) is written to the socket by that thread (direct_reply).
// While a stream is open the session waits for the socket to become readable, to notice a
// client that goes away.

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <chrono>
#include <cstring>
#include <limits>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <sys/epoll.h>
#include <sys/socket.h>

#include "http/exchange.h"
#include "http/form.h"
#include "http/json.h"
#include "http/keys_request.h"
#include "http/park_set.h"
#include "http/peer_wire.h"
#include "http/router.h"
#include "http/send_now.h"
#include "http/server.h"
#include "http/tls_context.h"
#include "store/error.h"
#include "util/log.h"

namespace arbor::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

constexpr size_t kHeaderLimit = (1 << 20) + 4096;  // Go's DefaultMaxHeaderBytes + slack.
// etcd's client port sorts connections with cmux, whose HTTP/1 matcher reads the request line
// into 4096 bytes: a longer line (CRLF included) is dropped without an answer.
constexpr size_t kMaxRequestLine = 4096;
constexpr size_t kMaxBufferedWhileStreaming = 64 << 10;
// A ParkSet event that says the client shut its side (or the socket failed).
constexpr uint32_t kParkEndEvents = EPOLLRDHUP | EPOLLHUP | EPOLLERR;
// The apply loop's reply buffer (direct_reply) is reused up to this capacity.
constexpr size_t kMaxKeptReplyBuffer = 64 << 10;
// After an error reply that leaves a body unread, the rest is read and thrown away this long,
// so the client sees the reply instead of a reset (Go's server waits 500 ms).
constexpr auto kDrainTime = std::chrono::seconds(2);

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 412: return "Precondition Failed";
    case 413: return "Request Entity Too Large";
    case 415: return "Unsupported Media Type";
    case 421: return "Misdirected Request";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

// "Date: Sun, 22 Nov 2026 03:24:48 GMT\r\n", rebuilt once a second per thread.
const std::string& date_header() {
  thread_local std::time_t last = 0;
  thread_local std::string cached;
  const std::time_t now = std::time(nullptr);
  if (now != last) {
    last = now;
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    const size_t n = std::strftime(buf, sizeof buf, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
    cached.assign(buf, n);
  }
  return cached;
}

void append_status_line(std::string& out, int status) {
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out.push_back(' ');
  out += reason_phrase(status);
  out += "\r\n";
}

// A whole reply: status line, the handler's headers, Date, Content-Length and the body.
void render_reply(std::string& out, const HttpResponse& r, bool keep_alive, bool head) {
  out.reserve(256 + r.headers.size() + (r.omit_body ? 0 : r.body.size()));
  append_status_line(out, r.status);
  out += r.headers;
  out += date_header();
  if (r.status != 204 && r.status != 304) {
    out += "Content-Length: ";
    out += std::to_string(r.body.size());
    out += "\r\n";
  }
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
  if (!r.omit_body && !head) out += r.body;
}

// Set on the threads that run the I/O context: a reply made there is written by the session
// itself; one made on another thread (the apply loop) may be written straight to the socket.
thread_local bool t_io_thread = false;
// The I/O context this thread runs when it is that context's only thread (else null).
thread_local const void* t_home_ioc = nullptr;

class SessionBase;
// The I/O thread's half of a reply that direct_reply wrote (see finish_direct).
struct DirectFinish {
  std::shared_ptr<SessionBase> session;
  uint64_t seq;
  int err;
  std::string rest;
};
// While this thread holds them (hold_direct_finishes), the finishes of its direct replies wait
// here for release_direct_finishes instead of being posted one by one.
thread_local std::vector<DirectFinish>* t_held_finishes = nullptr;

// Go's plain answer to a request it could not parse.
std::string bad_request_text(int status) {
  std::string msg = std::to_string(status) + " " + reason_phrase(status);
  return "HTTP/1.1 " + msg +
         "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n" + msg;
}

// What a RequestExchange talks to: a session over a plain or a TLS stream.
using TlsStream = asio::ssl::stream<tcp::socket>;

// The common names of a verified client certificate chain, leaf first (Go's VerifiedChains).
std::vector<std::string> tls_peer_names(SSL* ssl) {
  std::vector<std::string> out;
  if (SSL_get_verify_result(ssl) != X509_V_OK) return out;
  STACK_OF(X509)* chain = SSL_get0_verified_chain(ssl);
  if (chain == nullptr) return out;
  for (int i = 0; i < sk_X509_num(chain); ++i) {
    X509_NAME* name = X509_get_subject_name(sk_X509_value(chain, i));
    const int at = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (at < 0) continue;
    const ASN1_STRING* cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at));
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(cn)),
                     static_cast<size_t>(ASN1_STRING_length(cn)));
  }
  return out;
}

class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  // True on the one thread that runs this session's I/O context. There dispatch() would run a
  // call in place, so RequestExchange makes the call directly, without wrapping it in a
  // type-erased function (GET c64: ~900 instructions a reply). Never true with several I/O
  // threads, where sessions run on strands.
  bool on_home_thread() const { return home_ != nullptr && home_ == t_home_ioc; }
  void set_home(const void* ioc) { home_ = ioc; }
  virtual asio::any_io_executor executor() = 0;
  virtual void deliver_reply(uint64_t seq, HttpResponse& r) = 0;
  // Off the I/O thread: writes the reply to `seq` on the socket at once, when the session can
  // take it that way (plain TCP, still handling `seq`). False: deliver it through the executor.
  virtual bool direct_reply(uint64_t seq, const HttpResponse& r) = 0;
  // On the I/O thread, after direct_reply wrote the reply to `seq` (all of it, or all but `rest`).
  virtual void finish_direct(uint64_t seq, int err, std::string rest) = 0;
  virtual void deliver_stream_begin(uint64_t seq, HttpResponse& r) = 0;
  virtual void deliver_stream_write(uint64_t seq, const std::shared_ptr<const std::string>* chunks,
                                    size_t n, bool last) = 0;
  virtual void deliver_stream_end(uint64_t seq) = 0;
  virtual void set_disconnect(uint64_t seq, std::function<void()>& f) = 0;

 private:
  const void* home_ = nullptr;  // The io_context when it has one thread; else null.
};

using Session = SessionBase;

// The reply channel of one request. Calls from other threads are posted to the session's
// strand; a stale call (for an earlier request) is ignored by the session.
class RequestExchange final : public Exchange {
 public:
  RequestExchange(std::shared_ptr<Session> s, uint64_t seq) : session_(std::move(s)), seq_(seq) {}
  void reply(HttpResponse resp) override;
  void stream_begin(HttpResponse head) override;
  void stream_write(std::shared_ptr<const std::string> data, bool last) override;
  void stream_end() override;
  void on_disconnect(std::function<void()> f) override;

  Session& session() const { return *session_; }
  // On the session's thread: one delivery of deliver_streams.
  void deliver(StreamDelivery& d) {
    if (!d.chunks.empty()) return session_->deliver_stream_write(seq_, d.chunks.data(), d.chunks.size(), d.last);
    if (d.last) session_->deliver_stream_end(seq_);
  }

 private:
  // Runs f(session, seq) on the session's thread: at once when this is it (see
  // on_home_thread), else through dispatch, which keeps f's captures alive until then.
  template <class F>
  void on_session(F f) {
    if (session_->on_home_thread()) return f(*session_, seq_);
    asio::dispatch(session_->executor(), [s = session_, seq = seq_, f = std::move(f)]() mutable { f(*s, seq); });
  }

  std::shared_ptr<Session> session_;
  uint64_t seq_;
};

// One connection. `Stream` is tcp::socket or TlsStream; the differences are the handshake, how
// a parked stream notices its client leaving, and where the peer's certificate names come from.
template <class Stream>
class StreamSession final : public SessionBase, public ParkSet::Member {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;

  template <class... StreamArgs>
  StreamSession(Router& router, const ServerConfig& config, StreamArgs&&... args)
      : stream_(std::forward<StreamArgs>(args)...), router_(router), config_(config),
        timer_(stream_.get_executor()) {}

  ~StreamSession() {
    if (park_registered_) park_->remove(park_fd_, park_key_);
  }

  // Plain TCP with one I/O thread: parked streams wait in `park` (see park_set.h).
  void set_park(ParkSet* park) { park_ = park; }

  void start() {
    if constexpr (kTls) {
      // The handshake must finish within the header timeout, like the first request's headers.
      arm_timer(std::chrono::milliseconds(config_.read_header_timeout_ms));
      handshaking_ = true;
      stream_.async_handshake(asio::ssl::stream_base::server, [self = self()](error_code ec) {
        self->handshaking_ = false;
        if (ec) return self->close();
        error_code ignored;
        const auto remote = self->stream_.next_layer().remote_endpoint(ignored);
        const std::string why = check_client_certificate(
            self->stream_.native_handle(), self->config_.tls, remote.address().to_string());
        if (!why.empty()) {
          LOG_WARN("embed", "rejected connection from \"%s\" (%s)",
                   remote.address().to_string().c_str(), why.c_str());
          return self->close();
        }
        self->peer_names_ = tls_peer_names(self->stream_.native_handle());
        self->do_read();
      });
    } else {
      do_read();
    }
  }

  asio::any_io_executor executor() override { return stream_.get_executor(); }

  void deliver_reply(uint64_t seq, HttpResponse& r) override {
    if (seq != seq_ || state_ != State::kHandling) return;
    std::string out = write_buffer();
    render_reply(out, r, keep_alive_, head_);
    state_ = State::kFinishing;
    send(std::move(out));
  }

  // A write's reply leaves from the apply loop's thread with one send(), instead of waking the
  // I/O thread to write it: the client has it one thread hand-off sooner, and the sends of a
  // batch of replies no longer queue behind the I/O thread's reads and parsing (PUT c64 +16%).
  // The I/O thread is told afterwards (finish_direct) and reads the next request as after any
  // reply. While a request is being handled no read or write is pending on the socket, and
  // direct_mu_ keeps close() from closing the descriptor under the send.
  bool direct_reply(uint64_t seq, const HttpResponse& r) override {
    if constexpr (kTls) {
      return false;
    } else {
      thread_local std::string out;
      size_t sent = 0;
      int err = 0;
      {
        std::lock_guard<std::mutex> lock(direct_mu_);
        if (direct_seq_ != seq) return false;
        direct_seq_ = 0;
        // keep_alive_ and head_ were set before direct_seq_ (under direct_mu_), and stay put
        // until finish_direct runs.
        out.clear();
        render_reply(out, r, keep_alive_, head_);
        const ssize_t n = send_now(stream_.native_handle(), out);
        if (n >= 0) sent = static_cast<size_t>(n);
        else err = errno;
      }
      // What the socket could not take now (a slow client, a large reply) the I/O thread writes:
      // the buffer itself goes with it. A large one that went out whole is not kept either.
      std::string rest;
      if (sent < out.size() && (err == 0 || err == EAGAIN || err == EWOULDBLOCK)) {
        out.erase(0, sent);
        rest = std::move(out);
        out = std::string();
        err = 0;
      } else if (out.capacity() > kMaxKeptReplyBuffer) {
        out = std::string();
      }
      if (t_held_finishes != nullptr) {
        t_held_finishes->push_back(DirectFinish{self(), seq, err, std::move(rest)});
      } else {
        asio::post(stream_.get_executor(), [self = self(), seq, err, rest = std::move(rest)]() mutable {
          self->finish_direct(seq, err, std::move(rest));
        });
      }
      return true;
    }
  }

  void deliver_stream_begin(uint64_t seq, HttpResponse& r) override {
    if (seq != seq_ || state_ != State::kHandling) return;
    // A stream may stay parked for long: it keeps no read buffer while it waits (the bytes a
    // wake-up reads are taken into a fresh one).
    if (buffer_.size() == 0) buffer_.shrink_to_fit();
    std::string out;
    out.reserve(r.headers.size() + 128);
    append_status_line(out, r.status);
    out += r.headers;
    out += date_header();
    if (!keep_alive_) out += "Connection: close\r\n";
    out += "Transfer-Encoding: chunked\r\n\r\n";
    state_ = State::kStreaming;
    send(std::move(out));
    wait_readable();
  }

  void deliver_stream_write(uint64_t seq, const std::shared_ptr<const std::string>* chunks,
                            size_t n, bool last) override {
    if (seq != seq_ || state_ != State::kStreaming) return;
    // A stream whose client does not read: drop it (and its watcher) rather than buffer forever.
    if (pending_.size() > config_.max_stream_backlog_bytes) {
      LOG_DEBUG("http", "dropping a stream watcher %zu bytes behind", pending_.size());
      return close();
    }
    std::string out;
    size_t total = 5;  // The last chunk.
    for (size_t i = 0; i < n; ++i) total += chunks[i]->size() + 20;
    out.reserve(total);
    for (size_t i = 0; i < n; ++i) {
      const std::string& data = *chunks[i];
      if (data.empty()) continue;
      char len[20];
      const auto [end, ec] = std::to_chars(len, len + sizeof len, data.size(), 16);
      out.append(len, end);
      out += "\r\n";
      out += data;
      out += "\r\n";
    }
    if (last) {
      on_disconnect_ = nullptr;
      state_ = State::kFinishing;
      out += "0\r\n\r\n";
    }
    if (!out.empty()) send(std::move(out));
  }

  void deliver_stream_end(uint64_t seq) override {
    if (seq != seq_ || state_ != State::kStreaming) return;
    on_disconnect_ = nullptr;
    state_ = State::kFinishing;
    send("0\r\n\r\n");
  }

  void set_disconnect(uint64_t seq, std::function<void()>& f) override {
    if (seq != seq_) return;
    if (state_ == State::kClosed) {
      if (f) f();
      return;
    }
    on_disconnect_ = std::move(f);
  }

 private:
  enum class State { kReading, kHandling, kStreaming, kFinishing, kClosed };

  void do_read() {
    state_ = State::kReading;
    ++reads_;
    read_started_ = Clock::now();
    started_with_bytes_ = buffer_.size() > 0;
    arm_timer(std::chrono::milliseconds(
        std::min(config_.read_header_timeout_ms, config_.idle_timeout_ms)));
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    // The body's limit is set once the headers are in (check_body_size): Beast would refuse a
    // long Content-Length while parsing the headers, before the reply can depend on them.
    parser_->body_limit(std::numeric_limits<uint64_t>::max());
    if (park_registered_ && !headers_buffered()) park_drained_ = false;
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = self()](error_code ec, size_t n) { self->on_header(ec, n); });
  }

  // Headers are in. A client that sent "Expect: 100-continue" (curl, for bodies over 1 KB)
  // waits for an interim 100 before it sends the body, as Go's server sends when the body is read.
  void on_header(error_code ec, size_t n) {
    if (!ec && request_line_size() > kMaxRequestLine) return close();
    if (!ec && !check_body_size()) return;
    if (ec || parser_->is_done()) return on_read(ec, n);
    auto& msg = parser_->get();
    auto expect = msg.find(bhttp::field::expect);
    if (expect != msg.end() && beast::iequals(expect->value(), "100-continue")) {
      static const std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      return asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                               [self = self()](error_code wec, size_t) {
                                 if (wec) return self->close();
                                 self->read_body();
                               });
    }
    read_body();
  }

  void read_body() {
    park_drained_ = false;
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = self()](error_code ec, size_t n) { self->on_read(ec, n); });
  }

  void on_read(error_code ec, size_t /*bytes*/) {
    if (ec) return on_read_error(ec);
    auto& msg = parser_->get();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    std::string_view target(msg.target().data(), msg.target().size());
    // An absolute-form target ("http://host/path") is reduced to its path.
    if (target.size() > 7 && (target.substr(0, 7) == "http://" || target.substr(0, 8) == "https://")) {
      const size_t slash = target.find('/', target.find("://") + 3);
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
    keep_alive_ = msg.keep_alive();
    head_ = msg.method() == bhttp::verb::head;
    if (!split_target(target, &req.path, &req.raw_query) || target.empty() || target[0] != '/') {
      return write_raw_and_close(bad_request_text(400));
    }
    if (auto it = msg.find(bhttp::field::content_type); it != msg.end())
      req.content_type = std::string(it->value());
    if (auto it = msg.find(bhttp::field::authorization); it != msg.end())
      req.authorization = std::string(it->value());
    if (auto it = msg.find(bhttp::field::origin); it != msg.end())
      req.origin = std::string(it->value());
    if (auto it = msg.find(bhttp::field::host); it != msg.end())
      req.host = std::string(it->value());
    req.secure = kTls;
    req.body = std::move(msg.body());
    parser_.reset();
    // The read buffer is kept for the next request on this connection (a stream releases it
    // in deliver_stream_begin).
    state_ = State::kHandling;
    ++seq_;
    if constexpr (!kTls) {
      std::lock_guard<std::mutex> lock(direct_mu_);
      direct_seq_ = seq_;
    }
    req.tls_common_names = peer_names_;
    router_.handle(std::move(req), std::make_shared<RequestExchange>(shared_from_this(), seq_));
  }

  void on_read_error(error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset) {
      return close();
    }
    if (parser_ && parser_->is_header_done()) {
      // The body could not be read. Go's ParseForm reports that as error 210 for a form body.
      if (ec == bhttp::error::body_limit) return reject_body();
      const std::string cause =
          ec == bhttp::error::partial_message ? "unexpected EOF" : "invalid byte in chunk length";
      if (is_form()) return write_raw_and_close(invalid_form_reply(cause));
      return write_raw_and_close(bad_request_text(400));
    }
    if (ec == bhttp::error::partial_message || ec == asio::error::eof) return close();
    // What etcd's port multiplexer would not take for HTTP/1 is dropped without an answer.
    // Beast consumes the request line once it has parsed it; until then it is in buffer_.
    const bool line_parsed = parser_ && !parser_->get().method_string().empty();
    if (!line_parsed && !looks_like_http1()) return close();
    if (ec == bhttp::error::header_limit) return write_raw_and_close(bad_request_text(431));
    return write_raw_and_close(bad_request_text(400));
  }

  void write_raw_and_close(std::string bytes) {
    state_ = State::kFinishing;
    keep_alive_ = false;
    send(std::move(bytes));
  }

  // cmux's HTTP1 matcher on the unparsed request: a first line within 4096 bytes (its newline
  // included) made of three space-separated parts, the last "HTTP/1.<digits>".
  bool looks_like_http1() const {
    const auto data = buffer_.cdata();
    std::string_view line(static_cast<const char*>(data.data()), data.size());
    const size_t eol = line.find('\n');
    if (eol == std::string_view::npos || eol + 1 > kMaxRequestLine) return false;
    line = line.substr(0, eol);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const size_t s1 = line.find(' ');
    if (s1 == std::string_view::npos) return false;
    const size_t s2 = line.find(' ', s1 + 1);
    if (s2 == std::string_view::npos) return false;
    const std::string_view proto = line.substr(s2 + 1);
    if (proto.substr(0, 7) != "HTTP/1." || proto.size() == 7) return false;
    return proto.find_first_not_of("0123456789", 7) == std::string_view::npos;
  }

  // "GET /path HTTP/1.1\r\n" as the client sent it (Beast keeps the method and target as sent).
  size_t request_line_size() const {
    const auto& msg = parser_->get();
    return msg.method_string().size() + 1 + msg.target().size() + 1 + 8 + 2;
  }

  // A PUT, POST or PATCH with a form body: the body is what Go's ParseForm reads.
  bool is_form() const {
    const auto& msg = parser_->get();
    const bhttp::verb v = msg.method();
    if (v != bhttp::verb::put && v != bhttp::verb::post && v != bhttp::verb::patch) return false;
    auto it = msg.find(bhttp::field::content_type);
    if (it == msg.end()) return false;
    std::string err;
    return is_form_content_type(std::string_view(it->value().data(), it->value().size()), &err)
        .value_or(false);
  }

  // Once the headers are in: a body declared longer than the limits is refused before any of it
  // is read (and a chunked body is cut off at the same bound by the parser). False when refused.
  bool check_body_size() {
    const bool form = is_form();
    const uint64_t limit =
        form ? std::min<uint64_t>(config_.max_request_bytes, uint64_t{kMaxFormBytes}) : config_.max_request_bytes;
    parser_->body_limit(limit);
    const auto len = parser_->content_length();
    if (!len || *len <= limit) return true;
    reject_body();
    return false;
  }

  // The body is over a limit: etcd's 400/210 for a form past Go's cap, otherwise 413.
  void reject_body() {
    discard_on_close_ = true;
    if (is_form() && config_.max_request_bytes >= kMaxFormBytes) {
      return write_raw_and_close(invalid_form_reply("http: POST too large"));
    }
    static const std::string kBody = "{\"message\":\"http: request body too large\"}\n";
    std::string out = "HTTP/1.1 413 Request Entity Too Large\r\nContent-Type: application/json\r\n";
    out += date_header();
    out += "Content-Length: " + std::to_string(kBody.size()) + "\r\nConnection: close\r\n\r\n";
    out += kBody;
    write_raw_and_close(std::move(out));
  }

  // etcd's answer to a form body it could not read: 400, error 210 "Invalid POST form".
  static std::string invalid_form_reply(const std::string& cause) {
    std::string body;
    append_error_json(body, store::Error{store::ErrorCode::kInvalidForm, cause, 0});
    body.push_back('\n');
    std::string out = "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nX-Etcd-Index: 0\r\n";
    out += date_header();
    out += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
    out += body;
    return out;
  }

  // ---- timeouts. One timer per session, armed when a read starts and not already pending;
  // when it fires it looks at what the session is doing and re-arms if needed.
  using Clock = std::chrono::steady_clock;

  void arm_timer(Clock::duration d) {
    if (timer_armed_) return;
    timer_armed_ = true;
    timer_.expires_after(d);
    timer_.async_wait([self = self()](error_code ec) { self->on_timer(ec); });
  }

  void on_timer(error_code ec) {
    timer_armed_ = false;
    if (ec || state_ == State::kClosed) return;
    if (handshaking_) return close();
    if (state_ != State::kReading || !parser_) return;  // Handling, streaming: never timed out.
    const auto now = Clock::now();
    const auto header_timeout = std::chrono::milliseconds(config_.read_header_timeout_ms);
    const auto idle_timeout = std::chrono::milliseconds(config_.idle_timeout_ms);
    const bool started = started_with_bytes_ || parser_->got_some() || buffer_.size() > 0;
    if (started) {
      // Headers in progress: a pipelined request (its bytes were there at once) has
      // header_timeout from the start of the read; any other from the tick that first saw bytes.
      const auto elapsed = now - read_started_;
      if (started_with_bytes_ ? elapsed >= header_timeout : progress_seen_ == reads_) {
        LOG_DEBUG("http", "closing a connection whose request headers took too long");
        return close();
      }
      progress_seen_ = reads_;
      return arm_timer(started_with_bytes_ ? header_timeout - elapsed : header_timeout);
    }
    const auto idle = now - read_started_;
    if (idle >= idle_timeout) return close();
    arm_timer(std::min<Clock::duration>(header_timeout, idle_timeout - idle));
  }

  // After an error reply whose request body was not read: throw the rest away for a while.
  void drain() {
    if (!drain_buf_) drain_buf_ = std::make_unique<char[]>(kDrainChunk);
    if (!drain_deadline_) {
      drain_deadline_ = Clock::now() + kDrainTime;
      timer_.cancel();
      timer_armed_ = true;
      timer_.expires_at(*drain_deadline_);
      timer_.async_wait([self = self()](error_code wec) {
        self->timer_armed_ = false;
        if (!wec) self->close();
      });
    }
    park_drained_ = false;
    socket().async_read_some(asio::buffer(drain_buf_.get(), kDrainChunk),
                            [self = self()](error_code ec, size_t) {
                              if (ec || self->state_ == State::kClosed) return self->close();
                              self->drain();
                            });
  }

  // A string to render the next write into: the last write's buffer, whose capacity is reused,
  // when no write is in flight; else a new one.
  std::string write_buffer() {
    std::string b;
    if (!writing_) b.swap(out_);
    b.clear();
    return b;
  }

  // Queues bytes; one async_write is in flight at a time. With nothing in flight on a plain
  // socket, one non-blocking send goes first: a reply the socket takes whole (nearly all of
  // them) then needs no write operation, no completion to dispatch and no allocation for either.
  // Only a send that left bytes or failed falls back to async_write, which writes the rest or
  // meets the error. Callers make send() their last step, since a whole send finishes the reply
  // here (after_reply) as on_write would.
  void send(std::string bytes) {
    if (state_ == State::kClosed) return;
    if (writing_) {
      pending_ += bytes;
      return;
    }
    if constexpr (!kTls) {
      const ssize_t n = send_now(socket().native_handle(), bytes);
      if (n == static_cast<ssize_t>(bytes.size())) {
        out_ = std::move(bytes);
        return on_sent();
      }
      if (n > 0) bytes.erase(0, static_cast<size_t>(n));
    }
    out_ = std::move(bytes);
    do_write();
  }

  void do_write() {
    writing_ = true;
    asio::async_write(stream_, asio::buffer(out_),
                      [self = self()](error_code ec, size_t) { self->on_write(ec); });
  }

  void on_write(error_code ec) {
    writing_ = false;
    if (ec) return close();
    if (!pending_.empty()) {
      out_.swap(pending_);
      pending_.clear();
      return do_write();
    }
    on_sent();
  }

  // Everything queued is written.
  void on_sent() {
    out_.clear();
    // The buffer is reused for the next reply (write_buffer), except by a parked stream.
    if (state_ != State::kFinishing) {
      out_.shrink_to_fit();
      return;
    }
    after_reply();
  }

  void finish_direct(uint64_t seq, int err, std::string rest) override {
    if (seq != seq_ || state_ != State::kHandling) return;
    if (err != 0) return close();
    state_ = State::kFinishing;
    if (!rest.empty()) return send(std::move(rest));
    after_reply();
  }

  // The reply is out: close, or read the next request.
  void after_reply() {
    if (!keep_alive_) {
      error_code ignored;
      socket().shutdown(tcp::socket::shutdown_send, ignored);
      if (discard_on_close_) return drain();
      return close();
    }
    // A readable-wait left from a stream finishes by itself once the client sends or closes,
    // unless the next request is already here (pipelined behind the stream): then it stops now.
    if (waiting_readable_) {
      state_ = State::kReading;
      resume_after_wait_ = true;
      if (buffer_.size() == 0) return;
      if (parked()) {
        const std::shared_ptr<void> keep = leave_park();
        return after_readable();
      }
      probe_cancelled_ = true;
      error_code ignored;
      socket().cancel(ignored);  // The probe read is the only operation pending.
      return;
    }
    do_read();
  }

  // Watches a parked stream's socket for its client leaving (or sending its next request) with
  // a small read that stays pending. Asio tries it at once (one recv that usually finds
  // nothing) and then queues it on the descriptor already registered with the reactor: no
  // epoll_ctl as an async_wait costs, and no FIONREAD probe when it completes.
  void wait_readable() {
    if (waiting_readable_) return;
    waiting_readable_ = true;
    if constexpr (!kTls) {
      if (park_ != nullptr && park()) return;
    }
    stream_.async_read_some(asio::buffer(probe_), [self = self()](error_code ec, size_t n) {
      self->waiting_readable_ = false;
      if (ec == asio::error::operation_aborted && self->probe_cancelled_ && self->state_ != State::kClosed) {
        self->probe_cancelled_ = false;
        return self->after_readable();
      }
      if (ec || n == 0 || self->state_ == State::kClosed) return self->close();
      self->take_probe(n);
      self->after_readable();
    });
  }

  // Waits in the ParkSet instead of with a pending read. False: the socket could not join it.
  bool park() {
    if (!park_registered_) {
      park_fd_ = socket().native_handle();
      if (!park_->add(park_fd_, this, &park_key_)) return false;
      park_registered_ = true;
      // EPOLL_CTL_ADD reports what is already there as an event: no read is needed now.
      park_drained_ = true;
      park_edge_seen_ = false;
    }
    park_->park(park_fd_, park_key_, shared_from_this());
    // Parking without a look is safe only when our own last recv emptied the socket and the set
    // has reported nothing since: anything that arrives later is reported while we wait.
    if (!park_drained_ || park_edge_seen_) park_read(0);
    return true;
  }

  void on_park_event(uint32_t events) override {
    if (!parked()) {
      park_edge_seen_ = true;
      return;
    }
    park_read(events);
  }

  void detach_park() override {
    park_ = nullptr;
    park_registered_ = false;
  }

  // Parked: waiting for the client in the set (which holds the session meanwhile). A registered
  // socket always waits there, so this needs no flag of its own.
  bool parked() const { return park_registered_ && waiting_readable_; }

  // Stops waiting in the set; the caller keeps what it returns (the session) while it goes on.
  std::shared_ptr<void> leave_park() {
    waiting_readable_ = false;
    return park_->unpark(park_fd_, park_key_);
  }

  // The bytes a readable-wait took into probe_ go to the HTTP reader's buffer.
  void take_probe(size_t n) {
    auto into = buffer_.prepare(n);
    std::memcpy(into.data(), probe_.data(), n);
    buffer_.commit(n);
  }

  // A parked stream's socket may hold something: take up to probe_'s size.
  void park_read(uint32_t events) {
    ssize_t n;
    do {
      n = ::recv(park_fd_, probe_.data(), probe_.size(), MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      park_drained_ = true;  // Still parked.
      park_edge_seen_ = false;
      return;
    }
    const std::shared_ptr<void> keep = leave_park();
    if (n <= 0 || state_ == State::kClosed) return close();
    // A short read empties the socket, unless the event that woke us also said the client shut
    // its side: then the end of the stream is still to be read.
    park_drained_ = static_cast<size_t>(n) < probe_.size() && (events & kParkEndEvents) == 0;
    park_edge_seen_ = false;
    take_probe(static_cast<size_t>(n));
    after_readable();
  }

  // Whether the read buffer holds a whole header block, which Beast parses without a recv.
  bool headers_buffered() const {
    const auto data = buffer_.cdata();
    return std::string_view(static_cast<const char*>(data.data()), data.size()).find("\r\n\r\n") !=
           std::string_view::npos;
  }

  void after_readable() {
    if (resume_after_wait_) {
      resume_after_wait_ = false;
      return do_read();
    }
    // Pipelined bytes during a stream are kept for later; watching stops past a bound.
    if (state_ == State::kStreaming && buffer_.size() < kMaxBufferedWhileStreaming) wait_readable();
  }

  void close() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    // What the ParkSet held of a parked session lives until this call returns.
    std::shared_ptr<void> keep;
    if (park_registered_) {
      keep = park_->remove(park_fd_, park_key_);
      park_registered_ = false;
    }
    error_code ignored;
    {
      // direct_mu_ is a leaf lock: held only around the descriptor, never while calling out.
      std::lock_guard<std::mutex> lock(direct_mu_);
      direct_seq_ = 0;
      socket().close(ignored);
    }
    timer_.cancel();
    if (auto f = std::move(on_disconnect_)) {
      on_disconnect_ = nullptr;
      f();
    }
  }

  static constexpr size_t kDrainChunk = 16 << 10;

  tcp::socket& socket() { return beast::get_lowest_layer(stream_); }
  std::shared_ptr<StreamSession> self() {
    return std::static_pointer_cast<StreamSession>(shared_from_this());
  }

  Stream stream_;
  bool handshaking_ = false;
  std::vector<std::string> peer_names_;  // CNs of a verified client certificate chain.
  Router& router_;  // Not owned; outlives every session.
  const ServerConfig& config_;  // Not owned; the server's, outlives every session.
  asio::steady_timer timer_;
  bool timer_armed_ = false;
  uint64_t reads_ = 0;          // Requests started on this connection.
  uint64_t progress_seen_ = 0;  // The read whose header bytes a timer tick has already seen.
  bool started_with_bytes_ = false;
  Clock::time_point read_started_{};
  bool discard_on_close_ = false;  // An error reply left a body unread: drain() before closing.
  std::unique_ptr<char[]> drain_buf_;
  std::optional<Clock::time_point> drain_deadline_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;  // Set while reading.
  State state_ = State::kReading;
  uint64_t seq_ = 0;           // The current request; replies for others are dropped.
  bool keep_alive_ = true;
  bool head_ = false;          // A HEAD request: headers only, whatever the handler wrote.
  bool writing_ = false;
  bool waiting_readable_ = false;
  bool resume_after_wait_ = false;
  bool probe_cancelled_ = false;  // after_reply stopped the probe read: a request was buffered.
  // Where a parked stream's pending read lands: small, so a parked watcher holds no read
  // buffer (the bytes move to buffer_, and the HTTP reader takes the rest from the socket).
  // 256 bytes hold a whole re-watch request of the usual clients (etcdctl's is ~140, a
  // long-poll loop's "GET ...?wait=true&waitIndex=N" ~100), so waking one takes one recv,
  // not two: watch fan-out +4% (1000 watchers, 4 interleaved pairs).
  std::array<char, 256> probe_{};
  // Parking in the ParkSet (plain TCP, one I/O thread).
  ParkSet* park_ = nullptr;
  int park_fd_ = -1;
  uint32_t park_key_ = 0;
  bool park_registered_ = false;  // The socket is in the set (for the connection's life).
  bool park_drained_ = false;     // Our last recv emptied the socket, and nothing read since.
  bool park_edge_seen_ = false;   // The set reported the socket while not parked.
  std::string out_;       // Bytes of the write in flight.
  std::string pending_;   // Bytes queued behind it.
  std::function<void()> on_disconnect_;
  std::mutex direct_mu_;
  uint64_t direct_seq_ = 0;  // The request direct_reply may answer (0: none); under direct_mu_.
};

void RequestExchange::reply(HttpResponse resp) {
  if (!t_io_thread && session_->direct_reply(seq_, resp)) return;
  on_session([r = std::move(resp)](Session& s, uint64_t seq) mutable { s.deliver_reply(seq, r); });
}
void RequestExchange::stream_begin(HttpResponse head) {
  on_session([r = std::move(head)](Session& s, uint64_t seq) mutable { s.deliver_stream_begin(seq, r); });
}
void RequestExchange::stream_write(std::shared_ptr<const std::string> data, bool last) {
  on_session([d = std::move(data), last](Session& s, uint64_t seq) { s.deliver_stream_write(seq, &d, 1, last); });
}
void RequestExchange::stream_end() {
  on_session([](Session& s, uint64_t seq) { s.deliver_stream_end(seq); });
}
void RequestExchange::on_disconnect(std::function<void()> f) {
  on_session([f = std::move(f)](Session& s, uint64_t seq) mutable { s.set_disconnect(seq, f); });
}

}  // namespace

// Hands items[i, end) to their I/O threads: one task for each run of neighbours that share an
// executor (with one I/O thread: all of them; with strands: each connection has its own), which
// calls `each` on every item of the run.
template <class T, class ExecOf, class Each>
void post_runs(std::vector<T>& items, size_t i, size_t end, ExecOf exec_of, Each each) {
  while (i < end) {
    const asio::any_io_executor exec = exec_of(items[i]);
    size_t j = i + 1;
    while (j < end && exec_of(items[j]) == exec) ++j;
    auto run = std::make_shared<std::vector<T>>(std::make_move_iterator(items.begin() + i),
                                                std::make_move_iterator(items.begin() + j));
    asio::post(exec, [run, each] {
      for (T& item : *run) each(item);
    });
    i = j;
  }
}

void deliver_streams(std::vector<StreamDelivery> items) {
  auto exchange = [](const StreamDelivery& d) { return dynamic_cast<RequestExchange*>(d.ex.get()); };
  size_t i = 0;
  while (i < items.size()) {
    if (exchange(items[i]) == nullptr) {  // Not a socket's exchange (handler tests).
      StreamDelivery& d = items[i++];
      for (size_t k = 0; k < d.chunks.size(); ++k)
        d.ex->stream_write(std::move(d.chunks[k]), d.last && k + 1 == d.chunks.size());
      if (d.chunks.empty() && d.last) d.ex->stream_end();
      continue;
    }
    size_t j = i + 1;
    while (j < items.size() && exchange(items[j]) != nullptr) ++j;
    // items[i, j) are all sockets' exchanges.
    auto socket_exchange = [](const StreamDelivery& d) -> RequestExchange& {
      return *static_cast<RequestExchange*>(d.ex.get());
    };
    post_runs(
        items, i, j, [socket_exchange](const StreamDelivery& d) { return socket_exchange(d).session().executor(); },
        [socket_exchange](StreamDelivery& d) { socket_exchange(d).deliver(d); });  // Runs later: by value.
    i = j;
  }
}

void hold_direct_finishes() {
  thread_local std::vector<DirectFinish> held;
  t_held_finishes = &held;
}

void release_direct_finishes() {
  std::vector<DirectFinish>* held = t_held_finishes;
  if (held == nullptr || held->empty()) return;
  post_runs(
      *held, 0, held->size(), [](const DirectFinish& f) { return f.session->executor(); },
      [](DirectFinish& f) { f.session->finish_direct(f.seq, f.err, std::move(f.rest)); });
  held->clear();
}

struct Server::Impl {
  Impl(ServerConfig c, Router& r) : config(std::move(c)), router(r), ioc(config.io_threads) {
    if (config.io_threads == 1) park = ParkSet::create(ioc);
  }

  void do_accept(size_t i) {
    // With one I/O thread every handler already runs in order; a strand would only add cost.
    auto on = [this, i](error_code ec, tcp::socket s) { on_accept(i, ec, std::move(s)); };
    if (config.io_threads > 1) {
      acceptors[i]->async_accept(asio::make_strand(ioc), std::move(on));
    } else {
      acceptors[i]->async_accept(ioc.get_executor(), std::move(on));
    }
  }

  void on_accept(size_t i, error_code ec, tcp::socket s) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) {
      // EMFILE/ENFILE and friends: pause this listener briefly instead of spinning.
      const auto now = std::chrono::steady_clock::now();
      if (now - last_accept_log > std::chrono::seconds(1)) {
        LOG_WARN("http", "accept: %s", ec.message().c_str());
        last_accept_log = now;
      }
      auto timer = std::make_shared<asio::steady_timer>(ioc, std::chrono::milliseconds(50));
      timer->async_wait([this, i, timer](error_code) { do_accept(i); });
      return;
    }
    error_code ignored;
    s.set_option(tcp::no_delay(true), ignored);
    if (tls_listener[i]) {
      auto session = std::make_shared<StreamSession<TlsStream>>(router, config, std::move(s), *ssl);
      if (config.io_threads == 1) session->set_home(&ioc);
      session->start();
    } else {
      auto session = std::make_shared<StreamSession<tcp::socket>>(router, config, std::move(s));
      if (config.io_threads == 1) session->set_home(&ioc);
      session->set_park(park.get());
      session->start();
    }
    do_accept(i);
  }

  ServerConfig config;
  Router& router;
  asio::io_context ioc;
  std::unique_ptr<ParkSet> park;  // With one I/O thread: where parked plain-TCP streams wait.
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::vector<bool> tls_listener;  // Per acceptor: an https URL.
  std::unique_ptr<asio::ssl::context> ssl;
  std::chrono::steady_clock::time_point last_accept_log{};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
};

Server::Server(ServerConfig config, Router& router)
    : impl_(std::make_unique<Impl>(std::move(config), router)) {}

Server::~Server() { stop(); }

util::Status Server::start() {
  for (const std::string& url : impl_->config.listen_urls) {
    if (url.rfind("https://", 0) == 0 && !impl_->ssl) {
      if (auto st = make_server_tls_context(impl_->config.tls, &impl_->ssl); !st.ok()) return st;
    }
    std::string host, port;
    if (!split_url_host_port(url, &host, &port)) return util::Status::invalid_argument("bad listen URL " + url);
    error_code ec;
    tcp::resolver resolver(impl_->ioc);
    auto results = resolver.resolve(host, port, ec);
    if (ec || results.empty()) return util::Status::io_error("resolve " + url + ": " + ec.message());
    // Like Go's net.Listen, a name such as "localhost" listens on its IPv4 address when it has one.
    tcp::endpoint chosen = results.begin()->endpoint();
    for (const auto& r : results) {
      if (r.endpoint().address().is_v4()) {
        chosen = r.endpoint();
        break;
      }
    }
    {
      auto acc = std::make_unique<tcp::acceptor>(impl_->ioc);
      const tcp::endpoint ep = chosen;
      acc->open(ep.protocol(), ec);
      if (!ec) acc->set_option(asio::socket_base::reuse_address(true), ec);
      if (!ec) acc->bind(ep, ec);
      if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
      if (ec) return util::Status::io_error("listen " + url + ": " + ec.message());
      impl_->acceptors.push_back(std::move(acc));
      impl_->tls_listener.push_back(url.rfind("https://", 0) == 0);
    }
  }
  for (size_t i = 0; i < impl_->acceptors.size(); ++i) impl_->do_accept(i);
  return util::Status();
}

void Server::run() {
  std::vector<std::thread> extra;
  for (int i = 1; i < impl_->config.io_threads; ++i) {
    extra.emplace_back([this] {
      t_io_thread = true;
      impl_->ioc.run();
    });
  }
  t_io_thread = true;
  if (impl_->config.io_threads == 1) t_home_ioc = &impl_->ioc;
  impl_->ioc.run();
  t_home_ioc = nullptr;
  for (auto& t : extra) t.join();
}

void Server::stop() { impl_->ioc.stop(); }

int64_t parse_duration_ms(const std::string& s) {
  if (s.empty()) return -1;
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (...) {
    return -1;
  }
  const std::string unit = s.substr(used);
  double ms_per = 0;
  if (unit.empty() || unit == "s") ms_per = 1000;
  else if (unit == "ms") ms_per = 1;
  else if (unit == "m") ms_per = 60'000;
  else if (unit == "h") ms_per = 3'600'000;
  else return -1;
  const double ms = v * ms_per;
  if (!(ms >= 0) || ms > 1e15) return -1;
  return static_cast<int64_t>(ms);
}

}  // namespace arbor::http
