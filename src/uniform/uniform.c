/* Public entry points of the uniform module: dtypes, packing, the flat
 * per-tensor fast paths and the lq_affine quantizer. Validation here, the
 * arithmetic in the dispatched kernels. */
#include <math.h>
#include <string.h>

#include "cpu/dispatch.h"
#include "uniform/uniform_internal.h"

static const char* const lq_dtype_names[LQ_DTYPE_COUNT_] = {"s8", "u8", "s16", "u16", "s4", "u4", "s2", "u2", "s1", "b1"};
static const int32_t lq_dtype_widths[LQ_DTYPE_COUNT_] = {8, 8, 16, 16, 4, 4, 2, 2, 1, 1};

const char* lq_dtype_name(lq_dtype dt) { return (unsigned)dt < LQ_DTYPE_COUNT_ ? lq_dtype_names[dt] : "unknown"; }
int32_t lq_dtype_bits(lq_dtype dt) { return (unsigned)dt < LQ_DTYPE_COUNT_ ? lq_dtype_widths[dt] : 0; }
int lq_dtype_is_signed(lq_dtype dt) {
  return dt == LQ_DTYPE_S8 || dt == LQ_DTYPE_S16 || dt == LQ_DTYPE_S4 || dt == LQ_DTYPE_S2 || dt == LQ_DTYPE_S1;
}
int lq_dtype_is_packed(lq_dtype dt) { return (unsigned)dt < LQ_DTYPE_COUNT_ && dt >= LQ_DTYPE_S4; }

void lq_dtype_limits(lq_dtype dt, int32_t* lo, int32_t* hi) {
  int32_t b = lq_dtype_bits(dt);
  if (lq_dtype_is_signed(dt)) {
    *lo = -(int32_t)(1u << (b - 1));
    *hi = (int32_t)(1u << (b - 1)) - 1;
  } else {
    *lo = 0;
    *hi = (int32_t)((1u << b) - 1u);
  }
}

static lq_status lq_check_dtype(lq_dtype dt) {
  if ((unsigned)dt >= LQ_DTYPE_COUNT_) return lq_fail(LQ_ERR_INVALID_ARG, "dtype %d is not an lq_dtype", (int)dt);
  return LQ_OK;
}

lq_status lq_pack_size(lq_dtype dt, size_t n, size_t* bytes_out) {
  LQ_REQUIRE_PTR(bytes_out);
  LQ_CHECK(lq_check_dtype(dt));
  int32_t b = lq_dtype_bits(dt);
  if (b >= 8) {
    size_t s;
    if (lq_mul_overflows(n, (size_t)(b / 8), &s)) return lq_fail(LQ_ERR_OVERFLOW, "%zu codes of %s overflow size_t", n, lq_dtype_name(dt));
    *bytes_out = s;
  } else {
    size_t per = (size_t)(8 / b);
    *bytes_out = n / per + (n % per != 0); /* no overflow: <= n */
  }
  return LQ_OK;
}

void lq_uq_pack_kernel(lq_dtype dt, size_t n, const uint8_t* codes, uint8_t* packed) {
  const lq_dispatch* d = lq_dispatch_get();
  switch (lq_dtype_bits(dt)) {
    case 4: d->uniform_pack4(n, codes, packed); break;
    case 2: d->uniform_pack2(n, codes, packed); break;
    default: d->uniform_pack1(n, codes, packed); break;
  }
}
void lq_uq_unpack_kernel(lq_dtype dt, size_t n, const uint8_t* packed, uint8_t* codes) {
  const lq_dispatch* d = lq_dispatch_get();
  int s = lq_dtype_is_signed(dt);
  switch (lq_dtype_bits(dt)) {
    case 4: d->uniform_unpack4(n, packed, s, codes); break;
    case 2: d->uniform_unpack2(n, packed, s, codes); break;
    default: d->uniform_unpack1(n, packed, s, codes); break;
  }
}

