/* NEON (aarch64) kernels of the OCP minifloat and MX codecs, bit-identical
 * to the _ref kernels: the same integer round-half-to-even on the f32 bits
 * for target normals, exact power-of-two scaling + FRINTN for target
 * subnormals (both paths in every lane, then selected), the same bit
 * construction for decoding and the same multiplies by exact powers of two
 * for the MX scales. Mirrors minifloat_avx2.c. */
#include <arm_neon.h>
#include <math.h>
#include <string.h>

#include "llm/llm_kernels.h"

typedef struct {
  uint32x4_t sh_round, rebias, emin_f, max_code, overflow, nan_code, one, absmask, inf;
  float32x4_t sub_scale; /* 2^(mbits - emin): units of the smallest subnormal */
  int32x4_t neg_sh, sign_shift;
} mf_enc_consts;

static inline mf_enc_consts mf_enc_setup(const lq_mf_params* p) {
  mf_enc_consts k;
  const uint32_t sh = 23 - p->mbits, emin_f = 128 - p->bias;
  k.sh_round = vdupq_n_u32((1u << (sh - 1)) - 1u);
  k.rebias = vdupq_n_u32((127 - p->bias) << p->mbits);
  k.emin_f = vdupq_n_u32(emin_f);
  k.max_code = vdupq_n_u32(p->max_code);
  k.overflow = vdupq_n_u32(p->overflow);
  k.nan_code = vdupq_n_u32(p->nan_code);
  k.one = vdupq_n_u32(1);
  k.absmask = vdupq_n_u32(0x7FFFFFFF);
  k.inf = vdupq_n_u32(0x7F800000);
  k.neg_sh = vdupq_n_s32(-(int32_t)sh);
  k.sub_scale = vdupq_n_f32(lq_f32_pow2((int)p->mbits + (int)p->bias - 1));
  k.sign_shift = vdupq_n_s32(-(int32_t)(32 - p->width)); /* sign bit -> bit width-1 */
  return k;
}

/* lq_mf_encode1 on 4 lanes (u = the f32 bits). */
static inline uint32x4_t mf_enc4(const mf_enc_consts* k, uint32x4_t u) {
  const uint32x4_t a = vandq_u32(u, k->absmask);
  const uint32x4_t fexp = vshrq_n_u32(a, 23);
  const uint32x4_t lsb = vandq_u32(vshlq_u32(a, k->neg_sh), k->one);
  const uint32x4_t mag_n = vsubq_u32(vshlq_u32(vaddq_u32(vaddq_u32(a, k->sh_round), lsb), k->neg_sh), k->rebias);
  /* subnormal: |x| * 2^(mbits - emin) (exact, < 2^mbits) rounded to nearest
   * even by FRINTN (explicit mode): the significand shift of lq_mf_encode1 */
  const float32x4_t t = vmulq_f32(vreinterpretq_f32_u32(a), k->sub_scale);
  const uint32x4_t mag_s = vcvtq_u32_f32(vrndnq_f32(t));
  uint32x4_t mag = vbslq_u32(vcltq_u32(fexp, k->emin_f), mag_s, mag_n);
  mag = vbslq_u32(vcgtq_s32(vreinterpretq_s32_u32(mag), vreinterpretq_s32_u32(k->max_code)), k->overflow, mag);
  const uint32x4_t sign = vshlq_u32(vbicq_u32(u, k->absmask), k->sign_shift);
  return vbslq_u32(vcgtq_u32(a, k->inf), k->nan_code, vorrq_u32(mag, sign));
}

/* 16 elements (x / s when div) -> 16 codes; NaN lanes or-ed into *nan. */
static inline uint8x16_t enc16(const mf_enc_consts* k, const float* x, int div, float32x4_t vs, uint32x4_t* nan) {
  uint32x4_t c[4];
  for (int j = 0; j < 4; j++) {
    float32x4_t v = vld1q_f32(x + 4 * j);
    if (div) v = vdivq_f32(v, vs);
    const uint32x4_t u = vreinterpretq_u32_f32(v);
    *nan = vorrq_u32(*nan, vcgtq_u32(vandq_u32(u, k->absmask), k->inf));
    c[j] = mf_enc4(k, u);
  }
  const uint16x8_t lo = vcombine_u16(vmovn_u32(c[0]), vmovn_u32(c[1]));
  const uint16x8_t hi = vcombine_u16(vmovn_u32(c[2]), vmovn_u32(c[3]));
  return vcombine_u8(vmovn_u16(lo), vmovn_u16(hi));
}

