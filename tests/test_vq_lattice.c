/* Lattice quantizers (src/vq/lattice.c): the nearest-point property against
 * brute-force search over all lattice points in a box around x, documented
 * ties, idempotence, the saturating storable form, the MSE scale fit, the
 * finite E8 shell code (exhaustive nearest-codeword checks) and bad input. */
#include <math.h>

#include "lq_test.h"

#define expect_error(got, want) lq_test_expect_error((got), (want), NULL)

static double d2(size_t dim, const double* a, const float* b) {
  double s = 0.0;
  for (size_t i = 0; i < dim; i++) s += (a[i] - (double)b[i]) * (a[i] - (double)b[i]);
  return s;
}

/* Is p (coordinates as doubles) a point of the lattice? */
static int in_lattice(lq_lattice_type t, size_t dim, const float* p) {
  double s = 0.0;
  int all_int = 1, all_half = 1;
  for (size_t i = 0; i < dim; i++) {
    double v = p[i];
    s += v;
    if (v != floor(v)) all_int = 0;
    if (v - 0.5 != floor(v - 0.5)) all_half = 0;
  }
  switch (t) {
    case LQ_LATTICE_ZN: return all_int;
    case LQ_LATTICE_DN: return all_int && fmod(s, 2.0) == 0.0;
    case LQ_LATTICE_AN: return all_int && s == 0.0;
    default: return (all_int || all_half) && fmod(s, 2.0) == 0.0;
  }
}

/* Minimum squared distance from x to the lattice points whose doubled
 * coordinates t satisfy |t - 2x| <= 2w. Every coordinate of the nearest
 * point lies within the covering radius of x: <= 1.2 for Z^n, D_n, A_n with
 * n <= 5 (w = 2), and 1 for E8 (w = 1). */
static double brute_min(lq_lattice_type t, size_t dim, const double* x) {
  double w = t == LQ_LATTICE_E8 ? 2.0 : 4.0;
  int lo[8], hi[8], cur[8];
  for (size_t i = 0; i < dim; i++) {
    lo[i] = (int)ceil(2.0 * x[i] - w);
    hi[i] = (int)floor(2.0 * x[i] + w);
    cur[i] = lo[i];
  }
  double best = INFINITY;
  for (;;) {
    float p[8];
    for (size_t i = 0; i < dim; i++) p[i] = 0.5f * (float)cur[i];
    if (in_lattice(t, dim, p)) {
      double d = d2(dim, x, p);
      if (d < best) best = d;
    }
    size_t i = 0;
    while (i < dim && cur[i] == hi[i]) {
      cur[i] = lo[i];
      i++;
    }
    if (i == dim) break;
    cur[i]++;
  }
  return best;
}

static void check_nearest(lq_lattice_type t, size_t dim, int trials, uint64_t seed) {
  for (int r = 0; r < trials; r++) {
    float x[8], y[8], z[8];
    double xd[8];
    for (size_t i = 0; i < dim; i++) {
      x[i] = lq_test_uniform(seed, (uint64_t)r * 8 + i, -3.0f, 3.0f);
      if (r % 4 == 1) x[i] = 0.5f * roundf(2.0f * x[i]);  /* half-integers: ties */
      if (r % 4 == 2) x[i] = 0.25f * roundf(4.0f * x[i]); /* quarter points */
      xd[i] = x[i];
    }
    assert_int_equal(lq_lattice_nearest(t, dim, 1, x, 1.0f, y), LQ_OK);
    assert_true(in_lattice(t, dim, y));
    double got = d2(dim, xd, y);
    double want = brute_min(t, dim, xd);
    if (!(got <= want + 1e-12)) fail_msg("type %d dim %zu trial %d: distance %g, brute force %g", t, dim, r, got, want);
    /* idempotence */
    assert_int_equal(lq_lattice_nearest(t, dim, 1, y, 1.0f, z), LQ_OK);
    assert_memory_equal(y, z, dim * sizeof(float));
  }
}

