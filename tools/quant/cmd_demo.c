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
#define VQ_ROWS 1024 /* vectors of the vq section */
#define VQ_DIM 8

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
    "nf4",
    "nf4:dq=1",
    "q4_0",
    "q4_k",
    "iq4_nl",
    "q8_0",
    "mxfp4",
    "fp8:fmt=e4m3",
    "gptq:bits=4:group=128",
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

/* demo audio: hw — the audio section (8 kHz, 2 s built-in signal). */
#define AUDIO_RATE 8000
#define AUDIO_N (2 * AUDIO_RATE)
static const char* const audio_specs[] = {
    "g711-ulaw", "g711-alaw", "ima-adpcm", "ulaw", "alaw", "dpcm:order=2:bits=4", "delta:bits=4", "dm:adaptive=1",
    "int8",
};

void usage_demo(FILE* out) {
  fprintf(out,
          "usage: quant demo\n"
          "  Runs eval on built-in deterministic data, no input needed:\n"
          "  weights [%d, %d]: Student-t (4 degrees of freedom) heavy tails, std 0.02,\n"
          "    with 4 outlier input channels (columns) scaled 20x;\n"
          "  activations [%d, %d]: Gaussian, with 6 outlier features (columns) at 40x\n"
          "    (the LLM.int8() pattern);\n"
          "  audio [%d] at %d Hz (2 s, samples in [-1, 1) as int16/32768 for the codecs):\n"
          "    220 Hz voice-like tone with 4 harmonics, 5 Hz vibrato, a slow swell,\n"
          "    and 60 ms noise bursts every 0.5 s; adds SNR and segmental SNR columns;\n"
          "  vectors [%d, %d]: rank-4 correlated signal + 10%% noise, one vector per row,\n"
          "    for the vector quantizers (each trained on the data itself).\n",
          W_ROWS, W_COLS, A_ROWS, A_COLS, AUDIO_N, AUDIO_RATE, VQ_ROWS, VQ_DIM);
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

/* Deterministic audio-like signal: harmonics 1..5 of a 220 Hz fundamental
 * (amplitudes 1/k) with a +-1.5 % 5 Hz vibrato (phase integrated), an
 * amplitude swell 0.15..0.6, and noise bursts (uniform, 0.3) of 60 ms every 0.5 s. */
static void make_audio(cli_tensor* t) {
  t->shape = (lq_shape){1, {AUDIO_N}};
  t->n = AUDIO_N;
  const double two_pi = 6.283185307179586;
  double phase = 0.0;
  for (size_t i = 0; i < AUDIO_N; i++) {
    double tt = (double)i / AUDIO_RATE;
    double f = 220.0 * (1.0 + 0.015 * sin(two_pi * 5.0 * tt));
    phase += two_pi * f / AUDIO_RATE;
    double v = 0.0;
    for (int k = 1; k <= 5; k++) v += sin((double)k * phase) / k;
    double env = 0.15 + 0.45 * 0.5 * (1.0 - cos(two_pi * tt / 2.0));
    v *= env / 1.6;
    if (fmod(tt, 0.5) < 0.06) v += 0.3 * (2.0 * (double)lq_rng_uniform_f32(303, i) - 1.0);
    t->x[i] = (float)v;
  }
}

/* demo vq: vector quantizers trained on a small correlated dataset (rows =
 * vectors): a rank-4 signal plus 10 % noise, [VQ_ROWS, VQ_DIM]. */
static const char* const vq_specs[] = {
    "kmeans:k=64", "pq:m=2:nbits=6", "opq:m=2:nbits=6", "rq:m=2:nbits=6:beam=4", "rvq:levels=2:k=64",
    "tsvq:depth=2:branch=8", "aq:m=2:nbits=6", "prq:nsplits=2:m=2:nbits=6", "plsq:nsplits=2:m=2:nbits=6",
    "qinco:m=2:nbits=6:epochs=10",
};

static void make_vq(cli_tensor* t) {
  t->shape = (lq_shape){2, {VQ_ROWS, VQ_DIM}};
  t->n = (size_t)VQ_ROWS * VQ_DIM;
  float basis[4][VQ_DIM];
  for (int r = 0; r < 4; r++)
    for (int j = 0; j < VQ_DIM; j++) basis[r][j] = demo_normal(404, (uint64_t)(r * VQ_DIM + j)) / (float)(r + 1);
  for (size_t i = 0; i < VQ_ROWS; i++)
    for (int j = 0; j < VQ_DIM; j++) {
      float v = 0.1f * demo_normal(405, i * VQ_DIM + (size_t)j);
      for (int r = 0; r < 4; r++) v += demo_normal(406, i * 4 + (size_t)r) * basis[r][j];
      t->x[i * VQ_DIM + (size_t)j] = v;
    }
}

static int run_table(const char* const* specs, size_t n, const cli_tensor* t, const char* title, unsigned channels) {
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
  if (!rc) rc = cli_eval_run_audio(sc, n, t, 0, title, channels, "demo data");
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
  memset(&t, 0, sizeof t);
  t.file_dtype = LQ_NPY_F32; /* generated floats; audio samples are in [-1, 1) */
  size_t cap = (size_t)W_ROWS * W_COLS > (size_t)A_ROWS * A_COLS ? (size_t)W_ROWS * W_COLS : (size_t)A_ROWS * A_COLS;
  t.x = malloc(cap * sizeof(float));
  if (!t.x) return cli_fail("demo: out of memory");
  printf("libquant %s demo (deterministic data; `quant eval` runs the same on your .npy files)\n\n",
         lq_version_string());
  make_weights(&t);
  int rc = run_table(weight_specs, sizeof weight_specs / sizeof weight_specs[0], &t,
                     "LLM-like weights [512, 1024]: Student-t tails, 4 outlier input channels", 0);
  if (!rc) {
    printf("\n");
    make_activations(&t);
    rc = run_table(act_specs, sizeof act_specs / sizeof act_specs[0], &t,
                   "activations [256, 1024]: Gaussian with 6 outlier features (40x)", 0);
  }
  if (!rc) {
    printf("\n");
    make_audio(&t);
    rc = run_table(audio_specs, sizeof audio_specs / sizeof audio_specs[0], &t,
                   "audio [16000] at 8 kHz: harmonics + vibrato + noise bursts (segsnr: 256-sample segments)", 1);
  }
  if (!rc) {
    printf("\n");
    make_vq(&t);
    rc = run_table(vq_specs, sizeof vq_specs / sizeof vq_specs[0], &t,
                   "vectors [1024, 8]: rank-4 correlated + noise; VQ trained on the data (bpe includes codebooks)", 0);
  }
  free(t.x);
  return rc;
}
