#include "cli/flags.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace arbor::cli {
namespace {

// The names of a spec, split at commas and trimmed: "recursive, r" -> {"recursive", "r"}.
std::vector<std::string> names_of(const FlagSpec& spec) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= spec.names.size()) {
    size_t comma = spec.names.find(',', start);
    if (comma == std::string::npos) comma = spec.names.size();
    std::string name = spec.names.substr(start, comma - start);
    const size_t b = name.find_first_not_of(' ');
    const size_t e = name.find_last_not_of(' ');
    if (b != std::string::npos) out.push_back(name.substr(b, e - b + 1));
    start = comma + 1;
  }
  return out;
}

// Go's %q for the ASCII text flag values usually are.
std::string go_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

bool valid_value(FlagType type, std::string_view v) {
  bool b;
  int64_t i;
  std::chrono::nanoseconds d;
  switch (type) {
    case FlagType::kBool:
      return parse_go_bool(v, &b);
    case FlagType::kInt:
      return parse_go_int(v, &i);
    case FlagType::kDuration:
      return parse_go_duration(v, &d);
    default:
      return true;
  }
}

}  // namespace

FlagSet::FlagSet(std::vector<FlagSpec> specs)
    : specs_(std::move(specs)), values_(specs_.size()), used_(specs_.size()) {}

std::optional<std::string> FlagSet::check_forms() const {
  for (size_t i = 0; i < specs_.size(); ++i) {
    std::string first;
    for (const std::string& name : names_of(specs_[i])) {
      const auto& used = used_[i];
      if (std::find(used.begin(), used.end(), name) == used.end()) continue;
      if (!first.empty()) return "Cannot use two forms of the same flag: " + name + " " + first;
      first = name;
    }
  }
  return std::nullopt;
}

int FlagSet::find(std::string_view name) const {
  for (size_t i = 0; i < specs_.size(); ++i) {
    for (const std::string& n : names_of(specs_[i]))
      if (n == name) return static_cast<int>(i);
  }
  return -1;
}

std::optional<std::string> FlagSet::set(int i, std::string_view flag, std::string_view value) {
  const FlagSpec& spec = specs_[static_cast<size_t>(i)];
  if (!valid_value(spec.type, value)) {
    if (spec.type == FlagType::kBool)
      return "invalid boolean value " + go_quote(value) + " for -" + std::string(flag) +
             ": parse error";
    return "invalid value " + go_quote(value) + " for flag -" + std::string(flag) + ": parse error";
  }
  values_[static_cast<size_t>(i)].emplace_back(value);
  used_[static_cast<size_t>(i)].emplace_back(flag);
  return std::nullopt;
}

std::optional<std::string> FlagSet::parse(const std::vector<std::string>& args) {
  args_.clear();
  for (auto& v : values_) v.clear();
  for (auto& u : used_) u.clear();
  size_t i = 0;
  while (i < args.size()) {
    const std::string& s = args[i];
    if (s.size() < 2 || s[0] != '-') break;
    size_t minuses = 1;
    if (s[1] == '-') {
      minuses = 2;
      if (s.size() == 2) {  // "--" ends the flags and is consumed.
        ++i;
        break;
      }
    }
    std::string name = s.substr(minuses);
    if (name.empty() || name[0] == '-' || name[0] == '=') return "bad flag syntax: " + s;
    ++i;
    bool has_value = false;
    std::string value;
    if (const size_t eq = name.find('=', 1); eq != std::string::npos) {
      value = name.substr(eq + 1);
      has_value = true;
      name.resize(eq);
    }
    const int idx = find(name);
    if (idx < 0) return "flag provided but not defined: -" + name;
    if (specs_[static_cast<size_t>(idx)].type == FlagType::kBool) {
      if (auto err = set(idx, name, has_value ? value : "true")) return err;
      continue;
    }
    if (!has_value && i < args.size()) {
      value = args[i++];
      has_value = true;
    }
    if (!has_value) return "flag needs an argument: -" + name;
    if (auto err = set(idx, name, value)) return err;
  }
  args_.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  return std::nullopt;
}

bool FlagSet::is_set(std::string_view name) const {
  const int i = find(name);
  return i >= 0 && !values_[static_cast<size_t>(i)].empty();
}

std::string FlagSet::get_string(std::string_view name) const {
  const int i = find(name);
  if (i < 0) return "";
  const auto& v = values_[static_cast<size_t>(i)];
  return v.empty() ? specs_[static_cast<size_t>(i)].default_value : v.back();
}

