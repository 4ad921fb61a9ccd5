/* AVX2 log / power-of-two encoder, bit-identical to lq_log_encode1(): the
 * exponent and mantissa are read from the float bits, subnormals are scaled
 * by 2^32 first (exact), and log-domain rounding compares the mantissa field
 * with the constant thresholds. */
#include <immintrin.h>

#include "nonuniform/nonuniform_kernels.h"

static inline __m256i log8(__m256 xf, const lq_log_kparams* p) {
  __m256i bits = _mm256_castps_si256(xf);
  __m256i a = _mm256_and_si256(bits, _mm256_set1_epi32(0x7FFFFFFF));
  __m256i sub = _mm256_cmpgt_epi32(_mm256_set1_epi32(0x00800000), a);
  __m256i scaled = _mm256_castps_si256(_mm256_mul_ps(_mm256_castsi256_ps(a), _mm256_set1_ps(4294967296.0f)));
  __m256i b = _mm256_blendv_epi8(a, scaled, sub);
  __m256i e = _mm256_sub_epi32(_mm256_srli_epi32(b, 23), _mm256_set1_epi32(127));
  e = _mm256_sub_epi32(e, _mm256_and_si256(sub, _mm256_set1_epi32(32)));
  __m256i m = _mm256_and_si256(b, _mm256_set1_epi32(0x7FFFFF));
  __m256i t;
  if (p->base == 0) {
    t = _mm256_sub_epi32(e, _mm256_cmpgt_epi32(m, _mm256_set1_epi32(LQ_LOG_T_HALF - 1)));
  } else {
    t = _mm256_sub_epi32(_mm256_add_epi32(e, e), _mm256_cmpgt_epi32(m, _mm256_set1_epi32(LQ_LOG_T_Q1 - 1)));
    t = _mm256_sub_epi32(t, _mm256_cmpgt_epi32(m, _mm256_set1_epi32(LQ_LOG_T_Q3 - 1)));
  }
  __m256i zero = _mm256_or_si256(_mm256_cmpeq_epi32(a, _mm256_setzero_si256()),
                                 _mm256_cmpgt_epi32(a, _mm256_set1_epi32(0x7F800000)));
  zero = _mm256_or_si256(zero, _mm256_cmpgt_epi32(_mm256_set1_epi32(p->lo + 1), t));
  __m256i mag = _mm256_sub_epi32(_mm256_min_epi32(t, _mm256_set1_epi32(p->hi - 1)), _mm256_set1_epi32(p->lo));
  mag = _mm256_andnot_si256(zero, mag);
  __m256i neg = _mm256_srai_epi32(bits, 31);
  if (p->is_unsigned) return _mm256_andnot_si256(neg, mag);
  __m256i sbit = _mm256_and_si256(_mm256_and_si256(neg, _mm256_cmpgt_epi32(mag, _mm256_setzero_si256())),
                                  _mm256_set1_epi32(1 << p->mb));
  return _mm256_or_si256(mag, sbit);
}

void lq_uk_nonuniform_log_encode_f32_u8__avx2(size_t n, const float* x, const lq_log_kparams* p, uint8_t* c) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256i lo = log8(_mm256_loadu_ps(x + i), p), hi = log8(_mm256_loadu_ps(x + i + 8), p);
    __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(lo, hi), 0xD8);
    _mm_storeu_si128((__m128i*)(c + i), _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1)));
  }
  for (; i < n; i++) c[i] = lq_log_encode1(x[i], p);
}
