/* Public-API tests of the uniform module: golden vectors from PyTorch 1.13
 * (tests/vectors/gen_uniform.py -> uniform_golden.h), the libquant
 * definitions of every rounding mode on ties, negatives, -0, +-Inf, NaN and
 * integer limits, granularities, packing, the signal-processing quantizers,
 * mixed precision and every bad-argument path. Runs once per ISA. */
#include "lq_test.h"

#include "vectors/uniform_golden.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void expect_fail(lq_status got, lq_status want) {
  assert_int_equal(got, want);
  assert_true(strlen(lq_last_error()) > 0);
  lq_clear_error();
}

/* ------------------------------------------------------------ golden */
static void test_golden_per_tensor(void** state) {
  (void)state;
  for (size_t c = 0; c < N_OF(g_pt_cases); c++) {
    const g_pt_case* k = &g_pt_cases[c];
    const float* x = g_pt_x + k->off;
    int8_t qs[256];
    uint8_t qu[256];
    float y[256];
    assert_true(k->n <= 256);
    for (int chunked = 0; chunked < 2; chunked++) {
      if (k->dtype == 0) {
        assert_int_equal(lq_quantize_f32_s8(x, k->n, k->scale, k->zp, NULL, qs), LQ_OK);
        for (size_t i = 0; i < k->n; i++)
          if (qs[i] != g_pt_q[k->off + i]) fail_msg("case %zu i=%zu x=%a: %d vs torch %d", c, i, x[i], qs[i], g_pt_q[k->off + i]);
        assert_int_equal(lq_dequantize_s8_f32(qs, k->n, k->scale, k->zp, y), LQ_OK);
      } else {
        assert_int_equal(lq_quantize_f32_u8(x, k->n, k->scale, k->zp, NULL, qu), LQ_OK);
        for (size_t i = 0; i < k->n; i++)
          if (qu[i] != g_pt_q[k->off + i]) fail_msg("case %zu i=%zu x=%a: %d vs torch %d", c, i, x[i], qu[i], g_pt_q[k->off + i]);
        assert_int_equal(lq_dequantize_u8_f32(qu, k->n, k->scale, k->zp, y), LQ_OK);
      }
      LQ_ASSERT_BITS_EQUAL(y, g_pt_dq + k->off, k->n * 4, "dequantize vs torch");
    }
    /* the same through the tensor API (per-tensor granularity) */
    lq_uniform_config cfg = {0};
    cfg.range.signedness = k->dtype == 0 ? LQ_SIGNED : LQ_UNSIGNED;
    lq_shape sh = {1, {(int64_t)k->n}};
    uint8_t codes[256];
    assert_int_equal(lq_uniform_quantize(&cfg, x, &sh, &k->scale, &k->zp, codes), LQ_OK);
    for (size_t i = 0; i < k->n; i++) {
      int32_t v = k->dtype == 0 ? (int32_t)(int8_t)codes[i] : (int32_t)codes[i];
      assert_int_equal(v, g_pt_q[k->off + i]);
    }
  }
}

static void test_golden_per_channel(void** state) {
  (void)state;
  for (size_t c = 0; c < N_OF(g_pc_cases); c++) {
    const g_pc_case* k = &g_pc_cases[c];
    lq_uniform_config cfg = {0};
    cfg.range.signedness = k->dtype == 0 ? LQ_SIGNED : LQ_UNSIGNED;
    cfg.granularity = LQ_GRAN_CHANNEL;
    lq_shape sh = {k->ndim, {k->dims[0], k->dims[1], k->dims[2]}};
    for (int neg = 0; neg < 2; neg++) {
      cfg.axis = neg ? k->axis - k->ndim : k->axis;
      size_t np;
      assert_int_equal(lq_uniform_param_count(&cfg, &sh, &np), LQ_OK);
      assert_int_equal(np, k->np);
      uint8_t codes[128];
      float y[128];
      assert_true(k->n <= 128);
      assert_int_equal(lq_uniform_quantize(&cfg, g_pc_x + k->xoff, &sh, g_pc_scale + k->poff, g_pc_zp + k->poff, codes), LQ_OK);
      for (size_t i = 0; i < k->n; i++) {
        int32_t v = k->dtype == 0 ? (int32_t)(int8_t)codes[i] : (int32_t)codes[i];
        if (v != g_pc_q[k->xoff + i]) fail_msg("case %zu axis %d i=%zu: %d vs torch %d", c, k->axis, i, v, g_pc_q[k->xoff + i]);
      }
      /* dequantize = (q - zp[c]) * s[c] */
      assert_int_equal(lq_uniform_dequantize(&cfg, codes, &sh, g_pc_scale + k->poff, g_pc_zp + k->poff, y), LQ_OK);
      size_t inner = 1;
      for (int d = k->axis + 1; d < k->ndim; d++) inner *= (size_t)k->dims[d];
      for (size_t i = 0; i < k->n; i++) {
        size_t ch = (i / inner) % (size_t)k->dims[k->axis];
        float want = (float)(g_pc_q[k->xoff + i] - g_pc_zp[k->poff + ch]) * g_pc_scale[k->poff + ch];
        assert_true(lq_test_bits(y[i]) == lq_test_bits(want));
      }
    }
  }
}

static void ob_cfg(lq_range_config* rc, int dtype, int sym, int reduce, int32_t qmin, int32_t qmax) {
  memset(rc, 0, sizeof *rc);
  rc->signedness = dtype == 0 ? LQ_SIGNED : LQ_UNSIGNED;
  rc->mapping = sym ? LQ_SYMMETRIC : LQ_AFFINE;
  rc->reduce_range = reduce;
  rc->qmin = qmin;
  rc->qmax = qmax;
}

static void test_golden_observers(void** state) {
  (void)state;
  for (size_t c = 0; c < N_OF(g_ob_cases); c++) {
    const g_ob_case* k = &g_ob_cases[c];
    lq_uniform_config cfg = {0};
    ob_cfg(&cfg.range, k->dtype, k->sym, k->reduce, k->qmin, k->qmax);
    lq_shape sh = {1, {(int64_t)k->n}};
    float s;
    int32_t z;
    assert_int_equal(lq_uniform_calibrate_minmax(&cfg, g_ob_x + k->off, &sh, &s, &z), LQ_OK);
    if (lq_test_bits(s) != lq_test_bits(k->scale) || z != k->zp)
      fail_msg("observer case %zu: (%a, %d) vs torch (%a, %d)", c, s, z, k->scale, k->zp);
  }
  /* never observed: (1.0, 0) */
  lq_uniform_config cfg = {0};
  lq_shape sh = {1, {0}};
  float s = 0;
  int32_t z = 7;
  assert_int_equal(lq_uniform_calibrate_minmax(&cfg, NULL, &sh, &s, &z), LQ_OK);
  assert_true(s == 1.0f && z == 0);
}

