/* AVX-512 LUT encode: a mirror of the AVX2 kernel (nonuniform_avx2.c) with
 * 16 lanes and mask registers: _CMP_GT_OQ (false for NaN) gives a mask,
 * masked adds accumulate the count, vpmovdb narrows (truncation, exact for
 * counts <= 255). No AVX-512 log kernel: the AVX2 one is used. */
#include <immintrin.h>

#include "nonuniform/nonuniform_kernels.h"

static inline __m512i lut_linear16(__m512 v, const float* t, size_t m) {
  __m512i cnt = _mm512_setzero_si512();
  const __m512i one = _mm512_set1_epi32(1);
  for (size_t j = 0; j < m; j++) {
    __mmask16 gt = _mm512_cmp_ps_mask(v, _mm512_set1_ps(t[j]), _CMP_GT_OQ);
    cnt = _mm512_mask_add_epi32(cnt, gt, cnt, one);
  }
  return cnt;
}

static inline __m512i lut_search16(__m512 v, const float* tp, size_t P) {
  __m512i pos = _mm512_setzero_si512();
  for (size_t step = P / 2; step >= 1; step /= 2) {
    __m512i idx = _mm512_add_epi32(pos, _mm512_set1_epi32((int)step - 1));
    __m512 tv = _mm512_i32gather_ps(idx, tp, 4);
    __mmask16 gt = _mm512_cmp_ps_mask(v, tv, _CMP_GT_OQ);
    pos = _mm512_mask_add_epi32(pos, gt, pos, _mm512_set1_epi32((int)step));
  }
  return pos;
}

void lq_uk_nonuniform_lut_encode_f32_u8__avx512(size_t n, const float* x, const float* t, size_t m, uint8_t* c) {
  size_t i = 0;
  if (m <= LQ_LUT_LINEAR_MAX) {
    for (; i + 16 <= n; i += 16)
      _mm_storeu_si128((__m128i*)(c + i), _mm512_cvtepi32_epi8(lut_linear16(_mm512_loadu_ps(x + i), t, m)));
  } else {
    float tp[256];
    size_t P = lq_lut_pad_pow2(t, m, tp);
    for (; i + 16 <= n; i += 16)
      _mm_storeu_si128((__m128i*)(c + i), _mm512_cvtepi32_epi8(lut_search16(_mm512_loadu_ps(x + i), tp, P)));
  }
  for (; i < n; i++) c[i] = lq_lut_code1(x[i], t, m);
}
