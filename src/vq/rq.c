/* Residual quantization (FAISS 1.7.3 ResidualQuantizer: per-stage k-means on
 * the residuals of the beam, beam-search encoding) and tree-structured VQ
 * (hierarchical k-means with greedy descent), as kinds of the vq codec. */
#include <math.h>
#include <string.h>

#include "vq/vq_codec.h"
#include "vq/vq_linalg.h"
#include "vq/vq_threads.h"

/* Exact squared L2 with the module's sequential-sum convention. */
static float lq_l2(const float* a, const float* b, size_t d) {
  float s = 0.0f;
  for (size_t t = 0; t < d; t++) {
    float u = a[t] - b[t];
    s = s + u * u;
  }
  return s;
}

/* ------------------------------------------------------------ lifecycle -- */

static lq_status lq_ml_alloc_common(size_t d, size_t nsub, int nthreads, lq_vq_kind kind, lq_vq_codec** out) {
  if (d == 0) return lq_fail(LQ_ERR_INVALID_ARG, "vq codec: d is 0");
  if (d > INT32_MAX) return lq_fail(LQ_ERR_INVALID_ARG, "vq codec: d = %zu exceeds INT32_MAX", d);
  if (nsub == 0 || nsub > 4096)
    return lq_fail(LQ_ERR_INVALID_ARG, "vq codec: %zu stages/levels is outside 1..4096", nsub);
  lq_vq_codec* c = NULL;
  LQ_CHECK(lq_calloc_array(1, sizeof *c, "codec", (void**)&c));
  c->p.kind = kind;
  c->p.d = d;
  c->p.M = nsub;
  c->p.nthreads = nthreads;
  *out = c;
  return LQ_OK;
}

lq_status lq_vq_rq_alloc(size_t d, size_t M, const int* nb, int beam, int nthreads, lq_vq_codec** out) {
  *out = NULL;
  if (beam < 1) return lq_fail(LQ_ERR_INVALID_ARG, "vq codec: RQ beam %d < 1", beam);
  if (M == 0) return lq_fail(LQ_ERR_INVALID_ARG, "vq codec: M is 0");
  for (size_t m = 0; m < M; m++)
    if (nb[m] < 1 || nb[m] > 16)
      return lq_fail(LQ_ERR_INVALID_ARG, "vq codec: nbits = %d of stage %zu is out of range 1..16", nb[m], m);
  lq_vq_codec* c = NULL;
  LQ_CHECK(lq_ml_alloc_common(d, M, nthreads, (lq_vq_kind)LQ_VQ_RQ, &c));
  lq_status s = lq_alloc_array(M, sizeof(int), "stage widths", (void**)&c->snbits);
  if (s == LQ_OK) s = lq_alloc_array(M + 1, sizeof(size_t), "stage offsets", (void**)&c->soff);
  size_t rows = 0, bits = 0;
  int uniform = 1;
  for (size_t m = 0; s == LQ_OK && m < M; m++) {
    c->snbits[m] = nb[m];
    c->soff[m] = rows;
    rows += (size_t)1 << nb[m]; /* <= 4096 * 65536: no overflow */
    bits += (size_t)nb[m];
    if (nb[m] != nb[0]) uniform = 0;
  }
  if (s == LQ_OK) {
    c->soff[M] = rows;
    c->p.nbits = uniform ? nb[0] : 0;
    c->beam = beam;
    c->code_size = (bits + 7) / 8;
    if (lq_mul_overflows(rows, d, &c->ncent)) s = lq_fail(LQ_ERR_OVERFLOW, "vq codec: codebook size overflows");
  }
  if (s == LQ_OK) s = lq_alloc_array(c->ncent, sizeof(float), "codebooks", (void**)&c->cent);
  if (s != LQ_OK) {
    lq_vq_codec_free(c);
    return s;
  }
  *out = c;
  return LQ_OK;
}

lq_status lq_vq_rq_new(const lq_vq_rq_params* p, lq_vq_codec** out) {
  LQ_REQUIRE_PTR(p);
  LQ_REQUIRE_PTR(out);
  *out = NULL;
  if (p->max_beam_size < 0) return lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_rq_new: max_beam_size %d < 0", p->max_beam_size);
  if (p->refine_iters < 0) return lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_rq_new: refine_iters %d < 0", p->refine_iters);
  if (p->M == 0) return lq_fail(LQ_ERR_INVALID_ARG, "vq codec: M is 0");
  if (p->M > 4096) return lq_fail(LQ_ERR_INVALID_ARG, "vq codec: M = %zu stages is above 4096", p->M);
  int nb[4096];
  for (size_t m = 0; m < p->M; m++) nb[m] = p->stage_nbits ? p->stage_nbits[m] : p->nbits;
  lq_vq_codec* c = NULL;
  LQ_CHECK(lq_vq_rq_alloc(p->d, p->M, nb, p->max_beam_size ? p->max_beam_size : 5, p->nthreads, &c));
  c->p.km = p->km;
  c->train_plain = p->train_plain;
  c->refine_iters = p->refine_iters;
  *out = c;
  return LQ_OK;
}

