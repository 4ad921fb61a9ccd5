/* QINCo: residual quantization with implicit neural codebooks (Huijben,
 * Douze, Muckley, van Sloun & Verbeek, ICML 2024; facebookresearch/Qinco
 * qinco_v1/model_qinco.py). Step 0 is a plain codebook; step m >= 1 maps each
 * base codeword c and the partial reconstruction xh through
 *   u = c + W [c ; xh] + b,   u = u + B_l relu(A_l u)  (l = 1..L),
 * and the step's codeword is u. Greedy encoding, training by Adam on the sum
 * of the squared errors of every prefix, with a hand-written backward pass. */
#include <math.h>
#include <string.h>

#include "vq/vq_internal.h"
#include "vq/vq_threads.h"

struct lq_qinco {
  size_t d, M, K, L, h, nbits, code_size;
  size_t step_size;   /* floats of one step m >= 1 */
  size_t nparam;
  int epochs, batch, rq_beam, nthreads;
  lq_progress_fn progress;
  void* progress_user;
  float lr;
  uint64_t seed;
  float scale;        /* data scale s: the network sees x / s */
  int trained;
  float* w;           /* parameters, layout below */
};

/* Parameter layout: C_0 (K x d); then per step m = 1..M-1: C_m (K x d),
 * W (d x 2d, row i = output i, columns [c ; xh]), b (d), and per block l:
 * A_l (h x d), B_l (d x h). */
typedef struct {
  const float *C, *W, *b, *A, *B; /* A, B: block 0; block l at +l*h*d */
} lq_qstep;

static size_t lq_qstep_off(const lq_qinco* q, size_t m) { return q->K * q->d + (m - 1) * q->step_size; }

static lq_qstep lq_qstep_get(const lq_qinco* q, const float* w, size_t m) {
  size_t d = q->d, K = q->K;
  lq_qstep s;
  s.C = w + lq_qstep_off(q, m);
  s.W = s.C + K * d;
  s.b = s.W + 2 * d * d;
  s.A = s.b + d;
  s.B = s.A + q->h * d;
  return s;
}
static size_t lq_qblock_stride(const lq_qinco* q) { return 2 * q->h * q->d; }

/* --------------------------------------------------------------- create -- */

lq_status lq_qinco_new(const lq_qinco_params* p, lq_qinco** out) {
  LQ_REQUIRE_PTR(p);
  LQ_REQUIRE_PTR(out);
  *out = NULL;
  if (p->d < 1 || p->d > 64) return lq_fail(LQ_ERR_INVALID_ARG, "lq_qinco_new: d = %zu is outside 1..64", p->d);
  if (p->M < 1 || p->M > 16) return lq_fail(LQ_ERR_INVALID_ARG, "lq_qinco_new: M = %zu is outside 1..16", p->M);
  if (p->nbits < 1 || p->nbits > 8)
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_qinco_new: nbits = %d is outside 1..8", p->nbits);
  int L = p->L ? p->L : 1;
  int h = p->h ? p->h : (int)(2 * p->d > 128 ? 128 : 2 * p->d);
  if (L < 1 || L > 4) return lq_fail(LQ_ERR_INVALID_ARG, "lq_qinco_new: L = %d is outside 1..4", L);
  if (h < 1 || h > 128) return lq_fail(LQ_ERR_INVALID_ARG, "lq_qinco_new: h = %d is outside 1..128", h);
  if (p->batch < 0) return lq_fail(LQ_ERR_INVALID_ARG, "lq_qinco_new: batch = %d < 0", p->batch);
  if (p->rq_beam < 0) return lq_fail(LQ_ERR_INVALID_ARG, "lq_qinco_new: rq_beam = %d < 0", p->rq_beam);
  if (!isfinite(p->lr) || p->lr < 0.0f)
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_qinco_new: lr = %g must be finite and > 0", (double)p->lr);
  lq_qinco* q = NULL;
  LQ_CHECK(lq_calloc_array(1, sizeof *q, "qinco", (void**)&q));
  q->d = p->d;
  q->M = p->M;
  q->nbits = (size_t)p->nbits;
  q->K = (size_t)1 << p->nbits;
  q->L = (size_t)L;
  q->h = (size_t)h;
  q->code_size = (q->M * q->nbits + 7) / 8;
  q->step_size = q->K * q->d + 2 * q->d * q->d + q->d + q->L * 2 * q->h * q->d;
  q->nparam = q->K * q->d + (q->M - 1) * q->step_size;
  q->epochs = p->epochs == 0 ? 10 : p->epochs < 0 ? 0 : p->epochs;
  q->batch = p->batch ? p->batch : 64;
  q->rq_beam = p->rq_beam ? p->rq_beam : 1;
  q->nthreads = p->nthreads;
  q->progress = p->progress;
  q->progress_user = p->progress_user;
  q->lr = p->lr == 0.0f ? 1e-2f : p->lr;
  q->seed = p->seed ? p->seed : 1234;
  q->scale = 1.0f;
  lq_status s = lq_calloc_array(q->nparam, sizeof(float), "qinco parameters", (void**)&q->w);
  if (s != LQ_OK) {
    free(q);
    return s;
  }
  *out = q;
  return LQ_OK;
}

