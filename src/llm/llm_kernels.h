/* Kernel signatures and declarations of the llm module. Kernels assume valid
 * arguments (the public entry points in bnb4.c / ggml.c validate). Any
 * alignment. Block structs are ggml's, byte for byte. */
#ifndef LQ_LLM_KERNELS_H
#define LQ_LLM_KERNELS_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "common/fp16.h"
#include "common/lq_internal.h"

/* ggml block structs (ggml-common.h). ggml_half (IEEE fp16, little-endian)
 * is carried as two bytes so every struct has alignment 1: blocks may sit
 * at any address (tensors in files, packed rows). */
typedef struct { uint8_t b[2]; } lq_half;
static inline float lq_h2f(lq_half h) { return lq_f16_to_f32_inline((uint16_t)(h.b[0] | (h.b[1] << 8))); }
static inline lq_half lq_f2h(float f) {
  uint16_t u = lq_f32_to_f16_inline(f);
  lq_half h = {{(uint8_t)u, (uint8_t)(u >> 8)}};
  return h;
}
#define LQ_QK 32
#define LQ_QK_K 256
#define LQ_K_SCALE_SIZE 12
typedef struct { lq_half d; uint8_t qs[LQ_QK / 2]; } lq_block_q4_0;
typedef struct { lq_half d, m; uint8_t qs[LQ_QK / 2]; } lq_block_q4_1;
typedef struct { lq_half d; uint8_t qh[4]; uint8_t qs[LQ_QK / 2]; } lq_block_q5_0;
typedef struct { lq_half d, m; uint8_t qh[4]; uint8_t qs[LQ_QK / 2]; } lq_block_q5_1;
typedef struct { lq_half d; int8_t qs[LQ_QK]; } lq_block_q8_0;
typedef struct { uint8_t scales[LQ_QK_K / 16]; uint8_t qs[LQ_QK_K / 4]; lq_half d, dmin; } lq_block_q2_K;
typedef struct { uint8_t hmask[LQ_QK_K / 8]; uint8_t qs[LQ_QK_K / 4]; uint8_t scales[12]; lq_half d; } lq_block_q3_K;
typedef struct { lq_half d, dmin; uint8_t scales[LQ_K_SCALE_SIZE]; uint8_t qs[LQ_QK_K / 2]; } lq_block_q4_K;
typedef struct { lq_half d, dmin; uint8_t scales[LQ_K_SCALE_SIZE]; uint8_t qh[LQ_QK_K / 8]; uint8_t qs[LQ_QK_K / 2]; } lq_block_q5_K;
typedef struct { uint8_t ql[LQ_QK_K / 2]; uint8_t qh[LQ_QK_K / 4]; int8_t scales[LQ_QK_K / 16]; lq_half d; } lq_block_q6_K;
/* IQ4_NL: codes index kvalues_iq4nl (lq_iq4nl_values); same nibble order as Q4_0. */
typedef struct { lq_half d; uint8_t qs[LQ_QK / 2]; } lq_block_iq4_nl;

static_assert(sizeof(lq_block_q4_0) == 18, "q4_0 block");
static_assert(sizeof(lq_block_q4_1) == 20, "q4_1 block");
static_assert(sizeof(lq_block_q5_0) == 22, "q5_0 block");
static_assert(sizeof(lq_block_q5_1) == 24, "q5_1 block");
static_assert(sizeof(lq_block_q8_0) == 34, "q8_0 block");
static_assert(sizeof(lq_block_q2_K) == 84, "q2_K block");
static_assert(sizeof(lq_block_q3_K) == 110, "q3_K block");
static_assert(sizeof(lq_block_q4_K) == 144, "q4_K block");
static_assert(sizeof(lq_block_q5_K) == 176, "q5_K block");
static_assert(sizeof(lq_block_q6_K) == 210, "q6_K block");
static_assert(sizeof(lq_block_iq4_nl) == 18, "iq4_nl block");

/* 4-bit LUT dequant of npairs bytes: y[2k] = lut[p>>4]*scale, y[2k+1] = lut[p&15]*scale. */
typedef void (*lq_uk_llm_bnb4_dequant_fn)(size_t npairs, const uint8_t* packed, const float* lut16, float scale,
                                          float* y);
/* NF4 encode of nblocks full blocks of blocksize (a multiple of 32) floats,
 * with the absmax fused in: am = max |x| of the block, absmax[b] = am,
 * r = 1 / max(am, 1e-38f), code = #{t in lq_nf4_bounds : x*r > t}, packed
 * high nibble first. Stops at the first block holding NaN/Inf and returns
 * its index (that block's outputs unspecified); returns nblocks otherwise. */
