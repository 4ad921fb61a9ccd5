/* AutoAWQ "GEMM" checkpoint layout (awq/modules/linear/gemm.py,
 * WQLinear_GEMM.from_linear): 4-bit codes packed 8 per int32 ALONG THE
 * OUTPUT dimension, input-major (qweight [in, out/8]), nibble s of a word
 * holding output column 8*word + AWQ_ORDER[s]; qzeros [in/group, out/8]
 * packed the same way (zeros as is, no -1); scales [in/group, out] fp16. */
#include <string.h>

#include "common/fp16.h"
#include "common/lq_internal.h"

/* AWQ_ORDER: nibble s <- column AWQ_ORDER[s]; AWQ_REVERSE_ORDER is its inverse. */
static const int awq_order[8] = {0, 2, 4, 6, 1, 3, 5, 7};

static lq_status check_dims(size_t rows, size_t n2, size_t* total) {
  if (rows % 8 != 0)
    return lq_fail(LQ_ERR_INVALID_ARG, "rows (output features) %zu is not a multiple of 8", rows);
  if (lq_mul_overflows(rows, n2, total)) return lq_fail(LQ_ERR_OVERFLOW, "%zu x %zu overflows", rows, n2);
  return LQ_OK;
}

lq_status lq_awq_pack(const uint8_t* q, size_t rows, size_t cols, uint32_t* qweight_out) {
  size_t total = 0;
  LQ_CHECK(check_dims(rows, cols, &total));
  if (total == 0) return LQ_OK;
  LQ_REQUIRE_PTR(q);
  LQ_REQUIRE_PTR(qweight_out);
  for (size_t i = 0; i < total; i++)
    if (q[i] > 15) return lq_fail(LQ_ERR_INVALID_ARG, "code %u at %zu is outside 0..15", (unsigned)q[i], i);
  const size_t words = rows / 8;
  for (size_t c = 0; c < cols; c++)
    for (size_t w = 0; w < words; w++) {
      uint32_t v = 0;
      for (int s = 0; s < 8; s++) v |= (uint32_t)q[(8 * w + (size_t)awq_order[s]) * cols + c] << (4 * s);
      qweight_out[c * words + w] = v;
    }
  return LQ_OK;
}

lq_status lq_awq_unpack(const uint32_t* qweight, size_t rows, size_t cols, uint8_t* q_out) {
  size_t total = 0;
  LQ_CHECK(check_dims(rows, cols, &total));
  if (total == 0) return LQ_OK;
  LQ_REQUIRE_PTR(qweight);
  LQ_REQUIRE_PTR(q_out);
  const size_t words = rows / 8;
  for (size_t c = 0; c < cols; c++)
    for (size_t w = 0; w < words; w++) {
      const uint32_t v = qweight[c * words + w];
      for (int s = 0; s < 8; s++) q_out[(8 * w + (size_t)awq_order[s]) * cols + c] = (uint8_t)((v >> (4 * s)) & 15u);
    }
  return LQ_OK;
}

lq_status lq_awq_pack_zeros(const int32_t* zeros, size_t rows, size_t ngroups, uint32_t* qzeros_out) {
  size_t total = 0;
  LQ_CHECK(check_dims(rows, ngroups, &total));
  if (total == 0) return LQ_OK;
  LQ_REQUIRE_PTR(zeros);
  LQ_REQUIRE_PTR(qzeros_out);
  for (size_t i = 0; i < total; i++)
    if (zeros[i] < 0 || zeros[i] > 15)
      return lq_fail(LQ_ERR_INVALID_ARG, "zero %d at %zu is outside 0..15", (int)zeros[i], i);
  const size_t words = rows / 8;
  for (size_t g = 0; g < ngroups; g++)
    for (size_t w = 0; w < words; w++) {
      uint32_t v = 0;
      for (int s = 0; s < 8; s++) v |= (uint32_t)zeros[(8 * w + (size_t)awq_order[s]) * ngroups + g] << (4 * s);
      qzeros_out[g * words + w] = v;
    }
  return LQ_OK;
}

lq_status lq_awq_unpack_zeros(const uint32_t* qzeros, size_t rows, size_t ngroups, int32_t* zeros_out) {
  size_t total = 0;
  LQ_CHECK(check_dims(rows, ngroups, &total));
  if (total == 0) return LQ_OK;
  LQ_REQUIRE_PTR(qzeros);
  LQ_REQUIRE_PTR(zeros_out);
  const size_t words = rows / 8;
  for (size_t g = 0; g < ngroups; g++)
    for (size_t w = 0; w < words; w++) {
      const uint32_t v = qzeros[g * words + w];
      for (int s = 0; s < 8; s++)
        zeros_out[(8 * w + (size_t)awq_order[s]) * ngroups + g] = (int32_t)((v >> (4 * s)) & 15u);
    }
  return LQ_OK;
}

lq_status lq_awq_pack_scales(const float* scales, size_t rows, size_t ngroups, uint16_t* scales_f16_out) {
  size_t total = 0;
  if (lq_mul_overflows(rows, ngroups, &total)) return lq_fail(LQ_ERR_OVERFLOW, "%zu x %zu overflows", rows, ngroups);
  if (total == 0) return LQ_OK;
  LQ_REQUIRE_PTR(scales);
  LQ_REQUIRE_PTR(scales_f16_out);
  for (size_t r = 0; r < rows; r++)
    for (size_t g = 0; g < ngroups; g++) scales_f16_out[g * rows + r] = lq_f32_to_f16_inline(scales[r * ngroups + g]);
  return LQ_OK;
}
