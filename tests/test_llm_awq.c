/* AutoAWQ GEMM packing (lq_awq_*) against tests/vectors/llm_awq_golden.bin,
 * produced by gen_llm_awq.py's transcription of AutoAWQ's from_linear. */
#include "lq_test.h"

static uint32_t rd32(const uint8_t* p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

static void test_awq_golden(void** state) {
  (void)state;
  size_t size = 0;
  uint8_t* blob = lq_test_read_vector("llm_awq_golden.bin", &size);
  assert_non_null(blob);
  assert_true(size >= 12 && memcmp(blob, "LQAWQ001", 8) == 0);
  const uint32_t ncases = rd32(blob + 8);
  assert_int_equal(ncases, 4);
  size_t off = 12;
  for (uint32_t c = 0; c < ncases; c++) {
    const size_t rows = rd32(blob + off), cols = rd32(blob + off + 4), group = rd32(blob + off + 8);
    off += 12;
    const size_t ng = cols / group, n = rows * cols;
    const size_t need = n + 4 * rows * ng * 2 + 4 * cols * rows / 8 + 4 * ng * rows / 8 + 2 * ng * rows;
    assert_true(off + need <= size);
    /* copies: the blob's arrays are not aligned for their types */
    uint8_t* q = malloc(n);
    int32_t* zeros = malloc(4 * rows * ng);
    float* scales = malloc(4 * rows * ng);
    uint32_t* qw = malloc(4 * cols * rows / 8);
    uint32_t* qz = malloc(4 * ng * rows / 8);
    uint16_t* sh = malloc(2 * ng * rows);
    uint32_t* got_w = malloc(4 * cols * rows / 8);
    uint32_t* got_z = malloc(4 * ng * rows / 8);
    uint16_t* got_s = malloc(2 * ng * rows);
    uint8_t* back_q = malloc(n);
    int32_t* back_z = malloc(4 * rows * ng);
    assert_true(q && zeros && scales && qw && qz && sh && got_w && got_z && got_s && back_q && back_z);
    memcpy(q, blob + off, n), off += n;
    memcpy(zeros, blob + off, 4 * rows * ng), off += 4 * rows * ng;
    memcpy(scales, blob + off, 4 * rows * ng), off += 4 * rows * ng;
    memcpy(qw, blob + off, 4 * cols * rows / 8), off += 4 * cols * rows / 8;
    memcpy(qz, blob + off, 4 * ng * rows / 8), off += 4 * ng * rows / 8;
    memcpy(sh, blob + off, 2 * ng * rows), off += 2 * ng * rows;

    assert_int_equal(lq_awq_pack(q, rows, cols, got_w), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(got_w, qw, 4 * cols * rows / 8, "qweight");
    assert_int_equal(lq_awq_pack_zeros(zeros, rows, ng, got_z), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(got_z, qz, 4 * ng * rows / 8, "qzeros");
    assert_int_equal(lq_awq_pack_scales(scales, rows, ng, got_s), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(got_s, sh, 2 * ng * rows, "scales");
    assert_int_equal(lq_awq_unpack(qw, rows, cols, back_q), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(back_q, q, n, "unpack");
    assert_int_equal(lq_awq_unpack_zeros(qz, rows, ng, back_z), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(back_z, zeros, 4 * rows * ng, "unpack zeros");
    free(q), free(zeros), free(scales), free(qw), free(qz), free(sh);
    free(got_w), free(got_z), free(got_s), free(back_q), free(back_z);
  }
  assert_int_equal(off, size);
  free(blob);
}

/* Hand-checked layout: output row r holds code r (one input column), so
 * nibble s of the word holds AWQ_ORDER[s] = 0,2,4,6,1,3,5,7. */
static void test_awq_layout_and_errors(void** state) {
  (void)state;
  uint8_t q[16];
  uint32_t w[2];
  for (int r = 0; r < 16; r++) q[r] = (uint8_t)r;
  assert_int_equal(lq_awq_pack(q, 16, 1, w), LQ_OK);
  assert_int_equal(w[0], 0x75316420u);
  assert_int_equal(w[1], 0xFDB9ECA8u);
  int32_t z[8] = {1, 2, 3, 4, 5, 6, 7, 8}, zb[8];
  assert_int_equal(lq_awq_pack_zeros(z, 8, 1, w), LQ_OK);
  assert_int_equal(w[0], 0x86427531u);
  assert_int_equal(lq_awq_unpack_zeros(w, 8, 1, zb), LQ_OK);
  assert_memory_equal(zb, z, sizeof z);
  assert_int_equal(lq_awq_pack(q, 12, 1, w), LQ_ERR_INVALID_ARG); /* rows % 8 */
  q[3] = 16;
  assert_int_equal(lq_awq_pack(q, 16, 1, w), LQ_ERR_INVALID_ARG);
  z[2] = -1;
  assert_int_equal(lq_awq_pack_zeros(z, 8, 1, w), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_awq_pack(NULL, 8, 1, w), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_awq_unpack(w, 8, 1, NULL), LQ_ERR_INVALID_ARG);
  assert_int_equal(lq_awq_pack(q, SIZE_MAX - 7, 2, w), LQ_ERR_OVERFLOW);
  assert_int_equal(lq_awq_pack(NULL, 8, 0, NULL), LQ_OK); /* empty */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_awq_golden),
      cmocka_unit_test(test_awq_layout_and_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
