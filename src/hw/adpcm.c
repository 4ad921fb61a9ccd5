/* IMA/DVI ADPCM, bit-exact with CPython 3.11 audioop.lin2adpcm/adpcm2lin
 * (Jack Jansen's adpcm.c): 89-entry step table, index table, valpred clamped
 * to int16 after every sample, index clamped to [0, 88]. */
#include "common/lq_internal.h"
#include "hw/adpcm_internal.h"

const int16_t lq_ima_step_table[89] = {
    7,     8,     9,     10,    11,    12,    13,    14,    16,    17,    19,    21,    23,    25,    28,
    31,    34,    37,    41,    45,    50,    55,    60,    66,    73,    80,    88,    97,    107,   118,
    130,   143,   157,   173,   190,   209,   230,   253,   279,   307,   337,   371,   408,   449,   494,
    544,   598,   658,   724,   796,   876,   963,   1060,  1166,  1282,  1411,  1552,  1707,  1878,  2066,
    2272,  2499,  2749,  3024,  3327,  3660,  4026,  4428,  4871,  5358,  5894,  6484,  7132,  7845,  8630,
    9493,  10442, 11487, 12635, 13899, 15289, 16818, 18500, 20350, 22385, 24623, 27086, 29794, 32767};
const int8_t lq_ima_index_table[16] = {-1, -1, -1, -1, 2, 4, 6, 8, -1, -1, -1, -1, 2, 4, 6, 8};

/* (index, step) pairs of the IMA step table, expanded into the tables below. */
#define LQ_IMA_STEPS(X) \
    X(0, 7) X(1, 8) X(2, 9) X(3, 10) X(4, 11) X(5, 12) \
    X(6, 13) X(7, 14) X(8, 16) X(9, 17) X(10, 19) X(11, 21) \
    X(12, 23) X(13, 25) X(14, 28) X(15, 31) X(16, 34) X(17, 37) \
    X(18, 41) X(19, 45) X(20, 50) X(21, 55) X(22, 60) X(23, 66) \
    X(24, 73) X(25, 80) X(26, 88) X(27, 97) X(28, 107) X(29, 118) \
    X(30, 130) X(31, 143) X(32, 157) X(33, 173) X(34, 190) X(35, 209) \
    X(36, 230) X(37, 253) X(38, 279) X(39, 307) X(40, 337) X(41, 371) \
    X(42, 408) X(43, 449) X(44, 494) X(45, 544) X(46, 598) X(47, 658) \
    X(48, 724) X(49, 796) X(50, 876) X(51, 963) X(52, 1060) X(53, 1166) \
    X(54, 1282) X(55, 1411) X(56, 1552) X(57, 1707) X(58, 1878) X(59, 2066) \
    X(60, 2272) X(61, 2499) X(62, 2749) X(63, 3024) X(64, 3327) X(65, 3660) \
    X(66, 4026) X(67, 4428) X(68, 4871) X(69, 5358) X(70, 5894) X(71, 6484) \
    X(72, 7132) X(73, 7845) X(74, 8630) X(75, 9493) X(76, 10442) X(77, 11487) \
    X(78, 12635) X(79, 13899) X(80, 15289) X(81, 16818) X(82, 18500) X(83, 20350) \
    X(84, 22385) X(85, 24623) X(86, 27086) X(87, 29794) X(88, 32767)

/* Partial sums T_k of audioop's greedy magnitude search (adpcm_internal.h). */
#define LQ_IMA_T(s, k) ((((k)&4) ? (s) : 0) + (((k)&2) ? ((s) >> 1) : 0) + (((k)&1) ? ((s) >> 2) : 0))
#define LQ_IMA_IT(k) ((k) < 4 ? -1 : 2 * ((k)-3)) /* lq_ima_index_table[k] for k in 0..7 */
#define LQ_IMA_CLAMP_INDEX(i) ((i) < 0 ? 0 : (i) > 88 ? 88 : (i))

#define LQ_IMA_THR_ROW(i, s) \
  0, LQ_IMA_T(s, 1), LQ_IMA_T(s, 2), LQ_IMA_T(s, 3), LQ_IMA_T(s, 4), LQ_IMA_T(s, 5), LQ_IMA_T(s, 6), LQ_IMA_T(s, 7), \
      0, 0, 0, 0, 0, 0, 0, 0,
const int32_t lq_ima_thresholds[89 * 16] = {LQ_IMA_STEPS(LQ_IMA_THR_ROW)};

#define LQ_IMA_ENTRY(i, s, k) \
  {((k)&8 ? -1 : 1) * (((s) >> 3) + LQ_IMA_T(s, (k)&7)), 16 * LQ_IMA_CLAMP_INDEX((i) + LQ_IMA_IT((k)&7))}
