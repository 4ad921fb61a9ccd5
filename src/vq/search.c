/* Exhaustive top-k ADC search over PQ/OPQ codes (lq_vq_search[_tables]).
 *
 * The distances are exactly lq_vq_adc_scan's sums (same tables, same
 * summation order), but no n-float distance row is ever written: codes are
 * scanned in blocks of LQ_SEARCH_BLOCK by a kernel that emits only the
 * codes whose distance is <= the query's current k-th best, and those few
 * candidates go through a bounded max-heap. Results are ordered by the total
 * order (distance, label), so they equal a stable sort of the adc_scan row
 * whatever the thread count or chunking. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/dispatch.h"
#include "vq/vq_codec.h"
#include "vq/vq_kernels.h"
#include "vq/vq_threads.h"

enum {
  LQ_SEARCH_BLOCK = 256, /* codes per kernel call: thresholds refresh between calls */
  LQ_SEARCH_LANES = 8,   /* queries per interleaved table (adc_filter8) */
  LQ_SEARCH_MIN_CHUNK = 4096
};

/* ------------------------------------------------------- bounded heap -- */

/* Max-heap of at most k (distance, label) pairs under the total order
 * "smaller distance, then smaller label"; the root is the current k-th best. */
typedef struct {
  float* dis;
  int64_t* lab;
  size_t k, cnt;
} lq_topk;

static inline int lq_pair_gt(float da, int64_t la, float db, int64_t lb) {
  return da > db || (da == db && la > lb);
}

/* Every candidate with distance <= this may enter (ties resolve in push). */
static inline float lq_topk_threshold(const lq_topk* h) { return h->cnt < h->k ? INFINITY : h->dis[0]; }

static void lq_topk_sift_down(float* dis, int64_t* lab, size_t cnt, size_t i, float d, int64_t l) {
  for (;;) {
    size_t ch = 2 * i + 1;
    if (ch >= cnt) break;
    if (ch + 1 < cnt && lq_pair_gt(dis[ch + 1], lab[ch + 1], dis[ch], lab[ch])) ch++;
    if (!lq_pair_gt(dis[ch], lab[ch], d, l)) break;
    dis[i] = dis[ch];
    lab[i] = lab[ch];
    i = ch;
  }
  dis[i] = d;
  lab[i] = l;
}

static void lq_topk_push(lq_topk* h, float d, int64_t l) {
  if (h->cnt < h->k) {
    size_t i = h->cnt++;
    while (i > 0) {
      size_t p = (i - 1) / 2;
      if (!lq_pair_gt(d, l, h->dis[p], h->lab[p])) break;
      h->dis[i] = h->dis[p];
      h->lab[i] = h->lab[p];
      i = p;
    }
    h->dis[i] = d;
    h->lab[i] = l;
  } else if (lq_pair_gt(h->dis[0], h->lab[0], d, l)) {
    lq_topk_sift_down(h->dis, h->lab, h->cnt, 0, d, l);
  }
}

/* Heap-sorts the entries ascending and pads [cnt, k) with (+Inf, -1). */
static void lq_topk_finish(lq_topk* h) {
  for (size_t end = h->cnt; end > 1; end--) {
    float d = h->dis[end - 1];
    int64_t l = h->lab[end - 1];
    h->dis[end - 1] = h->dis[0];
    h->lab[end - 1] = h->lab[0];
    lq_topk_sift_down(h->dis, h->lab, end - 1, 0, d, l);
  }
  for (size_t j = h->cnt; j < h->k; j++) {
    h->dis[j] = INFINITY;
    h->lab[j] = -1;
  }
}

/* ------------------------------------------------------------- search -- */

typedef struct {
  float* tables8;   /* interleaved tables of one group (8-bit codes) */
  float* table;     /* one query's table */
  uint32_t* cand;   /* kernel output: code*8 + lane */
  float* cand_dis;
  float* block_dis; /* nbits != 8: one block of distances */
} lq_search_ws;

typedef struct {
  const lq_vq_codec* c;
  size_t nq, n, k, G, ngroups, nchunks, chunk;
  const float* qrows;  /* queries (rotated for OPQ) when tables == NULL */
  const float* tables; /* caller's tables, or NULL */
  const uint8_t* codes;
  float* res_dis; /* result rows: query q, chunk h at (q*nchunks + h)*k */
  int64_t* res_lab;
  lq_search_ws* ws;
} lq_search_ctx;

/* Query q's ADC table: the caller's, or computed exactly as
 * lq_vq_compute_distance_table does (same kernel, same arguments). */