lq_status lq_vq_rq_set_beam(lq_vq_codec* c, int beam) {
  LQ_REQUIRE_PTR(c);
  if (c->p.kind != (lq_vq_kind)LQ_VQ_RQ && c->p.kind != (lq_vq_kind)LQ_VQ_PRQ)
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_rq_set_beam: not an RQ or PRQ codec");
  if (beam < 1) return lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_rq_set_beam: beam %d < 1", beam);
  c->beam = beam;
  for (size_t s = 0; c->sub && s < c->nsplits; s++) c->sub[s]->beam = beam; /* PRQ: every split */
  return LQ_OK;
}

static int lq_ceil_log2(int b) {
  int l = 0;
  while ((1 << l) < b) l++;
  return l;
}

lq_status lq_vq_tsvq_alloc(size_t d, int depth, int branch, int nthreads, lq_vq_codec** out) {
  *out = NULL;
  if (depth < 1) return lq_fail(LQ_ERR_INVALID_ARG, "vq codec: TSVQ depth %d < 1", depth);
  if (branch < 2 || branch > 65536)
    return lq_fail(LQ_ERR_INVALID_ARG, "vq codec: TSVQ branch %d is outside 2..65536", branch);
  size_t nodes = 0, lv = 1;
  for (int l = 0; l < depth; l++) {
    if (lv > ((size_t)1 << 26) / (size_t)branch)
      return lq_fail(LQ_ERR_INVALID_ARG, "vq codec: TSVQ with branch %d and depth %d has more than 2^26 nodes",
                     branch, depth);
    lv *= (size_t)branch;
    nodes += lv;
  }
  if (nodes > ((size_t)1 << 26))
    return lq_fail(LQ_ERR_INVALID_ARG, "vq codec: TSVQ with branch %d and depth %d has more than 2^26 nodes", branch,
                   depth);
  lq_vq_codec* c = NULL;
  LQ_CHECK(lq_ml_alloc_common(d, (size_t)depth, nthreads, (lq_vq_kind)LQ_VQ_TSVQ, &c));
  c->branch = branch;
  c->p.nbits = lq_ceil_log2(branch);
  c->code_size = ((size_t)depth * (size_t)c->p.nbits + 7) / 8;
  lq_status s = LQ_OK;
  if (lq_mul_overflows(nodes, d, &c->ncent)) s = lq_fail(LQ_ERR_OVERFLOW, "vq codec: tree size overflows");
  if (s == LQ_OK) s = lq_alloc_array(c->ncent, sizeof(float), "tree centroids", (void**)&c->cent);
  if (s != LQ_OK) {
    lq_vq_codec_free(c);
    return s;
  }
  *out = c;
  return LQ_OK;
}

lq_status lq_vq_tsvq_new(const lq_vq_tsvq_params* p, lq_vq_codec** out) {
  LQ_REQUIRE_PTR(p);
  LQ_REQUIRE_PTR(out);
  LQ_CHECK(lq_vq_tsvq_alloc(p->d, p->depth, p->branch, p->nthreads, out));
  (*out)->p.km = p->km;
  return LQ_OK;
}

/* ------------------------------------------------------- code packing -- */

/* Kinds with per-codebook widths (RQ, LSQ, PRQ, PLSQ) have snbits; TSVQ does not. */
static int lq_ml_width(const lq_vq_codec* c, size_t m) {
  return c->snbits ? c->snbits[m] : c->p.nbits;
}

size_t lq_vq_ml_subcode_limit(const lq_vq_codec* c, size_t m) {
  return c->snbits ? (size_t)1 << c->snbits[m] : (size_t)c->branch;
}

void lq_vq_ml_pack(const lq_vq_codec* c, const int32_t* idx, uint8_t* code) {
  memset(code, 0, c->code_size);
  size_t o = 0;
  for (size_t m = 0; m < c->p.M; m++) {
    uint32_t v = (uint32_t)idx[m];
    int left = lq_ml_width(c, m);
    while (left > 0) {
      int sh = (int)(o & 7);
      int take = 8 - sh < left ? 8 - sh : left;
      code[o >> 3] |= (uint8_t)((v & ((1u << take) - 1u)) << sh);
      v >>= take;
      o += (size_t)take;
      left -= take;
    }
  }
}

