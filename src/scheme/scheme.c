/* Scheme strings: parser, registry and the public lq_scheme_* entry points.
 * Everything family-specific lives in the adapters (scheme_int.c, ...). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "scheme/scheme_internal.h"

#define LQ_SCHEME_MAX_SPEC 1024

typedef struct registry_entry {
  const char* name;
  const char* module;
  const char* summary;
  lq_scheme_create_fn create; /* NULL for an alias */
  const char* expansion;      /* alias only */
} registry_entry;

#define LQ_SCHEME_FAMILY(name, module, summary, create) {#name, module, summary, create, NULL},
#define LQ_SCHEME_ALIAS(name, module, summary, expansion) {#name, module, summary, NULL, expansion},
static const registry_entry registry[] = {
#include "scheme/scheme_registry.inc"
};
#undef LQ_SCHEME_FAMILY
#undef LQ_SCHEME_ALIAS
#define NREGISTRY (sizeof registry / sizeof registry[0])

struct lq_scheme {
  const lq_scheme_ops* ops;
  void* state;
  const char* family;
  char spec[LQ_SCHEME_MAX_SPEC + 1];
  int calibrated;
  lq_shape calibrated_shape;
};

size_t lq_scheme_count(void) { return NREGISTRY; }

lq_status lq_scheme_info(size_t i, const char** name_out, const char** module_out, const char** summary_out) {
  if (i >= NREGISTRY) return lq_fail(LQ_ERR_INVALID_ARG, "scheme index %zu past the end (%zu)", i, NREGISTRY);
  if (name_out) *name_out = registry[i].name;
  if (module_out) *module_out = registry[i].module;
  if (summary_out) *summary_out = registry[i].summary;
  return LQ_OK;
}

/* ------------------------------------------------------------- parsing -- */

static int is_ident_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }
/* Names also take '-' ("g711-ulaw", "ima-adpcm"); keys do not. */
static int is_name_char(char c) { return is_ident_char(c) || c == '-'; }

static const registry_entry* find_entry(const char* name, size_t len) {
  for (size_t i = 0; i < NREGISTRY; i++)
    if (strlen(registry[i].name) == len && memcmp(registry[i].name, name, len) == 0) return &registry[i];
  return NULL;
}

/* Splits "k=v:k=v..." (text[0..len)) into args. */
static lq_status parse_keys(const char* text, size_t len, const char* spec, int from_alias, lq_scheme_args* a,
                            const char* alias_name) {
  size_t i = 0;
  while (i < len) {
    size_t seg_end = i;
    while (seg_end < len && text[seg_end] != ':') seg_end++;
    const char* seg = text + i;
    size_t seg_len = seg_end - i;
    if (seg_len == 0) return lq_fail(LQ_ERR_INVALID_ARG, "scheme '%s': empty KEY=VALUE item", spec);
    const char* eq = memchr(seg, '=', seg_len);
    if (!eq) return lq_fail(LQ_ERR_INVALID_ARG, "scheme '%s': '%.*s' is not KEY=VALUE", spec, (int)seg_len, seg);
    size_t klen = (size_t)(eq - seg), vlen = seg_len - klen - 1;
    if (klen == 0) return lq_fail(LQ_ERR_INVALID_ARG, "scheme '%s': empty key in '%.*s'", spec, (int)seg_len, seg);
    for (size_t k = 0; k < klen; k++)
      if (!is_ident_char(seg[k]))
        return lq_fail(LQ_ERR_INVALID_ARG, "scheme '%s': bad key '%.*s' (keys are [a-z0-9_]+)", spec, (int)klen,
                       seg);
    if (vlen == 0) return lq_fail(LQ_ERR_INVALID_ARG, "scheme '%s': key '%.*s' has no value", spec, (int)klen, seg);
    if (klen >= sizeof a->kv[0].key)
      return lq_fail(LQ_ERR_INVALID_ARG, "scheme '%s': key '%.*s' is too long", spec, (int)klen, seg);
    if (vlen >= sizeof a->kv[0].value)
      return lq_fail(LQ_ERR_INVALID_ARG, "scheme '%s': value of '%.*s' is too long", spec, (int)klen, seg);
    for (size_t k = 0; k < a->n; k++) {
      if (strlen(a->kv[k].key) == klen && memcmp(a->kv[k].key, seg, klen) == 0) {
        if (a->kv[k].from_alias)
          return lq_fail(LQ_ERR_INVALID_ARG, "scheme '%s': key '%.*s' is fixed by the alias '%s'", spec, (int)klen,
                         seg, alias_name);
        return lq_fail(LQ_ERR_INVALID_ARG, "scheme '%s': duplicate key '%.*s'", spec, (int)klen, seg);
      }
    }
    if (a->n == LQ_SCHEME_MAX_KEYS)
      return lq_fail(LQ_ERR_INVALID_ARG, "scheme '%s': more than %d keys", spec, LQ_SCHEME_MAX_KEYS);
    lq_scheme_kv* kv = &a->kv[a->n++];
    memcpy(kv->key, seg, klen);
    kv->key[klen] = '\0';
    memcpy(kv->value, eq + 1, vlen);
    kv->value[vlen] = '\0';
    kv->used = 0;
    kv->from_alias = from_alias;
    i = seg_end + 1;
    if (seg_end + 1 == len && text[seg_end] == ':')
      return lq_fail(LQ_ERR_INVALID_ARG, "scheme '%s': trailing ':'", spec);
  }
  return LQ_OK;
}

