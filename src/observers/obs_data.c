/* Observers that keep the data: exact percentile, GPTQ-style MSE grid search
 * and LSQ / LSQ+ step-size learning. */
#include <math.h>
#include <string.h>

#include "observers/obs_internal.h"

lq_status obs_store_append(obs_store* s, const float* x, size_t n) {
  if (n == 0) return LQ_OK;
  size_t need;
  if (lq_add_overflows(s->n, n, &need)) return lq_fail(LQ_ERR_OVERFLOW, "observer data size overflows");
  if (need > s->cap) {
    size_t cap = s->cap ? s->cap : 1024;
    while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    void* p;
    LQ_CHECK(lq_alloc_array(cap, sizeof(float), "observer data", &p));
    if (s->n) memcpy(p, s->v, s->n * sizeof(float));
    free(s->v);
    s->v = p;
    s->cap = cap;
  }
  memcpy(s->v + s->n, x, n * sizeof(float));
  s->n = need;
  return LQ_OK;
}

lq_status obs_data_observe(lq_observer* o, const float* x, const obs_layout* L) {
  for (size_t c = 0; c < o->nch; c++) {
    obs_store* s = &o->st[c];
    if (o->cfg.method == LQ_OBSERVER_PERCENTILE) {
      if (s->overflowed) continue;
      uint64_t after = (uint64_t)s->n + (uint64_t)L->outer * L->inner;
      if (o->cfg.exact_limit < 0 || after > (uint64_t)o->cfg.exact_limit) {
        free(s->v); /* too much data: the histogram takes over */
        s->v = NULL;
        s->n = s->cap = 0;
        s->overflowed = 1;
        continue;
      }
    }
    for (size_t r = 0; r < L->outer; r++) LQ_CHECK(obs_store_append(s, x + (r * L->ch + c) * L->inner, L->inner));
  }
  return LQ_OK;
}

static int cmp_float(const void* a, const void* b) {
  float x = *(const float*)a, y = *(const float*)b;
  return (x > y) - (x < y);
}

lq_status obs_percentile_exact(const lq_observer* o, size_t c, float* amax, int* done) {
  const obs_store* s = &o->st[c];
  *done = 0;
  if (s->overflowed || s->n == 0) return LQ_OK;
  void* p;
  LQ_CHECK(lq_alloc_array(s->n, sizeof(float), "percentile scratch", &p));
  float* a = p;
  for (size_t i = 0; i < s->n; i++) a[i] = fabsf(s->v[i]);
  qsort(a, s->n, sizeof(float), cmp_float);
  /* numpy.percentile(|x|, p), method 'linear', with numpy's _lerp */
  double pos = (double)(s->n - 1) * (o->cfg.percentile / 100.0);
  double fl = floor(pos);
  size_t i0 = (size_t)fl;
  size_t i1 = i0 + 1 < s->n ? i0 + 1 : i0;
  double t = pos - fl, lo = a[i0], hi = a[i1], diff = hi - lo;
  double v = t >= 0.5 ? hi - diff * (1.0 - t) : lo + diff * t;
  free(a);
  *amax = (float)v;
  *done = 1;
  return LQ_OK;
}

/* fake quantization with torch's rule: x * (1/s), rne, + zp, clamp */
static inline float fq(float x, float inv, float s, float zp, float qmin, float qmax) {
  float q = nearbyintf(x * inv) + zp;
  q = q < qmin ? qmin : q > qmax ? qmax : q;
  return (q - zp) * s;
}

lq_status obs_mse_range(const lq_observer* o, size_t c, float* lo, float* hi) {
  const obs_store* s = &o->st[c];
  const float xmin = o->mn[c] < 0.0f ? o->mn[c] : 0.0f, xmax = o->mx[c] > 0.0f ? o->mx[c] : 0.0f;
  const int ncand = (int)((double)o->cfg.mse_maxshrink * (double)o->cfg.mse_grid);
  const double norm = (double)o->cfg.mse_norm;
  double best = INFINITY;
  float blo = o->mn[c], bhi = o->mx[c];
  for (int i = 0; i < ncand; i++) {
    float pf = (float)(1.0 - (double)i / (double)o->cfg.mse_grid);
    float l = pf * xmin, h = pf * xmax;
    float sc;
    int32_t zp;
    LQ_CHECK(lq_qparams_from_minmax(&o->rc, l, h, &sc, &zp));
    const float inv = 1.0f / sc, zpf = (float)zp;
    double err = 0;
    for (size_t k = 0; k < s->n; k++) {
      double d = fabs((double)fq(s->v[k], inv, sc, zpf, (float)o->qmin, (float)o->qmax) - (double)s->v[k]);
      err += norm == 2.0 ? d * d : pow(d, norm);
    }
    if (err < best) { /* GPTQ: strict improvement, so the first minimum wins */
      best = err;
      blo = l;
      bhi = h;
    }
  }
  *lo = blo;
  *hi = bhi;
  return LQ_OK;
}

