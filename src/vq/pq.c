/* The vq codec object and its product quantizer (FAISS 1.7.3
 * ProductQuantizer semantics and LSB-first code layout). */
#include <math.h>
#include <string.h>

#include "cpu/dispatch.h"
#include "vq/vq_codec.h"
#include "vq/vq_linalg.h"
#include "vq/vq_threads.h"

/* ---------------------------------------------------------- bit packing -- */

void lq_vq_pack_one(size_t M, int nbits, const int32_t* idx, uint8_t* code, size_t code_size) {
  if (nbits == 8) {
    for (size_t m = 0; m < M; m++) code[m] = (uint8_t)idx[m];
    return;
  }
  memset(code, 0, code_size);
  size_t o = 0;
  for (size_t m = 0; m < M; m++) {
    uint32_t v = (uint32_t)idx[m];
    int left = nbits;
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

void lq_vq_unpack_one(size_t M, int nbits, const uint8_t* code, int32_t* idx) {
  if (nbits == 8) {
    for (size_t m = 0; m < M; m++) idx[m] = code[m];
    return;
  }
  size_t o = 0;
  for (size_t m = 0; m < M; m++) {
    uint32_t v = 0;
    int got = 0;
    while (got < nbits) {
      int sh = (int)(o & 7);
      int take = 8 - sh < nbits - got ? 8 - sh : nbits - got;
      v |= (uint32_t)((code[o >> 3] >> sh) & ((1u << take) - 1u)) << got;
      got += take;
      o += (size_t)take;
    }
    idx[m] = (int32_t)v;
  }
}

/* ------------------------------------------------------------ lifecycle -- */

lq_status lq_vq_codec_alloc(const lq_vq_params* p, lq_vq_codec** out) {
  LQ_REQUIRE_PTR(p);
  LQ_REQUIRE_PTR(out);
  *out = NULL;
  if (p->kind != LQ_VQ_PQ && p->kind != LQ_VQ_OPQ)
    return lq_fail(LQ_ERR_INVALID_ARG, "vq codec: unknown kind %d", (int)p->kind);
  if (p->opq_niter < 0 || p->opq_niter_pq < 0 || p->opq_niter_pq0 < 0)
    return lq_fail(LQ_ERR_INVALID_ARG, "vq codec: negative OPQ iteration count");
  if (p->d == 0) return lq_fail(LQ_ERR_INVALID_ARG, "vq codec: d is 0");
  if (p->M == 0) return lq_fail(LQ_ERR_INVALID_ARG, "vq codec: M is 0");
  if (p->d % p->M != 0)
    return lq_fail(LQ_ERR_INVALID_ARG, "vq codec: dimension d = %zu is not divisible by M = %zu", p->d, p->M);
  if (p->nbits < 1 || p->nbits > 16)
    return lq_fail(LQ_ERR_INVALID_ARG, "vq codec: nbits = %d is out of range 1..16", p->nbits);
  if (p->d > INT32_MAX) return lq_fail(LQ_ERR_INVALID_ARG, "vq codec: d = %zu exceeds INT32_MAX", p->d);
  size_t ksub = (size_t)1 << p->nbits, ncent, bits;
  if (lq_mul_overflows(p->d, ksub, &ncent) || lq_mul_overflows(p->M, (size_t)p->nbits, &bits))
    return lq_fail(LQ_ERR_OVERFLOW, "vq codec: d * 2^nbits overflows");
  lq_vq_codec* c = NULL;
  LQ_CHECK(lq_calloc_array(1, sizeof *c, "codec", (void**)&c));
  c->p = *p;
  c->dsub = p->d / p->M;
  c->ksub = ksub;
  c->code_size = (bits + 7) / 8;
  c->ncent = ncent;
  lq_status s = lq_alloc_array(ncent, sizeof(float), "centroids", (void**)&c->cent);
  if (s == LQ_OK) s = lq_alloc_array(ncent, sizeof(float), "centroids", (void**)&c->cent_t);
  if (s == LQ_OK && p->kind == LQ_VQ_OPQ) {
    size_t dd;
    if (lq_mul_overflows(p->d, p->d, &dd)) s = lq_fail(LQ_ERR_OVERFLOW, "vq codec: d*d overflows");
    if (s == LQ_OK) s = lq_calloc_array(dd, sizeof(float), "rotation", (void**)&c->rot);
    if (s == LQ_OK) s = lq_calloc_array(dd, sizeof(float), "rotation", (void**)&c->rot_t);
    for (size_t i = 0; s == LQ_OK && i < p->d; i++) c->rot[i * p->d + i] = c->rot_t[i * p->d + i] = 1.0f;
  }
  if (s != LQ_OK) {
    lq_vq_codec_free(c);
    return s;
  }
  *out = c;
  return LQ_OK;
}

lq_status lq_vq_codec_new(const lq_vq_params* p, lq_vq_codec** out) {
  LQ_REQUIRE_PTR(p);
  LQ_REQUIRE_PTR(out);
  if (p->kind == (lq_vq_kind)LQ_VQ_RQ) { /* uniform-width RQ, FAISS default beam */
    lq_vq_rq_params r = {p->d, p->M, p->nbits, NULL, 0, p->km, 0, p->nthreads, 0};
    return lq_vq_rq_new(&r, out);
  }
  if (p->kind == (lq_vq_kind)LQ_VQ_LSQ) { /* FAISS LocalSearchQuantizer defaults */
    lq_vq_lsq_params l;
    memset(&l, 0, sizeof l);
    l.d = p->d;
    l.M = p->M;
    l.nbits = p->nbits;
    l.nthreads = p->nthreads;
    l.progress = p->km.progress; /* the generic parameters carry the callback in km */
    l.progress_user = p->km.progress_user;
    return lq_vq_lsq_new(&l, out);
  }
  if (p->kind == (lq_vq_kind)LQ_VQ_PRQ) { /* FAISS ProductResidualQuantizer(d, nsplits, M, nbits) */
    lq_vq_prq_params r;
    memset(&r, 0, sizeof r);
    r.d = p->d;
    r.nsplits = p->nsplits;
    r.rq.M = p->M;
    r.rq.nbits = p->nbits;
    r.rq.km = p->km;
    r.rq.nthreads = p->nthreads;
    return lq_vq_prq_new(&r, out);
  }
  if (p->kind == (lq_vq_kind)LQ_VQ_PLSQ) { /* FAISS ProductLocalSearchQuantizer(d, nsplits, M, nbits) */
    lq_vq_plsq_params l;
    memset(&l, 0, sizeof l);
    l.d = p->d;
    l.nsplits = p->nsplits;
    l.lsq.M = p->M;
    l.lsq.nbits = p->nbits;
    l.lsq.nthreads = p->nthreads;
    l.lsq.progress = p->km.progress;
    l.lsq.progress_user = p->km.progress_user;
    return lq_vq_plsq_new(&l, out);
  }
  if (p->kind == (lq_vq_kind)LQ_VQ_TSVQ) { /* depth M, branch 2^nbits */
    *out = NULL;
    if (p->nbits < 1 || p->nbits > 16 || p->M > INT32_MAX)
      return lq_fail(LQ_ERR_INVALID_ARG, "vq codec: TSVQ nbits = %d is out of range 1..16", p->nbits);
    lq_vq_tsvq_params t = {p->d, (int)p->M, 1 << p->nbits, p->km, p->nthreads};
    return lq_vq_tsvq_new(&t, out);
  }
  return lq_vq_codec_alloc(p, out);
}

void lq_vq_codec_free(lq_vq_codec* c) {
  if (!c) return;
  free(c->cent);
  free(c->cent_t);
  free(c->rot);
  free(c->rot_t);
  free(c->snbits);
  free(c->soff);
  for (size_t s = 0; c->sub && s < c->nsplits; s++) lq_vq_codec_free(c->sub[s]);
  free(c->sub);
  free(c);
}

size_t lq_vq_codec_dim(const lq_vq_codec* c) { return c ? c->p.d : 0; }
size_t lq_vq_code_size(const lq_vq_codec* c) { return c ? c->code_size : 0; }
size_t lq_vq_table_size(const lq_vq_codec* c) { return c && !lq_vq_is_multilevel(c) ? c->p.M * c->ksub : 0; }
int lq_vq_is_trained(const lq_vq_codec* c) { return c ? c->trained : 0; }

/* Per sub-space m, the (dsub x ksub) transpose the l2sqr_ny kernel reads. */
void lq_vq_codec_finish(lq_vq_codec* c) {
  if (lq_vq_is_product(c)) lq_vq_prod_sync(c); /* the splits' codecs decode/encode */
  if (lq_vq_is_multilevel(c)) { /* no derived tables */
    c->trained = 1;
    return;
  }
  size_t K = c->ksub, ds = c->dsub;
  for (size_t m = 0; m < c->p.M; m++) {
    const float* src = c->cent + m * K * ds;
    float* dst = c->cent_t + m * K * ds;
    for (size_t j = 0; j < K; j++)
      for (size_t t = 0; t < ds; t++) dst[t * K + j] = src[j * ds + t];
  }
  c->trained = 1;
}

static lq_status lq_vq_require_trained(const lq_vq_codec* c, const char* fn) {
  LQ_REQUIRE_PTR(c);
  if (!c->trained) return lq_fail(LQ_ERR_STATE, "%s: the codec is not trained", fn);
  return LQ_OK;
}

lq_status lq_vq_set_centroids(lq_vq_codec* c, const float* centroids, size_t n_floats) {
  LQ_REQUIRE_PTR(c);
  LQ_REQUIRE_PTR(centroids);
  if (n_floats != c->ncent)
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_set_centroids: %zu floats given, %zu expected", n_floats, c->ncent);
  if (!lq_vq_all_finite(centroids, n_floats))
    return lq_fail(LQ_ERR_NUMERIC, "lq_vq_set_centroids: centroids contain NaN or Inf");
  memcpy(c->cent, centroids, n_floats * sizeof(float));
  lq_vq_codec_finish(c);
  return LQ_OK;
}

lq_status lq_vq_get_centroids(const lq_vq_codec* c, float* out, size_t n_floats) {
  LQ_CHECK(lq_vq_require_trained(c, "lq_vq_get_centroids"));
  LQ_REQUIRE_PTR(out);
  if (n_floats != c->ncent)
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_get_centroids: %zu floats given, %zu expected", n_floats, c->ncent);
  memcpy(out, c->cent, n_floats * sizeof(float));
  return LQ_OK;
}

lq_status lq_vq_get_rotation(const lq_vq_codec* c, float* r_out, size_t n_floats) {
  LQ_CHECK(lq_vq_require_trained(c, "lq_vq_get_rotation"));
  LQ_REQUIRE_PTR(r_out);
  if (c->rot == NULL) return lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_get_rotation: the codec has no rotation (not OPQ)");
  if (n_floats != c->p.d * c->p.d)
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_get_rotation: %zu floats given, %zu expected", n_floats,
                   c->p.d * c->p.d);
  memcpy(r_out, c->rot, n_floats * sizeof(float));
  return LQ_OK;
}

void lq_vq_rotate(const lq_vq_codec* c, size_t n, const float* x, float* y, int back) {
  size_t d = c->p.d;
  /* y = x R^T = sgemm_nt(x, R); y = x R = sgemm_nt(x, R^T). Blocks keep int sizes. */
  for (size_t i0 = 0; i0 < n; i0 += 65536) {
    size_t nb = n - i0 < 65536 ? n - i0 : 65536;
    lq_vq_sgemm_nt(nb, d, d, 1.0f, x + i0 * d, d, back ? c->rot_t : c->rot, d, 0.0f, y + i0 * d, d);
  }
}

/* --------------------------------------------------------------- train -- */

lq_status lq_vq_pq_train_codebooks(lq_vq_codec* c, size_t n, const float* x, const lq_kmeans_config* km_in,
                                   int hot, double* objective) {
  size_t ds = c->dsub;
  float* slice = NULL;
  LQ_CHECK(lq_alloc_array(n * ds, sizeof(float), "sub-space slice", (void**)&slice));
  lq_kmeans_config km = *km_in;
  if (km.nthreads == 0) km.nthreads = c->p.nthreads;
  double total = 0;
  lq_kmeans_stats st = {0};
  lq_status s = LQ_OK;
  lq_progress_span span = {km_in->progress, km_in->progress_user, 0.0, 1.0 / (double)c->p.M};
  if (km.progress) {
    km.progress = lq_progress_span_fn;
    km.progress_user = &span;
  }
  for (size_t m = 0; m < c->p.M && s == LQ_OK; m++) {
    span.base = (double)m / (double)c->p.M;
    for (size_t i = 0; i < n; i++) memcpy(slice + i * ds, x + i * c->p.d + m * ds, ds * sizeof(float));
    float* cm = c->cent + m * c->ksub * ds;
    s = lq_kmeans_train_from(&km, n, ds, slice, c->ksub, hot ? cm : NULL, cm, NULL, &st);
    if (s == LQ_ERR_NUMERIC)
      s = lq_fail(LQ_ERR_NUMERIC, "lq_vq_train: sub-space %zu has zero variance (all rows equal)", m);
    total += st.objective;
  }
  free(slice);
  if (objective) *objective = total;
  return s;
}

lq_status lq_vq_train(lq_vq_codec* c, size_t n, const float* x, lq_kmeans_stats* stats) {
  LQ_REQUIRE_PTR(c);
  LQ_REQUIRE_PTR(x);
  if (n == 0) return lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_train: n is 0 (empty input)");
  if (n < c->ksub)
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_train: k = 2^%d = %zu centroids is larger than the number of "
                   "points n = %zu", c->p.nbits, c->ksub, n);
  size_t nd;
  if (lq_mul_overflows(n, c->p.d, &nd)) return lq_fail(LQ_ERR_OVERFLOW, "lq_vq_train: n*d overflows");
  if (!lq_vq_all_finite(x, nd)) return lq_fail(LQ_ERR_NUMERIC, "lq_vq_train: input contains NaN or Inf");
  c->trained = 0;
  if (lq_vq_is_multilevel(c)) {
    lq_status ms = lq_vq_ml_train(c, n, x, stats);
    if (ms == LQ_OK) lq_vq_codec_finish(c);
    return ms;
  }
  lq_status s = LQ_OK;
  const float* xt = x;
  float* xr = NULL;
  if (c->p.kind == LQ_VQ_OPQ) {
    s = lq_vq_opq_train_rotation(c, n, x);
    if (s == LQ_OK) s = lq_alloc_array(nd, sizeof(float), "rotated training set", (void**)&xr);
    if (s == LQ_OK) {
      lq_vq_rotate(c, n, x, xr, 0);
      xt = xr;
    }
  }
  double total = 0;
  lq_kmeans_config km = c->p.km;
  lq_progress_span span = {km.progress, km.progress_user, 0.8, 0.2};
  if (c->p.kind == LQ_VQ_OPQ && km.progress) {
    km.progress = lq_progress_span_fn;
    km.progress_user = &span;
  }
  if (s == LQ_OK) s = lq_vq_pq_train_codebooks(c, n, xt, &km, 0, &total);
  free(xr);
  if (s != LQ_OK) return s;
  if (stats) {
    memset(stats, 0, sizeof *stats);
    stats->objective = total;
    stats->n_train = n;
  }
  lq_vq_codec_finish(c);
  return LQ_OK;
}

