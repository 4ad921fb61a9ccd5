/* The vector-quantization scheme families (module vq): kmeans, pq, opq, rq,
 * tsvq, rvq, aq (LSQ++) and the product-additive prq / plsq over the rows of an array (last dimension = vector length) or
 * consecutive dim-sized chunks of the flattened input (dim=). Each roundtrip
 * trains on the input itself, then encodes and decodes it. */
#include <math.h>
#include <string.h>

#include "scheme/scheme_internal.h"

typedef enum { VQ_KMEANS, VQ_PQ, VQ_OPQ, VQ_RQ, VQ_TSVQ, VQ_RVQ, VQ_AQ, VQ_PRQ, VQ_PLSQ } vq_family;

typedef struct vq_state {
  vq_family fam;
  const char* name;
  size_t dim;            /* 0: the last dimension */
  size_t k;              /* kmeans: centroids; rvq: codebook size per level */
  int iters, init;       /* kmeans */
  size_t M;              /* pq/opq sub-spaces, rq stages, rvq levels */
  int nbits, beam;       /* pq/opq/rq; rq beam */
  int depth, branch;     /* tsvq */
  int refine;            /* rq: least-squares codebook refinement rounds */
  int aq_iters;          /* aq: LSQ++ training rounds (0: FAISS's 25) */
  size_t nsplits;        /* prq/plsq: sub-vectors (M, nbits, beam apply per split) */
  int threads;
  /* the model of the last calibration (roundtrip or calibrate) */
  size_t d;              /* its vector length */
  lq_vq_codec* codec;    /* every family but kmeans */
  float* cent;           /* kmeans: k x d centroids */
} vq_state;

static void vq_forget(vq_state* st) {
  lq_vq_codec_free(st->codec);
  st->codec = NULL;
  free(st->cent);
  st->cent = NULL;
  st->d = 0;
}

static void vq_destroy(void* p) {
  if (p) vq_forget(p);
  free(p);
}

/* kmeans codes: the centroid index of each vector, little-endian in the
 * fewest whole bytes that hold k - 1. */
static size_t vq_kmeans_index_bytes(size_t k) { return k <= 256 ? 1 : k <= 65536 ? 2 : 4; }

/* Vector length and count for a tensor of numel elements. */
static lq_status vq_view(const vq_state* st, const lq_shape* shape, size_t numel, size_t* d, size_t* n) {
  size_t dd = st->dim;
  if (dd == 0) {
    if (shape->ndim < 2)
      return lq_fail(LQ_ERR_INVALID_ARG, "%s: a %d-D input needs dim=N (vectors of N consecutive values)", st->name,
                     (int)shape->ndim);
    dd = (size_t)shape->dims[shape->ndim - 1];
  }
  if (dd == 0 || numel == 0) return lq_fail(LQ_ERR_INVALID_ARG, "%s: empty input", st->name);
  if (numel % dd != 0)
    return lq_fail(LQ_ERR_INVALID_ARG, "%s: %zu elements are not a multiple of dim=%zu", st->name, numel, dd);
  *d = dd;
  *n = numel / dd;
  return LQ_OK;
}

static int vq_log2(size_t k) {
  int b = 0;
  while (((size_t)1 << b) < k) b++;
  return b;
}

/* Code bits per vector and stored floats (codebooks, rotation) for vectors of d. */
static lq_status vq_geometry(const vq_state* st, size_t d, double* code_bits, double* floats) {
  double dd = (double)d;
  *code_bits = 0;
  *floats = 0;
  switch (st->fam) {
    case VQ_KMEANS: *code_bits = vq_log2(st->k); *floats = (double)st->k * dd; break;
    case VQ_PQ:
    case VQ_OPQ:
      if (d % st->M != 0)
        return lq_fail(LQ_ERR_INVALID_ARG, "%s: dimension d = %zu is not divisible by M = %zu", st->name, d, st->M);
      *code_bits = (double)st->M * st->nbits;
      *floats = ldexp(dd, st->nbits) + (st->fam == VQ_OPQ ? dd * dd : 0.0);
      break;
    case VQ_RQ:
    case VQ_AQ: *code_bits = (double)st->M * st->nbits; *floats = (double)st->M * ldexp(dd, st->nbits); break;
    case VQ_RVQ: *code_bits = (double)st->M * vq_log2(st->k); *floats = (double)st->M * (double)st->k * dd; break;
    case VQ_PRQ:
    case VQ_PLSQ: /* nsplits x M codebooks of 2^nbits rows of d/nsplits */
      if (d % st->nsplits != 0)
        return lq_fail(LQ_ERR_INVALID_ARG, "%s: dimension d = %zu is not divisible by nsplits = %zu", st->name, d,
                       st->nsplits);
      *code_bits = (double)st->nsplits * (double)st->M * st->nbits;
      *floats = (double)st->M * ldexp(dd, st->nbits);
      break;
    case VQ_TSVQ: {
      double nodes = 0, lv = 1;
      for (int l = 0; l < st->depth; l++) {
        lv *= st->branch;
        nodes += lv;
      }
      *code_bits = (double)st->depth * vq_log2((size_t)st->branch);
      *floats = nodes * dd;
      break;
    }
  }
  return LQ_OK;
}

