#include "http/auth.h"

#include <crypt.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

#include "http/auth_decode.h"
#include "http/json.h"
#include "server/kv_service.h"
#include "store/store.h"

namespace arbor::http {
namespace {

using json = nlohmann::json;

constexpr std::string_view kRoot = "root";
constexpr std::string_view kGuest = "guest";

// An auth failure: HTTP status and etcd's message (v2auth errors carry the "auth: " prefix).
struct AuthError {
  int status;
  std::string message;
};

AuthError auth_err(int status, std::string msg) { return AuthError{status, "auth: " + std::move(msg)}; }

std::vector<std::string> strings_of(const json& j) {
  std::vector<std::string> out;
  if (j.is_array())
    for (const auto& e : j) out.push_back(e.get<std::string>());
  return out;
}

// A JSON string array, or null for a JSON null (Go's nil slice).
void append_list(std::string& out, const json& j) {
  if (!j.is_array()) {
    out += "null";
    return;
  }
  out.push_back('[');
  bool first = true;
  for (const auto& e : j) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, e.get<std::string>());
  }
  out.push_back(']');
}

json sorted_array(std::set<std::string> s) {
  json a = json::array();
  for (const auto& v : s) a.push_back(v);
  return a;
}

// A role as stored and shown: {"role":..,"permissions":{"kv":{"read":..,"write":..}}}.
struct Role {
  std::string name;
  json read = nullptr;
  json write = nullptr;

  std::string to_json() const {
    std::string out = "{\"role\":";
    append_json_string(out, name);
    out += ",\"permissions\":{\"kv\":{\"read\":";
    append_list(out, read);
    out += ",\"write\":";
    append_list(out, write);
    out += "}}}";
    return out;
  }

  static bool match(std::string_view pattern, std::string_view key, bool prefix_only) {
    if (pattern.empty()) return false;
    if (pattern.back() == '*') {
      pattern.remove_suffix(1);
      return key.substr(0, pattern.size()) == pattern;
    }
    return !prefix_only && key == pattern;
  }

  bool allows(std::string_view key, bool write_access, bool recursive) const {
    if (name == kRoot) return true;
    const json& list = write_access ? write : read;
    if (!list.is_array()) return false;
    for (const auto& p : list)
      if (match(p.get<std::string>(), key, recursive)) return true;
    return false;
  }
};

Role root_role() { return Role{std::string(kRoot), json::array({"/*"}), json::array({"/*"})}; }

struct User {
  std::string name;
  std::string password;  // The bcrypt hash.
  json roles = nullptr;  // Array of names, or null.

  std::string to_store_json() const {
    std::string out = "{\"user\":";
    append_json_string(out, name);
    if (!password.empty()) {
      out += ",\"password\":";
      append_json_string(out, password);
    }
    out += ",\"roles\":";
    append_list(out, roles);
    out += "}";
    return out;
  }
  // As a PUT reply shows it: no password.
  std::string to_reply_json() const {
    std::string out = "{\"user\":";
    append_json_string(out, name);
    out += ",\"roles\":";
    append_list(out, roles);
    out += "}";
    return out;
  }
};

bool list_empty(const json& j) { return !j.is_array() || j.empty(); }

// A decoded []string field as the JSON kept in the store: null or an array.
json to_json(const StringList& l) { return l ? json(*l) : json(nullptr); }

}  // namespace

