/* The hw and nonuniform scheme families (g711-ulaw, g711-alaw, ima-adpcm,
 * ulaw, alaw, log2, logsqrt2, log, pot, apot, lut, lloyd, delta, dm, dpcm)
 * and their aliases (adpcm, mulaw_compand, alaw_compand, lloydmax): codes and
 * reconstructions against audioop values and hand-computed cases, against
 * the module APIs (themselves golden-tested in test_hw / test_nonuniform)
 * over whole input ranges, bits per element, code ranges, params JSON and
 * every parse error. */
#define _POSIX_C_SOURCE 200809L
#include <unistd.h>

#include "lq_test.h"

#define ASSERT_FAILS(expr, status)           \
  do {                                       \
    lq_clear_error();                        \
    assert_int_equal((expr), (status));      \
    assert_true(lq_last_error()[0] != '\0'); \
  } while (0)

static lq_scheme* parse(const char* spec) {
  lq_scheme* s = NULL;
  if (lq_scheme_parse(spec, &s) != LQ_OK) fail_msg("%s: %s", spec, lq_last_error());
  return s;
}

static double bpe_of(lq_scheme* s, size_t n) {
  lq_shape sh = {1, {(int64_t)n}};
  double b;
  assert_int_equal(lq_scheme_bits_per_element(s, &sh, &b), LQ_OK);
  return b;
}

static void roundtrip(lq_scheme* s, const float* x, size_t n, float* y, int32_t* c) {
  lq_shape sh = {1, {(int64_t)n}};
  if (lq_scheme_roundtrip(s, &sh, x, y, c) != LQ_OK) fail_msg("%s: %s", lq_scheme_spec(s), lq_last_error());
}

static int json_has(lq_scheme* s, const char* needle) {
  static char buf[1 << 14];
  size_t len;
  assert_int_equal(lq_scheme_params_json(s, buf, sizeof buf, &len), LQ_OK);
  if (!strstr(buf, needle)) fail_msg("'%s' not in %s", needle, buf);
  return 1;
}

/* audioop 3.11 on the int16 samples {0, 16384, -16384, 32767, -32768, 100, -100, 1}. */
static const float kx[8] = {0.0f, 0.5f, -0.5f, 32767.0f / 32768.0f, -1.0f, 100.0f / 32768.0f, -100.0f / 32768.0f,
                            1.0f / 32768.0f};
static const int32_t k_ulaw[8] = {255, 143, 15, 128, 0, 242, 114, 255};         /* lin2ulaw (sun) */
static const int16_t k_ulaw_dec[8] = {0, 16764, -16764, 32124, -32124, 104, -104, 0};
static const int32_t k_alaw[8] = {213, 165, 58, 170, 42, 211, 83, 213};         /* lin2alaw */
static const int16_t k_alaw_dec[8] = {8, 16896, -16128, 32256, -32256, 104, -104, 8};
static const int32_t k_adpcm[8] = {0, 7, 15, 7, 15, 4, 11, 1};                  /* lin2adpcm 07 f7 f4 b1 */
static const int16_t k_adpcm_dec[8] = {0, 11, -19, 44, -92, 84, -81, -17};

static void check_codec(const char* spec, const int32_t* want_c, const int16_t* want_y) {
  lq_scheme* s = parse(spec);
  float y[8];
  int32_t c[8];
  roundtrip(s, kx, 8, y, c);
  for (int i = 0; i < 8; i++) {
    assert_int_equal(c[i], want_c[i]);
    assert_true(y[i] == (float)want_y[i] / 32768.0f);
  }
  lq_scheme_destroy(s);
}

