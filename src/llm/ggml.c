/* ggml block formats: the traits table and the public entry points of the
 * legacy 32-element formats (their kernels transcribe ggml-quants.c
 * quantize_row_*_ref / dequantize_row_*: llm_ref.c, ggml_quant_ref.c and the
 * SIMD files) and of the quantized dot products. K-quants live in ggml_k.c. */
#include <ctype.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "common/fp16.h"
#include "cpu/dispatch.h"
#include "llm/ggml_internal.h"
#include "llm/llm_kernels.h"

static const lq_ggml_traits traits_table[] = {
    {LQ_GGML_Q4_0, "q4_0", LQ_QK, sizeof(lq_block_q4_0)},
    {LQ_GGML_Q4_1, "q4_1", LQ_QK, sizeof(lq_block_q4_1)},
    {LQ_GGML_Q5_0, "q5_0", LQ_QK, sizeof(lq_block_q5_0)},
    {LQ_GGML_Q5_1, "q5_1", LQ_QK, sizeof(lq_block_q5_1)},
    {LQ_GGML_Q8_0, "q8_0", LQ_QK, sizeof(lq_block_q8_0)},
    {LQ_GGML_Q2_K, "q2_K", LQ_QK_K, sizeof(lq_block_q2_K)},
    {LQ_GGML_Q3_K, "q3_K", LQ_QK_K, sizeof(lq_block_q3_K)},
    {LQ_GGML_Q4_K, "q4_K", LQ_QK_K, sizeof(lq_block_q4_K)},
    {LQ_GGML_Q5_K, "q5_K", LQ_QK_K, sizeof(lq_block_q5_K)},
    {LQ_GGML_Q6_K, "q6_K", LQ_QK_K, sizeof(lq_block_q6_K)},
    {LQ_GGML_IQ4_NL, "iq4_nl", LQ_QK, sizeof(lq_block_iq4_nl)},
};
#define NTRAITS (sizeof traits_table / sizeof traits_table[0])

static const lq_ggml_traits* find_traits(lq_ggml_type t) {
  for (size_t i = 0; i < NTRAITS; i++)
    if (traits_table[i].type == t) return &traits_table[i];
  return NULL;
}

lq_status lq_ggml_type_traits(lq_ggml_type type, lq_ggml_traits* traits_out) {
  LQ_REQUIRE_PTR(traits_out);
  const lq_ggml_traits* t = find_traits(type);
  if (!t) return lq_fail(LQ_ERR_INVALID_ARG, "ggml type %d is not supported by libquant", (int)type);
  *traits_out = *t;
  return LQ_OK;
}

lq_status lq_ggml_type_from_name(const char* name, lq_ggml_type* type_out) {
  LQ_REQUIRE_PTR(name);
  LQ_REQUIRE_PTR(type_out);
  for (size_t i = 0; i < NTRAITS; i++) {
    const char* a = traits_table[i].name;
    size_t k = 0;
    while (a[k] && name[k] && tolower((unsigned char)a[k]) == tolower((unsigned char)name[k])) k++;
    if (a[k] == 0 && name[k] == 0) {
      *type_out = traits_table[i].type;
      return LQ_OK;
    }
  }
  return lq_fail(LQ_ERR_INVALID_ARG, "unknown ggml type name \"%s\"", name);
}

static lq_status check_row(lq_ggml_type type, size_t n, const lq_ggml_traits** t_out) {
  const lq_ggml_traits* t = find_traits(type);
  if (!t) return lq_fail(LQ_ERR_INVALID_ARG, "ggml type %d is not supported by libquant", (int)type);
  if (n % t->block_size != 0)
    return lq_fail(LQ_ERR_INVALID_ARG, "n %zu is not a multiple of the %s block size %zu", n, t->name, t->block_size);
  *t_out = t;
  return LQ_OK;
}

lq_status lq_ggml_row_bytes(lq_ggml_type type, size_t n, size_t* bytes_out) {
  LQ_REQUIRE_PTR(bytes_out);
  const lq_ggml_traits* t = NULL;
  LQ_CHECK(check_row(type, n, &t));
  size_t r;
  if (lq_mul_overflows(n / t->block_size, t->block_bytes, &r))
    return lq_fail(LQ_ERR_OVERFLOW, "%zu %s blocks overflow size_t", n / t->block_size, t->name);
  *bytes_out = r;
  return LQ_OK;
}

