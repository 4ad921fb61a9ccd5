/* OCP small floats (FP8 E4M3/E5M2, FP6 E2M3/E3M2, FP4 E2M1) and the OCP MX
 * v1.0 block formats built on them. Encoding is round-to-nearest-even on
 * the exact value (no double rounding): the quantum 2^(e - mbits) is a
 * power of two, so |x| / quantum is exact and nearbyintf rounds it once.
 * That scalar pair is the definition; the bulk calls and MX go through the
 * codec kernels (llm_kernels.h: lq_mf_encode1 rounds on the f32 bits, tested
 * equal to it), dispatched per ISA. */
#include <math.h>
#include <string.h>

#include "common/lq_internal.h"
#include "cpu/dispatch.h"
#include "llm/llm_kernels.h"

typedef struct mf_desc {
  int ebits, mbits, bias;
  uint8_t max_code; /* magnitude code of the largest finite value */
  int has_inf;      /* E5M2 */
  int has_nan;      /* E4M3 (S.1111.111) and E5M2 */
} mf_desc;

static const mf_desc mf_descs[LQ_MINIFLOAT_COUNT_] = {
    {4, 3, 7, 0x7E, 0, 1},  /* E4M3: max 448 */
    {5, 2, 15, 0x7B, 1, 1}, /* E5M2: max 57344 */
    {2, 3, 1, 0x1F, 0, 0},  /* E2M3: max 7.5 */
    {3, 2, 3, 0x1F, 0, 0},  /* E3M2: max 28 */
    {2, 1, 1, 0x07, 0, 0},  /* E2M1: max 6 */
};

static int fmt_ok(lq_minifloat f) { return (unsigned)f < (unsigned)LQ_MINIFLOAT_COUNT_; }

float lq_minifloat_to_f32(lq_minifloat fmt, uint8_t code) {
  if (!fmt_ok(fmt)) return NAN;
  const mf_desc* d = &mf_descs[fmt];
  const int width = 1 + d->ebits + d->mbits;
  code &= (uint8_t)((1u << width) - 1u);
  const int sign = code >> (width - 1);
  const unsigned mag = code & ((1u << (width - 1)) - 1u);
  const unsigned e = mag >> d->mbits, m = mag & ((1u << d->mbits) - 1u);
  float v;
  if (d->has_inf && e == (1u << d->ebits) - 1u) {
    v = m == 0 ? INFINITY : NAN;
  } else if (fmt == LQ_FP8_E4M3 && mag == 0x7F) {
    v = NAN;
  } else if (e == 0) {
    v = ldexpf((float)m, 1 - d->bias - d->mbits);
  } else {
    v = ldexpf((float)((1u << d->mbits) | m), (int)e - d->bias - d->mbits);
  }
  return sign ? -v : v;
}

uint8_t lq_minifloat_from_f32(lq_minifloat fmt, int saturate, float x) {
  if (!fmt_ok(fmt)) return 0;
  const mf_desc* d = &mf_descs[fmt];
  const int width = 1 + d->ebits + d->mbits;
  const uint8_t sign = signbit(x) ? (uint8_t)(1u << (width - 1)) : 0;
  if (isnan(x)) {
    if (fmt == LQ_FP8_E4M3) return 0x7F;
    if (fmt == LQ_FP8_E5M2) return 0x7E;
    return 0; /* no NaN encoding: the bulk API rejects NaN */
  }
  const uint8_t overflow = saturate || !d->has_nan ? d->max_code : d->has_inf ? 0x7C : 0x7F;
  float a = fabsf(x);
  if (isinf(a)) return (uint8_t)(sign | overflow);
  unsigned mag;
  const int emin = 1 - d->bias; /* exponent of the smallest normal */
  int e;
  frexpf(a, &e);
  e -= 1; /* a in [2^e, 2^(e+1)) */
  if (a == 0.0f || e < emin) {
    mag = (unsigned)nearbyintf(ldexpf(a, d->mbits - emin)); /* subnormal quanta; may round up to the min normal */
  } else if (e - d->bias > 16) {
    mag = 0xFFu; /* far past any of these formats' range */
  } else {
    unsigned k = (unsigned)nearbyintf(ldexpf(a, d->mbits - e)); /* in [2^mbits, 2^(mbits+1)] */
    mag = ((unsigned)(e + d->bias) << d->mbits) + (k - (1u << d->mbits)); /* a carry bumps the exponent */
  }
  if (mag > d->max_code) mag = overflow;
  return (uint8_t)(sign | mag);
}

static uint8_t mf_overflow_code(lq_minifloat fmt, int saturate) {
  const mf_desc* d = &mf_descs[fmt];
  return saturate || !d->has_nan ? d->max_code : d->has_inf ? 0x7C : 0x7F;
}

/* The codec kernels' description of a format (llm_kernels.h). */
lq_mf_params lq_mf_params_of(lq_minifloat fmt, int saturate) {
  const mf_desc* d = &mf_descs[fmt];
  lq_mf_params p;
  p.mbits = (uint32_t)d->mbits;
  p.bias = (uint32_t)d->bias;
  p.width = (uint32_t)(1 + d->ebits + d->mbits);
  p.max_code = d->max_code;
  p.overflow = mf_overflow_code(fmt, saturate);
  p.nan_code = fmt == LQ_FP8_E4M3 ? 0x7F : fmt == LQ_FP8_E5M2 ? 0x7E : 0;
  p.nan_mag = fmt == LQ_FP8_E4M3 ? 0x7F : fmt == LQ_FP8_E5M2 ? 0x7D : 0x100;
  p.inf_mag = fmt == LQ_FP8_E5M2 ? 0x7C : 0x100;
  return p;
}

