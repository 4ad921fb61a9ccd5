/* AVX2 scale searches of the ggml K-quant quantizers: the sub-blocks of a
 * super-block run in the 8 lanes of a vector, each lane doing its
 * sub-block's reference search (ggml_k.c make_qkx2_quants / make_q3_quants /
 * make_qx_quants) with the same float operations in the same order
 * (separate multiplies and adds, -ffp-contract=off); branches become
 * per-lane masks, a lane's early exit freezes it. ggml's nearest_int is the
 * same bit trick on every lane, so every lane's results equal the scalar
 * search bit for bit (tests/test_llm_ggml_k.c; bench/compare/llm_vs_ggml.sh
 * against ggml). The rest of each quantizer is the shared scalar code. */
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "llm/ggml_kernels.h"
#include "llm/llm_kernels.h"

#define GROUP_MAX_EPS 1e-15f

/* ggml's nearest_int: bits of f + 1.5*2^23, low 23 bits minus 2^22. */
static inline __m256i nearest_ps(__m256 f) {
  const __m256 v = _mm256_add_ps(f, _mm256_set1_ps(12582912.f));
  return _mm256_sub_epi32(_mm256_and_si256(_mm256_castps_si256(v), _mm256_set1_epi32(0x007fffff)),
                          _mm256_set1_epi32(0x00400000));
}

static inline __m256i clamp_epi32(__m256i v, int lo, int hi) {
  return _mm256_max_epi32(_mm256_set1_epi32(lo), _mm256_min_epi32(_mm256_set1_epi32(hi), v));
}

static inline __m256 blend(__m256 a, __m256 b, __m256 mask) { return _mm256_blendv_ps(a, b, mask); }
static inline __m256i blendi(__m256i a, __m256i b, __m256 mask) {
  return _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(a), _mm256_castsi256_ps(b), mask));
}
static inline __m256 absps(__m256 v) { return _mm256_and_ps(v, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff))); }

/* Sub-blocks of n elements at x + n * j, j = 0..7, into lanes: X[i] lane j = x[n * j + i]. */
static inline void load_lanes(const float* x, int n, __m256* X) {
  float t[32][8];
  for (int j = 0; j < 8; j++)
    for (int i = 0; i < n; i++) t[i][j] = x[n * j + i];
  for (int i = 0; i < n; i++) X[i] = _mm256_loadu_ps(t[i]);
}

/* L[n * j + i] = lane j of Lv[i]. */
static inline void store_lanes_u8(const __m256i* Lv, int n, uint8_t* L) {
  int32_t t[32][8];
  for (int i = 0; i < n; i++) _mm256_storeu_si256((__m256i*)t[i], Lv[i]);
  for (int j = 0; j < 8; j++)
    for (int i = 0; i < n; i++) L[n * j + i] = (uint8_t)t[i][j];
}

/* ggml's `if (ax > amax) { amax = ax; max = x; }` scan from 0. */
static inline void lanes_absmax(const __m256* X, int n, __m256* amax_out, __m256* max_out) {
  __m256 amax = _mm256_setzero_ps(), max = _mm256_setzero_ps();
  for (int i = 0; i < n; i++) {
    const __m256 ax = absps(X[i]);
    const __m256 gt = _mm256_cmp_ps(ax, amax, _CMP_GT_OQ);
    amax = blend(amax, ax, gt);
    max = blend(max, X[i], gt);
  }
  *amax_out = amax;
  *max_out = max;
}

/* ------------------------------------------------ make_qx_quants (Q6_K) --- */
/* sum w*x*l and sum w*l*l for l = clamp(nearest_int(iscale*x), -nmax, nmax-1). */
static inline void qx_sums(const __m256* X, const __m256* WX, const __m256* W, __m256 iscale, int nmax, __m256* sumlx,
                           __m256* suml2) {
  __m256 slx = _mm256_setzero_ps(), sl2 = _mm256_setzero_ps();
  for (int i = 0; i < 16; i++) {
    const __m256 l = _mm256_cvtepi32_ps(clamp_epi32(nearest_ps(_mm256_mul_ps(iscale, X[i])), -nmax, nmax - 1));
    slx = _mm256_add_ps(slx, _mm256_mul_ps(WX[i], l));
    sl2 = _mm256_add_ps(sl2, _mm256_mul_ps(_mm256_mul_ps(W[i], l), l));
  }
  *sumlx = slx;
  *suml2 = sl2;
}

