/* Public-API tests of the vq module against FAISS 1.7.3 golden vectors
 * (tests/vectors/gen_vq.py): k-means init parity, objectives, empty-cluster
 * splits, PQ code bytes, decode, ADC tables, training MSE, serialisation,
 * thread-count independence and every bad input. */
#include <unistd.h>

#include "vq_test_util.h"

#include "vectors/vq_golden.h"
#include "vq/vq_linalg.h"

static void* load_raw(const char* name, size_t expect_bytes) {
  size_t bytes;
  void* p = lq_test_read_vector(name, &bytes);
  if (bytes != expect_bytes) fail_msg("%s: %zu bytes, expected %zu", name, bytes, expect_bytes);
  return p;
}

/* ---------------------------------------------------------------- k-means -- */

static void test_km_init_parity(void** state) {
  (void)state;
  float* x = lq_test_load_f32("vq_km_data.bin", VQ_KM_N * VQ_KM_D);
  float* want = lq_test_load_f32("vq_km_init_k32_mpp64.bin", 32 * VQ_KM_D);
  float got[32 * VQ_KM_D];
  lq_kmeans_config cfg = {0};
  cfg.niter = -1; /* initialisation only, as FAISS niter=0 */
  cfg.max_points_per_centroid = 64;
  lq_kmeans_stats st;
  assert_int_equal(lq_kmeans_train(&cfg, VQ_KM_N, VQ_KM_D, x, 32, got, NULL, &st), LQ_OK);
  assert_int_equal(st.n_train, 32 * 64);
  LQ_ASSERT_BITS_EQUAL(got, want, sizeof got, "init k=32 subsampled");
  free(want);
  want = lq_test_load_f32("vq_km_init_k20_seed7.bin", 20 * VQ_KM_D);
  memset(&cfg, 0, sizeof cfg);
  cfg.niter = -1;
  cfg.seed = 7;
  assert_int_equal(lq_kmeans_train(&cfg, VQ_KM_N, VQ_KM_D, x, 20, got, NULL, &st), LQ_OK);
  assert_int_equal(st.n_train, VQ_KM_N);
  LQ_ASSERT_BITS_EQUAL(got, want, 20 * VQ_KM_D * 4, "init k=20 seed 7");
  free(want);
  free(x);
}

static void test_km_objective_vs_faiss(void** state) {
  (void)state;
  float* x = lq_test_load_f32("vq_km_data.bin", VQ_KM_N * VQ_KM_D);
  double* fobj = (double*)load_raw("vq_km_obj_k32.bin", VQ_KM_OBJ_NITER * 8);
  float cent[32 * VQ_KM_D];
  double obj[VQ_KM_OBJ_NITER];
  lq_kmeans_stats st;
  assert_int_equal(lq_kmeans_train(NULL, VQ_KM_N, VQ_KM_D, x, 32, cent, obj, &st), LQ_OK);
  assert_int_equal(st.niter, 25);
  /* Same initial centroids: the first assignment differs only by rounding. */
  assert_true(fabs(obj[0] - fobj[0]) <= 1e-5 * fobj[0]);
  for (int t = 0; t < VQ_KM_OBJ_NITER; t++) {
    if (fabs(obj[t] - fobj[t]) > 0.01 * fobj[t]) fail_msg("iteration %d: %g vs FAISS %g", t, obj[t], fobj[t]);
    if (t > 0 && obj[t] > obj[t - 1] * (1 + 1e-6)) fail_msg("objective rose at %d: %g > %g", t, obj[t], obj[t - 1]);
  }
  assert_true(st.objective == obj[VQ_KM_OBJ_NITER - 1]);
  /* the objective of the returned centroids is what the last iteration saw or better */
  float dist[VQ_KM_N];
  assert_int_equal(lq_kmeans_assign(VQ_KM_N, VQ_KM_D, x, 32, cent, 0, NULL, dist), LQ_OK);
  double s = 0;
  for (int i = 0; i < VQ_KM_N; i++) s += dist[i];
  assert_true(s <= obj[VQ_KM_OBJ_NITER - 1] * (1 + 1e-5));
  free(fobj);
  free(x);
}

static void test_km_split_parity(void** state) {
  (void)state;
  float* x = lq_test_load_f32("vq_km_dup_data.bin", VQ_KM_DUP_N * 4);
  float* want = lq_test_load_f32("vq_km_dup_cent.bin", 16 * 4);
  int32_t* nsplit = (int32_t*)load_raw("vq_km_dup_nsplit.bin", 4 * 4);
  double* fobj = (double*)load_raw("vq_km_dup_obj.bin", 4 * 8);
  float cent[16 * 4];
  double obj[4];
  lq_kmeans_config cfg = {0};
  cfg.niter = 4;
  lq_kmeans_stats st;
  assert_int_equal(lq_kmeans_train(&cfg, VQ_KM_DUP_N, 4, x, 16, cent, obj, &st), LQ_OK);
  long total = 0;
  for (int t = 0; t < 4; t++) total += nsplit[t];
  assert_true(total > 0); /* the data really exercises splitting */
  assert_int_equal(st.nsplit, total);
  /* Iterations 0-1 see integer data and integer centroids: exact. Later ones
   * see centroids split by (1 +- 1/1024), whose tiny distances come from
   * |x|^2 + |c|^2 - 2x.c with |x|^2 up to ~1600: the cancellation error
   * bound per row is ~4 * 2^-24 * max|x|^2, for both FAISS and us. */
  double maxn = 0;
  for (int i = 0; i < VQ_KM_DUP_N; i++) {
    double s = 0;
    for (int t = 0; t < 4; t++) s += (double)x[i * 4 + t] * x[i * 4 + t];
    if (s > maxn) maxn = s;
  }
  for (int t = 0; t < 4; t++) {
    double tol = t < 2 ? 1e-6 * fobj[t] : VQ_KM_DUP_N * 4 * maxn / 16777216.0;
    if (fabs(obj[t] - fobj[t]) > tol) fail_msg("iteration %d: %g vs FAISS %g", t, obj[t], fobj[t]);
  }
  for (int i = 0; i < 64; i++)
    if (fabsf(cent[i] - want[i]) > 1e-4f * (1 + fabsf(want[i]))) fail_msg("centroid %d: %g vs %g", i, cent[i], want[i]);
  free(x);
  free(want);
  free(nsplit);
  free(fobj);
}

