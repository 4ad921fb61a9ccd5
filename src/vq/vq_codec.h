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
  /* RQ / TSVQ (rq.c): p.M = stages / depth; p.nbits = uniform stage width
   * (0 if mixed) / bits per level; ksub, dsub, cent_t unused. */
  int* snbits;   /* RQ: width of each stage (M) */
  size_t* soff;  /* RQ: first codebook row of stage m (M+1 prefix sums) */
  int beam;      /* RQ: max_beam_size */
  int train_plain; /* RQ: plain k-means per stage instead of progressive-dim */
  int branch;    /* TSVQ: children per node */
  int refine_iters; /* RQ: least-squares codebook refinement rounds */
  lq_vq_lsq_params lsq; /* LSQ (lsq.c): resolved parameters (no zero defaults left);
                           LSQ reuses snbits/soff/cent of the RQ layout */
  /* PRQ / PLSQ (product.c): p.M = nsplits * Msub codebooks, snbits/soff over
   * all of them (soff in rows of d/nsplits floats), cent = the splits'
   * codebooks concatenated; sub[s] is split s's RQ / LSQ codec (owned), whose
   * codebooks mirror their slice of cent. beam / lsq: the splits' values. */
  size_t nsplits;
  lq_vq_codec** sub;
};

/* 1 for the product-additive kinds (product.c). */
static inline int lq_vq_is_product(const lq_vq_codec* c) {
  return c->p.kind == (lq_vq_kind)LQ_VQ_PRQ || c->p.kind == (lq_vq_kind)LQ_VQ_PLSQ;
}
/* 1 for the kinds implemented in rq.c, lsq.c and product.c (no PQ tables). */
static inline int lq_vq_is_multilevel(const lq_vq_codec* c) {
  return c->p.kind == (lq_vq_kind)LQ_VQ_RQ || c->p.kind == (lq_vq_kind)LQ_VQ_TSVQ ||
         c->p.kind == (lq_vq_kind)LQ_VQ_LSQ || lq_vq_is_product(c);
}
/* 1 for the additive kinds (RQ, LSQ): decode is the sum of one codeword per codebook. */
static inline int lq_vq_is_additive(const lq_vq_codec* c) {
  return c->p.kind == (lq_vq_kind)LQ_VQ_RQ || c->p.kind == (lq_vq_kind)LQ_VQ_LSQ;
}
/* LSQ (lsq.c): training and encoding. */
LQ_INTERNAL lq_status lq_vq_lsq_train(lq_vq_codec* c, size_t n, const float* x, lq_kmeans_stats* stats);
LQ_INTERNAL lq_status lq_vq_lsq_encode(const lq_vq_codec* c, size_t n, const float* x, uint8_t* codes);
/* Validates LSQ parameters and fills FAISS's defaults into *out. */
LQ_INTERNAL lq_status lq_vq_lsq_resolve(const lq_vq_lsq_params* p, lq_vq_lsq_params* out);
/* Ridge least-squares update of additive codebooks (LSQ's update and RQ's
 * refinement): cent = (B^T B + lambd I)^-1 B^T X in double, B the n x
 * soff[M] one-hot matrix of the n*M sub-codes idx. */
LQ_INTERNAL lq_status lq_vq_ls_codebooks(size_t n, size_t d, size_t M, const size_t* soff, const float* x,
                                         const int32_t* idx, double lambd, float* cent);
LQ_INTERNAL lq_status lq_vq_ml_train(lq_vq_codec* c, size_t n, const float* x, lq_kmeans_stats* stats);
LQ_INTERNAL lq_status lq_vq_ml_encode(const lq_vq_codec* c, size_t n, const float* x, uint8_t* codes);
LQ_INTERNAL lq_status lq_vq_ml_decode(const lq_vq_codec* c, size_t n, const uint8_t* codes, float* x);
/* Sub-codes per code (M for RQ, depth for TSVQ) and their widths. */
LQ_INTERNAL void lq_vq_ml_unpack(const lq_vq_codec* c, const uint8_t* code, int32_t* idx);
LQ_INTERNAL void lq_vq_ml_pack(const lq_vq_codec* c, const int32_t* idx, uint8_t* code);
LQ_INTERNAL size_t lq_vq_ml_subcode_limit(const lq_vq_codec* c, size_t m); /* valid sub-codes of position m */
/* Allocates an RQ/TSVQ codec from geometry (used by the loader). */
LQ_INTERNAL lq_status lq_vq_rq_alloc(size_t d, size_t M, const int* stage_nbits, int beam, int nthreads,
                                     lq_vq_codec** out);
LQ_INTERNAL lq_status lq_vq_tsvq_alloc(size_t d, int depth, int branch, int nthreads, lq_vq_codec** out);

/* PRQ / PLSQ (product.c): training, encoding, decoding of the product
 * codec, and lq_vq_prod_sync (copies cent into the splits' codecs and marks
 * them trained; called by lq_vq_codec_finish). */
LQ_INTERNAL lq_status lq_vq_prod_train(lq_vq_codec* c, size_t n, const float* x, lq_kmeans_stats* stats);
LQ_INTERNAL lq_status lq_vq_prod_encode(const lq_vq_codec* c, size_t n, const float* x, uint8_t* codes);
LQ_INTERNAL lq_status lq_vq_prod_decode(const lq_vq_codec* c, size_t n, const uint8_t* codes, float* x);
LQ_INTERNAL void lq_vq_prod_sync(lq_vq_codec* c);

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
