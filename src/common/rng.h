/* Counter-based RNG primitives (inline so SIMD code can mirror them).
 * lq_rng_u32(seed, i) = triple32(lo32(i) + k_lo) ^ k_hi where
 * (k_lo, k_hi) = halves of splitmix64(seed ^ (hi32(i) * golden)).
 * triple32 is Chris Wellons' hash-prospector 32-bit bijection (3 multiplies),
 * so for a fixed (seed, hi32(i)) the outputs are a permutation of 2^32 values. */
#ifndef LQ_RNG_H
#define LQ_RNG_H

#include <stdint.h>

static inline uint64_t lq_splitmix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static inline uint32_t lq_triple32(uint32_t x) {
  x ^= x >> 17; x *= 0xed5ad4bbu;
  x ^= x >> 11; x *= 0xac4c1b51u;
  x ^= x >> 15; x *= 0x31848babu;
  x ^= x >> 14;
  return x;
}

/* Key for the 2^32-element block containing index hi32. */
static inline uint64_t lq_rng_key(uint64_t seed, uint32_t hi32) {
  return lq_splitmix64(seed ^ ((uint64_t)hi32 * 0x9e3779b97f4a7c15ull));
}

static inline uint32_t lq_rng_u32_keyed(uint64_t key, uint32_t lo32) {
  return lq_triple32(lo32 + (uint32_t)key) ^ (uint32_t)(key >> 32);
}

/* (u >> 8) * 2^-24: 24 random bits, exactly representable, in [0, 1). */
static inline float lq_rng_unit_from_u32(uint32_t u) { return (float)(u >> 8) * 0x1p-24f; }

#endif
