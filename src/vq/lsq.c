/* LSQ++ additive quantization (Martinez, Zakhmi, Hoos & Little, ECCV 2018),
 * following FAISS 1.7.3 LocalSearchQuantizer: random initial codes, then
 * train_iters rounds of {ridge least-squares codebook update, SR-D noise on
 * the codebooks, ICM encoding with iterated local search}. Also the ridge
 * least-squares update shared with RQ's codebook refinement (rq.c).
 * docs/vq.md "LSQ++" has the formulas. */
#include <math.h>
#include <string.h>

#include "cpu/dispatch.h"
#include "vq/vq_codec.h"
#include "vq/vq_linalg.h"
#include "vq/vq_rng.h"
#include "vq/vq_threads.h"

/* Vectors per encode task: fixed, so the per-task random streams (and so
 * the codes) do not depend on the thread count. */
enum { LQ_LSQ_BLOCK = 64 };

/* --------------------------------------------------------- parameters -- */

lq_status lq_vq_lsq_resolve(const lq_vq_lsq_params* p, lq_vq_lsq_params* o) {
  *o = *p;
  if (p->d == 0) return lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_lsq_new: d is 0");
  if (p->M == 0) return lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_lsq_new: M is 0");
  if (p->nbits < 1 || p->nbits > 16)
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_lsq_new: nbits = %d is out of range 1..16", p->nbits);
  if (p->M > 8192 || (p->M << p->nbits) > 8192)
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_lsq_new: M * 2^nbits = %zu * %d is above 8192 (the normal matrix "
                   "of the least-squares update would be too large)", p->M, 1 << p->nbits);
  if (p->train_iters < 0 || p->encode_ils_iters < 0 || p->train_ils_iters < 0 || p->icm_iters < 0 || p->nperts < 0)
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_lsq_new: negative iteration or perturbation count");
  if (!isfinite(p->p) || p->p < 0.0f || !isfinite(p->lambd) || p->lambd < 0.0f)
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_lsq_new: p and lambd must be finite and >= 0");
  if ((size_t)p->nperts > p->M)
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_lsq_new: nperts = %d is above M = %zu", p->nperts, p->M);
  if (o->train_iters == 0) o->train_iters = 25;
  if (o->encode_ils_iters == 0) o->encode_ils_iters = 16;
  if (o->train_ils_iters == 0) o->train_ils_iters = 8;
  if (o->icm_iters == 0) o->icm_iters = 4;
  if (o->nperts == 0) o->nperts = p->M < 4 ? (int)p->M : 4;
  if (o->p == 0.0f) o->p = 0.5f;
  if (o->lambd == 0.0f) o->lambd = 1e-2f;
  if (o->seed == 0) o->seed = 0x12345u;
  return LQ_OK;
}

lq_status lq_vq_lsq_new(const lq_vq_lsq_params* p, lq_vq_codec** out) {
  LQ_REQUIRE_PTR(p);
  LQ_REQUIRE_PTR(out);
  *out = NULL;
  lq_vq_lsq_params r;
  LQ_CHECK(lq_vq_lsq_resolve(p, &r));
  int nb[8192];
  for (size_t m = 0; m < r.M; m++) nb[m] = r.nbits;
  lq_vq_codec* c = NULL;
  LQ_CHECK(lq_vq_rq_alloc(r.d, r.M, nb, 1, r.nthreads, &c));
  c->p.kind = (lq_vq_kind)LQ_VQ_LSQ;
  c->lsq = r;
  *out = c;
  return LQ_OK;
}

/* ------------------------------------------------------ least squares -- */

lq_status lq_vq_ls_codebooks(size_t n, size_t d, size_t M, const size_t* soff, const float* x, const int32_t* idx,
                             double lambd, float* cent) {
  size_t R = soff[M];
  double *bb = NULL, *bx = NULL;
  lq_status s = lq_calloc_array(R * R, sizeof(double), "normal matrix", (void**)&bb);
  if (s == LQ_OK) s = lq_calloc_array(R * d, sizeof(double), "normal right-hand side", (void**)&bx);
  if (s == LQ_OK) {
    /* B^T B: co-occurrence counts of codewords (upper triangle is enough for
     * dposv; rows are codewords of earlier codebooks first), B^T X: sums */
    for (size_t i = 0; i < n; i++) {
      const int32_t* ci = idx + i * M;
      const float* xi = x + i * d;
      for (size_t m = 0; m < M; m++) {
        size_t r1 = soff[m] + (size_t)ci[m];
        double* row = bb + r1 * R;
        row[r1] += 1.0;
        for (size_t m2 = m + 1; m2 < M; m2++) row[soff[m2] + (size_t)ci[m2]] += 1.0;
        double* b = bx + r1 * d;
        for (size_t t = 0; t < d; t++) b[t] += (double)xi[t];
      }
    }
    for (size_t r = 0; r < R; r++) bb[r * R + r] += lambd;
    s = lq_vq_dposv(R, d, bb, bx);
  }
  if (s == LQ_OK)
    for (size_t i = 0; i < R * d; i++) cent[i] = (float)bx[i];
  free(bb);
  free(bx);
  return s;
}

