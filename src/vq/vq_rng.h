/* MT19937 and FAISS's rand_perm, so k-means can reproduce FAISS 1.7.3's
 * training subsample, initial centroids and empty-cluster splits exactly.
 * FAISS: RandomGenerator = std::mt19937((unsigned)seed); rand_int(max) =
 * mt() % max; rand_float() = mt() / float(mt.max()). */
#ifndef LQ_VQ_RNG_H
#define LQ_VQ_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "common/lq_internal.h"

typedef struct lq_mt19937 {
  uint32_t s[624];
  int i;
} lq_mt19937;

LQ_INTERNAL void lq_mt_seed(lq_mt19937* mt, uint32_t seed);
LQ_INTERNAL uint32_t lq_mt_next(lq_mt19937* mt);
/* mt() / (float)4294967295, as FAISS's rand_float (float division). */
LQ_INTERNAL float lq_mt_float(lq_mt19937* mt);
/* Uniform double in [0, 1) from 53 random bits (two draws). */
LQ_INTERNAL double lq_mt_double(lq_mt19937* mt);
/* FAISS rand_perm(perm, n, seed): identity, then Fisher-Yates with
 * i2 = i + mt() % (n - i) for i + 1 < n. n must fit in int (FAISS uses int). */
LQ_INTERNAL void lq_faiss_rand_perm(int32_t* perm, size_t n, int64_t seed);

#endif