lq_status lq_pack(lq_dtype dt, const void* codes, size_t n, uint8_t* packed) {
  LQ_CHECK(lq_check_dtype(dt));
  if (!lq_dtype_is_packed(dt)) return lq_fail(LQ_ERR_INVALID_ARG, "lq_pack: %s is not a packed dtype", lq_dtype_name(dt));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(codes);
  LQ_REQUIRE_PTR(packed);
  int32_t lo, hi;
  lq_dtype_limits(dt, &lo, &hi);
  if (lq_dtype_is_signed(dt)) {
    const int8_t* c = (const int8_t*)codes;
    for (size_t i = 0; i < n; i++)
      if (c[i] < lo || c[i] > hi)
        return lq_fail(LQ_ERR_INVALID_ARG, "code %d at index %zu is outside %s [%d, %d]", (int)c[i], i, lq_dtype_name(dt), (int)lo, (int)hi);
  } else {
    const uint8_t* c = (const uint8_t*)codes;
    for (size_t i = 0; i < n; i++)
      if (c[i] > hi)
        return lq_fail(LQ_ERR_INVALID_ARG, "code %u at index %zu is outside %s [0, %d]", (unsigned)c[i], i, lq_dtype_name(dt), (int)hi);
  }
  lq_uq_pack_kernel(dt, n, (const uint8_t*)codes, packed);
  return LQ_OK;
}

lq_status lq_unpack(lq_dtype dt, const uint8_t* packed, size_t n, void* codes) {
  LQ_CHECK(lq_check_dtype(dt));
  if (!lq_dtype_is_packed(dt)) return lq_fail(LQ_ERR_INVALID_ARG, "lq_unpack: %s is not a packed dtype", lq_dtype_name(dt));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(packed);
  LQ_REQUIRE_PTR(codes);
  lq_uq_unpack_kernel(dt, n, packed, (uint8_t*)codes);
  return LQ_OK;
}

/* --------------------------------------------------------- validation */
lq_status lq_uq_rounding(const lq_rounding* r, lq_uq_args* a) {
  a->mode = LQ_ROUND_HALF_EVEN;
  a->seed = 0;
  a->index0 = 0;
  if (r != NULL) {
    if ((unsigned)r->mode >= LQ_ROUND_COUNT_) return lq_fail(LQ_ERR_INVALID_ARG, "rounding mode %d is not an lq_round", (int)r->mode);
    a->mode = r->mode;
    a->seed = r->seed;
    a->index0 = r->index0;
  }
  return LQ_OK;
}

lq_status lq_uq_check_param(float scale, int32_t zp, int32_t qmin, int32_t qmax, size_t unit) {
  if (!isfinite(scale) || !(scale > 0.0f))
    return lq_fail(LQ_ERR_INVALID_ARG, "scale %g (unit %zu) must be finite and > 0", (double)scale, unit);
  if (!isfinite(1.0f / scale))
    return lq_fail(LQ_ERR_INVALID_ARG, "scale %g (unit %zu) is so small that 1/scale overflows", (double)scale, unit);
  if (zp < qmin || zp > qmax)
    return lq_fail(LQ_ERR_INVALID_ARG, "zero_point %d (unit %zu) is outside [%d, %d]", (int)zp, unit, (int)qmin, (int)qmax);
  return LQ_OK;
}

/* ------------------------------------------------------ kernel routing */
void lq_uq_quant_pt(lq_dtype dt, size_t n, const float* x, float scale, int32_t zp, const lq_uq_args* a0, void* out) {
  const lq_dispatch* d = lq_dispatch_get();
  lq_uq_args a = *a0;
  a.inv_scale = 1.0f / scale; /* PyTorch multiplies by the float reciprocal */
  a.scale = scale;
  a.zero_point = (float)zp;
  switch (dt) {
    case LQ_DTYPE_S8: d->uniform_quant_f32_s8(n, x, &a, (int8_t*)out); break;
    case LQ_DTYPE_U8: d->uniform_quant_f32_u8(n, x, &a, (uint8_t*)out); break;
    case LQ_DTYPE_S16: d->uniform_quant_f32_s16(n, x, &a, (int16_t*)out); break;
    default: d->uniform_quant_f32_u16(n, x, &a, (uint16_t*)out); break;
  }
}

