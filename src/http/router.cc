#include "http/router.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <mutex>
#include <string_view>

#include "http/auth.h"
#include "http/form.h"
#include "http/json.h"
#include "http/http_metrics.h"
#include "http/keys_request.h"
#include "http/snapshot_handler.h"
#include "http/web_assets.h"
#include "server/kv_service.h"
#include "server/membership.h"
#include "store/store.h"
#include "util/log.h"
#include "util/metrics.h"

namespace arbor::http {
namespace {

constexpr std::string_view kKeysPrefix = "/v2/keys";
constexpr std::string_view kMembersPrefix = "/v2/members";
constexpr std::string_view kAuthPrefix = "/v2/auth";

std::string u64(uint64_t v) { return std::to_string(v); }

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Go's time.Duration.String, e.g. "8m8.482435166s".
std::string go_duration(int64_t ns) {
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  uint64_t u = ns < 0 ? static_cast<uint64_t>(-ns) : static_cast<uint64_t>(ns);
  char buf[64];
  if (u < 1000000000ull) {
    // Sub-second: ns, µs or ms with a fraction.
    const char* unit;
    uint64_t div;
    if (u < 1000) {
      return sign + std::to_string(u) + "ns";
    } else if (u < 1000000) {
      unit = "µs";
      div = 1000;
    } else {
      unit = "ms";
      div = 1000000;
    }
    std::string frac = std::to_string(u % div);
    frac.insert(0, std::to_string(div).size() - 1 - frac.size(), '0');
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    return sign + std::to_string(u / div) + (frac.empty() ? "" : "." + frac) + unit;
  }
  const uint64_t secs = u / 1000000000ull;
  std::string frac = std::to_string(u % 1000000000ull);
  frac.insert(0, 9 - frac.size(), '0');
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  const uint64_t h = secs / 3600, m = (secs / 60) % 60, s = secs % 60;
  std::string out = sign;
  if (h) out += std::to_string(h) + "h";
  if (h || m) out += std::to_string(m) + "m";
  std::snprintf(buf, sizeof buf, "%" PRIu64, s);
  out += buf;
  if (!frac.empty()) out += "." + frac;
  out += "s";
  return out;
}

void member_json(std::string& out, const server::Member& m) {
  out += "{\"id\":\"" + server::id_hex(m.id) + "\",\"name\":";
  append_json_string(out, m.name);
  out += ",\"peerURLs\":";
  append_json_string_array(out, m.peer_urls);
  out += ",\"clientURLs\":";
  append_json_string_array(out, m.client_urls);
  out.push_back('}');
}

// Validates peer URLs as etcd's types.NewURLs does; returns the error text or "".
std::string check_urls(const std::vector<std::string>& urls) {
  if (urls.empty()) return "no valid URLs given";
  for (const std::string& u : urls) {
    const size_t sep = u.find("://");
    if (sep == std::string::npos) return "URL scheme must be http, https, unix, or unixs: " + u;
    const std::string scheme = u.substr(0, sep);
    if (scheme != "http" && scheme != "https" && scheme != "unix" && scheme != "unixs")
      return "URL scheme must be http, https, unix, or unixs: " + u;
    std::string rest = u.substr(sep + 3);
    const size_t slash = rest.find('/');
    std::string host = rest.substr(0, slash);
    if (host.find(':') == std::string::npos)
      return "URL address does not have the form \"host:port\": " + u;
    if (slash != std::string::npos && rest.substr(slash) != "/") return "URL must not contain a path: " + u;
  }
  return {};
}

// Go's encoding/json error text for a body nlohmann could not parse (the common cases).
std::string go_json_error(std::string_view body, const nlohmann::json::parse_error& e) {
  size_t pos = e.byte == 0 ? 0 : e.byte - 1;
  while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\n' || body[pos] == '\t' || body[pos] == '\r'))
    ++pos;
  if (pos >= body.size()) return "unexpected end of JSON input";
  std::string c(1, body[pos]);
  return "invalid character '" + c + "' looking for beginning of value";
}

}  // namespace

struct Router::Impl {
  Impl(RouterConfig c, server::KvService& k, server::ClusterView& v)
      : config(std::move(c)), kv(k), view(v), auth(k),
        cluster_id(server::id_hex(v.get()->cluster_id)),
        start_time(server::KvService::now_ns()) {
    allow_all = config.cors.empty() ||
                std::find(config.cors.begin(), config.cors.end(), "*") != config.cors.end();
    cors_all = cors_headers("*");
    // The keys handler's etcd_http_* families; a metrics-only router serves no keys.
    if (config.metrics != nullptr && !config.metrics_only)
      config.metrics->add([this](std::string* out, bool) { http_metrics.render(out); });
  }

