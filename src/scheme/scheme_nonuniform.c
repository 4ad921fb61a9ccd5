/* Scheme families of the nonuniform module: continuous companders (`ulaw`,
 * `alaw`), log codes (`log2`, `logsqrt2`, generic `log`), power-of-two values
 * (`pot`), additive powers-of-two (`apot`), LUT quantizers (`lut` with a .npy
 * table, `lloyd` fitted to the data) and the closed-loop predictive coders
 * `delta`, `dm` and `dpcm` (the tensor is one signal in C order). Data-fitted
 * parameters are documented per family in docs/scheme.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scheme/scheme_internal.h"

enum { NU_MULAW, NU_ALAW, NU_LOG, NU_POT, NU_APOT, NU_LUT, NU_LLOYD, NU_DELTA, NU_DM, NU_DPCM };
static const char* const base_names[] = {"2", "sqrt2"};

typedef struct nu_state {
  int kind;
  const char* name; /* the family name (static, from the registry) */
  int bits;
  /* companders */
  double param;
  /* log */
  lq_log_base base;
  int fsr;
  /* fixed by the spec (no parameter overhead) */
  int fixed;
  double fixed_value; /* xmax / alpha / step */
  /* fitted */
  double scale; /* compander x_max, apot alpha, delta/dpcm step */
  /* LUT tables (apot: signed table alpha * levels; lut: the file; lloydmax: fitted) */
  float levels[256];
  size_t k;
  float unit_levels[64]; /* apot levels in [0, 1] */
  size_t unit_k;
  int order;
  double coef[32];
  /* pot: sorted table index -> sign + exponent code; the top exponent */
  uint8_t pot_code[256];
  int emax;
  /* dm */
  lq_dm_config dm;
} nu_state;

static void nu_destroy(void* p) { free(p); }

static lq_status absmax_finite(const nu_state* st, const float* x, size_t n, double* out) {
  float m = 0.0f;
  if (n) LQ_CHECK(lq_reduce_absmax_f32(x, n, &m));
  if (!isfinite(m)) return lq_fail(LQ_ERR_NUMERIC, "%s: the data holds NaN or Inf", st->name);
  *out = m;
  return LQ_OK;
}

static int bits_for(size_t k) {
  int b = 0;
  while (((size_t)1 << b) < k) b++;
  return b;
}

/* pot: the levels {0, +-2^e : emax - K < e <= emax} (K = 2^(bits-1) - 1) are
 * the base-2 log levels of lq_log_levels with fsr = emax + 1, sorted for the
 * LUT quantizer (nearest in value), each with its sign + exponent code. The
 * fitted emax is INQ's floor(log2(4 max|x| / 3)): the largest power of two
 * max|x| rounds to in value. */
static lq_status pot_fit(nu_state* st, size_t n, const float* x) {
  if (!st->fixed) {
    double amax = 0.0;
    LQ_CHECK(absmax_finite(st, x, n, &amax));
    int e = 0;
    if (amax > 0.0) {
      int k;
      double f = frexp(amax, &k); /* amax = f 2^k, f in [0.5, 1): 4 amax / 3 >= 2^k iff f >= 0.75 */
      e = f >= 0.75 ? k : k - 1;
    }
    st->emax = e < -101 ? -101 : e > 99 ? 99 : e;
  }
  lq_log_config lc = {st->bits, st->emax + 1, LQ_LOG_BASE2, 0};
  float table[256];
  size_t count;
  LQ_CHECK(lq_log_levels(&lc, table, 256, &count));
  size_t m = count / 2, K = m - 1; /* codes 1..K positive, m+1..m+K negative */
  for (size_t j = 0; j < K; j++) {
    st->levels[j] = table[m + K - j];
    st->pot_code[j] = (uint8_t)(m + K - j);
    st->levels[K + 1 + j] = table[1 + j];
    st->pot_code[K + 1 + j] = (uint8_t)(1 + j);
  }
  st->levels[K] = 0.0f;
  st->pot_code[K] = 0;
  st->k = 2 * K + 1;
  return LQ_OK;
}

