/* The qinco scheme family (module vq): QINCo implicit neural codebooks over
 * the rows of an array (last dimension = vector length) or consecutive
 * dim-sized chunks (dim=). A roundtrip trains on the input itself (greedy RQ
 * initialisation, then `epochs` Adam passes), then encodes and decodes it. */
#include <string.h>

#include "scheme/scheme_internal.h"

typedef struct qinco_state {
  size_t dim, M;
  int nbits, epochs, L, h, threads;
  size_t d;        /* vector length of the model below */
  lq_qinco* model; /* trained by the last roundtrip or calibrate */
} qinco_state;

static void qinco_destroy(void* p) {
  if (p) lq_qinco_free(((qinco_state*)p)->model);
  free(p);
}

static lq_status qinco_view(const qinco_state* st, const lq_shape* shape, size_t numel, size_t* d, size_t* n) {
  size_t dd = st->dim;
  if (dd == 0) {
    if (shape->ndim < 2)
      return lq_fail(LQ_ERR_INVALID_ARG, "qinco: a %d-D input needs dim=N (vectors of N consecutive values)",
                     (int)shape->ndim);
    dd = (size_t)shape->dims[shape->ndim - 1];
  }
  if (dd == 0 || numel == 0) return lq_fail(LQ_ERR_INVALID_ARG, "qinco: empty input");
  if (numel % dd != 0)
    return lq_fail(LQ_ERR_INVALID_ARG, "qinco: %zu elements are not a multiple of dim=%zu", numel, dd);
  if (dd > 64) return lq_fail(LQ_ERR_INVALID_ARG, "qinco: vector length %zu is above 64 (use dim=)", dd);
  *d = dd;
  *n = numel / dd;
  return LQ_OK;
}

static lq_qinco_params qinco_params(const qinco_state* st, size_t d) {
  lq_qinco_params p;
  memset(&p, 0, sizeof p);
  p.d = d;
  p.M = st->M;
  p.nbits = st->nbits;
  p.epochs = st->epochs;
  p.L = st->L;
  p.h = st->h;
  p.nthreads = st->threads;
  return p;
}

static lq_status qinco_bits_per_element(const void* p, const lq_shape* shape, size_t numel, double* out) {
  const qinco_state* st = p;
  size_t d = 0, n = 0;
  LQ_CHECK(qinco_view(st, shape, numel, &d, &n));
  lq_qinco_params prm = qinco_params(st, d);
  lq_qinco* q = NULL;
  LQ_CHECK(lq_qinco_new(&prm, &q));
  double floats = (double)lq_qinco_num_params(q) + 1.0; /* + the data scale */
  lq_qinco_free(q);
  *out = (double)st->M * st->nbits / (double)d + 32.0 * floats / (double)numel;
  return LQ_OK;
}

/* Trains a model on x (the first half of a roundtrip; the calibration that
 * quant bench's encode/decode use). */
static lq_status qinco_calibrate(void* p, const lq_shape* shape, size_t numel, const float* x) {
  qinco_state* st = p;
  size_t d = 0, n = 0;
  lq_qinco_free(st->model);
  st->model = NULL;
  LQ_CHECK(qinco_view(st, shape, numel, &d, &n));
  lq_qinco_params prm = qinco_params(st, d);
  lq_qinco* q = NULL;
  LQ_CHECK(lq_qinco_new(&prm, &q));
  lq_status s = lq_qinco_train(q, n, x, NULL);
  if (s != LQ_OK) {
    lq_qinco_free(q);
    return s;
  }
  st->model = q;
  st->d = d;
  return LQ_OK;
}

/* The code size follows from m and nbits: ceil(m*nbits/8) bytes per vector. */
static lq_status qinco_encoded_size(const void* p, const lq_shape* shape, size_t numel, size_t* bytes) {
  const qinco_state* st = p;
  size_t d = 0, n = 0;
  LQ_CHECK(qinco_view(st, shape, numel, &d, &n));
  if (lq_mul_overflows(n, (st->M * (size_t)st->nbits + 7) / 8, bytes))
    return lq_fail(LQ_ERR_OVERFLOW, "qinco: code bytes overflow");
  return LQ_OK;
}

