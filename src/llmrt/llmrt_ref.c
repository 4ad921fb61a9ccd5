/* Scalar reference kernels of the llmrt module. */
#include "llmrt/llmrt_kernels.h"

void lq_uk_llmrt_gemm_s8__ref(size_t m, size_t n, size_t k, const int8_t* a, const int8_t* b, int32_t* c) {
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < n; j++) {
      /* uint32 arithmetic: wraps (defined) where int32 would overflow. */
      uint32_t s = 0;
      for (size_t t = 0; t < k; t++) s += (uint32_t)((int32_t)a[i * k + t] * (int32_t)b[j * k + t]);
      c[i * n + j] = (int32_t)s;
    }
}