static void test_golden_per_channel_observers(void** state) {
  (void)state;
  for (size_t c = 0; c < N_OF(g_pco_cases); c++) {
    const g_pco_case* k = &g_pco_cases[c];
    lq_uniform_config cfg = {0};
    ob_cfg(&cfg.range, k->dtype, k->sym, k->reduce, 0, 0);
    cfg.granularity = LQ_GRAN_CHANNEL;
    cfg.axis = k->axis;
    lq_shape sh = {k->ndim, {k->dims[0], k->dims[1], k->dims[2]}};
    float s[16];
    int32_t z[16];
    assert_true(k->np <= 16);
    assert_int_equal(lq_uniform_calibrate_minmax(&cfg, g_pco_x + k->xoff, &sh, s, z), LQ_OK);
    for (size_t u = 0; u < k->np; u++)
      if (lq_test_bits(s[u]) != lq_test_bits(g_pco_scale[k->poff + u]) || z[u] != g_pco_zp[k->poff + u])
        fail_msg("per-channel observer case %zu ch %zu: (%a, %d) vs torch (%a, %d)", c, u, s[u], z[u],
                 g_pco_scale[k->poff + u], g_pco_zp[k->poff + u]);
  }
}

static void test_golden_fake_quant(void** state) {
  (void)state;
  for (size_t c = 0; c < N_OF(g_fq_cases); c++) {
    const g_fq_case* k = &g_fq_cases[c];
    float y[128];
    assert_true(k->n <= 128);
    assert_int_equal(lq_fake_quantize_f32(g_fq_x + k->off, k->n, k->scale, k->zp, k->qmin, k->qmax, NULL, y), LQ_OK);
    for (size_t i = 0; i < k->n; i++)
      if (lq_test_bits(y[i]) != lq_test_bits(g_fq_y[k->off + i]))
        fail_msg("fake quant case %zu i=%zu x=%a: %a vs torch %a", c, i, g_fq_x[k->off + i], y[i], g_fq_y[k->off + i]);
    /* in place */
    float z[128];
    memcpy(z, g_fq_x + k->off, k->n * 4);
    assert_int_equal(lq_fake_quantize_f32(z, k->n, k->scale, k->zp, k->qmin, k->qmax, NULL, z), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(z, y, k->n * 4, "in-place fake quant");
  }
}

/* ------------------------------------------------------ rounding modes */
/* scale 1, zp 0, s8: the code is the rounded value, saturated. Expected
 * values written from the definitions in docs/rounding.md. */
static void test_rounding_modes_table(void** state) {
  (void)state;
  static const float x[] = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 0.49999997f, -0.49999997f, 0.50000006f, -0.0f,
                            0.0f, 1.25f, -1.25f, 1.75f, -1.75f, INFINITY, -INFINITY, NAN, 127.5f, -128.5f, 300.0f,
                            -300.0f, 1e30f, -1e30f, 126.5f, -127.5f, 3.0f, -3.0f};
  enum { NX = sizeof x / sizeof x[0] };
  static const int8_t want[7][NX] = {
      /* half_even */ {0, 2, 2, 0, -2, -2, 0, 0, 1, 0, 0, 1, -1, 2, -2, 127, -128, 0, 127, -128, 127, -128, 127, -128, 126, -128, 3, -3},
      /* half_up   */ {1, 2, 3, 0, -1, -2, 0, 0, 1, 0, 0, 1, -1, 2, -2, 127, -128, 0, 127, -128, 127, -128, 127, -128, 127, -127, 3, -3},
      /* half_away */ {1, 2, 3, -1, -2, -3, 0, 0, 1, 0, 0, 1, -1, 2, -2, 127, -128, 0, 127, -128, 127, -128, 127, -128, 127, -128, 3, -3},
      /* away      */ {1, 2, 3, -1, -2, -3, 1, -1, 1, 0, 0, 2, -2, 2, -2, 127, -128, 0, 127, -128, 127, -128, 127, -128, 127, -128, 3, -3},
      /* floor     */ {0, 1, 2, -1, -2, -3, 0, -1, 0, 0, 0, 1, -2, 1, -2, 127, -128, 0, 127, -128, 127, -128, 127, -128, 126, -128, 3, -3},
      /* ceil      */ {1, 2, 3, 0, -1, -2, 1, 0, 1, 0, 0, 2, -1, 2, -1, 127, -128, 0, 127, -128, 127, -128, 127, -128, 127, -127, 3, -3},
      /* trunc     */ {0, 1, 2, 0, -1, -2, 0, 0, 0, 0, 0, 1, -1, 1, -1, 127, -128, 0, 127, -128, 127, -128, 127, -128, 126, -127, 3, -3},
  };
  for (int m = 0; m < 7; m++) {
    lq_rounding r = {(lq_round)m, 0, 0};
    int8_t q[NX];
    assert_int_equal(lq_quantize_f32_s8(x, NX, 1.0f, 0, &r, q), LQ_OK);
    for (int i = 0; i < NX; i++)
      if (q[i] != want[m][i]) fail_msg("mode %s x=%a: %d, want %d", lq_round_name((lq_round)m), x[i], q[i], want[m][i]);
  }
  /* NaN -> zero point, +-Inf -> qmax/qmin with a zero point, u8 and 16-bit limits */
  static const float sp[] = {NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 1e38f, -1e38f};
  uint8_t qu[7];
  int16_t q16[7];
  uint16_t qu16[7];
  for (int m = 0; m < LQ_ROUND_COUNT_; m++) {
    lq_rounding r = {(lq_round)m, 9, 0};
    assert_int_equal(lq_quantize_f32_u8(sp, 7, 0.5f, 37, &r, qu), LQ_OK);
    static const uint8_t wu[7] = {37, 255, 0, 37, 37, 255, 0};
    assert_memory_equal(qu, wu, 7);
    assert_int_equal(lq_quantize_f32_s16(sp, 7, 0.5f, -5, &r, q16), LQ_OK);
    static const int16_t w16[7] = {-5, 32767, -32768, -5, -5, 32767, -32768};
    assert_memory_equal(q16, w16, sizeof w16);
    assert_int_equal(lq_quantize_f32_u16(sp, 7, 0.5f, 65535, &r, qu16), LQ_OK);
    static const uint16_t wu16[7] = {65535, 65535, 0, 65535, 65535, 65535, 0};
    assert_memory_equal(qu16, wu16, sizeof wu16);
  }
}

