/* lq_vq_search / lq_vq_search_tables: every result row must equal the first
 * k entries of a stable sort (distance, then index) of the lq_vq_adc_scan
 * row of the same query, bit for bit, padded with (+Inf, -1) -- for random
 * and tie-heavy data, k = 1, 5 and > n, 8-bit and other code widths, PQ and
 * OPQ, 1 and 3 threads (chunked codes), and every ISA (ISA_VARIANTS). */
#include "lq_test.h"

/* ------------------------------------------------------------- oracle -- */

static const float* g_sort_dis;
static int cmp_pair(const void* a, const void* b) {
  size_t i = *(const size_t*)a, j = *(const size_t*)b;
  float x = g_sort_dis[i], y = g_sort_dis[j];
  if (x < y) return -1;
  if (x > y) return 1;
  return i < j ? -1 : i > j;
}

/* Top k of one distance row (NaN rows never listed), padded. */
static void oracle_topk(const float* dist, size_t n, size_t k, float* od, int64_t* ol) {
  size_t* ord = (size_t*)malloc((n + 1) * sizeof(size_t));
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (!isnan(dist[i])) ord[m++] = i;
  g_sort_dis = dist;
  qsort(ord, m, sizeof(size_t), cmp_pair);
  for (size_t j = 0; j < k; j++) {
    od[j] = j < m ? dist[ord[j]] : INFINITY;
    ol[j] = j < m ? (int64_t)ord[j] : -1;
  }
  free(ord);
}

static void assert_rows_equal(const float* d, const int64_t* l, const float* od, const int64_t* ol, size_t k,
                              const char* what, size_t q) {
  for (size_t j = 0; j < k; j++)
    if (l[j] != ol[j] || lq_test_bits(d[j]) != lq_test_bits(od[j]))
      fail_msg("%s: query %zu rank %zu: (%a, %lld) vs oracle (%a, %lld)", what, q, j, d[j], (long long)l[j], od[j],
               (long long)ol[j]);
}

/* Checks both entry points of codec c against the adc_scan oracle. */
static void check_search(const lq_vq_codec* c, size_t nq, const float* queries, size_t n, const uint8_t* codes,
                         size_t k, const char* what) {
  size_t ts = lq_vq_table_size(c);
  float* tabs = (float*)malloc((nq * ts + 1) * sizeof(float));
  float* row = (float*)malloc((n + 1) * sizeof(float));
  float *d = (float*)malloc(nq * k * sizeof(float)), *od = (float*)malloc(k * sizeof(float));
  int64_t *l = (int64_t*)malloc(nq * k * sizeof(int64_t)), *ol = (int64_t*)malloc(k * sizeof(int64_t));
  for (size_t q = 0; q < nq; q++)
    assert_int_equal(lq_vq_compute_distance_table(c, queries + q * lq_vq_codec_dim(c), tabs + q * ts), LQ_OK);
  for (int api = 0; api < 2; api++) {
    for (size_t e = 0; e < nq * k; e++) {
      d[e] = 42.0f;
      l[e] = 42;
    }
    if (api == 0)
      assert_int_equal(lq_vq_search(c, nq, queries, n, codes, k, d, l), LQ_OK);
    else
      assert_int_equal(lq_vq_search_tables(c, nq, tabs, n, codes, k, d, l), LQ_OK);
    for (size_t q = 0; q < nq; q++) {
      if (n > 0) assert_int_equal(lq_vq_adc_scan(c, tabs + q * ts, n, codes, row), LQ_OK);
      oracle_topk(row, n, k, od, ol);
      assert_rows_equal(d + q * k, l + q * k, od, ol, k, what, q);
    }
  }
  free(tabs);
  free(row);
  free(d);
  free(od);
  free(l);
  free(ol);
}

/* ------------------------------------------------------------- codecs -- */

static lq_vq_codec* make_codec(lq_vq_kind kind, size_t d, size_t M, int nbits, int nthreads, uint64_t seed) {
  lq_vq_params p = {0};
  p.kind = kind;
  p.d = d;
  p.M = M;
  p.nbits = nbits;
  p.nthreads = nthreads;
  lq_vq_codec* c = NULL;
  assert_int_equal(lq_vq_codec_new(&p, &c), LQ_OK);
  size_t nc = d << nbits; /* M * 2^nbits * d/M */
  float* cent = (float*)malloc(nc * sizeof(float));
  for (size_t i = 0; i < nc; i++) cent[i] = lq_test_uniform(seed, i, -1.0f, 1.0f);
  assert_int_equal(lq_vq_set_centroids(c, cent, nc), LQ_OK);
  free(cent);
  return c;
}

