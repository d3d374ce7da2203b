#include "cli/client.h"

// The Debian build of libcpp-httplib is compiled with OpenSSL and zlib; its classes have the
// matching layout only when the header sees the same configuration.
#define CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_ZLIB_SUPPORT
#include <httplib.h>

#include <algorithm>
#include <cstdio>

namespace arbor::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct ParsedEndpoint {
  std::string scheme;
  std::string base;       // scheme://host:port, what httplib::Client takes.
  std::string prefix;     // The endpoint's own path, without a trailing '/'.
  std::string host_port;  // host:port with the scheme's default port filled in, for messages.
};

ParsedEndpoint parse_endpoint(const std::string& url) {
  ParsedEndpoint p;
  // "localhost:2379" parses in Go as scheme "localhost" with opaque "2379".
  size_t scheme_end = url.find("://");
  size_t host_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  if (scheme_end == std::string::npos && url.find(':') != std::string::npos) {
    scheme_end = url.find(':');
    host_start = url.size();
  }
  const std::string scheme = scheme_end == std::string::npos ? "http" : url.substr(0, scheme_end);
  const size_t slash = url.find('/', host_start);
  const std::string host =
      url.substr(host_start, slash == std::string::npos ? slash : slash - host_start);
  p.scheme = scheme;
  p.base = scheme + "://" + host;
  if (slash != std::string::npos) p.prefix = url.substr(slash);
  while (!p.prefix.empty() && p.prefix.back() == '/') p.prefix.pop_back();
  const bool has_port =
      host.find(':', host.rfind(']') == std::string::npos ? 0 : host.rfind(']')) !=
      std::string::npos;
  p.host_port = has_port ? host : host + (scheme == "https" ? ":443" : ":80");
  return p;
}

// Go's %q for a request body in --debug output.
std::string go_quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

void set_timeout(httplib::Client& cli, std::chrono::nanoseconds d, bool read) {
  if (d < std::chrono::milliseconds(1)) d = std::chrono::milliseconds(1);
  const auto sec = std::chrono::duration_cast<std::chrono::seconds>(d);
  const auto usec = std::chrono::duration_cast<std::chrono::microseconds>(d - sec);
  if (read) {
    cli.set_read_timeout(static_cast<time_t>(sec.count()), static_cast<time_t>(usec.count()));
    cli.set_write_timeout(static_cast<time_t>(sec.count()), static_cast<time_t>(usec.count()));
  } else {
    cli.set_connection_timeout(static_cast<time_t>(sec.count()), static_cast<time_t>(usec.count()));
  }
}

// Go's http.StatusText for the 5xx codes a member may answer with.
std::string status_text(int status) {
  switch (status) {
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    case 507:
      return "Insufficient Storage";
    case 508:
      return "Loop Detected";
    case 511:
      return "Network Authentication Required";
    default:
      return "";
  }
}

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        }))
      return v;
  }
  return "";
}

std::string RequestError::text() const {
  if (deadline_exceeded) return "context deadline exceeded";
  std::string s = "client: etcd cluster is unavailable or misconfigured";
  for (size_t i = 0; i < errors.size(); ++i)
    s += "; error #" + std::to_string(i) + ": " + errors[i] + "\n";
  return s;
}

std::string RequestError::detail() const {
  if (deadline_exceeded) return "";
  std::string s;
  for (size_t i = 0; i < errors.size(); ++i)
    s += "error #" + std::to_string(i) + ": " + errors[i] + "\n";
  return s;
}

bool RequestError::connection_error() const { return deadline_exceeded || connection_errors_only; }

Client::Client(ClientConfig config) : config_(std::move(config)) {}
Client::~Client() = default;

void Client::set_endpoints(std::vector<std::string> endpoints) {
  config_.endpoints = std::move(endpoints);
  pinned_ = 0;
}