void lq_vq_ml_unpack(const lq_vq_codec* c, const uint8_t* code, int32_t* idx) {
  size_t o = 0;
  for (size_t m = 0; m < c->p.M; m++) {
    int nb = lq_ml_width(c, m);
    uint32_t v = 0;
    int got = 0;
    while (got < nb) {
      int sh = (int)(o & 7);
      int take = 8 - sh < nb - got ? 8 - sh : nb - got;
      v |= (uint32_t)((code[o >> 3] >> sh) & ((1u << take) - 1u)) << got;
      got += take;
      o += (size_t)take;
    }
    idx[m] = (int32_t)v;
  }
}

/* ------------------------------------------------------ RQ beam search -- */

/* Scratch of one RQ beam search over one vector with beam B: two sets of B
 * residuals (d floats) and B partial codes (M), B scores, B candidates. */
typedef struct {
  float *r0, *r1, *s0, *s1, *cd;
  int32_t *c0, *c1;
  int32_t *cb, *cj; /* candidate (beam entry, codeword) */
} lq_rq_scratch;

static size_t lq_rq_scratch_floats(const lq_vq_codec* c, size_t B) {
  return 2 * B * c->p.d + 3 * B + 2 * B * c->p.M + 2 * B;
}

static void lq_rq_scratch_bind(const lq_vq_codec* c, size_t B, float* mem, lq_rq_scratch* s) {
  size_t d = c->p.d, M = c->p.M;
  s->r0 = mem;
  s->r1 = s->r0 + B * d;
  s->s0 = s->r1 + B * d;
  s->s1 = s->s0 + B;
  s->cd = s->s1 + B;
  s->c0 = (int32_t*)(s->cd + B);
  s->c1 = s->c0 + B * M;
  s->cb = s->c1 + B * M;
  s->cj = s->cb + B;
}

/* One stage: from nin beam entries (r_in, codes_in) to the best nout =
 * min(nin*K, B) (score, then candidate order b*K + j: first minimum wins).
 * Returns nout. */
static size_t lq_rq_step(const lq_vq_codec* c, size_t stage, size_t B, size_t nin, const float* r_in,
                         const int32_t* c_in, float* r_out, int32_t* c_out, float* s_out, lq_rq_scratch* s) {
  size_t d = c->p.d, M = c->p.M, K = (size_t)1 << c->snbits[stage];
  const float* cb = c->cent + c->soff[stage] * d;
  size_t cnt = 0;
  for (size_t b = 0; b < nin; b++) {
    const float* r = r_in + b * d;
    for (size_t j = 0; j < K; j++) {
      float v = lq_l2(r, cb + j * d, d);
      if (cnt == B && !(v < s->cd[B - 1])) continue;
      size_t pos = cnt < B ? cnt++ : B - 1;
      while (pos > 0 && v < s->cd[pos - 1]) { /* insertion keeps earlier candidates first on ties */
        s->cd[pos] = s->cd[pos - 1];
        s->cb[pos] = s->cb[pos - 1];
        s->cj[pos] = s->cj[pos - 1];
        pos--;
      }
      s->cd[pos] = v;
      s->cb[pos] = (int32_t)b;
      s->cj[pos] = (int32_t)j;
    }
  }
  for (size_t e = 0; e < cnt; e++) {
    const float* r = r_in + (size_t)s->cb[e] * d;
    const float* w = cb + (size_t)s->cj[e] * d;
    for (size_t t = 0; t < d; t++) r_out[e * d + t] = r[t] - w[t];
    if (stage) memcpy(c_out + e * M, c_in + (size_t)s->cb[e] * M, stage * sizeof(int32_t));
    c_out[e * M + stage] = s->cj[e];
    s_out[e] = s->cd[e];
  }
  return cnt;
}

/* Full beam search of one vector; idx receives the best code, returns its
 * squared error. */
static float lq_rq_encode_one(const lq_vq_codec* c, size_t B, const float* x, lq_rq_scratch* s, int32_t* idx) {
  size_t d = c->p.d, M = c->p.M, nin = 1;
  memcpy(s->r0, x, d * sizeof(float));
  float *ri = s->r0, *ro = s->r1, *si = s->s0, *so = s->s1;
  int32_t *ci = s->c0, *co = s->c1;
  for (size_t m = 0; m < M; m++) {
    nin = lq_rq_step(c, m, B, nin, ri, ci, ro, co, so, s);
    float* t = ri; ri = ro; ro = t;
    t = si; si = so; so = t;
    int32_t* u = ci; ci = co; co = u;
  }
  memcpy(idx, ci, M * sizeof(int32_t));
  return si[0];
}