lq_status lq_scheme_parse(const char* spec, lq_scheme** out) {
  LQ_REQUIRE_PTR(out);
  *out = NULL;
  LQ_REQUIRE_PTR(spec);
  size_t len = strlen(spec);
  if (len == 0) return lq_fail(LQ_ERR_INVALID_ARG, "empty scheme string");
  if (len > LQ_SCHEME_MAX_SPEC)
    return lq_fail(LQ_ERR_INVALID_ARG, "scheme string longer than %d characters", LQ_SCHEME_MAX_SPEC);
  for (size_t i = 0; i < len; i++)
    if (spec[i] == ',' || (unsigned char)spec[i] <= ' ' || (unsigned char)spec[i] >= 127)
      return lq_fail(LQ_ERR_INVALID_ARG, "scheme '%s': character %zu is not allowed (no spaces or commas)", spec,
                     i + 1);
  size_t nlen = 0;
  while (nlen < len && spec[nlen] != ':') nlen++;
  for (size_t i = 0; i < nlen; i++)
    if (!is_name_char(spec[i]))
      return lq_fail(LQ_ERR_INVALID_ARG, "scheme '%s': bad scheme name '%.*s' (names are [a-z0-9_-]+)", spec,
                     (int)nlen, spec);
  if (nlen == 0) return lq_fail(LQ_ERR_INVALID_ARG, "scheme '%s': missing scheme name", spec);
  const registry_entry* e = find_entry(spec, nlen);
  if (!e) return lq_fail(LQ_ERR_INVALID_ARG, "unknown scheme '%.*s'", (int)nlen, spec);

  lq_scheme_args* args = calloc(1, sizeof *args);
  if (!args) return lq_fail(LQ_ERR_OUT_OF_MEMORY, "out of memory parsing a scheme");
  const registry_entry* fam = e;
  lq_status s = LQ_OK;
  if (e->expansion) {
    const char* exp = e->expansion;
    size_t elen = strlen(exp), fl = 0;
    while (fl < elen && exp[fl] != ':') fl++;
    fam = find_entry(exp, fl);
    if (!fam || !fam->create) {
      free(args);
      return lq_fail(LQ_ERR_INVALID_ARG, "alias '%s' names no scheme family", e->name);
    }
    if (fl < elen) s = parse_keys(exp + fl + 1, elen - fl - 1, exp, 1, args, e->name);
  }
  if (s == LQ_OK && nlen < len) {
    if (nlen + 1 == len) s = lq_fail(LQ_ERR_INVALID_ARG, "scheme '%s': trailing ':'", spec);
    else s = parse_keys(spec + nlen + 1, len - nlen - 1, spec, 0, args, e->name);
  }
  if (s != LQ_OK) {
    free(args);
    return s;
  }
  args->family = fam->name;
  void* state = NULL;
  const lq_scheme_ops* ops = NULL;
  s = fam->create(args, &state, &ops);
  if (s == LQ_OK) {
    for (size_t k = 0; k < args->n; k++)
      if (!args->kv[k].used) {
        s = lq_fail(LQ_ERR_INVALID_ARG, "scheme '%s': unknown key '%s' for '%s'", spec, args->kv[k].key, fam->name);
        break;
      }
    if (s != LQ_OK) ops->destroy(state);
  }
  free(args);
  if (s != LQ_OK) return s;
  lq_scheme* sc = calloc(1, sizeof *sc);
  if (!sc) {
    ops->destroy(state);
    return lq_fail(LQ_ERR_OUT_OF_MEMORY, "out of memory creating a scheme");
  }
  sc->ops = ops;
  sc->state = state;
  sc->family = fam->name;
  memcpy(sc->spec, spec, len + 1);
  *out = sc;
  return LQ_OK;
}

