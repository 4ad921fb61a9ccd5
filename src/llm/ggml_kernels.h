/* Kernels of the ggml formats added after llm_kernels.h: the Q4_1 / Q5_0 /
 * Q5_1 quantizers (scalar reference in ggml_quant_ref.c, AVX2 in
 * ggml_avx2.c) and the K-quant dequantizers (ggml_k.c / ggml_k_avx2.c).
 * Signatures are llm_kernels.h's lq_uk_llm_ggml_quant_fn / _dequant_fn. */
#ifndef LQ_GGML_KERNELS_H
#define LQ_GGML_KERNELS_H

#include <stddef.h>
#include <stdint.h>


#include "common/lq_internal.h"

/* K-quant quantizers (nb super-blocks of 256) assume finite x (the entry
 * point checks) and return 0. */
#define LQ_DECLARE_GGML_KERNELS(isa)                                               \
  LQ_INTERNAL int lq_uk_llm_q4_1_quant__##isa(size_t nb, const float* x, void* b); \
  LQ_INTERNAL int lq_uk_llm_q5_0_quant__##isa(size_t nb, const float* x, void* b); \
  LQ_INTERNAL int lq_uk_llm_q5_1_quant__##isa(size_t nb, const float* x, void* b); \
  LQ_INTERNAL int lq_uk_llm_q2_k_quant__##isa(size_t nb, const float* x, void* b); \
  LQ_INTERNAL int lq_uk_llm_q3_k_quant__##isa(size_t nb, const float* x, void* b); \
  LQ_INTERNAL int lq_uk_llm_q4_k_quant__##isa(size_t nb, const float* x, void* b); \
  LQ_INTERNAL int lq_uk_llm_q5_k_quant__##isa(size_t nb, const float* x, void* b); \
  LQ_INTERNAL int lq_uk_llm_q6_k_quant__##isa(size_t nb, const float* x, void* b); \
  LQ_INTERNAL void lq_uk_llm_q2_k_dequant__##isa(size_t nb, const void* b, float* y); \
  LQ_INTERNAL void lq_uk_llm_q3_k_dequant__##isa(size_t nb, const void* b, float* y); \
  LQ_INTERNAL void lq_uk_llm_q4_k_dequant__##isa(size_t nb, const void* b, float* y); \
  LQ_INTERNAL void lq_uk_llm_q5_k_dequant__##isa(size_t nb, const void* b, float* y); \
  LQ_INTERNAL void lq_uk_llm_q6_k_dequant__##isa(size_t nb, const void* b, float* y);

/* The scale searches of one K-quant super-block of 256 (ggml-quants.c
 * make_qkx2_quants / make_q3_quants / make_qx_quants over its sub-blocks):
 * the reference loops in ggml_k.c, SIMD versions (every sub-block a lane)
 * in ggml_k_avx2.c, equal bit for bit. The rest of each quantizer is
 * shared (lq_ggml_quantize_k_with). */
typedef struct {
  /* Q2_K: make_qkx2_quants(16, 3, weights |x|, -0.5, 0.1, 15, mad) of 16 sub-blocks */
  void (*q2)(const float* x, float scales[16], float mins[16], uint8_t L[256]);
  /* Q3_K: make_q3_quants(16, 4) of 16 sub-blocks */
  void (*q3)(const float* x, float scales[16], int8_t L[256]);
  /* Q4_K / Q5_K: weights av_x + |x|, make_qkx2_quants(32, nmax, ..., squared) of 8 sub-blocks */
  void (*q45)(const float* x, int nmax, float rmin, float rdelta, int nstep, float scales[8], float mins[8],
              uint8_t L[256]);
  /* Q6_K: make_qx_quants(16, 32) of 16 sub-blocks */
  void (*q6)(const float* x, float scales[16], int8_t L[256]);
  /* The final codes of a sub-block of n (16 or 32) with its rounded scale d:
   * L[i] = clamp(nearest_int(x[i] / d), lo, hi) + off, or with x[i] + *dm. */
  void (*requant)(const float* x, int n, float d, const float* dm, int lo, int hi, int off, uint8_t* L);
} lq_k_search;

LQ_INTERNAL extern const lq_k_search lq_k_search_ref;
LQ_INTERNAL void lq_ggml_quantize_k_with(lq_ggml_type type, const float* x, size_t nb, void* out,
                                         const lq_k_search* search);

LQ_DECLARE_GGML_KERNELS(ref)
LQ_DECLARE_GGML_KERNELS(avx2)
/* NEON: the K-quant dequantizers (ggml_k_neon.c). */
LQ_INTERNAL void lq_uk_llm_q2_k_dequant__neon(size_t nb, const void* b, float* y);
LQ_INTERNAL void lq_uk_llm_q3_k_dequant__neon(size_t nb, const void* b, float* y);
LQ_INTERNAL void lq_uk_llm_q4_k_dequant__neon(size_t nb, const void* b, float* y);
LQ_INTERNAL void lq_uk_llm_q5_k_dequant__neon(size_t nb, const void* b, float* y);
LQ_INTERNAL void lq_uk_llm_q6_k_dequant__neon(size_t nb, const void* b, float* y);

#endif
