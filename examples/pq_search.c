/* pq_search: train a product quantizer on synthetic correlated vectors,
 * encode a database, and answer queries by an exhaustive top-k ADC search
 * (lq_vq_search: the n distances are never stored), checked against a full
 * ADC scan (lq_vq_adc_scan) for the first query.
 * Build: part of the examples (example target `pq_search`). */
#include <stdio.h>
#include <stdlib.h>

#include "libquant.h"

enum { N = 20000, D = 32, M = 8, NBITS = 8, NQ = 3, K = 5 };

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
  /* queries: database vectors 123, 4567, 9999; each one's own code should
   * be among its nearest */
  float queries[NQ * D];
  const size_t qid[NQ] = {123, 4567, 9999};
  for (size_t q = 0; q < NQ; q++)
    for (size_t j = 0; j < D; j++) queries[q * D + j] = x[qid[q] * D + j];
  float topd[NQ * K];
  int64_t topl[NQ * K];
  if (s == LQ_OK) s = lq_vq_search(pq, NQ, queries, N, codes, K, topd, topl);
  /* the same answer from a full scan: distances bit-identical, order by
   * (distance, index) */
  if (s == LQ_OK) s = lq_vq_compute_distance_table(pq, queries, table);
  if (s == LQ_OK) s = lq_vq_adc_scan(pq, table, N, codes, dist);
  if (s != LQ_OK) {
    fprintf(stderr, "pq_search: %s: %s\n", lq_status_string(s), lq_last_error());
    return 1;
  }
  size_t best = 0;
  for (size_t i = 1; i < N; i++)
    if (dist[i] < dist[best]) best = i;
  printf("PQ %dx%d: %zu bytes/vector\n", M, NBITS, lq_vq_code_size(pq));
  for (size_t q = 0; q < NQ; q++) {
    printf("query %zu (vector %zu):", q, qid[q]);
    for (size_t j = 0; j < K; j++) printf(" %lld (%.4f)", (long long)topl[q * K + j], topd[q * K + j]);
    printf("\n");
  }
  int agree = (size_t)topl[0] == best && topd[0] == dist[best];
  printf("full scan agrees: %s\n", agree ? "yes" : "NO");
  lq_vq_codec_free(pq);
  free(x);
  free(codes);
  free(table);
  free(dist);
  return agree ? 0 : 1;
}