/* ------------------------------------------------- legacy quantizers --- */

/* Q4_1 / Q5_0 / Q5_1 quantizers: ggml_quant_ref.c and the SIMD kernels. */

/* One dispatched pass: max |x| is finite iff every element is. */
static lq_status check_finite(const float* x, size_t n) {
  float am;
  LQ_CHECK(lq_reduce_absmax_f32(x, n, &am));
  if (!isfinite(am)) return lq_fail(LQ_ERR_NUMERIC, "x holds NaN or Inf");
  return LQ_OK;
}

lq_status lq_ggml_quantize(lq_ggml_type type, const float* x, size_t n, void* out) {
  const lq_ggml_traits* t = NULL;
  LQ_CHECK(check_row(type, n, &t));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(out);
  const size_t nb = n / t->block_size;
  const lq_dispatch* dp = lq_dispatch_get();
  lq_uk_llm_ggml_quant_fn quant = NULL;
  switch (type) {
    case LQ_GGML_Q4_0: quant = dp->llm_q4_0_quant; break;
    case LQ_GGML_Q8_0: quant = dp->llm_q8_0_quant; break;
    case LQ_GGML_IQ4_NL: quant = dp->llm_iq4_nl_quant; break;
    case LQ_GGML_Q4_1: quant = dp->llm_q4_1_quant; break;
    case LQ_GGML_Q5_0: quant = dp->llm_q5_0_quant; break;
    case LQ_GGML_Q5_1: quant = dp->llm_q5_1_quant; break;
    default: break;
  }
  if (quant) {
    /* One pass: the kernels check finiteness while each block is in registers. */
    if (quant(nb, x, out)) return lq_fail(LQ_ERR_NUMERIC, "x holds NaN or Inf");
    return LQ_OK;
  }
  LQ_CHECK(check_finite(x, n));
  return lq_ggml_quantize_k(type, x, nb, out);
}

lq_status lq_ggml_dequantize(lq_ggml_type type, const void* blocks, size_t n, float* y_out) {
  const lq_ggml_traits* t = NULL;
  LQ_CHECK(check_row(type, n, &t));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(blocks);
  LQ_REQUIRE_PTR(y_out);
  const size_t nb = n / t->block_size;
  const lq_dispatch* dp = lq_dispatch_get();
  switch (type) {
    case LQ_GGML_Q4_0: dp->llm_q4_0_dequant(nb, blocks, y_out); break;
    case LQ_GGML_Q4_1: dp->llm_q4_1_dequant(nb, blocks, y_out); break;
    case LQ_GGML_Q5_0: dp->llm_q5_0_dequant(nb, blocks, y_out); break;
    case LQ_GGML_Q5_1: dp->llm_q5_1_dequant(nb, blocks, y_out); break;
    case LQ_GGML_Q8_0: dp->llm_q8_0_dequant(nb, blocks, y_out); break;
    case LQ_GGML_IQ4_NL: dp->llm_iq4_nl_dequant(nb, blocks, y_out); break;
    default: return lq_ggml_dequantize_k(type, blocks, nb, y_out);
  }
  return LQ_OK;
}

lq_status lq_ggml_vec_dot(lq_ggml_type x_type, const void* x, lq_ggml_type y_type, const void* y, size_t n,
                          float* result_out) {
  LQ_REQUIRE_PTR(result_out);
  if (y_type != LQ_GGML_Q8_0 || (x_type != LQ_GGML_Q4_0 && x_type != LQ_GGML_Q8_0))
    return lq_fail(LQ_ERR_UNSUPPORTED, "vec_dot supports (q4_0, q8_0) and (q8_0, q8_0), not (%d, %d)", (int)x_type,
                   (int)y_type);
  if (n % LQ_QK != 0) return lq_fail(LQ_ERR_INVALID_ARG, "n %zu is not a multiple of 32", n);
  if (n == 0) {
    *result_out = 0.0f;
    return LQ_OK;
  }
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(y);
  const lq_dispatch* dp = lq_dispatch_get();
  if (x_type == LQ_GGML_Q4_0) dp->llm_dot_q4_0_q8_0(n / LQ_QK, x, y, result_out);
  else dp->llm_dot_q8_0_q8_0(n / LQ_QK, x, y, result_out);
  return LQ_OK;
}
