/* Kernel signatures of the nonuniform module (log / power-of-two encode). */
#ifndef LQ_NONUNIFORM_KERNELS_H
#define LQ_NONUNIFORM_KERNELS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/lq_internal.h"

/* Resolved log-quantizer parameters: exponents t <= lo are zero, t >= hi
 * saturate to hi-1, mag = t - lo; mb magnitude bits. */
typedef struct lq_log_kparams {
  int32_t base; /* 0: base 2, 1: base sqrt(2) */
  int32_t lo, hi, mb, is_unsigned;
} lq_log_kparams;

/* Smallest 23-bit mantissa fields with 1.f >= 2^(1/4), 2^(1/2), 2^(3/4)
 * (the log-domain rounding thresholds; all irrational, so never ties). */
#define LQ_LOG_T_Q1 0x1837F1
#define LQ_LOG_T_HALF 0x3504F4
#define LQ_LOG_T_Q3 0x5744FD

typedef void (*lq_uk_log_encode_fn)(size_t n, const float* x, const lq_log_kparams* p, uint8_t* codes);

#define LQ_DECLARE_NONUNIFORM_KERNELS(isa) \
  LQ_INTERNAL void lq_uk_nonuniform_log_encode_f32_u8__##isa(size_t n, const float* x, const lq_log_kparams* p, uint8_t* c);

LQ_DECLARE_NONUNIFORM_KERNELS(ref)
LQ_DECLARE_NONUNIFORM_KERNELS(avx2)
LQ_DECLARE_NONUNIFORM_KERNELS(neon)

/* The scalar definition every kernel reproduces. */
static inline uint8_t lq_log_encode1(float x, const lq_log_kparams* p) {
  uint32_t bits;
  memcpy(&bits, &x, 4);
  uint32_t a = bits & 0x7FFFFFFFu;
  if (a == 0 || a > 0x7F800000u) return 0; /* zero, NaN */
  int32_t e;
  if (a < 0x00800000u) { /* subnormal: scale by 2^32 exactly */
    float f;
    memcpy(&f, &a, 4);
    f *= 4294967296.0f;
    memcpy(&a, &f, 4);
    e = (int32_t)(a >> 23) - 127 - 32;
  } else {
    e = (int32_t)(a >> 23) - 127;
  }
  int32_t m = (int32_t)(a & 0x7FFFFF);
  int32_t t = p->base == 0 ? e + (m >= LQ_LOG_T_HALF) : 2 * e + (m >= LQ_LOG_T_Q1) + (m >= LQ_LOG_T_Q3);
  if (t <= p->lo) return 0;
  if (t > p->hi - 1) t = p->hi - 1;
  int32_t mag = t - p->lo;
  if (bits >> 31) return p->is_unsigned ? 0 : (uint8_t)(mag | (1 << p->mb));
  return (uint8_t)mag;
}

#endif
