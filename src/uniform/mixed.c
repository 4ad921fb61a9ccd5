/* Mixed precision: a bit-width per unit under an average-bits budget
 * (greedy by weighted error reduction per added bit, with a max-heap), and a
 * mixed-width LSB-first bit stream. Calibration-time code: scalar. */
#include <math.h>
#include <string.h>

#include "uniform/uniform_internal.h"

typedef struct {
  int32_t min_bits, max_bits;
} lq_mixed_bits;

static lq_status lq_mixed_check(const lq_mixed_config* cfg, const lq_shape* shape, lq_layout* L, lq_mixed_bits* mb) {
  LQ_REQUIRE_PTR(cfg);
  LQ_CHECK(lq_layout_make(&cfg->base, shape, L));
  if (cfg->base.range.qmin != 0 || cfg->base.range.qmax != 0)
    return lq_fail(LQ_ERR_INVALID_ARG, "mixed precision derives ranges from bits: a custom qmin/qmax is refused");
  if ((unsigned)cfg->base.rounding.mode >= LQ_ROUND_COUNT_)
    return lq_fail(LQ_ERR_INVALID_ARG, "rounding mode %d is not an lq_round", (int)cfg->base.rounding.mode);
  mb->min_bits = cfg->min_bits ? cfg->min_bits : 2;
  mb->max_bits = cfg->max_bits ? cfg->max_bits : 8;
  if (mb->min_bits < 1 || mb->max_bits > 16 || mb->min_bits > mb->max_bits)
    return lq_fail(LQ_ERR_INVALID_ARG, "bit range [%d, %d] must satisfy 1 <= min <= max <= 16", (int)mb->min_bits, (int)mb->max_bits);
  /* every width in the range must be a valid config (e.g. narrow needs 2 bits) */
  lq_range_config rc = cfg->base.range;
  int32_t a, b;
  rc.bits = mb->min_bits;
  LQ_CHECK(lq_range_qlimits(&rc, &a, &b));
  return LQ_OK;
}

static lq_status lq_bits_of(const lq_mixed_bits* mb, const int32_t* bits, size_t u) {
  if (bits[u] < mb->min_bits || bits[u] > mb->max_bits)
    return lq_fail(LQ_ERR_INVALID_ARG, "bits[%zu] = %d outside [%d, %d]", u, (int)bits[u], (int)mb->min_bits, (int)mb->max_bits);
  return LQ_OK;
}

/* (scale, zp, qmin, qmax) of every unit at its width from min/max. */
static lq_status lq_mixed_params(const lq_mixed_config* cfg, const lq_layout* L, const float* mn, const float* mx,
                                 const int32_t* bits, float* scales, int32_t* zps) {
  for (size_t u = 0; u < L->nparams; u++) {
    if (mn[u] != mn[u] || mn[u] == -INFINITY || mx[u] == INFINITY)
      return lq_fail(LQ_ERR_NUMERIC, "unit %zu contains NaN or Inf", u);
    lq_range_config rc = cfg->base.range;
    rc.bits = bits[u];
    LQ_CHECK(lq_qparams_from_minmax(&rc, mn[u], mx[u], &scales[u], &zps[u]));
  }
  return LQ_OK;
}

static inline float lq_mixed_qdq(float x, float s, int32_t zp, int32_t qmin, int32_t qmax, lq_round mode, float u) {
  float t = lq_uq_code(x, 1.0f / s, (float)zp, (float)qmin, (float)qmax, mode, u);
  return (float)((int32_t)t - zp) * s;
}

typedef struct {
  double gain;
  size_t unit;
} lq_heap_item;

