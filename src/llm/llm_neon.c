/* NEON (aarch64) kernels of the llm module, bit-identical to the _ref
 * kernels (same single float operations; exact integer block sums; the
 * dot products accumulate lane sums with vfmaq in the reference's order). */
#include <arm_neon.h>
#include <math.h>
#include <string.h>

#include "common/fp16.h"
#include "llm/llm_kernels.h"
#include "llm/llm_tables.h"

void lq_uk_llm_bnb4_dequant__neon(size_t npairs, const uint8_t* p, const float* lut, float s, float* y) {
  /* The 16 floats as a 64-byte vqtbl4q_u8 table: float c is bytes 4c..4c+3. */
  uint8x16x4_t tab;
  tab.val[0] = vld1q_u8((const uint8_t*)lut);
  tab.val[1] = vld1q_u8((const uint8_t*)lut + 16);
  tab.val[2] = vld1q_u8((const uint8_t*)lut + 32);
  tab.val[3] = vld1q_u8((const uint8_t*)lut + 48);
  static const uint8_t sel[4][16] = {{0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3},
                                     {4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7},
                                     {8, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 10, 11, 11, 11, 11},
                                     {12, 12, 12, 12, 13, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15, 15}};
  const uint8x16_t byte_pos = vreinterpretq_u8_u32(vdupq_n_u32(0x03020100u));
  size_t k = 0;
  for (; k + 8 <= npairs; k += 8) {
    uint8x8_t b = vld1_u8(p + k);
    uint8x8x2_t z = vzip_u8(vshr_n_u8(b, 4), vand_u8(b, vdup_n_u8(0x0F))); /* hi0, lo0, hi1, lo1, ... */
    uint8x16_t c4 = vshlq_n_u8(vcombine_u8(z.val[0], z.val[1]), 2);     /* 4 * code */
    for (int g = 0; g < 4; g++) {
      uint8x16_t ix = vaddq_u8(vqtbl1q_u8(c4, vld1q_u8(sel[g])), byte_pos);
      float32x4_t v = vreinterpretq_f32_u8(vqtbl4q_u8(tab, ix));
      vst1q_f32(y + 2 * k + 4 * g, vmulq_n_f32(v, s));
    }
  }
  for (; k < npairs; k++) {
    y[2 * k] = lut[p[k] >> 4] * s;
    y[2 * k + 1] = lut[p[k] & 15] * s;
  }
}

static inline uint32x4_t nf4_codes4(const float* x, float r) {
  float32x4_t v = vmulq_n_f32(vld1q_f32(x), r);
  uint32x4_t c = vdupq_n_u32(0);
  for (int t = 0; t < 15; t++) c = vsubq_u32(c, vcgtq_f32(v, vdupq_n_f32(lq_nf4_bounds[t]))); /* true = all ones */
  return c;
}

/* Largest |x| bits over n (a multiple of 16) floats: positive floats order
 * as their bit patterns, so the integer max is the float max, and a result
 * >= 0x7f800000 means some element is NaN or Inf. */
static inline uint32_t absmax_bits(const float* x, size_t n) {
  const uint32x4_t absmask = vdupq_n_u32(0x7fffffffu);
  uint32x4_t m0 = vdupq_n_u32(0), m1 = m0;
  for (size_t j = 0; j < n; j += 16) {
    uint32x4_t a = vandq_u32(vld1q_u32((const uint32_t*)(const void*)(x + j)), absmask);
    uint32x4_t b = vandq_u32(vld1q_u32((const uint32_t*)(const void*)(x + j + 4)), absmask);
    uint32x4_t c = vandq_u32(vld1q_u32((const uint32_t*)(const void*)(x + j + 8)), absmask);
    uint32x4_t d = vandq_u32(vld1q_u32((const uint32_t*)(const void*)(x + j + 12)), absmask);
    m0 = vmaxq_u32(m0, vmaxq_u32(a, b));
    m1 = vmaxq_u32(m1, vmaxq_u32(c, d));
  }
  return vmaxvq_u32(vmaxq_u32(m0, m1));
}

