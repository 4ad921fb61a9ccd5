/* ggml IQ4_NL (type 20): blocks of 32 with an fp16 scale and 4-bit indices
 * into the non-uniform table kvalues_iq4nl. The quantizer transcribes
 * ggml-quants.c quantize_iq4_nl without an importance matrix, i.e.
 * quantize_row_iq4_nl_impl(super_block_size = block_size = 32, weights
 * x^2, ntry = 7) -- what llama-quantize writes -- with float operations in
 * C order and no FMA contraction (see docs/llm.md). */
#include <math.h>
#include <string.h>

#include "llm/ggml_internal.h"
#include "llm/llm_kernels.h"
#include "llm/llm_tables.h"

#define IQ4_NTRY 7
#define IQ4_GROUP_MAX_EPS 1e-15f

/* val[i-1] + val[i] for i = 1..15 (index i - 1), exact in float. */
static const float iq4_mid2[15] = {-231, -187, -148, -114, -84, -57, -32, -9, 14, 38, 63, 91, 122, 158, 202};

/* ggml best_index_int8: the level i reached once 2x >= val[i-1] + val[i]
 * (binary search over the 15 midpoints; ties go up). The steps are masks,
 * not branches: the search runs 16 times per element and its outcomes are
 * unpredictable. */
static inline int best_index(float x) {
  const float x2 = x + x;
  int idx = 0;
  for (int step = 8; step > 0; step >>= 1) idx += step & -(int)(x2 >= iq4_mid2[idx + step - 1]);
  return idx;
}

static void quant_block(const float* xb, lq_block_iq4_nl* y) {
  float weight[LQ_QK];
  uint8_t L[LQ_QK];
  const int8_t* values = lq_iq4nl_values;
  for (int j = 0; j < LQ_QK; j++) weight[j] = xb[j] * xb[j];
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < LQ_QK; j++) {
    const float ax = fabsf(xb[j]);
    if (ax > amax) {
      amax = ax;
      max = xb[j];
    }
  }
  float scale = 0.0f;
  if (!(amax < IQ4_GROUP_MAX_EPS)) {
    float d = -max / (float)values[0];
    float id = 1.0f / d;
    float sumqx = 0.0f, sumq2 = 0.0f;
    for (int j = 0; j < LQ_QK; j++) {
      const float q = (float)values[best_index(id * xb[j])];
      const float w = weight[j];
      sumqx += w * q * xb[j];
      sumq2 += w * q * q;
    }
    d = sumq2 > 0.0f ? sumqx / sumq2 : 0.0f;
    float best = d * sumqx;
    for (int itry = -IQ4_NTRY; itry <= IQ4_NTRY; itry++) {
      id = (float)(itry + values[0]) / max;
      sumqx = sumq2 = 0.0f;
      for (int j = 0; j < LQ_QK; j++) {
        const float q = (float)values[best_index(id * xb[j])];
        const float w = weight[j];
        sumqx += w * q * xb[j];
        sumq2 += w * q * q;
      }
      if (sumq2 > 0.0f && sumqx * sumqx > best * sumq2) {
        d = sumqx / sumq2;
        best = d * sumqx;
      }
    }
    scale = d;
  }
  y->d = lq_f2h(scale);
  /* ntry > 0: the indices are recomputed from the final scale for every
   * block, so an all-zero block stores index 8 (level 1) with d = 0. */
  const float id = scale != 0.0f ? 1.0f / scale : 0.0f;
  for (int j = 0; j < LQ_QK; j++) L[j] = (uint8_t)best_index(id * xb[j]);
  for (int j = 0; j < LQ_QK / 2; j++) y->qs[j] = (uint8_t)(L[j] | (L[j + LQ_QK / 2] << 4));
}

void lq_ggml_quantize_iq4_nl(const float* x, size_t nb, void* out) {
  lq_block_iq4_nl* y = (lq_block_iq4_nl*)out;
  for (size_t i = 0; i < nb; i++) quant_block(x + i * LQ_QK, &y[i]);
}