/* -------------------------------------------------------------- encode -- */

enum { LQ_VQ_BLOCK = 256 };

typedef struct {
  const lq_vq_codec* c;
  size_t n;
  const float* x;
  uint8_t* codes;
  float* scratch; /* per worker: ksub distances + M indices + (OPQ) a rotated block */
  size_t scratch_per_worker;
  int rotate;
} lq_encode_ctx;

static void lq_encode_task(void* p, size_t task, int worker) {
  lq_encode_ctx* e = (lq_encode_ctx*)p;
  const lq_vq_codec* c = e->c;
  size_t K = c->ksub, ds = c->dsub, M = c->p.M;
  float* dist = e->scratch + (size_t)worker * e->scratch_per_worker;
  int32_t* idx = (int32_t*)(dist + K);
  const lq_dispatch* k = lq_dispatch_get();
  size_t i0 = task * LQ_VQ_BLOCK, i1 = i0 + LQ_VQ_BLOCK < e->n ? i0 + LQ_VQ_BLOCK : e->n;
  const float* xb = e->x + i0 * c->p.d;
  if (e->rotate) {
    float* xr = dist + K + M;
    lq_vq_rotate(c, i1 - i0, xb, xr, 0);
    xb = xr;
  }
  for (size_t i = i0; i < i1; i++) {
    const float* xi = xb + (i - i0) * c->p.d;
    for (size_t m = 0; m < M; m++) {
      float best;
      k->vq_l2sqr_ny_f32_f32(ds, K, xi + m * ds, c->cent_t + m * K * ds, K, dist);
      k->vq_argmin_f32_i32(K, dist, &idx[m], &best);
    }
    lq_vq_pack_one(M, c->p.nbits, idx, e->codes + i * c->code_size, c->code_size);
  }
}

