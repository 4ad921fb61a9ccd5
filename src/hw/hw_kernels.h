/* Kernel signatures of the hw module (G.711 codecs). Kernels assume valid
 * arguments (the public entry points validate). Any alignment; n may be 0. */
#ifndef LQ_HW_KERNELS_H
#define LQ_HW_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "common/lq_internal.h"

typedef void (*lq_uk_g711_enc_fn)(size_t n, const int16_t* x, uint8_t* codes);
typedef void (*lq_uk_g711_dec_fn)(size_t n, const uint8_t* codes, int16_t* y);

#define LQ_DECLARE_HW_KERNELS(isa)                                                             \
  LQ_INTERNAL void lq_uk_hw_ulaw_enc_g191_i16_u8__##isa(size_t n, const int16_t* x, uint8_t* c); \
  LQ_INTERNAL void lq_uk_hw_ulaw_enc_sun_i16_u8__##isa(size_t n, const int16_t* x, uint8_t* c);  \
  LQ_INTERNAL void lq_uk_hw_alaw_enc_i16_u8__##isa(size_t n, const int16_t* x, uint8_t* c);      \
  LQ_INTERNAL void lq_uk_hw_ulaw_dec_u8_i16__##isa(size_t n, const uint8_t* c, int16_t* y);      \
  LQ_INTERNAL void lq_uk_hw_alaw_dec_u8_i16__##isa(size_t n, const uint8_t* c, int16_t* y);

LQ_DECLARE_HW_KERNELS(ref)
LQ_DECLARE_HW_KERNELS(avx2)
LQ_DECLARE_HW_KERNELS(avx512)
LQ_DECLARE_HW_KERNELS(neon)

#endif