/* ---------------------------------------------------------------- TSVQ -- */

static size_t lq_tsvq_level_off(const lq_vq_codec* c, size_t level) { /* level 0 = the root's children */
  size_t off = 0, lv = 1;
  for (size_t l = 0; l < level; l++) {
    lv *= (size_t)c->branch;
    off += lv;
  }
  return off;
}

/* Greedy descent; idx gets the child index per level; returns the leaf node. */
static size_t lq_tsvq_descend(const lq_vq_codec* c, const float* x, int32_t* idx, float* err) {
  size_t d = c->p.d, b = (size_t)c->branch, node = 0, off = 0, lv = 1;
  float best = 0.0f;
  for (size_t l = 0; l < c->p.M; l++) {
    lv *= b;
    const float* ch = c->cent + (off + node * b) * d;
    size_t bj = 0;
    best = lq_l2(x, ch, d);
    for (size_t j = 1; j < b; j++) {
      float v = lq_l2(x, ch + j * d, d);
      if (v < best) {
        best = v;
        bj = j;
      }
    }
    if (idx) idx[l] = (int32_t)bj;
    node = node * b + bj;
    off += lv;
  }
  if (err) *err = best;
  return node;
}

/* -------------------------------------------------------------- encode -- */

enum { LQ_ML_BLOCK = 64 };

typedef struct {
  const lq_vq_codec* c;
  size_t n, B;
  const float* x;
  uint8_t* codes;
  float* scratch;
  size_t per_worker;
} lq_ml_enc_ctx;

static void lq_ml_encode_task(void* p, size_t task, int worker) {
  lq_ml_enc_ctx* e = (lq_ml_enc_ctx*)p;
  const lq_vq_codec* c = e->c;
  float* mem = e->scratch + (size_t)worker * e->per_worker;
  int32_t* idx = (int32_t*)mem;
  lq_rq_scratch s;
  if (c->p.kind == (lq_vq_kind)LQ_VQ_RQ) lq_rq_scratch_bind(c, e->B, mem + c->p.M, &s);
  size_t i1 = (task + 1) * LQ_ML_BLOCK < e->n ? (task + 1) * LQ_ML_BLOCK : e->n;
  for (size_t i = task * LQ_ML_BLOCK; i < i1; i++) {
    const float* xi = e->x + i * c->p.d;
    if (c->p.kind == (lq_vq_kind)LQ_VQ_RQ)
      lq_rq_encode_one(c, e->B, xi, &s, idx);
    else
      lq_tsvq_descend(c, xi, idx, NULL);
    lq_vq_ml_pack(c, idx, e->codes + i * c->code_size);
  }
}

lq_status lq_vq_ml_encode(const lq_vq_codec* c, size_t n, const float* x, uint8_t* codes) {
  if (c->p.kind == (lq_vq_kind)LQ_VQ_LSQ) return lq_vq_lsq_encode(c, n, x, codes);
  if (lq_vq_is_product(c)) return lq_vq_prod_encode(c, n, x, codes);
  size_t ntasks = (n + LQ_ML_BLOCK - 1) / LQ_ML_BLOCK;
  int nt = lq_vq_resolve_threads(c->p.nthreads);
  if ((size_t)nt > ntasks) nt = (int)ntasks;
  size_t B = c->p.kind == (lq_vq_kind)LQ_VQ_RQ ? (size_t)c->beam : 0;
  lq_ml_enc_ctx e = {c, n, B, x, codes, NULL, c->p.M + (B ? lq_rq_scratch_floats(c, B) : 0)};
  LQ_CHECK(lq_alloc_array((size_t)nt * e.per_worker, sizeof(float), "encode scratch", (void**)&e.scratch));
  lq_vq_parallel_for(nt, ntasks, lq_ml_encode_task, &e);
  free(e.scratch);
  return LQ_OK;
}