static lq_status lq_vq_encode_impl(const lq_vq_codec* c, size_t n, const float* x, uint8_t* codes, int rotate) {
  size_t ntasks = (n + LQ_VQ_BLOCK - 1) / LQ_VQ_BLOCK;
  int nt = lq_vq_resolve_threads(c->p.nthreads);
  if ((size_t)nt > ntasks) nt = (int)ntasks;
  lq_encode_ctx e = {c, n, x, codes, NULL, c->ksub + c->p.M + (rotate ? LQ_VQ_BLOCK * c->p.d : 0), rotate};
  LQ_CHECK(lq_alloc_array((size_t)nt * e.scratch_per_worker, sizeof(float), "encode scratch", (void**)&e.scratch));
  lq_vq_parallel_for(nt, ntasks, lq_encode_task, &e);
  free(e.scratch);
  return LQ_OK;
}

lq_status lq_vq_pq_encode_rotated(const lq_vq_codec* c, size_t n, const float* x, uint8_t* codes) {
  return lq_vq_encode_impl(c, n, x, codes, 0);
}

lq_status lq_vq_encode(const lq_vq_codec* c, size_t n, const float* x, uint8_t* codes) {
  LQ_CHECK(lq_vq_require_trained(c, "lq_vq_encode"));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(codes);
  size_t nd;
  if (lq_mul_overflows(n, c->p.d, &nd) || n > SIZE_MAX / c->code_size)
    return lq_fail(LQ_ERR_OVERFLOW, "lq_vq_encode: n*d overflows");
  if (!lq_vq_all_finite(x, nd)) return lq_fail(LQ_ERR_NUMERIC, "lq_vq_encode: input contains NaN or Inf");
  if (lq_vq_is_multilevel(c)) return lq_vq_ml_encode(c, n, x, codes);
  return lq_vq_encode_impl(c, n, x, codes, c->rot != NULL);
}

