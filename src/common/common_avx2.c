/* AVX2 (+F16C) kernels of the common module. Results equal the _ref kernels
 * bit for bit: reductions follow the canonical 16-lane order, min/max use the
 * order-independent -0/+0 rule, conversions use F16C with immediate RNE. */
#include <immintrin.h>
#include <math.h>

#include "common/common_kernels.h"
#include "common/fp16.h"

void lq_uk_reduce_minmax_f32__avx2(size_t n, const float* x, float* mn_out, float* mx_out) {
  __m256 mn = _mm256_set1_ps(INFINITY), mx = _mm256_set1_ps(-INFINITY), nan = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps(x + i);
    nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    /* min_ps returns the second operand when equal or unordered: NaN lanes
     * keep the accumulator; equal lanes OR (min) / AND (max) the sign bits. */
    __m256 eq = _mm256_cmp_ps(v, mn, _CMP_EQ_OQ);
    mn = _mm256_or_ps(_mm256_min_ps(v, mn), _mm256_and_ps(eq, v));
    __m256 ne = _mm256_cmp_ps(v, mx, _CMP_NEQ_UQ);
    mx = _mm256_and_ps(_mm256_max_ps(v, mx), _mm256_or_ps(ne, v));
  }
  float lmn[8], lmx[8];
  _mm256_storeu_ps(lmn, mn);
  _mm256_storeu_ps(lmx, mx);
  int any_nan = _mm256_movemask_ps(nan) != 0;
  float rmn = lmn[0], rmx = lmx[0];
  for (int j = 1; j < 8; j++) { rmn = lq_min_f32(rmn, lmn[j]); rmx = lq_max_f32(rmx, lmx[j]); }
  for (; i < n; i++) {
    float v = x[i];
    if (v != v) { any_nan = 1; continue; }
    rmn = lq_min_f32(rmn, v);
    rmx = lq_max_f32(rmx, v);
  }
  *mn_out = any_nan ? NAN : rmn;
  *mx_out = any_nan ? NAN : rmx;
}

void lq_uk_reduce_absmax_f32__avx2(size_t n, const float* x, float* out) {
  const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  __m256 m = _mm256_setzero_ps(), nan = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_and_ps(_mm256_loadu_ps(x + i), absmask);
    nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    m = _mm256_max_ps(v, m); /* NaN lane: keeps m */
  }
  float l[8];
  _mm256_storeu_ps(l, m);
  int any_nan = _mm256_movemask_ps(nan) != 0;
  float r = 0.0f;
  for (int j = 0; j < 8; j++) r = l[j] > r ? l[j] : r;
  for (; i < n; i++) {
    float v = fabsf(x[i]);
    if (v != v) any_nan = 1;
    else if (v > r) r = v;
  }
  *out = any_nan ? NAN : r;
}

/* 16 lanes as four 4-double vectors: a0 = lanes 0..3, a1 = 4..7, a2 = 8..11, a3 = 12..15. */
static inline double lq_fold16_avx2(__m256d a0, __m256d a1, __m256d a2, __m256d a3) {
  a0 = _mm256_add_pd(a0, a2); /* j += j+8 */
  a1 = _mm256_add_pd(a1, a3);
  a0 = _mm256_add_pd(a0, a1); /* j += j+4 */
  __m128d t = _mm_add_pd(_mm256_castpd256_pd128(a0), _mm256_extractf128_pd(a0, 1)); /* j += j+2 */
  return _mm_cvtsd_f64(t) + _mm_cvtsd_f64(_mm_unpackhi_pd(t, t));                  /* j += j+1 */
}

#define LQ_SUM_BODY(SQ)                                                           \
  __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;                   \
  size_t i = 0;                                                                   \
  for (; i + 16 <= n; i += 16) {                                                  \
    __m256 v0 = _mm256_loadu_ps(x + i), v1 = _mm256_loadu_ps(x + i + 8);          \
    __m256d d0 = _mm256_cvtps_pd(_mm256_castps256_ps128(v0));                     \
    __m256d d1 = _mm256_cvtps_pd(_mm256_extractf128_ps(v0, 1));                   \
    __m256d d2 = _mm256_cvtps_pd(_mm256_castps256_ps128(v1));                     \
    __m256d d3 = _mm256_cvtps_pd(_mm256_extractf128_ps(v1, 1));                   \
    a0 = _mm256_add_pd(a0, SQ(d0));                                               \
    a1 = _mm256_add_pd(a1, SQ(d1));                                               \
    a2 = _mm256_add_pd(a2, SQ(d2));                                               \
    a3 = _mm256_add_pd(a3, SQ(d3));                                               \
  }                                                                               \
  double s = lq_fold16_avx2(a0, a1, a2, a3);

#define LQ_ID(d) (d)
#define LQ_SQ(d) _mm256_mul_pd(d, d)

void lq_uk_reduce_sum_f32__avx2(size_t n, const float* x, double* out) {
  LQ_SUM_BODY(LQ_ID)
  for (; i < n; i++) s += (double)x[i];
  *out = s == s ? s : (double)NAN; /* one canonical NaN: which NaN propagates is order-dependent */
}

void lq_uk_reduce_sumsq_f32__avx2(size_t n, const float* x, double* out) {
  LQ_SUM_BODY(LQ_SQ)
  for (; i < n; i++) s += (double)x[i] * (double)x[i];
  *out = s == s ? s : (double)NAN; /* one canonical NaN: which NaN propagates is order-dependent */
}

void lq_uk_convert_f32_f16__avx2(size_t n, const float* x, uint16_t* y) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128((__m128i*)(y + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
  for (; i < n; i++) y[i] = lq_f32_to_f16_inline(x[i]);
}

void lq_uk_convert_f16_f32__avx2(size_t n, const uint16_t* x, float* y) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(x + i))));
  for (; i < n; i++) y[i] = lq_f16_to_f32_inline(x[i]);
}

void lq_uk_convert_f32_bf16__avx2(size_t n, const float* x, uint16_t* y) {
  const __m256i bias = _mm256_set1_epi32(0x7fff), one = _mm256_set1_epi32(1), quiet = _mm256_set1_epi32(0x40);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256i r[2];
    for (int h = 0; h < 2; h++) {
      __m256 v = _mm256_loadu_ps(x + i + 8 * h);
      __m256i f = _mm256_castps_si256(v);
      __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(f, 16), one);
      __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(f, _mm256_add_epi32(bias, lsb)), 16);
      __m256i nanv = _mm256_or_si256(_mm256_srli_epi32(f, 16), quiet);
      __m256i isnan = _mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_UNORD_Q));
      r[h] = _mm256_blendv_epi8(rounded, nanv, isnan);
    }
    /* packus works per 128-bit lane: fix the order with a 64-bit permute. */
    __m256i p = _mm256_permute4x64_epi64(_mm256_packus_epi32(r[0], r[1]), 0xD8);
    _mm256_storeu_si256((__m256i*)(y + i), p);
  }
  for (; i < n; i++) y[i] = lq_f32_to_bf16_inline(x[i]);
}

void lq_uk_convert_bf16_f32__avx2(size_t n, const uint16_t* x, float* y) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*)(x + i)));
    _mm256_storeu_ps(y + i, _mm256_castsi256_ps(_mm256_slli_epi32(w, 16)));
  }
  for (; i < n; i++) y[i] = lq_bf16_to_f32_inline(x[i]);
}
