#include "store/store.h"

#include <atomic>
#include <cstring>
#include <cstdio>
#include <utility>
#include <vector>

#include "store/child_index.h"
#include "store/event_history.h"
#include "store/key_path.h"
#include "store/node.h"
#include "store/ttl_heap.h"
#include "store/watcher_hub.h"
#include "util/coding.h"
#include "util/crc32c.h"
#include "util/log.h"

namespace arbor::store {

void destroy_subtree(Node* n) {
  std::vector<Node*> stack{n};
  while (!stack.empty()) {
    Node* cur = stack.back();
    stack.pop_back();
    if (cur->children) {
      cur->children->clear_and_dispose([&](Node* c) { stack.push_back(c); });
    }
    delete cur;
  }
}

namespace {
std::atomic<uint64_t> g_auth_generation{1};
}  // namespace

uint64_t auth_generation() { return g_auth_generation.load(std::memory_order_acquire); }
void bump_auth_generation() { g_auth_generation.fetch_add(1, std::memory_order_acq_rel); }

NodeList::NodeList(const NodeList& other) : std::vector<NodeView>() {
  // Level by level: each list is reserved before its views are added, so the pointers to their
  // child lists stay valid while they wait on the stack.
  std::vector<std::pair<const NodeList*, NodeList*>> stack{{&other, this}};
  while (!stack.empty()) {
    auto [src, dst] = stack.back();
    stack.pop_back();
    dst->reserve(src->size());
    for (const NodeView& n : *src) {
      NodeView& c = dst->emplace_back();
      c.key = n.key;
      c.value = n.value;
      c.has_value = n.has_value;
      c.dir = n.dir;
      c.expiration = n.expiration;
      c.ttl = n.ttl;
      c.modified_index = n.modified_index;
      c.created_index = n.created_index;
      if (!n.nodes.empty()) stack.push_back({&n.nodes, &c.nodes});
    }
  }
}

NodeList& NodeList::operator=(const NodeList& other) {
  if (this != &other) {
    NodeList copy(other);
    swap(copy);
  }
  return *this;
}

NodeList::~NodeList() {
  // Grandchildren are moved out before their parents die; each view dies with no children.
  std::vector<NodeView> pending;
  for (NodeView& c : *this) {
    for (NodeView& g : c.nodes) pending.push_back(std::move(g));
  }
  while (!pending.empty()) {
    NodeView v = std::move(pending.back());
    pending.pop_back();
    for (NodeView& g : v.nodes) pending.push_back(std::move(g));
  }
}

std::string path_of(const Node* n) {
  if (n->parent == nullptr) return "/";
  std::vector<const Node*> chain;
  for (; n->parent != nullptr; n = n->parent) chain.push_back(n);
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    out.push_back('/');
    out.append((*it)->name());
  }
  return out;
}

namespace {

enum Stat : size_t {
  kGetsSuccess, kGetsFail, kSetsSuccess, kSetsFail, kDeleteSuccess, kDeleteFail,
  kUpdateSuccess, kUpdateFail, kCreateSuccess, kCreateFail, kCompareAndSwapSuccess,
  kCompareAndSwapFail, kCompareAndDeleteSuccess, kCompareAndDeleteFail, kExpireCount, kNumStats
};

// ceil((expire - now) / 1 s), as etcd works out a reply's ttl (truncating toward zero, plus one
// when a positive remainder is left).
int64_t ttl_at(int64_t expire_time, int64_t now) {
  const int64_t d = expire_time - now;
  int64_t ttl = d / 1000000000;
  if (d % 1000000000 > 0) ++ttl;
  return ttl;
}

std::string join(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (out.size() != 1) out.push_back('/');
  out.append(name);
  return out;
}

// Compare-failure cause, in etcd's three formats.
std::string compare_fail_cause(const Node& n, std::string_view prev_value, uint64_t prev_index) {
  const bool index_ok = prev_index == 0 || n.modified_index == prev_index;
  const bool value_ok = prev_value.empty() || n.value() == prev_value;
  const std::string value_part =
      "[" + std::string(prev_value) + " != " + std::string(n.value()) + "]";
  const std::string index_part =
      "[" + std::to_string(prev_index) + " != " + std::to_string(n.modified_index) + "]";
  if (index_ok && !value_ok) return value_part;
  if (value_ok && !index_ok) return index_part;
  return value_part + " " + index_part;
}

}  // namespace

struct Store::Impl {
  Impl() {
    root.children = std::make_unique<ChildSet>();
    for (const char* ns : {"0", "1"}) add_child(&root, ns, /*dir=*/true, {}, 0, 0);
  }
  ~Impl() {
    if (root.children) {
      root.children->clear_and_dispose([](Node* c) { destroy_subtree(c); });
    }
  }

  // --- tree helpers ---------------------------------------------------------------------------

