/* Learned codebooks: the VQ-VAE component against PyTorch goldens
 * (tests/vectors/gen_vqvae.py: forward, losses, autograd gradients, EMA
 * steps of Sonnet 1 / Sonnet 2), EMA training on clustered data, dead-code
 * restart; QINCo's hand-written backward against finite differences, its
 * identity initialisation against RQ, its MSE against RQ on held-out data,
 * save/load and bad inputs. */
#include "vq_test_util.h"

#include "vectors/vqvae_golden.h"

/* Float32 goldens: torch and we sum in different orders (and we accumulate
 * EMA sums in double), so values agree to a few float ulps: 2e-5 relative. */
static void expect_close(const float* got, const float* want, size_t n, double rel, double abs_tol, const char* what) {
  for (size_t i = 0; i < n; i++) {
    double tol = abs_tol + rel * fabs((double)want[i]);
    if (!(fabs((double)got[i] - (double)want[i]) <= tol))
      fail_msg("%s[%zu] = %.9g, expected %.9g (tol %.3g)", what, i, (double)got[i], (double)want[i], tol);
  }
}

static lq_vqvae* make_vqvae(size_t K, size_t D, int ema, int debias) {
  lq_vqvae_config c;
  memset(&c, 0, sizeof c);
  c.K = K;
  c.D = D;
  c.use_ema = ema;
  c.ema_debias = debias;
  lq_vqvae* v = NULL;
  assert_int_equal(lq_vqvae_new(&c, &v), LQ_OK);
  return v;
}

static void test_vqvae_forward_backward_golden(void** st) {
  (void)st;
  enum { N = VQVAE_FB_N, K = VQVAE_FB_K, D = VQVAE_FB_D };
  lq_vqvae* v = make_vqvae(K, D, 0, 0);
  assert_int_equal(lq_vqvae_set_codebook(v, vqvae_fb_e, K * D), LQ_OK);
  int32_t idx[N];
  float zq[N * D], gz[N * D], ge[K * D];
  lq_vqvae_stats s;
  assert_int_equal(lq_vqvae_forward(v, N, vqvae_fb_z, idx, zq, &s), LQ_OK);
  for (size_t i = 0; i < N; i++) assert_int_equal(idx[i], vqvae_fb_idx[i]);
  expect_close(zq, vqvae_fb_zq, N * D, 0, 0, "zq"); /* e[idx] copied: exact */
  double want_cb = vqvae_fb_losses[0], want_commit = vqvae_fb_losses[1];
  if (fabs(s.codebook_loss - want_cb) > 2e-6 * want_cb) fail_msg("codebook loss %.9g vs %.9g", s.codebook_loss, want_cb);
  if (fabs(s.commitment_loss - want_commit) > 2e-6 * want_commit)
    fail_msg("commitment loss %.9g vs %.9g", s.commitment_loss, want_commit);
  if (fabs(s.loss - (want_cb + want_commit)) > 2e-6 * want_cb) fail_msg("loss %.9g", s.loss);
  if (fabs(s.perplexity - vqvae_fb_losses[2]) > 1e-12 * vqvae_fb_losses[2]) fail_msg("perplexity %.17g", s.perplexity);
  assert_int_equal(lq_vqvae_backward(v, N, vqvae_fb_z, idx, vqvae_fb_gout, gz, ge), LQ_OK);
  expect_close(gz, vqvae_fb_grad_z, N * D, 2e-5, 1e-7, "grad_z");
  expect_close(ge, vqvae_fb_grad_e, K * D, 2e-5, 1e-7, "grad_codebook");
  /* usage */
  uint64_t cnt[K];
  double ppl = 0;
  assert_int_equal(lq_vqvae_get_usage(v, cnt, K, &ppl), LQ_OK);
  uint64_t tot = 0;
  for (size_t k = 0; k < K; k++) tot += cnt[k];
  assert_int_equal(tot, N);
  assert_true(ppl == s.perplexity);
  /* SGD on the codebook-loss gradient lowers the codebook loss */
  assert_int_equal(lq_vqvae_apply_gradient(v, ge, 0.5f), LQ_OK);
  lq_vqvae_stats s2;
  assert_int_equal(lq_vqvae_forward(v, N, vqvae_fb_z, idx, NULL, &s2), LQ_OK);
  assert_true(s2.codebook_loss < s.codebook_loss);
  /* grad_z may alias grad_out */
  memcpy(gz, vqvae_fb_gout, sizeof gz);
  assert_int_equal(lq_vqvae_forward(v, N, vqvae_fb_z, idx, NULL, NULL), LQ_OK);
  assert_int_equal(lq_vqvae_backward(v, N, vqvae_fb_z, idx, gz, gz, NULL), LQ_OK);
  lq_vqvae_free(v);
}