/* ---------------------------------------------------------------- LSQ -- */

lq_status lq_lsq_grad(const float* x, size_t n, float s, float beta, int32_t qn, int32_t qp, float g,
                      const float* dy, float* y, float* dx, float* ds, float* dbeta, double* ds_sum,
                      double* dbeta_sum) {
  if (n > 0) LQ_REQUIRE_PTR(x);
  if (!(s > 0.0f) || !isfinite(s)) return lq_fail(LQ_ERR_INVALID_ARG, "step size %g must be finite and > 0", (double)s);
  if (!isfinite(beta) || !isfinite(g)) return lq_fail(LQ_ERR_INVALID_ARG, "offset and grad scale must be finite");
  if (qn < 0 || qp < 0 || (qn == 0 && qp == 0))
    return lq_fail(LQ_ERR_INVALID_ARG, "integer bounds -%d..%d are invalid", (int)qn, (int)qp);
  const float lo = -(float)qn, hi = (float)qp;
  double sum_s = 0, sum_b = 0;
  for (size_t i = 0; i < n; i++) {
    float u = (x[i] - beta) / s;
    float up = dy ? dy[i] : 1.0f;
    float gs, gb, gx;
    float q;
    if (u < lo) { /* torch's clamp passes the gradient at the bounds: inside is [lo, hi] */
      q = lo;
      gs = lo;
      gb = 1.0f;
      gx = 0.0f;
    } else if (u > hi) {
      q = hi;
      gs = hi;
      gb = 1.0f;
      gx = 0.0f;
    } else {
      q = nearbyintf(u);
      gs = q - u;
      gb = 0.0f;
      gx = 1.0f;
    }
    gs = gs * g * up;
    gb = gb * g * up;
    if (y) y[i] = q * s + beta;
    if (dx) dx[i] = gx * up;
    if (ds) ds[i] = gs;
    if (dbeta) dbeta[i] = gb;
    sum_s += gs;
    sum_b += gb;
  }
  if (ds_sum) *ds_sum = sum_s;
  if (dbeta_sum) *dbeta_sum = sum_b;
  return LQ_OK;
}

lq_status lq_lsq_init_scale(const float* x, size_t n, int32_t qp, float* s_out) {
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(s_out);
  if (n == 0) return lq_fail(LQ_ERR_INVALID_ARG, "LSQ init needs data");
  if (qp < 1) return lq_fail(LQ_ERR_INVALID_ARG, "qp %d must be >= 1", (int)qp);
  double sum = 0;
  for (size_t i = 0; i < n; i++) sum += fabs((double)x[i]);
  if (!isfinite(sum)) return lq_fail(LQ_ERR_NUMERIC, "data is not finite");
  *s_out = (float)(2.0 * (sum / (double)n) / sqrt((double)qp));
  return LQ_OK;
}

static double lsq_loss_grad(const float* x, size_t n, float s, float b, int32_t qn, int32_t qp, double* gs,
                            double* gb) {
  const float lo = -(float)qn, hi = (float)qp;
  double loss = 0, as = 0, ab = 0;
  for (size_t i = 0; i < n; i++) {
    float u = (x[i] - b) / s;
    float q = u < lo ? lo : u > hi ? hi : nearbyintf(u);
    double r = (double)(q * s + b) - (double)x[i];
    loss += r * r;
    double ds = (u < lo || u > hi) ? (double)q : (double)q - (double)u;
    double db = (u < lo || u > hi) ? 1.0 : 0.0;
    as += 2 * r * ds;
    ab += 2 * r * db;
  }
  *gs = as / (double)n;
  *gb = ab / (double)n;
  return loss / (double)n;
}

