/* Internal linear-algebra wrapper of the vq module. With LQ_HAVE_BLAS=1 it
 * calls OpenBLAS; otherwise a portable, cache-blocked fallback is used (the
 * aarch64 cross build). Only module code calls it, never kernels. */
#ifndef LQ_VQ_LINALG_H
#define LQ_VQ_LINALG_H

#include <stddef.h>

#include "common/lq_internal.h"

/* C[m x n] = alpha * A[m x k] * B[n x k]^T + beta * C, all row-major with
 * leading dimensions lda, ldb, ldc (in floats). beta == 0 ignores C's old
 * contents (NaN-safe). Sizes must fit in int (callers block larger work). */
LQ_INTERNAL void lq_vq_sgemm_nt(size_t m, size_t n, size_t k, float alpha, const float* a, size_t lda,
                                const float* b, size_t ldb, float beta, float* c, size_t ldc);

/* One-sided Jacobi SVD of a square d x d row-major matrix in double:
 * A = U diag(S) V^T with U, V orthogonal (columns completed by Gram-Schmidt
 * when A is rank deficient), S >= 0 (unsorted). U, V are d*d row-major,
 * S has d entries. Portable; always compiled (the fallback of LAPACK). */
LQ_INTERNAL lq_status lq_vq_svd_jacobi(size_t d, const double* a, double* u, double* s, double* v);

/* Orthogonal Procrustes: the rotation R = V U^T (d x d, row-major float)
 * maximising tr(R A) for A = U S V^T (d x d row-major double), i.e. the R
 * minimising |X R^T - Y| when A = X^T Y. LAPACK dgesvd when available,
 * lq_vq_svd_jacobi otherwise. */
LQ_INTERNAL lq_status lq_vq_procrustes(size_t d, const double* a, float* r);

/* Solves A X = B for a symmetric positive definite n x n row-major double A
 * (only the upper triangle is read; A is overwritten by its Cholesky factor)
 * and n x nrhs row-major B (overwritten by X). LAPACK dposv when available,
 * a portable Cholesky otherwise. LQ_ERR_NUMERIC if A is not positive
 * definite. */
LQ_INTERNAL lq_status lq_vq_dposv(size_t n, size_t nrhs, double* a, double* b);

#endif