lq_status lq_vq_decode(const lq_vq_codec* c, size_t n, const uint8_t* codes, float* x) {
  LQ_CHECK(lq_vq_require_trained(c, "lq_vq_decode"));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(codes);
  LQ_REQUIRE_PTR(x);
  if (n > SIZE_MAX / c->p.d) return lq_fail(LQ_ERR_OVERFLOW, "lq_vq_decode: n*d overflows");
  if (lq_vq_is_multilevel(c)) return lq_vq_ml_decode(c, n, codes, x);
  size_t M = c->p.M, ds = c->dsub, K = c->ksub;
  int32_t stackidx[256];
  int32_t* idx = stackidx;
  if (M > 256) LQ_CHECK(lq_alloc_array(M, sizeof(int32_t), "decode indices", (void**)&idx));
  for (size_t i = 0; i < n; i++) {
    lq_vq_unpack_one(M, c->p.nbits, codes + i * c->code_size, idx);
    for (size_t m = 0; m < M; m++)
      memcpy(x + i * c->p.d + m * ds, c->cent + (m * K + (size_t)idx[m]) * ds, ds * sizeof(float));
  }
  if (idx != stackidx) free(idx);
  if (c->rot != NULL) { /* y = y_pq R, a block at a time through a scratch copy */
    float* tmp = NULL;
    size_t nb = n < 1024 ? n : 1024;
    LQ_CHECK(lq_alloc_array(nb * c->p.d, sizeof(float), "decode scratch", (void**)&tmp));
    for (size_t i0 = 0; i0 < n; i0 += nb) {
      size_t cnt = n - i0 < nb ? n - i0 : nb;
      memcpy(tmp, x + i0 * c->p.d, cnt * c->p.d * sizeof(float));
      lq_vq_rotate(c, cnt, tmp, x + i0 * c->p.d, 1);
    }
    free(tmp);
  }
  return LQ_OK;
}