/* ------------------------------------------------------------ encoding -- */

/* Random stream of one (call, task): MT19937 seeded with a hash of the
 * codec seed, a per-call salt and the task index. */
static void lq_lsq_stream(lq_mt19937* mt, uint32_t seed, uint64_t salt, size_t task) {
  uint64_t z = ((uint64_t)seed << 32) ^ (salt * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)task * 0xD1B54A32D192ED03ull);
  z ^= z >> 30;
  z *= 0xBF58476D1CE4E5B9ull;
  z ^= z >> 27;
  z *= 0x94D049BB133111EBull;
  z ^= z >> 31;
  lq_mt_seed(mt, (uint32_t)(z ^ (z >> 32)));
}

/* Uniform integer in [0, range) from one draw (Lemire's multiply-shift; the
 * bias of at most range / 2^32 does not matter for perturbations). */
static uint32_t lq_lsq_uniform(lq_mt19937* mt, uint32_t range) {
  return (uint32_t)(((uint64_t)lq_mt_next(mt) * range) >> 32);
}

typedef struct {
  const lq_vq_codec* c;
  size_t n;
  const float* x;
  int32_t* idx;        /* n*M sub-codes, in/out */
  const float* bin;    /* (M, M, K, K): bin[m][m2][k2][k] = 2 <C_m[k], C_m2[k2]> */
  const float* cnorm;  /* M*K codeword squared norms */
  float* scratch;      /* per worker: unary block, objective row, 2 code sets */
  size_t per_worker;
  int ils_iters;
  uint64_t salt;
} lq_icm_ctx;

/* Energy of code c: E = sum_m U[m][c_m] + sum_{m<m2} bin[m][m2][c_m2][c_m],
 * so that |x - xhat|^2 = |x|^2 + E. Summed in a fixed order. */
static float lq_lsq_energy(size_t M, size_t K, const float* U, const float* bin, const int32_t* code) {
  float e = 0.0f;
  for (size_t m = 0; m < M; m++) {
    e = e + U[m * K + (size_t)code[m]];
    for (size_t m2 = m + 1; m2 < M; m2++) e = e + bin[((m * M + m2) * K + (size_t)code[m2]) * K + (size_t)code[m]];
  }
  return e;
}

/* ICM sweeps: every codebook in turn takes the codeword minimising the
 * energy with the other sub-codes fixed (first minimum wins). */
static void lq_lsq_icm(size_t M, size_t K, int sweeps, const float* U, const float* bin, int32_t* code, float* obj,
                       const lq_dispatch* k) {
  for (int it = 0; it < sweeps; it++) {
    for (size_t m = 0; m < M; m++) {
      memcpy(obj, U + m * K, K * sizeof(float));
      for (size_t m2 = 0; m2 < M; m2++) {
        if (m2 == m) continue;
        const float* row = bin + ((m * M + m2) * K + (size_t)code[m2]) * K;
        for (size_t j = 0; j < K; j++) obj[j] = obj[j] + row[j];
      }
      float best;
      k->vq_argmin_f32_i32(K, obj, &code[m], &best);
    }
  }
}

