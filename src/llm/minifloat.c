/* OCP small floats (FP8 E4M3/E5M2, FP6 E2M3/E3M2, FP4 E2M1) and the OCP MX
 * v1.0 block formats built on them. Encoding is round-to-nearest-even on
 * the exact value (no double rounding): the quantum 2^(e - mbits) is a
 * power of two, so |x| / quantum is exact and nearbyintf rounds it once. */
#include <math.h>
#include <string.h>

#include "common/lq_internal.h"

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

/* The encoder's common case on the f32 bits: a normal f32 whose value is in
 * the target's normal range rounds to nearest-even at bit 23 - mbits of the
 * f32 encoding (the carry may bump the exponent), then the exponent is
 * rebiased — the same k and mag as lq_minifloat_from_f32 computes with
 * frexpf/ldexpf/nearbyintf, at a fraction of the cost. Zeros, f32
 * subnormals, Inf/NaN and target subnormals take that function. */
static inline uint8_t mf_from_f32_fast(lq_minifloat fmt, int saturate, uint8_t overflow, float x) {
  const mf_desc* d = &mf_descs[fmt];
  uint32_t u;
  memcpy(&u, &x, sizeof u);
  const uint32_t a = u & 0x7FFFFFFFu, fexp = a >> 23;
  if (fexp == 0 || fexp == 255 || (int)fexp - 127 < 1 - d->bias) return lq_minifloat_from_f32(fmt, saturate, x);
  const int sh = 23 - d->mbits;
  const uint32_t r = a + ((1u << (sh - 1)) - 1u) + ((a >> sh) & 1u); /* round half to even at bit sh */
  uint32_t mag = (r >> sh) - ((uint32_t)(127 - d->bias) << d->mbits);
  if (mag > d->max_code) mag = overflow;
  const int width = 1 + d->ebits + d->mbits;
  return (uint8_t)(((u >> 31) << (width - 1)) | mag);
}

static uint8_t mf_overflow_code(lq_minifloat fmt, int saturate) {
  const mf_desc* d = &mf_descs[fmt];
  return saturate || !d->has_nan ? d->max_code : d->has_inf ? 0x7C : 0x7F;
}

/* All 256 decodings of a format, for bulk decoding by table lookup (codes
 * wider than the format are masked by lq_minifloat_to_f32 as before). */
static void mf_decode_table(lq_minifloat fmt, float lut[256]) {
  for (unsigned c = 0; c < 256; c++) lut[c] = lq_minifloat_to_f32(fmt, (uint8_t)c);
}

lq_status lq_minifloat_encode(lq_minifloat fmt, int saturate, const float* x, size_t n, uint8_t* out) {
  if (!fmt_ok(fmt)) return lq_fail(LQ_ERR_INVALID_ARG, "unknown minifloat format %d", (int)fmt);
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(out);
  if (!mf_descs[fmt].has_nan)
    for (size_t i = 0; i < n; i++)
      if (isnan(x[i])) return lq_fail(LQ_ERR_NUMERIC, "x[%zu] is NaN and this format has no NaN", i);
  const uint8_t overflow = mf_overflow_code(fmt, saturate);
  for (size_t i = 0; i < n; i++) out[i] = mf_from_f32_fast(fmt, saturate, overflow, x[i]);
  return LQ_OK;
}