/* n random codes; dup > 1 repeats each code dup times (exact distance ties). */
static uint8_t* random_codes(const lq_vq_codec* c, size_t M, int nbits, size_t n, size_t dup, uint64_t seed) {
  int32_t* idx = (int32_t*)malloc((n * M + 1) * sizeof(int32_t));
  for (size_t i = 0; i < n; i++)
    for (size_t m = 0; m < M; m++)
      idx[i * M + m] = (int32_t)(lq_rng_u32(seed, (i / dup) * M + m) & ((1u << nbits) - 1));
  uint8_t* codes = (uint8_t*)malloc(n * lq_vq_code_size(c) + 1);
  assert_int_equal(lq_vq_pack_codes(c, n, idx, codes), LQ_OK);
  free(idx);
  return codes;
}

static float* random_queries(size_t nq, size_t d, uint64_t seed) {
  float* q = (float*)malloc(nq * d * sizeof(float));
  for (size_t i = 0; i < nq * d; i++) q[i] = lq_test_uniform(seed, i, -1.2f, 1.2f);
  return q;
}

typedef struct {
  size_t d, M;
  int nbits;
  size_t n, nq, dup;
} search_case;

static void test_search_pq(void** state) {
  (void)state;
  /* 8-bit: M = 8 (two codes per AVX2 iteration), 16 (two 8-byte words), 3
   * (byte loop); other widths take the generic path. n = 10000 with 3
   * threads splits the codes into chunks (fewer query groups than threads). */
  const search_case cases[] = {
      {32, 8, 8, 10000, 11, 1}, {32, 16, 8, 3001, 9, 1}, {12, 3, 8, 2000, 3, 1},
      {32, 8, 4, 10000, 2, 1},  {35, 7, 5, 1500, 3, 1},  {32, 8, 8, 1200, 8, 4}, /* duplicated codes */
      {16, 4, 2, 700, 5, 1},    /* 16 distinct codes: every distance tied many times */
  };
  const size_t ks[] = {1, 5, 37};
  for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
    const search_case* t = &cases[ci];
    float* x = random_queries(t->nq, t->d, 100 + ci);
    for (int threads = 1; threads <= 3; threads += 2) {
      lq_vq_codec* c = make_codec(LQ_VQ_PQ, t->d, t->M, t->nbits, threads, 7 + ci);
      uint8_t* codes = random_codes(c, t->M, t->nbits, t->n, t->dup, 50 + ci);
      for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
        char what[96];
        snprintf(what, sizeof what, "PQ d=%zu M=%zu nbits=%d n=%zu threads=%d k=%zu", t->d, t->M, t->nbits, t->n,
                 threads, ks[ki]);
        check_search(c, t->nq, x, t->n, codes, ks[ki], what);
      }
      /* fewer codes than k: padding; and no codes at all */
      check_search(c, t->nq, x, 3, codes, 5, "n < k");
      check_search(c, t->nq, x, 0, NULL, 4, "n = 0");
      check_search(c, 1, x, t->n, codes, 5, "one query");
      if (ci == 0 || ci == 3) {
        /* 1 and 2 queries over 70000 codes: with 3 threads the codes are
         * split into 3 chunks (one query group, >= 65536 code-query pairs) */
        uint8_t* many = random_codes(c, t->M, t->nbits, 70000, 1, 60 + ci);
        check_search(c, 1, x, 70000, many, 5, "one query, chunked");
        check_search(c, 2, x, 70000, many, 1, "two queries, chunked");
        free(many);
      }
      free(codes);
      lq_vq_codec_free(c);
    }
    free(x);
  }
}

