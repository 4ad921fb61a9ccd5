/* IMA-ADPCM single-step coder shared by the stream API and the WAV codec.
 *
 * Table-driven so that the per-sample dependency chain is short (ADPCM is
 * sequential: each sample needs the previous valpred and index). The coder
 * state is (valpred, row) with row = 16 * index, an offset into the tables.
 *
 * Why the 3-bit magnitude can be computed by counting: audioop compares diff
 * with step, then (diff - b2*step) with step>>1, then with step>>2 (greedy,
 * subtracting what was taken). The reachable partial sums
 *   T_k = (k&4 ? step : 0) + (k&2 ? step>>1 : 0) + (k&1 ? step>>2 : 0)
 * increase strictly with k (step>>1 + step>>2 < step, step>>2 < step>>1 for
 * step >= 7), so the greedy code is the largest k with T_k <= |diff|, i.e. the
 * number of k in 1..7 with |diff| >= T_k: seven independent compares instead
 * of three dependent ones. audioop's vpdiff is (step>>3) + T_code exactly (the
 * same conditional adds), so it is tabulated per (index, code), with the sign
 * applied, together with the next row. */
#ifndef LQ_ADPCM_INTERNAL_H
#define LQ_ADPCM_INTERNAL_H

#include <stdint.h>

#include "common/lq_internal.h"

LQ_INTERNAL extern const int16_t lq_ima_step_table[89];
LQ_INTERNAL extern const int8_t lq_ima_index_table[16];
LQ_INTERNAL lq_status lq_adpcm_check_state(const lq_adpcm_state* st, const char* fn);

/* lq_ima_thresholds[16*i + k] = T_k of index i for k = 0..7 (8..15 unused padding). */
LQ_INTERNAL extern const int32_t lq_ima_thresholds[89 * 16];
/* lq_ima_next[16*i + code]: signed vpdiff of `code` (bit 3 = sign) at index i,
 * and the row (16 * clamped next index) that follows. */
typedef struct lq_ima_entry {
  int32_t svpdiff;
  int32_t next_row;
} lq_ima_entry;
LQ_INTERNAL extern const lq_ima_entry lq_ima_next[89 * 16];

static inline int32_t lq_ima_clamp16(int32_t v) { return v > 32767 ? 32767 : v < -32768 ? -32768 : v; }

/* Clamp valpred to int16 as audioop does after every sample. Out-of-range
 * values are rare in real audio, so a predictable branch keeps the clamp off
 * the critical path. */
static inline int32_t lq_ima_clamp16_rare(int32_t v) {
  if (LQ_UNLIKELY((uint32_t)(v + 32768) > 65535u)) v = v < 0 ? -32768 : 32767;
  return v;
}

/* Encodes one sample (bit-exact audioop) and returns the 4-bit code. */
static inline int32_t lq_ima_encode_step(int32_t x, int32_t* vp, int32_t* row) {
  const int32_t* t = lq_ima_thresholds + *row;
  int32_t diff = x - *vp;
  int32_t s8 = (diff >> 31) & 8; /* audioop's sign bit of the code */
  int32_t a = diff < 0 ? -diff : diff;
  /* Balanced sum: the adds do not form one long chain. */
  int32_t c1 = a >= t[1], c2 = a >= t[2], c3 = a >= t[3], c4 = a >= t[4], c5 = a >= t[5], c6 = a >= t[6],
          c7 = a >= t[7];
  int32_t code = ((c1 + c2) + (c3 + c4)) + ((c5 + c6) + c7) + s8;
  const lq_ima_entry* e = &lq_ima_next[*row + code];
  *vp = lq_ima_clamp16_rare(*vp + e->svpdiff);
  *row = e->next_row;
  return code;
}

/* Decodes one 4-bit code (bit-exact audioop) and returns the sample. */
static inline int16_t lq_ima_decode_step(int32_t code, int32_t* vp, int32_t* row) {
  const lq_ima_entry* e = &lq_ima_next[*row + code];
  *vp = lq_ima_clamp16_rare(*vp + e->svpdiff);
  *row = e->next_row;
  return (int16_t)*vp;
}

#endif
