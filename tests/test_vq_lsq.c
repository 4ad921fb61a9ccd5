/* LSQ++ additive quantization and RQ least-squares codebook refinement:
 * goldens of tests/vectors/gen_vq_lsq.py (FAISS 1.7.3). The first training
 * round (least squares on FAISS's random initial codes) must give FAISS's
 * codebooks; full training must reach FAISS's MSE within 2% (FAISS's value is
 * its mean over 5 seeds: the perturbations are random). */
#include "vq_test_util.h"

#include "vectors/vq_lsq_golden.h"

static lq_vq_codec* make_lsq(int train_iters, int nthreads) {
  lq_vq_lsq_params p;
  memset(&p, 0, sizeof p);
  p.d = VQ_LSQ_D;
  p.M = VQ_LSQ_M;
  p.nbits = VQ_LSQ_NBITS;
  p.train_iters = train_iters;
  p.nthreads = nthreads;
  lq_vq_codec* c = NULL;
  assert_int_equal(lq_vq_lsq_new(&p, &c), LQ_OK);
  return c;
}

/* Per-vector squared error of sub-codes idx (sum of codewords in m order). */
static void errors_of(const float* cent, size_t n, size_t d, size_t M, size_t K, const float* x, const int32_t* idx,
                      double* err) {
  for (size_t i = 0; i < n; i++) {
    double e = 0;
    for (size_t t = 0; t < d; t++) {
      float y = 0.0f;
      for (size_t m = 0; m < M; m++) y += cent[(m * K + (size_t)idx[i * M + m]) * d + t];
      double u = (double)x[i * d + t] - y;
      e += u * u;
    }
    err[i] = e;
  }
}

static void test_lsq_bad_input(void** state) {
  (void)state;
  lq_vq_lsq_params p;
  memset(&p, 0, sizeof p);
  lq_vq_codec* c = (lq_vq_codec*)0x1;
  lq_test_expect_error(lq_vq_lsq_new(NULL, &c), LQ_ERR_INVALID_ARG, NULL);
  lq_test_expect_error(lq_vq_lsq_new(&p, NULL), LQ_ERR_INVALID_ARG, NULL);
  p.M = 2;
  p.nbits = 4;
  lq_test_expect_error(lq_vq_lsq_new(&p, &c), LQ_ERR_INVALID_ARG, "d is 0");
  assert_null(c);
  p.d = 8;
  p.M = 0;
  lq_test_expect_error(lq_vq_lsq_new(&p, &c), LQ_ERR_INVALID_ARG, "M is 0");
  p.M = 2;
  p.nbits = 0;
  lq_test_expect_error(lq_vq_lsq_new(&p, &c), LQ_ERR_INVALID_ARG, "nbits");
  p.nbits = 17;
  lq_test_expect_error(lq_vq_lsq_new(&p, &c), LQ_ERR_INVALID_ARG, "nbits");
  p.nbits = 13;
  lq_test_expect_error(lq_vq_lsq_new(&p, &c), LQ_ERR_INVALID_ARG, "8192");
  p.nbits = 4;
  p.nperts = 3;
  lq_test_expect_error(lq_vq_lsq_new(&p, &c), LQ_ERR_INVALID_ARG, "nperts");
  p.nperts = 0;
  p.icm_iters = -1;
  lq_test_expect_error(lq_vq_lsq_new(&p, &c), LQ_ERR_INVALID_ARG, "negative");
  p.icm_iters = 0;
  p.lambd = NAN;
  lq_test_expect_error(lq_vq_lsq_new(&p, &c), LQ_ERR_INVALID_ARG, "lambd");
  p.lambd = 0;
  p.p = -1.0f;
  lq_test_expect_error(lq_vq_lsq_new(&p, &c), LQ_ERR_INVALID_ARG, "lambd");
  p.p = 0;
  p.train_iters = 2;
  assert_int_equal(lq_vq_lsq_new(&p, &c), LQ_OK);
  assert_int_equal(lq_vq_code_size(c), 1);
  assert_int_equal(lq_vq_table_size(c), 0);
  float x[64 * 8];
  for (size_t i = 0; i < 64 * 8; i++) x[i] = (float)((i * 37) % 11) - 5.0f;
  uint8_t codes[64];
  lq_test_expect_error(lq_vq_encode(c, 1, x, codes), LQ_ERR_STATE, "not trained");
  int32_t idx[4] = {0, 0, 0, 0};
  lq_test_expect_error(lq_vq_lsq_refine_codes(c, 1, x, idx, 1), LQ_ERR_STATE, "not trained");
  lq_test_expect_error(lq_vq_train(c, 0, x, NULL), LQ_ERR_INVALID_ARG, "empty");
  lq_test_expect_error(lq_vq_train(c, 15, x, NULL), LQ_ERR_INVALID_ARG, "larger than the number of points");
  float saved = x[17];
  x[17] = NAN;
  lq_test_expect_error(lq_vq_train(c, 64, x, NULL), LQ_ERR_NUMERIC, "NaN");
  x[17] = saved;
  float cst[32 * 8];
  for (size_t i = 0; i < 32 * 8; i++) cst[i] = (float)(i % 8);
  lq_test_expect_error(lq_vq_train(c, 32, cst, NULL), LQ_ERR_NUMERIC, "zero variance");
  assert_int_equal(lq_vq_train(c, 64, x, NULL), LQ_OK);
  idx[1] = 16;
  lq_test_expect_error(lq_vq_lsq_refine_codes(c, 1, x, idx, 1), LQ_ERR_INVALID_ARG, "outside");
  idx[1] = 0;
  lq_test_expect_error(lq_vq_lsq_refine_codes(c, 1, x, idx, -1), LQ_ERR_INVALID_ARG, "ils_iters");
  float tbl[32];
  lq_test_expect_error(lq_vq_compute_distance_table(c, x, tbl), LQ_ERR_UNSUPPORTED, NULL);
  lq_vq_codec_free(c);
  /* the generic constructor builds an LSQ codec with FAISS's defaults */
  lq_vq_params g;
  memset(&g, 0, sizeof g);
  g.kind = (lq_vq_kind)LQ_VQ_LSQ;
  g.d = 8;
  g.M = 3;
  g.nbits = 5;
  assert_int_equal(lq_vq_codec_new(&g, &c), LQ_OK);
  assert_int_equal(lq_vq_code_size(c), 2);
  assert_int_equal(lq_vq_is_trained(c), 0);
  lq_vq_codec_free(c);
  g.nbits = 14;
  lq_test_expect_error(lq_vq_codec_new(&g, &c), LQ_ERR_INVALID_ARG, "8192");
  /* an RQ codec is not an LSQ codec */
  lq_vq_rq_params r;
  memset(&r, 0, sizeof r);
  r.d = 8;
  r.M = 2;
  r.nbits = 4;
  assert_int_equal(lq_vq_rq_new(&r, &c), LQ_OK);
  lq_test_expect_error(lq_vq_lsq_refine_codes(c, 1, x, idx, 1), LQ_ERR_INVALID_ARG, "not an LSQ codec");
  lq_vq_codec_free(c);
}

