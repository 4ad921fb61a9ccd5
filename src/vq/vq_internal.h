/* Internal declarations shared by the vq module's files. */
#ifndef LQ_VQ_INTERNAL_H
#define LQ_VQ_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/lq_internal.h"

/* 1 if all n*d values are finite. */
LQ_INTERNAL int lq_vq_all_finite(const float* x, size_t count);

/* The squared-norm convention of the module: sequential float sum of x[t]^2. */
static inline float lq_vq_norm2(const float* x, size_t d) {
  float s = 0.0f;
  for (size_t t = 0; t < d; t++) s = s + x[t] * x[t];
  return s;
}

/* Assignment of n rows (x, row stride d, precomputed row norms xnorm) to k
 * centroids (cnorm precomputed): sgemm blocks + the argmin_l2 kernel. */
LQ_INTERNAL lq_status lq_vq_assign_l2(size_t n, size_t d, const float* x, const float* xnorm, size_t k,
                                      const float* cent, const float* cnorm, int nthreads, int32_t* assign,
                                      float* dis);

/* lq_kmeans_train with optional initial centroids (k*d floats, FAISS's
 * "centroids provided as input"; NULL = the configured init). init may alias
 * centroids_out. */
LQ_INTERNAL lq_status lq_kmeans_train_from(const lq_kmeans_config* cfg, size_t n, size_t d, const float* x,
                                           size_t k, const float* init, float* centroids_out, double* iter_obj,
                                           lq_kmeans_stats* stats);

#endif
