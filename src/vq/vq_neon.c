/* NEON (aarch64) kernels of the vq module; bit-identical to vq_ref.c. */
#include "vq/vq_kernels.h"

#if LQ_ENABLE_NEON
#include <arm_neon.h>
#include <math.h>
#include <string.h>

static inline void lq_vq_fold4(float32x4_t bv, int32x4_t bi, float* best, int32_t* idx) {
  float v[4];
  int32_t ix[4];
  vst1q_f32(v, bv);
  vst1q_s32(ix, bi);
  float b = v[0];
  int32_t i = ix[0];
  for (int l = 1; l < 4; l++) {
    if (v[l] < b || (v[l] == b && ix[l] < i)) {
      b = v[l];
      i = ix[l];
    }
  }
  *best = b;
  *idx = i;
}

void lq_uk_vq_argmin_l2_f32_i32__neon(size_t k, const float* ip, const float* cnorm, float xnorm,
                                      int32_t* idx_out, float* dis_out) {
  float32x4_t bv = vdupq_n_f32(INFINITY);
  int32x4_t bi = vdupq_n_s32(0);
  static const int32_t lanes[4] = {0, 1, 2, 3};
  int32x4_t cur = vld1q_s32(lanes);
  const int32x4_t step = vdupq_n_s32(4);
  const float32x4_t xn = vdupq_n_f32(xnorm), zero = vdupq_n_f32(0.0f);
  size_t j = 0;
  for (; j + 4 <= k; j += 4) {
    float32x4_t p = vld1q_f32(ip + j);
    float32x4_t d = vsubq_f32(vaddq_f32(xn, vld1q_f32(cnorm + j)), vaddq_f32(p, p));
    d = vbslq_f32(vcltq_f32(d, zero), zero, d); /* NaN and -0 are kept, as in the ref */
    uint32x4_t lt = vcltq_f32(d, bv);
    bv = vbslq_f32(lt, d, bv);
    bi = vbslq_s32(lt, cur, bi);
    cur = vaddq_s32(cur, step);
  }
  float best;
  int32_t b;
  lq_vq_fold4(bv, bi, &best, &b);
  for (; j < k; j++) {
    float d = (xnorm + cnorm[j]) - (ip[j] + ip[j]);
    if (d < 0.0f) d = 0.0f;
    if (d < best) {
      best = d;
      b = (int32_t)j;
    }
  }
  *idx_out = b;
  *dis_out = best;
}

void lq_uk_vq_argmin_f32_i32__neon(size_t n, const float* v, int32_t* idx_out, float* val_out) {
  float32x4_t bv = vdupq_n_f32(INFINITY);
  int32x4_t bi = vdupq_n_s32(0);
  static const int32_t lanes[4] = {0, 1, 2, 3};
  int32x4_t cur = vld1q_s32(lanes);
  const int32x4_t step = vdupq_n_s32(4);
  size_t j = 0;
  for (; j + 4 <= n; j += 4) {
    float32x4_t d = vld1q_f32(v + j);
    uint32x4_t lt = vcltq_f32(d, bv);
    bv = vbslq_f32(lt, d, bv);
    bi = vbslq_s32(lt, cur, bi);
    cur = vaddq_s32(cur, step);
  }
  float best;
  int32_t b;
  lq_vq_fold4(bv, bi, &best, &b);
  for (; j < n; j++) {
    if (v[j] < best) {
      best = v[j];
      b = (int32_t)j;
    }
  }
  *idx_out = b;
  *val_out = best;
}

void lq_uk_vq_l2sqr_ny_f32_f32__neon(size_t d, size_t ny, const float* x, const float* y, size_t ldy, float* out) {
  size_t j = 0;
  for (; j + 16 <= ny; j += 16) {
    float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
    for (size_t t = 0; t < d; t++) {
      const float* yt = y + t * ldy + j;
      float32x4_t xv = vdupq_n_f32(x[t]);
      float32x4_t d0 = vsubq_f32(vld1q_f32(yt), xv);
      float32x4_t d1 = vsubq_f32(vld1q_f32(yt + 4), xv);
      float32x4_t d2 = vsubq_f32(vld1q_f32(yt + 8), xv);
      float32x4_t d3 = vsubq_f32(vld1q_f32(yt + 12), xv);
      a0 = vaddq_f32(a0, vmulq_f32(d0, d0));
      a1 = vaddq_f32(a1, vmulq_f32(d1, d1));
      a2 = vaddq_f32(a2, vmulq_f32(d2, d2));
      a3 = vaddq_f32(a3, vmulq_f32(d3, d3));
    }
    vst1q_f32(out + j, a0);
    vst1q_f32(out + j + 4, a1);
    vst1q_f32(out + j + 8, a2);
    vst1q_f32(out + j + 12, a3);
  }
  for (; j + 4 <= ny; j += 4) {
    float32x4_t a0 = vdupq_n_f32(0.0f);
    for (size_t t = 0; t < d; t++) {
      float32x4_t d0 = vsubq_f32(vld1q_f32(y + t * ldy + j), vdupq_n_f32(x[t]));
      a0 = vaddq_f32(a0, vmulq_f32(d0, d0));
    }
    vst1q_f32(out + j, a0);
  }
  for (; j < ny; j++) {
    float acc = 0.0f;
    for (size_t t = 0; t < d; t++) {
      float diff = y[t * ldy + j] - x[t];
      acc = acc + diff * diff;
    }
    out[j] = acc;
  }
}

/* Load-bound like the x86 version: codes are read as 64-bit little-endian
 * words, 2 codes interleaved; each code's sum keeps the ref order. */
void lq_uk_vq_adc_scan_u8_f32__neon(size_t n, size_t M, const uint8_t* codes, const float* table, float* out) {
  size_t i = 0;
  if (M % 8 == 0) {
    for (; i + 2 <= n; i += 2) {
      const uint8_t *c0 = codes + i * M, *c1 = c0 + M;
      float s0 = table[c0[0]], s1 = table[c1[0]];
      for (size_t m0 = 0; m0 < M; m0 += 8) {
        uint64_t w0, w1;
        memcpy(&w0, c0 + m0, 8);
        memcpy(&w1, c1 + m0, 8);
        const float* t = table + m0 * 256;
        for (int b = m0 == 0 ? 1 : 0; b < 8; b++) {
          s0 = s0 + t[b * 256 + ((w0 >> (8 * b)) & 255)];
          s1 = s1 + t[b * 256 + ((w1 >> (8 * b)) & 255)];
        }
      }
      out[i] = s0;
      out[i + 1] = s1;
    }
  }
  for (; i < n; i++) {
    const uint8_t* c = codes + i * M;
    float s = table[c[0]];
    for (size_t m = 1; m < M; m++) s = s + table[m * 256 + c[m]];
    out[i] = s;
  }
}
#endif
