/* Product-additive quantizers (FAISS 1.7.3 ProductAdditiveQuantizer with its
 * ProductResidualQuantizer / ProductLocalSearchQuantizer constructors): the
 * vector is cut into nsplits contiguous sub-vectors and split s is coded by
 * its own RQ or LSQ++ codec (rq.c / lsq.c), trained independently on its
 * slice. The product codec owns the split codecs; its codes are all the
 * splits' sub-codes in one LSB-first bitstream (no norm: ST_decompress) and
 * its codebooks are the splits' codebooks concatenated. docs/vq.md "PRQ and
 * PLSQ". */
#include <stdio.h>
#include <string.h>

#include "vq/vq_codec.h"

/* ------------------------------------------------------------ lifecycle -- */

/* Builds the product codec around nsplits freshly created split codecs
 * (takes ownership of subs and of every codec in it, also on failure). */
static lq_status lq_prod_assemble(lq_vq_kind kind, size_t d, size_t nsplits, lq_vq_codec** subs, int nthreads,
                                  lq_vq_codec** out) {
  const lq_vq_codec* s0 = subs[0];
  size_t msub = s0->p.M, M = nsplits * msub, dsub = d / nsplits;
  lq_vq_codec* c = NULL;
  lq_status s = lq_calloc_array(1, sizeof *c, "codec", (void**)&c);
  if (s != LQ_OK) {
    for (size_t i = 0; i < nsplits; i++) lq_vq_codec_free(subs[i]);
    free(subs);
    return s;
  }
  c->p.kind = kind;
  c->p.d = d;
  c->p.M = M;
  c->p.nbits = s0->p.nbits; /* 0 when the RQ stage widths are mixed */
  c->p.nthreads = nthreads;
  c->p.km = s0->p.km; /* PRQ: the k-means settings and progress callback */
  c->nsplits = nsplits;
  c->sub = subs;
  c->beam = s0->beam;
  c->lsq = s0->lsq;
  s = lq_alloc_array(M, sizeof(int), "codebook widths", (void**)&c->snbits);
  if (s == LQ_OK) s = lq_alloc_array(M + 1, sizeof(size_t), "codebook offsets", (void**)&c->soff);
  if (s == LQ_OK) {
    size_t bits = 0;
    for (size_t i = 0; i < nsplits; i++)
      for (size_t m = 0; m < msub; m++) {
        size_t j = i * msub + m;
        c->snbits[j] = s0->snbits[m];
        c->soff[j] = i * s0->soff[msub] + s0->soff[m];
        bits += (size_t)s0->snbits[m];
      }
    c->soff[M] = nsplits * s0->soff[msub];
    c->code_size = (bits + 7) / 8;
    if (lq_mul_overflows(c->soff[M], dsub, &c->ncent))
      s = lq_fail(LQ_ERR_OVERFLOW, "vq codec: codebook size overflows");
  }
  if (s == LQ_OK) s = lq_alloc_array(c->ncent, sizeof(float), "codebooks", (void**)&c->cent);
  if (s != LQ_OK) {
    lq_vq_codec_free(c);
    return s;
  }
  *out = c;
  return LQ_OK;
}

/* Checks the geometry shared by PRQ and PLSQ; *dsub = d / nsplits. */
static lq_status lq_prod_check(const char* fn, size_t d, size_t nsplits, size_t sub_d, size_t* dsub) {
  if (d == 0) return lq_fail(LQ_ERR_INVALID_ARG, "%s: d is 0", fn);
  if (nsplits == 0) return lq_fail(LQ_ERR_INVALID_ARG, "%s: nsplits is 0", fn);
  if (nsplits > 65536) return lq_fail(LQ_ERR_INVALID_ARG, "%s: nsplits = %zu is above 65536", fn, nsplits);
  if (d % nsplits != 0)
    return lq_fail(LQ_ERR_INVALID_ARG, "%s: dimension d = %zu is not divisible by nsplits = %zu", fn, d, nsplits);
  *dsub = d / nsplits;
  if (sub_d != 0 && sub_d != *dsub)
    return lq_fail(LQ_ERR_INVALID_ARG, "%s: the per-split dimension %zu is not d / nsplits = %zu", fn, sub_d, *dsub);
  return LQ_OK;
}

