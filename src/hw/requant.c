/* Integer-only requantization as in TFLite (quantization_util.cc,
 * MultiplyByQuantizedMultiplier) and gemmlowp (fixedpoint.h), plus
 * saturating accumulation helpers for fixed-width MAC hardware. */
#include <math.h>

#include "common/lq_internal.h"

lq_status lq_quantize_multiplier(double m, int32_t* qm_out, int* shift_out) {
  LQ_REQUIRE_PTR(qm_out);
  LQ_REQUIRE_PTR(shift_out);
  if (!isfinite(m)) return lq_fail(LQ_ERR_NUMERIC, "lq_quantize_multiplier: multiplier is not finite");
  if (m == 0.0) {
    *qm_out = 0;
    *shift_out = 0;
    return LQ_OK;
  }
  int shift;
  double q = frexp(m, &shift);
  /* TfLiteRound = std::round: half away from zero. q*2^31 is exact. */
  int64_t q_fixed = (int64_t)round(q * 2147483648.0);
  if (q_fixed == (1LL << 31)) { /* q just below 1 rounded up */
    q_fixed /= 2;
    ++shift;
  }
  if (shift < -31) {
    shift = 0;
    q_fixed = 0;
  }
  *qm_out = (int32_t)q_fixed;
  *shift_out = shift;
  return LQ_OK;
}

int32_t lq_srdhm(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX; /* the only overflowing product */
  int64_t ab = (int64_t)a * (int64_t)b;
  int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
  return (int32_t)((ab + nudge) / (1LL << 31)); /* C division truncates, as gemmlowp relies on */
}

int32_t lq_rdbpot(int32_t x, int e) {
  if (e <= 0) return x;
  if (e > 31) e = 31;
  const int32_t mask = (int32_t)((1LL << e) - 1);
  const int32_t rem = x & mask;
  const int32_t thr = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + (rem > thr ? 1 : 0);
}

int32_t lq_mbqm(int32_t x, int32_t qm, int shift) {
  if (shift > 30) shift = 30;
  if (shift < -31) shift = -31;
  int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  int64_t xl = (int64_t)x * ((int64_t)1 << left);
  if (xl > INT32_MAX) xl = INT32_MAX;
  if (xl < INT32_MIN) xl = INT32_MIN;
  return lq_rdbpot(lq_srdhm((int32_t)xl, qm), right);
}

int8_t lq_sat_i8(int32_t x) { return (int8_t)(x > 127 ? 127 : x < -128 ? -128 : x); }
int16_t lq_sat_i16(int32_t x) { return (int16_t)(x > 32767 ? 32767 : x < -32768 ? -32768 : x); }
int32_t lq_sat_add_i32(int32_t a, int32_t b) {
  int64_t s = (int64_t)a + b;
  return (int32_t)(s > INT32_MAX ? INT32_MAX : s < INT32_MIN ? INT32_MIN : s);
}

static lq_status check_act(int32_t zp, int32_t act_min, int32_t act_max, const char* fn) {
  if (act_min < -128 || act_max > 127 || act_min > act_max)
    return lq_fail(LQ_ERR_INVALID_ARG, "%s: activation range [%d, %d] is not inside [-128, 127]", fn, (int)act_min,
                   (int)act_max);
  if (zp < -128 || zp > 127) return lq_fail(LQ_ERR_INVALID_ARG, "%s: zero point %d outside int8", fn, (int)zp);
  return LQ_OK;
}

static inline int8_t finish(int32_t v, int32_t zp, int32_t lo, int32_t hi) {
  int64_t t = (int64_t)v + zp; /* v may be INT32_MAX: add in 64 bits */
  return (int8_t)(t < lo ? lo : t > hi ? hi : t);
}

lq_status lq_requantize_i32_i8(const int32_t* acc, size_t n, int32_t qm, int shift, int32_t zp, int32_t act_min,
                               int32_t act_max, int8_t* y) {
  if (n > 0) {
    LQ_REQUIRE_PTR(acc);
    LQ_REQUIRE_PTR(y);
  }
  LQ_CHECK(check_act(zp, act_min, act_max, __func__));
  if (shift < -31 || shift > 30) return lq_fail(LQ_ERR_INVALID_ARG, "%s: shift %d outside [-31, 30]", __func__, shift);
  for (size_t i = 0; i < n; i++) y[i] = finish(lq_mbqm(acc[i], qm, shift), zp, act_min, act_max);
  return LQ_OK;
}

