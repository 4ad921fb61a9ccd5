/* AVX2 kernels of the vq module; bit-identical to vq_ref.c (see the
 * conventions in vq_kernels.h). */
#include "vq/vq_kernels.h"

#if LQ_ENABLE_AVX2
#include <immintrin.h>
#include <math.h>
#include <string.h>

/* Folds 8 lanes of (best value, first index) into one: smaller value wins,
 * equal values (including -0 == +0) keep the smaller index, NaN never wins
 * (lanes only ever hold values that passed a '<' test, or +Inf). */
static inline void lq_vq_fold8(__m256 bv, __m256i bi, float* best, int32_t* idx) {
  float v[8];
  int32_t ix[8];
  _mm256_storeu_ps(v, bv);
  _mm256_storeu_si256((__m256i*)ix, bi);
  float b = v[0];
  int32_t i = ix[0];
  for (int l = 1; l < 8; l++) {
    if (v[l] < b || (v[l] == b && ix[l] < i)) {
      b = v[l];
      i = ix[l];
    }
  }
  *best = b;
  *idx = i;
}

void lq_uk_vq_argmin_l2_f32_i32__avx2(size_t k, const float* ip, const float* cnorm, float xnorm,
                                      int32_t* idx_out, float* dis_out) {
  __m256 bv = _mm256_set1_ps(INFINITY);
  __m256i bi = _mm256_setzero_si256();
  __m256i cur = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i step = _mm256_set1_epi32(8);
  const __m256 xn = _mm256_set1_ps(xnorm), zero = _mm256_setzero_ps();
  size_t j = 0;
  for (; j + 8 <= k; j += 8) {
    __m256 p = _mm256_loadu_ps(ip + j);
    __m256 d = _mm256_sub_ps(_mm256_add_ps(xn, _mm256_loadu_ps(cnorm + j)), _mm256_add_ps(p, p));
    d = _mm256_max_ps(zero, d); /* second operand returned for NaN and for +-0 ties: matches the ref */
    __m256 lt = _mm256_cmp_ps(d, bv, _CMP_LT_OQ);
    bv = _mm256_blendv_ps(bv, d, lt);
    bi = _mm256_blendv_epi8(bi, cur, _mm256_castps_si256(lt));
    cur = _mm256_add_epi32(cur, step);
  }
  float best;
  int32_t b;
  lq_vq_fold8(bv, bi, &best, &b);
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

void lq_uk_vq_argmin_f32_i32__avx2(size_t n, const float* v, int32_t* idx_out, float* val_out) {
  __m256 bv = _mm256_set1_ps(INFINITY);
  __m256i bi = _mm256_setzero_si256();
  __m256i cur = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i step = _mm256_set1_epi32(8);
  size_t j = 0;
  for (; j + 8 <= n; j += 8) {
    __m256 d = _mm256_loadu_ps(v + j);
    __m256 lt = _mm256_cmp_ps(d, bv, _CMP_LT_OQ);
    bv = _mm256_blendv_ps(bv, d, lt);
    bi = _mm256_blendv_epi8(bi, cur, _mm256_castps_si256(lt));
    cur = _mm256_add_epi32(cur, step);
  }
  float best;
  int32_t b;
  lq_vq_fold8(bv, bi, &best, &b);
  for (; j < n; j++) {
    if (v[j] < best) {
      best = v[j];
      b = (int32_t)j;
    }
  }
  *idx_out = b;
  *val_out = best;
}

void lq_uk_vq_l2sqr_ny_f32_f32__avx2(size_t d, size_t ny, const float* x, const float* y, size_t ldy, float* out) {
  size_t j = 0;
  for (; j + 32 <= ny; j += 32) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t t = 0; t < d; t++) {
      const float* yt = y + t * ldy + j;
      __m256 xv = _mm256_set1_ps(x[t]);
      __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(yt), xv);
      __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(yt + 8), xv);
      __m256 d2 = _mm256_sub_ps(_mm256_loadu_ps(yt + 16), xv);
      __m256 d3 = _mm256_sub_ps(_mm256_loadu_ps(yt + 24), xv);
      a0 = _mm256_add_ps(a0, _mm256_mul_ps(d0, d0));
      a1 = _mm256_add_ps(a1, _mm256_mul_ps(d1, d1));
      a2 = _mm256_add_ps(a2, _mm256_mul_ps(d2, d2));
      a3 = _mm256_add_ps(a3, _mm256_mul_ps(d3, d3));
    }
    _mm256_storeu_ps(out + j, a0);
    _mm256_storeu_ps(out + j + 8, a1);
    _mm256_storeu_ps(out + j + 16, a2);
    _mm256_storeu_ps(out + j + 24, a3);
  }
  for (; j + 8 <= ny; j += 8) {
    __m256 a0 = _mm256_setzero_ps();
    for (size_t t = 0; t < d; t++) {
      __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(y + t * ldy + j), _mm256_set1_ps(x[t]));
      a0 = _mm256_add_ps(a0, _mm256_mul_ps(d0, d0));
    }
    _mm256_storeu_ps(out + j, a0);
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