void lq_qinco_free(lq_qinco* q) {
  if (!q) return;
  free(q->w);
  free(q);
}

size_t lq_qinco_dim(const lq_qinco* q) { return q ? q->d : 0; }
size_t lq_qinco_code_size(const lq_qinco* q) { return q ? q->code_size : 0; }
size_t lq_qinco_num_params(const lq_qinco* q) { return q ? q->nparam : 0; }
int lq_qinco_is_trained(const lq_qinco* q) { return q ? q->trained : 0; }

/* ------------------------------------------------------- code packing -- */

static void lq_qpack(const lq_qinco* q, const int32_t* idx, uint8_t* code) {
  memset(code, 0, q->code_size);
  size_t o = 0;
  for (size_t m = 0; m < q->M; m++)
    for (size_t b = 0; b < q->nbits; b++, o++)
      if (((uint32_t)idx[m] >> b) & 1u) code[o >> 3] |= (uint8_t)(1u << (o & 7));
}

static void lq_qunpack(const lq_qinco* q, const uint8_t* code, int32_t* idx) {
  size_t o = 0;
  for (size_t m = 0; m < q->M; m++) {
    uint32_t v = 0;
    for (size_t b = 0; b < q->nbits; b++, o++) v |= (uint32_t)((code[o >> 3] >> (o & 7)) & 1u) << b;
    idx[m] = (int32_t)v;
  }
}

/* -------------------------------------------------------- float forward -- */

/* u += B_l relu(A_l u) for every block (hid: h floats of scratch). */
static void lq_qblocks_f(const lq_qinco* q, const lq_qstep* st, float* u, float* hid) {
  size_t d = q->d, h = q->h;
  for (size_t l = 0; l < q->L; l++) {
    const float* A = st->A + l * lq_qblock_stride(q);
    const float* B = st->B + l * lq_qblock_stride(q);
    for (size_t j = 0; j < h; j++) {
      float s = 0.0f;
      for (size_t t = 0; t < d; t++) s = s + A[j * d + t] * u[t];
      hid[j] = s > 0.0f ? s : 0.0f;
    }
    for (size_t i = 0; i < d; i++) {
      float s = 0.0f;
      for (size_t j = 0; j < h; j++) s = s + B[i * h + j] * hid[j];
      u[i] = u[i] + s;
    }
  }
}

/* Per-step tables of one parameter set: P_m[k] = c_k + W_c c_k (the part of
 * the concat layer that does not depend on xh), K x d per step m >= 1. */
static void lq_qtables(const lq_qinco* q, const float* w, float* P) {
  size_t d = q->d, K = q->K;
  for (size_t m = 1; m < q->M; m++) {
    lq_qstep st = lq_qstep_get(q, w, m);
    float* Pm = P + (m - 1) * K * d;
    for (size_t k = 0; k < K; k++) {
      const float* c = st.C + k * d;
      for (size_t i = 0; i < d; i++) {
        float s = 0.0f;
        for (size_t t = 0; t < d; t++) s = s + st.W[i * 2 * d + t] * c[t];
        Pm[k * d + i] = c[i] + s;
      }
    }
  }
}

/* Greedy encode of one scaled row: idx (M) and, if xh_out, the reconstruction.
 * scratch: 6d + h floats. Residuals are updated by subtraction, so a model
 * with zero W, b, B gives exactly the greedy RQ codes of its codebooks. */
