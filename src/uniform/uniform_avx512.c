/* AVX-512 (F+BW+DQ+VL) kernels of the uniform module: a line-by-line mirror
 * of uniform_avx2.c with 16 lanes. Differences, each chosen to be simpler:
 * compare masks instead of vector masks (mask_add / mask_blend), masked
 * loads for tails, and vpmovdb (_mm512_mask_cvtepi32_storeu_epi8), which
 * truncates; the values are already clamped inside the output range, so the
 * low byte is the exact s8 or u8 code. */
#include <immintrin.h>
#include <string.h>

#include "uniform/uniform_kernels.h"

#define LQ_AI static inline __attribute__((always_inline))

LQ_AI __m512 lq_rng16_avx512(__m512i idx, __m512i klo, __m512i khi) {
  __m512i x = _mm512_add_epi32(idx, klo);
  x = _mm512_xor_si512(x, _mm512_srli_epi32(x, 17));
  x = _mm512_mullo_epi32(x, _mm512_set1_epi32((int)0xed5ad4bbu));
  x = _mm512_xor_si512(x, _mm512_srli_epi32(x, 11));
  x = _mm512_mullo_epi32(x, _mm512_set1_epi32((int)0xac4c1b51u));
  x = _mm512_xor_si512(x, _mm512_srli_epi32(x, 15));
  x = _mm512_mullo_epi32(x, _mm512_set1_epi32((int)0x31848babu));
  x = _mm512_xor_si512(x, _mm512_srli_epi32(x, 14));
  x = _mm512_srli_epi32(_mm512_xor_si512(x, khi), 8);
  return _mm512_mul_ps(_mm512_cvtepi32_ps(x), _mm512_set1_ps(0x1p-24f));
}

#define LQ_RS(v, m) _mm512_roundscale_ps((v), (m) | _MM_FROUND_NO_EXC)

LQ_AI __m512 lq_uq_round_clamp_avx512(__m512 v, __m512 zp, __m512 lo, __m512 hi, int mode, __m512i idx, __m512i klo,
                                      __m512i khi) {
  const __m512 one = _mm512_set1_ps(1.0f), half = _mm512_set1_ps(0.5f);
  v = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, v, _CMP_ORD_Q), v); /* NaN -> +0 */
  __m512 r;
  switch (mode) {
    case LQ_ROUND_HALF_UP: {
      __m512 f = LQ_RS(v, _MM_FROUND_TO_NEG_INF);
      r = _mm512_mask_add_ps(f, _mm512_cmp_ps_mask(_mm512_sub_ps(v, f), half, _CMP_GE_OQ), f, one);
      break;
    }
    case LQ_ROUND_HALF_AWAY: {
      __m512 t = LQ_RS(v, _MM_FROUND_TO_ZERO);
      __m512 d = _mm512_abs_ps(_mm512_sub_ps(v, t));
      __m512i sign = _mm512_and_si512(_mm512_castps_si512(v), _mm512_set1_epi32((int)0x80000000u));
      __m512 step = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(one), sign)); /* copysign(1, v) */
      r = _mm512_mask_add_ps(t, _mm512_cmp_ps_mask(d, half, _CMP_GE_OQ), t, step);
      break;
    }
    case LQ_ROUND_AWAY: {
      __m512 c = LQ_RS(v, _MM_FROUND_TO_POS_INF), f = LQ_RS(v, _MM_FROUND_TO_NEG_INF);
      r = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_GE_OQ), f, c);
      break;
    }
    case LQ_ROUND_FLOOR: r = LQ_RS(v, _MM_FROUND_TO_NEG_INF); break;
    case LQ_ROUND_CEIL: r = LQ_RS(v, _MM_FROUND_TO_POS_INF); break;
    case LQ_ROUND_TRUNC: r = LQ_RS(v, _MM_FROUND_TO_ZERO); break;
    case LQ_ROUND_STOCHASTIC: {
      __m512 f = LQ_RS(v, _MM_FROUND_TO_NEG_INF);
      __m512 u = lq_rng16_avx512(idx, klo, khi);
      r = _mm512_mask_add_ps(f, _mm512_cmp_ps_mask(u, _mm512_sub_ps(v, f), _CMP_LT_OQ), f, one);
      break;
    }
    default: r = LQ_RS(v, _MM_FROUND_TO_NEAREST_INT); break;
  }
  __m512 t = _mm512_add_ps(r, zp);
  return _mm512_min_ps(_mm512_max_ps(t, lo), hi);
}

typedef struct {
  __m512 inv, zp, lo, hi;
  __m512i klo, khi;
} lq_uq16;

/* One run inside a single 2^32 index block; 16 elements per step, the tail
 * with masked loads and stores (masked-off lanes are never stored). */
LQ_AI void lq_uq_run512(size_t n, const float* x, const float* scale, const int32_t* zp, const lq_uq16* p, int mode,
                        int pe, uint32_t lo_idx, uint8_t* out) {
  __m512i idx = _mm512_add_epi32(_mm512_set1_epi32((int)lo_idx),
                                 _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  for (size_t i = 0; i < n; i += 16) {
    __mmask16 m = n - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1u);
    /* one input line ahead per step: the hardware prefetcher stops at 4 KiB
     * pages (as in the AVX2 kernel; a prefetch never faults) */
    _mm_prefetch((const char*)(x + i) + 2048, _MM_HINT_T0);
    __m512 inv = p->inv, z = p->zp;
    if (pe) {
      inv = _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_mask_loadu_ps(_mm512_set1_ps(1.0f), m, scale + i));
      z = _mm512_cvtepi32_ps(_mm512_maskz_loadu_epi32(m, zp + i));
    }
    __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), inv);
    __m512 t = lq_uq_round_clamp_avx512(v, z, p->lo, p->hi, mode, idx, p->klo, p->khi);
    _mm512_mask_cvtepi32_storeu_epi8(out + i, m, _mm512_cvtps_epi32(t));
    idx = _mm512_add_epi32(idx, _mm512_set1_epi32(16));
  }
}

