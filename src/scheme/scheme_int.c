/* The `int` scheme family: affine / symmetric integer quantization on the
 * uniform module's tensor API (lq_uniform_*), with a swappable observer that
 * computes the per-unit (scale, zero_point) from the data. */
#include <math.h>
#include <string.h>

#include "scheme/scheme_internal.h"

/* An observer fills one (scale, zero_point) per unit of cfg's granularity
 * (lq_uniform_param_count entries) from x. Same contract as
 * lq_uniform_calibrate_minmax, which is the default. More observers are one
 * line each in the table below (docs/scheme.md). */
typedef lq_status (*int_observer_fn)(const lq_uniform_config* cfg, const float* x, const lq_shape* shape,
                                     float* scales, int32_t* zero_points);

/* The observers module's methods behind the same contract: the uniform
 * config maps onto an observer config (signedness -> quint8/qint8 dtype,
 * ROW/COLUMN -> per-channel over a [rows, last] view); GROUP is not an
 * observer granularity. One call observes the whole tensor once. */
static lq_status int_observe_with(lq_observer_method method, const lq_uniform_config* cfg, const float* x,
                                  const lq_shape* shape, float* scales, int32_t* zero_points) {
  lq_observer_config oc;
  memset(&oc, 0, sizeof oc);
  oc.method = method;
  oc.dtype = cfg->range.signedness == LQ_UNSIGNED ? LQ_OBSERVER_QUINT : LQ_OBSERVER_QINT;
  oc.range = cfg->range;
  lq_shape view = *shape;
  switch (cfg->granularity) {
    case LQ_GRAN_TENSOR: oc.granularity = LQ_GRAN_TENSOR; break;
    case LQ_GRAN_CHANNEL: oc.granularity = LQ_GRAN_CHANNEL; oc.axis = cfg->axis; break;
    case LQ_GRAN_ROW:
    case LQ_GRAN_COLUMN: {
      if (shape->ndim < 1) return lq_fail(LQ_ERR_INVALID_ARG, "int: gran=row/column needs at least one dimension");
      size_t numel;
      LQ_CHECK(lq_shape_numel(shape, &numel));
      int64_t last = shape->dims[shape->ndim - 1];
      view.ndim = 2;
      view.dims[0] = last ? (int64_t)(numel / (size_t)last) : 0;
      view.dims[1] = last;
      oc.granularity = LQ_GRAN_CHANNEL;
      oc.axis = cfg->granularity == LQ_GRAN_ROW ? 0 : 1;
      break;
    }
    default:
      return lq_fail(LQ_ERR_INVALID_ARG, "int: obs=%s supports gran=tensor|channel|row|column, not group",
                     lq_observer_method_name(method));
  }
  size_t count;
  LQ_CHECK(lq_uniform_param_count(cfg, shape, &count));
  size_t n = count;
  LQ_CHECK(lq_observer_calibrate(&oc, x, &view, scales, zero_points, &n));
  if (n != count) return lq_fail(LQ_ERR_STATE, "int: observer gave %zu parameter pairs, expected %zu", n, count);
  return LQ_OK;
}

#define INT_OBSERVER(fname, method)                                                                        \
  static lq_status fname(const lq_uniform_config* cfg, const float* x, const lq_shape* shape, float* scales, \
                         int32_t* zero_points) {                                                           \
    return int_observe_with(method, cfg, x, shape, scales, zero_points);                                   \
  }
INT_OBSERVER(int_obs_moving_average, LQ_OBSERVER_MOVING_AVERAGE)
INT_OBSERVER(int_obs_histogram, LQ_OBSERVER_HISTOGRAM)
INT_OBSERVER(int_obs_percentile, LQ_OBSERVER_PERCENTILE)
INT_OBSERVER(int_obs_hist_mse, LQ_OBSERVER_HIST_MSE)
INT_OBSERVER(int_obs_kl, LQ_OBSERVER_KL)
INT_OBSERVER(int_obs_mse, LQ_OBSERVER_MSE)
INT_OBSERVER(int_obs_lsq, LQ_OBSERVER_LSQ)

