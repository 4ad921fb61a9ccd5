/* NEON log / power-of-two encoder: the same bit logic as nonuniform_avx2.c. */
#include <arm_neon.h>

#include "nonuniform/nonuniform_kernels.h"

static inline uint32x4_t log4(float32x4_t xf, const lq_log_kparams* p) {
  uint32x4_t bits = vreinterpretq_u32_f32(xf);
  uint32x4_t a = vandq_u32(bits, vdupq_n_u32(0x7FFFFFFF));
  uint32x4_t sub = vcltq_u32(a, vdupq_n_u32(0x00800000));
  uint32x4_t scaled = vreinterpretq_u32_f32(vmulq_f32(vreinterpretq_f32_u32(a), vdupq_n_f32(4294967296.0f)));
  uint32x4_t b = vbslq_u32(sub, scaled, a);
  int32x4_t e = vsubq_s32(vreinterpretq_s32_u32(vshrq_n_u32(b, 23)), vdupq_n_s32(127));
  e = vsubq_s32(e, vreinterpretq_s32_u32(vandq_u32(sub, vdupq_n_u32(32))));
  int32x4_t m = vreinterpretq_s32_u32(vandq_u32(b, vdupq_n_u32(0x7FFFFF)));
  int32x4_t t;
  if (p->base == 0) {
    t = vsubq_s32(e, vreinterpretq_s32_u32(vcgeq_s32(m, vdupq_n_s32(LQ_LOG_T_HALF))));
  } else {
    t = vsubq_s32(vaddq_s32(e, e), vreinterpretq_s32_u32(vcgeq_s32(m, vdupq_n_s32(LQ_LOG_T_Q1))));
    t = vsubq_s32(t, vreinterpretq_s32_u32(vcgeq_s32(m, vdupq_n_s32(LQ_LOG_T_Q3))));
  }
  uint32x4_t zero = vorrq_u32(vceqq_u32(a, vdupq_n_u32(0)), vcgtq_u32(a, vdupq_n_u32(0x7F800000)));
  zero = vorrq_u32(zero, vcleq_s32(t, vdupq_n_s32(p->lo)));
  int32x4_t mag = vsubq_s32(vminq_s32(t, vdupq_n_s32(p->hi - 1)), vdupq_n_s32(p->lo));
  uint32x4_t umag = vbicq_u32(vreinterpretq_u32_s32(mag), zero);
  uint32x4_t neg = vreinterpretq_u32_s32(vshrq_n_s32(vreinterpretq_s32_u32(bits), 31));
  if (p->is_unsigned) return vbicq_u32(umag, neg);
  uint32x4_t sbit = vandq_u32(vandq_u32(neg, vcgtq_u32(umag, vdupq_n_u32(0))), vdupq_n_u32(1u << p->mb));
  return vorrq_u32(umag, sbit);
}

void lq_uk_nonuniform_log_encode_f32_u8__neon(size_t n, const float* x, const lq_log_kparams* p, uint8_t* c) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint16x8_t h = vcombine_u16(vmovn_u32(log4(vld1q_f32(x + i), p)), vmovn_u32(log4(vld1q_f32(x + i + 4), p)));
    vst1_u8(c + i, vmovn_u16(h));
  }
  for (; i < n; i++) c[i] = lq_log_encode1(x[i], p);
}