size_t lq_uk_llm_nf4_quant__neon(size_t nblocks, size_t bs, const float* x, uint8_t* p, float* absmax) {
  for (size_t blk = 0; blk < nblocks; blk++, x += bs, p += bs / 2) {
    const uint32_t amb = absmax_bits(x, bs);
    if (amb >= 0x7f800000u) return blk;
    const float am = lq_bits_f32(amb);
    absmax[blk] = am;
    const float r = 1.0f / (am < 1e-38f ? 1e-38f : am);
    for (size_t k = 0; k < bs / 2; k += 8) { /* 16 elements -> 8 bytes */
      const float* xk = x + 2 * k;
      uint16x8_t c01 = vcombine_u16(vmovn_u32(nf4_codes4(xk, r)), vmovn_u32(nf4_codes4(xk + 4, r)));
      uint16x8_t c23 = vcombine_u16(vmovn_u32(nf4_codes4(xk + 8, r)), vmovn_u32(nf4_codes4(xk + 12, r)));
      uint8x16_t c = vcombine_u8(vmovn_u16(c01), vmovn_u16(c23)); /* codes in element order */
      uint8x8x2_t uz = vuzp_u8(vget_low_u8(c), vget_high_u8(c));  /* evens, odds */
      vst1_u8(p + k, vorr_u8(vshl_n_u8(uz.val[0], 4), uz.val[1]));
    }
  }
  return nblocks;
}

void lq_uk_llm_q4_0_dequant__neon(size_t nb, const void* vb, float* y) {
  const lq_block_q4_0* b = (const lq_block_q4_0*)vb;
  for (size_t i = 0; i < nb; i++, y += LQ_QK) {
    const float d = lq_h2f(b[i].d);
    uint8x16_t q = vld1q_u8(b[i].qs);
    int8x16_t lo = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(q, vdupq_n_u8(0x0F))), vdupq_n_s8(8));
    int8x16_t hi = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(q, 4)), vdupq_n_s8(8));
    int8x16_t parts[2] = {lo, hi};
    for (int h = 0; h < 2; h++) {
      int16x8_t w0 = vmovl_s8(vget_low_s8(parts[h])), w1 = vmovl_s8(vget_high_s8(parts[h]));
      vst1q_f32(y + 16 * h + 0, vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_low_s16(w0))), d));
      vst1q_f32(y + 16 * h + 4, vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_high_s16(w0))), d));
      vst1q_f32(y + 16 * h + 8, vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_low_s16(w1))), d));
      vst1q_f32(y + 16 * h + 12, vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_high_s16(w1))), d));
    }
  }
}

void lq_uk_llm_q8_0_dequant__neon(size_t nb, const void* vb, float* y) {
  const lq_block_q8_0* b = (const lq_block_q8_0*)vb;
  for (size_t i = 0; i < nb; i++, y += LQ_QK) {
    const float d = lq_h2f(b[i].d);
    for (int h = 0; h < 2; h++) {
      int8x16_t q = vld1q_s8(b[i].qs + 16 * h);
      int16x8_t w0 = vmovl_s8(vget_low_s8(q)), w1 = vmovl_s8(vget_high_s8(q));
      vst1q_f32(y + 16 * h + 0, vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_low_s16(w0))), d));
      vst1q_f32(y + 16 * h + 4, vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_high_s16(w0))), d));
      vst1q_f32(y + 16 * h + 8, vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_low_s16(w1))), d));
      vst1q_f32(y + 16 * h + 12, vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_high_s16(w1))), d));
    }
  }
}

static inline void store4(float* y, int32x4_t q, float d, float m, int has_min) {
  float32x4_t v = vmulq_n_f32(vcvtq_f32_s32(q), d);
  vst1q_f32(y, has_min ? vaddq_f32(v, vdupq_n_f32(m)) : v);
}

/* Elements 0..15 = low nibbles, 16..31 = high nibbles (+ the fifth bit from
 * qh: bit e for element e), minus 16 without a min. */
static inline void dequant_nib(const uint8_t* qs, uint32_t qh, int five, int has_min, float d, float m, float* y) {
  uint8x16_t q = vld1q_u8(qs);
  uint8x16_t part[2] = {vandq_u8(q, vdupq_n_u8(0x0F)), vshrq_n_u8(q, 4)};
  static const int32_t neg_lane[4] = {0, -1, -2, -3};
  const int32x4_t nl = vld1q_s32(neg_lane);
  for (int h = 0; h < 2; h++) {
    uint16x8_t w0 = vmovl_u8(vget_low_u8(part[h])), w1 = vmovl_u8(vget_high_u8(part[h]));
    uint32x4_t v[4] = {vmovl_u16(vget_low_u16(w0)), vmovl_u16(vget_high_u16(w0)), vmovl_u16(vget_low_u16(w1)),
                       vmovl_u16(vget_high_u16(w1))};
    for (int t = 0; t < 4; t++) {
      int32x4_t qi = vreinterpretq_s32_u32(v[t]);
      if (five) {
        const int e0 = 16 * h + 4 * t; /* first element of this vector */
        uint32x4_t bits = vshlq_u32(vdupq_n_u32(qh), vsubq_s32(nl, vdupq_n_s32(e0)));
        qi = vorrq_s32(qi, vreinterpretq_s32_u32(vshlq_n_u32(vandq_u32(bits, vdupq_n_u32(1)), 4)));
        if (!has_min) qi = vsubq_s32(qi, vdupq_n_s32(16));
      }
      store4(y + 16 * h + 4 * t, qi, d, m, has_min);
    }
  }
}

