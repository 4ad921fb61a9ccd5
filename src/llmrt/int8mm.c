/* LLM.int8(): per-token int8 activations with 16-bit outlier columns,
 * per-row int8 weights and the mixed-precision matmul. Follows bitsandbytes'
 * default backend (backends/default/ops.py int8_vectorwise_quant,
 * int8_mm_dequant, int8_mixed_scaled_mm). */
#include <math.h>
#include <string.h>

#include "common/fp16.h"
#include "common/round.h"
#include "cpu/dispatch.h"
#include "llmrt/llmrt_kernels.h"

static lq_status check_dims(size_t rows, size_t cols, size_t* total) {
  if (lq_mul_overflows(rows, cols, total)) return lq_fail(LQ_ERR_OVERFLOW, "rows %zu * cols %zu overflows", rows, cols);
  return LQ_OK;
}

/* q = rne(x * (127 / absmax)) in float32; the product never exceeds 127.5
 * in magnitude for |x| <= absmax, the clamp only guards rounding. */
static void quantize_row(const float* x, size_t cols, float absmax, const float* zero_mask_src, float thr,
                         int8_t* q) {
  if (absmax == 0.0f) { /* bitsandbytes would divide by zero; all-zero row -> 0 */
    memset(q, 0, cols);
    return;
  }
  const float s = 127.0f / absmax;
  for (size_t j = 0; j < cols; j++) {
    float v = x[j];
    if (zero_mask_src != NULL && fabsf(v) >= thr) v = 0.0f; /* outlier element: zeroed first */
    float r = lq_round_half_even(v * s);
    r = r > 127.0f ? 127.0f : r < -127.0f ? -127.0f : r;
    q[j] = (int8_t)r;
  }
}