lq_status lq_vq_ml_decode(const lq_vq_codec* c, size_t n, const uint8_t* codes, float* x) {
  if (lq_vq_is_product(c)) return lq_vq_prod_decode(c, n, codes, x);
  size_t d = c->p.d, M = c->p.M;
  int32_t* idx = NULL;
  LQ_CHECK(lq_alloc_array(M, sizeof(int32_t), "decode indices", (void**)&idx));
  for (size_t i = 0; i < n; i++) {
    float* y = x + i * d;
    lq_vq_ml_unpack(c, codes + i * c->code_size, idx);
    if (lq_vq_is_additive(c)) {
      /* FAISS decode_unpacked: 0 + C_0[i_0] + C_1[i_1] + ... in stage order */
      memset(y, 0, d * sizeof(float));
      for (size_t m = 0; m < M; m++) {
        const float* w = c->cent + (c->soff[m] + (size_t)idx[m]) * d;
        for (size_t t = 0; t < d; t++) y[t] = y[t] + w[t];
      }
    } else {
      size_t node = 0;
      for (size_t l = 0; l < M; l++) {
        /* a bit pattern >= branch (when branch is not a power of 2) clamps to the last child */
        size_t j = (size_t)idx[l] < (size_t)c->branch ? (size_t)idx[l] : (size_t)c->branch - 1;
        node = node * (size_t)c->branch + j;
      }
      memcpy(y, c->cent + (lq_tsvq_level_off(c, M - 1) + node) * d, d * sizeof(float));
    }
  }
  free(idx);
  return LQ_OK;
}

/* --------------------------------------------------------------- train -- */

/* y[n x d] = x[n x d] * B^T in blocks of rows that keep sgemm sizes in int. */
static void lq_mul_bt(size_t n, size_t d, const float* x, const float* b, float* y) {
  for (size_t i0 = 0; i0 < n; i0 += 65536) {
    size_t nb = n - i0 < 65536 ? n - i0 : 65536;
    lq_vq_sgemm_nt(nb, d, d, 1.0f, x + i0 * d, d, b, d, 0.0f, y + i0 * d, d);
  }
}

/* FAISS ProgressiveDimClustering (the RQ default, Train_progressive_dim):
 * PCA of the rows, then progressive_dim_steps = 10 k-means runs on the first
 * di = int(d^((t+1)/10)) PCA dimensions, each warm-started from the previous
 * centroids padded with zeros (10 iterations each unless km.niter is set);
 * the centroids are mapped back through the PCA. Deviation: the PCA uses
 * all rows (FAISS subsamples to 1000*d rows). */
