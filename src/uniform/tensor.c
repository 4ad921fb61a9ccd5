/* The tensor API: granularities over an N-D C-order tensor. The tensor is
 * viewed as [outer, D, inner] around the axis; every flat element range is
 * cut into segments that either share one (scale, zp) (per-tensor kernel) or
 * need per-element parameters that are contiguous in the parameter array
 * (per-element kernel). */
#include <math.h>
#include <string.h>

#include "uniform/uniform_internal.h"

lq_status lq_layout_make(const lq_uniform_config* cfg, const lq_shape* shape, lq_layout* L) {
  LQ_REQUIRE_PTR(cfg);
  LQ_REQUIRE_PTR(shape);
  size_t numel;
  LQ_CHECK(lq_shape_numel(shape, &numel));
  memset(L, 0, sizeof *L);
  L->numel = numel;
  int32_t nd = shape->ndim;
  int64_t dims1[1] = {1};
  const int64_t* dims = nd == 0 ? dims1 : shape->dims;
  if (nd == 0) nd = 1;
  int32_t axis = cfg->axis;
  lq_granularity g = cfg->granularity;
  int64_t gs = cfg->group_size;
  switch (g) {
    case LQ_GRAN_TENSOR:
      L->kind = LQ_L_TENSOR;
      L->nparams = 1;
      return LQ_OK;
    case LQ_GRAN_CHANNEL: L->kind = LQ_L_CHANNEL; break;
    case LQ_GRAN_GROUP:
      L->kind = LQ_L_GROUP;
      if (gs < 1) return lq_fail(LQ_ERR_INVALID_ARG, "group_size %lld must be >= 1", (long long)gs);
      break;
    case LQ_GRAN_ROW:
      L->kind = LQ_L_GROUP;
      axis = -1;
      gs = dims[nd - 1] > 0 ? dims[nd - 1] : 1;
      break;
    case LQ_GRAN_COLUMN:
      L->kind = LQ_L_CHANNEL;
      axis = -1;
      break;
    default: return lq_fail(LQ_ERR_INVALID_ARG, "granularity %d is not an lq_granularity", (int)g);
  }
  if (axis < -nd || axis >= nd) return lq_fail(LQ_ERR_INVALID_ARG, "axis %d out of range for %d dimensions", (int)cfg->axis, (int)nd);
  if (axis < 0) axis += nd;
  /* checked products: with a zero dimension elsewhere numel does not bound them */
  size_t outer = 1, inner = 1;
  for (int32_t d = 0; d < axis; d++)
    if (lq_mul_overflows(outer, (size_t)dims[d], &outer)) return lq_fail(LQ_ERR_OVERFLOW, "shape overflows size_t");
  for (int32_t d = axis + 1; d < nd; d++)
    if (lq_mul_overflows(inner, (size_t)dims[d], &inner)) return lq_fail(LQ_ERR_OVERFLOW, "shape overflows size_t");
  L->outer = outer;
  L->inner = inner;
  L->D = (size_t)dims[axis];
  if (L->kind == LQ_L_CHANNEL) {
    L->nparams = L->D;
  } else {
    L->G = (size_t)gs;
    L->ngroups = L->D / L->G + (L->D % L->G != 0);
    size_t p;
    if (lq_mul_overflows(outer, L->ngroups, &p) || lq_mul_overflows(p, inner, &p))
      return lq_fail(LQ_ERR_OVERFLOW, "parameter count overflows size_t");
    L->nparams = p;
  }
  return LQ_OK;
}

lq_status lq_uniform_param_count(const lq_uniform_config* cfg, const lq_shape* shape, size_t* count_out) {
  LQ_REQUIRE_PTR(count_out);
  lq_layout L;
  LQ_CHECK(lq_layout_make(cfg, shape, &L));
  *count_out = L.nparams;
  return LQ_OK;
}

lq_status lq_uniform_code_dtype(const lq_uniform_config* cfg, int packed, lq_dtype* dtype_out) {
  LQ_REQUIRE_PTR(cfg);
  LQ_REQUIRE_PTR(dtype_out);
  lq_affine a;
  int32_t qmin, qmax;
  LQ_CHECK(lq_range_qlimits(&cfg->range, &qmin, &qmax));
  /* a valid dummy (scale 1, zp inside the range) to reuse the dtype rule */
  LQ_CHECK(lq_affine_init(&cfg->range, 1.0f, qmin > 0 ? qmin : (qmax < 0 ? qmax : 0), packed, &a));
  *dtype_out = a.dtype;
  return LQ_OK;
}

