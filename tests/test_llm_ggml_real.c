/* ggml block formats and GGUF against files produced by llama.cpp's own
 * libraries (tests/vectors/ggml_real, written by `llm_vs_ggml DIR golden`,
 * bench/compare/llm_vs_ggml.c, from llama.cpp's prebuilt x86-64 binaries):
 * for 9 data sets (gaussian, heavy tails, exact ties, zero/constant blocks,
 * tiny, large, one-signed, sparse) libquant's quantizers give ggml's bytes and
 * its dequantizers ggml's floats; a GGUF written by llama.cpp's gguf writer
 * reads back with every KV and tensor intact. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "libquant.h"
#include "lq_test.h"

enum { NSETS = 9, GOLD_N = 2048 };

static const lq_ggml_type kTypes[] = {LQ_GGML_Q4_0, LQ_GGML_Q4_1, LQ_GGML_Q5_0, LQ_GGML_Q5_1,
                                      LQ_GGML_Q8_0, LQ_GGML_Q2_K, LQ_GGML_Q3_K, LQ_GGML_Q4_K,
                                      LQ_GGML_Q5_K, LQ_GGML_Q6_K, LQ_GGML_IQ4_NL};

static void test_blocks_equal_llama_cpp(void** state) {
  (void)state;
  float* x = lq_test_load_f32("ggml_real/input.f32", (size_t)NSETS * GOLD_N);
  float* y = malloc((size_t)NSETS * GOLD_N * sizeof *y);
  assert_non_null(y);
  for (size_t ti = 0; ti < sizeof kTypes / sizeof kTypes[0]; ++ti) {
    lq_ggml_traits t;
    assert_int_equal(lq_ggml_type_traits(kTypes[ti], &t), LQ_OK);
    size_t row;
    assert_int_equal(lq_ggml_row_bytes(kTypes[ti], GOLD_N, &row), LQ_OK);
    char name[64], what[96];
    snprintf(name, sizeof name, "ggml_real/%s.q", t.name);
    size_t qbytes;
    uint8_t* q_ggml = lq_test_read_vector(name, &qbytes);
    assert_int_equal(qbytes, row * NSETS);
    uint8_t* q = malloc(row);
    assert_non_null(q);
    for (int set = 0; set < NSETS; ++set) {
      assert_int_equal(lq_ggml_quantize(kTypes[ti], x + (size_t)set * GOLD_N, GOLD_N, q), LQ_OK);
      snprintf(what, sizeof what, "%s quantize, data set %d", t.name, set);
      LQ_ASSERT_BITS_EQUAL(q, q_ggml + (size_t)set * row, row, what);
    }
    snprintf(name, sizeof name, "ggml_real/%s.deq.f32", t.name);
    float* y_ggml = lq_test_load_f32(name, (size_t)NSETS * GOLD_N);
    assert_int_equal(lq_ggml_dequantize(kTypes[ti], q_ggml, (size_t)NSETS * GOLD_N, y), LQ_OK);
    snprintf(what, sizeof what, "%s dequantize", t.name);
    LQ_ASSERT_BITS_EQUAL(y, y_ggml, (size_t)NSETS * GOLD_N * sizeof(float), what);
    free(q), free(q_ggml), free(y_ggml);
  }
  free(x), free(y);
}

static void test_gguf_written_by_llama_cpp(void** state) {
  (void)state;
  char path[1024];
  snprintf(path, sizeof path, "%s/ggml_real/by_llama_cpp.gguf", LQ_TEST_VECTORS_DIR);
  lq_gguf* g = NULL;
  assert_int_equal(lq_gguf_open(path, &g), LQ_OK);
  assert_int_equal(lq_gguf_version(g), 3);
  assert_int_equal(lq_gguf_alignment(g), 32);
  assert_int_equal(lq_gguf_kv_count(g), 10);
  assert_int_equal(lq_gguf_tensor_count(g), 13);

  const lq_gguf_kv* kv = lq_gguf_find_kv(g, "general.architecture");
  assert_non_null(kv);
  assert_int_equal(kv->value.type, LQ_GGUF_STRING);
  assert_int_equal(kv->value.len, 5);
  assert_memory_equal(kv->value.data, "llama", 5);
  int64_t i64;
  assert_int_equal(lq_gguf_value_int(&lq_gguf_find_kv(g, "test.i64")->value, &i64), LQ_OK);
  assert_true(i64 == -1234567890123ll);
  assert_int_equal(lq_gguf_value_int(&lq_gguf_find_kv(g, "test.i8")->value, &i64), LQ_OK);
  assert_int_equal(i64, -7);
  double f64;
  assert_int_equal(lq_gguf_value_float(&lq_gguf_find_kv(g, "test.f64")->value, &f64), LQ_OK);
  assert_true(f64 == 0.1);
  kv = lq_gguf_find_kv(g, "tokenizer.ggml.tokens");
  assert_non_null(kv);
  assert_int_equal(kv->value.type, LQ_GGUF_ARRAY);
  assert_int_equal(kv->value.elem_type, LQ_GGUF_STRING);
  assert_int_equal(kv->value.count, 4);
  lq_gguf_iter it = {0};
  lq_gguf_value e;
  static const char* const tokens[] = {"<s>", "</s>", "hello", ""};
  for (int i = 0; i < 4; ++i) {
    assert_int_equal(lq_gguf_array_next(&kv->value, &it, &e), LQ_OK);
    assert_int_equal(e.type, LQ_GGUF_STRING);
    assert_int_equal(e.len, strlen(tokens[i]));
    if (e.len) assert_memory_equal(e.data, tokens[i], e.len);
  }
  kv = lq_gguf_find_kv(g, "test.empty_u8");
  assert_non_null(kv);
  assert_int_equal(kv->value.elem_type, LQ_GGUF_UINT8);
  assert_int_equal(kv->value.count, 0);

  /* blk.<i>.<type>.weight: golden set 1 (4 rows of 512) quantized by ggml */
  float* x = lq_test_load_f32("ggml_real/input.f32", (size_t)NSETS * GOLD_N);
  uint8_t* q = malloc((size_t)GOLD_N * 2);
  assert_non_null(q);
  for (size_t ti = 0; ti < sizeof kTypes / sizeof kTypes[0]; ++ti) {
    lq_ggml_traits t;
    lq_ggml_type_traits(kTypes[ti], &t);
    char name[64];
    snprintf(name, sizeof name, "blk.%zu.%s.weight", ti, t.name);
    const lq_gguf_tensor* tensor = lq_gguf_find_tensor(g, name);
    assert_non_null(tensor);
    assert_int_equal(tensor->type, (uint32_t)kTypes[ti]);
    assert_int_equal(tensor->n_dims, 2);
    assert_int_equal(tensor->ne[0], 512);
    assert_int_equal(tensor->ne[1], GOLD_N / 512);
    size_t bytes;
    lq_ggml_row_bytes(kTypes[ti], GOLD_N, &bytes);
    assert_int_equal(tensor->nbytes, bytes);
    assert_int_equal(lq_ggml_quantize(kTypes[ti], x + GOLD_N, GOLD_N, q), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(q, tensor->data, bytes, name);
  }
  const lq_gguf_tensor* f32 = lq_gguf_find_tensor(g, "output_norm.weight");
  assert_non_null(f32);
  assert_int_equal(f32->type, 0);
  assert_int_equal(f32->nbytes, 3 * 512 * sizeof(float));
  LQ_ASSERT_BITS_EQUAL(f32->data, x + GOLD_N, f32->nbytes, "output_norm.weight");
  const lq_gguf_tensor* f16 = lq_gguf_find_tensor(g, "blk.0.attn_k.bias");
  assert_non_null(f16);
  assert_int_equal(f16->type, 1);
  assert_int_equal(f16->ne[0], 96);
  assert_int_equal(f16->ne[1], 5);
  for (int i = 0; i < 96 * 5; ++i) {
    uint16_t h;
    memcpy(&h, (const uint8_t*)f16->data + 2 * i, 2);
    assert_int_equal(h, lq_f32_to_f16(x[GOLD_N + i]));
  }
  free(q), free(x);
  lq_gguf_close(g);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_blocks_equal_llama_cpp),
      cmocka_unit_test(test_gguf_written_by_llama_cpp),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
