/* Scalar reference kernels of the llm module: the definitions the SIMD
 * kernels reproduce bit for bit. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "common/fp16.h"
#include "llm/llm_kernels.h"
#include "llm/llm_tables.h"

/* C's float -> int8_t conversion as ggml gets it on x86 (cvttss2si, then the
 * low byte): in-range values truncate; Inf/NaN (which ggml produces when a
 * block's amax is so small that 1/d overflows) give 0. Pinned here so every
 * ISA and compiler agrees instead of relying on undefined behaviour. */
static inline int trunc_i8(float v) { return v > -128.5f && v < 128.5f ? (int8_t)(int)v : 0; }

void lq_uk_llm_bnb4_dequant__ref(size_t npairs, const uint8_t* p, const float* lut, float s, float* y) {
  for (size_t k = 0; k < npairs; k++) {
    y[2 * k] = lut[p[k] >> 4] * s;
    y[2 * k + 1] = lut[p[k] & 15] * s;
  }
}

static inline uint8_t nf4_code(float v) {
  /* Number of bounds strictly below v: torch.bucketize(right=False). */
  uint8_t c = 0;
  for (int i = 0; i < 15; i++) c += (uint8_t)(v > lq_nf4_bounds[i]);
  return c;
}

/* bitsandbytes' absmax.clamp(min=1e-38) before the reciprocal; the stored
 * absmax of a full block is the unclamped value. */
size_t lq_uk_llm_nf4_quant__ref(size_t nblocks, size_t bs, const float* x, uint8_t* p, float* absmax) {
  for (size_t b = 0; b < nblocks; b++, x += bs, p += bs / 2) {
    float am = 0.0f;
    for (size_t j = 0; j < bs; j++) {
      const float a = fabsf(x[j]);
      if (!(a <= FLT_MAX)) return b; /* NaN or Inf */
      if (a > am) am = a;
    }
    absmax[b] = am;
    const float r = 1.0f / (am < 1e-38f ? 1e-38f : am);
    for (size_t k = 0; k < bs / 2; k++) p[k] = (uint8_t)((nf4_code(x[2 * k] * r) << 4) | nf4_code(x[2 * k + 1] * r));
  }
  return nblocks;
}

void lq_uk_llm_q4_0_dequant__ref(size_t nb, const void* vb, float* y) {
  const lq_block_q4_0* b = (const lq_block_q4_0*)vb;
  for (size_t i = 0; i < nb; i++) {
    const float d = lq_h2f(b[i].d);
    for (int j = 0; j < LQ_QK / 2; j++) {
      y[i * LQ_QK + j] = (float)((b[i].qs[j] & 0x0F) - 8) * d;
      y[i * LQ_QK + j + LQ_QK / 2] = (float)((b[i].qs[j] >> 4) - 8) * d;
    }
  }
}

void lq_uk_llm_q8_0_dequant__ref(size_t nb, const void* vb, float* y) {
  const lq_block_q8_0* b = (const lq_block_q8_0*)vb;
  for (size_t i = 0; i < nb; i++) {
    const float d = lq_h2f(b[i].d);
    for (int j = 0; j < LQ_QK; j++) y[i * LQ_QK + j] = (float)b[i].qs[j] * d;
  }
}

/* dequantize_row_q4_1: y = q*d + m (product rounded first). */
void lq_uk_llm_q4_1_dequant__ref(size_t nb, const void* vb, float* y) {
  const lq_block_q4_1* b = (const lq_block_q4_1*)vb;
  for (size_t i = 0; i < nb; i++, y += LQ_QK) {
    const float d = lq_h2f(b[i].d), m = lq_h2f(b[i].m);
    for (int j = 0; j < LQ_QK / 2; j++) {
      y[j] = (float)(b[i].qs[j] & 0x0F) * d + m;
      y[j + 16] = (float)(b[i].qs[j] >> 4) * d + m;
    }
  }
}

/* dequantize_row_q5_0 / q5_1: bit j of qh (little-endian uint32) is the
 * fifth bit of element j. */
