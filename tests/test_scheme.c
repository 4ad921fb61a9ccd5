/* Scheme strings: every key, every error, the registry, and roundtrips
 * against PyTorch 1.13 golden files (tests/vectors/gen_npy.py). */
#include "lq_test.h"

#define NPY_DIR LQ_TEST_VECTORS_DIR "/npy/"

static void expect_ok(const char* spec) {
  lq_scheme* s = NULL;
  lq_status st = lq_scheme_parse(spec, &s);
  if (st != LQ_OK) fail_msg("'%s' rejected: %s", spec, lq_last_error());
  assert_string_equal(lq_scheme_spec(s), spec);
  lq_scheme_destroy(s);
}

static void expect_err(const char* spec, const char* msg) {
  lq_scheme* s = (lq_scheme*)1;
  lq_status st = lq_scheme_parse(spec, &s);
  if (st != LQ_ERR_INVALID_ARG || s != NULL || !strstr(lq_last_error(), msg))
    fail_msg("'%s': got %s '%s', want LQ_ERR_INVALID_ARG '%s'", spec, lq_status_string(st), lq_last_error(), msg);
}

static void test_parse_every_key(void** state) {
  (void)state;
  const char* ok[] = {
      "int", "int8", "uint8", "int4", "int2", "binary", "midtread", "midrise", "deadzone",
      "int:bits=1", "int:bits=16", "int:signed=0", "int:signed=1", "int:sym=1", "int:sym=0", "int:narrow=1",
      "int:gran=tensor", "int:gran=channel", "int:gran=group:group=128", "int:gran=row", "int:gran=column",
      "int:gran=channel:axis=-1", "int:axis=7", "int:axis=-8",
      "int:round=half_even", "int:round=half_up", "int:round=half_away", "int:round=away", "int:round=floor",
      "int:round=ceil", "int:round=trunc", "int:round=stochastic:seed=18446744073709551615", "int:seed=0x10",
      "int:symscale=qmax:sym=1", "int:symscale=torch", "int:scale=0.5", "int:scale=1e-3:zp=-3", "int:sym=1:scale=2",
      "int:obs=minmax", "int4:gran=group:group=32:axis=1:sym=1:narrow=1",
      "midtread:bits=2", "midtread:step=0.25:round=half_up", "midrise:bits=1:fit=absmax", "midrise:fit=meanabs",
      "midrise:round=stochastic:seed=3", "deadzone:bits=16:f=0.333:r=0", "deadzone:step=1e-2:f=0.5:r=0.375",
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) expect_ok(ok[i]);
}