static lq_status vq_bits_per_element(const void* p, const lq_shape* shape, size_t numel, double* out) {
  const vq_state* st = p;
  size_t d = 0, n = 0;
  double cb = 0, fl = 0;
  LQ_CHECK(vq_view(st, shape, numel, &d, &n));
  LQ_CHECK(vq_geometry(st, d, &cb, &fl));
  *out = cb / (double)d + 32.0 * fl / (double)numel;
  return LQ_OK;
}

/* The codec a roundtrip trains (kmeans has none: lq_kmeans_* directly). */
static lq_status vq_make_codec(const vq_state* st, size_t d, lq_vq_codec** c) {
  lq_kmeans_config km;
  memset(&km, 0, sizeof km);
  km.nthreads = st->threads;
  if (st->fam == VQ_PQ || st->fam == VQ_OPQ) {
    lq_vq_params p;
    memset(&p, 0, sizeof p);
    p.kind = st->fam == VQ_PQ ? LQ_VQ_PQ : LQ_VQ_OPQ;
    p.d = d;
    p.M = st->M;
    p.nbits = st->nbits;
    p.km = km;
    p.nthreads = st->threads;
    return lq_vq_codec_new(&p, c);
  }
  if (st->fam == VQ_TSVQ) {
    lq_vq_tsvq_params t;
    memset(&t, 0, sizeof t);
    t.d = d;
    t.depth = st->depth;
    t.branch = st->branch;
    t.km = km;
    t.nthreads = st->threads;
    return lq_vq_tsvq_new(&t, c);
  }
  if (st->fam == VQ_PRQ) {
    lq_vq_prq_params r;
    memset(&r, 0, sizeof r);
    r.d = d;
    r.nsplits = st->nsplits;
    r.rq.M = st->M;
    r.rq.nbits = st->nbits;
    r.rq.max_beam_size = st->beam;
    r.rq.km = km;
    r.rq.nthreads = st->threads;
    return lq_vq_prq_new(&r, c);
  }
  if (st->fam == VQ_PLSQ) {
    lq_vq_plsq_params l;
    memset(&l, 0, sizeof l);
    l.d = d;
    l.nsplits = st->nsplits;
    l.lsq.M = st->M;
    l.lsq.nbits = st->nbits;
    l.lsq.train_iters = st->aq_iters;
    l.lsq.nthreads = st->threads;
    return lq_vq_plsq_new(&l, c);
  }
  if (st->fam == VQ_AQ) {
    lq_vq_lsq_params l;
    memset(&l, 0, sizeof l);
    l.d = d;
    l.M = st->M;
    l.nbits = st->nbits;
    l.train_iters = st->aq_iters;
    l.nthreads = st->threads;
    return lq_vq_lsq_new(&l, c);
  }
  lq_vq_rq_params r;
  memset(&r, 0, sizeof r);
  r.d = d;
  r.M = st->M;
  r.nbits = st->fam == VQ_RVQ ? vq_log2(st->k) : st->nbits;
  r.max_beam_size = st->fam == VQ_RVQ ? 1 : st->beam;
  r.km = km;
  r.nthreads = st->threads;
  r.refine_iters = st->fam == VQ_RQ ? st->refine : 0;
  return lq_vq_rq_new(&r, c);
}

/* Trains the scheme's model on x (the roundtrip's first half, and the
 * calibration that encode/decode use). */
