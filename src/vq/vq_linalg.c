#include "vq/vq_linalg.h"

#include <math.h>
#include <string.h>

#if LQ_HAVE_BLAS
#include <cblas.h>
#include <lapacke.h>
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

/* Makes column j of the d x d row-major q a unit vector orthogonal to the
 * columns listed in done[] (Gram-Schmidt against unit vectors e_0, e_1...). */
static void lq_complete_column(size_t d, double* q, size_t j, const unsigned char* ok) {
  for (size_t e = 0; e < d; e++) {
    for (size_t i = 0; i < d; i++) q[i * d + j] = i == e ? 1.0 : 0.0;
    for (int pass = 0; pass < 2; pass++)
      for (size_t c = 0; c < d; c++) {
        if (c == j || !ok[c]) continue;
        double dot = 0;
        for (size_t i = 0; i < d; i++) dot += q[i * d + c] * q[i * d + j];
        for (size_t i = 0; i < d; i++) q[i * d + j] -= dot * q[i * d + c];
      }
    double nr = 0;
    for (size_t i = 0; i < d; i++) nr += q[i * d + j] * q[i * d + j];
    if (nr > 1e-6) {
      nr = 1.0 / sqrt(nr);
      for (size_t i = 0; i < d; i++) q[i * d + j] *= nr;
      return;
    }
  }
}

lq_status lq_vq_svd_jacobi(size_t d, const double* a, double* u, double* s, double* v) {
  memcpy(u, a, d * d * sizeof(double)); /* W, orthogonalised in place */
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < d; j++) v[i * d + j] = i == j ? 1.0 : 0.0;
  double fro = 0;
  for (size_t i = 0; i < d * d; i++) fro += a[i] * a[i];
  int converged = 0;
  for (int sweep = 0; sweep < 60 && !converged; sweep++) {
    converged = 1;
    for (size_t p = 0; p + 1 < d; p++)
      for (size_t q = p + 1; q < d; q++) {
        double al = 0, be = 0, ga = 0;
        for (size_t i = 0; i < d; i++) {
          double wp = u[i * d + p], wq = u[i * d + q];
          al += wp * wp;
          be += wq * wq;
          ga += wp * wq;
        }
        if (fabs(ga) <= 1e-15 * sqrt(al * be) || fabs(ga) <= 1e-300 * fro) continue;
        converged = 0;
        double zeta = (be - al) / (2 * ga);
        double t = (zeta >= 0 ? 1.0 : -1.0) / (fabs(zeta) + sqrt(1 + zeta * zeta));
        double c = 1 / sqrt(1 + t * t), sn = c * t;
        for (size_t i = 0; i < d; i++) {
          double wp = u[i * d + p], wq = u[i * d + q];
          u[i * d + p] = c * wp - sn * wq;
          u[i * d + q] = sn * wp + c * wq;
          double vp = v[i * d + p], vq = v[i * d + q];
          v[i * d + p] = c * vp - sn * vq;
          v[i * d + q] = sn * vp + c * vq;
        }
      }
  }
  if (!converged) return lq_fail(LQ_ERR_NOT_CONVERGED, "Jacobi SVD did not converge in 60 sweeps");
  unsigned char* ok = (unsigned char*)calloc(d ? d : 1, 1);
  if (!ok) return lq_fail(LQ_ERR_OUT_OF_MEMORY, "Jacobi SVD: out of memory");
  double tiny = 1e-12 * sqrt(fro);
  for (size_t j = 0; j < d; j++) {
    double nr = 0;
    for (size_t i = 0; i < d; i++) nr += u[i * d + j] * u[i * d + j];
    nr = sqrt(nr);
    s[j] = nr;
    if (nr > tiny && nr > 0) {
      for (size_t i = 0; i < d; i++) u[i * d + j] /= nr;
      ok[j] = 1;
    }
  }
  for (size_t j = 0; j < d; j++)
    if (!ok[j]) {
      s[j] = 0;
      lq_complete_column(d, u, j, ok);
      ok[j] = 1;
    }
  free(ok);
  return LQ_OK;
}

