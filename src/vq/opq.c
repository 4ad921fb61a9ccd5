/* Non-parametric OPQ (Ge, He, Ke & Sun, CVPR 2013), as FAISS 1.7.3
 * OPQMatrix::train: on mean-centred training rows X, alternate
 *   (1) PQ training on X R^T (40 k-means iterations the first time, then 4,
 *       hot-started from the previous codebooks, max 1000 points/centroid),
 *   (2) the orthogonal Procrustes update R = V U^T from X^T Y = U S V^T,
 *       Y = the PQ reconstruction of X R^T,
 * for niter = 50 rounds. The transform has no bias (FAISS likewise). */
#include <math.h>
#include <string.h>

#include "vq/vq_codec.h"
#include "vq/vq_linalg.h"
#include "vq/vq_rng.h"

/* Random orthogonal start: a Gaussian d x d matrix (MT19937 seed 1234,
 * Box-Muller) orthonormalised row by row (modified Gram-Schmidt, double).
 * FAISS uses float_randn + QR; the start differs, the method is the same. */
static void lq_random_rotation(size_t d, float* r) {
  lq_mt19937 mt;
  lq_mt_seed(&mt, 1234);
  for (size_t i = 0; i < d * d; i += 2) {
    double u1 = lq_mt_double(&mt), u2 = lq_mt_double(&mt);
    if (u1 < 1e-300) u1 = 1e-300;
    double rad = sqrt(-2.0 * log(u1));
    r[i] = (float)(rad * cos(6.283185307179586 * u2));
    if (i + 1 < d * d) r[i + 1] = (float)(rad * sin(6.283185307179586 * u2));
  }
  for (size_t i = 0; i < d; i++) {
    float* ri = r + i * d;
    for (int pass = 0; pass < 2; pass++)
      for (size_t j = 0; j < i; j++) {
        const float* rj = r + j * d;
        double dot = 0;
        for (size_t t = 0; t < d; t++) dot += (double)ri[t] * rj[t];
        for (size_t t = 0; t < d; t++) ri[t] = (float)(ri[t] - dot * rj[t]);
      }
    double nr = 0;
    for (size_t t = 0; t < d; t++) nr += (double)ri[t] * ri[t];
    nr = 1.0 / sqrt(nr);
    for (size_t t = 0; t < d; t++) ri[t] = (float)(ri[t] * nr);
  }
}