lq_status lq_vq_unpack_codes(const lq_vq_codec* c, size_t n, const uint8_t* codes, int32_t* idx) {
  LQ_REQUIRE_PTR(c);
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(codes);
  LQ_REQUIRE_PTR(idx);
  if (lq_vq_is_multilevel(c)) {
    for (size_t i = 0; i < n; i++) lq_vq_ml_unpack(c, codes + i * c->code_size, idx + i * c->p.M);
    return LQ_OK;
  }
  for (size_t i = 0; i < n; i++) lq_vq_unpack_one(c->p.M, c->p.nbits, codes + i * c->code_size, idx + i * c->p.M);
  return LQ_OK;
}

lq_status lq_vq_pack_codes(const lq_vq_codec* c, size_t n, const int32_t* idx, uint8_t* codes) {
  LQ_REQUIRE_PTR(c);
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(codes);
  LQ_REQUIRE_PTR(idx);
  size_t nm;
  if (lq_mul_overflows(n, c->p.M, &nm)) return lq_fail(LQ_ERR_OVERFLOW, "lq_vq_pack_codes: n*M overflows");
  if (lq_vq_is_multilevel(c)) {
    for (size_t i = 0; i < nm; i++)
      if (idx[i] < 0 || (size_t)idx[i] >= lq_vq_ml_subcode_limit(c, i % c->p.M))
        return lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_pack_codes: sub-code %d at %zu is outside 0..%zu", idx[i], i,
                       lq_vq_ml_subcode_limit(c, i % c->p.M) - 1);
    for (size_t i = 0; i < n; i++) lq_vq_ml_pack(c, idx + i * c->p.M, codes + i * c->code_size);
    return LQ_OK;
  }
  for (size_t i = 0; i < nm; i++)
    if (idx[i] < 0 || (size_t)idx[i] >= c->ksub)
      return lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_pack_codes: sub-code %d at %zu is outside 0..%zu", idx[i], i,
                     c->ksub - 1);
  for (size_t i = 0; i < n; i++)
    lq_vq_pack_one(c->p.M, c->p.nbits, idx + i * c->p.M, codes + i * c->code_size, c->code_size);
  return LQ_OK;
}