void lq_scheme_destroy(lq_scheme* s) {
  if (!s) return;
  s->ops->destroy(s->state);
  free(s);
}

const char* lq_scheme_spec(const lq_scheme* s) { return s ? s->spec : ""; }
const char* lq_scheme_family(const lq_scheme* s) { return s ? s->family : ""; }
int lq_scheme_is_pcm16(const lq_scheme* s) { return s ? s->ops->pcm16 != 0 : 0; }

/* --------------------------------------------------------------- calls -- */

static lq_status check_shape(const lq_scheme* s, const lq_shape* shape, size_t* numel) {
  LQ_REQUIRE_PTR(s);
  LQ_REQUIRE_PTR(shape);
  return lq_shape_numel(shape, numel);
}

static int same_shape(const lq_shape* a, const lq_shape* b) {
  if (a->ndim != b->ndim) return 0;
  for (int32_t d = 0; d < a->ndim; d++)
    if (a->dims[d] != b->dims[d]) return 0;
  return 1;
}

static void mark_calibrated(lq_scheme* s, const lq_shape* shape) {
  s->calibrated = 1;
  memset(&s->calibrated_shape, 0, sizeof s->calibrated_shape);
  s->calibrated_shape.ndim = shape->ndim;
  for (int32_t d = 0; d < shape->ndim; d++) s->calibrated_shape.dims[d] = shape->dims[d];
}

lq_status lq_scheme_roundtrip(lq_scheme* s, const lq_shape* shape, const float* x, float* y, int32_t* codes) {
  size_t n;
  LQ_CHECK(check_shape(s, shape, &n));
  if (n > 0) {
    LQ_REQUIRE_PTR(x);
    LQ_REQUIRE_PTR(y);
  }
  if (codes && !s->ops->code_range)
    return lq_fail(LQ_ERR_UNSUPPORTED, "scheme '%s' has no integer codes", s->spec);
  s->calibrated = 0;
  LQ_CHECK(s->ops->roundtrip(s->state, shape, n, x, y, codes));
  mark_calibrated(s, shape);
  return LQ_OK;
}

lq_status lq_scheme_calibrate(lq_scheme* s, const lq_shape* shape, const float* x) {
  size_t n;
  LQ_CHECK(check_shape(s, shape, &n));
  if (n > 0) LQ_REQUIRE_PTR(x);
  if (!s->ops->calibrate) return lq_fail(LQ_ERR_UNSUPPORTED, "scheme '%s' has no separate calibration", s->spec);
  s->calibrated = 0;
  LQ_CHECK(s->ops->calibrate(s->state, shape, n, x));
  mark_calibrated(s, shape);
  return LQ_OK;
}