static void test_parse_every_error(void** state) {
  (void)state;
  expect_err("", "empty");
  expect_err("nosuch", "unknown scheme 'nosuch'");
  expect_err("Int", "bad scheme name");
  expect_err(":bits=4", "missing scheme name");
  expect_err("int:", "trailing ':'");
  expect_err("int:bits=4:", "trailing ':'");
  expect_err("int::bits=4", "empty KEY=VALUE");
  expect_err("int:bits", "not KEY=VALUE");
  expect_err("int:=4", "empty key");
  expect_err("int:bits=", "has no value");
  expect_err("int:Bits=4", "bad key");
  expect_err("int:bits=4:bits=5", "duplicate key 'bits'");
  expect_err("int8:bits=4", "fixed by the alias 'int8'");
  expect_err("binary:bits=2", "fixed by the alias 'binary'");
  expect_err("int:foo=1", "unknown key 'foo'");
  expect_err("int8,int4", "not allowed");
  expect_err("int: bits=4", "not allowed");
  expect_err("int:bits=0", "bits=0 is not an integer in [1, 16]");
  expect_err("int:bits=17", "bits=17");
  expect_err("int:bits=4x", "bits=4x");
  expect_err("int:bits=99999999999999999999", "bits=");
  expect_err("int:signed=2", "signed=2");
  expect_err("int:sym=yes", "sym=yes");
  expect_err("int:narrow=-1", "narrow=-1");
  expect_err("int:narrow=1:bits=1", "narrow=1 needs bits >= 2");
  expect_err("int:gran=block", "gran=block is not one of tensor|channel|group|row|column");
  expect_err("int:gran=group", "gran=group needs group=N");
  expect_err("int:group=64", "group=64 needs gran=group");
  expect_err("int:gran=group:group=0", "group=0");
  expect_err("int:axis=8", "axis=8");
  expect_err("int:axis=-9", "axis=-9");
  expect_err("int:round=nearest", "round=nearest is not one of half_even|");
  expect_err("int:seed=-1", "seed=-1");
  expect_err("int:seed=abc", "seed=abc");
  expect_err("int:symscale=max", "symscale=max");
  expect_err("int:scale=0", "scale=0");
  expect_err("int:scale=-1", "scale=-1");
  expect_err("int:scale=nan", "scale=nan");
  expect_err("int:scale=inf", "scale=inf");
  expect_err("int:scale=1e-50", "too small");
  expect_err("int:zp=3", "zp=3 needs scale");
  expect_err("int:scale=1:zp=200", "zp=200 is outside [-128, 127]");
  expect_err("uint8:scale=1:zp=-1", "zp=-1 is outside [0, 255]");
  expect_err("int:sym=1:scale=1:zp=0", "zp cannot be set with sym=1");
  expect_err("int:obs=histogram", "obs=histogram is not one of minmax");
  expect_err("midtread:bits=1", "bits=1");
  expect_err("midrise:bits=0", "bits=0");
  expect_err("midtread:step=0", "step=0");
  expect_err("midtread:fit=meanabs", "unknown key 'fit'");
  expect_err("midrise:step=1:fit=meanabs", "exclude each other");
  expect_err("deadzone:f=1", "f=1");
  expect_err("deadzone:r=-0.1", "r=-0.1");
  expect_err("deadzone:round=floor", "unknown key 'round'");
  char longspec[1200] = "int";
  for (int i = 0; i < 150; i++) strcat(longspec, ":bits=4");
  expect_err(longspec, "longer than");
  char many[600] = "int";
  for (int i = 0; i < 33; i++) sprintf(many + strlen(many), ":k%d=1", i);
  expect_err(many, "more than 32 keys");
  lq_scheme* s;
  assert_int_equal(lq_scheme_parse(NULL, &s), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_scheme_parse("int8", NULL), LQ_ERR_INVALID_ARG);
  lq_scheme_destroy(NULL);
}

static void test_registry(void** state) {
  (void)state;
  size_t n = lq_scheme_count();
  assert_true(n >= 9);
  int seen_int = 0, seen_binary = 0;
  for (size_t i = 0; i < n; i++) {
    const char *name, *module, *summary;
    assert_int_equal(lq_scheme_info(i, &name, &module, &summary), LQ_OK);
    assert_true(strlen(name) > 0 && strlen(module) > 0 && strlen(summary) > 10);
    lq_scheme* s;
    assert_int_equal(lq_scheme_parse(name, &s), LQ_OK); /* every listed name parses alone */
    lq_scheme_destroy(s);
    seen_int |= strcmp(name, "int") == 0;
    seen_binary |= strcmp(name, "binary") == 0;
  }
  assert_true(seen_int && seen_binary);
  assert_int_equal(lq_scheme_info(n, NULL, NULL, NULL), LQ_ERR_INVALID_ARG);
  lq_scheme* s;
  assert_int_equal(lq_scheme_parse("int4:gran=channel", &s), LQ_OK);
  assert_string_equal(lq_scheme_family(s), "int");
  lq_scheme_destroy(s);
}

static lq_npy_array load(const char* name) {
  char path[512];
  snprintf(path, sizeof path, NPY_DIR "%s", name);
  lq_npy_array a;
  assert_int_equal(lq_npy_read_file(path, &a), LQ_OK);
  return a;
}

/* Codes and dequantized values bit-exact with torch 1.13 (MinMaxObserver /
 * PerChannelMinMaxObserver + quantize_per_tensor/per_channel). */
