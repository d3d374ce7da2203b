#include "store/key_path.h"

#include <vector>

namespace arbor::store {

bool is_clean_path(std::string_view p) {
  if (p.empty() || p[0] != '/') return false;
  if (p.size() == 1) return true;
  if (p.back() == '/') return false;
  size_t start = 1;
  while (start <= p.size()) {
    size_t end = p.find('/', start);
    if (end == std::string_view::npos) end = p.size();
    std::string_view comp = p.substr(start, end - start);
    if (comp.empty() || comp == "." || comp == "..") return false;
    start = end + 1;
  }
  return true;
}

std::string clean_path(std::string_view p) {
  if (is_clean_path(p)) return std::string(p);
  // Components of "/" + p, with "." dropped and ".." popping (never above the root).
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find('/', start);
    if (end == std::string_view::npos) end = p.size();
    std::string_view comp = p.substr(start, end - start);
    if (comp == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!comp.empty() && comp != ".") {
      parts.push_back(comp);
    }
    start = end + 1;
  }
  if (parts.empty()) return "/";
  std::string out;
  for (std::string_view comp : parts) {
    out.push_back('/');
    out.append(comp);
  }
  return out;
}

std::string_view base_name(std::string_view clean) {
  size_t slash = clean.rfind('/');
  return slash == std::string_view::npos ? clean : clean.substr(slash + 1);
}

bool is_hidden_from(std::string_view watch_path, std::string_view key) {
  // etcd: if the watch path is longer than the key, nothing is hidden; otherwise the rest of the
  // key below the watch path, cleaned, is hidden when it contains "/_".
  if (watch_path.size() > key.size()) return false;
  std::string rest = clean_path(std::string("/").append(key.substr(watch_path.size())));
  return rest.find("/_") != std::string::npos;
}

}  // namespace arbor::store
