/* .npy reader/writer: numpy-written fixtures (tests/vectors/gen_npy.py),
 * byte-identical writing, and hostile / truncated / malformed input. */
#include <unistd.h>

#include "lq_test.h"

#define NPY_DIR LQ_TEST_VECTORS_DIR "/npy/"

static unsigned char* slurp(const char* path, size_t* len) {
  FILE* f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char* b = malloc((size_t)n + 1);
  assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return b;
}

static void check_float_ramp(const lq_npy_array* a, size_t n) {
  float* v = malloc(n * sizeof *v + 1);
  assert_int_equal(lq_npy_to_f32(a, v, n), LQ_OK);
  for (size_t i = 0; i < n; i++) assert_true(v[i] == (float)i * 0.5f - 1.0f);
  free(v);
}

static void test_read_float_kinds(void** state) {
  (void)state;
  lq_npy_array a;
  assert_int_equal(lq_npy_read_file(NPY_DIR "f32_2x3.npy", &a), LQ_OK);
  assert_int_equal(a.dtype, LQ_NPY_F32);
  assert_int_equal(a.ndim, 2);
  assert_int_equal(a.dims[0], 2);
  assert_int_equal(a.dims[1], 3);
  assert_int_equal(a.numel, 6);
  assert_int_equal(a.was_fortran_order, 0);
  check_float_ramp(&a, 6);
  lq_npy_free(&a);
  assert_null(a.data);
  assert_int_equal(lq_npy_read_file(NPY_DIR "f64_5.npy", &a), LQ_OK);
  assert_int_equal(a.dtype, LQ_NPY_F64);
  assert_true(((double*)a.data)[4] == 1.0);
  check_float_ramp(&a, 5);
  lq_npy_free(&a);
  assert_int_equal(lq_npy_read_file(NPY_DIR "f16_2x2.npy", &a), LQ_OK);
  assert_int_equal(a.dtype, LQ_NPY_F16);
  assert_int_equal(((uint16_t*)a.data)[0], 0xBC00); /* -1.0 in binary16 */
  check_float_ramp(&a, 4);
  lq_npy_free(&a);
  const char* names[] = {"v2_f32_2x3.npy", "v3_f32_2x3.npy", "be_f32_2x3.npy"};
  for (size_t k = 0; k < 3; k++) {
    char path[512];
    snprintf(path, sizeof path, NPY_DIR "%s", names[k]);
    assert_int_equal(lq_npy_read_file(path, &a), LQ_OK);
    assert_int_equal(a.dtype, LQ_NPY_F32);
    assert_int_equal(a.numel, 6);
    check_float_ramp(&a, 6);
    lq_npy_free(&a);
  }
  assert_int_equal(lq_npy_read_file(NPY_DIR "rank6_f32.npy", &a), LQ_OK);
  assert_int_equal(a.ndim, 6);
  assert_int_equal(a.dims[5], 4);
  check_float_ramp(&a, 64);
  lq_npy_free(&a);
  assert_int_equal(lq_npy_read_file(NPY_DIR "scalar_f32.npy", &a), LQ_OK);
  assert_int_equal(a.ndim, 0);
  assert_int_equal(a.numel, 1);
  assert_true(((float*)a.data)[0] == 2.5f);
  lq_npy_free(&a);
  assert_int_equal(lq_npy_read_file(NPY_DIR "empty_0x3.npy", &a), LQ_OK);
  assert_int_equal(a.numel, 0);
  assert_int_equal(a.dims[1], 3);
  assert_int_equal(lq_npy_to_f32(&a, NULL, 0), LQ_OK);
  lq_npy_free(&a);
}

