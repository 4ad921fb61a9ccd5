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
  int32_t vp = state->valpred, idx = state->index;
  for (size_t i = 0; i < n; i++) codes[i] = (uint8_t)lq_ima_encode_step(x[i], &vp, &idx);
  state->valpred = vp;
  state->index = idx;
  return LQ_OK;
}

lq_status lq_ima_adpcm_decode_codes(const uint8_t* codes, size_t n, lq_adpcm_state* state, int16_t* y) {
  LQ_REQUIRE_PTR(state);
  if (n > 0) {
    LQ_REQUIRE_PTR(codes);
    LQ_REQUIRE_PTR(y);
  }
  LQ_CHECK(lq_adpcm_check_state(state, __func__));
  int32_t vp = state->valpred, idx = state->index;
  for (size_t i = 0; i < n; i++) y[i] = lq_ima_decode_step(codes[i] & 0xF, &vp, &idx);
  state->valpred = vp;
  state->index = idx;
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
  int32_t vp = state->valpred, idx = state->index;
  const int first_shift = order == LQ_NIBBLE_HIGH_FIRST ? 4 : 0, second_shift = 4 - first_shift;
  size_t i = 0, o = 0;
  for (; i + 2 <= n; i += 2) {
    int32_t a = lq_ima_encode_step(x[i], &vp, &idx);
    int32_t b = lq_ima_encode_step(x[i + 1], &vp, &idx);
    bytes[o++] = (uint8_t)((a << first_shift) | (b << second_shift));
  }
  if (i < n) bytes[o] = (uint8_t)(lq_ima_encode_step(x[i], &vp, &idx) << first_shift);
  state->valpred = vp;
  state->index = idx;
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
  int32_t vp = state->valpred, idx = state->index;
  const int first_shift = order == LQ_NIBBLE_HIGH_FIRST ? 4 : 0, second_shift = 4 - first_shift;
  size_t i = 0, o = 0;
  for (; i + 2 <= n; i += 2, o++) {
    y[i] = lq_ima_decode_step((bytes[o] >> first_shift) & 0xF, &vp, &idx);
    y[i + 1] = lq_ima_decode_step((bytes[o] >> second_shift) & 0xF, &vp, &idx);
  }
  if (i < n) y[i] = lq_ima_decode_step((bytes[o] >> first_shift) & 0xF, &vp, &idx);
  state->valpred = vp;
  state->index = idx;
  return LQ_OK;
}