static void search_q6_avx2(const float* x, float scales[16], int8_t L[LQ_QK_K]) {
  const int nmax = 32;
  for (int g = 0; g < 2; g++) {
    __m256 X[16], W[16], WX[16];
    load_lanes(x + 128 * g, 16, X);
    for (int i = 0; i < 16; i++) {
      W[i] = _mm256_mul_ps(X[i], X[i]);
      WX[i] = _mm256_mul_ps(W[i], X[i]);
    }
    __m256 amax, max;
    lanes_absmax(X, 16, &amax, &max);
    const __m256 valid = _mm256_cmp_ps(amax, _mm256_set1_ps(GROUP_MAX_EPS), _CMP_NLT_UQ);
    __m256 best_is = _mm256_div_ps(_mm256_set1_ps((float)(-nmax)), max);
    __m256 sumlx, suml2;
    qx_sums(X, WX, W, best_is, nmax, &sumlx, &suml2);
    __m256 scale = _mm256_and_ps(_mm256_div_ps(sumlx, suml2),
                                 _mm256_cmp_ps(suml2, _mm256_setzero_ps(), _CMP_NEQ_UQ));
    __m256 best = _mm256_mul_ps(scale, sumlx);
    for (int is = -9; is <= 9; ++is) {
      if (is == 0) continue;
      const __m256 iscale = _mm256_div_ps(_mm256_set1_ps(-((float)nmax + 0.1f * (float)is)), max);
      qx_sums(X, WX, W, iscale, nmax, &sumlx, &suml2);
      const __m256 upd = _mm256_and_ps(
          _mm256_cmp_ps(suml2, _mm256_setzero_ps(), _CMP_GT_OQ),
          _mm256_cmp_ps(_mm256_mul_ps(sumlx, sumlx), _mm256_mul_ps(best, suml2), _CMP_GT_OQ));
      const __m256 ns = _mm256_div_ps(sumlx, suml2);
      scale = blend(scale, ns, upd);
      best = blend(best, _mm256_mul_ps(ns, sumlx), upd);
      best_is = blend(best_is, iscale, upd);
    }
    _mm256_storeu_ps(scales + 8 * g, _mm256_and_ps(scale, valid));
    __m256i Lv[16];
    for (int i = 0; i < 16; i++) {
      const __m256i l = clamp_epi32(nearest_ps(_mm256_mul_ps(best_is, X[i])), -nmax, nmax - 1);
      Lv[i] = _mm256_and_si256(_mm256_add_epi32(l, _mm256_set1_epi32(nmax)), _mm256_castps_si256(valid));
    }
    store_lanes_u8(Lv, 16, (uint8_t*)L + 128 * g);
  }
}

/* ------------------------------------------------ make_q3_quants (Q3_K) --- */
/* The refinement is one long dependency chain per sub-block (each accepted
 * change feeds the next element's division), so the 16 sub-blocks run as
 * two interleaved vectors G = 0, 1 (sub-blocks 8G..8G+7). */