void lq_uq_quant_pe(lq_dtype dt, size_t n, const float* x, const float* scale, const int32_t* zp, const lq_uq_args* a,
                    void* out) {
  const lq_dispatch* d = lq_dispatch_get();
  if (dt == LQ_DTYPE_S8) {
    d->uniform_quant_pe_f32_s8(n, x, scale, zp, a, (int8_t*)out);
  } else if (dt == LQ_DTYPE_U8) {
    d->uniform_quant_pe_f32_u8(n, x, scale, zp, a, (uint8_t*)out);
  } else {
    /* 16-bit codes with per-element parameters: the scalar definition */
    lq_uq_rng g;
    lq_uq_rng_init(&g, a->seed, a->index0);
    for (size_t i = 0; i < n; i++) {
      float u = a->mode == LQ_ROUND_STOCHASTIC ? lq_uq_rng_draw(&g, a->index0 + i) : 0.0f;
      int32_t c = (int32_t)lq_uq_code(x[i], 1.0f / scale[i], (float)zp[i], a->qmin, a->qmax, a->mode, u);
      if (dt == LQ_DTYPE_S16) ((int16_t*)out)[i] = (int16_t)c;
      else ((uint16_t*)out)[i] = (uint16_t)c;
    }
  }
}

void lq_uq_dequant_pt(lq_dtype dt, size_t n, const void* q, float scale, int32_t zp, float* out) {
  const lq_dispatch* d = lq_dispatch_get();
  switch (dt) {
    case LQ_DTYPE_S8: d->uniform_dequant_s8_f32(n, (const int8_t*)q, scale, zp, out); break;
    case LQ_DTYPE_U8: d->uniform_dequant_u8_f32(n, (const uint8_t*)q, scale, zp, out); break;
    case LQ_DTYPE_S16: d->uniform_dequant_s16_f32(n, (const int16_t*)q, scale, zp, out); break;
    default: d->uniform_dequant_u16_f32(n, (const uint16_t*)q, scale, zp, out); break;
  }
}

void lq_uq_dequant_pe(lq_dtype dt, size_t n, const void* q, const float* scale, const int32_t* zp, float* out) {
  const lq_dispatch* d = lq_dispatch_get();
  if (dt == LQ_DTYPE_S8) {
    d->uniform_dequant_pe_s8_f32(n, (const int8_t*)q, scale, zp, out);
  } else if (dt == LQ_DTYPE_U8) {
    d->uniform_dequant_pe_u8_f32(n, (const uint8_t*)q, scale, zp, out);
  } else if (dt == LQ_DTYPE_S16) {
    for (size_t i = 0; i < n; i++) out[i] = (float)((int32_t)((const int16_t*)q)[i] - zp[i]) * scale[i];
  } else {
    for (size_t i = 0; i < n; i++) out[i] = (float)((int32_t)((const uint16_t*)q)[i] - zp[i]) * scale[i];
  }
}

/* ---------------------------------------------------- flat fast paths */
static lq_status lq_flat_quant(lq_dtype dt, const float* x, size_t n, float scale, int32_t zp, const lq_rounding* r,
                               void* out) {
  lq_uq_args a;
  memset(&a, 0, sizeof a);
  LQ_CHECK(lq_uq_rounding(r, &a));
  int32_t lo, hi;
  lq_dtype_limits(dt, &lo, &hi);
  LQ_CHECK(lq_uq_check_param(scale, zp, lo, hi, 0));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(out);
  a.qmin = (float)lo;
  a.qmax = (float)hi;
  lq_uq_quant_pt(dt, n, x, scale, zp, &a, out);
  return LQ_OK;
}

lq_status lq_quantize_f32_s8(const float* x, size_t n, float scale, int32_t zp, const lq_rounding* r, int8_t* out) {
  return lq_flat_quant(LQ_DTYPE_S8, x, n, scale, zp, r, out);
}
lq_status lq_quantize_f32_u8(const float* x, size_t n, float scale, int32_t zp, const lq_rounding* r, uint8_t* out) {
  return lq_flat_quant(LQ_DTYPE_U8, x, n, scale, zp, r, out);
}
lq_status lq_quantize_f32_s16(const float* x, size_t n, float scale, int32_t zp, const lq_rounding* r, int16_t* out) {
  return lq_flat_quant(LQ_DTYPE_S16, x, n, scale, zp, r, out);
}
lq_status lq_quantize_f32_u16(const float* x, size_t n, float scale, int32_t zp, const lq_rounding* r, uint16_t* out) {
  return lq_flat_quant(LQ_DTYPE_U16, x, n, scale, zp, r, out);
}