/* Fits the parameters of the families that have any. */
static lq_status nu_fit(nu_state* st, size_t n, const float* x) {
  double amax = 0.0;
  switch (st->kind) {
    case NU_MULAW:
    case NU_ALAW:
      if (st->fixed) st->scale = st->fixed_value;
      else {
        LQ_CHECK(absmax_finite(st, x, n, &amax));
        st->scale = amax > 0.0 ? amax : 1.0;
      }
      return LQ_OK;
    case NU_LOG: {
      if (st->fixed) return LQ_OK;
      LQ_CHECK(absmax_finite(st, x, n, &amax));
      /* fsr = t(max|x|) + 1 so the largest magnitude is the top level; t is
       * found with the encoder itself (exact log-domain rounding). */
      st->fsr = 0;
      if (amax > 0.0) {
        lq_log_config probe = {8, 100, st->base, 1};
        float a = (float)amax;
        uint8_t c;
        LQ_CHECK(lq_log_encode_f32(&a, 1, &probe, &c));
        int t = c ? (int)c + (100 - 256) : -100;
        st->fsr = t + 1 < -100 ? -100 : t + 1 > 100 ? 100 : t + 1;
      }
      return LQ_OK;
    }
    case NU_APOT: {
      double alpha = st->fixed_value;
      if (!st->fixed) {
        LQ_CHECK(absmax_finite(st, x, n, &alpha));
        if (!(alpha > 0.0)) alpha = 1.0;
      }
      st->scale = alpha;
      /* Signed table: -alpha*u[K-1] .. -alpha*u[1], 0, alpha*u[1] .. alpha*u[K-1]. */
      size_t K = st->unit_k;
      for (size_t i = 0; i < K; i++) {
        st->levels[K - 1 - i] = (float)(-alpha * st->unit_levels[i]);
        st->levels[K - 1 + i] = (float)(alpha * st->unit_levels[i]);
      }
      st->levels[K - 1] = 0.0f;
      st->k = 2 * K - 1;
      return LQ_OK;
    }
    case NU_POT: return pot_fit(st, n, x);
    case NU_DM: {
      if (st->fixed) {
        st->dm.step = st->fixed_value;
        return LQ_OK;
      }
      /* step: the mean |x[i] - x[i-1]| (x[-1] = 0), the average slope the
       * staircase has to follow. */
      double sum = 0.0;
      for (size_t i = 0; i < n; i++) {
        double d = fabs((double)x[i] - (i ? (double)x[i - 1] : 0.0));
        if (!isfinite(d)) return lq_fail(LQ_ERR_NUMERIC, "%s: the data holds NaN or Inf", st->name);
        sum += d;
      }
      double s = n ? sum / (double)n : 0.0;
      st->dm.step = s > 0.0 ? s : 1.0;
      return LQ_OK;
    }
    case NU_LLOYD: {
      if (n < st->k)
        return lq_fail(LQ_ERR_INVALID_ARG, "lloyd: %zu elements cannot fit levels=%zu", n, st->k);
      return lq_lloyd_max_fit(x, NULL, n, st->k, NULL, st->levels, NULL);
    }
    case NU_DELTA:
    case NU_DPCM: {
      if (st->kind == NU_DPCM) {
        if (n <= 2 * (size_t)st->order)
          return lq_fail(LQ_ERR_INVALID_ARG, "dpcm: %zu elements are too few for order %d (need > %d)", n, st->order,
                         2 * st->order);
        LQ_CHECK(lq_dpcm_fit_predictor(x, n, st->order, st->coef));
      }
      if (st->fixed) {
        st->scale = st->fixed_value;
        return LQ_OK;
      }
      /* step: the largest open-loop prediction residual maps to the largest code. */
      double rmax = 0.0;
      for (size_t i = 0; i < n; i++) {
        double pred = 0.0;
        if (st->kind == NU_DELTA) pred = i ? x[i - 1] : 0.0;
        else
          for (int k = 0; k < st->order && (size_t)k < i; k++) pred += st->coef[k] * x[i - 1 - (size_t)k];
        double r = fabs((double)x[i] - pred);
        if (!isfinite(r)) return lq_fail(LQ_ERR_NUMERIC, "%s: the data holds NaN or Inf", st->name);
        if (r > rmax) rmax = r;
      }
      double s = rmax / (ldexp(1.0, st->bits - 1) - 1.0);
      st->scale = (float)s > 0.0f && isfinite((float)s) ? s : 1.0;
      return LQ_OK;
    }
    default: /* lut: the table is fixed */
      if (st->k == 0) return lq_fail(LQ_ERR_INVALID_ARG, "lut: needs file=PATH (a .npy of sorted levels)");
      return LQ_OK;
  }
}