static lq_status vq_calibrate(void* p, const lq_shape* shape, size_t numel, const float* x) {
  vq_state* st = p;
  size_t d = 0, n = 0;
  vq_forget(st);
  LQ_CHECK(vq_view(st, shape, numel, &d, &n));
  if (st->fam == VQ_KMEANS) {
    lq_kmeans_config km;
    memset(&km, 0, sizeof km);
    km.niter = st->iters;
    km.init = (lq_kmeans_init)st->init;
    km.nthreads = st->threads;
    float* cent = NULL;
    lq_status s = lq_alloc_array(st->k * d, sizeof(float), "centroids", (void**)&cent);
    if (s == LQ_OK) s = lq_kmeans_train(&km, n, d, x, st->k, cent, NULL, NULL);
    if (s != LQ_OK) {
      free(cent);
      return s;
    }
    st->cent = cent;
  } else {
    lq_vq_codec* c = NULL;
    LQ_CHECK(vq_make_codec(st, d, &c));
    lq_status s = lq_vq_train(c, n, x, NULL);
    if (s != LQ_OK) {
      lq_vq_codec_free(c);
      return s;
    }
    st->codec = c;
  }
  st->d = d;
  return LQ_OK;
}

/* Vector count of a tensor encoded with the calibrated model. */
static lq_status vq_rows(const vq_state* st, const lq_shape* shape, size_t numel, size_t* n) {
  size_t d = 0;
  LQ_CHECK(vq_view(st, shape, numel, &d, n));
  if (d != st->d)
    return lq_fail(LQ_ERR_STATE, "%s: vectors of %zu values, but the model was trained on %zu", st->name, d, st->d);
  return LQ_OK;
}

/* Asked before calibration too (to size buffers): the code size follows from
 * the parameters, so an untrained codec of the right shape answers it. */
static lq_status vq_encoded_size(const void* p, const lq_shape* shape, size_t numel, size_t* bytes) {
  const vq_state* st = p;
  size_t n = 0, d = 0, per = vq_kmeans_index_bytes(st->k);
  LQ_CHECK(vq_view(st, shape, numel, &d, &n));
  if (st->codec && d == st->d) {
    per = lq_vq_code_size(st->codec);
  } else if (st->fam != VQ_KMEANS) {
    lq_vq_codec* c = NULL;
    LQ_CHECK(vq_make_codec(st, d, &c));
    per = lq_vq_code_size(c);
    lq_vq_codec_free(c);
  }
  if (lq_mul_overflows(n, per, bytes)) return lq_fail(LQ_ERR_OVERFLOW, "%s: code bytes overflow", st->name);
  return LQ_OK;
}

static lq_status vq_encode(void* p, const lq_shape* shape, size_t numel, const float* x, void* codes) {
  vq_state* st = p;
  size_t n = 0;
  LQ_CHECK(vq_rows(st, shape, numel, &n));
  if (st->codec) return lq_vq_encode(st->codec, n, x, codes);
  int32_t* assign = NULL;
  LQ_CHECK(lq_alloc_array(n, sizeof(int32_t), "assignment", (void**)&assign));
  lq_status s = lq_kmeans_assign(n, st->d, x, st->k, st->cent, st->threads, assign, NULL);
  const size_t w = vq_kmeans_index_bytes(st->k);
  uint8_t* out = codes;
  for (size_t i = 0; s == LQ_OK && i < n; i++)
    for (size_t b = 0; b < w; b++) out[i * w + b] = (uint8_t)((uint32_t)assign[i] >> (8 * b));
  free(assign);
  return s;
}

static lq_status vq_decode(void* p, const lq_shape* shape, size_t numel, const void* codes, float* y) {
  vq_state* st = p;
  size_t n = 0;
  LQ_CHECK(vq_rows(st, shape, numel, &n));
  if (st->codec) return lq_vq_decode(st->codec, n, codes, y);
  const size_t w = vq_kmeans_index_bytes(st->k), d = st->d;
  const uint8_t* in = codes;
  for (size_t i = 0; i < n; i++) {
    uint32_t j = 0;
    for (size_t b = 0; b < w; b++) j |= (uint32_t)in[i * w + b] << (8 * b);
    if (j >= st->k)
      return lq_fail(LQ_ERR_FORMAT, "%s: code %u of vector %zu is not below k = %zu", st->name, j, i, st->k);
    memcpy(y + i * d, st->cent + (size_t)j * d, d * sizeof(float));
  }
  return LQ_OK;
}

static const lq_scheme_ops vq_ops;