  // Go's httputil.GetHostname: the Host header without its port.
  static std::string hostname(const std::string& host) {
    if (!host.empty() && host[0] == '[') {
      const size_t close = host.find(']');
      return close == std::string::npos ? host : host.substr(1, close - 1);
    }
    const size_t colon = host.find(':');
    return colon != std::string::npos && host.find(':', colon + 1) == std::string::npos
               ? host.substr(0, colon)
               : host;
  }
  bool host_allowed(const std::string& host) const {
    const auto& w = config.host_whitelist;
    if (w.empty() || std::find(w.begin(), w.end(), "*") != w.end()) return true;
    return std::find(w.begin(), w.end(), hostname(host)) != w.end();
  }

  // The CORS header lines for a request from `origin` (empty when not allowed).
  std::string cors_headers(const std::string& origin) const {
    std::string_view o;
    if (allow_all) {
      o = "*";
    } else if (!origin.empty() &&
               std::find(config.cors.begin(), config.cors.end(), origin) != config.cors.end()) {
      o = origin;
    } else {
      return {};
    }
    std::string h =
        "Access-Control-Allow-Headers: accept, content-type, authorization\r\n"
        "Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n"
        "Access-Control-Allow-Origin: ";
    h.append(o);
    h.append("\r\n");
    return h;
  }

  static HttpResponse text(int status, const std::string& common, std::string_view msg,
                           std::string_view extra_before = {}, std::string_view extra_after = {}) {
    HttpResponse r;
    r.status = status;
    r.headers = common;
    r.headers.append(extra_before);
    r.add_header("Content-Type", "text/plain; charset=utf-8");
    r.add_header("X-Content-Type-Options", "nosniff");
    r.headers.append(extra_after);
    r.body.assign(msg);
    r.body.push_back('\n');
    return r;
  }

  static HttpResponse method_not_allowed(const std::string& common, std::string_view allow) {
    std::string a = "Allow: ";
    a.append(allow);
    a.append("\r\n");
    return text(405, common, "Method Not Allowed", a);
  }

  static HttpResponse not_found(const std::string& common) {
    return text(404, common, "404 page not found");
  }

  HttpResponse json_reply(int status, const std::string& common, std::string body,
                          bool with_cluster_id) const {
    HttpResponse r;
    r.status = status;
    r.headers = common;
    r.add_header("Content-Type", "application/json");
    if (with_cluster_id) r.add_header("X-Etcd-Cluster-Id", cluster_id);
    r.body = std::move(body);
    return r;
  }

  HttpResponse keys_error(const std::string& common, const store::Error& err) const {
    HttpResponse r;
    r.status = error_status(err.code);
    r.headers = common;
    r.add_header("Content-Type", "application/json");
    r.add_header("X-Etcd-Cluster-Id", cluster_id);
    r.add_header("X-Etcd-Index", u64(err.index));
    append_error_json(r.body, err);
    r.body.push_back('\n');
    return r;
  }

  HttpResponse keys_event(const std::string& common, const store::Event& ev, uint64_t raft_index,
                          bool no_value) const {
    HttpResponse r;
    const bool created = ev.action == store::Action::kCreate ||
                         (ev.action == store::Action::kSet && !ev.prev_node);
    r.status = created ? 201 : 200;
    r.headers.reserve(common.size() + 160);
    r.headers = common;
    r.add_header("Content-Type", "application/json");
    r.add_header("X-Etcd-Cluster-Id", cluster_id);
    r.add_header("X-Etcd-Index", u64(ev.etcd_index));
    r.add_header("X-Raft-Index", u64(raft_index));
    r.add_header("X-Raft-Term", u64(kv.raft_term()));
    const bool omit = no_value && (ev.action == store::Action::kSet ||
                                   ev.action == store::Action::kCompareAndSwap ||
                                   ev.action == store::Action::kCreate ||
                                   ev.action == store::Action::kUpdate);
    // One allocation for the body: the values and keys plus the fields around them (a body
    // grown from empty reallocated five or six times for a 256-byte value and its prevNode).
    r.body.reserve(256 + ev.node.key.size() + (omit ? 0 : ev.node.value.size()) +
                   (ev.prev_node ? ev.prev_node->key.size() + ev.prev_node->value.size() : 0));
    append_event_json(r.body, ev, omit);
    r.body.push_back('\n');
    return r;
  }