Result<HttpResponse, RequestError> Client::send(const HttpRequest& req, Deadline deadline) {
  RequestError cerr;
  const size_t n = config_.endpoints.size();
  if (n == 0) {
    cerr.errors.push_back("client: no endpoints available");
    cerr.connection_errors_only = false;
    return cerr;
  }
  for (size_t i = pinned_; i < pinned_ + n; ++i) {
    const size_t k = i % n;
    const ParsedEndpoint ep = parse_endpoint(config_.endpoints[k]);
    if (ep.scheme != "http" && ep.scheme != "https") {
      cerr.errors.push_back("unsupported protocol scheme \"" + ep.scheme + "\"");
      cerr.connection_errors_only = false;
      continue;
    }
    std::string target = ep.prefix + req.path;
    if (!req.query.empty()) target += "?" + encode_values(req.query);
    if (config_.debug) {
      std::string line = "cURL Command: curl -X " + req.method + " " + ep.base + target;
      if (req.method != "GET" && !(req.method == "DELETE" && req.body.empty()))
        line += " -d " + go_quote(req.body);
      std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::chrono::nanoseconds remaining = std::chrono::hours(24 * 365);
    if (deadline) {
      remaining = *deadline - Clock::now();
      if (remaining <= std::chrono::nanoseconds(0)) {
        RequestError e;
        e.deadline_exceeded = true;
        return e;
      }
    }
    std::unique_ptr<httplib::Client> cli;
    if (!config_.cert_file.empty() || !config_.key_file.empty())
      cli = std::make_unique<httplib::Client>(ep.base, config_.cert_file, config_.key_file);
    else
      cli = std::make_unique<httplib::Client>(ep.base);
    if (!config_.ca_file.empty()) cli->set_ca_cert_path(config_.ca_file.c_str());
    set_timeout(*cli, std::min(config_.dial_timeout, remaining), /*read=*/false);
    const bool header_limited = !req.wait && config_.header_timeout > std::chrono::nanoseconds(0) &&
                                config_.header_timeout < remaining;
    set_timeout(*cli, header_limited ? config_.header_timeout : remaining, /*read=*/true);
    if (config_.credentials)
      cli->set_basic_auth(config_.credentials->first.c_str(), config_.credentials->second.c_str());

    httplib::Request hreq;
    hreq.method = req.method;
    hreq.path = target;
    hreq.body = req.body;
    if (!req.content_type.empty()) hreq.headers.emplace("Content-Type", req.content_type);
    if (req.progress) {
      hreq.progress = [&req](uint64_t current, uint64_t total) {
        req.progress(current, total);
        return true;
      };
    }
    const auto started = Clock::now();
    httplib::Result res = cli->send(hreq);
    if (!res) {
      const auto elapsed = Clock::now() - started;
      if (deadline && Clock::now() >= *deadline) {
        RequestError e;
        e.deadline_exceeded = true;
        return e;
      }
      std::string msg;
      switch (res.error()) {
        case httplib::Error::Connection:
          msg = elapsed >= std::min(config_.dial_timeout, remaining)
                    ? "dial tcp " + ep.host_port + ": i/o timeout"
                    : "dial tcp " + ep.host_port + ": connect: connection refused";
          break;
        case httplib::Error::Read:
          if (header_limited && elapsed >= config_.header_timeout) {
            msg = "client: endpoint " + config_.endpoints[k] + " exceeded header timeout";
            cerr.connection_errors_only = false;
          } else if (ep.scheme == "https") {
            // With TLS 1.3 a server that rejects the client's certificate (or its absence)
            // says so after the handshake; the read fails. Go reports the TLS alert.
            msg = "remote error: tls: bad certificate";
            cerr.connection_errors_only = false;
          } else {
            msg = "read tcp " + ep.host_port + ": read: connection reset by peer";
          }
          break;
        case httplib::Error::SSLConnection:
          msg = "remote error: tls: bad certificate";
          cerr.connection_errors_only = false;
          break;
        case httplib::Error::SSLServerVerification:
          msg = "x509: certificate signed by unknown authority";
          cerr.connection_errors_only = false;
          break;
        default:
          msg = httplib::to_string(res.error());
          cerr.connection_errors_only = false;
      }
      cerr.errors.push_back(msg);
      continue;
    }
    if (res->status / 100 == 5 && !req.any_status) {
      cerr.connection_errors_only = false;
      if (res->status == 500 || res->status == 503)
        cerr.errors.push_back("client: etcd member " + config_.endpoints[k] + " has no leader");
      else
        cerr.errors.push_back("client: etcd member " + config_.endpoints[k] +
                              " returns server error [" + status_text(res->status) + "]");
      continue;
    }
    pinned_ = k;
    HttpResponse out;
    out.status = res->status;
    out.body = std::move(res->body);
    for (const auto& [hk, hv] : res->headers) out.headers.emplace_back(hk, hv);
    return out;
  }
  return cerr;
}

std::string escape_path(std::string_view path) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (unreserved(c) || c == '$' || c == '&' || c == '+' || c == ',' || c == '/' || c == ':' ||
        c == ';' || c == '=' || c == '@') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string escape_query(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (unreserved(c)) {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string encode_values(std::vector<std::pair<std::string, std::string>> values) {
  std::stable_sort(values.begin(), values.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& [k, v] : values) {
    if (!out.empty()) out += '&';
    out += escape_query(k) + "=" + escape_query(v);
  }
  return out;
}

std::string clean_path(std::string_view p) {
  if (p.empty()) return ".";
  const bool rooted = p[0] == '/';
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    const std::string_view seg = p.substr(i, j - i);
    if (seg.empty() || seg == ".") {
    } else if (seg == "..") {
      if (!parts.empty() && parts.back() != "..")
        parts.pop_back();
      else if (!rooted)
        parts.emplace_back("..");
    } else {
      parts.emplace_back(seg);
    }
    i = j + 1;
  }
  std::string out = rooted ? "/" : "";
  for (size_t k = 0; k < parts.size(); ++k) {
    if (k > 0) out += '/';
    out += parts[k];
  }
  if (out.empty()) return ".";
  return out;
}

std::string canonical_url_path(std::string_view p) {
  if (p.empty()) return "/";
  std::string s(p);
  if (s[0] != '/') s = "/" + s;
  std::string np = clean_path(s);
  if (s.back() == '/' && np != "/") np += '/';
  return np;
}

}  // namespace arbor::cli
