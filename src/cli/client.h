#pragma once
// arborctl's HTTP client: sends one request to a cluster given as a list of client URLs, trying
// each endpoint in turn as etcd's Go v2 client does, with its per-request header timeout, its
// command deadline, basic auth, TLS files and --debug's cURL lines. cpp-httplib stays inside
// client.cc; this header exposes no third-party type.
//
// Thread-compatible: one Client per command invocation, used from one thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.h"

namespace arbor::cli {

using Deadline = std::optional<std::chrono::steady_clock::time_point>;

struct ClientConfig {
  std::vector<std::string> endpoints;  // "http://127.0.0.1:2379", "https://host:2379/prefix"
  std::optional<std::pair<std::string, std::string>> credentials;  // user, password
  std::chrono::nanoseconds header_timeout{0};  // Per request, not for waits; 0: none.
  std::chrono::nanoseconds dial_timeout{std::chrono::seconds(30)};
  std::string ca_file, cert_file, key_file;
  bool debug = false;  // Print each request as a cURL command on stderr.
};

struct HttpRequest {
  std::string method = "GET";
  std::string path;  // Escaped, below the endpoint's own path: "/v2/keys/a%20b".
  std::vector<std::pair<std::string, std::string>> query;  // Encoded sorted, as Go's Values.
  std::string body;
  std::string content_type;
  bool wait = false;        // A long poll: no header timeout.
  bool any_status = false;  // Return a 5xx as a response instead of trying the next endpoint.
  // Called as the response body arrives with (bytes so far, Content-Length or 0).
  std::function<void(uint64_t, uint64_t)> progress;
};

struct HttpResponse {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // The first value of header `name` (case-insensitive), or "".
  std::string header(std::string_view name) const;
};

// Why no endpoint answered. Mirrors the Go client: a ClusterError listing one error per endpoint
// tried, or the command's deadline expiring.
struct RequestError {
  bool deadline_exceeded = false;
  std::vector<std::string> errors;  // "dial tcp 127.0.0.1:1: connect: connection refused"
  // Error(): "client: etcd cluster is unavailable or misconfigured; error #0: ...\n" per error,
  // or "context deadline exceeded".
  std::string text() const;
  // ClusterError.Detail(): "error #0: ...\n" per error; "" for a deadline.
  std::string detail() const;
  // etcdctl's isConnectionError: a refused or failed dial everywhere, or a timeout.
  bool connection_error() const;
  bool connection_errors_only = true;  // Every entry of `errors` is a dial/read failure.
};

class Client {
 public:
  explicit Client(ClientConfig config);
  ~Client();

  // Sends `req` to the pinned endpoint, then to the others in order, until one answers with
  // a status below 500. A 5xx counts as that member's failure ("has no leader").
  Result<HttpResponse, RequestError> send(const HttpRequest& req, Deadline deadline);

  const std::vector<std::string>& endpoints() const { return config_.endpoints; }
  // Replaces the endpoints (after a sync with the member list) and resets the pin.
  void set_endpoints(std::vector<std::string> endpoints);

  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

 private:
  ClientConfig config_;
  size_t pinned_ = 0;  // The endpoint that answered last.
};

// Go's url.PathEscape-as-path (EscapedPath): keeps unreserved characters and "$&+,/:;=@".
std::string escape_path(std::string_view path);
// Go's url.QueryEscape: unreserved kept, ' ' as '+', the rest %XX.
std::string escape_query(std::string_view s);
// Go's url.Values.Encode: pairs sorted by key, "k=v&k2=v2".
std::string encode_values(std::vector<std::pair<std::string, std::string>> values);
// pathutil.CanonicalURLPath: a leading '/', path.Clean, a trailing '/' kept.
std::string canonical_url_path(std::string_view p);
// Go's path.Clean.
std::string clean_path(std::string_view p);

}  // namespace arbor::cli
