/* Product-additive quantizers PRQ and PLSQ (FAISS 1.7.3
 * ProductResidualQuantizer / ProductLocalSearchQuantizer): with FAISS's
 * codebooks, PRQ codes equal FAISS's byte for byte and decode equals FAISS's
 * decode bit for bit; PLSQ decode equals FAISS's and its (randomized ICM)
 * encode reaches FAISS's error; training MSE vs FAISS on correlated data;
 * save/load; bad input. Goldens: tests/vectors/gen_vq_product.py. */
#include "vq_test_util.h"

#include "vectors/vq_prod_golden.h"

static lq_vq_codec* make_prq(size_t d, size_t ns, size_t msub, int nbits, int beam, int nthreads) {
  lq_vq_prq_params p;
  memset(&p, 0, sizeof p);
  p.d = d;
  p.nsplits = ns;
  p.rq.M = msub;
  p.rq.nbits = nbits;
  p.rq.max_beam_size = beam;
  p.rq.nthreads = nthreads;
  lq_vq_codec* c = NULL;
  assert_int_equal(lq_vq_prq_new(&p, &c), LQ_OK);
  return c;
}

static lq_vq_codec* make_plsq(size_t d, size_t ns, size_t msub, int nbits, int nthreads) {
  lq_vq_plsq_params p;
  memset(&p, 0, sizeof p);
  p.d = d;
  p.nsplits = ns;
  p.lsq.M = msub;
  p.lsq.nbits = nbits;
  p.lsq.nthreads = nthreads;
  lq_vq_codec* c = NULL;
  assert_int_equal(lq_vq_plsq_new(&p, &c), LQ_OK);
  return c;
}

/* ----------------------------------------------------- PRQ vs FAISS -- */

typedef struct { const char* tag; size_t d, ns, msub; int nbits, beam; size_t nq, code_size; } prq_case;

