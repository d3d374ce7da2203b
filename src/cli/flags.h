#pragma once
// Command-line parsing as etcdctl's v2 front end does it (urfave/cli v1 over Go's flag package),
// so the same argument vectors mean the same things and fail with the same messages:
//   - Go's flag syntax: -f, --f, -f=v, --f=v, -f v (not for booleans), "--" ends the flags,
//     the first non-flag argument ends them too;
//   - a command's flags may follow its arguments: reorder_args() moves every known flag (and the
//     argument after it) in front of the rest, as urfave/cli does before parsing;
//   - global flags (before the command) are parsed without reordering.
// Also resolves the global options against etcdctl's ETCDCTL_* environment variables.
//
// Thread-compatible.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace arbor::cli {

enum class FlagType { kBool, kString, kInt, kDuration, kStringSlice };

struct FlagSpec {
  std::string names;  // "recursive, r": the first name is the canonical one.
  FlagType type;
  std::string default_value = {};  // As text; parsed like a value given on the command line.
};

// The values of one set of flags after parse(), as Go's flag.FlagSet holds them.
class FlagSet {
 public:
  explicit FlagSet(std::vector<FlagSpec> specs);

  // Parses `args` like flag.FlagSet.Parse. Returns Go's error text on failure, e.g.
  // "flag provided but not defined: -x", "flag needs an argument: -ttl",
  // "invalid value \"abc\" for flag -ttl: parse error".
  std::optional<std::string> parse(const std::vector<std::string>& args);

  // urfave/cli's normalizeFlags: a flag given under two of its names (-r and --recursive) is
  // an error, "Cannot use two forms of the same flag: r recursive".
  std::optional<std::string> check_forms() const;

  // Accessors take any of a flag's names. REQUIRES: the name is one of the specs.
  bool get_bool(std::string_view name) const;
  std::string get_string(std::string_view name) const;
  int64_t get_int(std::string_view name) const;
  std::chrono::nanoseconds get_duration(std::string_view name) const;
  std::vector<std::string> get_slice(std::string_view name) const;
  // True when the flag appeared on the command line.
  bool is_set(std::string_view name) const;
  // The arguments left after the flags.
  const std::vector<std::string>& args() const { return args_; }
  const std::vector<FlagSpec>& specs() const { return specs_; }

 private:
  int find(std::string_view name) const;  // Index into specs_, or -1.
  std::optional<std::string> set(int i, std::string_view flag, std::string_view value);

  std::vector<FlagSpec> specs_;
  std::vector<std::vector<std::string>> values_;  // Per spec: the values given, in order.
  std::vector<std::vector<std::string>> used_;    // Per spec: the names it was given under.
  std::vector<std::string> args_;                 // Positional arguments after parse().
};

// urfave/cli's reordering: known flags (and the argument after a flag without "=") first, then
// the remaining arguments; everything after a "--" stays behind it.
std::vector<std::string> reorder_args(const std::vector<FlagSpec>& specs,
                                      const std::vector<std::string>& args);

// Go's strconv.ParseBool, strconv.ParseInt(s, 0, 64) and time.ParseDuration.
bool parse_go_bool(std::string_view s, bool* out);
bool parse_go_int(std::string_view s, int64_t* out);
bool parse_go_duration(std::string_view s, std::chrono::nanoseconds* out);

// The global flags of etcdctl v2, plus --password (arborctl's addition).
std::vector<FlagSpec> global_flag_specs();

// Everything the global flags and the environment decide.
struct GlobalOptions {
  std::vector<std::string> endpoints;   // Each with a scheme ("http://" added when missing).
  std::string username;                 // Empty: no credentials.
  std::optional<std::string> password;  // Unset: prompt (when username has no ':').
  std::string output = "simple";
  bool debug = false;
  bool no_sync = false;
  std::chrono::nanoseconds timeout{};
  std::chrono::nanoseconds total_timeout{};
  std::string ca_file, cert_file, key_file;
};

using Getenv = std::function<std::optional<std::string>(const char*)>;
// Reads the process environment (an empty variable counts as unset, as in etcdctl).
std::optional<std::string> process_getenv(const char* name);

// Resolves the global options the way etcdctl does: --endpoints, then ETCDCTL_ENDPOINTS,
// --endpoint, ETCDCTL_ENDPOINT, --peers/-C, ETCDCTL_PEERS, then the default
// "http://127.0.0.1:2379,http://127.0.0.1:4001"; --username then ETCDCTL_USERNAME; the TLS files
// from their flags then ETCDCTL_CA_FILE, ETCDCTL_CERT_FILE, ETCDCTL_KEY_FILE; --password then
// ETCDCTL_PASSWORD. On a malformed endpoint returns Go's url.Parse error text in *error.
std::optional<GlobalOptions> resolve_global_options(const FlagSet& flags, const Getenv& getenv,
                                                    std::string* error);

// Splits "user:password" at the first colon; without a colon the password is unset.
void split_username(std::string_view flag, std::string* user, std::optional<std::string>* password);

}  // namespace arbor::cli
