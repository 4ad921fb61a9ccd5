/* The `lattice` scheme family: the vq module's saturating lattice quantizers
 * (lq_lattice_quantize) over consecutive dim-sized chunks of the flattened
 * tensor, with one scale per tensor, given (scale=) or fitted by MSE
 * (lq_lattice_fit_scale). Codes are the lattice coordinates (E8: in halves),
 * stored as int8 (bits <= 8) or int16. */
#include <math.h>
#include <string.h>

#include "scheme/scheme_internal.h"

typedef struct lat_state {
  lq_lattice_type type;
  size_t dim;
  int bits;
  int fixed;      /* scale given in the spec */
  float scale;    /* of the last calibration (or the fixed one) */
  int calibrated;
} lat_state;

static const char* const type_names[] = {"zn", "dn", "an", "e8"};

static void lat_destroy(void* p) { free(p); }

static lq_status lat_check_shape(const lat_state* st, size_t numel) {
  if (numel % st->dim != 0)
    return lq_fail(LQ_ERR_INVALID_ARG, "lattice: %zu elements are not a multiple of dim=%zu", numel, st->dim);
  return LQ_OK;
}

static lq_status lat_calibrate(void* p, const lq_shape* shape, size_t numel, const float* x) {
  (void)shape;
  lat_state* st = p;
  st->calibrated = 0;
  LQ_CHECK(lat_check_shape(st, numel));
  if (!st->fixed) {
    if (numel == 0) {
      st->scale = 1.0f;
    } else {
      LQ_CHECK(lq_lattice_fit_scale(st->type, st->dim, numel / st->dim, x, st->bits, &st->scale, NULL));
    }
  }
  st->calibrated = 1;
  return LQ_OK;
}

static lq_status lat_roundtrip(void* p, const lq_shape* shape, size_t numel, const float* x, float* y,
                               int32_t* codes) {
  lat_state* st = p;
  LQ_CHECK(lat_calibrate(p, shape, numel, x));
  if (numel == 0) return LQ_OK;
  return lq_lattice_quantize(st->type, st->dim, numel / st->dim, x, st->scale, st->bits, y, codes);
}

static lq_status lat_bits_per_element(const void* p, const lq_shape* shape, size_t numel, double* out) {
  (void)shape;
  const lat_state* st = p;
  *out = st->bits + ((st->fixed || numel == 0) ? 0.0 : 32.0 / (double)numel);
  return LQ_OK;
}

static lq_status lat_code_range(const void* p, int32_t* qmin, int32_t* qmax) {
  const lat_state* st = p;
  *qmin = -(1 << (st->bits - 1));
  *qmax = (1 << (st->bits - 1)) - 1;
  return LQ_OK;
}

static lq_status lat_params_json(const void* p, lq_sbuf* b) {
  const lat_state* st = p;
  lq_sbuf_printf(b, ", \"type\": \"%s\", \"dim\": %zu, \"bits\": %d, \"clip\": %d, \"scale\": ",
                 type_names[st->type - 1], st->dim, st->bits, lq_lattice_clip_bound(st->type, st->bits));
  lq_sbuf_json_float(b, st->scale);
  return LQ_OK;
}

static size_t lat_code_bytes(const lat_state* st) { return st->bits <= 8 ? 1 : 2; }

static lq_status lat_encoded_size(const void* p, const lq_shape* shape, size_t numel, size_t* bytes) {
  (void)shape;
  const lat_state* st = p;
  LQ_CHECK(lat_check_shape(st, numel));
  if (lq_mul_overflows(numel, lat_code_bytes(st), bytes)) return lq_fail(LQ_ERR_OVERFLOW, "lattice: size overflows");
  return LQ_OK;
}

enum { LAT_CHUNK = 4096 }; /* elements per pass through the int32 bounce buffer (a multiple of any dim <= 4096) */

