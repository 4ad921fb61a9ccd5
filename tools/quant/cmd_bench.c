/* quant bench: quantize (lq_scheme_encode) and dequantize (lq_scheme_decode)
 * throughput on in-memory data, with a memcpy of the f32 input's bytes timed
 * in the same run as the yardstick. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define BENCH_REPS 9
#define BENCH_COLS 4096

void usage_bench(FILE* out) {
  fprintf(out,
          "usage: quant bench SPEC [--n N] [--json]\n"
          "  Times quantize and dequantize of N floats (default 16777216, shaped\n"
          "  [N/4096, 4096] when 4096 divides N, else [1, N]; uniform in [-1, 1]) with the\n"
          "  parameters calibrated once beforehand, and a memcpy of the N*4 input bytes,\n"
          "  interleaved over %d runs on one thread. Reports the median of each in 10^9\n"
          "  elements per second; --json prints quantize_gelems, dequantize_gelems,\n"
          "  memcpy_gelems (plus scheme, n, runs).\n",
          BENCH_REPS);
}

int cmd_bench(int argc, char** argv) {
  const char* spec = NULL;
  size_t n = (size_t)1 << 24;
  int json = 0;
  for (int i = 1; i < argc; i++) {
    const char* a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { usage_bench(stdout); return 0; }
    if (strcmp(a, "--json") == 0) json = 1;
    else if (strcmp(a, "--n") == 0) {
      int rc = cli_parse_size("--n", i + 1 < argc ? argv[++i] : NULL, 1, (size_t)1 << 31, &n);
      if (rc) return rc;
    } else if (a[0] == '-' && a[1] != '\0') { usage_bench(stderr); return cli_usage_error("bench: unknown option '%s'", a); }
    else if (!spec) spec = a;
    else { usage_bench(stderr); return cli_usage_error("bench: unexpected argument '%s'", a); }
  }
  if (!spec) {
    usage_bench(stderr);
    return cli_usage_error("bench: needs SPEC");
  }
  lq_scheme* sc;
  lq_status s = lq_scheme_parse(spec, &sc);
  if (s != LQ_OK) return cli_lib_error("bad scheme", s);
  lq_shape shape = {2, {1, (int64_t)n}};
  if (n % BENCH_COLS == 0) {
    shape.dims[0] = (int64_t)(n / BENCH_COLS);
    shape.dims[1] = BENCH_COLS;
  }
  size_t code_bytes;
  s = lq_scheme_encoded_size(sc, &shape, &code_bytes);
  if (s != LQ_OK) {
    lq_scheme_destroy(sc);
    return cli_lib_error("bench", s);
  }
  float* x = malloc(n * sizeof *x);
  float* y = malloc(n * sizeof *y);
  float* copy = malloc(n * sizeof *copy);
  void* codes = malloc(code_bytes ? code_bytes : 1);
  int rc = 0;
  if (!x || !y || !copy || !codes) {
    rc = cli_fail("bench: out of memory for %zu elements", n);
    goto done;
  }
  for (size_t i = 0; i < n; i++) x[i] = 2.0f * lq_rng_uniform_f32(12345, i) - 1.0f;
  memset(y, 0, n * sizeof *y);
  memset(copy, 0, n * sizeof *copy);
  memset(codes, 0, code_bytes ? code_bytes : 1);
  if ((s = lq_scheme_calibrate(sc, &shape, x)) != LQ_OK) {
    rc = cli_lib_error("bench", s);
    goto done;
  }
  double tq[BENCH_REPS], td[BENCH_REPS], tm[BENCH_REPS];
  cli_progress_begin();
  /* Run 0 warms caches and page tables and is not counted. */
  for (int r = -1; r < BENCH_REPS; r++) {
    if (r >= 0) cli_progress("bench run", (size_t)r, BENCH_REPS);
    double t0 = cli_now();
    memcpy(copy, x, n * sizeof *x);
    double t1 = cli_now();
    s = lq_scheme_encode(sc, &shape, x, codes, code_bytes);
    double t2 = cli_now();
    if (s == LQ_OK) s = lq_scheme_decode(sc, &shape, codes, code_bytes, y);
    double t3 = cli_now();
    if (s != LQ_OK) {
      cli_progress_end();
      rc = cli_lib_error("bench", s);
      goto done;
    }
    if (r >= 0) {
      tm[r] = t1 - t0;
      tq[r] = t2 - t1;
      td[r] = t3 - t2;
    }
  }
  cli_progress_end();
  /* Keep the copy observable so it cannot be optimised away. */
  if (copy[n / 2] != x[n / 2]) {
    rc = cli_fail("bench: memcpy check failed");
    goto done;
  }
  double q = (double)n / cli_median(tq, BENCH_REPS) * 1e-9;
  double d = (double)n / cli_median(td, BENCH_REPS) * 1e-9;
  double m = (double)n / cli_median(tm, BENCH_REPS) * 1e-9;
  if (json) {
    printf("{\"scheme\": ");
    cli_json_string(stdout, spec);
    printf(", \"n\": %zu, \"runs\": %d, \"quantize_gelems\": ", n, BENCH_REPS);
    cli_json_number(stdout, q);
    printf(", \"dequantize_gelems\": ");
    cli_json_number(stdout, d);
    printf(", \"memcpy_gelems\": ");
    cli_json_number(stdout, m);
    printf("}\n");
  } else {
    printf("scheme %s, n = %zu, median of %d runs, 1 thread, ISA %s\n", spec, n, BENCH_REPS,
           lq_isa_name(lq_isa_active() & LQ_ISA_AVX512 ? LQ_ISA_AVX512
                       : lq_isa_active() & LQ_ISA_AVX2 ? LQ_ISA_AVX2
                       : lq_isa_active() & LQ_ISA_NEON ? LQ_ISA_NEON
                                                       : 0));
    printf("%-12s %8.3f G elements/s  (%.2fx memcpy)\n", "quantize", q, q / m);
    printf("%-12s %8.3f G elements/s  (%.2fx memcpy)\n", "dequantize", d, d / m);
    printf("%-12s %8.3f G elements/s\n", "memcpy", m);
  }
done:
  free(x);
  free(y);
  free(copy);
  free(codes);
  lq_scheme_destroy(sc);
  return rc;
}