lq_status lq_scheme_encoded_size(const lq_scheme* s, const lq_shape* shape, size_t* bytes_out) {
  size_t n;
  LQ_CHECK(check_shape(s, shape, &n));
  LQ_REQUIRE_PTR(bytes_out);
  if (!s->ops->encoded_size) return lq_fail(LQ_ERR_UNSUPPORTED, "scheme '%s' has no encode/decode", s->spec);
  return s->ops->encoded_size(s->state, shape, n, bytes_out);
}

static lq_status check_codec(lq_scheme* s, const lq_shape* shape, size_t n, size_t room) {
  if (!s->ops->encode || !s->ops->decode || !s->ops->encoded_size)
    return lq_fail(LQ_ERR_UNSUPPORTED, "scheme '%s' has no encode/decode", s->spec);
  if (!s->calibrated || !same_shape(shape, &s->calibrated_shape))
    return lq_fail(LQ_ERR_STATE, "scheme '%s': calibrate (or roundtrip) a tensor of this shape first", s->spec);
  size_t need;
  LQ_CHECK(s->ops->encoded_size(s->state, shape, n, &need));
  if (room < need) return lq_fail(LQ_ERR_BUFFER_TOO_SMALL, "code buffer of %zu bytes, need %zu", room, need);
  return LQ_OK;
}

lq_status lq_scheme_encode(lq_scheme* s, const lq_shape* shape, const float* x, void* codes, size_t cap) {
  size_t n;
  LQ_CHECK(check_shape(s, shape, &n));
  LQ_CHECK(check_codec(s, shape, n, cap));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(codes);
  return s->ops->encode(s->state, shape, n, x, codes);
}

lq_status lq_scheme_decode(lq_scheme* s, const lq_shape* shape, const void* codes, size_t len, float* y) {
  size_t n;
  LQ_CHECK(check_shape(s, shape, &n));
  LQ_CHECK(check_codec(s, shape, n, len));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(codes);
  LQ_REQUIRE_PTR(y);
  return s->ops->decode(s->state, shape, n, codes, y);
}

lq_status lq_scheme_bits_per_element(const lq_scheme* s, const lq_shape* shape, double* bpe_out) {
  size_t n;
  LQ_CHECK(check_shape(s, shape, &n));
  LQ_REQUIRE_PTR(bpe_out);
  return s->ops->bits_per_element(s->state, shape, n, bpe_out);
}

lq_status lq_scheme_code_range(const lq_scheme* s, int32_t* qmin_out, int32_t* qmax_out) {
  LQ_REQUIRE_PTR(s);
  LQ_REQUIRE_PTR(qmin_out);
  LQ_REQUIRE_PTR(qmax_out);
  if (!s->ops->code_range) return lq_fail(LQ_ERR_UNSUPPORTED, "scheme '%s' has no integer codes", s->spec);
  return s->ops->code_range(s->state, qmin_out, qmax_out);
}

lq_status lq_scheme_params_json(const lq_scheme* s, char* buf, size_t cap, size_t* len_out) {
  LQ_REQUIRE_PTR(s);
  LQ_REQUIRE_PTR(len_out);
  if (!s->calibrated) return lq_fail(LQ_ERR_STATE, "scheme '%s': no parameters before a roundtrip", s->spec);
  lq_sbuf b = {0};
  lq_sbuf_printf(&b, "{\"scheme\": ");
  lq_sbuf_json_string(&b, s->spec);
  lq_sbuf_printf(&b, ", \"family\": \"%s\"", s->family);
  if (s->ops->params_json) {
    lq_status st = s->ops->params_json(s->state, &b);
    if (st != LQ_OK) {
      lq_sbuf_free(&b);
      return st;
    }
  }
  lq_sbuf_printf(&b, "}");
  if (b.failed) {
    lq_sbuf_free(&b);
    return lq_fail(LQ_ERR_OUT_OF_MEMORY, "out of memory writing scheme parameters");
  }
  *len_out = b.len;
  lq_status st = LQ_OK;
  if (buf == NULL && cap == 0) {
    st = LQ_OK;
  } else if (buf == NULL || cap <= b.len) {
    st = lq_fail(LQ_ERR_BUFFER_TOO_SMALL, "params JSON needs %zu bytes, buffer has %zu", b.len + 1, cap);
  } else {
    memcpy(buf, b.data, b.len + 1);
  }
  lq_sbuf_free(&b);
  return st;
}

