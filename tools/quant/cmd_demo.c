/* quant demo: the README's main job. Runs `eval` over the library's schemes
 * on built-in deterministic data shaped like real workloads; needs no input. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define W_ROWS 512  /* output features */
#define W_COLS 1024 /* input features */
#define A_ROWS 256  /* tokens */
#define A_COLS 1024 /* features */

/* Schemes the demo evaluates. Later modules append theirs at their line. */
static const char* const weight_specs[] = {
    "int8",
    "int8:sym=1:gran=channel",
    "int4:sym=1:gran=channel",
    "int4:gran=group:group=128:axis=1",
    "int2:gran=group:group=64:axis=1",
    "midtread:bits=4",
    "deadzone:bits=4",
    "binary",
    /* demo weights: nonuniform */
    /* demo weights: llm */
    /* demo weights: vq */
};
static const char* const act_specs[] = {
    "int8",
    "uint8",
    "int8:sym=1",
    "int8:gran=channel:axis=1",
    "int4:gran=group:group=128:axis=1",
    /* demo activations: nonuniform */
    /* demo activations: observers */
};

void usage_demo(FILE* out) {
  fprintf(out,
          "usage: quant demo\n"
          "  Runs eval on built-in deterministic data, no input needed:\n"
          "  weights [%d, %d]: Student-t (4 degrees of freedom) heavy tails, std 0.02,\n"
          "    with 4 outlier input channels (columns) scaled 20x;\n"
          "  activations [%d, %d]: Gaussian, with 6 outlier features (columns) at 40x\n"
          "    (the LLM.int8() pattern).\n",
          W_ROWS, W_COLS, A_ROWS, A_COLS);
}

/* Standard normal from the counter-based RNG (Box-Muller; u1 > 0). */
static float demo_normal(uint64_t seed, uint64_t i) {
  double u1 = ((double)lq_rng_uniform_f32(seed, 2 * i) + 0x1p-25);
  double u2 = (double)lq_rng_uniform_f32(seed, 2 * i + 1);
  return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

/* Student-t with 4 degrees of freedom: z / sqrt(chi2_4 / 4), chi2_4 = -2 ln(u1 u2). */
static float demo_student4(uint64_t seed, uint64_t i) {
  double z = demo_normal(seed, i);
  double u1 = (double)lq_rng_uniform_f32(seed ^ 0x9e3779b97f4a7c15ull, 2 * i) + 0x1p-25;
  double u2 = (double)lq_rng_uniform_f32(seed ^ 0x9e3779b97f4a7c15ull, 2 * i + 1) + 0x1p-25;
  double chi2 = -2.0 * (log(u1) + log(u2));
  return (float)(z / sqrt(chi2 / 4.0));
}

static void make_weights(cli_tensor* t) {
  static const int outlier_cols[] = {17, 300, 301, 777};
  t->shape = (lq_shape){2, {W_ROWS, W_COLS}};
  t->n = (size_t)W_ROWS * W_COLS;
  /* t4 has variance 2: scale to std 0.02 */
  for (size_t i = 0; i < t->n; i++) t->x[i] = 0.02f / 1.41421356f * demo_student4(101, i);
  for (size_t k = 0; k < sizeof outlier_cols / sizeof outlier_cols[0]; k++)
    for (size_t r = 0; r < W_ROWS; r++) t->x[r * W_COLS + (size_t)outlier_cols[k]] *= 20.0f;
}

static void make_activations(cli_tensor* t) {
  static const int outlier_cols[] = {5, 64, 65, 400, 900, 1000};
  t->shape = (lq_shape){2, {A_ROWS, A_COLS}};
  t->n = (size_t)A_ROWS * A_COLS;
  for (size_t i = 0; i < t->n; i++) t->x[i] = demo_normal(202, i);
  for (size_t k = 0; k < sizeof outlier_cols / sizeof outlier_cols[0]; k++)
    for (size_t r = 0; r < A_ROWS; r++) t->x[r * A_COLS + (size_t)outlier_cols[k]] *= 40.0f;
}

static int run_table(const char* const* specs, size_t n, const cli_tensor* t, const char* title) {
  lq_scheme** sc = calloc(n, sizeof *sc);
  if (!sc) return cli_fail("demo: out of memory");
  int rc = 0;
  size_t ok = 0;
  for (; ok < n; ok++) {
    lq_status s = lq_scheme_parse(specs[ok], &sc[ok]);
    if (s != LQ_OK) {
      rc = cli_lib_error("demo scheme", s);
      break;
    }
  }
  if (!rc) rc = cli_eval_run(sc, n, t, 0, title);
  for (size_t i = 0; i < ok; i++) lq_scheme_destroy(sc[i]);
  free(sc);
  return rc;
}

int cmd_demo(int argc, char** argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) { usage_demo(stdout); return 0; }
    usage_demo(stderr);
    return cli_usage_error("demo: unknown option '%s'", argv[i]);
  }
  cli_tensor t;
  size_t cap = (size_t)W_ROWS * W_COLS > (size_t)A_ROWS * A_COLS ? (size_t)W_ROWS * W_COLS : (size_t)A_ROWS * A_COLS;
  t.x = malloc(cap * sizeof(float));
  if (!t.x) return cli_fail("demo: out of memory");
  printf("libquant %s demo (deterministic data; `quant eval` runs the same on your .npy files)\n\n",
         lq_version_string());
  make_weights(&t);
  int rc = run_table(weight_specs, sizeof weight_specs / sizeof weight_specs[0], &t,
                     "LLM-like weights [512, 1024]: Student-t tails, 4 outlier input channels");
  if (!rc) {
    printf("\n");
    make_activations(&t);
    rc = run_table(act_specs, sizeof act_specs / sizeof act_specs[0], &t,
                   "activations [256, 1024]: Gaussian with 6 outlier features (40x)");
  }
  free(t.x);
  return rc;
}
