/* Progress callbacks of k-means and codec training (core.h lq_progress_fn):
 * the fractions are non-decreasing, end at exactly 1.0, arrive once per
 * k-means iteration, and a non-zero return cancels with LQ_ERR_CANCELLED
 * leaving the codec untrained. */
#include "lq_test.h"

typedef struct {
  int calls, cancel_at;
  double last;
  int decreased;
} progress_log;

static int log_progress(double done, void* user) {
  progress_log* p = user;
  if (done < p->last || done < 0.0 || done > 1.0) p->decreased = 1;
  p->last = done;
  p->calls++;
  return p->cancel_at > 0 && p->calls >= p->cancel_at;
}

enum { N = 2000, D = 16 };

static float* make_data(void) {
  float* x = malloc(sizeof(float) * N * D);
  assert_non_null(x);
  for (size_t i = 0; i < N; i++) /* correlated columns, so no sub-space is constant */
    for (size_t t = 0; t < D; t++)
      x[i * D + t] = lq_test_uniform(3, i, -1.0f, 1.0f) + 0.5f * lq_test_uniform(4, i * D + t, -1.0f, 1.0f);
  return x;
}

static void test_kmeans_progress(void** state) {
  (void)state;
  float* x = make_data();
  float cent[8 * D];
  progress_log log = {0, 0, 0.0, 0};
  lq_kmeans_config cfg = {0};
  cfg.niter = 6;
  cfg.nredo = 2;
  cfg.nthreads = 1;
  cfg.progress = log_progress;
  cfg.progress_user = &log;
  assert_int_equal(lq_kmeans_train(&cfg, N, D, x, 8, cent, NULL, NULL), LQ_OK);
  assert_int_equal(log.calls, 12); /* one per iteration of each restart */
  assert_false(log.decreased);
  assert_true(log.last == 1.0);

  /* the same run without a callback gives the same centroids */
  float ref[8 * D];
  cfg.progress = NULL;
  assert_int_equal(lq_kmeans_train(&cfg, N, D, x, 8, ref, NULL, NULL), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(cent, ref, sizeof cent, "progress callback changes nothing");

  progress_log stop = {0, 3, 0.0, 0};
  cfg.progress = log_progress;
  cfg.progress_user = &stop;
  lq_status s = lq_kmeans_train(&cfg, N, D, x, 8, cent, NULL, NULL);
  assert_int_equal(s, LQ_ERR_CANCELLED);
  assert_non_null(strstr(lq_last_error(), "cancelled"));
  assert_int_equal(stop.calls, 3); /* stops at the first check after the request */

  progress_log init_only = {0, 0, 0.0, 0};
  cfg.niter = -1;
  cfg.progress_user = &init_only;
  assert_int_equal(lq_kmeans_train(&cfg, N, D, x, 8, cent, NULL, NULL), LQ_OK);
  assert_int_equal(init_only.calls, 1);
  assert_true(init_only.last == 1.0);
  free(x);
}

static void run_codec(lq_vq_kind kind, int expect_calls) {
  float* x = make_data();
  lq_vq_params p = {0};
  p.kind = kind;
  p.d = D;
  p.M = 4;
  p.nbits = 4;
  p.nthreads = 1;
  p.km.niter = 5;
  p.opq_niter = 3;
  progress_log log = {0, 0, 0.0, 0};
  p.km.progress = log_progress;
  p.km.progress_user = &log;
  lq_vq_codec* c = NULL;
  assert_int_equal(lq_vq_codec_new(&p, &c), LQ_OK);
  assert_int_equal(lq_vq_train(c, N, x, NULL), LQ_OK);
  if (expect_calls >= 0) assert_int_equal(log.calls, expect_calls);
  assert_false(log.decreased);
  assert_true(fabs(log.last - 1.0) < 1e-12);
  assert_true(lq_vq_is_trained(c));
  lq_vq_codec_free(c);

  progress_log stop = {0, 2, 0.0, 0};
  p.km.progress_user = &stop;
  assert_int_equal(lq_vq_codec_new(&p, &c), LQ_OK);
  assert_int_equal(lq_vq_train(c, N, x, NULL), LQ_ERR_CANCELLED);
  assert_int_equal(stop.calls, 2);
  assert_false(lq_vq_is_trained(c));
  uint8_t code[8];
  assert_int_equal(lq_vq_encode(c, 1, x, code), LQ_ERR_STATE);
  lq_vq_codec_free(c);
  free(x);
}

static void test_pq_progress(void** state) {
  (void)state;
  run_codec(LQ_VQ_PQ, 4 * 5); /* M k-means runs of niter iterations */
}

static void test_opq_progress(void** state) {
  (void)state;
  run_codec(LQ_VQ_OPQ, -1); /* OPQ's inner k-means counts are its own (40 then 4 iterations) */
}

/* Multi-level codecs report one step per stage, level or training round. */
static void check_run(lq_vq_codec* c, const float* x, progress_log* log, int expect_calls) {
  assert_int_equal(lq_vq_train(c, N, x, NULL), LQ_OK);
  assert_int_equal(log->calls, expect_calls);
  assert_false(log->decreased);
  assert_true(fabs(log->last - 1.0) < 1e-12);
}

static void test_multilevel_progress(void** state) {
  (void)state;
  float* x = make_data();
  progress_log log = {0, 0, 0.0, 0};
  lq_vq_codec* c = NULL;

  lq_vq_rq_params r = {0};
  r.d = D;
  r.M = 4;
  r.nbits = 4;
  r.max_beam_size = 2;
  r.refine_iters = 2;
  r.nthreads = 1;
  r.km.niter = 4;
  r.km.progress = log_progress;
  r.km.progress_user = &log;
  assert_int_equal(lq_vq_rq_new(&r, &c), LQ_OK);
  check_run(c, x, &log, 4 + 2); /* stages, then refinement rounds */
  lq_vq_codec_free(c);

  progress_log stop = {0, 2, 0.0, 0};
  r.km.progress_user = &stop;
  assert_int_equal(lq_vq_rq_new(&r, &c), LQ_OK);
  assert_int_equal(lq_vq_train(c, N, x, NULL), LQ_ERR_CANCELLED);
  assert_false(lq_vq_is_trained(c));
  lq_vq_codec_free(c);

  log = (progress_log){0, 0, 0.0, 0};
  lq_vq_tsvq_params t = {0};
  t.d = D;
  t.depth = 3;
  t.branch = 4;
  t.nthreads = 1;
  t.km.niter = 4;
  t.km.progress = log_progress;
  t.km.progress_user = &log;
  assert_int_equal(lq_vq_tsvq_new(&t, &c), LQ_OK);
  check_run(c, x, &log, 3); /* one per tree level */
  lq_vq_codec_free(c);

  log = (progress_log){0, 0, 0.0, 0};
  lq_vq_lsq_params l = {0};
  l.d = D;
  l.M = 2;
  l.nbits = 4;
  l.train_iters = 3;
  l.train_ils_iters = 1;
  l.encode_ils_iters = 1;
  l.nthreads = 1;
  l.progress = log_progress;
  l.progress_user = &log;
  assert_int_equal(lq_vq_lsq_new(&l, &c), LQ_OK);
  check_run(c, x, &log, 3); /* one per training round */
  lq_vq_codec_free(c);

  /* the generic constructor passes km.progress on to LSQ */
  log = (progress_log){0, 0, 0.0, 0};
  lq_vq_params p = {0};
  p.kind = (lq_vq_kind)LQ_VQ_LSQ;
  p.d = D;
  p.M = 2;
  p.nbits = 4;
  p.nthreads = 1;
  p.km.progress = log_progress;
  p.km.progress_user = &log;
  assert_int_equal(lq_vq_codec_new(&p, &c), LQ_OK);
  check_run(c, x, &log, 25); /* FAISS's default train_iters */
  lq_vq_codec_free(c);
  free(x);
}

static void test_qinco_progress(void** state) {
  (void)state;
  float* x = make_data();
  progress_log log = {0, 0, 0.0, 0};
  lq_qinco_params p = {0};
  p.d = D;
  p.M = 2;
  p.nbits = 3;
  p.epochs = 2;
  p.batch = 256;
  p.nthreads = 1;
  p.progress = log_progress;
  p.progress_user = &log;
  lq_qinco* q = NULL;
  assert_int_equal(lq_qinco_new(&p, &q), LQ_OK);
  assert_int_equal(lq_qinco_train(q, N, x, NULL), LQ_OK);
  assert_int_equal(log.calls, 2); /* one per epoch */
  assert_false(log.decreased);
  assert_true(log.last == 1.0);
  lq_qinco_free(q);

  progress_log stop = {0, 1, 0.0, 0};
  p.progress_user = &stop;
  assert_int_equal(lq_qinco_new(&p, &q), LQ_OK);
  assert_int_equal(lq_qinco_train(q, N, x, NULL), LQ_ERR_CANCELLED);
  assert_int_equal(stop.calls, 1);
  assert_false(lq_qinco_is_trained(q));
  lq_qinco_free(q);
  free(x);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_kmeans_progress),
      cmocka_unit_test(test_pq_progress),
      cmocka_unit_test(test_opq_progress),
      cmocka_unit_test(test_multilevel_progress),
      cmocka_unit_test(test_qinco_progress),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