static void search_q3_avx2(const float* x, float scales[16], int8_t L[LQ_QK_K]) {
  const int nmax = 4;
  const __m256 zero = _mm256_setzero_ps();
  __m256 X[2][16], W[2][16], WX[2][16], sumlx[2], suml2[2], valid[2], active[2];
  __m256i Lv[2][16];
  for (int g = 0; g < 2; g++) {
    load_lanes(x + 128 * g, 16, X[g]);
    __m256 amax, max;
    lanes_absmax(X[g], 16, &amax, &max);
    valid[g] = _mm256_cmp_ps(amax, _mm256_set1_ps(GROUP_MAX_EPS), _CMP_NLT_UQ);
    const __m256 iscale = _mm256_div_ps(_mm256_set1_ps((float)(-nmax)), max);
    sumlx[g] = zero;
    suml2[g] = zero;
    for (int i = 0; i < 16; i++) {
      Lv[g][i] = clamp_epi32(nearest_ps(_mm256_mul_ps(iscale, X[g][i])), -nmax, nmax - 1);
      const __m256 l = _mm256_cvtepi32_ps(Lv[g][i]);
      W[g][i] = _mm256_mul_ps(X[g][i], X[g][i]);
      WX[g][i] = _mm256_mul_ps(W[g][i], X[g][i]);
      sumlx[g] = _mm256_add_ps(sumlx[g], _mm256_mul_ps(WX[g][i], l));
      suml2[g] = _mm256_add_ps(suml2[g], _mm256_mul_ps(_mm256_mul_ps(W[g][i], l), l));
    }
    active[g] = valid[g]; /* lanes still iterating */
  }
  for (int itry = 0; itry < 5; ++itry) {
    __m256 changed[2] = {zero, zero};
    for (int i = 0; i < 16; i++) {
      for (int g = 0; g < 2; g++) {
        const __m256 li = _mm256_cvtepi32_ps(Lv[g][i]);
        __m256 slx = _mm256_sub_ps(sumlx[g], _mm256_mul_ps(WX[g][i], li));
        const __m256 c1 = _mm256_cmp_ps(slx, zero, _CMP_GT_OQ);
        __m256 sl2 = _mm256_sub_ps(suml2[g], _mm256_mul_ps(_mm256_mul_ps(W[g][i], li), li));
        const __m256i nl =
            clamp_epi32(nearest_ps(_mm256_div_ps(_mm256_mul_ps(X[g][i], sl2), slx)), -nmax, nmax - 1);
        const __m256 c2 = _mm256_castsi256_ps(
            _mm256_xor_si256(_mm256_cmpeq_epi32(nl, Lv[g][i]), _mm256_set1_epi32(-1))); /* new_l != L[i] */
        const __m256 nlf = _mm256_cvtepi32_ps(nl);
        slx = _mm256_add_ps(slx, _mm256_mul_ps(WX[g][i], nlf));
        sl2 = _mm256_add_ps(sl2, _mm256_mul_ps(_mm256_mul_ps(W[g][i], nlf), nlf));
        const __m256 c3 = _mm256_and_ps(
            _mm256_cmp_ps(sl2, zero, _CMP_GT_OQ),
            _mm256_cmp_ps(_mm256_mul_ps(_mm256_mul_ps(slx, slx), suml2[g]),
                          _mm256_mul_ps(_mm256_mul_ps(sumlx[g], sumlx[g]), sl2), _CMP_GT_OQ));
        const __m256 acc = _mm256_and_ps(_mm256_and_ps(active[g], c1), _mm256_and_ps(c2, c3));
        Lv[g][i] = blendi(Lv[g][i], nl, acc);
        sumlx[g] = blend(sumlx[g], slx, acc);
        suml2[g] = blend(suml2[g], sl2, acc);
        changed[g] = _mm256_or_ps(changed[g], acc);
      }
    }
    active[0] = _mm256_and_ps(active[0], changed[0]);
    active[1] = _mm256_and_ps(active[1], changed[1]);
    if (_mm256_movemask_ps(_mm256_or_ps(active[0], active[1])) == 0) break;
  }
  for (int g = 0; g < 2; g++) {
    const __m256 scale = _mm256_and_ps(_mm256_div_ps(sumlx[g], suml2[g]), _mm256_cmp_ps(suml2[g], zero, _CMP_GT_OQ));
    _mm256_storeu_ps(scales + 8 * g, _mm256_and_ps(scale, valid[g]));
    for (int i = 0; i < 16; i++)
      Lv[g][i] = _mm256_and_si256(_mm256_add_epi32(Lv[g][i], _mm256_set1_epi32(nmax)), _mm256_castps_si256(valid[g]));
    store_lanes_u8(Lv[g], 16, (uint8_t*)L + 128 * g);
  }
}