/* ------------------------------------------------------- ADC and SDC -- */

lq_status lq_vq_compute_distance_table(const lq_vq_codec* c, const float* q, float* table) {
  LQ_CHECK(lq_vq_require_trained(c, "lq_vq_compute_distance_table"));
  if (lq_vq_is_multilevel(c))
    return lq_fail(LQ_ERR_UNSUPPORTED, "lq_vq_compute_distance_table: RQ/TSVQ codes have no per-sub-space distance table");
  LQ_REQUIRE_PTR(q);
  LQ_REQUIRE_PTR(table);
  if (!lq_vq_all_finite(q, c->p.d))
    return lq_fail(LQ_ERR_NUMERIC, "lq_vq_compute_distance_table: query contains NaN or Inf");
  size_t K = c->ksub, ds = c->dsub;
  float* qr = NULL;
  if (c->rot != NULL) {
    LQ_CHECK(lq_alloc_array(c->p.d, sizeof(float), "rotated query", (void**)&qr));
    lq_vq_rotate(c, 1, q, qr, 0);
    q = qr;
  }
  lq_uk_vq_l2sqr_ny_f32_f32_fn l2 = lq_dispatch_get()->vq_l2sqr_ny_f32_f32;
  for (size_t m = 0; m < c->p.M; m++) l2(ds, K, q + m * ds, c->cent_t + m * K * ds, K, table + m * K);
  free(qr);
  return LQ_OK;
}

typedef struct {
  const lq_vq_codec* c;
  const float* tables; /* nq tables, table_size floats apart */
  size_t n, nblocks, nq;
  const uint8_t* codes;
  float* dist; /* nq rows of n */
} lq_scan_ctx;

enum { LQ_VQ_SCAN_BLOCK = 16384 };