static lq_status nu_roundtrip(void* p, const lq_shape* shape, size_t numel, const float* x, float* y,
                              int32_t* codes) {
  nu_state* st = p;
  (void)shape;
  LQ_CHECK(nu_fit(st, numel, x));
  if (numel == 0) return LQ_OK;
  void* c;
  LQ_CHECK(lq_alloc_array(numel, sizeof(uint16_t), "codes", &c));
  lq_status r = LQ_OK;
  switch (st->kind) {
    case NU_MULAW:
    case NU_ALAW: {
      lq_compander cp = {st->kind == NU_MULAW ? LQ_COMPAND_MULAW : LQ_COMPAND_ALAW, st->param, st->bits, st->scale};
      r = lq_compand_quantize_f32(&cp, x, numel, c, y);
      if (r == LQ_OK && codes)
        for (size_t i = 0; i < numel; i++) codes[i] = ((uint16_t*)c)[i];
      break;
    }
    case NU_LOG: {
      lq_log_config lc = {st->bits, st->fsr, st->base, 0};
      r = lq_log_encode_f32(x, numel, &lc, c);
      if (r == LQ_OK) r = lq_log_decode_f32(c, numel, &lc, y);
      if (r == LQ_OK && codes)
        for (size_t i = 0; i < numel; i++) codes[i] = ((uint8_t*)c)[i];
      break;
    }
    case NU_POT:
    case NU_APOT:
    case NU_LUT:
    case NU_LLOYD: {
      for (size_t i = 0; i < numel; i++)
        if (isnan(x[i])) {
          free(c);
          return lq_fail(LQ_ERR_NUMERIC, "%s: element %zu is NaN", st->name, i);
        }
      r = lq_lut_encode_f32(x, numel, st->levels, st->k, c);
      if (r == LQ_OK) r = lq_lut_decode_f32(c, numel, st->levels, st->k, y);
      if (r == LQ_OK && codes)
        for (size_t i = 0; i < numel; i++) {
          uint8_t idx = ((uint8_t*)c)[i];
          codes[i] = st->kind == NU_POT ? st->pot_code[idx] : idx;
        }
      break;
    }
    case NU_DM: {
      for (size_t i = 0; i < numel; i++)
        if (!isfinite(x[i])) {
          free(c);
          return lq_fail(LQ_ERR_NUMERIC, "%s: element %zu is not finite", st->name, i);
        }
      r = lq_dm_encode_f32(x, numel, &st->dm, c, y);
      if (r == LQ_OK && codes)
        for (size_t i = 0; i < numel; i++) codes[i] = ((uint8_t*)c)[i];
      break;
    }
    default: { /* delta, dpcm */
      for (size_t i = 0; i < numel; i++)
        if (!isfinite(x[i])) {
          free(c);
          return lq_fail(LQ_ERR_NUMERIC, "%s: element %zu is not finite", st->name, i);
        }
      if (st->kind == NU_DELTA) r = lq_delta_encode_f32(x, numel, (float)st->scale, st->bits, c, y);
      else r = lq_dpcm_encode_f32(x, numel, st->coef, st->order, (float)st->scale, st->bits, c, y);
      if (r == LQ_OK && codes)
        for (size_t i = 0; i < numel; i++) codes[i] = ((int16_t*)c)[i];
      break;
    }
  }
  free(c);
  return r;
}

/* Code bits plus the stored parameters: a float32 scale (compander x_max,
 * APoT alpha, delta / DM step), the log fsr / pot emax as 8 bits, lloyd's k
 * float32 levels, DPCM's step and order coefficients as float32. */