static const float* lq_search_table(const lq_search_ctx* s, size_t q, float* buf) {
  const lq_vq_codec* c = s->c;
  size_t K = c->ksub, ds = c->dsub, M = c->p.M;
  if (s->tables != NULL) return s->tables + q * M * K;
  const float* x = s->qrows + q * c->p.d;
  lq_uk_vq_l2sqr_ny_f32_f32_fn l2 = lq_dispatch_get()->vq_l2sqr_ny_f32_f32;
  for (size_t m = 0; m < M; m++) l2(ds, K, x + m * ds, c->cent_t + m * K * ds, K, buf + m * K);
  return buf;
}

/* 8-bit codes: up to eight queries share one pass over the chunk. */
static void lq_search_task8(const lq_search_ctx* s, lq_search_ws* w, size_t q0, size_t gq, size_t i0, size_t i1,
                            lq_topk* h) {
  size_t M = s->c->p.M, TE = M * 256;
  float thr[LQ_SEARCH_LANES];
  for (size_t u = 0; u < LQ_SEARCH_LANES; u++) {
    if (u < gq) {
      const float* t = lq_search_table(s, q0 + u, w->table);
      for (size_t j = 0; j < TE; j++) w->tables8[j * LQ_SEARCH_LANES + u] = t[j];
    } else {
      for (size_t j = 0; j < TE; j++) w->tables8[j * LQ_SEARCH_LANES + u] = 0.0f;
      thr[u] = -INFINITY; /* an unused lane never emits */
    }
  }
  lq_uk_vq_adc_filter8_u8_f32_fn filter = lq_dispatch_get()->vq_adc_filter8_u8_f32;
  for (size_t b0 = i0; b0 < i1; b0 += LQ_SEARCH_BLOCK) {
    size_t nb = i1 - b0 < LQ_SEARCH_BLOCK ? i1 - b0 : LQ_SEARCH_BLOCK;
    for (size_t u = 0; u < gq; u++) thr[u] = lq_topk_threshold(&h[u]);
    size_t cnt = filter(nb, M, s->codes + b0 * M, w->tables8, thr, w->cand, w->cand_dis);
    for (size_t e = 0; e < cnt; e++) {
      uint32_t v = w->cand[e];
      lq_topk_push(&h[v % LQ_SEARCH_LANES], w->cand_dis[e], (int64_t)(b0 + v / LQ_SEARCH_LANES));
    }
  }
}

/* Other widths: one query; a block of sums exactly as lq_vq_adc_scan's
 * generic path (unpack, then sum in m order), then the threshold test. */
static void lq_search_task_generic(const lq_search_ctx* s, lq_search_ws* w, size_t q, size_t i0, size_t i1,
                                   lq_topk* h) {
  const lq_vq_codec* c = s->c;
  size_t M = c->p.M, K = c->ksub, cs = c->code_size;
  int nbits = c->p.nbits;
  const float* table = lq_search_table(s, q, w->table);
  int32_t idx[64];
  for (size_t b0 = i0; b0 < i1; b0 += LQ_SEARCH_BLOCK) {
    size_t nb = i1 - b0 < LQ_SEARCH_BLOCK ? i1 - b0 : LQ_SEARCH_BLOCK;
    for (size_t i = 0; i < nb; i++) {
      const uint8_t* code = s->codes + (b0 + i) * cs;
      float acc = 0.0f;
      for (size_t m0 = 0; m0 < M; m0 += 64) { /* 64 sub-codes start on a byte boundary */
        size_t mc = M - m0 < 64 ? M - m0 : 64;
        lq_vq_unpack_one(mc, nbits, code + m0 * (size_t)nbits / 8, idx);
        for (size_t m = 0; m < mc; m++) {
          float t = table[(m0 + m) * K + (size_t)idx[m]];
          acc = (m0 + m == 0) ? t : acc + t;
        }
      }
      w->block_dis[i] = acc;
    }
    float thr = lq_topk_threshold(h);
    for (size_t i = 0; i < nb; i++) {
      if (w->block_dis[i] <= thr) {
        lq_topk_push(h, w->block_dis[i], (int64_t)(b0 + i));
        thr = lq_topk_threshold(h);
      }
    }
  }
}

/* task = (group of up to G queries, chunk of codes). */
static void lq_search_task(void* p, size_t task, int worker) {
  const lq_search_ctx* s = (const lq_search_ctx*)p;
  lq_search_ws* w = &s->ws[worker];
  size_t g = task / s->nchunks, ch = task % s->nchunks;
  size_t q0 = g * s->G, gq = s->nq - q0 < s->G ? s->nq - q0 : s->G;
  size_t i0 = ch * s->chunk, i1 = i0 + s->chunk < s->n ? i0 + s->chunk : s->n;
  if (i0 > i1) i0 = i1;
  lq_topk h[LQ_SEARCH_LANES];
  for (size_t u = 0; u < gq; u++) {
    size_t row = ((q0 + u) * s->nchunks + ch) * s->k;
    h[u] = (lq_topk){s->res_dis + row, s->res_lab + row, s->k, 0};
  }
  if (i1 > i0) {
    if (s->G == LQ_SEARCH_LANES)
      lq_search_task8(s, w, q0, gq, i0, i1, h);
    else
      lq_search_task_generic(s, w, q0, i0, i1, h);
  }
  for (size_t u = 0; u < gq; u++) lq_topk_finish(&h[u]);
}

