/* bitsandbytes 4-bit blockwise (NF4, FP4), 8-bit blockwise with the dynamic
 * map, and double quantization of the absmax. Transcribes bitsandbytes'
 * default (pure PyTorch) backend: backends/default/ops.py quantize_4bit /
 * quantize_blockwise, functional.quantize_4bit(compress_statistics=True). */
#include <math.h>
#include <string.h>

#include "cpu/dispatch.h"
#include "llm/llm_kernels.h"
#include "llm/llm_tables.h"

#define BNB_MIN_ABSMAX 1e-38f /* absmax.clamp(min=1e-38) */

static const float* bnb4_lut(lq_bnb4_type t) { return t == LQ_BNB4_NF4 ? lq_nf4_code : lq_fp4_code; }

lq_status lq_bnb4_code(lq_bnb4_type type, float code_out[16]) {
  LQ_REQUIRE_PTR(code_out);
  if (type != LQ_BNB4_NF4 && type != LQ_BNB4_FP4) return lq_fail(LQ_ERR_INVALID_ARG, "unknown bnb4 type %d", (int)type);
  memcpy(code_out, bnb4_lut(type), 16 * sizeof(float));
  return LQ_OK;
}

static lq_status check_bnb4_args(lq_bnb4_type type, size_t blocksize) {
  if (type != LQ_BNB4_NF4 && type != LQ_BNB4_FP4) return lq_fail(LQ_ERR_INVALID_ARG, "unknown bnb4 type %d", (int)type);
  if (blocksize < 32 || blocksize > 4096 || (blocksize & (blocksize - 1)) != 0)
    return lq_fail(LQ_ERR_INVALID_ARG, "blocksize %zu is not a power of two in [32, 4096]", blocksize);
  return LQ_OK;
}

lq_status lq_bnb4_num_blocks(size_t n, size_t blocksize, size_t* nblocks_out) {
  LQ_REQUIRE_PTR(nblocks_out);
  if (blocksize == 0) return lq_fail(LQ_ERR_INVALID_ARG, "blocksize is 0");
  *nblocks_out = n / blocksize + (n % blocksize != 0);
  return LQ_OK;
}

/* One dispatched pass: max |x| is finite iff every element is. */
static lq_status check_finite(const float* x, size_t n) {
  float am;
  LQ_CHECK(lq_reduce_absmax_f32(x, n, &am));
  if (!isfinite(am)) return lq_fail(LQ_ERR_NUMERIC, "x holds NaN or Inf");
  return LQ_OK;
}

/* bitsandbytes' CUDA dQuantizeFP4 decision tree on the scaled value: the
 * sign bit comes from x < 0, the thresholds are the midpoints of |code|. */
static uint8_t fp4_code(float x) {
  uint8_t sign = x < 0.0f ? 8 : 0;
  x = fabsf(x);
  uint8_t c;
  if (x > 0.29166667f) {
    if (x > 0.583333f) c = x > 0.8333333f ? 3 : 2;
    else c = x > 0.4166667f ? 5 : 4;
  } else if (x > 0.0859375f) {
    c = x > 0.20833333f ? 7 : 6;
  } else {
    c = x > 0.00260417f ? 1 : 0;
  }
  return (uint8_t)(sign | c);
}

static uint8_t nf4_code_scalar(float v) {
  uint8_t c = 0;
  for (int i = 0; i < 15; i++) c += (uint8_t)(v > lq_nf4_bounds[i]);
  return c;
}

static float clamp1(float v) { return v < -1.0f ? -1.0f : v > 1.0f ? 1.0f : v; }

/* Scaled value of element i of a block: full blocks multiply by the float
 * reciprocal, the short tail block divides (as bitsandbytes does). */
static inline float bnb_scale(float x, float r, float am, int tail) { return clamp1(tail ? x / am : x * r); }