  Node* add_child(Node* parent, std::string_view name, bool dir, std::string_view value,
                  uint64_t index, int64_t expire_time) {
    auto* n = new Node();
    n->parent = parent;
    n->assign(name, dir ? std::string_view() : value);
    if (dir) n->children = std::make_unique<ChildSet>();
    n->created_index = n->modified_index = index;
    n->expire_time = expire_time;
    (void)link_child(parent, n);  // A new name: the caller looked it up.
    if (expire_time != 0) ttl_heap.push(n);
    return n;
  }

  // Puts `n` (parent and name set) under its parent: in the parent's ChildSet and in the child
  // index, which must hold the same nodes. False (nothing changed) when the name is taken.
  // `likely_last`: n probably sorts after every sibling (a snapshot lists children in order),
  // so the set tries the end first instead of walking down from its root.
  bool link_child(Node* parent, Node* n, bool likely_last = false) {
    ChildSet& set = *parent->children;
    // The hinted insert returns the node already under that name when there is one.
    const bool inserted = likely_last ? &*set.insert_unique(set.cend(), *n) == n
                                      : set.insert_unique(*n).second;
    if (!inserted) return false;
    children_index.insert(n);
    return true;
  }

  // The child of directory `d` named `name`, or nullptr.
  Node* child(const Node* d, std::string_view name) const { return children_index.find(d, name); }

  static bool read_only(std::string_view clean) {
    return clean == "/" || clean == "/0" || clean == "/1";
  }

  // etcd's internalGet: walk `clean` from the root. 100 names the first missing component, 104
  // the file met on the way.
  Result<Node*, Error> internal_get(std::string_view clean) const {
    Node* cur = const_cast<Node*>(&root);
    size_t start = 1;
    while (start < clean.size()) {
      size_t end = clean.find('/', start);
      if (end == std::string_view::npos) end = clean.size();
      if (!cur->is_dir()) {
        return Error{ErrorCode::kNotDir, std::string(clean.substr(0, start - 1)), current_index};
      }
      Node* next = child(cur, clean.substr(start, end - start));
      if (next == nullptr) {
        return Error{ErrorCode::kKeyNotFound, std::string(clean.substr(0, end)), current_index};
      }
      cur = next;
      start = end + 1;
    }
    return cur;
  }

  // The node's outside view: no children listed (etcd's Repr(false, false)).
  NodeView repr(const Node& n, std::string key, int64_t now) const {
    NodeView v;
    v.key = std::move(key);
    if (n.is_dir()) {
      v.dir = true;
    } else {
      v.value = n.value();
      v.has_value = true;
    }
    v.modified_index = n.modified_index;
    v.created_index = n.created_index;
    set_expiration(v, n, now);
    return v;
  }

  static void set_expiration(NodeView& v, const Node& n, int64_t now) {
    if (n.is_permanent()) return;
    v.expiration = n.expire_time;
    v.ttl = ttl_at(n.expire_time, now);
  }

  // etcd's loadInternalNode: a directory lists its visible children (their own children only
  // when `recursive`). Built with an explicit stack: trees may be very deep.
  void load(NodeView& root_view, const Node& n, bool recursive, int64_t now) const {
    struct Frame {
      const Node* node;
      NodeView* view;
    };
    std::vector<Frame> stack{{&n, &root_view}};
    while (!stack.empty()) {
      const Frame f = stack.back();
      stack.pop_back();
      if (!f.node->is_dir()) continue;
      auto& kids = *f.node->children;
      size_t visible = 0;
      for (const Node& c : kids) visible += c.is_hidden() ? 0 : 1;
      f.view->nodes.reserve(visible);  // No reallocation below: frames point into it.
      for (const Node& c : kids) {
        if (c.is_hidden()) continue;
        f.view->nodes.push_back(repr(c, join(f.view->key, c.name()), now));
        if (recursive && c.is_dir()) stack.push_back({&c, &f.view->nodes.back()});
      }
    }
  }

