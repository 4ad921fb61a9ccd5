/* AVX-512 (F/BW) int8 GEMM: a lane-for-lane mirror of llmrt_avx2.c with 32
 * int8 per step (vpmovsxbw zmm, vpmaddwd zmm). Integer sums are exact and
 * order-independent, so the horizontal reduction order does not matter. */
#include <immintrin.h>

#include "llmrt/llmrt_kernels.h"

static inline int32_t tail_dot(size_t t, size_t k, const int8_t* a, const int8_t* b) {
  uint32_t s = 0;
  for (; t < k; t++) s += (uint32_t)((int32_t)a[t] * (int32_t)b[t]);
  return (int32_t)s;
}

static inline __m512i widen16(const int8_t* p) {
  return _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i*)p));
}

/* Horizontal sum with wrapping int32 adds (no _mm512_reduce_add_epi32: its
 * signed-overflow behaviour is left to the compiler). */
static inline uint32_t hsum(__m512i s) {
  uint32_t l[16];
  _mm512_storeu_si512((void*)l, s);
  uint32_t r = 0;
  for (int q = 0; q < 16; q++) r += l[q];
  return r;
}

static void dot4(size_t k, const int8_t* a, const int8_t* b, int32_t* c) {
  const int8_t *b0 = b, *b1 = b + k, *b2 = b + 2 * k, *b3 = b + 3 * k;
  __m512i s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0;
  size_t t = 0;
  for (; t + 32 <= k; t += 32) {
    __m512i av = widen16(a + t);
    s0 = _mm512_add_epi32(s0, _mm512_madd_epi16(av, widen16(b0 + t)));
    s1 = _mm512_add_epi32(s1, _mm512_madd_epi16(av, widen16(b1 + t)));
    s2 = _mm512_add_epi32(s2, _mm512_madd_epi16(av, widen16(b2 + t)));
    s3 = _mm512_add_epi32(s3, _mm512_madd_epi16(av, widen16(b3 + t)));
  }
  c[0] = (int32_t)(hsum(s0) + (uint32_t)tail_dot(t, k, a, b0));
  c[1] = (int32_t)(hsum(s1) + (uint32_t)tail_dot(t, k, a, b1));
  c[2] = (int32_t)(hsum(s2) + (uint32_t)tail_dot(t, k, a, b2));
  c[3] = (int32_t)(hsum(s3) + (uint32_t)tail_dot(t, k, a, b3));
}

static int32_t dot1(size_t k, const int8_t* a, const int8_t* b) {
  __m512i s = _mm512_setzero_si512();
  size_t t = 0;
  for (; t + 32 <= k; t += 32) s = _mm512_add_epi32(s, _mm512_madd_epi16(widen16(a + t), widen16(b + t)));
  return (int32_t)(hsum(s) + (uint32_t)tail_dot(t, k, a, b));
}

void lq_uk_llmrt_gemm_s8__avx512(size_t m, size_t n, size_t k, const int8_t* a, const int8_t* b, int32_t* c) {
  const size_t mb = lq_llmrt_row_block(k);
  for (size_t i0 = 0; i0 < m; i0 += mb) {
    size_t i1 = m - i0 < mb ? m : i0 + mb;
    size_t j = 0;
    for (; j + 4 <= n; j += 4)
      for (size_t i = i0; i < i1; i++) dot4(k, a + i * k, b + j * k, c + i * n + j);
    for (; j < n; j++)
      for (size_t i = i0; i < i1; i++) c[i * n + j] = dot1(k, a + i * k, b + j * k);
  }
}
