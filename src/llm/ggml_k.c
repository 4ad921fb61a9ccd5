/* ggml K-quants (super-blocks of 256): quantize_row_q{2,3,4,5,6}_K_ref and
 * dequantize_row_q{2,3,4,5,6}_K of ggml-quants.c, with the same float
 * operation order (each product and sum rounded to float; this library is
 * built with -ffp-contract=off, so no FMA contraction). */
#include <math.h>
#include <string.h>

#include "common/fp16.h"
#include "cpu/dispatch.h"
#include "llm/ggml_internal.h"
#include "llm/llm_kernels.h"

#define GROUP_MAX_EPS 1e-15f
#define KMAX(a, b) ((a) > (b) ? (a) : (b))
#define KMIN(a, b) ((a) < (b) ? (a) : (b))

/* ggml's nearest_int: the 1.5*2^23 trick, round-to-nearest-even for
 * |f| <= 4194303; outside that range it is ggml's (deterministic) garbage,
 * reproduced as is. */
static inline int nearest_int(float f) {
  float v = f + 12582912.f;
  int32_t i;
  memcpy(&i, &v, 4);
  return (i & 0x007fffff) - 0x00400000;
}

static inline float h2f(lq_half h) { return lq_h2f(h); }
static inline lq_half f2h(float f) { return lq_f2h(f); }

