/* safetensors reader/writer: the hand-built fixture from
 * tests/vectors/gen_llmio.py (every dtype family, __metadata__, an empty
 * tensor), rewritten byte for byte, and hostile headers: JSON syntax, depth,
 * duplicates, offsets (gap, overlap, out of range, wrong size), limits,
 * every prefix and byte corruptions. */
#include <unistd.h>

#include "lq_test.h"

#define FIXTURE "llmio/fixture.safetensors"

static void test_read_fixture(void** state) {
  (void)state;
  size_t len;
  unsigned char* file = lq_test_read_vector(FIXTURE, &len);
  lq_st_file* f;
  assert_int_equal(lq_st_open_mem(file, len, &f), LQ_OK);
  assert_int_equal(lq_st_tensor_count(f), 9);
  assert_int_equal(lq_st_meta_count(f), 2);
  assert_string_equal(lq_st_meta_at(f, 0)->key, "format");
  assert_string_equal(lq_st_meta_at(f, 0)->value, "pt");
  assert_string_equal(lq_st_meta_at(f, 1)->value, "libquant \"fixture\"");
  /* data order */
  static const char* const order[] = {"model.layers.0.weight", "bias", "small", "ids", "bf", "f8", "mask", "empty", "d"};
  for (size_t i = 0; i < 9; i++) assert_string_equal(lq_st_tensor_at(f, i)->name, order[i]);
  const lq_st_tensor* w = lq_st_find_tensor(f, "small");
  assert_int_equal(w->dtype, LQ_ST_F32);
  assert_int_equal(w->ndim, 2);
  assert_int_equal(w->shape[0], 3);
  assert_int_equal(w->shape[1], 4);
  float x[256];
  assert_int_equal(lq_st_to_f32(w, x, 12), LQ_OK);
  for (int k = 0; k < 12; k++) assert_true(x[k] == 0.25f * (float)k - 1.0f);
  assert_int_equal(lq_st_to_f32(w, x, 11), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_st_to_f32(lq_st_find_tensor(f, "bias"), x, 5), LQ_OK);
  assert_true(x[0] == 0.5f && x[1] == -1.0f && x[2] == 2.0f && x[3] == 65504.0f && x[4] == 0.0f && signbit(x[4]));
  assert_int_equal(lq_st_to_f32(lq_st_find_tensor(f, "ids"), x, 4), LQ_OK);
  assert_true(x[0] == 1.0f && x[1] == -2.0f && x[2] == 3.0f && x[3] == -128.0f);
  assert_int_equal(lq_st_to_f32(lq_st_find_tensor(f, "bf"), x, 2), LQ_OK);
  assert_true(x[0] == 1.0f && x[1] == -3.0f);
  assert_int_equal(lq_st_to_f32(lq_st_find_tensor(f, "f8"), x, 3), LQ_OK);
  assert_true(x[0] == 1.0f && x[1] == -1.0f && x[2] == 448.0f);
  assert_int_equal(lq_st_to_f32(lq_st_find_tensor(f, "mask"), x, 2), LQ_OK);
  assert_true(x[0] == 1.0f && x[1] == 0.0f);
  assert_int_equal(lq_st_to_f32(lq_st_find_tensor(f, "d"), x, 2), LQ_OK);
  assert_true(x[0] == 1.5f && x[1] == -2.25f);
  const lq_st_tensor* e = lq_st_find_tensor(f, "empty");
  assert_int_equal(e->numel, 0);
  assert_int_equal(e->begin, e->end);
  const lq_st_tensor* m = lq_st_find_tensor(f, "model.layers.0.weight");
  assert_int_equal(m->numel, 256);
  assert_int_equal(m->begin, 0);
  assert_int_equal(lq_st_to_f32(m, x, 256), LQ_OK);
  assert_true(x[0] == 0.05f); /* cos(0) * 0.05 */
  assert_null(lq_st_find_tensor(f, "nope"));
  assert_null(lq_st_tensor_at(f, 9));
  assert_string_equal(lq_st_dtype_name(LQ_ST_F8_E5M2), "F8_E5M2");
  assert_null(lq_st_dtype_name(LQ_ST_DTYPE_COUNT_));
  assert_int_equal(lq_st_dtype_size(LQ_ST_BF16), 2);
  lq_st_close(f);
  free(file);
}

