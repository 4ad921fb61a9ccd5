/* Scalar reference kernels of the observers module (-ffp-contract=off): they
 * define the results the SIMD kernels reproduce bit for bit. */
#include <math.h>
#include <string.h>

#include "observers/observers_kernels.h"

static inline float obs_canon_nan(void) {
  union { uint32_t u; float f; } v = {0x7fc00000u};
  return v.f;
}

void lq_uk_obs_minmax_rows_f32__ref(size_t rows, size_t cols, const float* x, float* mn, float* mx) {
  const float qnan = obs_canon_nan();
  for (size_t r = 0; r < rows; r++) {
    const float* row = x + r * cols;
    for (size_t c = 0; c < cols; c++) {
      float v = row[c];
      if (v != v || mn[c] != mn[c]) mn[c] = qnan;
      else mn[c] = lq_min_f32(mn[c], v);
      if (v != v || mx[c] != mx[c]) mx[c] = qnan;
      else mx[c] = lq_max_f32(mx[c], v);
    }
  }
}

void lq_uk_obs_hist_f32__ref(size_t n, const float* x, float lo, float hi, uint32_t nbins, int absval,
                             uint32_t* counts) {
  const float nb = (float)nbins, range = hi - lo;
  for (size_t i = 0; i < n; i++) {
    float v = absval ? fabsf(x[i]) : x[i];
    if (!(v >= lo && v <= hi)) continue;
    float t = ((v - lo) * nb) / range;
    uint32_t pos = (uint32_t)t; /* t in [0, nbins]: truncation as torch's int64 cast */
    if (pos >= nbins) pos = nbins - 1;
    counts[pos]++;
  }
}
