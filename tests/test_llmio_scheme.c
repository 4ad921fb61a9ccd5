/* Scheme families of the llm formats (src/scheme/scheme_llm.c): roundtrip
 * values equal the llm module's API outputs bit for bit, hand-checked
 * numbers, exact bits per element, encode/decode equal to roundtrip, and
 * every bad spec / shape / value. */
#include "lq_test.h"

static lq_scheme* parse_ok(const char* spec) {
  lq_scheme* s = NULL;
  lq_status st = lq_scheme_parse(spec, &s);
  if (st != LQ_OK) fail_msg("parse %s: %s", spec, lq_last_error());
  return s;
}

static void parse_bad(const char* spec, const char* msg) {
  lq_scheme* s = (lq_scheme*)1;
  assert_int_equal(lq_scheme_parse(spec, &s), LQ_ERR_INVALID_ARG);
  assert_null(s);
  if (!strstr(lq_last_error(), msg)) fail_msg("%s: error '%s' lacks '%s'", spec, lq_last_error(), msg);
}

static float* weights(size_t n, uint64_t seed) {
  float* x = malloc(n * sizeof *x);
  assert_non_null(x);
  for (size_t i = 0; i < n; i++) x[i] = lq_test_uniform(seed, i, -0.05f, 0.05f);
  x[n / 3] = 0.4f; /* an outlier */
  return x;
}

static double bpe_of(const char* spec, lq_shape shape) {
  lq_scheme* s = parse_ok(spec);
  double b = -1;
  assert_int_equal(lq_scheme_bits_per_element(s, &shape, &b), LQ_OK);
  lq_scheme_destroy(s);
  return b;
}

static void roundtrip(const char* spec, lq_shape shape, const float* x, float* y, int32_t* codes) {
  lq_scheme* s = parse_ok(spec);
  lq_status st = lq_scheme_roundtrip(s, &shape, x, y, codes);
  if (st != LQ_OK) fail_msg("roundtrip %s: %s", spec, lq_last_error());
  lq_scheme_destroy(s);
}

/* ---------------------------------------------------------------- ggml -- */