static void test_stochastic(void** state) {
  (void)state;
  enum { N = 20000 };
  static float x[N];
  static int8_t a[N], b[N];
  for (size_t i = 0; i < N; i++) x[i] = lq_test_uniform(3, i, -100.0f, 100.0f);
  for (int k = 0; k < 40; k++) x[k] = (float)(k - 20); /* integers never move */
  lq_rounding r = {LQ_ROUND_STOCHASTIC, 42, 0xFFFFF000ull}; /* crosses a 2^32 key block */
  assert_int_equal(lq_quantize_f32_s8(x, N, 1.0f, 0, &r, a), LQ_OK);
  /* chunked calls with index0 advanced give the same codes */
  size_t pos = 0, chunk = 1;
  while (pos < N) {
    size_t m = N - pos < chunk ? N - pos : chunk;
    lq_rounding rc = {LQ_ROUND_STOCHASTIC, 42, 0xFFFFF000ull + pos};
    assert_int_equal(lq_quantize_f32_s8(x + pos, m, 1.0f, 0, &rc, b + pos), LQ_OK);
    pos += m;
    chunk = chunk * 3 + 1;
  }
  assert_memory_equal(a, b, N);
  /* every code is floor or floor + 1, and equals lq_round_f32 */
  for (size_t i = 0; i < N; i++) {
    float f = floorf(x[i]);
    assert_true(a[i] == (int8_t)f || a[i] == (int8_t)(f + 1.0f));
    assert_int_equal(a[i], (int8_t)lq_round_f32(x[i], LQ_ROUND_STOCHASTIC, 42, 0xFFFFF000ull + i));
  }
  for (int k = 0; k < 40; k++) assert_int_equal(a[k], k - 20);
  /* unbiased: mean of SR(0.3) over many draws near 0.3, variance f(1-f) */
  static float c[N];
  for (size_t i = 0; i < N; i++) c[i] = 0.3f;
  lq_rounding r2 = {LQ_ROUND_STOCHASTIC, 7, 0};
  assert_int_equal(lq_quantize_f32_s8(c, N, 1.0f, 0, &r2, a), LQ_OK);
  double s = 0;
  for (size_t i = 0; i < N; i++) s += a[i];
  double mean = s / N;
  /* binomial sd = sqrt(0.21 / N) = 0.0032: 5 sd */
  assert_true(fabs(mean - 0.3) < 0.017);
  /* a different seed changes the draws */
  lq_rounding r3 = {LQ_ROUND_STOCHASTIC, 8, 0};
  assert_int_equal(lq_quantize_f32_s8(c, N, 1.0f, 0, &r3, b), LQ_OK);
  assert_true(memcmp(a, b, N) != 0);
}

/* -------------------------------------------------------- granularity */
static void test_group_and_tail(void** state) {
  (void)state;
  /* shape [3, 10], groups of 4 along axis 1 -> 3 groups per row (4, 4, 2) */
  enum { R = 3, C = 10, G = 4, NG = 3 };
  float x[R * C];
  for (int i = 0; i < R * C; i++) x[i] = lq_test_uniform(9, (uint64_t)i, -2.0f, 3.0f);
  x[9] = 50.0f; /* outlier only in the tail group of row 0 */
  lq_uniform_config cfg = {0};
  cfg.granularity = LQ_GRAN_GROUP;
  cfg.axis = 1;
  cfg.group_size = G;
  lq_shape sh = {2, {R, C}};
  size_t np;
  assert_int_equal(lq_uniform_param_count(&cfg, &sh, &np), LQ_OK);
  assert_int_equal(np, R * NG);
  float s[R * NG];
  int32_t z[R * NG];
  int8_t q[R * C];
  assert_int_equal(lq_uniform_calibrate_minmax(&cfg, x, &sh, s, z), LQ_OK);
  assert_int_equal(lq_uniform_quantize(&cfg, x, &sh, s, z, q), LQ_OK);
  for (int r = 0; r < R; r++) {
    for (int g = 0; g < NG; g++) {
      int a0 = g * G, a1 = a0 + G > C ? C : a0 + G;
      float mn = INFINITY, mx = -INFINITY;
      for (int a = a0; a < a1; a++) {
        mn = fminf(mn, x[r * C + a]);
        mx = fmaxf(mx, x[r * C + a]);
      }
      float ws;
      int32_t wz;
      assert_int_equal(lq_qparams_from_minmax(&cfg.range, mn, mx, &ws, &wz), LQ_OK);
      assert_true(ws == s[r * NG + g] && wz == z[r * NG + g]);
      int8_t wq[G];
      assert_int_equal(lq_quantize_f32_s8(x + r * C + a0, (size_t)(a1 - a0), ws, wz, NULL, wq), LQ_OK);
      assert_memory_equal(wq, q + r * C + a0, (size_t)(a1 - a0));
    }
  }
  /* the tail group of row 0 has the outlier's scale; group 0 does not */
  assert_true(s[2] > 10.0f * s[0]);
  /* groups along axis 0 of the same matrix: parameters [ceil(3/2), 10] */
  cfg.axis = 0;
  cfg.group_size = 2;
  assert_int_equal(lq_uniform_param_count(&cfg, &sh, &np), LQ_OK);
  assert_int_equal(np, 2 * C);
  float s0[2 * C];
  int32_t z0[2 * C];
  assert_int_equal(lq_uniform_calibrate_minmax(&cfg, x, &sh, s0, z0), LQ_OK);
  assert_int_equal(lq_uniform_quantize(&cfg, x, &sh, s0, z0, q), LQ_OK);
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++) {
      int u = (r / 2) * C + c;
      int8_t w;
      assert_int_equal(lq_quantize_f32_s8(&x[r * C + c], 1, s0[u], z0[u], NULL, &w), LQ_OK);
      assert_int_equal(q[r * C + c], w);
    }
  /* ROW = per-row = CHANNEL axis 0 for 2-D; COLUMN = CHANNEL axis -1 */
  lq_uniform_config rc = {0}, cc = {0};
  rc.granularity = LQ_GRAN_ROW;
  cc.granularity = LQ_GRAN_CHANNEL;
  cc.axis = 0;
  float sa[C], sb[C];
  int32_t za[C], zb[C];
  assert_int_equal(lq_uniform_param_count(&rc, &sh, &np), LQ_OK);
  assert_int_equal(np, R);
  assert_int_equal(lq_uniform_calibrate_minmax(&rc, x, &sh, sa, za), LQ_OK);
  assert_int_equal(lq_uniform_calibrate_minmax(&cc, x, &sh, sb, zb), LQ_OK);
  assert_memory_equal(sa, sb, R * 4);
  assert_memory_equal(za, zb, R * 4);
  rc.granularity = LQ_GRAN_COLUMN;
  cc.axis = -1;
  assert_int_equal(lq_uniform_param_count(&rc, &sh, &np), LQ_OK);
  assert_int_equal(np, C);
  assert_int_equal(lq_uniform_calibrate_minmax(&rc, x, &sh, sa, za), LQ_OK);
  assert_int_equal(lq_uniform_calibrate_minmax(&cc, x, &sh, sb, zb), LQ_OK);
  assert_memory_equal(sa, sb, C * 4);
}