/* Symmetric search, weights x^2 (rmse_type 1, no quant weights). */
static float make_qx_quants(int n, int nmax, const float* x, int8_t* L) {
  float max = 0, amax = 0;
  for (int i = 0; i < n; ++i) {
    float ax = fabsf(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  if (amax < GROUP_MAX_EPS) {
    memset(L, 0, (size_t)n);
    return 0.f;
  }
  float iscale = (float)(-nmax) / max;
  float sumlx = 0, suml2 = 0;
  for (int i = 0; i < n; ++i) {
    int l = nearest_int(iscale * x[i]);
    l = KMAX(-nmax, KMIN(nmax - 1, l));
    L[i] = (int8_t)(l + nmax);
    float w = x[i] * x[i];
    sumlx += w * x[i] * (float)l;
    suml2 += w * (float)l * (float)l;
  }
  float scale = suml2 != 0.0f ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    iscale = -((float)nmax + 0.1f * (float)is) / max;
    sumlx = suml2 = 0;
    for (int i = 0; i < n; ++i) {
      int l = nearest_int(iscale * x[i]);
      l = KMAX(-nmax, KMIN(nmax - 1, l));
      float w = x[i] * x[i];
      sumlx += w * x[i] * (float)l;
      suml2 += w * (float)l * (float)l;
    }
    if (suml2 > 0 && sumlx * sumlx > best * suml2) {
      for (int i = 0; i < n; ++i) {
        int l = nearest_int(iscale * x[i]);
        L[i] = (int8_t)(nmax + KMAX(-nmax, KMIN(nmax - 1, l)));
      }
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

static float make_q3_quants(int n, int nmax, const float* x, int8_t* L) {
  float max = 0, amax = 0;
  for (int i = 0; i < n; ++i) {
    float ax = fabsf(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  if (amax < GROUP_MAX_EPS) {
    memset(L, 0, (size_t)n);
    return 0.f;
  }
  float iscale = (float)(-nmax) / max;
  float sumlx = 0, suml2 = 0;
  for (int i = 0; i < n; ++i) {
    int l = nearest_int(iscale * x[i]);
    l = KMAX(-nmax, KMIN(nmax - 1, l));
    L[i] = (int8_t)l;
    float w = x[i] * x[i];
    sumlx += w * x[i] * (float)l;
    suml2 += w * (float)l * (float)l;
  }
  for (int itry = 0; itry < 5; ++itry) {
    int n_changed = 0;
    for (int i = 0; i < n; ++i) {
      float w = x[i] * x[i];
      float slx = sumlx - w * x[i] * (float)L[i];
      if (slx > 0) {
        float sl2 = suml2 - w * (float)L[i] * (float)L[i];
        int new_l = nearest_int(x[i] * sl2 / slx);
        new_l = KMAX(-nmax, KMIN(nmax - 1, new_l));
        if (new_l != L[i]) {
          slx += w * x[i] * (float)new_l;
          sl2 += w * (float)new_l * (float)new_l;
          if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
            L[i] = (int8_t)new_l;
            sumlx = slx;
            suml2 = sl2;
            ++n_changed;
          }
        }
      }
    }
    if (!n_changed) break;
  }
  for (int i = 0; i < n; ++i) L[i] = (int8_t)(L[i] + nmax);
  return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

/* Asymmetric weighted search; returns the scale, *the_min = -min >= 0. */
static float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, uint8_t* L, float* the_min,
                              uint8_t* Laux, float rmin, float rdelta, int nstep, int use_mad) {
  float min = x[0], max = x[0];
  float sum_w = weights[0];
  float sum_x = sum_w * x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    float w = weights[i];
    sum_w += w;
    sum_x += w * x[i];
  }
  if (min > 0) min = 0;
  if (max == min) {
    memset(L, 0, (size_t)n);
    *the_min = -min;
    return 0.f;
  }
  float iscale = (float)nmax / (max - min);
  float scale = 1 / iscale;
  float best_error = 0;
  for (int i = 0; i < n; ++i) {
    int l = nearest_int(iscale * (x[i] - min));
    L[i] = (uint8_t)KMAX(0, KMIN(nmax, l));
    float diff = scale * (float)L[i] + min - x[i];
    diff = use_mad ? fabsf(diff) : diff * diff;
    best_error += weights[i] * diff;
  }
  for (int is = 0; is <= nstep; ++is) {
    iscale = (rmin + rdelta * (float)is + (float)nmax) / (max - min);
    float sum_l = 0, sum_l2 = 0, sum_xl = 0;
    for (int i = 0; i < n; ++i) {
      int l = nearest_int(iscale * (x[i] - min));
      l = KMAX(0, KMIN(nmax, l));
      Laux[i] = (uint8_t)l;
      float w = weights[i];
      sum_l += w * (float)l;
      sum_l2 += w * (float)l * (float)l;
      sum_xl += w * (float)l * x[i];
    }
    float D = sum_w * sum_l2 - sum_l * sum_l;
    if (D > 0) {
      float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
      float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
      if (this_min > 0) {
        this_min = 0;
        this_scale = sum_xl / sum_l2;
      }
      float cur_error = 0;
      for (int i = 0; i < n; ++i) {
        float diff = this_scale * (float)Laux[i] + this_min - x[i];
        diff = use_mad ? fabsf(diff) : diff * diff;
        cur_error += weights[i] * diff;
      }
      if (cur_error < best_error) {
        memcpy(L, Laux, (size_t)n);
        best_error = cur_error;
        scale = this_scale;
        min = this_min;
      }
    }
  }
  *the_min = -min;
  return scale;
}

static void get_scale_min_k4(int j, const uint8_t* q, uint8_t* d, uint8_t* m) {
  if (j < 4) {
    *d = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *d = (uint8_t)((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    *m = (uint8_t)((q[j + 4] >> 4) | ((q[j - 0] >> 6) << 4));
  }
}

/* The 16 signed 6-bit scales of a Q3_K block (low 4 bits in scales[0..7]'s
 * nibbles, high 2 bits packed in scales[8..11]). */
static int q3k_scale(const uint8_t* s, int j) {
  int sc = j < 8 ? s[j] & 0xF : s[j - 8] >> 4;
  return (sc | (((s[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32;
}

/* ------------------------------------------------------------- Q2_K --- */
/* The reference searches of a super-block (what the SIMD kernels replace). */
static void search_q2_ref(const float* x, float scales[16], float mins[16], uint8_t L[LQ_QK_K]) {
  uint8_t Laux[16];
  float weights[16];
  for (int j = 0; j < 16; ++j) {
    for (int l = 0; l < 16; ++l) weights[l] = fabsf(x[16 * j + l]);
    scales[j] = make_qkx2_quants(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j], Laux, -0.5f, 0.1f, 15, 1);
  }
}

static void search_q3_ref(const float* x, float scales[16], int8_t L[LQ_QK_K]) {
  for (int j = 0; j < 16; ++j) scales[j] = make_q3_quants(16, 4, x + 16 * j, L + 16 * j);
}

static void search_q45_ref(const float* x, int nmax, float rmin, float rdelta, int nstep, float scales[8],
                           float mins[8], uint8_t L[LQ_QK_K]) {
  uint8_t Laux[32];
  float weights[32];
  for (int j = 0; j < 8; ++j) {
    float sum_x2 = 0;
    for (int l = 0; l < 32; ++l) sum_x2 += x[32 * j + l] * x[32 * j + l];
    float av_x = sqrtf(sum_x2 / 32);
    for (int l = 0; l < 32; ++l) weights[l] = av_x + fabsf(x[32 * j + l]);
    scales[j] = make_qkx2_quants(32, nmax, x + 32 * j, weights, L + 32 * j, &mins[j], Laux, rmin, rdelta, nstep, 0);
  }
}

static void search_q6_ref(const float* x, float scales[16], int8_t L[LQ_QK_K]) {
  for (int ib = 0; ib < 16; ++ib) scales[ib] = make_qx_quants(16, 32, x + 16 * ib, L + 16 * ib);
}

/* L = clamp(nearest_int(x / d), lo, hi) + off, or (x + *dm) / d. */
static void requant_ref(const float* x, int n, float d, const float* dm, int lo, int hi, int off, uint8_t* L) {
  for (int i = 0; i < n; ++i) {
    const int l = nearest_int(dm ? (x[i] + *dm) / d : x[i] / d);
    L[i] = (uint8_t)(KMAX(lo, KMIN(hi, l)) + off);
  }
}

const lq_k_search lq_k_search_ref = {search_q2_ref, search_q3_ref, search_q45_ref, search_q6_ref, requant_ref};

static void quant_q2_K(size_t nb, const float* x, lq_block_q2_K* y, const lq_k_search* S) {
  uint8_t L[LQ_QK_K];
  float mins[16], scales[16];
  const float q4scale = 15.f;
  for (size_t i = 0; i < nb; i++, x += LQ_QK_K) {
    float max_scale = 0, max_min = 0;
    S->q2(x, scales, mins, L);
    for (int j = 0; j < 16; ++j) {
      if (scales[j] > max_scale) max_scale = scales[j];
      if (mins[j] > max_min) max_min = mins[j];
    }
    if (max_scale > 0) {
      float iscale = q4scale / max_scale;
      for (int j = 0; j < 16; ++j) y[i].scales[j] = (uint8_t)nearest_int(iscale * scales[j]);
      y[i].d = f2h(max_scale / q4scale);
    } else {
      memset(y[i].scales, 0, 16);
      y[i].d = f2h(0.f);
    }
    if (max_min > 0) {
      float iscale = q4scale / max_min;
      for (int j = 0; j < 16; ++j) y[i].scales[j] |= (uint8_t)((unsigned)nearest_int(iscale * mins[j]) << 4); /* 2s complement */
      y[i].dmin = f2h(max_min / q4scale);
    } else {
      y[i].dmin = f2h(0.f);
    }
    for (int j = 0; j < 16; ++j) {
      const float d = h2f(y[i].d) * (float)(y[i].scales[j] & 0xF);
      if (d == 0.0f) continue;
      const float dm = h2f(y[i].dmin) * (float)(y[i].scales[j] >> 4);
      S->requant(x + 16 * j, 16, d, &dm, 0, 3, 0, L + 16 * j);
    }
    for (int j = 0; j < LQ_QK_K; j += 128)
      for (int l = 0; l < 32; ++l)
        y[i].qs[j / 4 + l] =
            (uint8_t)(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
  }
}

void lq_uk_llm_q2_k_dequant__ref(size_t nb, const void* vx, float* y) {
  const lq_block_q2_K* x = (const lq_block_q2_K*)vx;
  for (size_t i = 0; i < nb; i++) {
    const float d = h2f(x[i].d), min = h2f(x[i].dmin);
    const uint8_t* q = x[i].qs;
    int is = 0;
    for (int n = 0; n < LQ_QK_K; n += 128) {
      for (int j = 0, shift = 0; j < 4; ++j, shift += 2) {
        for (int half = 0; half < 2; half++) {
          uint8_t sc = x[i].scales[is++];
          const float dl = d * (float)(sc & 0xF), ml = min * (float)(sc >> 4);
          for (int l = 0; l < 16; ++l) *y++ = dl * (float)((q[l + 16 * half] >> shift) & 3) - ml;
        }
      }
      q += 32;
    }
  }
}

/* ------------------------------------------------------------- Q3_K --- */
static void quant_q3_K(size_t nb, const float* x, lq_block_q3_K* y, const lq_k_search* S) {
  int8_t L[LQ_QK_K];
  float scales[16];
  for (size_t i = 0; i < nb; i++, x += LQ_QK_K) {
    float max_scale = 0, amax = 0;
    S->q3(x, scales, L);
    for (int j = 0; j < 16; ++j) {
      float scale = fabsf(scales[j]);
      if (scale > amax) {
        amax = scale;
        max_scale = scales[j];
      }
    }
    memset(y[i].scales, 0, 12);
    if (max_scale != 0.0f) {
      float iscale = -32.f / max_scale;
      for (int j = 0; j < 16; ++j) {
        int8_t l = (int8_t)nearest_int(iscale * scales[j]);
        l = (int8_t)(KMAX(-32, KMIN(31, l)) + 32);
        if (j < 8) y[i].scales[j] = (uint8_t)(l & 0xF);
        else y[i].scales[j - 8] |= (uint8_t)((l & 0xF) << 4);
        l = (int8_t)(l >> 4);
        y[i].scales[j % 4 + 8] |= (uint8_t)(l << (2 * (j / 4)));
      }
      y[i].d = f2h(1 / iscale);
    } else {
      y[i].d = f2h(0.f);
    }
    for (int j = 0; j < 16; ++j) {
      const float d = h2f(y[i].d) * (float)q3k_scale(y[i].scales, j);
      if (d == 0.0f) continue;
      S->requant(x + 16 * j, 16, d, NULL, -4, 3, 4, (uint8_t*)L + 16 * j);
    }
    memset(y[i].hmask, 0, 32);
    int m = 0;
    uint8_t hm = 1;
    for (int j = 0; j < LQ_QK_K; ++j) { /* branch-free form of ggml's if (L[j] > 3) */
      const int hi = L[j] > 3;
      y[i].hmask[m] |= (uint8_t)(hm & -hi);
      L[j] = (int8_t)(L[j] - 4 * hi);
      if (++m == LQ_QK_K / 8) {
        m = 0;
        hm = (uint8_t)(hm << 1);
      }
    }
    for (int j = 0; j < LQ_QK_K; j += 128)
      for (int l = 0; l < 32; ++l)
        y[i].qs[j / 4 + l] =
            (uint8_t)(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
  }
}

void lq_uk_llm_q3_k_dequant__ref(size_t nb, const void* vx, float* y) {
  const lq_block_q3_K* x = (const lq_block_q3_K*)vx;
  for (size_t i = 0; i < nb; i++) {
    const float d_all = h2f(x[i].d);
    const uint8_t* q = x[i].qs;
    const uint8_t* hm = x[i].hmask;
    uint8_t m = 1;
    int is = 0;
    for (int n = 0; n < LQ_QK_K; n += 128) {
      for (int j = 0, shift = 0; j < 4; ++j, shift += 2) {
        for (int half = 0; half < 2; half++) {
          const float dl = d_all * (float)q3k_scale(x[i].scales, is++);
          for (int l = 0; l < 16; ++l) {
            const int k = l + 16 * half;
            *y++ = dl * (float)(((q[k] >> shift) & 3) - ((hm[k] & m) ? 0 : 4));
          }
        }
        m = (uint8_t)(m << 1);
      }
      q += 32;
    }
  }
}

/* --------------------------------------------------------- Q4_K / Q5_K --- */
/* The shared part: per 32-sub-block scale/min search and the 6-bit packing. */
static void k_scales_mins(const float* x, int nmax, float rmin, float rdelta, int nstep, uint8_t* L, uint8_t* scales12,
                          lq_half* d_out, lq_half* dmin_out, const lq_k_search* S) {
  float mins[8], scales[8];
  float max_scale = 0, max_min = 0;
  S->q45(x, nmax, rmin, rdelta, nstep, scales, mins, L);
  for (int j = 0; j < 8; ++j) {
    if (scales[j] > max_scale) max_scale = scales[j];
    if (mins[j] > max_min) max_min = mins[j];
  }
  float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
  float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
  for (int j = 0; j < 8; ++j) {
    uint8_t ls = (uint8_t)nearest_int(inv_scale * scales[j]);
    uint8_t lm = (uint8_t)nearest_int(inv_min * mins[j]);
    ls = KMIN(63, ls);
    lm = KMIN(63, lm);
    if (j < 4) {
      scales12[j] = ls;
      scales12[j + 4] = lm;
    } else {
      scales12[j + 4] = (uint8_t)((ls & 0xF) | ((lm & 0xF) << 4));
      scales12[j - 4] |= (uint8_t)((ls >> 4) << 6);
      scales12[j - 0] |= (uint8_t)((lm >> 4) << 6);
    }
  }
  *d_out = f2h(max_scale / 63.f);
  *dmin_out = f2h(max_min / 63.f);
  for (int j = 0; j < 8; ++j) {
    uint8_t sc, m;
    get_scale_min_k4(j, scales12, &sc, &m);
    const float d = h2f(*d_out) * (float)sc;
    if (d == 0.0f) continue;
    const float dm = h2f(*dmin_out) * (float)m;
    S->requant(x + 32 * j, 32, d, &dm, 0, nmax, 0, L + 32 * j);
  }
}

static void quant_q4_K(size_t nb, const float* x, lq_block_q4_K* y, const lq_k_search* S) {
  uint8_t L[LQ_QK_K];
  for (size_t i = 0; i < nb; i++, x += LQ_QK_K) {
    memset(y[i].scales, 0, LQ_K_SCALE_SIZE);
    k_scales_mins(x, 15, -1.f, 0.1f, 20, L, y[i].scales, &y[i].d, &y[i].dmin, S);
    uint8_t* q = y[i].qs;
    for (int j = 0; j < LQ_QK_K; j += 64, q += 32)
      for (int l = 0; l < 32; ++l) q[l] = (uint8_t)(L[j + l] | (L[j + l + 32] << 4));
  }
}

static void quant_q5_K(size_t nb, const float* x, lq_block_q5_K* y, const lq_k_search* S) {
  uint8_t L[LQ_QK_K];
  for (size_t i = 0; i < nb; i++, x += LQ_QK_K) {
    memset(y[i].scales, 0, LQ_K_SCALE_SIZE);
    k_scales_mins(x, 31, -0.5f, 0.1f, 15, L, y[i].scales, &y[i].d, &y[i].dmin, S);
    uint8_t* qh = y[i].qh;
    uint8_t* ql = y[i].qs;
    memset(qh, 0, LQ_QK_K / 8);
    uint8_t m1 = 1, m2 = 2;
    for (int n = 0; n < LQ_QK_K; n += 64, ql += 32) {
      for (int j = 0; j < 32; ++j) {
        const int l1 = L[n + j], l2 = L[n + j + 32];
        const int h1 = l1 > 15, h2 = l2 > 15; /* branch-free form of ggml's if (l > 15) */
        qh[j] |= (uint8_t)((m1 & -h1) | (m2 & -h2));
        ql[j] = (uint8_t)((l1 - 16 * h1) | ((l2 - 16 * h2) << 4));
      }
      m1 = (uint8_t)(m1 << 2);
      m2 = (uint8_t)(m2 << 2);
    }
  }
}

static void dequant_q45_K(size_t nb, const void* vx, float* y, int five) {
  const size_t bs = five ? sizeof(lq_block_q5_K) : sizeof(lq_block_q4_K);
  for (size_t i = 0; i < nb; i++) {
    const uint8_t* blk = (const uint8_t*)vx + i * bs;
    lq_half dh, mh;
    memcpy(&dh, blk, 2);
    memcpy(&mh, blk + 2, 2);
    const uint8_t* scales = blk + 4;
    const uint8_t* qh = blk + 4 + LQ_K_SCALE_SIZE;
    const uint8_t* ql = five ? qh + LQ_QK_K / 8 : qh;
    const float d = h2f(dh), min = h2f(mh);
    uint8_t u1 = 1, u2 = 2;
    for (int j = 0, is = 0; j < LQ_QK_K; j += 64, is += 2, ql += 32) {
      uint8_t sc, m;
      get_scale_min_k4(is + 0, scales, &sc, &m);
      const float d1 = d * (float)sc, m1 = min * (float)m;
      get_scale_min_k4(is + 1, scales, &sc, &m);
      const float d2 = d * (float)sc, m2 = min * (float)m;
      for (int l = 0; l < 32; ++l)
        *y++ = d1 * (float)((ql[l] & 0xF) + (five && (qh[l] & u1) ? 16 : 0)) - m1;
      for (int l = 0; l < 32; ++l)
        *y++ = d2 * (float)((ql[l] >> 4) + (five && (qh[l] & u2) ? 16 : 0)) - m2;
      u1 = (uint8_t)(u1 << 2);
      u2 = (uint8_t)(u2 << 2);
    }
  }
}

void lq_uk_llm_q4_k_dequant__ref(size_t nb, const void* vx, float* y) { dequant_q45_K(nb, vx, y, 0); }
void lq_uk_llm_q5_k_dequant__ref(size_t nb, const void* vx, float* y) { dequant_q45_K(nb, vx, y, 1); }

/* ------------------------------------------------------------- Q6_K --- */
static void quant_q6_K(size_t nb, const float* x, lq_block_q6_K* y, const lq_k_search* S) {
  int8_t L[LQ_QK_K];
  float scales[16];
  for (size_t i = 0; i < nb; i++, x += LQ_QK_K) {
    float max_scale = 0, max_abs_scale = 0;
    S->q6(x, scales, L);
    for (int ib = 0; ib < 16; ++ib) {
      const float scale = scales[ib];
      if (fabsf(scale) > max_abs_scale) {
        max_abs_scale = fabsf(scale);
        max_scale = scale;
      }
    }
    if (max_abs_scale < GROUP_MAX_EPS) {
      memset(&y[i], 0, sizeof y[i]);
      y[i].d = f2h(0.f);
      continue;
    }
    float iscale = -128.f / max_scale;
    y[i].d = f2h(1 / iscale);
    for (int ib = 0; ib < 16; ++ib) y[i].scales[ib] = (int8_t)KMIN(127, nearest_int(iscale * scales[ib]));
    for (int j = 0; j < 16; ++j) {
      const float d = h2f(y[i].d) * (float)y[i].scales[j];
      if (d == 0.0f) continue;
      S->requant(x + 16 * j, 16, d, NULL, -32, 31, 32, (uint8_t*)L + 16 * j);
    }
    uint8_t* ql = y[i].ql;
    uint8_t* qh = y[i].qh;
    for (int j = 0; j < LQ_QK_K; j += 128, ql += 64, qh += 32) {
      for (int l = 0; l < 32; ++l) {
        const uint8_t q1 = L[j + l] & 0xF, q2 = L[j + l + 32] & 0xF;
        const uint8_t q3 = L[j + l + 64] & 0xF, q4 = L[j + l + 96] & 0xF;
        ql[l] = (uint8_t)(q1 | (q3 << 4));
        ql[l + 32] = (uint8_t)(q2 | (q4 << 4));
        qh[l] = (uint8_t)((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) |
                          ((L[j + l + 96] >> 4) << 6));
      }
    }
  }
}

void lq_uk_llm_q6_k_dequant__ref(size_t nb, const void* vx, float* y) {
  const lq_block_q6_K* x = (const lq_block_q6_K*)vx;
  for (size_t i = 0; i < nb; i++) {
    const float d = h2f(x[i].d);
    const uint8_t* ql = x[i].ql;
    const uint8_t* qh = x[i].qh;
    const int8_t* sc = x[i].scales;
    for (int n = 0; n < LQ_QK_K; n += 128, y += 128, ql += 64, qh += 32, sc += 8) {
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int q1 = (int8_t)((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = (int8_t)((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = (int8_t)((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = (int8_t)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l] = d * (float)sc[is + 0] * (float)q1;
        y[l + 32] = d * (float)sc[is + 2] * (float)q2;
        y[l + 64] = d * (float)sc[is + 4] * (float)q3;
        y[l + 96] = d * (float)sc[is + 6] * (float)q4;
      }
    }
  }
}

void lq_ggml_quantize_k_with(lq_ggml_type type, const float* x, size_t nb, void* out, const lq_k_search* S) {
  switch (type) {
    case LQ_GGML_Q2_K: quant_q2_K(nb, x, (lq_block_q2_K*)out, S); break;
    case LQ_GGML_Q3_K: quant_q3_K(nb, x, (lq_block_q3_K*)out, S); break;
    case LQ_GGML_Q4_K: quant_q4_K(nb, x, (lq_block_q4_K*)out, S); break;
    case LQ_GGML_Q5_K: quant_q5_K(nb, x, (lq_block_q5_K*)out, S); break;
    case LQ_GGML_Q6_K: quant_q6_K(nb, x, (lq_block_q6_K*)out, S); break;
    default: break;
  }
}

/* The K-quant quantize kernels (finite x: the entry point checks). */
#define LQ_K_QUANT_REF(name, type)                                   \
  int lq_uk_llm_##name##_quant__ref(size_t nb, const float* x, void* b) { \
    lq_ggml_quantize_k_with(type, x, nb, b, &lq_k_search_ref);          \
    return 0;                                                           \
  }
LQ_K_QUANT_REF(q2_k, LQ_GGML_Q2_K)
LQ_K_QUANT_REF(q3_k, LQ_GGML_Q3_K)
LQ_K_QUANT_REF(q4_k, LQ_GGML_Q4_K)
LQ_K_QUANT_REF(q5_k, LQ_GGML_Q5_K)
LQ_K_QUANT_REF(q6_k, LQ_GGML_Q6_K)
#undef LQ_K_QUANT_REF

lq_status lq_ggml_quantize_k(lq_ggml_type type, const float* x, size_t nb, void* out) {
  const lq_dispatch* dp = lq_dispatch_get();
  switch (type) {
    case LQ_GGML_Q2_K: dp->llm_q2_k_quant(nb, x, out); break;
    case LQ_GGML_Q3_K: dp->llm_q3_k_quant(nb, x, out); break;
    case LQ_GGML_Q4_K: dp->llm_q4_k_quant(nb, x, out); break;
    case LQ_GGML_Q5_K: dp->llm_q5_k_quant(nb, x, out); break;
    case LQ_GGML_Q6_K: dp->llm_q6_k_quant(nb, x, out); break;
    default: return lq_fail(LQ_ERR_INVALID_ARG, "ggml type %d is not supported by libquant", (int)type);
  }
  return LQ_OK;
}

lq_status lq_ggml_dequantize_k(lq_ggml_type type, const void* blocks, size_t nb, float* y) {
  const lq_dispatch* dp = lq_dispatch_get();
  switch (type) {
    case LQ_GGML_Q2_K: dp->llm_q2_k_dequant(nb, blocks, y); break;
    case LQ_GGML_Q3_K: dp->llm_q3_k_dequant(nb, blocks, y); break;
    case LQ_GGML_Q4_K: dp->llm_q4_k_dequant(nb, blocks, y); break;
    case LQ_GGML_Q5_K: dp->llm_q5_k_dequant(nb, blocks, y); break;
    case LQ_GGML_Q6_K: dp->llm_q6_k_dequant(nb, blocks, y); break;
    default: return lq_fail(LQ_ERR_INVALID_ARG, "ggml type %d is not supported by libquant", (int)type);
  }
  return LQ_OK;
}