/* ---------------------------------------- make_qkx2_quants (Q2_K, Q4/5_K) --- */
/* One lane per sub-block of n (16 or 32) elements with weights W. */
static void qkx2_lanes(int n, int nmax, const __m256* X, const __m256* W, float rmin, float rdelta, int nstep,
                       int use_mad, __m256* scale_out, __m256* the_min_out, __m256i* Lv) {
  const __m256 zero = _mm256_setzero_ps();
  __m256 min = X[0], max = X[0];
  __m256 sum_w = W[0];
  __m256 sum_x = _mm256_mul_ps(sum_w, X[0]);
  for (int i = 1; i < n; ++i) {
    min = blend(min, X[i], _mm256_cmp_ps(X[i], min, _CMP_LT_OQ));
    max = blend(max, X[i], _mm256_cmp_ps(X[i], max, _CMP_GT_OQ));
    sum_w = _mm256_add_ps(sum_w, W[i]);
    sum_x = _mm256_add_ps(sum_x, _mm256_mul_ps(W[i], X[i]));
  }
  min = blend(min, zero, _mm256_cmp_ps(min, zero, _CMP_GT_OQ));
  const __m256 live = _mm256_cmp_ps(max, min, _CMP_NEQ_UQ); /* max == min: L = 0, scale 0 */
  const __m256 vnmax = _mm256_set1_ps((float)nmax);
  __m256 iscale = _mm256_div_ps(vnmax, _mm256_sub_ps(max, min));
  __m256 scale = _mm256_div_ps(_mm256_set1_ps(1.0f), iscale);
  __m256 best_error = zero;
  for (int i = 0; i < n; ++i) {
    Lv[i] = clamp_epi32(nearest_ps(_mm256_mul_ps(iscale, _mm256_sub_ps(X[i], min))), 0, nmax);
    __m256 diff = _mm256_sub_ps(_mm256_add_ps(_mm256_mul_ps(scale, _mm256_cvtepi32_ps(Lv[i])), min), X[i]);
    diff = use_mad ? absps(diff) : _mm256_mul_ps(diff, diff);
    best_error = _mm256_add_ps(best_error, _mm256_mul_ps(W[i], diff));
  }
  __m256i Laux[32];
  for (int is = 0; is <= nstep; ++is) {
    iscale = _mm256_div_ps(_mm256_set1_ps(rmin + rdelta * (float)is + (float)nmax), _mm256_sub_ps(max, min));
    __m256 sum_l = zero, sum_l2 = zero, sum_xl = zero;
    for (int i = 0; i < n; ++i) {
      Laux[i] = clamp_epi32(nearest_ps(_mm256_mul_ps(iscale, _mm256_sub_ps(X[i], min))), 0, nmax);
      const __m256 l = _mm256_cvtepi32_ps(Laux[i]);
      const __m256 wl = _mm256_mul_ps(W[i], l);
      sum_l = _mm256_add_ps(sum_l, wl);
      sum_l2 = _mm256_add_ps(sum_l2, _mm256_mul_ps(wl, l));
      sum_xl = _mm256_add_ps(sum_xl, _mm256_mul_ps(wl, X[i]));
    }
    const __m256 D = _mm256_sub_ps(_mm256_mul_ps(sum_w, sum_l2), _mm256_mul_ps(sum_l, sum_l));
    const __m256 dpos = _mm256_and_ps(live, _mm256_cmp_ps(D, zero, _CMP_GT_OQ));
    if (_mm256_movemask_ps(dpos) == 0) continue;
    __m256 this_scale =
        _mm256_div_ps(_mm256_sub_ps(_mm256_mul_ps(sum_w, sum_xl), _mm256_mul_ps(sum_x, sum_l)), D);
    __m256 this_min = _mm256_div_ps(_mm256_sub_ps(_mm256_mul_ps(sum_l2, sum_x), _mm256_mul_ps(sum_l, sum_xl)), D);
    const __m256 mpos = _mm256_cmp_ps(this_min, zero, _CMP_GT_OQ);
    this_min = blend(this_min, zero, mpos);
    this_scale = blend(this_scale, _mm256_div_ps(sum_xl, sum_l2), mpos);
    __m256 cur_error = zero;
    for (int i = 0; i < n; ++i) {
      __m256 diff =
          _mm256_sub_ps(_mm256_add_ps(_mm256_mul_ps(this_scale, _mm256_cvtepi32_ps(Laux[i])), this_min), X[i]);
      diff = use_mad ? absps(diff) : _mm256_mul_ps(diff, diff);
      cur_error = _mm256_add_ps(cur_error, _mm256_mul_ps(W[i], diff));
    }
    const __m256 upd = _mm256_and_ps(dpos, _mm256_cmp_ps(cur_error, best_error, _CMP_LT_OQ));
    for (int i = 0; i < n; ++i) Lv[i] = blendi(Lv[i], Laux[i], upd);
    best_error = blend(best_error, cur_error, upd);
    scale = blend(scale, this_scale, upd);
    min = blend(min, this_min, upd);
  }
  for (int i = 0; i < n; ++i) Lv[i] = _mm256_and_si256(Lv[i], _mm256_castps_si256(live));
  *scale_out = _mm256_and_ps(scale, live);
  *the_min_out = _mm256_xor_ps(min, _mm256_set1_ps(-0.0f)); /* -min */
}

