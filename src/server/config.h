#pragma once
// The server's configuration as etcd 3.4 reads it: every flag of `etcd --help` (plus etcd's
// hidden and long-ignored ones, plus arbor's --io-threads), from the command line (`--f v`,
// `--f=v`, `-f v`; booleans as Go's flag package parses them, so `--b false` is not a value),
// from ETCD_<FLAG> environment variables, or from a YAML file (--config-file / ETCD_CONFIG_FILE)
// in etcd's format. Precedence is etcd's: a config file replaces flags and variables (with a
// log line); otherwise a flag wins over its variable (etcd 3.4 refuses to start there; arbor
// warns) and an unknown ETCD_* variable warns.
//
// parse_config() does no IO except reading the config file, and returns what to print and the
// log lines to write once the logger is set up, so main() stays free of logic and tests need no
// process. See docs/flags.md for every flag and what arbor does with it.
//
// Thread-compatible.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace arbor::server {

// What arbor does with a flag (docs/flags.md lists each one).
enum class FlagSupport {
  kHonoured,  // Same meaning as in etcd.
  kIgnored,   // Accepted and ignored; setting it logs one warning (v3-only, experimental, ...).
  kPending,   // Meaningful for arbor, parsed into Config, not acted on yet (clustering, peer TLS);
              // a non-default value logs one warning until the module using it lands.
  kLegacy,    // etcd's own long-ignored flags: "flag "-x" is no longer supported - ignoring."
  kRefused,   // Accepted syntax, but a value other than the default refuses to start.
};

enum class FlagKind {
  kString,
  kBool,
  kUint,      // Go uint/uint64: decimal, 0x, 0o, 0b, leading-0 octal.
  kInt,       // Go int/int64.
  kDuration,  // Go time.ParseDuration ("100ms", "1h2m", "0").
  kUrls,      // Comma-separated http/https/unix/unixs URLs with host:port and no path.
  kCors,      // "*" or URLs.
  kStrings,   // Comma-separated strings.
  kChoice,    // One of `choices`.
};

struct FlagSpec {
  const char* name;
  FlagKind kind;
  const char* default_value;  // As the flag holds it before parsing ("" for none).
  FlagSupport support;
  const char* choices;        // kChoice: "new|existing"; otherwise nullptr.
  const char* note;           // What arbor does with it (docs/flags.md), one line.
};

// Every flag, in etcd's --help order, then the hidden and legacy ones, then arbor's own.
std::span<const FlagSpec> all_flags();

struct TlsConfig {
  std::string cert_file, key_file, trusted_ca_file, crl_file;
  bool client_cert_auth = false;
  bool auto_tls = false;
  std::string allowed_cn, allowed_hostname;
};

// Typed values of the honoured flags, with etcd's defaults.
struct Config {
  // Member
  std::string name = "default";
  std::string data_dir;  // Set to "<name>.etcd" by parse_config when not given.
  std::string wal_dir;
  uint64_t snapshot_count = 100000;
  uint64_t heartbeat_ms = 100;
  uint64_t election_ms = 1000;
  bool initial_election_tick_advance = true;
  std::vector<std::string> listen_peer_urls = {"http://localhost:2380"};
  std::vector<std::string> listen_client_urls = {"http://localhost:2379"};
  std::vector<std::string> listen_metrics_urls;
  uint64_t max_snapshots = 5;
  uint64_t max_wals = 5;
  uint64_t max_request_bytes = 0;  // 0: not given (the HTTP layer's default applies).
  // Clustering
  std::vector<std::string> initial_advertise_peer_urls = {"http://localhost:2380"};
  std::vector<std::string> advertise_client_urls = {"http://localhost:2379"};
  std::string initial_cluster;  // Derived from name and peer URLs when not given.
  std::string initial_cluster_state = "new";
  std::string initial_cluster_token = "etcd-cluster";
  bool strict_reconfig_check = true;
  bool pre_vote = true;  // etcd 3.4 defaults to false; arbor to true, as etcd 3.5.
  bool enable_v2 = false;
  std::string discovery, discovery_srv, discovery_srv_name, discovery_proxy;
  std::string discovery_fallback = "proxy";
  // Security
  TlsConfig client_tls, peer_tls;
  bool peer_skip_client_san_verification = false;
  std::vector<std::string> cipher_suites;
  std::vector<std::string> cors = {"*"};
  std::vector<std::string> host_whitelist = {"*"};
  // Monitoring and logging
  std::string metrics = "basic";  // "basic" | "extensive"
  std::string logger = "capnslog";
  std::vector<std::string> log_outputs = {"default"};
  std::string log_level = "info";
  // Proxy (only "off" runs) and unsafe
  std::string proxy = "off";
  bool force_new_cluster = false;
  // arbor's own
  int io_threads = 1;
  std::string pin_write_path = "auto";  // auto|on|off (util/cpu.h)
  std::string http_read_header_timeout;  // "" when not given (http::ServerConfig's defaults).
  std::string http_idle_timeout;
  uint64_t max_stream_backlog_bytes = 0;  // 0: not given.
  std::string config_file;  // The file the configuration came from, if any.
};

// A log line to write once the logger exists (parsing happens before it is set up).
struct PendingLog {
  char level;       // capnslog's letter: 'I', 'N', 'W', 'E', 'C'.
  std::string pkg;  // "etcdmain", "pkg/flags", ...
  std::string text;
};

struct ParseResult {
  bool run = false;     // Start the server with `config`; otherwise exit with exit_code.
  int exit_code = 0;
  std::string out;      // To print on stdout (--version, --help).
  std::string err;      // To print on stderr as is (Go flag errors followed by the usage line).
  std::vector<PendingLog> logs;  // In order; a refusal's reason is the last one ('E' or 'C').
};

// Parses `args` (without argv[0]) and `environ` ("KEY=value" strings) into `out`.
ParseResult parse_config(const std::vector<std::string>& args,
                         const std::vector<std::string>& environ, Config* out);

// etcd's --version text, with arbor's identity in the values.
std::string version_text();

// Splits "a, b,c" at commas, trimming spaces and dropping empty items.
std::vector<std::string> split_list(const std::string& s);

}  // namespace arbor::server
