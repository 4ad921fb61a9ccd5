/* uniform_int8: PyTorch-style int8 quantization of a weight matrix.
 *  1. per-tensor affine qint8: MinMaxObserver qparams, quantize, dequantize;
 *  2. per-channel symmetric (axis 0, like torch's default per-channel weights);
 * and the round-trip error of each. Build: part of the project (examples/). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "libquant.h"

#define ROWS 64
#define COLS 256

static int check(lq_status s) {
  if (s != LQ_OK) {
    fprintf(stderr, "libquant: %s: %s\n", lq_status_string(s), lq_last_error());
    exit(1);
  }
  return 0;
}

static double mse(const float* a, const float* b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
  return s / (double)n;
}

int main(void) {
  static float w[ROWS * COLS], y[ROWS * COLS];
  static int8_t q[ROWS * COLS];
  /* rows with different ranges, as real weight matrices have */
  for (int r = 0; r < ROWS; r++)
    for (int c = 0; c < COLS; c++)
      w[r * COLS + c] = (2.0f * lq_rng_uniform_f32(1, (uint64_t)(r * COLS + c)) - 1.0f) * (0.05f + 0.02f * (float)r);
  lq_shape shape = {2, {ROWS, COLS}};

  /* 1. per tensor, affine qint8 (zero-initialised config = torch defaults) */
  lq_uniform_config pt = {0};
  float scale;
  int32_t zp;
  check(lq_uniform_calibrate_minmax(&pt, w, &shape, &scale, &zp));
  check(lq_quantize_f32_s8(w, ROWS * COLS, scale, zp, NULL, q)); /* = torch.quantize_per_tensor(...).int_repr() */
  check(lq_dequantize_s8_f32(q, ROWS * COLS, scale, zp, y));
  printf("per-tensor affine : scale %.6g zero_point %d  mse %.3e\n", (double)scale, (int)zp, mse(w, y, ROWS * COLS));

  /* 2. per channel (axis 0), symmetric: torch.per_channel_symmetric */
  lq_uniform_config pc = {0};
  pc.range.mapping = LQ_SYMMETRIC;
  pc.granularity = LQ_GRAN_CHANNEL;
  pc.axis = 0;
  float scales[ROWS];
  int32_t zps[ROWS];
  check(lq_uniform_calibrate_minmax(&pc, w, &shape, scales, zps));
  check(lq_uniform_quantize(&pc, w, &shape, scales, zps, q));
  check(lq_uniform_dequantize(&pc, q, &shape, scales, zps, y));
  printf("per-channel sym   : scale[0] %.6g scale[%d] %.6g  mse %.3e\n", (double)scales[0], ROWS - 1,
         (double)scales[ROWS - 1], mse(w, y, ROWS * COLS));

  /* stochastic rounding: unbiased, reproducible from (seed, element index) */
  lq_rounding sr = {LQ_ROUND_STOCHASTIC, 2024, 0};
  check(lq_quantize_f32_s8(w, ROWS * COLS, scale, zp, &sr, q));
  check(lq_dequantize_s8_f32(q, ROWS * COLS, scale, zp, y));
  double bias = 0;
  for (int i = 0; i < ROWS * COLS; i++) bias += (double)y[i] - w[i];
  printf("stochastic        : mean error %.2e (unbiased), mse %.3e\n", bias / (ROWS * COLS), mse(w, y, ROWS * COLS));
  return 0;
}
