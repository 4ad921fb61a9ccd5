/* Signal-processing step quantizers (classic.md A.7, A.8): mid-tread,
 * mid-rise and dead-zone. Scalar; every decision is made exactly. */
#include <math.h>
#include <string.h>

#include "uniform/uniform_internal.h"

lq_status lq_sp_code_range(const lq_sp_config* cfg, int32_t* qmin_out, int32_t* qmax_out, lq_dtype* dtype_out) {
  LQ_REQUIRE_PTR(cfg);
  int32_t bits = cfg->bits ? cfg->bits : 8;
  int32_t lo, hi;
  lq_dtype dt;
  switch (cfg->kind) {
    case LQ_SP_MIDTREAD:
    case LQ_SP_DEADZONE:
      if (bits < 2 || bits > 16) return lq_fail(LQ_ERR_INVALID_ARG, "mid-tread/dead-zone bits %d outside 2..16", (int)bits);
      hi = (int32_t)(1u << (bits - 1)) - 1;
      lo = -hi;
      dt = bits <= 8 ? LQ_DTYPE_S8 : LQ_DTYPE_S16;
      break;
    case LQ_SP_MIDRISE:
      if (bits < 1 || bits > 16) return lq_fail(LQ_ERR_INVALID_ARG, "mid-rise bits %d outside 1..16", (int)bits);
      lo = 0;
      hi = (int32_t)((1u << bits) - 1u);
      dt = bits <= 8 ? LQ_DTYPE_U8 : LQ_DTYPE_U16;
      break;
    default: return lq_fail(LQ_ERR_INVALID_ARG, "kind %d is not an lq_sp_kind", (int)cfg->kind);
  }
  if (!isfinite(cfg->step) || !(cfg->step > 0.0f)) return lq_fail(LQ_ERR_INVALID_ARG, "step %g must be finite and > 0", (double)cfg->step);
  if (cfg->kind == LQ_SP_DEADZONE) {
    if (!(cfg->deadzone_offset >= 0.0f && cfg->deadzone_offset < 1.0f))
      return lq_fail(LQ_ERR_INVALID_ARG, "dead-zone rounding offset %g outside [0, 1)", (double)cfg->deadzone_offset);
    if (!(cfg->recon_offset >= 0.0f && cfg->recon_offset < 1.0f))
      return lq_fail(LQ_ERR_INVALID_ARG, "dead-zone reconstruction offset %g outside [0, 1)", (double)cfg->recon_offset);
  } else if ((unsigned)cfg->rounding.mode >= LQ_ROUND_COUNT_) {
    return lq_fail(LQ_ERR_INVALID_ARG, "rounding mode %d is not an lq_round", (int)cfg->rounding.mode);
  }
  if (qmin_out) *qmin_out = lo;
  if (qmax_out) *qmax_out = hi;
  if (dtype_out) *dtype_out = dt;
  return LQ_OK;
}

/* Level index k of the mid-rise level (k + 1/2) chosen for u = x / step.
 * f = floor(u) and fr = u - f are exact; the level below u is f - 1/2 when
 * fr < 1/2, else f + 1/2. */
static float lq_midrise_k(float u, lq_round mode, float rnd) {
  if (isinf(u)) return u;
  float f = floorf(u), fr = u - f;
  float below = fr >= 0.5f ? f : f - 1.0f; /* index of the level <= u */
  float above = fr <= 0.5f ? f : f + 1.0f; /* index of the level >= u */
  switch (mode) {
    case LQ_ROUND_FLOOR: return below;
    case LQ_ROUND_CEIL: return above;
    case LQ_ROUND_TRUNC: return u >= 0.0f ? below : above;
    case LQ_ROUND_AWAY: return u >= 0.0f ? above : below;
    case LQ_ROUND_STOCHASTIC: {
      /* up with probability (u - level below), compared exactly:
       * fr >= 1/2: rnd < fr - 1/2 (Sterbenz); else rnd - 1/2 < fr (rnd is a multiple of 2^-24) */
      int up = fr >= 0.5f ? rnd < fr - 0.5f : rnd - 0.5f < fr;
      return up ? below + 1.0f : below;
    }
    case LQ_ROUND_HALF_UP: return f; /* off ties f + 1/2 is nearest; ties (fr == 0) go up */
    case LQ_ROUND_HALF_AWAY: return (fr != 0.0f || u >= 0.0f) ? f : f - 1.0f;
    default: /* half_even: ties to the even level index */
      if (fr != 0.0f) return f;
      return fmodf(f, 2.0f) == 0.0f ? f : f - 1.0f;
  }
}