static void run_ema_golden(int mode, const int* want_idx, const float* want_e, const float* want_n) {
  enum { N = VQVAE_EMA_N, K = VQVAE_EMA_K, D = VQVAE_EMA_D, T = VQVAE_EMA_STEPS };
  lq_vqvae* v = make_vqvae(K, D, 1, mode == 1);
  assert_int_equal(lq_vqvae_set_codebook(v, vqvae_ema_e0, K * D), LQ_OK);
  if (mode == 2) assert_int_equal(lq_vqvae_set_ema_state(v, vqvae_ema_n0, K), LQ_OK);
  int32_t idx[N];
  float e[K * D], nk[K];
  for (size_t t = 0; t < T; t++) {
    const float* z = vqvae_ema_z + t * N * D;
    assert_int_equal(lq_vqvae_forward(v, N, z, idx, NULL, NULL), LQ_OK);
    for (size_t i = 0; i < N; i++)
      if (idx[i] != want_idx[t * N + i]) fail_msg("mode %d step %zu: idx[%zu] = %d, expected %d", mode, t, i, idx[i], want_idx[t * N + i]);
    assert_int_equal(lq_vqvae_ema_update(v, N, z, idx), LQ_OK);
    assert_int_equal(lq_vqvae_get_codebook(v, e, K * D), LQ_OK);
    assert_int_equal(lq_vqvae_get_cluster_size(v, nk, K), LQ_OK);
    expect_close(e, want_e + t * K * D, K * D, 2e-5, 1e-6, "EMA codebook");
    expect_close(nk, want_n + t * K, K, 2e-5, 1e-7, "EMA cluster size");
  }
  lq_vqvae_free(v);
}

static void test_vqvae_ema_golden(void** st) {
  (void)st;
  run_ema_golden(0, vqvae_ema_plain_idx, vqvae_ema_plain_e, vqvae_ema_plain_n);
  run_ema_golden(1, vqvae_ema_deb_idx, vqvae_ema_deb_e, vqvae_ema_deb_n);
  run_ema_golden(2, vqvae_ema_state_idx, vqvae_ema_state_e, vqvae_ema_state_n);
}

/* Clustered batches: 16 centres in 8-D, 64 codes; restart (first batch
 * seeds every code from data) then EMA steps must cut the quantization MSE
 * well below its starting value and use many codes. */
static void clustered_batch(size_t n, size_t D, uint64_t seed, float* z) {
  for (size_t i = 0; i < n; i++) {
    uint32_t c = lq_rng_u32(seed, i) % 16u;
    for (size_t t = 0; t < D; t++)
      z[i * D + t] = 3.0f * lq_test_uniform(777, c * D + t, -1.0f, 1.0f) + lq_test_uniform(seed + 1, i * D + t, -0.3f, 0.3f);
  }
}

