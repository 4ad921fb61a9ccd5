/* Weight-only integer quantization of [out, in] matrices with GPTQ's and
 * AWQ's (scale, zero) rules, and AutoGPTQ's int32 packing. torch semantics:
 * float32 ops, torch.round = round half to even, x / scale is a division. */
#include <math.h>
#include <string.h>

#include "common/lq_internal.h"

static lq_status wq_check(const lq_wq_config* cfg, lq_wq_config* c, size_t cols) {
  static const lq_wq_config defaults = {4, 0, 0, LQ_WQ_GPTQ};
  *c = cfg ? *cfg : defaults;
  if (c->bits == 0) c->bits = 4;
  if (c->bits < 2 || c->bits > 8) return lq_fail(LQ_ERR_INVALID_ARG, "bits %d is outside 2..8", (int)c->bits);
  if (c->rule != LQ_WQ_GPTQ && c->rule != LQ_WQ_AWQ) return lq_fail(LQ_ERR_INVALID_ARG, "unknown rule %d", (int)c->rule);
  if (c->group_size < -1) return lq_fail(LQ_ERR_INVALID_ARG, "group_size %d is invalid", (int)c->group_size);
  if (c->group_size > 0 && cols % (size_t)c->group_size != 0)
    return lq_fail(LQ_ERR_INVALID_ARG, "group_size %d does not divide %zu columns", (int)c->group_size, cols);
  return LQ_OK;
}

lq_status lq_wq_num_groups(const lq_wq_config* cfg, size_t rows, size_t cols, size_t* ngroups_out) {
  LQ_REQUIRE_PTR(ngroups_out);
  lq_wq_config c;
  LQ_CHECK(wq_check(cfg, &c, cols));
  (void)rows;
  *ngroups_out = c.group_size == -1 ? cols : c.group_size == 0 ? (cols > 0) : cols / (size_t)c.group_size;
  return LQ_OK;
}

/* (scale, zero) of one group visited through a stride. */
static void group_params(const lq_wq_config* c, const float* x, size_t n, size_t stride, float* scale, int32_t* zero) {
  const float maxq = (float)((1 << c->bits) - 1);
  float mn = INFINITY, mx = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    float v = x[i * stride];
    mn = v < mn ? v : mn;
    mx = v > mx ? v : mx;
  }
  if (c->rule == LQ_WQ_AWQ) {
    float r = mx - mn;
    float s = (r < 1e-5f ? 1e-5f : r) / maxq;
    float z = -nearbyintf(mn / s);
    z = z < 0.0f ? 0.0f : z > maxq ? maxq : z;
    *scale = s;
    *zero = (int32_t)z;
    return;
  }
  float xmin = mn < 0.0f ? mn : 0.0f, xmax = mx > 0.0f ? mx : 0.0f;
  if (c->symmetric) {
    xmax = fabsf(xmin) > xmax ? fabsf(xmin) : xmax;
    if (xmin < 0.0f) xmin = -xmax;
  }
  if (xmin == 0.0f && xmax == 0.0f) {
    xmin = -1.0f;
    xmax = 1.0f;
  }
  const float s = (xmax - xmin) / maxq;
  *scale = s;
  *zero = c->symmetric ? (int32_t)((1 << c->bits) / 2) : (int32_t)nearbyintf(-xmin / s);
}

static uint8_t quant1(float x, float s, int32_t z, float maxq) {
  float q = nearbyintf(x / s) + (float)z;
  q = q < 0.0f ? 0.0f : q > maxq ? maxq : q;
  return (uint8_t)q;
}

lq_status lq_wq_quantize(const lq_wq_config* cfg, const float* w, size_t rows, size_t cols, uint8_t* q_out,
                         float* scales_out, int32_t* zeros_out) {
  lq_wq_config c;
  LQ_CHECK(wq_check(cfg, &c, cols));
  size_t total;
  if (lq_mul_overflows(rows, cols, &total)) return lq_fail(LQ_ERR_OVERFLOW, "%zu x %zu overflows", rows, cols);
  if (total == 0) return LQ_OK;
  LQ_REQUIRE_PTR(w);
  LQ_REQUIRE_PTR(q_out);
  LQ_REQUIRE_PTR(scales_out);
  LQ_REQUIRE_PTR(zeros_out);
  float am;
  LQ_CHECK(lq_reduce_absmax_f32(w, total, &am));
  if (!isfinite(am)) return lq_fail(LQ_ERR_NUMERIC, "w holds NaN or Inf");
  const float maxq = (float)((1 << c.bits) - 1);
  if (c.group_size == -1) { /* per column: the group is column j across all rows */
    for (size_t j = 0; j < cols; j++) {
      group_params(&c, w + j, rows, cols, &scales_out[j], &zeros_out[j]);
      for (size_t r = 0; r < rows; r++) q_out[r * cols + j] = quant1(w[r * cols + j], scales_out[j], zeros_out[j], maxq);
    }
    return LQ_OK;
  }
  const size_t gs = c.group_size == 0 ? cols : (size_t)c.group_size, ng = cols / gs;
  for (size_t r = 0; r < rows; r++)
    for (size_t g = 0; g < ng; g++) {
      const float* x = w + r * cols + g * gs;
      float* s = &scales_out[r * ng + g];
      int32_t* z = &zeros_out[r * ng + g];
      group_params(&c, x, gs, 1, s, z);
      for (size_t i = 0; i < gs; i++) q_out[r * cols + g * gs + i] = quant1(x[i], *s, *z, maxq);
    }
  return LQ_OK;
}

