/* The observer object: configuration, batch layout, MinMax and moving-average
 * statistics, qparams, reset, merge and the one-shot calibrate call. The
 * histogram methods live in obs_hist.c, the data-keeping ones in obs_data.c,
 * serialisation in obs_serial.c. */
#include <math.h>
#include <string.h>

#include "cpu/dispatch.h"
#include "observers/obs_internal.h"

static const char* const method_names[LQ_OBSERVER_METHOD_COUNT_] = {
    "minmax", "moving_average", "histogram", "percentile", "hist_mse", "kl", "mse", "lsq"};

const char* lq_observer_method_name(lq_observer_method m) {
  if ((int)m < 0 || m >= LQ_OBSERVER_METHOD_COUNT_) return NULL;
  return method_names[m];
}

lq_status lq_observer_method_parse(const char* name, lq_observer_method* out) {
  LQ_REQUIRE_PTR(name);
  LQ_REQUIRE_PTR(out);
  for (int i = 0; i < LQ_OBSERVER_METHOD_COUNT_; i++)
    if (strcmp(name, method_names[i]) == 0) {
      *out = (lq_observer_method)i;
      return LQ_OK;
    }
  return lq_fail(LQ_ERR_INVALID_ARG, "unknown observer '%s'", name);
}

lq_status obs_normalise_config(const lq_observer_config* in, lq_observer_config* c) {
  *c = *in;
  if ((int)c->method < 0 || c->method >= LQ_OBSERVER_METHOD_COUNT_)
    return lq_fail(LQ_ERR_INVALID_ARG, "observer method %d is unknown", (int)c->method);
  if (c->dtype != LQ_OBSERVER_QUINT && c->dtype != LQ_OBSERVER_QINT)
    return lq_fail(LQ_ERR_INVALID_ARG, "observer dtype %d is neither QUINT nor QINT", (int)c->dtype);
  c->range.signedness = c->dtype == LQ_OBSERVER_QUINT ? LQ_UNSIGNED : LQ_SIGNED;
  if (c->range.bits == 0) c->range.bits = 8;
  if (c->range.eps == 0.0f) c->range.eps = 1.1920928955078125e-07f;
  if (!(c->range.eps > 0.0f) || !isfinite(c->range.eps))
    return lq_fail(LQ_ERR_INVALID_ARG, "eps %g must be finite and > 0", (double)c->range.eps);
  if (c->range.mapping != LQ_AFFINE && c->range.mapping != LQ_SYMMETRIC)
    return lq_fail(LQ_ERR_INVALID_ARG, "mapping %d is neither LQ_AFFINE nor LQ_SYMMETRIC", (int)c->range.mapping);
  if (c->range.sym_scale != LQ_SYM_SCALE_TORCH && c->range.sym_scale != LQ_SYM_SCALE_QMAX)
    return lq_fail(LQ_ERR_INVALID_ARG, "sym_scale %d is unknown", (int)c->range.sym_scale);
  int32_t qmin, qmax;
  LQ_CHECK(lq_range_qlimits(&c->range, &qmin, &qmax));
  if (c->range.mapping == LQ_SYMMETRIC && c->range.reduce_range && c->dtype == LQ_OBSERVER_QUINT &&
      !(c->range.qmin < c->range.qmax))
    return lq_fail(LQ_ERR_UNSUPPORTED, "symmetric quint8 with reduce_range is not supported (as in PyTorch)");
  if (c->granularity != LQ_GRAN_TENSOR && c->granularity != LQ_GRAN_CHANNEL)
    return lq_fail(LQ_ERR_INVALID_ARG, "observer granularity %d must be LQ_GRAN_TENSOR or LQ_GRAN_CHANNEL",
                   (int)c->granularity);
  if (c->granularity == LQ_GRAN_TENSOR) c->axis = 0;
  else if (c->axis < -LQ_MAX_DIMS || c->axis >= LQ_MAX_DIMS)
    return lq_fail(LQ_ERR_INVALID_ARG, "axis %d outside [-%d, %d)", (int)c->axis, LQ_MAX_DIMS, LQ_MAX_DIMS);
  if (c->averaging_constant == 0.0f) c->averaging_constant = 0.01f;
  if (!(c->averaging_constant > 0.0f && c->averaging_constant <= 1.0f))
    return lq_fail(LQ_ERR_INVALID_ARG, "averaging_constant %g outside (0, 1]", (double)c->averaging_constant);
  if (c->bins == 0) c->bins = LQ_OBS_DEFAULT_BINS;
  if (c->bins < 1 || c->bins > LQ_OBS_MAX_BINS)
    return lq_fail(LQ_ERR_INVALID_ARG, "bins %d outside [1, %d]", (int)c->bins, LQ_OBS_MAX_BINS);
  if (c->upsample_rate == 0) c->upsample_rate = 128;
  if (c->upsample_rate < 1 || c->upsample_rate > 4096)
    return lq_fail(LQ_ERR_INVALID_ARG, "upsample_rate %d outside [1, 4096]", (int)c->upsample_rate);
  if (c->percentile == 0.0) c->percentile = 99.99;
  if (!(c->percentile > 0.0 && c->percentile <= 100.0))
    return lq_fail(LQ_ERR_INVALID_ARG, "percentile %g outside (0, 100]", c->percentile);
  if (c->start_bin == 0) c->start_bin = 128;
  if (c->start_bin < 1) return lq_fail(LQ_ERR_INVALID_ARG, "start_bin %d must be >= 1", (int)c->start_bin);
  if (c->stride == 0) c->stride = 1;
  if (c->stride < 1) return lq_fail(LQ_ERR_INVALID_ARG, "stride %d must be >= 1", (int)c->stride);
  if (c->exact_limit == 0) c->exact_limit = (int64_t)1 << 20;
  if (c->exact_limit < -1) return lq_fail(LQ_ERR_INVALID_ARG, "exact_limit %lld must be >= -1", (long long)c->exact_limit);
  if (c->mse_norm == 0.0f) c->mse_norm = 2.4f;
  if (!(c->mse_norm > 0.0f && c->mse_norm <= 16.0f))
    return lq_fail(LQ_ERR_INVALID_ARG, "mse_norm %g outside (0, 16]", (double)c->mse_norm);
  if (c->mse_grid == 0) c->mse_grid = 100;
  if (c->mse_grid < 1 || c->mse_grid > 100000)
    return lq_fail(LQ_ERR_INVALID_ARG, "mse_grid %d outside [1, 100000]", (int)c->mse_grid);
  if (c->mse_maxshrink == 0.0f) c->mse_maxshrink = 0.8f;
  if (!(c->mse_maxshrink > 0.0f && c->mse_maxshrink <= 1.0f))
    return lq_fail(LQ_ERR_INVALID_ARG, "mse_maxshrink %g outside (0, 1]", (double)c->mse_maxshrink);
  if (c->lsq_steps == 0) c->lsq_steps = 300;
  if (c->lsq_steps < 1 || c->lsq_steps > 1000000)
    return lq_fail(LQ_ERR_INVALID_ARG, "lsq_steps %d outside [1, 1000000]", (int)c->lsq_steps);
  if (c->lsq_lr == 0.0f) c->lsq_lr = 0.01f;
  if (!(c->lsq_lr > 0.0f && c->lsq_lr <= 1.0f))
    return lq_fail(LQ_ERR_INVALID_ARG, "lsq_lr %g outside (0, 1]", (double)c->lsq_lr);
  if (c->torch_compat != 0 && c->torch_compat != 1)
    return lq_fail(LQ_ERR_INVALID_ARG, "torch_compat %d must be 0 or 1", (int)c->torch_compat);
  return LQ_OK;
}