static void test_g711_adpcm_values(void** state) {
  (void)state;
  check_codec("g711-ulaw:variant=sun", k_ulaw, k_ulaw_dec);
  check_codec("g711-alaw", k_alaw, k_alaw_dec);
  check_codec("ima-adpcm", k_adpcm, k_adpcm_dec);
  check_codec("adpcm", k_adpcm, k_adpcm_dec); /* alias */
  /* ima-adpcm storage format: audioop's packed bytes. */
  lq_scheme* s = parse("ima-adpcm");
  lq_shape sh = {1, {8}};
  uint8_t b[4];
  size_t nb;
  float y[8];
  assert_int_equal(lq_scheme_calibrate(s, &sh, kx), LQ_OK);
  assert_int_equal(lq_scheme_encoded_size(s, &sh, &nb), LQ_OK);
  assert_int_equal(nb, 4);
  assert_int_equal(lq_scheme_encode(s, &sh, kx, b, sizeof b), LQ_OK);
  assert_int_equal(b[0], 0x07);
  assert_int_equal(b[1], 0xf7);
  assert_int_equal(b[2], 0xf4);
  assert_int_equal(b[3], 0xb1);
  assert_int_equal(lq_scheme_decode(s, &sh, b, 4, y), LQ_OK);
  for (int i = 0; i < 8; i++) assert_true(y[i] == (float)k_adpcm_dec[i] / 32768.0f);
  assert_true(bpe_of(s, 8) == 4.0);
  int32_t lo, hi;
  assert_int_equal(lq_scheme_code_range(s, &lo, &hi), LQ_OK);
  assert_int_equal(hi, 15);
  lq_scheme_destroy(s);
}

/* Every int16 sample: scheme codes == API codes; g191 and sun differ on 508. */
static void test_g711_all_samples(void** state) {
  (void)state;
  static float x[65536], y[65536];
  static int32_t c[65536];
  static int16_t s16[65536], d16[65536];
  static uint8_t api[65536];
  for (int i = 0; i < 65536; i++) {
    s16[i] = (int16_t)(i - 32768);
    x[i] = (float)s16[i] / 32768.0f;
  }
  static const char* const specs[] = {"g711-ulaw", "g711-ulaw:variant=g191", "g711-ulaw:variant=sun", "g711-alaw"};
  int differ = 0;
  static int32_t first[65536];
  for (int k = 0; k < 4; k++) {
    lq_scheme* s = parse(specs[k]);
    roundtrip(s, x, 65536, y, c);
    if (k == 3) {
      assert_int_equal(lq_g711_alaw_encode(s16, 65536, api), LQ_OK);
      assert_int_equal(lq_g711_alaw_decode(api, 65536, d16), LQ_OK);
    } else {
      assert_int_equal(lq_g711_ulaw_encode(s16, 65536, k == 2 ? LQ_G711_SUN : LQ_G711_G191, api), LQ_OK);
      assert_int_equal(lq_g711_ulaw_decode(api, 65536, d16), LQ_OK);
    }
    for (int i = 0; i < 65536; i++) {
      assert_int_equal(c[i], api[i]);
      assert_true(y[i] == (float)d16[i] / 32768.0f);
    }
    if (k == 0) memcpy(first, c, sizeof first);
    if (k == 1) assert_memory_equal(first, c, sizeof first); /* g191 is the default */
    if (k == 2)
      for (int i = 0; i < 65536; i++) differ += c[i] != first[i];
    assert_true(bpe_of(s, 100) == 8.0);
    lq_scheme_destroy(s);
  }
  assert_int_equal(differ, 508);
  /* Scaling: round half to even, saturation; NaN is an error. */
  lq_scheme* s = parse("g711-alaw");
  const float edge[4] = {1.0f, 2.5f / 32768.0f, -7.0f, 3.5f / 32768.0f};
  int32_t ce[4];
  float ye[4];
  roundtrip(s, edge, 4, ye, ce);
  assert_int_equal(ce[0], lq_g711_alaw_encode1(32767));
  assert_int_equal(ce[1], lq_g711_alaw_encode1(2));
  assert_int_equal(ce[2], lq_g711_alaw_encode1(-32768));
  assert_int_equal(ce[3], lq_g711_alaw_encode1(4));
  const float bad[2] = {0.0f, NAN};
  lq_shape sh = {1, {2}};
  ASSERT_FAILS(lq_scheme_roundtrip(s, &sh, bad, ye, NULL), LQ_ERR_NUMERIC);
  lq_scheme_destroy(s);
  s = parse("g711-ulaw:variant=sun");
  roundtrip(s, edge, 4, ye, ce);
  json_has(s, "\"bits\": 8, \"sample_scale\": 32768, \"variant\": \"sun\"");
  lq_scheme_destroy(s);
}