static lq_status lat_encode(void* p, const lq_shape* shape, size_t numel, const float* x, void* codes) {
  (void)shape;
  lat_state* st = p;
  if (!st->calibrated) return lq_fail(LQ_ERR_STATE, "lattice: encode before calibrate");
  LQ_CHECK(lat_check_shape(st, numel));
  if (numel == 0) return LQ_OK;
  size_t rows_per = st->dim <= LAT_CHUNK ? LAT_CHUNK / st->dim : 1;
  int32_t* tmp;
  LQ_CHECK(lq_alloc_array(rows_per * st->dim, sizeof *tmp, "lattice codes", (void**)&tmp));
  size_t rows = numel / st->dim;
  lq_status s = LQ_OK;
  for (size_t r = 0; r < rows && s == LQ_OK; r += rows_per) {
    size_t nr = rows - r < rows_per ? rows - r : rows_per;
    s = lq_lattice_quantize(st->type, st->dim, nr, x + r * st->dim, st->scale, st->bits, NULL, tmp);
    size_t base = r * st->dim;
    for (size_t i = 0; s == LQ_OK && i < nr * st->dim; i++) {
      if (st->bits <= 8) ((int8_t*)codes)[base + i] = (int8_t)tmp[i];
      else ((int16_t*)codes)[base + i] = (int16_t)tmp[i];
    }
  }
  free(tmp);
  return s;
}

static lq_status lat_decode(void* p, const lq_shape* shape, size_t numel, const void* codes, float* y) {
  (void)shape;
  lat_state* st = p;
  if (!st->calibrated) return lq_fail(LQ_ERR_STATE, "lattice: decode before calibrate");
  LQ_CHECK(lat_check_shape(st, numel));
  int32_t lo = -(1 << (st->bits - 1)), hi = (1 << (st->bits - 1)) - 1;
  float unit = st->type == LQ_LATTICE_E8 ? 0.5f * st->scale : st->scale;
  for (size_t i = 0; i < numel; i++) {
    int32_t c = st->bits <= 8 ? ((const int8_t*)codes)[i] : ((const int16_t*)codes)[i];
    if (c < lo || c > hi) return lq_fail(LQ_ERR_FORMAT, "lattice: code %d outside the %d-bit range", c, st->bits);
    y[i] = (float)((double)c * (double)unit);
  }
  return LQ_OK;
}

static const lq_scheme_ops lat_ops = {
    .roundtrip = lat_roundtrip,
    .bits_per_element = lat_bits_per_element,
    .destroy = lat_destroy,
    .code_range = lat_code_range,
    .params_json = lat_params_json,
    .calibrate = lat_calibrate,
    .encoded_size = lat_encoded_size,
    .encode = lat_encode,
    .decode = lat_decode,
};

lq_status lq_scheme_create_lattice(lq_scheme_args* a, void** state_out, const lq_scheme_ops** ops_out) {
  int type = 0; /* zn */
  int64_t bits, dim;
  double scale;
  int have_scale, have_dim;
  LQ_CHECK(lq_scheme_arg_enum(a, "type", type_names, 4, 0, &type, NULL));
  LQ_CHECK(lq_scheme_arg_int(a, "bits", 1, 16, 4, &bits, NULL));
  LQ_CHECK(lq_scheme_arg_int(a, "dim", 1, 4096, 8, &dim, &have_dim));
  LQ_CHECK(lq_scheme_arg_float(a, "scale", 0.0, 1, 3.4028234663852886e38, 1.0, &scale, &have_scale));
  lq_lattice_type t = (lq_lattice_type)(type + 1);
  if (t == LQ_LATTICE_E8 && dim != 8) return lq_fail(LQ_ERR_INVALID_ARG, "lattice: type=e8 needs dim=8");
  if (t == LQ_LATTICE_AN && dim < 2) return lq_fail(LQ_ERR_INVALID_ARG, "lattice: type=an needs dim >= 2");
  if (lq_lattice_clip_bound(t, (int)bits) < 0)
    return lq_fail(LQ_ERR_INVALID_ARG, "lattice: bits=%d too small for type=%s (zn: 2, dn/an: 3, e8: 4)", (int)bits,
                   type_names[type]);
  if (have_scale && !((float)scale > 0.0f))
    return lq_fail(LQ_ERR_INVALID_ARG, "lattice: scale=%g underflows float", scale);
  lat_state* st = calloc(1, sizeof *st);
  if (!st) return lq_fail(LQ_ERR_OUT_OF_MEMORY, "lattice: out of memory");
  st->type = t;
  st->dim = (size_t)dim;
  st->bits = (int)bits;
  st->fixed = have_scale;
  st->scale = have_scale ? (float)scale : 1.0f;
  st->calibrated = have_scale;
  *state_out = st;
  *ops_out = &lat_ops;
  return LQ_OK;
}