lq_status lq_vq_prq_new(const lq_vq_prq_params* p, lq_vq_codec** out) {
  LQ_REQUIRE_PTR(p);
  LQ_REQUIRE_PTR(out);
  *out = NULL;
  size_t dsub = 0;
  LQ_CHECK(lq_prod_check("lq_vq_prq_new", p->d, p->nsplits, p->rq.d, &dsub));
  lq_vq_codec** subs = NULL;
  LQ_CHECK(lq_calloc_array(p->nsplits, sizeof *subs, "split codecs", (void**)&subs));
  lq_vq_rq_params r = p->rq;
  r.d = dsub;
  lq_status s = LQ_OK;
  for (size_t i = 0; i < p->nsplits && s == LQ_OK; i++) s = lq_vq_rq_new(&r, &subs[i]);
  if (s != LQ_OK) {
    for (size_t i = 0; i < p->nsplits; i++) lq_vq_codec_free(subs[i]);
    free(subs);
    return s;
  }
  return lq_prod_assemble((lq_vq_kind)LQ_VQ_PRQ, p->d, p->nsplits, subs, p->rq.nthreads, out);
}

lq_status lq_vq_plsq_new(const lq_vq_plsq_params* p, lq_vq_codec** out) {
  LQ_REQUIRE_PTR(p);
  LQ_REQUIRE_PTR(out);
  *out = NULL;
  size_t dsub = 0;
  LQ_CHECK(lq_prod_check("lq_vq_plsq_new", p->d, p->nsplits, p->lsq.d, &dsub));
  lq_vq_codec** subs = NULL;
  LQ_CHECK(lq_calloc_array(p->nsplits, sizeof *subs, "split codecs", (void**)&subs));
  lq_vq_lsq_params l = p->lsq;
  l.d = dsub;
  lq_status s = LQ_OK;
  /* every split gets the same seed, as FAISS's LocalSearchQuantizer copies do */
  for (size_t i = 0; i < p->nsplits && s == LQ_OK; i++) s = lq_vq_lsq_new(&l, &subs[i]);
  if (s != LQ_OK) {
    for (size_t i = 0; i < p->nsplits; i++) lq_vq_codec_free(subs[i]);
    free(subs);
    return s;
  }
  return lq_prod_assemble((lq_vq_kind)LQ_VQ_PLSQ, p->d, p->nsplits, subs, p->lsq.nthreads, out);
}

void lq_vq_prod_sync(lq_vq_codec* c) {
  const float* src = c->cent;
  for (size_t s = 0; s < c->nsplits; s++) {
    lq_vq_codec* q = c->sub[s];
    memcpy(q->cent, src, q->ncent * sizeof(float));
    src += q->ncent;
    q->trained = 1;
  }
}

/* Copies split s's columns of n rows of x into xs (n x dsub). */
static void lq_prod_slice(const lq_vq_codec* c, size_t s, size_t n, const float* x, float* xs) {
  size_t d = c->p.d, ds = d / c->nsplits;
  for (size_t i = 0; i < n; i++) memcpy(xs + i * ds, x + i * d + s * ds, ds * sizeof(float));
}

/* --------------------------------------------------------------- train -- */