static void test_read_integer_kinds(void** state) {
  (void)state;
  struct {
    const char* file;
    lq_npy_dtype dt;
    int sign;
  } cases[] = {{"i1_7.npy", LQ_NPY_S8, 1},  {"i2_7.npy", LQ_NPY_S16, 1}, {"i4_7.npy", LQ_NPY_S32, 1},
               {"i8_7.npy", LQ_NPY_S64, 1}, {"u1_7.npy", LQ_NPY_U8, 0},  {"u2_7.npy", LQ_NPY_U16, 0},
               {"u4_7.npy", LQ_NPY_U32, 0}, {"u8_7.npy", LQ_NPY_U64, 0}, {"be_i4_7.npy", LQ_NPY_S32, 1}};
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    char path[512];
    snprintf(path, sizeof path, NPY_DIR "%s", cases[k].file);
    lq_npy_array a;
    assert_int_equal(lq_npy_read_file(path, &a), LQ_OK);
    assert_int_equal(a.dtype, cases[k].dt);
    assert_int_equal(a.numel, 7);
    float v[7];
    assert_int_equal(lq_npy_to_f32(&a, v, 7), LQ_OK);
    for (int i = 0; i < 7; i++) assert_true(v[i] == (float)(cases[k].sign ? i - 3 : i));
    lq_npy_free(&a);
  }
  lq_npy_array a;
  assert_int_equal(lq_npy_read_file(NPY_DIR "b1_4.npy", &a), LQ_OK);
  assert_int_equal(a.dtype, LQ_NPY_BOOL);
  assert_memory_equal(a.data, "\1\0\0\1", 4);
  lq_npy_free(&a);
  assert_string_equal(lq_npy_dtype_name(LQ_NPY_U16), "uint16");
  assert_string_equal(lq_npy_dtype_name((lq_npy_dtype)99), "unknown");
  assert_int_equal(lq_npy_dtype_size(LQ_NPY_S64), 8);
  assert_int_equal(lq_npy_dtype_size((lq_npy_dtype)-1), 0);
}

static void test_fortran_order(void** state) {
  (void)state;
  lq_npy_array a;
  assert_int_equal(lq_npy_read_file(NPY_DIR "fortran_3x4.npy", &a), LQ_OK);
  assert_int_equal(a.was_fortran_order, 1);
  assert_int_equal(a.dims[0], 3);
  check_float_ramp(&a, 12); /* C order after conversion */
  lq_npy_free(&a);
  assert_int_equal(lq_npy_read_file(NPY_DIR "fortran_2x3x4.npy", &a), LQ_OK);
  for (int i = 0; i < 24; i++) assert_int_equal(((int32_t*)a.data)[i], i - 3);
  lq_npy_free(&a);
}

static void test_write_matches_numpy(void** state) {
  (void)state;
  const char* files[] = {"f32_2x3.npy", "f64_5.npy", "i1_7.npy", "u2_7.npy", "scalar_f32.npy", "empty_0x3.npy",
                         "rank6_f32.npy", "b1_4.npy"};
  for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
    char path[512];
    snprintf(path, sizeof path, NPY_DIR "%s", files[k]);
    size_t len;
    unsigned char* want = slurp(path, &len);
    lq_npy_array a;
    assert_int_equal(lq_npy_read_mem(want, len, &a), LQ_OK);
    size_t need;
    assert_int_equal(lq_npy_encode(a.dtype, a.ndim, a.dims, a.data, NULL, 0, &need), LQ_OK);
    assert_int_equal(need, len);
    unsigned char* got = malloc(need);
    assert_int_equal(lq_npy_encode(a.dtype, a.ndim, a.dims, a.data, got, need - 1, &need), LQ_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(lq_npy_encode(a.dtype, a.ndim, a.dims, a.data, got, need, &need), LQ_OK);
    assert_memory_equal(got, want, len); /* byte for byte what numpy 1.24 writes */
    free(got);
    lq_npy_free(&a);
    free(want);
  }
  /* file round trip through the atomic writer */
  char tmpl[] = "/tmp/lq_test_io_XXXXXX";
  int fd = mkstemp(tmpl);
  assert_true(fd >= 0);
  close(fd);
  float v[6] = {1, 2, 3, 4, 5, -6};
  int64_t dims[2] = {3, 2};
  assert_int_equal(lq_npy_write_file(tmpl, LQ_NPY_F32, 2, dims, v), LQ_OK);
  lq_npy_array a;
  assert_int_equal(lq_npy_read_file(tmpl, &a), LQ_OK);
  assert_int_equal(a.dims[0], 3);
  assert_memory_equal(a.data, v, sizeof v);
  lq_npy_free(&a);
  remove(tmpl);
  assert_int_equal(lq_npy_write_file("/nonexistent-dir/x.npy", LQ_NPY_F32, 2, dims, v), LQ_ERR_IO);
  assert_non_null(strstr(lq_last_error(), "/nonexistent-dir/x.npy"));
  assert_int_equal(lq_file_write_atomic(NULL, v, 1), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_file_write_atomic("", v, 1), LQ_ERR_INVALID_ARG);
}