lq_status lq_int8_quantize_rows(const float* x, size_t rows, size_t cols, int8_t* q_out, float* absmax_out) {
  size_t total;
  LQ_CHECK(check_dims(rows, cols, &total));
  if (total == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(q_out);
  LQ_REQUIRE_PTR(absmax_out);
  float am;
  LQ_CHECK(lq_reduce_absmax_f32(x, total, &am));
  if (!isfinite(am)) return lq_fail(LQ_ERR_NUMERIC, "x holds NaN or Inf");
  for (size_t i = 0; i < rows; i++) {
    LQ_CHECK(lq_reduce_absmax_f32(x + i * cols, cols, &absmax_out[i]));
    quantize_row(x + i * cols, cols, absmax_out[i], NULL, 0.0f, q_out + i * cols);
  }
  return LQ_OK;
}

static uint16_t to_half(lq_half_kind kind, float v) {
  return kind == LQ_HALF_BF16 ? lq_f32_to_bf16_inline(v) : lq_f32_to_f16_inline(v);
}
static float from_half(lq_half_kind kind, uint16_t h) {
  return kind == LQ_HALF_BF16 ? lq_bf16_to_f32_inline(h) : lq_f16_to_f32_inline(h);
}

static lq_status resolve_config(const lq_int8_config* cfg, float* thr, int* use_outliers, lq_half_kind* kind) {
  lq_int8_config c = {0};
  if (cfg != NULL) c = *cfg;
  if (c.outlier_type != LQ_HALF_F16 && c.outlier_type != LQ_HALF_BF16)
    return lq_fail(LQ_ERR_INVALID_ARG, "outlier_type %d is not LQ_HALF_F16 or LQ_HALF_BF16", (int)c.outlier_type);
  if (c.no_outliers != 0 && c.no_outliers != 1)
    return lq_fail(LQ_ERR_INVALID_ARG, "no_outliers %d is not 0 or 1", (int)c.no_outliers);
  if (!isfinite(c.threshold) || c.threshold < 0.0f)
    return lq_fail(LQ_ERR_INVALID_ARG, "threshold %g is not a finite value >= 0", (double)c.threshold);
  *thr = c.threshold == 0.0f ? LQ_INT8_DEFAULT_THRESHOLD : c.threshold;
  *use_outliers = !c.no_outliers;
  *kind = c.outlier_type;
  return LQ_OK;
}

lq_status lq_int8_quantize_act(const lq_int8_config* cfg, const float* x, size_t rows, size_t cols, int8_t* q_out,
                               float* absmax_out, size_t max_outliers, uint32_t* outlier_cols_out,
                               uint16_t* outliers_out, size_t* n_outliers_out) {
  float thr = LQ_INT8_DEFAULT_THRESHOLD;
  int use_outliers = 1;
  lq_half_kind kind = LQ_HALF_F16;
  LQ_CHECK(resolve_config(cfg, &thr, &use_outliers, &kind));
  LQ_REQUIRE_PTR(n_outliers_out);
  size_t total;
  LQ_CHECK(check_dims(rows, cols, &total));
  *n_outliers_out = 0;
  if (total == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(q_out);
  LQ_REQUIRE_PTR(absmax_out);
  LQ_REQUIRE_PTR(outlier_cols_out);
  if (cols > UINT32_MAX) return lq_fail(LQ_ERR_INVALID_ARG, "cols %zu does not fit the uint32 column indices", cols);
  float am;
  LQ_CHECK(lq_reduce_absmax_f32(x, total, &am));
  if (!isfinite(am)) return lq_fail(LQ_ERR_NUMERIC, "x holds NaN or Inf");

  /* Pass 1: outlier column flags in outlier_cols_out, then compacted to
   * ascending indices in place (index <= position, so forward is safe). */
  size_t nout = 0;
  if (use_outliers && am >= thr) {
    memset(outlier_cols_out, 0, cols * sizeof *outlier_cols_out);
    for (size_t i = 0; i < rows; i++)
      for (size_t j = 0; j < cols; j++)
        if (fabsf(x[i * cols + j]) >= thr) outlier_cols_out[j] = 1;
    for (size_t j = 0; j < cols; j++)
      if (outlier_cols_out[j]) outlier_cols_out[nout++] = (uint32_t)j;
  }
  *n_outliers_out = nout;
  if (nout > max_outliers)
    return lq_fail(LQ_ERR_BUFFER_TOO_SMALL, "%zu outlier columns, room for %zu", nout, max_outliers);
  if (nout > 0) LQ_REQUIRE_PTR(outliers_out);

  for (size_t i = 0; i < rows; i++) {
    const float* xr = x + i * cols;
    float rmax = 0.0f;
    if (nout > 0) { /* row absmax over the non-outlier elements */
      for (size_t j = 0; j < cols; j++) {
        float a = fabsf(xr[j]);
        if (a < thr && a > rmax) rmax = a;
      }
    } else {
      LQ_CHECK(lq_reduce_absmax_f32(xr, cols, &rmax));
    }
    absmax_out[i] = rmax;
    quantize_row(xr, cols, rmax, nout > 0 ? xr : NULL, thr, q_out + i * cols);
    for (size_t o = 0; o < nout; o++) {
      uint32_t c = outlier_cols_out[o];
      q_out[i * cols + c] = 0;
      outliers_out[i * nout + o] = to_half(kind, xr[c]);
    }
  }
  return LQ_OK;
}

lq_status lq_int8_gemm_s8(const int8_t* a, const int8_t* b, size_t m, size_t n, size_t k, int32_t* c_out) {
  size_t mn, mk, nk;
  if (lq_mul_overflows(m, n, &mn) || lq_mul_overflows(m, k, &mk) || lq_mul_overflows(n, k, &nk))
    return lq_fail(LQ_ERR_OVERFLOW, "gemm sizes %zu x %zu x %zu overflow", m, n, k);
  if (k > LQ_INT8_MAX_K)
    return lq_fail(LQ_ERR_INVALID_ARG, "k %zu exceeds LQ_INT8_MAX_K (int32 accumulation would overflow)", k);
  if (mn == 0) return LQ_OK;
  LQ_REQUIRE_PTR(c_out);
  if (k > 0) {
    LQ_REQUIRE_PTR(a);
    LQ_REQUIRE_PTR(b);
  }
  lq_dispatch_get()->llmrt_gemm_s8(m, n, k, a, b, c_out);
  return LQ_OK;
}

lq_status lq_int8_matmul(const lq_int8_act* x, const lq_int8_weight* w, float* y_out, int32_t* acc_out) {
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(w);
  if (x->cols != w->cols)
    return lq_fail(LQ_ERR_INVALID_ARG, "x has %zu columns but w has %zu", x->cols, w->cols);
  if (x->outlier_type != LQ_HALF_F16 && x->outlier_type != LQ_HALF_BF16)
    return lq_fail(LQ_ERR_INVALID_ARG, "x outlier_type %d is not a half kind", (int)x->outlier_type);
  if (w->half != NULL && w->half_type != LQ_HALF_F16 && w->half_type != LQ_HALF_BF16)
    return lq_fail(LQ_ERR_INVALID_ARG, "w half_type %d is not a half kind", (int)w->half_type);
  const size_t m = x->rows, n = w->rows, k = x->cols;
  size_t mn;
  if (lq_mul_overflows(m, n, &mn)) return lq_fail(LQ_ERR_OVERFLOW, "output %zu x %zu overflows", m, n);
  if (x->n_outliers > k) return lq_fail(LQ_ERR_INVALID_ARG, "%zu outlier columns > cols %zu", x->n_outliers, k);
  if (mn == 0) return LQ_OK;
  LQ_REQUIRE_PTR(y_out);
  LQ_REQUIRE_PTR(x->absmax);
  LQ_REQUIRE_PTR(w->absmax);
  if (x->n_outliers > 0) {
    LQ_REQUIRE_PTR(x->outlier_cols);
    LQ_REQUIRE_PTR(x->outliers);
    for (size_t o = 0; o < x->n_outliers; o++)
      if (x->outlier_cols[o] >= k || (o > 0 && x->outlier_cols[o] <= x->outlier_cols[o - 1]))
        return lq_fail(LQ_ERR_INVALID_ARG, "outlier column %zu (%u) is out of range or not ascending", o,
                       (unsigned)x->outlier_cols[o]);
  }
  /* Tiles of 64 x 64 outputs: a 64-row slice of W stays in cache while X
   * streams past it, and the int32 accumulators live in a stack buffer. */
  enum { TM = 64, TN = 64 };
  int32_t acc[TM * TN];
  const float inv = 1.0f / 16129.0f; /* 1 / 127^2 */
  for (size_t j0 = 0; j0 < n; j0 += TN) {
    const size_t nj = n - j0 < TN ? n - j0 : TN;
    for (size_t i0 = 0; i0 < m; i0 += TM) {
      const size_t ni = m - i0 < TM ? m - i0 : TM;
      LQ_CHECK(lq_int8_gemm_s8(x->q + i0 * k, w->q + j0 * k, ni, nj, k, acc));
      for (size_t ii = 0; ii < ni; ii++) {
        const size_t i = i0 + ii;
        const float sx = x->absmax[i];
        for (size_t jj = 0; jj < nj; jj++) {
          const size_t j = j0 + jj;
          const int32_t a = acc[ii * nj + jj];
          if (acc_out != NULL) acc_out[i * n + j] = a;
          float y = (float)a * (sx * w->absmax[j]) * inv;
          float o_sum = 0.0f;
          for (size_t o = 0; o < x->n_outliers; o++) {
            size_t c = x->outlier_cols[o];
            float xv = from_half(x->outlier_type, x->outliers[i * x->n_outliers + o]);
            float wv = w->half != NULL ? from_half(w->half_type, w->half[j * k + c])
                                       : (float)w->q[j * k + c] * w->absmax[j] / 127.0f;
            o_sum += xv * wv;
          }
          y_out[i * n + j] = y + o_sum;
        }
      }
    }
  }
  return LQ_OK;
}