struct Auth::Impl {
  explicit Impl(server::KvService& k) : kv(k) {
    if (RAND_bytes(cache_key, sizeof cache_key) != 1) {
      for (auto& b : cache_key) b = static_cast<unsigned char>(std::rand());
    }
    for (int i = 0; i < kCheckThreads; ++i) workers.emplace_back([this] { work(); });
  }
  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(queue_mu);
      stopping = true;
    }
    queue_cv.notify_all();
    for (auto& t : workers) t.join();
  }

  // ---- reads (the store's shared lock; each counts as a store get, as etcd's do)

  // The auth state is read from the store only when something under /2 changed since the last
  // read (store::auth_generation): the checks of every request cost no store reads otherwise.
  // (So /v2/stats/store counts fewer gets than etcd's under auth.)
  bool enabled() {
    const uint64_t gen = store::auth_generation();
    const uint64_t seen = enabled_state.load(std::memory_order_acquire);
    if (seen >> 1 == gen) return seen & 1;
    auto got = kv.read("/2/enabled", false, false);
    const bool on = got.ok() && got.value().node.value == "true";
    enabled_state.store(gen << 1 | (on ? 1 : 0), std::memory_order_release);  // One word: no torn pair.
    return on;
  }

  // A user or role as stored, parsed once per version (its modified index): every request with
  // credentials reads them, and parsing their JSON each time would cost more than the request.
  template <typename T>
  struct Parsed {
    uint64_t generation = 0;         // store::auth_generation() before the read.
    std::shared_ptr<const T> value;  // Null when missing or the stored JSON is not a T.
  };

  template <typename T, typename Parse>
  std::shared_ptr<const T> cached_read(std::unordered_map<std::string, Parsed<T>>& cache, const std::string& path,
                               Parse parse) {
    const uint64_t gen = store::auth_generation();
    {
      std::lock_guard<std::mutex> lock(parsed_mu);
      auto it = cache.find(path);
      if (it != cache.end() && it->second.generation == gen) return it->second.value;
    }
    auto got = kv.read(path, false, false);
    std::shared_ptr<const T> v;
    if (got.ok()) {
      std::optional<T> parsed = parse(got.value().node.value);
      if (parsed) v = std::make_shared<const T>(std::move(*parsed));
    }
    std::lock_guard<std::mutex> lock(parsed_mu);
    if (cache.size() >= kMaxCached) cache.clear();
    cache[path] = Parsed<T>{gen, v};
    return v;
  }

  std::shared_ptr<const User> get_user(std::string_view name) {
    return cached_read(users, "/2/users/" + std::string(name),
                       [](const std::string& v) { return parse_user(v); });
  }

  static std::optional<User> parse_user(const std::string& value) {
    // Stored as {"user":..,"password":<hash>,"roles":..}: the shape a PUT body has.
    auto body = parse_user_body(value);
    if (!body) return std::nullopt;
    User u;
    u.name = body->user;
    u.password = body->password;
    u.roles = to_json(body->roles);
    if (u.name == kRoot) attach_root(u);
    return u;
  }

  static void attach_root(User& u) {
    if (!u.roles.is_array()) u.roles = json::array();
    for (const auto& r : u.roles)
      if (r == kRoot) return;
    u.roles.push_back(kRoot);
  }

  std::shared_ptr<const Role> get_role(std::string_view name) {
    static const auto kRootRole = std::make_shared<const Role>(root_role());
    if (name == kRoot) return kRootRole;
    return cached_read(roles, "/2/roles/" + std::string(name),
                       [](const std::string& v) { return parse_role(v); });
  }

  static std::optional<Role> parse_role(const std::string& value) {
    auto body = parse_role_body(value);
    if (!body) return std::nullopt;
    Role r;
    r.name = body->role;
    r.read = to_json(body->permissions.read);
    r.write = to_json(body->permissions.write);
    return r;
  }

  std::vector<std::string> children(std::string_view dir) {
    std::vector<std::string> out;
    auto got = kv.read(dir, false, true);
    if (!got.ok()) return out;
    for (const auto& n : got.value().node.nodes) {
      const size_t slash = n.key.rfind('/');
      out.push_back(n.key.substr(slash + 1));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // ---- writes (through the apply loop, like any client write)

  server::WriteOutcome put(std::string path, std::string value, std::optional<bool> prev_exist,
                           bool dir = false) {
    server::Request r;
    r.method = server::Method::kPut;
    r.path = std::move(path);
    r.val = std::move(value);
    r.prev_exist = prev_exist;
    r.dir = dir;
    r.time = server::KvService::now_ns();
    return kv.write_sync(std::move(r));
  }

  void ensure_dirs() {
    std::lock_guard<std::mutex> lock(mu);
    if (ensured_once) return;
    for (const char* p : {"/2", "/2/users", "/2/roles"}) {
      auto o = put(p, "", false, /*dir=*/true);
      (void)o;
    }
    (void)put("/2/enabled", "false", false);
    ensured_once = true;
  }

  // Writes `value` at /2<res>: created (prev_exist false) or updated (true).
  std::optional<store::Error> set_resource(const std::string& res, std::string value,
                                           bool prev_exist) {
    ensure_dirs();
    if (res.rfind("/users/", 0) == 0) forget_user(std::string_view(res).substr(7));
    auto o = put("/2" + res, std::move(value), prev_exist);
    if (!o.result.ok()) return o.result.error();
    return std::nullopt;
  }

  std::optional<store::Error> delete_resource(const std::string& res) {
    ensure_dirs();
    if (res.rfind("/users/", 0) == 0) forget_user(std::string_view(res).substr(7));
    server::Request r;
    r.method = server::Method::kDelete;
    r.path = "/2" + res;
    r.prev_exist = true;
    r.time = server::KvService::now_ns();
    auto o = kv.write_sync(std::move(r));
    if (!o.result.ok()) return o.result.error();
    return std::nullopt;
  }

  // ---- passwords: bcrypt, verified once per (user, hash, password) then cached

  static std::string hash_password(const std::string& password) {
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    if (crypt_gensalt_rn("$2b$", 10, nullptr, 0, salt, sizeof salt) == nullptr) return {};
    crypt_data data{};
    const char* h = crypt_r(password.c_str(), salt, &data);
    if (h == nullptr || h[0] == '*') return {};
    return h;
  }

  // The verification cache: (user, keyed hash of the password) -> the stored bcrypt hash it was
  // checked against. A hit needs the user's current hash to be that one, so a changed password
  // misses; a deleted user has no hash. Plain passwords are never kept.
  std::string cache_key_for(std::string_view user, std::string_view password) const {
    // One digest context per thread and the algorithm fetched once: this runs on every request.
    static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    thread_local std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestInit_ex2(ctx.get(), kSha256, nullptr);
    EVP_DigestUpdate(ctx.get(), cache_key, sizeof cache_key);
    EVP_DigestUpdate(ctx.get(), password.data(), password.size());
    EVP_DigestFinal_ex(ctx.get(), md, &n);
    std::string key(user);
    key.push_back('\0');
    key.append(reinterpret_cast<const char*>(md), n);
    return key;
  }

  bool cached_ok(const User& u, std::string_view password) const {
    if (u.password.empty()) return false;
    const std::string key = cache_key_for(u.name, password);
    std::lock_guard<std::mutex> lock(cache_mu);
    auto it = verified.find(key);
    return it != verified.end() && it->second == u.password;
  }

  // bcrypt: tens of milliseconds by design. Runs on the check threads only (verify_async).
  bool bcrypt_check(const User& u, std::string_view password) {
    if (u.password.empty()) return false;
    auto data = std::make_unique<crypt_data>();
    const std::string pw(password);
    const char* h = crypt_r(pw.c_str(), u.password.c_str(), data.get());
    const bool ok = h != nullptr && u.password == h;
    if (ok) {
      std::string key = cache_key_for(u.name, password);
      std::lock_guard<std::mutex> lock(cache_mu);
      if (verified.size() >= kMaxCached) verified.clear();
      verified[std::move(key)] = u.password;
    }
    return ok;
  }

  void forget_user(std::string_view name) {
    std::string prefix(name);
    prefix.push_back('\0');
    std::lock_guard<std::mutex> lock(cache_mu);
    std::erase_if(verified, [&](const auto& e) { return e.first.rfind(prefix, 0) == 0; });
  }

  // Go's Request.BasicAuth: user and password.
  static bool split_basic(const std::string& header, std::string* user, std::string* password) {
    auto creds = parse_basic_auth(header);
    if (!creds) return false;
    *user = std::move(creds->user);
    *password = std::move(creds->password);
    return true;
  }

  // True when `req` carries credentials that only bcrypt can settle (auth on, a known user with
  // a password, not in the cache).
  bool needs_bcrypt(const HttpRequest& req) {
    if (req.authorization.empty() || !enabled()) return false;
    std::string name, password;
    if (!split_basic(req.authorization, &name, &password)) return false;
    const uint64_t gen = store::auth_generation();
    auto u = get_user(name);
    if (!u || u->password.empty()) return false;
    if (!cached_ok(*u, password)) return true;
    remember(req.authorization, gen, u);
    return false;
  }

  // The outcome of the current request's basic-auth header on this thread, so the checks after
  // Router's first one do not decode and hash it again. Cleared when the request is handed on.
  struct Memo {
    std::string header;
    uint64_t generation = 0;
    std::shared_ptr<const User> user;
  };
  static Memo& memo() {
    thread_local Memo m;
    return m;
  }
  static void remember(const std::string& header, uint64_t gen, std::shared_ptr<const User> u) {
    Memo& m = memo();
    m.header = header;
    m.generation = gen;
    m.user = std::move(u);
  }
  static void forget_memo() {
    Memo& m = memo();
    OPENSSL_cleanse(m.header.data(), m.header.size());
    m.header.clear();
    m.user.reset();
  }

  // ---- the check threads: a small pool so that bcrypt never runs on an I/O thread.
  static constexpr int kCheckThreads = 2;
  static constexpr size_t kMaxQueued = 1024;
  static constexpr size_t kMaxCached = 10000;

  // False when too many checks wait already.
  bool submit(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> lock(queue_mu);
      if (queue.size() >= kMaxQueued) return false;
      queue.push_back(std::move(job));
    }
    queue_cv.notify_one();
    return true;
  }

  void work() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(queue_mu);
        queue_cv.wait(lock, [&] { return stopping || !queue.empty(); });
        if (stopping) return;
        job = std::move(queue.front());
        queue.pop_front();
      }
      job();
    }
  }

  // Go's Request.BasicAuth + the password check: the user, or nullopt.
  // Only the cache is consulted here: Router::handle has sent every request whose credentials
  // need bcrypt through verify_async first, so a miss now is a wrong password.
  std::shared_ptr<const User> user_from_basic_auth(const std::string& header) {
    const Memo& m = memo();
    if (m.user && m.generation == store::auth_generation() && m.header == header) return m.user;
    std::string name, password;
    if (!split_basic(header, &name, &password)) return nullptr;
    auto u = get_user(name);
    if (!u || !cached_ok(*u, password)) return nullptr;
    return u;
  }

  // etcd's userFromClientCertificate: the first common name of the verified chain that names
  // a user (names are there only with --client-cert-auth).
  std::shared_ptr<const User> user_from_certificate(const HttpRequest& req) {
    for (const std::string& cn : req.tls_common_names)
      if (auto u = get_user(cn)) return u;
    return nullptr;
  }

  bool has_root(const HttpRequest& req) {
    if (!enabled()) return true;
    auto u = req.authorization.empty() && !req.tls_common_names.empty()
                 ? user_from_certificate(req)
                 : user_from_basic_auth(req.authorization);
    if (!u || !u->roles.is_array()) return false;
    for (const auto& r : u->roles)
      if (r == kRoot) return true;
    return false;
  }

  server::KvService& kv;
  std::mutex mu;
  bool ensured_once = false;  // GUARDED_BY(mu)
  unsigned char cache_key[32];  // Random per process: the key of the password hashes below.
  mutable std::mutex cache_mu;
  std::unordered_map<std::string, std::string> verified;  // GUARDED_BY(cache_mu)
  std::atomic<uint64_t> enabled_state{0};  // generation << 1 | enabled.
  std::mutex parsed_mu;
  std::unordered_map<std::string, Parsed<User>> users;  // GUARDED_BY(parsed_mu), by store path.
  std::unordered_map<std::string, Parsed<Role>> roles;  // GUARDED_BY(parsed_mu)
  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<std::function<void()>> queue;  // GUARDED_BY(queue_mu)
  bool stopping = false;                    // GUARDED_BY(queue_mu)
  std::vector<std::thread> workers;
};

