/* AVX2 int8 GEMM (C = A·Bᵀ). int8 is widened to int16 (vpmovsxbw) and
 * multiplied with vpmaddwd: each int16 product is at most 2^14 and a pair
 * sum at most 2^15, so nothing saturates (vpmaddubsw's u8*s8 would saturate
 * at -128 * -128 + -128 * -128, and the vpsignb trick wraps -(-128)). */
#include <immintrin.h>

#include "llmrt/llmrt_kernels.h"

static inline int32_t tail_dot(size_t t, size_t k, const int8_t* a, const int8_t* b) {
  uint32_t s = 0;
  for (; t < k; t++) s += (uint32_t)((int32_t)a[t] * (int32_t)b[t]);
  return (int32_t)s;
}

static inline __m256i widen16(const int8_t* p) { return _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)p)); }

/* Sum of the 8 lanes of each of s0..s3 -> [sum s0, sum s1, sum s2, sum s3]. */
static inline __m128i hsum4(__m256i s0, __m256i s1, __m256i s2, __m256i s3) {
  __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(s0, s1), _mm256_hadd_epi32(s2, s3));
  return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

static void dot4(size_t k, const int8_t* a, const int8_t* b, int32_t* c) {
  const int8_t *b0 = b, *b1 = b + k, *b2 = b + 2 * k, *b3 = b + 3 * k;
  __m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0;
  size_t t = 0;
  for (; t + 16 <= k; t += 16) {
    __m256i av = widen16(a + t);
    s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(av, widen16(b0 + t)));
    s1 = _mm256_add_epi32(s1, _mm256_madd_epi16(av, widen16(b1 + t)));
    s2 = _mm256_add_epi32(s2, _mm256_madd_epi16(av, widen16(b2 + t)));
    s3 = _mm256_add_epi32(s3, _mm256_madd_epi16(av, widen16(b3 + t)));
  }
  int32_t r[4];
  _mm_storeu_si128((__m128i*)r, hsum4(s0, s1, s2, s3));
  /* Wrapping adds, as the vector lanes do. */
  c[0] = (int32_t)((uint32_t)r[0] + (uint32_t)tail_dot(t, k, a, b0));
  c[1] = (int32_t)((uint32_t)r[1] + (uint32_t)tail_dot(t, k, a, b1));
  c[2] = (int32_t)((uint32_t)r[2] + (uint32_t)tail_dot(t, k, a, b2));
  c[3] = (int32_t)((uint32_t)r[3] + (uint32_t)tail_dot(t, k, a, b3));
}

static int32_t dot1(size_t k, const int8_t* a, const int8_t* b) {
  __m256i s = _mm256_setzero_si256();
  size_t t = 0;
  for (; t + 16 <= k; t += 16) s = _mm256_add_epi32(s, _mm256_madd_epi16(widen16(a + t), widen16(b + t)));
  int32_t r[4];
  _mm_storeu_si128((__m128i*)r, hsum4(s, s, s, s));
  return (int32_t)((uint32_t)r[0] + (uint32_t)tail_dot(t, k, a, b));
}

void lq_uk_llmrt_gemm_s8__avx2(size_t m, size_t n, size_t k, const int8_t* a, const int8_t* b, int32_t* c) {
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
