#include "cli/transfer.h"

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "cli/progress.h"

namespace arbor::cli {
namespace {

using Json = nlohmann::json;

// A value as a JSON string, readable in a terminal: no HTML escapes, invalid UTF-8 replaced.
std::string quoted(const std::string& v) {
  return Json(v).dump(-1, ' ', false, Json::error_handler_t::replace);
}

// The store root comes back without a key.
std::string key_or_root(const Node& n) { return n.key.empty() ? "/" : n.key; }

std::string join_key(std::string_view dir, std::string_view rel) {
  std::string d(dir);
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  if (rel.empty()) return d.empty() ? "/" : d;
  if (d == "/" || d.empty()) return std::string(rel);
  return d + std::string(rel);
}

void plan(const Node& n, std::string_view root_key, std::string_view dest, bool is_root,
          std::vector<ImportOp>* ops) {
  std::string rel = key_or_root(n).substr(root_key == "/" ? 0 : root_key.size());
  if (root_key == "/" && rel == "/") rel.clear();
  const std::string target = join_key(dest, rel);
  if (!n.dir) {
    ops->push_back({target, false, n.value, n.ttl});
    return;
  }
  const bool needed = n.ttl > 0 || n.nodes.empty();
  if (needed && !(is_root && target == "/")) ops->push_back({target, true, "", n.ttl});
  for (const Node& c : n.nodes) plan(c, root_key, dest, false, ops);
}

void tree_lines(const Node& n, const std::string& prefix, size_t* dirs, size_t* keys,
                std::string* out) {
  for (size_t i = 0; i < n.nodes.size(); ++i) {
    const Node& c = n.nodes[i];
    const bool last = i + 1 == n.nodes.size();
    const std::string name = c.key.substr(c.key.rfind('/') + 1);
    *out += prefix + (last ? "└── " : "├── ") + name;
    if (c.dir) {
      *out += "/";
      ++*dirs;
    } else {
      *out += " = " + quoted(c.value);
      ++*keys;
    }
    if (c.ttl > 0) *out += "  (ttl " + std::to_string(c.ttl) + "s)";
    *out += "\n";
    if (c.dir) tree_lines(c, prefix + (last ? "    " : "│   "), dirs, keys, out);
  }
}

KeysResult get_recursive(Session& s, const std::string& key, bool sorted,
                         std::function<void(uint64_t, uint64_t)> progress = nullptr) {
  HttpRequest req;
  req.path = keys_path(key);
  req.query = {{"recursive", "true"}, {"sorted", sorted ? "true" : "false"}, {"quorum", "false"}};
  req.progress = std::move(progress);
  // A whole subtree may take longer than --total-timeout's default; only --timeout applies.
  return keys_call(s, req, std::nullopt);
}

}  // namespace

std::optional<Node> parse_export(std::string_view json, std::string* error) {
  Json j = Json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    *error = "not a JSON object";
    return std::nullopt;
  }
  if (j.contains("node") && !j.contains("key") && !j.contains("dir")) j = j["node"];
  auto n = parse_node_json(j.dump());
  if (!n) *error = "not a v2 node object";
  return n;
}

std::vector<ImportOp> plan_import(const Node& root, std::string_view dest) {
  std::vector<ImportOp> ops;
  plan(root, key_or_root(root), dest, true, &ops);
  return ops;
}

std::string render_tree(const Node& root) {
  std::string out = key_or_root(root);
  size_t dirs = 0, keys = 0;
  if (root.dir) {
    if (out != "/") out += "/";
  } else {
    out += " = " + quoted(root.value);
    keys = 1;
  }
  if (root.ttl > 0) out += "  (ttl " + std::to_string(root.ttl) + "s)";
  out += "\n";
  tree_lines(root, "", &dirs, &keys, &out);
  out += "\n" + std::to_string(dirs) + (dirs == 1 ? " directory, " : " directories, ") +
         std::to_string(keys) + (keys == 1 ? " key\n" : " keys\n");
  return out;
}

int cmd_tree(Session& s) {
  if (int rc = connect(s, true)) return rc;
  const std::string key = s.args.empty() ? "/" : s.args[0];
  KeysResult r = get_recursive(s, key, s.flags->get_bool("sort"));
  if (!r.response) return handle_error(kExitServerError, r.error, r.detail);
  out(render_tree(r.response->node.value_or(Node{})));
  return kExitSuccess;
}

int cmd_export(Session& s) {
  if (int rc = connect(s, true)) return rc;
  if (s.args.empty()) return handle_error(kExitBadArgs, "directory required");
  Progress progress(s.flags->get_bool("progress") || isatty(STDERR_FILENO), STDERR_FILENO, "B");
  KeysResult r = get_recursive(s, s.args[0], true,
                               [&](uint64_t cur, uint64_t total) { progress.update(cur, total); });
  progress.finish();
  if (!r.response) return handle_error(kExitServerError, r.error, r.detail);
  Node root = r.response->node.value_or(Node{});
  if (root.key.empty()) root.key = "/";
  out(node_json(root) + "\n");
  return kExitSuccess;
}

int cmd_import(Session& s) {
  if (int rc = connect(s, true)) return rc;
  if (s.args.empty()) return handle_error(kExitBadArgs, "export file required");
  std::string text;
  if (s.args[0] == "-") {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    text = ss.str();
  } else {
    std::ifstream in(s.args[0], std::ios::binary);
    if (!in) return handle_error(kExitBadArgs, "open " + s.args[0] + ": cannot read the file");
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  std::string error;
  auto root = parse_export(text, &error);
  if (!root) return handle_error(kExitBadArgs, s.args[0] + ": " + error);
  const std::string dest = s.args.size() > 1 ? s.args[1] : key_or_root(*root);
  const std::vector<ImportOp> ops = plan_import(*root, dest);
  const bool skip_existing = s.flags->get_bool("skip-existing");
  // The bar goes to stderr when it is a terminal (or with --progress), else to stdout when
  // that is one: import writes nothing else to stdout.
  const bool on_stderr = s.flags->get_bool("progress") || isatty(STDERR_FILENO);
  Progress progress(on_stderr || isatty(STDOUT_FILENO), on_stderr ? STDERR_FILENO : STDOUT_FILENO,
                    "keys");
  size_t created = 0, skipped = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    const ImportOp& op = ops[i];
    HttpRequest req;
    req.method = "PUT";
    req.path = keys_path(op.key);
    std::vector<std::pair<std::string, std::string>> form, query;
    if (op.dir)
      query.emplace_back("dir", "true");
    else
      form.emplace_back("value", op.value);
    // Create only: an import never overwrites what is already there.
    query.emplace_back("prevExist", "false");
    if (op.ttl > 0) form.emplace_back("ttl", std::to_string(op.ttl));
    req.query = query;
    req.body = encode_values(form);
    req.content_type = "application/x-www-form-urlencoded";
    KeysResult r = keys_call(s, req, s.deadline());
    if (!r.response) {
      // 105 Key already exists: a resumed import (--skip-existing) passes over it.
      if (skip_existing && r.error.rfind("105:", 0) == 0) {
        ++skipped;
      } else {
        progress.finish();
        return handle_error(kExitServerError, r.error, r.detail);
      }
    } else {
      ++created;
    }
    progress.update(i + 1, ops.size());
  }
  progress.finish();
  err("imported " + std::to_string(created) + " of " + std::to_string(ops.size()) + " nodes into " +
      dest + (skipped ? " (" + std::to_string(skipped) + " already there)" : "") + "\n");
  return kExitSuccess;
}

}  // namespace arbor::cli