static void lq_qencode_row(const lq_qinco* q, const float* w, const float* P, const float* x, float* scratch,
                           int32_t* idx, float* xh_out) {
  size_t d = q->d, K = q->K;
  float *r = scratch, *xh = r + d, *tv = xh + d, *u = tv + d, *best = u + d, *hid = best + d;
  memcpy(r, x, d * sizeof(float));
  memset(xh, 0, d * sizeof(float));
  for (size_t m = 0; m < q->M; m++) {
    float bd = INFINITY;
    size_t bk = 0;
    if (m == 0) {
      for (size_t k = 0; k < K; k++) {
        const float* c = w + k * d;
        float s = 0.0f;
        for (size_t t = 0; t < d; t++) {
          float e = r[t] - c[t];
          s = s + e * e;
        }
        if (k == 0 || !(s >= bd)) { /* first minimum wins; a NaN distance never stays best */
          bd = s;
          bk = k;
        }
      }
      memcpy(best, w + bk * d, d * sizeof(float));
    } else {
      lq_qstep st = lq_qstep_get(q, w, m);
      for (size_t i = 0; i < d; i++) { /* W_xh xh + b, shared by all K candidates */
        float s = 0.0f;
        for (size_t t = 0; t < d; t++) s = s + st.W[i * 2 * d + d + t] * xh[t];
        tv[i] = s + st.b[i];
      }
      const float* Pm = P + (m - 1) * K * d;
      for (size_t k = 0; k < K; k++) {
        for (size_t i = 0; i < d; i++) u[i] = Pm[k * d + i] + tv[i];
        lq_qblocks_f(q, &st, u, hid);
        float s = 0.0f;
        for (size_t t = 0; t < d; t++) {
          float e = r[t] - u[t];
          s = s + e * e;
        }
        if (k == 0 || !(s >= bd)) {
          bd = s;
          bk = k;
          memcpy(best, u, d * sizeof(float));
        }
      }
    }
    idx[m] = (int32_t)bk;
    for (size_t t = 0; t < d; t++) {
      r[t] = r[t] - best[t];
      xh[t] = xh[t] + best[t];
    }
  }
  if (xh_out) memcpy(xh_out, xh, d * sizeof(float));
}

/* Decode of one code (scaled domain): xh = C_0[i_0] + sum_m u_m. */
static void lq_qdecode_row(const lq_qinco* q, const int32_t* idx, float* xh, float* scratch) {
  size_t d = q->d;
  float *u = scratch, *hid = u + d;
  memcpy(xh, q->w + (size_t)idx[0] * d, d * sizeof(float));
  for (size_t m = 1; m < q->M; m++) {
    lq_qstep st = lq_qstep_get(q, q->w, m);
    const float* c = st.C + (size_t)idx[m] * d;
    for (size_t i = 0; i < d; i++) {
      float s = 0.0f;
      for (size_t t = 0; t < d; t++) s = s + st.W[i * 2 * d + t] * c[t];
      float s2 = 0.0f;
      for (size_t t = 0; t < d; t++) s2 = s2 + st.W[i * 2 * d + d + t] * xh[t];
      u[i] = (c[i] + s) + (s2 + st.b[i]);
    }
    lq_qblocks_f(q, &st, u, hid);
    for (size_t t = 0; t < d; t++) xh[t] = xh[t] + u[t];
  }
}

/* ------------------------------------------------------ threaded encode -- */

enum { LQ_Q_BLOCK = 32 };

typedef struct {
  const lq_qinco* q;
  const float* w;
  const float* P;
  const float* x; /* scaled rows */
  const size_t* rows; /* optional row indices into x */
  size_t n;
  int32_t* idx;
  float* scratch;
  size_t per_worker;
} lq_qenc_ctx;

static void lq_qenc_task(void* p, size_t task, int worker) {
  lq_qenc_ctx* e = (lq_qenc_ctx*)p;
  size_t i1 = (task + 1) * LQ_Q_BLOCK < e->n ? (task + 1) * LQ_Q_BLOCK : e->n;
  float* s = e->scratch + (size_t)worker * e->per_worker;
  for (size_t i = task * LQ_Q_BLOCK; i < i1; i++) {
    size_t r = e->rows ? e->rows[i] : i;
    lq_qencode_row(e->q, e->w, e->P, e->x + r * e->q->d, s, e->idx + i * e->q->M, NULL);
  }
}

/* Encodes n scaled rows (x, optionally through rows[]) into idx (n*M) with the
 * parameters w; P is (M-1)*K*d floats of scratch for the tables. */
static lq_status lq_qencode_many(const lq_qinco* q, const float* w, float* P, size_t n, const float* x,
                                 const size_t* rows, int32_t* idx) {
  lq_qtables(q, w, P);
  size_t ntasks = (n + LQ_Q_BLOCK - 1) / LQ_Q_BLOCK;
  int nt = lq_vq_resolve_threads(q->nthreads);
  if ((size_t)nt > ntasks) nt = (int)ntasks;
  if (nt < 1) nt = 1;
  lq_qenc_ctx e = {q, w, P, x, rows, n, idx, NULL, 6 * q->d + q->h};
  LQ_CHECK(lq_alloc_array((size_t)nt * e.per_worker, sizeof(float), "encode scratch", (void**)&e.scratch));
  lq_vq_parallel_for(nt, ntasks, lq_qenc_task, &e);
  free(e.scratch);
  return LQ_OK;
}

/* ------------------------------------------------ loss and its gradient -- */

/* Loss sum_m |x - xh_m|^2 / n of rows (x[rows[i]] or x[i]) with codes idx,
 * in double, and (if g) the gradient accumulated into g (nparam doubles,
 * zeroed here). *final_sq gets sum_i |x - xh_M|^2 (not divided). */