lq_status lq_sp_quantize(const lq_sp_config* cfg, const float* x, size_t n, void* codes) {
  int32_t lo, hi;
  lq_dtype dt;
  LQ_CHECK(lq_sp_code_range(cfg, &lo, &hi, &dt));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(codes);
  const int32_t bits = cfg->bits ? cfg->bits : 8;
  const int32_t off = cfg->kind == LQ_SP_MIDRISE ? (int32_t)(1u << (bits - 1)) : 0;
  lq_uq_rng g;
  lq_uq_rng_init(&g, cfg->rounding.seed, cfg->rounding.index0);
  const int sr = cfg->kind != LQ_SP_DEADZONE && cfg->rounding.mode == LQ_ROUND_STOCHASTIC;
  for (size_t i = 0; i < n; i++) {
    float u = x[i] / cfg->step;
    if (u != u) u = 0.0f;
    float rnd = sr ? lq_uq_rng_draw(&g, cfg->rounding.index0 + i) : 0.0f;
    float k;
    if (cfg->kind == LQ_SP_MIDTREAD) {
      k = sr ? lq_round_stochastic(u, rnd) : lq_round_det(u, cfg->rounding.mode);
    } else if (cfg->kind == LQ_SP_MIDRISE) {
      k = lq_midrise_k(u, cfg->rounding.mode, rnd);
    } else {
      /* floor(|u| + f) in double is exact for the floor (see docs/uniform.md) */
      double m = floor((double)fabsf(u) + (double)cfg->deadzone_offset);
      if (m > (double)hi) m = (double)hi;
      k = (float)(u < 0.0f ? -m : m);
    }
    float t = k + (float)off;
    t = t < (float)lo ? (float)lo : t;
    t = t > (float)hi ? (float)hi : t;
    int32_t c = (int32_t)t;
    switch (dt) {
      case LQ_DTYPE_S8: ((int8_t*)codes)[i] = (int8_t)c; break;
      case LQ_DTYPE_S16: ((int16_t*)codes)[i] = (int16_t)c; break;
      case LQ_DTYPE_U8: ((uint8_t*)codes)[i] = (uint8_t)c; break;
      default: ((uint16_t*)codes)[i] = (uint16_t)c; break;
    }
  }
  return LQ_OK;
}

lq_status lq_sp_dequantize(const lq_sp_config* cfg, const void* codes, size_t n, float* out) {
  int32_t lo, hi;
  lq_dtype dt;
  LQ_CHECK(lq_sp_code_range(cfg, &lo, &hi, &dt));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(codes);
  LQ_REQUIRE_PTR(out);
  const int32_t bits = cfg->bits ? cfg->bits : 8;
  for (size_t i = 0; i < n; i++) {
    int32_t c;
    switch (dt) {
      case LQ_DTYPE_S8: c = ((const int8_t*)codes)[i]; break;
      case LQ_DTYPE_S16: c = ((const int16_t*)codes)[i]; break;
      case LQ_DTYPE_U8: c = ((const uint8_t*)codes)[i]; break;
      default: c = ((const uint16_t*)codes)[i]; break;
    }
    if (cfg->kind == LQ_SP_MIDTREAD) {
      out[i] = (float)c * cfg->step;
    } else if (cfg->kind == LQ_SP_MIDRISE) {
      out[i] = ((float)(c - (int32_t)(1u << (bits - 1))) + 0.5f) * cfg->step;
    } else if (c == 0) {
      out[i] = 0.0f;
    } else {
      float m = ((float)(c < 0 ? -c : c) + cfg->recon_offset) * cfg->step;
      out[i] = c < 0 ? -m : m;
    }
  }
  return LQ_OK;
}
