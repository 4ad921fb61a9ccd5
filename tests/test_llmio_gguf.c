/* GGUF reader/writer: the hand-built fixture from tests/vectors/gen_llmio.py
 * (every value type, arrays of strings, nested arrays, F32/F16/Q8_0 tensors)
 * read value by value, rewritten byte for byte, and hostile inputs: every
 * prefix, byte corruptions, and one crafted file per validation rule. */
#include <unistd.h>

#include "lq_test.h"

#define FIXTURE "llmio/fixture.gguf"

/* ------------------------------------------------------ a tiny builder -- */
typedef struct buf {
  unsigned char b[4096];
  size_t n;
} buf;
static void put(buf* b, const void* p, size_t n) {
  memcpy(b->b + b->n, p, n);
  b->n += n;
}
static void u32(buf* b, uint32_t v) {
  for (int i = 0; i < 4; i++) b->b[b->n++] = (unsigned char)(v >> (8 * i));
}
static void u64(buf* b, uint64_t v) {
  for (int i = 0; i < 8; i++) b->b[b->n++] = (unsigned char)(v >> (8 * i));
}
static void str(buf* b, const char* s) {
  u64(b, strlen(s));
  put(b, s, strlen(s));
}
static void header(buf* b, uint64_t nt, uint64_t nkv) {
  b->n = 0;
  put(b, "GGUF", 4);
  u32(b, 3);
  u64(b, nt);
  u64(b, nkv);
}
static void tinfo(buf* b, const char* name, uint32_t nd, const uint64_t* ne, uint32_t type, uint64_t off) {
  str(b, name);
  u32(b, nd);
  for (uint32_t i = 0; i < nd; i++) u64(b, ne[i]);
  u32(b, type);
  u64(b, off);
}
static void pad_data(buf* b, size_t data_bytes) {
  while (b->n % 32) b->b[b->n++] = 0;
  memset(b->b + b->n, 0x11, data_bytes);
  b->n += data_bytes;
}

static void expect_bad(const buf* b, const char* msg) {
  lq_gguf* g = (lq_gguf*)1;
  lq_status s = lq_gguf_open_mem(b->b, b->n, &g);
  if (s != LQ_ERR_FORMAT) fail_msg("expected LQ_ERR_FORMAT for '%s', got %d (%s)", msg, (int)s, lq_last_error());
  assert_null(g);
  if (!strstr(lq_last_error(), msg)) fail_msg("error '%s' lacks '%s'", lq_last_error(), msg);
}

/* ----------------------------------------------------------- fixture -- */

static int64_t kv_int(lq_gguf* g, const char* key, lq_gguf_type type) {
  const lq_gguf_kv* kv = lq_gguf_find_kv(g, key);
  if (!kv) fail_msg("no key %s", key);
  assert_int_equal(kv->value.type, type);
  int64_t v;
  assert_int_equal(lq_gguf_value_int(&kv->value, &v), LQ_OK);
  return v;
}

