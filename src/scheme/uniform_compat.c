/* Scalar stand-ins for the uniform module's tensor API; see uniform_compat.h.
 * Arithmetic is PyTorch's: v = x * (1.0f / scale), q = clamp(round(v) + zp)
 * in float, x^ = (float)(q - zp) * scale; NaN -> zp, +-Inf saturate. */
#include <math.h>
#include <string.h>

#include "scheme/uniform_compat.h"

#ifndef LQ_SCHEME_USE_UNIFORM_API

/* Unit layout of a granularity over shape: (outer, C, inner) around the
 * axis; unit of element (o, c, i) = ((o * ngroups) + c / group) * inner_units + i'. */
typedef struct unit_map {
  size_t outer, ch, inner, group, ngroups;
  int per_inner; /* units differ along inner (group granularity) */
  int per_outer;
  int gran_tensor;
} unit_map;

static lq_status make_map(const lq_uniform_config* cfg, const lq_shape* shape, unit_map* m, size_t* count) {
  size_t numel;
  LQ_CHECK(lq_shape_numel(shape, &numel));
  memset(m, 0, sizeof *m);
  int64_t axis = cfg->axis;
  int64_t group = cfg->group_size;
  switch (cfg->granularity) {
    case LQ_GRAN_TENSOR:
      m->gran_tensor = 1;
      m->outer = 1;
      m->ch = numel;
      m->inner = 1;
      *count = 1;
      return LQ_OK;
    case LQ_GRAN_CHANNEL: break;
    case LQ_GRAN_COLUMN: axis = -1; break;
    case LQ_GRAN_ROW:
      axis = -1;
      group = shape->ndim ? shape->dims[shape->ndim - 1] : 1;
      if (group < 1) group = 1;
      break;
    case LQ_GRAN_GROUP:
      if (group < 1) return lq_fail(LQ_ERR_INVALID_ARG, "group_size %lld must be >= 1", (long long)group);
      break;
    default: return lq_fail(LQ_ERR_INVALID_ARG, "bad granularity %d", (int)cfg->granularity);
  }
  int32_t nd = shape->ndim ? shape->ndim : 1;
  int64_t a = axis < 0 ? axis + nd : axis;
  if (a < 0 || a >= nd)
    return lq_fail(LQ_ERR_INVALID_ARG, "axis %d is out of range for a tensor of rank %d", (int)cfg->axis,
                   (int)shape->ndim);
  size_t o = 1, in = 1, c = shape->ndim ? (size_t)shape->dims[a] : 1;
  for (int64_t d = 0; d < a; d++) o *= (size_t)shape->dims[d];
  for (int64_t d = a + 1; d < shape->ndim; d++) in *= (size_t)shape->dims[d];
  m->outer = o;
  m->ch = c;
  m->inner = in;
  if (cfg->granularity == LQ_GRAN_CHANNEL || cfg->granularity == LQ_GRAN_COLUMN) {
    *count = c;
  } else {
    m->group = (size_t)group;
    m->ngroups = c ? (c + m->group - 1) / m->group : 0;
    m->per_inner = m->per_outer = 1;
    *count = o * m->ngroups * in;
  }
  return LQ_OK;
}

static inline size_t unit_of(const unit_map* m, size_t o, size_t c, size_t i) {
  if (m->gran_tensor) return 0;
  if (!m->per_inner) return c;
  return (o * m->ngroups + c / m->group) * m->inner + i;
}

/* Calls fn(ctx, flat index, unit) for every element in C order. */
#define FOR_EACH_ELEMENT(m, body)                       \
  do {                                                  \
    size_t flat_ = 0;                                   \
    for (size_t o_ = 0; o_ < (m)->outer; o_++)          \
      for (size_t c_ = 0; c_ < (m)->ch; c_++)           \
        for (size_t i_ = 0; i_ < (m)->inner; i_++, flat_++) { \
          size_t idx = flat_;                           \
          size_t unit = unit_of((m), o_, c_, i_);       \
          body                                          \
        }                                               \
  } while (0)

lq_status lqs_uniform_param_count(const lq_uniform_config* cfg, const lq_shape* shape, size_t* count_out) {
  unit_map m;
  return make_map(cfg, shape, &m, count_out);
}