/* The scan is bound by loads (one table load per sub-code), not by
 * arithmetic: gathers issue the same loads more slowly on AMD, so this
 * kernel reads each code as 64-bit words (one load per 8 sub-codes) and
 * interleaves 4 codes for ILP. Each code's sum keeps the ref order. */
static inline uint64_t lq_vq_load_u64(const uint8_t* p) {
  uint64_t w;
  memcpy(&w, p, 8);
  return w; /* x86 is little-endian: byte m of the code is bits [8m, 8m+8) */
}

/* GCC would SLP-vectorise the independent per-code sums into vinsertps
 * chains, which bottleneck on the shuffle port; plain scalar loads are
 * faster here (same results either way). */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-slp-vectorize")))
#endif
void lq_uk_vq_adc_scan_u8_f32__avx2(size_t n, size_t M, const uint8_t* codes, const float* table, float* out) {
  size_t i = 0;
  if (M == 8) {
    /* 8 codes in flight: each code's sum is a chain of 7 dependent adds, so
     * 8 independent chains hide the add latency behind the loads. */
    for (; i + 8 <= n; i += 8) {
      uint64_t w[8];
      float s[8];
      for (int u = 0; u < 8; u++) w[u] = lq_vq_load_u64(codes + (i + (size_t)u) * 8);
      for (int u = 0; u < 8; u++) s[u] = table[w[u] & 255];
      for (int b = 1; b < 8; b++) {
        const float* t = table + b * 256;
        for (int u = 0; u < 8; u++) s[u] = s[u] + t[(w[u] >> (8 * b)) & 255];
      }
      for (int u = 0; u < 8; u++) out[i + (size_t)u] = s[u];
    }
  } else if (M % 8 == 0) {
    /* 4 codes in flight, one 64-bit load per 8 sub-codes per code */
    for (; i + 4 <= n; i += 4) {
      const uint8_t* c = codes + i * M;
      uint64_t w0 = lq_vq_load_u64(c), w1 = lq_vq_load_u64(c + M), w2 = lq_vq_load_u64(c + 2 * M),
               w3 = lq_vq_load_u64(c + 3 * M);
      float s0 = table[w0 & 255], s1 = table[w1 & 255], s2 = table[w2 & 255], s3 = table[w3 & 255];
      for (int b = 1; b < 8; b++) {
        const float* t = table + b * 256;
        s0 = s0 + t[(w0 >> (8 * b)) & 255];
        s1 = s1 + t[(w1 >> (8 * b)) & 255];
        s2 = s2 + t[(w2 >> (8 * b)) & 255];
        s3 = s3 + t[(w3 >> (8 * b)) & 255];
      }
      for (size_t m0 = 8; m0 < M; m0 += 8) {
        w0 = lq_vq_load_u64(c + m0);
        w1 = lq_vq_load_u64(c + M + m0);
        w2 = lq_vq_load_u64(c + 2 * M + m0);
        w3 = lq_vq_load_u64(c + 3 * M + m0);
        for (int b = 0; b < 8; b++) {
          const float* t = table + (m0 + (size_t)b) * 256;
          s0 = s0 + t[(w0 >> (8 * b)) & 255];
          s1 = s1 + t[(w1 >> (8 * b)) & 255];
          s2 = s2 + t[(w2 >> (8 * b)) & 255];
          s3 = s3 + t[(w3 >> (8 * b)) & 255];
        }
      }
      out[i] = s0;
      out[i + 1] = s1;
      out[i + 2] = s2;
      out[i + 3] = s3;
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
