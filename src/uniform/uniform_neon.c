/* NEON (aarch64) kernels of the uniform module, mirroring uniform_avx2.c
 * with 4 lanes. vrndaq_f32 is exactly roundf (ties away); the others are
 * built as in the AVX2 file. Tails run the vector code on a padded copy. */
#include <arm_neon.h>
#include <string.h>

#include "uniform/uniform_kernels.h"

#define LQ_AI static inline __attribute__((always_inline))

LQ_AI float32x4_t lq_rng4_neon(uint32x4_t idx, uint32x4_t klo, uint32x4_t khi) {
  uint32x4_t x = vaddq_u32(idx, klo);
  x = veorq_u32(x, vshrq_n_u32(x, 17));
  x = vmulq_u32(x, vdupq_n_u32(0xed5ad4bbu));
  x = veorq_u32(x, vshrq_n_u32(x, 11));
  x = vmulq_u32(x, vdupq_n_u32(0xac4c1b51u));
  x = veorq_u32(x, vshrq_n_u32(x, 15));
  x = vmulq_u32(x, vdupq_n_u32(0x31848babu));
  x = veorq_u32(x, vshrq_n_u32(x, 14));
  x = vshrq_n_u32(veorq_u32(x, khi), 8);
  return vmulq_f32(vcvtq_f32_u32(x), vdupq_n_f32(0x1p-24f));
}

LQ_AI float32x4_t lq_add_if(float32x4_t a, uint32x4_t m, float32x4_t b) {
  return vaddq_f32(a, vreinterpretq_f32_u32(vandq_u32(m, vreinterpretq_u32_f32(b))));
}

LQ_AI float32x4_t lq_uq_round_clamp_neon(float32x4_t v, float32x4_t zp, float32x4_t lo, float32x4_t hi, int mode,
                                         uint32x4_t idx, uint32x4_t klo, uint32x4_t khi) {
  const float32x4_t one = vdupq_n_f32(1.0f), half = vdupq_n_f32(0.5f);
  v = vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(v), vceqq_f32(v, v))); /* NaN -> +0 */
  float32x4_t r;
  switch (mode) {
    case LQ_ROUND_HALF_UP: {
      float32x4_t f = vrndmq_f32(v);
      r = lq_add_if(f, vcgeq_f32(vsubq_f32(v, f), half), one);
      break;
    }
    case LQ_ROUND_HALF_AWAY: r = vrndaq_f32(v); break;
    case LQ_ROUND_AWAY: r = vbslq_f32(vcgeq_f32(v, vdupq_n_f32(0.0f)), vrndpq_f32(v), vrndmq_f32(v)); break;
    case LQ_ROUND_FLOOR: r = vrndmq_f32(v); break;
    case LQ_ROUND_CEIL: r = vrndpq_f32(v); break;
    case LQ_ROUND_TRUNC: r = vrndq_f32(v); break;
    case LQ_ROUND_STOCHASTIC: {
      float32x4_t f = vrndmq_f32(v);
      r = lq_add_if(f, vcltq_f32(lq_rng4_neon(idx, klo, khi), vsubq_f32(v, f)), one);
      break;
    }
    default: r = vrndnq_f32(v); break;
  }
  return vminq_f32(vmaxq_f32(vaddq_f32(r, zp), lo), hi); /* never NaN here */
}

typedef struct {
  float32x4_t inv, zp, lo, hi;
  uint32x4_t klo, khi;
} lq_uq4;