/* One round = ridge least squares on FAISS's random initial codes. */
static void test_lsq_first_round_matches_faiss(void** state) {
  (void)state;
  size_t n = VQ_LSQ_N, d = VQ_LSQ_D, nc = (size_t)VQ_LSQ_M * (1u << VQ_LSQ_NBITS) * d;
  float* x = lq_test_load_f32("vq_lsq_x.bin", n * d);
  float* want = lq_test_load_f32("vq_lsq_iter1_cent.bin", nc);
  lq_vq_codec* c = make_lsq(1, 0);
  assert_int_equal(lq_vq_train(c, n, x, NULL), LQ_OK);
  float* got = (float*)malloc(nc * 4);
  assert_int_equal(lq_vq_get_centroids(c, got, nc), LQ_OK);
  double maxerr = 0, maxabs = 0;
  for (size_t i = 0; i < nc; i++) { /* no fmax reduction: aarch64 gcc 12 ICEs vectorising it */
    double e = fabs((double)got[i] - want[i]), a = fabs((double)want[i]);
    if (e > maxerr) maxerr = e;
    if (a > maxabs) maxabs = a;
  }
  print_message("LSQ first round: max |C - C_faiss| = %.3g (max |C| %.3g)\n", maxerr, maxabs);
  assert_true(maxerr <= 1e-5 * maxabs);
  lq_vq_codec_free(c);
  free(got);
  free(x);
  free(want);
}