static lq_status lq_progressive_kmeans(const lq_kmeans_config* km_in, size_t n, size_t d, const float* x, size_t K,
                                       float* out) {
  lq_kmeans_config km = *km_in;
  if (km.niter == 0) km.niter = 10;
  double *mean = NULL, *cov = NULL, *u = NULL, *sv = NULL, *v = NULL;
  float *P = NULL, *PT = NULL, *Y = NULL, *sub = NULL, *cent = NULL, *init = NULL;
  size_t* ord = NULL;
  lq_status s = lq_calloc_array(d, sizeof(double), "mean", (void**)&mean);
  if (s == LQ_OK) s = lq_calloc_array(d * d, sizeof(double), "covariance", (void**)&cov);
  if (s == LQ_OK) s = lq_alloc_array(d * d, sizeof(double), "eigenvectors", (void**)&u);
  if (s == LQ_OK) s = lq_alloc_array(d * d, sizeof(double), "eigenvectors", (void**)&v);
  if (s == LQ_OK) s = lq_alloc_array(d, sizeof(double), "eigenvalues", (void**)&sv);
  if (s == LQ_OK) s = lq_alloc_array(d, sizeof(size_t), "order", (void**)&ord);
  if (s == LQ_OK) s = lq_alloc_array(d * d, sizeof(float), "PCA", (void**)&P);
  if (s == LQ_OK) s = lq_alloc_array(d * d, sizeof(float), "PCA", (void**)&PT);
  if (s == LQ_OK) s = lq_alloc_array(n * d, sizeof(float), "PCA rows", (void**)&Y);
  if (s == LQ_OK) s = lq_alloc_array(n * d, sizeof(float), "sub rows", (void**)&sub);
  if (s == LQ_OK) s = lq_alloc_array(K * d, sizeof(float), "centroids", (void**)&cent);
  if (s == LQ_OK) s = lq_calloc_array(K * d, sizeof(float), "init", (void**)&init);
  if (s == LQ_OK) {
    for (size_t i = 0; i < n; i++)
      for (size_t t = 0; t < d; t++) mean[t] += x[i * d + t];
    for (size_t t = 0; t < d; t++) mean[t] /= (double)n;
    for (size_t i = 0; i < n; i++)
      for (size_t a = 0; a < d; a++) {
        double xa = x[i * d + a] - mean[a];
        for (size_t b = a; b < d; b++) cov[a * d + b] += xa * (x[i * d + b] - mean[b]);
      }
    for (size_t a = 0; a < d; a++)
      for (size_t b = 0; b < a; b++) cov[a * d + b] = cov[b * d + a];
    s = lq_vq_svd_jacobi(d, cov, u, sv, v);
  }
  if (s == LQ_OK) {
    /* covariance is symmetric PSD: its SVD is the eigen-decomposition; rows of
     * P are the eigenvectors by decreasing eigenvalue (stable on ties) */
    for (size_t t = 0; t < d; t++) ord[t] = t;
    for (size_t t = 1; t < d; t++)
      for (size_t q = t; q > 0 && sv[ord[q]] > sv[ord[q - 1]]; q--) {
        size_t tmp = ord[q];
        ord[q] = ord[q - 1];
        ord[q - 1] = tmp;
      }
    for (size_t r = 0; r < d; r++)
      for (size_t t = 0; t < d; t++) {
        P[r * d + t] = (float)u[t * d + ord[r]];
        PT[t * d + r] = P[r * d + t];
      }
    for (size_t i = 0; i < n; i++)
      for (size_t t = 0; t < d; t++) sub[i * d + t] = x[i * d + t] - (float)mean[t];
    lq_mul_bt(n, d, sub, P, Y); /* Y = (x - mean) P^T */
    size_t dprev = 0;
    for (int it = 0; it < 10 && s == LQ_OK; it++) {
      size_t di = (size_t)(int)pow((double)d, (1.0 + it) / 10.0);
      if (di < 1) di = 1;
      if (di > d) di = d;
      for (size_t i = 0; i < n; i++) memcpy(sub + i * di, Y + i * d, di * sizeof(float));
      if (dprev) {
        memset(init, 0, K * di * sizeof(float));
        for (size_t j = 0; j < K; j++) memcpy(init + j * di, cent + j * dprev, dprev * sizeof(float));
      }
      s = lq_kmeans_train_from(&km, n, di, sub, K, dprev ? init : NULL, cent, NULL, NULL);
      dprev = di;
    }
    if (s == LQ_OK) { /* back: x = y P + mean */
      lq_mul_bt(K, d, cent, PT, out);
      for (size_t j = 0; j < K; j++)
        for (size_t t = 0; t < d; t++) out[j * d + t] = out[j * d + t] + (float)mean[t];
    }
  }
  free(mean);
  free(cov);
  free(u);
  free(v);
  free(sv);
  free(ord);
  free(P);
  free(PT);
  free(Y);
  free(sub);
  free(cent);
  free(init);
  return s;
}

/* FAISS Train_refine_codebook (retrain_AQ_codebook): rounds of {beam-encode
 * the training set, refit all codebooks jointly by least squares}. FAISS
 * solves the plain least squares with sgelsd (rcond 1e-4); we use the ridge
 * solve of LSQ (lambda 1e-2), which also keeps unused codewords finite.
 * *sse receives the encode error with the final codebooks. */
static lq_status lq_ml_progress(const lq_vq_codec* c, double done);
static lq_status lq_rq_refine(lq_vq_codec* c, size_t n, const float* x, double* sse) {
  size_t d = c->p.d, M = c->p.M;
  uint8_t* codes = NULL;
  int32_t* idx = NULL;
  float* y = NULL;
  lq_status s = lq_alloc_array(n, c->code_size, "refine codes", (void**)&codes);
  if (s == LQ_OK) s = lq_alloc_array(n * M, sizeof(int32_t), "refine sub-codes", (void**)&idx);
  if (s == LQ_OK) s = lq_alloc_array(n * d, sizeof(float), "reconstruction", (void**)&y);
  for (int r = 0; r <= c->refine_iters && s == LQ_OK; r++) {
    s = lq_vq_ml_encode(c, n, x, codes);
    if (s != LQ_OK || r == c->refine_iters) break;
    for (size_t i = 0; i < n; i++) lq_vq_ml_unpack(c, codes + i * c->code_size, idx + i * M);
    s = lq_vq_ls_codebooks(n, d, M, c->soff, x, idx, 1e-2, c->cent);
    if (s == LQ_OK) s = lq_ml_progress(c, ((double)M + r + 1.0) / ((double)M + c->refine_iters));
  }
  double e = 0;
  if (s == LQ_OK) s = lq_vq_ml_decode(c, n, codes, y);
  if (s == LQ_OK)
    for (size_t i = 0; i < n; i++) e += lq_l2(x + i * d, y + i * d, d);
  *sse = e;
  free(codes);
  free(idx);
  free(y);
  return s;
}

