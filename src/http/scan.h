#pragma once
// Byte scans for the request and reply hot paths, 16 bytes at a time with SSE2 (part of every
// x86-64 CPU), a byte at a time elsewhere. Each returns how many leading bytes of [p, p + n)
// are plain, that is the index of the first byte that needs attention (n if none).
//
// Thread-safe (pure functions).

#include <cstddef>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace arbor::http {

// JSON strings as Go's encoding/json writes them: control characters, '"', '\\', the HTML
// escapes '<', '>', '&', and every non-ASCII byte (to be checked as UTF-8) end a plain run.
inline bool json_stops_run(unsigned char c) {
  return c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= 0x80;
}

#if defined(__SSE2__)
// The whole 16-byte blocks of [p, p + n): the index of the first byte whose lane is set in
// hit(block) (a per-byte 0x00/0xff mask), or where the blocks end if none is. Callers finish
// with their byte loop, which stops at once on a byte a block found.
template <class Hit>
inline size_t first_hit_in_blocks(const char* p, size_t n, Hit hit) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    if (const int mask = _mm_movemask_epi8(hit(v)); mask != 0) {
      return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
    }
  }
  return i;
}
#endif

inline size_t json_plain_prefix(const char* p, size_t n) {
  size_t i = 0;
#if defined(__SSE2__)
  i = first_hit_in_blocks(p, n, [](__m128i v) {
    // Signed: bytes >= 0x80 are negative, so "< 0x20" catches them with the control bytes.
    __m128i hit = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, _mm_set1_epi8('<')));
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, _mm_set1_epi8('>')));
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, _mm_set1_epi8('&')));
    return hit;
  });
#endif
  while (i < n && !json_stops_run(static_cast<unsigned char>(p[i]))) ++i;
  return i;
}

// URL-encoded text: '%' (an escape) and, in a query or form, '+' (a space) end a plain run.
inline size_t url_plain_prefix(const char* p, size_t n, bool plus_is_space) {
  size_t i = 0;
#if defined(__SSE2__)
  // Without plus_is_space, '+' is plain: compare against '%' twice instead.
  const char second = plus_is_space ? '+' : '%';
  i = first_hit_in_blocks(p, n, [second](__m128i v) {
    return _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('%')),
                        _mm_cmpeq_epi8(v, _mm_set1_epi8(second)));
  });
#endif
  while (i < n && p[i] != '%' && (p[i] != '+' || !plus_is_space)) ++i;
  return i;
}

}  // namespace arbor::http