LQ_AI void lq_uq_driver512(size_t n, const float* x, const float* scale, const int32_t* zp, const lq_uq_args* a, int pe,
                           uint8_t* out) {
  lq_uq16 p;
  p.inv = _mm512_set1_ps(a->inv_scale);
  p.zp = _mm512_set1_ps(a->zero_point);
  p.lo = _mm512_set1_ps(a->qmin);
  p.hi = _mm512_set1_ps(a->qmax);
  p.klo = p.khi = _mm512_setzero_si512();
  size_t i = 0;
  while (i < n) {
    uint64_t index = a->index0 + i;
    size_t run = n - i;
    if (a->mode == LQ_ROUND_STOCHASTIC) {
      uint64_t left = (1ull << 32) - (uint32_t)index;
      if ((uint64_t)run > left) run = (size_t)left;
      uint64_t key = lq_rng_key(a->seed, (uint32_t)(index >> 32));
      p.klo = _mm512_set1_epi32((int)(uint32_t)key);
      p.khi = _mm512_set1_epi32((int)(uint32_t)(key >> 32));
    }
    const float* xs = x + i;
    const float* ss = pe ? scale + i : NULL;
    const int32_t* zs = pe ? zp + i : NULL;
    uint32_t lo = (uint32_t)index;
    switch (a->mode) {
#define LQ_CASE(M) \
  case M: lq_uq_run512(run, xs, ss, zs, &p, M, pe, lo, out + i); break;
      LQ_CASE(LQ_ROUND_HALF_UP)
      LQ_CASE(LQ_ROUND_HALF_AWAY)
      LQ_CASE(LQ_ROUND_AWAY)
      LQ_CASE(LQ_ROUND_FLOOR)
      LQ_CASE(LQ_ROUND_CEIL)
      LQ_CASE(LQ_ROUND_TRUNC)
      LQ_CASE(LQ_ROUND_STOCHASTIC)
#undef LQ_CASE
      default: lq_uq_run512(run, xs, ss, zs, &p, LQ_ROUND_HALF_EVEN, pe, lo, out + i); break;
    }
    i += run;
  }
}

void lq_uk_uniform_quant_f32_s8__avx512(size_t n, const float* x, const lq_uq_args* a, int8_t* out) {
  lq_uq_driver512(n, x, NULL, NULL, a, 0, (uint8_t*)out);
}
void lq_uk_uniform_quant_f32_u8__avx512(size_t n, const float* x, const lq_uq_args* a, uint8_t* out) {
  lq_uq_driver512(n, x, NULL, NULL, a, 0, out);
}
void lq_uk_uniform_quant_pe_f32_s8__avx512(size_t n, const float* x, const float* scale, const int32_t* zp,
                                           const lq_uq_args* a, int8_t* out) {
  lq_uq_driver512(n, x, scale, zp, a, 1, (uint8_t*)out);
}
void lq_uk_uniform_quant_pe_f32_u8__avx512(size_t n, const float* x, const float* scale, const int32_t* zp,
                                           const lq_uq_args* a, uint8_t* out) {
  lq_uq_driver512(n, x, scale, zp, a, 1, out);
}

/* Dequantize: 16 per step, scalar tail with the identical arithmetic. */
#define LQ_DQ512(NAME, T, WIDEN)                                                                   \
  void NAME(size_t n, const T* q, float scale, int32_t zp, float* out) {                           \
    const __m512 sc = _mm512_set1_ps(scale);                                                       \
    const __m512i z = _mm512_set1_epi32(zp);                                                       \
    size_t i = 0;                                                                                  \
    for (; i + 16 <= n; i += 16) {                                                                 \
      __m512i v = WIDEN(_mm_loadu_si128((const __m128i*)(q + i)));                                 \
      _mm512_storeu_ps(out + i, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(v, z)), sc));    \
    }                                                                                              \
    for (; i < n; i++) out[i] = (float)((int32_t)q[i] - zp) * scale;                               \
  }
LQ_DQ512(lq_uk_uniform_dequant_s8_f32__avx512, int8_t, _mm512_cvtepi8_epi32)
LQ_DQ512(lq_uk_uniform_dequant_u8_f32__avx512, uint8_t, _mm512_cvtepu8_epi32)

#define LQ_DQ512_PE(NAME, T, WIDEN)                                                                \
  void NAME(size_t n, const T* q, const float* scale, const int32_t* zp, float* out) {             \
    size_t i = 0;                                                                                  \
    for (; i + 16 <= n; i += 16) {                                                                 \
      __m512i v = _mm512_sub_epi32(WIDEN(_mm_loadu_si128((const __m128i*)(q + i))), _mm512_loadu_si512(zp + i)); \
      _mm512_storeu_ps(out + i, _mm512_mul_ps(_mm512_cvtepi32_ps(v), _mm512_loadu_ps(scale + i))); \
    }                                                                                              \
    for (; i < n; i++) out[i] = (float)((int32_t)q[i] - zp[i]) * scale[i];                         \
  }
LQ_DQ512_PE(lq_uk_uniform_dequant_pe_s8_f32__avx512, int8_t, _mm512_cvtepi8_epi32)
LQ_DQ512_PE(lq_uk_uniform_dequant_pe_u8_f32__avx512, uint8_t, _mm512_cvtepu8_epi32)
