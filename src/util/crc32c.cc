#include "util/crc32c.h"

#include <array>
#include <cstring>

namespace arbor::util {
namespace {

constexpr uint32_t kPoly = 0x82F63B78u;  // Castagnoli, reflected.

constexpr std::array<uint32_t, 256> make_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t r = i;
    for (int k = 0; k < 8; ++k) r = (r & 1) ? (r >> 1) ^ kPoly : r >> 1;
    t[i] = r;
  }
  return t;
}
constexpr auto kTable = make_table();

uint32_t extend_table(uint32_t reg, const unsigned char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) reg = kTable[(reg ^ p[i]) & 0xff] ^ (reg >> 8);
  return reg;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t extend_hw(uint32_t reg, const unsigned char* p,
                                                     size_t n) {
  uint64_t r = reg;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    r = __builtin_ia32_crc32di(r, w);
    p += 8;
    n -= 8;
  }
  reg = static_cast<uint32_t>(r);
  while (n-- > 0) reg = __builtin_ia32_crc32qi(reg, *p++);
  return reg;
}
const bool kHaveHw = __builtin_cpu_supports("sse4.2");
#endif

}  // namespace

uint32_t crc32c_extend(uint32_t crc, const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
#if defined(__x86_64__)
  if (kHaveHw) return ~extend_hw(~crc, p, n);
#endif
  return ~extend_table(~crc, p, n);
}

}  // namespace arbor::util
