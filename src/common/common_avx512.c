/* AVX-512 (F/BW/DQ/VL) kernels of the common module; bit-identical to _ref. */
#include <immintrin.h>
#include <math.h>

#include "common/common_kernels.h"
#include "common/fp16.h"

void lq_uk_reduce_minmax_f32__avx512(size_t n, const float* x, float* mn_out, float* mx_out) {
  __m512 mn = _mm512_set1_ps(INFINITY), mx = _mm512_set1_ps(-INFINITY);
  __mmask16 nan = 0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512 v = _mm512_loadu_ps(x + i);
    nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    /* min_ps returns the second operand when equal or unordered: NaN lanes
     * keep the accumulator; equal lanes OR (min) / AND (max) the sign bits. */
    __mmask16 eqn = _mm512_cmp_ps_mask(v, mn, _CMP_EQ_OQ);
    __mmask16 eqx = _mm512_cmp_ps_mask(v, mx, _CMP_EQ_OQ);
    mn = _mm512_min_ps(v, mn);
    mx = _mm512_max_ps(v, mx);
    mn = _mm512_mask_or_ps(mn, eqn, mn, v);
    mx = _mm512_mask_and_ps(mx, eqx, mx, v);
  }
  float lmn[16], lmx[16];
  _mm512_storeu_ps(lmn, mn);
  _mm512_storeu_ps(lmx, mx);
  int any_nan = nan != 0;
  float rmn = lmn[0], rmx = lmx[0];
  for (int j = 1; j < 16; j++) { rmn = lq_min_f32(rmn, lmn[j]); rmx = lq_max_f32(rmx, lmx[j]); }
  for (; i < n; i++) {
    float v = x[i];
    if (v != v) { any_nan = 1; continue; }
    rmn = lq_min_f32(rmn, v);
    rmx = lq_max_f32(rmx, v);
  }
  *mn_out = any_nan ? NAN : rmn;
  *mx_out = any_nan ? NAN : rmx;
}

void lq_uk_reduce_absmax_f32__avx512(size_t n, const float* x, float* out) {
  __m512 m = _mm512_setzero_ps();
  __mmask16 nan = 0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512 v = _mm512_abs_ps(_mm512_loadu_ps(x + i));
    nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    m = _mm512_max_ps(v, m);
  }
  float l[16];
  _mm512_storeu_ps(l, m);
  int any_nan = nan != 0;
  float r = 0.0f;
  for (int j = 0; j < 16; j++) r = l[j] > r ? l[j] : r;
  for (; i < n; i++) {
    float v = fabsf(x[i]);
    if (v != v) any_nan = 1;
    else if (v > r) r = v;
  }
  *out = any_nan ? NAN : r;
}

/* 16 lanes as two 8-double vectors: a0 = lanes 0..7, a1 = 8..15. */
static inline double lq_fold16_avx512(__m512d a0, __m512d a1) {
  a0 = _mm512_add_pd(a0, a1);                                                       /* j += j+8 */
  __m256d t4 = _mm256_add_pd(_mm512_castpd512_pd256(a0), _mm512_extractf64x4_pd(a0, 1)); /* j += j+4 */
  __m128d t2 = _mm_add_pd(_mm256_castpd256_pd128(t4), _mm256_extractf128_pd(t4, 1));      /* j += j+2 */
  return _mm_cvtsd_f64(t2) + _mm_cvtsd_f64(_mm_unpackhi_pd(t2, t2));                      /* j += j+1 */
}

#define LQ_SUM_BODY(SQ)                                                      \
  __m512d a0 = _mm512_setzero_pd(), a1 = a0;                                 \
  size_t i = 0;                                                              \
  for (; i + 16 <= n; i += 16) {                                             \
    __m512 v = _mm512_loadu_ps(x + i);                                       \
    __m512d d0 = _mm512_cvtps_pd(_mm512_castps512_ps256(v));                 \
    __m512d d1 = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))); \
    a0 = _mm512_add_pd(a0, SQ(d0));                                          \
    a1 = _mm512_add_pd(a1, SQ(d1));                                          \
  }                                                                          \
  double s = lq_fold16_avx512(a0, a1);

#define LQ_ID(d) (d)
#define LQ_SQ(d) _mm512_mul_pd(d, d)

void lq_uk_reduce_sum_f32__avx512(size_t n, const float* x, double* out) {
  LQ_SUM_BODY(LQ_ID)
  for (; i < n; i++) s += (double)x[i];
  *out = s == s ? s : (double)NAN; /* one canonical NaN: which NaN propagates is order-dependent */
}

void lq_uk_reduce_sumsq_f32__avx512(size_t n, const float* x, double* out) {
  LQ_SUM_BODY(LQ_SQ)
  for (; i < n; i++) s += (double)x[i] * (double)x[i];
  *out = s == s ? s : (double)NAN; /* one canonical NaN: which NaN propagates is order-dependent */
}

void lq_uk_convert_f32_f16__avx512(size_t n, const float* x, uint16_t* y) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm256_storeu_si256((__m256i*)(y + i), _mm512_cvtps_ph(_mm512_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
  for (; i < n; i++) y[i] = lq_f32_to_f16_inline(x[i]);
}

void lq_uk_convert_f16_f32__avx512(size_t n, const uint16_t* x, float* y) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(x + i))));
  for (; i < n; i++) y[i] = lq_f16_to_f32_inline(x[i]);
}

void lq_uk_convert_f32_bf16__avx512(size_t n, const float* x, uint16_t* y) {
  /* Integer rounding, not vcvtneps2bf16: that instruction flushes subnormals. */
  const __m512i bias = _mm512_set1_epi32(0x7fff), one = _mm512_set1_epi32(1), quiet = _mm512_set1_epi32(0x40);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512 v = _mm512_loadu_ps(x + i);
    __m512i f = _mm512_castps_si512(v);
    __m512i hi = _mm512_srli_epi32(f, 16);
    __m512i rounded = _mm512_srli_epi32(_mm512_add_epi32(f, _mm512_add_epi32(bias, _mm512_and_si512(hi, one))), 16);
    __mmask16 isnan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    __m512i r = _mm512_mask_or_epi32(rounded, isnan, hi, quiet);
    _mm256_storeu_si256((__m256i*)(y + i), _mm512_cvtepi32_epi16(r));
  }
  for (; i < n; i++) y[i] = lq_f32_to_bf16_inline(x[i]);
}

void lq_uk_convert_bf16_f32__avx512(size_t n, const uint16_t* x, float* y) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512i w = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i*)(x + i)));
    _mm512_storeu_ps(y + i, _mm512_castsi512_ps(_mm512_slli_epi32(w, 16)));
  }
  for (; i < n; i++) y[i] = lq_bf16_to_f32_inline(x[i]);
}