void obs_free_state(lq_observer* o) {
  if (o->h)
    for (size_t c = 0; c < o->nch; c++) free(o->h[c].counts);
  if (o->st)
    for (size_t c = 0; c < o->nch; c++) free(o->st[c].v);
  free(o->mn);
  free(o->mx);
  free(o->h);
  free(o->st);
  free(o->bmn);
  free(o->bmx);
  free(o->tmp);
  o->mn = o->mx = o->bmn = o->bmx = NULL;
  o->h = NULL;
  o->st = NULL;
  o->tmp = NULL;
  o->tmp_cap = 0;
  o->nch = 0;
  o->batches = 0;
}

lq_status obs_alloc_channels(lq_observer* o, size_t nch) {
  if (nch == 0 || nch > LQ_OBS_MAX_CHANNELS)
    return lq_fail(LQ_ERR_INVALID_ARG, "channel count %zu outside [1, %u]", nch, LQ_OBS_MAX_CHANNELS);
  lq_status s;
  void *mn = NULL, *mx = NULL, *bmn = NULL, *bmx = NULL, *h = NULL, *st = NULL;
  if ((s = lq_alloc_array(nch, sizeof(float), "observer min", &mn)) != LQ_OK ||
      (s = lq_alloc_array(nch, sizeof(float), "observer max", &mx)) != LQ_OK ||
      (s = lq_alloc_array(nch, sizeof(float), "observer batch min", &bmn)) != LQ_OK ||
      (s = lq_alloc_array(nch, sizeof(float), "observer batch max", &bmx)) != LQ_OK ||
      ((obs_is_hist_torch(o) || obs_is_hist_nv(o)) &&
       (s = lq_calloc_array(nch, sizeof(obs_hist), "observer histograms", &h)) != LQ_OK) ||
      (obs_keeps_data(o) && (s = lq_calloc_array(nch, sizeof(obs_store), "observer data", &st)) != LQ_OK)) {
    free(mn); free(mx); free(bmn); free(bmx); free(h); free(st);
    return s;
  }
  o->mn = mn; o->mx = mx; o->bmn = bmn; o->bmx = bmx; o->h = h; o->st = st;
  for (size_t c = 0; c < nch; c++) {
    o->mn[c] = INFINITY;
    o->mx[c] = -INFINITY;
  }
  o->nch = nch;
  return LQ_OK;
}