static void test_vqvae_ema_training(void** st) {
  (void)st;
  enum { N = 512, K = 64, D = 8, STEPS = 30 };
  lq_vqvae* v = make_vqvae(K, D, 1, 0);
  float* z = (float*)malloc(N * D * sizeof(float));
  int32_t idx[N];
  lq_vqvae_stats s0, s;
  clustered_batch(N, D, 100, z);
  assert_int_equal(lq_vqvae_forward(v, N, z, idx, NULL, &s0), LQ_OK);
  for (int t = 0; t < STEPS; t++) {
    clustered_batch(N, D, 100 + (uint64_t)t, z);
    size_t restarted = 0;
    assert_int_equal(lq_vqvae_restart_dead(v, N, z, &restarted), LQ_OK);
    if (t == 0) assert_int_equal(restarted, K); /* N_k = 0 < 2 for every code */
    assert_int_equal(lq_vqvae_forward(v, N, z, idx, NULL, &s), LQ_OK);
    assert_int_equal(lq_vqvae_ema_update(v, N, z, idx), LQ_OK);
  }
  clustered_batch(N, D, 999, z); /* held-out batch */
  assert_int_equal(lq_vqvae_forward(v, N, z, idx, NULL, &s), LQ_OK);
  /* the within-cluster variance is 0.03 per coordinate; the random start is ~3 */
  if (!(s.codebook_loss < 0.05 * s0.codebook_loss)) fail_msg("MSE %.5g from %.5g", s.codebook_loss, s0.codebook_loss);
  if (!(s.perplexity > 12.0)) fail_msg("perplexity %.3f", s.perplexity);
  lq_vqvae_free(v);

  /* the same steps with the debiased EMA also converge */
  v = make_vqvae(K, D, 1, 1);
  for (int t = 0; t < STEPS; t++) {
    clustered_batch(N, D, 100 + (uint64_t)t, z);
    assert_int_equal(lq_vqvae_restart_dead(v, N, z, NULL), LQ_OK);
    assert_int_equal(lq_vqvae_forward(v, N, z, idx, NULL, &s), LQ_OK);
    assert_int_equal(lq_vqvae_ema_update(v, N, z, idx), LQ_OK);
  }
  clustered_batch(N, D, 999, z);
  assert_int_equal(lq_vqvae_forward(v, N, z, idx, NULL, &s), LQ_OK);
  if (!(s.codebook_loss < 0.05 * s0.codebook_loss)) fail_msg("debiased: MSE %.5g from %.5g", s.codebook_loss, s0.codebook_loss);
  lq_vqvae_free(v);
  free(z);
}

/* Restart: dead codes become batch rows, live ones stay, the draws are
 * deterministic for a seed, and a restarted code has N_k = threshold. */
