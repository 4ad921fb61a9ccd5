/* Kernel signatures and declarations of the llmrt module. Kernels assume
 * valid arguments (the public entry points in int8mm.c validate). Any
 * alignment. */
#ifndef LQ_LLMRT_KERNELS_H
#define LQ_LLMRT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "common/lq_internal.h"

/* c[i*n + j] = sum_t a[i*k + t] * b[j*k + t] (a [m, k], b [n, k] row-major,
 * c [m, n]). Exact in int32 for k <= LQ_INT8_MAX_K; beyond that every kernel
 * wraps modulo 2^32 identically (integer sums are order-independent), so
 * SIMD and scalar agree bit for bit whatever the input. */
typedef void (*lq_uk_llmrt_gemm_s8_fn)(size_t m, size_t n, size_t k, const int8_t* a, const int8_t* b,
                                       int32_t* c);

#define LQ_DECLARE_LLMRT_KERNELS(isa)                                                                      \
  LQ_INTERNAL void lq_uk_llmrt_gemm_s8__##isa(size_t m, size_t n, size_t k, const int8_t* a, const int8_t* b, \
                                              int32_t* c);

LQ_DECLARE_LLMRT_KERNELS(ref)
LQ_DECLARE_LLMRT_KERNELS(avx2)
LQ_DECLARE_LLMRT_KERNELS(avx512)
LQ_DECLARE_LLMRT_KERNELS(neon)
LQ_DECLARE_LLMRT_KERNELS(neondot)

/* Rows of a kept hot while 4 rows of b stream past them: about 64 KiB. */
static inline size_t lq_llmrt_row_block(size_t k) {
  size_t mb = k ? (size_t)65536 / k : 1;
  return mb < 1 ? 1 : mb;
}

#endif