/* Caller tables with few distinct values (massive ties), +Inf and NaN. */
static void test_search_tables_adversarial(void** state) {
  (void)state;
  for (int threads = 1; threads <= 3; threads += 2) {
    for (int nbits = 8; nbits >= 3; nbits -= 5) {
      size_t M = 8, n = 9000, nq = 10, k = 7;
      lq_vq_codec* c = make_codec(LQ_VQ_PQ, 16, M, nbits, threads, 3);
      uint8_t* codes = random_codes(c, M, nbits, n, 1, 9 + (uint64_t)nbits);
      size_t ts = lq_vq_table_size(c);
      float* tabs = (float*)malloc(nq * ts * sizeof(float));
      for (size_t q = 0; q < nq; q++)
        for (size_t j = 0; j < ts; j++) {
          uint32_t r = lq_rng_u32(77 + q, j);
          float v = (float)(r % 3); /* sums 0..16 over 8 sub-spaces: ties everywhere */
          if (q >= 6 && r % 97 == 0) v = INFINITY;
          if (q >= 8 && r % 89 == 0) v = NAN;
          if (q == 9 && r % 2 == 0) v = NAN; /* most sums NaN */
          tabs[q * ts + j] = v;
        }
      float *d = (float*)malloc(nq * k * sizeof(float)), *row = (float*)malloc(n * sizeof(float));
      float od[7];
      int64_t *l = (int64_t*)malloc(nq * k * sizeof(int64_t)), ol[7];
      assert_int_equal(lq_vq_search_tables(c, nq, tabs, n, codes, k, d, l), LQ_OK);
      for (size_t q = 0; q < nq; q++) {
        assert_int_equal(lq_vq_adc_scan(c, tabs + q * ts, n, codes, row), LQ_OK);
        oracle_topk(row, n, k, od, ol);
        assert_rows_equal(d + q * k, l + q * k, od, ol, k, nbits == 8 ? "tie tables nbits 8" : "tie tables nbits 3",
                          q);
      }
      /* all-Inf tables: every code ties at +Inf and is listed by index */
      for (size_t j = 0; j < ts; j++) tabs[j] = INFINITY;
      assert_int_equal(lq_vq_search_tables(c, 1, tabs, n, codes, k, d, l), LQ_OK);
      for (size_t j = 0; j < k; j++) {
        assert_true(isinf(d[j]) && l[j] == (int64_t)j);
      }
      free(d);
      free(row);
      free(l);
      free(tabs);
      free(codes);
      lq_vq_codec_free(c);
    }
  }
}

/* OPQ: the query is rotated as lq_vq_compute_distance_table rotates it. */
static void test_search_opq(void** state) {
  (void)state;
  enum { D = 16, N = 600 };
  lq_vq_params p = {0};
  p.kind = LQ_VQ_OPQ;
  p.d = D;
  p.M = 4;
  p.nbits = 6;
  p.opq_niter = 2;
  p.opq_niter_pq0 = 3;
  p.opq_niter_pq = 2;
  p.km.niter = 3;
  p.nthreads = 1;
  float* x = (float*)malloc(N * D * sizeof(float));
  for (size_t i = 0; i < N; i++) {
    float v = 0.0f; /* correlated rows, so the rotation is not the identity */
    for (size_t j = 0; j < D; j++) {
      v = 0.8f * v + lq_test_uniform(5, i * D + j, -1.0f, 1.0f);
      x[i * D + j] = v;
    }
  }
  lq_vq_codec* c = NULL;
  assert_int_equal(lq_vq_codec_new(&p, &c), LQ_OK);
  assert_int_equal(lq_vq_train(c, N, x, NULL), LQ_OK);
  float r[D * D];
  assert_int_equal(lq_vq_get_rotation(c, r, D * D), LQ_OK);
  assert_true(fabsf(r[1]) > 1e-3f || fabsf(r[D]) > 1e-3f);
  uint8_t* codes = (uint8_t*)malloc(N * lq_vq_code_size(c));
  assert_int_equal(lq_vq_encode(c, N, x, codes), LQ_OK);
  check_search(c, 9, x + 100 * D, N, codes, 5, "OPQ");
  /* a query that is a database vector finds its own code among the nearest */
  float dd[10];
  int64_t ll[10];
  assert_int_equal(lq_vq_search(c, 1, x + 17 * D, N, codes, 10, dd, ll), LQ_OK);
  int found = 0;
  for (int j = 0; j < 10; j++) found |= ll[j] == 17;
  assert_true(found);
  free(codes);
  free(x);
  lq_vq_codec_free(c);
}

