/* Kernels of the ggml formats added after llm_kernels.h: the Q4_1 / Q5_0 /
 * Q5_1 quantizers (scalar reference in ggml_quant_ref.c, AVX2 in
 * ggml_avx2.c) and the K-quant dequantizers (ggml_k.c / ggml_k_avx2.c).
 * Signatures are llm_kernels.h's lq_uk_llm_ggml_quant_fn / _dequant_fn. */
#ifndef LQ_GGML_KERNELS_H
#define LQ_GGML_KERNELS_H

#include <stddef.h>

#include "common/lq_internal.h"

#define LQ_DECLARE_GGML_KERNELS(isa)                                               \
  LQ_INTERNAL int lq_uk_llm_q4_1_quant__##isa(size_t nb, const float* x, void* b); \
  LQ_INTERNAL int lq_uk_llm_q5_0_quant__##isa(size_t nb, const float* x, void* b); \
  LQ_INTERNAL int lq_uk_llm_q5_1_quant__##isa(size_t nb, const float* x, void* b);

LQ_DECLARE_GGML_KERNELS(ref)
LQ_DECLARE_GGML_KERNELS(avx2)

#endif
