#include <stdio.h>
#include <string.h>

#include "common/lq_internal.h"

/* The detail text is per thread so concurrent callers never see each
 * other's errors. */
static _Thread_local char lq_error_text[512];

const char* lq_status_string(lq_status s) {
  switch (s) {
    case LQ_OK: return "LQ_OK";
    case LQ_ERR_INVALID_ARG: return "LQ_ERR_INVALID_ARG";
    case LQ_ERR_UNSUPPORTED: return "LQ_ERR_UNSUPPORTED";
    case LQ_ERR_OUT_OF_MEMORY: return "LQ_ERR_OUT_OF_MEMORY";
    case LQ_ERR_BUFFER_TOO_SMALL: return "LQ_ERR_BUFFER_TOO_SMALL";
    case LQ_ERR_NOT_CONVERGED: return "LQ_ERR_NOT_CONVERGED";
    case LQ_ERR_NUMERIC: return "LQ_ERR_NUMERIC";
    case LQ_ERR_BLAS: return "LQ_ERR_BLAS";
    case LQ_ERR_STATE: return "LQ_ERR_STATE";
    case LQ_ERR_OVERFLOW: return "LQ_ERR_OVERFLOW";
    case LQ_ERR_IO: return "LQ_ERR_IO";
    case LQ_ERR_FORMAT: return "LQ_ERR_FORMAT";
    case LQ_ERR_CANCELLED: return "LQ_ERR_CANCELLED";
  }
  return "LQ_ERR_UNKNOWN";
}

const char* lq_last_error(void) { return lq_error_text; }

void lq_clear_error(void) { lq_error_text[0] = '\0'; }

lq_status lq_fail(lq_status s, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(lq_error_text, sizeof lq_error_text, fmt, ap);
  va_end(ap);
  return s;
}

unsigned lq_version_number(void) { return LQ_VERSION_NUMBER; }
const char* lq_version_string(void) { return LQ_VERSION_STRING; }

lq_status lq_size_mul(size_t a, size_t b, size_t* out) {
  LQ_REQUIRE_PTR(out);
  if (lq_mul_overflows(a, b, out))
    return lq_fail(LQ_ERR_OVERFLOW, "size %zu * %zu overflows size_t", a, b);
  return LQ_OK;
}

lq_status lq_size_add(size_t a, size_t b, size_t* out) {
  LQ_REQUIRE_PTR(out);
  if (lq_add_overflows(a, b, out))
    return lq_fail(LQ_ERR_OVERFLOW, "size %zu + %zu overflows size_t", a, b);
  return LQ_OK;
}

lq_status lq_progress_report(lq_progress_fn fn, void* user, double done, const char* what) {
  if (fn == NULL) return LQ_OK;
  if (fn(done < 0.0 ? 0.0 : done > 1.0 ? 1.0 : done, user) != 0)
    return lq_fail(LQ_ERR_CANCELLED, "%s: cancelled by the progress callback", what);
  return LQ_OK;
}

int lq_progress_span_fn(double done, void* span) {
  const lq_progress_span* p = span;
  return p->fn ? p->fn(p->base + p->span * done, p->user) : 0;
}
