/* Shared pieces of the llmio readers and writers: read-only file mappings,
 * a byte sink that writes either into memory or into an atomically replaced
 * file, and little-endian loads. */
#ifndef LQ_LLMIO_INTERNAL_H
#define LQ_LLMIO_INTERNAL_H

#include <stdio.h>
#include <string.h>

#include "common/lq_internal.h"

/* A whole file mapped read-only (or a borrowed buffer). */
typedef struct lq_map {
  const unsigned char* p;
  size_t len;
  void* base;      /* mmap base, NULL for a borrowed buffer or an empty file */
  size_t map_len;
} lq_map;

/* Prefixes the current lq_last_error() text with a formatted context
 * ("tensor 'x': <old text>") and returns s. */
LQ_INTERNAL lq_status lq_fail_ctx(lq_status s, const char* fmt, ...) LQ_PRINTF(2, 3);

LQ_INTERNAL lq_status lq_map_file(const char* path, lq_map* m);
LQ_INTERNAL void lq_unmap(lq_map* m);

/* A byte sink: into buf[0..cap) (counting beyond cap), or into a temporary
 * file that lq_sink_commit renames over the target. */
typedef struct lq_sink {
  unsigned char* buf;
  size_t cap;
  size_t pos;
  FILE* f;
  char* tmp;
  const char* path;
  lq_status err;
} lq_sink;

LQ_INTERNAL void lq_sink_mem(lq_sink* s, void* buf, size_t cap);
LQ_INTERNAL lq_status lq_sink_file(lq_sink* s, const char* path);
/* For streamed writers that outlive the caller's path string: allocates a
 * sink and a private copy of path, then lq_sink_file. On failure nothing is
 * left allocated and both outputs are NULL. Free both with free() after
 * lq_sink_commit / lq_sink_abort. */
LQ_INTERNAL lq_status lq_sink_file_new(const char* path, lq_sink** sink_out, char** path_out);
LQ_INTERNAL void lq_sink_put(lq_sink* s, const void* p, size_t n);
LQ_INTERNAL void lq_sink_zeros(lq_sink* s, size_t n);
/* Files: flush, fsync, rename (or remove the temporary on error). */
LQ_INTERNAL lq_status lq_sink_commit(lq_sink* s);
LQ_INTERNAL void lq_sink_abort(lq_sink* s);

static inline uint16_t lq_ld16(const unsigned char* p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t lq_ld32(const unsigned char* p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t lq_ld64(const unsigned char* p) { return (uint64_t)lq_ld32(p) | ((uint64_t)lq_ld32(p + 4) << 32); }
static inline void lq_st32(unsigned char* p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static inline void lq_st64(unsigned char* p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

#endif