static void lq_search_ws_free(lq_search_ws* ws, int nws) {
  if (ws == NULL) return;
  for (int i = 0; i < nws; i++) {
    lq_aligned_free(ws[i].tables8);
    free(ws[i].table);
    free(ws[i].cand);
    free(ws[i].cand_dis);
    free(ws[i].block_dis);
  }
  free(ws);
}

static lq_status lq_search_ws_alloc(const lq_vq_codec* c, int G, int nws, lq_search_ws** out) {
  lq_search_ws* ws = NULL;
  LQ_CHECK(lq_calloc_array((size_t)nws, sizeof *ws, "search workspaces", (void**)&ws));
  size_t tsize = c->p.M * c->ksub;
  lq_status st = LQ_OK;
  for (int i = 0; i < nws && st == LQ_OK; i++) {
    st = lq_alloc_array(tsize, sizeof(float), "search table", (void**)&ws[i].table);
    if (st == LQ_OK && G == LQ_SEARCH_LANES)
      st = lq_alloc_aligned(tsize * LQ_SEARCH_LANES, sizeof(float), "interleaved tables", (void**)&ws[i].tables8);
    if (st == LQ_OK && G == LQ_SEARCH_LANES)
      st = lq_alloc_array(LQ_SEARCH_BLOCK * LQ_SEARCH_LANES, sizeof(uint32_t), "candidates", (void**)&ws[i].cand);
    if (st == LQ_OK && G == LQ_SEARCH_LANES)
      st = lq_alloc_array(LQ_SEARCH_BLOCK * LQ_SEARCH_LANES, sizeof(float), "candidates", (void**)&ws[i].cand_dis);
    if (st == LQ_OK && G != LQ_SEARCH_LANES)
      st = lq_alloc_array(LQ_SEARCH_BLOCK, sizeof(float), "block distances", (void**)&ws[i].block_dis);
  }
  if (st != LQ_OK) {
    lq_search_ws_free(ws, nws);
    return st;
  }
  *out = ws;
  return LQ_OK;
}

/* Validates, plans the tasks and merges per-chunk results. Exactly one of
 * queries / tables is non-NULL (fn names the public function). */