/* ------------------------------------------------------- adapter tools -- */

lq_status lq_scheme_split_axis(const lq_shape* shape, int64_t axis, size_t* outer, size_t* channels,
                               size_t* inner) {
  int32_t nd = shape->ndim;
  int64_t dims1[1] = {1};
  const int64_t* dims = nd == 0 ? dims1 : shape->dims;
  if (nd == 0) nd = 1;
  int64_t a = axis < 0 ? axis + nd : axis;
  if (a < 0 || a >= nd)
    return lq_fail(LQ_ERR_INVALID_ARG, "axis %lld is out of range for a tensor of rank %d", (long long)axis,
                   (int)shape->ndim);
  size_t o = 1, in = 1;
  for (int64_t d = 0; d < a; d++) o *= (size_t)dims[d]; /* no overflow: numel was checked */
  for (int64_t d = a + 1; d < nd; d++) in *= (size_t)dims[d];
  *outer = o;
  *channels = (size_t)dims[a];
  *inner = in;
  return LQ_OK;
}

static lq_scheme_kv* find_key(lq_scheme_args* a, const char* key) {
  for (size_t i = 0; i < a->n; i++)
    if (strcmp(a->kv[i].key, key) == 0) {
      a->kv[i].used = 1;
      return &a->kv[i];
    }
  return NULL;
}

lq_status lq_scheme_arg_int(lq_scheme_args* a, const char* key, int64_t lo, int64_t hi, int64_t def, int64_t* out,
                            int* present) {
  lq_scheme_kv* kv = find_key(a, key);
  if (present) *present = kv != NULL;
  *out = def;
  if (!kv) return LQ_OK;
  const char* v = kv->value;
  char* end;
  errno = 0;
  long long r = strtoll(v, &end, 10);
  if (errno || end == v || *end || r < lo || r > hi)
    return lq_fail(LQ_ERR_INVALID_ARG, "%s: %s=%s is not an integer in [%lld, %lld]", a->family, key, v,
                   (long long)lo, (long long)hi);
  *out = r;
  return LQ_OK;
}

lq_status lq_scheme_arg_u64(lq_scheme_args* a, const char* key, uint64_t def, uint64_t* out, int* present) {
  lq_scheme_kv* kv = find_key(a, key);
  if (present) *present = kv != NULL;
  *out = def;
  if (!kv) return LQ_OK;
  const char* v = kv->value;
  char* end;
  errno = 0;
  unsigned long long r = strtoull(v, &end, 0);
  if (errno || end == v || *end || v[0] == '-' || v[0] == '+')
    return lq_fail(LQ_ERR_INVALID_ARG, "%s: %s=%s is not an unsigned 64-bit integer", a->family, key, v);
  *out = r;
  return LQ_OK;
}

lq_status lq_scheme_arg_float(lq_scheme_args* a, const char* key, double lo, int lo_open, double hi, double def,
                              double* out, int* present) {
  lq_scheme_kv* kv = find_key(a, key);
  if (present) *present = kv != NULL;
  *out = def;
  if (!kv) return LQ_OK;
  const char* v = kv->value;
  char* end;
  errno = 0;
  double r = strtod(v, &end);
  if (end == v || *end || !isfinite(r) || r < lo || (lo_open && r == lo) || r > hi)
    return lq_fail(LQ_ERR_INVALID_ARG, "%s: %s=%s is not a finite number in %s%g, %g]", a->family, key, v,
                   lo_open ? "(" : "[", lo, hi);
  *out = r;
  return LQ_OK;
}

