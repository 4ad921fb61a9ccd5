/* Scalar reference of the top-k search kernel (the oracle of the SIMD ones;
 * the contract is in vq_kernels.h). */
#include "vq/vq_kernels.h"

size_t lq_uk_vq_adc_filter8_u8_f32__ref(size_t n, size_t M, const uint8_t* codes, const float* tables8,
                                        const float* thr, uint32_t* cand, float* cand_dis) {
  size_t cnt = 0;
  for (size_t i = 0; i < n; i++) {
    const uint8_t* c = codes + i * M;
    float s[8];
    const float* t = tables8 + (size_t)c[0] * 8;
    for (int q = 0; q < 8; q++) s[q] = t[q];
    for (size_t m = 1; m < M; m++) {
      t = tables8 + (m * 256 + c[m]) * 8;
      for (int q = 0; q < 8; q++) s[q] = s[q] + t[q];
    }
    for (int q = 0; q < 8; q++) {
      if (s[q] <= thr[q]) {
        cand[cnt] = (uint32_t)(i * 8 + (size_t)q);
        cand_dis[cnt] = s[q];
        cnt++;
      }
    }
  }
  return cnt;
}
