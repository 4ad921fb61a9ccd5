/* The vq codec object (private layout) shared by pq.c and codec_io.c. */
#ifndef LQ_VQ_CODEC_H
#define LQ_VQ_CODEC_H

#include "vq/vq_internal.h"

struct lq_vq_codec {
  lq_vq_params p;
  size_t dsub, ksub, code_size, ncent;
  int trained;
  float* cent;   /* (M, ksub, dsub), FAISS layout */
  float* cent_t; /* per sub-space: (dsub, ksub) transpose for the kernels */
  float* rot;    /* OPQ: R (d x d), x_rot = x R^T; NULL for PQ */
  float* rot_t;  /* OPQ: R^T */
};

/* OPQ: learns c->rot (and rot_t) from n training rows (FAISS OPQMatrix::train). */
LQ_INTERNAL lq_status lq_vq_opq_train_rotation(lq_vq_codec* c, size_t n, const float* x);
/* PQ training of the sub-space codebooks from rows already rotated (if OPQ),
 * with k-means config km; hot != 0 starts from the current centroids. */
LQ_INTERNAL lq_status lq_vq_pq_train_codebooks(lq_vq_codec* c, size_t n, const float* x, const lq_kmeans_config* km,
                                               int hot, double* objective);
/* Rotates n rows: y = x R^T (forward) or y = x R (back). */
LQ_INTERNAL void lq_vq_rotate(const lq_vq_codec* c, size_t n, const float* x, float* y, int back);
/* PQ-encodes rows that are already rotated. */
LQ_INTERNAL lq_status lq_vq_pq_encode_rotated(const lq_vq_codec* c, size_t n, const float* x, uint8_t* codes);

LQ_INTERNAL lq_status lq_vq_codec_alloc(const lq_vq_params* p, lq_vq_codec** out);
/* Builds derived tables from cent and marks the codec trained. */
LQ_INTERNAL void lq_vq_codec_finish(lq_vq_codec* c);
LQ_INTERNAL void lq_vq_pack_one(size_t M, int nbits, const int32_t* idx, uint8_t* code, size_t code_size);
LQ_INTERNAL void lq_vq_unpack_one(size_t M, int nbits, const uint8_t* code, int32_t* idx);

#endif