lq_status lq_vq_opq_train_rotation(lq_vq_codec* c, size_t n, const float* x) {
  const size_t d = c->p.d;
  int niter = c->p.opq_niter ? c->p.opq_niter : 50;
  int niter_pq = c->p.opq_niter_pq ? c->p.opq_niter_pq : 4;
  int niter_pq0 = c->p.opq_niter_pq0 ? c->p.opq_niter_pq0 : 40;
  size_t nmax = c->p.opq_max_train ? c->p.opq_max_train : 65536;
  size_t nt = n > nmax ? nmax : n;
  if (nt < c->ksub) nt = n < c->ksub ? n : c->ksub;
  lq_status s = LQ_OK;
  int32_t* perm = NULL;
  float *xt = NULL, *xproj = NULL, *dec = NULL, *xT = NULL, *yT = NULL, *a = NULL;
  double* ad = NULL;
  uint8_t* codes = NULL;
  lq_vq_codec* pc = NULL;
  lq_vq_params pp = c->p;
  pp.kind = LQ_VQ_PQ;
  if ((s = lq_alloc_array(nt * d, sizeof(float), "OPQ training rows", (void**)&xt)) != LQ_OK ||
      (s = lq_alloc_array(nt * d, sizeof(float), "OPQ projections", (void**)&xproj)) != LQ_OK ||
      (s = lq_alloc_array(nt * d, sizeof(float), "OPQ reconstructions", (void**)&dec)) != LQ_OK ||
      (s = lq_alloc_array(nt * d, sizeof(float), "OPQ transposed rows", (void**)&xT)) != LQ_OK ||
      (s = lq_alloc_array(nt * d, sizeof(float), "OPQ transposed reconstructions", (void**)&yT)) != LQ_OK ||
      (s = lq_alloc_array(d * d, sizeof(float), "OPQ cross product", (void**)&a)) != LQ_OK ||
      (s = lq_alloc_array(d * d, sizeof(double), "OPQ cross product", (void**)&ad)) != LQ_OK ||
      (s = lq_alloc_array(nt, c->code_size, "OPQ codes", (void**)&codes)) != LQ_OK ||
      (s = lq_vq_codec_alloc(&pp, &pc)) != LQ_OK)
    goto done;
  if (nt < n) { /* FAISS fvecs_maybe_subsample: first nmax rows of rand_perm(n, 1234) */
    if ((s = lq_alloc_array(n, sizeof(int32_t), "OPQ permutation", (void**)&perm)) != LQ_OK) goto done;
    lq_faiss_rand_perm(perm, n, 1234);
    for (size_t i = 0; i < nt; i++) memcpy(xt + i * d, x + (size_t)perm[i] * d, d * sizeof(float));
  } else {
    memcpy(xt, x, nt * d * sizeof(float));
  }
  for (size_t t = 0; t < d; t++) { /* centre (the learned transform has no bias) */
    double mean = 0;
    for (size_t i = 0; i < nt; i++) mean += xt[i * d + t];
    float mf = (float)(mean / (double)nt);
    for (size_t i = 0; i < nt; i++) xt[i * d + t] -= mf;
  }
  for (size_t i = 0; i < nt; i++)
    for (size_t t = 0; t < d; t++) xT[t * nt + i] = xt[i * d + t];
  lq_random_rotation(d, c->rot);
  for (int it = 0; it < niter; it++) {
    lq_vq_rotate(c, nt, xt, xproj, 0);
    lq_kmeans_config km = {0};
    km.niter = it == 0 ? niter_pq0 : niter_pq;
    km.max_points_per_centroid = 1000;
    km.nthreads = c->p.nthreads;
    /* the rotation search is reported as the first 80 % of OPQ training */
    lq_progress_span span = {c->p.km.progress, c->p.km.progress_user, 0.8 * it / niter, 0.8 / niter};
    if (span.fn) {
      km.progress = lq_progress_span_fn;
      km.progress_user = &span;
    }
    if ((s = lq_vq_pq_train_codebooks(pc, nt, xproj, &km, it > 0, NULL)) != LQ_OK) goto done;
    lq_vq_codec_finish(pc);
    if ((s = lq_vq_pq_encode_rotated(pc, nt, xproj, codes)) != LQ_OK) goto done;
    if ((s = lq_vq_decode(pc, nt, codes, dec)) != LQ_OK) goto done;
    for (size_t i = 0; i < nt; i++)
      for (size_t t = 0; t < d; t++) yT[t * nt + i] = dec[i * d + t];
    /* A = X^T Y (d x d) */
    for (size_t i0 = 0; i0 < nt; i0 += 1u << 20) { /* keep sgemm's K within int */
      size_t kb = nt - i0 < (1u << 20) ? nt - i0 : (1u << 20);
      lq_vq_sgemm_nt(d, d, kb, 1.0f, xT + i0, nt, yT + i0, nt, i0 == 0 ? 0.0f : 1.0f, a, d);
    }
    for (size_t i = 0; i < d * d; i++) ad[i] = a[i];
    if ((s = lq_vq_procrustes(d, ad, c->rot)) != LQ_OK) goto done;
    for (size_t i = 0; i < d; i++)
      for (size_t j = 0; j < d; j++) c->rot_t[j * d + i] = c->rot[i * d + j];
  }
done:
  free(perm);
  free(xt);
  free(xproj);
  free(dec);
  free(xT);
  free(yT);
  free(a);
  free(ad);
  free(codes);
  lq_vq_codec_free(pc);
  return s;
}