/* Multi-level training reports one step per stage / level / refinement
 * round (the inner k-means runs are not reported: their fractions would
 * restart at 0 for every stage). */
static lq_status lq_ml_progress(const lq_vq_codec* c, double done) {
  return lq_progress_report(c->p.km.progress, c->p.km.progress_user, done, "lq_vq_train");
}

static lq_status lq_rq_train(lq_vq_codec* c, size_t n, const float* x, lq_kmeans_stats* stats) {
  size_t d = c->p.d, M = c->p.M, B = (size_t)c->beam;
  lq_kmeans_config km = c->p.km;
  km.progress = NULL;
  if (km.nthreads == 0) km.nthreads = c->p.nthreads;
  const double steps = (double)M + (double)c->refine_iters;
  /* beam state of every training vector: residuals, partial codes, scores */
  size_t nbd, nbm;
  if (lq_mul_overflows(n, B, &nbd) || lq_mul_overflows(nbd, d, &nbd) || lq_mul_overflows(n * B, M, &nbm))
    return lq_fail(LQ_ERR_OVERFLOW, "lq_vq_train: n * beam * d overflows");
  float *R = NULL, *R2 = NULL, *S = NULL, *mem = NULL;
  int32_t *C = NULL, *C2 = NULL;
  lq_status s = lq_alloc_array(nbd, sizeof(float), "beam residuals", (void**)&R);
  if (s == LQ_OK) s = lq_alloc_array(nbd, sizeof(float), "beam residuals", (void**)&R2);
  if (s == LQ_OK) s = lq_alloc_array(n * B, sizeof(float), "beam scores", (void**)&S);
  if (s == LQ_OK) s = lq_alloc_array(nbm, sizeof(int32_t), "beam codes", (void**)&C);
  if (s == LQ_OK) s = lq_alloc_array(nbm, sizeof(int32_t), "beam codes", (void**)&C2);
  if (s == LQ_OK) s = lq_alloc_array(lq_rq_scratch_floats(c, B), sizeof(float), "scratch", (void**)&mem);
  double obj = 0;
  if (s == LQ_OK) {
    lq_rq_scratch sc;
    lq_rq_scratch_bind(c, B, mem, &sc);
    /* vector i's nb_cur beam entries are rows i*nb_cur.. of R */
    memcpy(R, x, n * d * sizeof(float));
    size_t nb_cur = 1; /* beam entries per vector (the same for all vectors) */
    for (size_t m = 0; m < M && s == LQ_OK; m++) {
      size_t K = (size_t)1 << c->snbits[m], nr = n * nb_cur;
      if (nr < K) {
        s = lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_train: k = %zu centroids of stage %zu is larger than the number "
                    "of points %zu", K, m, nr);
        break;
      }
      /* k-means on all current beam residuals (FAISS trains on n*beam rows) */
      if (c->train_plain)
        s = lq_kmeans_train_from(&km, nr, d, R, K, NULL, c->cent + c->soff[m] * d, NULL, NULL);
      else
        s = lq_progressive_kmeans(&km, nr, d, R, K, c->cent + c->soff[m] * d);
      if (s == LQ_ERR_NUMERIC)
        s = lq_fail(LQ_ERR_NUMERIC, "lq_vq_train: the residuals of stage %zu have zero variance", m);
      if (s != LQ_OK) break;
      size_t nb_next = nb_cur * K < B ? nb_cur * K : B;
      for (size_t i = 0; i < n; i++) {
        lq_rq_step(c, m, B, nb_cur, R + i * nb_cur * d, C + i * nb_cur * M, R2 + i * nb_next * d,
                                C2 + i * nb_next * M, S + i * nb_next, &sc);
      }
      float* t = R; R = R2; R2 = t;
      int32_t* u = C; C = C2; C2 = u;
      nb_cur = nb_next;
      s = lq_ml_progress(c, (m + 1.0) / steps);
    }
    if (s == LQ_OK)
      for (size_t i = 0; i < n; i++) obj += S[i * nb_cur];
  }
  if (s == LQ_OK && c->refine_iters > 0) {
    free(R); /* the beam state is no longer needed */
    R = NULL;
    free(R2);
    R2 = NULL;
    s = lq_rq_refine(c, n, x, &obj);
  }
  free(R);
  free(R2);
  free(S);
  free(C);
  free(C2);
  free(mem);
  if (s == LQ_OK && stats) {
    memset(stats, 0, sizeof *stats);
    stats->objective = obj;
    stats->n_train = n;
  }
  return s;
}

