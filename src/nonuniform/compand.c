/* Continuous µ-law / A-law companders (ITU-T G.711 laws, classic.md E.1),
 * companded uniform quantization, and the analog-inspired log ADC (E.6). */
#include <math.h>

#include "common/lq_internal.h"

typedef struct {
  int law;
  double p, lnp; /* µ and ln(1+µ), or A and 1 + ln A */
  int bits;
  double xmax;
} comp;

static lq_status resolve(const lq_compander* c, comp* r, const char* fn) {
  LQ_REQUIRE_PTR(c);
  if (c->law != LQ_COMPAND_MULAW && c->law != LQ_COMPAND_ALAW)
    return lq_fail(LQ_ERR_INVALID_ARG, "%s: unknown law %d", fn, (int)c->law);
  r->law = (int)c->law;
  r->p = c->param != 0.0 ? c->param : (c->law == LQ_COMPAND_MULAW ? 255.0 : 87.6);
  if (!isfinite(r->p) || (c->law == LQ_COMPAND_MULAW ? r->p <= 0.0 : r->p < 1.0))
    return lq_fail(LQ_ERR_INVALID_ARG, "%s: %s = %g is out of range", fn, c->law == LQ_COMPAND_MULAW ? "mu" : "A", r->p);
  r->lnp = c->law == LQ_COMPAND_MULAW ? log1p(r->p) : 1.0 + log(r->p);
  r->bits = c->bits ? c->bits : 8;
  if (r->bits < 2 || r->bits > 16) return lq_fail(LQ_ERR_INVALID_ARG, "%s: bits %d outside [2, 16]", fn, r->bits);
  r->xmax = c->x_max != 0.0 ? c->x_max : 1.0;
  if (!isfinite(r->xmax) || r->xmax <= 0.0) return lq_fail(LQ_ERR_INVALID_ARG, "%s: x_max %g must be > 0", fn, c->x_max);
  return LQ_OK;
}

static double clip1(double v) { return v > 1.0 ? 1.0 : v < -1.0 ? -1.0 : v; }

static double compress(const comp* r, double x) {
  double a = fabs(clip1(x)), y;
  if (r->law == LQ_COMPAND_MULAW) {
    y = log1p(r->p * a) / r->lnp;
  } else {
    y = a < 1.0 / r->p ? r->p * a / r->lnp : (1.0 + log(r->p * a)) / r->lnp;
  }
  return x < 0 ? -y : y;
}

static double expand(const comp* r, double y) {
  double a = fabs(clip1(y)), x;
  if (r->law == LQ_COMPAND_MULAW) {
    x = expm1(a * r->lnp) / r->p;
  } else {
    x = a < 1.0 / r->lnp ? a * r->lnp / r->p : exp(a * r->lnp - 1.0) / r->p;
  }
  return y < 0 ? -x : x;
}

static lq_status check_io(const float* x, size_t n, const void* y, const char* fn) {
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(y);
  for (size_t i = 0; i < n; i++)
    if (isnan(x[i])) return lq_fail(LQ_ERR_NUMERIC, "%s: NaN at index %zu", fn, i);
  return LQ_OK;
}

lq_status lq_compand_compress_f32(const lq_compander* c, const float* x, size_t n, float* y) {
  comp r = {0};
  LQ_CHECK(resolve(c, &r, __func__));
  LQ_CHECK(check_io(x, n, y, __func__));
  for (size_t i = 0; i < n; i++) y[i] = (float)compress(&r, x[i]);
  return LQ_OK;
}

lq_status lq_compand_expand_f32(const lq_compander* c, const float* y, size_t n, float* x) {
  comp r = {0};
  LQ_CHECK(resolve(c, &r, __func__));
  LQ_CHECK(check_io(y, n, x, __func__));
  for (size_t i = 0; i < n; i++) x[i] = (float)expand(&r, y[i]);
  return LQ_OK;
}

lq_status lq_compand_quantize_f32(const lq_compander* c, const float* x, size_t n, uint16_t* codes, float* recon) {
  comp r = {0};
  LQ_CHECK(resolve(c, &r, __func__));
  if (n > 0) {
    LQ_REQUIRE_PTR(x);
    if (!codes && !recon) return lq_fail(LQ_ERR_INVALID_ARG, "%s: both outputs are NULL", __func__);
  }
  LQ_CHECK(check_io(x, n, x, __func__));
  const double L = (double)((1 << (r.bits - 1)) - 1);
  for (size_t i = 0; i < n; i++) {
    double q = nearbyint(compress(&r, x[i] / r.xmax) * L); /* |F| <= 1: q in [-L, L] */
    if (codes) codes[i] = (uint16_t)(q + (double)(1 << (r.bits - 1)));
    if (recon) recon[i] = (float)(r.xmax * expand(&r, q / L));
  }
  return LQ_OK;
}

lq_status lq_log_adc_quantize_f32(const lq_log_adc* c, const float* x, size_t n, uint16_t* codes, float* recon) {
  LQ_REQUIRE_PTR(c);
  double fs = c->full_scale != 0.0 ? c->full_scale : 1.0;
  double dr = c->dynamic_range_db != 0.0 ? c->dynamic_range_db : 48.0;
  int bits = c->bits ? c->bits : 8;
  if (!isfinite(fs) || fs <= 0.0) return lq_fail(LQ_ERR_INVALID_ARG, "%s: full_scale %g must be > 0", __func__, fs);
  if (!isfinite(dr) || dr <= 0.0 || dr > 300.0)
    return lq_fail(LQ_ERR_INVALID_ARG, "%s: dynamic_range_db %g outside (0, 300]", __func__, dr);
  if (bits < 3 || bits > 16) return lq_fail(LQ_ERR_INVALID_ARG, "%s: bits %d outside [3, 16]", __func__, bits);
  if (n > 0) {
    LQ_REQUIRE_PTR(x);
    if (!codes && !recon) return lq_fail(LQ_ERR_INVALID_ARG, "%s: both outputs are NULL", __func__);
  }
  LQ_CHECK(check_io(x, n, x, __func__));
  const double xmin = fs * pow(10.0, -dr / 20.0), span = log(fs / xmin);
  const int L = (1 << (bits - 1)) - 1, mid = 1 << (bits - 1);
  for (size_t i = 0; i < n; i++) {
    double a = fabs((double)x[i]);
    int q = 0;
    if (a >= xmin) {
      double u = log((a < fs ? a : fs) / xmin) / span;
      q = 1 + (int)nearbyint(u * (L - 1));
    }
    int sq = x[i] < 0 ? -q : q;
    if (codes) codes[i] = (uint16_t)(sq + mid);
    if (recon) {
      double v = q == 0 ? 0.0 : xmin * exp(span * (double)(q - 1) / (double)(L - 1));
      recon[i] = (float)(x[i] < 0 ? -v : v);
    }
  }
  return LQ_OK;
}