/* The writer, fed the fixture's tensors in data order, reproduces it. */
static void test_write_matches_fixture(void** state) {
  (void)state;
  size_t len;
  unsigned char* file = lq_test_read_vector(FIXTURE, &len);
  lq_st_file* f;
  assert_int_equal(lq_st_open_mem(file, len, &f), LQ_OK);
  lq_st_writer* w;
  assert_int_equal(lq_st_writer_create(&w), LQ_OK);
  for (size_t i = 0; i < lq_st_meta_count(f); i++)
    assert_int_equal(lq_st_writer_set_meta(w, lq_st_meta_at(f, i)->key, lq_st_meta_at(f, i)->value), LQ_OK);
  assert_int_equal(lq_st_writer_set_meta(w, "format", "x"), LQ_ERR_INVALID_ARG);
  for (size_t i = 0; i < lq_st_tensor_count(f); i++) {
    const lq_st_tensor* t = lq_st_tensor_at(f, i);
    assert_int_equal(lq_st_writer_add_tensor(w, t->name, t->dtype, t->ndim, t->shape, t->data), LQ_OK);
  }
  const lq_st_tensor* t0 = lq_st_tensor_at(f, 0);
  assert_int_equal(lq_st_writer_add_tensor(w, t0->name, t0->dtype, t0->ndim, t0->shape, t0->data), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_st_writer_add_tensor(w, "__metadata__", LQ_ST_F32, 0, NULL, t0->data), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_st_writer_add_tensor(w, "x", LQ_ST_DTYPE_COUNT_, 0, NULL, t0->data), LQ_ERR_INVALID_ARG);
  int64_t neg[1] = {-1};
  assert_int_equal(lq_st_writer_add_tensor(w, "x", LQ_ST_F32, 1, neg, t0->data), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_st_writer_add_tensor(w, "x", LQ_ST_F32, 9, neg, t0->data), LQ_ERR_INVALID_ARG);
  size_t need;
  assert_int_equal(lq_st_writer_write_mem(w, NULL, 0, &need), LQ_OK);
  assert_int_equal(need, len);
  unsigned char* out = malloc(need);
  assert_int_equal(lq_st_writer_write_mem(w, out, need - 1, &need), LQ_ERR_BUFFER_TOO_SMALL);
  assert_int_equal(lq_st_writer_write_mem(w, out, need, &need), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(out, file, len, "rewritten safetensors fixture");
  char path[] = "/tmp/lq_st_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  assert_int_equal(lq_st_writer_write_file(w, path), LQ_OK);
  lq_st_file* g;
  assert_int_equal(lq_st_open(path, &g), LQ_OK);
  assert_int_equal(lq_st_tensor_count(g), 9);
  lq_st_close(g);
  remove(path);
  assert_int_equal(lq_st_open(path, &g), LQ_ERR_IO);
  free(out);
  lq_st_writer_destroy(w);
  lq_st_close(f);
  free(file);
}

static void expect_header(const char* json, size_t data_len, lq_status want, const char* msg) {
  size_t hl = strlen(json);
  size_t n = 8 + hl + data_len;
  unsigned char* b = malloc(n);
  for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)hl >> (8 * i));
  memcpy(b + 8, json, hl);
  memset(b + 8 + hl, 0x3c, data_len);
  lq_st_file* f = (lq_st_file*)1;
  lq_status s = lq_st_open_mem(b, n, &f);
  if (s != want) fail_msg("%s: status %d, want %d (%s)", json, (int)s, (int)want, lq_last_error());
  if (s == LQ_OK) lq_st_close(f);
  else {
    assert_null(f);
    if (!strstr(lq_last_error(), msg)) fail_msg("%s: error '%s' lacks '%s'", json, lq_last_error(), msg);
  }
  free(b);
}

#define T1 "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}"

