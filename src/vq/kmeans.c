/* k-means with FAISS 1.7.3's Clustering algorithm and defaults (see
 * docs/vq.md): FAISS-identical subsample, random init and empty-cluster
 * splitting; k-means++ option; sgemm-based assignment. */
#include <math.h>
#include <string.h>

#include "cpu/dispatch.h"
#include "vq/vq_internal.h"
#include "vq/vq_linalg.h"
#include "vq/vq_rng.h"
#include "vq/vq_threads.h"

#define LQ_KM_DEFAULT_NITER 25
#define LQ_KM_DEFAULT_MAXPP 256
#define LQ_KM_DEFAULT_SEED 1234
#define LQ_KM_REDO_SEED_STEP 15486557L /* FAISS: seed + 1 + redo * 15486557 */
#define LQ_KM_SPLIT_EPS (1 / 1024.)    /* FAISS split_clusters perturbation */

int lq_vq_all_finite(const float* x, size_t count) {
  for (size_t i = 0; i < count; i++)
    if (!isfinite(x[i])) return 0;
  return 1;
}

/* ------------------------------------------------------------ assignment -- */

typedef struct {
  size_t n, d, k, rows_per_task;
  const float *x, *xnorm, *cent, *cnorm;
  float* ip; /* per worker: rows_per_task * k */
  int32_t* assign;
  float* dis;
} lq_assign_ctx;

static void lq_assign_task(void* p, size_t task, int worker) {
  lq_assign_ctx* c = (lq_assign_ctx*)p;
  size_t i0 = task * c->rows_per_task;
  size_t i1 = i0 + c->rows_per_task < c->n ? i0 + c->rows_per_task : c->n;
  float* ip = c->ip + (size_t)worker * c->rows_per_task * c->k;
  lq_vq_sgemm_nt(i1 - i0, c->k, c->d, 1.0f, c->x + i0 * c->d, c->d, c->cent, c->d, 0.0f, ip, c->k);
  lq_uk_vq_argmin_l2_f32_i32_fn argmin = lq_dispatch_get()->vq_argmin_l2_f32_i32;
  for (size_t i = i0; i < i1; i++) {
    int32_t a;
    float dd;
    argmin(c->k, ip + (i - i0) * c->k, c->cnorm, c->xnorm[i], &a, &dd);
    if (c->assign) c->assign[i] = a;
    if (c->dis) c->dis[i] = dd;
  }
}

lq_status lq_vq_assign_l2(size_t n, size_t d, const float* x, const float* xnorm, size_t k, const float* cent,
                          const float* cnorm, int nthreads, int32_t* assign, float* dis) {
  lq_assign_ctx c = {0};
  size_t rows = (size_t)65536 / k;
  if (rows < 8) rows = 8;
  if (rows > 512) rows = 512;
  int nt = lq_vq_resolve_threads(nthreads);
  size_t ntasks = (n + rows - 1) / rows;
  if ((size_t)nt > ntasks) nt = (int)(ntasks ? ntasks : 1);
  size_t ipn;
  if (lq_mul_overflows(rows * k, (size_t)nt, &ipn)) return lq_fail(LQ_ERR_OVERFLOW, "distance buffer too large");
  LQ_CHECK(lq_alloc_array(ipn, sizeof(float), "k-means distance block", (void**)&c.ip));
  c.n = n;
  c.d = d;
  c.k = k;
  c.rows_per_task = rows;
  c.x = x;
  c.xnorm = xnorm;
  c.cent = cent;
  c.cnorm = cnorm;
  c.assign = assign;
  c.dis = dis;
  lq_vq_parallel_for(nt, ntasks, lq_assign_task, &c);
  free(c.ip);
  return LQ_OK;
}

/* ------------------------------------------------------ centroid update -- */

typedef struct {
  size_t n, d, k, ntasks;
  const float* x;
  const int32_t* assign;
  float* cent;
  float* hassign;
} lq_update_ctx;

/* Task t owns centroids [k*t/T, k*(t+1)/T) and scans all points in order,
 * so each centroid's sum has the same order whatever the partition (as
 * FAISS compute_centroids). */
