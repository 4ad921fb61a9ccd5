/* Kernel signatures of the uniform module. Kernels assume valid arguments
 * (the public entry points validate); any alignment; n may be 0.
 *
 * Quantize kernels compute, per element, exactly lq_uq_code() below:
 *   v = x * inv_scale (NaN -> +0); r = round_mode(v); t = clamp(r + zp, qmin, qmax)
 * in float, and store (int)t. Every SIMD kernel reproduces it bit for bit. */
#ifndef LQ_UNIFORM_KERNELS_H
#define LQ_UNIFORM_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "common/lq_internal.h"
#include "common/rng.h"
#include "common/round.h"

typedef struct lq_uq_args {
  float inv_scale;   /* per-tensor kernels: 1.0f / scale */
  float scale;       /* per-tensor fake-quant kernel */
  float zero_point;  /* per-tensor kernels, as float (exact: |zp| <= 2^24) */
  float qmin, qmax;  /* clamp, integral floats, |.| <= 2^24 */
  lq_round mode;
  uint64_t seed;
  uint64_t index0;   /* stochastic: element i draws lq_rng_uniform_f32(seed, index0 + i) */
} lq_uq_args;

/* Per-tensor quantize. */
typedef void (*lq_uk_uq_f32_s8_fn)(size_t n, const float* x, const lq_uq_args* a, int8_t* out);
typedef void (*lq_uk_uq_f32_u8_fn)(size_t n, const float* x, const lq_uq_args* a, uint8_t* out);
typedef void (*lq_uk_uq_f32_s16_fn)(size_t n, const float* x, const lq_uq_args* a, int16_t* out);
typedef void (*lq_uk_uq_f32_u16_fn)(size_t n, const float* x, const lq_uq_args* a, uint16_t* out);
typedef void (*lq_uk_uq_fake_f32_fn)(size_t n, const float* x, const lq_uq_args* a, float* out);
/* Per-element parameters (per-channel / per-group rows): element i uses
 * 1.0f / scale[i] and zp[i]; a->inv_scale, a->zero_point are ignored. */
typedef void (*lq_uk_uq_pe_f32_s8_fn)(size_t n, const float* x, const float* scale, const int32_t* zp,
                                      const lq_uq_args* a, int8_t* out);
typedef void (*lq_uk_uq_pe_f32_u8_fn)(size_t n, const float* x, const float* scale, const int32_t* zp,
                                      const lq_uq_args* a, uint8_t* out);
/* Dequantize: out = (float)(q - zp) * scale. */
typedef void (*lq_uk_udq_s8_f32_fn)(size_t n, const int8_t* q, float scale, int32_t zp, float* out);
typedef void (*lq_uk_udq_u8_f32_fn)(size_t n, const uint8_t* q, float scale, int32_t zp, float* out);
typedef void (*lq_uk_udq_s16_f32_fn)(size_t n, const int16_t* q, float scale, int32_t zp, float* out);
typedef void (*lq_uk_udq_u16_f32_fn)(size_t n, const uint16_t* q, float scale, int32_t zp, float* out);
typedef void (*lq_uk_udq_pe_s8_f32_fn)(size_t n, const int8_t* q, const float* scale, const int32_t* zp, float* out);
typedef void (*lq_uk_udq_pe_u8_f32_fn)(size_t n, const uint8_t* q, const float* scale, const int32_t* zp, float* out);
/* Pack the low `bits` bits of n bytes LSB-first (ceil(n*bits/8) bytes, the
 * unused high bits of the last byte zero); unpack sign-extends when sgn. */
typedef void (*lq_uk_pack_fn)(size_t n, const uint8_t* codes, uint8_t* packed);
typedef void (*lq_uk_unpack_fn)(size_t n, const uint8_t* packed, int sgn, uint8_t* codes);

#define LQ_DECLARE_UNIFORM_QUANT_KERNELS(isa)                                                                    \
  LQ_INTERNAL void lq_uk_uniform_quant_f32_s8__##isa(size_t n, const float* x, const lq_uq_args* a, int8_t* out);  \
  LQ_INTERNAL void lq_uk_uniform_quant_f32_u8__##isa(size_t n, const float* x, const lq_uq_args* a, uint8_t* out); \
  LQ_INTERNAL void lq_uk_uniform_quant_pe_f32_s8__##isa(size_t n, const float* x, const float* scale,             \
                                                        const int32_t* zp, const lq_uq_args* a, int8_t* out);     \
  LQ_INTERNAL void lq_uk_uniform_quant_pe_f32_u8__##isa(size_t n, const float* x, const float* scale,             \
                                                        const int32_t* zp, const lq_uq_args* a, uint8_t* out);    \
  LQ_INTERNAL void lq_uk_uniform_dequant_s8_f32__##isa(size_t n, const int8_t* q, float scale, int32_t zp,        \
                                                       float* out);                                              \
  LQ_INTERNAL void lq_uk_uniform_dequant_u8_f32__##isa(size_t n, const uint8_t* q, float scale, int32_t zp,       \
                                                       float* out);                                              \
  LQ_INTERNAL void lq_uk_uniform_dequant_pe_s8_f32__##isa(size_t n, const int8_t* q, const float* scale,          \
                                                          const int32_t* zp, float* out);                        \
  LQ_INTERNAL void lq_uk_uniform_dequant_pe_u8_f32__##isa(size_t n, const uint8_t* q, const float* scale,         \
                                                          const int32_t* zp, float* out);

