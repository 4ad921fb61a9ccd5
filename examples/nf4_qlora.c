/* NF4 + double quantization of a base weight in bitsandbytes' storage
 * (lq_nf4_quantize, lq_bnb_double_quant), then QLoRA adapters over it
 * (src/llmrt: lq_qlora_create_nf4), fine-tuned for a few Adam steps on a
 * synthetic task whose target weight is the base plus a rank-2 update.
 *   nf4_qlora [--min-factor F]   exit 1 unless the loss falls by F times */
#include <libquant.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OUT = 32, IN = 128, N = 128, RANK = 4, STEPS = 150, BLOCK = 64 };

static float frand(uint64_t seed, uint64_t i) { return 2.0f * lq_rng_uniform_f32(seed, i) - 1.0f; }

int main(int argc, char** argv) {
  double min_factor = 0.0;
  if (argc == 3 && strcmp(argv[1], "--min-factor") == 0) min_factor = atof(argv[2]);
  else if (argc != 1) {
    fprintf(stderr, "usage: %s [--min-factor F]\n", argv[0]);
    return 2;
  }
  static float w0[OUT * IN], wt[OUT * IN], x[N * IN], yt[N * OUT], y[N * OUT], dy[N * OUT], wdq[OUT * IN];
  static float da[RANK * IN], db[OUT * RANK], m[RANK * IN + OUT * RANK], v[RANK * IN + OUT * RANK];
  for (int i = 0; i < OUT * IN; i++) w0[i] = 0.05f * frand(1, i);
  memcpy(wt, w0, sizeof wt);
  for (int k = 0; k < 2; k++)
    for (int j = 0; j < OUT; j++)
      for (int c = 0; c < IN; c++) wt[j * IN + c] += 0.04f * frand(2, (uint64_t)k * OUT + j) * frand(3, (uint64_t)k * IN + c);
  for (int i = 0; i < N * IN; i++) x[i] = frand(4, i);
  for (int i = 0; i < N; i++)
    for (int j = 0; j < OUT; j++) {
      float s = 0.0f;
      for (int c = 0; c < IN; c++) s += x[i * IN + c] * wt[j * IN + c];
      yt[i * OUT + j] = s;
    }

  /* 1. the frozen base in bitsandbytes' NF4 storage, absmax double-quantized */
  enum { NB = OUT * IN / BLOCK };
  static uint8_t packed[OUT * IN / 2], qabs[NB];
  static float absmax[NB], nested[1];
  float offset;
  if (lq_nf4_quantize(w0, OUT * IN, BLOCK, packed, absmax) != LQ_OK ||
      lq_bnb_double_quant(absmax, NB, NULL, qabs, nested, &offset) != LQ_OK) {
    fprintf(stderr, "nf4: %s\n", lq_last_error());
    return 1;
  }
  size_t bytes = sizeof packed + sizeof qabs + sizeof nested + sizeof offset;
  printf("base [%d, %d] NF4 block %d + double quant: %zu bytes, %.3f bits/weight\n", OUT, IN, BLOCK, bytes,
         8.0 * (double)bytes / (OUT * IN));

  /* 2. QLoRA layer over exactly those bytes */
  lq_qlora_nf4 base = {0};
  base.blocksize = BLOCK;
  base.packed = packed;
  base.qabsmax = qabs;
  base.nested_absmax = nested;
  base.offset = offset;
  lq_qlora_config cfg = {0};
  cfg.blocksize = BLOCK;
  cfg.rank = RANK;
  cfg.alpha = 8.0f;
  cfg.seed = 5;
  lq_qlora* layer;
  if (lq_qlora_create_nf4(&cfg, &base, OUT, IN, &layer) != LQ_OK) {
    fprintf(stderr, "lq_qlora_create_nf4: %s\n", lq_last_error());
    return 1;
  }
  lq_qlora_dequantize_base(layer, wdq);
  double e = 0;
  for (int i = 0; i < OUT * IN; i++) e += ((double)wdq[i] - w0[i]) * ((double)wdq[i] - w0[i]);
  printf("base dequantization rmse %.3e (weights std ~%.3f)\n", sqrt(e / (OUT * IN)), 0.05 / sqrt(3.0));

  /* 3. train A and B (the base stays frozen) with Adam on the mean squared error */
  float *A, *B;
  lq_qlora_adapters(layer, &A, &B, NULL, NULL);
  double first = 0.0, loss = 0.0;
  for (int step = 1; step <= STEPS; step++) {
    lq_qlora_forward(layer, x, N, y);
    loss = 0.0;
    for (int i = 0; i < N * OUT; i++) {
      float d = y[i] - yt[i];
      loss += (double)d * d / (N * OUT);
      dy[i] = 2.0f * d / (N * OUT);
    }
    if (step == 1) first = loss;
    if (step == 1 || step % 25 == 0) printf("step %3d  loss %.6f\n", step, loss);
    lq_qlora_backward(layer, x, dy, N, da, db, NULL);
    const float lr = 0.01f, b1 = 0.9f, b2 = 0.999f;
    const float c1 = 1.0f - powf(b1, (float)step), c2 = 1.0f - powf(b2, (float)step);
    for (int i = 0; i < RANK * IN + OUT * RANK; i++) {
      float g = i < RANK * IN ? da[i] : db[i - RANK * IN];
      float* p = i < RANK * IN ? &A[i] : &B[i - RANK * IN];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      *p -= lr * (m[i] / c1) / (sqrtf(v[i] / c2) + 1e-8f);
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