static void search_q2_avx2(const float* x, float scales[16], float mins[16], uint8_t L[LQ_QK_K]) {
  for (int g = 0; g < 2; g++) {
    __m256 X[16], W[16], sc, mn;
    __m256i Lv[16];
    load_lanes(x + 128 * g, 16, X);
    for (int i = 0; i < 16; i++) W[i] = absps(X[i]);
    qkx2_lanes(16, 3, X, W, -0.5f, 0.1f, 15, 1, &sc, &mn, Lv);
    _mm256_storeu_ps(scales + 8 * g, sc);
    _mm256_storeu_ps(mins + 8 * g, mn);
    store_lanes_u8(Lv, 16, L + 128 * g);
  }
}

static void search_q45_avx2(const float* x, int nmax, float rmin, float rdelta, int nstep, float scales[8],
                            float mins[8], uint8_t L[LQ_QK_K]) {
  __m256 X[32], W[32], sc, mn;
  __m256i Lv[32];
  load_lanes(x, 32, X);
  __m256 sum_x2 = _mm256_setzero_ps();
  for (int l = 0; l < 32; ++l) sum_x2 = _mm256_add_ps(sum_x2, _mm256_mul_ps(X[l], X[l]));
  const __m256 av_x = _mm256_sqrt_ps(_mm256_div_ps(sum_x2, _mm256_set1_ps(32.0f)));
  for (int l = 0; l < 32; ++l) W[l] = _mm256_add_ps(av_x, absps(X[l]));
  qkx2_lanes(32, nmax, X, W, rmin, rdelta, nstep, 0, &sc, &mn, Lv);
  _mm256_storeu_ps(scales, sc);
  _mm256_storeu_ps(mins, mn);
  store_lanes_u8(Lv, 32, L);
}

/* The reference's requant, 8 elements per vector (division and the add of
 * dm are the same single operations). */
