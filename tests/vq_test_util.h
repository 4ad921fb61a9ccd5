/* Helpers shared by the vq test suites. */
#ifndef VQ_TEST_UTIL_H
#define VQ_TEST_UTIL_H

#include "lq_test.h"

/* Mean squared reconstruction error per vector, sum over the d coordinates,
 * of decode(encode(x)) for n rows of x (the MSE FAISS reports). */
static inline double vq_test_codec_mse(const lq_vq_codec* c, size_t n, size_t d, const float* x) {
  uint8_t* codes = (uint8_t*)malloc(n * lq_vq_code_size(c));
  float* y = (float*)malloc(n * d * sizeof(float));
  assert_int_equal(lq_vq_encode(c, n, x, codes), LQ_OK);
  assert_int_equal(lq_vq_decode(c, n, codes, y), LQ_OK);
  double s = 0;
  for (size_t i = 0; i < n * d; i++) s += ((double)x[i] - y[i]) * ((double)x[i] - y[i]);
  free(codes);
  free(y);
  return s / (double)n;
}

/* Round trip of c through the codec container: the loaded codec has the same
 * code size and dimension and gives the same codes for n rows of x; every
 * truncation (each length up to 90 bytes, then every 61st) and a flipped bit
 * (each of the first 90 bytes, then every 53rd) are rejected with
 * LQ_ERR_FORMAT and no codec. */
static inline void vq_test_check_save_load(const lq_vq_codec* c, size_t n, const float* x) {
  size_t sz;
  assert_int_equal(lq_vq_save(c, NULL, 0, &sz), LQ_OK);
  uint8_t* buf = (uint8_t*)malloc(sz);
  assert_int_equal(lq_vq_save(c, buf, sz, &sz), LQ_OK);
  lq_vq_codec* d = NULL;
  assert_int_equal(lq_vq_load(buf, sz, &d), LQ_OK);
  size_t cs = lq_vq_code_size(c);
  assert_int_equal(lq_vq_code_size(d), cs);
  assert_int_equal(lq_vq_codec_dim(d), lq_vq_codec_dim(c));
  uint8_t* a = (uint8_t*)malloc(n * cs);
  uint8_t* b = (uint8_t*)malloc(n * cs);
  assert_int_equal(lq_vq_encode(c, n, x, a), LQ_OK);
  assert_int_equal(lq_vq_encode(d, n, x, b), LQ_OK);
  LQ_ASSERT_BITS_EQUAL(a, b, n * cs, "loaded codec codes");
  lq_vq_codec_free(d);
  for (size_t len = 0; len < sz; len += (len < 90 ? 1 : 61)) {
    d = (lq_vq_codec*)0x1;
    lq_test_expect_error(lq_vq_load(buf, len, &d), LQ_ERR_FORMAT, NULL);
    assert_null(d);
  }
  for (size_t pos = 0; pos < sz; pos += (pos < 90 ? 1 : 53)) {
    buf[pos] ^= 0x10;
    lq_test_expect_error(lq_vq_load(buf, sz, &d), LQ_ERR_FORMAT, NULL);
    buf[pos] ^= 0x10;
  }
  free(a);
  free(b);
  free(buf);
}

#endif