/* 16 codes to bytes. Values are in range: the narrowing never saturates. */
LQ_AI void lq_uq_block16(const float* x, const float* scale, const int32_t* zpv, const lq_uq4* p, int mode, int pe,
                         int is_u8, uint32x4_t idx, uint8_t* out) {
  int32x4_t c[4];
  for (int k = 0; k < 4; k++) {
    float32x4_t inv = p->inv, zp = p->zp;
    if (pe) {
      inv = vdivq_f32(vdupq_n_f32(1.0f), vld1q_f32(scale + 4 * k));
      zp = vcvtq_f32_s32(vld1q_s32(zpv + 4 * k));
    }
    float32x4_t v = vmulq_f32(vld1q_f32(x + 4 * k), inv);
    uint32x4_t ik = vaddq_u32(idx, vdupq_n_u32(4u * (uint32_t)k));
    c[k] = vcvtq_s32_f32(lq_uq_round_clamp_neon(v, zp, p->lo, p->hi, mode, ik, p->klo, p->khi));
  }
  int16x8_t a = vcombine_s16(vqmovn_s32(c[0]), vqmovn_s32(c[1]));
  int16x8_t b = vcombine_s16(vqmovn_s32(c[2]), vqmovn_s32(c[3]));
  if (is_u8) vst1q_u8(out, vcombine_u8(vqmovun_s16(a), vqmovun_s16(b)));
  else vst1q_s8((int8_t*)out, vcombine_s8(vqmovn_s16(a), vqmovn_s16(b)));
}

LQ_AI void lq_uq_run_neon(size_t n, const float* x, const float* scale, const int32_t* zp, const lq_uq4* p, int mode,
                          int pe, int is_u8, uint32_t lo_idx, uint8_t* out) {
  static const uint32_t lane[4] = {0, 1, 2, 3};
  uint32x4_t idx = vaddq_u32(vdupq_n_u32(lo_idx), vld1q_u32(lane));
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    lq_uq_block16(x + i, pe ? scale + i : NULL, pe ? zp + i : NULL, p, mode, pe, is_u8, idx, out + i);
    idx = vaddq_u32(idx, vdupq_n_u32(16));
  }
  if (i < n) {
    size_t m = n - i;
    float xb[16] = {0}, sb[16];
    int32_t zb[16] = {0};
    uint8_t ob[16];
    memcpy(xb, x + i, m * sizeof(float));
    if (pe) {
      for (int k = 0; k < 16; k++) sb[k] = 1.0f;
      memcpy(sb, scale + i, m * sizeof(float));
      memcpy(zb, zp + i, m * sizeof(int32_t));
    }
    lq_uq_block16(xb, sb, zb, p, mode, pe, is_u8, idx, ob);
    memcpy(out + i, ob, m);
  }
}

LQ_AI void lq_uq_driver_neon(size_t n, const float* x, const float* scale, const int32_t* zp, const lq_uq_args* a,
                             int pe, int is_u8, uint8_t* out) {
  lq_uq4 p;
  p.inv = vdupq_n_f32(a->inv_scale);
  p.zp = vdupq_n_f32(a->zero_point);
  p.lo = vdupq_n_f32(a->qmin);
  p.hi = vdupq_n_f32(a->qmax);
  p.klo = p.khi = vdupq_n_u32(0);
  size_t i = 0;
  while (i < n) {
    uint64_t index = a->index0 + i;
    size_t run = n - i;
    if (a->mode == LQ_ROUND_STOCHASTIC) {
      uint64_t left = (1ull << 32) - (uint32_t)index;
      if ((uint64_t)run > left) run = (size_t)left;
      uint64_t key = lq_rng_key(a->seed, (uint32_t)(index >> 32));
      p.klo = vdupq_n_u32((uint32_t)key);
      p.khi = vdupq_n_u32((uint32_t)(key >> 32));
    }
    const float* xs = x + i;
    const float* ss = pe ? scale + i : NULL;
    const int32_t* zs = pe ? zp + i : NULL;
    uint32_t lo = (uint32_t)index;
    switch (a->mode) {
#define LQ_CASE(M) \
  case M: lq_uq_run_neon(run, xs, ss, zs, &p, M, pe, is_u8, lo, out + i); break;
      LQ_CASE(LQ_ROUND_HALF_UP)
      LQ_CASE(LQ_ROUND_HALF_AWAY)
      LQ_CASE(LQ_ROUND_AWAY)
      LQ_CASE(LQ_ROUND_FLOOR)
      LQ_CASE(LQ_ROUND_CEIL)
      LQ_CASE(LQ_ROUND_TRUNC)
      LQ_CASE(LQ_ROUND_STOCHASTIC)
#undef LQ_CASE
      default: lq_uq_run_neon(run, xs, ss, zs, &p, LQ_ROUND_HALF_EVEN, pe, is_u8, lo, out + i); break;
    }
    i += run;
  }
}

