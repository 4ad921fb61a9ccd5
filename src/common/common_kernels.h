/* Kernel signatures and declarations of the common module (reductions and
 * float conversions). Kernels assume valid arguments: the public entry points
 * in reduce.c / convert.c validate. Any alignment; n may be 0. */
#ifndef LQ_COMMON_KERNELS_H
#define LQ_COMMON_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "common/lq_internal.h"

typedef void (*lq_uk_reduce_minmax_f32_fn)(size_t n, const float* x, float* min_out, float* max_out);
typedef void (*lq_uk_reduce_absmax_f32_fn)(size_t n, const float* x, float* absmax_out);
typedef void (*lq_uk_reduce_sum_f32_fn)(size_t n, const float* x, double* out);
typedef void (*lq_uk_convert_f32_u16_fn)(size_t n, const float* x, uint16_t* y);
typedef void (*lq_uk_convert_u16_f32_fn)(size_t n, const uint16_t* x, float* y);

#define LQ_DECLARE_COMMON_KERNELS(isa)                                                              \
  LQ_INTERNAL void lq_uk_reduce_minmax_f32__##isa(size_t n, const float* x, float* mn, float* mx); \
  LQ_INTERNAL void lq_uk_reduce_absmax_f32__##isa(size_t n, const float* x, float* out);           \
  LQ_INTERNAL void lq_uk_reduce_sum_f32__##isa(size_t n, const float* x, double* out);             \
  LQ_INTERNAL void lq_uk_reduce_sumsq_f32__##isa(size_t n, const float* x, double* out);           \
  LQ_INTERNAL void lq_uk_convert_f32_f16__##isa(size_t n, const float* x, uint16_t* y);            \
  LQ_INTERNAL void lq_uk_convert_f16_f32__##isa(size_t n, const uint16_t* x, float* y);            \
  LQ_INTERNAL void lq_uk_convert_f32_bf16__##isa(size_t n, const float* x, uint16_t* y);           \
  LQ_INTERNAL void lq_uk_convert_bf16_f32__##isa(size_t n, const uint16_t* x, float* y);

LQ_DECLARE_COMMON_KERNELS(ref)
LQ_DECLARE_COMMON_KERNELS(avx2)
LQ_DECLARE_COMMON_KERNELS(avx512)
LQ_DECLARE_COMMON_KERNELS(neon)

/* The reductions' canonical order: 16 interleaved double partial sums over
 * whole blocks of 16, folded pairwise (j += j+8, j += j+4, j += j+2,
 * j += j+1), then the tail added in order. SIMD kernels reproduce it. */
#define LQ_REDUCE_LANES 16

/* Order-independent min/max: NaN is handled by the caller's flag; between
 * equal values (only -0 vs +0 differ in bits) min ORs the bits (prefers -0)
 * and max ANDs them (prefers +0). */
static inline float lq_min_f32(float a, float b) {
  if (a < b) return a;
  if (b < a) return b;
  if (a == b) {
    union { float f; uint32_t u; } ua = {a}, ub = {b};
    ua.u |= ub.u;
    return ua.f;
  }
  return a; /* NaN involved: caller tracks NaN separately */
}
static inline float lq_max_f32(float a, float b) {
  if (a > b) return a;
  if (b > a) return b;
  if (a == b) {
    union { float f; uint32_t u; } ua = {a}, ub = {b};
    ua.u &= ub.u;
    return ua.f;
  }
  return a;
}

#endif
