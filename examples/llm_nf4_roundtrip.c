/* NF4 round trip, bitsandbytes-compatible: quantize a weight vector to NF4
 * (block 64) with double-quantized absmax, dequantize it, and report the
 * error and the bits per weight; then the same weights as ggml Q4_0/Q4_K.
 * Build: part of the examples; run: ./nf4_roundtrip */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "libquant.h"

#define N (64 * 1024)

static double rmse(const float* a, const float* b, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n; i++) s += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
  return sqrt(s / (double)n);
}

int main(void) {
  float* w = malloc(N * sizeof(float));
  float* y = malloc(N * sizeof(float));
  uint8_t* packed = malloc(N / 2);
  float* absmax = malloc(N / 64 * sizeof(float));
  float* absmax2 = malloc(N / 64 * sizeof(float));
  uint8_t* qabsmax = malloc(N / 64);
  float nested[(N / 64 + 255) / 256], offset;
  uint8_t* blocks = malloc(N / 256 * 144 + N / 32 * 18);
  if (!w || !y || !packed || !absmax || !absmax2 || !qabsmax || !blocks) return 1;
  /* Gaussian-ish weights (sum of uniforms) with std ~0.02, like an LLM layer. */
  for (size_t i = 0; i < N; i++) {
    float s = 0.0f;
    for (int k = 0; k < 4; k++) s += lq_rng_uniform_f32(42, 4 * i + (uint64_t)k) - 0.5f;
    w[i] = 0.02f * s * 1.7320508f;
  }
  lq_status st = lq_nf4_quantize(w, N, 64, packed, absmax);
  if (st != LQ_OK) {
    fprintf(stderr, "nf4: %s\n", lq_last_error());
    return 1;
  }
  lq_nf4_dequantize(packed, absmax, N, 64, y);
  printf("NF4 bs64           : rmse %.3e  4.500 bits/weight\n", rmse(w, y, N));
  /* double quantization: absmax -> 8-bit dynamic codes + one float per 256 blocks */
  lq_bnb_double_quant(absmax, N / 64, NULL, qabsmax, nested, &offset);
  lq_bnb_double_dequant(qabsmax, nested, N / 64, offset, NULL, absmax2);
  lq_nf4_dequantize(packed, absmax2, N, 64, y);
  printf("NF4 bs64 + DQ      : rmse %.3e  %.3f bits/weight (offset %.6f)\n", rmse(w, y, N),
         4.0 + 8.0 / 64 + 32.0 / (64 * 256), offset);
  /* ggml formats of the same weights */
  const lq_ggml_type types[] = {LQ_GGML_Q4_0, LQ_GGML_Q4_K};
  for (int t = 0; t < 2; t++) {
    lq_ggml_traits tr;
    lq_ggml_type_traits(types[t], &tr);
    lq_ggml_quantize(types[t], w, N, blocks);
    lq_ggml_dequantize(types[t], blocks, N, y);
    printf("ggml %-13s : rmse %.3e  %.3f bits/weight\n", tr.name, rmse(w, y, N),
           8.0 * (double)tr.block_bytes / (double)tr.block_size);
  }
  free(w);
  free(y);
  free(packed);
  free(absmax);
  free(absmax2);
  free(qabsmax);
  free(blocks);
  return 0;
}