lq_status lq_bnb4_quantize(lq_bnb4_type type, const float* x, size_t n, size_t blocksize, uint8_t* packed_out,
                           float* absmax_out) {
  LQ_CHECK(check_bnb4_args(type, blocksize));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(packed_out);
  LQ_REQUIRE_PTR(absmax_out);
  const lq_dispatch* dp = lq_dispatch_get();
  size_t nblocks = n / blocksize + (n % blocksize != 0);
  size_t b0 = 0;
  if (type == LQ_BNB4_NF4) { /* full blocks in one call: absmax, check and codes fused per block */
    const size_t nfull = n / blocksize;
    b0 = dp->llm_nf4_quant(nfull, blocksize, x, packed_out, absmax_out);
    if (b0 < nfull) return lq_fail(LQ_ERR_NUMERIC, "block %zu of x holds NaN or Inf", b0);
  }
  for (size_t b = b0; b < nblocks; b++) {
    const size_t start = b * blocksize;
    const size_t len = n - start < blocksize ? n - start : blocksize;
    const int tail = len < blocksize;
    float am;
    dp->reduce_absmax_f32(len, x + start, &am); /* NaN if any NaN, Inf if any Inf */
    if (!isfinite(am)) return lq_fail(LQ_ERR_NUMERIC, "block %zu of x holds NaN or Inf", b);
    const float amc = am < BNB_MIN_ABSMAX ? BNB_MIN_ABSMAX : am;
    absmax_out[b] = tail ? amc : am; /* bitsandbytes stores the clamped value only for the tail */
    const float r = 1.0f / amc;
    uint8_t* p = packed_out + start / 2; /* blocksize is even: blocks start on byte boundaries */
    for (size_t k = 0; k < len; k += 2) {
      float v0 = bnb_scale(x[start + k], r, amc, tail);
      float v1 = k + 1 < len ? bnb_scale(x[start + k + 1], r, amc, tail) : 0.0f; /* odd n: pad one zero */
      uint8_t c0 = type == LQ_BNB4_NF4 ? nf4_code_scalar(v0) : fp4_code(v0);
      uint8_t c1 = type == LQ_BNB4_NF4 ? nf4_code_scalar(v1) : fp4_code(v1);
      p[k / 2] = (uint8_t)((c0 << 4) | c1);
    }
  }
  return LQ_OK;
}

lq_status lq_bnb4_dequantize(lq_bnb4_type type, const uint8_t* packed, const float* absmax, size_t n,
                             size_t blocksize, float* y_out) {
  LQ_CHECK(check_bnb4_args(type, blocksize));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(packed);
  LQ_REQUIRE_PTR(absmax);
  LQ_REQUIRE_PTR(y_out);
  const lq_dispatch* dp = lq_dispatch_get();
  const float* lut = bnb4_lut(type);
  size_t nfull = n / blocksize;
  for (size_t b = 0; b < nfull; b++)
    dp->llm_bnb4_dequant(blocksize / 2, packed + b * blocksize / 2, lut, absmax[b], y_out + b * blocksize);
  size_t start = nfull * blocksize, len = n - start;
  if (len) {
    dp->llm_bnb4_dequant(len / 2, packed + start / 2, lut, absmax[nfull], y_out + start);
    if (len & 1) y_out[n - 1] = lut[packed[(n - 1) / 2] >> 4] * absmax[nfull];
  }
  return LQ_OK;
}

lq_status lq_nf4_quantize(const float* x, size_t n, size_t blocksize, uint8_t* packed_out, float* absmax_out) {
  return lq_bnb4_quantize(LQ_BNB4_NF4, x, n, blocksize, packed_out, absmax_out);
}
lq_status lq_nf4_dequantize(const uint8_t* packed, const float* absmax, size_t n, size_t blocksize, float* y_out) {
  return lq_bnb4_dequantize(LQ_BNB4_NF4, packed, absmax, n, blocksize, y_out);
}

lq_status lq_bnb4_gemv(lq_bnb4_type type, const uint8_t* packed, const float* absmax, size_t rows, size_t cols,
                       size_t blocksize, const float* x, float* y_out) {
  LQ_CHECK(check_bnb4_args(type, blocksize));
  size_t total;
  if (lq_mul_overflows(rows, cols, &total)) return lq_fail(LQ_ERR_OVERFLOW, "rows %zu * cols %zu overflows", rows, cols);
  if (cols % blocksize != 0)
    return lq_fail(LQ_ERR_INVALID_ARG, "cols %zu is not a multiple of the blocksize %zu", cols, blocksize);
  if (rows == 0) return LQ_OK;
  LQ_REQUIRE_PTR(y_out);
  if (cols == 0) {
    memset(y_out, 0, rows * sizeof *y_out);
    return LQ_OK;
  }
  LQ_REQUIRE_PTR(packed);
  LQ_REQUIRE_PTR(absmax);
  LQ_REQUIRE_PTR(x);
  lq_dispatch_get()->llm_bnb4_gemv(rows, cols, blocksize, packed, absmax, bnb4_lut(type), x, y_out);
  return LQ_OK;
}

lq_status lq_nf4_gemv(const uint8_t* packed, const float* absmax, size_t rows, size_t cols, size_t blocksize,
                      const float* x, float* y_out) {
  return lq_bnb4_gemv(LQ_BNB4_NF4, packed, absmax, rows, cols, blocksize, x, y_out);
}

/* ------------------------------------------------------------ 8-bit --- */

lq_status lq_bnb_dynamic_map(float code_out[256]) {
  LQ_REQUIRE_PTR(code_out);
  memcpy(code_out, lq_bnb_dynamic_code, sizeof lq_bnb_dynamic_code);
  return LQ_OK;
}

/* Index of the first bound >= v, i.e. the number of bounds < v. */
static uint8_t bucketize255(float v, const float* code) {
  size_t lo = 0, hi = 255; /* bounds[i] = (code[i] + code[i+1]) / 2, i < 255 */
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    float bnd = (code[mid] + code[mid + 1]) / 2.0f;
    if (bnd < v) lo = mid + 1;
    else hi = mid;
  }
  return (uint8_t)lo;
}