  // etcd's Node.Remove. Deletes `n` (and, for a directory, everything below it). Tells the
  // watchers on every removed path (children before their parent) when `e` is given.
  // Errors: 102 (directory without `dir`), 108 (non-empty without `recursive`).
  std::optional<Error> remove_node(Node* n, std::string_view path, bool dir, bool recursive,
                                   const EventPtr* e) {
    if (n->is_dir()) {
      if (!dir) return Error{ErrorCode::kNotFile, std::string(path), current_index};
      if (!n->children->empty() && !recursive) {
        return Error{ErrorCode::kDirNotEmpty, std::string(path), current_index};
      }
    }
    // Post-order walk: every removed node leaves the TTL heap; watchers on removed paths are
    // told, deepest first. Paths are built only when someone watches.
    const bool tell = e != nullptr && !hub.empty();
    struct Frame {
      Node* node;
      size_t path_len;
      bool expanded;
    };
    std::string cur_path(path);
    std::vector<Frame> stack{{n, cur_path.size(), false}};
    while (!stack.empty()) {
      Frame& f = stack.back();
      if (f.node->is_dir() && !f.expanded) {
        f.expanded = true;
        const size_t base = f.path_len;
        // Push in reverse so that children are visited in name order.
        auto& kids = *f.node->children;
        for (auto it = kids.rbegin(); it != kids.rend(); ++it) {
          stack.push_back({&*it, base + 1 + it->name().size(), false});
        }
        continue;
      }
      Node* cur = f.node;
      const size_t len = f.path_len;
      stack.pop_back();
      ttl_heap.remove(cur);
      children_index.erase(cur);
      if (tell) {
        path_for(cur, len, n, path, cur_path);
        hub.notify_watchers(*e, cur_path, /*deleted=*/true);
      }
    }
    n->parent->children->erase(n->parent->children->iterator_to(*n));
    destroy_subtree(n);
    return std::nullopt;
  }

  // Sets `out` to the path of `cur`, a node below (or equal to) `top` whose path is `top_path`.
  static void path_for(const Node* cur, size_t len, const Node* top, std::string_view top_path,
                       std::string& out) {
    out.resize(len);
    size_t pos = len;
    for (const Node* p = cur; p != top; p = p->parent) {
      const std::string_view name = p->name();
      pos -= name.size();
      out.replace(pos, name.size(), name);
      out[--pos] = '/';
    }
    out.replace(0, top_path.size(), top_path);
  }

  void record(const EventPtr& e) {
    const std::string_view key = e->node.key;
    if (key.substr(0, 3) == "/2/" || key == "/2" || key == "/") bump_auth_generation();
    if (e->refresh) {
      history.add(e);
    } else {
      history.add(e);
      hub.notify(e);
    }
  }

  void inc(Stat s) const { stats[s].fetch_add(1, std::memory_order_relaxed); }

  // etcd's internalCreate.
  // `found` is the node at `raw_path` when the caller has just looked it up (it then needs no
  // second walk), or null.
  Result<std::shared_ptr<Event>, Error> internal_create(std::string_view raw_path, bool dir,
                                                        std::string_view value, bool unique,
                                                        bool replace, int64_t expire_time,
                                                        Action action, int64_t now,
                                                        Node* found = nullptr) {
    const uint64_t cur = current_index, next = current_index + 1;
    std::string path;
    if (unique) {
      char name[24];
      snprintf(name, sizeof name, "/%020llu", static_cast<unsigned long long>(next));
      path = clean_path(std::string(raw_path) + name);
    } else {
      path = clean_path(raw_path);
    }
    if (read_only(path)) return Error{ErrorCode::kRootROnly, "/", cur};
    if (expire_time != 0 && expire_time < kMinExpireTime) expire_time = 0;

    // Walk to the parent, creating missing directories with the new index.
    const size_t slash = path.rfind('/');
    std::string_view dir_path = std::string_view(path).substr(0, slash);
    std::string_view name = std::string_view(path).substr(slash + 1);
    Node* d = found != nullptr ? found->parent : &root;
    size_t start = found != nullptr ? std::string_view::npos : 1;  // Every parent exists.
    while (start <= dir_path.size() && !dir_path.empty()) {
      size_t end = dir_path.find('/', start);
      if (end == std::string_view::npos) end = dir_path.size();
      std::string_view comp = dir_path.substr(start, end - start);
      Node* c = child(d, comp);
      if (c == nullptr) {
        c = add_child(d, comp, /*dir=*/true, {}, next, 0);
      } else if (!c->is_dir()) {
        inc(kSetsFail);  // (quirk) etcd counts a failed walk as a failed set, whatever the op.
        return Error{ErrorCode::kNotDir, std::string(dir_path.substr(0, end)), cur};
      }
      d = c;
      start = end + 1;
    }

    auto e = std::make_shared<Event>();
    e->action = action;
    e->node.key = path;
    e->node.modified_index = e->node.created_index = next;

    Node* n = found != nullptr ? found : child(d, name);
    if (n != nullptr) {
      if (!replace) return Error{ErrorCode::kNodeExist, path, cur};
      if (n->is_dir()) return Error{ErrorCode::kNotFile, path, cur};
      e->prev_node = repr(*n, path, now);
      if (dir) {
        (void)remove_node(n, path, false, false, nullptr);
        n = nullptr;
      } else {
        // A file replaced by a file keeps its place in the parent's set: the same result as
        // removing it and adding a new node (new indexes, value and TTL), without the set's
        // erase and insert (two descents through a directory that may hold many keys) and
        // without freeing and allocating the node (a value of the same size is copied over).
        ttl_heap.remove(n);
        n->set_value(value);
        n->created_index = n->modified_index = next;
        n->expire_time = expire_time;
        if (expire_time != 0) ttl_heap.push(n);
      }
    }
    if (n == nullptr) n = add_child(d, name, dir, value, next, expire_time);
    if (dir) {
      e->node.dir = true;
    } else {
      e->node.value.assign(value);
      e->node.has_value = true;
    }
    set_expiration(e->node, *n, now);
    current_index = next;
    e->etcd_index = next;
    return e;
  }