static void test_roundtrip_matches_torch(void** state) {
  (void)state;
  struct {
    const char* spec;
    const char* golden;
  } cases[] = {{"int8", "pt_s8_affine"},
               {"uint8", "pt_u8_affine"},
               {"int8:sym=1", "pt_s8_sym"},
               {"int:sym=1:gran=channel:axis=0", "pc0_s8_sym"},
               {"uint8:gran=channel:axis=1", "pc1_u8_affine"},
               {"int8:gran=column", "pc1_s8_affine"}};
  lq_npy_array x = load("cli_x.npy");
  lq_shape shape = {2, {x.dims[0], x.dims[1]}};
  float y[96];
  int32_t codes[96];
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    char name[128];
    snprintf(name, sizeof name, "cli_%s_codes.npy", cases[k].golden);
    lq_npy_array c = load(name);
    snprintf(name, sizeof name, "cli_%s_deq.npy", cases[k].golden);
    lq_npy_array d = load(name);
    lq_scheme* s;
    assert_int_equal(lq_scheme_parse(cases[k].spec, &s), LQ_OK);
    assert_int_equal(lq_scheme_roundtrip(s, &shape, x.data, y, codes), LQ_OK);
    float cf[96];
    assert_int_equal(lq_npy_to_f32(&c, cf, 96), LQ_OK);
    for (int i = 0; i < 96; i++) {
      if ((float)codes[i] != cf[i]) fail_msg("%s: code %d = %d, torch %g", cases[k].spec, i, codes[i], cf[i]);
    }
    assert_memory_equal(y, d.data, sizeof y);
    /* without codes: the same values (fake-quant path) */
    float y2[96];
    assert_int_equal(lq_scheme_roundtrip(s, &shape, x.data, y2, NULL), LQ_OK);
    assert_memory_equal(y2, d.data, sizeof y2);
    lq_scheme_destroy(s);
    lq_npy_free(&c);
    lq_npy_free(&d);
  }
  lq_npy_free(&x);
}

static void test_params_and_bits(void** state) {
  (void)state;
  float x[8] = {-1.0f, 2.0f, 0.5f, 0.25f, 0, 0, 1, -0.5f};
  lq_shape shape = {2, {2, 4}};
  lq_scheme* s;
  assert_int_equal(lq_scheme_parse("uint8", &s), LQ_OK);
  size_t len;
  assert_int_equal(lq_scheme_params_json(s, NULL, 0, &len), LQ_ERR_STATE);
  float y[8];
  assert_int_equal(lq_scheme_roundtrip(s, &shape, x, y, NULL), LQ_OK);
  assert_int_equal(lq_scheme_params_json(s, NULL, 0, &len), LQ_OK);
  char buf[1024];
  assert_int_equal(lq_scheme_params_json(s, buf, len, &len), LQ_ERR_BUFFER_TOO_SMALL);
  assert_int_equal(lq_scheme_params_json(s, buf, sizeof buf, &len), LQ_OK);
  assert_int_equal(strlen(buf), len);
  /* reference A.2: [-1, 2] quint8 affine -> (3/255, 85) */
  assert_non_null(strstr(buf, "\"scale\": [0.0117647061], \"zero_point\": [85]"));
  assert_non_null(strstr(buf, "\"qmin\": 0, \"qmax\": 255"));
  assert_non_null(strstr(buf, "\"bits\": 8"));
  double bpe;
  assert_int_equal(lq_scheme_bits_per_element(s, &shape, &bpe), LQ_OK);
  assert_true(bpe == 8.0 + 40.0 / 8.0);
  int32_t qmin, qmax;
  assert_int_equal(lq_scheme_code_range(s, &qmin, &qmax), LQ_OK);
  assert_int_equal(qmin, 0);
  assert_int_equal(qmax, 255);
  lq_scheme_destroy(s);

  struct {
    const char* spec;
    double bpe;
  } b[] = {{"int4:gran=group:group=2:axis=1", 4.0 + 36.0 / 2.0},
           {"int4:sym=1:gran=channel", 4.0 + 32.0 * 2 / 8.0},
           {"int:scale=0.1", 8.0},
           {"int:gran=row:sym=1", 8.0 + 32.0 * 2 / 8.0},
           {"midtread:bits=3", 3.0 + 32.0 / 8.0},
           {"binary", 1.0 + 32.0 / 8.0},
           {"deadzone:step=0.5", 8.0}};
  for (size_t k = 0; k < sizeof b / sizeof b[0]; k++) {
    assert_int_equal(lq_scheme_parse(b[k].spec, &s), LQ_OK);
    assert_int_equal(lq_scheme_bits_per_element(s, &shape, &bpe), LQ_OK);
    if (bpe != b[k].bpe) fail_msg("%s: bits/element %g, want %g", b[k].spec, bpe, b[k].bpe);
    lq_scheme_destroy(s);
  }
  /* group params: 2 rows x 2 groups, tail-free */
  assert_int_equal(lq_scheme_parse("int:sym=1:gran=group:group=3:axis=1", &s), LQ_OK);
  assert_int_equal(lq_scheme_roundtrip(s, &shape, x, y, NULL), LQ_OK);
  assert_int_equal(lq_scheme_params_json(s, buf, sizeof buf, &len), LQ_OK);
  /* groups {-1,2,0.5} {0.25} {0,0,1} {-0.5}: tail groups get their own scale; amax/127.5 */
  assert_non_null(strstr(buf, "\"group\": 3"));
  assert_non_null(strstr(buf, "\"scale\": [0.0156862754, 0.00196078443, 0.00784313772, 0.00392156886]"));
  lq_scheme_destroy(s);
}