static void test_companders(void** state) {
  (void)state;
  const float x[5] = {1.0f, -1.0f, 0.0f, 0.5f, 0.01f};
  float y[6], y2[6];
  int32_t c[6];
  lq_scheme* s = parse("ulaw");
  roundtrip(s, x, 5, y, c);
  const int32_t want[5] = {255, 1, 128, 239, 157}; /* numpy: rint(127 F(x)) + 128, F = ln(1+255|x|)/ln 256 */
  for (int i = 0; i < 5; i++) assert_int_equal(c[i], want[i]);
  assert_true(fabsf(y[3] - 0.49530706f) < 1e-6f);
  assert_true(fabsf(y[4] - 0.009989897f) < 1e-8f);
  assert_true(fabs(bpe_of(s, 5) - (8.0 + 32.0 / 5)) < 1e-12);
  assert_string_equal(lq_scheme_family(s), "ulaw");
  assert_int_equal(lq_scheme_is_pcm16(s), 0);
  json_has(s, "\"bits\": 8, \"mu\": 255,");
  lq_scheme_destroy(s);
  s = parse("mulaw_compand"); /* the old name is an alias of ulaw */
  assert_string_equal(lq_scheme_family(s), "ulaw");
  roundtrip(s, x, 5, y2, NULL);
  for (int i = 0; i < 5; i++) assert_true(y2[i] == y[i]);
  lq_scheme_destroy(s);
  s = parse("alaw");
  roundtrip(s, x, 5, y, c);
  const int32_t want_a[5] = {255, 1, 128, 239, 148}; /* numpy: rint(127 G(x)) + 128, A = 87.6 */
  for (int i = 0; i < 5; i++) assert_int_equal(c[i], want_a[i]);
  json_has(s, "\"bits\": 8, \"a\": 87.6,");
  lq_scheme_destroy(s);
  /* Fitted x_max = max|x| equals the API with that x_max. */
  const float x2[6] = {3.0f, -0.2f, 1.5f, -2.9f, 0.0f, 0.7f};
  uint16_t c2[6];
  s = parse("alaw:a=50:bits=6");
  roundtrip(s, x2, 6, y, c);
  lq_compander cp = {LQ_COMPAND_ALAW, 50.0, 6, 3.0};
  assert_int_equal(lq_compand_quantize_f32(&cp, x2, 6, c2, y2), LQ_OK);
  for (int i = 0; i < 6; i++) {
    assert_int_equal(c[i], c2[i]);
    assert_true(y[i] == y2[i]);
  }
  assert_int_equal(c[0], 63);
  assert_true(y[0] == 3.0f);
  json_has(s, "\"xmax\": 3");
  int32_t lo, hi;
  assert_int_equal(lq_scheme_code_range(s, &lo, &hi), LQ_OK);
  assert_int_equal(lo, 1);
  assert_int_equal(hi, 63);
  lq_scheme_destroy(s);
  s = parse("ulaw:xmax=2:mu=100:bits=4");
  assert_true(bpe_of(s, 7) == 4.0);
  lq_scheme_destroy(s);
}

