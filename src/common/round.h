/* Scalar rounding primitives: the definitions every quantizer and SIMD kernel
 * reproduces. Each takes a float and returns an integral float; NaN and +-Inf
 * pass through. None uses floor(x + 0.5) directly, which is wrong at
 * 0.49999997 (x + 0.5 rounds up to 1.0 in float). */
#ifndef LQ_ROUND_H
#define LQ_ROUND_H

#include <math.h>

#include "libquant.h"

static inline float lq_round_half_even(float v) { return nearbyintf(v); } /* FE_TONEAREST assumed */

/* floor(v) + (v - floor(v) >= 0.5): the subtraction is exact for floats. */
static inline float lq_round_half_up(float v) {
  float f = floorf(v);
  return (v - f >= 0.5f) ? f + 1.0f : f;
}

static inline float lq_round_half_away(float v) { return roundf(v); }

static inline float lq_round_away(float v) { return v >= 0.0f ? ceilf(v) : floorf(v); }

/* Stochastic: floor(v) + [u < v - floor(v)] with u in [0,1) a multiple of
 * 2^-24; integers never move. */
static inline float lq_round_stochastic(float v, float u) {
  float f = floorf(v);
  return (u < v - f) ? f + 1.0f : f;
}

static inline float lq_round_det(float v, lq_round r) {
  switch (r) {
    case LQ_ROUND_HALF_UP: return lq_round_half_up(v);
    case LQ_ROUND_HALF_AWAY: return lq_round_half_away(v);
    case LQ_ROUND_AWAY: return lq_round_away(v);
    case LQ_ROUND_FLOOR: return floorf(v);
    case LQ_ROUND_CEIL: return ceilf(v);
    case LQ_ROUND_TRUNC: return truncf(v);
    default: return lq_round_half_even(v);
  }
}

#endif