static void test_read_fixture(void** state) {
  (void)state;
  size_t len;
  unsigned char* file = lq_test_read_vector(FIXTURE, &len);
  lq_gguf* g;
  assert_int_equal(lq_gguf_open_mem(file, len, &g), LQ_OK);
  assert_int_equal(lq_gguf_version(g), 3);
  assert_int_equal(lq_gguf_alignment(g), 32);
  assert_int_equal(lq_gguf_data_offset(g) % 32, 0);
  assert_int_equal(lq_gguf_kv_count(g), 19);
  assert_string_equal(lq_gguf_kv_at(g, 0)->key, "general.architecture");
  assert_int_equal(kv_int(g, "test.u8", LQ_GGUF_UINT8), 200);
  assert_int_equal(kv_int(g, "test.i8", LQ_GGUF_INT8), -5);
  assert_int_equal(kv_int(g, "test.u16", LQ_GGUF_UINT16), 60000);
  assert_int_equal(kv_int(g, "test.i16", LQ_GGUF_INT16), -30000);
  assert_int_equal(kv_int(g, "test.u32", LQ_GGUF_UINT32), 4000000000ll);
  assert_int_equal(kv_int(g, "test.i32", LQ_GGUF_INT32), -2000000000ll);
  assert_int_equal(kv_int(g, "test.bool", LQ_GGUF_BOOL), 1);
  assert_int_equal(kv_int(g, "test.i64", LQ_GGUF_INT64), -(1ll << 40));
  const lq_gguf_kv* kv = lq_gguf_find_kv(g, "test.u64");
  uint64_t u;
  int64_t i64;
  assert_int_equal(lq_gguf_value_uint(&kv->value, &u), LQ_OK);
  assert_true(u == (1ull << 63) + 5);
  assert_int_equal(lq_gguf_value_int(&kv->value, &i64), LQ_ERR_OVERFLOW);
  assert_int_equal(lq_gguf_value_uint(&lq_gguf_find_kv(g, "test.i8")->value, &u), LQ_ERR_OVERFLOW);
  double d;
  assert_int_equal(lq_gguf_value_float(&lq_gguf_find_kv(g, "test.f32")->value, &d), LQ_OK);
  assert_true(d == 0.5);
  assert_int_equal(lq_gguf_value_float(&lq_gguf_find_kv(g, "test.f64")->value, &d), LQ_OK);
  assert_true(d == 3.141592653589793);
  kv = lq_gguf_find_kv(g, "test.str");
  assert_int_equal(kv->value.type, LQ_GGUF_STRING);
  assert_int_equal(kv->value.len, 6);
  assert_memory_equal(kv->value.data, "h\xc3\xa9llo", 6);
  assert_int_equal(lq_gguf_value_float(&kv->value, &d), LQ_ERR_INVALID_ARG);
  /* arrays */
  kv = lq_gguf_find_kv(g, "test.arr_i32");
  assert_int_equal(kv->value.elem_type, LQ_GGUF_INT32);
  assert_int_equal(kv->value.count, 3);
  lq_gguf_iter it = {0};
  lq_gguf_value e;
  const int64_t want_i[] = {1, -2, 3};
  for (int k = 0; k < 3; k++) {
    assert_int_equal(lq_gguf_array_next(&kv->value, &it, &e), LQ_OK);
    assert_int_equal(lq_gguf_value_int(&e, &i64), LQ_OK);
    assert_int_equal(i64, want_i[k]);
  }
  assert_int_equal(lq_gguf_array_next(&kv->value, &it, &e), LQ_ERR_INVALID_ARG);
  kv = lq_gguf_find_kv(g, "test.arr_str");
  memset(&it, 0, sizeof it);
  const char* want_s[] = {"a", "bc", ""};
  for (int k = 0; k < 3; k++) {
    assert_int_equal(lq_gguf_array_next(&kv->value, &it, &e), LQ_OK);
    assert_int_equal(e.type, LQ_GGUF_STRING);
    assert_int_equal(e.len, strlen(want_s[k]));
    assert_memory_equal(e.data, want_s[k], e.len);
  }
  kv = lq_gguf_find_kv(g, "test.arr_nested");
  assert_int_equal(kv->value.elem_type, LQ_GGUF_ARRAY);
  memset(&it, 0, sizeof it);
  assert_int_equal(lq_gguf_array_next(&kv->value, &it, &e), LQ_OK);
  assert_int_equal(e.count, 2);
  lq_gguf_iter it2 = {0};
  lq_gguf_value e2;
  assert_int_equal(lq_gguf_array_next(&e, &it2, &e2), LQ_OK);
  assert_int_equal(lq_gguf_array_next(&e, &it2, &e2), LQ_OK);
  assert_int_equal(lq_gguf_value_int(&e2, &i64), LQ_OK);
  assert_int_equal(i64, 2);
  assert_int_equal(lq_gguf_array_next(&kv->value, &it, &e), LQ_OK);
  assert_int_equal(e.count, 1);
  assert_int_equal(lq_gguf_find_kv(g, "test.arr_empty")->value.count, 0);
  assert_null(lq_gguf_find_kv(g, "nope"));
  /* tensors: ggml order dims */
  assert_int_equal(lq_gguf_tensor_count(g), 4);
  const lq_gguf_tensor* w = lq_gguf_find_tensor(g, "w");
  assert_int_equal(w->n_dims, 2);
  assert_int_equal(w->ne[0], 4);
  assert_int_equal(w->ne[1], 3);
  assert_int_equal(w->ne[2], 1);
  assert_int_equal(w->type, 0);
  assert_int_equal(w->nbytes, 48);
  float wf[12];
  memcpy(wf, w->data, 48);
  for (int k = 0; k < 12; k++) assert_true(wf[k] == 0.25f * (float)k - 1.0f);
  const lq_gguf_tensor* b = lq_gguf_find_tensor(g, "b");
  assert_int_equal(b->type, 1);
  assert_int_equal(b->offset, 64);
  assert_int_equal(b->nbytes, 10);
  /* Q8_0 bytes of the generator (a transcription of quantize_row_q8_0_ref) equal ours */
  const lq_gguf_tensor* q = lq_gguf_find_tensor(g, "q");
  const lq_gguf_tensor* src = lq_gguf_find_tensor(g, "q_src");
  assert_int_equal(q->type, 8);
  assert_int_equal(q->nbytes, 4 * 34);
  float x[128];
  uint8_t mine[4 * 34];
  memcpy(x, src->data, sizeof x);
  assert_int_equal(lq_ggml_quantize(LQ_GGML_Q8_0, x, 128, mine), LQ_OK);
  assert_memory_equal(mine, q->data, sizeof mine);
  assert_null(lq_gguf_tensor_at(g, 4));
  assert_null(lq_gguf_kv_at(g, 19));
  lq_gguf_close(g);
  free(file);
}

