#include "http/peer_wire.h"

#include <algorithm>
#include <cctype>

namespace arbor::http {

namespace {

void write_length(std::string& s, size_t at, size_t n) {
  for (int i = 0; i < 4; ++i) s[at + static_cast<size_t>(i)] = static_cast<char>(n >> (24 - 8 * i));
}

}  // namespace

void append_frame(std::string& out, std::string_view payload) {
  const size_t at = out.size();
  out.append(4, '\0');
  out.append(payload);
  write_length(out, at, payload.size());
}

void set_frame_length(std::string& frame) { write_length(frame, 0, frame.size() - 4); }

std::optional<std::string> FrameReader::next() {
  if (failed_) return std::nullopt;
  if (buf_.size() - pos_ < 4) return std::nullopt;
  const auto* p = reinterpret_cast<const unsigned char*>(buf_.data() + pos_);
  const uint32_t n = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
  if (n > kMaxFrameBytes) {
    failed_ = true;
    return std::nullopt;
  }
  if (buf_.size() - pos_ - 4 < n) return std::nullopt;
  std::string frame = buf_.substr(pos_ + 4, n);
  pos_ += 4 + n;
  // Drop consumed bytes once they dominate the buffer, so it does not grow without bound.
  if (pos_ > 65536 && pos_ * 2 > buf_.size()) {
    buf_.erase(0, pos_);
    pos_ = 0;
  } else if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  }
  return frame;
}

bool parse_request_head(std::string_view head, RequestHead* out) {
  *out = RequestHead();
  size_t eol = head.find("\r\n");
  if (eol == std::string_view::npos) return false;
  std::string_view line = head.substr(0, eol);
  const size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return false;
  const size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return false;
  if (line.substr(sp2 + 1).substr(0, 7) != "HTTP/1.") return false;
  out->method = std::string(line.substr(0, sp1));
  out->path = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  head.remove_prefix(eol + 2);
  while (!head.empty()) {
    eol = head.find("\r\n");
    line = head.substr(0, eol);
    if (line.empty()) break;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    out->headers[name] = std::string(value);
    if (eol == std::string_view::npos) break;
    head.remove_prefix(eol + 2);
  }
  return true;
}

bool split_url_host_port(const std::string& url, std::string* host, std::string* port) {
  std::string_view u = url;
  const size_t scheme = u.find("://");
  if (scheme == std::string_view::npos) return false;
  u = u.substr(scheme + 3);
  while (!u.empty() && u.back() == '/') u.remove_suffix(1);
  const size_t colon = u.rfind(':');
  if (colon == std::string_view::npos) return false;
  std::string_view h = u.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  *host = std::string(h);
  *port = std::string(u.substr(colon + 1));
  return !port->empty();  // An empty host listens on every address.
}

int parse_status(std::string_view head) {
  if (head.size() < 12 || head.substr(0, 7) != "HTTP/1.") return 0;
  int code = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (head[i] < '0' || head[i] > '9') return 0;
    code = code * 10 + (head[i] - '0');
  }
  return code;
}

}  // namespace arbor::http