int lq_uk_llm_mf_encode__neon(const lq_mf_params* p, size_t n, const float* x, float s, uint8_t* c) {
  const mf_enc_consts k = mf_enc_setup(p);
  const float32x4_t vs = vdupq_n_f32(s);
  uint32x4_t nanv = vdupq_n_u32(0);
  size_t i = 0;
  if (s == 1.0f)
    for (; i + 16 <= n; i += 16) vst1q_u8(c + i, enc16(&k, x + i, 0, vs, &nanv));
  else
    for (; i + 16 <= n; i += 16) vst1q_u8(c + i, enc16(&k, x + i, 1, vs, &nanv));
  int nan = vmaxvq_u32(nanv) != 0;
  return nan | lq_mf_encode_range(p, x, s, c, i, n);
}

typedef struct {
  uint32x4_t magmask, one, sub_lim, rebias, inf_mag, nan_lim, inf, qnan;
  float32x4_t sub_scale;
  int32x4_t to_exp, neg_sign_pos;
} mf_dec_consts;

static inline mf_dec_consts mf_dec_setup(const lq_mf_params* p) {
  mf_dec_consts k;
  k.magmask = vdupq_n_u32((1u << (p->width - 1)) - 1u);
  k.one = vdupq_n_u32(1);
  k.sub_lim = vdupq_n_u32(1u << p->mbits);
  k.rebias = vdupq_n_u32((127 - p->bias) << 23);
  k.inf_mag = vdupq_n_u32(p->inf_mag);
  k.nan_lim = vdupq_n_u32(p->nan_mag - 1);
  k.inf = vdupq_n_u32(0x7F800000);
  k.qnan = vdupq_n_u32(0x7FC00000);
  k.sub_scale = vdupq_n_f32(lq_f32_pow2(1 - (int)p->bias - (int)p->mbits));
  k.to_exp = vdupq_n_s32((int32_t)(23 - p->mbits));
  k.neg_sign_pos = vdupq_n_s32(-(int32_t)(p->width - 1));
  return k;
}

/* lq_mf_decode1_bits on 4 codes in 32-bit lanes. */
static inline float32x4_t mf_dec4(const mf_dec_consts* k, uint32x4_t c) {
  const uint32x4_t mag = vandq_u32(c, k->magmask);
  const uint32x4_t sign = vshlq_n_u32(vandq_u32(vshlq_u32(c, k->neg_sign_pos), k->one), 31);
  const uint32x4_t nrm = vaddq_u32(vshlq_u32(mag, k->to_exp), k->rebias);
  const uint32x4_t sub = vreinterpretq_u32_f32(vmulq_f32(vcvtq_f32_u32(mag), k->sub_scale));
  uint32x4_t bits = vbslq_u32(vcltq_u32(mag, k->sub_lim), sub, nrm);
  bits = vbslq_u32(vceqq_u32(mag, k->inf_mag), k->inf, bits);
  bits = vbslq_u32(vcgtq_u32(mag, k->nan_lim), k->qnan, bits);
  return vreinterpretq_f32_u32(vorrq_u32(bits, sign));
}

/* 16 codes -> 16 floats, times s1 then s2. */
static inline void dec16_store(const mf_dec_consts* k, uint8x16_t c, float32x4_t s1, float32x4_t s2, float* y) {
  const uint16x8_t lo = vmovl_u8(vget_low_u8(c)), hi = vmovl_u8(vget_high_u8(c));
  const uint32x4_t q[4] = {vmovl_u16(vget_low_u16(lo)), vmovl_u16(vget_high_u16(lo)), vmovl_u16(vget_low_u16(hi)),
                           vmovl_u16(vget_high_u16(hi))};
  for (int j = 0; j < 4; j++) vst1q_f32(y + 4 * j, vmulq_f32(vmulq_f32(mf_dec4(k, q[j]), s1), s2));
}

