/* pq_search: train a product quantizer on synthetic correlated vectors,
 * encode a database, and answer a query by an exhaustive ADC scan.
 * Build: part of the examples (example target `pq_search`). */
#include <stdio.h>
#include <stdlib.h>

#include "libquant.h"

enum { N = 20000, D = 32, M = 8, NBITS = 8 };

int main(void) {
  float* x = (float*)malloc(sizeof(float) * N * D);
  if (!x) return 1;
  /* correlated data: a smooth random walk along the dimensions */
  for (size_t i = 0; i < N; i++) {
    float v = 0.0f;
    for (size_t j = 0; j < D; j++) {
      v = 0.9f * v + (lq_rng_uniform_f32(42, i * D + j) - 0.5f);
      x[i * D + j] = v;
    }
  }
  lq_vq_params p = {0}; /* zero fields: FAISS defaults for the k-means */
  p.kind = LQ_VQ_PQ;
  p.d = D;
  p.M = M;
  p.nbits = NBITS;
  lq_vq_codec* pq = NULL;
  lq_status s = lq_vq_codec_new(&p, &pq);
  if (s == LQ_OK) s = lq_vq_train(pq, N, x, NULL);
  uint8_t* codes = (uint8_t*)malloc(lq_vq_code_size(pq) * N);
  float* table = (float*)malloc(sizeof(float) * lq_vq_table_size(pq));
  float* dist = (float*)malloc(sizeof(float) * N);
  if (s == LQ_OK && codes && table && dist) s = lq_vq_encode(pq, N, x, codes);
  /* query: database vector 123; its own code should be (nearly) the closest */
  const float* q = x + 123 * D;
  if (s == LQ_OK) s = lq_vq_compute_distance_table(pq, q, table);
  if (s == LQ_OK) s = lq_vq_adc_scan(pq, table, N, codes, dist);
  if (s != LQ_OK) {
    fprintf(stderr, "pq_search: %s: %s\n", lq_status_string(s), lq_last_error());
    return 1;
  }
  size_t best = 0;
  for (size_t i = 1; i < N; i++)
    if (dist[i] < dist[best]) best = i;
  printf("PQ %dx%d: %zu bytes/vector; nearest to vector 123 is %zu (ADC distance %.4f)\n", M, NBITS,
         lq_vq_code_size(pq), best, dist[best]);
  lq_vq_codec_free(pq);
  free(x);
  free(codes);
  free(table);
  free(dist);
  return 0;
}