static lq_status lq_search_impl(const char* fn, const lq_vq_codec* c, size_t nq, const float* queries,
                                const float* tables, size_t n, const uint8_t* codes, size_t k, float* distances,
                                int64_t* labels) {
  if (c == NULL) return lq_fail(LQ_ERR_INVALID_ARG, "%s: c is NULL", fn);
  if (!c->trained) return lq_fail(LQ_ERR_STATE, "%s: the codec is not trained", fn);
  if (c->p.kind != LQ_VQ_PQ && c->p.kind != LQ_VQ_OPQ)
    return lq_fail(LQ_ERR_UNSUPPORTED, "%s: only PQ and OPQ codes have a per-sub-space distance table", fn);
  if (k == 0) return lq_fail(LQ_ERR_INVALID_ARG, "%s: k is 0", fn);
  if (nq == 0) return LQ_OK;
  if (queries == NULL && tables == NULL)
    return lq_fail(LQ_ERR_INVALID_ARG, "%s: %s is NULL", fn, tables == NULL ? "queries" : "tables");
  if (distances == NULL) return lq_fail(LQ_ERR_INVALID_ARG, "%s: distances is NULL", fn);
  if (labels == NULL) return lq_fail(LQ_ERR_INVALID_ARG, "%s: labels is NULL", fn);
  if (n > 0 && codes == NULL) return lq_fail(LQ_ERR_INVALID_ARG, "%s: codes is NULL", fn);
  size_t nqk, tmp, tsize = c->p.M * c->ksub, d = c->p.d;
  if (lq_mul_overflows(nq, k, &nqk)) return lq_fail(LQ_ERR_OVERFLOW, "%s: nq*k overflows", fn);
  if (lq_mul_overflows(n, c->code_size, &tmp))
    return lq_fail(LQ_ERR_OVERFLOW, "%s: n*code_size overflows", fn);
  if (lq_mul_overflows(nq, queries != NULL ? d : tsize, &tmp))
    return lq_fail(LQ_ERR_OVERFLOW, "%s: nq*%s overflows", fn, queries != NULL ? "d" : "table size");
  if (queries != NULL && !lq_vq_all_finite(queries, nq * d))
    return lq_fail(LQ_ERR_NUMERIC, "%s: a query contains NaN or Inf", fn);

  lq_search_ctx s;
  memset(&s, 0, sizeof s);
  s.c = c;
  s.nq = nq;
  s.n = n;
  s.k = k;
  s.tables = tables;
  s.codes = codes;
  s.G = c->p.nbits == 8 ? LQ_SEARCH_LANES : 1;
  s.ngroups = (nq + s.G - 1) / s.G;
  /* threads over query groups; codes split into chunks only when there are
   * fewer groups than threads (any split gives the same results) */
  int nt = lq_vq_resolve_threads(c->p.nthreads);
  size_t work;
  if (!lq_mul_overflows(n, nq, &work) && work < 65536) nt = 1; /* a thread start would cost more */
  s.nchunks = 1;
  if ((size_t)nt > s.ngroups) {
    s.nchunks = ((size_t)nt + s.ngroups - 1) / s.ngroups;
    size_t cap = n / LQ_SEARCH_MIN_CHUNK;
    if (s.nchunks > cap) s.nchunks = cap > 0 ? cap : 1;
  }
  s.chunk = s.nchunks == 1 ? n : (n + s.nchunks - 1) / s.nchunks;
  size_t ntasks = s.ngroups * s.nchunks;
  if ((size_t)nt > ntasks) nt = (int)ntasks;

  float* qrot = NULL;
  float* mdis = NULL;
  int64_t* mlab = NULL;
  lq_status st = LQ_OK;
  if (queries != NULL && c->rot != NULL) {
    /* one row at a time, as lq_vq_compute_distance_table rotates (a
     * multi-row product could round differently) */
    st = lq_alloc_array(nq * d, sizeof(float), "rotated queries", (void**)&qrot);
    for (size_t q = 0; st == LQ_OK && q < nq; q++) lq_vq_rotate(c, 1, queries + q * d, qrot + q * d, 0);
  }
  s.qrows = qrot != NULL ? qrot : queries;
  if (st == LQ_OK && s.nchunks > 1) {
    size_t cnt;
    if (lq_mul_overflows(nqk, s.nchunks, &cnt)) {
      st = lq_fail(LQ_ERR_OVERFLOW, "%s: nq*k*chunks overflows", fn);
    } else {
      st = lq_alloc_array(cnt, sizeof(float), "chunk results", (void**)&mdis);
      if (st == LQ_OK) st = lq_alloc_array(cnt, sizeof(int64_t), "chunk results", (void**)&mlab);
    }
  }
  s.res_dis = mdis != NULL ? mdis : distances;
  s.res_lab = mlab != NULL ? mlab : labels;
  if (st == LQ_OK) st = lq_search_ws_alloc(c, (int)s.G, nt, &s.ws);
  if (st == LQ_OK) {
    lq_vq_parallel_for(nt, ntasks, lq_search_task, &s);
    if (s.nchunks > 1) {
      /* merge: each query's chunk lists (already sorted and padded) through
       * one heap; the total order makes the result independent of chunking */
      for (size_t q = 0; q < nq; q++) {
        lq_topk h = {distances + q * k, labels + q * k, k, 0};
        const float* cd = mdis + q * s.nchunks * k;
        const int64_t* cl = mlab + q * s.nchunks * k;
        for (size_t e = 0; e < s.nchunks * k; e++)
          if (cl[e] >= 0) lq_topk_push(&h, cd[e], cl[e]);
        lq_topk_finish(&h);
      }
    }
  }
  lq_search_ws_free(s.ws, nt);
  free(qrot);
  free(mdis);
  free(mlab);
  return st;
}

lq_status lq_vq_search(const lq_vq_codec* c, size_t nq, const float* queries, size_t n, const uint8_t* codes,
                       size_t k, float* distances, int64_t* labels) {
  if (nq > 0 && queries == NULL) return lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_search: queries is NULL");
  return lq_search_impl("lq_vq_search", c, nq, queries, NULL, n, codes, k, distances, labels);
}

lq_status lq_vq_search_tables(const lq_vq_codec* c, size_t nq, const float* tables, size_t n,
                              const uint8_t* codes, size_t k, float* distances, int64_t* labels) {
  if (nq > 0 && tables == NULL) return lq_fail(LQ_ERR_INVALID_ARG, "lq_vq_search_tables: tables is NULL");
  return lq_search_impl("lq_vq_search_tables", c, nq, NULL, tables, n, codes, k, distances, labels);
}
