/* GGUF internals shared by the reader and the writer. */
#ifndef LQ_GGUF_INTERNAL_H
#define LQ_GGUF_INTERNAL_H

#include "llmio/llmio_internal.h"

/* Bytes of a scalar value type, 0 for STRING/ARRAY/unknown. */
LQ_INTERNAL size_t lq_gguf_scalar_size(lq_gguf_type t);
/* Parses and validates one value of type t at buf[*pos..len) (LQ_ERR_FORMAT). */
LQ_INTERNAL lq_status lq_gguf_parse_value(const unsigned char* buf, size_t len, size_t* pos, uint32_t t, int depth,
                                          lq_gguf_value* v);
/* Data bytes of a tensor (LQ_ERR_FORMAT for an unknown type, a bad ne[0] or overflow). */
LQ_INTERNAL lq_status lq_gguf_tensor_nbytes(uint32_t type, uint32_t n_dims, const uint64_t* ne, uint64_t* out);

#endif
