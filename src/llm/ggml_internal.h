/* Internal entry points shared by ggml.c and ggml_k.c. */
#ifndef LQ_GGML_INTERNAL_H
#define LQ_GGML_INTERNAL_H

#include "common/lq_internal.h"

/* K-quant row (de)quantization of nb blocks of 256; type already validated. */
LQ_INTERNAL lq_status lq_ggml_quantize_k(lq_ggml_type type, const float* x, size_t nb, void* out);
LQ_INTERNAL lq_status lq_ggml_dequantize_k(lq_ggml_type type, const void* blocks, size_t nb, float* y);

#endif