static void test_nearest_bruteforce(void** state) {
  (void)state;
  for (size_t dim = 1; dim <= 5; dim++) {
    check_nearest(LQ_LATTICE_ZN, dim, 160, 11 + dim);
    check_nearest(LQ_LATTICE_DN, dim, 160, 21 + dim);
    if (dim >= 2) check_nearest(LQ_LATTICE_AN, dim, 160, 31 + dim);
  }
  check_nearest(LQ_LATTICE_E8, 8, 120, 41);
}

static void test_known_cases(void** state) {
  (void)state;
  float y[8];
  /* Z: half up */
  const float xz[3] = {0.5f, -0.5f, 1.5f};
  assert_int_equal(lq_lattice_nearest(LQ_LATTICE_ZN, 3, 1, xz, 1.0f, y), LQ_OK);
  assert_true(y[0] == 1.0f && y[1] == 0.0f && y[2] == 2.0f);
  /* D4: (1,0,0,0) has odd sum; coordinate 0 has the largest error */
  const float xd[4] = {0.6f, 0.2f, 0.0f, 0.0f};
  assert_int_equal(lq_lattice_nearest(LQ_LATTICE_DN, 4, 1, xd, 1.0f, y), LQ_OK);
  assert_true(y[0] == 0.0f && y[1] == 0.0f && y[2] == 0.0f && y[3] == 0.0f);
  /* D4 tie of errors: (0.5, 0.5, 0, 0) rounds to (1,1,0,0), even: kept */
  const float xd2[4] = {0.5f, 0.5f, 0.0f, 0.0f};
  assert_int_equal(lq_lattice_nearest(LQ_LATTICE_DN, 4, 1, xd2, 1.0f, y), LQ_OK);
  assert_true(y[0] == 1.0f && y[1] == 1.0f && y[2] == 0.0f && y[3] == 0.0f);
  /* A3: round (0,0,0,-1), Delta = -1, equal largest deltas: lowest index */
  const float xa[4] = {0.4f, 0.4f, 0.4f, -1.2f};
  assert_int_equal(lq_lattice_nearest(LQ_LATTICE_AN, 4, 1, xa, 1.0f, y), LQ_OK);
  assert_true(y[0] == 1.0f && y[1] == 0.0f && y[2] == 0.0f && y[3] == -1.0f);
  /* E8: (1/2)^8 is a point; (1/4)^8 is equidistant from 0 and (1/2)^8: D8 wins */
  float xe[8], he[8];
  for (int i = 0; i < 8; i++) {
    xe[i] = 0.5f;
    he[i] = 0.25f;
  }
  assert_int_equal(lq_lattice_nearest(LQ_LATTICE_E8, 8, 1, xe, 1.0f, y), LQ_OK);
  for (int i = 0; i < 8; i++) assert_true(y[i] == 0.5f);
  assert_int_equal(lq_lattice_nearest(LQ_LATTICE_E8, 8, 1, he, 1.0f, y), LQ_OK);
  for (int i = 0; i < 8; i++) assert_true(y[i] == 0.0f);
  /* scale: y = s Q(x/s) */
  const float xs[8] = {1.1f, 0.9f, 0, 0, 0, 0, 0, 0.3f};
  assert_int_equal(lq_lattice_nearest(LQ_LATTICE_E8, 8, 1, xs, 0.5f, y), LQ_OK);
  float u[8], v[8];
  for (int i = 0; i < 8; i++) u[i] = xs[i] / 0.5f;
  assert_int_equal(lq_lattice_nearest(LQ_LATTICE_E8, 8, 1, u, 1.0f, v), LQ_OK);
  for (int i = 0; i < 8; i++) assert_true(y[i] == 0.5f * v[i]);
}

