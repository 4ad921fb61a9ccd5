/* Scalar reference kernels of the llm module: the definitions the SIMD
 * kernels reproduce bit for bit. */
#include <math.h>
#include <string.h>

#include "common/fp16.h"
#include "llm/llm_kernels.h"
#include "llm/llm_tables.h"

/* C's float -> int8_t conversion as ggml gets it on x86 (cvttss2si, then the
 * low byte): in-range values truncate; Inf/NaN (which ggml produces when a
 * block's amax is so small that 1/d overflows) give 0. Pinned here so every
 * ISA and compiler agrees instead of relying on undefined behaviour. */
static inline int trunc_i8(float v) { return v > -128.5f && v < 128.5f ? (int8_t)(int)v : 0; }

void lq_uk_llm_bnb4_dequant__ref(size_t npairs, const uint8_t* p, const float* lut, float s, float* y) {
  for (size_t k = 0; k < npairs; k++) {
    y[2 * k] = lut[p[k] >> 4] * s;
    y[2 * k + 1] = lut[p[k] & 15] * s;
  }
}

static inline uint8_t nf4_code(float v) {
  /* Number of bounds strictly below v: torch.bucketize(right=False). */
  uint8_t c = 0;
  for (int i = 0; i < 15; i++) c += (uint8_t)(v > lq_nf4_bounds[i]);
  return c;
}

void lq_uk_llm_nf4_quant__ref(size_t npairs, const float* x, float r, uint8_t* p) {
  for (size_t k = 0; k < npairs; k++)
    p[k] = (uint8_t)((nf4_code(x[2 * k] * r) << 4) | nf4_code(x[2 * k + 1] * r));
}

void lq_uk_llm_q4_0_dequant__ref(size_t nb, const void* vb, float* y) {
  const lq_block_q4_0* b = (const lq_block_q4_0*)vb;
  for (size_t i = 0; i < nb; i++) {
    const float d = lq_h2f(b[i].d);
    for (int j = 0; j < LQ_QK / 2; j++) {
      y[i * LQ_QK + j] = (float)((b[i].qs[j] & 0x0F) - 8) * d;
      y[i * LQ_QK + j + LQ_QK / 2] = (float)((b[i].qs[j] >> 4) - 8) * d;
    }
  }
}

void lq_uk_llm_q8_0_dequant__ref(size_t nb, const void* vb, float* y) {
  const lq_block_q8_0* b = (const lq_block_q8_0*)vb;
  for (size_t i = 0; i < nb; i++) {
    const float d = lq_h2f(b[i].d);
    for (int j = 0; j < LQ_QK; j++) y[i * LQ_QK + j] = (float)b[i].qs[j] * d;
  }
}

/* quantize_row_q4_0_ref: d = max / -8 where max is the first element of
 * largest |x|; q = MIN(15, (int8_t)(x*id + 8.5f)) with the product rounded
 * before the add (no FMA). */
void lq_uk_llm_q4_0_quant__ref(size_t nb, const float* x, void* vb) {
  lq_block_q4_0* b = (lq_block_q4_0*)vb;
  for (size_t i = 0; i < nb; i++) {
    const float* xb = x + i * LQ_QK;
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < LQ_QK; j++) {
      const float v = xb[j];
      if (amax < fabsf(v)) {
        amax = fabsf(v);
        max = v;
      }
    }
    const float d = max / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    b[i].d = lq_f2h(d);
    for (int j = 0; j < LQ_QK / 2; j++) {
      const float x0 = xb[j] * id, x1 = xb[j + LQ_QK / 2] * id;
      int xi0 = trunc_i8(x0 + 8.5f), xi1 = trunc_i8(x1 + 8.5f);
      if (xi0 > 15) xi0 = 15;
      if (xi1 > 15) xi1 = 15;
      b[i].qs[j] = (uint8_t)(xi0 | (xi1 << 4));
    }
  }
}

/* quantize_row_q8_0_ref: d = amax/127, q = roundf(x*id) (half away). */
void lq_uk_llm_q8_0_quant__ref(size_t nb, const float* x, void* vb) {
  lq_block_q8_0* b = (lq_block_q8_0*)vb;
  for (size_t i = 0; i < nb; i++) {
    const float* xb = x + i * LQ_QK;
    float amax = 0.0f;
    for (int j = 0; j < LQ_QK; j++) amax = fmaxf(amax, fabsf(xb[j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    b[i].d = lq_f2h(d);
    for (int j = 0; j < LQ_QK; j++) b[i].qs[j] = (int8_t)trunc_i8(roundf(xb[j] * id));
  }
}

/* Canonical dot: exact int32 sum per block, then sum += (float)sumi *
 * (dx * dy) in block order (ggml_vec_dot_q8_0_q8_0_generic's expression). */
void lq_uk_llm_dot_q4_0_q8_0__ref(size_t nb, const void* vx, const void* vy, float* out) {
  const lq_block_q4_0* x = (const lq_block_q4_0*)vx;
  const lq_block_q8_0* y = (const lq_block_q8_0*)vy;
  float sumf = 0.0f;
  for (size_t i = 0; i < nb; i++) {
    int32_t sumi = 0;
    for (int j = 0; j < LQ_QK / 2; j++) {
      sumi += ((x[i].qs[j] & 0x0F) - 8) * y[i].qs[j];
      sumi += ((x[i].qs[j] >> 4) - 8) * y[i].qs[j + LQ_QK / 2];
    }
    sumf += (float)sumi * (lq_h2f(x[i].d) * lq_h2f(y[i].d));
  }
  *out = sumf;
}

void lq_uk_llm_dot_q8_0_q8_0__ref(size_t nb, const void* vx, const void* vy, float* out) {
  const lq_block_q8_0* x = (const lq_block_q8_0*)vx;
  const lq_block_q8_0* y = (const lq_block_q8_0*)vy;
  float sumf = 0.0f;
  for (size_t i = 0; i < nb; i++) {
    int32_t sumi = 0;
    for (int j = 0; j < LQ_QK; j++) sumi += x[i].qs[j] * y[i].qs[j];
    sumf += (float)sumi * (lq_h2f(x[i].d) * lq_h2f(y[i].d));
  }
  *out = sumf;
}
