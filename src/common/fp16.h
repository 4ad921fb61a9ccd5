/* Scalar f16/bf16 <-> f32 conversions: the reference every SIMD kernel must
 * equal bit for bit. Round to nearest even, no flush of subnormals, NaN kept
 * as NaN with the quiet bit set and the top payload bits (what x86 F16C
 * vcvtps2ph/vcvtph2ps and ARMv8 FCVT with FPCR.DN=0 do). */
#ifndef LQ_FP16_H
#define LQ_FP16_H

#include <stdint.h>
#include <string.h>

static inline uint32_t lq_f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float lq_bits_f32(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

static inline uint16_t lq_f32_to_f16_inline(float x) {
  uint32_t f = lq_f32_bits(x);
  uint16_t sign = (uint16_t)((f >> 16) & 0x8000u);
  f &= 0x7fffffffu;
  if (f >= 0x7f800000u) { /* Inf or NaN */
    if (f == 0x7f800000u) return (uint16_t)(sign | 0x7c00u);
    return (uint16_t)(sign | 0x7e00u | ((f >> 13) & 0x3ffu)); /* quiet, top payload */
  }
  /* 65520 = 65504 + half an ulp: the tie goes to the even neighbour, Inf. */
  if (f >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u);
  if (f < 0x38800000u) { /* result is subnormal or zero: k * 2^-24 */
    if (f <= 0x33000000u) return sign; /* <= 2^-25 rounds to 0 (2^-25 is a tie to even 0) */
    uint32_t e = f >> 23, m = (f & 0x7fffffu) | 0x800000u;
    uint32_t shift = 126u - e; /* 14..24 */
    uint32_t k = m >> shift, rem = m & ((1u << shift) - 1u), half = 1u << (shift - 1u);
    if (rem > half || (rem == half && (k & 1u))) k++;
    return (uint16_t)(sign | k);
  }
  uint32_t h = (f - 0x38000000u) >> 13; /* rebias exponent 127 -> 15 */
  uint32_t rem = f & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) h++; /* carry may bump the exponent: correct */
  return (uint16_t)(sign | h);
}

static inline float lq_f16_to_f32_inline(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
  if (e == 0x1fu) {
    if (m == 0) return lq_bits_f32(sign | 0x7f800000u);
    return lq_bits_f32(sign | 0x7fc00000u | (m << 13)); /* quiet the NaN */
  }
  if (e == 0) {
    if (m == 0) return lq_bits_f32(sign);
    /* subnormal: normalise */
    uint32_t shift = 0;
    while ((m & 0x400u) == 0) { m <<= 1; shift++; }
    m &= 0x3ffu;
    return lq_bits_f32(sign | ((113u - shift) << 23) | (m << 13));
  }
  return lq_bits_f32(sign | ((e + 112u) << 23) | (m << 13));
}

static inline uint16_t lq_f32_to_bf16_inline(float x) {
  uint32_t f = lq_f32_bits(x);
  if ((f & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((f >> 16) | 0x40u); /* quiet NaN */
  f += 0x7fffu + ((f >> 16) & 1u); /* round to nearest even; overflow carries into Inf */
  return (uint16_t)(f >> 16);
}

static inline float lq_bf16_to_f32_inline(uint16_t h) { return lq_bits_f32((uint32_t)h << 16); }

#endif