static const struct {
  const char* name;
  int_observer_fn fn;
} int_observers[] = {
    {"minmax", lq_uniform_calibrate_minmax},
    {"moving_average", int_obs_moving_average},
    {"histogram", int_obs_histogram},
    {"percentile", int_obs_percentile},
    {"hist_mse", int_obs_hist_mse},
    {"kl", int_obs_kl},
    {"mse", int_obs_mse},
    {"lsq", int_obs_lsq},
};
#define N_INT_OBSERVERS (int)(sizeof int_observers / sizeof int_observers[0])

typedef struct int_state {
  lq_uniform_config cfg;
  int32_t qmin, qmax;
  int fixed;           /* scale given in the spec: no calibration, no parameter overhead */
  float fixed_scale;
  int32_t fixed_zp;
  int observer;        /* index into int_observers */
  /* parameters of the last calibration */
  size_t nparams, cap;
  float* scales;
  int32_t* zps;
  lq_dtype code_dtype; /* unpacked storage type */
} int_state;

static const char* const gran_names[] = {"tensor", "channel", "group", "row", "column"};
static const char* const round_names[] = {"half_even", "half_up", "half_away", "away",
                                          "floor",     "ceil",    "trunc",     "stochastic"};
static const char* const symscale_names[] = {"torch", "qmax"};

static void int_destroy(void* p) {
  int_state* st = p;
  if (!st) return;
  free(st->scales);
  free(st->zps);
  free(st);
}

static lq_status int_calibrate(void* p, const lq_shape* shape, size_t numel, const float* x) {
  int_state* st = p;
  size_t count;
  LQ_CHECK(lq_uniform_param_count(&st->cfg, shape, &count));
  if (count > st->cap) {
    float* s = realloc(st->scales, count * sizeof *s);
    if (s) st->scales = s;
    int32_t* z = realloc(st->zps, count * sizeof *z);
    if (z) st->zps = z;
    if (!s || !z) return lq_fail(LQ_ERR_OUT_OF_MEMORY, "int: out of memory for %zu parameters", count);
    st->cap = count;
  }
  st->nparams = 0;
  if (st->fixed) {
    for (size_t i = 0; i < count; i++) {
      st->scales[i] = st->fixed_scale;
      st->zps[i] = st->fixed_zp;
    }
  } else {
    LQ_CHECK(int_observers[st->observer].fn(&st->cfg, numel ? x : NULL, shape, st->scales, st->zps));
  }
  st->nparams = count;
  return LQ_OK;
}

static lq_status int_roundtrip(void* p, const lq_shape* shape, size_t numel, const float* x, float* y,
                               int32_t* codes) {
  int_state* st = p;
  LQ_CHECK(int_calibrate(p, shape, numel, x));
  if (numel == 0) return LQ_OK;
  if (!codes) return lq_uniform_fake_quantize(&st->cfg, x, shape, st->scales, st->zps, y);
  void* tmp;
  LQ_CHECK(lq_alloc_array(numel, (size_t)lq_dtype_bits(st->code_dtype) / 8, "int codes", &tmp));
  lq_status s = lq_uniform_quantize(&st->cfg, x, shape, st->scales, st->zps, tmp);
  if (s == LQ_OK) s = lq_uniform_dequantize(&st->cfg, tmp, shape, st->scales, st->zps, y);
  if (s == LQ_OK) s = lq_scheme_widen_codes(st->code_dtype, tmp, numel, codes);
  free(tmp);
  return s;
}

static int int_packs(const int_state* st) {
  int32_t b = st->cfg.range.bits;
  return b == 1 || b == 2 || b == 4;
}

static lq_status int_encoded_size(const void* p, const lq_shape* shape, size_t numel, size_t* bytes) {
  const int_state* st = p;
  lq_dtype dt;
  LQ_CHECK(lq_uniform_code_dtype(&st->cfg, int_packs(st), &dt));
  return lq_pack_size(dt, numel, bytes);
}

static lq_status int_encode(void* p, const lq_shape* shape, size_t numel, const float* x, void* codes) {
  int_state* st = p;
  if (int_packs(st)) return lq_uniform_quantize_packed(&st->cfg, x, shape, st->scales, st->zps, codes);
  return lq_uniform_quantize(&st->cfg, x, shape, st->scales, st->zps, codes);
}

