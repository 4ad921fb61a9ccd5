#include "vq/vq_linalg.h"

#if LQ_HAVE_BLAS
#include <cblas.h>
#endif

#if !LQ_HAVE_BLAS
/* Fallback: blocks of 4 rows of A x 4 rows of B share loads; each C entry is
 * a plain sequential dot product over k, so results do not depend on the
 * blocking. */
static void lq_sgemm_nt_portable(size_t m, size_t n, size_t k, float alpha, const float* a, size_t lda,
                                 const float* b, size_t ldb, float beta, float* c, size_t ldc) {
  enum { NB = 64 };
  for (size_t j0 = 0; j0 < n; j0 += NB) {
    size_t j1 = j0 + NB < n ? j0 + NB : n;
    for (size_t i = 0; i < m; i++) {
      const float* ai = a + i * lda;
      float* ci = c + i * ldc;
      size_t j = j0;
      for (; j + 4 <= j1; j += 4) {
        const float *b0 = b + j * ldb, *b1 = b0 + ldb, *b2 = b1 + ldb, *b3 = b2 + ldb;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (size_t t = 0; t < k; t++) {
          float av = ai[t];
          s0 += av * b0[t];
          s1 += av * b1[t];
          s2 += av * b2[t];
          s3 += av * b3[t];
        }
        float s[4] = {s0, s1, s2, s3};
        for (int u = 0; u < 4; u++) ci[j + u] = alpha * s[u] + (beta == 0.0f ? 0.0f : beta * ci[j + u]);
      }
      for (; j < j1; j++) {
        const float* bj = b + j * ldb;
        float s = 0;
        for (size_t t = 0; t < k; t++) s += ai[t] * bj[t];
        ci[j] = alpha * s + (beta == 0.0f ? 0.0f : beta * ci[j]);
      }
    }
  }
}
#endif

void lq_vq_sgemm_nt(size_t m, size_t n, size_t k, float alpha, const float* a, size_t lda, const float* b,
                    size_t ldb, float beta, float* c, size_t ldc) {
  if (m == 0 || n == 0) return;
#if LQ_HAVE_BLAS
  if (k == 0) {
    for (size_t i = 0; i < m; i++)
      for (size_t j = 0; j < n; j++) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
    return;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n, (int)k, alpha, a, (int)lda, b, (int)ldb,
              beta, c, (int)ldc);
#else
  lq_sgemm_nt_portable(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
#endif
}