static void test_encode_bad_args(void** state) {
  (void)state;
  size_t len;
  int64_t dims[2] = {2, -1};
  float v[4] = {0};
  assert_int_equal(lq_npy_encode(LQ_NPY_F32, 2, dims, v, NULL, 0, &len), LQ_ERR_INVALID_ARG);
  assert_non_null(strstr(lq_last_error(), "negative"));
  assert_int_equal(lq_npy_encode((lq_npy_dtype)12, 1, dims, v, NULL, 0, &len), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_npy_encode(LQ_NPY_F32, -1, dims, v, NULL, 0, &len), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_npy_encode(LQ_NPY_F32, 65, dims, v, NULL, 0, &len), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_npy_encode(LQ_NPY_F32, 1, dims, v, NULL, 0, NULL), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_npy_encode(LQ_NPY_F32, 1, dims, NULL, NULL, 0, &len), LQ_ERR_INVALID_ARG);
  int64_t big[2] = {INT64_MAX, 4};
  assert_int_equal(lq_npy_encode(LQ_NPY_F32, 2, big, v, NULL, 0, &len), LQ_ERR_OVERFLOW);
  lq_npy_array a;
  assert_int_equal(lq_npy_read_file(NULL, &a), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_npy_read_file("/nonexistent.npy", &a), LQ_ERR_IO);
  assert_int_equal(lq_npy_read_mem(NULL, 4, &a), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_npy_to_f32(NULL, v, 1), LQ_ERR_INVALID_ARG);
  lq_npy_free(NULL);
}

/* Builds a v1.0 file from a header text (padded to 64) and data bytes. */
static size_t make_npy(unsigned char* out, const char* header, const void* data, size_t data_len) {
  size_t h = strlen(header);
  size_t total = 10 + h + 1;
  size_t pad = (64 - total % 64) % 64;
  memcpy(out, "\x93NUMPY\x01\x00", 8);
  out[8] = (unsigned char)((h + 1 + pad) & 0xff);
  out[9] = (unsigned char)((h + 1 + pad) >> 8);
  memcpy(out + 10, header, h);
  memset(out + 10 + h, ' ', pad);
  out[10 + h + pad] = '\n';
  memcpy(out + 11 + h + pad, data, data_len);
  return 11 + h + pad + data_len;
}

static void expect_bad(const char* header, size_t data_len, lq_status want, const char* msg) {
  static unsigned char buf[70000];
  unsigned char data[64] = {0};
  size_t n = make_npy(buf, header, data, data_len);
  lq_npy_array a;
  lq_status s = lq_npy_read_mem(buf, n, &a);
  if (s != want || !strstr(lq_last_error(), msg))
    fail_msg("header %s: got %s '%s', want %s '%s'", header, lq_status_string(s), lq_last_error(),
             lq_status_string(want), msg);
}