static void test_km_threads_independent(void** state) {
  (void)state;
  float* x = lq_test_load_f32("vq_km_data.bin", VQ_KM_N * VQ_KM_D);
  float c1[32 * VQ_KM_D], c2[32 * VQ_KM_D];
  double o1[10], o2[10];
  for (int init = 0; init < 2; init++) {
    lq_kmeans_config cfg = {0};
    cfg.niter = 10;
    cfg.init = (lq_kmeans_init)init;
    cfg.nthreads = 1;
    assert_int_equal(lq_kmeans_train(&cfg, VQ_KM_N, VQ_KM_D, x, 32, c1, o1, NULL), LQ_OK);
    for (int nt = 2; nt <= 5; nt += 3) {
      cfg.nthreads = nt;
      assert_int_equal(lq_kmeans_train(&cfg, VQ_KM_N, VQ_KM_D, x, 32, c2, o2, NULL), LQ_OK);
      LQ_ASSERT_BITS_EQUAL(c1, c2, sizeof c1, "centroids vs thread count");
      LQ_ASSERT_BITS_EQUAL(o1, o2, sizeof o1, "objectives vs thread count");
    }
  }
  free(x);
}

static void test_km_options(void** state) {
  (void)state;
  float* x = lq_test_load_f32("vq_km_data.bin", VQ_KM_N * VQ_KM_D);
  double* fobj = (double*)load_raw("vq_km_obj_k32.bin", VQ_KM_OBJ_NITER * 8);
  float cent[32 * VQ_KM_D];
  double obj[25], objr[25];
  lq_kmeans_config cfg = {0};
  assert_int_equal(lq_kmeans_train(&cfg, VQ_KM_N, VQ_KM_D, x, 32, cent, objr, NULL), LQ_OK);
  /* k-means++ reaches FAISS's final objective within 1% on correlated data */
  cfg.init = LQ_KMEANS_INIT_KMEANSPP;
  assert_int_equal(lq_kmeans_train(&cfg, VQ_KM_N, VQ_KM_D, x, 32, cent, obj, NULL), LQ_OK);
  assert_true(obj[24] <= 1.01 * fobj[24]);
  /* ... and on 16 tight, very unequal clusters (half the points in one) it
   * starts far better than random points, which mostly land in the big one */
  enum { CN = 2000, CD = 8, CK = 16 };
  float* cx = (float*)malloc(CN * CD * 4);
  for (int i = 0; i < CN; i++) {
    int cl = i < CN / 2 ? 0 : 1 + i % (CK - 1);
    for (int t = 0; t < CD; t++)
      cx[i * CD + t] = lq_test_uniform(99, (uint64_t)(cl * CD + t), -10, 10) + lq_test_uniform(5, (uint64_t)(i * CD + t), -0.1f, 0.1f);
  }
  float ccent[CK * CD];
  double pp[3], rnd[3];
  memset(&cfg, 0, sizeof cfg);
  cfg.niter = 3;
  assert_int_equal(lq_kmeans_train(&cfg, CN, CD, cx, CK, ccent, rnd, NULL), LQ_OK);
  cfg.init = LQ_KMEANS_INIT_KMEANSPP;
  assert_int_equal(lq_kmeans_train(&cfg, CN, CD, cx, CK, ccent, pp, NULL), LQ_OK);
  if (!(pp[0] < 0.25 * rnd[0])) fail_msg("k-means++ start %g vs random %g", pp[0], rnd[0]);
  free(cx);
  /* nredo keeps the best restart */
  memset(&cfg, 0, sizeof cfg);
  cfg.nredo = 3;
  lq_kmeans_stats st;
  assert_int_equal(lq_kmeans_train(&cfg, VQ_KM_N, VQ_KM_D, x, 32, cent, obj, &st), LQ_OK);
  assert_true(st.objective <= objr[24]);
  assert_true(st.best_redo >= 0 && st.best_redo < 3);
  assert_true(st.objective == obj[24]);
  /* spherical: unit-norm centroids */
  memset(&cfg, 0, sizeof cfg);
  cfg.spherical = 1;
  cfg.niter = 5;
  assert_int_equal(lq_kmeans_train(&cfg, VQ_KM_N, VQ_KM_D, x, 32, cent, NULL, NULL), LQ_OK);
  for (int j = 0; j < 32; j++) {
    double s = 0;
    for (int t = 0; t < VQ_KM_D; t++) s += (double)cent[j * VQ_KM_D + t] * cent[j * VQ_KM_D + t];
    assert_true(fabs(s - 1.0) < 1e-5);
  }
  /* n == k copies the data */
  assert_int_equal(lq_kmeans_train(NULL, 8, VQ_KM_D, x, 8, cent, NULL, NULL), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(cent, x, 8 * VQ_KM_D * 4, "n == k");
  free(fobj);
  free(x);
}

static void test_km_assign_bruteforce(void** state) {
  (void)state;
  float* x = lq_test_load_f32("vq_km_data.bin", VQ_KM_N * VQ_KM_D);
  const float* c = x + 100 * VQ_KM_D; /* 50 data rows as centroids */
  int32_t a[VQ_KM_N];
  float dis[VQ_KM_N];
  assert_int_equal(lq_kmeans_assign(VQ_KM_N, VQ_KM_D, x, 50, c, 2, a, dis), LQ_OK);
  int checked = 0;
  for (int i = 0; i < VQ_KM_N; i++) {
    double best = INFINITY, second = INFINITY;
    int bi = -1;
    for (int j = 0; j < 50; j++) {
      double s = 0;
      for (int t = 0; t < VQ_KM_D; t++) {
        double df = (double)x[i * VQ_KM_D + t] - c[j * VQ_KM_D + t];
        s += df * df;
      }
      if (s < best) { second = best; best = s; bi = j; } else if (s < second) second = s;
    }
    if (second - best < 1e-3 * (second + 1e-3)) continue; /* near-tie: rounding may flip it */
    checked++;
    if (a[i] != bi) fail_msg("row %d: %d vs brute force %d", i, a[i], bi);
    assert_true(fabs(dis[i] - best) <= 1e-4 * (best + 1));
  }
  assert_true(checked > VQ_KM_N * 9 / 10);
  free(x);
}

static void test_km_bad_input(void** state) {
  (void)state;
  float x[40 * 4], c[4 * 4];
  for (int i = 0; i < 160; i++) x[i] = (float)(i % 7) * 0.5f - (float)(i % 3);
  lq_kmeans_config cfg = {0};
  lq_test_expect_error(lq_kmeans_train(&cfg, 40, 4, NULL, 4, c, NULL, NULL), LQ_ERR_INVALID_ARG, "x is NULL");
  lq_test_expect_error(lq_kmeans_train(&cfg, 40, 4, x, 4, NULL, NULL, NULL), LQ_ERR_INVALID_ARG, "NULL");
  lq_test_expect_error(lq_kmeans_train(&cfg, 0, 4, x, 4, c, NULL, NULL), LQ_ERR_INVALID_ARG, "empty");
  lq_test_expect_error(lq_kmeans_train(&cfg, 40, 0, x, 4, c, NULL, NULL), LQ_ERR_INVALID_ARG, "d is 0");
  lq_test_expect_error(lq_kmeans_train(&cfg, 40, 4, x, 0, c, NULL, NULL), LQ_ERR_INVALID_ARG, "k is 0");
  lq_test_expect_error(lq_kmeans_train(&cfg, 3, 4, x, 4, c, NULL, NULL), LQ_ERR_INVALID_ARG, "larger than the number");
  lq_test_expect_error(lq_kmeans_train(&cfg, (size_t)INT32_MAX + 1, 4, x, 4, c, NULL, NULL), LQ_ERR_INVALID_ARG,
               "INT32_MAX");
  cfg.init = (lq_kmeans_init)7;
  lq_test_expect_error(lq_kmeans_train(&cfg, 40, 4, x, 4, c, NULL, NULL), LQ_ERR_INVALID_ARG, "init");
  cfg.init = LQ_KMEANS_INIT_RANDOM;
  cfg.nredo = -2;
  lq_test_expect_error(lq_kmeans_train(&cfg, 40, 4, x, 4, c, NULL, NULL), LQ_ERR_INVALID_ARG, "nredo");
  cfg.nredo = 0;
  x[37] = NAN;
  lq_test_expect_error(lq_kmeans_train(&cfg, 40, 4, x, 4, c, NULL, NULL), LQ_ERR_NUMERIC, "NaN");
  x[37] = INFINITY;
  lq_test_expect_error(lq_kmeans_train(&cfg, 40, 4, x, 4, c, NULL, NULL), LQ_ERR_NUMERIC, "Inf");
  lq_test_expect_error(lq_kmeans_assign(40, 4, x, 2, c, 1, NULL, NULL), LQ_ERR_NUMERIC, "NaN or Inf");
  for (int i = 0; i < 160; i++) x[i] = 2.5f;
  lq_test_expect_error(lq_kmeans_train(&cfg, 40, 4, x, 4, c, NULL, NULL), LQ_ERR_NUMERIC, "zero-variance");
  /* one centroid of constant data is fine: it is the point */
  assert_int_equal(lq_kmeans_train(&cfg, 40, 4, x, 1, c, NULL, NULL), LQ_OK);
  assert_true(c[0] == 2.5f && c[3] == 2.5f);
  lq_test_expect_error(lq_kmeans_assign(0, 4, x, 2, c, 1, NULL, NULL), LQ_ERR_INVALID_ARG, "empty");
  lq_test_expect_error(lq_kmeans_assign(4, 4, x, 2, NULL, 1, NULL, NULL), LQ_ERR_INVALID_ARG, "NULL");
}

/* -------------------------------------------------------------------- PQ -- */

static lq_vq_codec* make_pq(size_t d, size_t M, int nbits, int nthreads) {
  lq_vq_params p = {0};
  p.kind = LQ_VQ_PQ;
  p.d = d;
  p.M = M;
  p.nbits = nbits;
  p.nthreads = nthreads;
  lq_vq_codec* c = NULL;
  assert_int_equal(lq_vq_codec_new(&p, &c), LQ_OK);
  return c;
}

typedef struct { const char* tag; size_t d, M; int nbits; size_t nq, code_size; } pq_case;

static void test_pq_codes_match_faiss(void** state) {
  (void)state;
  const pq_case cases[] = {
      {"m4b6", 16, 4, 6, VQ_PQ_M4B6_NQ, VQ_PQ_M4B6_CODE_SIZE},
      {"m8b8", 32, 8, 8, VQ_PQ_M8B8_NQ, VQ_PQ_M8B8_CODE_SIZE},
      {"m3b1", 6, 3, 1, VQ_PQ_M3B1_NQ, VQ_PQ_M3B1_CODE_SIZE},
      {"m5b3", 10, 5, 3, VQ_PQ_M5B3_NQ, VQ_PQ_M5B3_CODE_SIZE},
      {"m3b11", 6, 3, 11, VQ_PQ_M3B11_NQ, VQ_PQ_M3B11_CODE_SIZE},
      {"m2b16", 2, 2, 16, VQ_PQ_M2B16_NQ, VQ_PQ_M2B16_CODE_SIZE},
      {"m4b12", 8, 4, 12, VQ_PQ_M4B12_NQ, VQ_PQ_M4B12_CODE_SIZE},
  };
  char name[128];
  for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
    const pq_case* k = &cases[ci];
    size_t ksub = (size_t)1 << k->nbits, ncent = k->d * ksub;
    lq_vq_codec* c = make_pq(k->d, k->M, k->nbits, 2);
    assert_int_equal(lq_vq_code_size(c), k->code_size);
    snprintf(name, sizeof name, "vq_pq_%s_cent.bin", k->tag);
    float* cent = lq_test_load_f32(name, ncent);
    snprintf(name, sizeof name, "vq_pq_%s_x.bin", k->tag);
    float* x = lq_test_load_f32(name, k->nq * k->d);
    snprintf(name, sizeof name, "vq_pq_%s_codes.bin", k->tag);
    uint8_t* want = (uint8_t*)load_raw(name, k->nq * k->code_size);
    snprintf(name, sizeof name, "vq_pq_%s_dec.bin", k->tag);
    float* dec_want = lq_test_load_f32(name, k->nq * k->d);
    snprintf(name, sizeof name, "vq_pq_%s_table0.bin", k->tag);
    float* tab_want = lq_test_load_f32(name, k->M * ksub);
    assert_int_equal(lq_vq_set_centroids(c, cent, ncent), LQ_OK);
    uint8_t* codes = (uint8_t*)malloc(k->nq * k->code_size);
    float* dec = (float*)malloc(k->nq * k->d * 4);
    float* tab = (float*)malloc(k->M * ksub * 4);
    assert_int_equal(lq_vq_encode(c, k->nq, x, codes), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(codes, want, k->nq * k->code_size, k->tag);
    assert_int_equal(lq_vq_decode(c, k->nq, want, dec), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(dec, dec_want, k->nq * k->d * 4, k->tag);
    assert_int_equal(lq_vq_compute_distance_table(c, x, tab), LQ_OK);
    for (size_t j = 0; j < k->M * ksub; j++)
      if (fabsf(tab[j] - tab_want[j]) > 1e-5f * (tab_want[j] + 1e-3f))
        fail_msg("%s table[%zu]: %g vs FAISS %g", k->tag, j, tab[j], tab_want[j]);
    /* ADC of FAISS's codes = the sum of the table entries, and close to the
     * true distance to the decoded vector */
    float* dist = (float*)malloc(k->nq * 4);
    assert_int_equal(lq_vq_adc_scan(c, tab, k->nq, want, dist), LQ_OK);
    int32_t idx[8];
    for (size_t i = 0; i < k->nq; i++) {
      assert_int_equal(lq_vq_unpack_codes(c, 1, want + i * k->code_size, idx), LQ_OK);
      float s = tab[idx[0]];
      for (size_t m = 1; m < k->M; m++) s = s + tab[m * ksub + (size_t)idx[m]];
      assert_int_equal(lq_test_bits(s), lq_test_bits(dist[i]));
      double t = 0;
      for (size_t j = 0; j < k->d; j++) t += ((double)x[j] - dec_want[i * k->d + j]) * ((double)x[j] - dec_want[i * k->d + j]);
      assert_true(fabs(dist[i] - t) <= 1e-4 * (t + 1e-3));
    }
    uint8_t repacked[8];
    for (size_t i = 0; i < 5; i++) {
      assert_int_equal(lq_vq_unpack_codes(c, 1, want + i * k->code_size, idx), LQ_OK);
      assert_int_equal(lq_vq_pack_codes(c, 1, idx, repacked), LQ_OK);
      LQ_ASSERT_BITS_EQUAL(repacked, want + i * k->code_size, k->code_size, "repack");
    }
    free(dist);
    free(cent);
    free(x);
    free(want);
    free(dec_want);
    free(tab_want);
    free(codes);
    free(dec);
    free(tab);
    lq_vq_codec_free(c);
  }
}

static void test_pq_bit_layout_example(void** state) {
  (void)state;
  /* FAISS: PQ nbits=6, ids [5,33,62,1] -> bytes [69,232,7] (reference note §0.6) */
  lq_vq_codec* c = make_pq(4, 4, 6, 1);
  int32_t ids[4] = {5, 33, 62, 1};
  uint8_t b[3];
  assert_int_equal(lq_vq_pack_codes(c, 1, ids, b), LQ_OK);
  assert_int_equal(b[0], 69);
  assert_int_equal(b[1], 232);
  assert_int_equal(b[2], 7);
  int32_t back[4];
  assert_int_equal(lq_vq_unpack_codes(c, 1, b, back), LQ_OK);
  assert_memory_equal(back, ids, sizeof ids);
  ids[2] = 64;
  lq_test_expect_error(lq_vq_pack_codes(c, 1, ids, b), LQ_ERR_INVALID_ARG, "outside");
  lq_vq_codec_free(c);
}

static void test_pq_train_vs_faiss(void** state) {
  (void)state;
  float* x = lq_test_load_f32("vq_km_data.bin", VQ_KM_N * VQ_KM_D);
  lq_vq_codec* c = make_pq(VQ_KM_D, 4, 6, 1);
  assert_int_equal(lq_vq_is_trained(c), 0);
  lq_kmeans_stats st;
  assert_int_equal(lq_vq_train(c, VQ_KM_N, x, &st), LQ_OK);
  assert_int_equal(lq_vq_is_trained(c), 1);
  double mse = vq_test_codec_mse(c, VQ_KM_N, VQ_KM_D, x);
  if (mse > 1.01 * VQ_PQ_TRAIN_FAISS_MSE) fail_msg("PQ MSE %g vs FAISS %g", mse, VQ_PQ_TRAIN_FAISS_MSE);
  /* training objective = the encode MSE on the training set (no subsampling) */
  assert_true(fabs(st.objective / VQ_KM_N - mse) <= 0.02 * mse);
  /* same result with more threads, for training and encoding */
  lq_vq_codec* c2 = make_pq(VQ_KM_D, 4, 6, 3);
  assert_int_equal(lq_vq_train(c2, VQ_KM_N, x, NULL), LQ_OK);
  float a[VQ_KM_D * 64], b[VQ_KM_D * 64];
  assert_int_equal(lq_vq_get_centroids(c, a, VQ_KM_D * 64), LQ_OK);
  assert_int_equal(lq_vq_get_centroids(c2, b, VQ_KM_D * 64), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(a, b, sizeof a, "PQ centroids vs threads");
  uint8_t* c1 = (uint8_t*)malloc(VQ_KM_N * 3);
  uint8_t* cc2 = (uint8_t*)malloc(VQ_KM_N * 3);
  assert_int_equal(lq_vq_encode(c, VQ_KM_N, x, c1), LQ_OK);
  assert_int_equal(lq_vq_encode(c2, VQ_KM_N, x, cc2), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(c1, cc2, VQ_KM_N * 3, "PQ codes vs threads");
  /* batched ADC over 3 queries (3 threads) = single scans (1 thread) */
  float* tabs = (float*)malloc(3 * 4 * 64 * 4);
  float* dm = (float*)malloc(3 * VQ_KM_N * 4);
  float* d1 = (float*)malloc(VQ_KM_N * 4);
  for (int q = 0; q < 3; q++) assert_int_equal(lq_vq_compute_distance_table(c2, x + q * 77 * VQ_KM_D, tabs + q * 256), LQ_OK);
  assert_int_equal(lq_vq_adc_scan_many(c2, 3, tabs, VQ_KM_N, c1, dm), LQ_OK);
  for (int q = 0; q < 3; q++) {
    assert_int_equal(lq_vq_adc_scan(c, tabs + q * 256, VQ_KM_N, c1, d1), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(d1, dm + q * VQ_KM_N, VQ_KM_N * 4, "adc_scan_many");
  }
  free(tabs);
  free(dm);
  free(d1);
  /* SDC distance = |dec(a) - dec(b)|^2 */
  float* sdc = (float*)malloc(4 * 64 * 64 * 4);
  assert_int_equal(lq_vq_sdc_table(c, sdc, 4 * 64 * 64), LQ_OK);
  float dist[100], ya[VQ_KM_D], yb[VQ_KM_D * 100];
  assert_int_equal(lq_vq_sdc_distances(c, sdc, c1, 100, c1 + 300, dist), LQ_OK);
  assert_int_equal(lq_vq_decode(c, 1, c1, ya), LQ_OK);
  assert_int_equal(lq_vq_decode(c, 100, c1 + 300, yb), LQ_OK);
  for (int i = 0; i < 100; i++) {
    double t = 0;
    for (int j = 0; j < VQ_KM_D; j++) t += ((double)ya[j] - yb[i * VQ_KM_D + j]) * ((double)ya[j] - yb[i * VQ_KM_D + j]);
    assert_true(fabs(dist[i] - t) <= 1e-4 * (t + 1e-3));
  }
  free(sdc);
  free(c1);
  free(cc2);
  lq_vq_codec_free(c);
  lq_vq_codec_free(c2);
  free(x);
}

static void test_codec_save_load(void** state) {
  (void)state;
  float* cent = lq_test_load_f32("vq_pq_m4b6_cent.bin", 16 * 64);
  float* x = lq_test_load_f32("vq_pq_m4b6_x.bin", VQ_PQ_M4B6_NQ * 16);
  lq_vq_codec* c = make_pq(16, 4, 6, 1);
  size_t n;
  lq_test_expect_error(lq_vq_save(c, NULL, 0, &n), LQ_ERR_STATE, "not trained");
  uint8_t tmp[4];
  lq_test_expect_error(lq_vq_encode(c, 1, x, tmp), LQ_ERR_STATE, "not trained");
  assert_int_equal(lq_vq_set_centroids(c, cent, 16 * 64), LQ_OK);
  assert_int_equal(lq_vq_save(c, NULL, 0, &n), LQ_OK);
  uint8_t* buf = (uint8_t*)malloc(n);
  lq_test_expect_error(lq_vq_save(c, buf, n - 1, &n), LQ_ERR_BUFFER_TOO_SMALL, "needed");
  assert_int_equal(lq_vq_save(c, buf, n, &n), LQ_OK);
  lq_vq_codec* d = NULL;
  assert_int_equal(lq_vq_load(buf, n, &d), LQ_OK);
  assert_int_equal(lq_vq_code_size(d), 3);
  assert_int_equal(lq_vq_codec_dim(d), 16);
  uint8_t* ca = (uint8_t*)malloc(VQ_PQ_M4B6_NQ * 3);
  uint8_t* cb = (uint8_t*)malloc(VQ_PQ_M4B6_NQ * 3);
  assert_int_equal(lq_vq_encode(c, VQ_PQ_M4B6_NQ, x, ca), LQ_OK);
  assert_int_equal(lq_vq_encode(d, VQ_PQ_M4B6_NQ, x, cb), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(ca, cb, VQ_PQ_M4B6_NQ * 3, "loaded codec");
  lq_vq_codec_free(d);
  /* every truncation is rejected */
  for (size_t len = 0; len < n; len++) {
    d = (lq_vq_codec*)0x1;
    lq_test_expect_error(lq_vq_load(buf, len, &d), LQ_ERR_FORMAT, NULL);
    assert_null(d);
  }
  /* a flipped bit anywhere is rejected */
  for (size_t pos = 0; pos < n; pos += (pos < 64 ? 1 : 97)) {
    buf[pos] ^= 0x10;
    lq_test_expect_error(lq_vq_load(buf, n, &d), LQ_ERR_FORMAT, NULL);
    buf[pos] ^= 0x10;
  }
  buf[0] = 'X';
  lq_test_expect_error(lq_vq_load(buf, n, &d), LQ_ERR_FORMAT, "magic");
  buf[0] = 'L';
  uint8_t* big = (uint8_t*)malloc(n + 1);
  memcpy(big, buf, n);
  big[n] = 0;
  lq_test_expect_error(lq_vq_load(big, n + 1, &d), LQ_ERR_FORMAT, "trailing");
  free(big);
  /* files */
  char path[] = "/tmp/lq_vq_test_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  assert_int_equal(lq_vq_save_file(c, path), LQ_OK);
  assert_int_equal(lq_vq_load_file(path, &d), LQ_OK);
  lq_vq_codec_free(d);
  FILE* f = fopen(path, "wb");
  fwrite(buf, 1, n / 2, f);
  fclose(f);
  lq_test_expect_error(lq_vq_load_file(path, &d), LQ_ERR_FORMAT, "truncated");
  remove(path);
  lq_test_expect_error(lq_vq_load_file("/nonexistent/dir/x.lqc", &d), LQ_ERR_IO, "cannot open");
  free(ca);
  free(cb);
  free(buf);
  free(cent);
  free(x);
  lq_vq_codec_free(c);
}

static void test_pq_bad_input(void** state) {
  (void)state;
  lq_vq_params p = {0};
  lq_vq_codec* c = NULL;
  p.kind = LQ_VQ_PQ;
  p.d = 10;
  p.M = 4;
  p.nbits = 8;
  lq_test_expect_error(lq_vq_codec_new(&p, &c), LQ_ERR_INVALID_ARG, "not divisible by M");
  p.M = 5;
  p.nbits = 0;
  lq_test_expect_error(lq_vq_codec_new(&p, &c), LQ_ERR_INVALID_ARG, "out of range");
  p.nbits = 17;
  lq_test_expect_error(lq_vq_codec_new(&p, &c), LQ_ERR_INVALID_ARG, "out of range");
  p.nbits = 4;
  p.kind = (lq_vq_kind)99;
  lq_test_expect_error(lq_vq_codec_new(&p, &c), LQ_ERR_INVALID_ARG, "kind");
  p.kind = LQ_VQ_PQ;
  p.d = 0;
  lq_test_expect_error(lq_vq_codec_new(&p, &c), LQ_ERR_INVALID_ARG, "d is 0");
  p.d = 10;
  p.M = 0;
  lq_test_expect_error(lq_vq_codec_new(&p, &c), LQ_ERR_INVALID_ARG, "M is 0");
  lq_test_expect_error(lq_vq_codec_new(NULL, &c), LQ_ERR_INVALID_ARG, "NULL");
  p.M = 5;
  assert_int_equal(lq_vq_codec_new(&p, &c), LQ_OK);
  float x[40 * 10];
  for (int i = 0; i < 400; i++) x[i] = (float)((i * 7919) % 23) - 11.0f;
  lq_test_expect_error(lq_vq_train(c, 0, x, NULL), LQ_ERR_INVALID_ARG, "empty");
  lq_test_expect_error(lq_vq_train(c, 10, x, NULL), LQ_ERR_INVALID_ARG, "larger than the number");
  lq_test_expect_error(lq_vq_train(c, 40, NULL, NULL), LQ_ERR_INVALID_ARG, "NULL");
  x[55] = NAN;
  lq_test_expect_error(lq_vq_train(c, 40, x, NULL), LQ_ERR_NUMERIC, "NaN");
  x[55] = 1.0f;
  for (int i = 0; i < 40; i++) x[i * 10 + 4] = x[i * 10 + 5] = 3.0f; /* sub-space 2 constant */
  lq_test_expect_error(lq_vq_train(c, 40, x, NULL), LQ_ERR_NUMERIC, "zero variance");
  assert_int_equal(lq_vq_is_trained(c), 0);
  for (int i = 0; i < 40; i++) x[i * 10 + 5] = (float)i;
  assert_int_equal(lq_vq_train(c, 40, x, NULL), LQ_OK);
  uint8_t codes[40 * 3];
  x[3] = INFINITY;
  lq_test_expect_error(lq_vq_encode(c, 40, x, codes), LQ_ERR_NUMERIC, "NaN or Inf");
  lq_test_expect_error(lq_vq_compute_distance_table(c, x, (float*)codes), LQ_ERR_NUMERIC, "NaN or Inf");
  x[3] = 0.0f;
  lq_test_expect_error(lq_vq_encode(c, 40, NULL, codes), LQ_ERR_INVALID_ARG, "NULL");
  assert_int_equal(lq_vq_encode(c, 0, NULL, NULL), LQ_OK); /* empty batch */
  float cb[10 * 16];
  lq_test_expect_error(lq_vq_set_centroids(c, cb, 3), LQ_ERR_INVALID_ARG, "expected");
  for (int i = 0; i < 160; i++) cb[i] = 0.0f;
  cb[9] = NAN;
  lq_test_expect_error(lq_vq_set_centroids(c, cb, 160), LQ_ERR_NUMERIC, "NaN");
  float sdc[4];
  lq_test_expect_error(lq_vq_sdc_table(c, sdc, 4), LQ_ERR_INVALID_ARG, "expected");
  lq_vq_codec_free(c);
  lq_vq_codec_free(NULL);
}

/* ------------------------------------------------------------------- OPQ -- */

static void test_opq_vs_faiss(void** state) {
  (void)state;
  float* x = lq_test_load_f32("vq_km_data.bin", VQ_KM_N * VQ_KM_D);
  lq_vq_params p = {0};
  p.kind = LQ_VQ_OPQ;
  p.d = VQ_KM_D;
  p.M = 4;
  p.nbits = 8;
  p.opq_niter = 6; /* as the FAISS reference run, on the first 2000 rows */
  p.opq_niter_pq0 = 20;
  p.nthreads = 1;
  enum { ON = 2000 };
  lq_vq_codec *c = NULL, *c2 = NULL, *pq = NULL;
  assert_int_equal(lq_vq_codec_new(&p, &c), LQ_OK);
  assert_int_equal(lq_vq_train(c, ON, x, NULL), LQ_OK);
  double mse = vq_test_codec_mse(c, ON, VQ_KM_D, x);
  if (mse > 1.02 * VQ_OPQ_FAISS_MSE) fail_msg("OPQ MSE %g vs FAISS %g", mse, VQ_OPQ_FAISS_MSE);
  /* plain PQ at the same code size is much worse on this correlated data */
  pq = make_pq(VQ_KM_D, 4, 8, 0);
  assert_int_equal(lq_vq_train(pq, ON, x, NULL), LQ_OK);
  double mse_pq = vq_test_codec_mse(pq, ON, VQ_KM_D, x);
  assert_true(mse_pq <= 1.01 * VQ_PQ48_FAISS_MSE);
  assert_true(mse < 0.7 * mse_pq);
  /* R is orthogonal */
  float r[VQ_KM_D * VQ_KM_D];
  assert_int_equal(lq_vq_get_rotation(c, r, VQ_KM_D * VQ_KM_D), LQ_OK);
  for (int i = 0; i < VQ_KM_D; i++)
    for (int j = 0; j < VQ_KM_D; j++) {
      double dot = 0;
      for (int t = 0; t < VQ_KM_D; t++) dot += (double)r[i * VQ_KM_D + t] * r[j * VQ_KM_D + t];
      assert_true(fabs(dot - (i == j)) < 1e-5);
    }
  lq_test_expect_error(lq_vq_get_rotation(pq, r, VQ_KM_D * VQ_KM_D), LQ_ERR_INVALID_ARG, "not OPQ");
  /* ADC through the rotation = distance to the decoded vector */
  uint8_t codes[50 * 4];
  float dec[50 * VQ_KM_D], tab[4 * 256], dist[50];
  assert_int_equal(lq_vq_encode(c, 50, x, codes), LQ_OK);
  assert_int_equal(lq_vq_decode(c, 50, codes, dec), LQ_OK);
  const float* q = x + 1000 * VQ_KM_D;
  assert_int_equal(lq_vq_compute_distance_table(c, q, tab), LQ_OK);
  assert_int_equal(lq_vq_adc_scan(c, tab, 50, codes, dist), LQ_OK);
  for (int i = 0; i < 50; i++) {
    double t = 0;
    for (int j = 0; j < VQ_KM_D; j++) t += ((double)q[j] - dec[i * VQ_KM_D + j]) * ((double)q[j] - dec[i * VQ_KM_D + j]);
    assert_true(fabs(dist[i] - t) <= 1e-3 * (t + 1e-2));
  }
  /* save/load keeps R */
  size_t n;
  assert_int_equal(lq_vq_save(c, NULL, 0, &n), LQ_OK);
  uint8_t* buf = (uint8_t*)malloc(n);
  assert_int_equal(lq_vq_save(c, buf, n, &n), LQ_OK);
  assert_int_equal(lq_vq_load(buf, n, &c2), LQ_OK);
  uint8_t codes2[50 * 4];
  assert_int_equal(lq_vq_encode(c2, 50, x, codes2), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(codes, codes2, sizeof codes, "OPQ after load");
  buf[n - 10] ^= 1;
  lq_vq_codec* bad = NULL;
  lq_test_expect_error(lq_vq_load(buf, n, &bad), LQ_ERR_FORMAT, "checksum");
  lq_vq_codec_free(c2);
  lq_vq_codec_free(c);
  /* the thread count does not change the result (short run on 1000 rows) */
  p.opq_niter = 2;
  p.opq_niter_pq0 = 5;
  p.km.niter = 5;
  p.nthreads = 1;
  assert_int_equal(lq_vq_codec_new(&p, &c), LQ_OK);
  assert_int_equal(lq_vq_train(c, 1000, x, NULL), LQ_OK);
  assert_int_equal(lq_vq_encode(c, 50, x, codes), LQ_OK);
  p.nthreads = 3;
  assert_int_equal(lq_vq_codec_new(&p, &c2), LQ_OK);
  assert_int_equal(lq_vq_train(c2, 1000, x, NULL), LQ_OK);
  assert_int_equal(lq_vq_encode(c2, 50, x, codes2), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(codes, codes2, sizeof codes, "OPQ vs threads");
  p.opq_niter = -1;
  lq_vq_codec* c3 = NULL;
  lq_test_expect_error(lq_vq_codec_new(&p, &c3), LQ_ERR_INVALID_ARG, "OPQ");
  free(buf);
  lq_vq_codec_free(c);
  lq_vq_codec_free(c2);
  lq_vq_codec_free(pq);
  free(x);
}

static void check_svd(size_t d, const double* a) {
  double u[144], s[12], v[144];
  assert_int_equal(lq_vq_svd_jacobi(d, a, u, s, v), LQ_OK);
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < d; j++) {
      double rec = 0, uu = 0, vv = 0;
      for (size_t k = 0; k < d; k++) {
        rec += u[i * d + k] * s[k] * v[j * d + k];
        uu += u[k * d + i] * u[k * d + j];
        vv += v[k * d + i] * v[k * d + j];
      }
      assert_true(fabs(rec - a[i * d + j]) < 1e-9);
      assert_true(fabs(uu - (i == j)) < 1e-9);
      assert_true(fabs(vv - (i == j)) < 1e-9);
    }
  for (size_t k = 0; k < d; k++) assert_true(s[k] >= 0);
}

static void test_svd_and_procrustes(void** state) {
  (void)state;
  double a[144];
  for (int i = 0; i < 144; i++) a[i] = lq_test_uniform(3, (uint64_t)i, -1, 1);
  check_svd(12, a);
  for (int j = 0; j < 12; j++) a[j * 12 + 5] = 2 * a[j * 12 + 2]; /* rank deficient */
  for (int j = 0; j < 12; j++) a[j * 12 + 7] = 0;
  check_svd(12, a);
  check_svd(1, a);
  /* Procrustes recovers a known rotation: Y = X R0^T  =>  R = R0 */
  enum { PD = 6, PN = 40 };
  double q[PD * PD];
  assert_int_equal(lq_vq_svd_jacobi(PD, a, q, (double[PD]){0}, (double[PD * PD]){0}), LQ_OK); /* q orthogonal */
  double xx[PN * PD], yy[PN * PD], ata[PD * PD];
  for (int i = 0; i < PN * PD; i++) xx[i] = lq_test_uniform(4, (uint64_t)i, -1, 1);
  for (int i = 0; i < PN; i++)
    for (int r0 = 0; r0 < PD; r0++) {
      double t = 0;
      for (int k = 0; k < PD; k++) t += xx[i * PD + k] * q[r0 * PD + k];
      yy[i * PD + r0] = t;
    }
  for (int i = 0; i < PD; i++)
    for (int j = 0; j < PD; j++) {
      double t = 0;
      for (int k = 0; k < PN; k++) t += xx[k * PD + i] * yy[k * PD + j];
      ata[i * PD + j] = t;
    }
  float r[PD * PD];
  assert_int_equal(lq_vq_procrustes(PD, ata, r), LQ_OK);
  for (int i = 0; i < PD * PD; i++) assert_true(fabs(r[i] - q[i]) < 1e-5);
}

/* 8-bit codes with M <= 8 are scanned in groups of 4 queries (adc_scan4);
 * 6 queries = one full group + a partial one, each equal to its single scan,
 * whatever the thread count; M = 16 takes the per-query path. */
static void test_pq_scan_groups(void** state) {
  (void)state;
  float* x = lq_test_load_f32("vq_km_data.bin", VQ_KM_N * VQ_KM_D);
  for (int mi = 0; mi < 2; mi++) {
    size_t M = mi ? 16 : 8;
    lq_vq_codec* c = make_pq(VQ_KM_D, M, 8, 1);
    assert_int_equal(lq_vq_train(c, VQ_KM_N, x, NULL), LQ_OK);
    size_t ts = lq_vq_table_size(c), nq = 6;
    uint8_t* codes = (uint8_t*)malloc(VQ_KM_N * M);
    float* tabs = (float*)malloc(nq * ts * 4);
    float* many = (float*)malloc(nq * VQ_KM_N * 4);
    float* one = (float*)malloc(VQ_KM_N * 4);
    assert_int_equal(lq_vq_encode(c, VQ_KM_N, x, codes), LQ_OK);
    for (size_t q = 0; q < nq; q++)
      assert_int_equal(lq_vq_compute_distance_table(c, x + q * 31 * VQ_KM_D, tabs + q * ts), LQ_OK);
    for (int threads = 1; threads <= 3; threads += 2) {
      lq_vq_codec* ct = make_pq(VQ_KM_D, M, 8, threads);
      float* cent = (float*)malloc(VQ_KM_D * 256 * 4);
      assert_int_equal(lq_vq_get_centroids(c, cent, VQ_KM_D * 256), LQ_OK);
      assert_int_equal(lq_vq_set_centroids(ct, cent, VQ_KM_D * 256), LQ_OK);
      assert_int_equal(lq_vq_adc_scan_many(ct, nq, tabs, VQ_KM_N, codes, many), LQ_OK);
      for (size_t q = 0; q < nq; q++) {
        assert_int_equal(lq_vq_adc_scan(c, tabs + q * ts, VQ_KM_N, codes, one), LQ_OK);
        LQ_ASSERT_BITS_EQUAL(one, many + q * VQ_KM_N, VQ_KM_N * 4, "grouped scan = single scan");
      }
      free(cent);
      lq_vq_codec_free(ct);
    }
    free(codes);
    free(tabs);
    free(many);
    free(one);
    lq_vq_codec_free(c);
  }
  free(x);
}

int main(void) {
  lq_test_skip_if_env_isa_missing();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_km_init_parity),     cmocka_unit_test(test_km_objective_vs_faiss),
      cmocka_unit_test(test_km_split_parity),    cmocka_unit_test(test_km_threads_independent),
      cmocka_unit_test(test_km_options),         cmocka_unit_test(test_km_assign_bruteforce),
      cmocka_unit_test(test_km_bad_input),       cmocka_unit_test(test_pq_codes_match_faiss),
      cmocka_unit_test(test_pq_bit_layout_example), cmocka_unit_test(test_pq_train_vs_faiss),
      cmocka_unit_test(test_codec_save_load),    cmocka_unit_test(test_pq_bad_input),
      cmocka_unit_test(test_opq_vs_faiss),       cmocka_unit_test(test_pq_scan_groups),       cmocka_unit_test(test_svd_and_procrustes),
  };
  const char* filter = getenv("LQ_TEST_FILTER"); /* e.g. LQ_TEST_FILTER='test_opq*' */
  if (filter) cmocka_set_test_filter(filter);
  return cmocka_run_group_tests_name("vq", tests, NULL, NULL);
}
