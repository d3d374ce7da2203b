#include "cli/commands.h"

#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/help.h"
#include "cli/snapshot.h"

extern char** environ;

namespace arbor::cli {
namespace {

using Json = nlohmann::json;

constexpr const char* kFormContentType = "application/x-www-form-urlencoded";
constexpr const char* kVersionText = "etcdctl version: 3.4.23\nAPI version: 2\n";

// ---------------------------------------------------------------- input

// argOrStdin: the argument at `i`, else all of stdin; nullopt when that is empty.
std::optional<std::string> arg_or_stdin(const std::vector<std::string>& args, size_t i) {
  if (i < args.size()) return args[i];
  std::string all((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  if (all.empty()) return std::nullopt;
  return all;
}

// speakeasy.Ask: the prompt on stdout, a line from the terminal without echo.
std::optional<std::string> ask_password(const std::string& prompt) {
  out(prompt);
  termios old{};
  const bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (tty) tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
  out("\n");  // speakeasy ends the prompt's line whether or not stdin is a terminal.
  if (!got && line.empty() && !std::cin.eof()) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) s += sep;
    s += v[i];
  }
  return s;
}

// Go's %q for the ASCII names etcdctl quotes (ETCD_NAME=...).
std::string go_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// ---------------------------------------------------------------- requests

// A PUT of the Go client's setAction.
struct SetOptions {
  std::string value;
  std::string prev_value;
  uint64_t prev_index = 0;
  std::optional<bool> prev_exist;  // nullopt: PrevIgnore.
  int64_t ttl = 0;
  bool dir = false;
};

HttpRequest set_request(std::string_view key, const SetOptions& o) {
  HttpRequest r;
  r.method = "PUT";
  r.path = keys_path(key);
  std::vector<std::pair<std::string, std::string>> form;
  if (o.dir) {
    r.query.emplace_back("dir", "true");
  } else {
    if (!o.prev_value.empty()) r.query.emplace_back("prevValue", o.prev_value);
    form.emplace_back("value", o.value);
  }
  if (o.prev_index != 0) r.query.emplace_back("prevIndex", std::to_string(o.prev_index));
  if (o.prev_exist) r.query.emplace_back("prevExist", *o.prev_exist ? "true" : "false");
  if (o.ttl > 0) form.emplace_back("ttl", std::to_string(o.ttl));
  r.body = encode_values(form);
  r.content_type = kFormContentType;
  return r;
}

HttpRequest get_request(std::string_view key, bool recursive, bool sorted, bool quorum) {
  HttpRequest r;
  r.path = keys_path(key);
  r.query = {{"recursive", recursive ? "true" : "false"},
             {"sorted", sorted ? "true" : "false"},
             {"quorum", quorum ? "true" : "false"}};
  return r;
}

// The JSON body of a failed auth or members call: {"message": "..."}; Go's decoding error
// otherwise.
std::string message_of(const HttpResponse& r) {
  Json j = Json::parse(r.body, nullptr, false);
  if (j.is_discarded()) {
    return r.body.empty()
               ? "unexpected end of JSON input"
               : "invalid character '" + r.body.substr(0, 1) + "' looking for beginning of value";
  }
  if (j.is_object() && j.contains("message") && j["message"].is_string())
    return j["message"].get<std::string>();
  return "";
}

std::string status_error(int status) { return "unexpected status code " + std::to_string(status); }

// A non-keys call (members, auth): the response or the error text.
struct ApiResult {
  std::optional<HttpResponse> response;
  std::string error;
  std::string detail;
};

ApiResult api_call(Session& s, HttpRequest req, Deadline deadline) {
  auto r = s.client->send(req, deadline);
  if (!r.ok()) return {std::nullopt, r.error().text(), r.error().detail()};
  return {std::move(r.value()), "", ""};
}

std::string json_list(const std::vector<std::string>& v) {
  Json j = Json::array();
  for (const auto& x : v) j.push_back(x);
  return j.dump();
}

// ---------------------------------------------------------------- members

struct Member {
  std::string id, name;
  std::vector<std::string> peer_urls, client_urls;
};

std::vector<std::string> string_list(const Json& j, const char* name) {
  std::vector<std::string> v;
  if (j.contains(name) && j[name].is_array())
    for (const Json& x : j[name])
      if (x.is_string()) v.push_back(x.get<std::string>());
  return v;
}

Member member_from(const Json& j) {
  Member m;
  if (!j.is_object()) return m;
  if (j.contains("id") && j["id"].is_string()) m.id = j["id"].get<std::string>();
  if (j.contains("name") && j["name"].is_string()) m.name = j["name"].get<std::string>();
  m.peer_urls = string_list(j, "peerURLs");
  m.client_urls = string_list(j, "clientURLs");
  return m;
}

// GET /v2/members: the members, or the error text.
std::optional<std::vector<Member>> list_members(Session& s, Deadline deadline, std::string* error,
                                                std::string* detail = nullptr) {
  HttpRequest req;
  req.path = "/v2/members";
  ApiResult r = api_call(s, req, deadline);
  if (!r.response) {
    *error = r.error;
    if (detail) *detail = r.detail;
    return std::nullopt;
  }
  if (r.response->status != 200) {
    *error = status_error(r.response->status);
    return std::nullopt;
  }
  Json j = Json::parse(r.response->body, nullptr, false);
  if (j.is_discarded()) {
    *error = message_of(*r.response);
    return std::nullopt;
  }
  std::vector<Member> out;
  if (j.is_object() && j.contains("members") && j["members"].is_array())
    for (const Json& m : j["members"]) out.push_back(member_from(m));
  return out;
}

// types.NewURLs' checks on a peer URL; "" when valid.
std::string check_peer_url(const std::string& u) {
  const size_t se = u.find("://");
  const std::string scheme = se == std::string::npos ? "" : u.substr(0, se);
  if (scheme != "http" && scheme != "https" && scheme != "unix" && scheme != "unixs")
    return "URL scheme must be http, https, unix, or unixs: " + u;
  const std::string rest = u.substr(se + 3);
  const size_t slash = rest.find('/');
  const std::string host = rest.substr(0, slash);
  if (host.find(':') == std::string::npos)
    return "URL address does not have the form \"host:port\": " + u;
  if (slash != std::string::npos && rest.size() > slash) return "URL must not contain a path: " + u;
  return "";
}

// ---------------------------------------------------------------- key commands

int print_response(const Session& s, const KeysResponse& r) {
  bool unsupported = false;
  const std::string text = format_response(r, s.global.output, &unsupported);
  if (unsupported) err("Unsupported output format: " + s.global.output + "\n");
  out(text);
  return kExitSuccess;
}

int cmd_get(Session& s) {
  if (int rc = connect(s, true)) return rc;
  if (s.args.empty()) return handle_error(kExitBadArgs, "key required");
  const std::string& key = s.args[0];
  KeysResult r =
      keys_call(s, get_request(key, false, s.flags->get_bool("sort"), s.flags->get_bool("quorum")),
                s.deadline());
  if (!r.response) return handle_error(kExitServerError, r.error, r.detail);
  if (r.response->node && r.response->node->dir) {
    err(r.response->node->key + ": is a directory\n");
    return kExitBadArgs;
  }
  return print_response(s, *r.response);
}

int cmd_ls(Session& s) {
  if (int rc = connect(s, true)) return rc;
  const std::string key = s.args.empty() ? "/" : s.args[0];
  KeysResult r = keys_call(s,
                           get_request(key, s.flags->get_bool("recursive"),
                                       s.flags->get_bool("sort"), s.flags->get_bool("quorum")),
                           s.deadline());
  if (!r.response) return handle_error(kExitServerError, r.error, r.detail);
  if (s.global.output == "simple") {
    out(format_ls(*r.response, s.flags->get_bool("p")));
    return kExitSuccess;
  }
  return print_response(s, *r.response);
}

int cmd_mk(Session& s) {
  if (int rc = connect(s, true)) return rc;
  if (s.args.empty()) return handle_error(kExitBadArgs, "key required");
  auto value = arg_or_stdin(s.args, 1);
  if (!value) return handle_error(kExitBadArgs, "value required");
  const int64_t ttl = s.flags->get_int("ttl");
  HttpRequest req;
  if (!s.flags->get_bool("in-order")) {
    SetOptions o;
    o.value = *value;
    o.prev_exist = false;
    o.ttl = ttl;
    req = set_request(s.args[0], o);
  } else {
    req.method = "POST";
    req.path = keys_path(s.args[0]);
    std::vector<std::pair<std::string, std::string>> form{{"value", *value}};
    if (ttl > 0) form.emplace_back("ttl", std::to_string(ttl));
    req.body = encode_values(form);
    req.content_type = kFormContentType;
  }
  KeysResult r = keys_call(s, req, s.deadline());
  if (!r.response) return handle_error(kExitServerError, r.error, r.detail);
  return print_response(s, *r.response);
}

// mkdir (prev_exist false), setdir (ignored), updatedir (true).
int dir_command(Session& s, std::optional<bool> prev_exist) {
  if (int rc = connect(s, true)) return rc;
  if (s.args.empty()) return handle_error(kExitBadArgs, "key required");
  SetOptions o;
  o.prev_exist = prev_exist;
  o.ttl = s.flags->get_int("ttl");
  o.dir = true;
  KeysResult r = keys_call(s, set_request(s.args[0], o), s.deadline());
  if (!r.response) return handle_error(kExitServerError, r.error, r.detail);
  if (s.global.output != "simple") return print_response(s, *r.response);
  return kExitSuccess;
}

int cmd_mkdir(Session& s) { return dir_command(s, false); }
int cmd_setdir(Session& s) { return dir_command(s, std::nullopt); }
int cmd_updatedir(Session& s) { return dir_command(s, true); }

int delete_command(Session& s, bool dir, bool recursive, const std::string& prev_value,
                   uint64_t prev_index) {
  if (s.args.empty()) return handle_error(kExitBadArgs, "key required");
  HttpRequest req;
  req.method = "DELETE";
  req.path = keys_path(s.args[0]);
  if (!prev_value.empty()) req.query.emplace_back("prevValue", prev_value);
  if (prev_index != 0) req.query.emplace_back("prevIndex", std::to_string(prev_index));
  if (dir) req.query.emplace_back("dir", "true");
  if (recursive) req.query.emplace_back("recursive", "true");
  req.content_type = kFormContentType;
  KeysResult r = keys_call(s, req, s.deadline());
  if (!r.response) return handle_error(kExitServerError, r.error, r.detail);
  const bool is_dir = r.response->node && r.response->node->dir;
  if (!is_dir || s.global.output != "simple") return print_response(s, *r.response);
  return kExitSuccess;
}

int cmd_rm(Session& s) {
  if (int rc = connect(s, true)) return rc;
  return delete_command(s, s.flags->get_bool("dir"), s.flags->get_bool("recursive"),
                        s.flags->get_string("with-value"),
                        static_cast<uint64_t>(s.flags->get_int("with-index")));
}

int cmd_rmdir(Session& s) {
  if (int rc = connect(s, true)) return rc;
  return delete_command(s, true, false, "", 0);
}

int cmd_set(Session& s) {
  if (int rc = connect(s, true)) return rc;
  if (s.args.empty()) return handle_error(kExitBadArgs, "key required");
  auto value = arg_or_stdin(s.args, 1);
  if (!value) return handle_error(kExitBadArgs, "value required");
  SetOptions o;
  o.value = *value;
  o.prev_value = s.flags->get_string("swap-with-value");
  o.prev_index = static_cast<uint64_t>(s.flags->get_int("swap-with-index"));
  o.ttl = s.flags->get_int("ttl");
  KeysResult r = keys_call(s, set_request(s.args[0], o), s.deadline());
  if (!r.response) return handle_error(kExitServerError, r.error, r.detail);
  return print_response(s, *r.response);
}

int cmd_update(Session& s) {
  if (int rc = connect(s, true)) return rc;
  if (s.args.empty()) return handle_error(kExitBadArgs, "key required");
  auto value = arg_or_stdin(s.args, 1);
  if (!value) return handle_error(kExitBadArgs, "value required");
  SetOptions o;
  o.value = *value;
  o.prev_exist = true;
  o.ttl = s.flags->get_int("ttl");
  KeysResult r = keys_call(s, set_request(s.args[0], o), s.deadline());
  if (!r.response) return handle_error(kExitServerError, r.error, r.detail);
  return print_response(s, *r.response);
}

// ---------------------------------------------------------------- watches

void exit_zero_on_sigint() {
  struct sigaction sa {};
  sa.sa_handler = [](int) { _exit(0); };
  sigaction(SIGINT, &sa, nullptr);
}

// The Go client's httpWatcher: long polls from `wait_index`, skipping empty bodies.
class Watcher {
 public:
  Watcher(Session& s, std::string key, uint64_t after_index, bool recursive)
      : s_(s),
        key_(std::move(key)),
        wait_index_(after_index > 0 ? after_index + 1 : 0),
        recursive_(recursive) {}