static inline uint32_t load_u32le(const uint8_t* p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void lq_uk_llm_q4_1_dequant__neon(size_t nb, const void* vb, float* y) {
  const lq_block_q4_1* b = (const lq_block_q4_1*)vb;
  for (size_t i = 0; i < nb; i++, y += LQ_QK) dequant_nib(b[i].qs, 0, 0, 1, lq_h2f(b[i].d), lq_h2f(b[i].m), y);
}

void lq_uk_llm_q5_0_dequant__neon(size_t nb, const void* vb, float* y) {
  const lq_block_q5_0* b = (const lq_block_q5_0*)vb;
  for (size_t i = 0; i < nb; i++, y += LQ_QK) dequant_nib(b[i].qs, load_u32le(b[i].qh), 1, 0, lq_h2f(b[i].d), 0.0f, y);
}

void lq_uk_llm_q5_1_dequant__neon(size_t nb, const void* vb, float* y) {
  const lq_block_q5_1* b = (const lq_block_q5_1*)vb;
  for (size_t i = 0; i < nb; i++, y += LQ_QK)
    dequant_nib(b[i].qs, load_u32le(b[i].qh), 1, 1, lq_h2f(b[i].d), lq_h2f(b[i].m), y);
}

/* FCVT (round to nearest even, FPCR.DN=0): equal to lq_f32_to_f16_inline. */
static inline lq_half f2h_neon(float f) {
  const uint16_t u = vget_lane_u16(vreinterpret_u16_f16(vcvt_f16_f32(vdupq_n_f32(f))), 0);
  lq_half h = {{(uint8_t)u, (uint8_t)(u >> 8)}};
  return h;
}

/* Max |x| bits of one block; folds the block's max into *all. */
static inline uint32_t block_absmax_bits(const float* x, uint32x4_t* all) {
  const uint32x4_t absmask = vdupq_n_u32(0x7fffffffu);
  uint32x4_t m = vdupq_n_u32(0);
  for (int t = 0; t < 8; t++) m = vmaxq_u32(m, vandq_u32(vld1q_u32((const uint32_t*)(const void*)(x + 4 * t)), absmask));
  *all = vmaxq_u32(*all, m);
  return vmaxvq_u32(m);
}

int lq_uk_llm_q4_0_quant__neon(size_t nb, const float* x, void* vb) {
  lq_block_q4_0* b = (lq_block_q4_0*)vb;
  uint32x4_t all = vdupq_n_u32(0);
  for (size_t i = 0; i < nb; i++, x += LQ_QK) {
    const uint32_t amb = block_absmax_bits(x, &all);
    float max = 0.0f;
    if (amb != 0)
      for (int j = 0; j < LQ_QK; j++)
        if ((lq_f32_bits(x[j]) & 0x7fffffffu) == amb) { /* first element reaching amax, as the reference's strict < scan */
          max = x[j];
          break;
        }
    const float d = max / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    b[i].d = f2h_neon(d);
    uint32_t q[LQ_QK];
    for (int t = 0; t < 8; t++) {
      float32x4_t v = vaddq_f32(vmulq_n_f32(vld1q_f32(x + 4 * t), id), vdupq_n_f32(8.5f));
      uint32x4_t ok = vcaltq_f32(v, vdupq_n_f32(128.0f)); /* Inf/NaN -> 0, as the reference pins it */
      vst1q_u32(q + 4 * t, vandq_u32(vreinterpretq_u32_s32(vminq_s32(vcvtq_s32_f32(v), vdupq_n_s32(15))), ok));
    }
    for (int h = 0; h < 2; h++) { /* byte j = q[j] | q[j+16] << 4 */
      uint32x4_t l0 = vld1q_u32(q + 8 * h), l1 = vld1q_u32(q + 8 * h + 4);
      uint32x4_t h0 = vld1q_u32(q + 16 + 8 * h), h1 = vld1q_u32(q + 16 + 8 * h + 4);
      uint32x4_t o0 = vorrq_u32(l0, vshlq_n_u32(h0, 4)), o1 = vorrq_u32(l1, vshlq_n_u32(h1, 4));
      uint16x8_t o16 = vcombine_u16(vmovn_u32(o0), vmovn_u32(o1));
      vst1_u8(b[i].qs + 8 * h, vmovn_u16(o16));
    }
  }
  return vmaxvq_u32(all) > 0x7f7fffffu;
}

int lq_uk_llm_q8_0_quant__neon(size_t nb, const float* x, void* vb) {
  lq_block_q8_0* b = (lq_block_q8_0*)vb;
  uint32x4_t all = vdupq_n_u32(0);
  for (size_t i = 0; i < nb; i++, x += LQ_QK) {
    const float amax = lq_bits_f32(block_absmax_bits(x, &all));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    b[i].d = f2h_neon(d);
    for (int h = 0; h < 2; h++) {
      int32x4_t q[4];
      for (int t = 0; t < 4; t++) {
        /* vcvtaq: round to nearest, ties away from zero = roundf. */
        float32x4_t sv = vmulq_n_f32(vld1q_f32(x + 16 * h + 4 * t), id);
        q[t] = vandq_s32(vcvtaq_s32_f32(sv), vreinterpretq_s32_u32(vcaleq_f32(sv, vdupq_n_f32(128.0f))));
      }
      int16x8_t q01 = vcombine_s16(vmovn_s32(q[0]), vmovn_s32(q[1]));
      int16x8_t q23 = vcombine_s16(vmovn_s32(q[2]), vmovn_s32(q[3]));
      vst1q_s8(b[i].qs + 16 * h, vcombine_s8(vmovn_s16(q01), vmovn_s16(q23)));
    }
  }
  return vmaxvq_u32(all) > 0x7f7fffffu;
}

/* The dot products in the _ref kernels' (ggml's AVX2) order: lane l of
 * the two int32x4 halves holds the exact sum of elements 4l..4l+3 (int16
 * products, widened pairwise); acc = vfmaq(acc, lanes, dx * dy) per half. */
static inline int32x4_t lane_sums16(int8x16_t a, int8x16_t b) {
  const int32x4_t p0 = vpaddlq_s16(vmull_s8(vget_low_s8(a), vget_low_s8(b)));   /* pairs of elements 0..7 */
  const int32x4_t p1 = vpaddlq_s16(vmull_s8(vget_high_s8(a), vget_high_s8(b))); /* pairs of elements 8..15 */
  return vpaddq_s32(p0, p1);
}

static inline float hsum_lanes(float32x4_t lo, float32x4_t hi) { /* ggml's hsum_float_8 */
  const float32x4_t r = vaddq_f32(lo, hi);
  return (vgetq_lane_f32(r, 0) + vgetq_lane_f32(r, 2)) + (vgetq_lane_f32(r, 1) + vgetq_lane_f32(r, 3));
}

void lq_uk_llm_dot_q4_0_q8_0__neon(size_t nb, const void* vx, const void* vy, float* out) {
  const lq_block_q4_0* x = (const lq_block_q4_0*)vx;
  const lq_block_q8_0* y = (const lq_block_q8_0*)vy;
  float32x4_t acc0 = vdupq_n_f32(0.0f), acc1 = acc0;
  for (size_t i = 0; i < nb; i++) {
    const float32x4_t d = vdupq_n_f32(lq_h2f(x[i].d) * lq_h2f(y[i].d));
    uint8x16_t q = vld1q_u8(x[i].qs);
    int8x16_t lo = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(q, vdupq_n_u8(0x0F))), vdupq_n_s8(8));
    int8x16_t hi = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(q, 4)), vdupq_n_s8(8));
    acc0 = vfmaq_f32(acc0, vcvtq_f32_s32(lane_sums16(lo, vld1q_s8(y[i].qs))), d);
    acc1 = vfmaq_f32(acc1, vcvtq_f32_s32(lane_sums16(hi, vld1q_s8(y[i].qs + 16))), d);
  }
  *out = hsum_lanes(acc0, acc1);
}