#define LQ_DECLARE_UNIFORM_WIDE_KERNELS(isa)                                                                       \
  LQ_INTERNAL void lq_uk_uniform_quant_f32_s16__##isa(size_t n, const float* x, const lq_uq_args* a, int16_t* out); \
  LQ_INTERNAL void lq_uk_uniform_quant_f32_u16__##isa(size_t n, const float* x, const lq_uq_args* a,               \
                                                      uint16_t* out);                                              \
  LQ_INTERNAL void lq_uk_uniform_fake_quant_f32__##isa(size_t n, const float* x, const lq_uq_args* a, float* out);  \
  LQ_INTERNAL void lq_uk_uniform_dequant_s16_f32__##isa(size_t n, const int16_t* q, float scale, int32_t zp,        \
                                                        float* out);                                               \
  LQ_INTERNAL void lq_uk_uniform_dequant_u16_f32__##isa(size_t n, const uint16_t* q, float scale, int32_t zp,       \
                                                        float* out);                                               \
  LQ_INTERNAL void lq_uk_uniform_pack4__##isa(size_t n, const uint8_t* codes, uint8_t* packed);                     \
  LQ_INTERNAL void lq_uk_uniform_pack2__##isa(size_t n, const uint8_t* codes, uint8_t* packed);                     \
  LQ_INTERNAL void lq_uk_uniform_pack1__##isa(size_t n, const uint8_t* codes, uint8_t* packed);                     \
  LQ_INTERNAL void lq_uk_uniform_unpack4__##isa(size_t n, const uint8_t* packed, int sgn, uint8_t* codes);          \
  LQ_INTERNAL void lq_uk_uniform_unpack2__##isa(size_t n, const uint8_t* packed, int sgn, uint8_t* codes);          \
  LQ_INTERNAL void lq_uk_uniform_unpack1__##isa(size_t n, const uint8_t* packed, int sgn, uint8_t* codes);

LQ_DECLARE_UNIFORM_QUANT_KERNELS(ref)
LQ_DECLARE_UNIFORM_QUANT_KERNELS(avx2)
LQ_DECLARE_UNIFORM_QUANT_KERNELS(avx512)
LQ_DECLARE_UNIFORM_QUANT_KERNELS(neon)
LQ_DECLARE_UNIFORM_WIDE_KERNELS(ref)
LQ_DECLARE_UNIFORM_WIDE_KERNELS(avx2)

/* The scalar definition of one code (before the integer conversion). u is
 * the stochastic draw (ignored by the other modes). */
static inline float lq_uq_code(float x, float inv_scale, float zp, float qmin, float qmax, lq_round mode, float u) {
  float v = x * inv_scale;
  if (v != v) v = 0.0f; /* NaN -> zero point */
  float r = mode == LQ_ROUND_STOCHASTIC ? lq_round_stochastic(v, u) : lq_round_det(v, mode);
  float t = r + zp; /* |r| >= 2^24 may round here, but it is clamped anyway */
  t = t < qmin ? qmin : t;
  t = t > qmax ? qmax : t;
  return t;
}

/* Stochastic draws for a run of indices: the key changes only when the high
 * 32 bits of the index change. */
typedef struct lq_uq_rng {
  uint64_t seed;
  uint32_t hi;
  uint64_t key;
} lq_uq_rng;
static inline void lq_uq_rng_init(lq_uq_rng* g, uint64_t seed, uint64_t index) {
  g->seed = seed;
  g->hi = (uint32_t)(index >> 32);
  g->key = lq_rng_key(seed, g->hi);
}
static inline float lq_uq_rng_draw(lq_uq_rng* g, uint64_t index) {
  uint32_t hi = (uint32_t)(index >> 32);
  if (hi != g->hi) {
    g->hi = hi;
    g->key = lq_rng_key(g->seed, hi);
  }
  return lq_rng_unit_from_u32(lq_rng_u32_keyed(g->key, (uint32_t)index));
}

#endif
