#include <stdarg.h>
#include <stdlib.h>
#include <time.h>

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