lq_status lqs_uniform_code_dtype(const lq_uniform_config* cfg, int packed, lq_dtype* dtype_out) {
  int32_t qmin, qmax;
  LQ_CHECK(lq_range_qlimits(&cfg->range, &qmin, &qmax));
  int32_t bits = cfg->range.bits ? cfg->range.bits : 8;
  int s = qmin < 0;
  if (packed) {
    switch (bits) {
      case 4: *dtype_out = s ? LQ_DTYPE_S4 : LQ_DTYPE_U4; return LQ_OK;
      case 2: *dtype_out = s ? LQ_DTYPE_S2 : LQ_DTYPE_U2; return LQ_OK;
      case 1: *dtype_out = s ? LQ_DTYPE_S1 : LQ_DTYPE_B1; return LQ_OK;
      default: return lq_fail(LQ_ERR_INVALID_ARG, "packed codes need bits 1, 2 or 4 (got %d)", (int)bits);
    }
  }
  *dtype_out = bits <= 8 ? (s ? LQ_DTYPE_S8 : LQ_DTYPE_U8) : (s ? LQ_DTYPE_S16 : LQ_DTYPE_U16);
  return LQ_OK;
}

int32_t lqs_dtype_bits(lq_dtype dt) {
  static const int32_t b[LQ_DTYPE_COUNT_] = {8, 8, 16, 16, 4, 4, 2, 2, 1, 1};
  return (unsigned)dt < LQ_DTYPE_COUNT_ ? b[dt] : 0;
}

const char* lqs_dtype_name(lq_dtype dt) {
  static const char* const n[LQ_DTYPE_COUNT_] = {"s8", "u8", "s16", "u16", "s4", "u4", "s2", "u2", "s1", "b1"};
  return (unsigned)dt < LQ_DTYPE_COUNT_ ? n[dt] : "unknown";
}

lq_status lqs_pack_size(lq_dtype dt, size_t n, size_t* bytes_out) {
  int32_t b = lqs_dtype_bits(dt);
  if (!b) return lq_fail(LQ_ERR_INVALID_ARG, "bad dtype %d", (int)dt);
  size_t bits;
  if (lq_mul_overflows(n, (size_t)b, &bits)) return lq_fail(LQ_ERR_OVERFLOW, "code size overflows size_t");
  *bytes_out = bits / 8 + (bits % 8 != 0);
  return LQ_OK;
}

lq_status lqs_uniform_calibrate_minmax(const lq_uniform_config* cfg, const float* x, const lq_shape* shape,
                                       float* scales_out, int32_t* zero_points_out) {
  unit_map m;
  size_t count;
  LQ_CHECK(make_map(cfg, shape, &m, &count));
  float* mn;
  LQ_CHECK(lq_alloc_array(count, 2 * sizeof(float), "min/max", (void**)&mn));
  float* mx = mn + count;
  for (size_t u = 0; u < count; u++) {
    mn[u] = INFINITY;
    mx[u] = -INFINITY;
  }
  FOR_EACH_ELEMENT(&m, {
    float v = x[idx];
    if (isnan(v) || isnan(mn[unit])) {
      mn[unit] = mx[unit] = NAN; /* NaN propagates like torch.aminmax */
    } else {
      if (v < mn[unit]) mn[unit] = v;
      if (v > mx[unit]) mx[unit] = v;
    }
  });
  lq_status s = LQ_OK;
  for (size_t u = 0; u < count && s == LQ_OK; u++)
    s = lq_qparams_from_minmax(&cfg->range, mn[u], mx[u], &scales_out[u], &zero_points_out[u]);
  free(mn);
  return s;
}

static lq_status check_params(const lq_uniform_config* cfg, size_t count, const float* scales, const int32_t* zps,
                              int32_t* qmin, int32_t* qmax) {
  LQ_CHECK(lq_range_qlimits(&cfg->range, qmin, qmax));
  for (size_t u = 0; u < count; u++) {
    if (!(scales[u] > 0.0f) || !isfinite(scales[u]) || !isfinite(1.0f / scales[u]))
      return lq_fail(LQ_ERR_INVALID_ARG, "scale[%zu] = %g is not finite and > 0", u, (double)scales[u]);
    if (zps[u] < *qmin || zps[u] > *qmax)
      return lq_fail(LQ_ERR_INVALID_ARG, "zero_point[%zu] = %d outside [%d, %d]", u, (int)zps[u], (int)*qmin,
                     (int)*qmax);
  }
  return LQ_OK;
}