void lq_uk_llm_dot_q8_0_q8_0__neon(size_t nb, const void* vx, const void* vy, float* out) {
  const lq_block_q8_0* x = (const lq_block_q8_0*)vx;
  const lq_block_q8_0* y = (const lq_block_q8_0*)vy;
  float32x4_t acc0 = vdupq_n_f32(0.0f), acc1 = acc0;
  for (size_t i = 0; i < nb; i++) {
    const float32x4_t d = vdupq_n_f32(lq_h2f(x[i].d) * lq_h2f(y[i].d));
    /* int16 products are exact (|p| <= 16384) */
    acc0 = vfmaq_f32(acc0, vcvtq_f32_s32(lane_sums16(vld1q_s8(x[i].qs), vld1q_s8(y[i].qs))), d);
    acc1 = vfmaq_f32(acc1, vcvtq_f32_s32(lane_sums16(vld1q_s8(x[i].qs + 16), vld1q_s8(y[i].qs + 16))), d);
  }
  *out = hsum_lanes(acc0, acc1);
}

/* IQ4_NL: one table lookup (tbl) per half; d * (float)level as the reference. */
void lq_uk_llm_iq4_nl_dequant__neon(size_t nb, const void* vb, float* y) {
  const lq_block_iq4_nl* b = (const lq_block_iq4_nl*)vb;
  const int8x16_t table = vld1q_s8(lq_iq4nl_values);
  for (size_t i = 0; i < nb; i++, y += LQ_QK) {
    const float32x4_t d = vdupq_n_f32(lq_h2f(b[i].d));
    uint8x16_t q = vld1q_u8(b[i].qs);
    int8x16_t parts[2] = {vqtbl1q_s8(table, vandq_u8(q, vdupq_n_u8(0x0F))), vqtbl1q_s8(table, vshrq_n_u8(q, 4))};
    for (int h = 0; h < 2; h++) {
      int16x8_t w0 = vmovl_s8(vget_low_s8(parts[h])), w1 = vmovl_s8(vget_high_s8(parts[h]));
      vst1q_f32(y + 16 * h + 0, vmulq_f32(d, vcvtq_f32_s32(vmovl_s16(vget_low_s16(w0)))));
      vst1q_f32(y + 16 * h + 4, vmulq_f32(d, vcvtq_f32_s32(vmovl_s16(vget_high_s16(w0)))));
      vst1q_f32(y + 16 * h + 8, vmulq_f32(d, vcvtq_f32_s32(vmovl_s16(vget_low_s16(w1)))));
      vst1q_f32(y + 16 * h + 12, vmulq_f32(d, vcvtq_f32_s32(vmovl_s16(vget_high_s16(w1)))));
    }
  }
}