static lq_status lq_tsvq_train(lq_vq_codec* c, size_t n, const float* x, lq_kmeans_stats* stats) {
  size_t d = c->p.d, b = (size_t)c->branch, depth = c->p.M;
  lq_kmeans_config km = c->p.km;
  km.progress = NULL;
  if (km.nthreads == 0) km.nthreads = c->p.nthreads;
  size_t *node = NULL, *order = NULL, *start = NULL;
  float* sub = NULL;
  size_t nnodes_last = 1;
  for (size_t l = 0; l + 1 < depth; l++) nnodes_last *= b;
  lq_status s = lq_calloc_array(n, sizeof(size_t), "tree nodes", (void**)&node);
  if (s == LQ_OK) s = lq_alloc_array(n, sizeof(size_t), "row order", (void**)&order);
  if (s == LQ_OK) s = lq_alloc_array(nnodes_last + 1, sizeof(size_t), "node starts", (void**)&start);
  if (s == LQ_OK) s = lq_alloc_array(n * d, sizeof(float), "node rows", (void**)&sub);
  size_t off = 0, nparents = 1;
  double obj = 0;
  for (size_t l = 0; l < depth && s == LQ_OK; l++) {
    /* counting sort of the rows by their current node (parent of this level) */
    memset(start, 0, (nparents + 1) * sizeof(size_t));
    for (size_t i = 0; i < n; i++) start[node[i] + 1]++;
    for (size_t p = 0; p < nparents; p++) start[p + 1] += start[p];
    for (size_t i = 0; i < n; i++) order[start[node[i]]++] = i;
    for (size_t p = nparents; p > 0; p--) start[p] = start[p - 1];
    start[0] = 0;
    const float* parent_cent = l ? c->cent + (off - nparents) * d : NULL;
    for (size_t p = 0; p < nparents && s == LQ_OK; p++) {
      size_t np = start[p + 1] - start[p];
      float* ch = c->cent + (off + p * b) * d;
      for (size_t r = 0; r < np; r++) memcpy(sub + r * d, x + order[start[p] + r] * d, d * sizeof(float));
      if (l == 0 && np < b) {
        s = lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_train: branch %zu is larger than the number of points n = %zu", b, n);
        break;
      }
      lq_status ks = np >= b ? lq_kmeans_train_from(&km, np, d, sub, b, NULL, ch, NULL, NULL) : LQ_ERR_NUMERIC;
      if (ks == LQ_ERR_NUMERIC && l == 0) {
        s = lq_fail(LQ_ERR_NUMERIC, "lq_vq_train: the input has zero variance (all rows equal)");
        break;
      }
      if (ks == LQ_ERR_NUMERIC) {
        /* fewer rows than children, or all rows equal: the rows themselves,
         * then copies of the parent (never nearer than an earlier child) */
        lq_clear_error();
        for (size_t j = 0; j < b; j++)
          memcpy(ch + j * d, j < np ? sub + j * d : parent_cent + p * d, d * sizeof(float));
      } else if (ks != LQ_OK) {
        s = ks;
        break;
      }
    }
    if (s != LQ_OK) break;
    /* descend one level: nearest child of the current node */
    obj = 0;
    for (size_t i = 0; i < n; i++) {
      const float* ch = c->cent + (off + node[i] * b) * d;
      size_t bj = 0;
      float best = lq_l2(x + i * d, ch, d);
      for (size_t j = 1; j < b; j++) {
        float v = lq_l2(x + i * d, ch + j * d, d);
        if (v < best) {
          best = v;
          bj = j;
        }
      }
      node[i] = node[i] * b + bj;
      obj += best;
    }
    nparents *= b;
    off += nparents;
    s = lq_ml_progress(c, (l + 1.0) / (double)depth);
  }
  free(node);
  free(order);
  free(start);
  free(sub);
  if (s == LQ_OK && stats) {
    memset(stats, 0, sizeof *stats);
    stats->objective = obj;
    stats->n_train = n;
  }
  return s;
}

lq_status lq_vq_ml_train(lq_vq_codec* c, size_t n, const float* x, lq_kmeans_stats* stats) {
  if (c->p.kind == (lq_vq_kind)LQ_VQ_LSQ) return lq_vq_lsq_train(c, n, x, stats);
  if (lq_vq_is_product(c)) return lq_vq_prod_train(c, n, x, stats);
  return c->p.kind == (lq_vq_kind)LQ_VQ_RQ ? lq_rq_train(c, n, x, stats) : lq_tsvq_train(c, n, x, stats);
}