static inline int32_t quant1(float x, float inv, int32_t zp, int32_t qmin, int32_t qmax, const lq_rounding* r,
                             size_t idx) {
  if (isnan(x)) return zp;
  float v = lq_round_f32(x * inv, r->mode, r->seed, r->index0 + idx) + (float)zp;
  if (!(v > (float)qmin)) return qmin; /* also -Inf */
  if (!(v < (float)qmax)) return qmax;
  return (int32_t)v;
}

/* Quantizes into int32 codes (the common core of every variant). */
static lq_status quantize_i32(const lq_uniform_config* cfg, const float* x, const lq_shape* shape,
                              const float* scales, const int32_t* zps, int32_t* q) {
  unit_map m;
  size_t count;
  int32_t qmin, qmax;
  LQ_CHECK(make_map(cfg, shape, &m, &count));
  LQ_CHECK(check_params(cfg, count, scales, zps, &qmin, &qmax));
  const lq_rounding* r = &cfg->rounding;
  FOR_EACH_ELEMENT(&m, { q[idx] = quant1(x[idx], 1.0f / scales[unit], zps[unit], qmin, qmax, r, idx); });
  return LQ_OK;
}

static lq_status dequantize_i32(const lq_uniform_config* cfg, const int32_t* q, const lq_shape* shape,
                                const float* scales, const int32_t* zps, float* out) {
  unit_map m;
  size_t count;
  LQ_CHECK(make_map(cfg, shape, &m, &count));
  FOR_EACH_ELEMENT(&m, { out[idx] = (float)(q[idx] - zps[unit]) * scales[unit]; });
  return LQ_OK;
}

static lq_status numel_i32(const lq_shape* shape, int32_t** q) {
  size_t n;
  LQ_CHECK(lq_shape_numel(shape, &n));
  return lq_alloc_array(n, sizeof(int32_t), "codes", (void**)q);
}

static void store_codes(lq_dtype dt, const int32_t* q, size_t n, void* out) {
  for (size_t i = 0; i < n; i++) switch (dt) {
      case LQ_DTYPE_S8: ((int8_t*)out)[i] = (int8_t)q[i]; break;
      case LQ_DTYPE_U8: ((uint8_t*)out)[i] = (uint8_t)q[i]; break;
      case LQ_DTYPE_S16: ((int16_t*)out)[i] = (int16_t)q[i]; break;
      default: ((uint16_t*)out)[i] = (uint16_t)q[i]; break;
    }
}

static void load_codes(lq_dtype dt, const void* in, size_t n, int32_t* q) {
  for (size_t i = 0; i < n; i++) switch (dt) {
      case LQ_DTYPE_S8: q[i] = ((const int8_t*)in)[i]; break;
      case LQ_DTYPE_U8: q[i] = ((const uint8_t*)in)[i]; break;
      case LQ_DTYPE_S16: q[i] = ((const int16_t*)in)[i]; break;
      default: q[i] = ((const uint16_t*)in)[i]; break;
    }
}

lq_status lqs_uniform_quantize(const lq_uniform_config* cfg, const float* x, const lq_shape* shape,
                               const float* scales, const int32_t* zero_points, void* codes_out) {
  lq_dtype dt;
  size_t n;
  int32_t* q;
  LQ_CHECK(lqs_uniform_code_dtype(cfg, 0, &dt));
  LQ_CHECK(lq_shape_numel(shape, &n));
  LQ_CHECK(numel_i32(shape, &q));
  lq_status s = quantize_i32(cfg, x, shape, scales, zero_points, q);
  if (s == LQ_OK) store_codes(dt, q, n, codes_out);
  free(q);
  return s;
}

lq_status lqs_uniform_dequantize(const lq_uniform_config* cfg, const void* codes, const lq_shape* shape,
                                 const float* scales, const int32_t* zero_points, float* out) {
  lq_dtype dt;
  size_t n;
  int32_t* q;
  LQ_CHECK(lqs_uniform_code_dtype(cfg, 0, &dt));
  LQ_CHECK(lq_shape_numel(shape, &n));
  LQ_CHECK(numel_i32(shape, &q));
  load_codes(dt, codes, n, q);
  lq_status s = dequantize_i32(cfg, q, shape, scales, zero_points, out);
  free(q);
  return s;
}