lq_status lq_minifloat_encode_scaled(lq_minifloat fmt, int saturate, const float* x, size_t n, float scale,
                                     uint8_t* out) {
  if (!fmt_ok(fmt)) return lq_fail(LQ_ERR_INVALID_ARG, "unknown minifloat format %d", (int)fmt);
  if (!isfinite(scale) || scale == 0.0f)
    return lq_fail(LQ_ERR_INVALID_ARG, "scale %g must be finite and nonzero", (double)scale);
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(out);
  const lq_mf_params p = lq_mf_params_of(fmt, saturate);
  /* NaN is detected by the kernel (one pass); a finite nonzero scale keeps
   * x / scale NaN exactly where x is. */
  if (lq_dispatch_get()->llm_mf_encode(&p, n, x, scale, out) && !mf_descs[fmt].has_nan) {
    size_t i = 0;
    while (!isnan(x[i])) i++;
    return lq_fail(LQ_ERR_NUMERIC, "x[%zu] is NaN and this format has no NaN", i);
  }
  return LQ_OK;
}

lq_status lq_minifloat_encode(lq_minifloat fmt, int saturate, const float* x, size_t n, uint8_t* out) {
  return lq_minifloat_encode_scaled(fmt, saturate, x, n, 1.0f, out);
}

lq_status lq_minifloat_decode_scaled(lq_minifloat fmt, const uint8_t* codes, size_t n, float scale, float* y_out) {
  if (!fmt_ok(fmt)) return lq_fail(LQ_ERR_INVALID_ARG, "unknown minifloat format %d", (int)fmt);
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(codes);
  LQ_REQUIRE_PTR(y_out);
  const lq_mf_params p = lq_mf_params_of(fmt, 1);
  lq_dispatch_get()->llm_mf_decode(&p, n, codes, scale, y_out);
  return LQ_OK;
}

lq_status lq_minifloat_decode(lq_minifloat fmt, const uint8_t* codes, size_t n, float* y_out) {
  return lq_minifloat_decode_scaled(fmt, codes, n, 1.0f, y_out);
}

/* ------------------------------------------------------------------ MX --- */

static const struct {
  lq_minifloat elem; /* LQ_MINIFLOAT_COUNT_ for INT8 */
  int emax;          /* exponent of the element's largest normal */
  size_t payload;    /* bytes of 32 elements */
} mx_descs[LQ_MX_TYPE_COUNT_] = {
    {LQ_FP4_E2M1, 2, 16}, {LQ_FP6_E2M3, 2, 24}, {LQ_FP6_E3M2, 4, 24},
    {LQ_FP8_E4M3, 8, 32}, {LQ_FP8_E5M2, 15, 32}, {LQ_MINIFLOAT_COUNT_, 0, 32},
};

lq_status lq_mx_block_bytes(lq_mx_type type, size_t* bytes_out) {
  LQ_REQUIRE_PTR(bytes_out);
  if ((unsigned)type >= (unsigned)LQ_MX_TYPE_COUNT_) return lq_fail(LQ_ERR_INVALID_ARG, "unknown MX type %d", (int)type);
  *bytes_out = 1 + mx_descs[type].payload;
  return LQ_OK;
}

static lq_status mx_check(lq_mx_type type, size_t n) {
  if ((unsigned)type >= (unsigned)LQ_MX_TYPE_COUNT_) return lq_fail(LQ_ERR_INVALID_ARG, "unknown MX type %d", (int)type);
  if (n % LQ_MX_BLOCK != 0) return lq_fail(LQ_ERR_INVALID_ARG, "n %zu is not a multiple of 32", n);
  return LQ_OK;
}

lq_mx_params lq_mx_params_of(lq_mx_type type) {
  lq_mx_params p;
  /* MXINT8 has no element format: E4M3's parameters stand in (unused). */
  p.elem = lq_mf_params_of(type == LQ_MXINT8 ? LQ_FP8_E4M3 : mx_descs[type].elem, 1);
  p.type = (int32_t)type;
  p.emax = mx_descs[type].emax;
  p.payload = (uint32_t)mx_descs[type].payload;
  return p;
}

lq_status lq_mx_quantize(lq_mx_type type, const float* x, size_t n, uint8_t* out) {
  LQ_CHECK(mx_check(type, n));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(out);
  const lq_mx_params p = lq_mx_params_of(type);
  if (lq_dispatch_get()->llm_mx_quant(&p, n / LQ_MX_BLOCK, x, out) != 0) {
    size_t i = 0;
    while (isfinite(x[i])) i++;
    return lq_fail(LQ_ERR_NUMERIC, "x[%zu] is not finite", i);
  }
  return LQ_OK;
}

lq_status lq_mx_dequantize(lq_mx_type type, const uint8_t* blocks, size_t n, float* y_out) {
  LQ_CHECK(mx_check(type, n));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(blocks);
  LQ_REQUIRE_PTR(y_out);
  const lq_mx_params p = lq_mx_params_of(type);
  lq_dispatch_get()->llm_mx_dequant(&p, n / LQ_MX_BLOCK, blocks, y_out);
  return LQ_OK;
}