  // etcd's UpdateTTL: a zero time makes the node permanent.
  void update_ttl(Node* n, int64_t expire_time) {
    if (!n->is_permanent()) {
      n->expire_time = expire_time;
      if (expire_time == 0) {
        ttl_heap.remove(n);
      } else {
        ttl_heap.update(n);
      }
    } else if (expire_time != 0) {
      n->expire_time = expire_time;
      ttl_heap.push(n);
    }
  }

  Node root;
  ChildIndex children_index;  // Every node but the root, by (parent, name).
  uint64_t current_index = 0;
  TtlHeap ttl_heap;
  EventHistory history;
  WatcherHub hub;
  mutable std::atomic<uint64_t> stats[kNumStats] = {};
};

Store::Store() : impl_(std::make_unique<Impl>()) { bump_auth_generation(); }
Store::~Store() = default;

Result<Event, Error> Store::get(std::string_view path, bool recursive, bool /*sorted*/,
                                int64_t now) const {
  const std::string clean = clean_path(path);
  auto n = impl_->internal_get(clean);
  if (!n.ok()) {
    impl_->inc(kGetsFail);
    return n.error();
  }
  Event e;
  e.action = Action::kGet;
  e.node = impl_->repr(**n, clean, now);
  impl_->load(e.node, **n, recursive, now);
  e.etcd_index = impl_->current_index;
  impl_->inc(kGetsSuccess);
  return e;
}

Result<EventPtr, Error> Store::set(std::string_view path, bool dir, std::string_view value,
                                   TtlOptions ttl, int64_t now) {
  Impl& s = *impl_;
  const std::string clean = clean_path(path);
  auto n = s.internal_get(clean);
  if (!n.ok() && n.error().code != ErrorCode::kKeyNotFound) {
    s.inc(kSetsFail);
    return n.error();
  }
  std::string old_value;
  if (ttl.refresh) {
    if (!n.ok()) {
      s.inc(kSetsFail);
      return n.error();
    }
    old_value = (*n)->value();
    value = old_value;
  }
  auto e = s.internal_create(clean, dir, value, false, true, ttl.expire_time, Action::kSet, now,
                             n.ok() ? *n : nullptr);
  if (!e.ok()) {
    s.inc(kSetsFail);
    return e.error();
  }
  (*e)->refresh = ttl.refresh;
  s.record(*e);
  s.inc(kSetsSuccess);
  return EventPtr(std::move(*e));
}

Result<EventPtr, Error> Store::create(std::string_view path, bool dir, std::string_view value,
                                      bool unique, TtlOptions ttl, int64_t now) {
  Impl& s = *impl_;
  auto e = s.internal_create(path, dir, value, unique, false, ttl.expire_time, Action::kCreate, now);
  if (!e.ok()) {
    s.inc(kCreateFail);
    return e.error();
  }
  s.record(*e);
  s.inc(kCreateSuccess);
  return EventPtr(std::move(*e));
}

Result<EventPtr, Error> Store::update(std::string_view path, std::string_view value,
                                      TtlOptions ttl, int64_t now) {
  Impl& s = *impl_;
  const std::string clean = clean_path(path);
  auto fail = [&](Error err) {
    s.inc(kUpdateFail);
    return err;
  };
  if (Impl::read_only(clean)) return fail(Error{ErrorCode::kRootROnly, "/", s.current_index});
  auto found = s.internal_get(clean);
  if (!found.ok()) return fail(found.error());
  Node* n = *found;
  if (n->is_dir() && !value.empty()) {
    return fail(Error{ErrorCode::kNotFile, clean, s.current_index});
  }
  const uint64_t next = s.current_index + 1;
  auto e = std::make_shared<Event>();
  e->action = Action::kUpdate;
  e->node.key = clean;
  e->node.modified_index = next;
  e->node.created_index = n->created_index;
  e->prev_node = s.repr(*n, clean, now);
  if (n->is_dir()) {
    // (quirk) A directory's stored modifiedIndex is left alone; only the event shows `next`.
    e->node.dir = true;
  } else {
    if (!ttl.refresh) n->set_value(value);
    n->modified_index = next;
    e->node.value = n->value();
    e->node.has_value = true;
  }
  s.update_ttl(n, ttl.expire_time);
  Impl::set_expiration(e->node, *n, now);
  e->refresh = ttl.refresh;
  e->etcd_index = next;
  s.current_index = next;
  s.record(e);
  s.inc(kUpdateSuccess);
  return EventPtr(std::move(e));
}