lq_status lq_wq_dequantize(const lq_wq_config* cfg, const uint8_t* q, const float* scales, const int32_t* zeros,
                           size_t rows, size_t cols, float* w_out) {
  lq_wq_config c;
  LQ_CHECK(wq_check(cfg, &c, cols));
  size_t total;
  if (lq_mul_overflows(rows, cols, &total)) return lq_fail(LQ_ERR_OVERFLOW, "%zu x %zu overflows", rows, cols);
  if (total == 0) return LQ_OK;
  LQ_REQUIRE_PTR(q);
  LQ_REQUIRE_PTR(scales);
  LQ_REQUIRE_PTR(zeros);
  LQ_REQUIRE_PTR(w_out);
  const size_t gs = c.group_size == 0 ? cols : c.group_size > 0 ? (size_t)c.group_size : 1;
  for (size_t r = 0; r < rows; r++)
    for (size_t j = 0; j < cols; j++) {
      const size_t k = c.group_size == -1 ? j : r * (cols / gs) + j / gs;
      w_out[r * cols + j] = scales[k] * (float)((int32_t)q[r * cols + j] - zeros[k]);
    }
  return LQ_OK;
}

/* AutoGPTQ packs 32 values into `bits` int32 words as one LSB-first bit
 * stream (value k of a group of 32 at stream bit bits*k); for bits 2/4/8 no
 * value crosses a word, for bits 3 values 10 and 21 straddle words 0/1 and
 * 1/2. Word w of the stream sits at base[w * stride]. */
static lq_status pack_check(int32_t bits, size_t n_packed_dim) {
  if (bits != 2 && bits != 3 && bits != 4 && bits != 8)
    return lq_fail(LQ_ERR_INVALID_ARG, "bits %d: packing supports 2, 3, 4, 8", (int)bits);
  const size_t unit = bits == 3 ? 32 : (size_t)(32 / bits); /* values per whole number of words */
  if (n_packed_dim % unit != 0)
    return lq_fail(LQ_ERR_INVALID_ARG, "%zu is not a multiple of %zu (bits %d)", n_packed_dim, unit, (int)bits);
  return LQ_OK;
}

static inline void stream_put(uint32_t* base, size_t stride, size_t k, int32_t bits, uint32_t v) {
  const size_t pos = k * (size_t)bits, w = pos / 32;
  const unsigned sh = (unsigned)(pos % 32);
  base[w * stride] |= v << sh;
  if (sh + (unsigned)bits > 32) base[(w + 1) * stride] |= v >> (32 - sh);
}

static inline uint32_t stream_get(const uint32_t* base, size_t stride, size_t k, int32_t bits) {
  const size_t pos = k * (size_t)bits, w = pos / 32;
  const unsigned sh = (unsigned)(pos % 32);
  uint32_t v = base[w * stride] >> sh;
  if (sh + (unsigned)bits > 32) v |= base[(w + 1) * stride] << (32 - sh);
  return v & ((1u << bits) - 1u);
}

lq_status lq_gptq_pack(int32_t bits, const uint8_t* q, size_t rows, size_t cols, uint32_t* qweight_out) {
  LQ_CHECK(pack_check(bits, cols));
  if (rows == 0 || cols == 0) return LQ_OK;
  LQ_REQUIRE_PTR(q);
  LQ_REQUIRE_PTR(qweight_out);
  const unsigned maxq = (1u << bits) - 1u;
  for (size_t r = 0; r < rows; r++)
    for (size_t j = 0; j < cols; j++)
      if (q[r * cols + j] > maxq) return lq_fail(LQ_ERR_INVALID_ARG, "code %u at (%zu, %zu) exceeds %u", q[r * cols + j], r, j, maxq);
  memset(qweight_out, 0, cols * (size_t)bits / 32 * rows * sizeof(uint32_t)); /* pack_check: a whole number of words */
  for (size_t r = 0; r < rows; r++)
    for (size_t j = 0; j < cols; j++) stream_put(qweight_out + r, rows, j, bits, q[r * cols + j]);
  return LQ_OK;
}

lq_status lq_gptq_unpack(int32_t bits, const uint32_t* qweight, size_t rows, size_t cols, uint8_t* q_out) {
  LQ_CHECK(pack_check(bits, cols));
  if (rows == 0 || cols == 0) return LQ_OK;
  LQ_REQUIRE_PTR(qweight);
  LQ_REQUIRE_PTR(q_out);
  for (size_t r = 0; r < rows; r++)
    for (size_t j = 0; j < cols; j++) q_out[r * cols + j] = (uint8_t)stream_get(qweight + r, rows, j, bits);
  return LQ_OK;
}

lq_status lq_gptq_pack_zeros(int32_t bits, const int32_t* zeros, size_t rows, size_t ngroups, uint32_t* qzeros_out) {
  LQ_CHECK(pack_check(bits, rows));
  if (rows == 0 || ngroups == 0) return LQ_OK;
  LQ_REQUIRE_PTR(zeros);
  LQ_REQUIRE_PTR(qzeros_out);
  const size_t words = rows * (size_t)bits / 32;
  const uint32_t mask = (1u << bits) - 1u;
  for (size_t r = 0; r < rows; r++)
    for (size_t g = 0; g < ngroups; g++)
      if (zeros[r * ngroups + g] < 0 || zeros[r * ngroups + g] > (int32_t)mask)
        return lq_fail(LQ_ERR_INVALID_ARG, "zero %d at (%zu, %zu) is outside 0..%u", (int)zeros[r * ngroups + g], r, g, mask);
  memset(qzeros_out, 0, ngroups * words * sizeof(uint32_t));
  for (size_t g = 0; g < ngroups; g++)
    for (size_t r = 0; r < rows; r++) {
      const uint32_t zm1 = ((uint32_t)zeros[r * ngroups + g] - 1u) & mask; /* v1 "gptq" stores zero - 1 */
      stream_put(qzeros_out + g * words, 1, r, bits, zm1);
    }
  return LQ_OK;
}