static void lq_icm_task(void* p, size_t task, int worker) {
  lq_icm_ctx* e = (lq_icm_ctx*)p;
  const lq_vq_codec* c = e->c;
  size_t d = c->p.d, M = c->p.M, K = (size_t)1 << c->p.nbits, MK = M * K;
  size_t i0 = task * LQ_LSQ_BLOCK, i1 = i0 + LQ_LSQ_BLOCK < e->n ? i0 + LQ_LSQ_BLOCK : e->n;
  float* U = e->scratch + (size_t)worker * e->per_worker;
  float* obj = U + LQ_LSQ_BLOCK * MK;
  int32_t* cur = (int32_t*)(obj + K);
  const lq_dispatch* k = lq_dispatch_get();
  /* unary terms of the block: U = -2 X C^T + |c|^2 */
  lq_vq_sgemm_nt(i1 - i0, MK, d, -2.0f, e->x + i0 * d, d, c->cent, d, 0.0f, U, MK);
  for (size_t i = 0; i < i1 - i0; i++)
    for (size_t j = 0; j < MK; j++) U[i * MK + j] = U[i * MK + j] + e->cnorm[j];
  lq_mt19937 mt;
  lq_lsq_stream(&mt, c->lsq.seed, e->salt, task);
  for (size_t i = i0; i < i1; i++) {
    const float* Ui = U + (i - i0) * MK;
    int32_t* best = e->idx + i * M;
    float best_e = lq_lsq_energy(M, K, Ui, e->bin, best);
    for (int r = 0; r < e->ils_iters; r++) {
      memcpy(cur, best, M * sizeof(int32_t));
      for (int q = 0; q < c->lsq.nperts; q++) {
        uint32_t m = lq_lsq_uniform(&mt, (uint32_t)M);
        cur[m] = (int32_t)lq_lsq_uniform(&mt, (uint32_t)K);
      }
      lq_lsq_icm(M, K, c->lsq.icm_iters, Ui, e->bin, cur, obj, k);
      float ce = lq_lsq_energy(M, K, Ui, e->bin, cur);
      if (ce < best_e) {
        best_e = ce;
        memcpy(best, cur, M * sizeof(int32_t));
      }
    }
  }
}

typedef struct {
  const lq_vq_codec* c;
  float* bin;
} lq_bin_ctx;

/* Task m: the rows bin[m][m2] for all m2 != m (one K x K sgemm each). */
static void lq_bin_task(void* p, size_t m, int worker) {
  (void)worker;
  lq_bin_ctx* b = (lq_bin_ctx*)p;
  const lq_vq_codec* c = b->c;
  size_t d = c->p.d, M = c->p.M, K = (size_t)1 << c->p.nbits;
  for (size_t m2 = 0; m2 < M; m2++) {
    if (m2 == m) continue;
    /* bin[m][m2][k2][k] = 2 <C_m2[k2], C_m[k]> */
    lq_vq_sgemm_nt(K, K, d, 2.0f, c->cent + m2 * K * d, d, c->cent + m * K * d, d, 0.0f,
                   b->bin + (m * M + m2) * K * K, K);
  }
}

/* ILS over n vectors whose codes are in idx (in/out). */
static lq_status lq_lsq_icm_encode(const lq_vq_codec* c, size_t n, const float* x, int32_t* idx, int ils_iters,
                                   uint64_t salt) {
  size_t d = c->p.d, M = c->p.M, K = (size_t)1 << c->p.nbits, MK = M * K;
  if (n == 0 || ils_iters == 0) return LQ_OK;
  float *bin = NULL, *cnorm = NULL;
  lq_icm_ctx e;
  memset(&e, 0, sizeof e);
  size_t ntasks = (n + LQ_LSQ_BLOCK - 1) / LQ_LSQ_BLOCK;
  int nt = lq_vq_resolve_threads(c->p.nthreads);
  if ((size_t)nt > ntasks) nt = (int)ntasks;
  lq_status s = lq_calloc_array(M * M * K, K * sizeof(float), "binary terms", (void**)&bin);
  if (s == LQ_OK) s = lq_alloc_array(MK, sizeof(float), "codeword norms", (void**)&cnorm);
  e.per_worker = LQ_LSQ_BLOCK * MK + K + 2 * M;
  if (s == LQ_OK) s = lq_alloc_array((size_t)nt * e.per_worker, sizeof(float), "ICM scratch", (void**)&e.scratch);
  if (s == LQ_OK) {
    for (size_t j = 0; j < MK; j++) cnorm[j] = lq_vq_norm2(c->cent + j * d, d);
    lq_bin_ctx b = {c, bin};
    int ntb = nt < (int)M ? nt : (int)M;
    lq_vq_parallel_for(ntb, M, lq_bin_task, &b);
    e.c = c;
    e.n = n;
    e.x = x;
    e.idx = idx;
    e.bin = bin;
    e.cnorm = cnorm;
    e.ils_iters = ils_iters;
    e.salt = salt;
    lq_vq_parallel_for(nt, ntasks, lq_icm_task, &e);
  }
  free(bin);
  free(cnorm);
  free(e.scratch);
  return s;
}