lq_status lq_requantize_per_channel_i32_i8(const int32_t* acc, size_t rows, size_t channels, const int32_t* qm,
                                           const int* shift, int32_t zp, int32_t act_min, int32_t act_max,
                                           int8_t* y) {
  size_t n;
  if (lq_mul_overflows(rows, channels, &n)) return lq_fail(LQ_ERR_OVERFLOW, "%s: rows*channels overflows", __func__);
  if (channels > 0) {
    LQ_REQUIRE_PTR(qm);
    LQ_REQUIRE_PTR(shift);
  }
  if (n > 0) {
    LQ_REQUIRE_PTR(acc);
    LQ_REQUIRE_PTR(y);
  }
  LQ_CHECK(check_act(zp, act_min, act_max, __func__));
  for (size_t c = 0; c < channels; c++)
    if (shift[c] < -31 || shift[c] > 30)
      return lq_fail(LQ_ERR_INVALID_ARG, "%s: shift[%zu] = %d outside [-31, 30]", __func__, c, shift[c]);
  for (size_t r = 0; r < rows; r++)
    for (size_t c = 0; c < channels; c++)
      y[r * channels + c] = finish(lq_mbqm(acc[r * channels + c], qm[c], shift[c]), zp, act_min, act_max);
  return LQ_OK;
}

lq_status lq_requantize_shift_i32_i8(const int32_t* acc, size_t rows, size_t channels, const int* shift, int32_t zp,
                                     int32_t act_min, int32_t act_max, int8_t* y) {
  size_t n;
  if (lq_mul_overflows(rows, channels, &n)) return lq_fail(LQ_ERR_OVERFLOW, "%s: rows*channels overflows", __func__);
  if (channels > 0) LQ_REQUIRE_PTR(shift);
  if (n > 0) {
    LQ_REQUIRE_PTR(acc);
    LQ_REQUIRE_PTR(y);
  }
  LQ_CHECK(check_act(zp, act_min, act_max, __func__));
  for (size_t c = 0; c < channels; c++)
    if (shift[c] < 0 || shift[c] > 31)
      return lq_fail(LQ_ERR_INVALID_ARG, "%s: shift[%zu] = %d outside [0, 31]", __func__, c, shift[c]);
  for (size_t r = 0; r < rows; r++)
    for (size_t c = 0; c < channels; c++)
      y[r * channels + c] = finish(lq_rdbpot(acc[r * channels + c], shift[c]), zp, act_min, act_max);
  return LQ_OK;
}

lq_status lq_pot_scale_exponent(double s, int ceil_mode, int* e_out) {
  LQ_REQUIRE_PTR(e_out);
  if (!isfinite(s)) return lq_fail(LQ_ERR_NUMERIC, "lq_pot_scale_exponent: scale is not finite");
  if (s <= 0.0) return lq_fail(LQ_ERR_INVALID_ARG, "lq_pot_scale_exponent: scale %g must be > 0", s);
  int e;
  double f = frexp(s, &e); /* s = f * 2^e, f in [0.5, 1): log2 s in [e-1, e) */
  if (ceil_mode) {
    *e_out = f == 0.5 ? e - 1 : e;
  } else {
    /* rne(log2 s): log2 s = e - 1 + log2(2f); round up iff log2(2f) > 1/2,
     * i.e. 2f > sqrt(2); log2(2f) == 1/2 exactly never happens for a double. */
    *e_out = 2.0 * f > 1.4142135623730951 ? e : e - 1;
  }
  return LQ_OK;
}

lq_status lq_sat_dot_i8_i16(const int8_t* x, const int8_t* w, size_t n, int16_t* acc) {
  LQ_REQUIRE_PTR(acc);
  if (n > 0) {
    LQ_REQUIRE_PTR(x);
    LQ_REQUIRE_PTR(w);
  }
  int32_t a = *acc;
  for (size_t i = 0; i < n; i++) a = lq_sat_i16(a + (int32_t)x[i] * w[i]);
  *acc = (int16_t)a;
  return LQ_OK;
}

lq_status lq_sat_dot_i8_i32(const int8_t* x, const int8_t* w, size_t n, int32_t* acc) {
  LQ_REQUIRE_PTR(acc);
  if (n > 0) {
    LQ_REQUIRE_PTR(x);
    LQ_REQUIRE_PTR(w);
  }
  int32_t a = *acc;
  for (size_t i = 0; i < n; i++) a = lq_sat_add_i32(a, (int32_t)x[i] * w[i]);
  *acc = a;
  return LQ_OK;
}

lq_status lq_sat_accumulate_i8(const int8_t* x, size_t n, int8_t* acc) {
  LQ_REQUIRE_PTR(acc);
  if (n > 0) LQ_REQUIRE_PTR(x);
  int32_t a = *acc;
  for (size_t i = 0; i < n; i++) a = lq_sat_i8(a + x[i]);
  *acc = (int8_t)a;
  return LQ_OK;
}