lq_status lq_scheme_arg_enum(lq_scheme_args* a, const char* key, const char* const* names, int n, int def, int* out,
                             int* present) {
  lq_scheme_kv* kv = find_key(a, key);
  if (present) *present = kv != NULL;
  *out = def;
  if (!kv) return LQ_OK;
  for (int i = 0; i < n; i++)
    if (strcmp(kv->value, names[i]) == 0) {
      *out = i;
      return LQ_OK;
    }
  char list[256];
  size_t w = 0;
  list[0] = '\0';
  for (int i = 0; i < n && w < sizeof list; i++)
    w += (size_t)snprintf(list + w, sizeof list - w, "%s%s", i ? "|" : "", names[i]);
  return lq_fail(LQ_ERR_INVALID_ARG, "%s: %s=%s is not one of %s", a->family, key, kv->value, list);
}

/* -------------------------------------------------------------- sbuf -- */

void lq_sbuf_printf(lq_sbuf* b, const char* fmt, ...) {
  if (b->failed) return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->cap - b->len;
    int w = vsnprintf(b->data ? b->data + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (w < 0) {
      b->failed = 1;
      return;
    }
    if ((size_t)w < room) {
      b->len += (size_t)w;
      return;
    }
    size_t ncap = b->cap ? b->cap * 2 : 256;
    while (ncap - b->len <= (size_t)w) ncap *= 2;
    char* p = realloc(b->data, ncap);
    if (!p) {
      b->failed = 1;
      return;
    }
    b->data = p;
    b->cap = ncap;
  }
}

void lq_sbuf_json_float(lq_sbuf* b, double v) {
  if (isfinite(v)) lq_sbuf_printf(b, "%.9g", v);
  else lq_sbuf_printf(b, "null");
}

void lq_sbuf_json_string(lq_sbuf* b, const char* s) {
  lq_sbuf_printf(b, "\"");
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') lq_sbuf_printf(b, "\\%c", c);
    else if (c < 0x20) lq_sbuf_printf(b, "\\u%04x", c);
    else lq_sbuf_printf(b, "%c", c);
  }
  lq_sbuf_printf(b, "\"");
}

void lq_sbuf_free(lq_sbuf* b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

lq_status lq_scheme_widen_codes(lq_dtype dt, const void* src, size_t n, int32_t* dst) {
  switch (dt) {
    case LQ_DTYPE_S8: for (size_t i = 0; i < n; i++) dst[i] = ((const int8_t*)src)[i]; break;
    case LQ_DTYPE_U8: for (size_t i = 0; i < n; i++) dst[i] = ((const uint8_t*)src)[i]; break;
    case LQ_DTYPE_S16: for (size_t i = 0; i < n; i++) dst[i] = ((const int16_t*)src)[i]; break;
    case LQ_DTYPE_U16: for (size_t i = 0; i < n; i++) dst[i] = ((const uint16_t*)src)[i]; break;
    default: return lq_fail(LQ_ERR_UNSUPPORTED, "unexpected code dtype %s", lq_dtype_name(dt));
  }
  return LQ_OK;
}

lq_status lq_scheme_roundtrip_by_codec(const lq_scheme_ops* ops, void* st, const lq_shape* shape, size_t numel,
                                       const float* x, float* y) {
  LQ_CHECK(ops->calibrate(st, shape, numel, x));
  size_t bytes = 0;
  LQ_CHECK(ops->encoded_size(st, shape, numel, &bytes));
  uint8_t* buf = NULL;
  LQ_CHECK(lq_alloc_array(bytes, 1, "codes", (void**)&buf));
  lq_status s = ops->encode(st, shape, numel, x, buf);
  if (s == LQ_OK) s = ops->decode(st, shape, numel, buf, y);
  free(buf);
  return s;
}