static void test_values_and_errors(void** state) {
  (void)state;
  lq_scheme* s;
  lq_shape shape = {1, {6}};
  float x[6] = {-1.0f, -0.3f, 0.0f, 0.2f, 0.7f, 1.0f}, y[6];
  int32_t c[6];
  /* fixed scale 0.5: torch.fake_quantize_per_tensor_affine semantics, half_even */
  assert_int_equal(lq_scheme_parse("int:scale=0.5", &s), LQ_OK);
  assert_int_equal(lq_scheme_roundtrip(s, &shape, x, y, c), LQ_OK);
  const int32_t want_c[6] = {-2, -1, 0, 0, 1, 2};
  assert_memory_equal(c, want_c, sizeof want_c);
  assert_true(y[1] == -0.5f && y[4] == 0.5f);
  /* in place */
  float z[6];
  memcpy(z, x, sizeof z);
  assert_int_equal(lq_scheme_roundtrip(s, &shape, z, z, NULL), LQ_OK);
  assert_memory_equal(z, y, sizeof z);
  lq_scheme_destroy(s);
  /* rounding modes on a tie: 0.25 / 0.5 = 0.5 */
  struct {
    const char* spec;
    int32_t code;
  } r[] = {{"int:scale=0.5:round=half_even", 0}, {"int:scale=0.5:round=half_up", 1},
           {"int:scale=0.5:round=half_away", 1}, {"int:scale=0.5:round=floor", 0},
           {"int:scale=0.5:round=ceil", 1},      {"int:scale=0.5:round=trunc", 0},
           {"int:scale=0.5:round=away", 1}};
  float tie = 0.25f, ty;
  lq_shape one = {0, {0}};
  for (size_t k = 0; k < sizeof r / sizeof r[0]; k++) {
    int32_t code;
    assert_int_equal(lq_scheme_parse(r[k].spec, &s), LQ_OK);
    assert_int_equal(lq_scheme_roundtrip(s, &one, &tie, &ty, &code), LQ_OK);
    if (code != r[k].code) fail_msg("%s: code %d, want %d", r[k].spec, code, r[k].code);
    lq_scheme_destroy(s);
  }
  /* stochastic rounding: reproducible from the seed, unbiased on average */
  enum { N = 20000 };
  float* sx = malloc(N * sizeof *sx);
  float* sy = malloc(N * sizeof *sy);
  float* sy2 = malloc(N * sizeof *sy2);
  for (int i = 0; i < N; i++) sx[i] = 0.3f;
  lq_shape sn = {1, {N}};
  assert_int_equal(lq_scheme_parse("int:scale=1:round=stochastic:seed=9", &s), LQ_OK);
  assert_int_equal(lq_scheme_roundtrip(s, &sn, sx, sy, NULL), LQ_OK);
  assert_int_equal(lq_scheme_roundtrip(s, &sn, sx, sy2, NULL), LQ_OK);
  assert_memory_equal(sy, sy2, N * sizeof *sy);
  double mean = 0;
  for (int i = 0; i < N; i++) mean += sy[i];
  mean /= N;
  assert_true(fabs(mean - 0.3) < 0.02);
  lq_scheme_destroy(s);
  free(sx);
  free(sy);
  free(sy2);
  /* data-dependent errors */
  float bad[3] = {1.0f, NAN, 2.0f}, by[3];
  lq_shape s3 = {1, {3}};
  assert_int_equal(lq_scheme_parse("int8", &s), LQ_OK);
  assert_int_equal(lq_scheme_roundtrip(s, &s3, bad, by, NULL), LQ_ERR_NUMERIC);
  assert_int_equal(lq_scheme_roundtrip(s, &s3, NULL, by, NULL), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_scheme_roundtrip(s, NULL, bad, by, NULL), LQ_ERR_INVALID_ARG);
  lq_shape neg = {1, {-3}};
  assert_int_equal(lq_scheme_roundtrip(s, &neg, bad, by, NULL), LQ_ERR_INVALID_ARG);
  lq_scheme_destroy(s);
  assert_int_equal(lq_scheme_parse("int:gran=channel:axis=2", &s), LQ_OK);
  assert_int_equal(lq_scheme_roundtrip(s, &shape, x, y, NULL), LQ_ERR_INVALID_ARG);
  assert_non_null(strstr(lq_last_error(), "axis 2"));
  lq_scheme_destroy(s);
  assert_int_equal(lq_scheme_parse("midtread", &s), LQ_OK);
  assert_int_equal(lq_scheme_roundtrip(s, &s3, bad, by, NULL), LQ_ERR_NUMERIC);
  lq_scheme_destroy(s);
}