static void test_hostile_headers(void** state) {
  (void)state;
  /* a valid baseline built by the same helper */
  static unsigned char buf[70000];
  float d[2] = {1.5f, -2.0f};
  size_t n = make_npy(buf, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", d, 8);
  lq_npy_array a;
  assert_int_equal(lq_npy_read_mem(buf, n, &a), LQ_OK);
  assert_true(((float*)a.data)[1] == -2.0f);
  lq_npy_free(&a);
  /* Python-literal variants numpy accepts */
  n = make_npy(buf, "{\"shape\":(2,),\"fortran_order\":False,\"descr\":\"<f4\"}", d, 8);
  assert_int_equal(lq_npy_read_mem(buf, n, &a), LQ_OK);
  lq_npy_free(&a);
  n = make_npy(buf, "{'descr': '<f4', 'fortran_order': False, 'shape': (2L,), }", d, 8);
  assert_int_equal(lq_npy_read_mem(buf, n, &a), LQ_OK);
  lq_npy_free(&a);

  expect_bad("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", 16, LQ_ERR_FORMAT, "complex");
  expect_bad("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", 16, LQ_ERR_FORMAT, "unsupported dtype");
  expect_bad("{'descr': '<f3', 'fortran_order': False, 'shape': (2,), }", 16, LQ_ERR_FORMAT, "unsupported dtype");
  expect_bad("{'descr': '<U10', 'fortran_order': False, 'shape': (2,), }", 16, LQ_ERR_FORMAT, "unsupported dtype");
  expect_bad("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8, LQ_ERR_FORMAT, "structured");
  expect_bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", 8, LQ_ERR_FORMAT, "not a tuple");
  expect_bad("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", 8, LQ_ERR_FORMAT, "negative");
  expect_bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2.0,), }", 8, LQ_ERR_FORMAT, "shape");
  expect_bad("{'descr': '<f4', 'fortran_order': False, 'shape': (02,), }", 8, LQ_ERR_FORMAT, "leading zero");
  expect_bad("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", 8, LQ_ERR_FORMAT, "fortran_order");
  expect_bad("{'descr': '<f4', 'shape': (2,), }", 8, LQ_ERR_FORMAT, "missing key 'fortran_order'");
  expect_bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", 8, LQ_ERR_FORMAT,
             "unexpected key 'x'");
  expect_bad("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8, LQ_ERR_FORMAT,
             "duplicate key");
  expect_bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } junk", 8, LQ_ERR_FORMAT, "after the dict");
  expect_bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", 8, LQ_ERR_FORMAT, "expected ','");
  expect_bad("['descr', '<f4']", 8, LQ_ERR_FORMAT, "not a dictionary");
  expect_bad("{'descr': '<f4, 'fortran_order': False, 'shape': (2,), }", 8, LQ_ERR_FORMAT, "unsupported dtype");
  expect_bad("{'descr': '<f\\x34', 'fortran_order': False, 'shape': (2,), }", 8, LQ_ERR_FORMAT, "unsupported character");
  /* sizes */
  expect_bad("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 8, LQ_ERR_FORMAT, "truncated data");
  expect_bad("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 8, LQ_ERR_FORMAT, "unexpected bytes");
  expect_bad("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", 8, LQ_ERR_OVERFLOW,
             "int64");
  expect_bad("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 8, LQ_ERR_OVERFLOW,
             "overflows");
  expect_bad("{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952,), }", 8, LQ_ERR_OVERFLOW,
             "overflows");
  /* a huge but representable shape with no data: refused before allocating */
  expect_bad("{'descr': '<f4', 'fortran_order': False, 'shape': (100000000000,), }", 8, LQ_ERR_FORMAT,
             "truncated data");
  char many[1024] = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
  for (int i = 0; i < 65; i++) strcat(many, "1,");
  strcat(many, "), }");
  expect_bad(many, 4, LQ_ERR_FORMAT, "more than 64");
  /* bool bytes other than 0/1 */
  unsigned char bad_bool[2] = {1, 7};
  n = make_npy(buf, "{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", bad_bool, 2);
  assert_int_equal(lq_npy_read_mem(buf, n, &a), LQ_ERR_FORMAT);
  assert_non_null(strstr(lq_last_error(), "bool"));
}

static void test_bad_preamble(void** state) {
  (void)state;
  lq_npy_array a;
  assert_int_equal(lq_npy_read_mem("", 0, &a), LQ_ERR_FORMAT);
  assert_int_equal(lq_npy_read_mem("PK\3\4", 4, &a), LQ_ERR_FORMAT);
  assert_non_null(strstr(lq_last_error(), "magic"));
  assert_int_equal(lq_npy_read_mem("\x93NUM", 4, &a), LQ_ERR_FORMAT);
  assert_non_null(strstr(lq_last_error(), "truncated"));
  assert_int_equal(lq_npy_read_mem("\x93NUMPY\x04\x00\x10\x00", 10, &a), LQ_ERR_FORMAT);
  assert_non_null(strstr(lq_last_error(), "version 4.0"));
  assert_int_equal(lq_npy_read_mem("\x93NUMPY\x01\x01\x10\x00", 10, &a), LQ_ERR_FORMAT);
  /* header length beyond the file */
  assert_int_equal(lq_npy_read_mem("\x93NUMPY\x01\x00\x40\x00{", 11, &a), LQ_ERR_FORMAT);
  assert_non_null(strstr(lq_last_error(), "truncated header"));
  /* oversized header length (v2: 4-byte field) */
  assert_int_equal(lq_npy_read_mem("\x93NUMPY\x02\x00\xff\xff\xff\x7f{", 13, &a), LQ_ERR_FORMAT);
  assert_non_null(strstr(lq_last_error(), "exceeds the limit"));
  /* NUL inside the header */
  static const unsigned char nul[] = "\x93NUMPY\x01\x00\x04\x00{\0}\n";
  assert_int_equal(lq_npy_read_mem(nul, 14, &a), LQ_ERR_FORMAT);
  assert_non_null(strstr(lq_last_error(), "NUL"));
}

/* Every prefix of a valid file, and every single-byte corruption of its
 * header, is rejected or accepted cleanly (ASan/UBSan builds catch misuse). */
static void test_truncations_and_corruptions(void** state) {
  (void)state;
  size_t len;
  unsigned char* good = slurp(NPY_DIR "fortran_2x3x4.npy", &len);
  lq_npy_array a;
  for (size_t cut = 0; cut < len; cut++) {
    assert_int_equal(lq_npy_read_mem(good, cut, &a), LQ_ERR_FORMAT);
  }
  /* the same through the file reader */
  char tmpl[] = "/tmp/lq_test_trunc_XXXXXX";
  int fd = mkstemp(tmpl);
  assert_true(fd >= 0);
  close(fd);
  for (size_t cut = 0; cut < len; cut += 7) {
    FILE* f = fopen(tmpl, "wb");
    fwrite(good, 1, cut, f);
    fclose(f);
    assert_int_equal(lq_npy_read_file(tmpl, &a), LQ_ERR_FORMAT);
  }
  remove(tmpl);
  unsigned char* copy = malloc(len);
  size_t accepted = 0;
  for (size_t pos = 0; pos < 128 && pos < len; pos++) {
    for (int v = 0; v < 256; v += 17) {
      memcpy(copy, good, len);
      copy[pos] = (unsigned char)v;
      lq_status s = lq_npy_read_mem(copy, len, &a);
      if (s == LQ_OK) {
        accepted++;
        lq_npy_free(&a);
      } else {
        assert_true(lq_last_error()[0] != '\0');
      }
    }
  }
  assert_true(accepted > 0); /* e.g. padding spaces may change harmlessly */
  free(copy);
  free(good);
}

int main(void) {
  lq_test_skip_if_env_isa_missing();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_read_float_kinds),    cmocka_unit_test(test_read_integer_kinds),
      cmocka_unit_test(test_fortran_order),       cmocka_unit_test(test_write_matches_numpy),
      cmocka_unit_test(test_encode_bad_args),     cmocka_unit_test(test_hostile_headers),
      cmocka_unit_test(test_bad_preamble),        cmocka_unit_test(test_truncations_and_corruptions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
