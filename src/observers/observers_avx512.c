/* AVX-512 kernels of the observers module: lane-for-lane mirrors of the AVX2
 * kernels with 16 lanes and mask registers; bit-identical to observers_ref.c. */
#include <immintrin.h>
#include <math.h>

#include "observers/observers_kernels.h"

void lq_uk_obs_minmax_rows_f32__avx512(size_t rows, size_t cols, const float* x, float* mn, float* mx) {
  const __m512 qnan = _mm512_castsi512_ps(_mm512_set1_epi32(0x7fc00000));
  union { uint32_t u; float f; } q = {0x7fc00000u};
  for (size_t r = 0; r < rows; r++) {
    const float* row = x + r * cols;
    size_t c = 0;
    for (; c + 16 <= cols; c += 16) {
      __m512 v = _mm512_loadu_ps(row + c);
      __m512 a = _mm512_loadu_ps(mn + c);
      __m512 b = _mm512_loadu_ps(mx + c);
      __mmask16 nan_a = _mm512_cmp_ps_mask(v, a, _CMP_UNORD_Q);
      __mmask16 lt = _mm512_cmp_ps_mask(v, a, _CMP_LT_OQ);
      __mmask16 eq = _mm512_cmp_ps_mask(v, a, _CMP_EQ_OQ);
      __m512i ai = _mm512_castps_si512(a), vi = _mm512_castps_si512(v);
      __m512i ra = _mm512_mask_blend_epi32(lt, ai, vi);        /* v where v < a */
      ra = _mm512_mask_or_epi32(ra, eq, ai, vi);              /* a|v where equal */
      __m512 rav = _mm512_mask_blend_ps(nan_a, _mm512_castsi512_ps(ra), qnan);
      __mmask16 nan_b = _mm512_cmp_ps_mask(v, b, _CMP_UNORD_Q);
      __mmask16 gt = _mm512_cmp_ps_mask(v, b, _CMP_GT_OQ);
      __mmask16 eqb = _mm512_cmp_ps_mask(v, b, _CMP_EQ_OQ);
      __m512i bi = _mm512_castps_si512(b);
      __m512i rb = _mm512_mask_blend_epi32(gt, bi, vi);        /* v where v > b */
      rb = _mm512_mask_and_epi32(rb, eqb, bi, vi);             /* b&v where equal */
      __m512 rbv = _mm512_mask_blend_ps(nan_b, _mm512_castsi512_ps(rb), qnan);
      _mm512_storeu_ps(mn + c, rav);
      _mm512_storeu_ps(mx + c, rbv);
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

void lq_uk_obs_hist_f32__avx512(size_t n, const float* x, float lo, float hi, uint32_t nbins, int absval,
                                uint32_t* counts) {
  const float nbf = (float)nbins, range = hi - lo;
  const __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi), vnb = _mm512_set1_ps(nbf),
               vrange = _mm512_set1_ps(range);
  const __m512i absmask = _mm512_set1_epi32(absval ? 0x7fffffff : -1);
  const __m512i last = _mm512_set1_epi32((int32_t)(nbins - 1));
  size_t i = 0;
  int32_t idx[16];
  for (; i + 16 <= n; i += 16) {
    __m512 v = _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(_mm512_loadu_ps(x + i)), absmask));
    __mmask16 in = _mm512_cmp_ps_mask(v, vlo, _CMP_GE_OQ) & _mm512_cmp_ps_mask(v, vhi, _CMP_LE_OQ);
    __m512 t = _mm512_div_ps(_mm512_mul_ps(_mm512_sub_ps(v, vlo), vnb), vrange);
    t = _mm512_maskz_mov_ps(in, t);
    __m512i pos = _mm512_min_epi32(_mm512_cvttps_epi32(t), last);
    _mm512_storeu_si512((void*)idx, pos);
    unsigned m = (unsigned)in;
    for (int j = 0; j < 16; j++)
      if (m & (1u << j)) counts[idx[j]]++;
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