/* FAISS compute_codes: random initial codes, then encode_ils_iters of ILS.
 * The initial codes come from the per-task stream too (thread-independent). */
static void lq_lsq_random_codes(const lq_vq_codec* c, size_t n, int32_t* idx, uint64_t salt) {
  size_t M = c->p.M;
  int sh = 32 - c->p.nbits;
  for (size_t t = 0; t * LQ_LSQ_BLOCK < n; t++) {
    lq_mt19937 mt;
    lq_lsq_stream(&mt, c->lsq.seed, salt, t);
    size_t i1 = (t + 1) * LQ_LSQ_BLOCK < n ? (t + 1) * LQ_LSQ_BLOCK : n;
    for (size_t i = t * LQ_LSQ_BLOCK * M; i < i1 * M; i++) idx[i] = (int32_t)(lq_mt_next(&mt) >> sh);
  }
}

enum { LQ_LSQ_SALT_ENCODE = 1, LQ_LSQ_SALT_REFINE = 2, LQ_LSQ_SALT_TRAIN = 16 };

/* Encodes in chunks so the int32 code scratch stays bounded. */
lq_status lq_vq_lsq_encode(const lq_vq_codec* c, size_t n, const float* x, uint8_t* codes) {
  size_t M = c->p.M, chunk = 65536;
  int32_t* idx = NULL;
  size_t nc = n < chunk ? n : chunk;
  LQ_CHECK(lq_alloc_array(nc * M, sizeof(int32_t), "sub-codes", (void**)&idx));
  lq_status s = LQ_OK;
  for (size_t i0 = 0; i0 < n && s == LQ_OK; i0 += chunk) {
    size_t cnt = n - i0 < chunk ? n - i0 : chunk;
    /* the salt includes the chunk so chunks get different streams */
    uint64_t salt = LQ_LSQ_SALT_ENCODE + ((uint64_t)(i0 / chunk) << 20);
    lq_lsq_random_codes(c, cnt, idx, salt);
    s = lq_lsq_icm_encode(c, cnt, x + i0 * c->p.d, idx, c->lsq.encode_ils_iters, salt);
    for (size_t i = 0; s == LQ_OK && i < cnt; i++) lq_vq_ml_pack(c, idx + i * M, codes + (i0 + i) * c->code_size);
  }
  free(idx);
  return s;
}

lq_status lq_vq_lsq_refine_codes(const lq_vq_codec* c, size_t n, const float* x, int32_t* idx, int ils_iters) {
  LQ_REQUIRE_PTR(c);
  if (c->p.kind != (lq_vq_kind)LQ_VQ_LSQ)
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_lsq_refine_codes: not an LSQ codec");
  if (!c->trained) return lq_fail(LQ_ERR_STATE, "lq_vq_lsq_refine_codes: the codec is not trained");
  if (ils_iters < 0) return lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_lsq_refine_codes: ils_iters %d < 0", ils_iters);
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(idx);
  size_t nd, nm;
  if (lq_mul_overflows(n, c->p.d, &nd) || lq_mul_overflows(n, c->p.M, &nm))
    return lq_fail(LQ_ERR_OVERFLOW, "lq_vq_lsq_refine_codes: n*d overflows");
  if (!lq_vq_all_finite(x, nd)) return lq_fail(LQ_ERR_NUMERIC, "lq_vq_lsq_refine_codes: input contains NaN or Inf");
  int32_t K = (int32_t)1 << c->p.nbits;
  for (size_t i = 0; i < nm; i++)
    if (idx[i] < 0 || idx[i] >= K)
      return lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_lsq_refine_codes: sub-code %d at %zu is outside 0..%d", idx[i], i,
                     K - 1);
  return lq_lsq_icm_encode(c, n, x, idx, ils_iters, LQ_LSQ_SALT_REFINE);
}

/* ------------------------------------------------------------ training -- */

