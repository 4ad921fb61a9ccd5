/* NEON (aarch64) dequantizers of the ggml K-quants: the reference's
 * expressions per element (dl * (float)q - ml, dl * (float)q, (d * sc) *
 * (float)q: separate multiply and subtract), 16 codes per step. Bit-identical
 * to ggml_k.c (tests/test_llm_ggml_k.c under qemu). */
#include <arm_neon.h>
#include <string.h>

#include "llm/ggml_kernels.h"
#include "llm/llm_kernels.h"

/* y[0..15] = dl * (float)q[k] (- ml when has_min), q signed. */
static inline void store16(float* y, int8x16_t q, float dl, float ml, int has_min) {
  const int16x8_t lo = vmovl_s8(vget_low_s8(q)), hi = vmovl_s8(vget_high_s8(q));
  const int32x4_t v[4] = {vmovl_s16(vget_low_s16(lo)), vmovl_s16(vget_high_s16(lo)), vmovl_s16(vget_low_s16(hi)),
                          vmovl_s16(vget_high_s16(hi))};
  const float32x4_t vd = vdupq_n_f32(dl), vm = vdupq_n_f32(ml);
  for (int t = 0; t < 4; t++) {
    float32x4_t r = vmulq_f32(vd, vcvtq_f32_s32(v[t]));
    if (has_min) r = vsubq_f32(r, vm);
    vst1q_f32(y + 4 * t, r);
  }
}

void lq_uk_llm_q2_k_dequant__neon(size_t nb, const void* vx, float* y) {
  const lq_block_q2_K* x = (const lq_block_q2_K*)vx;
  for (size_t i = 0; i < nb; i++) {
    const float d = lq_h2f(x[i].d), min = lq_h2f(x[i].dmin);
    int is = 0;
    for (int n = 0; n < LQ_QK_K; n += 128) {
      const uint8_t* q = x[i].qs + n / 4;
      for (int j = 0; j < 4; ++j) {
        for (int half = 0; half < 2; half++, y += 16) {
          const uint8_t sc = x[i].scales[is++];
          const uint8x16_t c = vandq_u8(vshlq_u8(vld1q_u8(q + 16 * half), vdupq_n_s8((int8_t)(-2 * j))), vdupq_n_u8(3));
          store16(y, vreinterpretq_s8_u8(c), d * (float)(sc & 0xF), min * (float)(sc >> 4), 1);
        }
      }
    }
  }
}

