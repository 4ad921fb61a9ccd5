/* Calibrating activation ranges with observers: the same synthetic
 * activations (post-ReLU-like, heavy-tailed) are fed in batches to several
 * observers, split across two "workers" and merged, and the resulting
 * (scale, zero_point) and round-trip error are printed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "libquant.h"

enum { BATCHES = 8, N = 4096 };

static float act(uint64_t b, uint64_t i) {
  float u = lq_rng_uniform_f32(42 + b, i);
  float v = -logf(1.0f - u) * 0.5f;            /* exponential */
  if (lq_rng_u32(7 + b, i) % 997 == 0) v *= 20; /* rare outliers */
  return v;
}

static double mse(const float* x, size_t n, float s, int32_t z, int32_t qmin, int32_t qmax) {
  double e = 0;
  for (size_t i = 0; i < n; i++) {
    float q = nearbyintf(x[i] * (1.0f / s)) + (float)z;
    q = q < (float)qmin ? (float)qmin : q > (float)qmax ? (float)qmax : q;
    double d = (double)((q - (float)z) * s) - x[i];
    e += d * d;
  }
  return e / (double)n;
}

int main(void) {
  static float data[BATCHES][N];
  for (int b = 0; b < BATCHES; b++)
    for (int i = 0; i < N; i++) data[b][i] = act((uint64_t)b, (uint64_t)i);
  const lq_observer_method methods[] = {LQ_OBSERVER_MINMAX, LQ_OBSERVER_MOVING_AVERAGE, LQ_OBSERVER_HISTOGRAM,
                                        LQ_OBSERVER_PERCENTILE, LQ_OBSERVER_HIST_MSE, LQ_OBSERVER_KL,
                                        LQ_OBSERVER_MSE, LQ_OBSERVER_LSQ};
  printf("%-15s %12s %5s %12s\n", "observer", "scale", "zp", "mse");
  for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
    lq_observer_config cfg = {0}; /* PyTorch defaults: quint8, affine, per tensor */
    cfg.method = methods[m];
    lq_observer *w0 = NULL, *w1 = NULL;
    if (lq_observer_create(&cfg, &w0) != LQ_OK || lq_observer_create(&cfg, &w1) != LQ_OK) {
      fprintf(stderr, "create: %s\n", lq_last_error());
      return 1;
    }
    /* two workers see half of the batches each; merge combines them */
    for (int b = 0; b < BATCHES; b++) {
      lq_shape sh = {1, {N}};
      if (lq_observer_observe(b % 2 ? w1 : w0, data[b], &sh) != LQ_OK) {
        fprintf(stderr, "observe: %s\n", lq_last_error());
        return 1;
      }
    }
    if (lq_observer_merge(w0, w1) != LQ_OK) {
      fprintf(stderr, "merge: %s\n", lq_last_error());
      return 1;
    }
    float s;
    int32_t z, qmin, qmax;
    size_t n = 1;
    if (lq_observer_qparams(w0, &s, &z, &n) != LQ_OK) {
      fprintf(stderr, "qparams: %s\n", lq_last_error());
      return 1;
    }
    lq_observer_qlimits(w0, &qmin, &qmax);
    double e = 0;
    for (int b = 0; b < BATCHES; b++) e += mse(data[b], N, s, z, qmin, qmax) / BATCHES;
    printf("%-15s %12.6g %5d %12.4g\n", lq_observer_method_name(methods[m]), s, (int)z, e);
    lq_observer_destroy(w0);
    lq_observer_destroy(w1);
  }
  return 0;
}