static void test_fake_quant_tensor_and_stochastic_index(void** state) {
  (void)state;
  /* tensor fake-quant equals quantize + dequantize, and the stochastic index
   * is the flat element index for every granularity */
  enum { A = 5, B = 7, Cc = 9, N = A * B * Cc };
  static float x[N], y[N], d[N];
  static int8_t q[N];
  for (int i = 0; i < N; i++) x[i] = lq_test_uniform(4, (uint64_t)i, -3.0f, 3.0f);
  lq_shape sh = {3, {A, B, Cc}};
  for (int g = 0; g < 5; g++) {
    for (int axis = -3; axis < 3; axis++) {
      lq_uniform_config cfg = {0};
      cfg.granularity = (lq_granularity)g;
      cfg.axis = axis;
      cfg.group_size = 2;
      cfg.rounding.mode = LQ_ROUND_STOCHASTIC;
      cfg.rounding.seed = 5;
      cfg.rounding.index0 = 100;
      size_t np;
      assert_int_equal(lq_uniform_param_count(&cfg, &sh, &np), LQ_OK);
      float* s = malloc(np * 4);
      int32_t* z = malloc(np * 4);
      assert_int_equal(lq_uniform_calibrate_minmax(&cfg, x, &sh, s, z), LQ_OK);
      assert_int_equal(lq_uniform_quantize(&cfg, x, &sh, s, z, q), LQ_OK);
      assert_int_equal(lq_uniform_dequantize(&cfg, q, &sh, s, z, d), LQ_OK);
      assert_int_equal(lq_uniform_fake_quantize(&cfg, x, &sh, s, z, y), LQ_OK);
      LQ_ASSERT_BITS_EQUAL(y, d, sizeof y, "fake = quantize + dequantize");
      /* per-tensor stochastic check of element index: re-quantize each element alone */
      if (g == LQ_GRAN_TENSOR) {
        for (int i = 0; i < N; i += 37) {
          lq_rounding r = {LQ_ROUND_STOCHASTIC, 5, 100 + (uint64_t)i};
          int8_t w;
          assert_int_equal(lq_quantize_f32_s8(&x[i], 1, s[0], z[0], &r, &w), LQ_OK);
          assert_int_equal(w, q[i]);
        }
      }
      free(s);
      free(z);
    }
  }
}

/* --------------------------------------------------------- sub-byte */
static void test_pack_unpack(void** state) {
  (void)state;
  /* known bytes: LSB-first */
  const int8_t s4[] = {1, -1, 7, -8, 3};
  uint8_t p[8];
  size_t bytes;
  assert_int_equal(lq_pack_size(LQ_DTYPE_S4, 5, &bytes), LQ_OK);
  assert_int_equal(bytes, 3);
  memset(p, 0xEE, sizeof p);
  assert_int_equal(lq_pack(LQ_DTYPE_S4, s4, 5, p), LQ_OK);
  assert_int_equal(p[0], 0xF1);
  assert_int_equal(p[1], 0x87);
  assert_int_equal(p[2], 0x03);
  assert_int_equal(p[3], 0xEE);
  const uint8_t u2[] = {0, 1, 2, 3, 3};
  assert_int_equal(lq_pack(LQ_DTYPE_U2, u2, 5, p), LQ_OK);
  assert_int_equal(p[0], 0xE4);
  assert_int_equal(p[1], 0x03);
  const uint8_t b1[] = {1, 0, 1, 1, 0, 0, 0, 1, 1};
  assert_int_equal(lq_pack(LQ_DTYPE_B1, b1, 9, p), LQ_OK);
  assert_int_equal(p[0], 0x8D);
  assert_int_equal(p[1], 0x01);
  /* round trips over every dtype and size */
  static const lq_dtype dts[] = {LQ_DTYPE_S4, LQ_DTYPE_U4, LQ_DTYPE_S2, LQ_DTYPE_U2, LQ_DTYPE_S1, LQ_DTYPE_B1};
  static uint8_t c[4099], back[4099], pk[4099];
  for (size_t d = 0; d < 6; d++) {
    int32_t bits = lq_dtype_bits(dts[d]);
    int sg = lq_dtype_is_signed(dts[d]);
    for (size_t si = 0; si < LQ_TEST_NSIZES; si++) {
      size_t n = lq_test_sizes[si];
      for (size_t i = 0; i < n; i++) {
        int v = (int)(lq_rng_u32(d, i) % (1u << bits));
        if (sg) v -= 1 << (bits - 1);
        c[i] = (uint8_t)v;
      }
      assert_int_equal(lq_pack(dts[d], c, n, pk), LQ_OK);
      assert_int_equal(lq_unpack(dts[d], pk, n, back), LQ_OK);
      assert_memory_equal(c, back, n);
      assert_int_equal(lq_pack_size(dts[d], n, &bytes), LQ_OK);
      assert_int_equal(bytes, (n * (size_t)bits + 7) / 8);
    }
  }
  assert_int_equal(lq_pack_size(LQ_DTYPE_S16, 3, &bytes), LQ_OK);
  assert_int_equal(bytes, 6);
  expect_fail(lq_pack_size(LQ_DTYPE_U16, SIZE_MAX, &bytes), LQ_ERR_OVERFLOW);
  /* out-of-range codes */
  const int8_t bad4[] = {0, 8};
  expect_fail(lq_pack(LQ_DTYPE_S4, bad4, 2, p), LQ_ERR_INVALID_ARG);
  const uint8_t bad1[] = {2};
  expect_fail(lq_pack(LQ_DTYPE_B1, bad1, 1, p), LQ_ERR_INVALID_ARG);
  expect_fail(lq_pack(LQ_DTYPE_S8, bad1, 1, p), LQ_ERR_INVALID_ARG);
  expect_fail(lq_unpack((lq_dtype)99, p, 1, c), LQ_ERR_INVALID_ARG);
  expect_fail(lq_pack(LQ_DTYPE_S4, NULL, 1, p), LQ_ERR_INVALID_ARG);
}

