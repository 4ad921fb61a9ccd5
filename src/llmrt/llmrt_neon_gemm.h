/* The NEON int8 GEMM body shared by llmrt_neon.c (vmull + vpadal) and
 * llmrt_neondot.c (SDOT). The including file defines
 *   LQ_GEMM_MAC16(acc, a, b): acc (4 x int32) += the 16 products a[t]*b[t],
 *                             summed into the lanes in any grouping;
 *   LQ_GEMM_NAME:             the kernel's name.
 * Every partial sum wraps modulo 2^32 like the reference's uint32 sums, so
 * the grouping does not change the result. */
#ifndef LQ_LLMRT_NEON_GEMM_H
#define LQ_LLMRT_NEON_GEMM_H
#include <arm_neon.h>

#include "llmrt/llmrt_kernels.h"

static inline int32_t tail_dot(size_t t, size_t k, const int8_t* a, const int8_t* b) {
  uint32_t s = 0;
  for (; t < k; t++) s += (uint32_t)((int32_t)a[t] * (int32_t)b[t]);
  return (int32_t)s;
}

/* Wrapping horizontal sum (vaddvq_s32 is a plain modular add too, but the
 * uint32 loop states it). */
static inline uint32_t hsum(int32x4_t s) {
  uint32x4_t u = vreinterpretq_u32_s32(s);
  return vgetq_lane_u32(u, 0) + vgetq_lane_u32(u, 1) + vgetq_lane_u32(u, 2) + vgetq_lane_u32(u, 3);
}

static void dot4(size_t k, const int8_t* a, const int8_t* b, int32_t* c) {
  const int8_t *b0 = b, *b1 = b + k, *b2 = b + 2 * k, *b3 = b + 3 * k;
  int32x4_t s0 = vdupq_n_s32(0), s1 = s0, s2 = s0, s3 = s0;
  size_t t = 0;
  for (; t + 16 <= k; t += 16) {
    int8x16_t av = vld1q_s8(a + t);
    s0 = LQ_GEMM_MAC16(s0, av, vld1q_s8(b0 + t));
    s1 = LQ_GEMM_MAC16(s1, av, vld1q_s8(b1 + t));
    s2 = LQ_GEMM_MAC16(s2, av, vld1q_s8(b2 + t));
    s3 = LQ_GEMM_MAC16(s3, av, vld1q_s8(b3 + t));
  }
  c[0] = (int32_t)(hsum(s0) + (uint32_t)tail_dot(t, k, a, b0));
  c[1] = (int32_t)(hsum(s1) + (uint32_t)tail_dot(t, k, a, b1));
  c[2] = (int32_t)(hsum(s2) + (uint32_t)tail_dot(t, k, a, b2));
  c[3] = (int32_t)(hsum(s3) + (uint32_t)tail_dot(t, k, a, b3));
}

static int32_t dot1(size_t k, const int8_t* a, const int8_t* b) {
  int32x4_t s = vdupq_n_s32(0);
  size_t t = 0;
  for (; t + 16 <= k; t += 16) s = LQ_GEMM_MAC16(s, vld1q_s8(a + t), vld1q_s8(b + t));
  return (int32_t)(hsum(s) + (uint32_t)tail_dot(t, k, a, b));
}

void LQ_GEMM_NAME(size_t m, size_t n, size_t k, const int8_t* a, const int8_t* b, int32_t* c) {
  const size_t mb = lq_llmrt_row_block(k);
  for (size_t i0 = 0; i0 < m; i0 += mb) {
    size_t i1 = m - i0 < mb ? m : i0 + mb;
    size_t j = 0;
    for (; j + 4 <= n; j += 4)
      for (size_t i = i0; i < i1; i++) dot4(k, a + i * k, b + j * k, c + i * n + j);
    for (; j < n; j++)
      for (size_t i = i0; i < i1; i++) c[i * n + j] = dot1(k, a + i * k, b + j * k);
  }
}

#endif
