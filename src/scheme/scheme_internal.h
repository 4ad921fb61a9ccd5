/* The scheme extension point. A family is one line in scheme_registry.inc
 * plus an adapter: a create function that reads its keys from lq_scheme_args
 * and returns a state and an lq_scheme_ops table. docs/scheme.md explains. */
#ifndef LQ_SCHEME_INTERNAL_H
#define LQ_SCHEME_INTERNAL_H

#include "common/lq_internal.h"

/* ------------------------------------------------------ string builder -- */
typedef struct lq_sbuf {
  char* data;
  size_t len, cap;
  int failed; /* an allocation failed; the text is incomplete */
} lq_sbuf;

LQ_INTERNAL void lq_sbuf_printf(lq_sbuf* b, const char* fmt, ...) LQ_PRINTF(2, 3);
/* A float as JSON: shortest-round-trip-safe %.9g, non-finite as null. */
LQ_INTERNAL void lq_sbuf_json_float(lq_sbuf* b, double v);
LQ_INTERNAL void lq_sbuf_json_string(lq_sbuf* b, const char* s);
LQ_INTERNAL void lq_sbuf_free(lq_sbuf* b);

/* ------------------------------------------------------------ key args -- */
#define LQ_SCHEME_MAX_KEYS 32

typedef struct lq_scheme_kv {
  char key[32];
  char value[96];
  int used;          /* set when an adapter reads the key; unused keys are errors */
  int from_alias;    /* the alias expansion supplied it */
} lq_scheme_kv;

typedef struct lq_scheme_args {
  const char* family; /* family name, for error messages */
  size_t n;
  lq_scheme_kv kv[LQ_SCHEME_MAX_KEYS];
} lq_scheme_args;

/* Readers mark the key used. Absent keys leave *out = def and return LQ_OK;
 * present ones that do not parse give LQ_ERR_INVALID_ARG naming family, key
 * and value. *present (may be NULL) says whether the key was given. */
LQ_INTERNAL lq_status lq_scheme_arg_int(lq_scheme_args* a, const char* key, int64_t lo, int64_t hi, int64_t def,
                                        int64_t* out, int* present);
LQ_INTERNAL lq_status lq_scheme_arg_u64(lq_scheme_args* a, const char* key, uint64_t def, uint64_t* out,
                                        int* present);
/* Finite float in [lo, hi]; lo_open excludes lo. */
LQ_INTERNAL lq_status lq_scheme_arg_float(lq_scheme_args* a, const char* key, double lo, int lo_open, double hi,
                                          double def, double* out, int* present);
/* Widens n integer codes of dtype dt (S8/U8/S16/U16) to int32 for the
 * --codes output; LQ_ERR_UNSUPPORTED for any other dtype. */
LQ_INTERNAL lq_status lq_scheme_widen_codes(lq_dtype dt, const void* src, size_t n, int32_t* dst);
/* One of names[0..n); *out is the index. */
LQ_INTERNAL lq_status lq_scheme_arg_enum(lq_scheme_args* a, const char* key, const char* const* names, int n,
                                         int def, int* out, int* present);

/* ----------------------------------------------------------------- ops -- */
/* Shapes reach the ops validated (numel computed, no overflow). The first op
 * of a roundtrip computes parameters from x; all state lives in `st`. */
typedef struct lq_scheme_ops {
  /* required */
  lq_status (*roundtrip)(void* st, const lq_shape* shape, size_t numel, const float* x, float* y, int32_t* codes);
  lq_status (*bits_per_element)(const void* st, const lq_shape* shape, size_t numel, double* out);
  void (*destroy)(void* st);
  /* optional (NULL when the family has none) */
  lq_status (*code_range)(const void* st, int32_t* qmin, int32_t* qmax);
  lq_status (*params_json)(const void* st, lq_sbuf* out);
  lq_status (*calibrate)(void* st, const lq_shape* shape, size_t numel, const float* x);
  lq_status (*encoded_size)(const void* st, const lq_shape* shape, size_t numel, size_t* bytes);
  lq_status (*encode)(void* st, const lq_shape* shape, size_t numel, const float* x, void* codes);
  lq_status (*decode)(void* st, const lq_shape* shape, size_t numel, const void* codes, float* y);
  /* 1: an audio codec on 16-bit PCM, x = int16 / 32768 (lq_scheme_is_pcm16) */
  int pcm16;
} lq_scheme_ops;

/* A roundtrip built from a family's own ops: calibrate on x, then
 * decode(encode(x)) through a temporary code buffer (the VQ families, whose
 * codes are per vector, not per element). */
LQ_INTERNAL lq_status lq_scheme_roundtrip_by_codec(const lq_scheme_ops* ops, void* st, const lq_shape* shape,
                                                   size_t numel, const float* x, float* y);

typedef lq_status (*lq_scheme_create_fn)(lq_scheme_args* args, void** state_out, const lq_scheme_ops** ops_out);

/* Every create function named in scheme_registry.inc. */
#define LQ_SCHEME_FAMILY(name, module, summary, create) LQ_INTERNAL lq_status create(lq_scheme_args*, void**, const lq_scheme_ops**);
#define LQ_SCHEME_ALIAS(name, module, summary, expansion)
#include "scheme/scheme_registry.inc"
#undef LQ_SCHEME_FAMILY
#undef LQ_SCHEME_ALIAS

/* Collapses shape around `axis` to (outer, C, inner); axis may be negative
 * (Python style). LQ_ERR_INVALID_ARG when it is out of range. A scalar
 * (ndim 0) is treated as shape (1,). */
LQ_INTERNAL lq_status lq_scheme_split_axis(const lq_shape* shape, int64_t axis, size_t* outer, size_t* channels,
                                           size_t* inner);

#endif /* LQ_SCHEME_INTERNAL_H */