lq_status lq_vq_prod_train(lq_vq_codec* c, size_t n, const float* x, lq_kmeans_stats* stats) {
  size_t ds = c->p.d / c->nsplits, ns = c->nsplits;
  float* xs = NULL;
  LQ_CHECK(lq_alloc_array(n * ds, sizeof(float), "split training rows", (void**)&xs));
  /* the product's progress callback (RQ: p.km, LSQ: lsq) spans the splits */
  int is_rq = c->p.kind == (lq_vq_kind)LQ_VQ_PRQ;
  lq_progress_span span = {is_rq ? c->p.km.progress : c->lsq.progress,
                           is_rq ? c->p.km.progress_user : c->lsq.progress_user, 0.0, 1.0 / (double)ns};
  double obj = 0;
  lq_status s = LQ_OK;
  /* FAISS trains the splits one after another; each split's training is
   * itself multi-threaded (and independent of the thread count) */
  for (size_t i = 0; i < ns && s == LQ_OK; i++) {
    lq_vq_codec* q = c->sub[i];
    lq_prod_slice(c, i, n, x, xs);
    span.base = (double)i / (double)ns;
    lq_progress_fn* fn = is_rq ? &q->p.km.progress : &q->lsq.progress;
    void** user = is_rq ? &q->p.km.progress_user : &q->lsq.progress_user;
    *fn = span.fn ? lq_progress_span_fn : NULL;
    *user = &span;
    lq_kmeans_stats st;
    memset(&st, 0, sizeof st);
    s = lq_vq_train(q, n, xs, &st);
    *fn = NULL;
    *user = NULL;
    obj += st.objective;
    if (s != LQ_OK && s != LQ_ERR_CANCELLED && s != LQ_ERR_OUT_OF_MEMORY) {
      char why[256];
      snprintf(why, sizeof why, "%s", lq_last_error());
      s = lq_fail(s, "%s (split %zu of %zu)", why, i, ns);
    }
  }
  free(xs);
  if (s != LQ_OK) return s;
  float* dst = c->cent;
  for (size_t i = 0; i < ns; i++) {
    memcpy(dst, c->sub[i]->cent, c->sub[i]->ncent * sizeof(float));
    dst += c->sub[i]->ncent;
  }
  if (stats) {
    memset(stats, 0, sizeof *stats);
    stats->objective = obj;
    stats->n_train = n;
  }
  return LQ_OK;
}

/* -------------------------------------------------------------- encode -- */

lq_status lq_vq_prod_encode(const lq_vq_codec* c, size_t n, const float* x, uint8_t* codes) {
  size_t ds = c->p.d / c->nsplits, ns = c->nsplits, msub = c->p.M / ns, M = c->p.M;
  size_t sub_cs = c->sub[0]->code_size;
  float* xs = NULL;
  uint8_t* sc = NULL;
  int32_t* idx = NULL;
  /* all rows at once per split: the LSQ encoder's random streams then match
   * those of the split codec encoding the slice on its own */
  lq_status s = lq_alloc_array(n * ds, sizeof(float), "split rows", (void**)&xs);
  if (s == LQ_OK) s = lq_alloc_array(n * ns, sub_cs, "split codes", (void**)&sc);
  if (s == LQ_OK) s = lq_alloc_array(M, sizeof(int32_t), "sub-codes", (void**)&idx);
  for (size_t i = 0; i < ns && s == LQ_OK; i++) {
    lq_prod_slice(c, i, n, x, xs);
    s = lq_vq_ml_encode(c->sub[i], n, xs, sc + i * n * sub_cs);
  }
  for (size_t r = 0; r < n && s == LQ_OK; r++) {
    for (size_t i = 0; i < ns; i++) lq_vq_ml_unpack(c->sub[i], sc + (i * n + r) * sub_cs, idx + i * msub);
    lq_vq_ml_pack(c, idx, codes + r * c->code_size);
  }
  free(xs);
  free(sc);
  free(idx);
  return s;
}

/* -------------------------------------------------------------- decode -- */

lq_status lq_vq_prod_decode(const lq_vq_codec* c, size_t n, const uint8_t* codes, float* x) {
  size_t d = c->p.d, ds = d / c->nsplits, msub = c->p.M / c->nsplits;
  int32_t* idx = NULL;
  LQ_CHECK(lq_alloc_array(c->p.M, sizeof(int32_t), "decode indices", (void**)&idx));
  for (size_t r = 0; r < n; r++) {
    lq_vq_ml_unpack(c, codes + r * c->code_size, idx);
    for (size_t s = 0; s < c->nsplits; s++) {
      /* FAISS ProductAdditiveQuantizer::decode: the first codeword, then
       * the others added in codebook order */
      float* y = x + r * d + s * ds;
      for (size_t m = 0; m < msub; m++) {
        size_t j = s * msub + m;
        const float* w = c->cent + (c->soff[j] + (size_t)idx[j]) * ds;
        if (m == 0)
          memcpy(y, w, ds * sizeof(float));
        else
          for (size_t t = 0; t < ds; t++) y[t] = y[t] + w[t];
      }
    }
  }
  free(idx);
  return LQ_OK;
}
