/* Scalar reference kernels of the nonuniform module. */
#include "nonuniform/nonuniform_kernels.h"

void lq_uk_nonuniform_log_encode_f32_u8__ref(size_t n, const float* x, const lq_log_kparams* p, uint8_t* c) {
  for (size_t i = 0; i < n; i++) c[i] = lq_log_encode1(x[i], p);
}
