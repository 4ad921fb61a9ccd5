/* AVX2 quantizers of ggml's Q4_1, Q5_0 and Q5_1: per block the reference's
 * scale (the same scalar float expressions), then 8 elements per vector with
 * the reference's operations (separate multiply and add, -ffp-contract=off)
 * and its float -> int8_t / uint8_t conversion emulated exactly (truncation,
 * out-of-range and NaN to 0, the int8 wrap of 128). Byte-identical to
 * ggml_quant_ref.c (tests/test_llm_kernels.c). */
#include <immintrin.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "llm/ggml_kernels.h"
#include "llm/llm_kernels.h"

static inline lq_half f2h_f16c(float f) { /* round to nearest even, as lq_f2h */
  const uint16_t u = (uint16_t)_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT);
  lq_half h = {{(uint8_t)u, (uint8_t)(u >> 8)}};
  return h;
}

/* Largest |x| bit pattern of the row so far: >= 0x7f800000 means NaN/Inf. */
static inline __m256i track_abs_bits(__m256i all, const __m256 v[4]) {
  const __m256i absmask = _mm256_set1_epi32(0x7fffffff);
  for (int t = 0; t < 4; t++) all = _mm256_max_epi32(all, _mm256_and_si256(_mm256_castps_si256(v[t]), absmask));
  return all;
}

static inline int row_nonfinite(__m256i all) {
  return _mm256_movemask_epi8(_mm256_cmpgt_epi32(all, _mm256_set1_epi32(0x7f7fffff))) != 0;
}

static inline float hmin8(__m256 m) {
  __m128 h = _mm_min_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  h = _mm_min_ps(h, _mm_movehl_ps(h, h));
  return _mm_cvtss_f32(_mm_min_ss(h, _mm_movehdup_ps(h)));
}

static inline float hmax8(__m256 m) {
  __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  h = _mm_max_ps(h, _mm_movehl_ps(h, h));
  return _mm_cvtss_f32(_mm_max_ss(h, _mm_movehdup_ps(h)));
}

/* The reference's min/max scan (strict compares from +-FLT_MAX). Vector
 * min/max give the same value; only a zero result can differ (+0 vs -0:
 * the scan keeps the first), so zeros take the scalar scan. */
static inline void block_minmax(const float* x, const __m256 v[4], float* mn, float* mx) {
  const float min = hmin8(_mm256_min_ps(_mm256_min_ps(v[0], v[1]), _mm256_min_ps(v[2], v[3])));
  const float max = hmax8(_mm256_max_ps(_mm256_max_ps(v[0], v[1]), _mm256_max_ps(v[2], v[3])));
  if (min != 0.0f && max != 0.0f) {
    *mn = min;
    *mx = max;
    return;
  }
  float a = FLT_MAX, b = -FLT_MAX;
  for (int j = 0; j < LQ_QK; j++) {
    if (x[j] < a) a = x[j];
    if (x[j] > b) b = x[j];
  }
  *mn = a;
  *mx = b;
}

/* C's (int8_t)(int)s with ggml-on-x86's 0 for |s| >= 128.5 and NaN. */
static inline __m256i trunc_i8_ps(__m256 s) {
  const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 ok = _mm256_cmp_ps(_mm256_and_ps(s, absmask), _mm256_set1_ps(128.5f), _CMP_LT_OQ);
  const __m256i t = _mm256_and_si256(_mm256_cvttps_epi32(s), _mm256_castps_si256(ok));
  return _mm256_srai_epi32(_mm256_slli_epi32(t, 24), 24); /* 128 wraps to -128 */
}

/* C's (uint8_t)(int)s with 0 outside (-1, 256) and for NaN. */
static inline __m256i trunc_u8_ps(__m256 s) {
  const __m256 ok = _mm256_and_ps(_mm256_cmp_ps(s, _mm256_set1_ps(-1.0f), _CMP_GT_OQ),
                                  _mm256_cmp_ps(s, _mm256_set1_ps(256.0f), _CMP_LT_OQ));
  return _mm256_and_si256(_mm256_cvttps_epi32(s), _mm256_castps_si256(ok));
}

/* qs[j] = low byte of (q[j] & lo_mask) | ((q[j + 16] & lo_mask) << 4), j = 0..15. */
static inline void store_nibbles(const __m256i q[4], __m256i lo_mask, uint8_t* qs) {
  const __m256i ff = _mm256_set1_epi32(0xFF);
  const __m256i b0 = _mm256_and_si256(
      _mm256_or_si256(_mm256_and_si256(q[0], lo_mask), _mm256_slli_epi32(_mm256_and_si256(q[2], lo_mask), 4)), ff);
  const __m256i b1 = _mm256_and_si256(
      _mm256_or_si256(_mm256_and_si256(q[1], lo_mask), _mm256_slli_epi32(_mm256_and_si256(q[3], lo_mask), 4)), ff);
  __m256i w = _mm256_packus_epi16(_mm256_packs_epi32(b0, b1), _mm256_setzero_si256());
  w = _mm256_permutevar8x32_epi32(w, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  _mm_storeu_si128((__m128i*)qs, _mm256_castsi256_si128(w));
}

/* Bit 4 of the 32 codes, element j at bit j (ggml's qh, little-endian). */
static inline uint32_t fifth_bits(const __m256i q[4]) {
  uint32_t qh = 0;
  for (int t = 0; t < 4; t++)
    qh |= (uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_slli_epi32(q[t], 27))) << (8 * t);
  return qh;
}