static lq_status lq_flat_dequant(lq_dtype dt, const void* q, size_t n, float scale, int32_t zp, float* out) {
  int32_t lo, hi;
  lq_dtype_limits(dt, &lo, &hi);
  if (!isfinite(scale)) return lq_fail(LQ_ERR_INVALID_ARG, "scale %g is not finite", (double)scale);
  if (zp < lo || zp > hi) return lq_fail(LQ_ERR_INVALID_ARG, "zero_point %d is outside [%d, %d]", (int)zp, (int)lo, (int)hi);
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(q);
  LQ_REQUIRE_PTR(out);
  lq_uq_dequant_pt(dt, n, q, scale, zp, out);
  return LQ_OK;
}
lq_status lq_dequantize_s8_f32(const int8_t* q, size_t n, float scale, int32_t zp, float* out) {
  return lq_flat_dequant(LQ_DTYPE_S8, q, n, scale, zp, out);
}
lq_status lq_dequantize_u8_f32(const uint8_t* q, size_t n, float scale, int32_t zp, float* out) {
  return lq_flat_dequant(LQ_DTYPE_U8, q, n, scale, zp, out);
}
lq_status lq_dequantize_s16_f32(const int16_t* q, size_t n, float scale, int32_t zp, float* out) {
  return lq_flat_dequant(LQ_DTYPE_S16, q, n, scale, zp, out);
}
lq_status lq_dequantize_u16_f32(const uint16_t* q, size_t n, float scale, int32_t zp, float* out) {
  return lq_flat_dequant(LQ_DTYPE_U16, q, n, scale, zp, out);
}

#define LQ_FQ_LIMIT (1 << 24)
lq_status lq_fake_quantize_f32(const float* x, size_t n, float scale, int32_t zp, int32_t qmin, int32_t qmax,
                               const lq_rounding* r, float* out) {
  lq_uq_args a;
  memset(&a, 0, sizeof a);
  LQ_CHECK(lq_uq_rounding(r, &a));
  if (qmin >= qmax) return lq_fail(LQ_ERR_INVALID_ARG, "fake quantize needs qmin < qmax (got [%d, %d])", (int)qmin, (int)qmax);
  if (qmin < -LQ_FQ_LIMIT || qmax > LQ_FQ_LIMIT || (int64_t)qmax - qmin > LQ_FQ_LIMIT)
    return lq_fail(LQ_ERR_INVALID_ARG, "fake quantize range [%d, %d] exceeds 2^24 codes or |q| <= 2^24", (int)qmin, (int)qmax);
  LQ_CHECK(lq_uq_check_param(scale, zp, qmin, qmax, 0));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(out);
  a.inv_scale = 1.0f / scale;
  a.scale = scale;
  a.zero_point = (float)zp;
  a.qmin = (float)qmin;
  a.qmax = (float)qmax;
  lq_dispatch_get()->uniform_fake_quant_f32(n, x, &a, out);
  return LQ_OK;
}

/* -------------------------------------------------------- lq_affine */
lq_status lq_affine_init(const lq_range_config* cfg, float scale, int32_t zp, int packed, lq_affine* out) {
  LQ_REQUIRE_PTR(cfg);
  LQ_REQUIRE_PTR(out);
  int32_t qmin, qmax;
  LQ_CHECK(lq_range_qlimits(cfg, &qmin, &qmax));
  LQ_CHECK(lq_uq_check_param(scale, zp, qmin, qmax, 0));
  int sgn = qmin < 0;
  lq_dtype dt;
  if (packed) {
    int32_t bits = cfg->bits ? cfg->bits : 8;
    if (cfg->qmin < cfg->qmax) return lq_fail(LQ_ERR_INVALID_ARG, "packed codes need a bits-derived range, not a custom one");
    if (bits == 4) dt = sgn ? LQ_DTYPE_S4 : LQ_DTYPE_U4;
    else if (bits == 2) dt = sgn ? LQ_DTYPE_S2 : LQ_DTYPE_U2;
    else if (bits == 1) dt = sgn ? LQ_DTYPE_S1 : LQ_DTYPE_B1;
    else return lq_fail(LQ_ERR_INVALID_ARG, "packed codes exist for 1, 2 and 4 bits, not %d", (int)bits);
  } else {
    int32_t lo, hi;
    dt = sgn ? LQ_DTYPE_S8 : LQ_DTYPE_U8;
    lq_dtype_limits(dt, &lo, &hi);
    if (qmin < lo || qmax > hi) dt = sgn ? LQ_DTYPE_S16 : LQ_DTYPE_U16;
    lq_dtype_limits(dt, &lo, &hi);
    if (qmin < lo || qmax > hi) return lq_fail(LQ_ERR_INVALID_ARG, "range [%d, %d] does not fit 16-bit codes", (int)qmin, (int)qmax);
  }
  out->scale = scale;
  out->zero_point = zp;
  out->qmin = qmin;
  out->qmax = qmax;
  out->dtype = dt;
  return LQ_OK;
}

