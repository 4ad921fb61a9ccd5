/* NEON (aarch64) kernels of the observers module; bit-identical to
 * observers_ref.c. */
#include <arm_neon.h>
#include <math.h>

#include "observers/observers_kernels.h"

void lq_uk_obs_minmax_rows_f32__neon(size_t rows, size_t cols, const float* x, float* mn, float* mx) {
  const uint32x4_t qnan = vdupq_n_u32(0x7fc00000u);
  union { uint32_t u; float f; } q = {0x7fc00000u};
  for (size_t r = 0; r < rows; r++) {
    const float* row = x + r * cols;
    size_t c = 0;
    for (; c + 4 <= cols; c += 4) {
      float32x4_t v = vld1q_f32(row + c), a = vld1q_f32(mn + c), b = vld1q_f32(mx + c);
      uint32x4_t vi = vreinterpretq_u32_f32(v), ai = vreinterpretq_u32_f32(a), bi = vreinterpretq_u32_f32(b);
      /* ordered compares are false on NaN; "both ordered" = v==v & a==a */
      uint32x4_t ord_a = vandq_u32(vceqq_f32(v, v), vceqq_f32(a, a));
      uint32x4_t lt = vcltq_f32(v, a), eq = vceqq_f32(v, a);
      uint32x4_t ra = vbslq_u32(lt, vi, ai);
      ra = vorrq_u32(ra, vandq_u32(eq, vi));
      ra = vbslq_u32(ord_a, ra, qnan);
      uint32x4_t ord_b = vandq_u32(vceqq_f32(v, v), vceqq_f32(b, b));
      uint32x4_t gt = vcgtq_f32(v, b), eqb = vceqq_f32(v, b);
      uint32x4_t rb = vbslq_u32(gt, vi, bi);
      rb = vandq_u32(rb, vorrq_u32(vi, vmvnq_u32(eqb)));
      rb = vbslq_u32(ord_b, rb, qnan);
      vst1q_f32(mn + c, vreinterpretq_f32_u32(ra));
      vst1q_f32(mx + c, vreinterpretq_f32_u32(rb));
    }
    for (; c < cols; c++) {
      float v = row[c];
      if (v != v || mn[c] != mn[c]) mn[c] = q.f;
      else mn[c] = lq_min_f32(mn[c], v);
      if (v != v || mx[c] != mx[c]) mx[c] = q.f;
      else mx[c] = lq_max_f32(mx[c], v);
    }
  }
}

void lq_uk_obs_hist_f32__neon(size_t n, const float* x, float lo, float hi, uint32_t nbins, int absval,
                              uint32_t* counts) {
  const float nbf = (float)nbins, range = hi - lo;
  const float32x4_t vlo = vdupq_n_f32(lo), vhi = vdupq_n_f32(hi), vnb = vdupq_n_f32(nbf),
                    vrange = vdupq_n_f32(range);
  const uint32x4_t absmask = vdupq_n_u32(absval ? 0x7fffffffu : 0xffffffffu);
  const uint32x4_t last = vdupq_n_u32(nbins - 1);
  size_t i = 0;
  uint32_t idx[4], in[4];
  for (; i + 4 <= n; i += 4) {
    float32x4_t v = vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(vld1q_f32(x + i)), absmask));
    uint32x4_t m = vandq_u32(vcgeq_f32(v, vlo), vcleq_f32(v, vhi));
    float32x4_t t = vdivq_f32(vmulq_f32(vsubq_f32(v, vlo), vnb), vrange);
    t = vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(t), m));
    uint32x4_t pos = vminq_u32(vcvtq_u32_f32(t), last); /* truncates toward zero like the cast */
    vst1q_u32(idx, pos);
    vst1q_u32(in, m);
    for (int j = 0; j < 4; j++)
      if (in[j]) counts[idx[j]]++;
  }
  for (; i < n; i++) {
    float v = absval ? fabsf(x[i]) : x[i];
    if (!(v >= lo && v <= hi)) continue;
    float t = ((v - lo) * nbf) / range;
    uint32_t pos = (uint32_t)t;
    if (pos >= nbins) pos = nbins - 1;
    counts[pos]++;
  }
}