bool FlagSet::get_bool(std::string_view name) const {
  bool b = false;
  parse_go_bool(get_string(name), &b);
  return b;
}

int64_t FlagSet::get_int(std::string_view name) const {
  int64_t v = 0;
  parse_go_int(get_string(name), &v);
  return v;
}

std::chrono::nanoseconds FlagSet::get_duration(std::string_view name) const {
  std::chrono::nanoseconds d{0};
  parse_go_duration(get_string(name), &d);
  return d;
}

std::vector<std::string> FlagSet::get_slice(std::string_view name) const {
  const int i = find(name);
  if (i < 0) return {};
  return values_[static_cast<size_t>(i)];
}

std::vector<std::string> reorder_args(const std::vector<FlagSpec>& specs,
                                      const std::vector<std::string>& args) {
  auto is_flag = [&](std::string arg) {
    if (arg == "-" || arg == "--" || arg.empty() || arg[0] != '-') return false;
    arg.erase(0, arg.rfind("--", 0) == 0 ? 2 : 1);
    arg = arg.substr(0, arg.find('='));
    for (const FlagSpec& s : specs)
      for (const std::string& n : names_of(s))
        if (n == arg) return true;
    return false;
  };
  std::vector<std::string> reordered, remaining;
  bool next_may_be_value = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (next_may_be_value && !is_flag(arg)) {
      // Any argument after a flag without '=' travels with it, even after a boolean flag;
      // Go's parser then stops at it, so later flags become arguments (etcdctl's quirk).
      next_may_be_value = false;
      reordered.push_back(arg);
    } else if (arg == "--") {
      remaining.insert(remaining.begin(), "--");
      remaining.insert(remaining.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                       args.end());
      break;
    } else if (is_flag(arg)) {
      reordered.push_back(arg);
      next_may_be_value = arg.find('=') == std::string::npos;
    } else {
      remaining.push_back(arg);
    }
  }
  reordered.insert(reordered.end(), remaining.begin(), remaining.end());
  return reordered;
}

bool parse_go_bool(std::string_view s, bool* out) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") {
    *out = true;
    return true;
  }
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") {
    *out = false;
    return true;
  }
  return false;
}

bool parse_go_int(std::string_view s, int64_t* out) {
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  int base = 10;
  if (s.size() > 1 && s[0] == '0') {
    const char p = static_cast<char>(s[1] | 0x20);
    if (p == 'x')
      base = 16, s.remove_prefix(2);
    else if (p == 'o')
      base = 8, s.remove_prefix(2);
    else if (p == 'b')
      base = 2, s.remove_prefix(2);
    else
      base = 8, s.remove_prefix(1);
    if (s.empty()) return false;
  }
  unsigned __int128 v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
      d = (c | 0x20) - 'a' + 10;
    else
      return false;
    if (d >= base) return false;
    v = v * static_cast<unsigned>(base) + static_cast<unsigned>(d);
    if (v > (static_cast<unsigned __int128>(1) << 63)) return false;
  }
  if (!neg && v == (static_cast<unsigned __int128>(1) << 63)) return false;
  *out = neg ? -static_cast<int64_t>(v - 1) - 1 : static_cast<int64_t>(v);
  return true;
}

bool parse_go_duration(std::string_view s, std::chrono::nanoseconds* out) {
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") {
    *out = std::chrono::nanoseconds(0);
    return true;
  }
  if (s.empty()) return false;
  long double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    long double v = 0;
    bool digits = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') v = v * 10 + (s[i++] - '0'), digits = true;
    if (i < s.size() && s[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        v += (s[i++] - '0') * scale;
        scale /= 10;
        digits = true;
      }
    }
    if (!digits) return false;
    size_t u = i;
    while (u < s.size() && !(s[u] == '.' || (s[u] >= '0' && s[u] <= '9'))) ++u;
    const std::string_view unit = s.substr(i, u - i);
    long double mult;
    if (unit == "ns")
      mult = 1;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs")
      mult = 1e3L;
    else if (unit == "ms")
      mult = 1e6L;
    else if (unit == "s")
      mult = 1e9L;
    else if (unit == "m")
      mult = 60e9L;
    else if (unit == "h")
      mult = 3600e9L;
    else
      return false;
    total += v * mult;
    s.remove_prefix(u);
  }
  if (total > 9.2e18L) return false;
  *out = std::chrono::nanoseconds(static_cast<int64_t>(neg ? -total : total));
  return true;
}

