/* Armv8.2 dot-product (SDOT) kernels of the llm module: the Q4_0·Q8_0 and
 * Q8_0·Q8_0 block dot products. Built with -march=armv8.2-a+dotprod and
 * chosen at run time only on CPUs reporting HWCAP_ASIMDDP. Lane sums are
 * exact and the float accumulation is the reference's (fused multiply-add
 * per lane, ggml's AVX2 order), so results equal the _ref kernels bit for
 * bit. */
#include <arm_neon.h>

#include "common/fp16.h"
#include "llm/llm_kernels.h"

/* ggml's AVX2 lane order (see llm_ref.c): one SDOT gives the exact sums of
 * elements 4l..4l+3 of a 16-element half in its four lanes. */
static inline float hsum_lanes(float32x4_t lo, float32x4_t hi) { /* ggml's hsum_float_8 */
  const float32x4_t r = vaddq_f32(lo, hi);
  return (vgetq_lane_f32(r, 0) + vgetq_lane_f32(r, 2)) + (vgetq_lane_f32(r, 1) + vgetq_lane_f32(r, 3));
}

void lq_uk_llm_dot_q4_0_q8_0__neondot(size_t nb, const void* vx, const void* vy, float* out) {
  const lq_block_q4_0* x = (const lq_block_q4_0*)vx;
  const lq_block_q8_0* y = (const lq_block_q8_0*)vy;
  const int32x4_t zero = vdupq_n_s32(0);
  float32x4_t acc0 = vdupq_n_f32(0.0f), acc1 = acc0;
  for (size_t i = 0; i < nb; i++) {
    const float32x4_t d = vdupq_n_f32(lq_h2f(x[i].d) * lq_h2f(y[i].d));
    uint8x16_t q = vld1q_u8(x[i].qs);
    /* low nibbles are elements 0..15, high nibbles 16..31 (ggml's order) */
    int8x16_t lo = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(q, vdupq_n_u8(0x0F))), vdupq_n_s8(8));
    int8x16_t hi = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(q, 4)), vdupq_n_s8(8));
    acc0 = vfmaq_f32(acc0, vcvtq_f32_s32(vdotq_s32(zero, lo, vld1q_s8(y[i].qs))), d);
    acc1 = vfmaq_f32(acc1, vcvtq_f32_s32(vdotq_s32(zero, hi, vld1q_s8(y[i].qs + 16))), d);
  }
  *out = hsum_lanes(acc0, acc1);
}

void lq_uk_llm_dot_q8_0_q8_0__neondot(size_t nb, const void* vx, const void* vy, float* out) {
  const lq_block_q8_0* x = (const lq_block_q8_0*)vx;
  const lq_block_q8_0* y = (const lq_block_q8_0*)vy;
  const int32x4_t zero = vdupq_n_s32(0);
  float32x4_t acc0 = vdupq_n_f32(0.0f), acc1 = acc0;
  for (size_t i = 0; i < nb; i++) {
    const float32x4_t d = vdupq_n_f32(lq_h2f(x[i].d) * lq_h2f(y[i].d));
    acc0 = vfmaq_f32(acc0, vcvtq_f32_s32(vdotq_s32(zero, vld1q_s8(x[i].qs), vld1q_s8(y[i].qs))), d);
    acc1 = vfmaq_f32(acc1, vcvtq_f32_s32(vdotq_s32(zero, vld1q_s8(x[i].qs + 16), vld1q_s8(y[i].qs + 16))), d);
  }
  *out = hsum_lanes(acc0, acc1);
}