static void test_quantize_saturating(void** state) {
  (void)state;
  const lq_lattice_type types[4] = {LQ_LATTICE_ZN, LQ_LATTICE_DN, LQ_LATTICE_AN, LQ_LATTICE_E8};
  enum { N = 500 };
  static float x[N * 8], y[N * 8], yd[N * 8];
  static int32_t c[N * 8];
  for (int ti = 0; ti < 4; ti++) {
    for (int bits = (ti == 0 ? 2 : ti == 3 ? 4 : 3); bits <= 6; bits++) {
      lq_test_fill(x, N * 8, 100 + bits, 40.0f, 0);
      assert_int_equal(lq_lattice_quantize(types[ti], 8, N, x, 0.7f, bits, y, c), LQ_OK);
      int32_t lo = -(1 << (bits - 1)), hi = (1 << (bits - 1)) - 1;
      for (size_t i = 0; i < N * 8; i++) {
        if (c[i] < lo || c[i] > hi) fail_msg("type %d bits %d: code %d outside [%d, %d]", ti, bits, c[i], lo, hi);
      }
      assert_int_equal(lq_lattice_dequantize(types[ti], 8, N, c, 0.7f, yd), LQ_OK);
      assert_memory_equal(y, yd, sizeof y);
      for (size_t r = 0; r < N; r++) {
        float p[8];
        for (int i = 0; i < 8; i++) p[i] = (float)c[r * 8 + i] / (ti == 3 ? 2.0f : 1.0f);
        assert_true(in_lattice(types[ti], 8, p));
      }
    }
  }
  /* inside the clip range the storable form is the nearest point */
  lq_test_fill(x, N * 8, 7, 2.0f, 0);
  assert_int_equal(lq_lattice_quantize(LQ_LATTICE_E8, 8, N, x, 1.0f, 8, y, NULL), LQ_OK);
  assert_int_equal(lq_lattice_nearest(LQ_LATTICE_E8, 8, N, x, 1.0f, yd), LQ_OK);
  assert_memory_equal(y, yd, sizeof y);
  assert_int_equal(lq_lattice_clip_bound(LQ_LATTICE_ZN, 4), 7);
  assert_int_equal(lq_lattice_clip_bound(LQ_LATTICE_DN, 4), 6);
  assert_int_equal(lq_lattice_clip_bound(LQ_LATTICE_E8, 4), 2);
  assert_int_equal(lq_lattice_clip_bound(LQ_LATTICE_E8, 2), -1);
  assert_int_equal(lq_lattice_clip_bound(LQ_LATTICE_E8, 3), -1);
  assert_int_equal(lq_lattice_clip_bound(LQ_LATTICE_AN, 3), 1);
  assert_int_equal(lq_lattice_clip_bound(LQ_LATTICE_AN, 2), -1);
  assert_int_equal(lq_lattice_clip_bound(LQ_LATTICE_DN, 2), -1);
  assert_int_equal(lq_lattice_clip_bound(LQ_LATTICE_ZN, 1), -1);
  assert_int_equal(lq_lattice_clip_bound(LQ_LATTICE_ZN, 17), -1);
  assert_int_equal(lq_lattice_clip_bound((lq_lattice_type)0, 8), -1);
}

static double mse_at(lq_lattice_type t, size_t n, const float* x, float s, int bits) {
  static float y[4096 * 8];
  assert_int_equal(lq_lattice_quantize(t, 8, n, x, s, bits, y, NULL), LQ_OK);
  double e = 0.0;
  for (size_t i = 0; i < n * 8; i++) e += ((double)x[i] - y[i]) * ((double)x[i] - y[i]);
  return e / (double)(n * 8);
}

