/* Scalar reference kernels of the common module (built with
 * -ffp-contract=off). They define the results every SIMD kernel reproduces. */
#include <math.h>

#include "common/common_kernels.h"
#include "common/fp16.h"

void lq_uk_reduce_minmax_f32__ref(size_t n, const float* x, float* mn_out, float* mx_out) {
  float mn = INFINITY, mx = -INFINITY;
  int nan = 0;
  for (size_t i = 0; i < n; i++) {
    float v = x[i];
    if (v != v) { nan = 1; continue; }
    mn = lq_min_f32(mn, v);
    mx = lq_max_f32(mx, v);
  }
  *mn_out = nan ? NAN : mn;
  *mx_out = nan ? NAN : mx;
}

void lq_uk_reduce_absmax_f32__ref(size_t n, const float* x, float* out) {
  float m = 0.0f;
  int nan = 0;
  for (size_t i = 0; i < n; i++) {
    float v = fabsf(x[i]);
    if (v != v) nan = 1;
    else if (v > m) m = v;
  }
  *out = nan ? NAN : m;
}

static double lq_fold16(double acc[LQ_REDUCE_LANES]) {
  for (int w = LQ_REDUCE_LANES / 2; w >= 1; w /= 2)
    for (int j = 0; j < w; j++) acc[j] += acc[j + w];
  return acc[0];
}

void lq_uk_reduce_sum_f32__ref(size_t n, const float* x, double* out) {
  double acc[LQ_REDUCE_LANES] = {0};
  size_t i = 0;
  for (; i + LQ_REDUCE_LANES <= n; i += LQ_REDUCE_LANES)
    for (int j = 0; j < LQ_REDUCE_LANES; j++) acc[j] += (double)x[i + j];
  double s = lq_fold16(acc);
  for (; i < n; i++) s += (double)x[i];
  *out = s == s ? s : (double)NAN; /* one canonical NaN: which NaN propagates is order-dependent */
}

void lq_uk_reduce_sumsq_f32__ref(size_t n, const float* x, double* out) {
  /* (double)x * (double)x is exact (48 significant bits), so a fused
   * multiply-add elsewhere gives the same bits as this multiply then add. */
  double acc[LQ_REDUCE_LANES] = {0};
  size_t i = 0;
  for (; i + LQ_REDUCE_LANES <= n; i += LQ_REDUCE_LANES)
    for (int j = 0; j < LQ_REDUCE_LANES; j++) acc[j] += (double)x[i + j] * (double)x[i + j];
  double s = lq_fold16(acc);
  for (; i < n; i++) s += (double)x[i] * (double)x[i];
  *out = s == s ? s : (double)NAN; /* one canonical NaN: which NaN propagates is order-dependent */
}

void lq_uk_convert_f32_f16__ref(size_t n, const float* x, uint16_t* y) {
  for (size_t i = 0; i < n; i++) y[i] = lq_f32_to_f16_inline(x[i]);
}
void lq_uk_convert_f16_f32__ref(size_t n, const uint16_t* x, float* y) {
  for (size_t i = 0; i < n; i++) y[i] = lq_f16_to_f32_inline(x[i]);
}
void lq_uk_convert_f32_bf16__ref(size_t n, const float* x, uint16_t* y) {
  for (size_t i = 0; i < n; i++) y[i] = lq_f32_to_bf16_inline(x[i]);
}
void lq_uk_convert_bf16_f32__ref(size_t n, const uint16_t* x, float* y) {
  for (size_t i = 0; i < n; i++) y[i] = lq_bf16_to_f32_inline(x[i]);
}