lq_status lq_bnb_quantize_blockwise8(const float* x, size_t n, size_t blocksize, const float* code, uint8_t* q_out,
                                     float* absmax_out) {
  if (blocksize == 0) return lq_fail(LQ_ERR_INVALID_ARG, "blocksize is 0");
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(q_out);
  LQ_REQUIRE_PTR(absmax_out);
  if (code == NULL) code = lq_bnb_dynamic_code;
  for (int i = 0; i < 255; i++)
    if (!(code[i] <= code[i + 1])) return lq_fail(LQ_ERR_INVALID_ARG, "code table is not sorted at %d", i);
  LQ_CHECK(check_finite(x, n));
  const lq_dispatch* dp = lq_dispatch_get();
  size_t nblocks = n / blocksize + (n % blocksize != 0);
  for (size_t b = 0; b < nblocks; b++) {
    const size_t start = b * blocksize;
    const size_t len = n - start < blocksize ? n - start : blocksize;
    const int tail = len < blocksize;
    float am;
    dp->reduce_absmax_f32(len, x + start, &am);
    const float amc = am < BNB_MIN_ABSMAX ? BNB_MIN_ABSMAX : am;
    absmax_out[b] = tail ? amc : am;
    const float r = 1.0f / amc;
    for (size_t k = 0; k < len; k++) q_out[start + k] = bucketize255(bnb_scale(x[start + k], r, amc, tail), code);
  }
  return LQ_OK;
}

lq_status lq_bnb_dequantize_blockwise8(const uint8_t* q, const float* absmax, size_t n, size_t blocksize,
                                       const float* code, float* y_out) {
  if (blocksize == 0) return lq_fail(LQ_ERR_INVALID_ARG, "blocksize is 0");
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(q);
  LQ_REQUIRE_PTR(absmax);
  LQ_REQUIRE_PTR(y_out);
  if (code == NULL) code = lq_bnb_dynamic_code;
  for (size_t i = 0; i < n; i++) y_out[i] = code[q[i]] * absmax[i / blocksize];
  return LQ_OK;
}

lq_status lq_bnb_double_quant(const float* absmax, size_t nblocks, const float* offset_in, uint8_t* qabsmax_out,
                              float* nested_absmax_out, float* offset_out) {
  LQ_REQUIRE_PTR(offset_out);
  if (nblocks == 0) return lq_fail(LQ_ERR_INVALID_ARG, "nblocks is 0: the mean is undefined");
  LQ_REQUIRE_PTR(absmax);
  LQ_REQUIRE_PTR(qabsmax_out);
  LQ_REQUIRE_PTR(nested_absmax_out);
  LQ_CHECK(check_finite(absmax, nblocks));
  float offset;
  if (offset_in != NULL) {
    if (!isfinite(*offset_in)) return lq_fail(LQ_ERR_NUMERIC, "offset is not finite");
    offset = *offset_in;
  } else {
    double sum = 0.0;
    LQ_CHECK(lq_reduce_sum_f32(absmax, nblocks, &sum));
    offset = (float)(sum / (double)nblocks);
  }
  float tmp[LQ_BNB_NESTED_BLOCKSIZE];
  for (size_t start = 0; start < nblocks; start += LQ_BNB_NESTED_BLOCKSIZE) {
    size_t len = nblocks - start < LQ_BNB_NESTED_BLOCKSIZE ? nblocks - start : LQ_BNB_NESTED_BLOCKSIZE;
    for (size_t k = 0; k < len; k++) tmp[k] = absmax[start + k] - offset;
    /* A short final chunk is bitsandbytes' tail block; the call sees it as
     * one too (len < blocksize), so the same rules apply. */
    LQ_CHECK(lq_bnb_quantize_blockwise8(tmp, len, LQ_BNB_NESTED_BLOCKSIZE, NULL, qabsmax_out + start,
                                        nested_absmax_out + start / LQ_BNB_NESTED_BLOCKSIZE));
  }
  *offset_out = offset;
  return LQ_OK;
}

lq_status lq_bnb_double_dequant(const uint8_t* qabsmax, const float* nested_absmax, size_t nblocks, float offset,
                                const float* code, float* absmax_out) {
  if (nblocks == 0) return LQ_OK;
  LQ_REQUIRE_PTR(qabsmax);
  LQ_REQUIRE_PTR(nested_absmax);
  LQ_REQUIRE_PTR(absmax_out);
  if (!isfinite(offset)) return lq_fail(LQ_ERR_NUMERIC, "offset is not finite");
  if (code == NULL) code = lq_bnb_dynamic_code;
  for (size_t i = 0; i < nblocks; i++)
    absmax_out[i] = code[qabsmax[i]] * nested_absmax[i / LQ_BNB_NESTED_BLOCKSIZE] + offset;
  return LQ_OK;
}