static int lq_heap_better(const lq_heap_item* a, const lq_heap_item* b) {
  return a->gain > b->gain || (a->gain == b->gain && a->unit < b->unit);
}
static void lq_heap_push(lq_heap_item* h, size_t* n, lq_heap_item it) {
  size_t i = (*n)++;
  h[i] = it;
  while (i > 0 && lq_heap_better(&h[i], &h[(i - 1) / 2])) {
    lq_heap_item t = h[i];
    h[i] = h[(i - 1) / 2];
    h[(i - 1) / 2] = t;
    i = (i - 1) / 2;
  }
}
static lq_heap_item lq_heap_pop(lq_heap_item* h, size_t* n) {
  lq_heap_item top = h[0];
  h[0] = h[--(*n)];
  size_t i = 0;
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, b = i;
    if (l < *n && lq_heap_better(&h[l], &h[b])) b = l;
    if (r < *n && lq_heap_better(&h[r], &h[b])) b = r;
    if (b == i) break;
    lq_heap_item t = h[i];
    h[i] = h[b];
    h[b] = t;
    i = b;
  }
  return top;
}

lq_status lq_mixed_allocate(const lq_mixed_config* cfg, const float* x, const lq_shape* shape, int32_t* bits_out) {
  lq_layout L;
  lq_mixed_bits mb;
  LQ_CHECK(lq_mixed_check(cfg, shape, &L, &mb));
  if (!isfinite(cfg->avg_bits) || cfg->avg_bits < (double)mb.min_bits)
    return lq_fail(LQ_ERR_INVALID_ARG, "avg_bits %g must be finite and >= min_bits %d", cfg->avg_bits, (int)mb.min_bits);
  if (L.nparams == 0) return LQ_OK;
  LQ_REQUIRE_PTR(bits_out);
  if (cfg->sensitivity)
    for (size_t u = 0; u < L.nparams; u++)
      if (!isfinite(cfg->sensitivity[u]) || cfg->sensitivity[u] < 0.0f)
        return lq_fail(LQ_ERR_INVALID_ARG, "sensitivity[%zu] = %g must be finite and >= 0", u, (double)cfg->sensitivity[u]);
  for (size_t u = 0; u < L.nparams; u++) bits_out[u] = mb.min_bits;
  if (L.numel == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  const size_t nb = (size_t)(mb.max_bits - mb.min_bits + 1);
  size_t nerr;
  if (lq_mul_overflows(L.nparams, nb, &nerr)) return lq_fail(LQ_ERR_OVERFLOW, "error table overflows");
  double* err = NULL;
  float* mm = NULL;
  size_t* cnt = NULL;
  lq_heap_item* heap = NULL;
  float* sc = NULL;
  int32_t* zp = NULL;
  int32_t* bb = NULL;
  lq_status st = lq_calloc_array(nerr, sizeof(double), "mixed error table", (void**)&err);
  if (st == LQ_OK) st = lq_alloc_array(L.nparams, 2 * sizeof(float), "mixed min/max", (void**)&mm);
  if (st == LQ_OK) st = lq_calloc_array(L.nparams, sizeof(size_t), "mixed unit sizes", (void**)&cnt);
  if (st == LQ_OK) st = lq_alloc_array(L.nparams, sizeof(lq_heap_item), "mixed heap", (void**)&heap);
  if (st == LQ_OK) st = lq_alloc_array(L.nparams, sizeof(float), "mixed scales", (void**)&sc);
  if (st == LQ_OK) st = lq_alloc_array(L.nparams, sizeof(int32_t), "mixed zero points", (void**)&zp);
  if (st == LQ_OK) st = lq_alloc_array(L.nparams, sizeof(int32_t), "mixed bits", (void**)&bb);
  if (st == LQ_OK) st = lq_uniform_unit_minmax(&cfg->base, x, shape, mm, mm + L.nparams);
  for (size_t e = 0; st == LQ_OK && e < L.numel; e++) cnt[lq_unit_of(&L, e)]++;
  /* E(b) for every unit and width */
  lq_uq_rng g;
  lq_uq_rng_init(&g, cfg->base.rounding.seed, cfg->base.rounding.index0);
  for (int32_t b = mb.min_bits; st == LQ_OK && b <= mb.max_bits; b++) {
    for (size_t u = 0; u < L.nparams; u++) bb[u] = b;
    st = lq_mixed_params(cfg, &L, mm, mm + L.nparams, bb, sc, zp);
    if (st != LQ_OK) break;
    lq_range_config rc = cfg->base.range;
    rc.bits = b;
    int32_t qmin, qmax;
    st = lq_range_qlimits(&rc, &qmin, &qmax);
    for (size_t e = 0; st == LQ_OK && e < L.numel; e++) {
      size_t u = lq_unit_of(&L, e);
      float r = cfg->base.rounding.mode == LQ_ROUND_STOCHASTIC ? lq_uq_rng_draw(&g, cfg->base.rounding.index0 + e) : 0.0f;
      double d = (double)x[e] - (double)lq_mixed_qdq(x[e], sc[u], zp[u], qmin, qmax, cfg->base.rounding.mode, r);
      err[u * nb + (size_t)(b - mb.min_bits)] += d * d;
    }
  }
  if (st == LQ_OK) {
    const double budget = cfg->avg_bits * (double)L.numel;
    double used = (double)mb.min_bits * (double)L.numel;
    size_t hn = 0;
    for (size_t u = 0; u < L.nparams; u++) {
      if (cnt[u] == 0 || nb < 2) continue;
      double w = cfg->sensitivity ? (double)cfg->sensitivity[u] : 1.0;
      lq_heap_item it = {w * (err[u * nb] - err[u * nb + 1]) / (double)cnt[u], u};
      lq_heap_push(heap, &hn, it);
    }
    while (hn > 0) {
      lq_heap_item it = lq_heap_pop(heap, &hn);
      size_t u = it.unit;
      if (used + (double)cnt[u] > budget) continue; /* never fits later either: used only grows */
      used += (double)cnt[u];
      int32_t k = ++bits_out[u] - mb.min_bits;
      if (bits_out[u] < mb.max_bits) {
        double w = cfg->sensitivity ? (double)cfg->sensitivity[u] : 1.0;
        lq_heap_item nx = {w * (err[u * nb + (size_t)k] - err[u * nb + (size_t)k + 1]) / (double)cnt[u], u};
        lq_heap_push(heap, &hn, nx);
      }
    }
  }
  free(err);
  free(mm);
  free(cnt);
  free(heap);
  free(sc);
  free(zp);
  free(bb);
  return st;
}

lq_status lq_mixed_packed_size(const lq_mixed_config* cfg, const lq_shape* shape, const int32_t* bits,
                               size_t* bytes_out) {
  lq_layout L;
  lq_mixed_bits mb;
  LQ_CHECK(lq_mixed_check(cfg, shape, &L, &mb));
  LQ_REQUIRE_PTR(bytes_out);
  if (L.numel > 0) LQ_REQUIRE_PTR(bits);
  for (size_t u = 0; L.numel > 0 && u < L.nparams; u++) LQ_CHECK(lq_bits_of(&mb, bits, u));
  uint64_t total = 0; /* bits; numel * 16 < 2^64 for any size_t numel below 2^60 */
  if (L.numel > (SIZE_MAX >> 4)) return lq_fail(LQ_ERR_OVERFLOW, "stream size overflows");
  for (size_t e = 0; e < L.numel; e++) total += (uint64_t)bits[lq_unit_of(&L, e)];
  *bytes_out = (size_t)((total + 7) / 8);
  return LQ_OK;
}

lq_status lq_mixed_quantize(const lq_mixed_config* cfg, const float* x, const lq_shape* shape, const int32_t* bits,
                            float* scales_out, int32_t* zero_points_out, uint8_t* stream_out) {
  size_t bytes;
  LQ_CHECK(lq_mixed_packed_size(cfg, shape, bits, &bytes));
  lq_layout L;
  lq_mixed_bits mb;
  LQ_CHECK(lq_mixed_check(cfg, shape, &L, &mb));
  if (L.nparams == 0) return LQ_OK;
  LQ_REQUIRE_PTR(scales_out);
  LQ_REQUIRE_PTR(zero_points_out);
  if (L.numel == 0) {
    for (size_t u = 0; u < L.nparams; u++) {
      scales_out[u] = 1.0f; /* never observed, as lq_qparams_from_minmax */
      zero_points_out[u] = 0;
    }
    return LQ_OK;
  }
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(stream_out);
  float* mm = NULL;
  LQ_CHECK(lq_alloc_array(L.nparams, 2 * sizeof(float), "mixed min/max", (void**)&mm));
  lq_status st = lq_uniform_unit_minmax(&cfg->base, x, shape, mm, mm + L.nparams);
  if (st == LQ_OK) st = lq_mixed_params(cfg, &L, mm, mm + L.nparams, bits, scales_out, zero_points_out);
  free(mm);
  LQ_CHECK(st);
  memset(stream_out, 0, bytes);
  lq_uq_rng g;
  lq_uq_rng_init(&g, cfg->base.rounding.seed, cfg->base.rounding.index0);
  uint64_t pos = 0;
  for (size_t e = 0; e < L.numel; e++) {
    size_t u = lq_unit_of(&L, e);
    lq_range_config rc = cfg->base.range;
    rc.bits = bits[u];
    int32_t qmin, qmax;
    LQ_CHECK(lq_range_qlimits(&rc, &qmin, &qmax));
    float r = cfg->base.rounding.mode == LQ_ROUND_STOCHASTIC ? lq_uq_rng_draw(&g, cfg->base.rounding.index0 + e) : 0.0f;
    float t = lq_uq_code(x[e], 1.0f / scales_out[u], (float)zero_points_out[u], (float)qmin, (float)qmax,
                         cfg->base.rounding.mode, r);
    uint32_t v = (uint32_t)((int32_t)t - qmin); /* < 2^16 */
    for (int32_t k = 0; k < bits[u]; k++, pos++)
      if ((v >> k) & 1u) stream_out[pos >> 3] |= (uint8_t)(1u << (pos & 7));
  }
  return LQ_OK;
}

lq_status lq_mixed_dequantize(const lq_mixed_config* cfg, const uint8_t* stream, const lq_shape* shape,
                              const int32_t* bits, const float* scales, const int32_t* zero_points, float* out) {
  size_t bytes;
  LQ_CHECK(lq_mixed_packed_size(cfg, shape, bits, &bytes));
  lq_layout L;
  lq_mixed_bits mb;
  LQ_CHECK(lq_mixed_check(cfg, shape, &L, &mb));
  if (L.numel == 0) return LQ_OK;
  LQ_REQUIRE_PTR(stream);
  LQ_REQUIRE_PTR(scales);
  LQ_REQUIRE_PTR(zero_points);
  LQ_REQUIRE_PTR(out);
  for (size_t u = 0; u < L.nparams; u++)
    if (!isfinite(scales[u])) return lq_fail(LQ_ERR_INVALID_ARG, "scale %g (unit %zu) is not finite", (double)scales[u], u);
  uint64_t pos = 0;
  for (size_t e = 0; e < L.numel; e++) {
    size_t u = lq_unit_of(&L, e);
    lq_range_config rc = cfg->base.range;
    rc.bits = bits[u];
    int32_t qmin, qmax;
    LQ_CHECK(lq_range_qlimits(&rc, &qmin, &qmax));
    uint32_t v = 0;
    for (int32_t k = 0; k < bits[u]; k++, pos++) v |= (uint32_t)((stream[pos >> 3] >> (pos & 7)) & 1u) << k;
    out[e] = (float)((int32_t)v + qmin - zero_points[u]) * scales[u];
  }
  return LQ_OK;
}
