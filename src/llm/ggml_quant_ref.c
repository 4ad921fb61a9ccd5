/* Scalar reference quantizers of ggml's Q4_1, Q5_0 and Q5_1 (ggml-quants.c
 * quantize_row_q4_1_ref / q5_0_ref / q5_1_ref, same float operations in the
 * same order, no FMA): the definitions the SIMD kernels reproduce byte for
 * byte. Whole rows; they return 1 (outputs unspecified) if x holds NaN/Inf. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "common/fp16.h"
#include "llm/ggml_kernels.h"
#include "llm/llm_kernels.h"

/* float -> int8_t / uint8_t as ggml gets it on x86 (see llm_ref.c): Inf/NaN,
 * from a 1/d overflow in tiny blocks, give 0. */
static inline int trunc_i8(float v) { return v > -128.5f && v < 128.5f ? (int8_t)(int)v : 0; }
static inline uint8_t trunc_u8(float v) { return v > -1.0f && v < 256.0f ? (uint8_t)(int)v : 0; }

static int any_nonfinite(size_t n, const float* x) {
  int bad = 0;
  for (size_t i = 0; i < n; i++) bad |= !(fabsf(x[i]) <= FLT_MAX);
  return bad;
}

/* ggml's strict compares from +-FLT_MAX: the first of equal values (+0 vs -0) wins. */
static void minmax32(const float* x, float* mn, float* mx) {
  float min = FLT_MAX, max = -FLT_MAX;
  for (int j = 0; j < LQ_QK; j++) {
    if (x[j] < min) min = x[j];
    if (x[j] > max) max = x[j];
  }
  *mn = min;
  *mx = max;
}

int lq_uk_llm_q4_1_quant__ref(size_t nb, const float* x, void* vb) {
  lq_block_q4_1* y = (lq_block_q4_1*)vb;
  if (any_nonfinite(nb * LQ_QK, x)) return 1;
  for (size_t i = 0; i < nb; i++, x += LQ_QK) {
    float min, max;
    minmax32(x, &min, &max);
    const float d = (max - min) / 15.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = lq_f2h(d);
    y[i].m = lq_f2h(min);
    for (int j = 0; j < LQ_QK / 2; j++) {
      const float x0 = (x[j] - min) * id, x1 = (x[j + 16] - min) * id;
      int xi0 = trunc_i8(x0 + 0.5f), xi1 = trunc_i8(x1 + 0.5f);
      if (xi0 > 15) xi0 = 15;
      if (xi1 > 15) xi1 = 15;
      y[i].qs[j] = (uint8_t)(xi0 | (xi1 << 4));
    }
  }
  return 0;
}

int lq_uk_llm_q5_0_quant__ref(size_t nb, const float* x, void* vb) {
  lq_block_q5_0* y = (lq_block_q5_0*)vb;
  if (any_nonfinite(nb * LQ_QK, x)) return 1;
  for (size_t i = 0; i < nb; i++, x += LQ_QK) {
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < LQ_QK; j++)
      if (amax < fabsf(x[j])) {
        amax = fabsf(x[j]);
        max = x[j];
      }
    const float d = max / -16.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = lq_f2h(d);
    uint32_t qh = 0;
    for (int j = 0; j < LQ_QK / 2; j++) {
      const float x0 = x[j] * id, x1 = x[j + 16] * id;
      int xi0 = trunc_i8(x0 + 16.5f), xi1 = trunc_i8(x1 + 16.5f);
      if (xi0 > 31) xi0 = 31;
      if (xi1 > 31) xi1 = 31;
      y[i].qs[j] = (uint8_t)((xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
      qh |= ((uint32_t)(xi0 & 0x10) >> 4) << j;
      qh |= ((uint32_t)(xi1 & 0x10) >> 4) << (j + 16);
    }
    memcpy(y[i].qh, &qh, 4); /* ggml memcpy's a host uint32: little-endian on every target libquant supports */
  }
  return 0;
}

int lq_uk_llm_q5_1_quant__ref(size_t nb, const float* x, void* vb) {
  lq_block_q5_1* y = (lq_block_q5_1*)vb;
  if (any_nonfinite(nb * LQ_QK, x)) return 1;
  for (size_t i = 0; i < nb; i++, x += LQ_QK) {
    float min, max;
    minmax32(x, &min, &max);
    const float d = (max - min) / 31.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = lq_f2h(d);
    y[i].m = lq_f2h(min);
    uint32_t qh = 0;
    for (int j = 0; j < LQ_QK / 2; j++) {
      const float x0 = (x[j] - min) * id, x1 = (x[j + 16] - min) * id;
      const uint8_t xi0 = trunc_u8(x0 + 0.5f), xi1 = trunc_u8(x1 + 0.5f); /* no MIN(31, .) in ggml */
      y[i].qs[j] = (uint8_t)((xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
      qh |= ((uint32_t)(xi0 & 0x10) >> 4) << j;
      qh |= ((uint32_t)(xi1 & 0x10) >> 4) << (j + 16);
    }
    memcpy(y[i].qh, &qh, 4);
  }
  return 0;
}