static void test_hostile_headers(void** state) {
  (void)state;
  expect_header("{" T1 "}", 8, LQ_OK, "");
  expect_header("{" T1 "}   ", 8, LQ_OK, "");
  expect_header("{\"__metadata__\":null," T1 "}", 8, LQ_OK, "");
  expect_header("{}", 0, LQ_OK, "");
  expect_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", 4, LQ_OK, ""); /* scalar */
  expect_header("[" T1 "]", 8, LQ_ERR_FORMAT, "does not start with '{'");
  expect_header("{" T1, 8, LQ_ERR_FORMAT, "expected ',' or '}'");
  expect_header("{" T1 "}x", 8, LQ_ERR_FORMAT, "bytes after the JSON object");
  expect_header("{" T1 "," T1 "}", 8, LQ_ERR_FORMAT, "duplicate name 'a'");
  expect_header("{" T1 ",\"b\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]}}", 8,
                LQ_ERR_FORMAT, "duplicate name 'dtype'");
  expect_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},}", 8, LQ_ERR_FORMAT, "expected a string");
  expect_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}", 8, LQ_ERR_FORMAT, "unknown field 'x'");
  expect_header("{\"a\":{\"dtype\":\"C64\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, LQ_ERR_FORMAT, "unsupported dtype 'C64'");
  expect_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, LQ_ERR_FORMAT, "non-negative integer");
  expect_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8, LQ_ERR_FORMAT, "non-negative integer");
  expect_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4, LQ_ERR_FORMAT, "more than 8 dimensions");
  expect_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8, LQ_ERR_FORMAT, "overflows");
  expect_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,8]}}", 8, LQ_ERR_FORMAT, "non-negative integer");
  expect_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, LQ_ERR_FORMAT, "do not hold 3 x 4 bytes");
  expect_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, LQ_ERR_FORMAT, "do not hold");
  expect_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8, LQ_ERR_FORMAT, "data_offsets is not");
  expect_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, LQ_ERR_FORMAT, "needs dtype, shape and data_offsets");
  expect_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, LQ_ERR_FORMAT, "starts at 4, expected 0 (a gap)");
  expect_header("{" T1 ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, LQ_ERR_FORMAT, "overlap");
  expect_header("{" T1 "}", 12, LQ_ERR_FORMAT, "cover 8 of the 12 data bytes");
  expect_header("{" T1 "}", 4, LQ_ERR_FORMAT, "past the data section");
  expect_header("{\"a\":[1]}", 0, LQ_ERR_FORMAT, "entry is not an object");
  expect_header("{\"__metadata__\":{\"k\":1}}", 0, LQ_ERR_FORMAT, "is not a string");
  expect_header("{\"__metadata__\":[]}", 0, LQ_ERR_FORMAT, "__metadata__ is not an object");
  expect_header("{\"__metadata__\":{\"k\":\"a\\u0000b\"}}", 0, LQ_ERR_FORMAT, "NUL");
  expect_header("{\"__metadata__\":{\"k\":\"\\ud800\"}}", 0, LQ_ERR_FORMAT, "unpaired surrogate");
  expect_header("{\"__metadata__\":{\"k\":\"\\ud83d\\ude00 \\u00e9\\n\\\"\"}}", 0, LQ_OK, "");
  expect_header("{\"__metadata__\":{\"k\":\"\xc3\x28\"}}", 0, LQ_ERR_FORMAT, "invalid UTF-8");
  expect_header("{\"__metadata__\":{\"k\":\"\xc0\xaf\"}}", 0, LQ_ERR_FORMAT, "invalid UTF-8"); /* overlong */
  expect_header("{\"__metadata__\":{\"k\":\"\xed\xa0\x80\"}}", 0, LQ_ERR_FORMAT, "invalid UTF-8"); /* surrogate */
  expect_header("{\"__metadata__\":{\"k\":\"a\tb\"}}", 0, LQ_ERR_FORMAT, "control character");
  expect_header("{\"__metadata__\":{\"k\":\"\\x\"}}", 0, LQ_ERR_FORMAT, "bad escape");
  expect_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[02],\"data_offsets\":[0,8]}}", 8, LQ_ERR_FORMAT, "leading zero");
  expect_header("{\"a\":tru}", 0, LQ_ERR_FORMAT, "unexpected character");
  expect_header("{\"\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, LQ_ERR_FORMAT, "empty tensor name");
  /* depth: 17 nested arrays inside the root object */
  char deep[128] = "{\"x\":";
  for (int i = 0; i < 17; i++) strcat(deep, "[");
  for (int i = 0; i < 17; i++) strcat(deep, "]");
  strcat(deep, "}");
  expect_header(deep, 0, LQ_ERR_FORMAT, "nested deeper than 16");
  /* header length past the file, past the limit, too short */
  unsigned char b[16] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, '{', '}'};
  lq_st_file* f;
  assert_int_equal(lq_st_open_mem(b, 10, &f), LQ_ERR_FORMAT);
  assert_non_null(strstr(lq_last_error(), "exceeds the limit"));
  b[0] = 100;
  b[1] = b[2] = b[3] = 0;
  assert_int_equal(lq_st_open_mem(b, 10, &f), LQ_ERR_FORMAT);
  assert_non_null(strstr(lq_last_error(), "runs past the end"));
  assert_int_equal(lq_st_open_mem(b, 7, &f), LQ_ERR_FORMAT);
  assert_int_equal(lq_st_open_mem(NULL, 3, &f), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_st_open(NULL, &f), LQ_ERR_INVALID_ARG);
}

