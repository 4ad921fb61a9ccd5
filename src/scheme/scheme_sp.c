/* The signal-processing scheme families `midtread`, `midrise` and `deadzone`
 * on the uniform module's lq_sp_* quantizers: one step size Δ per tensor,
 * given in the spec (step=) or fitted to the data. */
#include <math.h>
#include <string.h>

#include "scheme/scheme_internal.h"

enum { FIT_ABSMAX = 0, FIT_MEANABS = 1 };

typedef struct sp_state {
  lq_sp_config cfg; /* cfg.step holds the step of the last calibration */
  int fixed;        /* step given in the spec */
  float fixed_step;
  int fit;
  int calibrated;
  int32_t qmin, qmax;
  lq_dtype dtype;
} sp_state;

static const char* const sp_names[] = {"midtread", "midrise", "deadzone"};
static const char* const round_names[] = {"half_even", "half_up", "half_away", "away",
                                          "floor",     "ceil",    "trunc",     "stochastic"};
static const char* const fit_names[] = {"absmax", "meanabs"};

static void sp_destroy(void* p) { free(p); }

/* Δ from the data: absmax puts max|x| on the outermost level (midtread and
 * deadzone: L Δ with L = 2^(bits-1) - 1; midrise: the outer edge 2^(bits-1) Δ);
 * meanabs (midrise) makes the innermost levels ±Δ/2 equal ±mean|x|, the
 * L2-optimal 1-bit scale of XNOR-Net. All-zero data gives Δ = 1. */
static lq_status sp_calibrate(void* p, const lq_shape* shape, size_t numel, const float* x) {
  sp_state* st = p;
  st->calibrated = 0;
  if (st->fixed) {
    st->cfg.step = st->fixed_step;
    st->calibrated = 1;
    return LQ_OK;
  }
  double stat;
  if (st->fit == FIT_MEANABS) {
    double sum = 0.0;
    for (size_t i = 0; i < numel; i++) sum += fabs((double)x[i]);
    stat = numel ? sum / (double)numel : 0.0;
  } else {
    float amax = 0.0f;
    if (numel) LQ_CHECK(lq_reduce_absmax_f32(x, numel, &amax));
    stat = amax;
  }
  if (!isfinite(stat))
    return lq_fail(LQ_ERR_NUMERIC, "%s: the data holds NaN or Inf, so no step can be fitted", sp_names[st->cfg.kind]);
  double half_levels = ldexp(1.0, st->cfg.bits - 1);
  double step;
  if (st->fit == FIT_MEANABS) step = 2.0 * stat;
  else if (st->cfg.kind == LQ_SP_MIDRISE) step = stat / half_levels;
  else step = stat / (half_levels - 1.0);
  float s = (float)step;
  if (!(s > 0.0f) || !isfinite(s)) s = 1.0f; /* all zero (or underflow): any step reproduces zeros */
  st->cfg.step = s;
  st->calibrated = 1;
  return LQ_OK;
}

static lq_status sp_roundtrip(void* p, const lq_shape* shape, size_t numel, const float* x, float* y,
                              int32_t* codes) {
  sp_state* st = p;
  LQ_CHECK(sp_calibrate(p, shape, numel, x));
  if (numel == 0) return LQ_OK;
  void* tmp;
  LQ_CHECK(lq_alloc_array(numel, (size_t)lq_dtype_bits(st->dtype) / 8, "codes", &tmp));
  lq_status s = lq_sp_quantize(&st->cfg, x, numel, tmp);
  if (s == LQ_OK) s = lq_sp_dequantize(&st->cfg, tmp, numel, y);
  if (s == LQ_OK && codes) s = lq_scheme_widen_codes(st->dtype, tmp, numel, codes);
  free(tmp);
  return s;
}

static lq_status sp_encoded_size(const void* p, const lq_shape* shape, size_t numel, size_t* bytes) {
  const sp_state* st = p;
  return lq_pack_size(st->dtype, numel, bytes);
}

static lq_status sp_encode(void* p, const lq_shape* shape, size_t numel, const float* x, void* codes) {
  sp_state* st = p;
  return lq_sp_quantize(&st->cfg, x, numel, codes);
}

static lq_status sp_decode(void* p, const lq_shape* shape, size_t numel, const void* codes, float* y) {
  sp_state* st = p;
  return lq_sp_dequantize(&st->cfg, codes, numel, y);
}

/* bits per code plus one float32 step per tensor unless the spec fixes it. */
static lq_status sp_bits_per_element(const void* p, const lq_shape* shape, size_t numel, double* out) {
  const sp_state* st = p;
  *out = st->cfg.bits + ((st->fixed || numel == 0) ? 0.0 : 32.0 / (double)numel);
  return LQ_OK;
}

static lq_status sp_code_range(const void* p, int32_t* qmin, int32_t* qmax) {
  const sp_state* st = p;
  *qmin = st->qmin;
  *qmax = st->qmax;
  return LQ_OK;
}