/* bitsandbytes 4-bit GEMV: the 16-float table as 64 bytes; each group of 4
 * codes becomes byte indices 4c..4c+3 for one tbl4 lookup (4 floats). */
void lq_uk_llm_bnb4_gemv__neon(size_t rows, size_t cols, size_t bs, const uint8_t* p, const float* absmax,
                               const float* lut, const float* x, float* y) {
  const uint8x16x4_t table = vld1q_u8_x4((const uint8_t*)lut);
  static const uint8_t rep[4][16] = {{0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3},
                                     {4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7},
                                     {8, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 10, 11, 11, 11, 11},
                                     {12, 12, 12, 12, 13, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15, 15}};
  static const uint8_t byte_off[16] = {0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3};
  const uint8x16_t off = vld1q_u8(byte_off);
  uint8x16_t reps[4];
  for (int t = 0; t < 4; t++) reps[t] = vld1q_u8(rep[t]);
  const size_t nbr = cols / bs;
  for (size_t r = 0; r < rows; r++) {
    float32x4_t acc = vdupq_n_f32(0.0f);
    const uint8_t* pr = p + r * cols / 2;
    for (size_t b = 0; b < nbr; b++) {
      const uint8_t* pb = pr + b * bs / 2;
      const float* xb = x + b * bs;
      float32x4_t s[4] = {vdupq_n_f32(0.0f), vdupq_n_f32(0.0f), vdupq_n_f32(0.0f), vdupq_n_f32(0.0f)};
      for (size_t k = 0; k < bs / 2; k += 8) { /* 8 bytes = 16 elements */
        const uint8x8_t q = vld1_u8(pb + k);
        const uint8x8x2_t z = vzip_u8(vshr_n_u8(q, 4), vand_u8(q, vdup_n_u8(0x0F))); /* element order */
        const uint8x16_t codes4 = vshlq_n_u8(vcombine_u8(z.val[0], z.val[1]), 2);       /* 4 * code */
        const float* xk = xb + 2 * k;
        for (int t = 0; t < 4; t++) {
          const uint8x16_t idx = vaddq_u8(vqtbl1q_u8(codes4, reps[t]), off);
          const float32x4_t w = vreinterpretq_f32_u8(vqtbl4q_u8(table, idx));
          s[t] = vfmaq_f32(s[t], w, vld1q_f32(xk + 4 * t));
        }
      }
      const float32x4_t sb = vaddq_f32(vaddq_f32(s[0], s[1]), vaddq_f32(s[2], s[3]));
      acc = vfmaq_n_f32(acc, sb, absmax[r * nbr + b]);
    }
    y[r] = vaddvq_f32(acc);
  }
}