static void dequant_q5(size_t nb, const void* vx, float* y, int has_min) {
  const uint8_t* p = (const uint8_t*)vx;
  const size_t bs = has_min ? sizeof(lq_block_q5_1) : sizeof(lq_block_q5_0);
  for (size_t i = 0; i < nb; i++, y += LQ_QK, p += bs) {
    lq_half dh, mh = {{0, 0}};
    memcpy(&dh, p, 2);
    if (has_min) memcpy(&mh, p + 2, 2);
    const uint8_t* qhp = p + (has_min ? 4 : 2);
    const uint8_t* qs = qhp + 4;
    const uint32_t qh = (uint32_t)qhp[0] | (uint32_t)qhp[1] << 8 | (uint32_t)qhp[2] << 16 | (uint32_t)qhp[3] << 24;
    const float d = lq_h2f(dh), m = lq_h2f(mh);
    for (int j = 0; j < LQ_QK / 2; j++) {
      const int xh0 = (int)(((qh >> j) << 4) & 0x10), xh1 = (int)((qh >> (j + 12)) & 0x10);
      const int x0 = (qs[j] & 0x0F) | xh0, x1 = (qs[j] >> 4) | xh1;
      if (has_min) {
        y[j] = (float)x0 * d + m;
        y[j + 16] = (float)x1 * d + m;
      } else {
        y[j] = (float)(x0 - 16) * d;
        y[j + 16] = (float)(x1 - 16) * d;
      }
    }
  }
}
void lq_uk_llm_q5_0_dequant__ref(size_t nb, const void* vb, float* y) { dequant_q5(nb, vb, y, 0); }
void lq_uk_llm_q5_1_dequant__ref(size_t nb, const void* vb, float* y) { dequant_q5(nb, vb, y, 1); }

/* quantize_row_q4_0_ref: d = max / -8 where max is the first element of
 * largest |x|; q = MIN(15, (int8_t)(x*id + 8.5f)) with the product rounded
 * before the add (no FMA). */
static int any_nonfinite(size_t n, const float* x) {
  int bad = 0;
  for (size_t i = 0; i < n; i++) bad |= !(fabsf(x[i]) <= FLT_MAX);
  return bad;
}

int lq_uk_llm_q4_0_quant__ref(size_t nb, const float* x, void* vb) {
  lq_block_q4_0* b = (lq_block_q4_0*)vb;
  if (any_nonfinite(nb * LQ_QK, x)) return 1;
  for (size_t i = 0; i < nb; i++) {
    const float* xb = x + i * LQ_QK;
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < LQ_QK; j++) {
      const float v = xb[j];
      if (amax < fabsf(v)) {
        amax = fabsf(v);
        max = v;
      }
    }
    const float d = max / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    b[i].d = lq_f2h(d);
    for (int j = 0; j < LQ_QK / 2; j++) {
      const float x0 = xb[j] * id, x1 = xb[j + LQ_QK / 2] * id;
      int xi0 = trunc_i8(x0 + 8.5f), xi1 = trunc_i8(x1 + 8.5f);
      if (xi0 > 15) xi0 = 15;
      if (xi1 > 15) xi1 = 15;
      b[i].qs[j] = (uint8_t)(xi0 | (xi1 << 4));
    }
  }
  return 0;
}