static lq_status lq_qloss_grad(const lq_qinco* q, size_t n, const float* x, const size_t* rows, const int32_t* idx,
                               double* loss, double* final_sq, double* g) {
  size_t d = q->d, M = q->M, h = q->h, L = q->L;
  size_t cache_step = (L + 1) * d + L * h; /* u_0..u_L, pre-activations p_1..p_L */
  double* mem = NULL;
  size_t nmem = M * d /* xh_m */ + M * cache_step + 2 * d /* concat a */ + 4 * d + h;
  LQ_CHECK(lq_alloc_array(nmem, sizeof(double), "qinco backward scratch", (void**)&mem));
  double *xh = mem, *cache = xh + M * d, *G = cache + M * cache_step, *gu = G + d, *ga = gu + d, *xd = ga + 2 * d,
         *gp = xd + d;
  if (g) memset(g, 0, q->nparam * sizeof(double));
  double tot = 0.0, fin = 0.0, inv_n = 1.0 / (double)n;
  const float* w = q->w;
  for (size_t i = 0; i < n; i++) {
    const float* xi = x + (rows ? rows[i] : i) * d;
    const int32_t* ci = idx + i * M;
    for (size_t t = 0; t < d; t++) xd[t] = (double)xi[t];
    /* forward with caches */
    for (size_t t = 0; t < d; t++) xh[t] = (double)w[(size_t)ci[0] * d + t];
    for (size_t m = 1; m < M; m++) {
      lq_qstep st = lq_qstep_get(q, w, m);
      const float* c = st.C + (size_t)ci[m] * d;
      double* u0 = cache + m * cache_step;
      const double* xp = xh + (m - 1) * d;
      for (size_t r = 0; r < d; r++) {
        double s = (double)c[r] + (double)st.b[r];
        for (size_t t = 0; t < d; t++) s += (double)st.W[r * 2 * d + t] * (double)c[t];
        for (size_t t = 0; t < d; t++) s += (double)st.W[r * 2 * d + d + t] * xp[t];
        u0[r] = s;
      }
      for (size_t l = 0; l < L; l++) {
        const float* A = st.A + l * lq_qblock_stride(q);
        const float* B = st.B + l * lq_qblock_stride(q);
        double *ul = u0 + l * d, *un = u0 + (l + 1) * d, *pl = u0 + (L + 1) * d + l * h;
        for (size_t j = 0; j < h; j++) {
          double s = 0.0;
          for (size_t t = 0; t < d; t++) s += (double)A[j * d + t] * ul[t];
          pl[j] = s;
        }
        for (size_t r = 0; r < d; r++) {
          double s = 0.0;
          for (size_t j = 0; j < h; j++) s += (double)B[r * h + j] * (pl[j] > 0.0 ? pl[j] : 0.0);
          un[r] = ul[r] + s;
        }
      }
      for (size_t t = 0; t < d; t++) xh[m * d + t] = xp[t] + u0[L * d + t];
    }
    for (size_t m = 0; m < M; m++) {
      double s = 0.0;
      for (size_t t = 0; t < d; t++) {
        double e = xd[t] - xh[m * d + t];
        s += e * e;
      }
      tot += s;
      if (m + 1 == M) fin += s;
    }
    if (!g) continue;
    /* backward: G = dLoss/dxh_m, built from the last step down */
    memset(G, 0, d * sizeof(double));
    for (size_t m = M; m-- > 0;) {
      for (size_t t = 0; t < d; t++) G[t] += -2.0 * (xd[t] - xh[m * d + t]) * inv_n;
      if (m == 0) {
        double* gc = g + (size_t)ci[0] * d;
        for (size_t t = 0; t < d; t++) gc[t] += G[t];
        break;
      }
      lq_qstep st = lq_qstep_get(q, w, m);
      size_t off = lq_qstep_off(q, m);
      double* gC = g + off;
      double* gW = gC + q->K * d;
      double* gb = gW + 2 * d * d;
      double* gA0 = gb + d;
      double* u0 = cache + m * cache_step;
      memcpy(gu, G, d * sizeof(double)); /* xh_m = xh_{m-1} + u_L */
      for (size_t l = L; l-- > 0;) {
        const float* A = st.A + l * lq_qblock_stride(q);
        const float* B = st.B + l * lq_qblock_stride(q);
        double* gA = gA0 + l * lq_qblock_stride(q);
        double* gB = gA + h * d;
        double *ul = u0 + l * d, *pl = u0 + (L + 1) * d + l * h;
        for (size_t j = 0; j < h; j++) {
          double rj = pl[j] > 0.0 ? pl[j] : 0.0;
          double gr = 0.0;
          for (size_t r = 0; r < d; r++) {
            gB[r * h + j] += gu[r] * rj;
            gr += (double)B[r * h + j] * gu[r];
          }
          gp[j] = pl[j] > 0.0 ? gr : 0.0;
        }
        for (size_t j = 0; j < h; j++) {
          if (gp[j] == 0.0) continue;
          for (size_t t = 0; t < d; t++) gA[j * d + t] += gp[j] * ul[t];
        }
        for (size_t t = 0; t < d; t++) {
          double s = 0.0;
          for (size_t j = 0; j < h; j++) s += (double)A[j * d + t] * gp[j];
          gu[t] += s;
        }
      }
      /* u_0 = c + W [c ; xh_{m-1}] + b */
      const float* c = st.C + (size_t)ci[m] * d;
      const double* xp = xh + (m - 1) * d;
      memset(ga, 0, 2 * d * sizeof(double));
      for (size_t r = 0; r < d; r++) {
        gb[r] += gu[r];
        for (size_t t = 0; t < d; t++) {
          gW[r * 2 * d + t] += gu[r] * (double)c[t];
          gW[r * 2 * d + d + t] += gu[r] * xp[t];
          ga[t] += (double)st.W[r * 2 * d + t] * gu[r];
          ga[d + t] += (double)st.W[r * 2 * d + d + t] * gu[r];
        }
      }
      double* gc = gC + (size_t)ci[m] * d;
      for (size_t t = 0; t < d; t++) {
        gc[t] += gu[t] + ga[t];
        G[t] += ga[d + t]; /* the identity path keeps G; the concat input adds ga_xh */
      }
    }
  }
  free(mem);
  *loss = tot * inv_n;
  if (final_sq) *final_sq = fin;
  return LQ_OK;
}