static void test_search_bad_input(void** state) {
  (void)state;
  lq_vq_codec* c = make_codec(LQ_VQ_PQ, 8, 2, 8, 1, 1);
  uint8_t codes[2 * 4] = {1, 2, 3, 4, 5, 6, 7, 8};
  float q[8] = {0}, tab[2 * 256] = {0}, d[4];
  int64_t l[4];
  lq_test_expect_error(lq_vq_search(NULL, 1, q, 4, codes, 1, d, l), LQ_ERR_INVALID_ARG, "NULL");
  lq_test_expect_error(lq_vq_search(c, 1, NULL, 4, codes, 1, d, l), LQ_ERR_INVALID_ARG, "queries");
  lq_test_expect_error(lq_vq_search_tables(c, 1, NULL, 4, codes, 1, d, l), LQ_ERR_INVALID_ARG, "tables");
  lq_test_expect_error(lq_vq_search(c, 1, q, 4, NULL, 1, d, l), LQ_ERR_INVALID_ARG, "codes");
  lq_test_expect_error(lq_vq_search(c, 1, q, 4, codes, 1, NULL, l), LQ_ERR_INVALID_ARG, "distances");
  lq_test_expect_error(lq_vq_search(c, 1, q, 4, codes, 1, d, NULL), LQ_ERR_INVALID_ARG, "labels");
  lq_test_expect_error(lq_vq_search(c, 1, q, 4, codes, 0, d, l), LQ_ERR_INVALID_ARG, "k is 0");
  lq_test_expect_error(lq_vq_search(c, SIZE_MAX / 2, q, 4, codes, 4, d, l), LQ_ERR_OVERFLOW, "nq*k");
  lq_test_expect_error(lq_vq_search(c, SIZE_MAX / 4, q, 4, codes, 1, d, l), LQ_ERR_OVERFLOW, "nq*d");
  lq_test_expect_error(lq_vq_search(c, 1, q, SIZE_MAX / 2 + 1, codes, 1, d, l), LQ_ERR_OVERFLOW, "n*code_size");
  q[3] = NAN;
  lq_test_expect_error(lq_vq_search(c, 1, q, 4, codes, 1, d, l), LQ_ERR_NUMERIC, "NaN");
  q[3] = 0.0f;
  /* nq == 0 writes nothing */
  d[0] = 42.0f;
  assert_int_equal(lq_vq_search(c, 0, q, 4, codes, 1, d, l), LQ_OK);
  assert_true(d[0] == 42.0f);
  assert_int_equal(lq_vq_search_tables(c, 1, tab, 4, codes, 4, d, l), LQ_OK);
  for (int j = 0; j < 4; j++) assert_true(d[j] == 0.0f && l[j] == j); /* all tied at 0: by index */
  /* untrained codec; kinds without a PQ distance table */
  lq_vq_params p = {0};
  p.kind = LQ_VQ_PQ;
  p.d = 8;
  p.M = 2;
  p.nbits = 8;
  lq_vq_codec* u = NULL;
  assert_int_equal(lq_vq_codec_new(&p, &u), LQ_OK);
  lq_test_expect_error(lq_vq_search(u, 1, q, 4, codes, 1, d, l), LQ_ERR_STATE, "not trained");
  lq_vq_codec_free(u);
  lq_vq_rq_params rp;
  memset(&rp, 0, sizeof rp);
  rp.d = 8;
  rp.M = 2;
  rp.nbits = 2;
  rp.nthreads = 1;
  lq_vq_codec* rq = NULL;
  assert_int_equal(lq_vq_rq_new(&rp, &rq), LQ_OK);
  float xr[64 * 8];
  for (int i = 0; i < 64 * 8; i++) xr[i] = lq_test_uniform(3, (uint64_t)i, -1.0f, 1.0f);
  assert_int_equal(lq_vq_train(rq, 64, xr, NULL), LQ_OK);
  lq_test_expect_error(lq_vq_search(rq, 1, q, 4, codes, 1, d, l), LQ_ERR_UNSUPPORTED, "PQ");
  lq_vq_codec_free(rq);
  lq_vq_codec_free(c);
}

int main(void) {
  lq_test_skip_if_env_isa_missing();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_search_pq),
      cmocka_unit_test(test_search_tables_adversarial),
      cmocka_unit_test(test_search_opq),
      cmocka_unit_test(test_search_bad_input),
  };
  return cmocka_run_group_tests_name("vq_search", tests, NULL, NULL);
}