static void test_fit_scale(void** state) {
  (void)state;
  enum { N = 2048 };
  static float x[N * 8];
  /* roughly Gaussian: sum of 4 uniforms */
  for (size_t i = 0; i < N * 8; i++) {
    float s = 0;
    for (int k = 0; k < 4; k++) s += lq_test_uniform(99, i * 4 + k, -1.0f, 1.0f);
    x[i] = s;
  }
  const lq_lattice_type types[4] = {LQ_LATTICE_ZN, LQ_LATTICE_DN, LQ_LATTICE_AN, LQ_LATTICE_E8};
  for (int ti = 0; ti < 4; ti++) {
    float s;
    double mse;
    assert_int_equal(lq_lattice_fit_scale(types[ti], 8, N, x, 4, &s, &mse), LQ_OK);
    float amax = 0;
    for (size_t i = 0; i < N * 8; i++)
      if (fabsf(x[i]) > amax) amax = fabsf(x[i]);
    float naive = amax / (float)lq_lattice_clip_bound(types[ti], 4);
    double mse_naive = mse_at(types[ti], N, x, naive, 4);
    assert_true(fabs(mse - mse_at(types[ti], N, x, s, 4)) <= 1e-12 * mse);
    if (!(mse < 0.8 * mse_naive)) fail_msg("type %d: fitted MSE %g vs naive %g", ti, mse, mse_naive);
    /* within 1% of a dense 241-point grid over [naive/16, naive] */
    double dense = INFINITY;
    for (int k = 0; k <= 240; k++) dense = fmin(dense, mse_at(types[ti], N, x, naive * exp2f(-4.0f * k / 240.0f), 4));
    if (!(mse <= 1.01 * dense)) fail_msg("type %d: fitted MSE %g vs dense grid %g", ti, mse, dense);
  }
  /* all-zero data */
  float z[16] = {0};
  float s;
  double mse;
  assert_int_equal(lq_lattice_fit_scale(LQ_LATTICE_E8, 8, 2, z, 4, &s, &mse), LQ_OK);
  assert_true(s == 1.0f && mse == 0.0);
}

static void test_e8_shell(void** state) {
  (void)state;
  const int norms[4] = {2, 4, 6, 8};
  const size_t sizes[4] = {241, 2401, 9121, 26641};
  const int bits[4] = {8, 12, 14, 15};
  for (int k = 0; k < 4; k++) {
    lq_e8_shell* c;
    assert_int_equal(lq_e8_shell_new(norms[k], &c), LQ_OK);
    assert_int_equal(lq_e8_shell_size(c), sizes[k]);
    assert_int_equal(lq_e8_shell_code_bits(c), bits[k]);
    float prev[8] = {0};
    double prevn = -1;
    size_t shell_count[5] = {0};
    for (uint32_t i = 0; i < sizes[k]; i++) {
      float p[8];
      assert_int_equal(lq_e8_shell_codeword(c, i, p), LQ_OK);
      assert_true(in_lattice(LQ_LATTICE_E8, 8, p));
      double n2 = 0;
      for (int j = 0; j < 8; j++) n2 += (double)p[j] * p[j];
      assert_true(n2 <= norms[k] && n2 >= prevn);
      if (n2 == prevn) assert_true(memcmp(p, prev, sizeof p) != 0);
      shell_count[(int)n2 / 2]++;
      prevn = n2;
      memcpy(prev, p, sizeof p);
      uint32_t back;
      assert_int_equal(lq_e8_shell_encode(c, 1, p, 1.0f, &back), LQ_OK);
      assert_int_equal(back, i);
    }
    assert_int_equal(shell_count[0], 1);
    assert_int_equal(shell_count[1], 240);
    if (k >= 1) assert_int_equal(shell_count[2], 2160);
    if (k >= 2) assert_int_equal(shell_count[3], 6720);
    if (k >= 3) assert_int_equal(shell_count[4], 17520);
    /* nearest codeword vs exhaustive search, inside and outside the ball */
    for (int r = 0; r < 150; r++) {
      float x[8], y[8];
      float sc = (r % 3 == 0) ? 0.5f : (r % 3 == 1) ? 1.5f : 4.0f;
      for (int j = 0; j < 8; j++) x[j] = sc * lq_test_uniform(500 + k, (uint64_t)r * 8 + j, -1.0f, 1.0f);
      uint32_t idx;
      assert_int_equal(lq_e8_shell_encode(c, 1, x, 0.8f, &idx), LQ_OK);
      assert_int_equal(lq_e8_shell_decode(c, 1, &idx, 0.8f, y), LQ_OK);
      double best = INFINITY;
      for (uint32_t i = 0; i < sizes[k]; i++) {
        float p[8];
        lq_e8_shell_codeword(c, i, p);
        double d = 0;
        for (int j = 0; j < 8; j++) d += ((double)x[j] / 0.8 - p[j]) * ((double)x[j] / 0.8 - p[j]);
        if (d < best) best = d;
      }
      float cw[8];
      assert_int_equal(lq_e8_shell_codeword(c, idx, cw), LQ_OK);
      for (int j = 0; j < 8; j++) assert_true(y[j] == 0.8f * cw[j]);
      double got = 0;
      for (int j = 0; j < 8; j++) {
        double pj = cw[j];
        got += ((double)x[j] / 0.8 - pj) * ((double)x[j] / 0.8 - pj);
      }
      if (!(got <= best + 1e-9)) fail_msg("shell %d trial %d: %g vs brute force %g", norms[k], r, got, best);
    }
    lq_e8_shell_free(c);
  }
}