static void test_truncations_and_corruptions(void** state) {
  (void)state;
  size_t len;
  unsigned char* file = lq_test_read_vector(FIXTURE, &len);
  lq_st_file* f;
  for (size_t cut = 0; cut < len; cut++) {
    unsigned char* p = malloc(cut ? cut : 1);
    memcpy(p, file, cut);
    lq_status s = lq_st_open_mem(p, cut, &f);
    if (s != LQ_ERR_FORMAT) fail_msg("prefix of %zu bytes: status %d", cut, (int)s);
    free(p);
  }
  size_t hl = (size_t)file[0] | ((size_t)file[1] << 8);
  unsigned char* p = malloc(len);
  size_t accepted = 0, rejected = 0;
  for (size_t pos = 0; pos < 8 + hl; pos++) {
    for (int v = 1; v < 256; v += 37) {
      memcpy(p, file, len);
      p[pos] ^= (unsigned char)v;
      lq_status s = lq_st_open_mem(p, len, &f);
      if (s == LQ_OK) {
        accepted++;
        for (size_t i = 0; i < lq_st_tensor_count(f); i++) {
          const lq_st_tensor* t = lq_st_tensor_at(f, i);
          assert_true((const unsigned char*)t->data >= p + 8 && (const unsigned char*)t->data + (t->end - t->begin) <= p + len);
        }
        lq_st_close(f);
      } else {
        rejected++;
        assert_int_equal(s, LQ_ERR_FORMAT);
      }
    }
  }
  assert_true(accepted > 0 && rejected > 0);
  for (uint64_t trial = 0; trial < 2000; trial++) {
    memcpy(p, file, len);
    for (int k = 0; k < 3; k++) p[lq_rng_u32(91, trial * 4 + (uint64_t)k) % (8 + hl)] = (unsigned char)lq_rng_u32(92, trial * 4 + (uint64_t)k);
    if (lq_st_open_mem(p, len, &f) == LQ_OK) lq_st_close(f);
  }
  free(p);
  free(file);
}