Auth::Auth(server::KvService& kv) : impl_(std::make_unique<Impl>(kv)) {}
Auth::~Auth() = default;

bool Auth::keys_allowed(const HttpRequest& req, std::string_view key, bool recursive) {
  if (!impl_->enabled()) return true;
  const bool write_access = req.method != "GET" && req.method != "HEAD";
  std::shared_ptr<const User> u;
  if (req.authorization.empty()) {
    u = impl_->user_from_certificate(req);
    if (!u) {
      auto guest = impl_->get_role(kGuest);
      return guest && guest->allows(key, write_access, /*recursive=*/false);
    }
  } else {
    u = impl_->user_from_basic_auth(req.authorization);
  }
  if (!u || !u->roles.is_array()) return false;
  for (const auto& rn : u->roles) {
    auto role = impl_->get_role(rn.get<std::string>());
    if (role && role->allows(key, write_access, recursive)) return true;
  }
  return false;
}

bool Auth::has_root_access(const HttpRequest& req) { return impl_->has_root(req); }

bool Auth::needs_password_check(const HttpRequest& req) { return impl_->needs_bcrypt(req); }

void Auth::end_request() { Impl::forget_memo(); }

void Auth::verify_async(HttpRequest req, ExchangePtr ex,
                        std::function<void(HttpRequest&, const ExchangePtr&)> then) {
  Impl* a = impl_.get();
  auto job = std::make_shared<std::tuple<HttpRequest, ExchangePtr, decltype(then)>>(
      std::move(req), std::move(ex), std::move(then));
  const bool queued = a->submit([a, job] {
    auto& [r, e, next] = *job;
    std::string name, password;
    if (Impl::split_basic(r.authorization, &name, &password)) {
      if (auto u = a->get_user(name)) a->bcrypt_check(*u, password);  // Fills the cache on success.
    }
    next(r, e);
  });
  if (!queued) {
    HttpResponse resp;
    resp.status = 503;
    resp.add_header("Content-Type", "application/json");
    resp.body = message_json("auth: too many password checks in progress");
    std::get<1>(*job)->reply(std::move(resp));
  }
}