lq_status lqs_uniform_fake_quantize(const lq_uniform_config* cfg, const float* x, const lq_shape* shape,
                                    const float* scales, const int32_t* zero_points, float* out) {
  int32_t* q;
  LQ_CHECK(numel_i32(shape, &q));
  lq_status s = quantize_i32(cfg, x, shape, scales, zero_points, q);
  if (s == LQ_OK) s = dequantize_i32(cfg, q, shape, scales, zero_points, out);
  free(q);
  return s;
}

/* LSB-first: element i in byte i / k at bit (i % k) * bits, k = 8 / bits. */
lq_status lqs_uniform_quantize_packed(const lq_uniform_config* cfg, const float* x, const lq_shape* shape,
                                      const float* scales, const int32_t* zero_points, uint8_t* packed_out) {
  lq_dtype dt;
  size_t n, bytes;
  int32_t* q;
  LQ_CHECK(lqs_uniform_code_dtype(cfg, 1, &dt));
  LQ_CHECK(lq_shape_numel(shape, &n));
  LQ_CHECK(lqs_pack_size(dt, n, &bytes));
  LQ_CHECK(numel_i32(shape, &q));
  lq_status s = quantize_i32(cfg, x, shape, scales, zero_points, q);
  if (s == LQ_OK) {
    unsigned b = (unsigned)lqs_dtype_bits(dt), k = 8 / b, mask = (1u << b) - 1u;
    memset(packed_out, 0, bytes);
    for (size_t i = 0; i < n; i++)
      packed_out[i / k] |= (uint8_t)(((unsigned)q[i] & mask) << ((i % k) * b));
  }
  free(q);
  return s;
}

lq_status lqs_uniform_dequantize_packed(const lq_uniform_config* cfg, const uint8_t* packed, const lq_shape* shape,
                                        const float* scales, const int32_t* zero_points, float* out) {
  lq_dtype dt;
  size_t n;
  int32_t* q;
  LQ_CHECK(lqs_uniform_code_dtype(cfg, 1, &dt));
  LQ_CHECK(lq_shape_numel(shape, &n));
  LQ_CHECK(numel_i32(shape, &q));
  unsigned b = (unsigned)lqs_dtype_bits(dt), k = 8 / b, mask = (1u << b) - 1u;
  int sgn = dt == LQ_DTYPE_S4 || dt == LQ_DTYPE_S2 || dt == LQ_DTYPE_S1;
  for (size_t i = 0; i < n; i++) {
    int32_t v = (int32_t)((packed[i / k] >> ((i % k) * b)) & mask);
    if (sgn && (v & (1 << (b - 1)))) v -= (int32_t)(1u << b); /* sign-extend the field */
    q[i] = v;
  }
  lq_status s = dequantize_i32(cfg, q, shape, scales, zero_points, out);
  free(q);
  return s;
}

/* ------------------------------------------- signal-processing (A.7/A.8) */

lq_status lqs_sp_code_range(const lq_sp_config* cfg, int32_t* qmin_out, int32_t* qmax_out, lq_dtype* dtype_out) {
  int32_t b = cfg->bits ? cfg->bits : 8;
  int32_t lo = cfg->kind == LQ_SP_MIDRISE ? 1 : 2;
  if (b < lo || b > 16) return lq_fail(LQ_ERR_INVALID_ARG, "bits %d outside [%d, 16]", (int)b, (int)lo);
  if (!(cfg->step > 0.0f) || !isfinite(cfg->step))
    return lq_fail(LQ_ERR_INVALID_ARG, "step %g is not finite and > 0", (double)cfg->step);
  switch (cfg->kind) {
    case LQ_SP_MIDRISE:
      *qmin_out = 0;
      *qmax_out = (int32_t)((1u << b) - 1u);
      *dtype_out = b <= 8 ? LQ_DTYPE_U8 : LQ_DTYPE_U16;
      return LQ_OK;
    case LQ_SP_MIDTREAD:
    case LQ_SP_DEADZONE:
      *qmax_out = (int32_t)((1u << (b - 1)) - 1u);
      *qmin_out = -*qmax_out;
      *dtype_out = b <= 8 ? LQ_DTYPE_S8 : LQ_DTYPE_S16;
      return LQ_OK;
  }
  return lq_fail(LQ_ERR_INVALID_ARG, "bad quantizer kind %d", (int)cfg->kind);
}

