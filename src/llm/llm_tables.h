/* Constant tables of the llm module. The NF4 table is bitsandbytes'
 * verbatim (it cannot be regenerated bit-exactly, bnb issue #1772). */
#ifndef LQ_LLM_TABLES_H
#define LQ_LLM_TABLES_H

#include "common/lq_internal.h"

LQ_INTERNAL extern const float lq_nf4_code[16];
LQ_INTERNAL extern const float lq_nf4_bounds[15];   /* float32 (c[i]+c[i+1])/2, as torch computes them */
LQ_INTERNAL extern const float lq_fp4_code[16];     /* bitsandbytes fp4 table / 12 */
LQ_INTERNAL extern const float lq_bnb_dynamic_code[256];
LQ_INTERNAL extern const int8_t lq_iq4nl_values[16]; /* ggml kvalues_iq4nl */

#endif