void Auth::handle(const HttpRequest& req, const ExchangePtr& ex, const std::string& common,
                  const std::string& cluster_id) {
  auto reply = [&](int status, std::string body, bool with_headers = true) {
    HttpResponse r;
    r.status = status;
    r.headers = common;
    r.add_header("Content-Type", "application/json");
    if (with_headers) r.add_header("X-Etcd-Cluster-Id", cluster_id);
    r.body = std::move(body);
    ex->reply(std::move(r));
  };
  auto fail = [&](const AuthError& e) { reply(e.status, message_json(e.message)); };
  auto not_allowed = [&](std::string_view allow) {
    HttpResponse r;
    r.status = 405;
    r.headers = common;
    r.add_header("Allow", allow);
    r.add_header("Content-Type", "text/plain; charset=utf-8");
    r.add_header("X-Content-Type-Options", "nosniff");
    r.body = "Method Not Allowed\n";
    ex->reply(std::move(r));
  };
  auto no_auth = [&] { reply(401, message_json("Insufficient credentials"), false); };
  const std::string& m = req.method;
  Impl& a = *impl_;

  if (req.path == "/v2/auth/enable") {
    if (m != "GET" && m != "PUT" && m != "DELETE") return not_allowed("GET,PUT,DELETE");
    if (m != "GET" && !a.has_root(req)) return no_auth();
    const bool on = a.enabled();
    if (m == "GET") return reply(200, on ? "{\"enabled\":true}\n" : "{\"enabled\":false}\n");
    if (m == "PUT") {
      if (on) return fail(auth_err(409, "already enabled"));
      if (!a.get_user(kRoot)) return fail(auth_err(409, "No root user available, please create one"));
      if (!a.get_role(kGuest)) {
        Role guest{std::string(kGuest), json::array({"/*"}), json::array({"/*"})};
        if (auto err = a.set_resource("/roles/guest", guest.to_json(), false))
          return fail(AuthError{500, "Internal Server Error"});
      }
      a.set_resource("/enabled", "true", true);
      return reply(200, "");
    }
    if (!on) return fail(auth_err(409, "already disabled"));
    a.set_resource("/enabled", "false", true);
    return reply(200, "");
  }

  // "/v2/auth/users[/name]" or "/v2/auth/roles[/name]", cleaned as path.Clean does.
  std::string sub = req.path.substr(std::string_view("/v2/auth").size());
  while (sub.size() > 1 && sub.back() == '/') sub.pop_back();
  std::vector<std::string> pieces;
  {
    size_t start = 0;
    while (true) {
      const size_t slash = sub.find('/', start);
      pieces.push_back(sub.substr(start, slash - start));
      if (slash == std::string::npos) break;
      start = slash + 1;
    }
  }
  const bool users = pieces.size() >= 2 && pieces[1] == "users";
  if (pieces.size() == 2) {
    if (m != "GET") return not_allowed("GET");
    if (!a.has_root(req)) return no_auth();
    if (users) {
      std::vector<std::string> names = a.children("/2/users");
      if (names.empty()) return reply(200, "{\"users\":null}\n");
      std::string body = "{\"users\":[";
      bool first = true;
      for (const auto& n : names) {
        auto u = a.get_user(n);
        if (!u) return fail(auth_err(404, "User " + n + " does not exist."));
        if (!first) body.push_back(',');
        first = false;
        body += "{\"user\":";
        append_json_string(body, u->name);
        std::string roles;
        for (const auto& rn : strings_of(u->roles)) {
          auto r = a.get_role(rn);
          if (!r) continue;
          if (!roles.empty()) roles.push_back(',');
          roles += r->to_json();
        }
        if (!roles.empty()) body += ",\"roles\":[" + roles + "]";
        body.push_back('}');
      }
      body += "]}\n";
      return reply(200, std::move(body));
    }
    std::vector<std::string> names = a.children("/2/roles");
    names.emplace_back(kRoot);
    std::sort(names.begin(), names.end());
    std::string body = "{\"roles\":[";
    bool first = true;
    for (const auto& n : names) {
      auto r = a.get_role(n);
      if (!r) return fail(auth_err(404, "Role " + n + " does not exist."));
      if (!first) body.push_back(',');
      first = false;
      body += r->to_json();
    }
    body += "]}\n";
    return reply(200, std::move(body));
  }
  // Answered before the auth check and before the cluster-id header is set, as etcd does.
  if (pieces.size() != 3) return reply(400, message_json("Invalid path"), false);
  const std::string& name = pieces[2];
  if (m != "GET" && m != "PUT" && m != "DELETE") return not_allowed("GET,PUT,DELETE");
  if (!a.has_root(req)) return no_auth();

  if (users) {
    if (m == "GET") {
      auto u = a.get_user(name);
      if (!u) return fail(auth_err(404, "User " + name + " does not exist."));
      std::string body = "{\"user\":";
      append_json_string(body, u->name);
      std::string roles;
      for (const auto& rn : strings_of(u->roles)) {
        auto r = a.get_role(rn);
        if (!r) return fail(auth_err(404, "Role " + rn + " does not exist."));
        if (!roles.empty()) roles.push_back(',');
        roles += r->to_json();
      }
      if (!roles.empty()) body += ",\"roles\":[" + roles + "]";
      body += "}\n";
      return reply(200, std::move(body));
    }
    if (m == "DELETE") {
      if (name == kRoot && a.enabled())
        return fail(auth_err(403, "Cannot delete root user while auth is enabled."));
      if (auto err = a.delete_resource("/users/" + name)) {
        if (err->code == store::ErrorCode::kKeyNotFound)
          return fail(auth_err(404, "User " + name + " does not exist"));
        return fail(AuthError{500, "Internal Server Error"});
      }
      return reply(200, "");
    }
    // PUT
    auto body = parse_user_body(req.body);
    if (!body) return reply(400, message_json("Invalid JSON in request body."));
    User nu;
    nu.name = body->user;
    const std::string& password = body->password;
    nu.roles = to_json(body->roles);
    const std::vector<std::string>& grant = body->grant;
    const std::vector<std::string>& revoke = body->revoke;
    if (nu.name != name) return reply(400, message_json("User JSON name does not match the name in the URL"));

    User reply_user;
    auto create = [&](User u) -> std::optional<AuthError> {
      if (u.name == kRoot) Impl::attach_root(u);
      if (password.empty())
        return auth_err(400, "Cannot create user " + u.name + " with an empty password");
      u.password = Impl::hash_password(password);
      if (auto err = a.set_resource("/users/" + u.name, u.to_store_json(), false)) {
        if (err->code == store::ErrorCode::kNodeExist)
          return auth_err(409, "User " + u.name + " already exists.");
        return AuthError{500, "Internal Server Error"};
      }
      reply_user = u;
      return std::nullopt;
    };
    auto update = [&]() -> std::optional<AuthError> {
      auto old = a.get_user(name);
      if (!old) return auth_err(404, "User " + name + " does not exist.");
      User out;
      out.name = old->name;
      out.password = password.empty() ? old->password : Impl::hash_password(password);
      std::set<std::string> roles;
      for (const auto& r : strings_of(old->roles)) roles.insert(r);
      for (const auto& g : grant) {
        if (roles.count(g)) return auth_err(409, "Granting duplicate role " + g + " for user " + name);
        roles.insert(g);
      }
      for (const auto& r : revoke) {
        if (!roles.count(r)) return auth_err(409, "Revoking ungranted role " + r + " for user " + name);
        roles.erase(r);
      }
      out.roles = sorted_array(roles);
      // etcd compares old and new with reflect.DeepEqual: a nil role list differs from [].
      const bool same_roles = old->roles.is_array() && old->roles == out.roles;
      if (password.empty() && same_roles)
        return auth_err(400, "User not updated. Use grant/revoke/password to update the user.");
      if (a.set_resource("/users/" + name, out.to_store_json(), true))
        return AuthError{500, "Internal Server Error"};
      reply_user = out;
      return std::nullopt;
    };
    std::optional<AuthError> err;
    bool created = false;
    if (grant.empty() && revoke.empty()) {
      if (!list_empty(nu.roles)) {
        err = create(nu);
      } else if (a.get_user(name)) {
        err = update();
      } else {
        created = true;
        err = create(nu);
      }
    } else {
      if (!list_empty(nu.roles))
        return reply(400, message_json("User JSON contains both roles and grant/revoke"));
      err = update();
    }
    if (err) return fail(*err);
    return reply(created ? 201 : 200, reply_user.to_reply_json() + "\n");
  }

  // Roles.
  if (m == "GET") {
    auto r = a.get_role(name);
    if (!r) return fail(auth_err(404, "Role " + name + " does not exist."));
    return reply(200, r->to_json() + "\n");
  }
  if (m == "DELETE") {
    if (name == kRoot) return fail(auth_err(403, "Cannot modify role root: is root role."));
    if (auto err = a.delete_resource("/roles/" + name)) {
      if (err->code == store::ErrorCode::kKeyNotFound)
        return fail(auth_err(404, "Role " + name + " doesn't exist."));
      return fail(AuthError{500, "Internal Server Error"});
    }
    return reply(200, "");
  }
  auto body = parse_role_body(req.body);
  if (!body) return reply(400, message_json("Invalid JSON in request body."));
  Role nr;
  nr.name = body->role;
  nr.read = to_json(body->permissions.read);
  nr.write = to_json(body->permissions.write);
  const json grant_r = to_json(body->grant.read), grant_w = to_json(body->grant.write);
  const json revoke_r = to_json(body->revoke.read), revoke_w = to_json(body->revoke.write);
  if (nr.name != name) return reply(400, message_json("Role JSON name does not match the name in the URL"));
  const bool grant_empty = list_empty(grant_r) && list_empty(grant_w);
  const bool revoke_empty = list_empty(revoke_r) && list_empty(revoke_w);
  if (grant_empty && revoke_empty) {
    if (name == kRoot) return fail(auth_err(403, "Cannot modify role root: is root role."));
    if (auto err = a.set_resource("/roles/" + name, nr.to_json(), false)) {
      if (err->code == store::ErrorCode::kNodeExist)
        return fail(auth_err(409, "Role " + name + " already exists."));
      return fail(AuthError{500, "Internal Server Error"});
    }
    return reply(201, nr.to_json() + "\n");
  }
  if (!list_empty(nr.read) || !list_empty(nr.write))
    return reply(400, message_json("Role JSON contains both permissions and grant/revoke"));
  if (name == kRoot) return fail(auth_err(403, "Cannot modify role root: is root role."));
  auto old = a.get_role(name);
  if (!old) return fail(auth_err(404, "Role " + name + " does not exist."));
  Role out;
  out.name = old->name;
  std::set<std::string> rd, wr;
  for (const auto& p : strings_of(old->read)) rd.insert(p);
  for (const auto& p : strings_of(old->write)) wr.insert(p);
  // A nil grant/revoke leaves the lists untouched (Go returns them as they were).
  const bool has_grant = body->has_grant;
  const bool has_revoke = body->has_revoke;
  json new_read = old->read, new_write = old->write;
  if (has_grant) {
    for (const auto& p : strings_of(grant_r)) {
      if (rd.count(p)) return fail(auth_err(409, "Granting duplicate read permission " + p));
      rd.insert(p);
    }
    for (const auto& p : strings_of(grant_w)) {
      if (wr.count(p)) return fail(auth_err(409, "Granting duplicate write permission " + p));
      wr.insert(p);
    }
    new_read = sorted_array(rd);
    new_write = sorted_array(wr);
  }
  if (has_revoke) {
    for (const auto& p : strings_of(revoke_r)) rd.erase(p);
    for (const auto& p : strings_of(revoke_w)) wr.erase(p);
    new_read = sorted_array(rd);
    new_write = sorted_array(wr);
  }
  out.read = new_read;
  out.write = new_write;
  if (out.read == old->read && out.write == old->write)
    return fail(auth_err(400, "Role not updated. Use grant/revoke to update the role."));
  if (a.set_resource("/roles/" + name, out.to_json(), true))
    return fail(AuthError{500, "Internal Server Error"});
  return reply(200, out.to_json() + "\n");
}

}  // namespace arbor::http