static void test_prq_codes_match_faiss(void** state) {
  (void)state;
  const prq_case cases[] = {
      {"s3m2b6_beam5", 12, 3, 2, 6, 5, VQ_PROD_S3M2B6_BEAM5_NQ, VQ_PROD_S3M2B6_BEAM5_CODE_SIZE},
      {"s2m3b4_beam5", 8, 2, 3, 4, 5, VQ_PROD_S2M3B4_BEAM5_NQ, VQ_PROD_S2M3B4_BEAM5_CODE_SIZE},
      {"s2m3b4_beam1", 8, 2, 3, 4, 1, VQ_PROD_S2M3B4_BEAM1_NQ, VQ_PROD_S2M3B4_BEAM1_CODE_SIZE},
  };
  char name[128];
  for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
    const prq_case* k = &cases[ci];
    size_t M = k->ns * k->msub, K = (size_t)1 << k->nbits, ds = k->d / k->ns, nc = M * K * ds;
    lq_vq_codec* c = make_prq(k->d, k->ns, k->msub, k->nbits, k->beam, 2);
    assert_int_equal(lq_vq_code_size(c), k->code_size);
    assert_int_equal(lq_vq_code_size(c), (M * (size_t)k->nbits + 7) / 8); /* bits, not bytes, concatenated */
    assert_int_equal(lq_vq_table_size(c), 0);
    assert_int_equal(lq_vq_is_trained(c), 0);
    snprintf(name, sizeof name, "vq_prod_%s_cent.bin", k->tag);
    float* cent = lq_test_load_f32(name, nc);
    snprintf(name, sizeof name, "vq_prod_%s_x.bin", k->tag);
    float* x = lq_test_load_f32(name, k->nq * k->d);
    snprintf(name, sizeof name, "vq_prod_%s_codes.bin", k->tag);
    size_t bytes;
    uint8_t* want = (uint8_t*)lq_test_read_vector(name, &bytes);
    assert_int_equal(bytes, k->nq * k->code_size);
    snprintf(name, sizeof name, "vq_prod_%s_dec.bin", k->tag);
    float* dec_want = lq_test_load_f32(name, k->nq * k->d);
    lq_test_expect_error(lq_vq_set_centroids(c, cent, nc + 1), LQ_ERR_INVALID_ARG, "expected");
    assert_int_equal(lq_vq_set_centroids(c, cent, nc), LQ_OK);
    float* back = (float*)malloc(nc * 4);
    assert_int_equal(lq_vq_get_centroids(c, back, nc), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(back, cent, nc * 4, "get_centroids");
    uint8_t* codes = (uint8_t*)malloc(k->nq * k->code_size);
    float* dec = (float*)malloc(k->nq * k->d * 4);
    assert_int_equal(lq_vq_encode(c, k->nq, x, codes), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(codes, want, k->nq * k->code_size, k->tag);
    assert_int_equal(lq_vq_decode(c, k->nq, want, dec), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(dec, dec_want, k->nq * k->d * 4, k->tag);
    /* the beam matters: greedy encoding differs from FAISS's beam-5 codes somewhere */
    if (k->beam > 1) {
      assert_int_equal(lq_vq_rq_set_beam(c, 1), LQ_OK);
      assert_int_equal(lq_vq_encode(c, k->nq, x, codes), LQ_OK);
      assert_true(memcmp(codes, want, k->nq * k->code_size) != 0);
      assert_int_equal(lq_vq_rq_set_beam(c, k->beam), LQ_OK);
    }
    /* the generic constructor builds the same codec (FAISS's defaults: beam 5) */
    if (k->beam == 5) {
      lq_vq_params g;
      memset(&g, 0, sizeof g);
      g.kind = (lq_vq_kind)LQ_VQ_PRQ;
      g.d = k->d;
      g.nsplits = k->ns;
      g.M = k->msub;
      g.nbits = k->nbits;
      lq_vq_codec* c2 = NULL;
      assert_int_equal(lq_vq_codec_new(&g, &c2), LQ_OK);
      assert_int_equal(lq_vq_set_centroids(c2, cent, nc), LQ_OK);
      assert_int_equal(lq_vq_encode(c2, k->nq, x, codes), LQ_OK);
      LQ_ASSERT_BITS_EQUAL(codes, want, k->nq * k->code_size, "lq_vq_codec_new PRQ");
      lq_vq_codec_free(c2);
    }
    /* unpack gives the splits' sub-codes in order; pack restores the bytes */
    int32_t idx[8];
    uint8_t re[8];
    for (size_t i = 0; i < k->nq; i++) {
      assert_int_equal(lq_vq_unpack_codes(c, 1, want + i * k->code_size, idx), LQ_OK);
      for (size_t m = 0; m < M; m++) assert_true(idx[m] >= 0 && (size_t)idx[m] < K);
      assert_int_equal(lq_vq_pack_codes(c, 1, idx, re), LQ_OK);
      LQ_ASSERT_BITS_EQUAL(re, want + i * k->code_size, k->code_size, "repack");
    }
    idx[M - 1] = (int32_t)K;
    lq_test_expect_error(lq_vq_pack_codes(c, 1, idx, re), LQ_ERR_INVALID_ARG, "outside");
    vq_test_check_save_load(c, k->nq, x);
    free(cent);
    free(back);
    free(x);
    free(want);
    free(dec_want);
    free(codes);
    free(dec);
    lq_vq_codec_free(c);
  }
}

/* ---------------------------------------------------- PLSQ vs FAISS -- */

static void test_plsq_decode_encode_vs_faiss(void** state) {
  (void)state;
  const size_t n = VQ_PROD_PLSQ_N, d = VQ_PROD_D, ns = 2, msub = 3, K = 16, ds = d / ns, nc = ns * msub * K * ds;
  const size_t cs = VQ_PROD_PLSQ_CODE_SIZE;
  float* cent = lq_test_load_f32("vq_prod_plsq_cent.bin", nc);
  float* x = lq_test_load_f32("vq_prod_plsq_x.bin", n * d);
  float* dec_want = lq_test_load_f32("vq_prod_plsq_dec.bin", n * d);
  size_t bytes;
  uint8_t* want = (uint8_t*)lq_test_read_vector("vq_prod_plsq_codes.bin", &bytes);
  assert_int_equal(bytes, n * cs);
  lq_vq_codec* c = make_plsq(d, ns, msub, 4, 2);
  assert_int_equal(lq_vq_code_size(c), cs);
  assert_int_equal(lq_vq_set_centroids(c, cent, nc), LQ_OK);
  float* y = (float*)malloc(n * d * 4);
  assert_int_equal(lq_vq_decode(c, n, want, y), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(y, dec_want, n * d * 4, "PLSQ decode of FAISS codes");
  /* encode: FAISS's ICM starts from std::mt19937 random codes we do not
   * replicate, so compare the error with FAISS's on the same codebooks */
  double mse = vq_test_codec_mse(c, n, d, x);
  print_message("PLSQ 2x3x4 encode with FAISS codebooks: MSE %.5f, FAISS %.5f (ratio %.4f)\n", mse,
                VQ_PROD_PLSQ_ENCODE_FAISS_MSE, mse / VQ_PROD_PLSQ_ENCODE_FAISS_MSE);
  if (mse > 1.01 * VQ_PROD_PLSQ_ENCODE_FAISS_MSE)
    fail_msg("PLSQ encode MSE %g vs FAISS %g", mse, VQ_PROD_PLSQ_ENCODE_FAISS_MSE);
  /* each split is the LSQ codec of its slice: the product codes are the
   * splits' codes of a plain LSQ codec with the same codebooks, bit-concatenated */
  uint8_t* codes = (uint8_t*)malloc(n * cs);
  assert_int_equal(lq_vq_encode(c, n, x, codes), LQ_OK);
  int32_t* idx = (int32_t*)malloc(n * ns * msub * 4);
  assert_int_equal(lq_vq_unpack_codes(c, n, codes, idx), LQ_OK);
  float* xs = (float*)malloc(n * ds * 4);
  int32_t sidx[3];
  for (size_t s = 0; s < ns; s++) {
    lq_vq_lsq_params lp;
    memset(&lp, 0, sizeof lp);
    lp.d = ds;
    lp.M = msub;
    lp.nbits = 4;
    lq_vq_codec* l = NULL;
    assert_int_equal(lq_vq_lsq_new(&lp, &l), LQ_OK);
    assert_int_equal(lq_vq_set_centroids(l, cent + s * msub * K * ds, msub * K * ds), LQ_OK);
    for (size_t i = 0; i < n; i++) memcpy(xs + i * ds, x + i * d + s * ds, ds * 4);
    uint8_t* sc = (uint8_t*)malloc(n * lq_vq_code_size(l));
    assert_int_equal(lq_vq_encode(l, n, xs, sc), LQ_OK);
    for (size_t i = 0; i < n; i++) {
      assert_int_equal(lq_vq_unpack_codes(l, 1, sc + i * lq_vq_code_size(l), sidx), LQ_OK);
      for (size_t m = 0; m < msub; m++)
        if (sidx[m] != idx[i * ns * msub + s * msub + m])
          fail_msg("split %zu vector %zu sub-code %zu: %d vs %d", s, i, m, idx[i * ns * msub + s * msub + m], sidx[m]);
    }
    free(sc);
    lq_vq_codec_free(l);
  }
  vq_test_check_save_load(c, 64, x);
  free(cent);
  free(x);
  free(dec_want);
  free(want);
  free(y);
  free(codes);
  free(idx);
  free(xs);
  lq_vq_codec_free(c);
}

/* ------------------------------------------------ training vs FAISS -- */

static void test_prq_train_vs_faiss(void** state) {
  (void)state;
  const size_t n = VQ_PROD_TRAIN_N, d = VQ_PROD_D, nc = 4 * 32 * (d / 2);
  float* x = lq_test_load_f32("vq_prod_train_x.bin", n * d);
  lq_vq_codec* c1 = make_prq(d, 2, 2, 5, 0, 1);
  lq_kmeans_stats st;
  assert_int_equal(lq_vq_train(c1, n, x, &st), LQ_OK);
  double mse = vq_test_codec_mse(c1, n, d, x);
  print_message("PRQ 2x2x5: MSE %.5f, FAISS %.5f (ratio %.4f)\n", mse, VQ_PROD_PRQ_TRAIN_FAISS_MSE,
                mse / VQ_PROD_PRQ_TRAIN_FAISS_MSE);
  if (mse > 1.02 * VQ_PROD_PRQ_TRAIN_FAISS_MSE) fail_msg("PRQ MSE %g vs FAISS %g", mse, VQ_PROD_PRQ_TRAIN_FAISS_MSE);
  /* the objective is the training set's encode error, summed over the splits */
  assert_true(fabs(st.objective / (double)n - mse) <= 1e-3 * mse);
  /* training and codes do not depend on the thread count */
  lq_vq_codec* c2 = make_prq(d, 2, 2, 5, 0, 2);
  assert_int_equal(lq_vq_train(c2, n, x, NULL), LQ_OK);
  float* a = (float*)malloc(nc * 4);
  float* b = (float*)malloc(nc * 4);
  assert_int_equal(lq_vq_get_centroids(c1, a, nc), LQ_OK);
  assert_int_equal(lq_vq_get_centroids(c2, b, nc), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(a, b, nc * 4, "PRQ codebooks, 1 vs 2 threads");
  /* split s's codebooks are those of an RQ trained on its slice alone */
  float* xs = (float*)malloc(n * (d / 2) * 4);
  for (size_t i = 0; i < n; i++) memcpy(xs + i * (d / 2), x + i * d + d / 2, (d / 2) * 4);
  lq_vq_rq_params rp;
  memset(&rp, 0, sizeof rp);
  rp.d = d / 2;
  rp.M = 2;
  rp.nbits = 5;
  lq_vq_codec* r = NULL;
  assert_int_equal(lq_vq_rq_new(&rp, &r), LQ_OK);
  assert_int_equal(lq_vq_train(r, n, xs, NULL), LQ_OK);
  assert_int_equal(lq_vq_get_centroids(r, b, nc / 2), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(a + nc / 2, b, nc / 2 * 4, "split 1 vs a standalone RQ");
  vq_test_check_save_load(c2, 200, x);
  free(a);
  free(b);
  free(xs);
  free(x);
  lq_vq_codec_free(r);
  lq_vq_codec_free(c1);
  lq_vq_codec_free(c2);
}

static void test_plsq_train_vs_faiss(void** state) {
  (void)state;
  const size_t n = VQ_PROD_TRAIN_N, d = VQ_PROD_D;
  float* x = lq_test_load_f32("vq_prod_train_x.bin", n * d);
  lq_vq_codec* c = make_plsq(d, 2, 2, 4, 0);
  lq_kmeans_stats st;
  assert_int_equal(lq_vq_train(c, n, x, &st), LQ_OK);
  double mse = vq_test_codec_mse(c, n, d, x);
  print_message("PLSQ 2x2x4: MSE %.5f, FAISS mean %.5f (5 seeds %.5f..%.5f), ratio %.4f\n", mse,
                VQ_PROD_PLSQ_TRAIN_FAISS_MSE, VQ_PROD_PLSQ_TRAIN_FAISS_MSE_MIN, VQ_PROD_PLSQ_TRAIN_FAISS_MSE_MAX,
                mse / VQ_PROD_PLSQ_TRAIN_FAISS_MSE);
  if (mse > 1.02 * VQ_PROD_PLSQ_TRAIN_FAISS_MSE)
    fail_msg("PLSQ MSE %g vs FAISS %g", mse, VQ_PROD_PLSQ_TRAIN_FAISS_MSE);
  assert_true(st.objective > 0);
  vq_test_check_save_load(c, 100, x);
  free(x);
  lq_vq_codec_free(c);
}

/* --------------------------------------------------------- progress -- */

typedef struct { int calls, stop_at; double last; int monotone; } prog_log;

static int log_progress(double done, void* user) {
  prog_log* p = (prog_log*)user;
  if (done < p->last) p->monotone = 0;
  p->last = done;
  return ++p->calls == p->stop_at;
}

/* One monotone fraction over all splits (reaching 1), through either
 * constructor's callback; a non-zero return cancels. */
static void test_product_progress(void** state) {
  (void)state;
  const size_t n = 300, d = VQ_PROD_D;
  float* x = lq_test_load_f32("vq_prod_train_x.bin", VQ_PROD_TRAIN_N * d);
  for (int kind = 0; kind < 2; kind++) {
    lq_vq_params g;
    memset(&g, 0, sizeof g);
    g.kind = (lq_vq_kind)(kind ? LQ_VQ_PLSQ : LQ_VQ_PRQ);
    g.d = d;
    g.nsplits = 4;
    g.M = 2;
    g.nbits = 3;
    g.nthreads = 1;
    prog_log log = {0, 0, 0.0, 1};
    g.km.progress = log_progress;
    g.km.progress_user = &log;
    lq_vq_codec* c = NULL;
    assert_int_equal(lq_vq_codec_new(&g, &c), LQ_OK);
    assert_int_equal(lq_vq_train(c, n, x, NULL), LQ_OK);
    assert_true(log.monotone);
    assert_true(log.last == 1.0);
    assert_true(log.calls >= 4);
    prog_log stop = {0, log.calls / 2 + 1, 0.0, 1};
    g.km.progress_user = &stop;
    lq_vq_codec_free(c);
    assert_int_equal(lq_vq_codec_new(&g, &c), LQ_OK);
    lq_test_expect_error(lq_vq_train(c, n, x, NULL), LQ_ERR_CANCELLED, "cancelled");
    assert_int_equal(lq_vq_is_trained(c), 0);
    lq_vq_codec_free(c);
  }
  free(x);
}

/* ------------------------------------------------------------- schemes -- */

/* The scheme's roundtrip equals the calibrate + encode + decode path (what
 * quant bench times) and a codec trained through the API, bit for bit. */
static void scheme_check(const char* spec, lq_vq_codec* ref, size_t n, size_t d, const float* x, double want_bpe) {
  lq_shape shape = {2, {(int64_t)n, (int64_t)d}};
  float* y = (float*)malloc(n * d * 4);
  float* y2 = (float*)malloc(n * d * 4);
  lq_scheme* s = NULL;
  if (lq_scheme_parse(spec, &s) != LQ_OK) fail_msg("%s: %s", spec, lq_last_error());
  if (lq_scheme_roundtrip(s, &shape, x, y, NULL) != LQ_OK) fail_msg("%s: %s", spec, lq_last_error());
  double bpe;
  assert_int_equal(lq_scheme_bits_per_element(s, &shape, &bpe), LQ_OK);
  assert_true(fabs(bpe - want_bpe) < 1e-12);
  lq_scheme_destroy(s);
  size_t bytes = 0;
  assert_int_equal(lq_scheme_parse(spec, &s), LQ_OK);
  assert_int_equal(lq_scheme_calibrate(s, &shape, x), LQ_OK);
  assert_int_equal(lq_scheme_encoded_size(s, &shape, &bytes), LQ_OK);
  assert_int_equal(bytes, n * lq_vq_code_size(ref));
  uint8_t* codes = (uint8_t*)malloc(bytes);
  assert_int_equal(lq_scheme_encode(s, &shape, x, codes, bytes), LQ_OK);
  assert_int_equal(lq_scheme_decode(s, &shape, codes, bytes, y2), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(y, y2, n * d * 4, spec);
  lq_scheme_destroy(s);
  assert_int_equal(lq_vq_train(ref, n, x, NULL), LQ_OK);
  assert_int_equal(lq_vq_encode(ref, n, x, codes), LQ_OK);
  assert_int_equal(lq_vq_decode(ref, n, codes, y2), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(y, y2, n * d * 4, spec);
  free(codes);
  free(y);
  free(y2);
}

static void test_product_schemes(void** state) {
  (void)state;
  const size_t n = 400, d = VQ_PROD_D;
  float* x = lq_test_load_f32("vq_prod_train_x.bin", VQ_PROD_TRAIN_N * d);
  const double numel = (double)(n * d);
  /* bits per element: nsplits*M*nbits / d + 32 * (nsplits*M*2^nbits*(d/nsplits)) / numel */
  lq_vq_codec* r = make_prq(d, 4, 2, 3, 2, 1);
  scheme_check("prq:nsplits=4:m=2:nbits=3:beam=2", r, n, d, x, 24.0 / 16 + 32.0 * 8 * 8 * 4 / numel);
  lq_vq_codec_free(r);
  lq_vq_plsq_params l;
  memset(&l, 0, sizeof l);
  l.d = d;
  l.nsplits = 2;
  l.lsq.M = 2;
  l.lsq.nbits = 4;
  l.lsq.train_iters = 3;
  l.lsq.nthreads = 1;
  lq_vq_codec* c = NULL;
  assert_int_equal(lq_vq_plsq_new(&l, &c), LQ_OK);
  scheme_check("plsq:nsplits=2:m=2:nbits=4:iters=3", c, n, d, x, 16.0 / 16 + 32.0 * 4 * 16 * 8 / numel);
  lq_vq_codec_free(c);
  lq_scheme* s = NULL;
  lq_shape shape = {2, {(int64_t)n, (int64_t)d}};
  float* y = (float*)malloc(n * d * 4);
  assert_int_equal(lq_scheme_parse("prq:nsplits=3", &s), LQ_OK);
  lq_test_expect_error(lq_scheme_roundtrip(s, &shape, x, y, NULL), LQ_ERR_INVALID_ARG, "not divisible by nsplits");
  lq_scheme_destroy(s);
  lq_test_expect_error(lq_scheme_parse("plsq:beam=2", &s), LQ_ERR_INVALID_ARG, "unknown key");
  lq_test_expect_error(lq_scheme_parse("prq:nsplits=0", &s), LQ_ERR_INVALID_ARG, NULL);
  free(y);
  free(x);
}

/* ------------------------------------------------------------ bad input -- */

static void test_product_bad_input(void** state) {
  (void)state;
  lq_vq_codec* c = (lq_vq_codec*)0x1;
  lq_vq_prq_params p;
  memset(&p, 0, sizeof p);
  p.d = 12;
  p.nsplits = 5;
  p.rq.M = 2;
  p.rq.nbits = 4;
  lq_test_expect_error(lq_vq_prq_new(&p, &c), LQ_ERR_INVALID_ARG, "not divisible by nsplits");
  assert_null(c);
  p.nsplits = 0;
  lq_test_expect_error(lq_vq_prq_new(&p, &c), LQ_ERR_INVALID_ARG, "nsplits is 0");
  p.nsplits = 3;
  p.rq.nbits = 17;
  lq_test_expect_error(lq_vq_prq_new(&p, &c), LQ_ERR_INVALID_ARG, "out of range 1..16");
  p.rq.nbits = 0;
  lq_test_expect_error(lq_vq_prq_new(&p, &c), LQ_ERR_INVALID_ARG, "out of range 1..16");
  p.rq.nbits = 4;
  p.rq.d = 3;
  lq_test_expect_error(lq_vq_prq_new(&p, &c), LQ_ERR_INVALID_ARG, "d / nsplits");
  p.rq.d = 4;
  p.d = 0;
  lq_test_expect_error(lq_vq_prq_new(&p, &c), LQ_ERR_INVALID_ARG, "d is 0");
  lq_test_expect_error(lq_vq_prq_new(NULL, &c), LQ_ERR_INVALID_ARG, NULL);
  lq_vq_plsq_params l;
  memset(&l, 0, sizeof l);
  l.d = 8;
  l.nsplits = 3;
  l.lsq.M = 2;
  l.lsq.nbits = 4;
  lq_test_expect_error(lq_vq_plsq_new(&l, &c), LQ_ERR_INVALID_ARG, "not divisible by nsplits");
  l.nsplits = 2;
  l.lsq.M = 64;
  l.lsq.nbits = 8;
  lq_test_expect_error(lq_vq_plsq_new(&l, &c), LQ_ERR_INVALID_ARG, "8192");
  lq_vq_params g;
  memset(&g, 0, sizeof g);
  g.kind = (lq_vq_kind)LQ_VQ_PLSQ;
  g.d = 8;
  g.M = 2;
  g.nbits = 4;
  lq_test_expect_error(lq_vq_codec_new(&g, &c), LQ_ERR_INVALID_ARG, "nsplits is 0");
  g.nsplits = 2;
  assert_int_equal(lq_vq_codec_new(&g, &c), LQ_OK);
  assert_int_equal(lq_vq_code_size(c), 2);
  float x[64 * 8], q[8] = {0}, table[16];
  uint8_t codes[64 * 2];
  for (size_t i = 0; i < 64 * 8; i++) x[i] = (float)((i * 37) % 11) - 5.0f;
  lq_test_expect_error(lq_vq_encode(c, 1, x, codes), LQ_ERR_STATE, "not trained");
  lq_test_expect_error(lq_vq_train(c, 10, x, NULL), LQ_ERR_INVALID_ARG, "split 0 of 2");
  lq_test_expect_error(lq_vq_rq_set_beam(c, 2), LQ_ERR_INVALID_ARG, "not an RQ or PRQ");
  x[13] = NAN;
  lq_test_expect_error(lq_vq_train(c, 64, x, NULL), LQ_ERR_NUMERIC, "NaN");
  x[13] = 1.0f;
  for (size_t i = 0; i < 64; i++) x[i * 8 + 5] = x[i * 8 + 4] = x[i * 8 + 6] = x[i * 8 + 7] = 2.0f;
  lq_test_expect_error(lq_vq_train(c, 64, x, NULL), LQ_ERR_NUMERIC, "split 1 of 2");
  lq_vq_codec_free(c);
  c = make_prq(8, 2, 2, 3, 0, 1);
  for (size_t i = 0; i < 64 * 8; i++) x[i] = (float)((i * 37) % 11) - 5.0f;
  assert_int_equal(lq_vq_train(c, 64, x, NULL), LQ_OK);
  lq_test_expect_error(lq_vq_compute_distance_table(c, q, table), LQ_ERR_UNSUPPORTED, NULL);
  lq_test_expect_error(lq_vq_rq_set_beam(c, 0), LQ_ERR_INVALID_ARG, "beam 0");
  lq_test_expect_error(lq_vq_save(c, codes, 10, &(size_t){0}), LQ_ERR_BUFFER_TOO_SMALL, NULL);
  lq_vq_codec_free(c);
  lq_vq_codec_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_product_bad_input),
      cmocka_unit_test(test_prq_codes_match_faiss),
      cmocka_unit_test(test_plsq_decode_encode_vs_faiss),
      cmocka_unit_test(test_prq_train_vs_faiss),
      cmocka_unit_test(test_plsq_train_vs_faiss),
      cmocka_unit_test(test_product_schemes),
      cmocka_unit_test(test_product_progress),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