void lq_uk_llm_mf_decode__neon(const lq_mf_params* p, size_t n, const uint8_t* c, float s, float* y) {
  const mf_dec_consts k = mf_dec_setup(p);
  const float32x4_t vs = vdupq_n_f32(s), one = vdupq_n_f32(1.0f);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) dec16_store(&k, vld1q_u8(c + i), vs, one, y + i); /* * 1: identity */
  for (; i < n; i++) {
    const uint32_t b = lq_mf_decode1_bits(p, c[i]);
    float v;
    memcpy(&v, &b, sizeof v);
    y[i] = s == 1.0f ? v : v * s;
  }
}

/* ------------------------------------------------------------------ MX --- */

static inline int32x4_t int8_codes(float32x4_t v) {
  float32x4_t q = vrndiq_f32(vmulq_f32(v, vdupq_n_f32(64.0f))); /* nearbyint: the current rounding mode */
  q = vminq_f32(vmaxq_f32(q, vdupq_n_f32(-127.0f)), vdupq_n_f32(127.0f));
  return vcvtq_s32_f32(q);
}

int lq_uk_llm_mx_quant__neon(const lq_mx_params* p, size_t nb, const float* x, uint8_t* out) {
  const mf_enc_consts k = mf_enc_setup(&p->elem);
  const size_t bb = 1 + p->payload;
  const uint32x4_t absmask = vdupq_n_u32(0x7FFFFFFF);
  for (size_t b = 0; b < nb; b++, x += 32, out += bb) {
    uint32x4_t am = vdupq_n_u32(0);
    for (int j = 0; j < 32; j += 4) am = vmaxq_u32(am, vandq_u32(vreinterpretq_u32_f32(vld1q_f32(x + j)), absmask));
    const uint32_t amax = vmaxvq_u32(am);
    if (amax >= 0x7F800000u) return 1;
    const int fexp = (int)(amax >> 23);
    int se = fexp == 0 ? -127 : fexp - 127 - p->emax;
    se = se < -127 ? -127 : se > 127 ? 127 : se;
    if (se == 127) { /* 2^-127 is subnormal: the reference's ldexpf path */
      if (lq_uk_llm_mx_quant__ref(p, 1, x, out)) return 1;
      continue;
    }
    out[0] = (uint8_t)(se + 127);
    const float32x4_t m = vdupq_n_f32(lq_f32_pow2(-se));
    if (p->type == LQ_MXINT8) {
      for (int h = 0; h < 2; h++) {
        int16x8_t w[2];
        for (int j = 0; j < 2; j++) {
          const float* xx = x + 16 * h + 8 * j;
          w[j] = vcombine_s16(vmovn_s32(int8_codes(vmulq_f32(vld1q_f32(xx), m))),
                              vmovn_s32(int8_codes(vmulq_f32(vld1q_f32(xx + 4), m))));
        }
        vst1q_s8((int8_t*)(out + 1 + 16 * h), vcombine_s8(vmovn_s16(w[0]), vmovn_s16(w[1])));
      }
      continue;
    }
    /* scaled elements through the encoder: x*m = x / 2^se exactly as the reference */
    float v[32];
    for (int j = 0; j < 32; j += 4) vst1q_f32(v + j, vmulq_f32(vld1q_f32(x + j), m));
    uint32x4_t nan_unused = vdupq_n_u32(0);
    const float32x4_t one = vdupq_n_f32(1.0f);
    const uint8x16_t c0 = enc16(&k, v, 0, one, &nan_unused), c1 = enc16(&k, v + 16, 0, one, &nan_unused);
    if (p->type == LQ_MXFP4) { /* MXFP4: byte k = c[2k] | c[2k+1] << 4 */
      vst1q_u8(out + 1, vorrq_u8(vuzp1q_u8(c0, c1), vshlq_n_u8(vuzp2q_u8(c0, c1), 4)));
    } else if (p->type == LQ_MXFP6_E2M3 || p->type == LQ_MXFP6_E3M2) {
      uint8_t c[32];
      vst1q_u8(c, c0);
      vst1q_u8(c + 16, c1);
      lq_mx_pack32(p->type, c, out + 1);
    } else {
      vst1q_u8(out + 1, c0);
      vst1q_u8(out + 17, c1);
    }
  }
  return 0;
}

