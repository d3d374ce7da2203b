#include "server/request.h"

#include "util/coding.h"

namespace arbor::server {
namespace {

constexpr uint8_t kVersion = 1;

// Bits of the flags word.
enum : uint32_t {
  kDir = 1u << 0,
  kHasPrevExist = 1u << 1,
  kPrevExist = 1u << 2,
  kWait = 1u << 3,
  kRecursive = 1u << 4,
  kSorted = 1u << 5,
  kQuorum = 1u << 6,
  kStream = 1u << 7,
  kHasRefresh = 1u << 8,
  kRefresh = 1u << 9,
  kKnownFlags = (1u << 10) - 1,
};

}  // namespace

std::string encode(const Request& req) {
  std::string out;
  out.reserve(32 + req.path.size() + req.val.size() + req.prev_value.size());
  out.push_back(static_cast<char>(kVersion));
  out.push_back(static_cast<char>(req.method));
  uint32_t flags = 0;
  if (req.dir) flags |= kDir;
  if (req.prev_exist) flags |= kHasPrevExist | (*req.prev_exist ? uint32_t{kPrevExist} : 0u);
  if (req.wait) flags |= kWait;
  if (req.recursive) flags |= kRecursive;
  if (req.sorted) flags |= kSorted;
  if (req.quorum) flags |= kQuorum;
  if (req.stream) flags |= kStream;
  if (req.refresh) flags |= kHasRefresh | (*req.refresh ? uint32_t{kRefresh} : 0u);
  util::put_varint(out, flags);
  util::put_varint(out, req.id);
  util::put_bytes(out, req.path);
  util::put_bytes(out, req.val);
  util::put_bytes(out, req.prev_value);
  util::put_varint(out, req.prev_index);
  util::put_varint_signed(out, req.expiration);
  util::put_varint(out, req.since);
  util::put_varint_signed(out, req.time);
  return out;
}

std::optional<Request> decode(std::string_view bytes) {
  util::Decoder d(bytes);
  std::string_view head = d.raw(2);
  if (!d.ok() || static_cast<uint8_t>(head[0]) != kVersion) return std::nullopt;
  const auto method = static_cast<uint8_t>(head[1]);
  if (method < static_cast<uint8_t>(Method::kGet) || method > static_cast<uint8_t>(Method::kSync))
    return std::nullopt;
  Request req;
  req.method = static_cast<Method>(method);
  const uint64_t flags = d.varint();
  if ((flags & ~static_cast<uint64_t>(kKnownFlags)) != 0) return std::nullopt;
  req.id = d.varint();
  req.path = std::string(d.bytes());
  req.val = std::string(d.bytes());
  req.prev_value = std::string(d.bytes());
  req.prev_index = d.varint();
  req.expiration = d.varint_signed();
  req.since = d.varint();
  req.time = d.varint_signed();
  if (!d.done()) return std::nullopt;
  req.dir = flags & kDir;
  if (flags & kHasPrevExist) req.prev_exist = (flags & kPrevExist) != 0;
  req.wait = flags & kWait;
  req.recursive = flags & kRecursive;
  req.sorted = flags & kSorted;
  req.quorum = flags & kQuorum;
  req.stream = flags & kStream;
  if (flags & kHasRefresh) req.refresh = (flags & kRefresh) != 0;
  return req;
}

}  // namespace arbor::server
