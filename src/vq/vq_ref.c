/* Scalar reference kernels of the vq module (the oracle of the SIMD ones). */
#include <math.h>

#include "vq/vq_kernels.h"

void lq_uk_vq_argmin_l2_f32_i32__ref(size_t k, const float* ip, const float* cnorm, float xnorm,
                                     int32_t* idx_out, float* dis_out) {
  float best = INFINITY;
  int32_t bi = 0;
  for (size_t j = 0; j < k; j++) {
    float d = (xnorm + cnorm[j]) - (ip[j] + ip[j]);
    if (d < 0.0f) d = 0.0f; /* rounding of the expansion can go below 0 */
    if (d < best) {
      best = d;
      bi = (int32_t)j;
    }
  }
  *idx_out = bi;
  *dis_out = best;
}

void lq_uk_vq_argmin_f32_i32__ref(size_t n, const float* v, int32_t* idx_out, float* val_out) {
  float best = INFINITY;
  int32_t bi = 0;
  for (size_t j = 0; j < n; j++) {
    if (v[j] < best) {
      best = v[j];
      bi = (int32_t)j;
    }
  }
  *idx_out = bi;
  *val_out = best;
}

void lq_uk_vq_l2sqr_ny_f32_f32__ref(size_t d, size_t ny, const float* x, const float* y, size_t ldy, float* out) {
  for (size_t j = 0; j < ny; j++) {
    float acc = 0.0f;
    for (size_t t = 0; t < d; t++) {
      float diff = y[t * ldy + j] - x[t];
      acc = acc + diff * diff;
    }
    out[j] = acc;
  }
}

void lq_uk_vq_adc_scan_u8_f32__ref(size_t n, size_t M, const uint8_t* codes, const float* table, float* out) {
  for (size_t i = 0; i < n; i++) {
    const uint8_t* c = codes + i * M;
    float s = table[c[0]];
    for (size_t m = 1; m < M; m++) s = s + table[m * 256 + c[m]];
    out[i] = s;
  }
}