void lq_uk_uniform_quant_f32_s8__neon(size_t n, const float* x, const lq_uq_args* a, int8_t* out) {
  lq_uq_driver_neon(n, x, NULL, NULL, a, 0, 0, (uint8_t*)out);
}
void lq_uk_uniform_quant_f32_u8__neon(size_t n, const float* x, const lq_uq_args* a, uint8_t* out) {
  lq_uq_driver_neon(n, x, NULL, NULL, a, 0, 1, out);
}
void lq_uk_uniform_quant_pe_f32_s8__neon(size_t n, const float* x, const float* scale, const int32_t* zp,
                                         const lq_uq_args* a, int8_t* out) {
  lq_uq_driver_neon(n, x, scale, zp, a, 1, 0, (uint8_t*)out);
}
void lq_uk_uniform_quant_pe_f32_u8__neon(size_t n, const float* x, const float* scale, const int32_t* zp,
                                         const lq_uq_args* a, uint8_t* out) {
  lq_uq_driver_neon(n, x, scale, zp, a, 1, 1, out);
}

LQ_AI void lq_dq8_neon(int16x8_t w, int32x4_t z, float32x4_t sc, float* out) {
  int32x4_t lo = vsubq_s32(vmovl_s16(vget_low_s16(w)), z);
  int32x4_t hi = vsubq_s32(vmovl_s16(vget_high_s16(w)), z);
  vst1q_f32(out, vmulq_f32(vcvtq_f32_s32(lo), sc));
  vst1q_f32(out + 4, vmulq_f32(vcvtq_f32_s32(hi), sc));
}
void lq_uk_uniform_dequant_s8_f32__neon(size_t n, const int8_t* q, float scale, int32_t zp, float* out) {
  const float32x4_t sc = vdupq_n_f32(scale);
  const int32x4_t z = vdupq_n_s32(zp);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) lq_dq8_neon(vmovl_s8(vld1_s8(q + i)), z, sc, out + i);
  for (; i < n; i++) out[i] = (float)((int32_t)q[i] - zp) * scale;
}
void lq_uk_uniform_dequant_u8_f32__neon(size_t n, const uint8_t* q, float scale, int32_t zp, float* out) {
  const float32x4_t sc = vdupq_n_f32(scale);
  const int32x4_t z = vdupq_n_s32(zp);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) lq_dq8_neon(vreinterpretq_s16_u16(vmovl_u8(vld1_u8(q + i))), z, sc, out + i);
  for (; i < n; i++) out[i] = (float)((int32_t)q[i] - zp) * scale;
}
LQ_AI void lq_dq8_pe_neon(int16x8_t w, const int32_t* zp, const float* scale, float* out) {
  int32x4_t lo = vsubq_s32(vmovl_s16(vget_low_s16(w)), vld1q_s32(zp));
  int32x4_t hi = vsubq_s32(vmovl_s16(vget_high_s16(w)), vld1q_s32(zp + 4));
  vst1q_f32(out, vmulq_f32(vcvtq_f32_s32(lo), vld1q_f32(scale)));
  vst1q_f32(out + 4, vmulq_f32(vcvtq_f32_s32(hi), vld1q_f32(scale + 4)));
}
void lq_uk_uniform_dequant_pe_s8_f32__neon(size_t n, const int8_t* q, const float* scale, const int32_t* zp,
                                           float* out) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) lq_dq8_pe_neon(vmovl_s8(vld1_s8(q + i)), zp + i, scale + i, out + i);
  for (; i < n; i++) out[i] = (float)((int32_t)q[i] - zp[i]) * scale[i];
}
void lq_uk_uniform_dequant_pe_u8_f32__neon(size_t n, const uint8_t* q, const float* scale, const int32_t* zp,
                                           float* out) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    lq_dq8_pe_neon(vreinterpretq_s16_u16(vmovl_u8(vld1_u8(q + i))), zp + i, scale + i, out + i);
  for (; i < n; i++) out[i] = (float)((int32_t)q[i] - zp[i]) * scale[i];
}
