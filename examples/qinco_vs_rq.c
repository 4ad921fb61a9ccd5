/* qinco_vs_rq: trains RQ (greedy and beam 5) and QINCo at the same code size
 * on correlated synthetic data and prints the held-out MSE of each.
 * Usage: qinco_vs_rq [d M nbits epochs n_train h]  (defaults 16 4 6 10 20000 32)
 * Build: part of the examples (target `qinco_vs_rq`). */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "libquant.h"

/* a noisy 2-D manifold through d dimensions (sines of two latent angles) */
static void manifold(size_t n, size_t d, uint64_t seed, float* x) {
  for (size_t i = 0; i < n; i++) {
    float a = 6.2831853f * lq_rng_uniform_f32(seed, 4 * i), b = 6.2831853f * lq_rng_uniform_f32(seed, 4 * i + 1);
    for (size_t j = 0; j < d; j++) {
      float w1 = (float)((j % 3) + 1), w2 = (float)((j * 7) % 4) - 1.5f, ph = 0.7f * (float)j;
      x[i * d + j] = sinf(w1 * a + w2 * b + ph) + 0.05f * (lq_rng_uniform_f32(seed + 9, i * d + j) - 0.5f);
    }
  }
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double mse(size_t n, size_t d, const float* x, const float* y) {
  double s = 0;
  for (size_t i = 0; i < n * d; i++) s += ((double)x[i] - y[i]) * ((double)x[i] - y[i]);
  return s / (double)n;
}

int main(int argc, char** argv) {
  size_t d = argc > 1 ? (size_t)atoi(argv[1]) : 16, M = argc > 2 ? (size_t)atoi(argv[2]) : 4;
  int nbits = argc > 3 ? atoi(argv[3]) : 6, epochs = argc > 4 ? atoi(argv[4]) : 10;
  size_t ntr = argc > 5 ? (size_t)atoi(argv[5]) : 20000, nte = 5000;
  int h = argc > 6 ? atoi(argv[6]) : 32;
  float* xtr = (float*)malloc(sizeof(float) * ntr * d);
  float* xte = (float*)malloc(sizeof(float) * nte * d);
  float* y = (float*)malloc(sizeof(float) * nte * d);
  uint8_t* codes = (uint8_t*)malloc(nte * 16);
  if (!xtr || !xte || !y || !codes) return 1;
  manifold(ntr, d, 1, xtr);
  manifold(nte, d, 2, xte);
  printf("d=%zu M=%zu nbits=%d (%zu bits/vector), %zu train / %zu test rows\n", d, M, nbits, M * (size_t)nbits, ntr, nte);
  int beams[2] = {1, 5};
  for (int b = 0; b < 2; b++) {
    lq_vq_rq_params p = {0};
    p.d = d;
    p.M = M;
    p.nbits = nbits;
    p.max_beam_size = beams[b];
    lq_vq_codec* rq = NULL;
    double t0 = now();
    if (lq_vq_rq_new(&p, &rq) != LQ_OK || lq_vq_train(rq, ntr, xtr, NULL) != LQ_OK ||
        lq_vq_encode(rq, nte, xte, codes) != LQ_OK || lq_vq_decode(rq, nte, codes, y) != LQ_OK) {
      fprintf(stderr, "RQ: %s\n", lq_last_error());
      return 1;
    }
    printf("RQ beam %d     test MSE %.5f  (%.1f s)\n", beams[b], mse(nte, d, xte, y), now() - t0);
    lq_vq_codec_free(rq);
  }
  lq_qinco_params qp = {0};
  qp.d = d;
  qp.M = M;
  qp.nbits = nbits;
  qp.epochs = epochs;
  qp.h = h;
  lq_qinco* q = NULL;
  double* ep = (double*)malloc(sizeof(double) * (size_t)(epochs > 0 ? epochs : 1));
  double t0 = now();
  if (lq_qinco_new(&qp, &q) != LQ_OK || lq_qinco_train(q, ntr, xtr, ep) != LQ_OK ||
      lq_qinco_encode(q, nte, xte, codes) != LQ_OK || lq_qinco_decode(q, nte, codes, y) != LQ_OK) {
    fprintf(stderr, "QINCo: %s\n", lq_last_error());
    return 1;
  }
  double t1 = now();
  for (int e = 0; e < epochs; e++) printf("  QINCo epoch %2d  train MSE %.5f\n", e, ep[e]);
  printf("QINCo (h=%d)  test MSE %.5f  (%.1f s, %zu parameters)\n", h, mse(nte, d, xte, y), t1 - t0,
         lq_qinco_num_params(q));
  lq_qinco_free(q);
  free(ep);
  free(xtr);
  free(xte);
  free(y);
  free(codes);
  return 0;
}
