/* ggml block formats: the traits table, the legacy 32-element formats
 * (transcribing ggml-quants.c quantize_row_*_ref / dequantize_row_*), and
 * the quantized dot products. K-quants live in ggml_k.c. */
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

/* float -> int8_t / uint8_t as ggml gets it on x86 (see llm_ref.c): Inf/NaN,
 * from a 1/d overflow in tiny blocks, give 0. */
static inline int trunc_i8(float v) { return v > -128.5f && v < 128.5f ? (int8_t)(int)v : 0; }
static inline uint8_t trunc_u8(float v) { return v > -1.0f && v < 256.0f ? (uint8_t)(int)v : 0; }

static void minmax32(const float* x, float* mn, float* mx) {
  float min = FLT_MAX, max = -FLT_MAX;
  for (int j = 0; j < LQ_QK; j++) {
    if (x[j] < min) min = x[j];
    if (x[j] > max) max = x[j];
  }
  *mn = min;
  *mx = max;
}

static void quant_q4_1(size_t nb, const float* x, lq_block_q4_1* y) {
  for (size_t i = 0; i < nb; i++, x += LQ_QK) {
    float min, max;
    minmax32(x, &min, &max);
    const float d = (max - min) / 15.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = lq_f2h(d);
    y[i].m = lq_f2h(min);
    for (int j = 0; j < LQ_QK / 2; j++) {
      const float x0 = (x[j] - min) * id, x1 = (x[j + 16] - min) * id;
      int xi0 = trunc_i8(x0 + 0.5f), xi1 = trunc_i8(x1 + 0.5f);
      if (xi0 > 15) xi0 = 15;
      if (xi1 > 15) xi1 = 15;
      y[i].qs[j] = (uint8_t)(xi0 | (xi1 << 4));
    }
  }
}

static void quant_q5_0(size_t nb, const float* x, lq_block_q5_0* y) {
  for (size_t i = 0; i < nb; i++, x += LQ_QK) {
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < LQ_QK; j++)
      if (amax < fabsf(x[j])) {
        amax = fabsf(x[j]);
        max = x[j];
      }
    const float d = max / -16.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = lq_f2h(d);
    uint32_t qh = 0;
    for (int j = 0; j < LQ_QK / 2; j++) {
      const float x0 = x[j] * id, x1 = x[j + 16] * id;
      int xi0 = trunc_i8(x0 + 16.5f), xi1 = trunc_i8(x1 + 16.5f);
      if (xi0 > 31) xi0 = 31;
      if (xi1 > 31) xi1 = 31;
      y[i].qs[j] = (uint8_t)((xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
      qh |= ((uint32_t)(xi0 & 0x10) >> 4) << j;
      qh |= ((uint32_t)(xi1 & 0x10) >> 4) << (j + 16);
    }
    memcpy(y[i].qh, &qh, 4); /* ggml memcpy's a host uint32: little-endian on every target libquant supports */
  }
}

static void quant_q5_1(size_t nb, const float* x, lq_block_q5_1* y) {
  for (size_t i = 0; i < nb; i++, x += LQ_QK) {
    float min, max;
    minmax32(x, &min, &max);
    const float d = (max - min) / 31.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = lq_f2h(d);
    y[i].m = lq_f2h(min);
    uint32_t qh = 0;
    for (int j = 0; j < LQ_QK / 2; j++) {
      const float x0 = (x[j] - min) * id, x1 = (x[j + 16] - min) * id;
      const uint8_t xi0 = trunc_u8(x0 + 0.5f), xi1 = trunc_u8(x1 + 0.5f); /* no MIN(31, .) in ggml */
      y[i].qs[j] = (uint8_t)((xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
      qh |= ((uint32_t)(xi0 & 0x10) >> 4) << j;
      qh |= ((uint32_t)(xi1 & 0x10) >> 4) << (j + 16);
    }
    memcpy(y[i].qh, &qh, 4);
  }
}

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
  if (type == LQ_GGML_Q4_0 || type == LQ_GGML_Q8_0 || type == LQ_GGML_IQ4_NL) {
    /* One pass: the kernels check finiteness while each block is in registers. */
    const int bad = type == LQ_GGML_Q4_0   ? dp->llm_q4_0_quant(nb, x, out)
                    : type == LQ_GGML_Q8_0 ? dp->llm_q8_0_quant(nb, x, out)
                                           : dp->llm_iq4_nl_quant(nb, x, out);
    if (bad) return lq_fail(LQ_ERR_NUMERIC, "x holds NaN or Inf");
    return LQ_OK;
  }
  LQ_CHECK(check_finite(x, n));
  switch (type) {
    case LQ_GGML_Q4_1: quant_q4_1(nb, x, (lq_block_q4_1*)out); break;
    case LQ_GGML_Q5_0: quant_q5_0(nb, x, (lq_block_q5_0*)out); break;
    case LQ_GGML_Q5_1: quant_q5_1(nb, x, (lq_block_q5_1*)out); break;
    default: return lq_ggml_quantize_k(type, x, nb, out);
  }
  return LQ_OK;
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
