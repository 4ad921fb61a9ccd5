/* Atomic file replacement: write a new file beside the target, then rename it
 * over the target, so a crash or a failed write never leaves a half-written
 * output and never destroys the old file. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/lq_internal.h"

#if defined(_WIN32)
#include <io.h>
#include <process.h>
#define LQ_GETPID() _getpid()
#else
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#define LQ_GETPID() getpid()
#endif

static _Atomic unsigned long tmp_counter;

static lq_status write_all(FILE* f, const void* bytes, size_t len, const char* tmp) {
  if (len && fwrite(bytes, 1, len, f) != len) return lq_fail(LQ_ERR_IO, "cannot write '%s': %s", tmp, strerror(errno));
  if (fflush(f) != 0) return lq_fail(LQ_ERR_IO, "cannot write '%s': %s", tmp, strerror(errno));
#if !defined(_WIN32)
  /* Data must be on disk before the rename makes it visible under the name. */
  if (fsync(fileno(f)) != 0 && errno != EINVAL && errno != EROFS)
    return lq_fail(LQ_ERR_IO, "cannot sync '%s': %s", tmp, strerror(errno));
#endif
  return LQ_OK;
}

lq_status lq_file_write_atomic(const char* path, const void* bytes, size_t len) {
  LQ_REQUIRE_PTR(path);
  if (len > 0) LQ_REQUIRE_PTR(bytes);
  if (path[0] == '\0') return lq_fail(LQ_ERR_INVALID_ARG, "output path is empty");
  size_t plen = strlen(path);
  char* tmp = malloc(plen + 64);
  if (!tmp) return lq_fail(LQ_ERR_OUT_OF_MEMORY, "out of memory");
  FILE* f = NULL;
  for (int attempt = 0; attempt < 100 && !f; attempt++) {
    unsigned long c = tmp_counter++;
    snprintf(tmp, plen + 64, "%s.tmp-%ld-%lu", path, (long)LQ_GETPID(), c);
#if defined(_WIN32)
    f = fopen(tmp, "wbx");
    if (!f && errno != EEXIST) break;
#else
    /* O_EXCL: never follow or reuse somebody else's file; 0666 & ~umask like any new file. */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
      if (errno == EEXIST) continue;
      break;
    }
    f = fdopen(fd, "wb");
    if (!f) {
      close(fd);
      unlink(tmp);
      break;
    }
#endif
  }
  if (!f) {
    lq_status s = lq_fail(LQ_ERR_IO, "cannot create a temporary file beside '%s': %s", path, strerror(errno));
    free(tmp);
    return s;
  }
  lq_status s = write_all(f, bytes, len, tmp);
  if (fclose(f) != 0 && s == LQ_OK) s = lq_fail(LQ_ERR_IO, "cannot write '%s': %s", tmp, strerror(errno));
#if defined(_WIN32)
  if (s == LQ_OK) remove(path); /* Windows rename does not replace */
#endif
  if (s == LQ_OK && rename(tmp, path) != 0)
    s = lq_fail(LQ_ERR_IO, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
  if (s != LQ_OK) remove(tmp);
  free(tmp);
  return s;
}