Result<EventPtr, Error> Store::compare_and_swap(std::string_view path,
                                                std::string_view prev_value, uint64_t prev_index,
                                                std::string_view value, TtlOptions ttl,
                                                int64_t now) {
  Impl& s = *impl_;
  const std::string clean = clean_path(path);
  auto fail = [&](Error err) {
    s.inc(kCompareAndSwapFail);
    return err;
  };
  if (Impl::read_only(clean)) return fail(Error{ErrorCode::kRootROnly, "/", s.current_index});
  auto found = s.internal_get(clean);
  if (!found.ok()) return fail(found.error());
  Node* n = *found;
  if (n->is_dir()) return fail(Error{ErrorCode::kNotFile, clean, s.current_index});
  if ((prev_index != 0 && n->modified_index != prev_index) ||
      (!prev_value.empty() && n->value() != prev_value)) {
    return fail(Error{ErrorCode::kTestFailed, compare_fail_cause(*n, prev_value, prev_index),
                      s.current_index});
  }
  const uint64_t next = ++s.current_index;
  auto e = std::make_shared<Event>();
  e->action = Action::kCompareAndSwap;
  e->node.key = clean;
  e->node.modified_index = next;
  e->node.created_index = n->created_index;
  e->prev_node = s.repr(*n, clean, now);
  if (!ttl.refresh) n->set_value(value);
  n->modified_index = next;
  s.update_ttl(n, ttl.expire_time);
  e->node.value = n->value();
  e->node.has_value = true;
  Impl::set_expiration(e->node, *n, now);
  e->refresh = ttl.refresh;
  e->etcd_index = next;
  s.record(e);
  s.inc(kCompareAndSwapSuccess);
  return EventPtr(std::move(e));
}

Result<EventPtr, Error> Store::remove(std::string_view path, bool dir, bool recursive,
                                      int64_t now) {
  Impl& s = *impl_;
  const std::string clean = clean_path(path);
  auto fail = [&](Error err) {
    s.inc(kDeleteFail);
    return err;
  };
  if (Impl::read_only(clean)) return fail(Error{ErrorCode::kRootROnly, "/", s.current_index});
  if (recursive) dir = true;
  auto found = s.internal_get(clean);
  if (!found.ok()) return fail(found.error());
  Node* n = *found;
  const uint64_t next = s.current_index + 1;
  auto e = std::make_shared<Event>();
  e->action = Action::kDelete;
  e->node.key = clean;
  e->node.dir = n->is_dir();
  e->node.modified_index = next;
  e->node.created_index = n->created_index;
  e->prev_node = s.repr(*n, clean, now);
  e->etcd_index = next;
  EventPtr ev = e;
  // Watchers see the event before the index moves only through `ev`, which already carries it.
  if (auto err = s.remove_node(n, clean, dir, recursive, &ev)) return fail(*err);
  s.current_index = next;
  s.record(ev);
  s.inc(kDeleteSuccess);
  return ev;
}

Result<EventPtr, Error> Store::compare_and_delete(std::string_view path,
                                                  std::string_view prev_value,
                                                  uint64_t prev_index, int64_t now) {
  Impl& s = *impl_;
  const std::string clean = clean_path(path);
  auto fail = [&](Error err) {
    s.inc(kCompareAndDeleteFail);
    return err;
  };
  auto found = s.internal_get(clean);
  if (!found.ok()) return fail(found.error());
  Node* n = *found;
  if (n->is_dir()) return fail(Error{ErrorCode::kNotFile, clean, s.current_index});
  if ((prev_index != 0 && n->modified_index != prev_index) ||
      (!prev_value.empty() && n->value() != prev_value)) {
    return fail(Error{ErrorCode::kTestFailed, compare_fail_cause(*n, prev_value, prev_index),
                      s.current_index});
  }
  const uint64_t next = ++s.current_index;
  auto e = std::make_shared<Event>();
  e->action = Action::kCompareAndDelete;
  e->node.key = clean;
  e->node.modified_index = next;
  e->node.created_index = n->created_index;
  e->prev_node = s.repr(*n, clean, now);
  e->etcd_index = next;
  EventPtr ev = e;
  (void)s.remove_node(n, clean, false, false, &ev);
  s.record(ev);
  s.inc(kCompareAndDeleteSuccess);
  return ev;
}

Result<WatchResult, Error> Store::watch(std::string_view path, bool recursive, bool stream,
                                        uint64_t since_index, WatchCallback callback) {
  Impl& s = *impl_;
  const std::string clean = clean_path(path);
  const uint64_t current = s.current_index;
  if (since_index == 0) since_index = current + 1;
  auto hit = s.history.scan(clean, recursive, since_index);
  if (!hit.ok()) {
    Error err = hit.error();
    err.index = current;
    return err;
  }
  WatchResult r;
  r.start_index = current;
  if (*hit) {
    r.event = std::move(*hit);
    return r;
  }
  r.watcher_id = s.hub.add(clean, recursive, stream, since_index, std::move(callback));
  return r;
}