lq_seg lq_next_seg(const lq_layout* L, size_t e, size_t e1) {
  lq_seg s = {e1 - e, 0, 0};
  if (L->kind == LQ_L_TENSOR) return s;
  size_t row = e / L->inner, j = e % L->inner; /* row = o * D + a */
  size_t a = row % L->D, o = row / L->D;
  size_t end;
  if (L->kind == LQ_L_CHANNEL) {
    if (L->inner > 1) {
      end = (row + 1) * L->inner;
      s.p = a;
    } else {
      end = (o + 1) * L->D;
      s.p = a;
      s.pe = 1;
    }
  } else {
    size_t gidx = a / L->G;
    if (L->inner > 1) {
      end = (row + 1) * L->inner;
      s.p = (o * L->ngroups + gidx) * L->inner + j;
      s.pe = 1;
    } else {
      size_t gend = (gidx + 1) * L->G;
      if (gend > L->D) gend = L->D; /* the shorter tail group */
      end = o * L->D + gend;
      s.p = o * L->ngroups + gidx;
    }
  }
  s.n = (end < e1 ? end : e1) - e;
  return s;
}

static lq_status lq_check_params(const lq_layout* L, const float* scales, const int32_t* zps, int32_t qmin,
                                 int32_t qmax) {
  if (L->numel == 0) return LQ_OK;
  LQ_REQUIRE_PTR(scales);
  LQ_REQUIRE_PTR(zps);
  for (size_t u = 0; u < L->nparams; u++) LQ_CHECK(lq_uq_check_param(scales[u], zps[u], qmin, qmax, u));
  return LQ_OK;
}

typedef struct {
  lq_layout L;
  lq_uq_args a;
  lq_dtype dt; /* unpacked dtype of the codes */
  int32_t qmin, qmax;
} lq_tctx;

static lq_status lq_tctx_make(const lq_uniform_config* cfg, const lq_shape* shape, lq_tctx* t) {
  LQ_CHECK(lq_layout_make(cfg, shape, &t->L));
  memset(&t->a, 0, sizeof t->a);
  LQ_CHECK(lq_uq_rounding(&cfg->rounding, &t->a));
  LQ_CHECK(lq_range_qlimits(&cfg->range, &t->qmin, &t->qmax));
  LQ_CHECK(lq_uniform_code_dtype(cfg, 0, &t->dt));
  t->a.qmin = (float)t->qmin;
  t->a.qmax = (float)t->qmax;
  return LQ_OK;
}

/* Quantizes flat elements [e0, e1) into out (element e0 at out[0]). */
static void lq_quant_range(const lq_tctx* t, const float* x, const float* scales, const int32_t* zps, size_t e0,
                           size_t e1, lq_dtype dt, void* out) {
  const size_t osz = dt == LQ_DTYPE_S16 || dt == LQ_DTYPE_U16 ? 2 : 1;
  lq_uq_args a = t->a;
  for (size_t e = e0; e < e1;) {
    lq_seg s = lq_next_seg(&t->L, e, e1);
    a.index0 = t->a.index0 + e;
    void* o = (char*)out + (e - e0) * osz;
    if (s.pe) lq_uq_quant_pe(dt, s.n, x + e, scales + s.p, zps + s.p, &a, o);
    else lq_uq_quant_pt(dt, s.n, x + e, scales[s.p], zps[s.p], &a, o);
    e += s.n;
  }
}

static void lq_dequant_range(const lq_tctx* t, const void* q, const float* scales, const int32_t* zps, size_t e0,
                             size_t e1, lq_dtype dt, float* out) {
  const size_t osz = dt == LQ_DTYPE_S16 || dt == LQ_DTYPE_U16 ? 2 : 1;
  for (size_t e = e0; e < e1;) {
    lq_seg s = lq_next_seg(&t->L, e, e1);
    const void* qs = (const char*)q + (e - e0) * osz;
    if (s.pe) lq_uq_dequant_pe(dt, s.n, qs, scales + s.p, zps + s.p, out + e);
    else lq_uq_dequant_pt(dt, s.n, qs, scales[s.p], zps[s.p], out + e);
    e += s.n;
  }
}