static lq_status qinco_rows(const qinco_state* st, const lq_shape* shape, size_t numel, size_t* n) {
  size_t d = 0;
  LQ_CHECK(qinco_view(st, shape, numel, &d, n));
  if (!st->model || d != st->d)
    return lq_fail(LQ_ERR_STATE, "qinco: no model trained on vectors of %zu values", d);
  return LQ_OK;
}

static lq_status qinco_encode(void* p, const lq_shape* shape, size_t numel, const float* x, void* codes) {
  qinco_state* st = p;
  size_t n = 0;
  LQ_CHECK(qinco_rows(st, shape, numel, &n));
  return lq_qinco_encode(st->model, n, x, codes);
}

static lq_status qinco_decode(void* p, const lq_shape* shape, size_t numel, const void* codes, float* y) {
  qinco_state* st = p;
  size_t n = 0;
  LQ_CHECK(qinco_rows(st, shape, numel, &n));
  return lq_qinco_decode(st->model, n, codes, y);
}

static const lq_scheme_ops qinco_ops;

static lq_status qinco_roundtrip(void* p, const lq_shape* shape, size_t numel, const float* x, float* y,
                                 int32_t* codes) {
  (void)codes; /* codes are per vector, not per element */
  return lq_scheme_roundtrip_by_codec(&qinco_ops, p, shape, numel, x, y);
}

static lq_status qinco_params_json(const void* p, lq_sbuf* out) {
  const qinco_state* st = p;
  if (st->dim) lq_sbuf_printf(out, ", \"dim\": %zu", st->dim);
  lq_sbuf_printf(out, ", \"m\": %zu, \"nbits\": %d, \"epochs\": %d, \"L\": %d, \"h\": %d", st->M, st->nbits,
                 st->epochs, st->L, st->h);
  return LQ_OK;
}

static const lq_scheme_ops qinco_ops = {
    .roundtrip = qinco_roundtrip,
    .bits_per_element = qinco_bits_per_element,
    .destroy = qinco_destroy,
    .params_json = qinco_params_json,
    .calibrate = qinco_calibrate,
    .encoded_size = qinco_encoded_size,
    .encode = qinco_encode,
    .decode = qinco_decode,
};

lq_status lq_scheme_create_qinco(lq_scheme_args* a, void** state_out, const lq_scheme_ops** ops_out) {
  qinco_state* st = NULL;
  LQ_CHECK(lq_calloc_array(1, sizeof *st, "qinco scheme", (void**)&st));
  int64_t v = 0;
  lq_status s = lq_scheme_arg_int(a, "dim", 1, 64, 0, &v, NULL);
  st->dim = (size_t)v;
  if (s == LQ_OK) s = lq_scheme_arg_int(a, "threads", 0, 64, 1, &v, NULL);
  st->threads = (int)v;
  if (s == LQ_OK) s = lq_scheme_arg_int(a, "m", 1, 16, 2, &v, NULL);
  st->M = (size_t)v;
  if (s == LQ_OK) s = lq_scheme_arg_int(a, "nbits", 1, 8, 8, &v, NULL);
  st->nbits = (int)v;
  if (s == LQ_OK) s = lq_scheme_arg_int(a, "epochs", 1, 100000, 10, &v, NULL);
  st->epochs = (int)v;
  if (s == LQ_OK) s = lq_scheme_arg_int(a, "l", 1, 4, 1, &v, NULL);
  st->L = (int)v;
  if (s == LQ_OK) s = lq_scheme_arg_int(a, "h", 0, 128, 0, &v, NULL);
  st->h = (int)v;
  if (s != LQ_OK) {
    free(st);
    return s;
  }
  *state_out = st;
  *ops_out = &qinco_ops;
  return LQ_OK;
}