void Store::unwatch(uint64_t watcher_id) { impl_->hub.remove(watcher_id); }

size_t Store::delete_expired(int64_t now) {
  Impl& s = *impl_;
  size_t expired = 0;
  while (Node* n = s.ttl_heap.top()) {
    if (n->expire_time > now) break;
    const uint64_t next = ++s.current_index;
    const std::string path = path_of(n);
    auto e = std::make_shared<Event>();
    e->action = Action::kExpire;
    e->node.key = path;
    e->node.dir = n->is_dir();
    e->node.modified_index = next;
    e->node.created_index = n->created_index;
    e->prev_node = s.repr(*n, path, now);
    e->etcd_index = next;
    EventPtr ev = e;
    s.ttl_heap.pop();
    (void)s.remove_node(n, path, true, true, &ev);
    s.inc(kExpireCount);
    s.record(ev);
    ++expired;
  }
  return expired;
}

bool Store::has_ttl_keys() const { return !impl_->ttl_heap.empty(); }
uint64_t Store::current_index() const { return impl_->current_index; }

uint64_t Store::history_start_index() const { return impl_->history.start_index(); }

StoreStats Store::stats() const {
  auto v = [&](Stat st) { return impl_->stats[st].load(std::memory_order_relaxed); };
  StoreStats out;
  out.gets_success = v(kGetsSuccess);
  out.gets_fail = v(kGetsFail);
  out.sets_success = v(kSetsSuccess);
  out.sets_fail = v(kSetsFail);
  out.delete_success = v(kDeleteSuccess);
  out.delete_fail = v(kDeleteFail);
  out.update_success = v(kUpdateSuccess);
  out.update_fail = v(kUpdateFail);
  out.create_success = v(kCreateSuccess);
  out.create_fail = v(kCreateFail);
  out.compare_and_swap_success = v(kCompareAndSwapSuccess);
  out.compare_and_swap_fail = v(kCompareAndSwapFail);
  out.compare_and_delete_success = v(kCompareAndDeleteSuccess);
  out.compare_and_delete_fail = v(kCompareAndDeleteFail);
  out.expire_count = v(kExpireCount);
  out.watchers = impl_->hub.count();
  return out;
}

// --- save / recover (docs/store_format.md) ------------------------------------------------------

namespace {

constexpr char kMagic[8] = {'A', 'R', 'B', 'O', 'R', 'S', 'T', '\n'};
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kChunk = 64 * 1024;

enum NodeFlags : uint8_t { kNodeDir = 1, kNodeTtl = 2 };
enum ViewFlags : uint8_t { kViewValue = 1, kViewDir = 2 };
enum EventFlags : uint8_t { kEventRefresh = 1, kEventPrev = 2 };

// Buffers output in chunks and keeps the running CRC of everything written.
class FormatWriter {
 public:
  explicit FormatWriter(util::ByteSink& sink) : sink_(sink) { buf_.reserve(kChunk + 256); }
  std::string& buf() { return buf_; }
  void maybe_flush() {
    if (buf_.size() >= kChunk) flush();
  }
  void flush() {
    if (!status_.ok() || buf_.empty()) {
      buf_.clear();
      return;
    }
    crc_ = util::crc32c_extend(crc_, buf_.data(), buf_.size());
    status_ = sink_.append(buf_);
    buf_.clear();
  }
  util::Status finish() {
    flush();
    std::string trailer;
    util::put_fixed32(trailer, crc_);
    if (status_.ok()) status_ = sink_.append(trailer);
    return status_;
  }

 private:
  util::ByteSink& sink_;
  std::string buf_;
  uint32_t crc_ = 0;
  util::Status status_;
};

// Pulls input in chunks and keeps the running CRC of everything consumed. After the first
// failure every read returns zero and ok() is false.
class FormatReader {
 public:
  explicit FormatReader(util::ByteSource& src) : src_(src) {}

  uint8_t byte() {
    if (!need(1)) return 0;
    return static_cast<uint8_t>(take(1)[0]);
  }
  uint32_t fixed32() {
    if (!need(4)) return 0;
    return util::decode_fixed32(take(4).data());
  }
  uint64_t fixed64() {
    if (!need(8)) return 0;
    return util::decode_fixed64(take(8).data());
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = byte();
      if (!ok_) return 0;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    fail("bad varint");
    return 0;
  }
  int64_t varint_signed() {
    uint64_t u = varint();
    return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }
  void bytes(std::string* out) {
    uint64_t n = varint();
    out->clear();
    while (ok_ && n > 0) {
      if (!need(1)) return;
      size_t take_n = static_cast<size_t>(std::min<uint64_t>(n, end_ - pos_));
      out->append(take(take_n));
      n -= take_n;
    }
  }
  uint32_t crc_so_far() {
    return util::crc32c_extend(crc_, buf_.data() + crc_pos_, pos_ - crc_pos_);
  }
  // True when the input has nothing left.
  bool at_end() {
    if (!ok_ || pos_ < end_) return false;
    char c;
    size_t got = 0;
    return src_.read(&c, 1, &got).ok() && got == 0;
  }
  void fail(std::string why) {
    if (ok_) status_ = util::Status::corruption("store snapshot: " + why);
    ok_ = false;
  }
  bool ok() const { return ok_; }
  const util::Status& status() const { return status_; }