std::vector<FlagSpec> global_flag_specs() {
  return {
      {"debug", FlagType::kBool},
      {"no-sync", FlagType::kBool},
      {"output, o", FlagType::kString, "simple"},
      {"discovery-srv, D", FlagType::kString},
      {"insecure-discovery", FlagType::kBool},
      {"peers, C", FlagType::kString},
      {"endpoint", FlagType::kString},
      {"endpoints", FlagType::kString},
      {"cert-file", FlagType::kString},
      {"key-file", FlagType::kString},
      {"ca-file", FlagType::kString},
      {"username, u", FlagType::kString},
      {"password", FlagType::kString},
      {"timeout", FlagType::kDuration, "2s"},
      {"total-timeout", FlagType::kDuration, "5s"},
      {"help, h", FlagType::kBool},
      {"version, v", FlagType::kBool},
  };
}

std::optional<std::string> process_getenv(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

void split_username(std::string_view flag, std::string* user,
                    std::optional<std::string>* password) {
  const size_t colon = flag.find(':');
  if (colon == std::string_view::npos) {
    *user = std::string(flag);
    password->reset();
  } else {
    *user = std::string(flag.substr(0, colon));
    *password = std::string(flag.substr(colon + 1));
  }
}

std::optional<GlobalOptions> resolve_global_options(const FlagSet& flags, const Getenv& getenv,
                                                    std::string* error) {
  GlobalOptions o;
  auto flag_or_env = [&](const char* flag, const char* env) {
    std::string v = flags.get_string(flag);
    if (v.empty()) v = getenv(env).value_or("");
    return v;
  };
  std::string peers = flags.get_string("endpoints");
  if (peers.empty()) peers = getenv("ETCDCTL_ENDPOINTS").value_or("");
  if (peers.empty()) peers = flags.get_string("endpoint");
  if (peers.empty()) peers = getenv("ETCDCTL_ENDPOINT").value_or("");
  if (peers.empty()) peers = flags.get_string("peers");
  if (peers.empty()) peers = getenv("ETCDCTL_PEERS").value_or("");
  if (peers.empty()) peers = "http://127.0.0.1:2379,http://127.0.0.1:4001";
  size_t start = 0;
  while (true) {
    const size_t comma = peers.find(',', start);
    std::string ep = peers.substr(start, comma == std::string::npos ? comma : comma - start);
    if (ep.find("://") == std::string::npos) {
      // Go's url.Parse reads "host:port" as a scheme or fails on it; a bare host or path gets
      // "http://" as etcdctl adds the missing scheme.
      const size_t colon = ep.find(':');
      const size_t slash = ep.find('/');
      if (colon != std::string::npos && (slash == std::string::npos || colon < slash)) {
        const std::string scheme = ep.substr(0, colon);
        const bool valid_scheme = !scheme.empty() &&
                                  std::isalpha(static_cast<unsigned char>(scheme[0])) &&
                                  scheme.find_first_not_of(
                                      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                      "0123456789+-.") == std::string::npos;
        if (!valid_scheme) {
          *error = "parse \"" + ep + "\": first path segment in URL cannot contain colon";
          return std::nullopt;
        }
      } else {
        ep = "http://" + ep;
      }
    }
    o.endpoints.push_back(ep);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  const std::string user_flag = flag_or_env("username", "ETCDCTL_USERNAME");
  if (!user_flag.empty()) {
    split_username(user_flag, &o.username, &o.password);
    if (!o.password) {
      std::string pw = flags.get_string("password");
      if (!flags.is_set("password")) pw = getenv("ETCDCTL_PASSWORD").value_or("");
      if (flags.is_set("password") || getenv("ETCDCTL_PASSWORD")) o.password = pw;
    }
  }
  o.output = flags.get_string("output");
  o.debug = flags.get_bool("debug");
  o.no_sync = flags.get_bool("no-sync");
  o.timeout = flags.get_duration("timeout");
  o.total_timeout = flags.get_duration("total-timeout");
  o.ca_file = flag_or_env("ca-file", "ETCDCTL_CA_FILE");
  o.cert_file = flag_or_env("cert-file", "ETCDCTL_CERT_FILE");
  o.key_file = flag_or_env("key-file", "ETCDCTL_KEY_FILE");
  return o;
}

}  // namespace arbor::cli
