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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_kmeans_progress),
      cmocka_unit_test(test_pq_progress),
      cmocka_unit_test(test_opq_progress),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