  KeysResult next() {
    while (true) {
      HttpRequest req;
      req.path = keys_path(key_);
      req.query = {{"wait", "true"},
                   {"waitIndex", std::to_string(wait_index_)},
                   {"recursive", recursive_ ? "true" : "false"}};
      req.wait = true;
      KeysResult r = keys_call(s_, req, std::nullopt);
      if (r.empty_body) continue;
      if (r.response && r.response->node) wait_index_ = r.response->node->modified_index + 1;
      return r;
    }
  }

 private:
  Session& s_;
  std::string key_;
  uint64_t wait_index_;
  bool recursive_;
};

int cmd_watch(Session& s) {
  if (int rc = connect(s, true)) return rc;
  if (s.args.empty()) return handle_error(kExitBadArgs, "key required");
  const bool recursive = s.flags->get_bool("recursive");
  const bool forever = s.flags->get_bool("forever");
  Watcher w(s, s.args[0], static_cast<uint64_t>(s.flags->get_int("after-index")), recursive);
  exit_zero_on_sigint();
  while (true) {
    KeysResult r = w.next();
    if (!r.response) return handle_error(kExitServerError, r.error, r.detail);
    if (r.response->node && r.response->node->dir) continue;
    if (recursive)
      out("[" + r.response->action + "] " + (r.response->node ? r.response->node->key : "") + "\n");
    print_response(s, *r.response);
    if (!forever) return kExitSuccess;
  }
}

// Finds `file` as exec.LookPath does; "" when not found.
std::string look_path(const std::string& file) {
  if (file.find('/') != std::string::npos) return access(file.c_str(), X_OK) == 0 ? file : "";
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "";
  size_t start = 0;
  while (true) {
    const size_t colon = p.find(':', start);
    std::string dir = p.substr(start, colon == std::string::npos ? colon : colon - start);
    if (dir.empty()) dir = ".";
    const std::string cand = dir + "/" + file;
    if (access(cand.c_str(), X_OK) == 0) return cand;
    if (colon == std::string::npos) return "";
    start = colon + 1;
  }
}

int cmd_exec_watch(Session& s) {
  if (int rc = connect(s, true)) return rc;
  const auto& args = s.args;
  if (args.size() < 2) return handle_error(kExitBadArgs, "key and command to exec required");
  std::string key;
  std::vector<std::string> cmd;
  bool found_sep = false;
  for (size_t i = 1; i < args.size(); ++i) found_sep = found_sep || args[i] == "--";
  if (found_sep) {
    // With a flag before them, urfave/cli keeps "key -- cmd..." in order.
    key = args[0];
    cmd.assign(args.begin() + 2, args.end());
  } else {
    // Without flags the "--" is consumed and the key is the last argument (etcdctl's quirk).
    key = args.back();
    cmd.assign(args.begin(), args.end() - 1);
  }
  const std::string exe = cmd.empty() ? "" : look_path(cmd[0]);
  Watcher w(s, key, static_cast<uint64_t>(s.flags->get_int("after-index")),
            s.flags->get_bool("recursive"));
  exit_zero_on_sigint();
  signal(SIGCHLD, SIG_IGN);  // The commands run concurrently; nobody waits for them.
  while (true) {
    KeysResult r = w.next();
    if (!r.response) return handle_error(kExitServerError, r.error, r.detail);
    const Node node = r.response->node.value_or(Node{});
    if (node.dir) {
      err("Ignored dir " + node.key + " change\n");
      continue;
    }
    if (exe.empty()) {
      err(cmd.empty() ? "exec: no command"
                      : "exec: \"" + cmd[0] + "\": executable file not found in $PATH");
      return kExitBadArgs;
    }
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
    env.push_back("ETCD_WATCH_ACTION=" + r.response->action);
    env.push_back("ETCD_WATCH_MODIFIED_INDEX=" + std::to_string(node.modified_index));
    env.push_back("ETCD_WATCH_KEY=" + node.key);
    env.push_back("ETCD_WATCH_VALUE=" + node.value);
    std::fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0) {
      std::vector<char*> argv, envp;
      for (auto& a : cmd) argv.push_back(a.data());
      argv.push_back(nullptr);
      for (auto& e : env) envp.push_back(e.data());
      envp.push_back(nullptr);
      execve(exe.c_str(), argv.data(), envp.data());
      _exit(127);
    }
  }
}

// ---------------------------------------------------------------- members and health

int cmd_member_list(Session& s) {
  if (!s.args.empty()) {
    err("No arguments accepted\n");
    return kExitBadArgs;
  }
  if (int rc = connect(s, true)) return rc;
  const Deadline deadline = s.deadline();
  std::string error;
  auto members = list_members(s, deadline, &error);
  if (!members) {
    err(error + "\n");
    return kExitBadArgs;
  }
  HttpRequest req;
  req.path = "/v2/members/leader";
  ApiResult lr = api_call(s, req, deadline);
  if (!lr.response || lr.response->status != 200) {
    err("Failed to get leader:  " + (lr.response ? status_error(lr.response->status) : lr.error) +
        "\n");
    return kExitBadArgs;
  }
  Json lj = Json::parse(lr.response->body, nullptr, false);
  if (lj.is_discarded()) {
    err("Failed to get leader:  " + message_of(*lr.response) + "\n");
    return kExitBadArgs;
  }
  const Member leader = member_from(lj);
  for (const Member& m : *members) {
    if (m.name.empty()) {
      out(m.id + "[unstarted]: peerURLs=" + join(m.peer_urls, ",") + "\n");
    } else {
      out(m.id + ": name=" + m.name + " peerURLs=" + join(m.peer_urls, ",") + " clientURLs=" +
          join(m.client_urls, ",") + " isLeader=" + (m.id == leader.id ? "true" : "false") + "\n");
    }
  }
  return kExitSuccess;
}

int cmd_member_add(Session& s) {
  if (s.args.size() != 2) {
    err("Provide a name and a single member peerURL\n");
    return kExitBadArgs;
  }
  if (int rc = connect(s, true)) return rc;
  const Deadline deadline = s.deadline();
  const std::string& name = s.args[0];
  const std::string& url = s.args[1];
  if (std::string bad = check_peer_url(url); !bad.empty()) {
    err(bad + "\n");
    return kExitBadArgs;
  }
  HttpRequest req;
  req.method = "POST";
  req.path = "/v2/members";
  req.body = "{\"peerURLs\":" + json_list({url}) + "}";
  req.content_type = "application/json";
  ApiResult r = api_call(s, req, deadline);
  std::string error;
  if (!r.response) {
    error = r.error;
  } else if (r.response->status == 409) {
    error = message_of(*r.response);
  } else if (r.response->status != 201) {
    error = status_error(r.response->status);
  }
  if (!error.empty()) {
    err(error + "\n");
    return kExitBadArgs;
  }
  const Member added = member_from(Json::parse(r.response->body, nullptr, false));
  out("Added member named " + name + " with ID " + added.id + " to cluster\n");
  auto members = list_members(s, deadline, &error);
  if (!members) {
    err(error + "\n");
    return kExitBadArgs;
  }
  std::vector<std::string> conf;
  for (const Member& m : *members)
    for (const std::string& u : m.peer_urls)
      conf.push_back((m.id == added.id ? name : m.name) + "=" + u);
  out("\nETCD_NAME=" + go_quote(name) + "\n");
  out("ETCD_INITIAL_CLUSTER=" + go_quote(join(conf, ",")) + "\n");
  out("ETCD_INITIAL_CLUSTER_STATE=\"existing\"\n");
  return kExitSuccess;
}

int cmd_member_remove(Session& s) {
  if (s.args.size() != 1) {
    err("Provide a single member ID\n");
    return kExitBadArgs;
  }
  const std::string id = s.args[0];
  if (int rc = connect(s, true)) return rc;
  const Deadline deadline = s.deadline();
  std::string error;
  auto members = list_members(s, deadline, &error);
  if (!members) {
    err("Error while verifying ID against known members: " + error + "\n");
    return kExitBadArgs;
  }
  bool found = false;
  for (const Member& m : *members) {
    if (m.id == id) found = true;
    if (m.name == id) {
      err("Found a member named " + m.name + "; if this is correct, please use its ID, eg:\n\t" +
          "etcdctl member remove " + m.id + "\n");
      err("For more details, read the documentation at "
          "https://github.com/etcd-io/etcd/blob/master/Documentation/"
          "runtime-configuration.md#remove-a-member\n\n");
    }
  }
  if (!found) {
    err("Couldn't find a member in the cluster with an ID of " + id + ".\n");
    return kExitBadArgs;
  }
  HttpRequest req;
  req.method = "DELETE";
  req.path = "/v2/members/" + escape_path(id);
  ApiResult r = api_call(s, req, deadline);
  if (!r.response || (r.response->status != 204 && r.response->status != 410)) {
    err("Received an error trying to remove member " + id + ": " +
        (r.response ? status_error(r.response->status) : r.error));
    return kExitBadArgs;
  }
  out("Removed member " + id + " from cluster\n");
  return kExitSuccess;
}

int cmd_member_update(Session& s) {
  if (s.args.size() != 2) {
    err("Provide an ID and a list of comma separated peerURL (0xabcd "
        "http://example.com,http://example1.com)\n");
    return kExitBadArgs;
  }
  if (int rc = connect(s, true)) return rc;
  const std::string& id = s.args[0];
  std::vector<std::string> urls;
  size_t start = 0;
  while (true) {
    const size_t c = s.args[1].find(',', start);
    urls.push_back(s.args[1].substr(start, c == std::string::npos ? c : c - start));
    if (c == std::string::npos) break;
    start = c + 1;
  }
  for (const auto& u : urls) {
    if (std::string bad = check_peer_url(u); !bad.empty()) {
      err(bad + "\n");
      return kExitBadArgs;
    }
  }
  std::sort(urls.begin(), urls.end());
  HttpRequest req;
  req.method = "PUT";
  req.path = "/v2/members/" + escape_path(id);
  req.body = "{\"peerURLs\":" + json_list(urls) + "}";
  req.content_type = "application/json";
  ApiResult r = api_call(s, req, s.deadline());
  std::string error;
  if (!r.response) {
    error = r.error;
  } else if (r.response->status == 404 || r.response->status == 409) {
    error = message_of(*r.response);
  } else if (r.response->status != 204) {
    error = status_error(r.response->status);
  }
  if (!error.empty()) {
    err(error + "\n");
    return kExitBadArgs;
  }
  out("Updated member with ID " + id + " in cluster\n");
  return kExitSuccess;
}

int cmd_cluster_health(Session& s) {
  const bool forever = s.flags->get_bool("forever");
  if (forever) exit_zero_on_sigint();
  if (int rc = connect(s, false)) return rc;
  std::string error, detail;
  auto members = list_members(s, std::nullopt, &error, &detail);
  if (!members) {
    out("cluster may be unhealthy: failed to list members\n");
    return handle_error(kExitServerError, error, detail);
  }
  while (true) {
    size_t healthy = 0;
    for (const Member& m : *members) {
      if (m.client_urls.empty()) {
        out("member " + m.id + " is unreachable: no available published client urls\n");
        continue;
      }
      bool checked = false;
      for (const std::string& url : m.client_urls) {
        // A plain GET with the TLS files but without credentials, as etcdctl's http.Client.
        ClientConfig cfg;
        cfg.endpoints = {url};
        cfg.ca_file = s.global.ca_file;
        cfg.cert_file = s.global.cert_file;
        cfg.key_file = s.global.key_file;
        Client hc(cfg);
        HttpRequest req;
        req.path = "/health";
        req.any_status = true;  // A plain http.Client: a 503 still carries {"health":"false"}.
        auto r = hc.send(req, std::nullopt);
        if (!r.ok()) {
          const std::string e = r.error().errors.empty() ? r.error().text() : r.error().errors[0];
          out("failed to check the health of member " + m.id + " on " + url + ": Get \"" + url +
              "/health\": " + e + "\n");
          continue;
        }
        Json j = Json::parse(r->body, nullptr, false);
        if (j.is_discarded() || !j.is_object()) {
          out("failed to check the health of member " + m.id + " on " + url + ": " +
              message_of(*r) + "\n");
          continue;
        }
        checked = true;
        bool ok = false;
        for (auto it = j.begin(); it != j.end(); ++it) {
          std::string k = it.key();
          std::transform(k.begin(), k.end(), k.begin(), ::tolower);
          if (k != "health") continue;
          ok = (it->is_string() && it->get<std::string>() == "true") ||
               (it->is_boolean() && it->get<bool>());
        }
        if (ok) {
          out("member " + m.id + " is healthy: got healthy result from " + url + "\n");
          ++healthy;
        } else {
          out("member " + m.id + " is unhealthy: got unhealthy result from " + url + "\n");
        }
        break;
      }
      if (!checked)
        out("member " + m.id + " is unreachable: [" + join(m.client_urls, " ") +
            "] are all unreachable\n");
    }
    if (healthy == members->size()) {
      out("cluster is healthy\n");
    } else if (healthy == 0) {
      out("cluster is unavailable\n");
    } else {
      out("cluster is degraded\n");
    }
    if (!forever) return healthy == members->size() ? kExitSuccess : kExitClusterNotHealthy;
    out("\nnext check after 10 second...\n\n");
    std::this_thread::sleep_for(std::chrono::seconds(10));
  }
}

// ---------------------------------------------------------------- auth, users, roles

std::string auth_path(std::string_view action, std::string_view name) {
  std::string p = "/v2/auth/" + std::string(action);
  if (!name.empty()) p += "/" + std::string(name);
  return escape_path(clean_path(p));
}

// An auth call that succeeds on one of `ok_statuses`; otherwise *error is the message.
std::optional<HttpResponse> auth_call(Session& s, HttpRequest req, std::vector<int> ok_statuses,
                                      std::string* error, bool status_only = false) {
  ApiResult r = api_call(s, std::move(req), s.deadline());
  if (!r.response) {
    *error = r.error;
    return std::nullopt;
  }
  if (std::find(ok_statuses.begin(), ok_statuses.end(), r.response->status) == ok_statuses.end()) {
    *error = status_only ? status_error(r.response->status) : message_of(*r.response);
    return std::nullopt;
  }
  return std::move(r.response);
}

int fail(const std::string& error) {
  err(error + "\n");
  return kExitBadArgs;
}

int cmd_auth(Session& s, bool enable) {
  if (!s.args.empty()) return fail("No arguments accepted");
  if (int rc = connect(s, true)) return rc;
  if (s.global.debug) err("Cluster-Endpoints: " + join(s.client->endpoints(), ", ") + "\n");
  HttpRequest req;
  req.method = enable ? "PUT" : "DELETE";
  req.path = auth_path("enable", "");
  std::string error;
  if (!auth_call(s, req, {200, 201}, &error)) return fail(error);
  out(enable ? "Authentication Enabled\n" : "Authentication Disabled\n");
  return kExitSuccess;
}

// mustUserAPIAndName / mustRoleAPIAndName: exactly one name, then the client.
int name_and_connect(Session& s, const char* missing) {
  if (s.args.size() != 1) return fail(missing);
  if (int rc = connect(s, true)) return rc;
  if (s.global.debug) err("Cluster-Endpoints: " + join(s.client->endpoints(), ", ") + "\n");
  return 0;
}

std::string user_json(const std::string& user, const std::optional<std::string>& password,
                      const char* list_field = nullptr,
                      const std::vector<std::string>& roles = {}) {
  std::string j = "{\"user\":" + Json(user).dump();
  if (password && !password->empty()) j += ",\"password\":" + Json(*password).dump();
  j += ",\"roles\":null";
  if (list_field) j += std::string(",\"") + list_field + "\":" + json_list(roles);
  return j + "}";
}

int cmd_user_list(Session& s) {
  if (!s.args.empty()) return fail("No arguments accepted");
  if (int rc = connect(s, true)) return rc;
  if (s.global.debug) err("Cluster-Endpoints: " + join(s.client->endpoints(), ", ") + "\n");
  HttpRequest req;
  req.path = auth_path("users", "");
  std::string error;
  auto r = auth_call(s, req, {200}, &error);
  if (!r) return fail(error);
  Json j = Json::parse(r->body, nullptr, false);
  if (j.is_object() && j.contains("users") && j["users"].is_array()) {
    for (const Json& u : j["users"]) {
      if (u.is_string())
        out(u.get<std::string>() + "\n");
      else if (u.is_object() && u.contains("user") && u["user"].is_string())
        out(u["user"].get<std::string>() + "\n");
    }
  }
  return kExitSuccess;
}

int cmd_user_add(Session& s) {
  if (int rc = name_and_connect(s, "Please provide a username")) return rc;
  std::string user;
  std::optional<std::string> pass;
  split_username(s.args[0], &user, &pass);
  if (!pass) {
    pass = ask_password("New password: ");
    if (!pass) return fail("Error reading password: EOF");
  }
  HttpRequest req;
  req.method = "PUT";
  req.path = auth_path("users", user);
  req.body = user_json(user, pass);
  req.content_type = "application/json";
  std::string error;
  if (!auth_call(s, req, {200, 201}, &error)) return fail(error);
  out("User " + user + " created\n");
  return kExitSuccess;
}

int cmd_user_remove(Session& s) {
  if (int rc = name_and_connect(s, "Please provide a username")) return rc;
  HttpRequest req;
  req.method = "DELETE";
  req.path = auth_path("users", s.args[0]);
  std::string error;
  if (!auth_call(s, req, {200, 201}, &error)) return fail(error);
  out("User " + s.args[0] + " removed\n");
  return kExitSuccess;
}

int cmd_user_passwd(Session& s) {
  if (int rc = name_and_connect(s, "Please provide a username")) return rc;
  auto pass = ask_password("New password: ");
  if (!pass) return fail("Error reading password: EOF");
  HttpRequest req;
  req.method = "PUT";
  req.path = auth_path("users", s.args[0]);
  req.body = user_json(s.args[0], pass);
  req.content_type = "application/json";
  std::string error;
  if (!auth_call(s, req, {200}, &error)) return fail(error);
  out("Password updated\n");
  return kExitSuccess;
}

int cmd_user_grant_revoke(Session& s, bool grant) {
  const std::vector<std::string> roles = s.flags->get_slice("roles");
  if (roles.empty()) return fail("No roles specified; please use `--roles`");
  if (int rc = name_and_connect(s, "Please provide a username")) return rc;
  HttpRequest req;
  req.method = "PUT";
  req.path = auth_path("users", s.args[0]);
  req.body = user_json(s.args[0], std::nullopt, grant ? "grant" : "revoke", roles);
  req.content_type = "application/json";
  std::string error;
  if (!auth_call(s, req, {200}, &error)) return fail(error);
  out("User " + s.args[0] + " updated\n");
  return kExitSuccess;
}

int cmd_user_get(Session& s) {
  if (int rc = name_and_connect(s, "Please provide a username")) return rc;
  HttpRequest req;
  req.path = auth_path("users", s.args[0]);
  std::string error;
  auto r = auth_call(s, req, {200}, &error);
  if (!r) return fail(error);
  Json j = Json::parse(r->body, nullptr, false);
  std::string user;
  std::vector<std::string> roles;
  if (j.is_object()) {
    if (j.contains("user") && j["user"].is_string()) user = j["user"].get<std::string>();
    if (j.contains("roles") && j["roles"].is_array()) {
      // The Go client first decodes "roles" as strings; role objects leave an empty string
      // each before it falls back to their names, so etcdctl prints one extra space per role.
      std::vector<std::string> names;
      bool objects = false;
      for (const Json& role : j["roles"]) {
        if (role.is_string()) {
          names.push_back(role.get<std::string>());
        } else {
          objects = true;
          names.push_back(role.is_object() && role.contains("role") && role["role"].is_string()
                              ? role["role"].get<std::string>()
                              : std::string());
        }
      }
      if (objects) roles.assign(names.size(), "");
      roles.insert(roles.end(), names.begin(), names.end());
    }
  }
  out("User: " + user + "\nRoles: " + join(roles, " ") + "\n");
  return kExitSuccess;
}

std::optional<Json> get_role(Session& s, const std::string& role, std::string* error) {
  HttpRequest req;
  req.path = auth_path("roles", role);
  auto r = auth_call(s, req, {200}, error);
  if (!r) return std::nullopt;
  Json j = Json::parse(r->body, nullptr, false);
  if (j.is_discarded()) {
    *error = message_of(*r);
    return std::nullopt;
  }
  return j;
}

int cmd_role_list(Session& s) {
  if (!s.args.empty()) return fail("No arguments accepted");
  if (int rc = connect(s, true)) return rc;
  if (s.global.debug) err("Cluster-Endpoints: " + join(s.client->endpoints(), ", ") + "\n");
  HttpRequest req;
  req.path = auth_path("roles", "");
  std::string error;
  auto r = auth_call(s, req, {200}, &error, /*status_only=*/true);
  if (!r) return fail(error);
  Json j = Json::parse(r->body, nullptr, false);
  if (j.is_object() && j.contains("roles") && j["roles"].is_array())
    for (const Json& role : j["roles"])
      out((role.is_object() && role.contains("role") && role["role"].is_string()
               ? role["role"].get<std::string>()
               : std::string()) +
          "\n");
  return kExitSuccess;
}

int cmd_role_add(Session& s) {
  if (int rc = name_and_connect(s, "Please provide a role name")) return rc;
  const std::string& role = s.args[0];
  std::string error;
  if (get_role(s, role, &error)) return fail("Role " + role + " already exists");
  HttpRequest req;
  req.method = "PUT";
  req.path = auth_path("roles", role);
  req.body = "{\"role\":" + Json(role).dump() +
             ",\"permissions\":{\"kv\":{\"read\":null,\"write\":null}}}";
  req.content_type = "application/json";
  if (!auth_call(s, req, {200, 201}, &error)) return fail(error);
  out("Role " + role + " created\n");
  return kExitSuccess;
}

int cmd_role_remove(Session& s) {
  if (int rc = name_and_connect(s, "Please provide a role name")) return rc;
  HttpRequest req;
  req.method = "DELETE";
  req.path = auth_path("roles", s.args[0]);
  std::string error;
  if (!auth_call(s, req, {200, 201}, &error)) return fail(error);
  out("Role " + s.args[0] + " removed\n");
  return kExitSuccess;
}

int cmd_role_get(Session& s) {
  if (int rc = name_and_connect(s, "Please provide a role name")) return rc;
  std::string error;
  auto j = get_role(s, s.args[0], &error);
  if (!j) return fail(error);
  std::string text =
      "Role: " +
      (j->contains("role") && (*j)["role"].is_string() ? (*j)["role"].get<std::string>()
                                                       : std::string()) +
      "\n";
  auto perms = [&](const char* which) {
    std::string t;
    const Json* kv = nullptr;
    if (j->contains("permissions") && (*j)["permissions"].is_object() &&
        (*j)["permissions"].contains("kv"))
      kv = &(*j)["permissions"]["kv"];
    if (kv && kv->is_object() && kv->contains(which) && (*kv)[which].is_array())
      for (const Json& p : (*kv)[which])
        if (p.is_string()) t += "\t" + p.get<std::string>() + "\n";
    return t;
  };
  text += "KV Read:\n" + perms("read") + "KV Write:\n" + perms("write");
  out(text);
  return kExitSuccess;
}

int cmd_role_grant_revoke(Session& s, bool grant) {
  const std::string path = s.flags->get_string("path");
  if (path.empty()) return fail("No path specified; please use `--path`");
  if (canonical_url_path(path) != path)
    return fail("Not canonical path; please use `--path=" + canonical_url_path(path) + "`");
  const bool read = s.flags->get_bool("read");
  const bool write = s.flags->get_bool("write");
  const bool rw = s.flags->get_bool("readwrite");
  if (int(read) + int(write) + int(rw) != 1)
    return fail("Please specify exactly one of --read, --write or --readwrite");
  if (int rc = name_and_connect(s, "Please provide a role name")) return rc;
  const std::string& role = s.args[0];
  std::string error;
  auto current = get_role(s, role, &error);
  if (!current) return fail(error);
  const std::string list = json_list({path});
  const std::string kv = std::string("{\"kv\":{\"read\":") + (read || rw ? list : "null") +
                         ",\"write\":" + (write || rw ? list : "null") + "}}";
  HttpRequest req;
  req.method = "PUT";
  req.path = auth_path("roles", role);
  req.body = "{\"role\":" + Json(role).dump() +
             ",\"permissions\":{\"kv\":{\"read\":null,\"write\":null}},\"" +
             (grant ? "grant" : "revoke") + "\":" + kv + "}";
  req.content_type = "application/json";
  auto r = auth_call(s, req, {200}, &error);
  if (!r) return fail(error);
  if (Json::parse(r->body, nullptr, false) == *current)
    out(grant ? "Role unchanged; already granted" : "Role unchanged; already revoked");
  out("Role " + role + " updated\n");
  return kExitSuccess;
}


// ---------------------------------------------------------------- the command table

struct Command {
  std::string name;  // "set", "member add"
  std::vector<FlagSpec> flags;
  std::function<int(Session&)> action;
};

const std::vector<Command>& commands() {
  static const auto* table = new std::vector<Command>{
      {"backup",
       {{"data-dir", FlagType::kString},
        {"wal-dir", FlagType::kString},
        {"backup-dir", FlagType::kString},
        {"backup-wal-dir", FlagType::kString},
        {"with-v3", FlagType::kBool}},
       cmd_backup},
      {"cluster-health", {{"forever, f", FlagType::kBool}}, cmd_cluster_health},
      {"mk", {{"in-order", FlagType::kBool}, {"ttl", FlagType::kInt, "0"}}, cmd_mk},
      {"mkdir", {{"ttl", FlagType::kInt, "0"}}, cmd_mkdir},
      {"rm",
       {{"dir", FlagType::kBool},
        {"recursive, r", FlagType::kBool},
        {"with-value", FlagType::kString},
        {"with-index", FlagType::kInt, "0"}},
       cmd_rm},
      {"rmdir", {}, cmd_rmdir},
      {"get", {{"sort", FlagType::kBool}, {"quorum, q", FlagType::kBool}}, cmd_get},
      {"ls",
       {{"sort", FlagType::kBool},
        {"recursive, r", FlagType::kBool},
        {"p", FlagType::kBool},
        {"quorum, q", FlagType::kBool}},
       cmd_ls},
      {"set",
       {{"ttl", FlagType::kInt, "0"},
        {"swap-with-value", FlagType::kString},
        {"swap-with-index", FlagType::kInt, "0"}},
       cmd_set},
      {"setdir", {{"ttl", FlagType::kInt, "0"}}, cmd_setdir},
      {"update", {{"ttl", FlagType::kInt, "0"}}, cmd_update},
      {"updatedir", {{"ttl", FlagType::kInt, "0"}}, cmd_updatedir},
      {"watch",
       {{"forever, f", FlagType::kBool},
        {"after-index", FlagType::kInt, "0"},
        {"recursive, r", FlagType::kBool}},
       cmd_watch},
      {"exec-watch",
       {{"after-index", FlagType::kInt, "0"}, {"recursive, r", FlagType::kBool}},
       cmd_exec_watch},
      {"member list", {}, cmd_member_list},
      {"member add", {}, cmd_member_add},
      {"member remove", {}, cmd_member_remove},
      {"member update", {}, cmd_member_update},
      {"user add", {}, cmd_user_add},
      {"user get", {}, cmd_user_get},
      {"user list", {}, cmd_user_list},
      {"user remove", {}, cmd_user_remove},
      {"user grant",
       {{"roles", FlagType::kStringSlice}},
       [](Session& s) { return cmd_user_grant_revoke(s, true); }},
      {"user revoke",
       {{"roles", FlagType::kStringSlice}},
       [](Session& s) { return cmd_user_grant_revoke(s, false); }},
      {"user passwd", {}, cmd_user_passwd},
      {"role add", {}, cmd_role_add},
      {"role get", {}, cmd_role_get},
      {"role list", {}, cmd_role_list},
      {"role remove", {}, cmd_role_remove},
      {"role grant",
       {{"path", FlagType::kString},
        {"read", FlagType::kBool},
        {"write", FlagType::kBool},
        {"readwrite, rw", FlagType::kBool}},
       [](Session& s) { return cmd_role_grant_revoke(s, true); }},
      {"role revoke",
       {{"path", FlagType::kString},
        {"read", FlagType::kBool},
        {"write", FlagType::kBool},
        {"readwrite, rw", FlagType::kBool}},
       [](Session& s) { return cmd_role_grant_revoke(s, false); }},
      {"auth enable", {}, [](Session& s) { return cmd_auth(s, true); }},
      {"auth disable", {}, [](Session& s) { return cmd_auth(s, false); }},
      {"tree", {{"sort", FlagType::kBool, "true"}}, cmd_tree},
      {"export", {{"progress", FlagType::kBool}}, cmd_export},
      {"snapshot save", {}, cmd_snapshot_save},
      {"snapshot restore",
       {{"data-dir", FlagType::kString}, {"wal-dir", FlagType::kString}, {"name", FlagType::kString, "default"}},
       cmd_snapshot_restore},
      {"import", {{"progress", FlagType::kBool}, {"skip-existing", FlagType::kBool}}, cmd_import},
  };
  return *table;
}

const Command* find_command(std::string_view name) {
  for (const Command& c : commands())
    if (c.name == name) return &c;
  return nullptr;
}

bool is_group(std::string_view name) {
  return name == "member" || name == "user" || name == "role" || name == "auth" ||
         name == "snapshot";
}

int show_help(std::string_view topic) {
  auto text = help_for(topic);
  if (!text) {
    err("No help topic for '" + std::string(topic) + "'\n");
    return kExitBadAuth;  // urfave/cli's exit code 3.
  }
  out(*text);
  return kExitSuccess;
}

}  // namespace

