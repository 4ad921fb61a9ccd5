#include "vq/vq_rng.h"

void lq_mt_seed(lq_mt19937* mt, uint32_t seed) {
  mt->s[0] = seed;
  for (int i = 1; i < 624; i++) mt->s[i] = 1812433253u * (mt->s[i - 1] ^ (mt->s[i - 1] >> 30)) + (uint32_t)i;
  mt->i = 624;
}

static void lq_mt_twist(lq_mt19937* mt) {
  for (int i = 0; i < 624; i++) {
    uint32_t y = (mt->s[i] & 0x80000000u) | (mt->s[(i + 1) % 624] & 0x7fffffffu);
    uint32_t v = mt->s[(i + 397) % 624] ^ (y >> 1);
    if (y & 1u) v ^= 0x9908b0dfu;
    mt->s[i] = v;
  }
  mt->i = 0;
}

uint32_t lq_mt_next(lq_mt19937* mt) {
  if (mt->i >= 624) lq_mt_twist(mt);
  uint32_t y = mt->s[mt->i++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

float lq_mt_float(lq_mt19937* mt) { return (float)lq_mt_next(mt) / 4294967295.0f; }

double lq_mt_double(lq_mt19937* mt) {
  uint64_t a = lq_mt_next(mt) >> 5, b = lq_mt_next(mt) >> 6;
  return ((double)a * 67108864.0 + (double)b) * (1.0 / 9007199254740992.0);
}

void lq_faiss_rand_perm(int32_t* perm, size_t n, int64_t seed) {
  for (size_t i = 0; i < n; i++) perm[i] = (int32_t)i;
  lq_mt19937 mt;
  lq_mt_seed(&mt, (uint32_t)seed);
  for (size_t i = 0; i + 1 < n; i++) {
    size_t i2 = i + (size_t)(lq_mt_next(&mt) % (uint32_t)(n - i));
    int32_t t = perm[i];
    perm[i] = perm[i2];
    perm[i2] = t;
  }
}
