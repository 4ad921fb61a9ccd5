#include <string.h>
#include <strings.h>

#include "common/lq_internal.h"
#include "common/rng.h"
#include "common/round.h"

static const char* const lq_round_names[LQ_ROUND_COUNT_] = {
    "half_even", "half_up", "half_away", "away", "floor", "ceil", "trunc", "stochastic"};

const char* lq_round_name(lq_round r) {
  if ((unsigned)r >= LQ_ROUND_COUNT_) return "unknown";
  return lq_round_names[r];
}

lq_status lq_round_parse(const char* name, lq_round* out) {
  LQ_REQUIRE_PTR(name);
  LQ_REQUIRE_PTR(out);
  for (int i = 0; i < LQ_ROUND_COUNT_; i++) {
    if (strcasecmp(name, lq_round_names[i]) == 0) {
      *out = (lq_round)i;
      return LQ_OK;
    }
  }
  /* Common synonyms. */
  if (strcasecmp(name, "nearest") == 0 || strcasecmp(name, "rne") == 0 || strcasecmp(name, "bankers") == 0) {
    *out = LQ_ROUND_HALF_EVEN;
    return LQ_OK;
  }
  if (strcasecmp(name, "rna") == 0 || strcasecmp(name, "round") == 0) {
    *out = LQ_ROUND_HALF_AWAY;
    return LQ_OK;
  }
  if (strcasecmp(name, "sr") == 0) {
    *out = LQ_ROUND_STOCHASTIC;
    return LQ_OK;
  }
  return lq_fail(LQ_ERR_INVALID_ARG,
                 "unknown rounding mode '%s' (expected half_even, half_up, half_away, away, floor, ceil, trunc, stochastic)",
                 name);
}

float lq_round_f32(float x, lq_round r, uint64_t seed, uint64_t index) {
  if (r == LQ_ROUND_STOCHASTIC) return lq_round_stochastic(x, lq_rng_uniform_f32(seed, index));
  return lq_round_det(x, r);
}