static lq_status nu_bits_per_element(const void* p, const lq_shape* shape, size_t numel, double* out) {
  const nu_state* st = p;
  (void)shape;
  double bits, extra = 0.0;
  switch (st->kind) {
    case NU_APOT: bits = st->bits; extra = st->fixed ? 0 : 32; break;
    case NU_LUT:
      if (st->k == 0) return lq_fail(LQ_ERR_INVALID_ARG, "lut: needs file=PATH (a .npy of sorted levels)");
      bits = bits_for(st->k);
      break;
    case NU_LLOYD: bits = bits_for(st->k); extra = 32.0 * (double)st->k; break;
    case NU_LOG:
    case NU_POT: bits = st->bits; extra = st->fixed ? 0 : 8; break;
    case NU_DM: bits = 1; extra = st->fixed ? 0 : 32; break;
    case NU_DPCM: bits = st->bits; extra = 32.0 * st->order + (st->fixed ? 0 : 32); break;
    default: bits = st->bits; extra = st->fixed ? 0 : 32; break;
  }
  *out = bits + (numel ? extra / (double)numel : 0.0);
  return LQ_OK;
}

static lq_status nu_code_range(const void* p, int32_t* qmin, int32_t* qmax) {
  const nu_state* st = p;
  switch (st->kind) {
    case NU_MULAW:
    case NU_ALAW: *qmin = 1, *qmax = (1 << st->bits) - 1; break;
    case NU_LOG:
    case NU_POT: *qmin = 0, *qmax = (1 << st->bits) - 1; break;
    case NU_DM: *qmin = 0, *qmax = 1; break;
    case NU_APOT: *qmin = 0, *qmax = (int32_t)(2 * st->unit_k - 2); break;
    case NU_LUT:
    case NU_LLOYD: *qmin = 0, *qmax = (int32_t)st->k - 1; break;
    default: *qmin = -(1 << (st->bits - 1)), *qmax = (1 << (st->bits - 1)) - 1; break;
  }
  return LQ_OK;
}

static lq_status nu_params_json(const void* p, lq_sbuf* b) {
  const nu_state* st = p;
  switch (st->kind) {
    case NU_MULAW:
    case NU_ALAW:
      lq_sbuf_printf(b, ", \"bits\": %d, \"%s\": ", st->bits, st->kind == NU_MULAW ? "mu" : "a");
      lq_sbuf_json_float(b, st->param);
      lq_sbuf_printf(b, ", \"xmax\": ");
      lq_sbuf_json_float(b, st->scale);
      break;
    case NU_LOG: lq_sbuf_printf(b, ", \"bits\": %d, \"base\": \"%s\", \"fsr\": %d", st->bits, base_names[st->base], st->fsr); break;
    case NU_POT:
      lq_sbuf_printf(b, ", \"bits\": %d, \"emax\": %d, \"k\": %zu, \"levels\": [", st->bits, st->emax, st->k);
      for (size_t i = 0; i < st->k; i++) {
        if (i) lq_sbuf_printf(b, ", ");
        lq_sbuf_json_float(b, st->levels[i]);
      }
      lq_sbuf_printf(b, "]");
      break;
    case NU_DM:
      lq_sbuf_printf(b, ", \"bits\": 1, \"step\": ");
      lq_sbuf_json_float(b, st->dm.step);
      lq_sbuf_printf(b, ", \"adaptive\": %d", st->dm.adaptive);
      if (st->dm.adaptive) {
        lq_sbuf_printf(b, ", \"run\": %d, \"growth\": ", st->dm.run);
        lq_sbuf_json_float(b, st->dm.growth);
      }
      break;
    case NU_DELTA:
    case NU_DPCM:
      lq_sbuf_printf(b, ", \"bits\": %d, \"step\": ", st->bits);
      lq_sbuf_json_float(b, (float)st->scale);
      if (st->kind == NU_DPCM) {
        lq_sbuf_printf(b, ", \"order\": %d, \"coef\": [", st->order);
        for (int k = 0; k < st->order; k++) {
          if (k) lq_sbuf_printf(b, ", ");
          lq_sbuf_json_float(b, st->coef[k]);
        }
        lq_sbuf_printf(b, "]");
      }
      break;
    default: /* table families */
      if (st->kind == NU_APOT) {
        lq_sbuf_printf(b, ", \"bits\": %d, \"alpha\": ", st->bits);
        lq_sbuf_json_float(b, st->scale);
      }
      lq_sbuf_printf(b, ", \"k\": %zu, \"levels\": [", st->k);
      for (size_t i = 0; i < st->k; i++) {
        if (i) lq_sbuf_printf(b, ", ");
        lq_sbuf_json_float(b, st->levels[i]);
      }
      lq_sbuf_printf(b, "]");
      break;
  }
  return LQ_OK;
}