  void handle(HttpRequest& req, const ExchangePtr& ex);
  void serve_keys(HttpRequest& req, const ExchangePtr& ex, const std::string& common);
  void serve_watch(const server::Request& r, const ExchangePtr& ex, const std::string& common);
  // Hands the events buffered during an applied batch to their connections (apply loop).
  static void flush_watches();
  void serve_members(HttpRequest& req, const ExchangePtr& ex, const std::string& common);
  void serve_stats(HttpRequest& req, const ExchangePtr& ex, const std::string& common);
  void serve_health(HttpRequest& req, const ExchangePtr& ex, const std::string& common);
  void serve_ui(HttpRequest& req, const ExchangePtr& ex, const std::string& common);
  std::string self_stats() const;

  RouterConfig config;
  server::KvService& kv;           // Not owned.
  server::ClusterView& view;       // Not owned.
  Auth auth;
  HttpMetrics http_metrics;  // etcd_http_*: rendered by config.metrics, which outlives this.
  std::string cluster_id;  // Hex, as in X-Etcd-Cluster-Id.
  int64_t start_time;      // Unix ns.
  bool allow_all = true;
  std::string cors_all;  // The CORS lines when every origin is allowed.
};

void Router::Impl::handle(HttpRequest& req, const ExchangePtr& ex) {
  // etcd's accessController, before everything else: a plain-HTTP request must name a
  // whitelisted host (the metrics listener has no such check).
  if (!req.secure && !config.metrics_only && !host_allowed(req.host)) {
    LOG_WARN("embed", "rejecting HTTP request from \"%s\" to prevent DNS rebinding attacks",
             hostname(req.host).c_str());
    HttpResponse r;
    r.status = 421;
    r.add_header("Content-Type", "text/plain; charset=utf-8");
    r.add_header("X-Content-Type-Options", "nosniff");
    r.body = "\netcd received your request, but the Host header was unrecognized.\n\n"
             "To fix this, choose one of the following options:\n"
             "- Enable TLS, then any HTTPS request will be allowed.\n"
             "- Add the hostname you want to use to the whitelist in settings.\n"
             "  - e.g. etcd --host-whitelist \"" + hostname(req.host) + "\"\n\n"
             "This requirement has been added to help prevent \"DNS Rebinding\" attacks (CVE-2018-5702).\n\n";
    return ex->reply(std::move(r));
  }
  // With the default --cors=* every reply carries the same three lines, rendered once.
  std::string restricted;
  if (!allow_all) restricted = cors_headers(req.origin);
  const std::string& common = allow_all ? cors_all : restricted;
  if (req.method == "OPTIONS") {
    HttpResponse r;
    r.headers = common;
    return ex->reply(std::move(r));
  }
  // Go's ServeMux answers an unclean path with a redirect to the clean one.
  if (req.method != "CONNECT" && !mux_path_is_clean(req.path)) {
    std::string clean = mux_clean_path(req.path);
    if (clean != req.path) {
      std::string location = escape_path(clean);
      if (!req.raw_query.empty()) location += "?" + req.raw_query;
      HttpResponse r;
      r.status = 301;
      r.headers = common;
      if (req.method == "GET" || req.method == "HEAD")
        r.add_header("Content-Type", "text/html; charset=utf-8");
      r.add_header("Location", location);
      if (req.method == "GET") {
        std::string esc;
        for (char c : location) {
          switch (c) {
            case '<': esc += "&lt;"; break;
            case '>': esc += "&gt;"; break;
            case '&': esc += "&amp;"; break;
            case '"': esc += "&#34;"; break;
            case '\'': esc += "&#39;"; break;
            default: esc.push_back(c);
          }
        }
        r.body = "<a href=\"" + esc + "\">Moved Permanently</a>.\n\n";
      }
      r.omit_body = req.method == "HEAD";
      return ex->reply(std::move(r));
    }
  }
  const std::string& p = req.path;
  // A --listen-metrics-urls listener serves /metrics and /health only, as etcd's does.
  if (config.metrics_only && p != "/metrics" && p != "/health") return ex->reply(not_found(common));
  if (p == kKeysPrefix || p.compare(0, kKeysPrefix.size() + 1, "/v2/keys/") == 0)
    return serve_keys(req, ex, common);
  if (p == kMembersPrefix || p.compare(0, kMembersPrefix.size() + 1, "/v2/members/") == 0)
    return serve_members(req, ex, common);
  if (p == "/v2/stats/store" || p == "/v2/stats/self" || p == "/v2/stats/leader")
    return serve_stats(req, ex, common);
  if (p == "/v2/machines") {
    if (req.method != "GET" && req.method != "HEAD")
      return ex->reply(method_not_allowed(common, "GET,HEAD"));
    std::vector<std::string> urls;
    for (const auto& m : view.get()->members) urls.insert(urls.end(), m.client_urls.begin(), m.client_urls.end());
    std::sort(urls.begin(), urls.end());
    HttpResponse r;
    r.headers = common;
    r.add_header("Content-Type", "text/plain; charset=utf-8");
    for (size_t i = 0; i < urls.size(); ++i) {
      if (i) r.body += ", ";
      r.body += urls[i];
    }
    r.omit_body = req.method == "HEAD";
    return ex->reply(std::move(r));
  }
  if (p == "/version") {
    if (req.method != "GET") return ex->reply(method_not_allowed(common, "GET"));
    return ex->reply(json_reply(200, common,
                                "{\"etcdserver\":\"" + config.server_version +
                                    "\",\"etcdcluster\":\"" + config.cluster_version + "\"}",
                                false));
  }
  if (p == "/health") return serve_health(req, ex, common);
  if (p == "/v2/auth/roles" || p == "/v2/auth/users" || p == "/v2/auth/enable" ||
      p.compare(0, 15, "/v2/auth/roles/") == 0 || p.compare(0, 15, "/v2/auth/users/") == 0)
    return auth.handle(req, ex, common, cluster_id);
  if (p == "/metrics") {
    // Every module's families, from the registry main() filled (server/server_metrics.h).
    HttpResponse r;
    r.headers = common;
    r.add_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    if (config.metrics != nullptr) r.body = config.metrics->render(config.metrics_extensive);
    r.omit_body = req.method == "HEAD";
    return ex->reply(std::move(r));
  }
  if (p == "/ui" || p.compare(0, 4, "/ui/") == 0) return serve_ui(req, ex, common);
  if (p == kSnapshotPath) return serve_snapshot(req, ex, common, kv, auth);
  return ex->reply(not_found(common));
}

// The web UI (docs/web_ui.md): /ui -> /ui/, /ui/<file> -> the file compiled in from web/.
void Router::Impl::serve_ui(HttpRequest& req, const ExchangePtr& ex, const std::string& common) {
  if (req.method != "GET" && req.method != "HEAD")
    return ex->reply(method_not_allowed(common, "GET, HEAD"));
  HttpResponse r;
  r.headers = common;
  r.omit_body = req.method == "HEAD";
  if (req.path == "/ui") {
    r.status = 301;
    r.add_header("Location", req.raw_query.empty() ? "/ui/" : "/ui/?" + req.raw_query);
    return ex->reply(std::move(r));
  }
  // The lookup is exact (the router has already redirected unclean paths), so "../" never
  // leaves web/.
  const WebAsset* asset = find_web_asset(std::string_view(req.path).substr(4));
  if (asset == nullptr) return ex->reply(not_found(common));
  r.add_header("Content-Type", asset->content_type);
  r.add_header("X-Content-Type-Options", "nosniff");
  r.add_header("Cache-Control", "no-cache");
  r.body.assign(asset->body);
  return ex->reply(std::move(r));
}

void Router::Impl::serve_keys(HttpRequest& req, const ExchangePtr& ex, const std::string& common) {
  const std::string& m = req.method;
  if (m != "HEAD" && m != "GET" && m != "PUT" && m != "POST" && m != "DELETE")
    return ex->reply(method_not_allowed(common, "HEAD,GET,PUT,POST,DELETE"));
  KeysInput in;
  in.method = m;
  in.path = req.path;
  in.raw_query = req.raw_query;
  in.content_type = req.content_type;
  in.body = req.body;
  in.now = server::KvService::now_ns();
  auto parsed = parse_keys_request(in);
  if (!parsed.ok()) return ex->reply(keys_error(common, parsed.error()));
  KeysRequest& kr = parsed.value();
  server::Request& r = kr.req;
  if (!auth.keys_allowed(req, std::string_view(req.path).substr(kKeysPrefix.size()), r.recursive)) {
    return ex->reply(keys_error(
        common, store::Error{store::ErrorCode::kUnauthorized, "Insufficient credentials", 0}));
  }
  if (r.method == server::Method::kGet && r.wait) return serve_watch(r, ex, common);
  // etcd's v2 metrics: received once parsed and authorised, then failed or timed.
  const auto start = std::chrono::steady_clock::now();
  const char* label = r.method == server::Method::kQGet ? "QGET" : m.c_str();
  http_metrics.received(label);
  if (r.method == server::Method::kGet) {
    auto got = kv.read(r.path, r.recursive, r.sorted);
    if (!got.ok()) {
      HttpResponse resp = keys_error(common, got.error());
      http_metrics.failed(label, resp.status);
      return ex->reply(std::move(resp));
    }
    HttpResponse resp = keys_event(common, got.value(), kv.raft_index(), false);
    resp.omit_body = kr.head;
    ex->reply(std::move(resp));
    return http_metrics.succeeded(label, seconds_since(start));
  }
  const bool no_value = kr.no_value_on_success;
  // The completion runs on the raft loop, once per write: it copies the CORS lines only when
  // they are this request's own (not the member's shared ones), and names the method by a
  // literal (the request's strings are gone by then).
  const bool shared_common = &common == &cors_all;
  const std::string_view method = r.method == server::Method::kQGet ? "QGET"
                                  : m == "PUT"                     ? "PUT"
                                  : m == "POST"                    ? "POST"
                                                                   : "DELETE";
  kv.write(std::move(r), [this, ex, own_common = shared_common ? std::string() : common,
                          shared_common, no_value, method, start](server::WriteOutcome o) {
    const std::string& cors = shared_common ? cors_all : own_common;
    if (!o.result.ok()) {
      HttpResponse resp = keys_error(cors, o.result.error());
      http_metrics.failed(method, resp.status);
      return ex->reply(std::move(resp));
    }
    ex->reply(keys_event(cors, *o.result.value(), o.raft_index, no_value));
    http_metrics.succeeded(method, seconds_since(start));
  });
}

namespace {

// A registered watch: what the store's callback needs to hand events to the connection.
struct WatchState {
  ExchangePtr ex;
  bool stream = false;
  std::atomic<bool> ended{false};
  std::mutex mu;
  std::vector<std::shared_ptr<const std::string>> lines;  // GUARDED_BY(mu): not yet handed over.
  bool last = false;   // GUARDED_BY(mu): the reply ends after `lines`.
  bool dirty = false;  // GUARDED_BY(mu): on the apply thread's flush list.
};

// Watch states that got events during the batch being applied (apply-loop thread only).
thread_local std::vector<std::shared_ptr<WatchState>> dirty_watches;

constexpr int kWatchBuffer = 100;  // etcd's per-watcher channel capacity.

// The event as one JSON line. Watch callbacks run on the apply loop, one per watcher for the
// same event, so the last rendering is kept (per thread) and shared by all of them.
std::shared_ptr<const std::string> rendered_event(const store::EventPtr& ev) {
  thread_local store::EventPtr last_event;
  thread_local std::shared_ptr<const std::string> last_line;
  if (ev != last_event || !last_line) {
    auto line = std::make_shared<std::string>();
    line->reserve(256);
    append_event_json(*line, *ev);
    line->push_back('\n');
    last_line = std::move(line);
    last_event = ev;
  }
  return last_line;
}

}  // namespace

void Router::Impl::flush_watches() {
  std::vector<std::shared_ptr<WatchState>> list;
  list.swap(dirty_watches);
  std::vector<StreamDelivery> out;
  out.reserve(list.size());
  for (auto& st : list) {
    StreamDelivery d;
    {
      std::lock_guard<std::mutex> lock(st->mu);
      d.chunks.swap(st->lines);
      d.last = st->last;
      st->dirty = false;
    }
    if (d.last) st->ended = true;
    if (d.chunks.empty() && !d.last) continue;
    d.ex = st->ex;
    out.push_back(std::move(d));
  }
  deliver_streams(std::move(out));
}

void Router::Impl::serve_watch(const server::Request& r, const ExchangePtr& ex,
                               const std::string& common) {
  auto state = std::make_shared<WatchState>();
  state->ex = ex;
  state->stream = r.stream;
  // Runs on the apply loop inside a write. Events are buffered per watch and handed to the
  // connection once per applied batch (flush_watches), so the events of one write (a stream
  // watcher on a deleted key gets two) leave in one socket write. Like etcd's 100-event
  // channel, a watch that falls further behind is dropped and its reply ends.
  std::weak_ptr<WatchState> weak = state;
  store::WatchCallback cb = [weak](const store::EventPtr& ev) -> bool {
    auto st = weak.lock();
    if (!st || st->ended.load(std::memory_order_acquire)) return false;
    std::lock_guard<std::mutex> lock(st->mu);
    if (st->last) return false;
    bool overflow = false;
    if (st->lines.size() >= static_cast<size_t>(kWatchBuffer)) {
      st->lines.clear();  // The reply ends without these, as etcd closes an overflowing channel.
      st->last = true;
      overflow = true;
    } else {
      st->lines.push_back(rendered_event(ev));
      if (!st->stream) st->last = true;
    }
    if (!st->dirty) {
      st->dirty = true;
      dirty_watches.push_back(st);
    }
    return !overflow;
  };
  auto watched = kv.watch(r.path, r.recursive, r.stream, r.since, std::move(cb));
  if (!watched.ok()) {
    state->ended = true;
    return ex->reply(keys_error(common, watched.error()));
  }
  const store::WatchResult& w = watched.value();
  HttpResponse head;
  head.headers.reserve(common.size() + 160);  // Grown from `common`, it reallocated per header.
  head.headers = common;
  head.add_header("Content-Type", "application/json");
  head.add_header("X-Etcd-Cluster-Id", cluster_id);
  head.add_header("X-Etcd-Index", u64(w.start_index));
  head.add_header("X-Raft-Index", u64(kv.raft_index()));
  head.add_header("X-Raft-Term", u64(kv.raft_term()));
  ex->stream_begin(std::move(head));
  if (w.event) {
    // etcd answers a history hit with that one event; a stream then stays open (with no
    // watcher behind it) until the client goes away.
    state->ended = true;
    ex->stream_write(rendered_event(w.event), /*last=*/!r.stream);
    return;
  }
  const uint64_t id = w.watcher_id;
  server::KvService* kvp = &kv;
  ex->on_disconnect([kvp, id, state] {
    state->ended = true;
    kvp->unwatch(id);
  });
}

void Router::Impl::serve_members(HttpRequest& req, const ExchangePtr& ex,
                                 const std::string& common) {
  const std::string& m = req.method;
  if (m != "GET" && m != "POST" && m != "DELETE" && m != "PUT")
    return ex->reply(method_not_allowed(common, "GET,POST,DELETE,PUT"));
  if (m != "GET" && !auth.has_root_access(req)) {
    HttpResponse r = json_reply(401, common, message_json("Insufficient credentials"), false);
    return ex->reply(std::move(r));
  }
  std::string_view sub = std::string_view(req.path).substr(kMembersPrefix.size());
  if (!sub.empty() && sub[0] == '/') sub.remove_prefix(1);
  auto error = [&](int status, std::string_view msg) {
    return ex->reply(json_reply(status, common, message_json(msg), true));
  };
  const std::shared_ptr<const server::Cluster> cluster = view.get();
  if (m == "GET") {
    if (sub.empty()) {
      std::string body = "{\"members\":[";
      for (size_t i = 0; i < cluster->members.size(); ++i) {
        if (i) body.push_back(',');
        member_json(body, cluster->members[i]);
      }
      body += "]}\n";
      return ex->reply(json_reply(200, common, std::move(body), true));
    }
    if (sub == "leader") {
      const server::Member* lead = cluster->find(kv.leader());
      if (lead == nullptr) return error(503, "During election");
      std::string body;
      member_json(body, *lead);
      body.push_back('\n');
      return ex->reply(json_reply(200, common, std::move(body), true));
    }
    return error(404, "Not found");
  }
  std::string id_str(sub);
  if (m != "POST" && id_str.empty()) {
    HttpResponse r = text(405, common, "Method Not Allowed", {},
                          "X-Etcd-Cluster-Id: " + cluster_id + "\r\n");
    return ex->reply(std::move(r));
  }
  // Completes a membership request: 500 when Raft did not apply it in time.
  auto finish = [this, ex, common](int status, std::string body) {
    return [this, ex, common, status, body = std::move(body)](server::WriteOutcome o) {
      if (!o.result.ok()) {
        return ex->reply(json_reply(500, common, message_json("Internal Server Error"), true));
      }
      if (status == 204) {
        HttpResponse r;
        r.status = 204;
        r.headers = common;
        r.add_header("X-Etcd-Cluster-Id", cluster_id);
        return ex->reply(std::move(r));
      }
      ex->reply(json_reply(status, common, body, true));
    };
  };
  const server::Member* target = nullptr;
  uint64_t target_id = 0;
  if (m != "POST") {
    if (!server::parse_id_hex(id_str, &target_id)) return error(404, "No such member: " + id_str);
    target = cluster->find(target_id);
    if (m == "DELETE") {
      if (cluster->is_removed(target_id))
        return error(410, "Member permanently removed: " + server::id_hex(target_id));
      if (!target) return error(404, "No such member: " + server::id_hex(target_id));
      if (!kv.may_remove_member(target_id)) return error(500, "Internal Server Error");
      return kv.remove_member(target_id, finish(204, {}));
    }
  }
  // POST and PUT carry {"peerURLs":[...]}.
  std::string ctype = req.content_type;
  if (const size_t semi = ctype.find(';'); semi != std::string::npos) {
    ctype = ctype.substr(0, semi);
    std::transform(ctype.begin(), ctype.end(), ctype.begin(), [](unsigned char c) { return std::tolower(c); });
    ctype.erase(0, ctype.find_first_not_of(" \t"));
    ctype.erase(ctype.find_last_not_of(" \t") + 1);
  }
  if (ctype != "application/json")
    return error(415, "Bad Content-Type " + ctype + ", accept application/json");
  std::vector<std::string> urls;
  try {
    auto j = nlohmann::json::parse(req.body);
    if (j.is_object() && j.contains("peerURLs") && !j["peerURLs"].is_null()) {
      if (!j["peerURLs"].is_array())
        return error(400, "json: cannot unmarshal " + std::string(j["peerURLs"].type_name()) +
                              " into Go struct field .peerURLs of type []string");
      for (const auto& u : j["peerURLs"]) {
        if (!u.is_string()) return error(400, "json: cannot unmarshal number into Go struct field .peerURLs of type string");
        urls.push_back(u.get<std::string>());
      }
    }
  } catch (const nlohmann::json::parse_error& e) {
    return error(400, go_json_error(req.body, e));
  } catch (const std::exception&) {
    return error(400, "unexpected end of JSON input");
  }
  if (std::string err = check_urls(urls); !err.empty()) return error(400, err);
  if (m == "PUT" && !target) return error(404, "No such member: " + id_str);
  for (const auto& mem : cluster->members) {
    if (target && mem.id == target->id) continue;
    for (const auto& u : mem.peer_urls)
      if (std::find(urls.begin(), urls.end(), u) != urls.end()) return error(409, "membership: peerURL exists");
  }
  if (m == "PUT") {
    // New peer URLs are an ordinary write of the member's raftAttributes; every member
    // applies it and follows the new URLs (etcd's ConfChangeUpdateNode has the same effect).
    std::vector<std::string> sorted = urls;
    std::sort(sorted.begin(), sorted.end());
    server::Request r;
    r.method = server::Method::kPut;
    r.path = "/0/members/" + server::id_hex(target_id) + "/raftAttributes";
    r.val = server::raft_attributes_json(sorted);
    r.prev_exist = true;
    r.time = server::KvService::now_ns();
    return kv.write(std::move(r), finish(204, {}));
  }
  // POST: etcd's NewMember("", urls, "", now).
  server::Member added;
  added.id = server::member_id(urls, std::to_string(server::KvService::now_ns() / 1000000000));
  added.peer_urls = urls;
  std::sort(added.peer_urls.begin(), added.peer_urls.end());
  if (cluster->find(added.id) != nullptr || cluster->is_removed(added.id))
    return error(409, "membership: ID exists");
  if (!kv.may_add_member()) return error(500, "Internal Server Error");
  std::string body;
  member_json(body, added);
  body.push_back('\n');
  kv.add_member(added.id, added.peer_urls, finish(201, std::move(body)));
}

std::string Router::Impl::self_stats() const {
  const std::shared_ptr<const server::Cluster> cluster = view.get();
  const server::Member* self = cluster->self();
  const server::RaftStatus st = kv.raft_status();
  const std::string id = server::id_hex(cluster->self_id);
  const int64_t now = server::KvService::now_ns();
  const char* state = "StateFollower";
  switch (st.state) {
    case raft::StateType::kLeader: state = "StateLeader"; break;
    case raft::StateType::kCandidate: state = "StateCandidate"; break;
    case raft::StateType::kPreCandidate: state = "StatePreCandidate"; break;
    case raft::StateType::kFollower: break;
  }
  const int64_t since = st.leader_since_ns != 0 ? st.leader_since_ns : start_time;
  std::string out = "{\"name\":";
  append_json_string(out, self ? self->name : "");
  out += ",\"id\":\"" + id + "\",\"state\":\"" + state + "\",\"startTime\":\"" +
         format_rfc3339_nano(start_time) + "\",\"leaderInfo\":{\"leader\":\"" +
         (st.lead != 0 ? server::id_hex(st.lead) : std::string()) + "\",\"uptime\":\"" +
         go_duration(now - since) + "\",\"startTime\":\"" + format_rfc3339_nano(since) +
         "\"},\"recvAppendRequestCnt\":" + u64(st.recv_append) +
         ",\"sendAppendRequestCnt\":" + u64(st.send_append) + "}";
  return out;
}

void Router::Impl::serve_stats(HttpRequest& req, const ExchangePtr& ex, const std::string& common) {
  if (req.method != "GET") return ex->reply(method_not_allowed(common, "GET"));
  if (req.path == "/v2/stats/store") {
    const store::StoreStats s = kv.stats();
    std::string b = "{\"getsSuccess\":" + u64(s.gets_success) + ",\"getsFail\":" + u64(s.gets_fail) +
                    ",\"setsSuccess\":" + u64(s.sets_success) + ",\"setsFail\":" + u64(s.sets_fail) +
                    ",\"deleteSuccess\":" + u64(s.delete_success) + ",\"deleteFail\":" + u64(s.delete_fail) +
                    ",\"updateSuccess\":" + u64(s.update_success) + ",\"updateFail\":" + u64(s.update_fail) +
                    ",\"createSuccess\":" + u64(s.create_success) + ",\"createFail\":" + u64(s.create_fail) +
                    ",\"compareAndSwapSuccess\":" + u64(s.compare_and_swap_success) +
                    ",\"compareAndSwapFail\":" + u64(s.compare_and_swap_fail) +
                    ",\"compareAndDeleteSuccess\":" + u64(s.compare_and_delete_success) +
                    ",\"compareAndDeleteFail\":" + u64(s.compare_and_delete_fail) +
                    ",\"expireCount\":" + u64(s.expire_count) + ",\"watchers\":" + u64(s.watchers) + "}";
    return ex->reply(json_reply(200, common, std::move(b), false));
  }
  if (req.path == "/v2/stats/self") return ex->reply(json_reply(200, common, self_stats(), false));
  const server::RaftStatus st = kv.raft_status();
  if (st.state != raft::StateType::kLeader)
    return ex->reply(json_reply(403, common, message_json("not current leader"), false));
  // The leader's view of each follower: how recently it answered (as the latency figure) and
  // whether its replication is healthy (counts).
  const int64_t now = server::KvService::now_ns();
  std::string b = "{\"leader\":\"" + server::id_hex(st.id) + "\",\"followers\":{";
  bool first = true;
  for (const auto& [id, pr] : st.progress) {
    if (id == st.id) continue;
    if (!first) b.push_back(',');
    first = false;
    auto it = st.last_contact_ns.find(id);
    const double ms = it == st.last_contact_ns.end() ? 0.0 : static_cast<double>(now - it->second) / 1e6;
    char lat[256];
    std::snprintf(lat, sizeof lat,
                  "{\"latency\":{\"current\":%.6f,\"average\":%.6f,\"standardDeviation\":0,"
                  "\"minimum\":%.6f,\"maximum\":%.6f},\"counts\":{\"fail\":%d,\"success\":%" PRIu64 "}}",
                  ms, ms, ms, ms, pr.recent_active ? 0 : 1, pr.match);
    b += "\"" + server::id_hex(id) + "\":" + lat;
  }
  b += "}}";
  return ex->reply(json_reply(200, common, std::move(b), false));
}

void Router::Impl::serve_health(HttpRequest& req, const ExchangePtr& ex, const std::string& common) {
  if (req.method != "GET") return ex->reply(method_not_allowed(common, "GET"));
  auto unhealthy = [ex, common] { ex->reply(text(503, common, "{\"health\":\"false\"}")); };
  // As etcd: no leader is unhealthy at once; otherwise a quorum read must succeed within 1 s.
  if (kv.leader() == 0) return unhealthy();
  server::Request q;
  q.method = server::Method::kQGet;
  q.path = "/";
  kv.write(
      std::move(q),
      [ex, common, unhealthy](server::WriteOutcome o) {
        if (o.result.ok()) {
          HttpResponse r;
          r.headers = common;
          r.add_header("Content-Type", "text/plain; charset=utf-8");
          r.body = "{\"health\":\"true\"}";
          return ex->reply(std::move(r));
        }
        unhealthy();
      },
      /*timeout_ms=*/1000);
}

Router::Router(RouterConfig config, server::KvService& kv, server::ClusterView& view)
    : impl_(std::make_unique<Impl>(std::move(config), kv, view)) {
  kv.set_batch_hooks(
      [] {
        hold_direct_finishes();
        Impl::flush_watches();
      },
      [] { release_direct_finishes(); });
}

Router::~Router() = default;

void Router::handle(HttpRequest req, const ExchangePtr& ex) {
  if (impl_->auth.needs_password_check(req)) {
    Impl* impl = impl_.get();
    return impl_->auth.verify_async(std::move(req), ex,
                                    [impl](HttpRequest& r, const ExchangePtr& e) { impl->handle(r, e); });
  }
  impl_->handle(req, ex);
  impl_->auth.end_request();
}

}  // namespace arbor::http