static void test_ggml_matches_api(void** state) {
  (void)state;
  static const struct {
    const char* name;
    lq_ggml_type type;
    double bpe;
  } t[] = {{"q4_0", LQ_GGML_Q4_0, 4.5},  {"q4_1", LQ_GGML_Q4_1, 5.0},    {"q5_0", LQ_GGML_Q5_0, 5.5},
           {"q5_1", LQ_GGML_Q5_1, 6.0},  {"q8_0", LQ_GGML_Q8_0, 8.5},    {"q2_k", LQ_GGML_Q2_K, 2.625},
           {"q3_k", LQ_GGML_Q3_K, 3.4375}, {"q4_k", LQ_GGML_Q4_K, 4.5},  {"q5_k", LQ_GGML_Q5_K, 5.5},
           {"q6_k", LQ_GGML_Q6_K, 6.5625}, {"iq4_nl", LQ_GGML_IQ4_NL, 4.5}};
  const size_t rows = 3, cols = 512, n = rows * cols;
  float* x = weights(n, 11);
  float* y = malloc(n * sizeof *y);
  float* yref = malloc(n * sizeof *yref);
  uint8_t* blocks = malloc(n * 2);
  uint8_t* enc = malloc(n * 2);
  lq_shape shape = {2, {(int64_t)rows, (int64_t)cols}};
  for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
    assert_int_equal(lq_ggml_quantize(t[k].type, x, n, blocks), LQ_OK);
    assert_int_equal(lq_ggml_dequantize(t[k].type, blocks, n, yref), LQ_OK);
    roundtrip(t[k].name, shape, x, y, NULL);
    LQ_ASSERT_BITS_EQUAL(y, yref, n * sizeof *y, t[k].name);
    assert_true(bpe_of(t[k].name, shape) == t[k].bpe);
    /* encode writes ggml's blocks, decode reads them */
    lq_scheme* s = parse_ok(t[k].name);
    size_t bytes;
    assert_int_equal(lq_scheme_calibrate(s, &shape, x), LQ_OK);
    assert_int_equal(lq_scheme_encoded_size(s, &shape, &bytes), LQ_OK);
    lq_ggml_traits tr;
    assert_int_equal(lq_ggml_type_traits(t[k].type, &tr), LQ_OK);
    assert_int_equal(bytes, n / tr.block_size * tr.block_bytes);
    assert_int_equal(lq_scheme_encode(s, &shape, x, enc, bytes), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(enc, blocks, bytes, t[k].name);
    memset(y, 0, n * sizeof *y);
    assert_int_equal(lq_scheme_decode(s, &shape, enc, bytes, y), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(y, yref, n * sizeof *y, t[k].name);
    /* block formats have no per-element codes */
    int32_t lo, hi;
    assert_int_equal(lq_scheme_code_range(s, &lo, &hi), LQ_ERR_UNSUPPORTED);
    int32_t* codes = malloc(n * sizeof *codes);
    assert_int_equal(lq_scheme_roundtrip(s, &shape, x, y, codes), LQ_ERR_UNSUPPORTED);
    free(codes);
    lq_scheme_destroy(s);
  }
  free(x);
  free(y);
  free(yref);
  free(blocks);
  free(enc);
}

/* Q4_0 by hand: x = j - 16 over one block; max = -16 (first largest |x|), d =
 * -16 / -8 = 2, q = min(15, trunc((j-16)/2 + 8.5)) = min(15, trunc(j/2 + 0.5)),
 * y = (q - 8) * 2. */
static void test_q4_0_by_hand(void** state) {
  (void)state;
  float x[32], y[32];
  for (int j = 0; j < 32; j++) x[j] = (float)(j - 16);
  roundtrip("q4_0", (lq_shape){1, {32}}, x, y, NULL);
  assert_true(y[0] == -16.0f);  /* q 0 */
  assert_true(y[1] == -14.0f);  /* -15: 0.5 + 0.5 = 1.0 -> q 1 (half rounds up after the +8.5 offset) */
  assert_true(y[16] == 0.0f);   /* q 8 */
  assert_true(y[17] == 2.0f);   /* 1: 9.0 -> q 9 */
  assert_true(y[31] == 14.0f);  /* 15: trunc(16.0) = 16 -> clamped to 15 */
  /* Q8_0: d = 16/127, q = roundf(x * 127/16) */
  roundtrip("q8_0", (lq_shape){1, {32}}, x, y, NULL);
  assert_true(fabsf(y[0] + 16.0f) < 0.01f);
}

static void test_ggml_bad_rows(void** state) {
  (void)state;
  float x[300] = {0}, y[300];
  lq_scheme* s = parse_ok("q4_0");
  lq_shape bad = {2, {3, 100}};
  assert_int_equal(lq_scheme_roundtrip(s, &bad, x, y, NULL), LQ_ERR_INVALID_ARG);
  assert_non_null(strstr(lq_last_error(), "row length 100 is not a multiple of the block size 32"));
  lq_shape badcal = {1, {33}};
  assert_int_equal(lq_scheme_calibrate(s, &badcal, x), LQ_ERR_INVALID_ARG);
  size_t b;
  assert_int_equal(lq_scheme_encoded_size(s, &badcal, &b), LQ_ERR_INVALID_ARG);
  lq_scheme_destroy(s);
  s = parse_ok("q4_k");
  lq_shape k = {2, {2, 128}};
  assert_int_equal(lq_scheme_roundtrip(s, &k, x, y, NULL), LQ_ERR_INVALID_ARG);
  assert_non_null(strstr(lq_last_error(), "multiple of the block size 256"));
  /* NaN: numeric error from the ggml quantizer */
  float z[256] = {0};
  z[7] = NAN;
  float w[256];
  lq_shape one = {1, {256}};
  assert_int_equal(lq_scheme_roundtrip(s, &one, z, w, NULL), LQ_ERR_NUMERIC);
  lq_scheme_destroy(s);
  parse_bad("q4_0:block=32", "unknown key 'block'");
}

/* ------------------------------------------------------------ NF4 / FP4 -- */

static void test_bnb4_matches_api(void** state) {
  (void)state;
  const size_t n = 1000; /* 15 full blocks of 64 and a short tail */
  float* x = weights(n, 22);
  float y[1000], yref[1000], absmax[32], absmax2[32], nested[1];
  int32_t codes[1000];
  uint8_t packed[500], qabs[32];
  lq_shape shape = {2, {10, 100}};
  for (int t = 0; t < 2; t++) {
    const lq_bnb4_type type = t ? LQ_BNB4_FP4 : LQ_BNB4_NF4;
    const char* name = t ? "fp4" : "nf4";
    assert_int_equal(lq_bnb4_quantize(type, x, n, 64, packed, absmax), LQ_OK);
    assert_int_equal(lq_bnb4_dequantize(type, packed, absmax, n, 64, yref), LQ_OK);
    roundtrip(name, shape, x, y, codes);
    LQ_ASSERT_BITS_EQUAL(y, yref, sizeof y, name);
    for (size_t i = 0; i < n; i++) assert_int_equal(codes[i], i % 2 ? packed[i / 2] & 15 : packed[i / 2] >> 4);
    /* double quantization: the absmax goes through lq_bnb_double_quant */
    float off;
    assert_int_equal(lq_bnb_double_quant(absmax, 16, NULL, qabs, nested, &off), LQ_OK);
    assert_int_equal(lq_bnb_double_dequant(qabs, nested, 16, off, NULL, absmax2), LQ_OK);
    assert_int_equal(lq_bnb4_dequantize(type, packed, absmax2, n, 64, yref), LQ_OK);
    char spec[32];
    snprintf(spec, sizeof spec, "%s:dq=1", name);
    roundtrip(spec, shape, x, y, NULL);
    LQ_ASSERT_BITS_EQUAL(y, yref, sizeof y, spec);
    /* block=128 */
    assert_int_equal(lq_bnb4_quantize(type, x, n, 128, packed, absmax), LQ_OK);
    assert_int_equal(lq_bnb4_dequantize(type, packed, absmax, n, 128, yref), LQ_OK);
    snprintf(spec, sizeof spec, "%s:block=128", name);
    roundtrip(spec, shape, x, y, NULL);
    LQ_ASSERT_BITS_EQUAL(y, yref, sizeof y, spec);
  }
  free(x);
}

/* NF4 by hand: a block with absmax 2: 2 -> code 15 -> 2; 1 -> scaled 0.5,
 * below the midpoint 0.5016634 of codes 12/13 -> code 12 -> 2 *
 * 0.44070982933044434; -2 -> code 0 -> -2; 0 -> code 7 -> 0. */
static void test_nf4_by_hand(void** state) {
  (void)state;
  float x[64] = {0}, y[64];
  int32_t c[64];
  x[0] = 2.0f;
  x[1] = 1.0f;
  x[2] = -2.0f;
  roundtrip("nf4", (lq_shape){1, {64}}, x, y, c);
  assert_int_equal(c[0], 15);
  assert_int_equal(c[1], 12);
  assert_int_equal(c[2], 0);
  assert_int_equal(c[3], 7);
  assert_true(y[0] == 2.0f);
  assert_true(y[1] == 0.44070982933044434f * 2.0f);
  assert_true(y[2] == -2.0f);
  assert_true(y[3] == 0.0f);
}

static void test_bnb4_bits(void** state) {
  (void)state;
  /* 4 bits + a float32 absmax per 64: exactly 4.5 */
  assert_true(bpe_of("nf4", (lq_shape){2, {256, 1024}}) == 4.5);
  assert_true(bpe_of("fp4:block=128", (lq_shape){1, {4096}}) == 4.25);
  /* dq: 8-bit absmax per 64, float32 per 256 absmaxes, float32 offset:
   * n = 2^20: (4 n + 8 n/64 + 32 n/16384 + 32) / n */
  double want = 4.0 + 8.0 / 64 + 32.0 / (64 * 256) + 32.0 / 1048576.0;
  double got = bpe_of("nf4:dq=1", (lq_shape){2, {1024, 1024}});
  assert_true(got == want);
  assert_true(fabs(got - 4.127) < 1e-4); /* QLoRA's 4.127 */
  /* odd count and a short tail block: 3 elements = 2 bytes + one absmax */
  assert_true(bpe_of("nf4", (lq_shape){1, {3}}) == (16.0 + 32.0) / 3.0);
}

static void test_bnb4_bad(void** state) {
  (void)state;
  parse_bad("nf4:block=48", "block=48 is not a power of two");
  parse_bad("nf4:block=16", "block=16 is not an integer in [32, 4096]");
  parse_bad("nf4:block=8192", "block=8192");
  parse_bad("nf4:dq=2", "dq=2");
  parse_bad("fp4:bits=4", "unknown key 'bits'");
  float x[64] = {0}, y[64];
  x[5] = INFINITY;
  lq_scheme* s = parse_ok("nf4");
  lq_shape sh = {1, {64}};
  assert_int_equal(lq_scheme_roundtrip(s, &sh, x, y, NULL), LQ_ERR_NUMERIC);
  lq_scheme_destroy(s);
}

/* ------------------------------------------------------ FP8 and E2M1 -- */

static void test_minifloat(void** state) {
  (void)state;
  float x[4] = {0.3f, 0.2f, -1000.0f, 0.0f}, y[4];
  int32_t c[4];
  lq_shape sh = {1, {4}};
  /* E4M3 (3 mantissa bits): 0.3 = 1.2 * 2^-2 -> 1.25 -> 0.3125; 0.2 = 1.6 * 2^-3 -> 1.625 -> 0.203125;
   * -1000 saturates to -448 */
  roundtrip("fp8:fit=none", sh, x, y, c);
  assert_true(y[0] == 0.3125f && y[1] == 0.203125f && y[2] == -448.0f && y[3] == 0.0f);
  assert_int_equal(c[2], 0xFE);
  for (int i = 0; i < 4; i++) assert_true(lq_minifloat_to_f32(LQ_FP8_E4M3, (uint8_t)c[i]) == y[i]);
  /* non-saturating: overflow is NaN (E4M3) */
  roundtrip("fp8:fit=none:sat=0", sh, x, y, NULL);
  assert_true(isnan(y[2]));
  /* E5M2 (2 mantissa bits): 0.2 -> 1.5 * 2^-3 = 0.1875; sat=0: -1000 stays finite (max 57344) */
  roundtrip("fp8_e5m2:fit=none:sat=0", sh, x, y, NULL);
  assert_true(y[0] == 0.3125f && y[1] == 0.1875f && y[2] == -1024.0f);
  /* the spellings fp8-e4m3 / fp8-e5m2 are the same schemes */
  roundtrip("fp8-e5m2:fit=none:sat=0", sh, x, y, NULL);
  assert_true(y[0] == 0.3125f && y[1] == 0.1875f && y[2] == -1024.0f);
  roundtrip("fp8-e4m3:fit=none", sh, x, y, NULL);
  assert_true(y[0] == 0.3125f && y[1] == 0.203125f && y[2] == -448.0f);
  /* fit=tensor: s = amax / 448, y = s * e4m3(x / s) */
  float w[256], v[256];
  for (int i = 0; i < 256; i++) w[i] = lq_test_uniform(3, (uint64_t)i, -0.1f, 0.1f);
  w[9] = 0.25f;
  roundtrip("fp8", (lq_shape){2, {4, 64}}, w, v, NULL);
  const float s = 0.25f / 448.0f;
  for (int i = 0; i < 256; i++) {
    float want = lq_minifloat_to_f32(LQ_FP8_E4M3, lq_minifloat_from_f32(LQ_FP8_E4M3, 1, w[i] / s)) * s;
    assert_true(v[i] == want);
  }
  assert_true(bpe_of("fp8", (lq_shape){1, {1024}}) == 8.0 + 32.0 / 1024);
  assert_true(bpe_of("fp8:fit=none", (lq_shape){1, {1024}}) == 8.0);
  /* E2M1 {0, .5, 1, 1.5, 2, 3, 4, 6}: 2.6 -> 3, 5 -> 4 (tie to even), 7 -> 6, -0.2 -> -0 */
  float e[4] = {2.6f, 5.0f, 7.0f, -0.2f};
  roundtrip("e2m1:fit=none", sh, e, y, c);
  assert_true(y[0] == 3.0f && y[1] == 4.0f && y[2] == 6.0f && y[3] == 0.0f && signbit(y[3]));
  assert_int_equal(c[3], 8);
  assert_true(bpe_of("e2m1", (lq_shape){1, {64}}) == 4.5);
  /* fit=tensor rejects NaN; bad keys */
  float bad[2] = {1.0f, NAN};
  lq_scheme* sc = parse_ok("fp8");
  lq_shape two = {1, {2}};
  assert_int_equal(lq_scheme_roundtrip(sc, &two, bad, y, NULL), LQ_ERR_NUMERIC);
  lq_scheme_destroy(sc);
  parse_bad("fp8:fmt=e3m4", "fmt=e3m4 is not one of e4m3|e5m2");
  parse_bad("fp8:sat=2", "sat=2");
  parse_bad("e2m1:sat=0", "unknown key 'sat'");
  parse_bad("fp8_e4m3:fmt=e5m2", "fixed by the alias 'fp8_e4m3'");
  parse_bad("e2m1:fit=row", "fit=row is not one of none|tensor");
}

/* ------------------------------------------------------------------ MX -- */

static void test_mx(void** state) {
  (void)state;
  static const struct {
    const char* spec;
    lq_mx_type t;
    double bpe;
  } m[] = {{"mxfp4", LQ_MXFP4, 4.25},           {"mxfp6", LQ_MXFP6_E2M3, 6.25},
           {"mxfp6:fmt=e3m2", LQ_MXFP6_E3M2, 6.25}, {"mxfp8", LQ_MXFP8_E4M3, 8.25},
           {"mxfp8:fmt=e5m2", LQ_MXFP8_E5M2, 8.25}, {"mxint8", LQ_MXINT8, 8.25}};
  const size_t n = 4 * 96;
  float* x = weights(n, 33);
  float y[4 * 96], yref[4 * 96];
  uint8_t blocks[4 * 96 * 2];
  lq_shape sh = {2, {4, 96}};
  for (size_t k = 0; k < sizeof m / sizeof m[0]; k++) {
    assert_int_equal(lq_mx_quantize(m[k].t, x, n, blocks), LQ_OK);
    assert_int_equal(lq_mx_dequantize(m[k].t, blocks, n, yref), LQ_OK);
    roundtrip(m[k].spec, sh, x, y, NULL);
    LQ_ASSERT_BITS_EQUAL(y, yref, sizeof y, m[k].spec);
    assert_true(bpe_of(m[k].spec, sh) == m[k].bpe);
  }
  /* MXFP4 by hand: amax 6 -> shared exponent floor(log2 6) - 2 = 0, scale 1:
   * 2.6 -> 3, 5 -> 4 (tie to even), 0.3 -> 0.5 (0.25 < 0.3 < 0.75) */
  float b[32] = {6.0f, 2.6f, 5.0f, 0.3f}, yb[32];
  roundtrip("mxfp4", (lq_shape){1, {32}}, b, yb, NULL);
  assert_true(yb[0] == 6.0f && yb[1] == 3.0f && yb[2] == 4.0f && yb[3] == 0.5f);
  lq_scheme* s = parse_ok("mxfp8");
  lq_shape bad = {2, {2, 48}};
  assert_int_equal(lq_scheme_roundtrip(s, &bad, x, y, NULL), LQ_ERR_INVALID_ARG);
  assert_non_null(strstr(lq_last_error(), "row length 48 is not a multiple of the block size 32"));
  lq_scheme_destroy(s);
  parse_bad("mxfp6:fmt=e4m3", "fmt=e4m3 is not one of e2m3|e3m2");
  parse_bad("mxint8:fmt=e4m3", "unknown key 'fmt'");
  free(x);
}

/* ------------------------------------------------------------ GPTQ/AWQ -- */

static void test_wq(void** state) {
  (void)state;
  const size_t rows = 8, cols = 256, n = rows * cols;
  float* x = weights(n, 44);
  float* y = malloc(n * sizeof *y);
  float* yref = malloc(n * sizeof *yref);
  int32_t* codes = malloc(n * sizeof *codes);
  uint8_t* q = malloc(n);
  float scales[256];
  int32_t zeros[256];
  lq_shape sh = {2, {(int64_t)rows, (int64_t)cols}};
  static const struct {
    const char* spec;
    lq_wq_config cfg;
    double bpe;
  } c[] = {
      {"gptq", {4, 128, 0, LQ_WQ_GPTQ}, 4.0 + 36.0 / 128},
      {"gptq:sym=1:bits=3:group=64", {3, 64, 1, LQ_WQ_GPTQ}, 3.0 + 32.0 / 64},
      {"gptq:group=0:bits=8", {8, 0, 0, LQ_WQ_GPTQ}, 8.0 + 40.0 / 256},
      {"gptq:group=-1:bits=2", {2, -1, 0, LQ_WQ_GPTQ}, 2.0 + 34.0 / 8},
      {"awq", {4, 128, 0, LQ_WQ_AWQ}, 4.0 + 36.0 / 128},
      {"awq:bits=3:group=32", {3, 32, 0, LQ_WQ_AWQ}, 3.0 + 35.0 / 32},
  };
  for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
    assert_int_equal(lq_wq_quantize(&c[k].cfg, x, rows, cols, q, scales, zeros), LQ_OK);
    assert_int_equal(lq_wq_dequantize(&c[k].cfg, q, scales, zeros, rows, cols, yref), LQ_OK);
    roundtrip(c[k].spec, sh, x, y, codes);
    LQ_ASSERT_BITS_EQUAL(y, yref, n * sizeof *y, c[k].spec);
    for (size_t i = 0; i < n; i++) assert_int_equal(codes[i], q[i]);
    double b = bpe_of(c[k].spec, sh);
    if (b != c[k].bpe) fail_msg("%s: bpe %.17g, want %.17g", c[k].spec, b, c[k].bpe);
  }
  lq_scheme* s = parse_ok("gptq:group=100");
  assert_int_equal(lq_scheme_roundtrip(s, &sh, x, y, NULL), LQ_ERR_INVALID_ARG);
  assert_non_null(strstr(lq_last_error(), "row length 256 is not a multiple of group=100"));
  lq_scheme_destroy(s);
  parse_bad("gptq:bits=9", "bits=9");
  parse_bad("gptq:bits=1", "bits=1");
  parse_bad("awq:sym=1", "unknown key 'sym'");
  parse_bad("gptq:group=-2", "group=-2");
  free(x);
  free(y);
  free(yref);
  free(codes);
  free(q);
}