static lq_status lq_qcheck_codes(const lq_qinco* q, size_t n, const int32_t* codes) {
  for (size_t i = 0; i < n * q->M; i++)
    if (codes[i] < 0 || (size_t)codes[i] >= q->K)
      return lq_fail(LQ_ERR_INVALID_ARG, "lq_qinco_loss_grad: code %d at %zu is outside 0..%zu", (int)codes[i], i,
                     q->K - 1);
  return LQ_OK;
}

lq_status lq_qinco_loss_grad(const lq_qinco* q, size_t n, const float* x, const int32_t* codes, double* loss,
                             float* grad) {
  LQ_REQUIRE_PTR(q);
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(codes);
  LQ_REQUIRE_PTR(loss);
  if (n == 0) return lq_fail(LQ_ERR_INVALID_ARG, "lq_qinco_loss_grad: n is 0");
  if (!lq_vq_all_finite(x, n * q->d)) return lq_fail(LQ_ERR_NUMERIC, "lq_qinco_loss_grad: NaN or Inf in x");
  LQ_CHECK(lq_qcheck_codes(q, n, codes));
  float* xs = NULL;
  double* g = NULL;
  LQ_CHECK(lq_alloc_array(n * q->d, sizeof(float), "scaled rows", (void**)&xs));
  lq_status s = grad ? lq_alloc_array(q->nparam, sizeof(double), "gradient", (void**)&g) : LQ_OK;
  for (size_t i = 0; s == LQ_OK && i < n * q->d; i++) xs[i] = x[i] / q->scale;
  if (s == LQ_OK) s = lq_qloss_grad(q, n, xs, NULL, codes, loss, NULL, g);
  for (size_t j = 0; s == LQ_OK && grad && j < q->nparam; j++) grad[j] = (float)g[j];
  free(xs);
  free(g);
  return s;
}

/* --------------------------------------------------------------- train -- */