/* The writer reproduces the fixture: scalars through the shorthands, arrays
 * copied from the reader, tensors in the same order. */
static void test_write_matches_fixture(void** state) {
  (void)state;
  size_t len;
  unsigned char* file = lq_test_read_vector(FIXTURE, &len);
  lq_gguf* g;
  assert_int_equal(lq_gguf_open_mem(file, len, &g), LQ_OK);
  lq_gguf_writer* w;
  assert_int_equal(lq_gguf_writer_create(&w), LQ_OK);
  for (size_t i = 0; i < lq_gguf_kv_count(g); i++) {
    const lq_gguf_kv* kv = lq_gguf_kv_at(g, i);
    const lq_gguf_value* v = &kv->value;
    int64_t si;
    uint64_t ui;
    double d;
    switch (v->type) {
      case LQ_GGUF_UINT8: case LQ_GGUF_UINT16: case LQ_GGUF_UINT32: case LQ_GGUF_UINT64: case LQ_GGUF_BOOL:
        assert_int_equal(lq_gguf_value_uint(v, &ui), LQ_OK);
        assert_int_equal(lq_gguf_writer_set_uint(w, kv->key, v->type, ui), LQ_OK);
        break;
      case LQ_GGUF_INT8: case LQ_GGUF_INT16: case LQ_GGUF_INT32: case LQ_GGUF_INT64:
        assert_int_equal(lq_gguf_value_int(v, &si), LQ_OK);
        assert_int_equal(lq_gguf_writer_set_int(w, kv->key, v->type, si), LQ_OK);
        break;
      case LQ_GGUF_FLOAT32: case LQ_GGUF_FLOAT64:
        assert_int_equal(lq_gguf_value_float(v, &d), LQ_OK);
        assert_int_equal(lq_gguf_writer_set_float(w, kv->key, v->type, d), LQ_OK);
        break;
      default: assert_int_equal(lq_gguf_writer_set_kv(w, kv->key, v), LQ_OK);
    }
  }
  for (size_t i = 0; i < lq_gguf_tensor_count(g); i++) {
    const lq_gguf_tensor* t = lq_gguf_tensor_at(g, i);
    assert_int_equal(lq_gguf_writer_add_tensor(w, t->name, t->n_dims, t->ne, t->type, t->data, t->nbytes), LQ_OK);
  }
  size_t need;
  assert_int_equal(lq_gguf_writer_write_mem(w, NULL, 0, &need), LQ_OK);
  assert_int_equal(need, len);
  unsigned char* out = malloc(need);
  assert_int_equal(lq_gguf_writer_write_mem(w, out, need - 1, &need), LQ_ERR_BUFFER_TOO_SMALL);
  assert_int_equal(lq_gguf_writer_write_mem(w, out, need, &need), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(out, file, len, "rewritten fixture");
  /* through a file, atomically, and read back through the mapping */
  char path[] = "/tmp/lq_gguf_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  assert_int_equal(lq_gguf_writer_write_file(w, path), LQ_OK);
  lq_gguf* g2;
  assert_int_equal(lq_gguf_open(path, &g2), LQ_OK);
  assert_int_equal(lq_gguf_tensor_count(g2), 4);
  assert_memory_equal(lq_gguf_find_tensor(g2, "q")->data, lq_gguf_find_tensor(g, "q")->data, 4 * 34);
  assert_string_equal(lq_gguf_kv_at(g2, 18)->key, "test.arr_empty");
  lq_gguf_close(g2);
  assert_int_equal(lq_gguf_writer_write_file(w, "/nonexistent-dir/x.gguf"), LQ_ERR_IO);
  remove(path);
  assert_int_equal(lq_gguf_open(path, &g2), LQ_ERR_IO);
  assert_null(g2);
  free(out);
  lq_gguf_writer_destroy(w);
  lq_gguf_close(g);
  free(file);
}


static unsigned char* slurp(const char* path, size_t* len) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char* b = malloc(n > 0 ? (size_t)n : 1);
  *len = fread(b, 1, (size_t)n, f);
  fclose(f);
  return b;
}