static void test_packed_quantize(void** state) {
  (void)state;
  enum { R = 7, C = 70 };
  static float x[R * C], y1[R * C], y2[R * C];
  for (int i = 0; i < R * C; i++) x[i] = lq_test_uniform(12, (uint64_t)i, -1.0f, 1.0f);
  x[5] = NAN;
  x[6] = INFINITY;
  x[7] = -INFINITY;
  for (int bits = 1; bits <= 4; bits *= 2) {
    for (int sg = 0; sg < 2; sg++) {
      for (int g = 0; g < 3; g++) {
        lq_uniform_config cfg = {0};
        cfg.range.bits = bits;
        cfg.range.signedness = sg ? LQ_SIGNED : LQ_UNSIGNED;
        cfg.granularity = (lq_granularity)g;
        cfg.axis = g == 1 ? 0 : 1;
        cfg.group_size = 32; /* 70 = 32 + 32 + 6: tail group */
        lq_shape sh = {2, {R, C}};
        size_t np;
        assert_int_equal(lq_uniform_param_count(&cfg, &sh, &np), LQ_OK);
        float s[64];
        int32_t z[64];
        for (size_t u = 0; u < np; u++) {
          s[u] = 0.05f + 0.01f * (float)u;
          int32_t lo, hi;
          assert_int_equal(lq_range_qlimits(&cfg.range, &lo, &hi), LQ_OK);
          z[u] = lo + (int32_t)(u % (size_t)(hi - lo + 1));
        }
        lq_dtype pdt, udt;
        assert_int_equal(lq_uniform_code_dtype(&cfg, 1, &pdt), LQ_OK);
        assert_int_equal(lq_uniform_code_dtype(&cfg, 0, &udt), LQ_OK);
        assert_int_equal(lq_dtype_bits(pdt), bits);
        assert_int_equal(lq_dtype_is_signed(pdt), sg);
        uint8_t codes[R * C], pk1[R * C], pk2[R * C];
        assert_int_equal(lq_uniform_quantize(&cfg, x, &sh, s, z, codes), LQ_OK);
        assert_int_equal(lq_pack(pdt, codes, R * C, pk1), LQ_OK);
        assert_int_equal(lq_uniform_quantize_packed(&cfg, x, &sh, s, z, pk2), LQ_OK);
        size_t bytes;
        assert_int_equal(lq_pack_size(pdt, R * C, &bytes), LQ_OK);
        assert_memory_equal(pk1, pk2, bytes);
        assert_int_equal(lq_uniform_dequantize(&cfg, codes, &sh, s, z, y1), LQ_OK);
        assert_int_equal(lq_uniform_dequantize_packed(&cfg, pk2, &sh, s, z, y2), LQ_OK);
        LQ_ASSERT_BITS_EQUAL(y1, y2, sizeof y1, "packed dequantize");
        /* lq_affine straight to packed */
        lq_affine a;
        assert_int_equal(lq_affine_init(&cfg.range, s[0], z[0], 1, &a), LQ_OK);
        assert_int_equal(a.dtype, pdt);
        lq_uniform_config t = cfg;
        t.granularity = LQ_GRAN_TENSOR;
        assert_int_equal(lq_uniform_quantize_packed(&t, x, &sh, s, z, pk1), LQ_OK);
        assert_int_equal(lq_affine_quantize(&a, x, R * C, NULL, pk2), LQ_OK);
        assert_memory_equal(pk1, pk2, bytes);
        assert_int_equal(lq_affine_dequantize(&a, pk2, R * C, y2), LQ_OK);
        assert_int_equal(lq_uniform_dequantize_packed(&t, pk1, &sh, s, z, y1), LQ_OK);
        LQ_ASSERT_BITS_EQUAL(y1, y2, sizeof y1, "affine packed dequantize");
      }
    }
  }
  /* packed needs 1, 2 or 4 bits */
  lq_uniform_config cfg = {0};
  cfg.range.bits = 3;
  lq_dtype dt;
  expect_fail(lq_uniform_code_dtype(&cfg, 1, &dt), LQ_ERR_INVALID_ARG);
  cfg.range.bits = 12;
  assert_int_equal(lq_uniform_code_dtype(&cfg, 0, &dt), LQ_OK);
  assert_int_equal(dt, LQ_DTYPE_S16);
}

static void test_sixteen_bit_and_affine(void** state) {
  (void)state;
  float x[300], y[300];
  for (int i = 0; i < 300; i++) x[i] = lq_test_uniform(2, (uint64_t)i, -10.0f, 10.0f);
  lq_range_config rc = {0};
  rc.bits = 12;
  rc.signedness = LQ_UNSIGNED;
  float s;
  int32_t z;
  assert_int_equal(lq_qparams_from_minmax(&rc, -10.0f, 10.0f, &s, &z), LQ_OK);
  lq_affine a;
  assert_int_equal(lq_affine_init(&rc, s, z, 0, &a), LQ_OK);
  assert_int_equal(a.dtype, LQ_DTYPE_U16);
  assert_int_equal(a.qmax, 4095);
  uint16_t q[300];
  assert_int_equal(lq_affine_quantize(&a, x, 300, NULL, q), LQ_OK);
  assert_int_equal(lq_affine_dequantize(&a, q, 300, y), LQ_OK);
  for (int i = 0; i < 300; i++) {
    assert_true(q[i] <= 4095);
    assert_true(fabsf(y[i] - x[i]) <= s * 0.5f + 1e-6f);
  }
  /* channel granularity with 16-bit codes against per-tensor calls */
  lq_uniform_config cfg = {0};
  cfg.range = rc;
  cfg.granularity = LQ_GRAN_CHANNEL;
  cfg.axis = 1;
  lq_shape sh = {2, {30, 10}};
  float sc[10];
  int32_t zc[10];
  assert_int_equal(lq_uniform_calibrate_minmax(&cfg, x, &sh, sc, zc), LQ_OK);
  uint16_t qc[300];
  assert_int_equal(lq_uniform_quantize(&cfg, x, &sh, sc, zc, qc), LQ_OK);
  for (int i = 0; i < 300; i++) {
    lq_affine ac;
    assert_int_equal(lq_affine_init(&rc, sc[i % 10], zc[i % 10], 0, &ac), LQ_OK);
    uint16_t w;
    assert_int_equal(lq_affine_quantize(&ac, &x[i], 1, NULL, &w), LQ_OK);
    assert_int_equal(w, qc[i]);
  }
}

