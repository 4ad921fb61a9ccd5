/* Public API tests of the observers module. Golden values come from
 * tests/vectors/gen_observers.py (torch 1.13, numpy transcriptions of NVIDIA
 * pytorch-quantization); closed-form values from the reference (B.1-B.10). */
#include "lq_test.h"

#include "observers/obs_internal.h"
#include "vectors/observers_golden.h"

#define GF(p) lq_test_from_bits(p)
static float lq_test_from_bits(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static lq_shape shape1(int64_t n) {
  lq_shape s = {1, {n}};
  return s;
}
static lq_shape shape3(int64_t a, int64_t b, int64_t c) {
  lq_shape s = {3, {a, b, c}};
  return s;
}

static lq_observer* make(lq_observer_config cfg) {
  lq_observer* o = NULL;
  lq_status s = lq_observer_create(&cfg, &o);
  if (s != LQ_OK) fail_msg("create: %s: %s", lq_status_string(s), lq_last_error());
  return o;
}

static void observe_ok(lq_observer* o, const float* x, lq_shape sh) {
  lq_status s = lq_observer_observe(o, x, &sh);
  if (s != LQ_OK) fail_msg("observe: %s: %s", lq_status_string(s), lq_last_error());
}

static void qp1(const lq_observer* o, float* s, int32_t* z) {
  size_t n = 1;
  lq_status st = lq_observer_qparams(o, s, z, &n);
  if (st != LQ_OK) fail_msg("qparams: %s: %s", lq_status_string(st), lq_last_error());
  assert_int_equal(n, 1);
}

/* ---------------------------------------------------- reference vectors -- */
static void test_reference_table(void** state) {
  (void)state;
  struct {
    float a, b;
    int qint, sym, rr;
    float s;
    int32_t z;
  } t[] = {
      {0.5f, 2.0f, 0, 0, 0, 2.0f / 255.0f, 0},  {-1, 2, 0, 0, 0, 3.0f / 255.0f, 85},
      {-1, 2, 1, 0, 0, 3.0f / 255.0f, -43},     {-3, 5, 0, 0, 0, 8.0f / 255.0f, 96},
      {-1, 2, 1, 1, 0, 2.0f / 127.5f, 0},       {-1, 2, 0, 1, 0, 2.0f / 127.5f, 128},
      {-1, 2, 0, 0, 1, 3.0f / 127.0f, 42},      {-1, 2, 1, 1, 1, 2.0f / 63.5f, 0},
      {0, 0, 0, 0, 0, 1.1920929e-07f, 0},
  };
  for (size_t i = 0; i < NELEM(t); i++) {
    lq_observer_config c = {0};
    c.dtype = t[i].qint ? LQ_OBSERVER_QINT : LQ_OBSERVER_QUINT;
    c.range.mapping = t[i].sym ? LQ_SYMMETRIC : LQ_AFFINE;
    c.range.reduce_range = t[i].rr;
    lq_observer* o = make(c);
    float x[2] = {t[i].a, t[i].b};
    observe_ok(o, x, shape1(2));
    float s;
    int32_t z;
    qp1(o, &s, &z);
    assert_true(s == t[i].s);
    assert_int_equal(z, t[i].z);
    lq_observer_destroy(o);
  }
  /* never observed: (1.0, 0); custom quint8 [0, 15] */
  lq_observer_config c = {0};
  lq_observer* o = make(c);
  float s;
  int32_t z;
  qp1(o, &s, &z);
  assert_true(s == 1.0f && z == 0);
  lq_observer_destroy(o);
  c.range.qmin = 0;
  c.range.qmax = 15;
  o = make(c);
  float x[2] = {-1, 2};
  observe_ok(o, x, shape1(2));
  qp1(o, &s, &z);
  assert_true(s == 0.2f && z == 5);
  lq_observer_destroy(o);
  /* EMA: [0, 1] then [-1, 3] gives min -0.01, max 1.02 (float32 update) */
  lq_observer_config e = {0};
  e.method = LQ_OBSERVER_MOVING_AVERAGE;
  o = make(e);
  float b1[2] = {0, 1}, b2[2] = {-1, 3};
  observe_ok(o, b1, shape1(2));
  observe_ok(o, b2, shape1(2));
  float lo, hi;
  size_t n = 1;
  assert_int_equal(lq_observer_range(o, &lo, &hi, &n), LQ_OK);
  assert_true(lo == 0.0f + 0.01f * (-1.0f - 0.0f));
  assert_true(hi == 1.0f + 0.01f * (3.0f - 1.0f));
  assert_true(fabsf(lo + 0.01f) < 1e-7f && fabsf(hi - 1.02f) < 1e-6f);
  lq_observer_destroy(o);
  /* per-channel symmetric qint8, axis 1: [[1,-2,0],[3,1,0]] -> [3/127.5, 2/127.5, eps] */
  lq_observer_config pc = {0};
  pc.method = LQ_OBSERVER_MINMAX;
  pc.dtype = LQ_OBSERVER_QINT;
  pc.range.mapping = LQ_SYMMETRIC;
  pc.granularity = LQ_GRAN_CHANNEL;
  pc.axis = 1;
  float w[6] = {1, -2, 0, 3, 1, 0};
  lq_shape sh = {2, {2, 3}};
  float sc[3];
  int32_t zp[3];
  n = 3;
  assert_int_equal(lq_observer_calibrate(&pc, w, &sh, sc, zp, &n), LQ_OK);
  assert_int_equal(n, 3);
  assert_true(sc[0] == 3.0f / 127.5f && sc[1] == 2.0f / 127.5f && sc[2] == 1.1920929e-07f);
  assert_true(zp[0] == 0 && zp[1] == 0 && zp[2] == 0);
}

/* ------------------------------------------- torch golden: min/max family -- */
static void test_minmax_golden(void** state) {
  (void)state;
  for (size_t i = 0; i < NELEM(mm_cases); i++) {
    const mm_case* t = &mm_cases[i];
    lq_observer_config c = {0};
    c.method = t->ema ? LQ_OBSERVER_MOVING_AVERAGE : LQ_OBSERVER_MINMAX;
    c.dtype = t->qint ? LQ_OBSERVER_QINT : LQ_OBSERVER_QUINT;
    c.range.mapping = t->sym ? LQ_SYMMETRIC : LQ_AFFINE;
    c.range.reduce_range = t->rr;
    c.granularity = t->per_channel ? LQ_GRAN_CHANNEL : LQ_GRAN_TENSOR;
    c.axis = t->axis;
    lq_observer* o = make(c);
    for (int b = 0; b < 3; b++) observe_ok(o, (const float*)(const void*)mm_batches + 60 * b, shape3(4, 3, 5));
    float s[8];
    int32_t z[8];
    size_t n = 8;
    assert_int_equal(lq_observer_qparams(o, s, z, &n), LQ_OK);
    assert_int_equal(n, (size_t)t->n);
    for (int k = 0; k < t->n; k++) {
      if (lq_test_bits(s[k]) != t->s[k] || z[k] != t->z[k])
        fail_msg("case %zu (ema %d qint %d sym %d rr %d axis %d) ch %d: (%a, %d) vs torch (%a, %d)", i, t->ema,
                 t->qint, t->sym, t->rr, t->per_channel ? t->axis : 99, k, s[k], z[k], GF(t->s[k]), t->z[k]);
    }
    lq_observer_destroy(o);
  }
}

static void test_ema_long_golden(void** state) {
  (void)state;
  lq_observer_config c = {0};
  c.method = LQ_OBSERVER_MOVING_AVERAGE;
  lq_observer* o = make(c);
  const float* x = (const float*)(const void*)ema_long_batches;
  for (int b = 0; b < 50; b++) observe_ok(o, x + 33 * b, shape1(33));
  assert_int_equal(lq_test_bits(o->mn[0]), ema_long_minmax[0]);
  assert_int_equal(lq_test_bits(o->mx[0]), ema_long_minmax[1]);
  float s;
  int32_t z;
  qp1(o, &s, &z);
  assert_int_equal(lq_test_bits(s), ema_long_s[0]);
  assert_int_equal(z, ema_long_z[0]);
  lq_observer_destroy(o);
}

/* -------------------------------------------------- torch HistogramObserver -- */
static lq_observer* run_hist(const uint32_t* data, const int64_t* sizes, size_t nb, int compat, int qint_sym) {
  lq_observer_config c = {0};
  c.method = LQ_OBSERVER_HISTOGRAM;
  c.torch_compat = compat;
  if (qint_sym) {
    c.dtype = LQ_OBSERVER_QINT;
    c.range.mapping = LQ_SYMMETRIC;
  }
  lq_observer* o = make(c);
  const float* x = (const float*)(const void*)data;
  for (size_t b = 0; b < nb; b++) {
    observe_ok(o, x, shape1(sizes[b]));
    x += sizes[b];
  }
  return o;
}

static double hist_total(const lq_observer* o) {
  double t = o->h[0].mass;
  for (size_t i = 0; i < o->h[0].nb; i++) t += o->h[0].counts[i];
  return t;
}

static void check_hist(const char* name, lq_observer* o, const uint32_t* expect, const int32_t* zp, int exact_state) {
  float s;
  int32_t z;
  qp1(o, &s, &z);
  if (lq_test_bits(s) != expect[0] || z != zp[0])
    fail_msg("%s: (%a, %d) vs torch (%a, %d)", name, s, z, GF(expect[0]), zp[0]);
  if (exact_state) {
    assert_int_equal(lq_test_bits(o->mn[0]), expect[1]);
    assert_int_equal(lq_test_bits(o->mx[0]), expect[2]);
    double t = hist_total(o);
    if (fabs(t - GF(expect[3])) > 1e-3) fail_msg("%s: histogram total %.6f vs torch %.6f", name, t, GF(expect[3]));
  }
}

static void test_histogram_golden(void** state) {
  (void)state;
  /* integer min/max: the intended algorithm and the compat mode both equal torch */
  for (int compat = 0; compat < 2; compat++) {
    lq_observer* o = run_hist(hi_data, hi_sizes, 3, compat, 0);
    check_hist("hi", o, hi_expect, hi_zp, 1);
    lq_observer_destroy(o);
    o = run_hist(hi_data, hi_sizes, 3, compat, 1);
    check_hist("hi_q", o, hi_q_expect, hi_q_zp, 1);
    lq_observer_destroy(o);
    o = run_hist(ht_data, ht_sizes, 1, compat, 0);
    check_hist("ht", o, ht_expect, ht_zp, 1);
    lq_observer_destroy(o);
  }
  /* arbitrary ranges over several batches: compat mode reproduces torch */
  lq_observer* o = run_hist(hr_data, hr_sizes, 3, 1, 0);
  check_hist("hr compat", o, hr_expect, hr_zp, 1);
  lq_observer_destroy(o);
  /* ... while the intended algorithm keeps every count */
  o = run_hist(hr_data, hr_sizes, 3, 0, 0);
  assert_true(fabs(hist_total(o) - (double)(hr_sizes[0] + hr_sizes[1] + hr_sizes[2])) < 1e-6);
  assert_true(GF(hr_expect[3]) < (float)(hr_sizes[0] + hr_sizes[1] + hr_sizes[2])); /* torch dropped data */
  lq_observer_destroy(o);
}

/* reference B.4: torch 1.13's int() truncation keeps 625 of 1001 counts of
 * linspace(-0.5, 2.7, 1001); the intended algorithm keeps them all. */
static void test_histogram_deviation(void** state) {
  (void)state;
  lq_observer* t = run_hist(hx_data, hx_sizes, 1, 1, 0);
  check_hist("hx compat", t, hx_expect, hx_zp, 1);
  assert_true(hist_total(t) == 625.0);
  lq_observer* o = run_hist(hx_data, hx_sizes, 1, 0, 0);
  assert_true(hist_total(o) == 1001.0);
  float s1, s2;
  int32_t z1, z2;
  qp1(t, &s1, &z1);
  qp1(o, &s2, &z2);
  /* uniform data: the intended search keeps (nearly) the whole range [-0.5, 2.7] */
  float lo, hi;
  size_t n = 1;
  assert_int_equal(lq_observer_range(o, &lo, &hi, &n), LQ_OK);
  assert_true(lo >= -0.5f && lo < -0.45f && hi <= 2.7f + 1e-6f && hi > 2.6f);
  assert_true(s1 != s2 || z1 != z2);
  lq_observer_destroy(t);
  lq_observer_destroy(o);
  /* torch 1.13 restarts when min == max (drops the constant batch); intended keeps it */
  lq_observer_config c = {0};
  c.method = LQ_OBSERVER_HISTOGRAM;
  float k[4] = {1.5f, 1.5f, 1.5f, 1.5f}, r[4] = {-1.0f, 0.0f, 2.0f, 3.0f};
  for (int compat = 0; compat < 2; compat++) {
    c.torch_compat = compat;
    lq_observer* h = make(c);
    observe_ok(h, k, shape1(4));
    observe_ok(h, r, shape1(4));
    assert_true(hist_total(h) == (compat ? 4.0 : 8.0));
    lq_observer_destroy(h);
  }
}

/* ------------------------------------------------- NVIDIA calibrators -- */
static void test_nv_closed_form(void** state) {
  (void)state;
  static double h[2048];
  for (int i = 0; i < 2048; i++) h[i] = floor(1000.0 * exp(-i / 100.0));
  float a;
  assert_int_equal(lq_hist_amax(LQ_OBSERVER_PERCENTILE, h, 2048, 0.01f, 8, 0, 99.99, 128, 1, &a), LQ_OK);
  assert_true(fabsf(a - 6.80f) < 1e-5f);
  assert_int_equal(lq_hist_amax(LQ_OBSERVER_PERCENTILE, h, 2048, 0.01f, 8, 0, 99.9, 128, 1, &a), LQ_OK);
  assert_true(fabsf(a - 6.06f) < 1e-5f);
  assert_int_equal(lq_hist_amax(LQ_OBSERVER_HIST_MSE, h, 2048, 0.01f, 8, 0, 0, 128, 1, &a), LQ_OK);
  assert_true(fabsf(a - 6.665f) < 1e-5f);
  assert_int_equal(lq_hist_amax(LQ_OBSERVER_HIST_MSE, h, 2048, 0.01f, 4, 0, 0, 128, 1, &a), LQ_OK);
  assert_true(fabsf(a - 4.395f) < 1e-5f);
  double h0 = h[0];
  assert_int_equal(lq_hist_amax(LQ_OBSERVER_KL, h, 2048, 0.01f, 8, 0, 0, 128, 1, &a), LQ_OK);
  assert_true(fabsf(a - 6.93f) < 1e-5f);
  assert_true(h[0] == h0); /* NVIDIA's bins[0] = bins[1] happens on a copy */
  /* errors */
  assert_int_equal(lq_hist_amax(LQ_OBSERVER_PERCENTILE, h, 2048, 0.01f, 8, 0, 100.5, 128, 1, &a), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_hist_amax(LQ_OBSERVER_KL, h, 100, 0.01f, 8, 0, 0, 128, 1, &a), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_hist_amax(LQ_OBSERVER_MINMAX, h, 2048, 0.01f, 8, 0, 0, 128, 1, &a), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_hist_amax(LQ_OBSERVER_KL, h, 2048, 0.0f, 8, 0, 0, 128, 1, &a), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_hist_amax(LQ_OBSERVER_KL, NULL, 2048, 0.01f, 8, 0, 0, 128, 1, &a), LQ_ERR_INVALID_ARG);
  static double z[16];
  assert_int_equal(lq_hist_amax(LQ_OBSERVER_PERCENTILE, z, 16, 0.01f, 8, 0, 50, 1, 1, &a), LQ_ERR_INVALID_ARG);
  z[3] = -1;
  assert_int_equal(lq_hist_amax(LQ_OBSERVER_PERCENTILE, z, 16, 0.01f, 8, 0, 50, 1, 1, &a), LQ_ERR_INVALID_ARG);
  assert_true(strstr(lq_last_error(), "negative") != NULL);
}

static void test_nv_golden(void** state) {
  (void)state;
  static double h[2048];
  const lq_observer_method m[8] = {LQ_OBSERVER_PERCENTILE, LQ_OBSERVER_PERCENTILE, LQ_OBSERVER_HIST_MSE,
                                   LQ_OBSERVER_KL, LQ_OBSERVER_HIST_MSE, LQ_OBSERVER_KL, LQ_OBSERVER_HIST_MSE,
                                   LQ_OBSERVER_KL};
  const double p[8] = {99.99, 99.0, 0, 0, 0, 0, 0, 0};
  const int bits[8] = {8, 8, 8, 8, 4, 4, 8, 8}, uns[8] = {0, 0, 0, 0, 0, 0, 1, 1};
  for (size_t k = 0; k < NELEM(nv_cases); k++) {
    const nv_case* t = &nv_cases[k];
    for (int i = 0; i < t->nb; i++) h[i] = t->hist[i];
    for (int j = 0; j < 8; j++) {
      float a;
      assert_int_equal(lq_hist_amax(m[j], h, (size_t)t->nb, GF(t->width), bits[j], uns[j], p[j], 128, 1, &a), LQ_OK);
      if (lq_test_bits(a) != t->expect[j])
        fail_msg("nv case %zu calibrator %d: %.9g vs transcription %.9g", k, j, a, GF(t->expect[j]));
    }
  }
}

static int cmp_abs(const void* p, const void* q) {
  float a = *(const float*)p, b = *(const float*)q;
  return (a > b) - (a < b);
}

static void test_nv_observers(void** state) {
  (void)state;
  /* the observer's |x| histogram equals np.histogram over linspace edges for
   * one batch; percentile via histogram is within a bin of the exact value */
  const float* x = (const float*)(const void*)pct_x;
  lq_observer_config c = {0};
  c.method = LQ_OBSERVER_PERCENTILE;
  c.percentile = 99.0;
  c.exact_limit = -1;
  lq_observer* o = make(c);
  observe_ok(o, x, shape1(999));
  float lo, hi;
  size_t n = 1;
  assert_int_equal(lq_observer_range(o, &lo, &hi, &n), LQ_OK);
  float w = o->h[0].width;
  /* NVIDIA: the left edge of the bin holding the sample of rank ceil(p/100 * n) */
  static float a[999];
  for (int i = 0; i < 999; i++) a[i] = fabsf(x[i]);
  qsort(a, 999, sizeof(float), cmp_abs);
  float r = a[(int)ceil(0.99 * 999) - 1];
  if (!(r >= hi - 1e-6f && r < hi + w)) fail_msg("hist percentile %.7g, sample %.7g, width %.7g", hi, r, w);
  assert_true(lo == -hi || lo == o->mn[0]);
  lq_observer_destroy(o);
  /* KL/HIST_MSE observers run through and give finite, clipped ranges; more
   * batches grow the grid at the same width */
  for (int mi = 0; mi < 2; mi++) {
    c.method = mi ? LQ_OBSERVER_KL : LQ_OBSERVER_HIST_MSE;
    o = make(c);
    observe_ok(o, x, shape1(500));
    float w0 = o->h[0].width;
    float big[3] = {0.0f, -30.0f, 1.0f};
    observe_ok(o, big, shape1(3));
    assert_true(o->h[0].width == w0 && o->h[0].nb > 2048);
    assert_true(o->h[0].hi >= 30.0f);
    n = 1;
    assert_int_equal(lq_observer_range(o, &lo, &hi, &n), LQ_OK);
    if (!(hi > 0 && lo >= o->mn[0] && hi <= o->mx[0] && -lo <= o->h[0].hi)) fail_msg("method %d: [%g, %g]", mi, lo, hi);
    lq_observer_destroy(o);
  }
}

static void test_percentile_exact(void** state) {
  (void)state;
  const float* x = (const float*)(const void*)pct_x;
  const double ps[4] = {99.99, 99.0, 50.0, 100.0};
  for (int i = 0; i < 4; i++) {
    lq_observer_config c = {0};
    c.method = LQ_OBSERVER_PERCENTILE;
    c.percentile = ps[i];
    c.range.mapping = LQ_SYMMETRIC;
    c.dtype = LQ_OBSERVER_QINT;
    lq_observer* o = make(c);
    observe_ok(o, x, shape1(400)); /* two batches: exact over everything */
    observe_ok(o, x + 400, shape1(599));
    float lo, hi;
    size_t n = 1;
    assert_int_equal(lq_observer_range(o, &lo, &hi, &n), LQ_OK);
    float amax = hi > -lo ? hi : -lo;
    if (lq_test_bits(amax) != pct_expect[i]) fail_msg("p=%g: %.9g vs numpy %.9g", ps[i], amax, GF(pct_expect[i]));
    lq_observer_destroy(o);
  }
}

/* ------------------------------------------------ GPTQ-style MSE search -- */
static void test_mse_golden(void** state) {
  (void)state;
  const float* x = (const float*)(const void*)mse_x;
  for (int k = 0; k < 2; k++) {
    lq_observer_config c = {0};
    c.method = LQ_OBSERVER_MSE;
    if (k) {
      c.dtype = LQ_OBSERVER_QINT;
      c.range.mapping = LQ_SYMMETRIC;
    }
    lq_observer* o = make(c);
    observe_ok(o, x, shape1(200));
    observe_ok(o, x + 200, shape1(305));
    float s;
    int32_t z;
    qp1(o, &s, &z);
    if (lq_test_bits(s) != mse_s[k] || z != mse_z[k])
      fail_msg("mse %d: (%a, %d) vs torch (%a, %d)", k, s, z, GF(mse_s[k]), mse_z[k]);
    lq_observer_destroy(o);
  }
}

/* ------------------------------------------------------------------ LSQ -- */
static void check_close(const char* what, const float* a, const uint32_t* b, size_t n, float tol) {
  for (size_t i = 0; i < n; i++) {
    float e = GF(b[i]);
    if (!(fabsf(a[i] - e) <= tol * (1.0f + fabsf(e)))) fail_msg("%s[%zu]: %.9g vs torch %.9g", what, i, a[i], e);
  }
}

static void test_lsq_grad_golden(void** state) {
  (void)state;
  const size_t n = NELEM(lsq_x);
  const float* x = (const float*)(const void*)lsq_x;
  const float* dy = (const float*)(const void*)lsq_dy;
  const uint32_t* pars[2] = {lsq_sym_par, lsq_aff_par};
  const uint32_t* ys[2] = {lsq_sym_y, lsq_aff_y};
  const uint32_t* dxs[2] = {lsq_sym_dx, lsq_aff_dx};
  const uint32_t* dss[2] = {lsq_sym_ds, lsq_aff_ds};
  const uint32_t* dbs[2] = {lsq_sym_db, lsq_aff_db};
  float y[128], dx[128], ds[128], db[128];
  for (int k = 0; k < 2; k++) {
    float s = GF(pars[k][0]), b = GF(pars[k][1]), g = GF(pars[k][4]);
    int32_t qn = (int32_t)GF(pars[k][2]), qp = (int32_t)GF(pars[k][3]);
    double ssum, bsum;
    assert_int_equal(lq_lsq_grad(x, n, s, b, qn, qp, g, dy, y, dx, ds, db, &ssum, &bsum), LQ_OK);
    check_close("y", y, ys[k], n, 1e-5f);
    check_close("dx", dx, dxs[k], n, 1e-6f);
    check_close("ds", ds, dss[k], n, 1e-4f);
    check_close("dbeta", db, dbs[k], n, 1e-5f);
    double e = 0;
    for (size_t i = 0; i < n; i++) e += GF(dss[k][i]);
    assert_true(fabs(ssum - e) < 1e-4 * (1 + fabs(e)));
  }
  /* a value exactly at the bound counts as inside (torch clamp's gradient) */
  float xb = 12.7f, yb, dsb;
  assert_int_equal(lq_lsq_grad(&xb, 1, 0.1f, 0, 128, 127, 1.0f, NULL, &yb, NULL, &dsb, NULL, NULL, NULL), LQ_OK);
  assert_true(fabsf(dsb) < 1e-4f);
  float s0;
  float d4[4] = {1, -1, 2, -4};
  assert_int_equal(lq_lsq_init_scale(d4, 4, 127, &s0), LQ_OK);
  assert_true(fabsf(s0 - (float)(2.0 * 2.0 / sqrt(127.0))) < 1e-6f);
  assert_int_equal(lq_lsq_grad(x, n, 0.0f, 0, 128, 127, 1, NULL, y, NULL, NULL, NULL, NULL, NULL), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_lsq_grad(x, n, 1.0f, NAN, 128, 127, 1, NULL, y, NULL, NULL, NULL, NULL, NULL), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_lsq_init_scale(d4, 0, 127, &s0), LQ_ERR_INVALID_ARG);
}

static double fq_mse(const float* x, size_t n, float s, float b, int qn, int qp) {
  double e = 0;
  for (size_t i = 0; i < n; i++) {
    float u = (x[i] - b) / s;
    float q = u < -qn ? -qn : u > qp ? qp : nearbyintf(u);
    double r = (double)(q * s + b) - x[i];
    e += r * r;
  }
  return e / (double)n;
}

static void test_lsq_convergence(void** state) {
  (void)state;
  enum { N = 4096 };
  static float x[N];
  for (int i = 0; i < N; i++) { /* Laplace-like data */
    float u = lq_test_uniform(99, (uint64_t)i, 1e-6f, 1.0f);
    x[i] = (i & 1 ? 1.0f : -1.0f) * -logf(u);
  }
  for (int aff = 0; aff < 2; aff++) {
    int qn = aff ? 0 : 8, qp = aff ? 15 : 7; /* 4 bits */
    float s, b;
    assert_int_equal(lq_lsq_fit(x, N, qn, qp, aff, 300, 0.01f, &s, &b), LQ_OK);
    float s0;
    assert_int_equal(lq_lsq_init_scale(x, N, qp, &s0), LQ_OK);
    double init = aff ? fq_mse(x, N, (float)((double)x[0] * 0 + 1), 0, qn, qp) : fq_mse(x, N, s0, 0, qn, qp);
    double got = fq_mse(x, N, s, b, qn, qp);
    /* dense grid over (s) (and beta for affine) as the reference optimum */
    double best = INFINITY;
    for (int i = 1; i <= 200; i++) {
      float sc = s0 * 0.02f * (float)i;
      if (aff) {
        for (int j = -24; j <= 0; j++) {
          double e = fq_mse(x, N, sc, sc * (float)j * 0.5f, qn, qp);
          if (e < best) best = e;
        }
      } else {
        double e = fq_mse(x, N, sc, 0, qn, qp);
        if (e < best) best = e;
      }
    }
    if (!(got <= 1.03 * best)) fail_msg("LSQ %s: mse %.6g vs grid optimum %.6g", aff ? "affine" : "sym", got, best);
    assert_true(got < init);
  }
  /* the LSQ observer gives parameters at least as good as MinMax on this data */
  lq_observer_config c = {0};
  c.method = LQ_OBSERVER_LSQ;
  c.range.bits = 4;
  c.dtype = LQ_OBSERVER_QINT;
  c.range.mapping = LQ_SYMMETRIC;
  lq_observer* o = make(c);
  observe_ok(o, x, shape1(N));
  float s;
  int32_t z;
  qp1(o, &s, &z);
  lq_observer_config m = c;
  m.method = LQ_OBSERVER_MINMAX;
  lq_observer* mo = make(m);
  observe_ok(mo, x, shape1(N));
  float sm;
  int32_t zm;
  qp1(mo, &sm, &zm);
  assert_true(z == 0 && zm == 0);
  assert_true(fq_mse(x, N, s, 0, 8, 7) < 0.5 * fq_mse(x, N, sm, 0, 8, 7));
  lq_observer_destroy(o);
  lq_observer_destroy(mo);
}

/* ---------------------------------------------- save / load / merge / reset -- */
static lq_observer_config cfg_for(lq_observer_method m, int per_channel) {
  lq_observer_config c = {0};
  c.method = m;
  if (per_channel) {
    c.granularity = LQ_GRAN_CHANNEL;
    c.axis = -2;
  }
  c.lsq_steps = 20;
  return c;
}

static void same_qparams(const lq_observer* a, const lq_observer* b) {
  float sa[8], sb[8];
  int32_t za[8], zb[8];
  size_t na = 8, nb = 8;
  assert_int_equal(lq_observer_qparams(a, sa, za, &na), LQ_OK);
  assert_int_equal(lq_observer_qparams(b, sb, zb, &nb), LQ_OK);
  assert_int_equal(na, nb);
  LQ_ASSERT_BITS_EQUAL(sa, sb, na * 4, "scales");
  LQ_ASSERT_BITS_EQUAL(za, zb, na * 4, "zero points");
}

static uint32_t crc32_ref(const uint8_t* p, size_t n) {
  uint32_t crc = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    crc ^= p[i];
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

static void test_save_load(void** state) {
  (void)state;
  const float* x = (const float*)(const void*)mm_batches;
  for (int m = 0; m < LQ_OBSERVER_METHOD_COUNT_; m++)
    for (int pc = 0; pc < 2; pc++) {
      lq_observer* o = make(cfg_for((lq_observer_method)m, pc));
      observe_ok(o, x, shape3(4, 3, 5));
      observe_ok(o, x + 60, shape3(4, 3, 5));
      size_t size = 0;
      assert_int_equal(lq_observer_save(o, NULL, &size), LQ_OK);
      uint8_t* buf = malloc(size);
      size_t small = size - 1;
      assert_int_equal(lq_observer_save(o, buf, &small), LQ_ERR_BUFFER_TOO_SMALL);
      assert_int_equal(small, size);
      assert_int_equal(lq_observer_save(o, buf, &size), LQ_OK);
      lq_observer* l = NULL;
      assert_int_equal(lq_observer_load(buf, size, &l), LQ_OK);
      same_qparams(o, l);
      observe_ok(o, x + 120, shape3(4, 3, 5));
      observe_ok(l, x + 120, shape3(4, 3, 5));
      same_qparams(o, l);
      /* every truncation is rejected */
      for (size_t k = 0; k < size; k += (size > 4000 ? 97 : 1)) {
        lq_observer* bad = (lq_observer*)1;
        assert_int_equal(lq_observer_load(buf, k, &bad), LQ_ERR_FORMAT);
        assert_null(bad);
      }
      /* every single-byte corruption is rejected (header fields or checksum) */
      for (size_t k = 0; k < size; k += (size > 4000 ? 89 : 1)) {
        buf[k] ^= 0x20;
        lq_observer* bad = NULL;
        assert_int_equal(lq_observer_load(buf, size, &bad), LQ_ERR_FORMAT);
        buf[k] ^= 0x20;
      }
      lq_observer_destroy(o);
      lq_observer_destroy(l);
      free(buf);
    }
  /* a well-checksummed payload with bad content is still rejected */
  lq_observer* o = make(cfg_for(LQ_OBSERVER_HISTOGRAM, 0));
  observe_ok(o, x, shape1(60));
  size_t size = 0;
  lq_observer_save(o, NULL, &size);
  uint8_t* buf = malloc(size);
  assert_int_equal(lq_observer_save(o, buf, &size), LQ_OK);
  struct { size_t off; uint8_t val; const char* what; } pokes[] = {
      {24 + 14 * 4 + 1, 0x00, "bins"},    /* bins 2048 -> 0 (not normalised) */
      {24 + 4, 0x07, "dtype"},            /* dtype 7 */
      {size - 1, 0xff, "count"},          /* last count's top byte: NaN */
      {24 + 112, 0x40, "nch"},            /* nch of a per-tensor observer */
  };
  for (size_t i = 0; i < NELEM(pokes); i++) {
    uint8_t* c = malloc(size);
    memcpy(c, buf, size);
    c[pokes[i].off] = pokes[i].val;
    uint32_t crc = crc32_ref(c + 24, size - 24);
    for (int k = 0; k < 4; k++) c[20 + k] = (uint8_t)(crc >> (8 * k));
    lq_observer* bad = NULL;
    lq_status s = lq_observer_load(c, size, &bad);
    if (s != LQ_ERR_FORMAT) fail_msg("poke %s: %s", pokes[i].what, lq_status_string(s));
    free(c);
  }
  /* trailing bytes */
  uint8_t* c = malloc(size + 4);
  memcpy(c, buf, size);
  memset(c + size, 0, 4);
  lq_observer* bad = NULL;
  assert_int_equal(lq_observer_load(c, size + 4, &bad), LQ_ERR_FORMAT);
  free(c);
  free(buf);
  lq_observer_destroy(o);
  assert_int_equal(lq_observer_load(NULL, 10, &bad), LQ_ERR_INVALID_ARG);
}

static void test_merge(void** state) {
  (void)state;
  const float* x = (const float*)(const void*)mm_batches;
  for (int m = 0; m < LQ_OBSERVER_METHOD_COUNT_; m++)
    for (int pc = 0; pc < 2; pc++) {
      if (m == LQ_OBSERVER_MOVING_AVERAGE) continue;
      lq_observer_config c = cfg_for((lq_observer_method)m, pc);
      lq_observer *seq = make(c), *a = make(c), *b = make(c);
      /* same first batch on both sides: identical histogram grids */
      observe_ok(seq, x, shape3(4, 3, 5));
      observe_ok(seq, x, shape3(4, 3, 5));
      observe_ok(a, x, shape3(4, 3, 5));
      observe_ok(b, x, shape3(4, 3, 5));
      assert_int_equal(lq_observer_merge(a, b), LQ_OK);
      same_qparams(seq, a);
      if (a->h)
        for (size_t ch = 0; ch < a->nch; ch++) LQ_ASSERT_BITS_EQUAL(a->h[ch].counts, seq->h[ch].counts, a->h[ch].nb * 8, "counts");
      /* different ranges: total mass is kept */
      lq_observer* d = make(c);
      observe_ok(d, x + 60, shape3(4, 3, 5));
      assert_int_equal(lq_observer_merge(a, d), LQ_OK);
      if (a->h && m == LQ_OBSERVER_HISTOGRAM) {
        double t = 0;
        for (size_t i = 0; i < a->h[0].nb; i++) t += a->h[0].counts[i];
        assert_true(fabs(t - (pc ? 40.0 : 180.0) * (pc ? 1 : 1)) < 1e-9 || pc);
      }
      float s[8];
      int32_t z[8];
      size_t n = 8;
      assert_int_equal(lq_observer_qparams(a, s, z, &n), LQ_OK);
      lq_observer_destroy(seq);
      lq_observer_destroy(a);
      lq_observer_destroy(b);
      lq_observer_destroy(d);
    }
  /* MinMax merge = sequential, exactly */
  lq_observer_config c = cfg_for(LQ_OBSERVER_MINMAX, 1);
  lq_observer *s1 = make(c), *a = make(c), *b = make(c);
  observe_ok(s1, x, shape3(4, 3, 5));
  observe_ok(s1, x + 60, shape3(4, 3, 5));
  observe_ok(a, x, shape3(4, 3, 5));
  observe_ok(b, x + 60, shape3(4, 3, 5));
  assert_int_equal(lq_observer_merge(a, b), LQ_OK);
  same_qparams(s1, a);
  /* moving average: batch-count weighted mean */
  lq_observer_config e = cfg_for(LQ_OBSERVER_MOVING_AVERAGE, 0);
  lq_observer *ea = make(e), *eb = make(e);
  float p[2] = {0, 1}, q[2] = {-2, 3};
  observe_ok(ea, p, shape1(2));
  observe_ok(eb, q, shape1(2));
  observe_ok(eb, q, shape1(2));
  assert_int_equal(lq_observer_merge(ea, eb), LQ_OK);
  assert_true(fabsf(ea->mn[0] - (0.0f - 4.0f) / 3.0f) < 1e-6f && fabsf(ea->mx[0] - 7.0f / 3.0f) < 1e-6f);
  assert_int_equal(ea->batches, 3);
  /* mismatched configs / self-merge / channel counts */
  assert_int_equal(lq_observer_merge(a, ea), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_observer_merge(a, a), LQ_ERR_INVALID_ARG);
  lq_observer* other = make(c);
  observe_ok(other, x, shape3(4, 5, 3));
  assert_int_equal(lq_observer_merge(a, other), LQ_ERR_INVALID_ARG);
  lq_observer_destroy(other);
  lq_observer_destroy(s1);
  lq_observer_destroy(a);
  lq_observer_destroy(b);
  lq_observer_destroy(ea);
  lq_observer_destroy(eb);
}

static void test_reset_and_channels(void** state) {
  (void)state;
  const float* x = (const float*)(const void*)mm_batches;
  for (int m = 0; m < LQ_OBSERVER_METHOD_COUNT_; m++) {
    lq_observer_config c = cfg_for((lq_observer_method)m, 1);
    lq_observer *o = make(c), *f = make(c);
    observe_ok(o, x + 120, shape3(4, 3, 5));
    size_t nch;
    assert_int_equal(lq_observer_channels(o, &nch), LQ_OK);
    assert_int_equal(nch, 3);
    assert_int_equal(lq_observer_reset(o), LQ_OK);
    assert_int_equal(lq_observer_channels(o, &nch), LQ_OK);
    assert_int_equal(nch, 0);
    observe_ok(o, x, shape3(4, 3, 5));
    observe_ok(f, x, shape3(4, 3, 5));
    same_qparams(o, f);
    /* calibrate() = one observer fed once */
    float s[3];
    int32_t z[3];
    size_t n = 3;
    lq_shape sh = shape3(4, 3, 5);
    assert_int_equal(lq_observer_calibrate(&c, x, &sh, s, z, &n), LQ_OK);
    float s2[3];
    int32_t z2[3];
    size_t n2 = 3;
    assert_int_equal(lq_observer_qparams(f, s2, z2, &n2), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(s, s2, 12, "calibrate");
    lq_observer_destroy(o);
    lq_observer_destroy(f);
  }
}

/* --------------------------------------------------------- bad inputs -- */
static void test_bad_inputs(void** state) {
  (void)state;
  lq_observer* o = NULL;
  lq_observer_config c = {0};
  assert_int_equal(lq_observer_create(NULL, &o), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_observer_create(&c, NULL), LQ_ERR_INVALID_ARG);
  struct { void (*set)(lq_observer_config*); lq_status want; } bad[] = {0};
  (void)bad;
#define BAD(field, value, status)                                            \
  do {                                                                       \
    lq_observer_config b = {0};                                              \
    b.field = value;                                                         \
    lq_observer* p = (lq_observer*)1;                                        \
    assert_int_equal(lq_observer_create(&b, &p), status);                    \
    assert_null(p);                                                          \
    assert_true(lq_last_error()[0] != 0);                                    \
  } while (0)
  BAD(method, (lq_observer_method)99, LQ_ERR_INVALID_ARG);
  BAD(method, (lq_observer_method)-1, LQ_ERR_INVALID_ARG);
  BAD(dtype, (lq_observer_dtype)5, LQ_ERR_INVALID_ARG);
  BAD(range.bits, 17, LQ_ERR_INVALID_ARG);
  BAD(range.mapping, (lq_mapping)4, LQ_ERR_INVALID_ARG);
  BAD(range.eps, -1.0f, LQ_ERR_INVALID_ARG);
  BAD(range.eps, NAN, LQ_ERR_INVALID_ARG);
  BAD(range.qmin, 3, LQ_ERR_INVALID_ARG);
  BAD(granularity, LQ_GRAN_GROUP, LQ_ERR_INVALID_ARG);
  BAD(averaging_constant, 2.0f, LQ_ERR_INVALID_ARG);
  BAD(averaging_constant, NAN, LQ_ERR_INVALID_ARG);
  BAD(bins, -5, LQ_ERR_INVALID_ARG);
  BAD(bins, (1 << 20) + 1, LQ_ERR_INVALID_ARG);
  BAD(percentile, 100.5, LQ_ERR_INVALID_ARG);
  BAD(percentile, NAN, LQ_ERR_INVALID_ARG);
  BAD(upsample_rate, -1, LQ_ERR_INVALID_ARG);
  BAD(stride, -1, LQ_ERR_INVALID_ARG);
  BAD(mse_norm, INFINITY, LQ_ERR_INVALID_ARG);
  BAD(mse_maxshrink, 1.5f, LQ_ERR_INVALID_ARG);
  BAD(lsq_lr, -0.1f, LQ_ERR_INVALID_ARG);
  BAD(torch_compat, 2, LQ_ERR_INVALID_ARG);
  BAD(exact_limit, -2, LQ_ERR_INVALID_ARG);
  lq_observer_config sq = {0};
  sq.range.mapping = LQ_SYMMETRIC;
  sq.range.reduce_range = 1;
  assert_int_equal(lq_observer_create(&sq, &o), LQ_ERR_UNSUPPORTED);
  /* observe errors */
  c.granularity = LQ_GRAN_CHANNEL;
  c.axis = 3;
  o = make(c);
  float x[12] = {0};
  lq_shape sh = shape3(2, 3, 2);
  assert_int_equal(lq_observer_observe(o, x, &sh), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_observer_observe(o, NULL, &sh), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_observer_observe(NULL, x, &sh), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_observer_observe(o, x, NULL), LQ_ERR_INVALID_ARG);
  lq_shape neg = {1, {-3}};
  assert_int_equal(lq_observer_observe(o, x, &neg), LQ_ERR_INVALID_ARG);
  lq_shape huge = {3, {INT64_MAX, INT64_MAX, 4}};
  assert_int_equal(lq_observer_observe(o, x, &huge), LQ_ERR_OVERFLOW);
  lq_shape empty = {2, {0, 5}};
  assert_int_equal(lq_observer_observe(o, NULL, &empty), LQ_OK); /* ignored, like torch */
  lq_observer_destroy(o);
  c.axis = -1;
  o = make(c);
  assert_int_equal(lq_observer_observe(o, x, &sh), LQ_OK);
  lq_shape sh2 = shape3(2, 2, 3);
  assert_int_equal(lq_observer_observe(o, x, &sh2), LQ_ERR_INVALID_ARG); /* channel count changed */
  float s[2];
  int32_t z[2];
  size_t n = 1;
  assert_int_equal(lq_observer_qparams(o, s, z, &n), LQ_ERR_BUFFER_TOO_SMALL);
  assert_int_equal(n, 2);
  assert_int_equal(lq_observer_qparams(o, NULL, z, &n), LQ_ERR_INVALID_ARG);
  lq_observer_destroy(o);
  /* NaN: MinMax propagates (qparams fails like torch's assert); histogram rejects the batch */
  float nanx[3] = {1.0f, NAN, 3.0f};
  lq_observer_config mm = {0};
  o = make(mm);
  observe_ok(o, nanx, shape1(3));
  float sc;
  int32_t zp;
  n = 1;
  assert_int_equal(lq_observer_qparams(o, &sc, &zp, &n), LQ_ERR_NUMERIC);
  lq_observer_destroy(o);
  for (int m = LQ_OBSERVER_HISTOGRAM; m < LQ_OBSERVER_METHOD_COUNT_; m++) {
    lq_observer_config hc = {0};
    hc.method = (lq_observer_method)m;
    o = make(hc);
    float ok[3] = {-1.0f, 0.5f, 2.0f}, inf[2] = {1.0f, INFINITY};
    observe_ok(o, ok, shape1(3));
    assert_int_equal(lq_observer_observe(o, nanx, &(lq_shape){1, {3}}), LQ_ERR_NUMERIC);
    assert_int_equal(lq_observer_observe(o, inf, &(lq_shape){1, {2}}), LQ_ERR_NUMERIC);
    assert_int_equal(o->batches, 1);
    n = 1;
    assert_int_equal(lq_observer_qparams(o, &sc, &zp, &n), LQ_OK);
    assert_true(isfinite(sc) && sc > 0);
    lq_observer_destroy(o);
  }
  lq_observer_method pm;
  assert_int_equal(lq_observer_method_parse("kl", &pm), LQ_OK);
  assert_int_equal(pm, LQ_OBSERVER_KL);
  assert_int_equal(lq_observer_method_parse("nope", &pm), LQ_ERR_INVALID_ARG);
  assert_null(lq_observer_method_name((lq_observer_method)42));
  assert_string_equal(lq_observer_method_name(LQ_OBSERVER_MOVING_AVERAGE), "moving_average");
  lq_observer_destroy(NULL);
}

int main(void) {
  lq_test_skip_if_env_isa_missing();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reference_table),   cmocka_unit_test(test_minmax_golden),
      cmocka_unit_test(test_ema_long_golden),   cmocka_unit_test(test_histogram_golden),
      cmocka_unit_test(test_histogram_deviation), cmocka_unit_test(test_nv_closed_form),
      cmocka_unit_test(test_nv_golden),         cmocka_unit_test(test_nv_observers),
      cmocka_unit_test(test_percentile_exact),  cmocka_unit_test(test_mse_golden),
      cmocka_unit_test(test_lsq_grad_golden),   cmocka_unit_test(test_lsq_convergence),
      cmocka_unit_test(test_save_load),         cmocka_unit_test(test_merge),
      cmocka_unit_test(test_reset_and_channels), cmocka_unit_test(test_bad_inputs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
