/* NEON (aarch64) G.711 kernels, the same 32-bit-lane algorithm as
 * hw_avx2.c (float-exponent segment extraction), 8 samples per step.
 * Bit-identical to hw_ref.c. */
#include <arm_neon.h>

#include "hw/g711_scalar.h"
#include "hw/hw_kernels.h"

static inline int32x4_t ulaw_segmant(int32x4_t v) {
  uint32x4_t bits = vreinterpretq_u32_f32(vcvtq_f32_s32(v));
  return vsubq_s32(vreinterpretq_s32_u32(vshrq_n_u32(bits, 19)), vdupq_n_s32((127 + 5) << 4));
}

static inline int32x4_t ulaw_g191_4(int32x4_t v) {
  int32x4_t m = vshrq_n_s32(v, 31);
  int32x4_t a = vaddq_s32(vshrq_n_s32(veorq_s32(v, m), 2), vdupq_n_s32(33));
  a = vminq_s32(a, vdupq_n_s32(0x1FFF));
  int32x4_t t = ulaw_segmant(a);
  int32x4_t mask = veorq_s32(vdupq_n_s32(0xFF), vandq_s32(m, vdupq_n_s32(0x80)));
  return veorq_s32(t, mask);
}

static inline int32x4_t ulaw_sun_4(int32x4_t x) {
  int32x4_t v = vshrq_n_s32(x, 2);
  int32x4_t m = vshrq_n_s32(v, 31);
  int32x4_t a = vaddq_s32(vabsq_s32(v), vdupq_n_s32(33));
  a = vminq_s32(a, vdupq_n_s32(0x1FFF));
  int32x4_t t = ulaw_segmant(a);
  int32x4_t mask = veorq_s32(vdupq_n_s32(0xFF), vandq_s32(m, vdupq_n_s32(0x80)));
  return veorq_s32(t, mask);
}

static inline int32x4_t alaw_4(int32x4_t x) {
  int32x4_t v = vshrq_n_s32(x, 3);
  int32x4_t m = vshrq_n_s32(v, 31);
  int32x4_t mag = veorq_s32(v, m);
  uint32x4_t bits = vreinterpretq_u32_f32(vcvtq_f32_s32(mag));
  int32x4_t hi = vsubq_s32(vreinterpretq_s32_u32(vshrq_n_u32(bits, 19)), vdupq_n_s32((127 + 4) << 4));
  int32x4_t lo = vshrq_n_s32(mag, 1);
  uint32x4_t small = vcltq_s32(mag, vdupq_n_s32(32));
  int32x4_t a = vbslq_s32(small, lo, hi);
  int32x4_t mask = veorq_s32(vdupq_n_s32(0xD5), vandq_s32(m, vdupq_n_s32(0x80)));
  return veorq_s32(a, mask);
}

static inline uint8x8_t narrow8(int32x4_t lo, int32x4_t hi) {
  int16x8_t h = vcombine_s16(vmovn_s32(lo), vmovn_s32(hi));
  return vmovn_u16(vreinterpretq_u16_s16(h));
}

#define LQ_ENC_KERNEL(name, fn4, scalar)                                    \
  void name(size_t n, const int16_t* x, uint8_t* c) {                      \
    size_t i = 0;                                                          \
    for (; i + 8 <= n; i += 8) {                                           \
      int16x8_t v = vld1q_s16(x + i);                                      \
      int32x4_t lo = fn4(vmovl_s16(vget_low_s16(v)));                      \
      int32x4_t hi = fn4(vmovl_s16(vget_high_s16(v)));                     \
      vst1_u8(c + i, narrow8(lo, hi));                                     \
    }                                                                      \
    for (; i < n; i++) c[i] = scalar(x[i]);                                \
  }

LQ_ENC_KERNEL(lq_uk_hw_ulaw_enc_g191_i16_u8__neon, ulaw_g191_4, lq_g711_ulaw_enc_g191)
LQ_ENC_KERNEL(lq_uk_hw_ulaw_enc_sun_i16_u8__neon, ulaw_sun_4, lq_g711_ulaw_enc_sun)
LQ_ENC_KERNEL(lq_uk_hw_alaw_enc_i16_u8__neon, alaw_4, lq_g711_alaw_enc)

static inline int32x4_t ulaw_dec_4(int32x4_t c) {
  int32x4_t u = veorq_s32(c, vdupq_n_s32(0xFF));
  int32x4_t t = vaddq_s32(vshlq_n_s32(vandq_s32(u, vdupq_n_s32(0x0F)), 3), vdupq_n_s32(0x84));
  t = vshlq_s32(t, vshrq_n_s32(vandq_s32(u, vdupq_n_s32(0x70)), 4));
  int32x4_t d = vsubq_s32(t, vdupq_n_s32(0x84));
  int32x4_t s = vshrq_n_s32(vshlq_n_s32(u, 24), 31);
  return vsubq_s32(veorq_s32(d, s), s);
}

static inline int32x4_t alaw_dec_4(int32x4_t c) {
  int32x4_t a = veorq_s32(c, vdupq_n_s32(0x55));
  int32x4_t t = vshlq_n_s32(vandq_s32(a, vdupq_n_s32(0x0F)), 4);
  int32x4_t seg = vshrq_n_s32(vandq_s32(a, vdupq_n_s32(0x70)), 4);
  uint32x4_t seg0 = vceqq_s32(seg, vdupq_n_s32(0));
  int32x4_t add = vbslq_s32(seg0, vdupq_n_s32(8), vdupq_n_s32(0x108));
  int32x4_t sh = vmaxq_s32(vsubq_s32(seg, vdupq_n_s32(1)), vdupq_n_s32(0));
  t = vshlq_s32(vaddq_s32(t, add), sh);
  uint32x4_t pos = vtstq_s32(a, vdupq_n_s32(0x80));
  return vbslq_s32(pos, t, vnegq_s32(t));
}

#define LQ_DEC_KERNEL(name, fn4, scalar)                                      \
  void name(size_t n, const uint8_t* c, int16_t* y) {                        \
    size_t i = 0;                                                            \
    for (; i + 8 <= n; i += 8) {                                             \
      uint16x8_t w = vmovl_u8(vld1_u8(c + i));                               \
      int32x4_t lo = fn4(vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(w)))); \
      int32x4_t hi = fn4(vreinterpretq_s32_u32(vmovl_u16(vget_high_u16(w))));\
      vst1q_s16(y + i, vcombine_s16(vmovn_s32(lo), vmovn_s32(hi)));          \
    }                                                                        \
    for (; i < n; i++) y[i] = scalar(c[i]);                                  \
  }

LQ_DEC_KERNEL(lq_uk_hw_ulaw_dec_u8_i16__neon, ulaw_dec_4, lq_g711_ulaw_dec)
LQ_DEC_KERNEL(lq_uk_hw_alaw_dec_u8_i16__neon, alaw_dec_4, lq_g711_alaw_dec)