lq_status lq_uniform_quantize(const lq_uniform_config* cfg, const float* x, const lq_shape* shape, const float* scales,
                              const int32_t* zero_points, void* codes_out) {
  lq_tctx t;
  LQ_CHECK(lq_tctx_make(cfg, shape, &t));
  LQ_CHECK(lq_check_params(&t.L, scales, zero_points, t.qmin, t.qmax));
  if (t.L.numel == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(codes_out);
  lq_quant_range(&t, x, scales, zero_points, 0, t.L.numel, t.dt, codes_out);
  return LQ_OK;
}

lq_status lq_uniform_dequantize(const lq_uniform_config* cfg, const void* codes, const lq_shape* shape,
                                const float* scales, const int32_t* zero_points, float* out) {
  lq_tctx t;
  LQ_CHECK(lq_tctx_make(cfg, shape, &t));
  LQ_CHECK(lq_check_params(&t.L, scales, zero_points, t.qmin, t.qmax));
  if (t.L.numel == 0) return LQ_OK;
  LQ_REQUIRE_PTR(codes);
  LQ_REQUIRE_PTR(out);
  lq_dequant_range(&t, codes, scales, zero_points, 0, t.L.numel, t.dt, out);
  return LQ_OK;
}

lq_status lq_uniform_fake_quantize(const lq_uniform_config* cfg, const float* x, const lq_shape* shape,
                                   const float* scales, const int32_t* zero_points, float* out) {
  lq_tctx t;
  LQ_CHECK(lq_tctx_make(cfg, shape, &t));
  LQ_CHECK(lq_check_params(&t.L, scales, zero_points, t.qmin, t.qmax));
  if (t.L.numel == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(out);
  /* tile by tile, so out may equal x: codes of a tile are taken before its
   * floats are overwritten */
  int16_t tile[LQ_UQ_TILE];
  for (size_t e = 0; e < t.L.numel; e += LQ_UQ_TILE) {
    size_t e1 = t.L.numel - e < LQ_UQ_TILE ? t.L.numel : e + LQ_UQ_TILE;
    lq_quant_range(&t, x, scales, zero_points, e, e1, t.dt, tile);
    lq_dequant_range(&t, tile, scales, zero_points, e, e1, t.dt, out);
  }
  return LQ_OK;
}

lq_status lq_uniform_quantize_packed(const lq_uniform_config* cfg, const float* x, const lq_shape* shape,
                                     const float* scales, const int32_t* zero_points, uint8_t* packed_out) {
  lq_tctx t;
  LQ_CHECK(lq_tctx_make(cfg, shape, &t));
  lq_dtype pdt;
  LQ_CHECK(lq_uniform_code_dtype(cfg, 1, &pdt));
  LQ_CHECK(lq_check_params(&t.L, scales, zero_points, t.qmin, t.qmax));
  if (t.L.numel == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(packed_out);
  const lq_dtype bdt = lq_dtype_byte_of(pdt);
  const size_t per = (size_t)(8 / lq_dtype_bits(pdt));
  uint8_t tile[LQ_UQ_TILE];
  for (size_t e = 0; e < t.L.numel; e += LQ_UQ_TILE) {
    size_t e1 = t.L.numel - e < LQ_UQ_TILE ? t.L.numel : e + LQ_UQ_TILE;
    lq_quant_range(&t, x, scales, zero_points, e, e1, bdt, tile);
    lq_uq_pack_kernel(pdt, e1 - e, tile, packed_out + e / per);
  }
  return LQ_OK;
}

lq_status lq_uniform_dequantize_packed(const lq_uniform_config* cfg, const uint8_t* packed, const lq_shape* shape,
                                       const float* scales, const int32_t* zero_points, float* out) {
  lq_tctx t;
  LQ_CHECK(lq_tctx_make(cfg, shape, &t));
  lq_dtype pdt;
  LQ_CHECK(lq_uniform_code_dtype(cfg, 1, &pdt));
  LQ_CHECK(lq_check_params(&t.L, scales, zero_points, t.qmin, t.qmax));
  if (t.L.numel == 0) return LQ_OK;
  LQ_REQUIRE_PTR(packed);
  LQ_REQUIRE_PTR(out);
  const lq_dtype bdt = lq_dtype_byte_of(pdt);
  const size_t per = (size_t)(8 / lq_dtype_bits(pdt));
  uint8_t tile[LQ_UQ_TILE];
  for (size_t e = 0; e < t.L.numel; e += LQ_UQ_TILE) {
    size_t e1 = t.L.numel - e < LQ_UQ_TILE ? t.L.numel : e + LQ_UQ_TILE;
    lq_uq_unpack_kernel(pdt, e1 - e, packed + e / per, tile);
    lq_dequant_range(&t, tile, scales, zero_points, e, e1, bdt, out);
  }
  return LQ_OK;
}

/* --------------------------------------------------------- calibration */
/* Running min/max per unit; NaN is sticky (every later comparison fails). */
static inline void lq_upd(float* mn, float* mx, float v) {
  if (v != v) {
    *mn = *mx = NAN;
    return;
  }
  if (*mn != *mn) return;
  if (v < *mn) *mn = v;
  if (v > *mx) *mx = v;
}

lq_status lq_uniform_unit_minmax(const lq_uniform_config* cfg, const float* x, const lq_shape* shape, float* mn,
                                 float* mx) {
  lq_layout L;
  LQ_CHECK(lq_layout_make(cfg, shape, &L));
  for (size_t u = 0; u < L.nparams; u++) {
    mn[u] = INFINITY;
    mx[u] = -INFINITY;
  }
  if (L.numel == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  for (size_t e = 0; e < L.numel;) {
    lq_seg s = lq_next_seg(&L, e, L.numel);
    if (s.pe) {
      for (size_t i = 0; i < s.n; i++) lq_upd(&mn[s.p + i], &mx[s.p + i], x[e + i]);
    } else {
      float a, b;
      LQ_CHECK(lq_reduce_minmax_f32(x + e, s.n, &a, &b));
      if (a != a) lq_upd(&mn[s.p], &mx[s.p], a);
      else if (s.n > 0) {
        lq_upd(&mn[s.p], &mx[s.p], a);
        lq_upd(&mn[s.p], &mx[s.p], b);
      }
    }
    e += s.n;
  }
  return LQ_OK;
}

lq_status lq_uniform_calibrate_minmax(const lq_uniform_config* cfg, const float* x, const lq_shape* shape,
                                      float* scales_out, int32_t* zero_points_out) {
  lq_layout L;
  LQ_CHECK(lq_layout_make(cfg, shape, &L));
  if (L.nparams == 0) return LQ_OK;
  LQ_REQUIRE_PTR(scales_out);
  LQ_REQUIRE_PTR(zero_points_out);
  float* buf = NULL;
  LQ_CHECK(lq_alloc_array(L.nparams, 2 * sizeof(float), "calibration min/max", (void**)&buf));
  float* mn = buf;
  float* mx = buf + L.nparams;
  lq_status st = lq_uniform_unit_minmax(cfg, x, shape, mn, mx);
  for (size_t u = 0; st == LQ_OK && u < L.nparams; u++) {
    if (mn[u] != mn[u]) {
      st = lq_fail(LQ_ERR_NUMERIC, "unit %zu contains NaN", u);
      break;
    }
    st = lq_qparams_from_minmax(&cfg->range, mn[u], mx[u], &scales_out[u], &zero_points_out[u]);
    if (st != LQ_OK && isinf(mn[u]) + isinf(mx[u]) > 0 && !(mn[u] == INFINITY && mx[u] == -INFINITY))
      st = lq_fail(LQ_ERR_NUMERIC, "unit %zu contains an infinity (min %g, max %g)", u, (double)mn[u], (double)mx[u]);
  }
  free(buf);
  return st;
}

size_t lq_unit_of(const lq_layout* L, size_t e) {
  if (L->kind == LQ_L_TENSOR) return 0;
  size_t row = e / L->inner, a = row % L->D;
  if (L->kind == LQ_L_CHANNEL) return a;
  size_t o = row / L->D, j = e % L->inner;
  return (o * L->ngroups + a / L->G) * L->inner + j;
}