static void test_lsq_train_vs_faiss(void** state) {
  (void)state;
  size_t n = VQ_LSQ_N, d = VQ_LSQ_D, M = VQ_LSQ_M, K = 1u << VQ_LSQ_NBITS, nc = M * K * d;
  float* x = lq_test_load_f32("vq_lsq_x.bin", n * d);
  lq_vq_codec* c = make_lsq(0, 0);
  lq_kmeans_stats st;
  assert_int_equal(lq_vq_train(c, n, x, &st), LQ_OK);
  size_t cs = lq_vq_code_size(c);
  assert_int_equal(cs, (M * VQ_LSQ_NBITS + 7) / 8);
  uint8_t* codes = (uint8_t*)malloc(n * cs);
  float* y = (float*)malloc(n * d * 4);
  float* cent = (float*)malloc(nc * 4);
  int32_t* idx = (int32_t*)malloc(n * M * 4);
  double* err = (double*)malloc(n * 8);
  assert_int_equal(lq_vq_encode(c, n, x, codes), LQ_OK);
  assert_int_equal(lq_vq_decode(c, n, codes, y), LQ_OK);
  assert_int_equal(lq_vq_get_centroids(c, cent, nc), LQ_OK);
  assert_int_equal(lq_vq_unpack_codes(c, n, codes, idx), LQ_OK);
  /* decode(encode) is the sum of the selected codewords in m order */
  double mse = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t t = 0; t < d; t++) {
      float s = 0.0f;
      for (size_t m = 0; m < M; m++) s += cent[(m * K + (size_t)idx[i * M + m]) * d + t];
      if (s != y[i * d + t]) fail_msg("decode of vector %zu dim %zu: %g != %g", i, t, y[i * d + t], s);
      mse += ((double)x[i * d + t] - s) * ((double)x[i * d + t] - s);
    }
  mse /= (double)n;
  print_message("LSQ: MSE %.5f, FAISS mean %.5f (5 seeds %.5f..%.5f), ratio %.4f; train objective %.5f\n", mse,
                VQ_LSQ_FAISS_MSE, VQ_LSQ_FAISS_MSE_MIN, VQ_LSQ_FAISS_MSE_MAX, mse / VQ_LSQ_FAISS_MSE,
                st.objective / (double)n);
  if (mse > 1.02 * VQ_LSQ_FAISS_MSE) fail_msg("LSQ MSE %g vs FAISS %g", mse, VQ_LSQ_FAISS_MSE);
  assert_true(st.objective > 0);

  /* thread-count independence (3 training rounds keep the test short):
   * the same codebooks and codes with 1 and 2 threads */
  lq_vq_codec* c1 = make_lsq(3, 1);
  lq_vq_codec* c2 = make_lsq(3, 2);
  assert_int_equal(lq_vq_train(c1, n, x, NULL), LQ_OK);
  assert_int_equal(lq_vq_train(c2, n, x, NULL), LQ_OK);
  float* cent1 = (float*)malloc(nc * 4);
  float* cent2 = (float*)malloc(nc * 4);
  uint8_t* codes1 = (uint8_t*)malloc(n * cs);
  uint8_t* codes2 = (uint8_t*)malloc(n * cs);
  assert_int_equal(lq_vq_get_centroids(c1, cent1, nc), LQ_OK);
  assert_int_equal(lq_vq_get_centroids(c2, cent2, nc), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(cent1, cent2, nc * 4, "codebooks, 1 vs 2 threads");
  assert_int_equal(lq_vq_encode(c1, n, x, codes1), LQ_OK);
  assert_int_equal(lq_vq_encode(c2, n, x, codes2), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(codes1, codes2, n * cs, "codes, 1 vs 2 threads");
  lq_vq_codec_free(c1);
  free(cent1);
  free(codes1);

  /* save / load / save is byte-identical and encodes identically */
  size_t sz, sz2;
  assert_int_equal(lq_vq_save(c, NULL, 0, &sz), LQ_OK);
  uint8_t* buf = (uint8_t*)malloc(sz);
  uint8_t* buf2 = (uint8_t*)malloc(sz);
  assert_int_equal(lq_vq_save(c, buf, sz, &sz), LQ_OK);
  lq_vq_codec* l = NULL;
  assert_int_equal(lq_vq_load(buf, sz, &l), LQ_OK);
  assert_int_equal(lq_vq_save(l, buf2, sz, &sz2), LQ_OK);
  assert_int_equal(sz2, sz);
  LQ_ASSERT_BITS_EQUAL(buf, buf2, sz, "saved image after load");
  assert_int_equal(lq_vq_encode(l, n, x, codes2), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(codes, codes2, n * cs, "codes of the loaded codec");
  lq_vq_codec_free(l);
  for (size_t len = 0; len < sz; len += (len < 100 ? 1 : 97)) {
    l = (lq_vq_codec*)0x1;
    lq_test_expect_error(lq_vq_load(buf, len, &l), LQ_ERR_FORMAT, NULL);
    assert_null(l);
  }
  for (size_t pos = 0; pos < sz; pos += (pos < 100 ? 1 : 89)) {
    buf[pos] ^= 0x10;
    lq_test_expect_error(lq_vq_load(buf, sz, &l), LQ_ERR_FORMAT, NULL);
    buf[pos] ^= 0x10;
  }

  /* ILS/ICM never increases a vector's error: from random codes, 1 round,
   * then 3 more rounds from the result */
  for (size_t i = 0; i < n * M; i++) idx[i] = (int32_t)((i * 2654435761u) % K);
  double* err1 = (double*)malloc(n * 8);
  errors_of(cent, n, d, M, K, x, idx, err);
  assert_int_equal(lq_vq_lsq_refine_codes(c, n, x, idx, 1), LQ_OK);
  errors_of(cent, n, d, M, K, x, idx, err1);
  double before = 0, after = 0;
  for (size_t i = 0; i < n; i++) {
    if (err1[i] > err[i] * (1 + 1e-5) + 1e-6) fail_msg("vector %zu: error %g -> %g", i, err[i], err1[i]);
    before += err[i];
    after += err1[i];
  }
  assert_true(after < 0.5 * before);
  assert_int_equal(lq_vq_lsq_refine_codes(c, n, x, idx, 3), LQ_OK);
  errors_of(cent, n, d, M, K, x, idx, err);
  for (size_t i = 0; i < n; i++)
    if (err[i] > err1[i] * (1 + 1e-5) + 1e-6) fail_msg("vector %zu: error %g -> %g", i, err1[i], err[i]);

  lq_vq_codec_free(c);
  lq_vq_codec_free(c2);
  free(x);
  free(codes);
  free(codes2);
  free(y);
  free(cent);
  free(cent2);
  free(idx);
  free(err);
  free(err1);
  free(buf);
  free(buf2);
}

/* RQ Train_refine_codebook: least-squares refinement lowers the training MSE
 * and matches FAISS's refined MSE within 2%. */
static void test_rq_refine(void** state) {
  (void)state;
  size_t n = VQ_LSQ_N, d = VQ_LSQ_D;
  float* x = lq_test_load_f32("vq_lsq_x.bin", n * d);
  double mse[2];
  for (int r = 0; r < 2; r++) {
    lq_vq_rq_params p;
    memset(&p, 0, sizeof p);
    p.d = d;
    p.M = VQ_LSQ_M;
    p.nbits = VQ_LSQ_NBITS;
    p.refine_iters = r ? 5 : 0;
    lq_vq_codec* c = NULL;
    assert_int_equal(lq_vq_rq_new(&p, &c), LQ_OK);
    lq_kmeans_stats st;
    assert_int_equal(lq_vq_train(c, n, x, &st), LQ_OK);
    uint8_t* codes = (uint8_t*)malloc(n * lq_vq_code_size(c));
    float* y = (float*)malloc(n * d * 4);
    assert_int_equal(lq_vq_encode(c, n, x, codes), LQ_OK);
    assert_int_equal(lq_vq_decode(c, n, codes, y), LQ_OK);
    double s = 0;
    for (size_t i = 0; i < n * d; i++) s += ((double)x[i] - y[i]) * ((double)x[i] - y[i]);
    mse[r] = s / (double)n;
    /* the objective is the encode error of the training set with the final codebooks */
    assert_true(fabs(st.objective / (double)n - mse[r]) <= 1e-3 * mse[r]);
    lq_vq_codec_free(c);
    free(codes);
    free(y);
  }
  print_message("RQ beam 5: MSE %.5f (FAISS %.5f), refined %.5f (FAISS %.5f)\n", mse[0], VQ_RQ_PLAIN_FAISS_MSE,
                mse[1], VQ_RQ_REFINE_FAISS_MSE);
  assert_true(mse[1] < 0.97 * mse[0]);
  if (mse[1] > 1.02 * VQ_RQ_REFINE_FAISS_MSE) fail_msg("refined RQ MSE %g vs FAISS %g", mse[1], VQ_RQ_REFINE_FAISS_MSE);
  free(x);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lsq_bad_input),
      cmocka_unit_test(test_lsq_first_round_matches_faiss),
      cmocka_unit_test(test_lsq_train_vs_faiss),
      cmocka_unit_test(test_rq_refine),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