lq_status lq_vq_procrustes(size_t d, const double* a, float* r) {
  double *u = NULL, *s = NULL, *v = NULL;
  lq_status st = lq_alloc_array(d * d, sizeof(double), "SVD U", (void**)&u);
  if (st == LQ_OK) st = lq_alloc_array(d, sizeof(double), "SVD S", (void**)&s);
  if (st == LQ_OK) st = lq_alloc_array(d * d, sizeof(double), "SVD V", (void**)&v);
  if (st == LQ_OK) {
#if LQ_HAVE_BLAS
    double* acopy = NULL;
    double* superb = NULL;
    st = lq_alloc_array(d * d, sizeof(double), "SVD input", (void**)&acopy);
    if (st == LQ_OK) st = lq_alloc_array(d, sizeof(double), "SVD work", (void**)&superb);
    if (st == LQ_OK) {
      memcpy(acopy, a, d * d * sizeof(double));
      /* v receives V^T here */
      lapack_int info = LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'A', 'A', (lapack_int)d, (lapack_int)d, acopy,
                                       (lapack_int)d, s, u, (lapack_int)d, v, (lapack_int)d, superb);
      if (info != 0) st = lq_fail(LQ_ERR_BLAS, "LAPACKE_dgesvd failed (info %d)", (int)info);
      /* R = V U^T: R[i][j] = sum_k V[i][k] U[j][k] = sum_k VT[k][i] U[j][k] */
      for (size_t i = 0; i < d && st == LQ_OK; i++)
        for (size_t j = 0; j < d; j++) {
          double acc = 0;
          for (size_t k = 0; k < d; k++) acc += v[k * d + i] * u[j * d + k];
          r[i * d + j] = (float)acc;
        }
    }
    free(acopy);
    free(superb);
#else
    st = lq_vq_svd_jacobi(d, a, u, s, v);
    for (size_t i = 0; i < d && st == LQ_OK; i++)
      for (size_t j = 0; j < d; j++) {
        double acc = 0;
        for (size_t k = 0; k < d; k++) acc += v[i * d + k] * u[j * d + k];
        r[i * d + j] = (float)acc;
      }
#endif
  }
  free(u);
  free(s);
  free(v);
  return st;
}

lq_status lq_vq_dposv(size_t n, size_t nrhs, double* a, double* b) {
  if (n == 0 || nrhs == 0) return LQ_OK;
#if LQ_HAVE_BLAS
  if (n <= INT32_MAX && nrhs <= INT32_MAX) {
    lapack_int info = LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', (lapack_int)n, (lapack_int)nrhs, a, (lapack_int)n, b,
                                    (lapack_int)nrhs);
    if (info != 0) return lq_fail(LQ_ERR_NUMERIC, "least squares: the normal matrix is not positive definite");
    return LQ_OK;
  }
#endif
  /* A = U^T U with U upper triangular, stored in A's upper triangle */
  for (size_t j = 0; j < n; j++) {
    double s = a[j * n + j];
    for (size_t k = 0; k < j; k++) s -= a[k * n + j] * a[k * n + j];
    if (!(s > 0.0)) return lq_fail(LQ_ERR_NUMERIC, "least squares: the normal matrix is not positive definite");
    double r = sqrt(s);
    a[j * n + j] = r;
    for (size_t i = j + 1; i < n; i++) {
      double t = a[j * n + i];
      for (size_t k = 0; k < j; k++) t -= a[k * n + j] * a[k * n + i];
      a[j * n + i] = t / r;
    }
  }
  /* U^T y = b (forward), then U x = y (backward), all right-hand sides at once */
  for (size_t j = 0; j < n; j++) {
    double* bj = b + j * nrhs;
    for (size_t k = 0; k < j; k++) {
      double u = a[k * n + j];
      const double* bk = b + k * nrhs;
      for (size_t r = 0; r < nrhs; r++) bj[r] -= u * bk[r];
    }
    double inv = 1.0 / a[j * n + j];
    for (size_t r = 0; r < nrhs; r++) bj[r] *= inv;
  }
  for (size_t j = n; j-- > 0;) {
    double* bj = b + j * nrhs;
    for (size_t k = j + 1; k < n; k++) {
      double u = a[j * n + k];
      const double* bk = b + k * nrhs;
      for (size_t r = 0; r < nrhs; r++) bj[r] -= u * bk[r];
    }
    double inv = 1.0 / a[j * n + j];
    for (size_t r = 0; r < nrhs; r++) bj[r] *= inv;
  }
  return LQ_OK;
}
