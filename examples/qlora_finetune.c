/* Fine-tunes QLoRA adapters on a synthetic regression: the frozen base is
 * NF4(W0) with double quantization; the target is W0 + a rank-4 update.
 * Plain Adam on A and B; the mean squared error falls as the adapters learn
 * the update (and the NF4 rounding of W0 they can absorb).
 *   qlora_finetune [--min-factor F]   exit 1 unless loss falls by F times */
#include <libquant.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OUT = 64, IN = 128, N = 256, RANK = 8, STEPS = 400 };

static float frand(uint64_t seed, uint64_t i) { return 2.0f * lq_rng_uniform_f32(seed, i) - 1.0f; }

int main(int argc, char** argv) {
  double min_factor = 0.0;
  if (argc == 3 && strcmp(argv[1], "--min-factor") == 0) min_factor = atof(argv[2]);
  else if (argc != 1) {
    fprintf(stderr, "usage: %s [--min-factor F]\n", argv[0]);
    return 2;
  }
  static float w0[OUT * IN], wt[OUT * IN], x[N * IN], yt[N * OUT], y[N * OUT], dy[N * OUT];
  static float da[RANK * IN], db[OUT * RANK], ma[RANK * IN], va[RANK * IN], mb[OUT * RANK], vb[OUT * RANK];
  for (int i = 0; i < OUT * IN; i++) w0[i] = 0.1f * frand(1, i);
  memcpy(wt, w0, sizeof wt);
  for (int k = 0; k < 4; k++) /* rank-4 target update */
    for (int j = 0; j < OUT; j++)
      for (int c = 0; c < IN; c++) wt[j * IN + c] += 0.05f * frand(2, (uint64_t)k * OUT + j) * frand(3, (uint64_t)k * IN + c);
  for (int i = 0; i < N * IN; i++) x[i] = frand(4, i);
  for (int i = 0; i < N; i++)
    for (int j = 0; j < OUT; j++) {
      float s = 0.0f;
      for (int c = 0; c < IN; c++) s += x[i * IN + c] * wt[j * IN + c];
      yt[i * OUT + j] = s;
    }
  lq_qlora_config cfg = {0}; /* NF4, blocksize 64, double quantization */
  cfg.rank = RANK;
  cfg.alpha = 16.0f;
  cfg.seed = 7;
  lq_qlora* layer;
  if (lq_qlora_create(&cfg, w0, OUT, IN, &layer) != LQ_OK) {
    fprintf(stderr, "lq_qlora_create: %s\n", lq_last_error());
    return 1;
  }
  size_t base_bytes;
  lq_qlora_base_bytes(layer, &base_bytes);
  printf("base %dx%d NF4+DQ: %zu bytes (%.3f bits/weight), adapters rank %d\n", OUT, IN, base_bytes,
         8.0 * base_bytes / (OUT * IN), RANK);
  float *A, *B;
  lq_qlora_adapters(layer, &A, &B, NULL, NULL);
  double first = 0.0, loss = 0.0;
  for (int step = 1; step <= STEPS; step++) {
    lq_qlora_forward(layer, x, N, y);
    loss = 0.0;
    for (int i = 0; i < N * OUT; i++) {
      float e = y[i] - yt[i];
      loss += (double)e * e / (N * OUT);
      dy[i] = 2.0f * e / (N * OUT);
    }
    if (step == 1) first = loss;
    if (step == 1 || step % 50 == 0) printf("step %4d  loss %.6f\n", step, loss);
    lq_qlora_backward(layer, x, dy, N, da, db, NULL);
    const float lr = 0.01f, b1 = 0.9f, b2 = 0.999f;
    const float c1 = 1.0f - powf(b1, (float)step), c2 = 1.0f - powf(b2, (float)step);
    for (int i = 0; i < RANK * IN; i++) {
      ma[i] = b1 * ma[i] + (1 - b1) * da[i];
      va[i] = b2 * va[i] + (1 - b2) * da[i] * da[i];
      A[i] -= lr * (ma[i] / c1) / (sqrtf(va[i] / c2) + 1e-8f);
    }
    for (int i = 0; i < OUT * RANK; i++) {
      mb[i] = b1 * mb[i] + (1 - b1) * db[i];
      vb[i] = b2 * vb[i] + (1 - b2) * db[i] * db[i];
      B[i] -= lr * (mb[i] / c1) / (sqrtf(vb[i] / c2) + 1e-8f);
    }
  }
  lq_qlora_destroy(layer);
  printf("loss %.6f -> %.6f (%.1fx lower)\n", first, loss, first / loss);
  if (min_factor > 0.0 && !(first >= min_factor * loss)) {
    fprintf(stderr, "loss fell by %.2fx, less than %.2fx\n", first / loss, min_factor);
    return 1;
  }
  return 0;
}