/* Streaming write: the same bytes as write_mem for the same tensors, any
 * chunking; state errors; aborted streams leave nothing behind. */
static void test_stream(void** state) {
  (void)state;
  float a[48], b[40];
  unsigned char q[34 * 2];
  for (int i = 0; i < 48; i++) a[i] = (float)i * 0.5f - 3.0f;
  for (int i = 0; i < 40; i++) b[i] = (float)(i * i) * 0.01f;
  assert_int_equal(lq_ggml_quantize(LQ_GGML_Q8_0, a, 32, q), LQ_OK);
  assert_int_equal(lq_ggml_quantize(LQ_GGML_Q8_0, a + 16, 32, q + 34), LQ_OK);
  uint64_t ne_a[2] = {12, 4}, ne_b[1] = {40}, ne_q[1] = {64}, ne_e[1] = {0};
  lq_gguf_writer *ref, *w;
  assert_int_equal(lq_gguf_writer_create(&ref), LQ_OK);
  assert_int_equal(lq_gguf_writer_create(&w), LQ_OK);
  lq_gguf_writer* both[2] = {ref, w};
  for (int k = 0; k < 2; k++) {
    const int decl = k == 1; /* the streamed writer declares without data */
    assert_int_equal(lq_gguf_writer_set_string(both[k], "general.architecture", "test"), LQ_OK);
    assert_int_equal(lq_gguf_writer_add_tensor(both[k], "a", 2, ne_a, 0, decl ? NULL : a, sizeof a), LQ_OK);
    assert_int_equal(lq_gguf_writer_add_tensor(both[k], "e", 1, ne_e, 0, NULL, 0), LQ_OK);
    assert_int_equal(lq_gguf_writer_add_tensor(both[k], "b", 1, ne_b, 0, decl ? NULL : b, sizeof b), LQ_OK);
    assert_int_equal(lq_gguf_writer_add_tensor(both[k], "q", 1, ne_q, LQ_GGML_Q8_0, decl ? NULL : q, sizeof q), LQ_OK);
  }
  size_t len;
  assert_int_equal(lq_gguf_writer_write_mem(ref, NULL, 0, &len), LQ_OK);
  unsigned char* want = malloc(len);
  assert_int_equal(lq_gguf_writer_write_mem(ref, want, len, &len), LQ_OK);
  /* declared-only tensors cannot be written in one go */
  size_t l2;
  assert_int_equal(lq_gguf_writer_write_mem(w, NULL, 0, &l2), LQ_ERR_STATE);
  assert_int_equal(lq_gguf_writer_put(w, a, 4), LQ_ERR_STATE);
  assert_int_equal(lq_gguf_writer_finish(w), LQ_ERR_STATE);
  char path[] = "/tmp/lq_gguf_stream_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  assert_int_equal(lq_gguf_writer_begin(w, path), LQ_OK);
  assert_int_equal(lq_gguf_writer_begin(w, path), LQ_ERR_STATE);
  assert_int_equal(lq_gguf_writer_set_string(w, "late", "x"), LQ_ERR_STATE);
  assert_int_equal(lq_gguf_writer_add_tensor(w, "late", 1, ne_b, 0, NULL, sizeof b), LQ_ERR_STATE);
  assert_int_equal(lq_gguf_writer_put(w, NULL, 3), LQ_ERR_INVALID_ARG);
  /* odd chunks that straddle tensors: a's tail, b and q's head in one put */
  assert_int_equal(lq_gguf_writer_put(w, a, 7), LQ_OK);
  unsigned char mid[sizeof a - 7 + sizeof b + 5];
  memcpy(mid, (unsigned char*)a + 7, sizeof a - 7);
  memcpy(mid + sizeof a - 7, b, sizeof b);
  memcpy(mid + sizeof a - 7 + sizeof b, q, 5);
  assert_int_equal(lq_gguf_writer_put(w, mid, sizeof mid), LQ_OK);
  assert_int_equal(lq_gguf_writer_put(w, q + 5, 0), LQ_OK);
  assert_int_equal(lq_gguf_writer_put(w, q + 5, sizeof q - 5), LQ_OK);
  assert_int_equal(lq_gguf_writer_put(w, q, 1), LQ_ERR_INVALID_ARG); /* past the last tensor */
  assert_int_equal(lq_gguf_writer_finish(w), LQ_OK);
  size_t glen;
  unsigned char* got = slurp(path, &glen);
  assert_non_null(got);
  assert_int_equal(glen, len);
  assert_memory_equal(got, want, len);
  free(got);
  lq_gguf* g;
  assert_int_equal(lq_gguf_open(path, &g), LQ_OK);
  assert_int_equal(lq_gguf_tensor_count(g), 4);
  assert_memory_equal(lq_gguf_find_tensor(g, "q")->data, q, sizeof q);
  lq_gguf_close(g);
  /* short stream: finish refuses, names the tensor, leaves the old file */
  assert_int_equal(lq_gguf_writer_begin(w, path), LQ_OK);
  assert_int_equal(lq_gguf_writer_put(w, a, sizeof a), LQ_OK);
  assert_int_equal(lq_gguf_writer_finish(w), LQ_ERR_STATE);
  assert_non_null(strstr(lq_last_error(), "'b'"));
  got = slurp(path, &glen);
  assert_int_equal(glen, len);
  assert_memory_equal(got, want, len);
  free(got);
  /* destroyed mid-stream: the temporary is removed, the target untouched */
  assert_int_equal(lq_gguf_writer_begin(w, path), LQ_OK);
  assert_int_equal(lq_gguf_writer_put(w, a, 5), LQ_OK);
  lq_gguf_writer_destroy(w);
  got = slurp(path, &glen);
  assert_int_equal(glen, len);
  free(got);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "ls %s.tmp-* >/dev/null 2>&1", path);
  assert_int_not_equal(system(cmd), 0);
  assert_int_equal(lq_gguf_writer_begin(NULL, path), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_gguf_writer_begin(ref, NULL), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_gguf_writer_begin(ref, "/nonexistent-dir/x.gguf"), LQ_ERR_IO);
  assert_int_equal(lq_gguf_writer_put(NULL, a, 1), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_gguf_writer_finish(NULL), LQ_ERR_INVALID_ARG);
  lq_gguf_writer_destroy(ref);
  free(want);
  unlink(path);
}

