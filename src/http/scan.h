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

inline size_t json_plain_prefix(const char* p, size_t n) {
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  const __m128i lt = _mm_set1_epi8('<'), gt = _mm_set1_epi8('>'), amp = _mm_set1_epi8('&');
  const __m128i space = _mm_set1_epi8(0x20);
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    // Signed: bytes >= 0x80 are negative, so "< 0x20" catches them with the control bytes.
    __m128i hit = _mm_cmplt_epi8(v, space);
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, quote));
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, backslash));
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, lt));
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, gt));
    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, amp));
    if (const int mask = _mm_movemask_epi8(hit); mask != 0) {
      return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
    }
  }
#endif
  while (i < n && !json_stops_run(static_cast<unsigned char>(p[i]))) ++i;
  return i;
}

// URL-encoded text: '%' (an escape) and, in a query or form, '+' (a space) end a plain run.
inline size_t url_plain_prefix(const char* p, size_t n, bool plus_is_space) {
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i pct = _mm_set1_epi8('%');
  // Without plus_is_space, '+' is plain: compare against '%' twice instead.
  const __m128i plus = _mm_set1_epi8(plus_is_space ? '+' : '%');
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(v, pct), _mm_cmpeq_epi8(v, plus));
    if (const int mask = _mm_movemask_epi8(hit); mask != 0) {
      return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
    }
  }
#endif
  while (i < n && p[i] != '%' && (p[i] != '+' || !plus_is_space)) ++i;
  return i;
}

}  // namespace arbor::http