static lq_status int_decode(void* p, const lq_shape* shape, size_t numel, const void* codes, float* y) {
  int_state* st = p;
  if (int_packs(st)) return lq_uniform_dequantize_packed(&st->cfg, codes, shape, st->scales, st->zps, y);
  return lq_uniform_dequantize(&st->cfg, codes, shape, st->scales, st->zps, y);
}

/* Codes at `bits` bits each, plus per unit a float32 scale and, for affine
 * data-driven parameters, a zero point stored in `bits` bits. Parameters
 * fixed by the spec cost nothing. */
static lq_status int_bits_per_element(const void* p, const lq_shape* shape, size_t numel, double* out) {
  const int_state* st = p;
  size_t count;
  LQ_CHECK(lq_uniform_param_count(&st->cfg, shape, &count));
  double bits = st->cfg.range.bits;
  double per_unit = st->fixed ? 0.0 : 32.0 + (st->cfg.range.mapping == LQ_AFFINE ? bits : 0.0);
  *out = numel ? bits + per_unit * (double)count / (double)numel : bits;
  return LQ_OK;
}

static lq_status int_code_range(const void* p, int32_t* qmin, int32_t* qmax) {
  const int_state* st = p;
  *qmin = st->qmin;
  *qmax = st->qmax;
  return LQ_OK;
}

static lq_status int_params_json(const void* p, lq_sbuf* b) {
  const int_state* st = p;
  const lq_uniform_config* c = &st->cfg;
  lq_sbuf_printf(b, ", \"bits\": %d, \"qmin\": %d, \"qmax\": %d, \"signed\": %s, \"symmetric\": %s",
                 (int)c->range.bits, (int)st->qmin, (int)st->qmax,
                 c->range.signedness == LQ_SIGNED ? "true" : "false",
                 c->range.mapping == LQ_SYMMETRIC ? "true" : "false");
  lq_sbuf_printf(b, ", \"granularity\": \"%s\", \"axis\": %d", gran_names[c->granularity], (int)c->axis);
  if (c->granularity == LQ_GRAN_GROUP) lq_sbuf_printf(b, ", \"group\": %lld", (long long)c->group_size);
  lq_sbuf_printf(b, ", \"round\": \"%s\", \"observer\": \"%s\"", lq_round_name(c->rounding.mode),
                 st->fixed ? "fixed" : int_observers[st->observer].name);
  lq_sbuf_printf(b, ", \"scale\": [");
  for (size_t i = 0; i < st->nparams; i++) {
    if (i) lq_sbuf_printf(b, ", ");
    lq_sbuf_json_float(b, st->scales[i]);
  }
  lq_sbuf_printf(b, "], \"zero_point\": [");
  for (size_t i = 0; i < st->nparams; i++) lq_sbuf_printf(b, "%s%d", i ? ", " : "", (int)st->zps[i]);
  lq_sbuf_printf(b, "]");
  return LQ_OK;
}

static const lq_scheme_ops int_ops = {
    .roundtrip = int_roundtrip,
    .bits_per_element = int_bits_per_element,
    .destroy = int_destroy,
    .code_range = int_code_range,
    .params_json = int_params_json,
    .calibrate = int_calibrate,
    .encoded_size = int_encoded_size,
    .encode = int_encode,
    .decode = int_decode,
};