void lq_uk_llm_mx_dequant__neon(const lq_mx_params* p, size_t nb, const uint8_t* in, float* y) {
  const mf_dec_consts k = mf_dec_setup(&p->elem);
  const size_t bb = 1 + p->payload;
  static const uint8_t fp6_idx[16] = {0, 1, 0, 1, 1, 2, 2, 3, 3, 4, 3, 4, 4, 5, 5, 6};
  static const int32_t fp6_nshift[4] = {0, -6, -4, -2};
  const uint8x16_t idx = vld1q_u8(fp6_idx);
  const int32x4_t nshift = vld1q_s32(fp6_nshift);
  const uint32x4_t m63 = vdupq_n_u32(63);
  for (size_t b = 0; b < nb; b++, in += bb, y += 32) {
    if (in[0] == 0xFF) {
      const float32x4_t nan = vreinterpretq_f32_u32(vdupq_n_u32(0x7FC00000));
      for (int j = 0; j < 32; j += 4) vst1q_f32(y + j, nan);
      continue;
    }
    const int e = (int)in[0] - 127;
    const float32x4_t s1 = vdupq_n_f32(e >= -126 ? lq_f32_pow2(e) : 0.5f);
    const float32x4_t s2 = vdupq_n_f32(e >= -126 ? 1.0f : 0x1p-126f);
    const uint8_t* q = in + 1;
    if (p->type == LQ_MXINT8) {
      const float32x4_t u = vdupq_n_f32(0x1p-6f);
      for (int h = 0; h < 32; h += 16) {
        const int8x16_t c = vld1q_s8((const int8_t*)(q + h));
        const int16x8_t lo = vmovl_s8(vget_low_s8(c)), hi = vmovl_s8(vget_high_s8(c));
        const int32x4_t w[4] = {vmovl_s16(vget_low_s16(lo)), vmovl_s16(vget_high_s16(lo)),
                                vmovl_s16(vget_low_s16(hi)), vmovl_s16(vget_high_s16(hi))};
        for (int j = 0; j < 4; j++)
          vst1q_f32(y + h + 4 * j, vmulq_f32(vmulq_f32(vmulq_f32(vcvtq_f32_s32(w[j]), u), s1), s2));
      }
    } else if (p->type == LQ_MXFP4) {
      const uint8x16_t bytes = vld1q_u8(q);
      const uint8x16_t lo = vandq_u8(bytes, vdupq_n_u8(0x0F)), hi = vshrq_n_u8(bytes, 4);
      dec16_store(&k, vzip1q_u8(lo, hi), s1, s2, y);
      dec16_store(&k, vzip2q_u8(lo, hi), s1, s2, y + 16);
    } else if (p->type == LQ_MXFP6_E2M3 || p->type == LQ_MXFP6_E3M2) { /* MXFP6: groups of 8 elements at bytes 0, 6, 12, 18 */
      const uint8x16_t ld0 = vld1q_u8(q), ld1 = vld1q_u8(q + 8);
      const uint8x16_t g[4] = {vqtbl1q_u8(ld0, idx), vqtbl1q_u8(ld0, vaddq_u8(idx, vdupq_n_u8(6))),
                               vqtbl1q_u8(ld1, vaddq_u8(idx, vdupq_n_u8(4))),
                               vqtbl1q_u8(ld1, vaddq_u8(idx, vdupq_n_u8(10)))};
      for (int j = 0; j < 4; j++) {
        const uint16x8_t w = vreinterpretq_u16_u8(g[j]);
        const uint32x4_t c0 = vandq_u32(vshlq_u32(vmovl_u16(vget_low_u16(w)), nshift), m63);
        const uint32x4_t c1 = vandq_u32(vshlq_u32(vmovl_u16(vget_high_u16(w)), nshift), m63);
        vst1q_f32(y + 8 * j, vmulq_f32(vmulq_f32(mf_dec4(&k, c0), s1), s2));
        vst1q_f32(y + 8 * j + 4, vmulq_f32(vmulq_f32(mf_dec4(&k, c1), s1), s2));
      }
    } else { /* MXFP8 */
      dec16_store(&k, vld1q_u8(q), s1, s2, y);
      dec16_store(&k, vld1q_u8(q + 16), s1, s2, y + 16);
    }
  }
}
