/* Scalar G.711 codecs: the definitions every kernel reproduces.
 * References: ITU-T G.191 STL g711.c (ulaw_compress/alaw_compress/expanders)
 * and Sun g711.c as used by CPython 3.11 Modules/audioop.c. */
#ifndef LQ_G711_SCALAR_H
#define LQ_G711_SCALAR_H

#include <stdint.h>

/* G.191 µ-law: one's complement for negatives, so |x| is taken as ~x >> 2. */
static inline uint8_t lq_g711_ulaw_enc_g191(int16_t x) {
  int32_t v = x;
  int32_t absno = (v < 0 ? (~v >> 2) : (v >> 2)) + 33;
  if (absno > 0x1FFF) absno = 0x1FFF;
  int32_t i = absno >> 6, segno = 1;
  while (i != 0) {
    segno++;
    i >>= 1;
  }
  int32_t high = 8 - segno;
  int32_t low = 15 - ((absno >> segno) & 0xF);
  int32_t code = (high << 4) | low;
  if (v >= 0) code |= 0x80;
  return (uint8_t)code;
}

/* Sun / audioop µ-law: 14-bit input x >> 2, negated (not complemented). */
static inline uint8_t lq_g711_ulaw_enc_sun(int16_t x) {
  int32_t v = (int32_t)x >> 2, mask;
  if (v < 0) {
    v = -v;
    mask = 0x7F;
  } else {
    mask = 0xFF;
  }
  v += 33; /* BIAS >> 2 */
  int32_t seg = 0;
  while (seg < 8 && v > (64 << seg) - 1) seg++; /* seg_uend[i] = (64 << i) - 1 */
  if (seg >= 8) return (uint8_t)(0x7F ^ mask);
  return (uint8_t)(((seg << 4) | ((v >> (seg + 1)) & 0xF)) ^ mask);
}

static inline int16_t lq_g711_ulaw_dec(uint8_t c) {
  int32_t u = (uint8_t)~c;
  int32_t t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4);
  return (int16_t)((u & 0x80) ? 0x84 - t : t - 0x84);
}

/* A-law (G.191 = audioop): 13-bit magnitude, one's complement for negatives,
 * even bits inverted (XOR 0x55), sign bit set for x >= 0. */
static inline uint8_t lq_g711_alaw_enc(int16_t x) {
  int32_t v = (int32_t)x >> 3, mask;
  if (v >= 0) {
    mask = 0xD5;
  } else {
    mask = 0x55;
    v = -v - 1;
  }
  int32_t seg = 0;
  while (seg < 8 && v > (32 << seg) - 1) seg++; /* seg_aend[i] = (32 << i) - 1 */
  if (seg >= 8) return (uint8_t)(0x7F ^ mask);
  int32_t a = (seg << 4) | ((seg < 2 ? (v >> 1) : (v >> seg)) & 0xF);
  return (uint8_t)(a ^ mask);
}

static inline int16_t lq_g711_alaw_dec(uint8_t c) {
  int32_t a = c ^ 0x55;
  int32_t t = (a & 0x0F) << 4;
  int32_t seg = (a & 0x70) >> 4;
  if (seg == 0) t += 8;
  else if (seg == 1) t += 0x108;
  else t = (t + 0x108) << (seg - 1);
  return (int16_t)((a & 0x80) ? t : -t);
}

#endif