static void lq_update_task(void* p, size_t task, int worker) {
  (void)worker;
  lq_update_ctx* c = (lq_update_ctx*)p;
  size_t c0 = c->k * task / c->ntasks, c1 = c->k * (task + 1) / c->ntasks;
  memset(c->cent + c0 * c->d, 0, (c1 - c0) * c->d * sizeof(float));
  for (size_t j = c0; j < c1; j++) c->hassign[j] = 0.0f;
  for (size_t i = 0; i < c->n; i++) {
    size_t ci = (size_t)c->assign[i];
    if (ci < c0 || ci >= c1) continue;
    float* ce = c->cent + ci * c->d;
    const float* xi = c->x + i * c->d;
    c->hassign[ci] += 1.0f;
    for (size_t t = 0; t < c->d; t++) ce[t] += xi[t];
  }
  for (size_t j = c0; j < c1; j++) {
    if (c->hassign[j] == 0.0f) continue;
    float norm = 1 / c->hassign[j];
    float* ce = c->cent + j * c->d;
    for (size_t t = 0; t < c->d; t++) ce[t] *= norm;
  }
}

/* FAISS split_clusters: the RNG is re-seeded with 1234 on every call. */
static long lq_split_clusters(size_t d, size_t k, size_t n, float* hassign, float* cent) {
  long nsplit = 0;
  lq_mt19937 mt;
  lq_mt_seed(&mt, 1234);
  for (size_t ci = 0; ci < k; ci++) {
    if (hassign[ci] != 0) continue;
    size_t cj;
    for (cj = 0; 1; cj = (cj + 1) % k) {
      float p = (float)((hassign[cj] - 1.0) / (float)(n - k));
      float r = lq_mt_float(&mt);
      if (r < p) break;
    }
    memcpy(cent + ci * d, cent + cj * d, d * sizeof(float));
    for (size_t j = 0; j < d; j++) {
      if (j % 2 == 0) {
        cent[ci * d + j] *= (float)(1 + LQ_KM_SPLIT_EPS);
        cent[cj * d + j] *= (float)(1 - LQ_KM_SPLIT_EPS);
      } else {
        cent[ci * d + j] *= (float)(1 - LQ_KM_SPLIT_EPS);
        cent[cj * d + j] *= (float)(1 + LQ_KM_SPLIT_EPS);
      }
    }
    hassign[ci] = hassign[cj] / 2;
    hassign[cj] -= hassign[ci];
    nsplit++;
  }
  return nsplit;
}

static void lq_renorm_rows(float* c, size_t k, size_t d) {
  for (size_t j = 0; j < k; j++) {
    float* r = c + j * d;
    float nr = lq_vq_norm2(r, d);
    if (nr > 0) {
      float inv = (float)(1.0 / sqrt((double)nr));
      for (size_t t = 0; t < d; t++) r[t] *= inv;
    }
  }
}

/* ------------------------------------------------------------ k-means++ -- */

typedef struct {
  size_t n, d;
  const float* x;
  const float* c;
  double* dmin;
} lq_pp_ctx;

static void lq_pp_task(void* p, size_t task, int worker) {
  (void)worker;
  lq_pp_ctx* c = (lq_pp_ctx*)p;
  size_t i0 = task * 1024, i1 = i0 + 1024 < c->n ? i0 + 1024 : c->n;
  for (size_t i = i0; i < i1; i++) {
    const float* xi = c->x + i * c->d;
    double s = 0;
    for (size_t t = 0; t < c->d; t++) {
      double df = (double)xi[t] - (double)c->c[t];
      s += df * df;
    }
    if (s < c->dmin[i]) c->dmin[i] = s;
  }
}

