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
};

LQ_INTERNAL lq_status lq_vq_codec_alloc(const lq_vq_params* p, lq_vq_codec** out);
/* Builds derived tables from cent and marks the codec trained. */
LQ_INTERNAL void lq_vq_codec_finish(lq_vq_codec* c);
LQ_INTERNAL void lq_vq_pack_one(size_t M, int nbits, const int32_t* idx, uint8_t* code, size_t code_size);
LQ_INTERNAL void lq_vq_unpack_one(size_t M, int nbits, const uint8_t* code, int32_t* idx);

#endif
