/* File mappings and atomic streamed output for the llmio readers/writers. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "llmio/llmio_internal.h"

lq_status lq_fail_ctx(lq_status s, const char* fmt, ...) {
  char old[512], ctx[256];
  snprintf(old, sizeof old, "%s", lq_last_error());
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ctx, sizeof ctx, fmt, ap);
  va_end(ap);
  return lq_fail(s, "%s: %s", ctx, old);
}

lq_status lq_map_file(const char* path, lq_map* m) {
  memset(m, 0, sizeof *m);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return lq_fail(LQ_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    lq_status s = lq_fail(LQ_ERR_IO, "cannot stat '%s': %s", path, strerror(errno));
    close(fd);
    return s;
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return lq_fail(LQ_ERR_IO, "'%s' is not a regular file", path);
  }
  if ((uint64_t)st.st_size > (uint64_t)SIZE_MAX) {
    close(fd);
    return lq_fail(LQ_ERR_OVERFLOW, "'%s' is too large to map", path);
  }
  size_t len = (size_t)st.st_size;
  if (len == 0) {
    close(fd);
    m->p = (const unsigned char*)"";
    return LQ_OK;
  }
  void* p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
  int e = errno;
  close(fd); /* the mapping keeps the file */
  if (p == MAP_FAILED) return lq_fail(LQ_ERR_IO, "cannot map '%s': %s", path, strerror(e));
  m->base = p;
  m->map_len = len;
  m->p = p;
  m->len = len;
  return LQ_OK;
}

void lq_unmap(lq_map* m) {
  if (m->base) munmap(m->base, m->map_len);
  memset(m, 0, sizeof *m);
}

void lq_sink_mem(lq_sink* s, void* buf, size_t cap) {
  memset(s, 0, sizeof *s);
  s->buf = buf;
  s->cap = buf ? cap : 0;
}

static _Atomic unsigned long sink_counter;

lq_status lq_sink_file_new(const char* path, lq_sink** sink_out, char** path_out) {
  *sink_out = NULL;
  *path_out = NULL;
  size_t pl = strlen(path);
  lq_sink* sink = calloc(1, sizeof *sink);
  char* copy = malloc(pl + 1);
  if (!sink || !copy) {
    free(sink);
    free(copy);
    return lq_fail(LQ_ERR_OUT_OF_MEMORY, "out of memory");
  }
  memcpy(copy, path, pl + 1);
  lq_status s = lq_sink_file(sink, copy);
  if (s != LQ_OK) {
    free(sink);
    free(copy);
    return s;
  }
  *sink_out = sink;
  *path_out = copy;
  return LQ_OK;
}

lq_status lq_sink_file(lq_sink* s, const char* path) {
  memset(s, 0, sizeof *s);
  if (!path || !path[0]) return lq_fail(LQ_ERR_INVALID_ARG, "output path is empty");
  size_t plen = strlen(path);
  s->tmp = malloc(plen + 64);
  if (!s->tmp) return lq_fail(LQ_ERR_OUT_OF_MEMORY, "out of memory");
  s->path = path;
  for (int attempt = 0; attempt < 100 && !s->f; attempt++) {
    snprintf(s->tmp, plen + 64, "%s.tmp-%ld-%lu", path, (long)getpid(), sink_counter++);
    /* O_EXCL: never follow or reuse somebody else's file */
    int fd = open(s->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
      if (errno == EEXIST) continue;
      break;
    }
    s->f = fdopen(fd, "wb");
    if (!s->f) {
      close(fd);
      unlink(s->tmp);
      break;
    }
  }
  if (!s->f) {
    lq_status st = lq_fail(LQ_ERR_IO, "cannot create a temporary file beside '%s': %s", path, strerror(errno));
    free(s->tmp);
    s->tmp = NULL;
    return st;
  }
  return LQ_OK;
}

void lq_sink_put(lq_sink* s, const void* p, size_t n) {
  if (s->err || n == 0) return;
  if (s->f) {
    if (fwrite(p, 1, n, s->f) != n) s->err = lq_fail(LQ_ERR_IO, "cannot write '%s': %s", s->tmp, strerror(errno));
  } else if (s->pos < s->cap) {
    size_t k = s->cap - s->pos < n ? s->cap - s->pos : n;
    memcpy(s->buf + s->pos, p, k);
  }
  s->pos += n;
}

void lq_sink_zeros(lq_sink* s, size_t n) {
  static const unsigned char z[64];
  while (n) {
    size_t k = n < sizeof z ? n : sizeof z;
    lq_sink_put(s, z, k);
    n -= k;
  }
}

void lq_sink_abort(lq_sink* s) {
  if (s->f) {
    fclose(s->f);
    remove(s->tmp);
  }
  free(s->tmp);
  s->f = NULL;
  s->tmp = NULL;
}

lq_status lq_sink_commit(lq_sink* s) {
  if (!s->f) return s->err;
  lq_status st = s->err;
  if (st == LQ_OK && fflush(s->f) != 0) st = lq_fail(LQ_ERR_IO, "cannot write '%s': %s", s->tmp, strerror(errno));
  /* data must be on disk before the rename makes it visible */
  if (st == LQ_OK && fsync(fileno(s->f)) != 0 && errno != EINVAL && errno != EROFS)
    st = lq_fail(LQ_ERR_IO, "cannot sync '%s': %s", s->tmp, strerror(errno));
  if (fclose(s->f) != 0 && st == LQ_OK) st = lq_fail(LQ_ERR_IO, "cannot write '%s': %s", s->tmp, strerror(errno));
  s->f = NULL;
  if (st == LQ_OK && rename(s->tmp, s->path) != 0)
    st = lq_fail(LQ_ERR_IO, "cannot rename '%s' to '%s': %s", s->tmp, s->path, strerror(errno));
  if (st != LQ_OK) remove(s->tmp);
  free(s->tmp);
  s->tmp = NULL;
  return st;
}
