/* vq_timing: times libquant's k-means and PQ on a raw float32 file, for
 * bench/compare/vq_vs_faiss.py. Usage:
 *   vq_timing kmeans FILE n d k niter nthreads
 *   vq_timing pq|opq FILE n d M nbits nthreads nq
 *   vq_timing search FILE n d M nbits nthreads nq [k [CENTROIDS]]   (search only; the codebook
 *       from a raw float32 file in FAISS's (M, 2^nbits, d/M) layout, else rows 0..2^nbits-1)
 *   vq_timing rq FILE n d M nbits nthreads beam [refine_iters]
 *   vq_timing lsq FILE n d M nbits nthreads [train_iters]
 *   vq_timing prq FILE n d nsplits M nbits nthreads beam
 *   vq_timing plsq FILE n d nsplits M nbits nthreads [train_iters]
 * Prints "key value" lines (seconds, objective, MSE, ns per code). pq/opq time
 * the scan (adc_ns_per_code: tables + lq_vq_adc_scan_many, every distance
 * written) and the top-k search (search_ns_per_code k = 1,
 * search10_ns_per_code k = 10: lq_vq_search, tables included), each per code
 * and query, fastest of 5. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libquant.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static float* read_f32(const char* path, size_t count) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  float* x = (float*)malloc(count * sizeof(float));
  if (x && fread(x, sizeof(float), count, f) != count) {
    free(x);
    x = NULL;
  }
  fclose(f);
  return x;
}

static int die(const char* what) {
  fprintf(stderr, "vq_timing: %s: %s\n", what, lq_last_error());
  return 1;
}

/* Trains, encodes and decodes the n rows with c; prints times and MSE. */
static int time_codec(lq_vq_codec* c, size_t n, size_t d, const float* x) {
  double t0 = now();
  if (lq_vq_train(c, n, x, NULL) != LQ_OK) return die("train");
  double t1 = now();
  uint8_t* codes = (uint8_t*)malloc(n * lq_vq_code_size(c));
  if (lq_vq_encode(c, n, x, codes) != LQ_OK) return die("encode");
  double t2 = now();
  float* y = (float*)malloc(n * d * sizeof(float));
  if (lq_vq_decode(c, n, codes, y) != LQ_OK) return die("decode");
  double mse = 0;
  for (size_t i = 0; i < n * d; i++) mse += ((double)x[i] - y[i]) * ((double)x[i] - y[i]);
  printf("train_s %.4f\nencode_s %.4f\nencode_vps %.0f\nmse %.6g\n", t1 - t0, t2 - t1, (double)n / (t2 - t1),
         mse / (double)n);
  free(codes);
  free(y);
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 8) {
    fprintf(stderr, "usage: vq_timing kmeans FILE n d k niter nthreads | pq FILE n d M nbits nthreads nq\n");
    return 2;
  }
  size_t n = strtoull(argv[3], NULL, 10), d = strtoull(argv[4], NULL, 10);
  float* x = read_f32(argv[2], n * d);
  if (!x) {
    fprintf(stderr, "vq_timing: cannot read %zu x %zu floats from %s\n", n, d, argv[2]);
    return 2;
  }
  if (strcmp(argv[1], "kmeans") == 0) {
    size_t k = strtoull(argv[5], NULL, 10);
    lq_kmeans_config cfg = {0};
    cfg.niter = atoi(argv[6]);
    cfg.nthreads = atoi(argv[7]);
    float* c = (float*)malloc(k * d * sizeof(float));
    lq_kmeans_stats st;
    double t0 = now();
    if (lq_kmeans_train(&cfg, n, d, x, k, c, NULL, &st) != LQ_OK) return die("kmeans");
    printf("train_s %.4f\nobjective %.6g\nn_train %zu\n", now() - t0, st.objective, st.n_train);
    free(c);
  } else if ((strcmp(argv[1], "pq") == 0 || strcmp(argv[1], "opq") == 0) && argc >= 9) {
    lq_vq_params p = {0};
    p.kind = strcmp(argv[1], "opq") == 0 ? LQ_VQ_OPQ : LQ_VQ_PQ;
    p.d = d;
    p.M = strtoull(argv[5], NULL, 10);
    p.nbits = atoi(argv[6]);
    p.nthreads = atoi(argv[7]);
    size_t nq = strtoull(argv[8], NULL, 10);
    lq_vq_codec* c;
    if (lq_vq_codec_new(&p, &c) != LQ_OK) return die("codec");
    double t0 = now();
    if (lq_vq_train(c, n, x, NULL) != LQ_OK) return die("train");
    double t1 = now();
    size_t cs = lq_vq_code_size(c);
    uint8_t* codes = (uint8_t*)malloc(n * cs);
    if (lq_vq_encode(c, n, x, codes) != LQ_OK) return die("encode");
    double t2 = now();
    float* y = (float*)malloc(n * d * sizeof(float));
    lq_vq_decode(c, n, codes, y);
    double mse = 0;
    for (size_t i = 0; i < n * d; i++) mse += ((double)x[i] - y[i]) * ((double)x[i] - y[i]);
    float* table = (float*)malloc(nq * lq_vq_table_size(c) * sizeof(float));
    float* dist = (float*)malloc(nq * n * sizeof(float));
    float sink = 0;
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) { /* the machine is shared: keep the fastest of 5 */
      double t3 = now();
      for (size_t q = 0; q < nq; q++) lq_vq_compute_distance_table(c, x + q * d, table + q * lq_vq_table_size(c));
      if (lq_vq_adc_scan_many(c, nq, table, n, codes, dist) != LQ_OK) return die("scan");
      for (size_t q = 0; q < nq; q++) sink += dist[q * n + q];
      double t4 = now();
      if (t4 - t3 < best) best = t4 - t3;
    }
    /* top-k search (tables computed inside, as FAISS's index.search does),
     * k = 1 and k = 10, fastest of 5 each */
    double best_search[2] = {1e30, 1e30};
    const size_t ks[2] = {1, 10};
    float* sd = (float*)malloc(nq * 10 * sizeof(float));
    int64_t* sl = (int64_t*)malloc(nq * 10 * sizeof(int64_t));
    for (int ki = 0; ki < 2; ki++)
      for (int rep = 0; rep < 5; rep++) {
        double t3 = now();
        if (lq_vq_search(c, nq, x, n, codes, ks[ki], sd, sl) != LQ_OK) return die("search");
        double t4 = now();
        sink += sd[0];
        if (t4 - t3 < best_search[ki]) best_search[ki] = t4 - t3;
      }
    double per = 1e9 / ((double)n * (double)nq);
    printf("train_s %.4f\nencode_s %.4f\nencode_vps %.0f\nmse %.6g\nadc_ns_per_code %.4f\n"
           "search_ns_per_code %.4f\nsearch10_ns_per_code %.4f\nsink %g\n",
           t1 - t0, t2 - t1, (double)n / (t2 - t1), mse / (double)n, best * per, best_search[0] * per,
           best_search[1] * per, sink);
    free(sd);
    free(sl);
    lq_vq_codec_free(c);
    free(codes);
    free(y);
    free(table);
    free(dist);
  } else if (strcmp(argv[1], "search") == 0 && argc >= 9) {
    /* search timing without training: the given codebook, or as centroids of
     * sub-space m the sub-vectors of rows 0..2^nbits-1 (a crude codebook; the
     * timing depends on it only through how often a code beats the k-th best) */
    lq_vq_params p = {0};
    p.kind = LQ_VQ_PQ;
    p.d = d;
    p.M = strtoull(argv[5], NULL, 10);
    p.nbits = atoi(argv[6]);
    p.nthreads = atoi(argv[7]);
    size_t nq = strtoull(argv[8], NULL, 10), K = (size_t)1 << p.nbits, ds = d / p.M;
    size_t k = argc >= 10 ? strtoull(argv[9], NULL, 10) : 1;
    lq_vq_codec* c;
    if (K > n || lq_vq_codec_new(&p, &c) != LQ_OK) return die("codec");
    float* cent = argc >= 11 ? read_f32(argv[10], d * K) : (float*)malloc(d * K * sizeof(float));
    if (cent == NULL) return die("centroid file");
    if (argc < 11) /* no codebook given */
      for (size_t m = 0; m < p.M; m++)
        for (size_t j = 0; j < K; j++) memcpy(cent + (m * K + j) * ds, x + j * d + m * ds, ds * sizeof(float));
    if (lq_vq_set_centroids(c, cent, d * K) != LQ_OK) return die("centroids");
    uint8_t* codes = (uint8_t*)malloc(n * lq_vq_code_size(c));
    if (lq_vq_encode(c, n, x, codes) != LQ_OK) return die("encode");
    float* sd = (float*)malloc(nq * k * sizeof(float));
    int64_t* sl = (int64_t*)malloc(nq * k * sizeof(int64_t));
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
      double t3 = now();
      if (lq_vq_search(c, nq, x, n, codes, k, sd, sl) != LQ_OK) return die("search");
      double t4 = now();
      if (t4 - t3 < best) best = t4 - t3;
    }
    printf("search_ns_per_code %.4f\nlabel0 %lld\n", best * 1e9 / ((double)n * (double)nq), (long long)sl[0]);
    lq_vq_codec_free(c);
    free(cent);
    free(codes);
    free(sd);
    free(sl);
  } else if ((strcmp(argv[1], "rq") == 0 && argc >= 9) || strcmp(argv[1], "lsq") == 0) {
    size_t M = strtoull(argv[5], NULL, 10);
    int nbits = atoi(argv[6]), nt = atoi(argv[7]);
    lq_vq_codec* c;
    lq_status s;
    if (strcmp(argv[1], "rq") == 0) {
      lq_vq_rq_params r;
      memset(&r, 0, sizeof r);
      r.d = d;
      r.M = M;
      r.nbits = nbits;
      r.nthreads = nt;
      r.max_beam_size = atoi(argv[8]);
      r.refine_iters = argc >= 10 ? atoi(argv[9]) : 0;
      s = lq_vq_rq_new(&r, &c);
    } else {
      lq_vq_lsq_params l;
      memset(&l, 0, sizeof l);
      l.d = d;
      l.M = M;
      l.nbits = nbits;
      l.nthreads = nt;
      l.train_iters = argc >= 9 ? atoi(argv[8]) : 0;
      s = lq_vq_lsq_new(&l, &c);
    }
    if (s != LQ_OK) return die("codec");
    double t0 = now();
    if (lq_vq_train(c, n, x, NULL) != LQ_OK) return die("train");
    double t1 = now();
    size_t cs = lq_vq_code_size(c);
    uint8_t* codes = (uint8_t*)malloc(n * cs);
    if (lq_vq_encode(c, n, x, codes) != LQ_OK) return die("encode");
    double t2 = now();
    float* y = (float*)malloc(n * d * sizeof(float));
    lq_vq_decode(c, n, codes, y);
    double mse = 0;
    for (size_t i = 0; i < n * d; i++) mse += ((double)x[i] - y[i]) * ((double)x[i] - y[i]);
    printf("train_s %.4f\nencode_s %.4f\nencode_vps %.0f\nmse %.6g\n", t1 - t0, t2 - t1, (double)n / (t2 - t1),
           mse / (double)n);
    lq_vq_codec_free(c);
    free(codes);
    free(y);
  } else if ((strcmp(argv[1], "prq") == 0 && argc >= 10) || (strcmp(argv[1], "plsq") == 0 && argc >= 9)) {
    size_t ns = strtoull(argv[5], NULL, 10), M = strtoull(argv[6], NULL, 10);
    int nbits = atoi(argv[7]), nt = atoi(argv[8]);
    lq_vq_codec* c;
    lq_status s;
    if (strcmp(argv[1], "prq") == 0) {
      lq_vq_prq_params r;
      memset(&r, 0, sizeof r);
      r.d = d;
      r.nsplits = ns;
      r.rq.M = M;
      r.rq.nbits = nbits;
      r.rq.nthreads = nt;
      r.rq.max_beam_size = atoi(argv[9]);
      s = lq_vq_prq_new(&r, &c);
    } else {
      lq_vq_plsq_params l;
      memset(&l, 0, sizeof l);
      l.d = d;
      l.nsplits = ns;
      l.lsq.M = M;
      l.lsq.nbits = nbits;
      l.lsq.nthreads = nt;
      l.lsq.train_iters = argc >= 10 ? atoi(argv[9]) : 0;
      s = lq_vq_plsq_new(&l, &c);
    }
    if (s != LQ_OK) return die("codec");
    int rc = time_codec(c, n, d, x);
    lq_vq_codec_free(c);
    if (rc) return rc;
  } else {
    fprintf(stderr, "vq_timing: unknown mode %s\n", argv[1]);
    return 2;
  }
  free(x);
  return 0;
}