static lq_status sp_params_json(const void* p, lq_sbuf* b) {
  const sp_state* st = p;
  lq_sbuf_printf(b, ", \"bits\": %d, \"qmin\": %d, \"qmax\": %d, \"step\": ", (int)st->cfg.bits, (int)st->qmin,
                 (int)st->qmax);
  lq_sbuf_json_float(b, st->cfg.step);
  if (st->cfg.kind == LQ_SP_DEADZONE) {
    lq_sbuf_printf(b, ", \"f\": ");
    lq_sbuf_json_float(b, st->cfg.deadzone_offset);
    lq_sbuf_printf(b, ", \"r\": ");
    lq_sbuf_json_float(b, st->cfg.recon_offset);
  } else {
    lq_sbuf_printf(b, ", \"round\": \"%s\"", lq_round_name(st->cfg.rounding.mode));
  }
  return LQ_OK;
}

static const lq_scheme_ops sp_ops = {
    .roundtrip = sp_roundtrip,
    .bits_per_element = sp_bits_per_element,
    .destroy = sp_destroy,
    .code_range = sp_code_range,
    .params_json = sp_params_json,
    .calibrate = sp_calibrate,
    .encoded_size = sp_encoded_size,
    .encode = sp_encode,
    .decode = sp_decode,
};

static lq_status sp_create(lq_sp_kind kind, lq_scheme_args* a, void** state_out, const lq_scheme_ops** ops_out) {
  int64_t bits;
  double step, f = 0.0, r = 0.0;
  int have_step, rnd = LQ_ROUND_HALF_EVEN, fit = FIT_ABSMAX;
  uint64_t seed = 0;
  LQ_CHECK(lq_scheme_arg_int(a, "bits", kind == LQ_SP_MIDRISE ? 1 : 2, 16, 8, &bits, NULL));
  LQ_CHECK(lq_scheme_arg_float(a, "step", 0.0, 1, 3.4028234663852886e38, 0.0, &step, &have_step));
  if (kind == LQ_SP_DEADZONE) {
    /* JPEG 2000 defaults: f = 0 (dead zone 2Δ), reconstruction at bin middles r = 1/2. */
    LQ_CHECK(lq_scheme_arg_float(a, "f", 0.0, 0, 0.99999994, 0.0, &f, NULL));
    LQ_CHECK(lq_scheme_arg_float(a, "r", 0.0, 0, 0.99999994, 0.5, &r, NULL));
  } else {
    LQ_CHECK(lq_scheme_arg_enum(a, "round", round_names, 8, LQ_ROUND_HALF_EVEN, &rnd, NULL));
    LQ_CHECK(lq_scheme_arg_u64(a, "seed", 0, &seed, NULL));
  }
  if (kind == LQ_SP_MIDRISE) LQ_CHECK(lq_scheme_arg_enum(a, "fit", fit_names, 2, FIT_ABSMAX, &fit, NULL));
  if (have_step && fit != FIT_ABSMAX)
    return lq_fail(LQ_ERR_INVALID_ARG, "%s: step= and fit= exclude each other", sp_names[kind]);
  sp_state* st = calloc(1, sizeof *st);
  if (!st) return lq_fail(LQ_ERR_OUT_OF_MEMORY, "%s: out of memory", sp_names[kind]);
  st->cfg.kind = kind;
  st->cfg.bits = (int32_t)bits;
  st->cfg.step = 1.0f;
  st->cfg.deadzone_offset = (float)f;
  st->cfg.recon_offset = (float)r;
  st->cfg.rounding.mode = (lq_round)rnd;
  st->cfg.rounding.seed = seed;
  st->fit = fit;
  if (have_step) {
    st->fixed = 1;
    st->fixed_step = (float)step;
    st->cfg.step = st->fixed_step;
    if (!(st->fixed_step > 0.0f)) {
      free(st);
      return lq_fail(LQ_ERR_INVALID_ARG, "%s: step=%g underflows float", sp_names[kind], step);
    }
  }
  lq_status s = lq_sp_code_range(&st->cfg, &st->qmin, &st->qmax, &st->dtype);
  if (s != LQ_OK) {
    free(st);
    return s;
  }
  *state_out = st;
  *ops_out = &sp_ops;
  return LQ_OK;
}

lq_status lq_scheme_create_midtread(lq_scheme_args* a, void** st, const lq_scheme_ops** ops) {
  return sp_create(LQ_SP_MIDTREAD, a, st, ops);
}
lq_status lq_scheme_create_midrise(lq_scheme_args* a, void** st, const lq_scheme_ops** ops) {
  return sp_create(LQ_SP_MIDRISE, a, st, ops);
}
lq_status lq_scheme_create_deadzone(lq_scheme_args* a, void** st, const lq_scheme_ops** ops) {
  return sp_create(LQ_SP_DEADZONE, a, st, ops);
}