/* Sum of squared reconstruction errors of idx (double accumulation). */
static double lq_lsq_sse(const lq_vq_codec* c, size_t n, const float* x, const int32_t* idx, float* y) {
  size_t d = c->p.d, M = c->p.M;
  double sse = 0;
  for (size_t i = 0; i < n; i++) {
    memset(y, 0, d * sizeof(float));
    for (size_t m = 0; m < M; m++) {
      const float* w = c->cent + (c->soff[m] + (size_t)idx[i * M + m]) * d;
      for (size_t t = 0; t < d; t++) y[t] = y[t] + w[t];
    }
    for (size_t t = 0; t < d; t++) {
      double u = (double)x[i * d + t] - y[t];
      sse += u * u;
    }
  }
  return sse;
}

/* Standard normal deviate (Box-Muller on two 53-bit uniforms). */
static double lq_lsq_gauss(lq_mt19937* mt) {
  double u1 = lq_mt_double(mt), u2 = lq_mt_double(mt);
  if (u1 < 1e-300) u1 = 1e-300;
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

lq_status lq_vq_lsq_train(lq_vq_codec* c, size_t n, const float* x, lq_kmeans_stats* stats) {
  size_t d = c->p.d, M = c->p.M, K = (size_t)1 << c->p.nbits;
  const lq_vq_lsq_params* L = &c->lsq;
  if (n < K)
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_train: k = 2^%d = %zu codewords is larger than the number of points "
                   "n = %zu", c->p.nbits, K, n);
  size_t nm;
  if (lq_mul_overflows(n, M, &nm)) return lq_fail(LQ_ERR_OVERFLOW, "lq_vq_train: n*M overflows");
  int32_t* idx = NULL;
  double* sd = NULL;
  float* y = NULL;
  lq_status s = lq_alloc_array(nm, sizeof(int32_t), "training codes", (void**)&idx);
  if (s == LQ_OK) s = lq_calloc_array(2 * d, sizeof(double), "per-dimension deviations", (void**)&sd);
  if (s == LQ_OK) s = lq_alloc_array(d, sizeof(float), "reconstruction", (void**)&y);
  if (s == LQ_OK) {
    /* FAISS: codes[i*M + m] = uniform_int(0, K-1)(mt19937(seed)) in row order;
     * for K = 2^nbits libstdc++ draws that as mt() >> (32 - nbits) */
    lq_mt19937 mt;
    lq_mt_seed(&mt, L->seed);
    for (size_t i = 0; i < nm; i++) idx[i] = (int32_t)(lq_mt_next(&mt) >> (32 - c->p.nbits));
    /* per-dimension standard deviation (SR-D noise scale) */
    double* mean = sd + d;
    for (size_t i = 0; i < n; i++)
      for (size_t t = 0; t < d; t++) mean[t] += x[i * d + t];
    for (size_t t = 0; t < d; t++) mean[t] /= (double)n;
    for (size_t i = 0; i < n; i++)
      for (size_t t = 0; t < d; t++) {
        double u = x[i * d + t] - mean[t];
        sd[t] += u * u;
      }
    int any = 0;
    for (size_t t = 0; t < d; t++) {
      sd[t] = sqrt(sd[t] / (double)n);
      if (sd[t] > 0) any = 1;
    }
    if (!any) s = lq_fail(LQ_ERR_NUMERIC, "lq_vq_train: the input has zero variance (all rows equal)");
    for (int it = 0; it < L->train_iters && s == LQ_OK; it++) {
      s = lq_vq_ls_codebooks(n, d, M, c->soff, x, idx, (double)L->lambd, c->cent);
      if (s != LQ_OK) break;
      /* SR-D: C += T * N(0, sd_t) / M, T = (1 - (it+1)/iters)^p (0 in the last round) */
      double T = pow(1.0 - (it + 1.0) / L->train_iters, (double)L->p);
      if (T > 0)
        for (size_t j = 0; j < M * K; j++)
          for (size_t t = 0; t < d; t++)
            c->cent[j * d + t] = c->cent[j * d + t] + (float)(T * lq_lsq_gauss(&mt) * sd[t] / (double)M);
      s = lq_lsq_icm_encode(c, n, x, idx, L->train_ils_iters, LQ_LSQ_SALT_TRAIN + (uint64_t)it);
      if (s == LQ_OK)
        s = lq_progress_report(L->progress, L->progress_user, (it + 1.0) / L->train_iters, "lq_vq_train");
    }
  }
  if (s == LQ_OK && stats) {
    memset(stats, 0, sizeof *stats);
    stats->objective = lq_lsq_sse(c, n, x, idx, y);
    stats->n_train = n;
    stats->niter = L->train_iters;
  }
  free(idx);
  free(sd);
  free(y);
  return s;
}