 private:
  std::string_view take(size_t n) {
    std::string_view v(buf_.data() + pos_, n);
    pos_ += n;
    return v;
  }
  bool need(size_t n) {
    if (!ok_) return false;
    if (end_ - pos_ >= n) return true;
    // Fold the consumed bytes into the CRC, keep the unread tail, refill.
    crc_ = util::crc32c_extend(crc_, buf_.data() + crc_pos_, pos_ - crc_pos_);
    buf_.erase(0, pos_);
    end_ -= pos_;
    pos_ = crc_pos_ = 0;
    while (end_ < n) {
      buf_.resize(end_ + kChunk);
      size_t got = 0;
      util::Status st = src_.read(buf_.data() + end_, kChunk, &got);
      if (!st.ok()) {
        status_ = st;
        ok_ = false;
        return false;
      }
      end_ += got;
      buf_.resize(end_);
      if (got == 0) {
        fail("truncated");
        return false;
      }
    }
    return true;
  }

  util::ByteSource& src_;
  std::string buf_;
  size_t pos_ = 0, end_ = 0;
  size_t crc_pos_ = 0;  // buf_[crc_pos_, pos_) is consumed but not yet in crc_.
  uint32_t crc_ = 0;
  bool ok_ = true;
  util::Status status_;
};

void put_view(std::string& out, const NodeView& v) {
  util::put_bytes(out, v.key);
  out.push_back(static_cast<char>((v.has_value ? kViewValue : 0) | (v.dir ? kViewDir : 0)));
  if (v.has_value) util::put_bytes(out, v.value);
  util::put_varint_signed(out, v.expiration);
  util::put_varint_signed(out, v.ttl);
  util::put_varint(out, v.modified_index);
  util::put_varint(out, v.created_index);
}

void read_view(FormatReader& r, NodeView& v) {
  r.bytes(&v.key);
  const uint8_t flags = r.byte();
  v.has_value = flags & kViewValue;
  v.dir = flags & kViewDir;
  if (v.has_value) r.bytes(&v.value);
  v.expiration = r.varint_signed();
  v.ttl = r.varint_signed();
  v.modified_index = r.varint();
  v.created_index = r.varint();
  if (flags & ~(kViewValue | kViewDir)) r.fail("bad node view flags");
}

}  // namespace

util::Status Store::save(util::ByteSink& sink) const {
  const Impl& s = *impl_;
  FormatWriter w(sink);
  std::string& out = w.buf();
  out.append(kMagic, sizeof kMagic);
  util::put_fixed32(out, kFormatVersion);
  util::put_varint(out, s.current_index);
  for (size_t i = 0; i < kNumStats; ++i) util::put_varint(out, s.stats[i].load());

  // The tree in pre-order; a directory is followed by its children, in name order.
  std::vector<const Node*> stack{&s.root};
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    util::put_bytes(out, n->name());
    out.push_back(static_cast<char>((n->is_dir() ? kNodeDir : 0) | (n->is_permanent() ? 0 : kNodeTtl)));
    util::put_varint(out, n->created_index);
    util::put_varint(out, n->modified_index);
    if (!n->is_permanent()) util::put_fixed64(out, static_cast<uint64_t>(n->expire_time));
    if (n->is_dir()) {
      size_t count = 0;
      for (auto it = n->children->rbegin(); it != n->children->rend(); ++it) {
        stack.push_back(&*it);
        ++count;
      }
      util::put_varint(out, count);
    } else {
      util::put_bytes(out, n->value());
    }
    w.maybe_flush();
  }

  util::put_varint(out, s.history.size());
  for (size_t i = 0; i < s.history.size(); ++i) {
    const Event& e = *s.history.at(i);
    out.push_back(static_cast<char>(e.action));
    out.push_back(static_cast<char>((e.refresh ? kEventRefresh : 0) | (e.prev_node ? kEventPrev : 0)));
    util::put_varint(out, e.etcd_index);
    put_view(out, e.node);
    if (e.prev_node) put_view(out, *e.prev_node);
    w.maybe_flush();
  }
  return w.finish();
}

std::string Store::save_to_string() const {
  std::string out;
  util::StringSink sink(&out);
  util::Status st = save(sink);
  CHECK(st.ok(), "saving to a string cannot fail: %s", st.to_string().c_str());
  return out;
}