/* ---------------------------------------------- signal processing */
static void test_sp_quantizers(void** state) {
  (void)state;
  const float x[] = {0.0f, 0.49f, 0.5f, 0.51f, -0.5f, 1.0f, -1.0f, 2.7f, -2.7f, 100.0f, -100.0f, NAN, -0.0f};
  enum { N = sizeof x / sizeof x[0] };
  int8_t q[N];
  uint8_t u[N];
  float y[N];
  /* mid-tread, 3 bits: levels -3..3, classic floor(x + 1/2) = half_up */
  lq_sp_config mt = {LQ_SP_MIDTREAD, 3, 1.0f, 0, 0, {LQ_ROUND_HALF_UP, 0, 0}};
  assert_int_equal(lq_sp_quantize(&mt, x, N, q), LQ_OK);
  const int8_t wmt[N] = {0, 0, 1, 1, 0, 1, -1, 3, -3, 3, -3, 0, 0};
  assert_memory_equal(q, wmt, N);
  assert_int_equal(lq_sp_dequantize(&mt, q, N, y), LQ_OK);
  assert_true(y[7] == 3.0f && y[8] == -3.0f);
  /* mid-rise, 2 bits: levels -1.5, -0.5, 0.5, 1.5 (codes 0..3); 0 -> +0.5 */
  lq_sp_config mr = {LQ_SP_MIDRISE, 2, 1.0f, 0, 0, {LQ_ROUND_HALF_UP, 0, 0}};
  assert_int_equal(lq_sp_quantize(&mr, x, N, u), LQ_OK);
  const uint8_t wmr[N] = {2, 2, 2, 2, 1, 3, 1, 3, 0, 3, 0, 2, 2};
  assert_memory_equal(u, wmr, N);
  assert_int_equal(lq_sp_dequantize(&mr, u, N, y), LQ_OK);
  const float ymr[N] = {0.5f, 0.5f, 0.5f, 0.5f, -0.5f, 1.5f, -0.5f, 1.5f, -1.5f, 1.5f, -1.5f, 0.5f, 0.5f};
  assert_memory_equal(y, ymr, sizeof ymr);
  /* mid-rise directed modes: floor picks the level <= x, ceil the level >= x */
  lq_sp_config mf = mr;
  mf.rounding.mode = LQ_ROUND_FLOOR;
  const float xf[] = {0.4f, 0.6f, -0.4f, 1.0f};
  assert_int_equal(lq_sp_quantize(&mf, xf, 4, u), LQ_OK);
  const uint8_t wf[4] = {1, 2, 1, 2}; /* -0.5, 0.5, -0.5, 0.5 */
  assert_memory_equal(u, wf, 4);
  mf.rounding.mode = LQ_ROUND_CEIL;
  assert_int_equal(lq_sp_quantize(&mf, xf, 4, u), LQ_OK);
  const uint8_t wc[4] = {2, 3, 2, 3};
  assert_memory_equal(u, wc, 4);
  /* mid-rise half_even at the threshold 1.0: levels k=0 (0.5) and k=1 (1.5) -> even k=0 */
  mf.rounding.mode = LQ_ROUND_HALF_EVEN;
  assert_int_equal(lq_sp_quantize(&mf, xf + 3, 1, u), LQ_OK);
  assert_int_equal(u[0], 2);
  /* 1-bit mid-rise: sign quantizer, x >= 0 -> 1 */
  lq_sp_config b = {LQ_SP_MIDRISE, 1, 2.0f, 0, 0, {LQ_ROUND_HALF_UP, 0, 0}};
  const float xb[] = {-3.0f, -0.1f, 0.0f, 0.1f, 5.0f};
  assert_int_equal(lq_sp_quantize(&b, xb, 5, u), LQ_OK);
  const uint8_t wb[5] = {0, 0, 1, 1, 1};
  assert_memory_equal(u, wb, 5);
  assert_int_equal(lq_sp_dequantize(&b, u, 5, y), LQ_OK);
  assert_true(y[0] == -1.0f && y[4] == 1.0f);
  /* dead zone, JPEG 2000 (f = 0, r = 0.5): zero bin |x| < 1 */
  lq_sp_config dz = {LQ_SP_DEADZONE, 8, 1.0f, 0.0f, 0.5f, {0, 0, 0}};
  const float xd[] = {0.99f, -0.99f, 1.0f, -1.0f, 2.5f, -2.5f, 1e9f, -INFINITY, NAN};
  int8_t qd[9];
  assert_int_equal(lq_sp_quantize(&dz, xd, 9, qd), LQ_OK);
  const int8_t wd[9] = {0, 0, 1, -1, 2, -2, 127, -127, 0};
  assert_memory_equal(qd, wd, 9);
  assert_int_equal(lq_sp_dequantize(&dz, qd, 9, y), LQ_OK);
  const float yd[9] = {0.0f, 0.0f, 1.5f, -1.5f, 2.5f, -2.5f, 127.5f, -127.5f, 0.0f};
  assert_memory_equal(y, yd, sizeof yd);
  /* f = 1/2 reproduces nearest rounding except on ties (away from zero), and
   * f = 1/3 (H.264 intra) widens the zero bin to |x| < 2/3 */
  dz.deadzone_offset = 0.5f;
  dz.recon_offset = 0.0f;
  const float xh[] = {0.49999997f, 0.5f, 1.5f, 2.5f, -2.5f, 1.2f};
  int8_t qh[6];
  assert_int_equal(lq_sp_quantize(&dz, xh, 6, qh), LQ_OK);
  const int8_t wh[6] = {0, 1, 2, 3, -3, 1};
  assert_memory_equal(qh, wh, 6);
  dz.deadzone_offset = 1.0f / 3.0f;
  const float xt[] = {0.66f, 0.67f, -0.67f, 1.66f, 1.67f};
  int8_t qt[5];
  assert_int_equal(lq_sp_quantize(&dz, xt, 5, qt), LQ_OK);
  const int8_t wt[5] = {0, 1, -1, 1, 2};
  assert_memory_equal(qt, wt, 5);
  /* bad configs */
  lq_sp_config bad = dz;
  bad.deadzone_offset = 1.0f;
  expect_fail(lq_sp_quantize(&bad, x, 1, q), LQ_ERR_INVALID_ARG);
  bad = dz;
  bad.step = 0.0f;
  expect_fail(lq_sp_quantize(&bad, x, 1, q), LQ_ERR_INVALID_ARG);
  bad = mt;
  bad.bits = 1;
  expect_fail(lq_sp_quantize(&bad, x, 1, q), LQ_ERR_INVALID_ARG);
  bad = mt;
  bad.kind = (lq_sp_kind)7;
  expect_fail(lq_sp_quantize(&bad, x, 1, q), LQ_ERR_INVALID_ARG);
  expect_fail(lq_sp_quantize(&mt, NULL, 1, q), LQ_ERR_INVALID_ARG);
}