lq_status lq_qinco_train(lq_qinco* q, size_t n, const float* x, double* epoch_mse) {
  LQ_REQUIRE_PTR(q);
  LQ_REQUIRE_PTR(x);
  size_t d = q->d, M = q->M, K = q->K;
  if (n < K) return lq_fail(LQ_ERR_INVALID_ARG, "lq_qinco_train: K = %zu centroids is larger than the number of points n = %zu", K, n);
  size_t nd;
  if (lq_mul_overflows(n, d, &nd)) return lq_fail(LQ_ERR_OVERFLOW, "lq_qinco_train: n * d overflows");
  if (!lq_vq_all_finite(x, nd)) return lq_fail(LQ_ERR_NUMERIC, "lq_qinco_train: NaN or Inf in the training data");
  q->trained = 0; /* a failed or cancelled run leaves a half-updated model: unusable */
  double ss = 0.0;
  for (size_t i = 0; i < nd; i++) ss += (double)x[i] * (double)x[i];
  float scale = (float)sqrt(ss / (double)nd);
  if (!(scale > 0.0f) || !isfinite(scale))
    return lq_fail(LQ_ERR_NUMERIC, "lq_qinco_train: the training data is all zero");
  float *xs = NULL, *P = NULL, *cent = NULL;
  double *g = NULL, *am = NULL, *av = NULL;
  int32_t* idx = NULL;
  size_t* perm = NULL;
  size_t B = (size_t)q->batch < n ? (size_t)q->batch : n;
  lq_vq_codec* rq = NULL;
  lq_status s = lq_alloc_array(nd, sizeof(float), "scaled data", (void**)&xs);
  if (s == LQ_OK) s = lq_alloc_array(M * K * d, sizeof(float), "RQ codebooks", (void**)&cent);
  if (s == LQ_OK) s = lq_alloc_array((M > 1 ? M - 1 : 1) * K * d, sizeof(float), "tables", (void**)&P);
  if (s == LQ_OK) s = lq_alloc_array(q->nparam, sizeof(double), "gradient", (void**)&g);
  if (s == LQ_OK) s = lq_calloc_array(q->nparam, sizeof(double), "Adam m", (void**)&am);
  if (s == LQ_OK) s = lq_calloc_array(q->nparam, sizeof(double), "Adam v", (void**)&av);
  if (s == LQ_OK) s = lq_alloc_array(B * M, sizeof(int32_t), "batch codes", (void**)&idx);
  if (s == LQ_OK) s = lq_alloc_array(n, sizeof(size_t), "permutation", (void**)&perm);
  for (size_t i = 0; s == LQ_OK && i < nd; i++) xs[i] = x[i] / scale;
  /* 1. the initialising RQ (greedy unless rq_beam says otherwise) */
  if (s == LQ_OK) {
    lq_vq_rq_params rp;
    memset(&rp, 0, sizeof rp);
    rp.d = d;
    rp.M = M;
    rp.nbits = (int)q->nbits;
    rp.max_beam_size = q->rq_beam;
    rp.nthreads = q->nthreads;
    rp.km.seed = q->seed;
    rp.km.nthreads = q->nthreads;
    s = lq_vq_rq_new(&rp, &rq);
    if (s == LQ_OK) s = lq_vq_train(rq, n, xs, NULL);
    if (s == LQ_OK) s = lq_vq_get_centroids(rq, cent, M * K * d);
    lq_vq_codec_free(rq);
  }
  if (s == LQ_OK) {
    /* 2. identity init: W, b, B_l = 0 so every step returns c; A_l as torch's
     * default Linear init U(-1/sqrt(d), 1/sqrt(d)) */
    memset(q->w, 0, q->nparam * sizeof(float));
    memcpy(q->w, cent, K * d * sizeof(float));
    float a = 1.0f / sqrtf((float)d);
    uint64_t ctr = 0;
    for (size_t m = 1; m < M; m++) {
      float* base = q->w + lq_qstep_off(q, m);
      memcpy(base, cent + m * K * d, K * d * sizeof(float));
      float* A0 = base + K * d + 2 * d * d + d;
      for (size_t l = 0; l < q->L; l++)
        for (size_t j = 0; j < q->h * d; j++)
          A0[l * lq_qblock_stride(q) + j] = -a + 2.0f * a * lq_rng_uniform_f32(q->seed, ctr++);
    }
    q->scale = scale;
  }
  /* 3. Adam epochs over shuffled mini-batches */
  uint64_t step = 0, draw = 0;
  const double b1 = 0.9, b2 = 0.999, aeps = 1e-8;
  for (int ep = 0; s == LQ_OK && ep < q->epochs; ep++) {
    for (size_t i = 0; i < n; i++) perm[i] = i;
    for (size_t i = n - 1; i > 0; i--) {
      size_t j = (size_t)(lq_rng_u64(q->seed ^ 0x51c0u, draw++) % (uint64_t)(i + 1));
      size_t t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    double fin_sum = 0.0;
    for (size_t i0 = 0; s == LQ_OK && i0 < n; i0 += B) {
      size_t nb = n - i0 < B ? n - i0 : B;
      double loss = 0.0, fin = 0.0;
      s = lq_qencode_many(q, q->w, P, nb, xs, perm + i0, idx);
      if (s == LQ_OK) s = lq_qloss_grad(q, nb, xs, perm + i0, idx, &loss, &fin, g);
      if (s != LQ_OK) break;
      if (!isfinite(loss)) {
        s = lq_fail(LQ_ERR_NUMERIC, "lq_qinco_train: the loss diverged (lr = %g too large?)", (double)q->lr);
        break;
      }
      fin_sum += fin;
      step++;
      double c1 = 1.0 - pow(b1, (double)step), c2 = 1.0 - pow(b2, (double)step);
      for (size_t j = 0; j < q->nparam; j++) {
        am[j] = b1 * am[j] + (1.0 - b1) * g[j];
        av[j] = b2 * av[j] + (1.0 - b2) * g[j] * g[j];
        double upd = (double)q->lr * (am[j] / c1) / (sqrt(av[j] / c2) + aeps);
        q->w[j] = (float)((double)q->w[j] - upd);
      }
    }
    if (epoch_mse && s == LQ_OK) epoch_mse[ep] = fin_sum / (double)n * (double)scale * (double)scale;
    if (s == LQ_OK) s = lq_progress_report(q->progress, q->progress_user, (ep + 1.0) / q->epochs, "lq_qinco_train");
  }
  if (s == LQ_OK && q->epochs == 0) s = lq_progress_report(q->progress, q->progress_user, 1.0, "lq_qinco_train");
  if (s == LQ_OK) q->trained = 1;
  free(xs);
  free(P);
  free(cent);
  free(g);
  free(am);
  free(av);
  free(idx);
  free(perm);
  return s;
}

/* ------------------------------------------------------- encode/decode -- */

lq_status lq_qinco_encode(const lq_qinco* q, size_t n, const float* x, uint8_t* codes) {
  LQ_REQUIRE_PTR(q);
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(codes);
  if (!q->trained) return lq_fail(LQ_ERR_STATE, "lq_qinco_encode: the model is not trained");
  if (n == 0) return LQ_OK;
  size_t nd;
  if (lq_mul_overflows(n, q->d, &nd)) return lq_fail(LQ_ERR_OVERFLOW, "lq_qinco_encode: n * d overflows");
  if (!lq_vq_all_finite(x, nd)) return lq_fail(LQ_ERR_NUMERIC, "lq_qinco_encode: NaN or Inf in the input");
  float *xs = NULL, *P = NULL;
  int32_t* idx = NULL;
  lq_status s = lq_alloc_array(nd, sizeof(float), "scaled rows", (void**)&xs);
  if (s == LQ_OK) s = lq_alloc_array((q->M > 1 ? q->M - 1 : 1) * q->K * q->d, sizeof(float), "tables", (void**)&P);
  if (s == LQ_OK) s = lq_alloc_array(n * q->M, sizeof(int32_t), "codes", (void**)&idx);
  for (size_t i = 0; s == LQ_OK && i < nd; i++) xs[i] = x[i] / q->scale;
  if (s == LQ_OK) s = lq_qencode_many(q, q->w, P, n, xs, NULL, idx);
  for (size_t i = 0; s == LQ_OK && i < n; i++) lq_qpack(q, idx + i * q->M, codes + i * q->code_size);
  free(xs);
  free(P);
  free(idx);
  return s;
}

lq_status lq_qinco_decode(const lq_qinco* q, size_t n, const uint8_t* codes, float* x) {
  LQ_REQUIRE_PTR(q);
  LQ_REQUIRE_PTR(codes);
  LQ_REQUIRE_PTR(x);
  if (!q->trained) return lq_fail(LQ_ERR_STATE, "lq_qinco_decode: the model is not trained");
  float* scratch = NULL;
  int32_t idx[16];
  LQ_CHECK(lq_alloc_array(q->d + q->h, sizeof(float), "decode scratch", (void**)&scratch));
  for (size_t i = 0; i < n; i++) {
    float* y = x + i * q->d;
    lq_qunpack(q, codes + i * q->code_size, idx);
    lq_qdecode_row(q, idx, y, scratch);
    for (size_t t = 0; t < q->d; t++) y[t] = y[t] * q->scale;
  }
  free(scratch);
  return LQ_OK;
}

/* ---------------------------------------------------------- parameters -- */

lq_status lq_qinco_get_params(const lq_qinco* q, float* out, size_t n_floats) {
  LQ_REQUIRE_PTR(q);
  LQ_REQUIRE_PTR(out);
  if (n_floats != q->nparam)
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_qinco_get_params: %zu floats, the model has %zu", n_floats, q->nparam);
  memcpy(out, q->w, n_floats * sizeof(float));
  return LQ_OK;
}

lq_status lq_qinco_set_params(lq_qinco* q, const float* in, size_t n_floats, float scale) {
  LQ_REQUIRE_PTR(q);
  LQ_REQUIRE_PTR(in);
  if (n_floats != q->nparam)
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_qinco_set_params: %zu floats, the model has %zu", n_floats, q->nparam);
  if (!(isfinite(scale) && scale > 0.0f))
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_qinco_set_params: scale = %g must be finite and > 0", (double)scale);
  if (!lq_vq_all_finite(in, n_floats)) return lq_fail(LQ_ERR_NUMERIC, "lq_qinco_set_params: NaN or Inf in the parameters");
  memcpy(q->w, in, n_floats * sizeof(float));
  q->scale = scale;
  q->trained = 1;
  return LQ_OK;
}

/* ------------------------------------------------------- serialisation -- */

static const uint32_t lq_qcrc_table[256] = {
#include "vq/crc32_table.inc"
};

static uint32_t lq_qcrc32(const uint8_t* p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) c = lq_qcrc_table[(c ^ p[i]) & 0xffu] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

static void lq_qput32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t lq_qget32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) v |= (uint32_t)p[i] << (8 * i);
  return v;
}

