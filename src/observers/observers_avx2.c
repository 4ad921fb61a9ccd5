/* AVX2 kernels of the observers module; bit-identical to observers_ref.c. */
#include <immintrin.h>
#include <math.h>

#include "observers/observers_kernels.h"

static void tail_minmax(size_t cols, size_t c0, const float* row, float* mn, float* mx) {
  union { uint32_t u; float f; } q = {0x7fc00000u};
  for (size_t c = c0; c < cols; c++) {
    float v = row[c];
    if (v != v || mn[c] != mn[c]) mn[c] = q.f;
    else mn[c] = lq_min_f32(mn[c], v);
    if (v != v || mx[c] != mx[c]) mx[c] = q.f;
    else mx[c] = lq_max_f32(mx[c], v);
  }
}

void lq_uk_obs_minmax_rows_f32__avx2(size_t rows, size_t cols, const float* x, float* mn, float* mx) {
  const __m256 qnan = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fc00000));
  const __m256 ones = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
  for (size_t r = 0; r < rows; r++) {
    const float* row = x + r * cols;
    size_t c = 0;
    for (; c + 8 <= cols; c += 8) {
      __m256 v = _mm256_loadu_ps(row + c);
      __m256 a = _mm256_loadu_ps(mn + c);
      __m256 b = _mm256_loadu_ps(mx + c);
      /* min: take v where v < a; on equality OR the bits (prefers -0). */
      __m256 nan_a = _mm256_cmp_ps(v, a, _CMP_UNORD_Q);
      __m256 lt = _mm256_cmp_ps(v, a, _CMP_LT_OQ);
      __m256 eq = _mm256_cmp_ps(v, a, _CMP_EQ_OQ);
      __m256 ra = _mm256_or_ps(_mm256_blendv_ps(a, v, lt), _mm256_and_ps(eq, v));
      ra = _mm256_blendv_ps(ra, qnan, nan_a);
      /* max: take v where v > b; on equality AND the bits (prefers +0). */
      __m256 nan_b = _mm256_cmp_ps(v, b, _CMP_UNORD_Q);
      __m256 gt = _mm256_cmp_ps(v, b, _CMP_GT_OQ);
      __m256 eqb = _mm256_cmp_ps(v, b, _CMP_EQ_OQ);
      __m256 rb = _mm256_blendv_ps(b, v, gt);
      rb = _mm256_and_ps(rb, _mm256_or_ps(v, _mm256_andnot_ps(eqb, ones)));
      rb = _mm256_blendv_ps(rb, qnan, nan_b);
      _mm256_storeu_ps(mn + c, ra);
      _mm256_storeu_ps(mx + c, rb);
    }
    tail_minmax(cols, c, row, mn, mx);
  }
}

void lq_uk_obs_hist_f32__avx2(size_t n, const float* x, float lo, float hi, uint32_t nbins, int absval,
                              uint32_t* counts) {
  const float nbf = (float)nbins, range = hi - lo;
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi), vnb = _mm256_set1_ps(nbf),
               vrange = _mm256_set1_ps(range);
  const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(absval ? 0x7fffffff : -1));
  const __m256i last = _mm256_set1_epi32((int32_t)(nbins - 1));
  size_t i = 0;
  int32_t idx[8];
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_and_ps(_mm256_loadu_ps(x + i), absmask);
    __m256 in = _mm256_and_ps(_mm256_cmp_ps(v, vlo, _CMP_GE_OQ), _mm256_cmp_ps(v, vhi, _CMP_LE_OQ));
    __m256 t = _mm256_div_ps(_mm256_mul_ps(_mm256_sub_ps(v, vlo), vnb), vrange);
    /* out-of-range lanes are masked out below; in-range t lies in [0, nbins] */
    __m256i pos = _mm256_min_epi32(_mm256_cvttps_epi32(_mm256_and_ps(t, in)), last);
    _mm256_storeu_si256((__m256i*)idx, pos);
    unsigned m = (unsigned)_mm256_movemask_ps(in);
    if (m == 0xffu) {
      for (int j = 0; j < 8; j++) counts[idx[j]]++;
    } else {
      for (int j = 0; j < 8; j++)
        if (m & (1u << j)) counts[idx[j]]++;
    }
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