#define LQ_IMA_NEXT_ROW(i, s) \
  LQ_IMA_ENTRY(i, s, 0), LQ_IMA_ENTRY(i, s, 1), LQ_IMA_ENTRY(i, s, 2), LQ_IMA_ENTRY(i, s, 3), LQ_IMA_ENTRY(i, s, 4), \
      LQ_IMA_ENTRY(i, s, 5), LQ_IMA_ENTRY(i, s, 6), LQ_IMA_ENTRY(i, s, 7), LQ_IMA_ENTRY(i, s, 8), LQ_IMA_ENTRY(i, s, 9), \
      LQ_IMA_ENTRY(i, s, 10), LQ_IMA_ENTRY(i, s, 11), LQ_IMA_ENTRY(i, s, 12), LQ_IMA_ENTRY(i, s, 13), \
      LQ_IMA_ENTRY(i, s, 14), LQ_IMA_ENTRY(i, s, 15),
const lq_ima_entry lq_ima_next[89 * 16] = {LQ_IMA_STEPS(LQ_IMA_NEXT_ROW)};

lq_status lq_adpcm_check_state(const lq_adpcm_state* st, const char* fn) {
  if (st->valpred < -32768 || st->valpred > 32767 || st->index < 0 || st->index > 88)
    return lq_fail(LQ_ERR_INVALID_ARG, "%s: bad ADPCM state (valpred %d, index %d): need valpred in int16, index in 0..88",
                   fn, (int)st->valpred, (int)st->index);
  return LQ_OK;
}

lq_status lq_ima_adpcm_encode_codes(const int16_t* x, size_t n, lq_adpcm_state* state, uint8_t* codes) {
  LQ_REQUIRE_PTR(state);
  if (n > 0) {
    LQ_REQUIRE_PTR(x);
    LQ_REQUIRE_PTR(codes);
  }
  LQ_CHECK(lq_adpcm_check_state(state, __func__));
  int32_t vp = state->valpred, row = 16 * state->index;
  for (size_t i = 0; i < n; i++) codes[i] = (uint8_t)lq_ima_encode_step(x[i], &vp, &row);
  state->valpred = vp;
  state->index = row / 16;
  return LQ_OK;
}

lq_status lq_ima_adpcm_decode_codes(const uint8_t* codes, size_t n, lq_adpcm_state* state, int16_t* y) {
  LQ_REQUIRE_PTR(state);
  if (n > 0) {
    LQ_REQUIRE_PTR(codes);
    LQ_REQUIRE_PTR(y);
  }
  LQ_CHECK(lq_adpcm_check_state(state, __func__));
  int32_t vp = state->valpred, row = 16 * state->index;
  for (size_t i = 0; i < n; i++) y[i] = lq_ima_decode_step(codes[i] & 0xF, &vp, &row);
  state->valpred = vp;
  state->index = row / 16;
  return LQ_OK;
}

static lq_status check_order(lq_nibble_order order, const char* fn) {
  if (order != LQ_NIBBLE_HIGH_FIRST && order != LQ_NIBBLE_LOW_FIRST)
    return lq_fail(LQ_ERR_INVALID_ARG, "%s: unknown nibble order %d", fn, (int)order);
  return LQ_OK;
}

lq_status lq_ima_adpcm_encode(const int16_t* x, size_t n, lq_nibble_order order, lq_adpcm_state* state,
                              uint8_t* bytes) {
  LQ_REQUIRE_PTR(state);
  if (n > 0) {
    LQ_REQUIRE_PTR(x);
    LQ_REQUIRE_PTR(bytes);
  }
  LQ_CHECK(check_order(order, __func__));
  LQ_CHECK(lq_adpcm_check_state(state, __func__));
  int32_t vp = state->valpred, row = 16 * state->index;
  const int first_shift = order == LQ_NIBBLE_HIGH_FIRST ? 4 : 0, second_shift = 4 - first_shift;
  size_t i = 0, o = 0;
  for (; i + 2 <= n; i += 2) {
    int32_t a = lq_ima_encode_step(x[i], &vp, &row);
    int32_t b = lq_ima_encode_step(x[i + 1], &vp, &row);
    bytes[o++] = (uint8_t)((a << first_shift) | (b << second_shift));
  }
  if (i < n) bytes[o] = (uint8_t)(lq_ima_encode_step(x[i], &vp, &row) << first_shift);
  state->valpred = vp;
  state->index = row / 16;
  return LQ_OK;
}

lq_status lq_ima_adpcm_decode(const uint8_t* bytes, size_t n, lq_nibble_order order, lq_adpcm_state* state,
                              int16_t* y) {
  LQ_REQUIRE_PTR(state);
  if (n > 0) {
    LQ_REQUIRE_PTR(bytes);
    LQ_REQUIRE_PTR(y);
  }
  LQ_CHECK(check_order(order, __func__));
  LQ_CHECK(lq_adpcm_check_state(state, __func__));
  int32_t vp = state->valpred, row = 16 * state->index;
  const int first_shift = order == LQ_NIBBLE_HIGH_FIRST ? 4 : 0, second_shift = 4 - first_shift;
  size_t i = 0, o = 0;
  for (; i + 2 <= n; i += 2, o++) {
    y[i] = lq_ima_decode_step((bytes[o] >> first_shift) & 0xF, &vp, &row);
    y[i + 1] = lq_ima_decode_step((bytes[o] >> second_shift) & 0xF, &vp, &row);
  }
  if (i < n) y[i] = lq_ima_decode_step((bytes[o] >> first_shift) & 0xF, &vp, &row);
  state->valpred = vp;
  state->index = row / 16;
  return LQ_OK;
}