lq_status lq_minifloat_decode(lq_minifloat fmt, const uint8_t* codes, size_t n, float* y_out) {
  if (!fmt_ok(fmt)) return lq_fail(LQ_ERR_INVALID_ARG, "unknown minifloat format %d", (int)fmt);
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(codes);
  LQ_REQUIRE_PTR(y_out);
  if (n < 256) {
    for (size_t i = 0; i < n; i++) y_out[i] = lq_minifloat_to_f32(fmt, codes[i]);
    return LQ_OK;
  }
  float lut[256];
  mf_decode_table(fmt, lut);
  for (size_t i = 0; i < n; i++) y_out[i] = lut[codes[i]];
  return LQ_OK;
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

static void mx_put(lq_mx_type type, uint8_t* p, int j, unsigned c) {
  switch (type) {
    case LQ_MXFP4: p[j / 2] |= (uint8_t)(c << (4 * (j & 1))); break;
    case LQ_MXFP6_E2M3:
    case LQ_MXFP6_E3M2: {
      unsigned bit = 6u * (unsigned)j; /* little-endian bit stream */
      p[bit / 8] |= (uint8_t)(c << (bit % 8));
      if (bit % 8 > 2) p[bit / 8 + 1] |= (uint8_t)(c >> (8 - bit % 8));
      break;
    }
    default: p[j] = (uint8_t)c; break;
  }
}

static unsigned mx_get(lq_mx_type type, const uint8_t* p, int j) {
  switch (type) {
    case LQ_MXFP4: return (p[j / 2] >> (4 * (j & 1))) & 15u;
    case LQ_MXFP6_E2M3:
    case LQ_MXFP6_E3M2: {
      unsigned bit = 6u * (unsigned)j;
      unsigned v = p[bit / 8] >> (bit % 8);
      if (bit % 8 > 2) v |= (unsigned)p[bit / 8 + 1] << (8 - bit % 8);
      return v & 63u;
    }
    default: return p[j];
  }
}

lq_status lq_mx_quantize(lq_mx_type type, const float* x, size_t n, uint8_t* out) {
  LQ_CHECK(mx_check(type, n));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(out);
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i])) return lq_fail(LQ_ERR_NUMERIC, "x[%zu] is not finite", i);
  const size_t bb = 1 + mx_descs[type].payload;
  const lq_minifloat elem = mx_descs[type].elem;
  const uint8_t overflow = type == LQ_MXINT8 ? 0 : mf_overflow_code(elem, 1);
  for (size_t b = 0; b < n / LQ_MX_BLOCK; b++) {
    const float* xb = x + b * LQ_MX_BLOCK;
    uint8_t* o = out + b * bb;
    float amax = 0.0f;
    for (int j = 0; j < LQ_MX_BLOCK; j++) amax = fmaxf(amax, fabsf(xb[j]));
    int se = -127;
    if (amax > 0.0f) {
      int e;
      frexpf(amax, &e);
      se = (e - 1) - mx_descs[type].emax; /* floor(log2(amax)) - emax_elem */
      if (se < -127) se = -127;
      if (se > 127) se = 127;
    }
    o[0] = (uint8_t)(se + 127);
    memset(o + 1, 0, mx_descs[type].payload);
    for (int j = 0; j < LQ_MX_BLOCK; j++) {
      const float v = ldexpf(xb[j], -se);
      unsigned c;
      if (type == LQ_MXINT8) {
        float q = nearbyintf(v * 64.0f);
        q = q > 127.0f ? 127.0f : q < -127.0f ? -127.0f : q;
        c = (uint8_t)(int8_t)q;
      } else {
        c = mf_from_f32_fast(elem, 1, overflow, v);
      }
      mx_put(type, o + 1, j, c);
    }
  }
  return LQ_OK;
}

lq_status lq_mx_dequantize(lq_mx_type type, const uint8_t* blocks, size_t n, float* y_out) {
  LQ_CHECK(mx_check(type, n));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(blocks);
  LQ_REQUIRE_PTR(y_out);
  const size_t bb = 1 + mx_descs[type].payload;
  float lut[256];
  if (type != LQ_MXINT8) mf_decode_table(mx_descs[type].elem, lut);
  for (size_t b = 0; b < n / LQ_MX_BLOCK; b++) {
    const uint8_t* o = blocks + b * bb;
    float* y = y_out + b * LQ_MX_BLOCK;
    for (int j = 0; j < LQ_MX_BLOCK; j++) {
      unsigned c = mx_get(type, o + 1, j);
      float v = type == LQ_MXINT8 ? (float)(int8_t)c * 0x1p-6f : lut[c];
      y[j] = o[0] == 0xFF ? NAN : ldexpf(v, (int)o[0] - 127);
    }
  }
  return LQ_OK;
}