static void test_vqvae_restart(void** st) {
  (void)st;
  enum { N = 40, K = 6, D = 3 };
  float z[N * D], e[K * D], e2[K * D], nk[K];
  for (size_t i = 0; i < N * D; i++) z[i] = lq_test_uniform(5, i, -1, 1);
  float cs[K] = {5, 0.5f, 3, 1.99f, 2, 0};
  lq_vqvae* a = make_vqvae(K, D, 1, 0);
  lq_vqvae* b = make_vqvae(K, D, 1, 0);
  float e0[K * D];
  assert_int_equal(lq_vqvae_get_codebook(a, e0, K * D), LQ_OK);
  assert_int_equal(lq_vqvae_set_ema_state(a, cs, K), LQ_OK);
  assert_int_equal(lq_vqvae_set_ema_state(b, cs, K), LQ_OK);
  size_t ra = 0, rb = 0;
  assert_int_equal(lq_vqvae_restart_dead(a, N, z, &ra), LQ_OK);
  assert_int_equal(lq_vqvae_restart_dead(b, N, z, &rb), LQ_OK);
  assert_int_equal(ra, 3);
  assert_int_equal(rb, 3);
  assert_int_equal(lq_vqvae_get_codebook(a, e, K * D), LQ_OK);
  assert_int_equal(lq_vqvae_get_codebook(b, e2, K * D), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(e, e2, sizeof e, "restart determinism");
  assert_int_equal(lq_vqvae_get_cluster_size(a, nk, K), LQ_OK);
  for (size_t k = 0; k < K; k++) {
    int dead = cs[k] < 2.0f;
    if (!dead) {
      LQ_ASSERT_BITS_EQUAL(e + k * D, e0 + k * D, D * sizeof(float), "live code kept");
      assert_true(nk[k] == cs[k]);
      continue;
    }
    assert_true(nk[k] == 2.0f);
    int found = 0;
    for (size_t i = 0; i < N; i++) found |= memcmp(e + k * D, z + i * D, D * sizeof(float)) == 0;
    if (!found) fail_msg("restarted code %zu is not a batch row", k);
  }
  /* restarted codes survive the next EMA step: N_k = 0.99*2 + 0.01*n_k */
  int32_t idx[N];
  assert_int_equal(lq_vqvae_forward(a, N, z, idx, NULL, NULL), LQ_OK);
  assert_int_equal(lq_vqvae_ema_update(a, N, z, idx), LQ_OK);
  assert_int_equal(lq_vqvae_get_cluster_size(a, nk, K), LQ_OK);
  for (size_t k = 0; k < K; k++) assert_true(nk[k] >= 0.99f * (cs[k] < 2.0f ? 2.0f : cs[k]) - 1e-4f);
  lq_vqvae_free(a);
  lq_vqvae_free(b);
  /* non-EMA variant: usage tracked by track_usage; K codes, one used by all rows */
  lq_vqvae* c = make_vqvae(K, D, 0, 0);
  int32_t all0[N] = {0};
  float cs2[K] = {0};
  assert_int_equal(lq_vqvae_set_ema_state(c, cs2, K), LQ_OK);
  for (int t = 0; t < 30; t++) assert_int_equal(lq_vqvae_track_usage(c, N, all0), LQ_OK);
  assert_int_equal(lq_vqvae_get_cluster_size(c, nk, K), LQ_OK);
  assert_true(fabsf(nk[0] - 40.0f * (1.0f - powf(0.99f, 30.0f))) < 1e-3f); /* 40 (1 - 0.99^30) = 10.4 */
  assert_int_equal(lq_vqvae_restart_dead(c, N, z, &ra), LQ_OK);
  assert_int_equal(ra, K - 1);
  lq_vqvae_free(c);
}

static void test_vqvae_bad_input(void** st) {
  (void)st;
  lq_vqvae_config c;
  memset(&c, 0, sizeof c);
  lq_vqvae* v = NULL;
  lq_test_expect_error(lq_vqvae_new(NULL, &v), LQ_ERR_INVALID_ARG, "NULL");
  lq_test_expect_error(lq_vqvae_new(&c, &v), LQ_ERR_INVALID_ARG, "K = 0");
  c.K = 4;
  c.D = 2;
  c.decay = 1.0f;
  lq_test_expect_error(lq_vqvae_new(&c, &v), LQ_ERR_INVALID_ARG, "decay");
  c.decay = 0.0f;
  c.beta = NAN;
  lq_test_expect_error(lq_vqvae_new(&c, &v), LQ_ERR_INVALID_ARG, "beta");
  c.beta = 0.0f;
  c.eps = -1.0f;
  lq_test_expect_error(lq_vqvae_new(&c, &v), LQ_ERR_INVALID_ARG, "eps");
  c.eps = 0.0f;
  c.dead_threshold = INFINITY;
  lq_test_expect_error(lq_vqvae_new(&c, &v), LQ_ERR_INVALID_ARG, "dead_threshold");
  c.dead_threshold = 0.0f;
  assert_int_equal(lq_vqvae_new(&c, &v), LQ_OK);
  float z[6] = {1, 2, 3, NAN, 5, 6}, g[6] = {0}, cb[8] = {0};
  int32_t idx[3] = {0, 1, 2};
  lq_test_expect_error(lq_vqvae_forward(v, 0, z, idx, NULL, NULL), LQ_ERR_INVALID_ARG, "empty");
  lq_test_expect_error(lq_vqvae_forward(v, 3, z, idx, NULL, NULL), LQ_ERR_NUMERIC, "NaN");
  lq_test_expect_error(lq_vqvae_get_usage(v, NULL, 0, NULL), LQ_ERR_STATE, "no forward");
  z[3] = 4;
  lq_test_expect_error(lq_vqvae_ema_update(v, 3, z, idx), LQ_ERR_STATE, "use_ema");
  idx[2] = 4;
  lq_test_expect_error(lq_vqvae_backward(v, 3, z, idx, g, g, cb), LQ_ERR_INVALID_ARG, "outside 0..3");
  idx[2] = 2;
  g[0] = INFINITY;
  lq_test_expect_error(lq_vqvae_backward(v, 3, z, idx, g, g, NULL), LQ_ERR_NUMERIC, "grad_out");
  cb[1] = NAN;
  lq_test_expect_error(lq_vqvae_set_codebook(v, cb, 8), LQ_ERR_NUMERIC, "NaN");
  lq_test_expect_error(lq_vqvae_set_codebook(v, cb, 7), LQ_ERR_INVALID_ARG, "expected K*D");
  lq_vqvae_free(v);
  c.use_ema = 1;
  assert_int_equal(lq_vqvae_new(&c, &v), LQ_OK);
  g[0] = 0;
  lq_test_expect_error(lq_vqvae_backward(v, 3, z, idx, g, g, cb), LQ_ERR_STATE, "EMA");
  lq_test_expect_error(lq_vqvae_apply_gradient(v, cb, 0.1f), LQ_ERR_STATE, "EMA");
  float bad_cs[4] = {1, -1, 0, 0};
  lq_test_expect_error(lq_vqvae_set_ema_state(v, bad_cs, 4), LQ_ERR_NUMERIC, "cluster_size[1]");
  lq_vqvae_free(v);
  lq_vqvae_free(NULL);
}

/* ---------------------------------------------------------------- QINCo -- */

static lq_qinco* make_qinco(size_t d, size_t M, int nbits, int L, int h) {
  lq_qinco_params p;
  memset(&p, 0, sizeof p);
  p.d = d;
  p.M = M;
  p.nbits = nbits;
  p.L = L;
  p.h = h;
  p.nthreads = 1;
  lq_qinco* q = NULL;
  assert_int_equal(lq_qinco_new(&p, &q), LQ_OK);
  return q;
}

/* Central finite differences of the double-precision loss against the
 * hand-written backward, on every parameter of a tiny random network. */
static void test_qinco_gradcheck(void** st) {
  (void)st;
  enum { N = 5, D = 3, M = 3, NB = 2 };
  lq_qinco* q = make_qinco(D, M, NB, 2, 4);
  size_t np = lq_qinco_num_params(q);
  float* w = (float*)malloc(np * sizeof(float));
  float* g = (float*)malloc(np * sizeof(float));
  for (size_t j = 0; j < np; j++) w[j] = lq_test_uniform(31, j, -0.6f, 0.6f);
  assert_int_equal(lq_qinco_set_params(q, w, np, 1.0f), LQ_OK);
  float x[N * D];
  int32_t codes[N * M];
  for (size_t i = 0; i < N * D; i++) x[i] = lq_test_uniform(32, i, -1.5f, 1.5f);
  for (size_t i = 0; i < N * M; i++) codes[i] = (int32_t)(lq_rng_u32(33, i) % 4u);
  double loss = 0;
  assert_int_equal(lq_qinco_loss_grad(q, N, x, codes, &loss, g), LQ_OK);
  assert_true(loss > 0);
  size_t checked = 0;
  for (size_t j = 0; j < np; j++) {
    /* float parameters: a step that is exactly representable */
    const float h = 1.0f / 1024.0f;
    double lp, lm;
    float keep = w[j];
    w[j] = keep + h;
    assert_int_equal(lq_qinco_set_params(q, w, np, 1.0f), LQ_OK);
    assert_int_equal(lq_qinco_loss_grad(q, N, x, codes, &lp, NULL), LQ_OK);
    w[j] = keep - h;
    assert_int_equal(lq_qinco_set_params(q, w, np, 1.0f), LQ_OK);
    assert_int_equal(lq_qinco_loss_grad(q, N, x, codes, &lm, NULL), LQ_OK);
    w[j] = keep;
    double fd = (lp - lm) / (2.0 * (double)h);
    /* the loss is piecewise quadratic (ReLU): O(h^2) curvature terms cancel in
     * central differences except across a kink, which these data avoid */
    if (fabs(fd - (double)g[j]) > 1e-4 * (1.0 + fabs(fd))) fail_msg("param %zu: backward %.9g, finite difference %.9g", j, (double)g[j], fd);
    checked++;
  }
  assert_int_equal(checked, np);
  free(w);
  free(g);
  lq_qinco_free(q);
}

/* Correlated synthetic data: a noisy 2-D torus-like manifold in 8-D. */
static void manifold(size_t n, size_t d, uint64_t seed, float* x) {
  for (size_t i = 0; i < n; i++) {
    float a = 6.2831853f * lq_rng_uniform_f32(seed, 4 * i), b = 6.2831853f * lq_rng_uniform_f32(seed, 4 * i + 1);
    for (size_t j = 0; j < d; j++) {
      float w1 = (float)((j % 3) + 1), w2 = (float)((j * 7) % 4) - 1.5f, ph = 0.7f * (float)j;
      x[i * d + j] = sinf(w1 * a + w2 * b + ph) + 0.05f * (lq_rng_uniform_f32(seed + 9, i * d + j) - 0.5f);
    }
  }
}

static lq_vq_codec* train_rq(size_t d, size_t M, int nbits, int beam, size_t n, const float* x) {
  lq_vq_rq_params p;
  memset(&p, 0, sizeof p);
  p.d = d;
  p.M = M;
  p.nbits = nbits;
  p.max_beam_size = beam;
  p.nthreads = 1;
  lq_vq_codec* c = NULL;
  assert_int_equal(lq_vq_rq_new(&p, &c), LQ_OK);
  assert_int_equal(lq_vq_train(c, n, x, NULL), LQ_OK);
  return c;
}

static double qinco_mse(const lq_qinco* q, size_t n, size_t d, const float* x, uint8_t* codes_out) {
  uint8_t* codes = codes_out ? codes_out : (uint8_t*)malloc(n * lq_qinco_code_size(q));
  float* y = (float*)malloc(n * d * sizeof(float));
  assert_int_equal(lq_qinco_encode(q, n, x, codes), LQ_OK);
  assert_int_equal(lq_qinco_decode(q, n, codes, y), LQ_OK);
  double s = 0;
  for (size_t i = 0; i < n * d; i++) s += ((double)x[i] - y[i]) * ((double)x[i] - y[i]);
  if (!codes_out) free(codes);
  free(y);
  return s / (double)n;
}

/* With W, b, B = 0 a QINCo model is the RQ of its codebooks: the same codes
 * as a greedy RQ encode and the same reconstruction. */
static void test_qinco_identity_init_is_rq(void** st) {
  (void)st;
  enum { N = 600, D = 8, M = 3, NB = 4, K = 16 };
  float* x = (float*)malloc(N * D * sizeof(float));
  manifold(N, D, 11, x);
  lq_vq_codec* rq = train_rq(D, M, NB, 1, N, x);
  float cent[M * K * D];
  assert_int_equal(lq_vq_get_centroids(rq, cent, M * K * D), LQ_OK);
  lq_qinco* q = make_qinco(D, M, NB, 1, 16);
  size_t np = lq_qinco_num_params(q);
  float* w = (float*)calloc(np, sizeof(float));
  size_t step = K * D + 2 * D * D + D + 2 * 16 * D;
  memcpy(w, cent, K * D * sizeof(float));
  for (size_t m = 1; m < M; m++) {
    float* base = w + K * D + (m - 1) * step;
    memcpy(base, cent + m * K * D, K * D * sizeof(float));
    for (size_t j = 0; j < 16 * D; j++) base[K * D + 2 * D * D + D + j] = lq_test_uniform(3, j, -1, 1); /* A */
  }
  assert_int_equal(lq_qinco_set_params(q, w, np, 1.0f), LQ_OK);
  size_t cs = lq_vq_code_size(rq);
  assert_int_equal(lq_qinco_code_size(q), cs);
  uint8_t* a = (uint8_t*)malloc(N * cs);
  uint8_t* b = (uint8_t*)malloc(N * cs);
  float* ya = (float*)malloc(N * D * sizeof(float));
  float* yb = (float*)malloc(N * D * sizeof(float));
  assert_int_equal(lq_vq_encode(rq, N, x, a), LQ_OK);
  assert_int_equal(lq_qinco_encode(q, N, x, b), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(a, b, N * cs, "QINCo identity codes vs RQ");
  assert_int_equal(lq_vq_decode(rq, N, a, ya), LQ_OK);
  assert_int_equal(lq_qinco_decode(q, N, b, yb), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(ya, yb, N * D * sizeof(float), "QINCo identity decode vs RQ");
  free(a);
  free(b);
  free(ya);
  free(yb);
  free(w);
  free(x);
  lq_qinco_free(q);
  lq_vq_codec_free(rq);
}

/* The bar: at the same code size (M = 2, nbits = 4: 1 byte per
 * 8-D vector), trained QINCo has a lower held-out MSE than RQ (greedy and
 * beam 5) by at least 3%, and lower than its own RQ initialisation. */
static void test_qinco_beats_rq(void** st) {
  (void)st;
  enum { NTR = 2000, NTE = 1000, D = 8, M = 2, NB = 4, EPOCHS = 8 };
  float* xtr = (float*)malloc(NTR * D * sizeof(float));
  float* xte = (float*)malloc(NTE * D * sizeof(float));
  manifold(NTR, D, 1, xtr);
  manifold(NTE, D, 2, xte);
  lq_vq_codec* rq1 = train_rq(D, M, NB, 1, NTR, xtr);
  lq_vq_codec* rq5 = train_rq(D, M, NB, 5, NTR, xtr);
  double m_rq1 = vq_test_codec_mse(rq1, NTE, D, xte), m_rq5 = vq_test_codec_mse(rq5, NTE, D, xte);
  lq_qinco_params p;
  memset(&p, 0, sizeof p);
  p.d = D;
  p.M = M;
  p.nbits = NB;
  p.h = 32;
  p.epochs = EPOCHS;
  p.batch = 32;
  p.lr = 1e-2f;
  p.nthreads = 0;
  lq_qinco* q = NULL;
  assert_int_equal(lq_qinco_new(&p, &q), LQ_OK);
  double ep[EPOCHS];
  assert_int_equal(lq_qinco_train(q, NTR, xtr, ep), LQ_OK);
  assert_true(lq_qinco_is_trained(q));
  assert_true(ep[EPOCHS - 1] < ep[0]);
  uint8_t* codes = (uint8_t*)malloc(NTE * lq_qinco_code_size(q));
  double m_q = qinco_mse(q, NTE, D, xte, codes);
  p.epochs = -1; /* no Adam epochs: the initialising RQ */
  lq_qinco* q0 = NULL;
  assert_int_equal(lq_qinco_new(&p, &q0), LQ_OK);
  assert_int_equal(lq_qinco_train(q0, NTR, xtr, NULL), LQ_OK);
  double m_q0 = qinco_mse(q0, NTE, D, xte, NULL);
  print_message("held-out MSE: RQ greedy %.5f, RQ beam 5 %.5f, QINCo init %.5f, QINCo trained %.5f\n", m_rq1, m_rq5,
                m_q0, m_q);
  double best_rq = m_rq1 < m_rq5 ? m_rq1 : m_rq5;
  if (!(m_q <= 0.97 * best_rq)) fail_msg("QINCo %.5f is not 3%% below RQ %.5f", m_q, best_rq);
  if (!(m_q <= 0.97 * m_q0)) fail_msg("training did not improve on the RQ init: %.5f vs %.5f", m_q, m_q0);

  /* save/load round trip */
  lq_qinco* q1 = NULL;
  size_t sz = 0;
  assert_int_equal(lq_qinco_save(q, NULL, 0, &sz), LQ_OK);
  uint8_t* buf = (uint8_t*)malloc(sz);
  assert_int_equal(lq_qinco_save(q, buf, sz, &sz), LQ_OK);
  assert_int_equal(lq_qinco_load(buf, sz, &q1), LQ_OK);
  uint8_t* codes1 = (uint8_t*)malloc(NTE * lq_qinco_code_size(q));
  assert_true(qinco_mse(q1, NTE, D, xte, codes1) == m_q);
  LQ_ASSERT_BITS_EQUAL(codes, codes1, NTE * lq_qinco_code_size(q), "loaded model codes");
  /* corrupt and truncated images */
  lq_qinco* bad = NULL;
  lq_test_expect_error(lq_qinco_load(buf, sz - 1, &bad), LQ_ERR_FORMAT, "truncated");
  buf[50] ^= 1u;
  lq_test_expect_error(lq_qinco_load(buf, sz, &bad), LQ_ERR_FORMAT, "checksum");
  buf[50] ^= 1u;
  buf[0] = 'X';
  lq_test_expect_error(lq_qinco_load(buf, sz, &bad), LQ_ERR_FORMAT, "magic");
  assert_null(bad);
  free(buf);
  free(codes);
  free(codes1);
  free(xtr);
  free(xte);
  lq_qinco_free(q);
  lq_qinco_free(q0);
  lq_qinco_free(q1);
  lq_vq_codec_free(rq1);
  lq_vq_codec_free(rq5);
}

static void test_qinco_bad_input(void** st) {
  (void)st;
  lq_qinco_params p;
  memset(&p, 0, sizeof p);
  lq_qinco* q = NULL;
  lq_test_expect_error(lq_qinco_new(NULL, &q), LQ_ERR_INVALID_ARG, "NULL");
  p.M = 2;
  p.nbits = 4;
  lq_test_expect_error(lq_qinco_new(&p, &q), LQ_ERR_INVALID_ARG, "d = 0");
  p.d = 65;
  lq_test_expect_error(lq_qinco_new(&p, &q), LQ_ERR_INVALID_ARG, "1..64");
  p.d = 4;
  p.nbits = 9;
  lq_test_expect_error(lq_qinco_new(&p, &q), LQ_ERR_INVALID_ARG, "nbits");
  p.nbits = 4;
  p.h = 129;
  lq_test_expect_error(lq_qinco_new(&p, &q), LQ_ERR_INVALID_ARG, "h = 129");
  p.h = 0;
  p.lr = NAN;
  lq_test_expect_error(lq_qinco_new(&p, &q), LQ_ERR_INVALID_ARG, "lr");
  p.lr = 0;
  p.epochs = 1;
  assert_int_equal(lq_qinco_new(&p, &q), LQ_OK);
  float x[40 * 4];
  uint8_t codes[40];
  for (size_t i = 0; i < 40 * 4; i++) x[i] = lq_test_uniform(1, i, -1, 1);
  lq_test_expect_error(lq_qinco_encode(q, 1, x, codes), LQ_ERR_STATE, "not trained");
  lq_test_expect_error(lq_qinco_train(q, 10, x, NULL), LQ_ERR_INVALID_ARG, "larger than the number of points");
  x[7] = INFINITY;
  lq_test_expect_error(lq_qinco_train(q, 40, x, NULL), LQ_ERR_NUMERIC, "NaN or Inf");
  memset(x, 0, sizeof x);
  lq_test_expect_error(lq_qinco_train(q, 40, x, NULL), LQ_ERR_NUMERIC, "all zero");
  for (size_t i = 0; i < 40 * 4; i++) x[i] = lq_test_uniform(1, i, -1, 1);
  assert_int_equal(lq_qinco_train(q, 40, x, NULL), LQ_OK);
  x[0] = NAN;
  lq_test_expect_error(lq_qinco_encode(q, 1, x, codes), LQ_ERR_NUMERIC, "NaN");
  int32_t bad_codes[2] = {0, 16};
  double loss;
  x[0] = 0;
  lq_test_expect_error(lq_qinco_loss_grad(q, 1, x, bad_codes, &loss, NULL), LQ_ERR_INVALID_ARG, "outside 0..15");
  lq_test_expect_error(lq_qinco_set_params(q, x, 3, 1.0f), LQ_ERR_INVALID_ARG, "floats");
  lq_qinco_free(q);
  lq_qinco_free(NULL);
}

/* The qinco scheme (threads=1) equals the direct API with all CPUs bit for
 * bit (training and encoding do not depend on the thread count), and bad
 * keys are rejected. */
static void test_qinco_scheme(void** st) {
  (void)st;
  enum { N = 400, D = 8 };
  float* x = (float*)malloc(N * D * sizeof(float));
  float* y = (float*)malloc(N * D * sizeof(float));
  float* y2 = (float*)malloc(N * D * sizeof(float));
  manifold(N, D, 5, x);
  lq_scheme* s = NULL;
  assert_int_equal(lq_scheme_parse("qinco:m=2:nbits=4:epochs=2:dim=8", &s), LQ_OK);
  lq_shape flat = {1, {N * D}};
  assert_int_equal(lq_scheme_roundtrip(s, &flat, x, y, NULL), LQ_OK);
  lq_qinco_params p;
  memset(&p, 0, sizeof p);
  p.d = D;
  p.M = 2;
  p.nbits = 4;
  p.epochs = 2;
  p.nthreads = 0;
  lq_qinco* q = NULL;
  assert_int_equal(lq_qinco_new(&p, &q), LQ_OK);
  assert_int_equal(lq_qinco_train(q, N, x, NULL), LQ_OK);
  uint8_t codes[N];
  assert_int_equal(lq_qinco_encode(q, N, x, codes), LQ_OK);
  assert_int_equal(lq_qinco_decode(q, N, codes, y2), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(y, y2, N * D * sizeof(float), "scheme vs API");
  lq_qinco_free(q);
  lq_scheme_destroy(s);
  const char* bad[] = {"qinco:nbits=9", "qinco:m=0", "qinco:epochs=0", "qinco:dim=65", "qinco:h=129", "qinco:foo=1"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    s = NULL;
    if (lq_scheme_parse(bad[i], &s) != LQ_ERR_INVALID_ARG) fail_msg("'%s' accepted", bad[i]);
  }
  free(x);
  free(y);
  free(y2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_vqvae_forward_backward_golden), cmocka_unit_test(test_vqvae_ema_golden),
      cmocka_unit_test(test_vqvae_ema_training),            cmocka_unit_test(test_vqvae_restart),
      cmocka_unit_test(test_vqvae_bad_input),               cmocka_unit_test(test_qinco_gradcheck),
      cmocka_unit_test(test_qinco_identity_init_is_rq),     cmocka_unit_test(test_qinco_beats_rq),
      cmocka_unit_test(test_qinco_bad_input),               cmocka_unit_test(test_qinco_scheme),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