lq_status obs_ensure_tmp(lq_observer* o, size_t n) {
  if (n <= o->tmp_cap) return LQ_OK;
  void* p;
  LQ_CHECK(lq_alloc_array(n, sizeof(uint32_t), "histogram scratch", &p));
  free(o->tmp);
  o->tmp = p;
  o->tmp_cap = n;
  return LQ_OK;
}

lq_status lq_observer_create(const lq_observer_config* cfg, lq_observer** out) {
  LQ_REQUIRE_PTR(out);
  *out = NULL;
  LQ_REQUIRE_PTR(cfg);
  lq_observer_config c;
  LQ_CHECK(obs_normalise_config(cfg, &c));
  void* p;
  LQ_CHECK(lq_calloc_array(1, sizeof(lq_observer), "observer", &p));
  lq_observer* o = p;
  o->cfg = c;
  o->rc = c.range;
  lq_status s = lq_range_qlimits(&o->rc, &o->qmin, &o->qmax);
  if (s == LQ_OK && c.granularity == LQ_GRAN_TENSOR) s = obs_alloc_channels(o, 1);
  if (s != LQ_OK) {
    lq_observer_destroy(o);
    return s;
  }
  *out = o;
  return LQ_OK;
}

void lq_observer_destroy(lq_observer* obs) {
  if (!obs) return;
  obs_free_state(obs);
  free(obs);
}

lq_status lq_observer_config_get(const lq_observer* obs, lq_observer_config* cfg_out) {
  LQ_REQUIRE_PTR(obs);
  LQ_REQUIRE_PTR(cfg_out);
  *cfg_out = obs->cfg;
  return LQ_OK;
}

lq_status lq_observer_channels(const lq_observer* obs, size_t* n_out) {
  LQ_REQUIRE_PTR(obs);
  LQ_REQUIRE_PTR(n_out);
  *n_out = obs->nch;
  return LQ_OK;
}

lq_status lq_observer_qlimits(const lq_observer* obs, int32_t* qmin_out, int32_t* qmax_out) {
  LQ_REQUIRE_PTR(obs);
  LQ_REQUIRE_PTR(qmin_out);
  LQ_REQUIRE_PTR(qmax_out);
  *qmin_out = obs->qmin;
  *qmax_out = obs->qmax;
  return LQ_OK;
}