/* 8-bit codes, M <= 8: task = (group of up to 4 queries, block of codes); a
 * full group shares every code byte between its queries (adc_scan4). */
static void lq_scan4_task(void* p, size_t task, int worker) {
  (void)worker;
  lq_scan_ctx* s = (lq_scan_ctx*)p;
  const lq_vq_codec* c = s->c;
  size_t M = c->p.M, K = c->ksub;
  size_t g = task / s->nblocks, blk = task % s->nblocks;
  size_t i0 = blk * LQ_VQ_SCAN_BLOCK, i1 = i0 + LQ_VQ_SCAN_BLOCK < s->n ? i0 + LQ_VQ_SCAN_BLOCK : s->n;
  size_t q0 = 4 * g, nq = s->nq - q0 < 4 ? s->nq - q0 : 4;
  const uint8_t* codes = s->codes + i0 * c->code_size;
  if (nq == 4) {
    const float* tables[4];
    float* outs[4];
    for (size_t u = 0; u < 4; u++) {
      tables[u] = s->tables + (q0 + u) * M * K;
      outs[u] = s->dist + (q0 + u) * s->n + i0;
    }
    lq_dispatch_get()->vq_adc_scan4_u8_f32(i1 - i0, M, codes, tables, outs);
    return;
  }
  for (size_t u = 0; u < nq; u++)
    lq_dispatch_get()->vq_adc_scan_u8_f32(i1 - i0, M, codes, s->tables + (q0 + u) * M * K,
                                          s->dist + (q0 + u) * s->n + i0);
}

/* Otherwise: task = (query, block of codes). */
static void lq_scan_task(void* p, size_t task, int worker) {
  (void)worker;
  lq_scan_ctx* s = (lq_scan_ctx*)p;
  const lq_vq_codec* c = s->c;
  size_t M = c->p.M, K = c->ksub;
  size_t q = task / s->nblocks, blk = task % s->nblocks;
  const float* table = s->tables + q * M * K;
  float* dist = s->dist + q * s->n;
  size_t i0 = blk * LQ_VQ_SCAN_BLOCK, i1 = i0 + LQ_VQ_SCAN_BLOCK < s->n ? i0 + LQ_VQ_SCAN_BLOCK : s->n;
  if (c->p.nbits == 8) {
    lq_dispatch_get()->vq_adc_scan_u8_f32(i1 - i0, M, s->codes + i0 * c->code_size, table, dist + i0);
    return;
  }
  int32_t idx[64];
  for (size_t i = i0; i < i1; i++) {
    const uint8_t* code = s->codes + i * c->code_size;
    float acc = 0.0f;
    for (size_t m0 = 0; m0 < M; m0 += 64) { /* unpack in chunks of 64 sub-codes */
      size_t mc = M - m0 < 64 ? M - m0 : 64;
      /* sub-code m0 starts at bit m0*nbits, a multiple of 8 since 64*nbits is */
      lq_vq_unpack_one(mc, c->p.nbits, code + m0 * (size_t)c->p.nbits / 8, idx);
      for (size_t m = 0; m < mc; m++) {
        float t = table[(m0 + m) * K + (size_t)idx[m]];
        acc = (m0 + m == 0) ? t : acc + t;
      }
    }
    dist[i] = acc;
  }
}