// ---------------------------------------------------------------- shared helpers

void out(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void err(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

int handle_error(int code, std::string_view text, std::string_view detail) {
  err("Error:  " + std::string(text) + "\n");
  if (!detail.empty()) err(std::string(detail) + "\n");
  return code;
}

Deadline Session::deadline() const {
  // As context.WithTimeout: a zero or negative --total-timeout has already expired.
  return std::chrono::steady_clock::now() + global.total_timeout;
}

std::string keys_path(std::string_view key) {
  std::string k(key);
  if (!k.empty() && k[0] != '/') k = "/" + k;
  return escape_path(canonical_url_path("/v2/keys" + k));
}

KeysResult keys_call(Session& s, const HttpRequest& req, Deadline deadline) {
  KeysResult out;
  auto r = s.client->send(req, deadline);
  if (!r.ok()) {
    out.error = r.error().text();
    out.detail = r.error().detail();
    return out;
  }
  const HttpResponse& h = r.value();
  if (h.status == 200 || h.status == 201) {
    if (h.body.empty()) {
      out.empty_body = true;
      out.error = "client: response body is empty";
      return out;
    }
    uint64_t index = 0;
    const std::string hdr = h.header("X-Etcd-Index");
    if (!hdr.empty()) index = std::strtoull(hdr.c_str(), nullptr, 10);
    out.response = parse_keys_response(h.body, index);
    if (!out.response)
      out.error =
          "client: response is invalid json. The endpoint is probably not valid etcd cluster "
          "endpoint";
    return out;
  }
  auto e = parse_keys_error(h.body);
  out.error = e ? e->text()
                : "client: response is invalid json. The endpoint is probably not valid etcd "
                  "cluster endpoint";
  return out;
}

int connect(Session& s, bool sync) {
  const GlobalOptions& g = s.global;
  ClientConfig cfg;
  cfg.endpoints = g.endpoints;
  cfg.header_timeout = g.timeout;
  if (g.total_timeout > std::chrono::nanoseconds(0) && g.total_timeout < cfg.dial_timeout)
    cfg.dial_timeout = g.total_timeout;
  cfg.ca_file = g.ca_file;
  cfg.cert_file = g.cert_file;
  cfg.key_file = g.key_file;
  cfg.debug = g.debug;
  if (!g.username.empty()) {
    std::optional<std::string> password = g.password;
    if (!password) {
      password = ask_password("Password: ");
      if (!password) {
        err("EOF\n");
        return kExitBadArgs;
      }
    }
    cfg.credentials = std::make_pair(g.username, *password);
  }
  s.client = std::make_unique<Client>(cfg);
  if (sync && !g.no_sync) {
    if (g.debug)
      err("start to sync cluster using endpoints(" + join(s.client->endpoints(), ",") + ")\n");
    HttpRequest req;
    req.path = "/v2/members";
    auto r = s.client->send(req, s.deadline());
    if (!r.ok()) {
      if (r.error().connection_error())
        return handle_error(kExitBadConnection, r.error().text(), r.error().detail());
    } else if (r->status == 200) {
      Json j = Json::parse(r->body, nullptr, false);
      std::vector<std::string> eps;
      if (j.is_object() && j.contains("members") && j["members"].is_array())
        for (const Json& m : j["members"])
          for (const std::string& u : member_from(m).client_urls) eps.push_back(u);
      if (eps.empty()) {
        err("etcd cluster has no published client endpoints.\n");
        err("Try '--no-sync' if you want to access non-published client endpoints(" +
            join(s.client->endpoints(), ",") + ").\n");
        return handle_error(kExitServerError, "client: no endpoints available");
      }
      if (eps != s.client->endpoints()) s.client->set_endpoints(eps);
    }
    if (g.debug) err("got endpoints(" + join(s.client->endpoints(), ",") + ") after sync\n");
  }
  if (g.debug) err("Cluster-Endpoints: " + join(s.client->endpoints(), ", ") + "\n");
  return kExitSuccess;
}

int run(const std::vector<std::string>& argv) {
  FlagSet global(global_flag_specs());
  if (auto e = global.parse(argv)) {
    out("Incorrect Usage. " + *e + "\n\n" + *help_for(""));
    err(*e + "\n");
    return kExitBadArgs;
  }
  if (auto e = global.check_forms()) {
    out(*e + "\n" + *help_for(""));
    err(*e + "\n");
    return kExitBadArgs;
  }
  if (global.get_bool("help")) return show_help("");
  if (global.get_bool("version")) {
    out(kVersionText);
    return kExitSuccess;
  }
  std::vector<std::string> rest = global.args();
  if (rest.empty()) return show_help("");
  std::string name = rest[0];
  rest.erase(rest.begin());
  if (name == "help" || name == "h") {
    if (rest.empty()) return show_help("");
    // `help member [sub]` shows urfave/cli's short text for the group, whatever follows.
    if (is_group(rest[0])) return show_help("help " + rest[0]);
    return show_help(rest[0]);
  }
  if (is_group(name)) {
    if (rest.empty() || rest[0] == "-h" || rest[0] == "--help" || rest[0] == "help" ||
        rest[0] == "h") {
      if (rest.size() > 1 && (rest[0] == "help" || rest[0] == "h"))
        return show_help(name + " " + rest[1]);
      return show_help(name);
    }
    const std::string sub = rest[0];
    rest.erase(rest.begin());
    name += " " + sub;
    if (!find_command(name)) {
      err("No help topic for '" + sub + "'\n");
      return kExitBadAuth;
    }
  }
  const Command* cmd = find_command(name);
  if (!cmd) {
    err("No help topic for '" + name + "'\n");
    return kExitBadAuth;
  }
  std::vector<FlagSpec> specs = cmd->flags;
  specs.push_back({"help, h", FlagType::kBool});
  FlagSet flags(specs);
  auto parse_error = flags.parse(reorder_args(specs, rest));
  if (!parse_error) parse_error = flags.check_forms();
  if (auto e = parse_error) {
    out("Incorrect Usage: " + *e + "\n\n" + help_for(name).value_or(""));
    err(*e + "\n");
    return kExitBadArgs;
  }
  if (flags.get_bool("help")) return show_help(name);
  Session s;
  std::string error;
  auto g = resolve_global_options(global, process_getenv, &error);
  if (!g) {
    err(error + "\n");
    return kExitBadArgs;
  }
  s.global = std::move(*g);
  s.flags = &flags;
  s.args = flags.args();
  return cmd->action(s);
}

}  // namespace arbor::cli