/* ---------------------------------------------------- mixed precision */
static void test_mixed_precision(void** state) {
  (void)state;
  enum { R = 8, C = 64 };
  static float x[R * C], y[R * C];
  /* rows with very different spreads: the wide rows deserve more bits */
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++) x[r * C + c] = lq_test_uniform(6, (uint64_t)(r * C + c), -1.0f, 1.0f) * (float)(1 << r);
  lq_mixed_config mc = {0};
  mc.base.granularity = LQ_GRAN_ROW;
  mc.min_bits = 2;
  mc.max_bits = 8;
  mc.avg_bits = 4.0;
  lq_shape sh = {2, {R, C}};
  int32_t bits[R];
  assert_int_equal(lq_mixed_allocate(&mc, x, &sh, bits), LQ_OK);
  long total = 0;
  for (int r = 0; r < R; r++) {
    assert_true(bits[r] >= 2 && bits[r] <= 8);
    total += bits[r];
  }
  assert_true(total <= 4 * R);
  assert_true(total >= 4 * R - 1); /* the greedy uses the budget */
  for (int r = 1; r < R; r++) assert_true(bits[r] >= bits[r - 1]);
  assert_true(bits[R - 1] > bits[0]);
  /* sensitivity 0 on the wide rows moves the bits to the others */
  float sens[R] = {1, 1, 1, 1, 0, 0, 0, 0};
  mc.sensitivity = sens;
  int32_t bits2[R];
  assert_int_equal(lq_mixed_allocate(&mc, x, &sh, bits2), LQ_OK);
  for (int r = 0; r < 4; r++) assert_true(bits2[r] >= bits[r]);
  assert_true(bits2[0] > bits[0]);
  mc.sensitivity = NULL;
  /* store and dequantize: equals per-row uniform quantization at those widths */
  size_t bytes;
  assert_int_equal(lq_mixed_packed_size(&mc, &sh, bits, &bytes), LQ_OK);
  assert_int_equal(bytes, (size_t)(total * C + 7) / 8);
  uint8_t* stream = malloc(bytes);
  float s[R];
  int32_t z[R];
  assert_int_equal(lq_mixed_quantize(&mc, x, &sh, bits, s, z, stream), LQ_OK);
  assert_int_equal(lq_mixed_dequantize(&mc, stream, &sh, bits, s, z, y), LQ_OK);
  for (int r = 0; r < R; r++) {
    lq_uniform_config uc = {0};
    uc.range.bits = bits[r];
    lq_shape rs = {1, {C}};
    float us;
    int32_t uz;
    assert_int_equal(lq_uniform_calibrate_minmax(&uc, x + r * C, &rs, &us, &uz), LQ_OK);
    assert_true(us == s[r] && uz == z[r]);
    float w[C];
    assert_int_equal(lq_uniform_fake_quantize(&uc, x + r * C, &rs, &us, &uz, w), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(w, y + r * C, sizeof w, "mixed row");
  }
  free(stream);
  /* bad inputs */
  mc.avg_bits = 1.0;
  expect_fail(lq_mixed_allocate(&mc, x, &sh, bits), LQ_ERR_INVALID_ARG);
  mc.avg_bits = NAN;
  expect_fail(lq_mixed_allocate(&mc, x, &sh, bits), LQ_ERR_INVALID_ARG);
  mc.avg_bits = 4.0;
  mc.max_bits = 17;
  expect_fail(lq_mixed_allocate(&mc, x, &sh, bits), LQ_ERR_INVALID_ARG);
  mc.max_bits = 8;
  float badsens[R] = {1, 1, -1, 1, 1, 1, 1, 1};
  mc.sensitivity = badsens;
  expect_fail(lq_mixed_allocate(&mc, x, &sh, bits), LQ_ERR_INVALID_ARG);
  mc.sensitivity = NULL;
  int32_t badbits[R] = {4, 4, 4, 9, 4, 4, 4, 4};
  expect_fail(lq_mixed_packed_size(&mc, &sh, badbits, &bytes), LQ_ERR_INVALID_ARG);
  x[3] = NAN;
  expect_fail(lq_mixed_allocate(&mc, x, &sh, bits), LQ_ERR_NUMERIC);
}

/* --------------------------------------------------------- bad inputs */
static void test_bad_arguments(void** state) {
  (void)state;
  float x[4] = {1, 2, 3, 4}, y[4];
  int8_t q[4];
  lq_rounding badr = {(lq_round)8, 0, 0};
  expect_fail(lq_quantize_f32_s8(NULL, 4, 1.0f, 0, NULL, q), LQ_ERR_INVALID_ARG);
  expect_fail(lq_quantize_f32_s8(x, 4, 1.0f, 0, NULL, NULL), LQ_ERR_INVALID_ARG);
  expect_fail(lq_quantize_f32_s8(x, 4, 0.0f, 0, NULL, q), LQ_ERR_INVALID_ARG);
  expect_fail(lq_quantize_f32_s8(x, 4, -1.0f, 0, NULL, q), LQ_ERR_INVALID_ARG);
  expect_fail(lq_quantize_f32_s8(x, 4, NAN, 0, NULL, q), LQ_ERR_INVALID_ARG);
  expect_fail(lq_quantize_f32_s8(x, 4, INFINITY, 0, NULL, q), LQ_ERR_INVALID_ARG);
  expect_fail(lq_quantize_f32_s8(x, 4, 1e-45f, 0, NULL, q), LQ_ERR_INVALID_ARG); /* 1/scale overflows */
  expect_fail(lq_quantize_f32_s8(x, 4, 1.0f, 128, NULL, q), LQ_ERR_INVALID_ARG);
  expect_fail(lq_quantize_f32_u8(x, 4, 1.0f, -1, NULL, (uint8_t*)q), LQ_ERR_INVALID_ARG);
  expect_fail(lq_quantize_f32_s8(x, 4, 1.0f, 0, &badr, q), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_quantize_f32_s8(NULL, 0, 1.0f, 0, NULL, NULL), LQ_OK); /* n == 0 is a no-op */
  expect_fail(lq_dequantize_s8_f32(q, 4, NAN, 0, y), LQ_ERR_INVALID_ARG);
  expect_fail(lq_dequantize_s8_f32(NULL, 4, 1.0f, 0, y), LQ_ERR_INVALID_ARG);
  expect_fail(lq_dequantize_u16_f32((uint16_t*)q, 2, 1.0f, 70000, y), LQ_ERR_INVALID_ARG);
  expect_fail(lq_fake_quantize_f32(x, 4, 1.0f, 0, 5, 5, NULL, y), LQ_ERR_INVALID_ARG);
  expect_fail(lq_fake_quantize_f32(x, 4, 1.0f, 10, 0, 5, NULL, y), LQ_ERR_INVALID_ARG);
  expect_fail(lq_fake_quantize_f32(x, 4, 1.0f, 0, -(1 << 25), 5, NULL, y), LQ_ERR_INVALID_ARG);
  expect_fail(lq_fake_quantize_f32(x, 4, 1.0f, 0, 0, 5, &badr, y), LQ_ERR_INVALID_ARG);
  /* affine */
  lq_range_config rc = {0};
  lq_affine a;
  expect_fail(lq_affine_init(&rc, 1.0f, 200, 0, &a), LQ_ERR_INVALID_ARG);
  expect_fail(lq_affine_init(&rc, 1.0f, 0, 1, &a), LQ_ERR_INVALID_ARG); /* 8 bits cannot be packed */
  expect_fail(lq_affine_init(NULL, 1.0f, 0, 0, &a), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_affine_init(&rc, 1.0f, 0, 0, &a), LQ_OK);
  a.dtype = (lq_dtype)42;
  expect_fail(lq_affine_quantize(&a, x, 4, NULL, q), LQ_ERR_INVALID_ARG);
  a.dtype = LQ_DTYPE_S8;
  a.qmax = 300;
  expect_fail(lq_affine_quantize(&a, x, 4, NULL, q), LQ_ERR_INVALID_ARG);
  /* tensor API */
  lq_uniform_config cfg = {0};
  lq_shape sh = {2, {2, 2}};
  float s[2] = {1.0f, 1.0f};
  int32_t z[2] = {0, 0};
  size_t np;
  cfg.granularity = (lq_granularity)9;
  expect_fail(lq_uniform_param_count(&cfg, &sh, &np), LQ_ERR_INVALID_ARG);
  cfg.granularity = LQ_GRAN_CHANNEL;
  cfg.axis = 2;
  expect_fail(lq_uniform_param_count(&cfg, &sh, &np), LQ_ERR_INVALID_ARG);
  cfg.axis = -3;
  expect_fail(lq_uniform_quantize(&cfg, x, &sh, s, z, q), LQ_ERR_INVALID_ARG);
  cfg.axis = 0;
  cfg.granularity = LQ_GRAN_GROUP;
  cfg.group_size = 0;
  expect_fail(lq_uniform_param_count(&cfg, &sh, &np), LQ_ERR_INVALID_ARG);
  cfg.granularity = LQ_GRAN_CHANNEL;
  lq_shape badsh = {9, {1}};
  expect_fail(lq_uniform_param_count(&cfg, &badsh, &np), LQ_ERR_INVALID_ARG);
  lq_shape negsh = {1, {-1}};
  expect_fail(lq_uniform_param_count(&cfg, &negsh, &np), LQ_ERR_INVALID_ARG);
  lq_shape bigsh = {3, {INT64_MAX, INT64_MAX, 4}};
  expect_fail(lq_uniform_param_count(&cfg, &bigsh, &np), LQ_ERR_OVERFLOW);
  z[1] = 128;
  expect_fail(lq_uniform_quantize(&cfg, x, &sh, s, z, q), LQ_ERR_INVALID_ARG);
  z[1] = 0;
  s[0] = NAN;
  expect_fail(lq_uniform_quantize(&cfg, x, &sh, s, z, q), LQ_ERR_INVALID_ARG);
  expect_fail(lq_uniform_dequantize(&cfg, q, &sh, s, z, y), LQ_ERR_INVALID_ARG);
  s[0] = 1.0f;
  expect_fail(lq_uniform_quantize(&cfg, NULL, &sh, s, z, q), LQ_ERR_INVALID_ARG);
  expect_fail(lq_uniform_quantize(&cfg, x, &sh, NULL, z, q), LQ_ERR_INVALID_ARG);
  expect_fail(lq_uniform_quantize(NULL, x, &sh, s, z, q), LQ_ERR_INVALID_ARG);
  expect_fail(lq_uniform_quantize_packed(&cfg, x, &sh, s, z, (uint8_t*)q), LQ_ERR_INVALID_ARG); /* 8 bits */
  cfg.rounding.mode = (lq_round)11;
  expect_fail(lq_uniform_quantize(&cfg, x, &sh, s, z, q), LQ_ERR_INVALID_ARG);
  cfg.rounding.mode = LQ_ROUND_HALF_EVEN;
  cfg.range.bits = 17;
  expect_fail(lq_uniform_quantize(&cfg, x, &sh, s, z, q), LQ_ERR_INVALID_ARG);
  cfg.range.bits = 0;
  /* calibration: NaN and Inf are numeric errors */
  x[1] = NAN;
  expect_fail(lq_uniform_calibrate_minmax(&cfg, x, &sh, s, z), LQ_ERR_NUMERIC);
  x[1] = INFINITY;
  expect_fail(lq_uniform_calibrate_minmax(&cfg, x, &sh, s, z), LQ_ERR_NUMERIC);
  cfg.granularity = LQ_GRAN_TENSOR;
  expect_fail(lq_uniform_calibrate_minmax(&cfg, x, &sh, s, z), LQ_ERR_NUMERIC);
  x[1] = 2.0f;
  /* dtype helpers */
  assert_string_equal(lq_dtype_name(LQ_DTYPE_B1), "b1");
  assert_string_equal(lq_dtype_name((lq_dtype)77), "unknown");
  assert_int_equal(lq_dtype_bits((lq_dtype)77), 0);
  assert_int_equal(lq_dtype_is_packed(LQ_DTYPE_U16), 0);
  assert_int_equal(lq_dtype_is_packed(LQ_DTYPE_S1), 1);
}