static int32_t sp_code(const lq_sp_config* c, float x, int32_t qmin, int32_t qmax, size_t i) {
  int32_t b = c->bits ? c->bits : 8;
  if (isnan(x)) return c->kind == LQ_SP_MIDRISE ? (int32_t)(1u << (b - 1)) : 0;
  float t = x / c->step;
  double k;
  if (c->kind == LQ_SP_MIDTREAD) {
    k = lq_round_f32(t, c->rounding.mode, c->rounding.seed, c->rounding.index0 + i);
  } else if (c->kind == LQ_SP_MIDRISE) {
    /* level index among (k + 1/2): round t - 1/2 (exact in double) */
    double u = (double)t - 0.5;
    double fl = floor(u), fr = u - fl;
    switch (c->rounding.mode) {
      case LQ_ROUND_FLOOR: k = fl; break;
      case LQ_ROUND_CEIL: k = ceil(u); break;
      case LQ_ROUND_TRUNC: k = x >= 0.0f ? fl : ceil(u); break;
      case LQ_ROUND_AWAY: k = x >= 0.0f ? ceil(u) : fl; break;
      case LQ_ROUND_STOCHASTIC:
        k = fl + (lq_rng_uniform_f32(c->rounding.seed, c->rounding.index0 + i) < fr ? 1.0 : 0.0);
        break;
      case LQ_ROUND_HALF_EVEN: k = fr > 0.5 ? fl + 1 : fr < 0.5 ? fl : (fmod(fl, 2.0) == 0.0 ? fl : fl + 1); break;
      case LQ_ROUND_HALF_AWAY: k = fr > 0.5 ? fl + 1 : fr < 0.5 ? fl : (x >= 0.0f ? fl + 1 : fl); break;
      default: k = fr >= 0.5 ? fl + 1 : fl; break;
    }
    k += (double)(1u << (b - 1));
  } else {
    double a = floor(fabs((double)x) / (double)c->step + (double)c->deadzone_offset);
    if (a > qmax) a = qmax;
    k = x < 0.0f ? -a : a;
  }
  if (!(k > qmin)) return qmin;
  if (!(k < qmax)) return qmax;
  return (int32_t)k;
}

lq_status lqs_sp_quantize(const lq_sp_config* cfg, const float* x, size_t n, void* codes) {
  int32_t qmin, qmax;
  lq_dtype dt;
  LQ_CHECK(lqs_sp_code_range(cfg, &qmin, &qmax, &dt));
  for (size_t i = 0; i < n; i++) {
    int32_t q = sp_code(cfg, x[i], qmin, qmax, i);
    store_codes(dt, &q, 1, (char*)codes + i * (size_t)(lqs_dtype_bits(dt) / 8));
  }
  return LQ_OK;
}

lq_status lqs_sp_dequantize(const lq_sp_config* cfg, const void* codes, size_t n, float* out) {
  int32_t qmin, qmax;
  lq_dtype dt;
  LQ_CHECK(lqs_sp_code_range(cfg, &qmin, &qmax, &dt));
  int32_t b = cfg->bits ? cfg->bits : 8;
  for (size_t i = 0; i < n; i++) {
    int32_t q;
    load_codes(dt, (const char*)codes + i * (size_t)(lqs_dtype_bits(dt) / 8), 1, &q);
    if (cfg->kind == LQ_SP_MIDTREAD) out[i] = (float)q * cfg->step;
    else if (cfg->kind == LQ_SP_MIDRISE) out[i] = ((float)(q - (int32_t)(1u << (b - 1))) + 0.5f) * cfg->step;
    else out[i] = q == 0 ? 0.0f : (q < 0 ? -1.0f : 1.0f) * ((float)abs(q) + cfg->recon_offset) * cfg->step;
  }
  return LQ_OK;
}

#endif /* !LQ_SCHEME_USE_UNIFORM_API */