/* magic "LQQI", version, d, M, nbits, L, h, scale (f32 bits), nparam, then
 * nparam f32, then CRC-32 of everything before it. All little-endian u32. */
enum { LQ_Q_HEADER = 9 * 4 };

lq_status lq_qinco_save(const lq_qinco* q, void* buf, size_t cap, size_t* size_out) {
  LQ_REQUIRE_PTR(q);
  LQ_REQUIRE_PTR(size_out);
  if (!q->trained) return lq_fail(LQ_ERR_STATE, "lq_qinco_save: the model is not trained");
  size_t total = LQ_Q_HEADER + 4 * q->nparam + 4;
  *size_out = total;
  if (!buf) return LQ_OK;
  if (cap < total) return lq_fail(LQ_ERR_BUFFER_TOO_SMALL, "lq_qinco_save: %zu bytes needed, buffer has %zu", total, cap);
  uint8_t* p = (uint8_t*)buf;
  memcpy(p, "LQQI", 4);
  uint32_t sb;
  memcpy(&sb, &q->scale, 4);
  uint32_t hdr[8] = {1u, (uint32_t)q->d, (uint32_t)q->M, (uint32_t)q->nbits, (uint32_t)q->L, (uint32_t)q->h, sb,
                     (uint32_t)q->nparam};
  for (int i = 0; i < 8; i++) lq_qput32(p + 4 + 4 * i, hdr[i]);
  for (size_t j = 0; j < q->nparam; j++) {
    uint32_t u;
    memcpy(&u, &q->w[j], 4);
    lq_qput32(p + LQ_Q_HEADER + 4 * j, u);
  }
  lq_qput32(p + total - 4, lq_qcrc32(p, total - 4));
  return LQ_OK;
}