void lq_uk_llm_q3_k_dequant__neon(size_t nb, const void* vx, float* y) {
  const lq_block_q3_K* x = (const lq_block_q3_K*)vx;
  for (size_t i = 0; i < nb; i++) {
    const float d_all = lq_h2f(x[i].d);
    const uint8_t* s = x[i].scales;
    int is = 0;
    for (int n = 0; n < LQ_QK_K; n += 128) {
      const uint8_t* q = x[i].qs + n / 4;
      for (int j = 0; j < 4; ++j) {
        const uint8x16_t m = vdupq_n_u8((uint8_t)(1u << (4 * (n / 128) + j)));
        for (int half = 0; half < 2; half++, y += 16, is++) {
          const int sc4 = is < 8 ? s[is] & 0xF : s[is - 8] >> 4;
          const int sc = (sc4 | (((s[8 + is % 4] >> (2 * (is / 4))) & 3) << 4)) - 32;
          const uint8x16_t c =
              vandq_u8(vshlq_u8(vld1q_u8(q + 16 * half), vdupq_n_s8((int8_t)(-2 * j))), vdupq_n_u8(3));
          /* - 4 where the hmask bit is clear */
          const uint8x16_t sub = vbicq_u8(vdupq_n_u8(4), vtstq_u8(vld1q_u8(x[i].hmask + 16 * half), m));
          store16(y, vsubq_s8(vreinterpretq_s8_u8(c), vreinterpretq_s8_u8(sub)), d_all * (float)sc, 0.0f, 0);
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

static inline void dequant_q45_neon(size_t nb, const void* vx, float* y, int five) {
  const size_t bs = five ? sizeof(lq_block_q5_K) : sizeof(lq_block_q4_K);
  for (size_t i = 0; i < nb; i++) {
    const uint8_t* blk = (const uint8_t*)vx + i * bs;
    lq_half dh, mh;
    memcpy(&dh, blk, 2);
    memcpy(&mh, blk + 2, 2);
    const uint8_t* scales = blk + 4;
    const uint8_t* qh = blk + 4 + LQ_K_SCALE_SIZE;
    const uint8_t* ql = five ? qh + LQ_QK_K / 8 : qh;
    const float d = lq_h2f(dh), min = lq_h2f(mh);
    unsigned u1 = 1, u2 = 2;
    for (int is = 0; is < 8; is += 2, ql += 32, y += 64, u1 <<= 2, u2 <<= 2) {
      int sc1, m1, sc2, m2;
      scale_min_k4(is, scales, &sc1, &m1);
      scale_min_k4(is + 1, scales, &sc2, &m2);
      for (int h = 0; h < 2; h++) {
        const uint8x16_t b = vld1q_u8(ql + 16 * h);
        uint8x16_t lo = vandq_u8(b, vdupq_n_u8(0xF)), hi = vshrq_n_u8(b, 4);
        if (five) {
          const uint8x16_t hb = vld1q_u8(qh + 16 * h);
          lo = vorrq_u8(lo, vandq_u8(vtstq_u8(hb, vdupq_n_u8((uint8_t)u1)), vdupq_n_u8(16)));
          hi = vorrq_u8(hi, vandq_u8(vtstq_u8(hb, vdupq_n_u8((uint8_t)u2)), vdupq_n_u8(16)));
        }
        store16(y + 16 * h, vreinterpretq_s8_u8(lo), d * (float)sc1, min * (float)m1, 1);
        store16(y + 32 + 16 * h, vreinterpretq_s8_u8(hi), d * (float)sc2, min * (float)m2, 1);
      }
    }
  }
}

void lq_uk_llm_q4_k_dequant__neon(size_t nb, const void* vx, float* y) { dequant_q45_neon(nb, vx, y, 0); }
void lq_uk_llm_q5_k_dequant__neon(size_t nb, const void* vx, float* y) { dequant_q45_neon(nb, vx, y, 1); }

void lq_uk_llm_q6_k_dequant__neon(size_t nb, const void* vx, float* y) {
  const lq_block_q6_K* x = (const lq_block_q6_K*)vx;
  const uint8x16_t m4 = vdupq_n_u8(0xF), m3 = vdupq_n_u8(3);
  const int8x16_t c32 = vdupq_n_s8(32);
  for (size_t i = 0; i < nb; i++) {
    const float d = lq_h2f(x[i].d);
    const uint8_t* ql = x[i].ql;
    const uint8_t* qh = x[i].qh;
    const int8_t* sc = x[i].scales;
    for (int n = 0; n < LQ_QK_K; n += 128, y += 128, ql += 64, qh += 32, sc += 8) {
      for (int is = 0; is < 2; is++) { /* l = 16 is .. 16 is + 15 */
        const uint8x16_t a = vld1q_u8(ql + 16 * is), b = vld1q_u8(ql + 32 + 16 * is), h = vld1q_u8(qh + 16 * is);
        const uint8x16_t q1 = vorrq_u8(vandq_u8(a, m4), vshlq_n_u8(vandq_u8(h, m3), 4));
        const uint8x16_t q2 = vorrq_u8(vandq_u8(b, m4), vshlq_n_u8(vandq_u8(vshrq_n_u8(h, 2), m3), 4));
        const uint8x16_t q3 = vorrq_u8(vshrq_n_u8(a, 4), vshlq_n_u8(vandq_u8(vshrq_n_u8(h, 4), m3), 4));
        const uint8x16_t q4 = vorrq_u8(vshrq_n_u8(b, 4), vshlq_n_u8(vshrq_n_u8(h, 6), 4));
        store16(y + 16 * is, vsubq_s8(vreinterpretq_s8_u8(q1), c32), d * (float)sc[is + 0], 0.0f, 0);
        store16(y + 32 + 16 * is, vsubq_s8(vreinterpretq_s8_u8(q2), c32), d * (float)sc[is + 2], 0.0f, 0);
        store16(y + 64 + 16 * is, vsubq_s8(vreinterpretq_s8_u8(q3), c32), d * (float)sc[is + 4], 0.0f, 0);
        store16(y + 96 + 16 * is, vsubq_s8(vreinterpretq_s8_u8(q4), c32), d * (float)sc[is + 6], 0.0f, 0);
      }
    }
  }
}