/* Trains on x, then decode(encode(x)). */
static lq_status vq_roundtrip(void* p, const lq_shape* shape, size_t numel, const float* x, float* y,
                              int32_t* codes) {
  (void)codes; /* no per-element integer codes (code_range is NULL) */
  return lq_scheme_roundtrip_by_codec(&vq_ops, p, shape, numel, x, y);
}

static lq_status vq_params_json(const void* p, lq_sbuf* out) {
  const vq_state* st = p;
  if (st->dim) lq_sbuf_printf(out, ", \"dim\": %zu", st->dim);
  switch (st->fam) {
    case VQ_KMEANS:
      lq_sbuf_printf(out, ", \"k\": %zu, \"iters\": %d, \"init\": \"%s\"", st->k, st->iters,
                     st->init ? "kmeans++" : "random");
      break;
    case VQ_PQ:
    case VQ_OPQ: lq_sbuf_printf(out, ", \"m\": %zu, \"nbits\": %d", st->M, st->nbits); break;
    case VQ_RQ:
      lq_sbuf_printf(out, ", \"m\": %zu, \"nbits\": %d, \"beam\": %d", st->M, st->nbits, st->beam);
      if (st->refine) lq_sbuf_printf(out, ", \"refine\": %d", st->refine);
      break;
    case VQ_AQ:
      lq_sbuf_printf(out, ", \"m\": %zu, \"nbits\": %d, \"iters\": %d", st->M, st->nbits,
                     st->aq_iters ? st->aq_iters : 25);
      break;
    case VQ_TSVQ: lq_sbuf_printf(out, ", \"depth\": %d, \"branch\": %d", st->depth, st->branch); break;
    case VQ_PRQ:
      lq_sbuf_printf(out, ", \"nsplits\": %zu, \"m\": %zu, \"nbits\": %d, \"beam\": %d", st->nsplits, st->M,
                     st->nbits, st->beam);
      break;
    case VQ_PLSQ:
      lq_sbuf_printf(out, ", \"nsplits\": %zu, \"m\": %zu, \"nbits\": %d, \"iters\": %d", st->nsplits, st->M,
                     st->nbits, st->aq_iters ? st->aq_iters : 25);
      break;
    case VQ_RVQ: lq_sbuf_printf(out, ", \"levels\": %zu, \"k\": %zu", st->M, st->k); break;
  }
  return LQ_OK;
}

static const lq_scheme_ops vq_ops = {
    .roundtrip = vq_roundtrip,
    .bits_per_element = vq_bits_per_element,
    .destroy = vq_destroy,
    .params_json = vq_params_json,
    .calibrate = vq_calibrate,
    .encoded_size = vq_encoded_size,
    .encode = vq_encode,
    .decode = vq_decode,
};