Result<std::unique_ptr<Store>, util::Status> Store::recover(util::ByteSource& src) {
  FormatReader r(src);
  char magic[sizeof kMagic];
  for (char& c : magic) c = static_cast<char>(r.byte());
  if (!r.ok() || std::memcmp(magic, kMagic, sizeof kMagic) != 0) {
    return util::Status::corruption("store snapshot: bad magic");
  }
  if (const uint32_t version = r.fixed32(); version != kFormatVersion) {
    return util::Status::corruption("store snapshot: unknown format version " +
                                    std::to_string(version));
  }
  auto store = std::make_unique<Store>();
  Impl& s = *store->impl_;
  s.root.children->clear_and_dispose([](Node* c) { destroy_subtree(c); });
  s.children_index.clear();
  s.current_index = r.varint();
  for (size_t i = 0; i < kNumStats; ++i) s.stats[i] = r.varint();

  // The root, then pre-order: `pending` holds each open directory and how many children it
  // still expects.
  std::string name, value;
  auto read_node_header = [&](Node* n) -> uint8_t {
    const uint8_t flags = r.byte();
    n->created_index = r.varint();
    n->modified_index = r.varint();
    if (flags & kNodeTtl) n->expire_time = static_cast<int64_t>(r.fixed64());
    if (flags & ~(kNodeDir | kNodeTtl)) r.fail("bad node flags");
    if ((flags & kNodeTtl) && n->expire_time == 0) r.fail("zero expire time");
    return flags;
  };
  r.bytes(&name);
  if (!name.empty() || !(read_node_header(&s.root) & kNodeDir) || s.root.expire_time != 0) {
    r.fail("bad root");
  }
  std::vector<std::pair<Node*, uint64_t>> pending{{&s.root, r.varint()}};
  while (r.ok() && !pending.empty()) {
    if (pending.back().second == 0) {
      pending.pop_back();
      continue;
    }
    --pending.back().second;
    Node* parent = pending.back().first;
    r.bytes(&name);
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
      r.fail("bad node name");
      break;
    }
    auto* n = new Node();
    n->assign(name, {});
    n->parent = parent;
    if (!s.link_child(parent, n, /*likely_last=*/true)) {
      delete n;
      r.fail("duplicate node name");
      break;
    }
    const uint8_t flags = read_node_header(n);
    if (n->expire_time != 0) s.ttl_heap.push(n);
    if (flags & kNodeDir) {
      n->children = std::make_unique<ChildSet>();
      const uint64_t count = r.varint();
      // The index grows once to its final size instead of doubling along the way; bounded, so
      // that a corrupt count cannot ask for more than 32 MB of slots before it is found out.
      constexpr uint64_t kMaxReserve = uint64_t{1} << 20;
      s.children_index.reserve(s.children_index.size() + std::min(count, kMaxReserve));
      pending.emplace_back(n, count);
    } else {
      r.bytes(&value);
      n->set_value(value);
    }
  }
  for (const char* ns : {"0", "1"}) {
    Node* n = s.child(&s.root, ns);
    if (r.ok() && (n == nullptr || !n->is_dir())) r.fail("namespace missing");
  }

  const uint64_t events = r.varint();
  if (events > s.history.capacity()) r.fail("history too long");
  for (uint64_t i = 0; r.ok() && i < events; ++i) {
    auto e = std::make_shared<Event>();
    const uint8_t action = r.byte();
    const uint8_t flags = r.byte();
    if (action > static_cast<uint8_t>(Action::kExpire) || action == 0 ||
        (flags & ~(kEventRefresh | kEventPrev))) {
      r.fail("bad event");
      break;
    }
    e->action = static_cast<Action>(action);
    e->refresh = flags & kEventRefresh;
    e->etcd_index = r.varint();
    read_view(r, e->node);
    if (flags & kEventPrev) read_view(r, e->prev_node.emplace());
    const uint64_t want = s.history.size() == 0 ? e->index() : s.history.last_index() + 1;
    if (e->index() != want || e->index() == 0 || e->index() > s.current_index) {
      r.fail("history is not contiguous");
      break;
    }
    s.history.add(std::move(e));
  }
  if (r.ok() && s.history.size() > 0 && s.history.last_index() != s.current_index) {
    r.fail("history does not end at the current index");
  }
  const uint32_t computed = r.crc_so_far();
  const uint32_t stored = r.fixed32();
  if (!r.ok()) return r.status();
  if (computed != stored) return util::Status::corruption("store snapshot: checksum mismatch");
  if (!r.at_end()) return util::Status::corruption("store snapshot: trailing bytes");
  return store;
}

Result<std::unique_ptr<Store>, util::Status> Store::recover_from_string(std::string_view bytes) {
  util::StringSource src(bytes);
  return recover(src);
}

}  // namespace arbor::store