lq_status lq_vq_adc_scan_many(const lq_vq_codec* c, size_t nq, const float* tables, size_t n,
                              const uint8_t* codes, float* dist) {
  LQ_CHECK(lq_vq_require_trained(c, "lq_vq_adc_scan"));
  if (lq_vq_is_multilevel(c))
    return lq_fail(LQ_ERR_UNSUPPORTED, "lq_vq_adc_scan: RQ/TSVQ codes have no per-sub-space distance table");
  if (n == 0 || nq == 0) return LQ_OK;
  LQ_REQUIRE_PTR(tables);
  LQ_REQUIRE_PTR(codes);
  LQ_REQUIRE_PTR(dist);
  size_t tot;
  if (lq_mul_overflows(n, nq, &tot)) return lq_fail(LQ_ERR_OVERFLOW, "lq_vq_adc_scan_many: nq*n overflows");
  lq_scan_ctx s = {c, tables, n, (n + LQ_VQ_SCAN_BLOCK - 1) / LQ_VQ_SCAN_BLOCK, nq, codes, dist};
  /* groups of 4 queries while their 4 tables (4 * M * 1 KiB) fit a 32 KiB L1
   * data cache; beyond that the table misses cost more than the shared code
   * bytes save (M = 16: 2x slower on Zen 3) */
  const int grouped = c->p.nbits == 8 && c->p.M <= 8;
  size_t ntasks = s.nblocks * (grouped ? (nq + 3) / 4 : nq);
  /* a thread costs tens of microseconds to start: give each >= 4 blocks of work */
  int nt = lq_vq_resolve_threads(c->p.nthreads);
  if ((size_t)nt > (ntasks + 3) / 4) nt = (int)((ntasks + 3) / 4);
  lq_vq_parallel_for(nt, ntasks, grouped ? lq_scan4_task : lq_scan_task, &s);
  return LQ_OK;
}

lq_status lq_vq_adc_scan(const lq_vq_codec* c, const float* table, size_t n, const uint8_t* codes, float* dist) {
  return lq_vq_adc_scan_many(c, 1, table, n, codes, dist);
}

lq_status lq_vq_sdc_table(const lq_vq_codec* c, float* sdc, size_t n_floats) {
  LQ_CHECK(lq_vq_require_trained(c, "lq_vq_sdc_table"));
  if (lq_vq_is_multilevel(c))
    return lq_fail(LQ_ERR_UNSUPPORTED, "lq_vq_sdc_table: RQ/TSVQ codes have no per-sub-space distance table");
  LQ_REQUIRE_PTR(sdc);
  if (c->p.nbits > 12) return lq_fail(LQ_ERR_UNSUPPORTED, "lq_vq_sdc_table: nbits %d > 12", c->p.nbits);
  size_t K = c->ksub, ds = c->dsub, M = c->p.M;
  if (n_floats != M * K * K)
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_sdc_table: %zu floats given, %zu expected", n_floats, M * K * K);
  lq_uk_vq_l2sqr_ny_f32_f32_fn l2 = lq_dispatch_get()->vq_l2sqr_ny_f32_f32;
  for (size_t m = 0; m < M; m++)
    for (size_t a = 0; a < K; a++)
      l2(ds, K, c->cent + (m * K + a) * ds, c->cent_t + m * K * ds, K, sdc + (m * K + a) * K);
  return LQ_OK;
}

lq_status lq_vq_sdc_distances(const lq_vq_codec* c, const float* sdc, const uint8_t* qcode, size_t n,
                              const uint8_t* codes, float* dist) {
  LQ_CHECK(lq_vq_require_trained(c, "lq_vq_sdc_distances"));
  if (lq_vq_is_multilevel(c))
    return lq_fail(LQ_ERR_UNSUPPORTED, "lq_vq_sdc_distances: RQ/TSVQ codes have no per-sub-space distance table");
  LQ_REQUIRE_PTR(sdc);
  LQ_REQUIRE_PTR(qcode);
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(codes);
  LQ_REQUIRE_PTR(dist);
  if (c->p.nbits > 12) return lq_fail(LQ_ERR_UNSUPPORTED, "lq_vq_sdc_distances: nbits %d > 12", c->p.nbits);
  size_t M = c->p.M, K = c->ksub;
  int32_t *q = NULL, *idx = NULL;
  lq_status s = lq_alloc_array(M, sizeof(int32_t), "query sub-codes", (void**)&q);
  if (s == LQ_OK) s = lq_alloc_array(M, sizeof(int32_t), "sub-codes", (void**)&idx);
  if (s == LQ_OK) {
    lq_vq_unpack_one(M, c->p.nbits, qcode, q);
    for (size_t i = 0; i < n; i++) {
      lq_vq_unpack_one(M, c->p.nbits, codes + i * c->code_size, idx);
      float acc = sdc[(size_t)q[0] * K + (size_t)idx[0]];
      for (size_t m = 1; m < M; m++) acc = acc + sdc[(m * K + (size_t)q[m]) * K + (size_t)idx[m]];
      dist[i] = acc;
    }
  }
  free(q);
  free(idx);
  return s;
}