static lq_status vq_create(vq_family fam, const char* name, lq_scheme_args* a, void** state_out,
                           const lq_scheme_ops** ops_out) {
  vq_state* st = NULL;
  LQ_CHECK(lq_calloc_array(1, sizeof *st, "vq scheme", (void**)&st));
  st->fam = fam;
  st->name = name;
  int64_t v = 0;
  static const char* const init_names[] = {"random", "kmeans++"};
  lq_status s = lq_scheme_arg_int(a, "dim", 1, INT32_MAX, 0, &v, NULL);
  st->dim = (size_t)v;
  if (s == LQ_OK) s = lq_scheme_arg_int(a, "threads", 0, 64, 1, &v, NULL);
  st->threads = (int)v;
  switch (fam) {
    case VQ_KMEANS:
      if (s == LQ_OK) s = lq_scheme_arg_int(a, "k", 1, INT32_MAX, 256, &v, NULL);
      st->k = (size_t)v;
      if (s == LQ_OK) s = lq_scheme_arg_int(a, "iters", 0, 100000, 25, &v, NULL);
      st->iters = v == 0 ? -1 : (int)v; /* iters=0: the initial centroids only */
      if (s == LQ_OK) s = lq_scheme_arg_enum(a, "init", init_names, 2, 0, &st->init, NULL);
      break;
    case VQ_PQ:
    case VQ_OPQ:
    case VQ_RQ:
    case VQ_AQ:
      if (s == LQ_OK) s = lq_scheme_arg_int(a, "m", 1, 4096, fam == VQ_PQ || fam == VQ_OPQ ? 2 : 4, &v, NULL);
      st->M = (size_t)v;
      if (s == LQ_OK) s = lq_scheme_arg_int(a, "nbits", 1, 16, 8, &v, NULL);
      st->nbits = (int)v;
      if (fam == VQ_RQ) {
        if (s == LQ_OK) s = lq_scheme_arg_int(a, "beam", 1, 1024, 5, &v, NULL);
        st->beam = (int)v;
        if (s == LQ_OK) s = lq_scheme_arg_int(a, "refine", 0, 1000, 0, &v, NULL);
        st->refine = (int)v;
      }
      if (fam == VQ_AQ) {
        if (s == LQ_OK) s = lq_scheme_arg_int(a, "iters", 0, 100000, 0, &v, NULL);
        st->aq_iters = (int)v;
      }
      break;
    case VQ_PRQ:
    case VQ_PLSQ: /* FAISS ProductResidualQuantizer / ProductLocalSearchQuantizer(d, nsplits, M, nbits) */
      if (s == LQ_OK) s = lq_scheme_arg_int(a, "nsplits", 1, 65536, 2, &v, NULL);
      st->nsplits = (size_t)v;
      if (s == LQ_OK) s = lq_scheme_arg_int(a, "m", 1, 4096, 2, &v, NULL);
      st->M = (size_t)v;
      if (s == LQ_OK) s = lq_scheme_arg_int(a, "nbits", 1, 16, 8, &v, NULL);
      st->nbits = (int)v;
      if (fam == VQ_PRQ) {
        if (s == LQ_OK) s = lq_scheme_arg_int(a, "beam", 1, 1024, 5, &v, NULL);
        st->beam = (int)v;
      } else {
        if (s == LQ_OK) s = lq_scheme_arg_int(a, "iters", 0, 100000, 0, &v, NULL);
        st->aq_iters = (int)v;
      }
      break;
    case VQ_TSVQ:
      if (s == LQ_OK) s = lq_scheme_arg_int(a, "depth", 1, 26, 3, &v, NULL);
      st->depth = (int)v;
      if (s == LQ_OK) s = lq_scheme_arg_int(a, "branch", 2, 65536, 16, &v, NULL);
      st->branch = (int)v;
      if (s == LQ_OK && st->depth * (double)vq_log2((size_t)st->branch) > 26.0)
        s = lq_fail(LQ_ERR_INVALID_ARG, "tsvq: depth=%d x branch=%d gives more than 2^26 leaves", st->depth,
                    st->branch);
      break;
    case VQ_RVQ:
      if (s == LQ_OK) s = lq_scheme_arg_int(a, "levels", 1, 4096, 4, &v, NULL);
      st->M = (size_t)v;
      if (s == LQ_OK) s = lq_scheme_arg_int(a, "k", 2, 65536, 256, &v, NULL);
      st->k = (size_t)v;
      if (s == LQ_OK && (st->k & (st->k - 1)) != 0)
        s = lq_fail(LQ_ERR_INVALID_ARG, "rvq: k=%zu is not a power of two (codes are log2(k)-bit fields)", st->k);
      break;
  }
  if (s != LQ_OK) {
    free(st);
    return s;
  }
  *state_out = st;
  *ops_out = &vq_ops;
  return LQ_OK;
}

#define LQ_VQ_CREATE(fn, fam, name) \
  lq_status fn(lq_scheme_args* a, void** st, const lq_scheme_ops** ops) { return vq_create(fam, name, a, st, ops); }
LQ_VQ_CREATE(lq_scheme_create_kmeans, VQ_KMEANS, "kmeans")
LQ_VQ_CREATE(lq_scheme_create_pq, VQ_PQ, "pq")
LQ_VQ_CREATE(lq_scheme_create_opq, VQ_OPQ, "opq")
LQ_VQ_CREATE(lq_scheme_create_rq, VQ_RQ, "rq")
LQ_VQ_CREATE(lq_scheme_create_tsvq, VQ_TSVQ, "tsvq")
LQ_VQ_CREATE(lq_scheme_create_rvq, VQ_RVQ, "rvq")
LQ_VQ_CREATE(lq_scheme_create_aq, VQ_AQ, "aq")
LQ_VQ_CREATE(lq_scheme_create_prq, VQ_PRQ, "prq")
LQ_VQ_CREATE(lq_scheme_create_plsq, VQ_PLSQ, "plsq")