typedef size_t (*lq_uk_llm_nf4_quant_fn)(size_t nblocks, size_t blocksize, const float* x, uint8_t* packed,
                                         float* absmax);
/* y[r] = sum over the row's blocks b of absmax[b] * sum_k lut[code_k] * x[k]
 * for a bitsandbytes-packed W [rows, cols] (cols a multiple of bs, bs a
 * multiple of 32; element 2k in the high nibble). Order of the sums is the
 * kernel's own (results agree within the documented tolerance, not bits). */
typedef void (*lq_uk_llm_bnb4_gemv_fn)(size_t rows, size_t cols, size_t bs, const uint8_t* packed,
                                       const float* absmax, const float* lut16, const float* x, float* y);
/* nb ggml blocks <-> nb*block_size floats. */
typedef void (*lq_uk_llm_ggml_dequant_fn)(size_t nb, const void* blocks, float* y);
/* Quantizers (whole rows: the finiteness check is fused in) return 1 if any
 * x is NaN/Inf (the blocks' contents are then unspecified), else 0. */
typedef int (*lq_uk_llm_ggml_quant_fn)(size_t nb, const float* x, void* blocks);
/* Dot product of nb block pairs. */
typedef void (*lq_uk_llm_vec_dot_fn)(size_t nb, const void* x, const void* y, float* out);

#ifndef __cplusplus
static_assert(_Alignof(lq_block_q6_K) == 1 && _Alignof(lq_block_q4_0) == 1, "blocks are byte-aligned");
#include "llm/ggml_kernels.h" /* kernels added later, same signatures */

#endif

/* IQ4_NL quantize: a scalar reference and an AVX2 kernel (the 16 candidate
 * scales of a block in the lanes of two vectors); other ISAs use the ref. */
LQ_INTERNAL int lq_uk_llm_iq4_nl_quant__ref(size_t nb, const float* x, void* b);
LQ_INTERNAL int lq_uk_llm_iq4_nl_quant__avx2(size_t nb, const float* x, void* b);

#define LQ_DECLARE_LLM_KERNELS(isa)                                                                              \
  LQ_INTERNAL void lq_uk_llm_bnb4_dequant__##isa(size_t npairs, const uint8_t* p, const float* lut, float s,    \
                                                 float* y);                                                     \
  LQ_INTERNAL size_t lq_uk_llm_nf4_quant__##isa(size_t nblocks, size_t bs, const float* x, uint8_t* p,          \
                                                float* absmax);                                                 \
  LQ_INTERNAL void lq_uk_llm_q4_0_dequant__##isa(size_t nb, const void* b, float* y);                           \
  LQ_INTERNAL void lq_uk_llm_bnb4_gemv__##isa(size_t rows, size_t cols, size_t bs, const uint8_t* p,             \
                                              const float* absmax, const float* lut, const float* x, float* y); \
  LQ_INTERNAL void lq_uk_llm_q8_0_dequant__##isa(size_t nb, const void* b, float* y);                           \
  LQ_INTERNAL void lq_uk_llm_q4_1_dequant__##isa(size_t nb, const void* b, float* y);                           \
  LQ_INTERNAL void lq_uk_llm_q5_0_dequant__##isa(size_t nb, const void* b, float* y);                           \
  LQ_INTERNAL void lq_uk_llm_q5_1_dequant__##isa(size_t nb, const void* b, float* y);                           \
  LQ_INTERNAL void lq_uk_llm_iq4_nl_dequant__##isa(size_t nb, const void* b, float* y);                         \
  LQ_INTERNAL int lq_uk_llm_q4_0_quant__##isa(size_t nb, const float* x, void* b);                              \
  LQ_INTERNAL int lq_uk_llm_q8_0_quant__##isa(size_t nb, const float* x, void* b);                              \
  LQ_INTERNAL void lq_uk_llm_dot_q4_0_q8_0__##isa(size_t nb, const void* x, const void* y, float* out);         \
  LQ_INTERNAL void lq_uk_llm_dot_q8_0_q8_0__##isa(size_t nb, const void* x, const void* y, float* out);

LQ_DECLARE_LLM_KERNELS(ref)
LQ_DECLARE_LLM_KERNELS(avx2)
LQ_DECLARE_LLM_KERNELS(neon)
/* Armv8.2 dot-product kernels (llm_neondot.c): the two block dot products. */
LQ_INTERNAL void lq_uk_llm_dot_q4_0_q8_0__neondot(size_t nb, const void* x, const void* y, float* out);
LQ_INTERNAL void lq_uk_llm_dot_q8_0_q8_0__neondot(size_t nb, const void* x, const void* y, float* out);

#include "llm/ggml_kernels.h" /* kernels added later, same signatures */

#endif

