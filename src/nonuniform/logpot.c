/* Logarithmic / power-of-two quantization (Miyashita et al. 2016, arXiv
 * 1603.01025) and APoT levels (Li, Dong, Wang, ICLR 2020). */
#include <math.h>
#include <stdlib.h>

#include "cpu/dispatch.h"
#include "nonuniform/nonuniform_kernels.h"

static lq_status resolve(const lq_log_config* cfg, lq_log_kparams* p, const char* fn) {
  LQ_REQUIRE_PTR(cfg);
  int bits = cfg->bits ? cfg->bits : 4;
  int fsr = cfg->fsr;
  if (bits < 2 || bits > 8) return lq_fail(LQ_ERR_INVALID_ARG, "%s: bits %d outside [2, 8]", fn, bits);
  if (fsr < -100 || fsr > 100) return lq_fail(LQ_ERR_INVALID_ARG, "%s: fsr %d outside [-100, 100]", fn, fsr);
  if (cfg->base != LQ_LOG_BASE2 && cfg->base != LQ_LOG_BASE_SQRT2)
    return lq_fail(LQ_ERR_INVALID_ARG, "%s: unknown base %d", fn, (int)cfg->base);
  p->base = (int32_t)cfg->base;
  p->is_unsigned = cfg->is_unsigned != 0;
  p->mb = p->is_unsigned ? bits : bits - 1;
  p->hi = fsr;
  p->lo = fsr - (1 << p->mb);
  return LQ_OK;
}

lq_status lq_log_encode_f32(const float* x, size_t n, const lq_log_config* cfg, uint8_t* codes) {
  lq_log_kparams p = {0};
  LQ_CHECK(resolve(cfg, &p, __func__));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(codes);
  lq_dispatch_get()->nonuniform_log_encode_f32_u8(n, x, &p, codes);
  return LQ_OK;
}

static float level_of(const lq_log_kparams* p, uint32_t code) {
  uint32_t mag = code & ((1u << p->mb) - 1);
  if (mag == 0) return 0.0f;
  int32_t t = p->lo + (int32_t)mag;
  /* base^t in double (exact for base 2; sqrt(2)^odd rounded once), then float. */
  double v;
  if (p->base == 0) v = ldexp(1.0, t);
  else if (t % 2 == 0) v = ldexp(1.0, t / 2);
  else v = ldexp(1.4142135623730951, (t - 1) / 2); /* t-1 even: exact halving */
  float f = (float)v;
  return (!p->is_unsigned && (code >> p->mb)) ? -f : f;
}

lq_status lq_log_levels(const lq_log_config* cfg, float* levels, size_t cap, size_t* count_out) {
  lq_log_kparams p = {0};
  LQ_CHECK(resolve(cfg, &p, __func__));
  LQ_REQUIRE_PTR(levels);
  LQ_REQUIRE_PTR(count_out);
  size_t count = (size_t)1 << (p.is_unsigned ? p.mb : p.mb + 1);
  if (cap < count) return lq_fail(LQ_ERR_BUFFER_TOO_SMALL, "%s: need %zu levels, have %zu", __func__, count, cap);
  for (size_t c = 0; c < count; c++) levels[c] = level_of(&p, (uint32_t)c);
  *count_out = count;
  return LQ_OK;
}

lq_status lq_log_decode_f32(const uint8_t* codes, size_t n, const lq_log_config* cfg, float* y) {
  lq_log_kparams p = {0};
  LQ_CHECK(resolve(cfg, &p, __func__));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(codes);
  LQ_REQUIRE_PTR(y);
  float table[256];
  size_t count;
  LQ_CHECK(lq_log_levels(cfg, table, 256, &count));
  for (size_t i = 0; i < n; i++) {
    if (codes[i] >= count)
      return lq_fail(LQ_ERR_INVALID_ARG, "%s: code %u at %zu is out of range (%zu codes)", __func__, codes[i], i, count);
    y[i] = table[codes[i]];
  }
  return LQ_OK;
}

static int cmp_float(const void* a, const void* b) {
  float x = *(const float*)a, y = *(const float*)b;
  return x < y ? -1 : x > y;
}

lq_status lq_apot_levels(int B, float* levels, size_t cap, size_t* count_out) {
  LQ_REQUIRE_PTR(levels);
  LQ_REQUIRE_PTR(count_out);
  double a[4] = {0}, b[4] = {0}, c[4] = {0};
  int na = 1, nb = 1, nc = 1;
  if (B == 2) {
    for (int i = 0; i < 3; i++) a[na++] = ldexp(1.0, -i - 1);
  } else if (B == 4) {
    for (int i = 0; i < 3; i++) {
      a[na++] = ldexp(1.0, -2 * i - 1);
      b[nb++] = ldexp(1.0, -2 * i - 2);
    }
  } else if (B == 6) {
    for (int i = 0; i < 3; i++) {
      a[na++] = ldexp(1.0, -3 * i - 1);
      b[nb++] = ldexp(1.0, -3 * i - 2);
      c[nc++] = ldexp(1.0, -3 * i - 3);
    }
  } else if (B == 3 || B == 5) {
    return lq_fail(LQ_ERR_UNSUPPORTED, "lq_apot_levels: B=%d (mixed construction) is not supported; use 2, 4 or 6", B);
  } else {
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_apot_levels: B=%d (supported: 2, 4, 6)", B);
  }
  double v[64];
  int nv = 0;
  double mx = 0;
  for (int i = 0; i < na; i++)
    for (int j = 0; j < nb; j++)
      for (int k = 0; k < nc; k++) {
        double s = a[i] + b[j] + c[k]; /* exact: distinct powers of two */
        int dup = 0;
        for (int q = 0; q < nv; q++) dup |= v[q] == s;
        if (!dup) v[nv++] = s;
        if (s > mx) mx = s;
      }
  if (cap < (size_t)nv) return lq_fail(LQ_ERR_BUFFER_TOO_SMALL, "lq_apot_levels: need %d levels, have %zu", nv, cap);
  for (int q = 0; q < nv; q++) levels[q] = (float)(v[q] / mx);
  qsort(levels, (size_t)nv, sizeof *levels, cmp_float);
  *count_out = (size_t)nv;
  return LQ_OK;
}
