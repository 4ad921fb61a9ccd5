/* AutoGPTQ int32 packing (lq_gptq_pack / unpack / pack_zeros) for bits 2, 3,
 * 4, 8 against tests/vectors/llm_gptq3_golden.bin, produced by
 * gen_llm_gptq3.py's numpy transcription of AutoGPTQ's QuantLinear.pack
 * (3 bits: 32 values in 3 words, values 10 and 21 straddling words). */
#include "lq_test.h"

static uint32_t rd32(const uint8_t* p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

static void test_gptq_golden(void** state) {
  (void)state;
  size_t size = 0;
  uint8_t* blob = lq_test_read_vector("llm_gptq3_golden.bin", &size);
  assert_true(size >= 12 && memcmp(blob, "LQGPTQ01", 8) == 0);
  const uint32_t ncases = rd32(blob + 8);
  assert_int_equal(ncases, 7);
  size_t off = 12, n3 = 0;
  for (uint32_t c = 0; c < ncases; c++) {
    assert_true(off + 16 <= size);
    const int32_t bits = (int32_t)rd32(blob + off);
    const size_t rows = rd32(blob + off + 4), cols = rd32(blob + off + 8), ng = rd32(blob + off + 12);
    off += 16;
    const size_t n = rows * cols, nw = cols * (size_t)bits / 32 * rows, nz = ng * rows * (size_t)bits / 32;
    assert_true(off + n + 4 * rows * ng + 4 * nw + 4 * nz <= size);
    /* copies: the blob's arrays are not aligned for their types */
    uint8_t* q = malloc(n);
    uint8_t* back = malloc(n);
    int32_t* zeros = malloc(4 * rows * ng);
    uint32_t* qw = malloc(4 * nw);
    uint32_t* qz = malloc(4 * nz);
    uint32_t* got_w = malloc(4 * nw + 4);
    uint32_t* got_z = malloc(4 * nz + 4);
    assert_true(q && back && zeros && qw && qz && got_w && got_z);
    memcpy(q, blob + off, n), off += n;
    memcpy(zeros, blob + off, 4 * rows * ng), off += 4 * rows * ng;
    memcpy(qw, blob + off, 4 * nw), off += 4 * nw;
    memcpy(qz, blob + off, 4 * nz), off += 4 * nz;
    got_w[nw] = got_z[nz] = 0xDEADBEEFu;
    memset(got_w, 0x5A, 4 * nw); /* every word must be written */
    assert_int_equal(lq_gptq_pack(bits, q, rows, cols, got_w), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(got_w, qw, 4 * nw, "gptq qweight");
    assert_int_equal(got_w[nw], 0xDEADBEEFu);
    assert_int_equal(lq_gptq_unpack(bits, qw, rows, cols, back), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(back, q, n, "gptq unpack");
    memset(got_z, 0xA5, 4 * nz);
    assert_int_equal(lq_gptq_pack_zeros(bits, zeros, rows, ng, got_z), LQ_OK);
    LQ_ASSERT_BITS_EQUAL(got_z, qz, 4 * nz, "gptq qzeros");
    assert_int_equal(got_z[nz], 0xDEADBEEFu);
    n3 += bits == 3;
    free(q), free(back), free(zeros), free(qw), free(qz), free(got_w), free(got_z);
  }
  assert_int_equal(off, size);
  assert_int_equal(n3, 4);
  free(blob);
}

/* The 3-bit layout spelled out on one group of 32: value k at stream bit 3k. */
static void test_gptq3_layout(void** state) {
  (void)state;
  uint8_t q[32], back[32];
  uint32_t w[3];
  for (int k = 0; k < 32; k++) q[k] = 0;
  q[10] = 5; /* bits 30, 31 of word 0 (binary 01) and bit 0 of word 1 (1) */
  q[21] = 6; /* bit 31 of word 1 (0) and bits 0, 1 of word 2 (11) */
  q[31] = 7; /* bits 29..31 of word 2 */
  q[0] = 3;
  assert_int_equal(lq_gptq_pack(3, q, 1, 32, w), LQ_OK);
  assert_int_equal(w[0], 0x40000003u);
  assert_int_equal(w[1], 0x00000001u);
  assert_int_equal(w[2], 0xE0000003u);
  assert_int_equal(lq_gptq_unpack(3, w, 1, 32, back), LQ_OK);
  assert_memory_equal(back, q, 32);
  int32_t z[32];
  for (int k = 0; k < 32; k++) z[k] = 1; /* stored as 0 */
  z[10] = 6;                             /* stored 5 */
  z[0] = 0;                              /* stored 7 (masked -1) */
  uint32_t qz[3];
  assert_int_equal(lq_gptq_pack_zeros(3, z, 32, 1, qz), LQ_OK);
  assert_int_equal(qz[0], 0x40000007u);
  assert_int_equal(qz[1], 0x00000001u);
  assert_int_equal(qz[2], 0u);
  /* bad inputs */
  assert_int_equal(lq_gptq_pack(3, q, 1, 16, w), LQ_ERR_INVALID_ARG); /* 3 bits: multiples of 32 */
  lq_clear_error();
  assert_int_equal(lq_gptq_pack(5, q, 1, 32, w), LQ_ERR_INVALID_ARG);
  lq_clear_error();
  q[4] = 8;
  assert_int_equal(lq_gptq_pack(3, q, 1, 32, w), LQ_ERR_INVALID_ARG);
  lq_clear_error();
  assert_int_equal(lq_gptq_unpack(3, w, 1, 48, back), LQ_ERR_INVALID_ARG);
  lq_clear_error();
  z[3] = 8;
  assert_int_equal(lq_gptq_pack_zeros(3, z, 32, 1, qz), LQ_ERR_INVALID_ARG);
  lq_clear_error();
  assert_int_equal(lq_gptq_pack_zeros(3, z, 16, 1, qz), LQ_ERR_INVALID_ARG);
  lq_clear_error();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gptq_golden),
      cmocka_unit_test(test_gptq3_layout),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
