#include <stdlib.h>
#include <string.h>

#include "common/lq_internal.h"

static lq_status lq_bytes(size_t count, size_t size, const char* what, size_t* bytes) {
  if (lq_mul_overflows(count, size, bytes))
    return lq_fail(LQ_ERR_OVERFLOW, "%s: %zu elements of %zu bytes overflow size_t", what, count, size);
  if (*bytes == 0) *bytes = 1;
  return LQ_OK;
}

lq_status lq_alloc_array(size_t count, size_t size, const char* what, void** out) {
  size_t bytes;
  LQ_CHECK(lq_bytes(count, size, what, &bytes));
  *out = malloc(bytes);
  if (*out == NULL) return lq_fail(LQ_ERR_OUT_OF_MEMORY, "%s: cannot allocate %zu bytes", what, bytes);
  return LQ_OK;
}

lq_status lq_calloc_array(size_t count, size_t size, const char* what, void** out) {
  size_t bytes;
  LQ_CHECK(lq_bytes(count, size, what, &bytes));
  *out = calloc(1, bytes);
  if (*out == NULL) return lq_fail(LQ_ERR_OUT_OF_MEMORY, "%s: cannot allocate %zu bytes", what, bytes);
  return LQ_OK;
}

lq_status lq_alloc_aligned(size_t count, size_t size, const char* what, void** out) {
  size_t bytes;
  LQ_CHECK(lq_bytes(count, size, what, &bytes));
  /* aligned_alloc needs a multiple of the alignment. */
  size_t rounded;
  if (lq_add_overflows(bytes, 63, &rounded))
    return lq_fail(LQ_ERR_OVERFLOW, "%s: %zu bytes overflow when aligned", what, bytes);
  rounded &= ~(size_t)63;
  *out = aligned_alloc(64, rounded);
  if (*out == NULL) return lq_fail(LQ_ERR_OUT_OF_MEMORY, "%s: cannot allocate %zu bytes", what, rounded);
  return LQ_OK;
}

void lq_aligned_free(void* p) { free(p); }
