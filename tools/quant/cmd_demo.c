/* quant demo: the README's main job. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void usage_demo(FILE* out) {
  fprintf(out, "usage: quant demo\n  Runs the built-in demonstration on deterministic data; needs no input.\n");
}

int cmd_demo(int argc, char** argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) { usage_demo(stdout); return 0; }
    usage_demo(stderr);
    return cli_usage_error("demo: unknown option '%s'", argv[i]);
  }
  char* isa_argv[] = {"isa", NULL};
  cmd_isa(1, isa_argv);
  enum { N = 1 << 22 };
  float* x = malloc((size_t)N * sizeof *x);
  if (!x) return cli_fail("demo: out of memory");
  for (size_t i = 0; i < N; i++) x[i] = lq_rng_uniform_f32(1, i) * 2.0f - 1.0f;
  float mn, mx;
  double best = 1e30;
  for (int r = 0; r < 5; r++) {
    double t0 = cli_now();
    lq_reduce_minmax_f32(x, N, &mn, &mx);
    double t = cli_now() - t0;
    if (t < best) best = t;
  }
  printf("\nminmax over %d floats: [%g, %g] at %.2f G elements/s\n", N, mn, mx, N / best * 1e-9);
  free(x);
  return 0;
}