static const lq_scheme_ops nu_ops = {
    .roundtrip = nu_roundtrip,
    .bits_per_element = nu_bits_per_element,
    .destroy = nu_destroy,
    .code_range = nu_code_range,
    .params_json = nu_params_json,
};

/* lut:file=PATH — a 1-D float32/float64 .npy of 1..256 sorted finite levels. */
static lq_status load_lut(nu_state* st, const char* path) {
  lq_npy_array arr;
  lq_status s = lq_npy_read_file(path, &arr);
  if (s != LQ_OK) return s;
  if (arr.ndim != 1 || arr.numel < 1 || arr.numel > 256) {
    lq_npy_free(&arr);
    return lq_fail(LQ_ERR_INVALID_ARG, "lut: %s must be a 1-D array of 1..256 levels", path);
  }
  st->k = arr.numel;
  s = lq_npy_to_f32(&arr, st->levels, st->k);
  lq_npy_free(&arr);
  if (s != LQ_OK) return s;
  float t[255];
  return lq_lut_thresholds(st->levels, st->k, t); /* sorted and finite */
}

/* base: the fixed log base of log2 / logsqrt2, -1 for `log` (key base). */
static lq_status nu_create(int kind, int base_fixed, lq_scheme_args* a, void** state_out,
                           const lq_scheme_ops** ops_out) {
  nu_state* st = calloc(1, sizeof *st);
  if (!st) return lq_fail(LQ_ERR_OUT_OF_MEMORY, "%s: out of memory", a->family);
  st->kind = kind;
  st->name = a->family;
  lq_status s = LQ_OK;
  int64_t v;
  switch (kind) {
    case NU_MULAW:
    case NU_ALAW:
      s = lq_scheme_arg_int(a, "bits", 2, 16, 8, &v, NULL);
      st->bits = (int)v;
      if (s == LQ_OK) {
        if (kind == NU_MULAW) s = lq_scheme_arg_float(a, "mu", 0.0, 1, 1e9, 255.0, &st->param, NULL);
        else s = lq_scheme_arg_float(a, "a", 1.0, 0, 1e9, 87.6, &st->param, NULL);
      }
      if (s == LQ_OK) s = lq_scheme_arg_float(a, "xmax", 0.0, 1, 3.4e38, 1.0, &st->fixed_value, &st->fixed);
      break;
    case NU_LOG: {
      int base = base_fixed;
      s = lq_scheme_arg_int(a, "bits", 2, 8, 4, &v, NULL);
      st->bits = (int)v;
      if (s == LQ_OK && base_fixed < 0) s = lq_scheme_arg_enum(a, "base", base_names, 2, 0, &base, NULL);
      st->base = (lq_log_base)base;
      if (s == LQ_OK) s = lq_scheme_arg_int(a, "fsr", -100, 100, 0, &v, &st->fixed);
      st->fsr = (int)v;
      break;
    }
    case NU_POT:
      s = lq_scheme_arg_int(a, "bits", 2, 8, 4, &v, NULL);
      st->bits = (int)v;
      if (s == LQ_OK) s = lq_scheme_arg_int(a, "emax", -101, 99, 0, &v, &st->fixed);
      st->emax = (int)v;
      break;
    case NU_DM: {
      int64_t adaptive = 0, run = 3;
      double growth = 1.5;
      s = lq_scheme_arg_float(a, "step", 0.0, 1, 3.4e38, 1.0, &st->fixed_value, &st->fixed);
      if (s == LQ_OK) s = lq_scheme_arg_int(a, "adaptive", 0, 1, 0, &adaptive, NULL);
      if (s == LQ_OK) s = lq_scheme_arg_int(a, "run", 2, 16, 3, &run, NULL);
      if (s == LQ_OK) s = lq_scheme_arg_float(a, "growth", 1.0, 1, 1e3, 1.5, &growth, NULL);
      st->dm = (lq_dm_config){st->fixed_value, (int)adaptive, (int)run, growth, 0.0, 0.0};
      break;
    }
    case NU_APOT:
      s = lq_scheme_arg_int(a, "bits", 3, 7, 5, &v, NULL);
      st->bits = (int)v;
      if (s == LQ_OK && v % 2 == 0)
        s = lq_fail(LQ_ERR_INVALID_ARG, "apot: bits=%d is not one of 3, 5, 7 (sign + B = 2, 4, 6)", (int)v);
      if (s == LQ_OK) s = lq_scheme_arg_float(a, "alpha", 0.0, 1, 3.4e38, 1.0, &st->fixed_value, &st->fixed);
      if (s == LQ_OK) s = lq_apot_levels(st->bits - 1, st->unit_levels, 64, &st->unit_k);
      break;
    case NU_LUT: {
      const char* path = NULL;
      for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->kv[i].key, "file") == 0) {
          a->kv[i].used = 1;
          path = a->kv[i].value;
        }
      /* Without file= the spec still parses (every listed name does), and
       * using it reports the missing table. */
      if (path) s = load_lut(st, path);
      break;
    }
    case NU_LLOYD:
      s = lq_scheme_arg_int(a, "levels", 2, 256, 16, &v, NULL);
      st->k = (size_t)v;
      break;
    default: /* delta, dpcm */
      s = lq_scheme_arg_int(a, "bits", 2, 16, kind == NU_DELTA ? 8 : 4, &v, NULL);
      st->bits = (int)v;
      if (s == LQ_OK && kind == NU_DPCM) {
        s = lq_scheme_arg_int(a, "order", 1, 32, 2, &v, NULL);
        st->order = (int)v;
      }
      if (s == LQ_OK) s = lq_scheme_arg_float(a, "step", 0.0, 1, 3.4e38, 1.0, &st->fixed_value, &st->fixed);
      if (s == LQ_OK && st->fixed && !((float)st->fixed_value > 0.0f))
        s = lq_fail(LQ_ERR_INVALID_ARG, "%s: step=%g underflows float", st->name, st->fixed_value);
      break;
  }
  if (s != LQ_OK) {
    free(st);
    return s;
  }
  *state_out = st;
  *ops_out = &nu_ops;
  return LQ_OK;
}