lq_status lq_lsq_fit(const float* x, size_t n, int32_t qn, int32_t qp, int32_t learn_offset, int32_t steps,
                     float lr, float* s_out, float* beta_out) {
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(s_out);
  LQ_REQUIRE_PTR(beta_out);
  if (n == 0) return lq_fail(LQ_ERR_INVALID_ARG, "LSQ fit needs data");
  if (qn < 0 || qp < 0 || qn + qp < 1) return lq_fail(LQ_ERR_INVALID_ARG, "integer bounds -%d..%d are invalid", (int)qn, (int)qp);
  if (steps < 0 || !(lr > 0.0f) || !isfinite(lr)) return lq_fail(LQ_ERR_INVALID_ARG, "steps/lr invalid");
  if (learn_offset != 0 && learn_offset != 1) return lq_fail(LQ_ERR_INVALID_ARG, "learn_offset must be 0 or 1");
  float mn = INFINITY, mx = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(x[i])) return lq_fail(LQ_ERR_NUMERIC, "data is not finite");
    mn = x[i] < mn ? x[i] : mn;
    mx = x[i] > mx ? x[i] : mx;
  }
  double s, b = 0;
  if (learn_offset) { /* LSQ+ min/max init: s = (max - min) / (p - n), beta = min - n*s */
    s = ((double)mx - (double)mn) / (double)(qp + qn);
    b = (double)mn + (double)qn * s;
  } else {
    float s0;
    LQ_CHECK(lq_lsq_init_scale(x, n, qp > 0 ? qp : qn, &s0));
    s = s0;
  }
  if (!(s > 0)) s = 1.1920928955078125e-07; /* constant data */
  const double s_ref = s, step = (double)lr * s_ref;
  double m1s = 0, m2s = 0, m1b = 0, m2b = 0;
  const double b1 = 0.9, b2 = 0.999;
  double gs, gb;
  double best = lsq_loss_grad(x, n, (float)s, (float)b, qn, qp, &gs, &gb);
  float bs = (float)s, bb = (float)b;
  for (int32_t t = 1; t <= steps; t++) {
    /* Adam on (s, beta); the gradient scale g of LSQ cancels in Adam */
    m1s = b1 * m1s + (1 - b1) * gs;
    m2s = b2 * m2s + (1 - b2) * gs * gs;
    double c1 = 1 - pow(b1, t), c2 = 1 - pow(b2, t);
    double upd = step * (m1s / c1) / (sqrt(m2s / c2) + 1e-12 * s_ref);
    s -= upd;
    if (s < 1e-3 * s_ref) s = 1e-3 * s_ref;
    if (learn_offset) {
      m1b = b1 * m1b + (1 - b1) * gb;
      m2b = b2 * m2b + (1 - b2) * gb * gb;
      b -= step * (m1b / c1) / (sqrt(m2b / c2) + 1e-12 * s_ref);
    }
    double loss = lsq_loss_grad(x, n, (float)s, (float)b, qn, qp, &gs, &gb);
    if (loss < best) {
      best = loss;
      bs = (float)s;
      bb = (float)b;
    }
  }
  *s_out = bs;
  *beta_out = bb;
  return LQ_OK;
}

lq_status obs_lsq_qparams(const lq_observer* o, size_t c, float* scale, int32_t* zp, float* lo, float* hi) {
  const obs_store* st = &o->st[c];
  const float eps = o->rc.eps;
  int32_t z = 0;
  float s, b;
  if (o->rc.mapping == LQ_SYMMETRIC) {
    float s0;
    LQ_CHECK(lq_qparams_from_minmax(&o->rc, -1.0f, 1.0f, &s0, &z)); /* the fixed zero point */
    LQ_CHECK(lq_lsq_fit(st->v, st->n, z - o->qmin, o->qmax - z, 0, o->cfg.lsq_steps, o->cfg.lsq_lr, &s, &b));
    if (s < eps) s = eps;
  } else {
    LQ_CHECK(lq_lsq_fit(st->v, st->n, -o->qmin, o->qmax, 1, o->cfg.lsq_steps, o->cfg.lsq_lr, &s, &b));
    if (s < eps) s = eps;
    float zf = nearbyintf(-b / s); /* y = q*s + beta = (q - zp)*s with zp = -beta/s */
    zf = zf < (float)o->qmin ? (float)o->qmin : zf > (float)o->qmax ? (float)o->qmax : zf;
    z = (int32_t)zf;
  }
  *scale = s;
  *zp = z;
  *lo = (float)(o->qmin - z) * s;
  *hi = (float)(o->qmax - z) * s;
  return LQ_OK;
}
