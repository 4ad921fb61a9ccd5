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

#endif