static void test_log_apot(void** state) {
  (void)state;
  const float x[5] = {1.0f, 0.3f, -0.25f, 0.0f, 1e-6f};
  float y[5];
  int32_t c[5];
  lq_scheme* s = parse("log2");
  roundtrip(s, x, 5, y, c);
  const int32_t want[5] = {7, 5, 13, 0, 0}; /* fsr 1: magnitudes 2^-6..2^0; 0.3 -> 2^-2 (1.2 < sqrt 2) */
  const float wy[5] = {1.0f, 0.25f, -0.25f, 0.0f, 0.0f};
  for (int i = 0; i < 5; i++) {
    assert_int_equal(c[i], want[i]);
    assert_true(y[i] == wy[i]);
  }
  json_has(s, "\"fsr\": 1");
  assert_true(fabs(bpe_of(s, 5) - (4.0 + 8.0 / 5)) < 1e-12);
  lq_scheme_destroy(s);
  s = parse("logsqrt2:bits=6:fsr=3");
  const float x2[3] = {2.0f, 1.5f, -8.0f};
  roundtrip(s, x2, 3, y, c);
  /* t = rne(2 log2|x|): 2 -> 2, 1.5 -> 1 (1.5 < 2^(3/4)), 8 -> 6 saturates to fsr-1 = 2; lo = 3 - 32. */
  assert_int_equal(c[0], 31);
  assert_int_equal(c[1], 30);
  assert_int_equal(c[2], 32 | 31);
  assert_true(y[1] == (float)sqrt(2.0));
  assert_true(y[2] == -2.0f);
  assert_true(bpe_of(s, 3) == 6.0);
  json_has(s, "\"base\": \"sqrt2\", \"fsr\": 3");
  lq_scheme_destroy(s);
  /* log2 / logsqrt2 are log with the base fixed: same codes over many magnitudes. */
  enum { NL = 2000 };
  static float xl[NL], yl1[NL], yl2[NL];
  static int32_t cl1[NL], cl2[NL];
  for (int i = 0; i < NL; i++) xl[i] = (float)(ldexp(1.0, i % 40 - 30) * (1.0 + lq_rng_uniform_f32(9, (uint64_t)i))) * (i % 3 ? 1.0f : -1.0f);
  static const char* const pairs[4][2] = {{"log2", "log"}, {"log2:bits=6", "log:base=2:bits=6"},
                                          {"logsqrt2", "log:base=sqrt2"}, {"logsqrt2:bits=5:fsr=-4", "log:base=sqrt2:bits=5:fsr=-4"}};
  for (int k = 0; k < 4; k++) {
    lq_scheme* a = parse(pairs[k][0]);
    lq_scheme* b = parse(pairs[k][1]);
    roundtrip(a, xl, NL, yl1, cl1);
    roundtrip(b, xl, NL, yl2, cl2);
    assert_memory_equal(cl1, cl2, sizeof cl1);
    assert_memory_equal(yl1, yl2, sizeof yl1);
    lq_scheme_destroy(a);
    lq_scheme_destroy(b);
  }

  s = parse("apot");
  float lv[64];
  size_t K;
  assert_int_equal(lq_apot_levels(4, lv, 64, &K), LQ_OK);
  assert_int_equal(K, 16);
  const float xa[4] = {-2.0f, 0.0f, 2.0f, 0.01f};
  roundtrip(s, xa, 4, y, c);
  assert_int_equal(c[0], 0);
  assert_int_equal(c[1], 15);
  assert_int_equal(c[2], 30);
  assert_true(y[0] == -2.0f && y[1] == 0.0f && y[2] == 2.0f);
  assert_int_equal(c[3], 15); /* below half the smallest nonzero level 2 * lv[1] */
  assert_true(0.01f < lv[1]);
  int32_t lo, hi;
  assert_int_equal(lq_scheme_code_range(s, &lo, &hi), LQ_OK);
  assert_int_equal(hi, 30);
  assert_true(fabs(bpe_of(s, 4) - (5.0 + 8.0)) < 1e-12);
  lq_scheme_destroy(s);
  s = parse("apot:bits=3:alpha=1");
  roundtrip(s, xa, 4, y, c);
  assert_true(y[0] == -1.0f && y[2] == 1.0f);
  assert_int_equal(c[2], 6); /* B = 2: 4 magnitudes, 7 signed levels */
  assert_true(bpe_of(s, 4) == 3.0);
  lq_scheme_destroy(s);
}

