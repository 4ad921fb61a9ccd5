/* LUT quantizers (any sorted table) and Lloyd-Max / weighted 1-D k-means
 * (Lloyd 1982, Max 1960; SqueezeLLM's sensitivity-weighted k-means). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/lq_internal.h"

static lq_status check_lut(const float* levels, size_t k, const char* fn) {
  LQ_REQUIRE_PTR(levels);
  if (k < 1 || k > 256) return lq_fail(LQ_ERR_INVALID_ARG, "%s: %zu levels (need 1..256)", fn, k);
  for (size_t i = 0; i < k; i++) {
    if (!isfinite(levels[i])) return lq_fail(LQ_ERR_NUMERIC, "%s: level %zu is not finite", fn, i);
    if (i > 0 && levels[i] < levels[i - 1]) return lq_fail(LQ_ERR_INVALID_ARG, "%s: levels are not sorted at %zu", fn, i);
  }
  return LQ_OK;
}

static void thresholds_of(const float* levels, size_t k, float* t) {
  for (size_t i = 0; i + 1 < k; i++) t[i] = (float)(((double)levels[i] + (double)levels[i + 1]) * 0.5);
}

lq_status lq_lut_thresholds(const float* levels, size_t k, float* thresholds) {
  LQ_CHECK(check_lut(levels, k, __func__));
  if (k > 1) LQ_REQUIRE_PTR(thresholds);
  thresholds_of(levels, k, thresholds);
  return LQ_OK;
}

/* #{i < m : v > t[i]} for ascending t (branch-light binary search). */
static inline uint8_t lut_code(float v, const float* t, size_t m) {
  size_t lo = 0, len = m;
  while (len > 0) {
    size_t half = len / 2;
    if (v > t[lo + half]) {
      lo += half + 1;
      len -= half + 1;
    } else {
      len = half;
    }
  }
  return (uint8_t)lo;
}

lq_status lq_lut_encode_f32(const float* x, size_t n, const float* levels, size_t k, uint8_t* codes) {
  LQ_CHECK(check_lut(levels, k, __func__));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(codes);
  float t[255];
  thresholds_of(levels, k, t);
  for (size_t i = 0; i < n; i++) codes[i] = lut_code(x[i], t, k - 1);
  return LQ_OK;
}

lq_status lq_lut_decode_f32(const uint8_t* codes, size_t n, const float* levels, size_t k, float* y) {
  LQ_CHECK(check_lut(levels, k, __func__));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(codes);
  LQ_REQUIRE_PTR(y);
  for (size_t i = 0; i < n; i++) {
    if (codes[i] >= k) return lq_fail(LQ_ERR_INVALID_ARG, "%s: code %u at %zu >= %zu levels", __func__, codes[i], i, k);
    y[i] = levels[codes[i]];
  }
  return LQ_OK;
}

typedef struct {
  float x, w;
} xw;

static int cmp_xw(const void* a, const void* b) {
  float p = ((const xw*)a)->x, q = ((const xw*)b)->x;
  return p < q ? -1 : p > q;
}

lq_status lq_lloyd_max_fit(const float* x, const float* w, size_t n, size_t k, const lq_lloyd_config* cfg,
                           float* levels, int* iters_out) {
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(levels);
  if (k < 1 || k > 256) return lq_fail(LQ_ERR_INVALID_ARG, "%s: k = %zu (need 1..256)", __func__, k);
  if (n < k) return lq_fail(LQ_ERR_INVALID_ARG, "%s: n = %zu < k = %zu", __func__, n, k);
  int max_iter = cfg && cfg->max_iter ? cfg->max_iter : 100;
  double tol = cfg && cfg->tol != 0.0 ? cfg->tol : 1e-7;
  if (max_iter < 0 || !(tol > 0.0) || !isfinite(tol))
    return lq_fail(LQ_ERR_INVALID_ARG, "%s: max_iter %d / tol %g invalid", __func__, max_iter, tol);
  xw* s;
  LQ_CHECK(lq_alloc_array(n, sizeof *s, "lloyd samples", (void**)&s));
  double wsum = 0.0;
  for (size_t i = 0; i < n; i++) {
    float wi = w ? w[i] : 1.0f;
    if (!isfinite(x[i]) || !isfinite(wi) || wi < 0.0f) {
      free(s);
      return lq_fail(LQ_ERR_NUMERIC, "%s: sample %zu has non-finite value or invalid weight", __func__, i);
    }
    s[i].x = x[i];
    s[i].w = wi;
    wsum += wi;
  }
  if (!(wsum > 0.0)) {
    free(s);
    return lq_fail(LQ_ERR_NUMERIC, "%s: all weights are zero", __func__);
  }
  qsort(s, n, sizeof *s, cmp_xw);
  /* Init: weighted quantiles at (j + 1/2)/k. */
  double acc = 0.0;
  size_t j = 0;
  for (size_t i = 0; i < n && j < k; i++) {
    acc += s[i].w;
    while (j < k && acc >= ((double)j + 0.5) / (double)k * wsum) levels[j++] = s[i].x;
  }
  while (j < k) levels[j++] = s[n - 1].x;
  const double range = (double)s[n - 1].x - (double)s[0].x;
  double sum[256], cnt[256];
  float t[255];
  int it = 0;
  while (it < max_iter) {
    it++;
    thresholds_of(levels, k, t);
    memset(sum, 0, sizeof sum);
    memset(cnt, 0, sizeof cnt);
    /* Sorted samples: cells are contiguous runs. */
    size_t c = 0;
    for (size_t i = 0; i < n; i++) {
      while (c + 1 < k && s[i].x > t[c]) c++;
      sum[c] += (double)s[i].w * s[i].x;
      cnt[c] += s[i].w;
    }
    double moved = 0.0;
    for (size_t q = 0; q < k; q++) {
      if (cnt[q] > 0.0) {
        float nl = (float)(sum[q] / cnt[q]);
        double d = fabs((double)nl - levels[q]);
        if (d > moved) moved = d;
        levels[q] = nl;
      }
    }
    if (moved <= tol * range) break;
  }
  free(s);
  if (iters_out) *iters_out = it;
  return LQ_OK;
}
