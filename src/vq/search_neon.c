/* NEON top-k search kernel: two 4-float vectors per interleaved table entry
 * (the eight queries), added in the scalar order (bit-identical to the
 * reference). */
#include "vq/vq_kernels.h"

#if LQ_ENABLE_NEON
#include <arm_neon.h>

static size_t lq_filter8_emit(size_t i, float32x4_t lo, float32x4_t hi, const float* thr, uint32_t* cand,
                              float* cand_dis, size_t cnt) {
  float v[8];
  vst1q_f32(v, lo);
  vst1q_f32(v + 4, hi);
  for (int q = 0; q < 8; q++) {
    if (v[q] <= thr[q]) {
      cand[cnt] = (uint32_t)(i * 8 + (size_t)q);
      cand_dis[cnt] = v[q];
      cnt++;
    }
  }
  return cnt;
}

size_t lq_uk_vq_adc_filter8_u8_f32__neon(size_t n, size_t M, const uint8_t* codes, const float* tables8,
                                         const float* thr, uint32_t* cand, float* cand_dis) {
  const float32x4_t tlo = vld1q_f32(thr), thi = vld1q_f32(thr + 4);
  size_t cnt = 0;
  for (size_t i = 0; i < n; i++) {
    const uint8_t* c = codes + i * M;
    const float* t = tables8 + (size_t)c[0] * 8;
    float32x4_t lo = vld1q_f32(t), hi = vld1q_f32(t + 4);
    for (size_t m = 1; m < M; m++) {
      t = tables8 + (m * 256 + c[m]) * 8;
      lo = vaddq_f32(lo, vld1q_f32(t));
      hi = vaddq_f32(hi, vld1q_f32(t + 4));
    }
    uint32x4_t pass = vorrq_u32(vcleq_f32(lo, tlo), vcleq_f32(hi, thi));
    if (vmaxvq_u32(pass) != 0) cnt = lq_filter8_emit(i, lo, hi, thr, cand, cand_dis, cnt);
  }
  return cnt;
}
#endif