static lq_status obs_layout_of(const lq_observer* o, const lq_shape* shape, size_t numel, obs_layout* L) {
  if (o->cfg.granularity == LQ_GRAN_TENSOR) {
    L->outer = 1;
    L->ch = 1;
    L->inner = numel;
    return LQ_OK;
  }
  int32_t ax = o->cfg.axis;
  if (ax < 0) ax += shape->ndim;
  if (shape->ndim == 0 || ax < 0 || ax >= shape->ndim)
    return lq_fail(LQ_ERR_INVALID_ARG, "channel axis %d is outside a %d-dimensional batch", (int)o->cfg.axis,
                   (int)shape->ndim);
  size_t outer = 1, inner = 1;
  for (int32_t d = 0; d < ax; d++) outer *= (size_t)shape->dims[d]; /* no overflow: numel fits */
  for (int32_t d = ax + 1; d < shape->ndim; d++) inner *= (size_t)shape->dims[d];
  L->outer = outer;
  L->ch = (size_t)shape->dims[ax];
  L->inner = inner;
  return LQ_OK;
}

static inline float nan_min(float a, float b) { return (a != a || b != b) ? NAN : lq_min_f32(a, b); }
static inline float nan_max(float a, float b) { return (a != a || b != b) ? NAN : lq_max_f32(a, b); }

/* Batch min/max per channel into bmn/bmx; NaN propagates (as torch.aminmax). */
static void obs_batch_minmax(const lq_observer* o, const float* x, const obs_layout* L, float* bmn, float* bmx) {
  const lq_dispatch* d = lq_dispatch_get();
  for (size_t c = 0; c < L->ch; c++) {
    bmn[c] = INFINITY;
    bmx[c] = -INFINITY;
  }
  if (L->inner == 1) { /* channel axis innermost: column-wise kernel */
    d->obs_minmax_rows_f32(L->outer, L->ch, x, bmn, bmx);
    return;
  }
  for (size_t r = 0; r < L->outer; r++)
    for (size_t c = 0; c < L->ch; c++) {
      float a, b;
      d->reduce_minmax_f32(L->inner, x + (r * L->ch + c) * L->inner, &a, &b);
      bmn[c] = nan_min(bmn[c], a);
      bmx[c] = nan_max(bmx[c], b);
    }
  (void)o;
}

lq_status lq_observer_observe(lq_observer* obs, const float* x, const lq_shape* shape) {
  LQ_REQUIRE_PTR(obs);
  LQ_REQUIRE_PTR(shape);
  size_t numel;
  LQ_CHECK(lq_shape_numel(shape, &numel));
  if (numel == 0) return LQ_OK; /* torch ignores empty batches */
  LQ_REQUIRE_PTR(x);
  obs_layout L;
  LQ_CHECK(obs_layout_of(obs, shape, numel, &L));
  if (obs->cfg.granularity == LQ_GRAN_CHANNEL) {
    if (obs->nch == 0) LQ_CHECK(obs_alloc_channels(obs, L.ch));
    else if (obs->nch != L.ch)
      return lq_fail(LQ_ERR_INVALID_ARG, "batch has %zu channels along axis %d, the observer has %zu", L.ch,
                     (int)obs->cfg.axis, obs->nch);
  }
  obs_batch_minmax(obs, x, &L, obs->bmn, obs->bmx);
  const size_t C = obs->nch;
  switch (obs->cfg.method) {
    case LQ_OBSERVER_MINMAX:
      for (size_t c = 0; c < C; c++) {
        obs->mn[c] = nan_min(obs->bmn[c], obs->mn[c]);
        obs->mx[c] = nan_max(obs->bmx[c], obs->mx[c]);
      }
      break;
    case LQ_OBSERVER_MOVING_AVERAGE: {
      const float k = obs->cfg.averaging_constant;
      for (size_t c = 0; c < C; c++) {
        if (obs->batches == 0) {
          obs->mn[c] = obs->bmn[c];
          obs->mx[c] = obs->bmx[c];
        } else { /* torch: float32 tensor arithmetic, min + c * (cur - min) */
          float dmn = obs->bmn[c] - obs->mn[c];
          float dmx = obs->bmx[c] - obs->mx[c];
          obs->mn[c] = obs->mn[c] + k * dmn;
          obs->mx[c] = obs->mx[c] + k * dmx;
        }
      }
      break;
    }
    default: {
      for (size_t c = 0; c < C; c++)
        if (!isfinite(obs->bmn[c]) || !isfinite(obs->bmx[c]))
          return lq_fail(LQ_ERR_NUMERIC, "batch contains NaN or Inf (channel %zu)", c);
      if (obs_is_hist_torch(obs)) {
        LQ_CHECK(obs_hist_torch_observe(obs, x, &L)); /* updates mn/mx itself */
      } else {
        if (obs_is_hist_nv(obs)) LQ_CHECK(obs_hist_nv_observe(obs, x, &L));
        if (obs_keeps_data(obs)) LQ_CHECK(obs_data_observe(obs, x, &L));
        for (size_t c = 0; c < C; c++) {
          obs->mn[c] = lq_min_f32(obs->bmn[c], obs->mn[c]);
          obs->mx[c] = lq_max_f32(obs->bmx[c], obs->mx[c]);
        }
      }
      break;
    }
  }
  obs->batches++;
  return LQ_OK;
}