static void test_e8_shell_fit(void** state) {
  (void)state;
  enum { N = 1000 };
  static float x[N * 8];
  lq_test_fill(x, N * 8, 3, 1.0f, 0);
  lq_e8_shell* c;
  assert_int_equal(lq_e8_shell_new(4, &c), LQ_OK);
  float s;
  double mse;
  assert_int_equal(lq_e8_shell_fit_scale(c, N, x, &s, &mse), LQ_OK);
  double nmax = 0;
  for (size_t r = 0; r < N; r++) {
    double q = 0;
    for (int j = 0; j < 8; j++) q += (double)x[r * 8 + j] * x[r * 8 + j];
    if (q > nmax) nmax = q; /* not fmax: aarch64-linux-gnu-gcc 12 ICEs vectorising that reduction */
  }
  float naive = (float)(sqrt(nmax) / 2.0);
  static uint32_t idx[N];
  static float y[N * 8];
  assert_int_equal(lq_e8_shell_encode(c, N, x, naive, idx), LQ_OK);
  assert_int_equal(lq_e8_shell_decode(c, N, idx, naive, y), LQ_OK);
  double e = 0;
  for (size_t i = 0; i < N * 8; i++) e += ((double)x[i] - y[i]) * ((double)x[i] - y[i]);
  e /= N * 8;
  if (!(mse < e)) fail_msg("fitted shell MSE %g vs naive %g", mse, e);
  lq_e8_shell_free(c);
}