/* edge cases of lq_qparams_from_minmax beyond the torch table */
static void test_qparams_edges(void** state) {
  (void)state;
  lq_range_config rc = {0};
  float s;
  int32_t z;
  expect_fail(lq_qparams_from_minmax(&rc, 2.0f, 1.0f, &s, &z), LQ_ERR_NUMERIC);
  expect_fail(lq_qparams_from_minmax(&rc, NAN, 1.0f, &s, &z), LQ_ERR_NUMERIC);
  expect_fail(lq_qparams_from_minmax(&rc, -3e38f, 3e38f, &s, &z), LQ_ERR_NUMERIC); /* range overflows */
  rc.mapping = LQ_SYMMETRIC;
  assert_int_equal(lq_qparams_from_minmax(&rc, -3e38f, 3e38f, &s, &z), LQ_OK);
  assert_true(isfinite(s) && z == 0);
  rc.mapping = (lq_mapping)5;
  expect_fail(lq_qparams_from_minmax(&rc, -1.0f, 1.0f, &s, &z), LQ_ERR_INVALID_ARG);
  int32_t lo, hi;
  lq_range_config nr = {0};
  nr.narrow = 1;
  assert_int_equal(lq_range_qlimits(&nr, &lo, &hi), LQ_OK);
  assert_true(lo == -127 && hi == 127);
  nr.bits = 1;
  expect_fail(lq_range_qlimits(&nr, &lo, &hi), LQ_ERR_INVALID_ARG);
  lq_range_config cr = {0};
  cr.qmin = 1;
  cr.qmax = 5;
  expect_fail(lq_range_qlimits(&cr, &lo, &hi), LQ_ERR_INVALID_ARG);
  /* TensorRT-style symmetric scale amax / qmax */
  lq_range_config tr = {0};
  tr.mapping = LQ_SYMMETRIC;
  tr.sym_scale = LQ_SYM_SCALE_QMAX;
  tr.narrow = 1;
  assert_int_equal(lq_qparams_from_minmax(&tr, -2.0f, 1.0f, &s, &z), LQ_OK);
  assert_true(s == 2.0f / 127.0f && z == 0);
}

int main(void) {
  lq_test_skip_if_env_isa_missing();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_golden_per_tensor),
      cmocka_unit_test(test_golden_per_channel),
      cmocka_unit_test(test_golden_observers),
      cmocka_unit_test(test_golden_per_channel_observers),
      cmocka_unit_test(test_golden_fake_quant),
      cmocka_unit_test(test_rounding_modes_table),
      cmocka_unit_test(test_stochastic),
      cmocka_unit_test(test_group_and_tail),
      cmocka_unit_test(test_fake_quant_tensor_and_stochastic_index),
      cmocka_unit_test(test_pack_unpack),
      cmocka_unit_test(test_packed_quantize),
      cmocka_unit_test(test_sixteen_bit_and_affine),
      cmocka_unit_test(test_sp_quantizers),
      cmocka_unit_test(test_mixed_precision),
      cmocka_unit_test(test_bad_arguments),
      cmocka_unit_test(test_qparams_edges),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
