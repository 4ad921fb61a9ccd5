/* AVX2 top-k search kernel: one 8-float vector per interleaved table entry
 * holds the eight queries' values, so a code costs M vector loads and adds
 * for eight queries (the scalar scan needs 8M of each). Lanes add in the
 * scalar order, so the sums are bit-identical to vq_ref.c's adc_scan. */
#include "vq/vq_kernels.h"

#if LQ_ENABLE_AVX2
#include <immintrin.h>
#include <string.h>

/* Appends the lanes of s that passed (mask bits) for code i. Rare after the
 * first few blocks: kept out of the loop body. */
static size_t lq_filter8_emit(size_t i, __m256 s, int mask, uint32_t* cand, float* cand_dis, size_t cnt) {
  float v[8];
  _mm256_storeu_ps(v, s);
  while (mask) {
    int q = __builtin_ctz((unsigned)mask);
    mask &= mask - 1;
    cand[cnt] = (uint32_t)(i * 8 + (size_t)q);
    cand_dis[cnt] = v[q];
    cnt++;
  }
  return cnt;
}

static inline uint64_t lq_filter8_load_u64(const uint8_t* p) {
  uint64_t w;
  memcpy(&w, p, 8);
  return w; /* little-endian: byte m is bits [8m, 8m+8) */
}

/* M > 8: the interleaved tables (M * 8 KiB) outgrow the L1 cache, so each
 * block of codes is summed in passes of LQ_FILTER8_PASS sub-spaces (32 KiB
 * of tables), the running sums parked in acc between passes. Each lane still
 * adds T_0, T_1, ... in order, so the bits do not change. */
enum { LQ_FILTER8_BLOCK = 256, LQ_FILTER8_PASS = 4 };
static size_t lq_filter8_passes(size_t n, size_t M, const uint8_t* codes, const float* tables8, __m256 th,
                                uint32_t* cand, float* cand_dis) {
  __m256 acc[LQ_FILTER8_BLOCK];
  size_t cnt = 0;
  for (size_t b0 = 0; b0 < n; b0 += LQ_FILTER8_BLOCK) {
    size_t nb = n - b0 < LQ_FILTER8_BLOCK ? n - b0 : LQ_FILTER8_BLOCK;
    const uint8_t* cb = codes + b0 * M;
    for (size_t i = 0; i < nb; i++) {
      const uint8_t* c = cb + i * M;
      __m256 s = _mm256_loadu_ps(tables8 + (size_t)c[0] * 8);
      for (size_t m = 1; m < LQ_FILTER8_PASS; m++)
        s = _mm256_add_ps(s, _mm256_loadu_ps(tables8 + (m * 256 + c[m]) * 8));
      acc[i] = s;
    }
    size_t m0 = LQ_FILTER8_PASS;
    for (; m0 + LQ_FILTER8_PASS < M; m0 += LQ_FILTER8_PASS) {
      const float* t = tables8 + m0 * 2048;
      for (size_t i = 0; i < nb; i++) {
        const uint8_t* c = cb + i * M + m0;
        __m256 s = acc[i];
        for (size_t m = 0; m < LQ_FILTER8_PASS; m++)
          s = _mm256_add_ps(s, _mm256_loadu_ps(t + (m * 256 + c[m]) * 8));
        acc[i] = s;
      }
    }
    const float* t = tables8 + m0 * 2048;
    for (size_t i = 0; i < nb; i++) { /* last pass (1..PASS sub-spaces) and the test */
      const uint8_t* c = cb + i * M + m0;
      __m256 s = acc[i];
      for (size_t m = 0; m < M - m0; m++) s = _mm256_add_ps(s, _mm256_loadu_ps(t + (m * 256 + c[m]) * 8));
      int k = _mm256_movemask_ps(_mm256_cmp_ps(s, th, _CMP_LE_OQ));
      if (__builtin_expect(k != 0, 0)) cnt = lq_filter8_emit(b0 + i, s, k, cand, cand_dis, cnt);
    }
  }
  return cnt;
}

/* M a multiple of 8 above 8: passes of 8 sub-spaces (one 64-bit word of
 * each code, two codes per iteration as in the M == 8 loop). */