/* The clipping range [lo, hi] of channel c (or LSQ's direct parameters). */
static lq_status obs_channel(const lq_observer* o, size_t c, float* lo, float* hi, float* scale, int32_t* zp) {
  *lo = o->mn[c];
  *hi = o->mx[c];
  if (o->batches == 0) {
    *scale = 1.0f; /* torch: never observed */
    *zp = 0;
    return LQ_OK;
  }
  switch (o->cfg.method) {
    case LQ_OBSERVER_HISTOGRAM:
      LQ_CHECK(obs_hist_torch_range(o, c, lo, hi));
      break;
    case LQ_OBSERVER_PERCENTILE:
    case LQ_OBSERVER_HIST_MSE:
    case LQ_OBSERVER_KL: {
      float amax;
      int done = 0;
      if (o->cfg.method == LQ_OBSERVER_PERCENTILE) LQ_CHECK(obs_percentile_exact(o, c, &amax, &done));
      if (!done) LQ_CHECK(obs_hist_nv_amax(o, c, &amax));
      /* the |x| threshold clips both sides, within the observed range */
      if (*lo < -amax) *lo = -amax;
      if (*hi > amax) *hi = amax;
      if (*lo > *hi) *lo = *hi; /* all data beyond amax on one side */
      break;
    }
    case LQ_OBSERVER_MSE:
      LQ_CHECK(obs_mse_range(o, c, lo, hi));
      break;
    case LQ_OBSERVER_LSQ:
      return obs_lsq_qparams(o, c, scale, zp, lo, hi);
    default:
      break;
  }
  return lq_qparams_from_minmax(&o->rc, *lo, *hi, scale, zp);
}

static lq_status obs_outputs(const lq_observer* o, float* a, int32_t* zps, float* b, size_t* n, int want_range) {
  size_t need = o->nch;
  if (o->cfg.granularity == LQ_GRAN_TENSOR) need = 1;
  if (*n < need) {
    *n = need;
    return lq_fail(LQ_ERR_BUFFER_TOO_SMALL, "need room for %zu channels", need);
  }
  if (need > 0) {
    LQ_REQUIRE_PTR(a);
    if (want_range) LQ_REQUIRE_PTR(b);
    else LQ_REQUIRE_PTR(zps);
  }
  for (size_t c = 0; c < need; c++) {
    float lo, hi, s;
    int32_t z;
    LQ_CHECK(obs_channel(o, c, &lo, &hi, &s, &z));
    if (want_range) {
      a[c] = lo;
      b[c] = hi;
    } else {
      a[c] = s;
      zps[c] = z;
    }
  }
  *n = need;
  return LQ_OK;
}

lq_status lq_observer_qparams(const lq_observer* obs, float* scales, int32_t* zero_points, size_t* n) {
  LQ_REQUIRE_PTR(obs);
  LQ_REQUIRE_PTR(n);
  return obs_outputs(obs, scales, zero_points, NULL, n, 0);
}

