/* Public entry points of the common module: validate, then call the kernel
 * chosen by the dispatch table. */
#include "common/common_kernels.h"
#include "common/fp16.h"
#include "cpu/dispatch.h"

uint16_t lq_f32_to_f16(float x) { return lq_f32_to_f16_inline(x); }
float lq_f16_to_f32(uint16_t h) { return lq_f16_to_f32_inline(h); }
uint16_t lq_f32_to_bf16(float x) { return lq_f32_to_bf16_inline(x); }
float lq_bf16_to_f32(uint16_t h) { return lq_bf16_to_f32_inline(h); }

#define LQ_REQUIRE_BUF(p, n) \
  do { if ((n) > 0 && (p) == NULL) return lq_fail(LQ_ERR_INVALID_ARG, "%s: %s is NULL with n = %zu", __func__, #p, (size_t)(n)); } while (0)

/* Source and destination ranges must not overlap (the kernels stream). */
static lq_status lq_check_disjoint(const void* a, size_t abytes, const void* b, size_t bbytes, const char* fn) {
  uintptr_t a0 = (uintptr_t)a, b0 = (uintptr_t)b;
  if (abytes && bbytes && a0 < b0 + bbytes && b0 < a0 + abytes)
    return lq_fail(LQ_ERR_INVALID_ARG, "%s: src and dst overlap", fn);
  return LQ_OK;
}

#define LQ_CONVERT(name, tin, tout)                                                        \
  lq_status lq_##name(const tin* src, size_t n, tout* dst) {                             \
    LQ_REQUIRE_BUF(src, n);                                                                \
    LQ_REQUIRE_BUF(dst, n);                                                                \
    if (n > SIZE_MAX / sizeof(float))                                                      \
      return lq_fail(LQ_ERR_OVERFLOW, "%s: n = %zu overflows the byte count", __func__, n); \
    LQ_CHECK(lq_check_disjoint(src, n * sizeof(tin), dst, n * sizeof(tout), __func__));    \
    if (n) lq_dispatch_get()->name(n, src, dst);                                           \
    return LQ_OK;                                                                          \
  }

LQ_CONVERT(convert_f32_f16, float, uint16_t)
LQ_CONVERT(convert_f16_f32, uint16_t, float)
LQ_CONVERT(convert_f32_bf16, float, uint16_t)
LQ_CONVERT(convert_bf16_f32, uint16_t, float)

lq_status lq_reduce_minmax_f32(const float* x, size_t n, float* min_out, float* max_out) {
  LQ_REQUIRE_BUF(x, n);
  LQ_REQUIRE_PTR(min_out);
  LQ_REQUIRE_PTR(max_out);
  lq_dispatch_get()->reduce_minmax_f32(n, x, min_out, max_out);
  return LQ_OK;
}

lq_status lq_reduce_absmax_f32(const float* x, size_t n, float* absmax_out) {
  LQ_REQUIRE_BUF(x, n);
  LQ_REQUIRE_PTR(absmax_out);
  lq_dispatch_get()->reduce_absmax_f32(n, x, absmax_out);
  return LQ_OK;
}

lq_status lq_reduce_sum_f32(const float* x, size_t n, double* sum_out) {
  LQ_REQUIRE_BUF(x, n);
  LQ_REQUIRE_PTR(sum_out);
  lq_dispatch_get()->reduce_sum_f32(n, x, sum_out);
  return LQ_OK;
}

lq_status lq_reduce_sumsq_f32(const float* x, size_t n, double* sumsq_out) {
  LQ_REQUIRE_BUF(x, n);
  LQ_REQUIRE_PTR(sumsq_out);
  lq_dispatch_get()->reduce_sumsq_f32(n, x, sumsq_out);
  return LQ_OK;
}