static void test_lut_lloyd(void** state) {
  (void)state;
  const float levels[5] = {-1.0f, -0.5f, 0.0f, 0.5f, 1.0f};
  int64_t dims[1] = {5};
  /* Per-process names: the ISA variants of this test run in parallel in one directory. */
  char lut_path[64], uns_path[64], spec[96];
  snprintf(lut_path, sizeof lut_path, "scheme_audio_lut_%ld.npy", (long)getpid());
  snprintf(uns_path, sizeof uns_path, "scheme_audio_unsorted_%ld.npy", (long)getpid());
  assert_int_equal(lq_npy_write_file(lut_path, LQ_NPY_F32, 1, dims, levels), LQ_OK);
  const float unsorted[3] = {0.0f, 1.0f, 0.5f};
  int64_t d3[1] = {3};
  assert_int_equal(lq_npy_write_file(uns_path, LQ_NPY_F32, 1, d3, unsorted), LQ_OK);
  snprintf(spec, sizeof spec, "lut:file=%s", lut_path);
  lq_scheme* s = parse(spec);
  const float x[6] = {-0.8f, -0.74f, 0.25f, 0.26f, 2.0f, -0.0f};
  float y[6];
  int32_t c[6];
  roundtrip(s, x, 6, y, c);
  const int32_t want[6] = {0, 1, 2, 3, 4, 2}; /* on a threshold (0.25): the lower level */
  for (int i = 0; i < 6; i++) {
    assert_int_equal(c[i], want[i]);
    assert_true(y[i] == levels[want[i]]);
  }
  assert_true(bpe_of(s, 6) == 3.0);
  lq_scheme_destroy(s);
  lq_scheme* bad = NULL;
  snprintf(spec, sizeof spec, "lut:file=%s", uns_path);
  ASSERT_FAILS(lq_scheme_parse(spec, &bad), LQ_ERR_INVALID_ARG);
  assert_null(bad);
  lq_scheme* nofile = parse("lut"); /* parses (registry names parse alone); using it fails */
  lq_shape sh1 = {1, {6}};
  ASSERT_FAILS(lq_scheme_roundtrip(nofile, &sh1, x, y, NULL), LQ_ERR_INVALID_ARG);
  double bb;
  ASSERT_FAILS(lq_scheme_bits_per_element(nofile, &sh1, &bb), LQ_ERR_INVALID_ARG);
  lq_scheme_destroy(nofile);
  assert_true(lq_scheme_parse("lut:file=no_such_file.npy", &bad) != LQ_OK);
  remove(lut_path);
  remove(uns_path);

  s = parse("lloyd:levels=2");
  const float xl[6] = {0.0f, 0.0f, 1.0f, 1.0f, 1.0f, 5.0f};
  roundtrip(s, xl, 6, y, c);
  for (int i = 0; i < 5; i++) {
    assert_int_equal(c[i], 0);
    assert_true(y[i] == 0.6f); /* the 2-means optimum {0,0,1,1,1} | {5} */
  }
  assert_int_equal(c[5], 1);
  assert_true(y[5] == 5.0f);
  assert_true(fabs(bpe_of(s, 6) - (1.0 + 64.0 / 6)) < 1e-12);
  lq_shape sh = {1, {1}};
  ASSERT_FAILS(lq_scheme_roundtrip(s, &sh, xl, y, NULL), LQ_ERR_INVALID_ARG); /* n < k */
  lq_scheme_destroy(s);
  s = parse("lloydmax:levels=2"); /* alias */
  roundtrip(s, xl, 6, y, c);
  assert_true(y[0] == 0.6f && y[5] == 5.0f);
  json_has(s, "\"family\": \"lloyd\", \"k\": 2");
  lq_scheme_destroy(s);
}

