/* Residual quantization (RQ / multi-stage RVQ) and tree-structured VQ codecs:
 * encode of FAISS codebooks equals faiss.ResidualQuantizer codes (goldens of
 * tests/vectors/gen_vq.py, near-ties excluded there), training MSE vs FAISS,
 * TSVQ descent vs a brute-force descent, save/load and bad inputs. */
#include "vq_test_util.h"

#include "vectors/vq_golden.h"

static lq_vq_codec* make_rq(size_t d, size_t M, const int* nb, int beam, int nthreads) {
  lq_vq_rq_params p = {0};
  p.d = d;
  p.M = M;
  p.stage_nbits = nb;
  p.max_beam_size = beam;
  p.nthreads = nthreads;
  lq_vq_codec* c = NULL;
  assert_int_equal(lq_vq_rq_new(&p, &c), LQ_OK);
  return c;
}

/* ------------------------------------------------------------------ RQ -- */

typedef struct { const char* tag; size_t d, M; int nb[4]; int beam; size_t nq, code_size; } rq_case;

static void test_rq_codes_match_faiss(void** state) {
  (void)state;
  const rq_case cases[] = {
      {"m4b6_beam1", 8, 4, {6, 6, 6, 6}, 1, VQ_RQ_M4B6_BEAM1_NQ, VQ_RQ_M4B6_BEAM1_CODE_SIZE},
      {"m4b6_beam5", 8, 4, {6, 6, 6, 6}, 5, VQ_RQ_M4B6_BEAM5_NQ, VQ_RQ_M4B6_BEAM5_CODE_SIZE},
      {"mixed_beam5", 12, 4, {4, 6, 8, 3}, 5, VQ_RQ_MIXED_BEAM5_NQ, VQ_RQ_MIXED_BEAM5_CODE_SIZE},
      {"m3b5_beam16", 6, 3, {5, 5, 5}, 16, VQ_RQ_M3B5_BEAM16_NQ, VQ_RQ_M3B5_BEAM16_CODE_SIZE},
  };
  char name[128];
  for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
    const rq_case* k = &cases[ci];
    size_t rows = 0;
    for (size_t m = 0; m < k->M; m++) rows += (size_t)1 << k->nb[m];
    lq_vq_codec* c = make_rq(k->d, k->M, k->nb, k->beam, 2);
    assert_int_equal(lq_vq_code_size(c), k->code_size);
    assert_int_equal(lq_vq_table_size(c), 0);
    snprintf(name, sizeof name, "vq_rq_%s_cent.bin", k->tag);
    float* cent = lq_test_load_f32(name, rows * k->d);
    snprintf(name, sizeof name, "vq_rq_%s_x.bin", k->tag);
    float* x = lq_test_load_f32(name, k->nq * k->d);
    snprintf(name, sizeof name, "vq_rq_%s_codes.bin", k->tag);
    size_t bytes;
    uint8_t* want = (uint8_t*)lq_test_read_vector(name, &bytes);
    assert_int_equal(bytes, k->nq * k->code_size);
    snprintf(name, sizeof name, "vq_rq_%s_dec.bin", k->tag);
    float* dec_want = lq_test_load_f32(name, k->nq * k->d);
    lq_test_expect_error(lq_vq_set_centroids(c, cent, rows * k->d - 1), LQ_ERR_INVALID_ARG, "expected");
    assert_int_equal(lq_vq_set_centroids(c, cent, rows * k->d), LQ_OK);
    uint8_t* codes = (uint8_t*)malloc(k->nq * k->code_size);
    float* dec = (float*)malloc(k->nq * k->d * 4);
    assert_int_equal(lq_vq_encode(c, k->nq, x, codes), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(codes, want, k->nq * k->code_size, k->tag);
    assert_int_equal(lq_vq_decode(c, k->nq, want, dec), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(dec, dec_want, k->nq * k->d * 4, k->tag);
    /* the beam matters: greedy encoding differs from FAISS's beam-5/16 codes somewhere */
    if (k->beam > 1) {
      assert_int_equal(lq_vq_rq_set_beam(c, 1), LQ_OK);
      assert_int_equal(lq_vq_encode(c, k->nq, x, codes), LQ_OK);
      assert_true(memcmp(codes, want, k->nq * k->code_size) != 0);
    }
    /* unpack / repack with per-stage widths */
    int32_t idx[4];
    uint8_t re[8];
    for (size_t i = 0; i < k->nq; i++) {
      assert_int_equal(lq_vq_unpack_codes(c, 1, want + i * k->code_size, idx), LQ_OK);
      for (size_t m = 0; m < k->M; m++) assert_true(idx[m] >= 0 && idx[m] < (1 << k->nb[m]));
      assert_int_equal(lq_vq_pack_codes(c, 1, idx, re), LQ_OK);
      LQ_ASSERT_BITS_EQUAL(re, want + i * k->code_size, k->code_size, "repack");
    }
    idx[k->M - 1] = 1 << k->nb[k->M - 1];
    lq_test_expect_error(lq_vq_pack_codes(c, 1, idx, re), LQ_ERR_INVALID_ARG, "outside");
    vq_test_check_save_load(c, k->nq, x);
    free(cent);
    free(x);
    free(want);
    free(dec_want);
    free(codes);
    free(dec);
    lq_vq_codec_free(c);
  }
  /* FAISS's documented layout example: nbits [4,6,8], codes [3,40,200] → [131,34,3] */
  const int nb[3] = {4, 6, 8};
  lq_vq_codec* c = make_rq(2, 3, nb, 1, 1);
  const int32_t idx[3] = {3, 40, 200};
  uint8_t code[3];
  assert_int_equal(lq_vq_pack_codes(c, 1, idx, code), LQ_OK);
  assert_int_equal(code[0], 131);
  assert_int_equal(code[1], 34);
  assert_int_equal(code[2], 3);
  lq_vq_codec_free(c);
}

static void test_rq_train_vs_faiss(void** state) {
  (void)state;
  float* x = lq_test_load_f32("vq_km_data.bin", VQ_KM_N * VQ_KM_D);
  const int nb[4] = {6, 6, 6, 6};
  const double faiss_mse[2] = {VQ_RQ_TRAIN_BEAM1_FAISS_MSE, VQ_RQ_TRAIN_BEAM8_FAISS_MSE};
  const int beams[2] = {1, 8};
  double mse[2];
  for (int bi = 0; bi < 2; bi++) {
    lq_vq_codec* c = make_rq(VQ_KM_D, 4, nb, beams[bi], 1);
    lq_kmeans_stats st;
    assert_int_equal(lq_vq_train(c, VQ_KM_N, x, &st), LQ_OK);
    mse[bi] = vq_test_codec_mse(c, VQ_KM_N, VQ_KM_D, x);
    print_message("RQ4x6 beam %d: MSE %.5f, FAISS %.5f (ratio %.4f)\n", beams[bi], mse[bi], faiss_mse[bi],
                  mse[bi] / faiss_mse[bi]);
    if (mse[bi] > 1.02 * faiss_mse[bi]) fail_msg("RQ beam %d MSE %g vs FAISS %g", beams[bi], mse[bi], faiss_mse[bi]);
    /* the training objective is the encode error of the training set (same beam) */
    assert_true(fabs(st.objective / VQ_KM_N - mse[bi]) <= 1e-3 * mse[bi]);
    if (bi == 1) { /* the beam-8 run is the slow one: check threads on beam 1 only */
      vq_test_check_save_load(c, 300, x);
      lq_vq_codec_free(c);
      continue;
    }
    /* thread-count independence of training and encoding */
    lq_vq_codec* c3 = make_rq(VQ_KM_D, 4, nb, beams[bi], 3);
    assert_int_equal(lq_vq_train(c3, VQ_KM_N, x, NULL), LQ_OK);
    float* a = (float*)malloc(4 * 64 * VQ_KM_D * 4);
    float* b = (float*)malloc(4 * 64 * VQ_KM_D * 4);
    assert_int_equal(lq_vq_get_centroids(c, a, 4 * 64 * VQ_KM_D), LQ_OK);
    assert_int_equal(lq_vq_get_centroids(c3, b, 4 * 64 * VQ_KM_D), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(a, b, 4 * 64 * VQ_KM_D * 4, "RQ codebooks vs threads");
    vq_test_check_save_load(c3, 300, x);
    free(a);
    free(b);
    lq_vq_codec_free(c);
    lq_vq_codec_free(c3);
  }
  assert_true(mse[1] < mse[0]); /* a wider beam lowers the error */
  free(x);
}

/* SoundStream/EnCodec-style RVQ: greedy, levels of different sizes. The codes
 * must equal a brute-force greedy residual search done here. */
static void test_rvq_levels(void** state) {
  (void)state;
  float* x = lq_test_load_f32("vq_km_data.bin", VQ_KM_N * VQ_KM_D);
  const size_t n = 1500, d = VQ_KM_D;
  const int nb[3] = {2, 4, 6};
  lq_vq_codec* c = make_rq(d, 3, nb, 1, 2);
  assert_int_equal(lq_vq_code_size(c), 2);
  assert_int_equal(lq_vq_train(c, n, x, NULL), LQ_OK);
  float* cb = (float*)malloc((4 + 16 + 64) * d * 4);
  assert_int_equal(lq_vq_get_centroids(c, cb, (4 + 16 + 64) * d), LQ_OK);
  uint8_t* codes = (uint8_t*)malloc(n * 2);
  float* y = (float*)malloc(n * d * 4);
  assert_int_equal(lq_vq_encode(c, n, x, codes), LQ_OK);
  assert_int_equal(lq_vq_decode(c, n, codes, y), LQ_OK);
  const size_t off[3] = {0, 4, 20};
  double err[3] = {0, 0, 0};
  for (size_t i = 0; i < n; i++) {
    float r[VQ_KM_D], rec[VQ_KM_D];
    memcpy(r, x + i * d, sizeof r);
    memset(rec, 0, sizeof rec);
    int32_t idx[3];
    assert_int_equal(lq_vq_unpack_codes(c, 1, codes + i * 2, idx), LQ_OK);
    for (int m = 0; m < 3; m++) {
      int best = 0;
      float bd = 0;
      for (int j = 0; j < (1 << nb[m]); j++) {
        float s = 0;
        for (size_t t = 0; t < d; t++) {
          float u = r[t] - cb[(off[m] + (size_t)j) * d + t];
          s = s + u * u;
        }
        if (j == 0 || s < bd) {
          bd = s;
          best = j;
        }
      }
      assert_int_equal(idx[m], best);
      for (size_t t = 0; t < d; t++) {
        r[t] = r[t] - cb[(off[m] + (size_t)best) * d + t];
        rec[t] = rec[t] + cb[(off[m] + (size_t)best) * d + t];
      }
      err[m] += bd;
    }
    LQ_ASSERT_BITS_EQUAL(rec, y + i * d, sizeof rec, "RVQ decode");
  }
  /* every level lowers the error (a coarse-to-fine code) */
  assert_true(err[1] < err[0] && err[2] < err[1]);
  vq_test_check_save_load(c, 200, x);
  free(cb);
  free(codes);
  free(y);
  free(x);
  lq_vq_codec_free(c);
}

/* ---------------------------------------------------------------- TSVQ -- */

static void test_tsvq(void** state) {
  (void)state;
  float* x = lq_test_load_f32("vq_km_data.bin", VQ_KM_N * VQ_KM_D);
  const size_t n = 3000, d = VQ_KM_D;
  lq_vq_tsvq_params p = {0};
  p.d = d;
  p.depth = 3;
  p.branch = 4;
  p.nthreads = 2;
  lq_vq_codec* c = NULL;
  assert_int_equal(lq_vq_tsvq_new(&p, &c), LQ_OK);
  assert_int_equal(lq_vq_code_size(c), 1); /* 3 levels x 2 bits */
  lq_kmeans_stats st;
  assert_int_equal(lq_vq_train(c, n, x, &st), LQ_OK);
  const size_t nodes = 4 + 16 + 64;
  float* cent = (float*)malloc(nodes * d * 4);
  assert_int_equal(lq_vq_get_centroids(c, cent, nodes * d), LQ_OK);
  uint8_t* codes = (uint8_t*)malloc(n);
  float* y = (float*)malloc(n * d * 4);
  assert_int_equal(lq_vq_encode(c, n, x, codes), LQ_OK);
  assert_int_equal(lq_vq_decode(c, n, codes, y), LQ_OK);
  double tse = 0, flat_opt = 0;
  size_t missed = 0;
  for (size_t i = 0; i < n; i++) {
    /* brute-force greedy descent over the stored tree */
    size_t node = 0, off = 0, lv = 1;
    uint32_t want = 0;
    float bd = 0;
    for (int l = 0; l < 3; l++) {
      lv *= 4;
      size_t bj = 0;
      for (size_t j = 0; j < 4; j++) {
        float s = 0;
        for (size_t t = 0; t < d; t++) {
          float u = x[i * d + t] - cent[(off + node * 4 + j) * d + t];
          s = s + u * u;
        }
        if (j == 0 || s < bd) {
          bd = s;
          bj = j;
        }
      }
      want |= (uint32_t)bj << (2 * l);
      node = node * 4 + bj;
      off += lv;
    }
    assert_int_equal(codes[i], want);
    LQ_ASSERT_BITS_EQUAL(y + i * d, cent + (20 + node) * d, d * 4, "TSVQ decode = leaf");
    tse += bd;
    /* the nearest leaf overall: greedy descent may miss it */
    float best = bd;
    for (size_t j = 0; j < 64; j++) {
      float s = 0;
      for (size_t t = 0; t < d; t++) {
        float u = x[i * d + t] - cent[(20 + j) * d + t];
        s = s + u * u;
      }
      if (s < best) best = s;
    }
    if (best < bd) missed++;
    flat_opt += best;
  }
  assert_true(fabs(st.objective - tse) <= 1e-4 * tse);
  /* flat k-means with the same 64 leaves */
  float* flat = (float*)malloc(64 * d * 4);
  lq_kmeans_config km = {0};
  lq_kmeans_stats fst;
  assert_int_equal(lq_kmeans_train(&km, n, d, x, 64, flat, NULL, &fst), LQ_OK);
  float* fd = (float*)malloc(n * 4);
  assert_int_equal(lq_kmeans_assign(n, d, x, 64, flat, 1, NULL, fd), LQ_OK);
  double flat_mse = 0;
  for (size_t i = 0; i < n; i++) flat_mse += fd[i];
  flat_mse /= (double)n;
  double tsvq_mse = tse / (double)n;
  print_message("TSVQ 4x4x4: MSE %.5f, flat k-means 64: %.5f (ratio %.3f), greedy misses %zu/%zu\n", tsvq_mse,
                flat_mse, tsvq_mse / flat_mse, missed, n);
  /* the constrained tree cannot beat flat k-means by much and should not be far worse */
  assert_true(tsvq_mse >= 0.98 * flat_mse);
  assert_true(tsvq_mse <= 1.5 * flat_mse);
  assert_true(flat_opt / (double)n <= tsvq_mse);
  vq_test_check_save_load(c, 300, x);
  /* lq_vq_codec_new with kind TSVQ: depth M, branch 2^nbits */
  lq_vq_params pp = {0};
  pp.kind = (lq_vq_kind)LQ_VQ_TSVQ;
  pp.d = d;
  pp.M = 2;
  pp.nbits = 3;
  lq_vq_codec* c2 = NULL;
  assert_int_equal(lq_vq_codec_new(&pp, &c2), LQ_OK);
  assert_int_equal(lq_vq_code_size(c2), 1);
  assert_int_equal(lq_vq_train(c2, n, x, NULL), LQ_OK);
  lq_vq_codec_free(c2);
  /* non-power-of-two branch and a node with fewer rows than children */
  p.depth = 2;
  p.branch = 3;
  assert_int_equal(lq_vq_tsvq_new(&p, &c2), LQ_OK);
  assert_int_equal(lq_vq_train(c2, 5, x, NULL), LQ_OK);
  uint8_t cc[5];
  float yy[5 * VQ_KM_D];
  assert_int_equal(lq_vq_encode(c2, 5, x, cc), LQ_OK);
  assert_int_equal(lq_vq_decode(c2, 5, cc, yy), LQ_OK);
  for (size_t i = 0; i < 5 * d; i++) assert_true(isfinite(yy[i]));
  lq_vq_codec_free(c2);
  free(fd);
  free(flat);
  free(cent);
  free(codes);
  free(y);
  free(x);
  lq_vq_codec_free(c);
}

/* ------------------------------------------------------------ bad input -- */

static void test_ml_bad_input(void** state) {
  (void)state;
  lq_vq_codec* c = (lq_vq_codec*)0x1;
  lq_test_expect_error(lq_vq_rq_new(NULL, &c), LQ_ERR_INVALID_ARG, NULL);
  lq_vq_rq_params r = {0};
  r.d = 4;
  r.M = 2;
  r.nbits = 4;
  lq_test_expect_error(lq_vq_rq_new(&r, NULL), LQ_ERR_INVALID_ARG, NULL);
  r.d = 0;
  lq_test_expect_error(lq_vq_rq_new(&r, &c), LQ_ERR_INVALID_ARG, "d is 0");
  assert_null(c);
  r.d = 4;
  r.M = 0;
  lq_test_expect_error(lq_vq_rq_new(&r, &c), LQ_ERR_INVALID_ARG, "M is 0");
  r.M = 2;
  r.nbits = 17;
  lq_test_expect_error(lq_vq_rq_new(&r, &c), LQ_ERR_INVALID_ARG, "out of range");
  r.nbits = 0;
  lq_test_expect_error(lq_vq_rq_new(&r, &c), LQ_ERR_INVALID_ARG, "out of range");
  const int bad_nb[2] = {4, 20};
  r.stage_nbits = bad_nb;
  lq_test_expect_error(lq_vq_rq_new(&r, &c), LQ_ERR_INVALID_ARG, "stage 1");
  r.stage_nbits = NULL;
  r.nbits = 4;
  r.max_beam_size = -1;
  lq_test_expect_error(lq_vq_rq_new(&r, &c), LQ_ERR_INVALID_ARG, "max_beam_size");
  r.max_beam_size = 0;
  r.M = 5000;
  lq_test_expect_error(lq_vq_rq_new(&r, &c), LQ_ERR_INVALID_ARG, "4096");
  r.M = 2;
  assert_int_equal(lq_vq_rq_new(&r, &c), LQ_OK);
  lq_test_expect_error(lq_vq_rq_set_beam(c, 0), LQ_ERR_INVALID_ARG, "beam");
  lq_test_expect_error(lq_vq_rq_set_beam(NULL, 2), LQ_ERR_INVALID_ARG, NULL);
  float x[64 * 4];
  for (int i = 0; i < 64 * 4; i++) x[i] = (float)((i * 37) % 11) - 5.0f;
  uint8_t code[8];
  float tab[64];
  lq_test_expect_error(lq_vq_encode(c, 1, x, code), LQ_ERR_STATE, "not trained");
  lq_test_expect_error(lq_vq_train(c, 0, x, NULL), LQ_ERR_INVALID_ARG, "empty");
  lq_test_expect_error(lq_vq_train(c, 10, x, NULL), LQ_ERR_INVALID_ARG, "larger than the number of points");
  x[7] = NAN;
  lq_test_expect_error(lq_vq_train(c, 64, x, NULL), LQ_ERR_NUMERIC, "NaN");
  x[7] = 1.0f;
  float cst[64 * 4];
  for (int i = 0; i < 64 * 4; i++) cst[i] = 2.5f;
  lq_test_expect_error(lq_vq_train(c, 64, cst, NULL), LQ_ERR_NUMERIC, "zero variance");
  assert_int_equal(lq_vq_is_trained(c), 0);
  assert_int_equal(lq_vq_train(c, 64, x, NULL), LQ_OK);
  x[2] = INFINITY;
  lq_test_expect_error(lq_vq_encode(c, 1, x, code), LQ_ERR_NUMERIC, "NaN or Inf");
  x[2] = 0.0f;
  lq_test_expect_error(lq_vq_compute_distance_table(c, x, tab), LQ_ERR_UNSUPPORTED, "distance table");
  lq_test_expect_error(lq_vq_adc_scan(c, tab, 1, code, tab), LQ_ERR_UNSUPPORTED, NULL);
  lq_test_expect_error(lq_vq_sdc_table(c, tab, 64), LQ_ERR_UNSUPPORTED, NULL);
  lq_test_expect_error(lq_vq_sdc_distances(c, tab, code, 1, code, tab), LQ_ERR_UNSUPPORTED, NULL);
  lq_test_expect_error(lq_vq_get_rotation(c, tab, 16), LQ_ERR_INVALID_ARG, "not OPQ");
  float bad[32 * 4];
  for (int i = 0; i < 32 * 4; i++) bad[i] = 1.0f;
  bad[5] = NAN;
  lq_test_expect_error(lq_vq_set_centroids(c, bad, 32 * 4), LQ_ERR_NUMERIC, "NaN");
  lq_vq_codec_free(c);
  /* lq_vq_codec_new forwards RQ / TSVQ kinds */
  lq_vq_params p = {0};
  p.kind = (lq_vq_kind)LQ_VQ_RQ;
  p.d = 4;
  p.M = 3;
  p.nbits = 5;
  assert_int_equal(lq_vq_codec_new(&p, &c), LQ_OK);
  assert_int_equal(lq_vq_code_size(c), 2);
  lq_vq_codec_free(c);
  p.kind = (lq_vq_kind)LQ_VQ_TSVQ;
  p.nbits = 0;
  lq_test_expect_error(lq_vq_codec_new(&p, &c), LQ_ERR_INVALID_ARG, "out of range");
  /* TSVQ geometry */
  lq_vq_tsvq_params t = {0};
  lq_test_expect_error(lq_vq_tsvq_new(NULL, &c), LQ_ERR_INVALID_ARG, NULL);
  t.d = 4;
  t.depth = 0;
  t.branch = 4;
  lq_test_expect_error(lq_vq_tsvq_new(&t, &c), LQ_ERR_INVALID_ARG, "depth");
  t.depth = 2;
  t.branch = 1;
  lq_test_expect_error(lq_vq_tsvq_new(&t, &c), LQ_ERR_INVALID_ARG, "branch");
  t.branch = 65537;
  lq_test_expect_error(lq_vq_tsvq_new(&t, &c), LQ_ERR_INVALID_ARG, "branch");
  t.branch = 256;
  t.depth = 4;
  lq_test_expect_error(lq_vq_tsvq_new(&t, &c), LQ_ERR_INVALID_ARG, "2^26");
  t.d = 0;
  t.depth = 2;
  t.branch = 4;
  lq_test_expect_error(lq_vq_tsvq_new(&t, &c), LQ_ERR_INVALID_ARG, "d is 0");
  t.d = 4;
  assert_int_equal(lq_vq_tsvq_new(&t, &c), LQ_OK);
  lq_test_expect_error(lq_vq_train(c, 3, x, NULL), LQ_ERR_INVALID_ARG, "branch 4 is larger");
  lq_test_expect_error(lq_vq_train(c, 64, cst, NULL), LQ_ERR_NUMERIC, "zero variance");
  assert_int_equal(lq_vq_train(c, 64, x, NULL), LQ_OK);
  int32_t idx[2] = {1, 4};
  lq_test_expect_error(lq_vq_pack_codes(c, 1, idx, code), LQ_ERR_INVALID_ARG, "outside 0..3");
  lq_vq_codec_free(c);
}


/* ------------------------------------------------------ scheme families -- */

/* Reference reconstruction of the scheme: a codec trained with the same config. */
static void ref_codec_roundtrip(lq_vq_codec* c, size_t n, const float* x, float* y) {
  uint8_t* codes = (uint8_t*)malloc(n * lq_vq_code_size(c));
  assert_int_equal(lq_vq_train(c, n, x, NULL), LQ_OK);
  assert_int_equal(lq_vq_encode(c, n, x, codes), LQ_OK);
  assert_int_equal(lq_vq_decode(c, n, codes, y), LQ_OK);
  free(codes);
  lq_vq_codec_free(c);
}

/* The roundtrip of spec, checked against the calibrate + encode + decode
 * path (what quant bench times) of a second instance: same floats. */
static void scheme_rt(const char* spec, const lq_shape* shape, const float* x, float* y, double* bpe) {
  lq_scheme* s = NULL;
  if (lq_scheme_parse(spec, &s) != LQ_OK) fail_msg("%s: %s", spec, lq_last_error());
  if (lq_scheme_roundtrip(s, shape, x, y, NULL) != LQ_OK) fail_msg("%s: %s", spec, lq_last_error());
  assert_int_equal(lq_scheme_bits_per_element(s, shape, bpe), LQ_OK);
  lq_scheme_destroy(s);

  size_t numel = 1, bytes = 0;
  for (int i = 0; i < shape->ndim; i++) numel *= (size_t)shape->dims[i];
  assert_int_equal(lq_scheme_parse(spec, &s), LQ_OK);
  if (lq_scheme_calibrate(s, shape, x) != LQ_OK) fail_msg("%s: calibrate: %s", spec, lq_last_error());
  assert_int_equal(lq_scheme_encoded_size(s, shape, &bytes), LQ_OK);
  uint8_t* codes = (uint8_t*)malloc(bytes);
  float* y2 = (float*)malloc(numel * 4);
  if (lq_scheme_encode(s, shape, x, codes, bytes) != LQ_OK) fail_msg("%s: encode: %s", spec, lq_last_error());
  if (lq_scheme_decode(s, shape, codes, bytes, y2) != LQ_OK) fail_msg("%s: decode: %s", spec, lq_last_error());
  LQ_ASSERT_BITS_EQUAL(y, y2, numel * 4, spec);
  lq_test_expect_error(lq_scheme_encode(s, shape, x, codes, bytes - 1), LQ_ERR_BUFFER_TOO_SMALL, NULL);
  free(codes);
  free(y2);
  lq_scheme_destroy(s);
}

static void test_vq_schemes(void** state) {
  (void)state;
  float* all = lq_test_load_f32("vq_km_data.bin", VQ_KM_N * VQ_KM_D);
  const size_t n = 600, d = 8; /* the first 8 columns of 600 rows */
  float* x = (float*)malloc(n * d * 4);
  for (size_t i = 0; i < n; i++) memcpy(x + i * d, all + i * VQ_KM_D, d * 4);
  float* y = (float*)malloc(n * d * 4);
  float* r = (float*)malloc(n * d * 4);
  lq_shape shape = {2, {(int64_t)n, (int64_t)d}};
  const double numel = (double)(n * d);
  double bpe;
  /* kmeans: lq_kmeans_train + nearest centroid */
  scheme_rt("kmeans:k=32:iters=10:init=kmeans++", &shape, x, y, &bpe);
  {
    lq_kmeans_config km = {0};
    km.niter = 10;
    km.init = LQ_KMEANS_INIT_KMEANSPP;
    km.nthreads = 1;
    float cent[32 * 8];
    int32_t* as = (int32_t*)malloc(n * 4);
    assert_int_equal(lq_kmeans_train(&km, n, d, x, 32, cent, NULL, NULL), LQ_OK);
    assert_int_equal(lq_kmeans_assign(n, d, x, 32, cent, 1, as, NULL), LQ_OK);
    for (size_t i = 0; i < n; i++) memcpy(r + i * d, cent + as[i] * d, d * 4);
    free(as);
    LQ_ASSERT_BITS_EQUAL(y, r, n * d * 4, "kmeans scheme");
    assert_true(fabs(bpe - (5.0 / 8 + 32.0 * 32 * 8 / numel)) < 1e-12);
  }
  /* pq and opq */
  for (int opq = 0; opq < 2; opq++) {
    scheme_rt(opq ? "opq:m=2:nbits=5" : "pq:m=4:nbits=5", &shape, x, y, &bpe);
    lq_vq_params p = {0};
    p.kind = opq ? LQ_VQ_OPQ : LQ_VQ_PQ;
    p.d = d;
    p.M = opq ? 2 : 4;
    p.nbits = 5;
    p.nthreads = 1;
    lq_vq_codec* c = NULL;
    assert_int_equal(lq_vq_codec_new(&p, &c), LQ_OK);
    ref_codec_roundtrip(c, n, x, r);
    LQ_ASSERT_BITS_EQUAL(y, r, n * d * 4, opq ? "opq scheme" : "pq scheme");
    double want = (double)p.M * 5 / 8 + 32.0 * (32 * 8 + (opq ? 64 : 0)) / numel;
    assert_true(fabs(bpe - want) < 1e-12);
  }
  /* rq (beam 3) and rvq (greedy, levels of k = 16) */
  for (int rvq = 0; rvq < 2; rvq++) {
    scheme_rt(rvq ? "rvq:levels=3:k=16" : "rq:m=2:nbits=5:beam=3", &shape, x, y, &bpe);
    const int nb[3] = {rvq ? 4 : 5, rvq ? 4 : 5, 4};
    lq_vq_codec* c = make_rq(d, rvq ? 3 : 2, nb, rvq ? 1 : 3, 1);
    ref_codec_roundtrip(c, n, x, r);
    LQ_ASSERT_BITS_EQUAL(y, r, n * d * 4, rvq ? "rvq scheme" : "rq scheme");
    double want = rvq ? 12.0 / 8 + 32.0 * 48 * 8 / numel : 10.0 / 8 + 32.0 * 64 * 8 / numel;
    assert_true(fabs(bpe - want) < 1e-12);
  }
  /* tsvq */
  scheme_rt("tsvq:depth=2:branch=5", &shape, x, y, &bpe);
  {
    lq_vq_tsvq_params t = {0};
    t.d = d;
    t.depth = 2;
    t.branch = 5;
    t.nthreads = 1;
    lq_vq_codec* c = NULL;
    assert_int_equal(lq_vq_tsvq_new(&t, &c), LQ_OK);
    ref_codec_roundtrip(c, n, x, r);
    LQ_ASSERT_BITS_EQUAL(y, r, n * d * 4, "tsvq scheme");
    assert_true(fabs(bpe - (6.0 / 8 + 32.0 * 30 * 8 / numel)) < 1e-12);
  }
  /* qinco: the roundtrip equals calibrate + encode + decode (scheme_rt checks) */
  scheme_rt("qinco:m=2:nbits=4:epochs=1", &shape, x, y, &bpe);
  /* a 1-D input in dim=8 chunks is the same as the [n, 8] matrix */
  lq_shape flat = {1, {(int64_t)(n * d)}};
  scheme_rt("pq:m=4:nbits=5:dim=8", &flat, x, r, &bpe);
  scheme_rt("pq:m=4:nbits=5", &shape, x, y, &bpe);
  LQ_ASSERT_BITS_EQUAL(y, r, n * d * 4, "dim chunks");
  /* code sizes: kmeans one index byte (k <= 256), pq ceil(M*nbits/8) bytes */
  lq_scheme* s = NULL;
  size_t bytes = 0;
  assert_int_equal(lq_scheme_parse("kmeans:k=32", &s), LQ_OK);
  assert_int_equal(lq_scheme_encoded_size(s, &shape, &bytes), LQ_OK);
  assert_int_equal(bytes, n);
  assert_int_equal(lq_scheme_calibrate(s, &shape, x), LQ_OK);
  uint8_t* kc = (uint8_t*)malloc(n);
  assert_int_equal(lq_scheme_encode(s, &shape, x, kc, n), LQ_OK);
  kc[7] = 32; /* not a centroid */
  lq_test_expect_error(lq_scheme_decode(s, &shape, kc, n, y), LQ_ERR_FORMAT, "not below k = 32");
  free(kc);
  lq_scheme_destroy(s);
  assert_int_equal(lq_scheme_parse("pq:m=4:nbits=5", &s), LQ_OK);
  assert_int_equal(lq_scheme_encoded_size(s, &shape, &bytes), LQ_OK);
  assert_int_equal(bytes, n * 3);
  lq_scheme_destroy(s);
  /* errors */
  assert_int_equal(lq_scheme_parse("pq:m=3", &s), LQ_OK);
  lq_test_expect_error(lq_scheme_roundtrip(s, &shape, x, y, NULL), LQ_ERR_INVALID_ARG, "not divisible by M = 3");
  lq_scheme_destroy(s);
  assert_int_equal(lq_scheme_parse("kmeans:k=16", &s), LQ_OK);
  lq_test_expect_error(lq_scheme_roundtrip(s, &flat, x, y, NULL), LQ_ERR_INVALID_ARG, "needs dim=");
  lq_scheme_destroy(s);
  assert_int_equal(lq_scheme_parse("kmeans:k=16:dim=7", &s), LQ_OK);
  lq_test_expect_error(lq_scheme_roundtrip(s, &flat, x, y, NULL), LQ_ERR_INVALID_ARG, "not a multiple of dim=7");
  lq_scheme_destroy(s);
  assert_int_equal(lq_scheme_parse("kmeans:k=1000", &s), LQ_OK);
  lq_test_expect_error(lq_scheme_roundtrip(s, &shape, x, y, NULL), LQ_ERR_INVALID_ARG, "larger than");
  lq_scheme_destroy(s);
  assert_int_equal(lq_scheme_parse("rq:m=2:nbits=4", &s), LQ_OK);
  x[13] = NAN;
  lq_test_expect_error(lq_scheme_roundtrip(s, &shape, x, y, NULL), LQ_ERR_NUMERIC, "NaN");
  lq_scheme_destroy(s);
  const char* bad[] = {"rvq:k=100",   "kmeans:init=foo", "pq:nbits=17", "rq:beam=0", "tsvq:branch=1",
                       "tsvq:depth=9:branch=65536", "pq:M=2", "kmeans:dim=0"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    s = (lq_scheme*)1;
    if (lq_scheme_parse(bad[i], &s) != LQ_ERR_INVALID_ARG) fail_msg("'%s' accepted", bad[i]);
  }
  free(all);
  free(x);
  free(y);
  free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rq_codes_match_faiss), cmocka_unit_test(test_rq_train_vs_faiss),
      cmocka_unit_test(test_rvq_levels),           cmocka_unit_test(test_tsvq),
      cmocka_unit_test(test_ml_bad_input),         cmocka_unit_test(test_vq_schemes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