static void requant_avx2(const float* x, int n, float d, const float* dm, int lo, int hi, int off, uint8_t* L) {
  const __m256 vd = _mm256_set1_ps(d);
  const __m256i voff = _mm256_set1_epi32(off);
  for (int i = 0; i < n; i += 16) {
    __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);
    if (dm) {
      a = _mm256_add_ps(a, _mm256_set1_ps(*dm));
      b = _mm256_add_ps(b, _mm256_set1_ps(*dm));
    }
    const __m256i la = _mm256_add_epi32(clamp_epi32(nearest_ps(_mm256_div_ps(a, vd)), lo, hi), voff);
    const __m256i lb = _mm256_add_epi32(clamp_epi32(nearest_ps(_mm256_div_ps(b, vd)), lo, hi), voff);
    /* values 0..63: the packs keep them; lanes 0-3 | 4-7 per 128-bit half */
    const __m256i w = _mm256_packs_epi32(la, lb); /* a0-3 b0-3 | a4-7 b4-7 */
    const __m128i p = _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
    /* p: a0-3 b0-3 a4-7 b4-7 -> a0-7 b0-7 */
    _mm_storeu_si128((__m128i*)(L + i), _mm_shuffle_epi32(p, _MM_SHUFFLE(3, 1, 2, 0)));
  }
}

static const lq_k_search k_search_avx2 = {search_q2_avx2, search_q3_avx2, search_q45_avx2, search_q6_avx2,
                                          requant_avx2};

#define LQ_K_QUANT_AVX2(name, type)                                        \
  int lq_uk_llm_##name##_quant__avx2(size_t nb, const float* x, void* b) { \
    lq_ggml_quantize_k_with(type, x, nb, b, &k_search_avx2);               \
    return 0;                                                              \
  }
LQ_K_QUANT_AVX2(q2_k, LQ_GGML_Q2_K)
LQ_K_QUANT_AVX2(q3_k, LQ_GGML_Q3_K)
LQ_K_QUANT_AVX2(q4_k, LQ_GGML_Q4_K)
LQ_K_QUANT_AVX2(q5_k, LQ_GGML_Q5_K)
LQ_K_QUANT_AVX2(q6_k, LQ_GGML_Q6_K)
#undef LQ_K_QUANT_AVX2

/* ------------------------------------------------------- dequantizers --- */
/* The reference's expressions per element, 8 at a time: dl * (float)q - ml
 * (Q2_K/Q4_K/Q5_K), dl * (float)q (Q3_K), (d * sc) * (float)q (Q6_K); the
 * per-sub-block scales are the reference's scalar products. */
static inline float h2f_f16c(lq_half h) { return _cvtsh_ss((unsigned short)(h.b[0] | (h.b[1] << 8))); }

static inline __m256i u8x8(const uint8_t* p) { return _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i*)p)); }

void lq_uk_llm_q2_k_dequant__avx2(size_t nb, const void* vx, float* y) {
  const lq_block_q2_K* x = (const lq_block_q2_K*)vx;
  const __m256i three = _mm256_set1_epi32(3);
  for (size_t i = 0; i < nb; i++) {
    const float d = h2f_f16c(x[i].d), min = h2f_f16c(x[i].dmin);
    int is = 0;
    for (int n = 0; n < LQ_QK_K; n += 128) {
      const uint8_t* q = x[i].qs + n / 4;
      for (int j = 0; j < 4; ++j) {
        const __m128i shift = _mm_cvtsi32_si128(2 * j);
        for (int half = 0; half < 2; half++, y += 16) {
          const uint8_t sc = x[i].scales[is++];
          const __m256 dl = _mm256_set1_ps(d * (float)(sc & 0xF)), ml = _mm256_set1_ps(min * (float)(sc >> 4));
          for (int t = 0; t < 2; t++) {
            const __m256i v = _mm256_and_si256(_mm256_srl_epi32(u8x8(q + 16 * half + 8 * t), shift), three);
            _mm256_storeu_ps(y + 8 * t, _mm256_sub_ps(_mm256_mul_ps(dl, _mm256_cvtepi32_ps(v)), ml));
          }
        }
      }
    }
  }
}