static void test_delta_dpcm(void** state) {
  (void)state;
  const float x[4] = {0.1f, 0.3f, 0.2f, -0.5f};
  float y[4];
  int32_t c[4];
  lq_scheme* s = parse("delta:step=0.1:bits=4");
  roundtrip(s, x, 4, y, c);
  const int32_t want[4] = {1, 2, -1, -7};
  for (int i = 0; i < 4; i++) {
    assert_int_equal(c[i], want[i]);
    assert_true(fabsf(y[i] - x[i]) < 1e-6f);
  }
  assert_true(bpe_of(s, 4) == 4.0);
  lq_scheme_destroy(s);
  /* Fitted step: the largest open-loop difference (0.7) is 127 steps. */
  s = parse("delta");
  roundtrip(s, x, 4, y, c);
  int16_t q[4];
  float y2[4];
  const float step = (float)(((double)0.2f - (double)-0.5f) / 127.0);
  assert_int_equal(lq_delta_encode_f32(x, 4, step, 8, q, y2), LQ_OK);
  for (int i = 0; i < 4; i++) {
    assert_int_equal(c[i], q[i]);
    assert_true(y[i] == y2[i]);
  }
  assert_int_equal(c[3], -127);
  lq_scheme_destroy(s);

  /* DPCM on an AR(1) signal: the fitted coefficient is the AR coefficient. */
  enum { N = 4000 };
  static float xs[N], ys[N], yr[N];
  static int32_t cs[N];
  static int16_t qs[N];
  double v = 0.0;
  for (int i = 0; i < N; i++) {
    v = 0.9 * v + 0.1 * (2.0 * lq_rng_uniform_f32(5, (uint64_t)i) - 1.0);
    xs[i] = (float)v;
  }
  s = parse("dpcm:order=1:bits=6");
  roundtrip(s, xs, N, ys, cs);
  double a[1];
  assert_int_equal(lq_dpcm_fit_predictor(xs, N, 1, a), LQ_OK);
  assert_true(fabs(a[0] - 0.9) < 0.02);
  double rmax = 0.0;
  for (int i = 0; i < N; i++) {
    double r = fabs((double)xs[i] - (i ? a[0] * xs[i - 1] : 0.0));
    if (r > rmax) rmax = r;
  }
  assert_int_equal(lq_dpcm_encode_f32(xs, N, a, 1, (float)(rmax / 31.0), 6, qs, yr), LQ_OK);
  for (int i = 0; i < N; i++) {
    assert_int_equal(cs[i], qs[i]);
    assert_true(ys[i] == yr[i]);
  }
  assert_true(fabs(bpe_of(s, N) - (6.0 + 64.0 / N)) < 1e-12);
  json_has(s, "\"order\": 1, \"coef\": [");
  int32_t lo, hi;
  assert_int_equal(lq_scheme_code_range(s, &lo, &hi), LQ_OK);
  assert_int_equal(lo, -32);
  assert_int_equal(hi, 31);
  lq_shape sh = {1, {2}};
  ASSERT_FAILS(lq_scheme_roundtrip(s, &sh, xs, ys, NULL), LQ_ERR_INVALID_ARG); /* n <= 2 order */
  lq_scheme_destroy(s);
}

/* pot: power-of-two levels, nearest in value (INQ), sign + exponent codes of lq_log_*. */
static void test_pot(void** state) {
  (void)state;
  /* emax 0, 4 bits: levels 0, +-2^-6 .. +-2^0; codes k = t + 7, negatives + 8. */
  const float x[10] = {0.3f, 0.375f, 0.376f, -0.74f, 0.007f, 0.0078125f, 0.00782f, 5.0f, -0.0f, 0.72f};
  const int32_t want[10] = {5, 5, 6, 14, 0, 0, 1, 7, 0, 6};
  const float wy[10] = {0.25f, 0.25f, 0.5f, -0.5f, 0.0f, 0.0f, 0.015625f, 1.0f, 0.0f, 0.5f};
  float y[10], yd[10];
  int32_t c[10];
  uint8_t c8[10];
  lq_scheme* s = parse("pot:emax=0");
  roundtrip(s, x, 10, y, c);
  for (int i = 0; i < 10; i++) {
    assert_int_equal(c[i], want[i]); /* 0.375, 0.0078125: on the midpoint, the lower level */
    assert_true(y[i] == wy[i]);
    c8[i] = (uint8_t)c[i];
  }
  /* The codes are lq_log codes (fsr = emax + 1): lq_log_decode gives the same values. */
  lq_log_config lc = {4, 1, LQ_LOG_BASE2, 0};
  assert_int_equal(lq_log_decode_f32(c8, 10, &lc, yd), LQ_OK);
  for (int i = 0; i < 10; i++) assert_true(yd[i] == y[i]);
  /* log2 rounds in the log domain: 0.72 and 0.74 -> 1 there, 0.5 here. */
  assert_int_equal(lq_log_encode_f32(&x[9], 1, &lc, c8), LQ_OK);
  assert_int_equal(c8[0], 7);
  assert_true(bpe_of(s, 10) == 4.0);
  int32_t lo, hi;
  assert_int_equal(lq_scheme_code_range(s, &lo, &hi), LQ_OK);
  assert_int_equal(lo, 0);
  assert_int_equal(hi, 15);
  json_has(s, "\"bits\": 4, \"emax\": 0, \"k\": 15, \"levels\": [-1, -0.5, -0.25,");
  lq_shape sh = {1, {2}};
  const float bad[2] = {0.0f, NAN};
  ASSERT_FAILS(lq_scheme_roundtrip(s, &sh, bad, y, NULL), LQ_ERR_NUMERIC);
  lq_scheme_destroy(s);
  /* Fitted emax = floor(log2(4 max|x| / 3)) (INQ): 2.9 -> 1, 3.0 -> 2, 100 -> 7. */
  static const float maxes[3] = {2.9f, 3.0f, 100.0f};
  static const char* const want_json[3] = {"\"emax\": 1,", "\"emax\": 2,", "\"emax\": 7,"};
  static const float top[3] = {2.0f, 2.0f, 128.0f}; /* 3.0 is on the 2|4 midpoint: the lower level */
  for (int k = 0; k < 3; k++) {
    s = parse("pot:bits=3");
    const float xm[2] = {-0.5f, maxes[k]};
    roundtrip(s, xm, 2, y, c);
    json_has(s, want_json[k]);
    assert_true(y[1] == top[k]);
    assert_true(fabs(bpe_of(s, 2) - (3.0 + 8.0 / 2)) < 1e-12);
    lq_scheme_destroy(s);
  }
  /* bits=2: one magnitude, {-2^emax, 0, 2^emax}. */
  s = parse("pot:bits=2:emax=-3");
  const float x2[4] = {0.1f, -0.2f, 0.06f, 0.0625f};
  roundtrip(s, x2, 4, y, c);
  assert_true(y[0] == 0.125f && y[1] == -0.125f && y[2] == 0.0f && y[3] == 0.0f);
  assert_int_equal(c[0], 1);
  assert_int_equal(c[1], 3);
  lq_scheme_destroy(s);
}