lq_status lq_scheme_create_int(lq_scheme_args* a, void** state_out, const lq_scheme_ops** ops_out) {
  int64_t bits, sgn, sym, narrow, axis, group;
  int gran, rnd, symscale, obs, have_group, have_scale, have_zp;
  uint64_t seed;
  double scale;
  int64_t zp;
  LQ_CHECK(lq_scheme_arg_int(a, "bits", 1, 16, 8, &bits, NULL));
  LQ_CHECK(lq_scheme_arg_int(a, "signed", 0, 1, 1, &sgn, NULL));
  LQ_CHECK(lq_scheme_arg_int(a, "sym", 0, 1, 0, &sym, NULL));
  LQ_CHECK(lq_scheme_arg_int(a, "narrow", 0, 1, 0, &narrow, NULL));
  LQ_CHECK(lq_scheme_arg_enum(a, "gran", gran_names, 5, LQ_GRAN_TENSOR, &gran, NULL));
  LQ_CHECK(lq_scheme_arg_int(a, "axis", -LQ_MAX_DIMS, LQ_MAX_DIMS - 1, 0, &axis, NULL));
  LQ_CHECK(lq_scheme_arg_int(a, "group", 1, INT64_MAX, 0, &group, &have_group));
  LQ_CHECK(lq_scheme_arg_enum(a, "round", round_names, 8, LQ_ROUND_HALF_EVEN, &rnd, NULL));
  LQ_CHECK(lq_scheme_arg_u64(a, "seed", 0, &seed, NULL));
  LQ_CHECK(lq_scheme_arg_enum(a, "symscale", symscale_names, 2, LQ_SYM_SCALE_TORCH, &symscale, NULL));
  LQ_CHECK(lq_scheme_arg_float(a, "scale", 0.0, 1, 3.4028234663852886e38, 0.0, &scale, &have_scale));
  LQ_CHECK(lq_scheme_arg_int(a, "zp", -65536, 65535, 0, &zp, &have_zp));
  int obs_names_n = N_INT_OBSERVERS;
  const char* obs_names[N_INT_OBSERVERS];
  for (int i = 0; i < obs_names_n; i++) obs_names[i] = int_observers[i].name;
  LQ_CHECK(lq_scheme_arg_enum(a, "obs", obs_names, obs_names_n, 0, &obs, NULL));

  if (gran == LQ_GRAN_GROUP && !have_group) return lq_fail(LQ_ERR_INVALID_ARG, "int: gran=group needs group=N");
  if (gran != LQ_GRAN_GROUP && have_group)
    return lq_fail(LQ_ERR_INVALID_ARG, "int: group=%lld needs gran=group", (long long)group);
  if (narrow && bits == 1) return lq_fail(LQ_ERR_INVALID_ARG, "int: narrow=1 needs bits >= 2");
  if (have_zp && !have_scale) return lq_fail(LQ_ERR_INVALID_ARG, "int: zp=%lld needs scale=S", (long long)zp);
  if (have_zp && sym) return lq_fail(LQ_ERR_INVALID_ARG, "int: zp cannot be set with sym=1 (the zero point is fixed)");

  int_state* st = calloc(1, sizeof *st);
  if (!st) return lq_fail(LQ_ERR_OUT_OF_MEMORY, "int: out of memory");
  lq_uniform_config* c = &st->cfg;
  c->range.bits = (int32_t)bits;
  c->range.signedness = sgn ? LQ_SIGNED : LQ_UNSIGNED;
  c->range.mapping = sym ? LQ_SYMMETRIC : LQ_AFFINE;
  c->range.narrow = (int32_t)narrow;
  c->range.sym_scale = (lq_sym_scale)symscale;
  c->granularity = (lq_granularity)gran;
  c->axis = (int32_t)axis;
  c->group_size = gran == LQ_GRAN_GROUP ? group : 0;
  c->rounding.mode = (lq_round)rnd;
  c->rounding.seed = seed;
  st->observer = obs;
  lq_status s = lq_range_qlimits(&c->range, &st->qmin, &st->qmax);
  if (s == LQ_OK) s = lq_uniform_code_dtype(c, 0, &st->code_dtype);
  if (s == LQ_OK && have_scale) {
    st->fixed = 1;
    st->fixed_scale = (float)scale;
    if (!(st->fixed_scale > 0.0f) || !isfinite(1.0f / st->fixed_scale))
      s = lq_fail(LQ_ERR_INVALID_ARG, "int: scale=%g is too small or too large for float", scale);
    if (sym) st->fixed_zp = c->range.signedness == LQ_SIGNED ? 0 : (st->qmin + st->qmax + 1) / 2;
    else st->fixed_zp = (int32_t)zp;
    if (s == LQ_OK && (st->fixed_zp < st->qmin || st->fixed_zp > st->qmax))
      s = lq_fail(LQ_ERR_INVALID_ARG, "int: zp=%d is outside [%d, %d]", (int)st->fixed_zp, (int)st->qmin,
                  (int)st->qmax);
  }
  if (s != LQ_OK) {
    int_destroy(st);
    return s;
  }
  *state_out = st;
  *ops_out = &int_ops;
  return LQ_OK;
}
