/* IMA-ADPCM single-step coder shared by the stream API and the WAV codec. */
#ifndef LQ_ADPCM_INTERNAL_H
#define LQ_ADPCM_INTERNAL_H

#include <stdint.h>

#include "common/lq_internal.h"

LQ_INTERNAL extern const int16_t lq_ima_step_table[89];
LQ_INTERNAL extern const int8_t lq_ima_index_table[16];
LQ_INTERNAL lq_status lq_adpcm_check_state(const lq_adpcm_state* st, const char* fn);

static inline int32_t lq_ima_clamp16(int32_t v) { return v > 32767 ? 32767 : v < -32768 ? -32768 : v; }
static inline int32_t lq_ima_clamp_index(int32_t i) { return i < 0 ? 0 : i > 88 ? 88 : i; }

/* Encodes one sample (audioop's order of operations) and returns the code.
 * Branch-free: the three magnitude comparisons depend on the signal and
 * mispredict constantly, so they become masks. */
static inline int32_t lq_ima_encode_step(int32_t x, int32_t* vp, int32_t* idx) {
  int32_t step = lq_ima_step_table[*idx];
  int32_t diff = x - *vp;
  int32_t s = -(int32_t)(diff < 0); /* all ones when negative */
  diff = (diff ^ s) - s;
  int32_t vpdiff = step >> 3, m;
  m = -(int32_t)(diff >= step);
  int32_t delta = m & 4;
  diff -= m & step;
  vpdiff += m & step;
  step >>= 1;
  m = -(int32_t)(diff >= step);
  delta |= m & 2;
  diff -= m & step;
  vpdiff += m & step;
  step >>= 1;
  m = -(int32_t)(diff >= step);
  delta |= m & 1;
  vpdiff += m & step;
  *vp = lq_ima_clamp16(*vp + ((vpdiff ^ s) - s));
  delta |= s & 8;
  *idx = lq_ima_clamp_index(*idx + lq_ima_index_table[delta]);
  return delta;
}

static inline int16_t lq_ima_decode_step(int32_t d, int32_t* vp, int32_t* idx) {
  int32_t step = lq_ima_step_table[*idx];
  int32_t vpdiff = step >> 3;
  if (d & 4) vpdiff += step;
  if (d & 2) vpdiff += step >> 1;
  if (d & 1) vpdiff += step >> 2;
  *vp = lq_ima_clamp16((d & 8) ? *vp - vpdiff : *vp + vpdiff);
  *idx = lq_ima_clamp_index(*idx + lq_ima_index_table[d]);
  return (int16_t)*vp;
}

#endif