static lq_status lq_affine_check(const lq_affine* q) {
  LQ_REQUIRE_PTR(q);
  LQ_CHECK(lq_check_dtype(q->dtype));
  int32_t lo, hi;
  lq_dtype_limits(q->dtype, &lo, &hi);
  if (q->qmin >= q->qmax || q->qmin < lo || q->qmax > hi)
    return lq_fail(LQ_ERR_INVALID_ARG, "affine range [%d, %d] is empty or outside %s", (int)q->qmin, (int)q->qmax, lq_dtype_name(q->dtype));
  return lq_uq_check_param(q->scale, q->zero_point, q->qmin, q->qmax, 0);
}

lq_status lq_affine_quantize(const lq_affine* q, const float* x, size_t n, const lq_rounding* r, void* codes) {
  LQ_CHECK(lq_affine_check(q));
  lq_uq_args a;
  memset(&a, 0, sizeof a);
  LQ_CHECK(lq_uq_rounding(r, &a));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(codes);
  a.qmin = (float)q->qmin;
  a.qmax = (float)q->qmax;
  if (!lq_dtype_is_packed(q->dtype)) {
    lq_uq_quant_pt(q->dtype, n, x, q->scale, q->zero_point, &a, codes);
    return LQ_OK;
  }
  /* straight to packed through an L1-resident tile */
  uint8_t tile[LQ_UQ_TILE];
  const lq_dtype bdt = lq_dtype_byte_of(q->dtype);
  const size_t per = (size_t)(8 / lq_dtype_bits(q->dtype));
  const uint64_t index0 = a.index0;
  for (size_t i = 0; i < n; i += LQ_UQ_TILE) {
    size_t m = n - i < LQ_UQ_TILE ? n - i : LQ_UQ_TILE;
    a.index0 = index0 + i;
    lq_uq_quant_pt(bdt, m, x + i, q->scale, q->zero_point, &a, tile);
    lq_uq_pack_kernel(q->dtype, m, tile, (uint8_t*)codes + i / per);
  }
  return LQ_OK;
}

lq_status lq_affine_dequantize(const lq_affine* q, const void* codes, size_t n, float* out) {
  LQ_CHECK(lq_affine_check(q));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(codes);
  LQ_REQUIRE_PTR(out);
  if (!lq_dtype_is_packed(q->dtype)) {
    lq_uq_dequant_pt(q->dtype, n, codes, q->scale, q->zero_point, out);
    return LQ_OK;
  }
  uint8_t tile[LQ_UQ_TILE];
  const lq_dtype bdt = lq_dtype_byte_of(q->dtype);
  const size_t per = (size_t)(8 / lq_dtype_bits(q->dtype));
  for (size_t i = 0; i < n; i += LQ_UQ_TILE) {
    size_t m = n - i < LQ_UQ_TILE ? n - i : LQ_UQ_TILE;
    lq_uq_unpack_kernel(q->dtype, m, (const uint8_t*)codes + i / per, tile);
    lq_uq_dequant_pt(bdt, m, tile, q->scale, q->zero_point, out + i);
  }
  return LQ_OK;
}

lq_status lq_affine_fake_quantize(const lq_affine* q, const float* x, size_t n, const lq_rounding* r, float* out) {
  LQ_CHECK(lq_affine_check(q));
  return lq_fake_quantize_f32(x, n, q->scale, q->zero_point, q->qmin, q->qmax, r, out);
}