/* dm: 1-bit delta modulation (lq_dm_*), fixed or fitted step, adaptive option. */
static void test_dm(void** state) {
  (void)state;
  const float x[4] = {0.3f, 0.6f, 0.5f, -0.2f};
  float y[4], y2[4];
  int32_t c[4];
  uint8_t b[4];
  lq_scheme* s = parse("dm:step=0.25");
  roundtrip(s, x, 4, y, c);
  const int32_t want[4] = {1, 1, 1, 0}; /* 0.5 >= 0.5: a zero difference counts as + */
  const float wy[4] = {0.25f, 0.5f, 0.75f, 0.5f};
  for (int i = 0; i < 4; i++) {
    assert_int_equal(c[i], want[i]);
    assert_true(y[i] == wy[i]);
  }
  assert_true(bpe_of(s, 4) == 1.0);
  int32_t lo, hi;
  assert_int_equal(lq_scheme_code_range(s, &lo, &hi), LQ_OK);
  assert_int_equal(lo, 0);
  assert_int_equal(hi, 1);
  lq_scheme_destroy(s);
  /* Fitted step: mean |x[i] - x[i-1]| with x[-1] = 0. */
  s = parse("dm");
  roundtrip(s, x, 4, y, c);
  double d = fabs((double)x[0]) + fabs((double)x[1] - x[0]) + fabs((double)x[2] - x[1]) + fabs((double)x[3] - x[2]);
  lq_dm_config cfg = {d / 4.0, 0, 0, 0.0, 0.0, 0.0};
  assert_int_equal(lq_dm_encode_f32(x, 4, &cfg, b, y2), LQ_OK);
  for (int i = 0; i < 4; i++) {
    assert_int_equal(c[i], b[i]);
    assert_true(y[i] == y2[i]);
  }
  assert_true(fabs(bpe_of(s, 4) - (1.0 + 32.0 / 4)) < 1e-12);
  json_has(s, "\"adaptive\": 0");
  lq_scheme_destroy(s);
  /* Adaptive: the scheme equals the API with the same config. */
  enum { N = 3000 };
  static float xs[N], ys[N], yr[N];
  static int32_t cs[N];
  static uint8_t bs[N];
  for (int i = 0; i < N; i++) xs[i] = (float)(0.8 * sin(i * 0.01) + 0.05 * sin(i * 0.3));
  s = parse("dm:adaptive=1:step=0.01:run=4:growth=2");
  roundtrip(s, xs, N, ys, cs);
  lq_dm_config ac = {0.01, 1, 4, 2.0, 0.0, 0.0};
  assert_int_equal(lq_dm_encode_f32(xs, N, &ac, bs, yr), LQ_OK);
  for (int i = 0; i < N; i++) {
    assert_int_equal(cs[i], bs[i]);
    assert_true(ys[i] == yr[i]);
  }
  json_has(s, "\"adaptive\": 1, \"run\": 4, \"growth\": 2");
  lq_scheme_destroy(s);
  lq_shape sh = {1, {2}};
  const float bad[2] = {0.0f, INFINITY};
  s = parse("dm:step=0.5");
  ASSERT_FAILS(lq_scheme_roundtrip(s, &sh, bad, y, NULL), LQ_ERR_NUMERIC);
  lq_scheme_destroy(s);
}