/* --------------------------------------------------- encode == roundtrip -- */

static void test_encode_decode_all(void** state) {
  (void)state;
  static const char* const specs[] = {
      "nf4",  "nf4:dq=1", "fp4:block=32:dq=1", "fp8", "fp8:fit=none", "fp8_e5m2", "e2m1", "e2m1:fit=none",
      "mxfp4", "mxfp6",   "mxfp8:fmt=e5m2",    "mxint8", "q4_0",       "q5_1",     "q6_k", "gptq",
      "awq:bits=3:group=64"};
  const size_t rows = 5, cols = 256, n = rows * cols;
  lq_shape sh = {2, {(int64_t)rows, (int64_t)cols}};
  float* x = weights(n, 55);
  x[1] = 0.0f;
  x[2] = -0.0f;
  float* y = malloc(n * sizeof *y);
  float* z = malloc(n * sizeof *z);
  for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++) {
    lq_scheme* s = parse_ok(specs[k]);
    assert_int_equal(lq_scheme_roundtrip(s, &sh, x, y, NULL), LQ_OK);
    size_t bytes;
    assert_int_equal(lq_scheme_encoded_size(s, &sh, &bytes), LQ_OK);
    /* the encoded size agrees with bits per element (bpe counts the same bytes) */
    double bpe;
    assert_int_equal(lq_scheme_bits_per_element(s, &sh, &bpe), LQ_OK);
    if (strncmp(specs[k], "gptq", 4) && strncmp(specs[k], "awq", 3)) /* wq stores codes in whole bytes */
      if (fabs(bpe * (double)n - 8.0 * (double)bytes) > 1e-6)
        fail_msg("%s: %zu bytes but %.6f bits per element", specs[k], bytes, bpe);
    uint8_t* enc = malloc(bytes + 1);
    enc[bytes] = 0xA5;
    assert_int_equal(lq_scheme_encode(s, &sh, x, enc, bytes - 1), LQ_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(lq_scheme_encode(s, &sh, x, enc, bytes), LQ_OK);
    assert_int_equal(enc[bytes], 0xA5);
    memset(z, 0xff, n * sizeof *z);
    assert_int_equal(lq_scheme_decode(s, &sh, enc, bytes, z), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(z, y, n * sizeof *y, specs[k]);
    /* in-place roundtrip gives the same values */
    memcpy(z, x, n * sizeof *z);
    assert_int_equal(lq_scheme_roundtrip(s, &sh, z, z, NULL), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(z, y, n * sizeof *y, specs[k]);
    /* an empty tensor is fine */
    lq_shape empty = {2, {0, 256}};
    assert_int_equal(lq_scheme_roundtrip(s, &empty, NULL, NULL, NULL), LQ_OK);
    char json[512];
    size_t len;
    assert_int_equal(lq_scheme_params_json(s, json, sizeof json, &len), LQ_OK);
    assert_non_null(strstr(json, "\"family\""));
    free(enc);
    lq_scheme_destroy(s);
  }
  free(x);
  free(y);
  free(z);
}

int main(void) {
  lq_test_skip_if_env_isa_missing();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ggml_matches_api), cmocka_unit_test(test_q4_0_by_hand),
      cmocka_unit_test(test_ggml_bad_rows),    cmocka_unit_test(test_bnb4_matches_api),
      cmocka_unit_test(test_nf4_by_hand),      cmocka_unit_test(test_bnb4_bits),
      cmocka_unit_test(test_bnb4_bad),         cmocka_unit_test(test_minifloat),
      cmocka_unit_test(test_mx),               cmocka_unit_test(test_wq),
      cmocka_unit_test(test_encode_decode_all),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
