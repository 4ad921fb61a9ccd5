/* Armv8.2 dot-product (SDOT) kernels of the llm module: the Q4_0·Q8_0 and
 * Q8_0·Q8_0 block dot products. Built with -march=armv8.2-a+dotprod and
 * chosen at run time only on CPUs reporting HWCAP_ASIMDDP. Each block's
 * integer sum is exact (|sum| <= 32·128·128 < 2^31) and the float
 * accumulation follows the reference's scalar order, so results equal the
 * _ref kernels bit for bit. */
#include <arm_neon.h>

#include "common/fp16.h"
#include "llm/llm_kernels.h"

void lq_uk_llm_dot_q4_0_q8_0__neondot(size_t nb, const void* vx, const void* vy, float* out) {
  const lq_block_q4_0* x = (const lq_block_q4_0*)vx;
  const lq_block_q8_0* y = (const lq_block_q8_0*)vy;
  float sumf = 0.0f;
  for (size_t i = 0; i < nb; i++) {
    uint8x16_t q = vld1q_u8(x[i].qs);
    /* low nibbles are elements 0..15, high nibbles 16..31 (ggml's order) */
    int8x16_t lo = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(q, vdupq_n_u8(0x0F))), vdupq_n_s8(8));
    int8x16_t hi = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(q, 4)), vdupq_n_s8(8));
    int32x4_t acc = vdotq_s32(vdupq_n_s32(0), lo, vld1q_s8(y[i].qs));
    acc = vdotq_s32(acc, hi, vld1q_s8(y[i].qs + 16));
    sumf += (float)vaddvq_s32(acc) * (lq_h2f(x[i].d) * lq_h2f(y[i].d));
  }
  *out = sumf;
}

void lq_uk_llm_dot_q8_0_q8_0__neondot(size_t nb, const void* vx, const void* vy, float* out) {
  const lq_block_q8_0* x = (const lq_block_q8_0*)vx;
  const lq_block_q8_0* y = (const lq_block_q8_0*)vy;
  float sumf = 0.0f;
  for (size_t i = 0; i < nb; i++) {
    int32x4_t acc = vdotq_s32(vdupq_n_s32(0), vld1q_s8(x[i].qs), vld1q_s8(y[i].qs));
    acc = vdotq_s32(acc, vld1q_s8(x[i].qs + 16), vld1q_s8(y[i].qs + 16));
    sumf += (float)vaddvq_s32(acc) * (lq_h2f(x[i].d) * lq_h2f(y[i].d));
  }
  *out = sumf;
}