static void test_writer_bad_args(void** state) {
  (void)state;
  lq_gguf_writer* w;
  assert_int_equal(lq_gguf_writer_create(&w), LQ_OK);
  assert_int_equal(lq_gguf_writer_set_string(w, "a", "x"), LQ_OK);
  assert_int_equal(lq_gguf_writer_set_string(w, "a", "y"), LQ_ERR_INVALID_ARG);
  assert_non_null(strstr(lq_last_error(), "duplicate GGUF key 'a'"));
  assert_int_equal(lq_gguf_writer_set_string(w, "", "y"), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_gguf_writer_set_uint(w, "general.alignment", LQ_GGUF_UINT32, 48), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_gguf_writer_set_uint(w, "general.alignment", LQ_GGUF_UINT64, 64), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_gguf_writer_set_uint(w, "u", LQ_GGUF_UINT8, 256), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_gguf_writer_set_uint(w, "u", LQ_GGUF_INT8, 1), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_gguf_writer_set_uint(w, "u", LQ_GGUF_BOOL, 2), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_gguf_writer_set_int(w, "i", LQ_GGUF_INT16, 40000), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_gguf_writer_set_float(w, "f", LQ_GGUF_INT32, 1.0), LQ_ERR_INVALID_ARG);
  /* a malformed array value is rejected like the reader would */
  unsigned char bad_str[4] = {9, 0, 0, 0};
  lq_gguf_value arr = {LQ_GGUF_ARRAY, LQ_GGUF_STRING, 1, bad_str, 4};
  assert_int_equal(lq_gguf_writer_set_kv(w, "arr", &arr), LQ_ERR_INVALID_ARG);
  lq_gguf_value badtype = {(lq_gguf_type)13, 0, 1, bad_str, 4};
  assert_int_equal(lq_gguf_writer_set_kv(w, "t", &badtype), LQ_ERR_INVALID_ARG);
  float data[64] = {0};
  uint64_t ne[2] = {16, 2};
  assert_int_equal(lq_gguf_writer_add_tensor(w, "t", 2, ne, 0, data, 128), LQ_OK);
  assert_int_equal(lq_gguf_writer_add_tensor(w, "t", 2, ne, 0, data, 128), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_gguf_writer_add_tensor(w, "t2", 2, ne, 0, data, 100), LQ_ERR_INVALID_ARG);
  assert_non_null(strstr(lq_last_error(), "need 128"));
  assert_int_equal(lq_gguf_writer_add_tensor(w, "t3", 2, ne, 8, data, 34), LQ_ERR_INVALID_ARG); /* 16 % 32 */
  assert_non_null(strstr(lq_last_error(), "multiple of the block size 32"));
  assert_int_equal(lq_gguf_writer_add_tensor(w, "t4", 2, ne, 4, data, 8), LQ_ERR_INVALID_ARG); /* removed id */
  assert_int_equal(lq_gguf_writer_add_tensor(w, "t5", 0, ne, 0, data, 0), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_gguf_writer_add_tensor(w, "t6", 5, ne, 0, data, 0), LQ_ERR_INVALID_ARG);
  char longname[80];
  memset(longname, 'n', 64);
  longname[64] = '\0';
  assert_int_equal(lq_gguf_writer_add_tensor(w, longname, 2, ne, 0, data, 128), LQ_ERR_INVALID_ARG);
  longname[63] = '\0';
  assert_int_equal(lq_gguf_writer_add_tensor(w, longname, 2, ne, 0, data, 128), LQ_OK);
  assert_int_equal(lq_gguf_writer_add_tensor(NULL, "x", 2, ne, 0, data, 128), LQ_ERR_INVALID_ARG);
  size_t n;
  assert_int_equal(lq_gguf_writer_write_mem(w, NULL, 0, &n), LQ_OK);
  lq_gguf_writer_destroy(w);
  lq_gguf* g = (lq_gguf*)1;
  assert_int_equal(lq_gguf_open_mem(NULL, 5, &g), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_gguf_open(NULL, &g), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_gguf_open("/", &g), LQ_ERR_IO);
  size_t blk, bytes;
  const char* name;
  assert_int_equal(lq_ggml_type_size(12, &blk, &bytes, &name), LQ_OK);
  assert_int_equal(blk, 256);
  assert_int_equal(bytes, 144);
  assert_string_equal(name, "q4_K");
  assert_int_equal(lq_ggml_type_size(30, &blk, &bytes, &name), LQ_OK);
  assert_string_equal(name, "bf16");
  assert_int_equal(lq_ggml_type_size(5, &blk, &bytes, &name), LQ_ERR_INVALID_ARG);
}