static size_t lq_filter8_passes8(size_t n, size_t M, const uint8_t* codes, const float* tables8, __m256 th,
                                 uint32_t* cand, float* cand_dis) {
  __m256 acc[LQ_FILTER8_BLOCK];
  size_t cnt = 0;
  for (size_t b0 = 0; b0 < n; b0 += LQ_FILTER8_BLOCK) {
    size_t nb = n - b0 < LQ_FILTER8_BLOCK ? n - b0 : LQ_FILTER8_BLOCK;
    const uint8_t* cb = codes + b0 * M;
    for (size_t m0 = 0; m0 < M; m0 += 8) {
      const float* t = tables8 + m0 * 2048;
      const int first = m0 == 0, last = m0 + 8 == M;
      size_t i = 0;
      for (; i < nb; i += 2) {
        const size_t i1 = i + 1 < nb ? i + 1 : i; /* odd tail: code i twice */
        uint64_t w0 = lq_filter8_load_u64(cb + i * M + m0), w1 = lq_filter8_load_u64(cb + i1 * M + m0);
        __m256 s0, s1;
        if (first) {
          s0 = _mm256_loadu_ps(t + (w0 & 255) * 8);
          s1 = _mm256_loadu_ps(t + (w1 & 255) * 8);
        } else {
          s0 = _mm256_add_ps(acc[i], _mm256_loadu_ps(t + (w0 & 255) * 8));
          s1 = _mm256_add_ps(acc[i1], _mm256_loadu_ps(t + (w1 & 255) * 8));
        }
        for (int b = 1; b < 8; b++) {
          const float* tb = t + (size_t)b * 2048;
          s0 = _mm256_add_ps(s0, _mm256_loadu_ps(tb + ((w0 >> (8 * b)) & 255) * 8));
          s1 = _mm256_add_ps(s1, _mm256_loadu_ps(tb + ((w1 >> (8 * b)) & 255) * 8));
        }
        if (!last) {
          acc[i] = s0;
          acc[i1] = s1;
          continue;
        }
        int k0 = _mm256_movemask_ps(_mm256_cmp_ps(s0, th, _CMP_LE_OQ));
        int k1 = i1 != i ? _mm256_movemask_ps(_mm256_cmp_ps(s1, th, _CMP_LE_OQ)) : 0;
        if (__builtin_expect((k0 | k1) != 0, 0)) {
          if (k0) cnt = lq_filter8_emit(b0 + i, s0, k0, cand, cand_dis, cnt);
          if (k1) cnt = lq_filter8_emit(b0 + i1, s1, k1, cand, cand_dis, cnt);
        }
      }
    }
  }
  return cnt;
}

size_t lq_uk_vq_adc_filter8_u8_f32__avx2(size_t n, size_t M, const uint8_t* codes, const float* tables8,
                                         const float* thr, uint32_t* cand, float* cand_dis) {
  const __m256 th = _mm256_loadu_ps(thr);
  size_t cnt = 0, i = 0;
  if (M > 8 && M % 8 == 0) return lq_filter8_passes8(n, M, codes, tables8, th, cand, cand_dis);
  if (M > 8) return lq_filter8_passes(n, M, codes, tables8, th, cand, cand_dis);
  if (M == 8) {
    /* two codes per iteration: two independent add chains */
    for (; i + 2 <= n; i += 2) {
      const uint8_t* c = codes + i * M;
      uint64_t w0 = lq_filter8_load_u64(c), w1 = lq_filter8_load_u64(c + M);
      __m256 s0 = _mm256_loadu_ps(tables8 + (w0 & 255) * 8);
      __m256 s1 = _mm256_loadu_ps(tables8 + (w1 & 255) * 8);
      for (int b = 1; b < 8; b++) {
        const float* t = tables8 + (size_t)b * 2048;
        s0 = _mm256_add_ps(s0, _mm256_loadu_ps(t + ((w0 >> (8 * b)) & 255) * 8));
        s1 = _mm256_add_ps(s1, _mm256_loadu_ps(t + ((w1 >> (8 * b)) & 255) * 8));
      }
      for (size_t m0 = 8; m0 < M; m0 += 8) {
        w0 = lq_filter8_load_u64(c + m0);
        w1 = lq_filter8_load_u64(c + M + m0);
        const float* t0 = tables8 + m0 * 2048;
        for (int b = 0; b < 8; b++) {
          const float* t = t0 + (size_t)b * 2048;
          s0 = _mm256_add_ps(s0, _mm256_loadu_ps(t + ((w0 >> (8 * b)) & 255) * 8));
          s1 = _mm256_add_ps(s1, _mm256_loadu_ps(t + ((w1 >> (8 * b)) & 255) * 8));
        }
      }
      int k0 = _mm256_movemask_ps(_mm256_cmp_ps(s0, th, _CMP_LE_OQ));
      int k1 = _mm256_movemask_ps(_mm256_cmp_ps(s1, th, _CMP_LE_OQ));
      if (__builtin_expect((k0 | k1) != 0, 0)) {
        if (k0) cnt = lq_filter8_emit(i, s0, k0, cand, cand_dis, cnt);
        if (k1) cnt = lq_filter8_emit(i + 1, s1, k1, cand, cand_dis, cnt);
      }
    }
  }
  for (; i < n; i++) {
    const uint8_t* c = codes + i * M;
    __m256 s = _mm256_loadu_ps(tables8 + (size_t)c[0] * 8);
    for (size_t m = 1; m < M; m++) s = _mm256_add_ps(s, _mm256_loadu_ps(tables8 + (m * 256 + c[m]) * 8));
    int k = _mm256_movemask_ps(_mm256_cmp_ps(s, th, _CMP_LE_OQ));
    if (k) cnt = lq_filter8_emit(i, s, k, cand, cand_dis, cnt);
  }
  return cnt;
}
#endif