static void lq_kmeanspp_init(size_t n, size_t d, const float* x, size_t k, uint32_t seed, int nthreads,
                             double* dmin, float* cent) {
  lq_mt19937 mt;
  lq_mt_seed(&mt, seed);
  size_t first = lq_mt_next(&mt) % (uint32_t)n;
  memcpy(cent, x + first * d, d * sizeof(float));
  for (size_t i = 0; i < n; i++) dmin[i] = INFINITY;
  lq_pp_ctx ctx = {n, d, x, cent, dmin};
  size_t ntasks = (n + 1023) / 1024;
  lq_vq_parallel_for(nthreads, ntasks, lq_pp_task, &ctx);
  for (size_t c = 1; c < k; c++) {
    double total = 0;
    for (size_t i = 0; i < n; i++) total += dmin[i];
    size_t pick;
    if (!(total > 0)) {
      pick = lq_mt_next(&mt) % (uint32_t)n; /* every point already chosen: uniform fallback */
    } else {
      double r = lq_mt_double(&mt) * total, acc = 0;
      pick = n - 1;
      for (size_t i = 0; i < n; i++) {
        acc += dmin[i];
        if (acc > r && dmin[i] > 0) {
          pick = i;
          break;
        }
      }
    }
    memcpy(cent + c * d, x + pick * d, d * sizeof(float));
    ctx.c = cent + c * d;
    lq_vq_parallel_for(nthreads, ntasks, lq_pp_task, &ctx);
  }
}

/* --------------------------------------------------------------- train -- */

lq_status lq_kmeans_assign(size_t n, size_t d, const float* x, size_t k, const float* centroids, int nthreads,
                           int32_t* assign_out, float* dist_out) {
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(centroids);
  if (n == 0) return lq_fail(LQ_ERR_INVALID_ARG, "lq_kmeans_assign: n is 0 (empty input)");
  if (d == 0 || k == 0) return lq_fail(LQ_ERR_INVALID_ARG, "lq_kmeans_assign: d and k must be > 0");
  if (k > INT32_MAX || d > INT32_MAX || n > INT32_MAX)
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_kmeans_assign: n, d and k must be <= INT32_MAX");
  size_t nd, kd;
  if (lq_mul_overflows(n, d, &nd) || lq_mul_overflows(k, d, &kd))
    return lq_fail(LQ_ERR_OVERFLOW, "lq_kmeans_assign: n*d or k*d overflows size_t");
  if (!lq_vq_all_finite(x, nd)) return lq_fail(LQ_ERR_NUMERIC, "lq_kmeans_assign: x contains NaN or Inf");
  if (!lq_vq_all_finite(centroids, kd))
    return lq_fail(LQ_ERR_NUMERIC, "lq_kmeans_assign: centroids contain NaN or Inf");
  float *xn = NULL, *cn = NULL;
  lq_status s = lq_alloc_array(n, sizeof(float), "row norms", (void**)&xn);
  if (s == LQ_OK) s = lq_alloc_array(k, sizeof(float), "centroid norms", (void**)&cn);
  if (s == LQ_OK) {
    for (size_t i = 0; i < n; i++) xn[i] = lq_vq_norm2(x + i * d, d);
    for (size_t j = 0; j < k; j++) cn[j] = lq_vq_norm2(centroids + j * d, d);
    s = lq_vq_assign_l2(n, d, x, xn, k, centroids, cn, nthreads, assign_out, dist_out);
  }
  free(xn);
  free(cn);
  return s;
}

lq_status lq_kmeans_train(const lq_kmeans_config* cfg, size_t n, size_t d, const float* x, size_t k,
                          float* centroids_out, double* iter_obj, lq_kmeans_stats* stats) {
  return lq_kmeans_train_from(cfg, n, d, x, k, NULL, centroids_out, iter_obj, stats);
}

