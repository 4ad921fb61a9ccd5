/* NEON (aarch64) kernels of the common module; bit-identical to _ref.
 * Conversions rely on FPCR defaults (round to nearest even, DN=0, FZ=0),
 * which is what Linux gives user space. */
#include <arm_neon.h>
#include <math.h>

#include "common/common_kernels.h"
#include "common/fp16.h"

void lq_uk_reduce_minmax_f32__neon(size_t n, const float* x, float* mn_out, float* mx_out) {
  float32x4_t mn = vdupq_n_f32(INFINITY), mx = vdupq_n_f32(-INFINITY);
  uint32x4_t nan = vdupq_n_u32(0);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    float32x4_t v = vld1q_f32(x + i);
    nan = vorrq_u32(nan, vmvnq_u32(vceqq_f32(v, v)));
    /* compare+select (not vminq, which propagates NaN): NaN lanes compare
     * false and keep the accumulator; equal lanes OR/AND the sign bits. */
    uint32x4_t eqn = vceqq_f32(v, mn), eqx = vceqq_f32(v, mx);
    mn = vbslq_f32(vcltq_f32(v, mn), v, mn);
    mx = vbslq_f32(vcgtq_f32(v, mx), v, mx);
    mn = vreinterpretq_f32_u32(vorrq_u32(vreinterpretq_u32_f32(mn), vandq_u32(eqn, vreinterpretq_u32_f32(v))));
    mx = vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(mx), vorrq_u32(vmvnq_u32(eqx), vreinterpretq_u32_f32(v))));
  }
  float lmn[4], lmx[4];
  vst1q_f32(lmn, mn);
  vst1q_f32(lmx, mx);
  int any_nan = vmaxvq_u32(nan) != 0;
  float rmn = lmn[0], rmx = lmx[0];
  for (int j = 1; j < 4; j++) { rmn = lq_min_f32(rmn, lmn[j]); rmx = lq_max_f32(rmx, lmx[j]); }
  for (; i < n; i++) {
    float v = x[i];
    if (v != v) { any_nan = 1; continue; }
    rmn = lq_min_f32(rmn, v);
    rmx = lq_max_f32(rmx, v);
  }
  *mn_out = any_nan ? NAN : rmn;
  *mx_out = any_nan ? NAN : rmx;
}

void lq_uk_reduce_absmax_f32__neon(size_t n, const float* x, float* out) {
  float32x4_t m = vdupq_n_f32(0.0f);
  uint32x4_t nan = vdupq_n_u32(0);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    float32x4_t v = vabsq_f32(vld1q_f32(x + i));
    nan = vorrq_u32(nan, vmvnq_u32(vceqq_f32(v, v)));
    m = vbslq_f32(vcgtq_f32(v, m), v, m);
  }
  float l[4];
  vst1q_f32(l, m);
  int any_nan = vmaxvq_u32(nan) != 0;
  float r = 0.0f;
  for (int j = 0; j < 4; j++) r = l[j] > r ? l[j] : r;
  for (; i < n; i++) {
    float v = fabsf(x[i]);
    if (v != v) any_nan = 1;
    else if (v > r) r = v;
  }
  *out = any_nan ? NAN : r;
}

/* 16 lanes as eight 2-double vectors a[k] = lanes 2k, 2k+1. */
static inline double lq_fold16_neon(float64x2_t a[8]) {
  for (int k = 0; k < 4; k++) a[k] = vaddq_f64(a[k], a[k + 4]); /* j += j+8 */
  for (int k = 0; k < 2; k++) a[k] = vaddq_f64(a[k], a[k + 2]); /* j += j+4 */
  a[0] = vaddq_f64(a[0], a[1]);                                 /* j += j+2 */
  return vgetq_lane_f64(a[0], 0) + vgetq_lane_f64(a[0], 1);     /* j += j+1 */
}

static void lq_sum_neon(size_t n, const float* x, double* out, int square) {
  float64x2_t a[8];
  for (int k = 0; k < 8; k++) a[k] = vdupq_n_f64(0.0);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    for (int q = 0; q < 4; q++) {
      float32x4_t v = vld1q_f32(x + i + 4 * q);
      float64x2_t lo = vcvt_f64_f32(vget_low_f32(v)), hi = vcvt_high_f64_f32(v);
      if (square) { lo = vmulq_f64(lo, lo); hi = vmulq_f64(hi, hi); }
      a[2 * q] = vaddq_f64(a[2 * q], lo);
      a[2 * q + 1] = vaddq_f64(a[2 * q + 1], hi);
    }
  }
  double s = lq_fold16_neon(a);
  for (; i < n; i++) s += square ? (double)x[i] * (double)x[i] : (double)x[i];
  *out = s == s ? s : (double)NAN; /* one canonical NaN: which NaN propagates is order-dependent */
}

void lq_uk_reduce_sum_f32__neon(size_t n, const float* x, double* out) { lq_sum_neon(n, x, out, 0); }
void lq_uk_reduce_sumsq_f32__neon(size_t n, const float* x, double* out) { lq_sum_neon(n, x, out, 1); }

void lq_uk_convert_f32_f16__neon(size_t n, const float* x, uint16_t* y) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) vst1_u16(y + i, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(x + i))));
  for (; i < n; i++) y[i] = lq_f32_to_f16_inline(x[i]);
}

void lq_uk_convert_f16_f32__neon(size_t n, const uint16_t* x, float* y) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(x + i))));
  for (; i < n; i++) y[i] = lq_f16_to_f32_inline(x[i]);
}

void lq_uk_convert_f32_bf16__neon(size_t n, const float* x, uint16_t* y) {
  const uint32x4_t bias = vdupq_n_u32(0x7fff), one = vdupq_n_u32(1), quiet = vdupq_n_u32(0x40);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    float32x4_t v = vld1q_f32(x + i);
    uint32x4_t f = vreinterpretq_u32_f32(v), hi = vshrq_n_u32(f, 16);
    uint32x4_t rounded = vshrq_n_u32(vaddq_u32(f, vaddq_u32(bias, vandq_u32(hi, one))), 16);
    uint32x4_t isnan = vmvnq_u32(vceqq_f32(v, v));
    vst1_u16(y + i, vmovn_u32(vbslq_u32(isnan, vorrq_u32(hi, quiet), rounded)));
  }
  for (; i < n; i++) y[i] = lq_f32_to_bf16_inline(x[i]);
}

void lq_uk_convert_bf16_f32__neon(size_t n, const uint16_t* x, float* y) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(x + i), 16)));
  for (; i < n; i++) y[i] = lq_bf16_to_f32_inline(x[i]);
}