/* One crafted file per rule. */
static void test_hostile(void** state) {
  (void)state;
  static buf b;
  uint64_t ne2[2] = {4, 2}, ne1[1] = {32};
  b.n = 0;
  put(&b, "GGUX", 4);
  u32(&b, 3);
  u64(&b, 0);
  u64(&b, 0);
  expect_bad(&b, "bad magic");
  header(&b, 0, 0);
  b.b[4] = 1;
  expect_bad(&b, "version 1 is not supported");
  header(&b, 0, 0);
  b.b[4] = 0;
  b.b[7] = 3;
  expect_bad(&b, "big-endian");
  header(&b, 0, 1000);
  expect_bad(&b, "metadata pairs cannot fit");
  header(&b, (uint64_t)1 << 62, 0);
  expect_bad(&b, "tensors cannot fit");
  header(&b, 0, 1);
  u64(&b, (uint64_t)1 << 40);
  put(&b, "abcdefghijklmnop", 16);
  expect_bad(&b, "runs past the end");
  header(&b, 0, 1);
  str(&b, "k");
  u32(&b, 13);
  u64(&b, 0);
  expect_bad(&b, "unknown value type 13");
  header(&b, 0, 1);
  str(&b, "k");
  u32(&b, 7);
  put(&b, "\x02", 1);
  expect_bad(&b, "bool value is 2");
  header(&b, 0, 1);
  str(&b, "k");
  u32(&b, 8);
  u64(&b, 100);
  put(&b, "short", 5);
  expect_bad(&b, "string of 100 bytes runs past");
  header(&b, 0, 1);
  str(&b, "k");
  u32(&b, 9);
  for (int k = 0; k < 9; k++) {
    u32(&b, 9);
    u64(&b, 1);
  }
  u32(&b, 0);
  u64(&b, 0);
  expect_bad(&b, "nested more than 8 deep");
  header(&b, 0, 1);
  str(&b, "k");
  u32(&b, 9);
  u32(&b, 4);
  u64(&b, (uint64_t)1 << 61); /* count * 4 overflows */
  u64(&b, 0);
  expect_bad(&b, "array of 2305843009213693952 elements runs past");
  header(&b, 0, 1);
  str(&b, "k");
  u32(&b, 9);
  u32(&b, 20);
  u64(&b, 0);
  expect_bad(&b, "unknown array element type 20");
  header(&b, 0, 2);
  str(&b, "dup");
  u32(&b, 0);
  put(&b, "\x01", 1);
  str(&b, "dup");
  u32(&b, 0);
  put(&b, "\x02", 1);
  expect_bad(&b, "duplicate metadata key 'dup'");
  header(&b, 0, 1);
  u64(&b, 0);
  u32(&b, 0);
  put(&b, "\x01\x00\x00\x00\x00\x00", 6);
  expect_bad(&b, "empty metadata key");
  header(&b, 0, 1);
  str(&b, "general.alignment");
  u32(&b, 4);
  u32(&b, 48);
  expect_bad(&b, "general.alignment 48 is not a power of two");
  header(&b, 0, 1);
  str(&b, "general.alignment");
  u32(&b, 5);
  u32(&b, 64);
  expect_bad(&b, "general.alignment is not a UINT32");
  /* tensors */
  header(&b, 1, 0);
  tinfo(&b, "t", 5, (const uint64_t[]){1, 1, 1, 1, 1}, 0, 0);
  pad_data(&b, 64);
  expect_bad(&b, "5 dimensions");
  header(&b, 1, 0);
  tinfo(&b, "t", 2, (const uint64_t[]){(uint64_t)1 << 40, (uint64_t)1 << 40}, 0, 0);
  pad_data(&b, 64);
  expect_bad(&b, "element count overflows");
  header(&b, 1, 0);
  tinfo(&b, "t", 1, (const uint64_t[]){(uint64_t)1 << 63}, 0, 0);
  pad_data(&b, 64);
  expect_bad(&b, "negative");
  header(&b, 1, 0);
  tinfo(&b, "t", 2, (const uint64_t[]){(uint64_t)1 << 61, 2}, 0, 0);
  pad_data(&b, 64);
  expect_bad(&b, "byte count overflows");
  header(&b, 1, 0);
  tinfo(&b, "t", 2, ne2, 4, 0);
  pad_data(&b, 64);
  expect_bad(&b, "unknown ggml type 4");
  header(&b, 1, 0);
  tinfo(&b, "t", 2, ne2, 8, 0);
  pad_data(&b, 64);
  expect_bad(&b, "ne[0] = 4 is not a multiple of the block size 32");
  header(&b, 1, 0);
  tinfo(&b, "t", 2, ne2, 0, 16);
  pad_data(&b, 64);
  expect_bad(&b, "offset 16 is not a multiple of the alignment 32");
  header(&b, 1, 0);
  tinfo(&b, "t", 2, ne2, 0, 32);
  pad_data(&b, 40);
  expect_bad(&b, "lies outside the file");
  header(&b, 1, 0);
  tinfo(&b, "t", 2, ne2, 0, 0);
  expect_bad(&b, "lies outside the file"); /* no data section at all */
  header(&b, 2, 0);
  tinfo(&b, "a", 1, ne1, 0, 0);
  tinfo(&b, "b", 1, ne1, 0, 96);
  pad_data(&b, 128);
  expect_bad(&b, "lies outside"); /* b ends at 224 > 128 */
  header(&b, 2, 0);
  tinfo(&b, "a", 1, ne1, 0, 0);
  tinfo(&b, "b", 1, ne1, 0, 64);
  pad_data(&b, 256);
  expect_bad(&b, "tensors 'a' and 'b' overlap");
  header(&b, 2, 0);
  tinfo(&b, "a", 1, ne1, 0, 0);
  tinfo(&b, "a", 1, ne1, 0, 128);
  pad_data(&b, 256);
  expect_bad(&b, "duplicate tensor name 'a'");
  header(&b, 1, 0);
  tinfo(&b, "0123456789012345678901234567890123456789012345678901234567890123", 1, ne1, 0, 0);
  pad_data(&b, 128);
  expect_bad(&b, "longer than 63");
  header(&b, 1, 0);
  u64(&b, 3);
  put(&b, "a\0b", 3);
  u32(&b, 1);
  u64(&b, 32);
  u32(&b, 0);
  u64(&b, 0);
  pad_data(&b, 128);
  expect_bad(&b, "NUL");
  /* and a good one built the same way: two adjacent tensors, 1-byte types */
  header(&b, 2, 0);
  tinfo(&b, "a", 1, ne1, 0, 0);
  tinfo(&b, "b", 1, ne1, 24, 128);
  pad_data(&b, 160);
  lq_gguf* g;
  assert_int_equal(lq_gguf_open_mem(b.b, b.n, &g), LQ_OK);
  assert_int_equal(lq_gguf_find_tensor(g, "b")->nbytes, 32);
  lq_gguf_close(g);
  /* an empty file with no tensors needs no data section */
  header(&b, 0, 0);
  assert_int_equal(lq_gguf_open_mem(b.b, b.n, &g), LQ_OK);
  lq_gguf_close(g);
}