static void test_bad_input(void** state) {
  (void)state;
  float x[8] = {0}, y[8];
  int32_t c[8];
  expect_error(lq_lattice_nearest((lq_lattice_type)9, 8, 1, x, 1.0f, y), LQ_ERR_INVALID_ARG);
  expect_error(lq_lattice_nearest(LQ_LATTICE_E8, 7, 1, x, 1.0f, y), LQ_ERR_INVALID_ARG);
  expect_error(lq_lattice_nearest(LQ_LATTICE_AN, 1, 1, x, 1.0f, y), LQ_ERR_INVALID_ARG);
  expect_error(lq_lattice_nearest(LQ_LATTICE_ZN, 0, 1, x, 1.0f, y), LQ_ERR_INVALID_ARG);
  expect_error(lq_lattice_nearest(LQ_LATTICE_ZN, 8, 1, x, 0.0f, y), LQ_ERR_INVALID_ARG);
  expect_error(lq_lattice_nearest(LQ_LATTICE_ZN, 8, 1, x, NAN, y), LQ_ERR_INVALID_ARG);
  expect_error(lq_lattice_nearest(LQ_LATTICE_ZN, 8, 1, x, INFINITY, y), LQ_ERR_INVALID_ARG);
  expect_error(lq_lattice_nearest(LQ_LATTICE_ZN, 8, 1, NULL, 1.0f, y), LQ_ERR_INVALID_ARG);
  expect_error(lq_lattice_nearest(LQ_LATTICE_ZN, 8, 1, x, 1.0f, NULL), LQ_ERR_INVALID_ARG);
  expect_error(lq_lattice_nearest(LQ_LATTICE_ZN, 8, SIZE_MAX / 4, x, 1.0f, y), LQ_ERR_OVERFLOW);
  x[3] = NAN;
  expect_error(lq_lattice_nearest(LQ_LATTICE_ZN, 8, 1, x, 1.0f, y), LQ_ERR_NUMERIC);
  x[3] = 3e38f;
  expect_error(lq_lattice_nearest(LQ_LATTICE_ZN, 8, 1, x, 1.0f, y), LQ_ERR_NUMERIC);
  x[3] = 0;
  expect_error(lq_lattice_quantize(LQ_LATTICE_E8, 8, 1, x, 1.0f, 3, y, c), LQ_ERR_INVALID_ARG);
  expect_error(lq_lattice_quantize(LQ_LATTICE_DN, 8, 1, x, 1.0f, 1, y, c), LQ_ERR_INVALID_ARG);
  expect_error(lq_lattice_quantize(LQ_LATTICE_ZN, 8, 1, x, 1.0f, 17, y, c), LQ_ERR_INVALID_ARG);
  expect_error(lq_lattice_dequantize(LQ_LATTICE_ZN, 8, 1, NULL, 1.0f, y), LQ_ERR_INVALID_ARG);
  float s;
  expect_error(lq_lattice_fit_scale(LQ_LATTICE_ZN, 8, 0, x, 4, &s, NULL), LQ_ERR_INVALID_ARG);
  expect_error(lq_lattice_fit_scale(LQ_LATTICE_ZN, 8, 1, x, 0, &s, NULL), LQ_ERR_INVALID_ARG);
  x[0] = INFINITY;
  expect_error(lq_lattice_fit_scale(LQ_LATTICE_ZN, 8, 1, x, 4, &s, NULL), LQ_ERR_NUMERIC);
  x[0] = 0;
  lq_e8_shell* sh = NULL;
  expect_error(lq_e8_shell_new(3, &sh), LQ_ERR_INVALID_ARG);
  assert_null(sh);
  expect_error(lq_e8_shell_new(10, &sh), LQ_ERR_INVALID_ARG);
  expect_error(lq_e8_shell_new(2, NULL), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_e8_shell_new(2, &sh), LQ_OK);
  uint32_t idx = 241;
  expect_error(lq_e8_shell_decode(sh, 1, &idx, 1.0f, y), LQ_ERR_INVALID_ARG);
  expect_error(lq_e8_shell_codeword(sh, 241, y), LQ_ERR_INVALID_ARG);
  expect_error(lq_e8_shell_encode(sh, 1, x, -1.0f, &idx), LQ_ERR_INVALID_ARG);
  expect_error(lq_e8_shell_encode(NULL, 1, x, 1.0f, &idx), LQ_ERR_INVALID_ARG);
  x[1] = NAN;
  expect_error(lq_e8_shell_encode(sh, 1, x, 1.0f, &idx), LQ_ERR_NUMERIC);
  expect_error(lq_e8_shell_fit_scale(sh, 1, x, &s, NULL), LQ_ERR_NUMERIC);
  expect_error(lq_e8_shell_fit_scale(sh, 0, x, &s, NULL), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_e8_shell_size(NULL), 0);
  assert_int_equal(lq_e8_shell_code_bits(NULL), 0);
  lq_e8_shell_free(sh);
  lq_e8_shell_free(NULL);
}

