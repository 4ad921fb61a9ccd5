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

/* Encodes one sample (audioop's order of operations) and returns the code. */
static inline int32_t lq_ima_encode_step(int32_t x, int32_t* vp, int32_t* idx) {
  int32_t step = lq_ima_step_table[*idx];
  int32_t diff = x - *vp, sign = 0;
  if (diff < 0) {
    sign = 8;
    diff = -diff;
  }
  int32_t delta = 0, vpdiff = step >> 3;
  if (diff >= step) {
    delta = 4;
    diff -= step;
    vpdiff += step;
  }
  step >>= 1;
  if (diff >= step) {
    delta |= 2;
    diff -= step;
    vpdiff += step;
  }
  step >>= 1;
  if (diff >= step) {
    delta |= 1;
    vpdiff += step;
  }
  *vp = lq_ima_clamp16(sign ? *vp - vpdiff : *vp + vpdiff);
  delta |= sign;
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