lq_status lq_qinco_load(const void* buf, size_t size, lq_qinco** out) {
  LQ_REQUIRE_PTR(buf);
  LQ_REQUIRE_PTR(out);
  *out = NULL;
  const uint8_t* p = (const uint8_t*)buf;
  if (size < LQ_Q_HEADER + 4) return lq_fail(LQ_ERR_FORMAT, "qinco: %zu bytes is too short for a model file (truncated?)", size);
  if (memcmp(p, "LQQI", 4) != 0) return lq_fail(LQ_ERR_FORMAT, "qinco: bad magic (not a libquant QINCo model)");
  if (lq_qget32(p + 4) != 1u) return lq_fail(LQ_ERR_FORMAT, "qinco: format version %u is not supported", lq_qget32(p + 4));
  uint32_t np = lq_qget32(p + 32);
  if (np > (1u << 28) || size != LQ_Q_HEADER + 4 * (size_t)np + 4)
    return lq_fail(LQ_ERR_FORMAT, "qinco: size %zu does not match the %u parameters in the header (truncated or trailing data)",
                   size, np);
  if (lq_qget32(p + size - 4) != lq_qcrc32(p, size - 4)) return lq_fail(LQ_ERR_FORMAT, "qinco: checksum mismatch (corrupt file)");
  lq_qinco_params prm;
  memset(&prm, 0, sizeof prm);
  prm.d = lq_qget32(p + 8);
  prm.M = lq_qget32(p + 12);
  prm.nbits = (int)lq_qget32(p + 16);
  prm.L = (int)lq_qget32(p + 20);
  prm.h = (int)lq_qget32(p + 24);
  if (prm.L < 1 || prm.h < 1) return lq_fail(LQ_ERR_FORMAT, "qinco: header fields out of range");
  uint32_t sb = lq_qget32(p + 28);
  float scale;
  memcpy(&scale, &sb, 4);
  lq_qinco* q = NULL;
  lq_status s = lq_qinco_new(&prm, &q);
  if (s != LQ_OK) return s == LQ_ERR_OUT_OF_MEMORY ? s : lq_fail(LQ_ERR_FORMAT, "qinco: invalid geometry in header (%s)", lq_last_error());
  if (q->nparam != np) {
    lq_qinco_free(q);
    return lq_fail(LQ_ERR_FORMAT, "qinco: %u parameters stored, the geometry needs %zu", np, q->nparam);
  }
  for (size_t j = 0; j < np; j++) {
    uint32_t u = lq_qget32(p + LQ_Q_HEADER + 4 * j);
    memcpy(&q->w[j], &u, 4);
  }
  if (!lq_vq_all_finite(q->w, np) || !(isfinite(scale) && scale > 0.0f)) {
    lq_qinco_free(q);
    return lq_fail(LQ_ERR_FORMAT, "qinco: stored parameters or scale are not finite");
  }
  q->scale = scale;
  q->trained = 1;
  *out = q;
  return LQ_OK;
}