static void test_scheme(void** state) {
  (void)state;
  enum { N = 64 };
  static float x[N * 8], y[N * 8], want[N * 8], dec[N * 8];
  static int32_t codes[N * 8], wcodes[N * 8];
  lq_test_fill(x, N * 8, 77, 3.0f, 0);
  const char* specs[4] = {"lattice", "lattice:type=dn:bits=5:dim=4", "lattice:type=an:dim=2:bits=3",
                          "lattice:type=e8:bits=9"};
  const lq_lattice_type types[4] = {LQ_LATTICE_ZN, LQ_LATTICE_DN, LQ_LATTICE_AN, LQ_LATTICE_E8};
  const size_t dims[4] = {8, 4, 2, 8};
  const int bitsv[4] = {4, 5, 3, 9};
  lq_shape shape = {0};
  shape.ndim = 2;
  shape.dims[0] = N;
  shape.dims[1] = 8;
  for (int k = 0; k < 4; k++) {
    lq_scheme* sc;
    assert_int_equal(lq_scheme_parse(specs[k], &sc), LQ_OK);
    assert_string_equal(lq_scheme_family(sc), "lattice");
    assert_int_equal(lq_scheme_roundtrip(sc, &shape, x, y, codes), LQ_OK);
    float s;
    size_t rows = N * 8 / dims[k];
    assert_int_equal(lq_lattice_fit_scale(types[k], dims[k], rows, x, bitsv[k], &s, NULL), LQ_OK);
    assert_int_equal(lq_lattice_quantize(types[k], dims[k], rows, x, s, bitsv[k], want, wcodes), LQ_OK);
    assert_memory_equal(y, want, sizeof y);
    assert_memory_equal(codes, wcodes, sizeof codes);
    int32_t qmin, qmax;
    assert_int_equal(lq_scheme_code_range(sc, &qmin, &qmax), LQ_OK);
    assert_int_equal(qmin, -(1 << (bitsv[k] - 1)));
    assert_int_equal(qmax, (1 << (bitsv[k] - 1)) - 1);
    double bpe;
    assert_int_equal(lq_scheme_bits_per_element(sc, &shape, &bpe), LQ_OK);
    assert_true(bpe == bitsv[k] + 32.0 / (N * 8));
    size_t bytes;
    assert_int_equal(lq_scheme_encoded_size(sc, &shape, &bytes), LQ_OK);
    assert_int_equal(bytes, N * 8 * (bitsv[k] <= 8 ? 1 : 2));
    uint8_t* enc = malloc(bytes);
    assert_int_equal(lq_scheme_encode(sc, &shape, x, enc, bytes), LQ_OK);
    assert_int_equal(lq_scheme_decode(sc, &shape, enc, bytes, dec), LQ_OK);
    assert_memory_equal(dec, want, sizeof dec);
    free(enc);
    char json[512];
    size_t len;
    assert_int_equal(lq_scheme_params_json(sc, json, sizeof json, &len), LQ_OK);
    char sbuf[64];
    snprintf(sbuf, sizeof sbuf, "\"scale\": %.9g", (double)s);
    if (!strstr(json, sbuf)) fail_msg("params %s lack %s", json, sbuf);
    lq_scheme_destroy(sc);
  }
  /* fixed scale: no parameter overhead, y = the quantizer at that scale */
  lq_scheme* sc;
  assert_int_equal(lq_scheme_parse("lattice:type=e8:scale=0.25:bits=6", &sc), LQ_OK);
  assert_int_equal(lq_scheme_roundtrip(sc, &shape, x, y, NULL), LQ_OK);
  assert_int_equal(lq_lattice_quantize(LQ_LATTICE_E8, 8, N, x, 0.25f, 6, want, NULL), LQ_OK);
  assert_memory_equal(y, want, sizeof y);
  double bpe;
  assert_int_equal(lq_scheme_bits_per_element(sc, &shape, &bpe), LQ_OK);
  assert_true(bpe == 6.0);
  lq_shape odd = {0};
  odd.ndim = 1;
  odd.dims[0] = 12;
  expect_error(lq_scheme_roundtrip(sc, &odd, x, y, NULL), LQ_ERR_INVALID_ARG);
  lq_scheme_destroy(sc);
  const char* bad[] = {"lattice:type=e7", "lattice:type=e8:dim=4", "lattice:type=e8:bits=3", "lattice:type=dn:bits=2",
                       "lattice:type=an:dim=1", "lattice:bits=17", "lattice:scale=0", "lattice:scale=-1",
                       "lattice:scale=nan", "lattice:dim=0", "lattice:foo=1"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    sc = NULL;
    lq_status st = lq_scheme_parse(bad[i], &sc);
    if (st != LQ_ERR_INVALID_ARG) fail_msg("%s: %s", bad[i], lq_status_string(st));
    assert_null(sc);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nearest_bruteforce), cmocka_unit_test(test_known_cases),
      cmocka_unit_test(test_quantize_saturating), cmocka_unit_test(test_fit_scale),
      cmocka_unit_test(test_e8_shell),           cmocka_unit_test(test_e8_shell_fit),
      cmocka_unit_test(test_bad_input), cmocka_unit_test(test_scheme),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