/* Every prefix of the fixture is rejected; byte corruptions anywhere never
 * crash (ASan/UBSan builds check the accesses). */
static void test_truncations_and_corruptions(void** state) {
  (void)state;
  size_t len;
  unsigned char* file = lq_test_read_vector(FIXTURE, &len);
  lq_gguf* g;
  size_t data_off;
  assert_int_equal(lq_gguf_open_mem(file, len, &g), LQ_OK);
  data_off = (size_t)lq_gguf_data_offset(g);
  size_t data_end = 0; /* the padding after the last tensor is optional */
  for (size_t i = 0; i < lq_gguf_tensor_count(g); i++) {
    const lq_gguf_tensor* t = lq_gguf_tensor_at(g, i);
    if (data_off + t->offset + t->nbytes > data_end) data_end = (size_t)(data_off + t->offset + t->nbytes);
  }
  lq_gguf_close(g);
  assert_true(data_end > len - 32 && data_end < len);
  for (size_t cut = 0; cut < len; cut++) {
    unsigned char* p = malloc(cut ? cut : 1); /* exact-size copy so ASan sees overreads */
    memcpy(p, file, cut);
    lq_status s = lq_gguf_open_mem(p, cut, &g);
    if (cut < data_end && s != LQ_ERR_FORMAT) fail_msg("prefix of %zu bytes: status %d", cut, (int)s);
    if (cut >= data_end && s != LQ_OK) fail_msg("prefix of %zu bytes (only padding cut): status %d", cut, (int)s);
    if (s == LQ_OK) lq_gguf_close(g);
    free(p);
  }
  size_t accepted = 0, rejected = 0;
  unsigned char* p = malloc(len);
  for (size_t pos = 0; pos < data_off; pos++) {
    for (int v = 0; v < 256; v += 51) {
      memcpy(p, file, len);
      p[pos] = (unsigned char)(p[pos] ^ (v | 1));
      lq_status s = lq_gguf_open_mem(p, len, &g);
      if (s == LQ_OK) {
        accepted++;
        /* whatever was accepted is self-consistent */
        for (size_t i = 0; i < lq_gguf_tensor_count(g); i++) {
          const lq_gguf_tensor* t = lq_gguf_tensor_at(g, i);
          assert_true((const unsigned char*)t->data >= p && (const unsigned char*)t->data + t->nbytes <= p + len);
        }
        lq_gguf_close(g);
      } else {
        rejected++;
        assert_int_equal(s, LQ_ERR_FORMAT);
        assert_true(lq_last_error()[0] != '\0');
      }
    }
  }
  assert_true(accepted > 0 && rejected > 0);
  /* random multi-byte corruption */
  for (uint64_t trial = 0; trial < 2000; trial++) {
    memcpy(p, file, len);
    for (int k = 0; k < 4; k++) p[lq_rng_u32(77, trial * 8 + (uint64_t)k) % data_off] = (unsigned char)lq_rng_u32(78, trial * 8 + (uint64_t)k);
    if (lq_gguf_open_mem(p, len, &g) == LQ_OK) lq_gguf_close(g);
  }
  free(p);
  free(file);
}

int main(void) {
  lq_test_skip_if_env_isa_missing();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_read_fixture),    cmocka_unit_test(test_write_matches_fixture),
      cmocka_unit_test(test_writer_bad_args), cmocka_unit_test(test_stream), cmocka_unit_test(test_hostile),
      cmocka_unit_test(test_truncations_and_corruptions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