int lq_uk_llm_q4_1_quant__avx2(size_t nb, const float* x, void* vb) {
  lq_block_q4_1* y = (lq_block_q4_1*)vb;
  const __m256 half = _mm256_set1_ps(0.5f);
  const __m256i fifteen = _mm256_set1_epi32(15), all_bits = _mm256_set1_epi32(-1);
  __m256i all = _mm256_setzero_si256();
  for (size_t i = 0; i < nb; i++, x += LQ_QK) {
    __m256 v[4];
    for (int t = 0; t < 4; t++) v[t] = _mm256_loadu_ps(x + 8 * t);
    all = track_abs_bits(all, v);
    float min, max;
    block_minmax(x, v, &min, &max);
    const float d = (max - min) / 15.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = f2h_f16c(d);
    y[i].m = f2h_f16c(min);
    const __m256 vmin = _mm256_set1_ps(min), vid = _mm256_set1_ps(id);
    __m256i q[4];
    for (int t = 0; t < 4; t++)
      q[t] = _mm256_min_epi32(trunc_i8_ps(_mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(v[t], vmin), vid), half)), fifteen);
    store_nibbles(q, all_bits, y[i].qs); /* (xi0 | xi1 << 4) as the reference: no masking */
  }
  return row_nonfinite(all);
}

int lq_uk_llm_q5_0_quant__avx2(size_t nb, const float* x, void* vb) {
  lq_block_q5_0* y = (lq_block_q5_0*)vb;
  const __m256i absmask = _mm256_set1_epi32(0x7fffffff);
  const __m256 off = _mm256_set1_ps(16.5f);
  const __m256i thirtyone = _mm256_set1_epi32(31), m4 = _mm256_set1_epi32(0x0F);
  __m256i all = _mm256_setzero_si256();
  for (size_t i = 0; i < nb; i++, x += LQ_QK) {
    __m256 v[4];
    __m256i a[4];
    for (int t = 0; t < 4; t++) {
      v[t] = _mm256_loadu_ps(x + 8 * t);
      a[t] = _mm256_and_si256(_mm256_castps_si256(v[t]), absmask);
    }
    __m256i m = _mm256_max_epi32(_mm256_max_epi32(a[0], a[1]), _mm256_max_epi32(a[2], a[3]));
    all = _mm256_max_epi32(all, m);
    m = _mm256_max_epi32(m, _mm256_permute2x128_si256(m, m, 0x01));
    m = _mm256_max_epi32(m, _mm256_shuffle_epi32(m, 0x4E));
    m = _mm256_max_epi32(m, _mm256_shuffle_epi32(m, 0xB1)); /* |x| max bits in every lane */
    float max = 0.0f;
    if (_mm256_cvtsi256_si32(m) != 0) { /* the first element reaching amax: the reference's strict < scan */
      uint32_t mask = 0;
      for (int t = 0; t < 4; t++)
        mask |= (uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(a[t], m))) << (8 * t);
      max = x[__builtin_ctz(mask)];
    }
    const float d = max / -16.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = f2h_f16c(d);
    const __m256 vid = _mm256_set1_ps(id);
    __m256i q[4];
    for (int t = 0; t < 4; t++)
      q[t] = _mm256_min_epi32(trunc_i8_ps(_mm256_add_ps(_mm256_mul_ps(v[t], vid), off)), thirtyone);
    store_nibbles(q, m4, y[i].qs);
    const uint32_t qh = fifth_bits(q);
    memcpy(y[i].qh, &qh, 4);
  }
  return row_nonfinite(all);
}

int lq_uk_llm_q5_1_quant__avx2(size_t nb, const float* x, void* vb) {
  lq_block_q5_1* y = (lq_block_q5_1*)vb;
  const __m256 half = _mm256_set1_ps(0.5f);
  const __m256i m4 = _mm256_set1_epi32(0x0F);
  __m256i all = _mm256_setzero_si256();
  for (size_t i = 0; i < nb; i++, x += LQ_QK) {
    __m256 v[4];
    for (int t = 0; t < 4; t++) v[t] = _mm256_loadu_ps(x + 8 * t);
    all = track_abs_bits(all, v);
    float min, max;
    block_minmax(x, v, &min, &max);
    const float d = (max - min) / 31.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = f2h_f16c(d);
    y[i].m = f2h_f16c(min);
    const __m256 vmin = _mm256_set1_ps(min), vid = _mm256_set1_ps(id);
    __m256i q[4];
    for (int t = 0; t < 4; t++)
      q[t] = trunc_u8_ps(_mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(v[t], vmin), vid), half));
    store_nibbles(q, m4, y[i].qs);
    const uint32_t qh = fifth_bits(q);
    memcpy(y[i].qh, &qh, 4);
  }
  return row_nonfinite(all);
}