/* Names: the names are families, the old ones aliases; PCM16 flag. */
static void test_names(void** state) {
  (void)state;
  static const char* const fam[][2] = {
      {"ulaw", "ulaw"},           {"alaw", "alaw"},           {"mulaw_compand", "ulaw"}, {"alaw_compand", "alaw"},
      {"g711-ulaw", "g711-ulaw"}, {"g711-alaw", "g711-alaw"}, {"ima-adpcm", "ima-adpcm"}, {"adpcm", "ima-adpcm"},
      {"log2", "log2"},           {"logsqrt2", "logsqrt2"},   {"log", "log"},            {"pot", "pot"},
      {"apot", "apot"},           {"lloyd", "lloyd"},         {"lloydmax", "lloyd"},     {"lut", "lut"},
      {"delta", "delta"},         {"dm", "dm"},               {"dpcm", "dpcm"},
  };
  for (size_t i = 0; i < sizeof fam / sizeof fam[0]; i++) {
    lq_scheme* s = parse(fam[i][0]);
    assert_string_equal(lq_scheme_family(s), fam[i][1]);
    int pcm = strncmp(fam[i][1], "g711-", 5) == 0 || strcmp(fam[i][1], "ima-adpcm") == 0;
    assert_int_equal(lq_scheme_is_pcm16(s), pcm);
    lq_scheme_destroy(s);
  }
  assert_int_equal(lq_scheme_is_pcm16(NULL), 0);
}

static void test_parse_errors(void** state) {
  (void)state;
  static const char* const bad[] = {
      "g711-ulaw:variant=foo", "g711-alaw:variant=sun", "ima-adpcm:bits=4", "adpcm:variant=sun",
      "ulaw:variant=sun",      "ulaw:mu=0",             "alaw:a=0.5",       "ulaw:bits=1",
      "alaw:mu=5",             "mulaw_compand:a=5",     "log2:bits=9",      "log:base=3",
      "log2:fsr=101",          "log2:base=2",           "logsqrt2:base=sqrt2", "pot:bits=1",
      "pot:bits=9",            "pot:emax=100",          "pot:emax=-102",    "pot:fsr=1",
      "apot:bits=4",           "apot:bits=9",           "apot:alpha=0",     "lloyd:levels=1",
      "lloyd:levels=257",      "lloyd:k=2",             "lloydmax:k=2",     "delta:bits=1",
      "delta:step=-1",         "delta:step=1e-50",      "dm:step=0",        "dm:adaptive=2",
      "dm:run=1",              "dm:run=17",             "dm:growth=1",      "dm:bits=2",
      "dpcm:order=0",          "dpcm:order=33",         "dpcm:bits=17",     "g711-ulaw:variant=sun:variant=g191",
      "g711_ulaw",             "G711-ulaw",             "ima_adpcm",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    lq_scheme* s = (lq_scheme*)1;
    lq_clear_error();
    if (lq_scheme_parse(bad[i], &s) != LQ_ERR_INVALID_ARG) fail_msg("%s parsed", bad[i]);
    assert_true(lq_last_error()[0] != '\0');
    assert_null(s);
  }
}

int main(void) {
  lq_test_skip_if_env_isa_missing();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_g711_adpcm_values), cmocka_unit_test(test_g711_all_samples),
      cmocka_unit_test(test_companders),        cmocka_unit_test(test_log_apot),
      cmocka_unit_test(test_lut_lloyd),         cmocka_unit_test(test_delta_dpcm),
      cmocka_unit_test(test_pot),               cmocka_unit_test(test_dm),
      cmocka_unit_test(test_names),             cmocka_unit_test(test_parse_errors),
  };
  return cmocka_run_group_tests_name("scheme_audio", tests, NULL, NULL);
}
