/* Internal helpers shared by every module: error reporting, checked sizes and
 * allocation, visibility. Never included by users. */
#ifndef LQ_INTERNAL_H
#define LQ_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "libquant.h"

#if defined(__GNUC__) || defined(__clang__)
#define LQ_INTERNAL __attribute__((visibility("hidden")))
#define LQ_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define LQ_LIKELY(x) __builtin_expect(!!(x), 1)
#define LQ_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define LQ_INTERNAL
#define LQ_PRINTF(f, a)
#define LQ_LIKELY(x) (x)
#define LQ_UNLIKELY(x) (x)
#endif

/* Records the detail sentence for lq_last_error() and returns s, so call
 * sites read `return lq_fail(LQ_ERR_INVALID_ARG, "n %zu is odd", n);`. */
LQ_INTERNAL lq_status lq_fail(lq_status s, const char* fmt, ...) LQ_PRINTF(2, 3);

/* Forwards a non-OK status (zstd's FORWARD_IF_ERROR). */
#define LQ_CHECK(expr)                   \
  do {                                   \
    lq_status lq_check_s_ = (expr);      \
    if (lq_check_s_ != LQ_OK) return lq_check_s_; \
  } while (0)

/* Argument checks that set the error text and return. */
#define LQ_REQUIRE_PTR(p)                                                      \
  do {                                                                         \
    if ((p) == NULL) return lq_fail(LQ_ERR_INVALID_ARG, "%s: %s is NULL", __func__, #p); \
  } while (0)

/* Overflow-checked arithmetic on size_t. */
static inline int lq_mul_overflows(size_t a, size_t b, size_t* out) {
#if defined(__GNUC__) || defined(__clang__)
  return __builtin_mul_overflow(a, b, out);
#else
  if (a != 0 && b > SIZE_MAX / a) return 1;
  *out = a * b;
  return 0;
#endif
}
static inline int lq_add_overflows(size_t a, size_t b, size_t* out) {
  if (b > SIZE_MAX - a) return 1;
  *out = a + b;
  return 0;
}

/* Allocates count*size bytes (uninitialised / zeroed) or fails with
 * LQ_ERR_OVERFLOW / LQ_ERR_OUT_OF_MEMORY and an error text naming `what`.
 * count == 0 allocates one byte so callers never see a NULL success. */
LQ_INTERNAL lq_status lq_alloc_array(size_t count, size_t size, const char* what, void** out);
LQ_INTERNAL lq_status lq_calloc_array(size_t count, size_t size, const char* what, void** out);
/* 64-byte aligned variant; release with lq_aligned_free. */
LQ_INTERNAL lq_status lq_alloc_aligned(size_t count, size_t size, const char* what, void** out);
LQ_INTERNAL void lq_aligned_free(void* p);

/* Calls fn(done) if fn is set; LQ_ERR_CANCELLED (text naming `what`) when it
 * asks to stop. */
LQ_INTERNAL lq_status lq_progress_report(lq_progress_fn fn, void* user, double done, const char* what);

/* A sub-task's progress mapped into [base, base + span] of its parent's, so
 * nested loops (PQ's M k-means runs, OPQ's iterations) report one monotone
 * fraction: pass lq_progress_span_fn as the callback and a pointer to this
 * as its user pointer. */
typedef struct lq_progress_span {
  lq_progress_fn fn;
  void* user;
  double base, span;
} lq_progress_span;
LQ_INTERNAL int lq_progress_span_fn(double done, void* span);

#endif /* LQ_INTERNAL_H */