static void test_encode_decode(void** state) {
  (void)state;
  const char* specs[] = {"int8", "uint8:gran=channel", "int:bits=12", "int4:gran=group:group=5:axis=1",
                         "int2:sym=1", "int:bits=1", "midtread:bits=5", "midrise:bits=3", "deadzone:bits=4",
                         "binary"};
  enum { R = 7, C = 13 };
  float x[R * C], y[R * C], y2[R * C];
  lq_test_fill(x, R * C, 5, 2.0f, 0);
  lq_shape shape = {2, {R, C}};
  unsigned char codes[R * C * 2];
  for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++) {
    lq_scheme* s;
    assert_int_equal(lq_scheme_parse(specs[k], &s), LQ_OK);
    size_t bytes;
    assert_int_equal(lq_scheme_encoded_size(s, &shape, &bytes), LQ_OK);
    assert_true(bytes <= sizeof codes);
    assert_int_equal(lq_scheme_encode(s, &shape, x, codes, bytes), LQ_ERR_STATE);
    assert_int_equal(lq_scheme_roundtrip(s, &shape, x, y, NULL), LQ_OK);
    assert_int_equal(lq_scheme_encode(s, &shape, x, codes, bytes - 1), LQ_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(lq_scheme_encode(s, &shape, x, codes, bytes), LQ_OK);
    assert_int_equal(lq_scheme_decode(s, &shape, codes, bytes, y2), LQ_OK);
    if (memcmp(y, y2, sizeof y) != 0) fail_msg("%s: encode+decode differs from roundtrip", specs[k]);
    lq_shape other = {2, {C, R}};
    assert_int_equal(lq_scheme_decode(s, &other, codes, bytes, y2), LQ_ERR_STATE);
    assert_int_equal(lq_scheme_calibrate(s, &other, x), LQ_OK);
    assert_int_equal(lq_scheme_decode(s, &other, codes, bytes, y2), LQ_OK);
    lq_scheme_destroy(s);
  }
  /* sub-byte packing: 4-bit codes take half a byte each, LSB-first */
  lq_scheme* s;
  assert_int_equal(lq_scheme_parse("int4:scale=1", &s), LQ_OK);
  float v[3] = {1.0f, -2.0f, 7.0f};
  lq_shape s3 = {1, {3}};
  size_t bytes;
  assert_int_equal(lq_scheme_encoded_size(s, &s3, &bytes), LQ_OK);
  assert_int_equal(bytes, 2);
  assert_int_equal(lq_scheme_calibrate(s, &s3, v), LQ_OK);
  assert_int_equal(lq_scheme_encode(s, &s3, v, codes, bytes), LQ_OK);
  assert_int_equal(codes[0], 0xE1); /* 1 | (-2 & 15) << 4 */
  assert_int_equal(codes[1], 0x07);
  lq_scheme_destroy(s);
}

