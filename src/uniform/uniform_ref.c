/* Scalar reference kernels of the uniform module: the definitions the SIMD
 * kernels must reproduce bit for bit. */
#include <string.h>

#include "uniform/uniform_kernels.h"

#define LQ_REF_QUANT(NAME, T)                                                                        \
  void NAME(size_t n, const float* x, const lq_uq_args* a, T* out) {                                \
    lq_uq_rng g;                                                                                     \
    lq_uq_rng_init(&g, a->seed, a->index0);                                                          \
    const int sr = a->mode == LQ_ROUND_STOCHASTIC;                                                   \
    for (size_t i = 0; i < n; i++) {                                                                 \
      float u = sr ? lq_uq_rng_draw(&g, a->index0 + i) : 0.0f;                                       \
      out[i] = (T)(int32_t)lq_uq_code(x[i], a->inv_scale, a->zero_point, a->qmin, a->qmax, a->mode, u); \
    }                                                                                                \
  }
LQ_REF_QUANT(lq_uk_uniform_quant_f32_s8__ref, int8_t)
LQ_REF_QUANT(lq_uk_uniform_quant_f32_u8__ref, uint8_t)
LQ_REF_QUANT(lq_uk_uniform_quant_f32_s16__ref, int16_t)
LQ_REF_QUANT(lq_uk_uniform_quant_f32_u16__ref, uint16_t)

#define LQ_REF_QUANT_PE(NAME, T)                                                                          \
  void NAME(size_t n, const float* x, const float* scale, const int32_t* zp, const lq_uq_args* a, T* out) { \
    lq_uq_rng g;                                                                                           \
    lq_uq_rng_init(&g, a->seed, a->index0);                                                                \
    const int sr = a->mode == LQ_ROUND_STOCHASTIC;                                                         \
    for (size_t i = 0; i < n; i++) {                                                                       \
      float u = sr ? lq_uq_rng_draw(&g, a->index0 + i) : 0.0f;                                             \
      out[i] = (T)(int32_t)lq_uq_code(x[i], 1.0f / scale[i], (float)zp[i], a->qmin, a->qmax, a->mode, u);  \
    }                                                                                                      \
  }
LQ_REF_QUANT_PE(lq_uk_uniform_quant_pe_f32_s8__ref, int8_t)
LQ_REF_QUANT_PE(lq_uk_uniform_quant_pe_f32_u8__ref, uint8_t)

void lq_uk_uniform_fake_quant_f32__ref(size_t n, const float* x, const lq_uq_args* a, float* out) {
  lq_uq_rng g;
  lq_uq_rng_init(&g, a->seed, a->index0);
  const int sr = a->mode == LQ_ROUND_STOCHASTIC;
  for (size_t i = 0; i < n; i++) {
    float u = sr ? lq_uq_rng_draw(&g, a->index0 + i) : 0.0f;
    float t = lq_uq_code(x[i], a->inv_scale, a->zero_point, a->qmin, a->qmax, a->mode, u);
    out[i] = (t - a->zero_point) * a->scale; /* exact difference: |t - zp| <= 2^24 */
  }
}

#define LQ_REF_DEQUANT(NAME, T)                                            \
  void NAME(size_t n, const T* q, float scale, int32_t zp, float* out) {   \
    for (size_t i = 0; i < n; i++) out[i] = (float)((int32_t)q[i] - zp) * scale; \
  }
LQ_REF_DEQUANT(lq_uk_uniform_dequant_s8_f32__ref, int8_t)
LQ_REF_DEQUANT(lq_uk_uniform_dequant_u8_f32__ref, uint8_t)
LQ_REF_DEQUANT(lq_uk_uniform_dequant_s16_f32__ref, int16_t)
LQ_REF_DEQUANT(lq_uk_uniform_dequant_u16_f32__ref, uint16_t)

#define LQ_REF_DEQUANT_PE(NAME, T)                                                            \
  void NAME(size_t n, const T* q, const float* scale, const int32_t* zp, float* out) {        \
    for (size_t i = 0; i < n; i++) out[i] = (float)((int32_t)q[i] - zp[i]) * scale[i];         \
  }
LQ_REF_DEQUANT_PE(lq_uk_uniform_dequant_pe_s8_f32__ref, int8_t)
LQ_REF_DEQUANT_PE(lq_uk_uniform_dequant_pe_u8_f32__ref, uint8_t)

static void lq_pack_bits_ref(size_t n, const uint8_t* codes, uint8_t* packed, unsigned bits) {
  const unsigned per = 8u / bits;
  const unsigned mask = (1u << bits) - 1u;
  size_t nbytes = (n + per - 1) / per;
  for (size_t b = 0; b < nbytes; b++) {
    unsigned v = 0;
    for (unsigned k = 0; k < per; k++) {
      size_t i = b * per + k;
      if (i < n) v |= (codes[i] & mask) << (k * bits);
    }
    packed[b] = (uint8_t)v;
  }
}
static void lq_unpack_bits_ref(size_t n, const uint8_t* packed, int sgn, uint8_t* codes, unsigned bits) {
  const unsigned per = 8u / bits;
  const unsigned mask = (1u << bits) - 1u;
  const unsigned half = 1u << (bits - 1);
  for (size_t i = 0; i < n; i++) {
    unsigned v = (packed[i / per] >> ((i % per) * bits)) & mask;
    /* two's complement of a `bits`-wide field: (v ^ half) - half */
    codes[i] = sgn ? (uint8_t)(((v ^ half) - half) & 0xFFu) : (uint8_t)v;
  }
}
void lq_uk_uniform_pack4__ref(size_t n, const uint8_t* c, uint8_t* p) { lq_pack_bits_ref(n, c, p, 4); }
void lq_uk_uniform_pack2__ref(size_t n, const uint8_t* c, uint8_t* p) { lq_pack_bits_ref(n, c, p, 2); }
void lq_uk_uniform_pack1__ref(size_t n, const uint8_t* c, uint8_t* p) { lq_pack_bits_ref(n, c, p, 1); }
void lq_uk_uniform_unpack4__ref(size_t n, const uint8_t* p, int s, uint8_t* c) { lq_unpack_bits_ref(n, p, s, c, 4); }
void lq_uk_uniform_unpack2__ref(size_t n, const uint8_t* p, int s, uint8_t* c) { lq_unpack_bits_ref(n, p, s, c, 2); }
void lq_uk_uniform_unpack1__ref(size_t n, const uint8_t* p, int s, uint8_t* c) { lq_unpack_bits_ref(n, p, s, c, 1); }
