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

/* One code's four sums, in adc_scan's order; M a compile-time constant in
 * the common cases so the loop unrolls and indices stay in registers. */
static inline __attribute__((always_inline)) void lq_adc4_rows(size_t n, size_t M, const uint8_t* codes,
                                                               const float* const* tables, float* const* outs) {
  const float *t0 = tables[0], *t1 = tables[1], *t2 = tables[2], *t3 = tables[3];
  for (size_t i = 0; i < n; i++) {
    const uint8_t* c = codes + i * M;
    float a = t0[c[0]], b = t1[c[0]], d = t2[c[0]], e = t3[c[0]];
    for (size_t m = 1; m < M; m++) {
      size_t j = m * 256 + c[m];
      a = a + t0[j];
      b = b + t1[j];
      d = d + t2[j];
      e = e + t3[j];
    }
    outs[0][i] = a;
    outs[1][i] = b;
    outs[2][i] = d;
    outs[3][i] = e;
  }
}

void lq_uk_vq_adc_scan4_u8_f32__ref(size_t n, size_t M, const uint8_t* codes, const float* const* tables,
                                    float* const* outs) {
  if (M == 8) lq_adc4_rows(n, 8, codes, tables, outs);
  else if (M == 16) lq_adc4_rows(n, 16, codes, tables, outs);
  else lq_adc4_rows(n, M, codes, tables, outs);
}
