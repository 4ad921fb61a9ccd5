#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

int cli_usage_error(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("quant: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return CLI_EXIT_USAGE;
}

int cli_fail(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("quant: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return CLI_EXIT_FAIL;
}

int cli_lib_error(const char* what, lq_status s) {
  const char* detail = lq_last_error();
  fprintf(stderr, "quant: %s: %s%s%s\n", what, lq_status_string(s), detail[0] ? ": " : "", detail);
  /* Errors caused by the input are usage errors (exit 2); others are failures. */
  return (s == LQ_ERR_INVALID_ARG || s == LQ_ERR_FORMAT || s == LQ_ERR_NUMERIC || s == LQ_ERR_UNSUPPORTED ||
          s == LQ_ERR_OVERFLOW || s == LQ_ERR_IO)
             ? CLI_EXIT_USAGE
             : CLI_EXIT_FAIL;
}

double cli_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

double cli_median(double* v, size_t n) {
  if (n == 0) return 0.0;
  qsort(v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* ------------------------------------------------------------- tensors -- */

int cli_load_npy_f32(const char* path, cli_tensor* t) {
  memset(t, 0, sizeof *t);
  lq_npy_array a;
  lq_status s = lq_npy_read_file(path, &a);
  if (s != LQ_OK) return cli_lib_error(path, s);
  if (a.ndim > LQ_MAX_DIMS) {
    lq_npy_free(&a);
    return cli_usage_error("%s: rank %d is more than the %d dimensions schemes accept", path, (int)a.ndim,
                           LQ_MAX_DIMS);
  }
  t->shape.ndim = a.ndim;
  for (int32_t d = 0; d < a.ndim; d++) t->shape.dims[d] = a.dims[d];
  t->n = a.numel;
  t->file_dtype = a.dtype;
  t->x = malloc((a.numel ? a.numel : 1) * sizeof(float));
  if (!t->x) {
    lq_npy_free(&a);
    return cli_fail("%s: out of memory for %zu elements", path, a.numel);
  }
  s = lq_npy_to_f32(&a, t->x, a.numel);
  lq_npy_free(&a);
  if (s != LQ_OK) {
    cli_tensor_free(t);
    return cli_lib_error(path, s);
  }
  return 0;
}

void cli_tensor_free(cli_tensor* t) {
  free(t->x);
  t->x = NULL;
}

int cli_check_outputs(const char* const* outputs, size_t nout, const char* const* inputs, size_t nin) {
  for (size_t i = 0; i < nout; i++) {
    for (size_t j = 0; j < i; j++)
      if (strcmp(outputs[i], outputs[j]) == 0) return cli_usage_error("'%s' is given as two outputs", outputs[i]);
    struct stat so;
    if (stat(outputs[i], &so) != 0) continue; /* does not exist yet: nothing to protect */
    if (S_ISDIR(so.st_mode)) return cli_usage_error("output '%s' is a directory", outputs[i]);
    for (size_t j = 0; j < nin; j++) {
      struct stat si;
      if (stat(inputs[j], &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino)
        return cli_usage_error("refusing to overwrite the input '%s' with the output '%s'", inputs[j], outputs[i]);
    }
    for (size_t j = 0; j < i; j++) {
      struct stat sj;
      if (stat(outputs[j], &sj) == 0 && sj.st_dev == so.st_dev && sj.st_ino == so.st_ino)
        return cli_usage_error("outputs '%s' and '%s' are the same file", outputs[j], outputs[i]);
    }
  }
  return 0;
}

/* ---------------------------------------------------------------- JSON -- */

void cli_json_string(FILE* out, const char* s) {
  fputc('"', out);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
    else if (c < 0x20) fprintf(out, "\\u%04x", c);
    else fputc(c, out);
  }
  fputc('"', out);
}

void cli_json_number(FILE* out, double v) {
  if (isfinite(v)) fprintf(out, "%.9g", v);
  else fputs("null", out);
}

/* ------------------------------------------------------------ progress -- */

static double progress_t0;
static int progress_shown;

void cli_progress_begin(void) {
  progress_t0 = cli_now();
  progress_shown = 0;
}

void cli_progress(const char* what, size_t done, size_t total) {
  if (!isatty(fileno(stderr)) || cli_now() - progress_t0 < 1.5) return;
  fprintf(stderr, "\r\033[K%s %zu/%zu", what, done, total);
  fflush(stderr);
  progress_shown = 1;
}

void cli_progress_end(void) {
  if (progress_shown) {
    fputs("\r\033[K", stderr);
    fflush(stderr);
  }
  progress_shown = 0;
}

int cli_parse_size(const char* opt, const char* text, size_t lo, size_t hi, size_t* out) {
  if (!text) return cli_usage_error("%s needs a value", opt);
  char* end;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  if (errno || end == text || *end || text[0] == '-' || v < lo || v > hi)
    return cli_usage_error("%s %s: expected an integer in [%zu, %zu]", opt, text, lo, hi);
  *out = (size_t)v;
  return 0;
}
