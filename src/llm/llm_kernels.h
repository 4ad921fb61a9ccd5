/* Kernel signatures and declarations of the llm module. Kernels assume valid
 * arguments (the public entry points in bnb4.c / ggml.c validate). Any
 * alignment. Block structs are ggml's, byte for byte. */
#ifndef LQ_LLM_KERNELS_H
#define LQ_LLM_KERNELS_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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


/* ---- OCP minifloat and MX codecs (minifloat.c fills the parameters) ---- */
/* One element format. Encoding (lq_mf_encode1) is round-to-nearest-even on
 * the f32 bits; decoding (lq_mf_decode1) is exact. Both are the scalar
 * definitions every SIMD kernel reproduces bit for bit (tests compare them
 * with lq_minifloat_from_f32 / lq_minifloat_to_f32). */
typedef struct lq_mf_params {
  uint32_t mbits, bias, width; /* mantissa bits, exponent bias, code width (4/6/8) */
  uint32_t max_code;           /* magnitude code of the largest finite value */
  uint32_t overflow;           /* magnitude code written for finite overflow and +-Inf (per saturation mode) */
  uint32_t nan_code;           /* whole code written for a NaN input (0: the format has no NaN) */
  uint32_t nan_mag;            /* decode: magnitudes >= nan_mag are NaN (0x100: none) */
  uint32_t inf_mag;            /* decode: the magnitude of Inf (0x100: none) */
} lq_mf_params;

/* 2^k as a float for -126 <= k <= 127 (built from its bits). */
static inline float lq_f32_pow2(int k) {
  const uint32_t b = (uint32_t)(k + 127) << 23;
  float f;
  memcpy(&f, &b, sizeof f);
  return f;
}

/* x >> k rounded to nearest, ties to even (1 <= k <= 31, x < 2^31 - 2^30). */
static inline uint32_t lq_mf_rne_shift(uint32_t x, uint32_t k) {
  return (x + ((1u << (k - 1)) - 1u) + ((x >> k) & 1u)) >> k;
}

static inline uint8_t lq_mf_encode1(const lq_mf_params* p, uint32_t u) {
  const uint32_t a = u & 0x7FFFFFFFu, fexp = a >> 23, sh = 23 - p->mbits;
  const uint32_t emin_f = 128 - p->bias; /* f32 biased exponent of the target's smallest normal */
  if (a > 0x7F800000u) return (uint8_t)p->nan_code;
  uint32_t mag;
  if (fexp >= emin_f) { /* target normal (or overflow; Inf lands here too): round at bit sh, rebias */
    mag = lq_mf_rne_shift(a, sh) - ((127 - p->bias) << p->mbits); /* a carry bumps the exponent */
  } else { /* target subnormal: the 24-bit significand in units of the smallest subnormal */
    uint32_t k = sh + emin_f - fexp;
    if (k > 31) k = 31; /* f32 zeros/subnormals and tiny values: 0 */
    mag = lq_mf_rne_shift((a & 0x7FFFFFu) | 0x800000u, k);
  }
  if (mag > p->max_code) mag = p->overflow;
  return (uint8_t)(((u >> 31) << (p->width - 1)) | mag);
}

/* Elements [i, n) of the minifloat encode kernels one at a time (the whole
 * scalar kernel and the SIMD kernels' tails): x / s (s == 1: x itself)
 * encoded; returns whether one of them was NaN. */
static inline int lq_mf_encode_range(const lq_mf_params* p, const float* x, float s, uint8_t* c, size_t i,
                                     size_t n) {
  int nan = 0;
  for (; i < n; i++) {
    const float v = s == 1.0f ? x[i] : x[i] / s;
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    nan |= (u & 0x7FFFFFFFu) > 0x7F800000u;
    c[i] = lq_mf_encode1(p, u);
  }
  return nan;
}

static inline uint32_t lq_mf_decode1_bits(const lq_mf_params* p, uint32_t c) {
  const uint32_t mag = c & ((1u << (p->width - 1)) - 1u), sign = ((c >> (p->width - 1)) & 1u) << 31;
  uint32_t bits;
  if (mag >= p->nan_mag) {
    bits = 0x7FC00000u;
  } else if (mag == p->inf_mag) {
    bits = 0x7F800000u;
  } else if (mag < (1u << p->mbits)) { /* subnormal: mag * 2^(1 - bias - mbits), exact */
    const float v = (float)mag * lq_f32_pow2(1 - (int)p->bias - (int)p->mbits);
    memcpy(&bits, &v, sizeof bits);
  } else {
    bits = (mag << (23 - p->mbits)) + ((127 - p->bias) << 23);
  }
  return bits | sign;
}


/* MX: the element format (unused for MXINT8), the element's emax and the
 * payload bytes of one 32-element block (the scale byte comes first). */
typedef struct lq_mx_params {
  lq_mf_params elem;
  int32_t type; /* lq_mx_type */
  int32_t emax;
  uint32_t payload;
} lq_mx_params;

