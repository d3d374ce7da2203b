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
  // Two bytes, seven varints of at most 10 bytes and three lengths of at most 5: one allocation.
  out.reserve(2 + 7 * 10 + 3 * 5 + req.path.size() + req.val.size() + req.prev_value.size());
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

bool decode_into(std::string_view bytes, Request* out) {
  util::Decoder d(bytes);
  std::string_view head = d.raw(2);
  if (!d.ok() || static_cast<uint8_t>(head[0]) != kVersion) return false;
  const auto method = static_cast<uint8_t>(head[1]);
  if (method < static_cast<uint8_t>(Method::kGet) || method > static_cast<uint8_t>(Method::kSync))
    return false;
  Request& req = *out;
  req.method = static_cast<Method>(method);
  const uint64_t flags = d.varint();
  if ((flags & ~static_cast<uint64_t>(kKnownFlags)) != 0) return false;
  req.id = d.varint();
  // assign() keeps the strings' capacity: a reused Request decodes without allocating.
  req.path.assign(d.bytes());
  req.val.assign(d.bytes());
  req.prev_value.assign(d.bytes());
  req.prev_index = d.varint();
  req.expiration = d.varint_signed();
  req.since = d.varint();
  req.time = d.varint_signed();
  if (!d.done()) return false;
  req.dir = flags & kDir;
  req.prev_exist.reset();
  if (flags & kHasPrevExist) req.prev_exist = (flags & kPrevExist) != 0;
  req.wait = flags & kWait;
  req.recursive = flags & kRecursive;
  req.sorted = flags & kSorted;
  req.quorum = flags & kQuorum;
  req.stream = flags & kStream;
  req.refresh.reset();
  if (flags & kHasRefresh) req.refresh = (flags & kRefresh) != 0;
  return true;
}

std::optional<Request> decode(std::string_view bytes) {
  Request req;
  if (!decode_into(bytes, &req)) return std::nullopt;
  return req;
}

}  // namespace arbor::server