/* quantize_row_q8_0_ref: d = amax/127, q = roundf(x*id) (half away). */
int lq_uk_llm_q8_0_quant__ref(size_t nb, const float* x, void* vb) {
  lq_block_q8_0* b = (lq_block_q8_0*)vb;
  if (any_nonfinite(nb * LQ_QK, x)) return 1;
  for (size_t i = 0; i < nb; i++) {
    const float* xb = x + i * LQ_QK;
    float amax = 0.0f;
    for (int j = 0; j < LQ_QK; j++) amax = fmaxf(amax, fabsf(xb[j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    b[i].d = lq_f2h(d);
    for (int j = 0; j < LQ_QK; j++) b[i].qs[j] = (int8_t)trunc_i8(roundf(xb[j] * id));
  }
  return 0;
}

/* Canonical dot: ggml's AVX2 kernel (ggml-cpu/arch/x86/quants.c
 * ggml_vec_dot_{q4_0,q8_0}_q8_0) in C. Eight float lanes; lane l takes,
 * from every block, the exact int32 sum of the products of elements
 * 4l..4l+3 and accumulates it as acc[l] = fmaf(dx * dy, (float)sum,
 * acc[l]) in block order; then ggml's hsum_float_8: r[i] = acc[i] +
 * acc[i + 4], (r[0] + r[2]) + (r[1] + r[3]). Products are exact, also for
 * -128 (ggml's sign trick would flip x * -128 for negative x: inputs no
 * ggml quantizer writes). */
static float dot_lanes_sum(const float acc[8]) {
  float r[4];
  for (int i = 0; i < 4; i++) r[i] = acc[i] + acc[i + 4];
  return (r[0] + r[2]) + (r[1] + r[3]);
}

void lq_uk_llm_dot_q4_0_q8_0__ref(size_t nb, const void* vx, const void* vy, float* out) {
  const lq_block_q4_0* x = (const lq_block_q4_0*)vx;
  const lq_block_q8_0* y = (const lq_block_q8_0*)vy;
  float acc[8] = {0};
  for (size_t i = 0; i < nb; i++) {
    const float d = lq_h2f(x[i].d) * lq_h2f(y[i].d);
    for (int l = 0; l < 8; l++) {
      int32_t sumi = 0;
      for (int e = 4 * l; e < 4 * l + 4; e++) {
        /* element e < 16: low nibble of qs[e]; e >= 16: high nibble of qs[e - 16] */
        const int q = e < 16 ? (x[i].qs[e] & 0x0F) : (x[i].qs[e - 16] >> 4);
        sumi += (q - 8) * y[i].qs[e];
      }
      acc[l] = fmaf(d, (float)sumi, acc[l]);
    }
  }
  *out = dot_lanes_sum(acc);
}

void lq_uk_llm_dot_q8_0_q8_0__ref(size_t nb, const void* vx, const void* vy, float* out) {
  const lq_block_q8_0* x = (const lq_block_q8_0*)vx;
  const lq_block_q8_0* y = (const lq_block_q8_0*)vy;
  float acc[8] = {0};
  for (size_t i = 0; i < nb; i++) {
    const float d = lq_h2f(x[i].d) * lq_h2f(y[i].d);
    for (int l = 0; l < 8; l++) {
      int32_t sumi = 0;
      for (int e = 4 * l; e < 4 * l + 4; e++) sumi += x[i].qs[e] * y[i].qs[e];
      acc[l] = fmaf(d, (float)sumi, acc[l]);
    }
  }
  *out = dot_lanes_sum(acc);
}

/* dequantize_row_iq4_nl: y = d * kvalues_iq4nl[code]. */
void lq_uk_llm_iq4_nl_dequant__ref(size_t nb, const void* vb, float* y) {
  const lq_block_iq4_nl* b = (const lq_block_iq4_nl*)vb;
  for (size_t i = 0; i < nb; i++, y += LQ_QK) {
    const float d = lq_h2f(b[i].d);
    for (int j = 0; j < LQ_QK / 2; j++) {
      y[j] = d * (float)lq_iq4nl_values[b[i].qs[j] & 0x0F];
      y[j + LQ_QK / 2] = d * (float)lq_iq4nl_values[b[i].qs[j] >> 4];
    }
  }
}

/* bitsandbytes 4-bit GEMV: per block s = sum code * x in element order,
 * then acc += absmax * s in block order. */
void lq_uk_llm_bnb4_gemv__ref(size_t rows, size_t cols, size_t bs, const uint8_t* p, const float* absmax,
                              const float* lut, const float* x, float* y) {
  const size_t nbr = cols / bs;
  for (size_t r = 0; r < rows; r++) {
    float acc = 0.0f;
    for (size_t b = 0; b < nbr; b++) {
      const uint8_t* pb = p + (r * cols + b * bs) / 2;
      const float* xb = x + b * bs;
      float s = 0.0f;
      for (size_t k = 0; k < bs / 2; k++) {
        s += lut[pb[k] >> 4] * xb[2 * k];
        s += lut[pb[k] & 15] * xb[2 * k + 1];
      }
      acc += absmax[r * nbr + b] * s;
    }
    y[r] = acc;
  }
}

/* IQ4_NL: ggml quantize_iq4_nl without an importance matrix, i.e.
 * quantize_row_iq4_nl_impl(32, 32, x, ..., quant_weights = NULL, ntry = 7)
 * -- what llama-quantize writes -- in C operation order, no FMA. */
#define IQ4_NTRY 7
#define IQ4_GROUP_MAX_EPS 1e-15f

/* val[i-1] + val[i] for i = 1..15 (index i - 1), exact in float. */
static const float iq4_mid2[15] = {-231, -187, -148, -114, -84, -57, -32, -9, 14, 38, 63, 91, 122, 158, 202};

/* ggml best_index_int8: the level i reached once 2x >= val[i-1] + val[i]
 * (binary search over the 15 midpoints; ties go up). The steps are masks,
 * not branches: the search runs 16 times per element and its outcomes are
 * unpredictable. */
static inline int best_index(float x) {
  const float x2 = x + x;
  int idx = 0;
  for (int step = 8; step > 0; step >>= 1) idx += step & -(int)(x2 >= iq4_mid2[idx + step - 1]);
  return idx;
}

static void iq4_nl_block(const float* xb, lq_block_iq4_nl* y) {
  float weight[LQ_QK];
  uint8_t L[LQ_QK];
  const int8_t* values = lq_iq4nl_values;
  for (int j = 0; j < LQ_QK; j++) weight[j] = xb[j] * xb[j];
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < LQ_QK; j++) {
    const float ax = fabsf(xb[j]);
    if (ax > amax) {
      amax = ax;
      max = xb[j];
    }
  }
  float scale = 0.0f;
  if (!(amax < IQ4_GROUP_MAX_EPS)) {
    float d = -max / (float)values[0];
    float id = 1.0f / d;
    float sumqx = 0.0f, sumq2 = 0.0f;
    for (int j = 0; j < LQ_QK; j++) {
      const float q = (float)values[best_index(id * xb[j])];
      const float w = weight[j];
      sumqx += w * q * xb[j];
      sumq2 += w * q * q;
    }
    d = sumq2 > 0.0f ? sumqx / sumq2 : 0.0f;
    float best = d * sumqx;
    for (int itry = -IQ4_NTRY; itry <= IQ4_NTRY; itry++) {
      id = (float)(itry + values[0]) / max;
      sumqx = sumq2 = 0.0f;
      for (int j = 0; j < LQ_QK; j++) {
        const float q = (float)values[best_index(id * xb[j])];
        const float w = weight[j];
        sumqx += w * q * xb[j];
        sumq2 += w * q * q;
      }
      if (sumq2 > 0.0f && sumqx * sumqx > best * sumq2) {
        d = sumqx / sumq2;
        best = d * sumqx;
      }
    }
    scale = d;
  }
  y->d = lq_f2h(scale);
  /* ntry > 0: the indices are recomputed from the final scale for every
   * block, so an all-zero block stores index 8 (level 1) with d = 0. */
  const float id = scale != 0.0f ? 1.0f / scale : 0.0f;
  for (int j = 0; j < LQ_QK; j++) L[j] = (uint8_t)best_index(id * xb[j]);
  for (int j = 0; j < LQ_QK / 2; j++) y->qs[j] = (uint8_t)(L[j] | (L[j + LQ_QK / 2] << 4));
}

int lq_uk_llm_iq4_nl_quant__ref(size_t nb, const float* x, void* vb) {
  lq_block_iq4_nl* y = (lq_block_iq4_nl*)vb;
  if (any_nonfinite(nb * LQ_QK, x)) return 1;
  for (size_t i = 0; i < nb; i++) iq4_nl_block(x + i * LQ_QK, &y[i]);
  return 0;
}

/* ------------------------------------------------ OCP minifloats and MX -- */

int lq_uk_llm_mf_encode__ref(const lq_mf_params* p, size_t n, const float* x, float s, uint8_t* c) {
  return lq_mf_encode_range(p, x, s, c, 0, n);
}

/* All 256 decodings of the format (codes wider than the format: bits above
 * the field ignored), for table lookup. */
static void mf_table(const lq_mf_params* p, float lut[256]) {
  for (uint32_t c = 0; c < 256; c++) {
    const uint32_t b = lq_mf_decode1_bits(p, c);
    memcpy(&lut[c], &b, sizeof b);
  }
}

void lq_uk_llm_mf_decode__ref(const lq_mf_params* p, size_t n, const uint8_t* c, float s, float* y) {
  if (n < 256) {
    for (size_t i = 0; i < n; i++) {
      const uint32_t b = lq_mf_decode1_bits(p, c[i]);
      float v;
      memcpy(&v, &b, sizeof v);
      y[i] = s == 1.0f ? v : v * s;
    }
    return;
  }
  float lut[256];
  mf_table(p, lut);
  if (s == 1.0f)
    for (size_t i = 0; i < n; i++) y[i] = lut[c[i]];
  else
    for (size_t i = 0; i < n; i++) y[i] = lut[c[i]] * s;
}

/* floor(log2(amax)) - emax clamped to [-127, 127] from amax's bits (f32
 * subnormals and zero: their floor(log2) - emax is below -127). */
static inline int mx_shared_exp(uint32_t amax_bits, int emax) {
  const int fexp = (int)(amax_bits >> 23);
  int se = fexp == 0 ? -127 : fexp - 127 - emax;
  return se < -127 ? -127 : se > 127 ? 127 : se;
}

/* x * 2^-se, exactly ldexpf(x, -se): multiplying by the power of two rounds
 * the exact product once, as ldexpf does; 2^-127 (se = 127, only MXINT8
 * blocks with amax >= 2^127) is not a normal float, so ldexpf does that one. */
static inline float mx_scale_in(float x, int se) { return se == 127 ? ldexpf(x, -se) : x * lq_f32_pow2(-se); }

static inline uint8_t mx_int8_code(float v) {
  float q = nearbyintf(v * 64.0f);
  q = q > 127.0f ? 127.0f : q < -127.0f ? -127.0f : q;
  return (uint8_t)(int8_t)q;
}

int lq_uk_llm_mx_quant__ref(const lq_mx_params* p, size_t nb, const float* x, uint8_t* out) {
  const size_t bb = 1 + p->payload;
  for (size_t b = 0; b < nb; b++, x += 32, out += bb) {
    uint32_t amax = 0;
    for (int j = 0; j < 32; j++) {
      uint32_t u;
      memcpy(&u, &x[j], sizeof u);
      u &= 0x7FFFFFFFu;
      if (u > amax) amax = u;
    }
    if (amax >= 0x7F800000u) return 1;
    const int se = mx_shared_exp(amax, p->emax);
    out[0] = (uint8_t)(se + 127);
    uint8_t c[32];
    for (int j = 0; j < 32; j++) {
      const float v = mx_scale_in(x[j], se);
      uint32_t u;
      memcpy(&u, &v, sizeof u);
      c[j] = p->type == LQ_MXINT8 ? mx_int8_code(v) : lq_mf_encode1(&p->elem, u);
    }
    lq_mx_pack32(p->type, c, out + 1);
  }
  return 0;
}

/* element * 2^k, exactly ldexpf(element, k) for k in [-127, 127]: one
 * multiply for a normal 2^k; for k = -127, element * 0.5 is exact (elements
 * are 0, Inf/NaN or normal >= 2^-17) and * 2^-126 rounds once. */
void lq_uk_llm_mx_dequant__ref(const lq_mx_params* p, size_t nb, const uint8_t* in, float* y) {
  const size_t bb = 1 + p->payload;
  float lut[256]; /* element values by code */
  if (p->type == LQ_MXINT8)
    for (int c = 0; c < 256; c++) lut[c] = (float)(int8_t)c * 0x1p-6f;
  else
    mf_table(&p->elem, lut);
  for (size_t b = 0; b < nb; b++, in += bb, y += 32) {
    if (in[0] == 0xFF) {
      for (int j = 0; j < 32; j++) y[j] = NAN;
      continue;
    }
    const int k = (int)in[0] - 127;
    const float s1 = k >= -126 ? lq_f32_pow2(k) : 0.5f, s2 = k >= -126 ? 1.0f : 0x1p-126f;
    uint8_t c[32];
    lq_mx_unpack32(p->type, in + 1, c);
    for (int j = 0; j < 32; j++) y[j] = lut[c[j]] * s1 * s2;
  }
}