/* Streaming write: the same bytes as write_mem, state errors, atomicity. */
static void test_stream(void** state) {
  (void)state;
  float a[6] = {1, 2, 3, 4, 5, 6};
  uint8_t u[5] = {9, 8, 7, 6, 5};
  int64_t sa[2] = {2, 3}, su[1] = {5}, se[1] = {0};
  lq_st_writer *ref, *w;
  assert_int_equal(lq_st_writer_create(&ref), LQ_OK);
  assert_int_equal(lq_st_writer_create(&w), LQ_OK);
  lq_st_writer* both[2] = {ref, w};
  for (int k = 0; k < 2; k++) {
    assert_int_equal(lq_st_writer_set_meta(both[k], "format", "pt"), LQ_OK);
    assert_int_equal(lq_st_writer_add_tensor(both[k], "a", LQ_ST_F32, 2, sa, k ? NULL : a), LQ_OK);
    assert_int_equal(lq_st_writer_add_tensor(both[k], "e", LQ_ST_I32, 1, se, NULL), LQ_OK);
    assert_int_equal(lq_st_writer_add_tensor(both[k], "u", LQ_ST_U8, 1, su, k ? NULL : u), LQ_OK);
  }
  size_t len, l2;
  assert_int_equal(lq_st_writer_write_mem(ref, NULL, 0, &len), LQ_OK);
  unsigned char* want = malloc(len);
  assert_int_equal(lq_st_writer_write_mem(ref, want, len, &len), LQ_OK);
  assert_int_equal(lq_st_writer_write_mem(w, NULL, 0, &l2), LQ_ERR_STATE);
  assert_int_equal(lq_st_writer_put(w, a, 1), LQ_ERR_STATE);
  assert_int_equal(lq_st_writer_finish(w), LQ_ERR_STATE);
  char path[] = "/tmp/lq_st_stream_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  assert_int_equal(lq_st_writer_begin(w, path), LQ_OK);
  assert_int_equal(lq_st_writer_begin(w, path), LQ_ERR_STATE);
  assert_int_equal(lq_st_writer_set_meta(w, "k", "v"), LQ_ERR_STATE);
  assert_int_equal(lq_st_writer_add_tensor(w, "z", LQ_ST_U8, 1, su, u), LQ_ERR_STATE);
  unsigned char all[sizeof a + sizeof u];
  memcpy(all, a, sizeof a);
  memcpy(all + sizeof a, u, sizeof u);
  assert_int_equal(lq_st_writer_put(w, all, 3), LQ_OK);
  assert_int_equal(lq_st_writer_put(w, all + 3, sizeof all - 3), LQ_OK);
  assert_int_equal(lq_st_writer_put(w, all, 1), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_st_writer_finish(w), LQ_OK);
  lq_st_file* f;
  assert_int_equal(lq_st_open(path, &f), LQ_OK);
  assert_int_equal(lq_st_tensor_count(f), 3);
  assert_memory_equal(lq_st_find_tensor(f, "u")->data, u, sizeof u);
  lq_st_close(f);
  FILE* fp = fopen(path, "rb");
  unsigned char* got = malloc(len + 1);
  size_t glen = fread(got, 1, len + 1, fp);
  fclose(fp);
  assert_int_equal(glen, len);
  assert_memory_equal(got, want, len);
  /* short: refused, the old file stays */
  assert_int_equal(lq_st_writer_begin(w, path), LQ_OK);
  assert_int_equal(lq_st_writer_put(w, a, sizeof a), LQ_OK);
  assert_int_equal(lq_st_writer_finish(w), LQ_ERR_STATE);
  assert_non_null(strstr(lq_last_error(), "'u'"));
  fp = fopen(path, "rb");
  glen = fread(got, 1, len + 1, fp);
  fclose(fp);
  assert_int_equal(glen, len);
  assert_int_equal(lq_st_writer_begin(w, path), LQ_OK);
  lq_st_writer_destroy(w); /* mid-stream: temporary removed */
  char cmd[128];
  snprintf(cmd, sizeof cmd, "ls %s.tmp-* >/dev/null 2>&1", path);
  assert_int_not_equal(system(cmd), 0);
  assert_int_equal(lq_st_writer_begin(NULL, path), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_st_writer_begin(ref, "/nonexistent-dir/x.safetensors"), LQ_ERR_IO);
  assert_int_equal(lq_st_writer_put(NULL, a, 1), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_st_writer_finish(NULL), LQ_ERR_INVALID_ARG);
  lq_st_writer_destroy(ref);
  free(got);
  free(want);
  unlink(path);
}

int main(void) {
  lq_test_skip_if_env_isa_missing();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_read_fixture), cmocka_unit_test(test_write_matches_fixture),
      cmocka_unit_test(test_hostile_headers), cmocka_unit_test(test_truncations_and_corruptions), cmocka_unit_test(test_stream),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