/* The 32 codes of an MX block <-> its payload: MXFP4 element 2k in the low
 * nibble of byte k, MXFP6 a little-endian 6-bit stream, 8-bit types bytes. */
static inline void lq_mx_pack32(int32_t type, const uint8_t c[32], uint8_t* o) {
  if (type == LQ_MXFP4) {
    for (int k = 0; k < 16; k++) o[k] = (uint8_t)((c[2 * k] & 15u) | ((unsigned)c[2 * k + 1] << 4));
  } else if (type == LQ_MXFP6_E2M3 || type == LQ_MXFP6_E3M2) { /* 4 elements per 3 bytes */
    for (int g = 0; g < 8; g++) {
      const uint32_t w = (c[4 * g] & 63u) | (c[4 * g + 1] & 63u) << 6 | (c[4 * g + 2] & 63u) << 12 |
                         (uint32_t)(c[4 * g + 3] & 63u) << 18;
      o[3 * g] = (uint8_t)w;
      o[3 * g + 1] = (uint8_t)(w >> 8);
      o[3 * g + 2] = (uint8_t)(w >> 16);
    }
  } else {
    memcpy(o, c, 32);
  }
}
static inline void lq_mx_unpack32(int32_t type, const uint8_t* o, uint8_t c[32]) {
  if (type == LQ_MXFP4) {
    for (int k = 0; k < 16; k++) {
      c[2 * k] = o[k] & 15u;
      c[2 * k + 1] = o[k] >> 4;
    }
  } else if (type == LQ_MXFP6_E2M3 || type == LQ_MXFP6_E3M2) {
    for (int g = 0; g < 8; g++) {
      const uint32_t w = o[3 * g] | (uint32_t)o[3 * g + 1] << 8 | (uint32_t)o[3 * g + 2] << 16;
      for (int j = 0; j < 4; j++) c[4 * g + j] = (uint8_t)((w >> (6 * j)) & 63u);
    }
  } else {
    memcpy(c, o, 32);
  }
}

/* The parameters of a valid format / MX type (minifloat.c). */
LQ_INTERNAL lq_mf_params lq_mf_params_of(lq_minifloat fmt, int saturate);
LQ_INTERNAL lq_mx_params lq_mx_params_of(lq_mx_type type);

/* codes[i] = encode(x[i] / scale), y[i] = decode(codes[i]) * scale: one
 * IEEE division / multiply per element (skipped when scale == 1, where it
 * is the identity on every value the codec distinguishes). encode returns
 * 1 if any x[i] / scale is NaN (its code is p->nan_code), else 0. */
typedef int (*lq_uk_llm_mf_encode_fn)(const lq_mf_params* p, size_t n, const float* x, float scale, uint8_t* codes);
typedef void (*lq_uk_llm_mf_decode_fn)(const lq_mf_params* p, size_t n, const uint8_t* codes, float scale, float* y);
/* nblocks MX blocks. Returns 1 if any x is NaN/Inf (outputs then
 * unspecified), else 0. Scale and elements as lq_mx_quantize documents. */
typedef int (*lq_uk_llm_mx_quant_fn)(const lq_mx_params* p, size_t nblocks, const float* x, uint8_t* out);
typedef void (*lq_uk_llm_mx_dequant_fn)(const lq_mx_params* p, size_t nblocks, const uint8_t* in, float* y);

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

#define LQ_DECLARE_MF_KERNELS(isa)                                                                             \
  LQ_INTERNAL int lq_uk_llm_mf_encode__##isa(const lq_mf_params* p, size_t n, const float* x, float s,           \
                                             uint8_t* c);                                                       \
  LQ_INTERNAL void lq_uk_llm_mf_decode__##isa(const lq_mf_params* p, size_t n, const uint8_t* c, float s,        \
                                              float* y);                                                        \
  LQ_INTERNAL int lq_uk_llm_mx_quant__##isa(const lq_mx_params* p, size_t nb, const float* x, uint8_t* out);    \
  LQ_INTERNAL void lq_uk_llm_mx_dequant__##isa(const lq_mx_params* p, size_t nb, const uint8_t* in, float* y);
LQ_DECLARE_MF_KERNELS(ref)
LQ_DECLARE_MF_KERNELS(avx2)
LQ_DECLARE_MF_KERNELS(neon)

LQ_DECLARE_LLM_KERNELS(ref)
LQ_DECLARE_LLM_KERNELS(avx2)
LQ_DECLARE_LLM_KERNELS(neon)
/* Armv8.2 dot-product kernels (llm_neondot.c): the two block dot products. */
LQ_INTERNAL void lq_uk_llm_dot_q4_0_q8_0__neondot(size_t nb, const void* x, const void* y, float* out);
LQ_INTERNAL void lq_uk_llm_dot_q8_0_q8_0__neondot(size_t nb, const void* x, const void* y, float* out);

#include "llm/ggml_kernels.h" /* kernels added later, same signatures */

#endif