lq_status lq_kmeans_train_from(const lq_kmeans_config* cfg_in, size_t n, size_t d, const float* x, size_t k,
                               const float* init, float* centroids_out, double* iter_obj, lq_kmeans_stats* stats) {
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(centroids_out);
  lq_kmeans_config cfg = {0};
  if (cfg_in) cfg = *cfg_in;
  if (n == 0) return lq_fail(LQ_ERR_INVALID_ARG, "lq_kmeans_train: n is 0 (empty input)");
  if (d == 0) return lq_fail(LQ_ERR_INVALID_ARG, "lq_kmeans_train: d is 0");
  if (k == 0) return lq_fail(LQ_ERR_INVALID_ARG, "lq_kmeans_train: k is 0");
  if (n > INT32_MAX || k > INT32_MAX || d > INT32_MAX)
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_kmeans_train: n, d and k must be <= INT32_MAX");
  if (k > n)
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_kmeans_train: k = %zu is larger than the number of points n = %zu", k,
                   n);
  if (cfg.init != LQ_KMEANS_INIT_RANDOM && cfg.init != LQ_KMEANS_INIT_KMEANSPP)
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_kmeans_train: unknown init %d", (int)cfg.init);
  if (cfg.nredo < 0) return lq_fail(LQ_ERR_INVALID_ARG, "lq_kmeans_train: nredo %d is negative", cfg.nredo);
  int niter = cfg.niter == 0 ? LQ_KM_DEFAULT_NITER : (cfg.niter < 0 ? 0 : cfg.niter);
  int nredo = cfg.nredo == 0 ? 1 : cfg.nredo;
  int64_t seed = cfg.seed == 0 ? LQ_KM_DEFAULT_SEED : (int64_t)cfg.seed;
  long maxpp = cfg.max_points_per_centroid == 0 ? LQ_KM_DEFAULT_MAXPP : cfg.max_points_per_centroid;
  size_t nd, kd;
  if (lq_mul_overflows(n, d, &nd) || lq_mul_overflows(k, d, &kd))
    return lq_fail(LQ_ERR_OVERFLOW, "lq_kmeans_train: n*d overflows size_t");
  if (!lq_vq_all_finite(x, nd)) return lq_fail(LQ_ERR_NUMERIC, "lq_kmeans_train: input contains NaN or Inf");
  if (k > 1) {
    int varies = 0;
    for (size_t i = 1; i < n && !varies; i++) varies = memcmp(x, x + i * d, d * sizeof(float)) != 0;
    if (!varies)
      return lq_fail(LQ_ERR_NUMERIC, "lq_kmeans_train: zero-variance data (all %zu rows are equal) cannot "
                                     "give %zu distinct centroids", n, k);
  }

  lq_status s = LQ_OK;
  int32_t *perm = NULL, *assign = NULL;
  float *xs = NULL, *xnorm = NULL, *dis = NULL, *cent = NULL, *cnorm = NULL, *hassign = NULL, *best = NULL;
  double *objs = NULL, *best_objs = NULL, *dmin = NULL;
  const float* xt = x;
  size_t nt = n;
  size_t kmax;
  if (maxpp > 0 && !lq_mul_overflows(k, (size_t)maxpp, &kmax) && n > kmax) {
    /* FAISS subsample_training_set: the first k*maxpp rows of rand_perm(n, seed). */
    nt = k * (size_t)maxpp;
    s = lq_alloc_array(n, sizeof(int32_t), "permutation", (void**)&perm);
    if (s == LQ_OK) s = lq_alloc_array(nt * d, sizeof(float), "training subsample", (void**)&xs);
    if (s != LQ_OK) goto done;
    lq_faiss_rand_perm(perm, n, seed);
    for (size_t i = 0; i < nt; i++) memcpy(xs + i * d, x + (size_t)perm[i] * d, d * sizeof(float));
    xt = xs;
  }
  if (stats) {
    memset(stats, 0, sizeof *stats);
    stats->n_train = nt;
    stats->niter = niter;
  }
  if (nt == k) { /* FAISS: copy the training set */
    memcpy(centroids_out, xt, kd * sizeof(float));
    if (iter_obj)
      for (int i = 0; i < niter; i++) iter_obj[i] = 0;
    goto done;
  }

  if ((s = lq_alloc_array(nt, sizeof(int32_t), "assignment", (void**)&assign)) != LQ_OK ||
      (s = lq_alloc_array(nt, sizeof(float), "row norms", (void**)&xnorm)) != LQ_OK ||
      (s = lq_alloc_array(nt, sizeof(float), "distances", (void**)&dis)) != LQ_OK ||
      (s = lq_alloc_array(kd, sizeof(float), "centroids", (void**)&cent)) != LQ_OK ||
      (s = lq_alloc_array(k, sizeof(float), "centroid norms", (void**)&cnorm)) != LQ_OK ||
      (s = lq_alloc_array(k, sizeof(float), "cluster sizes", (void**)&hassign)) != LQ_OK ||
      (s = lq_alloc_array((size_t)niter + 1, sizeof(double), "objectives", (void**)&objs)) != LQ_OK ||
      (s = lq_alloc_array((size_t)niter + 1, sizeof(double), "objectives", (void**)&best_objs)) != LQ_OK)
    goto done;
  if (nredo > 1 && (s = lq_alloc_array(kd, sizeof(float), "best centroids", (void**)&best)) != LQ_OK) goto done;
  if (cfg.init == LQ_KMEANS_INIT_KMEANSPP &&
      (s = lq_alloc_array(nt, sizeof(double), "k-means++ distances", (void**)&dmin)) != LQ_OK)
    goto done;
  if (perm == NULL && (s = lq_alloc_array(nt, sizeof(int32_t), "permutation", (void**)&perm)) != LQ_OK) goto done;

  for (size_t i = 0; i < nt; i++) xnorm[i] = lq_vq_norm2(xt + i * d, d);
  float best_obj = HUGE_VALF;
  for (int redo = 0; redo < nredo; redo++) {
    int64_t rseed = seed + 1 + (int64_t)redo * LQ_KM_REDO_SEED_STEP;
    if (init != NULL) { /* FAISS: caller-supplied centroids are the initialisation */
      memcpy(cent, init, kd * sizeof(float));
    } else if (cfg.init == LQ_KMEANS_INIT_RANDOM) {
      lq_faiss_rand_perm(perm, nt, rseed);
      for (size_t i = 0; i < k; i++) memcpy(cent + i * d, xt + (size_t)perm[i] * d, d * sizeof(float));
    } else {
      lq_kmeanspp_init(nt, d, xt, k, (uint32_t)rseed, cfg.nthreads, dmin, cent);
    }
    if (cfg.spherical) lq_renorm_rows(cent, k, d);
    double obj = 0;
    long nsplit = 0;
    for (int it = 0; it < niter; it++) {
      for (size_t j = 0; j < k; j++) cnorm[j] = lq_vq_norm2(cent + j * d, d);
      if ((s = lq_vq_assign_l2(nt, d, xt, xnorm, k, cent, cnorm, cfg.nthreads, assign, dis)) != LQ_OK) goto done;
      obj = 0;
      for (size_t i = 0; i < nt; i++) obj += dis[i];
      objs[it] = obj;
      lq_update_ctx uc = {nt, d, k, 0, xt, assign, cent, hassign};
      uc.ntasks = (size_t)lq_vq_resolve_threads(cfg.nthreads);
      if (uc.ntasks > k) uc.ntasks = k;
      lq_vq_parallel_for(cfg.nthreads, uc.ntasks, lq_update_task, &uc);
      nsplit += lq_split_clusters(d, k, nt, hassign, cent);
      if (cfg.spherical) lq_renorm_rows(cent, k, d);
      double done = ((double)redo * niter + it + 1) / ((double)nredo * niter);
      if ((s = lq_progress_report(cfg.progress, cfg.progress_user, done, "lq_kmeans_train")) != LQ_OK) goto done;
    }
    /* FAISS keeps a restart when its (float) objective is strictly lower. */
    if (nredo == 1 || (float)obj < best_obj) {
      best_obj = (float)obj;
      if (nredo > 1) memcpy(best, cent, kd * sizeof(float));
      memcpy(best_objs, objs, (size_t)niter * sizeof(double));
      if (stats) {
        stats->objective = obj;
        stats->best_redo = redo;
        stats->nsplit = nsplit;
      }
    }
  }
  memcpy(centroids_out, nredo > 1 ? best : cent, kd * sizeof(float));
  if (iter_obj) memcpy(iter_obj, best_objs, (size_t)niter * sizeof(double));
  if (niter == 0) s = lq_progress_report(cfg.progress, cfg.progress_user, 1.0, "lq_kmeans_train");

done:
  free(perm);
  free(assign);
  free(xs);
  free(xnorm);
  free(dis);
  free(cent);
  free(cnorm);
  free(hassign);
  free(best);
  free(objs);
  free(best_objs);
  free(dmin);
  return s;
}