/* The signal-processing families: levels and error bounds. */
static void test_sp_families(void** state) {
  (void)state;
  enum { N = 1000 };
  float x[N], y[N];
  int32_t c[N];
  lq_test_fill(x, N, 11, 3.0f, 0);
  lq_shape shape = {1, {N}};
  float amax = 0;
  for (int i = 0; i < N; i++) amax = fmaxf(amax, fabsf(x[i]));
  lq_scheme* s;
  /* midtread: levels q*step, |err| <= step/2, step = amax / (2^(b-1) - 1) */
  assert_int_equal(lq_scheme_parse("midtread:bits=4", &s), LQ_OK);
  assert_int_equal(lq_scheme_roundtrip(s, &shape, x, y, c), LQ_OK);
  float step = amax / 7.0f;
  for (int i = 0; i < N; i++) {
    assert_true(c[i] >= -7 && c[i] <= 7);
    assert_true(fabsf(x[i] - y[i]) <= step / 2 * 1.0001f);
  }
  lq_scheme_destroy(s);
  /* midrise: never 0, levels (k + 1/2) step */
  assert_int_equal(lq_scheme_parse("midrise:bits=2:step=1", &s), LQ_OK);
  float mx[5] = {-5.0f, -0.2f, 0.0f, 0.3f, 1.7f}, my[5];
  int32_t mc[5];
  lq_shape s5 = {1, {5}};
  assert_int_equal(lq_scheme_roundtrip(s, &s5, mx, my, mc), LQ_OK);
  const float want[5] = {-1.5f, -0.5f, 0.5f, 0.5f, 1.5f};
  assert_memory_equal(my, want, sizeof want);
  lq_scheme_destroy(s);
  /* binary: +-mean|x| (XNOR-Net) */
  assert_int_equal(lq_scheme_parse("binary", &s), LQ_OK);
  assert_int_equal(lq_scheme_roundtrip(s, &shape, x, y, c), LQ_OK);
  double m = 0;
  for (int i = 0; i < N; i++) m += fabs(x[i]);
  m /= N;
  for (int i = 0; i < N; i++) {
    assert_true(c[i] == 0 || c[i] == 1);
    assert_true(fabs(fabs(y[i]) - m) < 1e-5 * m);
    assert_true((y[i] > 0) == (x[i] >= 0));
  }
  lq_scheme_destroy(s);
  /* deadzone f=0 (JPEG 2000): |x| < step -> 0, else (|q| + r) step */
  assert_int_equal(lq_scheme_parse("deadzone:bits=4:step=1:f=0:r=0.5", &s), LQ_OK);
  float dx[5] = {-0.99f, 0.99f, 1.0f, -2.5f, 100.0f}, dy[5];
  int32_t dc[5];
  assert_int_equal(lq_scheme_roundtrip(s, &s5, dx, dy, dc), LQ_OK);
  const int32_t wantc[5] = {0, 0, 1, -2, 7};
  const float wanty[5] = {0.0f, 0.0f, 1.5f, -2.5f, 7.5f};
  assert_memory_equal(dc, wantc, sizeof wantc);
  assert_memory_equal(dy, wanty, sizeof wanty);
  lq_scheme_destroy(s);
}

int main(void) {
  lq_test_skip_if_env_isa_missing();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_every_key),   cmocka_unit_test(test_parse_every_error),
      cmocka_unit_test(test_registry),          cmocka_unit_test(test_roundtrip_matches_torch),
      cmocka_unit_test(test_params_and_bits),   cmocka_unit_test(test_values_and_errors),
      cmocka_unit_test(test_encode_decode),     cmocka_unit_test(test_sp_families),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