lq_status lq_observer_range(const lq_observer* obs, float* lo, float* hi, size_t* n) {
  LQ_REQUIRE_PTR(obs);
  LQ_REQUIRE_PTR(n);
  return obs_outputs(obs, lo, NULL, hi, n, 1);
}

lq_status lq_observer_reset(lq_observer* obs) {
  LQ_REQUIRE_PTR(obs);
  obs_free_state(obs);
  if (obs->cfg.granularity == LQ_GRAN_TENSOR) return obs_alloc_channels(obs, 1);
  return LQ_OK;
}

lq_status lq_observer_merge(lq_observer* dst, const lq_observer* src) {
  LQ_REQUIRE_PTR(dst);
  LQ_REQUIRE_PTR(src);
  if (dst == src) return lq_fail(LQ_ERR_INVALID_ARG, "cannot merge an observer into itself");
  if (memcmp(&dst->cfg, &src->cfg, sizeof dst->cfg) != 0)
    return lq_fail(LQ_ERR_INVALID_ARG, "observers to merge have different configurations");
  if (src->batches == 0) return LQ_OK;
  if (dst->nch == 0) LQ_CHECK(obs_alloc_channels(dst, src->nch));
  if (dst->nch != src->nch)
    return lq_fail(LQ_ERR_INVALID_ARG, "observers to merge have %zu and %zu channels", dst->nch, src->nch);
  const size_t C = dst->nch;
  switch (dst->cfg.method) {
    case LQ_OBSERVER_MINMAX:
      for (size_t c = 0; c < C; c++) {
        dst->mn[c] = nan_min(src->mn[c], dst->mn[c]);
        dst->mx[c] = nan_max(src->mx[c], dst->mx[c]);
      }
      break;
    case LQ_OBSERVER_MOVING_AVERAGE: {
      /* batch-count weighted mean of the two averages */
      double wa = (double)dst->batches, wb = (double)src->batches;
      for (size_t c = 0; c < C; c++) {
        if (dst->batches == 0) {
          dst->mn[c] = src->mn[c];
          dst->mx[c] = src->mx[c];
        } else {
          dst->mn[c] = (float)((wa * dst->mn[c] + wb * src->mn[c]) / (wa + wb));
          dst->mx[c] = (float)((wa * dst->mx[c] + wb * src->mx[c]) / (wa + wb));
        }
      }
      break;
    }
    case LQ_OBSERVER_HISTOGRAM:
      for (size_t c = 0; c < C; c++) LQ_CHECK(obs_hist_torch_merge(dst, src, c));
      break;
    default:
      for (size_t c = 0; c < C; c++) {
        if (obs_is_hist_nv(dst)) LQ_CHECK(obs_hist_nv_merge(dst, src, c));
        if (obs_keeps_data(dst)) {
          obs_store* d = &dst->st[c];
          const obs_store* s = &src->st[c];
          if (dst->cfg.method == LQ_OBSERVER_PERCENTILE &&
              (d->overflowed || s->overflowed ||
               (dst->cfg.exact_limit >= 0 && d->n + s->n > (uint64_t)dst->cfg.exact_limit) ||
               dst->cfg.exact_limit < 0)) {
            free(d->v);
            d->v = NULL;
            d->n = d->cap = 0;
            d->overflowed = 1;
          } else {
            LQ_CHECK(obs_store_append(d, s->v, s->n));
          }
        }
        dst->mn[c] = lq_min_f32(src->mn[c], dst->mn[c]);
        dst->mx[c] = lq_max_f32(src->mx[c], dst->mx[c]);
      }
      break;
  }
  dst->batches += src->batches;
  return LQ_OK;
}

lq_status lq_observer_calibrate(const lq_observer_config* cfg, const float* x, const lq_shape* shape,
                                float* scales, int32_t* zero_points, size_t* n) {
  LQ_REQUIRE_PTR(cfg);
  LQ_REQUIRE_PTR(shape);
  LQ_REQUIRE_PTR(n);
  lq_observer* o;
  LQ_CHECK(lq_observer_create(cfg, &o));
  lq_status s = lq_observer_observe(o, x, shape);
  if (s == LQ_OK) s = lq_observer_qparams(o, scales, zero_points, n);
  lq_observer_destroy(o);
  return s;
}