#define LQ_NU_CREATE(fn, kind, base) \
  lq_status fn(lq_scheme_args* a, void** st, const lq_scheme_ops** ops) { return nu_create(kind, base, a, st, ops); }
LQ_NU_CREATE(lq_scheme_create_ulaw, NU_MULAW, -1)
LQ_NU_CREATE(lq_scheme_create_alaw, NU_ALAW, -1)
LQ_NU_CREATE(lq_scheme_create_log2, NU_LOG, LQ_LOG_BASE2)
LQ_NU_CREATE(lq_scheme_create_logsqrt2, NU_LOG, LQ_LOG_BASE_SQRT2)
LQ_NU_CREATE(lq_scheme_create_log, NU_LOG, -1)
LQ_NU_CREATE(lq_scheme_create_pot, NU_POT, -1)
LQ_NU_CREATE(lq_scheme_create_apot, NU_APOT, -1)
LQ_NU_CREATE(lq_scheme_create_lut, NU_LUT, -1)
LQ_NU_CREATE(lq_scheme_create_lloyd, NU_LLOYD, -1)
LQ_NU_CREATE(lq_scheme_create_delta, NU_DELTA, -1)
LQ_NU_CREATE(lq_scheme_create_dm, NU_DM, -1)
LQ_NU_CREATE(lq_scheme_create_dpcm, NU_DPCM, -1)
