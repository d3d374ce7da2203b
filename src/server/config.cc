#include "server/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "server/config_help.h"

namespace arbor::server {
namespace {

using K = FlagKind;
using S = FlagSupport;

constexpr const char* kV3 = "ignored: concerns only etcd's v3 API";
constexpr const char* kExperimental = "ignored: experimental in etcd";
constexpr const char* kProxyOnly = "ignored: arbor has no v2 proxy mode";
constexpr const char* kTlsNote = "honoured (TLS on the client URLs, through OpenSSL)";
constexpr const char* kPeerTlsNote = "honoured (TLS on the peer URLs, through OpenSSL)";
constexpr const char* kLegacyNote = "ignored with etcd's \"no longer supported\" warning";

// clang-format off
constexpr FlagSpec kFlags[] = {
  // Member
  {"name", K::kString, "default", S::kHonoured, nullptr, "honoured"},
  {"data-dir", K::kString, "", S::kHonoured, nullptr, "honoured; default NAME.etcd"},
  {"wal-dir", K::kString, "", S::kHonoured, nullptr, "honoured"},
  {"snapshot-count", K::kUint, "100000", S::kHonoured, nullptr, "honoured"},
  {"heartbeat-interval", K::kUint, "100", S::kHonoured, nullptr, "honoured (one raft tick)"},
  {"election-timeout", K::kUint, "1000", S::kHonoured, nullptr, "honoured (in raft ticks)"},
  {"initial-election-tick-advance", K::kBool, "true", S::kHonoured, nullptr, "honoured: once streams to more than one peer are up, election_ticks - 2 ticks are fast-forwarded, as etcd"},
  {"listen-peer-urls", K::kUrls, "http://localhost:2380", S::kHonoured, nullptr, "honoured (the peer transport, docs/peer_wire.md)"},
  {"listen-client-urls", K::kUrls, "http://localhost:2379", S::kHonoured, nullptr, "honoured"},
  {"max-snapshots", K::kUint, "5", S::kHonoured, nullptr, "honoured"},
  {"max-wals", K::kUint, "5", S::kHonoured, nullptr, "honoured"},
  {"quota-backend-bytes", K::kInt, "0", S::kIgnored, nullptr, kV3},
  {"backend-batch-interval", K::kDuration, "0s", S::kIgnored, nullptr, kV3},
  {"backend-batch-limit", K::kInt, "0", S::kIgnored, nullptr, kV3},
  {"max-txn-ops", K::kUint, "128", S::kIgnored, nullptr, kV3},
  {"max-request-bytes", K::kUint, "1572864", S::kHonoured, nullptr, "honoured (request size limit)"},
  {"max-concurrent-streams", K::kUint, "4294967295", S::kIgnored, nullptr, kV3},
  {"grpc-keepalive-min-time", K::kDuration, "5s", S::kIgnored, nullptr, kV3},
  {"grpc-keepalive-interval", K::kDuration, "2h0m0s", S::kIgnored, nullptr, kV3},
  {"grpc-keepalive-timeout", K::kDuration, "20s", S::kIgnored, nullptr, kV3},
  // Clustering
  {"initial-advertise-peer-urls", K::kUrls, "http://localhost:2380", S::kHonoured, nullptr, "honoured"},
  {"initial-cluster", K::kString, "default=http://localhost:2380", S::kHonoured, nullptr, "honoured; default NAME=INITIAL-ADVERTISE-PEER-URLS"},
  {"initial-cluster-state", K::kChoice, "new", S::kHonoured, "new|existing", "honoured (existing: the member asks the peers' /members who it is)"},
  {"initial-cluster-token", K::kString, "etcd-cluster", S::kHonoured, nullptr, "honoured (member and cluster IDs as etcd derives them)"},
  {"advertise-client-urls", K::kUrls, "http://localhost:2379", S::kHonoured, nullptr, "honoured; required with --listen-client-urls, as in etcd"},
  {"discovery", K::kString, "", S::kRefused, nullptr, "refused: discovery is not supported; use --initial-cluster"},
  {"discovery-fallback", K::kChoice, "proxy", S::kHonoured, "proxy|exit", "accepted (only used with discovery)"},
  {"discovery-proxy", K::kString, "", S::kRefused, nullptr, "refused: discovery is not supported"},
  {"discovery-srv", K::kString, "", S::kRefused, nullptr, "refused: discovery is not supported"},
  {"discovery-srv-name", K::kString, "", S::kRefused, nullptr, "refused: discovery is not supported"},
  {"strict-reconfig-check", K::kBool, "true", S::kHonoured, nullptr, "honoured (etcd's checks on /v2/members)"},
  {"pre-vote", K::kBool, "true", S::kHonoured, nullptr, "honoured (raft PreVote); on by default, as in etcd 3.5"},
  {"auto-compaction-retention", K::kString, "0", S::kIgnored, nullptr, kV3},
  {"auto-compaction-mode", K::kString, "periodic", S::kIgnored, nullptr, kV3},
  {"enable-v2", K::kBool, "false", S::kHonoured, nullptr, "accepted; arbor always serves the v2 API"},
  // Security
  {"cert-file", K::kString, "", S::kHonoured, nullptr, kTlsNote},
  {"key-file", K::kString, "", S::kHonoured, nullptr, kTlsNote},
  {"client-cert-auth", K::kBool, "false", S::kHonoured, nullptr, kTlsNote},
  {"client-crl-file", K::kString, "", S::kHonoured, nullptr, "honoured: a revoked client certificate is refused after the handshake"},
  {"client-cert-allowed-hostname", K::kString, "", S::kHonoured, nullptr, "honoured: a client certificate must be valid for this name"},
  {"trusted-ca-file", K::kString, "", S::kHonoured, nullptr, kTlsNote},
  {"auto-tls", K::kBool, "false", S::kHonoured, nullptr, kTlsNote},
  {"peer-cert-file", K::kString, "", S::kHonoured, nullptr, kPeerTlsNote},
  {"peer-key-file", K::kString, "", S::kHonoured, nullptr, kPeerTlsNote},
  {"peer-client-cert-auth", K::kBool, "false", S::kHonoured, nullptr, kPeerTlsNote},
  {"peer-trusted-ca-file", K::kString, "", S::kHonoured, nullptr, kPeerTlsNote},
  {"peer-cert-allowed-cn", K::kString, "", S::kHonoured, nullptr, kPeerTlsNote},
  {"peer-cert-allowed-hostname", K::kString, "", S::kHonoured, nullptr, kPeerTlsNote},
  {"peer-auto-tls", K::kBool, "false", S::kHonoured, nullptr, kPeerTlsNote},
  {"peer-crl-file", K::kString, "", S::kHonoured, nullptr, kPeerTlsNote},
  {"cipher-suites", K::kStrings, "", S::kHonoured, nullptr, kTlsNote},
  {"cors", K::kCors, "*", S::kHonoured, nullptr, "honoured"},
  {"host-whitelist", K::kStrings, "*", S::kHonoured, nullptr, "honoured: a plain-HTTP request naming another Host gets etcd's 421"},
  // Auth
  {"auth-token", K::kString, "simple", S::kIgnored, nullptr, "ignored: v3 auth tokens (v2 auth is Basic)"},
  {"bcrypt-cost", K::kUint, "10", S::kIgnored, nullptr, "ignored: v3 only (v2 auth hashes with cost 10, as etcd)"},
  {"auth-token-ttl", K::kUint, "300", S::kIgnored, nullptr, "ignored: v3 auth tokens"},
  // Profiling and monitoring
  {"enable-pprof", K::kBool, "false", S::kIgnored, nullptr, "ignored: Go profiling"},
  {"metrics", K::kString, "basic", S::kHonoured, nullptr, "honoured: basic or extensive (etcd's extensive adds only gRPC handling-time histograms; arbor has no gRPC, so both print the same)"},
  {"listen-metrics-urls", K::kUrls, "", S::kHonoured, nullptr, "honoured: /metrics and /health"},
  // Logging
  {"logger", K::kString, "capnslog", S::kHonoured, nullptr, "honoured: capnslog or zap"},
  {"log-outputs", K::kStrings, "default", S::kHonoured, nullptr, "honoured: default, stderr, stdout, file paths"},
  {"log-level", K::kString, "info", S::kHonoured, nullptr, "honoured"},
  // v2 proxy
  {"proxy", K::kChoice, "off", S::kRefused, "off|readonly|on", "refused unless off: arbor has no proxy mode"},
  {"proxy-failure-wait", K::kUint, "5000", S::kIgnored, nullptr, kProxyOnly},
  {"proxy-refresh-interval", K::kUint, "30000", S::kIgnored, nullptr, kProxyOnly},
  {"proxy-dial-timeout", K::kUint, "1000", S::kIgnored, nullptr, kProxyOnly},
  {"proxy-write-timeout", K::kUint, "5000", S::kIgnored, nullptr, kProxyOnly},
  {"proxy-read-timeout", K::kUint, "0", S::kIgnored, nullptr, kProxyOnly},
  // Experimental
  {"experimental-initial-corrupt-check", K::kBool, "false", S::kIgnored, nullptr, kExperimental},
  {"experimental-corrupt-check-time", K::kDuration, "0s", S::kIgnored, nullptr, kExperimental},
  {"experimental-enable-v2v3", K::kString, "", S::kIgnored, nullptr, kExperimental},
  {"experimental-backend-bbolt-freelist-type", K::kString, "array", S::kIgnored, nullptr, kExperimental},
  {"experimental-enable-lease-checkpoint", K::kBool, "false", S::kIgnored, nullptr, kExperimental},
  {"experimental-enable-lease-checkpoint-persist", K::kBool, "false", S::kIgnored, nullptr, kExperimental},
  {"experimental-compaction-batch-limit", K::kInt, "1000", S::kIgnored, nullptr, kExperimental},
  {"experimental-peer-skip-client-san-verification", K::kBool, "false", S::kHonoured, nullptr, "honoured: peer client certificates' names are not checked against their address"},
  {"experimental-watch-progress-notify-interval", K::kDuration, "10m0s", S::kIgnored, nullptr, kExperimental},
  {"experimental-warning-apply-duration", K::kDuration, "100ms", S::kIgnored, nullptr, kExperimental},
  // Unsafe
  {"force-new-cluster", K::kBool, "false", S::kHonoured, nullptr, "honoured: a restart becomes a one-member cluster keeping the data"},
  {"unsafe-no-fsync", K::kBool, "false", S::kIgnored, nullptr, "ignored: arbor always fsyncs"},
  // To be deprecated
  {"debug", K::kBool, "false", S::kIgnored, nullptr, "ignored: use --log-level=debug"},
  {"log-package-levels", K::kString, "", S::kIgnored, nullptr, "ignored: use --log-level"},
  {"log-output", K::kStrings, "default", S::kHonoured, nullptr, "honoured as --log-outputs (etcd's deprecated spelling)"},
  // Not in --help
  {"config-file", K::kString, "", S::kHonoured, nullptr, "honoured: etcd's YAML format"},
  {"version", K::kBool, "false", S::kHonoured, nullptr, "honoured: etcd's shape"},
  {"enable-grpc-gateway", K::kBool, "true", S::kIgnored, nullptr, kV3},
  // etcd's IgnoredFlag list (flags of etcd 0.4)
  {"cluster-active-size", K::kBool, "", S::kLegacy, nullptr, kLegacyNote},
  {"cluster-remove-delay", K::kBool, "", S::kLegacy, nullptr, kLegacyNote},
  {"cluster-sync-interval", K::kBool, "", S::kLegacy, nullptr, kLegacyNote},
  {"config", K::kBool, "", S::kLegacy, nullptr, kLegacyNote},
  {"force", K::kBool, "", S::kLegacy, nullptr, kLegacyNote},
  {"max-result-buffer", K::kBool, "", S::kLegacy, nullptr, kLegacyNote},
  {"max-retry-attempts", K::kBool, "", S::kLegacy, nullptr, kLegacyNote},
  {"peer-heartbeat-interval", K::kBool, "", S::kLegacy, nullptr, kLegacyNote},
  {"peer-election-timeout", K::kBool, "", S::kLegacy, nullptr, kLegacyNote},
  {"retry-interval", K::kBool, "", S::kLegacy, nullptr, kLegacyNote},
  {"snapshot", K::kBool, "", S::kLegacy, nullptr, kLegacyNote},
  {"v", K::kBool, "", S::kLegacy, nullptr, kLegacyNote},
  {"vv", K::kBool, "", S::kLegacy, nullptr, kLegacyNote},
  // arbor's own
  {"io-threads", K::kUint, "1", S::kHonoured, nullptr, "arbor only: HTTP I/O threads"},
  {"pin-write-path", K::kChoice, "auto", S::kHonoured, "auto|on|off", "arbor only: keep the write path's threads (client I/O, apply loop, peer I/O) on one CPU (auto: when the process has at most 2 CPUs)"},
  {"http-read-header-timeout", K::kString, "30s", S::kHonoured, nullptr, "arbor only: time a client has to send a request's headers"},
  {"http-idle-timeout", K::kString, "5m", S::kHonoured, nullptr, "arbor only: idle keep-alive connections are closed after this"},
  {"max-stream-backlog-bytes", K::kUint, "1048576", S::kHonoured, nullptr, "arbor only: unsent bytes before a stream watcher is dropped"},
};
// clang-format on

const FlagSpec* find_flag(const std::string& name) {
  for (const FlagSpec& f : kFlags)
    if (name == f.name) return &f;
  return nullptr;
}

std::string quote(const std::string& s) {  // Go's %q for the strings flags carry.
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

bool parse_bool(const std::string& s, bool* out) {  // strconv.ParseBool
  static const std::set<std::string> kTrue = {"1", "t", "T", "TRUE", "true", "True"};
  static const std::set<std::string> kFalse = {"0", "f", "F", "FALSE", "false", "False"};
  if (kTrue.count(s)) return *out = true, true;
  if (kFalse.count(s)) return *out = false, true;
  return false;
}

// strconv.ParseUint(s, 0, 64): an optional 0x/0o/0b prefix (or a leading 0 for octal), with
// underscores allowed only after a prefix.
bool parse_uint(const std::string& s, uint64_t* out) {
  if (s.empty()) return false;
  size_t i = 0;
  unsigned base = 10;
  bool prefixed = false;
  if (s.size() > 1 && s[0] == '0') {
    char p = static_cast<char>(std::tolower(static_cast<unsigned char>(s[1])));
    if (p == 'x') base = 16, i = 2, prefixed = true;
    else if (p == 'o') base = 8, i = 2, prefixed = true;
    else if (p == 'b') base = 2, i = 2, prefixed = true;
    else base = 8, i = 1, prefixed = true;
  }
  uint64_t v = 0;
  bool any = i > 0 && base == 8 && !(s.size() > 1 && std::tolower(s[1]) == 'o');
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '_' && prefixed) continue;
    unsigned d;
    if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') d = static_cast<unsigned>(c - 'A' + 10);
    else return false;
    if (d >= base) return false;
    if (v > (UINT64_MAX - d) / base) return false;
    v = v * base + d;
    any = true;
  }
  if (!any) return false;
  *out = v;
  return true;
}

bool parse_int(const std::string& s, int64_t* out) {
  bool neg = !s.empty() && s[0] == '-';
  std::string rest = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? s.substr(1) : s;
  uint64_t u;
  if (!parse_uint(rest, &u)) return false;
  if (u > (neg ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1)) return false;
  *out = neg ? static_cast<int64_t>(0 - u) : static_cast<int64_t>(u);
  return true;
}

// time.ParseDuration into nanoseconds.
bool parse_duration(const std::string& s, int64_t* out) {
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  if (s.substr(i) == "0") return *out = 0, true;
  if (i == s.size()) return false;
  double total = 0;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (i == start || s.substr(start, i - start) == ".") return false;
    double v = std::strtod(s.substr(start, i - start).c_str(), nullptr);
    size_t u = i;
    while (i < s.size() && !std::isdigit(static_cast<unsigned char>(s[i])) && s[i] != '.') ++i;
    static const std::map<std::string, double> kUnits = {
        {"ns", 1}, {"us", 1e3}, {"\xC2\xB5s", 1e3}, {"\xCE\xBCs", 1e3}, {"ms", 1e6},
        {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
    auto it = kUnits.find(s.substr(u, i - u));
    if (it == kUnits.end()) return false;
    total += v * it->second;
  }
  if (total > 9.2e18) return false;
  *out = static_cast<int64_t>(neg ? -total : total);
  return true;
}

// types.NewURLs: each URL needs an http/https/unix/unixs scheme, a host:port and no path.
std::string check_urls(const std::string& value, std::vector<std::string>* urls) {
  std::vector<std::string> out;
  std::string item;
  std::stringstream ss(value);
  while (std::getline(ss, item, ',')) {
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.erase(0, 1);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.pop_back();
    size_t colon = item.find("://");
    std::string scheme = colon == std::string::npos ? "" : item.substr(0, colon);
    for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme != "http" && scheme != "https" && scheme != "unix" && scheme != "unixs")
      return "URL scheme must be http, https, unix, or unixs: " + item;
    std::string rest = item.substr(colon + 3);
    size_t slash = rest.find_first_of("/?#");
    std::string host = rest.substr(0, slash);
    if (size_t at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
    // net.SplitHostPort: "host:port" or "[v6]:port", exactly one colon outside brackets.
    bool ok;
    if (!host.empty() && host[0] == '[') {
      size_t close = host.find(']');
      ok = close != std::string::npos && close + 1 < host.size() && host[close + 1] == ':' &&
           host.find(':', close + 2) == std::string::npos;
    } else {
      size_t c = host.find(':');
      ok = c != std::string::npos && host.find(':', c + 1) == std::string::npos;
    }
    if (!ok) return "URL address does not have the form \"host:port\": " + item;
    if (slash != std::string::npos && rest[slash] == '/') return "URL must not contain a path: " + item;
    out.push_back(scheme + "://" + rest);
  }
  if (out.empty()) return "no valid URLs given";
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (urls) *urls = out;
  return "";
}

// The error text of a value `v` for `f`, "" when valid (Go's flag.Value.Set errors).
std::string check_value(const FlagSpec& f, const std::string& v) {
  switch (f.kind) {
    case K::kString:
    case K::kStrings:
      return "";
    case K::kBool: {
      bool b;
      return f.support == S::kLegacy || parse_bool(v, &b) ? "" : "parse error";
    }
    case K::kUint: {
      uint64_t u;
      const bool ok = parse_uint(v, &u);
      // An all-digit value that does not parse overflowed (Go: "value out of range").
      const bool overflow = !ok && !v.empty() && std::all_of(v.begin(), v.end(), ::isdigit);
      if (std::string(f.name) == "max-concurrent-streams") {
        // etcd's own flag type: strconv.ParseUint's error, not the flag package's.
        if (ok && u <= UINT32_MAX) return "";
        return "strconv.ParseUint: parsing " + quote(v) +
               (ok || overflow ? ": value out of range" : ": invalid syntax");
      }
      return ok ? "" : overflow ? "value out of range" : "parse error";
    }
    case K::kInt: {
      int64_t i;
      return parse_int(v, &i) ? "" : "parse error";
    }
    case K::kDuration: {
      int64_t d;
      return parse_duration(v, &d) ? "" : "parse error";
    }
    case K::kUrls:
      return check_urls(v, nullptr);
    case K::kCors:
      return v == "*" ? "" : check_urls(v, nullptr);
    case K::kChoice: {
      std::string choices = std::string("|") + f.choices + "|";
      return choices.find("|" + v + "|") != std::string::npos ? "" : "invalid value";
    }
  }
  return "";
}

// The state of one parse: the values given, by flag name, and where they came from.
struct Values {
  std::map<std::string, std::string> given;  // Flag name → value, after validation.
  std::set<std::string> on_command_line;
  std::set<std::string> set;  // Set by a flag, a variable or the file (Go's flag.Visit).
  std::vector<PendingLog> logs;
};

std::string env_name(const std::string& flag) {
  std::string out = "ETCD_";
  for (char c : flag) out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Sets `f` to `v` as flag.Value.Set does. Returns Go's error text, "" on success.
std::string set_value(Values* vals, const FlagSpec& f, const std::string& v) {
  if (f.support == S::kLegacy) {
    vals->logs.push_back({'W', "pkg/flags", "flag \"-" + std::string(f.name) + "\" is no longer supported - ignoring."});
    return "";
  }
  std::string err = check_value(f, v);
  if (err.empty()) vals->given[f.name] = v;
  return err;
}

ParseResult refuse(Values&& vals, const std::string& why) {
  ParseResult r;
  r.exit_code = 1;
  r.logs = std::move(vals.logs);
  r.logs.push_back({'E', "etcdmain", "error verifying flags, " + why + ". See 'etcd --help'."});
  return r;
}

// Go's flag.FlagSet.Parse over `args`. Returns false with `r` filled when the process must exit.
bool parse_command_line(const std::vector<std::string>& args, Values* vals,
                        std::vector<std::string>* positional, ParseResult* r) {
  auto fail = [&](const std::string& msg) {
    r->exit_code = 2;
    r->err = msg + "\n" + kUsageLine + "\n";
    return false;
  };
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& s = args[i];
    if (s.size() < 2 || s[0] != '-') break;
    size_t minuses = 1;
    if (s[1] == '-') {
      minuses = 2;
      if (s.size() == 2) {  // "--" ends the flags.
        ++i;
        break;
      }
    }
    std::string name = s.substr(minuses);
    if (name.empty() || name[0] == '-' || name[0] == '=') return fail("bad flag syntax: " + s);
    std::string value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    const FlagSpec* f = find_flag(name);
    if (f == nullptr) {
      if (name == "help" || name == "h") {
        r->exit_code = 0;
        r->err = std::string(kUsageLine) + "\n";
        r->out = kFlagsLine;
        return false;
      }
      return fail("flag provided but not defined: -" + name);
    }
    if (f->kind == K::kBool) {
      if (!has_value) value = "true";
      if (std::string err = set_value(vals, *f, value); !err.empty())
        return fail("invalid boolean value " + quote(value) + " for -" + name + ": " + err);
    } else {
      if (!has_value) {
        if (i + 1 >= args.size()) return fail("flag needs an argument: -" + name);
        value = args[++i];
      }
      if (std::string err = set_value(vals, *f, value); !err.empty())
        return fail("invalid value " + quote(value) + " for flag -" + name + ": " + err);
    }
    vals->on_command_line.insert(name);
    vals->set.insert(name);
  }
  positional->assign(args.begin() + static_cast<long>(i), args.end());
  return true;
}

// flags.SetFlagsFromEnv: every flag not on the command line takes its ETCD_* variable.
std::string apply_environment(const std::vector<std::string>& environ, Values* vals) {
  std::map<std::string, std::string> env;
  for (const std::string& kv : environ) {
    size_t eq = kv.find('=');
    if (eq != std::string::npos) env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  std::set<std::string> used;
  std::string first_error;
  for (const FlagSpec& f : kFlags) {
    const std::string key = env_name(f.name);
    if (vals->on_command_line.count(f.name)) continue;
    auto it = env.find(key);
    if (it == env.end() || it->second.empty()) continue;
    used.insert(key);
    if (std::string(f.name) == "version") continue;  // Read before the environment, as in etcd.
    if (std::string err = set_value(vals, f, it->second); !err.empty()) {
      if (first_error.empty())
        first_error = "invalid value " + quote(it->second) + " for " + key + ": " + err;
      continue;
    }
    vals->set.insert(f.name);
    vals->logs.push_back({'I', "pkg/flags", "recognized and used environment variable " + key + "=" + it->second});
  }
  for (const std::string& kv : environ) {
    const std::string key = kv.substr(0, kv.find('='));
    if (used.count(key)) continue;
    bool shadowed = false;
    for (const std::string& flag : vals->on_command_line)
      if (env_name(flag) == key) shadowed = true;
    if (shadowed) {
      // etcd 3.4 makes this fatal; arbor keeps the flag and says so.
      vals->logs.push_back({'W', "pkg/flags", "conflicting environment variable " + quote(key) +
                                                  " is shadowed by corresponding command-line flag "
                                                  "(the flag's value is used)"});
    } else if (key.rfind("ETCD_", 0) == 0) {
      vals->logs.push_back({'W', "pkg/flags", "unrecognized environment variable " + kv});
    }
  }
  return first_error;
}

// A YAML value as the flag's string: scalars as written, sequences joined with commas.
bool yaml_to_string(const YAML::Node& n, std::string* out) {
  if (n.IsNull()) return *out = "", true;
  if (n.IsScalar()) return *out = n.Scalar(), true;
  if (n.IsSequence()) {
    out->clear();
    for (size_t i = 0; i < n.size(); ++i) {
      if (!n[i].IsScalar()) return false;
      if (i) *out += ",";
      *out += n[i].Scalar();
    }
    return true;
  }
  return false;
}

// The top-level mapping of a config file: the YAML keys are the flags' names, TLS under
// *-transport-security.
std::string apply_config_map(const YAML::Node& root, const std::string& path, Values* vals) {
  static const std::map<std::string, std::string> kClientTls = {
      {"cert-file", "cert-file"}, {"key-file", "key-file"}, {"client-cert-auth", "client-cert-auth"},
      {"trusted-ca-file", "trusted-ca-file"}, {"auto-tls", "auto-tls"}};
  static const std::map<std::string, std::string> kPeerTls = {
      {"cert-file", "peer-cert-file"}, {"key-file", "peer-key-file"},
      {"client-cert-auth", "peer-client-cert-auth"}, {"trusted-ca-file", "peer-trusted-ca-file"},
      {"auto-tls", "peer-auto-tls"}};
  auto set_key = [&](const std::string& key, const std::string& flag, const YAML::Node& n) -> std::string {
    const FlagSpec* f = find_flag(flag);
    if (f == nullptr || f->support == S::kLegacy || flag == "config-file" || flag == "version") {
      vals->logs.push_back({'W', "etcdmain", "unknown key " + quote(key) + " in " + path + " ignored"});
      return "";
    }
    std::string v;
    if (!yaml_to_string(n, &v)) return "error unmarshaling JSON: cannot read " + quote(key);
    if (f->kind == K::kBool) {  // YAML 1.1 booleans too.
      if (v == "yes" || v == "on" || v == "Yes" || v == "On") v = "true";
      if (v == "no" || v == "off" || v == "No" || v == "Off") v = f->kind == K::kBool ? "false" : v;
    }
    if (flag == "proxy" && v == "false") v = "off";  // An unquoted `off` is a YAML boolean.
    if (f->kind == K::kDuration) {  // JSON time.Duration: integer nanoseconds.
      uint64_t ns;
      if (parse_uint(v, &ns)) v = std::to_string(ns) + "ns";
    }
    if (std::string err = set_value(vals, *f, v); !err.empty())
      return "error unmarshaling JSON: invalid value " + quote(v) + " for " + quote(key) + ": " + err;
    vals->set.insert(flag);
    return "";
  };
  // ghodss/yaml turns the document into JSON, whose object keys are strings: a mapping or a
  // sequence used as a key (YAML's `? ...`) cannot be converted.
  auto key_of = [](const YAML::Node& k, std::string* out) -> std::string {
    if (k.IsScalar()) return *out = k.Scalar(), "";
    return "error converting YAML to JSON: yaml: the mapping key at line " + std::to_string(k.Mark().line + 1) +
           " is not a string";
  };
  for (const auto& kv : root) {
    std::string key;
    if (std::string err = key_of(kv.first, &key); !err.empty()) return err;
    if (key == "client-transport-security" || key == "peer-transport-security") {
      if (kv.second.IsNull()) continue;
      if (!kv.second.IsMap()) return "error unmarshaling JSON: " + quote(key) + " is not a mapping";
      const auto& table = key[0] == 'c' ? kClientTls : kPeerTls;
      for (const auto& t : kv.second) {
        std::string sub;
        if (std::string err = key_of(t.first, &sub); !err.empty()) return err;
        auto it = table.find(sub);
        if (it == table.end()) {
          vals->logs.push_back({'W', "etcdmain", "unknown key " + quote(key + "." + sub) + " in " + path + " ignored"});
          continue;
        }
        if (std::string err = set_key(key + "." + sub, it->second, t.second); !err.empty()) return err;
      }
      continue;
    }
    if (std::string err = set_key(key, key, kv.second); !err.empty()) return err;
  }
  return "";
}

// embed.ConfigFromFile.
std::string apply_config_file(const std::string& path, Values* vals) {
  try {
    std::ifstream in(path);
    if (!in) return "open " + path + ": no such file or directory";
    const YAML::Node root = YAML::Load(in);
    if (root.IsNull()) return "";
    if (!root.IsMap()) return "error unmarshaling JSON: the configuration file is not a YAML mapping";
    return apply_config_map(root, path, vals);
  } catch (const YAML::Exception& e) {  // Unparsable, or a node yaml-cpp cannot convert.
    return "error converting YAML to JSON: yaml: " + std::string(e.what());
  }
}

std::string get(const Values& v, const std::string& name) {
  auto it = v.given.find(name);
  if (it != v.given.end()) return it->second;
  const FlagSpec* f = find_flag(name);
  return f ? f->default_value : "";
}

uint64_t get_uint(const Values& v, const std::string& name) {
  uint64_t u = 0;
  parse_uint(get(v, name), &u);
  return u;
}

bool get_bool(const Values& v, const std::string& name) {
  bool b = false;
  parse_bool(get(v, name), &b);
  return b;
}

std::vector<std::string> get_urls(const Values& v, const std::string& name) {
  std::vector<std::string> urls;
  const std::string s = get(v, name);
  if (!s.empty()) check_urls(s, &urls);
  return urls;
}

// Moves the validated values into the typed Config.
void fill(const Values& v, Config* c) {
  c->name = get(v, "name");
  c->data_dir = get(v, "data-dir");
  c->wal_dir = get(v, "wal-dir");
  c->snapshot_count = get_uint(v, "snapshot-count");
  c->heartbeat_ms = get_uint(v, "heartbeat-interval");
  c->election_ms = get_uint(v, "election-timeout");
  c->initial_election_tick_advance = get_bool(v, "initial-election-tick-advance");
  c->listen_peer_urls = get_urls(v, "listen-peer-urls");
  c->listen_client_urls = get_urls(v, "listen-client-urls");
  c->listen_metrics_urls = get_urls(v, "listen-metrics-urls");
  c->max_snapshots = get_uint(v, "max-snapshots");
  c->max_wals = get_uint(v, "max-wals");
  // etcd's 1.5 MiB default concerns its v3 gRPC API; without the flag the HTTP layer's own limit
  // applies (http::ServerConfig), so everything etcd's v2 API accepts is accepted.
  c->max_request_bytes = v.given.count("max-request-bytes") ? get_uint(v, "max-request-bytes") : 0;
  c->initial_advertise_peer_urls = get_urls(v, "initial-advertise-peer-urls");
  c->advertise_client_urls = get_urls(v, "advertise-client-urls");
  c->initial_cluster = get(v, "initial-cluster");
  c->initial_cluster_state = get(v, "initial-cluster-state");
  c->initial_cluster_token = get(v, "initial-cluster-token");
  c->strict_reconfig_check = get_bool(v, "strict-reconfig-check");
  c->pre_vote = get_bool(v, "pre-vote");
  c->enable_v2 = get_bool(v, "enable-v2");
  c->discovery = get(v, "discovery");
  c->discovery_srv = get(v, "discovery-srv");
  c->discovery_srv_name = get(v, "discovery-srv-name");
  c->discovery_proxy = get(v, "discovery-proxy");
  c->discovery_fallback = get(v, "discovery-fallback");
  c->client_tls = {get(v, "cert-file"), get(v, "key-file"), get(v, "trusted-ca-file"),
                   get(v, "client-crl-file"), get_bool(v, "client-cert-auth"), get_bool(v, "auto-tls"),
                   "", get(v, "client-cert-allowed-hostname")};
  c->peer_tls = {get(v, "peer-cert-file"), get(v, "peer-key-file"), get(v, "peer-trusted-ca-file"),
                 get(v, "peer-crl-file"), get_bool(v, "peer-client-cert-auth"),
                 get_bool(v, "peer-auto-tls"), get(v, "peer-cert-allowed-cn"),
                 get(v, "peer-cert-allowed-hostname")};
  c->peer_skip_client_san_verification = get_bool(v, "experimental-peer-skip-client-san-verification");
  c->cipher_suites = split_list(get(v, "cipher-suites"));
  c->cors = get(v, "cors") == "*" ? std::vector<std::string>{"*"} : get_urls(v, "cors");
  c->host_whitelist = split_list(get(v, "host-whitelist"));
  c->metrics = get(v, "metrics");
  c->logger = get(v, "logger");
  c->log_outputs = split_list(v.given.count("log-outputs") || !v.given.count("log-output")
                                  ? get(v, "log-outputs")
                                  : get(v, "log-output"));
  c->log_level = get(v, "log-level");
  c->proxy = get(v, "proxy");
  c->force_new_cluster = get_bool(v, "force-new-cluster");
  c->http_read_header_timeout = v.given.count("http-read-header-timeout") ? get(v, "http-read-header-timeout") : "";
  c->http_idle_timeout = v.given.count("http-idle-timeout") ? get(v, "http-idle-timeout") : "";
  c->max_stream_backlog_bytes = v.given.count("max-stream-backlog-bytes") ? get_uint(v, "max-stream-backlog-bytes") : 0;
  c->io_threads = static_cast<int>(std::max<uint64_t>(1, std::min<uint64_t>(get_uint(v, "io-threads"), 64)));
  c->pin_write_path = get(v, "pin-write-path");
}

// net.SplitHostPort's host, or false.
bool url_host(const std::string& url, std::string* host) {
  size_t p = url.find("://");
  std::string h = url.substr(p == std::string::npos ? 0 : p + 3);
  h = h.substr(0, h.find_first_of("/?#"));
  if (size_t at = h.rfind('@'); at != std::string::npos) h = h.substr(at + 1);
  if (!h.empty() && h[0] == '[') {
    *host = h.substr(1, h.find(']') - 1);
    return true;
  }
  size_t c = h.rfind(':');
  if (c == std::string::npos) return false;
  *host = h.substr(0, c);
  return true;
}

bool is_ip(const std::string& h) {
  if (h.find(':') != std::string::npos) return true;  // IPv6, already bracket-checked.
  int parts = 0;
  std::stringstream ss(h);
  std::string p;
  while (std::getline(ss, p, '.')) {
    if (p.empty() || p.size() > 3 || !std::all_of(p.begin(), p.end(), ::isdigit) || std::stoi(p) > 255)
      return false;
    ++parts;
  }
  return parts == 4 && h.back() != '.';
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

// embed.Config.Validate and etcdmain's checks. Returns the error text, "" when valid.
std::string validate(const Values& v, const Config& c, bool from_file) {
  if (c.logger != "capnslog" && c.logger != "zap") return "unknown logger option " + quote(c.logger);
  static const std::set<std::string> kLevels = {"debug", "info", "warn", "error", "dpanic", "panic", "fatal"};
  if (!kLevels.count(c.log_level)) return "unknown log level " + quote(c.log_level);
  if (c.metrics != "basic" && c.metrics != "extensive")
    return "unknown metrics option " + quote(c.metrics) + " (basic or extensive)";
  for (const char* which : {"listen-peer-urls", "listen-client-urls", "listen-metrics-urls"}) {
    for (const std::string& u : get_urls(v, which)) {
      if (u.rfind("unix", 0) == 0) continue;
      std::string host;
      if (!url_host(u, &host)) return "missing port in address";
      if (host != "localhost" && !is_ip(host)) return "expected IP in URL for binding (" + u + ")";
    }
  }
  for (const char* which : {"initial-advertise-peer-urls", "advertise-client-urls"}) {
    std::vector<std::string> urls = get_urls(v, which);
    if (std::string(which) == "advertise-client-urls" && !from_file && v.set.count("listen-client-urls") &&
        !v.set.count("advertise-client-urls"))
      return "--advertise-client-urls is required when --listen-client-urls is set explicitly";
    for (const std::string& u : urls) {
      std::string host;
      url_host(u, &host);
      if (host.empty())
        return std::string("--") + which + " " + quote(join(urls, ",")) +
               " must be \"host:port\" (unexpected empty host (" + u + "))";
    }
  }
  int bootstrap = (!c.discovery.empty()) + (!c.initial_cluster.empty()) + (!c.discovery_srv.empty());
  if (bootstrap > 1)
    return "multiple discovery or bootstrap flags are set. Choose one of \"initial-cluster\", "
           "\"discovery\" or \"discovery-srv\"";
  if (c.heartbeat_ms == 0) return "--heartbeat-interval must be >0 (set to 0ms)";
  if (c.election_ms == 0) return "--election-timeout must be >0 (set to 0ms)";
  if (5 * c.heartbeat_ms > c.election_ms)
    return "--election-timeout[" + std::to_string(c.election_ms) +
           "ms] should be at least as 5 times as --heartbeat-interval[" +
           std::to_string(c.heartbeat_ms) + "ms]";
  if (c.election_ms > 50000)
    return "--election-timeout[" + std::to_string(c.election_ms) +
           "ms] is too long, and should be set less than 50000ms";
  const std::string mode = get(v, "auto-compaction-mode");
  if (!mode.empty() && mode != "periodic" && mode != "revision")
    return "unknown auto-compaction-mode " + quote(mode);
  return "";
}

}  // namespace

std::span<const FlagSpec> all_flags() { return kFlags; }

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::string item;
  std::stringstream ss(s);
  while (std::getline(ss, item, ',')) {
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string version_text() {
  return "etcd Version: 3.4.23\n"
         "Git SHA: arbor\n"
         "Go Version: none (arbor is C++20)\n"
         "Go OS/Arch: linux/amd64\n";
}

ParseResult parse_config(const std::vector<std::string>& args,
                         const std::vector<std::string>& environ, Config* out) {
  ParseResult r;
  Values vals;
  std::vector<std::string> positional;
  if (!parse_command_line(args, &vals, &positional, &r)) return r;
  if (!positional.empty()) return refuse(std::move(vals), "'" + positional[0] + "' is not a valid flag");
  if (get_bool(vals, "version")) {
    r.out = version_text();
    return r;
  }

  std::string config_file = get(vals, "config-file");
  if (config_file.empty()) {
    for (const std::string& kv : environ)
      if (kv.rfind("ETCD_CONFIG_FILE=", 0) == 0) config_file = kv.substr(17);
  }
  const bool from_file = !config_file.empty();
  if (from_file) {
    // The file replaces everything given on the command line and in the environment.
    Values file_vals;
    file_vals.logs = std::move(vals.logs);
    file_vals.logs.push_back({'I', "etcdmain", "Loading server configuration from " + quote(config_file) +
                                                   ". Other configuration command line flags and "
                                                   "environment variables will be ignored if provided."});
    vals = std::move(file_vals);
    if (std::string err = apply_config_file(config_file, &vals); !err.empty())
      return refuse(std::move(vals), err);
  } else if (std::string err = apply_environment(environ, &vals); !err.empty()) {
    return refuse(std::move(vals), err);
  }

  Config c;
  fill(vals, &c);
  c.config_file = config_file;
  // Discovery replaces the default initial cluster.
  const bool discovery = !c.discovery.empty() || !c.discovery_srv.empty() || !c.discovery_srv_name.empty();
  if (discovery && !vals.set.count("initial-cluster")) c.initial_cluster.clear();
  if (std::string err = validate(vals, c, from_file); !err.empty()) {
    ParseResult bad = refuse(std::move(vals), err);
    if (err.rfind("--advertise-client-urls is required", 0) == 0)
      bad.logs.push_back({'E', "etcdmain", "When listening on specific address(es), this etcd process "
                                           "must advertise accessible url(s) to each connected client."});
    return bad;
  }

  // What arbor refuses: modes it does not have.
  if (c.proxy != "off") {
    r.exit_code = 1;
    r.logs = std::move(vals.logs);
    r.logs.push_back({'C', "etcdmain", "--proxy=" + c.proxy + " is not supported: arbor has no v2 proxy mode; "
                                       "point clients at the members (or run etcd as the proxy)"});
    return r;
  }
  if (discovery || !c.discovery_proxy.empty()) {
    r.exit_code = 1;
    r.logs = std::move(vals.logs);
    r.logs.push_back({'C', "etcdmain", "discovery (--discovery, --discovery-srv) is not supported by arbor; "
                                       "list the members with --initial-cluster"});
    return r;
  }
  // Accepted and ignored: one warning per flag given.
  for (const FlagSpec& f : kFlags) {
    if ((f.support != S::kIgnored && f.support != S::kPending) || !vals.given.count(f.name)) continue;
    if (vals.given.at(f.name) == f.default_value) continue;
    vals.logs.push_back({'W', "etcdmain", "--" + std::string(f.name) + " is " + f.note});
  }

  // etcd's defaults derived from other flags.
  // etcd keeps "default=http://localhost:2380" for the default name; arbor derives it from the
  // advertised peer URLs whatever the name, so `--name default` with other URLs also starts.
  if (!vals.set.count("initial-cluster")) {
    c.initial_cluster.clear();
    for (const std::string& u : c.initial_advertise_peer_urls)
      c.initial_cluster += (c.initial_cluster.empty() ? "" : ",") + c.name + "=" + u;
  }
  if (c.data_dir.empty()) {
    c.data_dir = c.name + ".etcd";
    vals.logs.push_back({'W', "etcdmain", "no data-dir provided, using default data-dir ./" + c.data_dir});
  }
  *out = std::move(c);
  r.run = true;
  r.logs = std::move(vals.logs);
  return r;
}

}  // namespace arbor::server