/* The 16 signed 6-bit scales of a Q3_K block (ggml_k.c q3k_scale). */
static inline void q3k_scales16(const uint8_t* s, int out[16]) {
  for (int j = 0; j < 16; j++) {
    const int sc = j < 8 ? s[j] & 0xF : s[j - 8] >> 4;
    out[j] = (sc | (((s[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32;
  }
}

void lq_uk_llm_q3_k_dequant__avx2(size_t nb, const void* vx, float* y) {
  const lq_block_q3_K* x = (const lq_block_q3_K*)vx;
  const __m256i three = _mm256_set1_epi32(3), four = _mm256_set1_epi32(4);
  for (size_t i = 0; i < nb; i++) {
    const float d_all = h2f_f16c(x[i].d);
    int sc[16];
    q3k_scales16(x[i].scales, sc);
    int is = 0;
    for (int n = 0; n < LQ_QK_K; n += 128) {
      const uint8_t* q = x[i].qs + n / 4;
      for (int j = 0; j < 4; ++j) {
        const __m128i shift = _mm_cvtsi32_si128(2 * j);
        const __m256i m = _mm256_set1_epi32(1 << (4 * (n / 128) + j));
        for (int half = 0; half < 2; half++, y += 16) {
          const __m256 dl = _mm256_set1_ps(d_all * (float)sc[is++]);
          for (int t = 0; t < 2; t++) {
            const int k = 16 * half + 8 * t;
            const __m256i v = _mm256_and_si256(_mm256_srl_epi32(u8x8(q + k), shift), three);
            /* - 4 where the hmask bit is clear */
            const __m256i clear = _mm256_cmpeq_epi32(_mm256_and_si256(u8x8(x[i].hmask + k), m), _mm256_setzero_si256());
            const __m256i w = _mm256_sub_epi32(v, _mm256_and_si256(clear, four));
            _mm256_storeu_ps(y + 8 * t, _mm256_mul_ps(dl, _mm256_cvtepi32_ps(w)));
          }
        }
      }
    }
  }
}

static inline void scale_min_k4(int j, const uint8_t* q, int* d, int* m) { /* ggml_k.c get_scale_min_k4 */
  if (j < 4) {
    *d = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *d = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    *m = (q[j + 4] >> 4) | ((q[j - 0] >> 6) << 4);
  }
}

/* Q4_K / Q5_K: per 64 elements, 32 low nibbles (+16 from qh bit u1) then 32 high (+16 from bit u2). */
static inline void dequant_q45_avx2(size_t nb, const void* vx, float* y, int five) {
  const size_t bs = five ? sizeof(lq_block_q5_K) : sizeof(lq_block_q4_K);
  const __m256i m4 = _mm256_set1_epi32(0xF), zero = _mm256_setzero_si256();
  for (size_t i = 0; i < nb; i++) {
    const uint8_t* blk = (const uint8_t*)vx + i * bs;
    lq_half dh, mh;
    memcpy(&dh, blk, 2);
    memcpy(&mh, blk + 2, 2);
    const uint8_t* scales = blk + 4;
    const uint8_t* qh = blk + 4 + LQ_K_SCALE_SIZE;
    const uint8_t* ql = five ? qh + LQ_QK_K / 8 : qh;
    const float d = h2f_f16c(dh), min = h2f_f16c(mh);
    int u1 = 1, u2 = 2;
    for (int is = 0; is < 8; is += 2, ql += 32, y += 64, u1 <<= 2, u2 <<= 2) {
      int sc, m;
      scale_min_k4(is, scales, &sc, &m);
      const __m256 d1 = _mm256_set1_ps(d * (float)sc), m1 = _mm256_set1_ps(min * (float)m);
      scale_min_k4(is + 1, scales, &sc, &m);
      const __m256 d2 = _mm256_set1_ps(d * (float)sc), m2 = _mm256_set1_ps(min * (float)m);
      for (int t = 0; t < 4; t++) {
        const __m256i b = u8x8(ql + 8 * t);
        __m256i lo = _mm256_and_si256(b, m4), hi = _mm256_srli_epi32(b, 4);
        if (five) {
          const __m256i h = u8x8(qh + 8 * t);
          const __m256i s16 = _mm256_set1_epi32(16);
          lo = _mm256_add_epi32(lo, _mm256_andnot_si256(
                                        _mm256_cmpeq_epi32(_mm256_and_si256(h, _mm256_set1_epi32(u1)), zero), s16));
          hi = _mm256_add_epi32(hi, _mm256_andnot_si256(
                                        _mm256_cmpeq_epi32(_mm256_and_si256(h, _mm256_set1_epi32(u2)), zero), s16));
        }
        _mm256_storeu_ps(y + 8 * t, _mm256_sub_ps(_mm256_mul_ps(d1, _mm256_cvtepi32_ps(lo)), m1));
        _mm256_storeu_ps(y + 32 + 8 * t, _mm256_sub_ps(_mm256_mul_ps(d2, _mm256_cvtepi32_ps(hi)), m2));
      }
    }
  }
}

void lq_uk_llm_q4_k_dequant__avx2(size_t nb, const void* vx, float* y) { dequant_q45_avx2(nb, vx, y, 0); }
void lq_uk_llm_q5_k_dequant__avx2(size_t nb, const void* vx, float* y) { dequant_q45_avx2(nb, vx, y, 1); }

void lq_uk_llm_q6_k_dequant__avx2(size_t nb, const void* vx, float* y) {
  const lq_block_q6_K* x = (const lq_block_q6_K*)vx;
  const __m256i m4 = _mm256_set1_epi32(0xF), three = _mm256_set1_epi32(3), c32 = _mm256_set1_epi32(32);
  for (size_t i = 0; i < nb; i++) {
    const float d = h2f_f16c(x[i].d);
    const uint8_t* ql = x[i].ql;
    const uint8_t* qh = x[i].qh;
    const int8_t* sc = x[i].scales;
    for (int n = 0; n < LQ_QK_K; n += 128, y += 128, ql += 64, qh += 32, sc += 8) {
      for (int t = 0; t < 4; t++) { /* l = 8t .. 8t+7 */
        const int is = t / 2;
        const __m256i a = u8x8(ql + 8 * t), b = u8x8(ql + 32 + 8 * t), h = u8x8(qh + 8 * t);
        const __m256i q1 = _mm256_sub_epi32(
            _mm256_or_si256(_mm256_and_si256(a, m4), _mm256_slli_epi32(_mm256_and_si256(h, three), 4)), c32);
        const __m256i q2 = _mm256_sub_epi32(
            _mm256_or_si256(_mm256_and_si256(b, m4),
                            _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(h, 2), three), 4)), c32);
        const __m256i q3 = _mm256_sub_epi32(
            _mm256_or_si256(_mm256_srli_epi32(a, 4),
                            _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(h, 4), three), 4)), c32);
        const __m256i q4 = _mm256_sub_epi32(
            _mm256_or_si256(_mm256_srli_epi32(b, 4), _mm256_slli_epi32(_mm256_srli_epi32(h, 6), 4)), c32);
        _mm256_storeu_ps(y + 8 * t, _mm256_mul_ps(_mm256_set1_ps(d * (float)sc[is + 0]), _mm256_cvtepi32_ps(q1)));
        _mm256_storeu_ps(y + 32 + 8 * t, _mm256_mul_ps(_mm256_set1_ps(d * (float)sc[is + 2]), _mm256_cvtepi32_ps(q2)));
        _mm256_storeu_ps(y + 64 + 8 * t, _mm256_mul_ps(_mm256_set1_ps(d * (float)sc[is + 4]), _mm256_cvtepi32_ps(q3)));
        _mm256_storeu_ps(y + 96 + 8 * t, _mm256_mul_ps(_mm256_set1_ps(d * (float)sc[is + 6]), _mm256_cvtepi32_ps(q4)));
      }
    }
  }
}
