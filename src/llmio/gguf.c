/* GGUF reader (ggml docs/gguf.md, src/gguf.cpp). Every byte is hostile: all
 * counts are checked against the bytes left before anything is allocated
 * from them, and every size is overflow-checked. */
#include "llmio/gguf_internal.h"

/* ------------------------------------------------------------ ggml types -- */

static const struct {
  uint32_t id;
  const char* name;
  uint32_t block, bytes;
} ggml_types[] = {
    {0, "f32", 1, 4},         {1, "f16", 1, 2},        {2, "q4_0", 32, 18},      {3, "q4_1", 32, 20},
    {6, "q5_0", 32, 22},      {7, "q5_1", 32, 24},     {8, "q8_0", 32, 34},      {9, "q8_1", 32, 36},
    {10, "q2_K", 256, 84},    {11, "q3_K", 256, 110},  {12, "q4_K", 256, 144},   {13, "q5_K", 256, 176},
    {14, "q6_K", 256, 210},   {15, "q8_K", 256, 292},  {16, "iq2_xxs", 256, 66}, {17, "iq2_xs", 256, 74},
    {18, "iq3_xxs", 256, 98}, {19, "iq1_s", 256, 50},  {20, "iq4_nl", 32, 18},   {21, "iq3_s", 256, 110},
    {22, "iq2_s", 256, 82},   {23, "iq4_xs", 256, 136}, {24, "i8", 1, 1},        {25, "i16", 1, 2},
    {26, "i32", 1, 4},        {27, "i64", 1, 8},       {28, "f64", 1, 8},        {29, "iq1_m", 256, 56},
    {30, "bf16", 1, 2},       {34, "tq1_0", 256, 54},  {35, "tq2_0", 256, 66},   {39, "mxfp4", 32, 17},
};

lq_status lq_ggml_type_size(uint32_t type, size_t* block_out, size_t* bytes_out, const char** name_out) {
  for (size_t i = 0; i < sizeof ggml_types / sizeof ggml_types[0]; i++)
    if (ggml_types[i].id == type) {
      if (block_out) *block_out = ggml_types[i].block;
      if (bytes_out) *bytes_out = ggml_types[i].bytes;
      if (name_out) *name_out = ggml_types[i].name;
      return LQ_OK;
    }
  return lq_fail(LQ_ERR_INVALID_ARG, "unknown ggml type %u", (unsigned)type);
}

/* Bytes of a tensor: ne[0] / block * bytes * ne[1] * ... with int64 limits. */
lq_status lq_gguf_tensor_nbytes(uint32_t type, uint32_t n_dims, const uint64_t* ne, uint64_t* out) {
  size_t block, bytes;
  if (lq_ggml_type_size(type, &block, &bytes, NULL) != LQ_OK)
    return lq_fail(LQ_ERR_FORMAT, "unknown ggml type %u", (unsigned)type);
  uint64_t numel = 1;
  for (uint32_t d = 0; d < n_dims; d++) {
    if (ne[d] > (uint64_t)INT64_MAX) return lq_fail(LQ_ERR_FORMAT, "dimension %u is negative", (unsigned)d);
    if (ne[d] && numel > (uint64_t)INT64_MAX / ne[d])
      return lq_fail(LQ_ERR_FORMAT, "the element count overflows int64");
    numel *= ne[d];
  }
  uint64_t ne0 = n_dims ? ne[0] : 1;
  if (ne0 % block) return lq_fail(LQ_ERR_FORMAT, "ne[0] = %llu is not a multiple of the block size %zu", (unsigned long long)ne0, block);
  uint64_t blocks = numel / block;
  if (blocks > (uint64_t)INT64_MAX / bytes) return lq_fail(LQ_ERR_FORMAT, "the byte count overflows int64");
  *out = blocks * bytes;
  return LQ_OK;
}

/* ---------------------------------------------------------------- values -- */

static const uint8_t scalar_size[LQ_GGUF_TYPE_COUNT_] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

size_t lq_gguf_scalar_size(lq_gguf_type t) { return (unsigned)t < LQ_GGUF_TYPE_COUNT_ ? scalar_size[t] : 0; }

/* Parses one value of type t at buf[*pos..len): fills v, advances *pos.
 * depth counts enclosing arrays. */
lq_status lq_gguf_parse_value(const unsigned char* buf, size_t len, size_t* pos, uint32_t t, int depth,
                              lq_gguf_value* v) {
  size_t p = *pos, left = len - p;
  if (t >= LQ_GGUF_TYPE_COUNT_) return lq_fail(LQ_ERR_FORMAT, "unknown value type %u", (unsigned)t);
  memset(v, 0, sizeof *v);
  v->type = (lq_gguf_type)t;
  v->count = 1;
  if (t == LQ_GGUF_STRING) {
    if (left < 8) return lq_fail(LQ_ERR_FORMAT, "truncated string length");
    uint64_t n = lq_ld64(buf + p);
    if (n > left - 8) return lq_fail(LQ_ERR_FORMAT, "string of %llu bytes runs past the end of the file", (unsigned long long)n);
    v->data = buf + p + 8;
    v->len = n;
    *pos = p + 8 + (size_t)n;
    return LQ_OK;
  }
  if (t == LQ_GGUF_ARRAY) {
    if (depth >= LQ_GGUF_MAX_ARRAY_DEPTH)
      return lq_fail(LQ_ERR_FORMAT, "arrays nested more than %d deep", LQ_GGUF_MAX_ARRAY_DEPTH);
    if (left < 12) return lq_fail(LQ_ERR_FORMAT, "truncated array header");
    uint32_t et = lq_ld32(buf + p);
    uint64_t count = lq_ld64(buf + p + 4);
    if (et >= LQ_GGUF_TYPE_COUNT_) return lq_fail(LQ_ERR_FORMAT, "unknown array element type %u", (unsigned)et);
    size_t q = p + 12;
    v->elem_type = (lq_gguf_type)et;
    v->count = count;
    v->data = buf + q;
    size_t es = scalar_size[et];
    if (es) {
      if (count > (len - q) / es)
        return lq_fail(LQ_ERR_FORMAT, "array of %llu elements runs past the end of the file", (unsigned long long)count);
      if (et == LQ_GGUF_BOOL)
        for (uint64_t i = 0; i < count; i++)
          if (buf[q + i] > 1) return lq_fail(LQ_ERR_FORMAT, "bool array element %llu is %u, not 0 or 1", (unsigned long long)i, buf[q + i]);
      q += (size_t)count * es;
    } else {
      /* strings need >= 8 bytes and arrays >= 12 each: bound the count first */
      size_t min = et == LQ_GGUF_STRING ? 8 : 12;
      if (count > (len - q) / min)
        return lq_fail(LQ_ERR_FORMAT, "array of %llu elements runs past the end of the file", (unsigned long long)count);
      for (uint64_t i = 0; i < count; i++) {
        lq_gguf_value e;
        LQ_CHECK(lq_gguf_parse_value(buf, len, &q, et, depth + 1, &e));
      }
    }
    v->len = q - (p + 12);
    *pos = q;
    return LQ_OK;
  }
  size_t es = scalar_size[t];
  if (left < es) return lq_fail(LQ_ERR_FORMAT, "truncated value");
  if (t == LQ_GGUF_BOOL && buf[p] > 1) return lq_fail(LQ_ERR_FORMAT, "bool value is %u, not 0 or 1", buf[p]);
  v->data = buf + p;
  v->len = es;
  *pos = p + es;
  return LQ_OK;
}

lq_status lq_gguf_array_next(const lq_gguf_value* arr, lq_gguf_iter* it, lq_gguf_value* elem) {
  LQ_REQUIRE_PTR(arr);
  LQ_REQUIRE_PTR(it);
  LQ_REQUIRE_PTR(elem);
  if (arr->type != LQ_GGUF_ARRAY) return lq_fail(LQ_ERR_INVALID_ARG, "the value is not an array");
  if (it->index >= arr->count || it->offset > arr->len)
    return lq_fail(LQ_ERR_INVALID_ARG, "past the end of the array (%llu elements)", (unsigned long long)arr->count);
  size_t pos = (size_t)it->offset;
  /* the array was validated when parsed; reparse the element (cheap, bounded) */
  LQ_CHECK(lq_gguf_parse_value(arr->data, (size_t)arr->len, &pos, arr->elem_type, 1, elem));
  it->offset = pos;
  it->index++;
  return LQ_OK;
}

static lq_status scalar_check(const lq_gguf_value* v) {
  LQ_REQUIRE_PTR(v);
  if ((unsigned)v->type >= LQ_GGUF_TYPE_COUNT_ || !scalar_size[v->type] || !v->data)
    return lq_fail(LQ_ERR_INVALID_ARG, "the value is not a number");
  return LQ_OK;
}

/* Integer types as (negative?, magnitude or value). */
static int load_int(const lq_gguf_value* v, int64_t* s, uint64_t* u) {
  const unsigned char* p = v->data;
  switch (v->type) {
    case LQ_GGUF_UINT8: case LQ_GGUF_BOOL: *u = p[0]; return 0;
    case LQ_GGUF_INT8: *s = (int8_t)p[0]; return 1;
    case LQ_GGUF_UINT16: *u = lq_ld16(p); return 0;
    case LQ_GGUF_INT16: *s = (int16_t)lq_ld16(p); return 1;
    case LQ_GGUF_UINT32: *u = lq_ld32(p); return 0;
    case LQ_GGUF_INT32: *s = (int32_t)lq_ld32(p); return 1;
    case LQ_GGUF_UINT64: *u = lq_ld64(p); return 0;
    case LQ_GGUF_INT64: *s = (int64_t)lq_ld64(p); return 1;
    default: return -1;
  }
}

lq_status lq_gguf_value_int(const lq_gguf_value* v, int64_t* out) {
  LQ_CHECK(scalar_check(v));
  LQ_REQUIRE_PTR(out);
  int64_t s = 0;
  uint64_t u = 0;
  int k = load_int(v, &s, &u);
  if (k < 0) return lq_fail(LQ_ERR_INVALID_ARG, "the value is not an integer");
  if (k == 0) {
    if (u > (uint64_t)INT64_MAX) return lq_fail(LQ_ERR_OVERFLOW, "%llu does not fit in int64", (unsigned long long)u);
    s = (int64_t)u;
  }
  *out = s;
  return LQ_OK;
}

lq_status lq_gguf_value_uint(const lq_gguf_value* v, uint64_t* out) {
  LQ_CHECK(scalar_check(v));
  LQ_REQUIRE_PTR(out);
  int64_t s = 0;
  uint64_t u = 0;
  int k = load_int(v, &s, &u);
  if (k < 0) return lq_fail(LQ_ERR_INVALID_ARG, "the value is not an integer");
  if (k == 1) {
    if (s < 0) return lq_fail(LQ_ERR_OVERFLOW, "%lld is negative", (long long)s);
    u = (uint64_t)s;
  }
  *out = u;
  return LQ_OK;
}

lq_status lq_gguf_value_float(const lq_gguf_value* v, double* out) {
  LQ_CHECK(scalar_check(v));
  LQ_REQUIRE_PTR(out);
  if (v->type == LQ_GGUF_FLOAT32) {
    uint32_t b = lq_ld32(v->data);
    float f;
    memcpy(&f, &b, 4);
    *out = f;
    return LQ_OK;
  }
  if (v->type == LQ_GGUF_FLOAT64) {
    uint64_t b = lq_ld64(v->data);
    memcpy(out, &b, 8);
    return LQ_OK;
  }
  int64_t s = 0;
  uint64_t u = 0;
  int k = load_int(v, &s, &u);
  *out = k ? (double)s : (double)u;
  return LQ_OK;
}

/* ---------------------------------------------------------------- reader -- */

struct lq_gguf {
  lq_map map;
  uint32_t version, alignment;
  uint64_t data_offset;
  size_t n_kv, n_tensors;
  lq_gguf_kv* kv;
  lq_gguf_tensor* tensors;
  char* names; /* keys and tensor names, NUL-terminated */
};

/* A key or tensor name: length-prefixed, non-empty, no NUL, at most max bytes. */
static lq_status parse_name(const unsigned char* buf, size_t len, size_t* pos, size_t max, const char* what,
                            const unsigned char** s, size_t* n) {
  size_t p = *pos;
  if (len - p < 8) return lq_fail(LQ_ERR_FORMAT, "truncated %s length", what);
  uint64_t l = lq_ld64(buf + p);
  if (l > len - p - 8) return lq_fail(LQ_ERR_FORMAT, "%s of %llu bytes runs past the end of the file", what, (unsigned long long)l);
  if (l == 0) return lq_fail(LQ_ERR_FORMAT, "empty %s", what);
  if (l > max) return lq_fail(LQ_ERR_FORMAT, "%s of %llu bytes is longer than %zu", what, (unsigned long long)l, max);
  if (memchr(buf + p + 8, 0, (size_t)l)) return lq_fail(LQ_ERR_FORMAT, "%s contains a NUL byte", what);
  *s = buf + p + 8;
  *n = (size_t)l;
  *pos = p + 8 + (size_t)l;
  return LQ_OK;
}

static int cmp_strp(const void* a, const void* b) { return strcmp(*(const char* const*)a, *(const char* const*)b); }

/* Duplicate detection in O(n log n): hostile files may hold millions of names. */
static lq_status check_unique(const char** names, size_t n, const char* what) {
  if (n < 2) return LQ_OK;
  qsort(names, n, sizeof *names, cmp_strp);
  for (size_t i = 1; i < n; i++)
    if (strcmp(names[i - 1], names[i]) == 0) return lq_fail(LQ_ERR_FORMAT, "duplicate %s '%.80s'", what, names[i]);
  return LQ_OK;
}

typedef struct range {
  uint64_t begin, end;
  size_t index;
} range;

static int cmp_range(const void* a, const void* b) {
  const range *x = a, *y = b;
  return x->begin < y->begin ? -1 : x->begin > y->begin ? 1 : (x->end > y->end) - (x->end < y->end);
}

static lq_status parse(lq_gguf* g) {
  const unsigned char* buf = g->map.p;
  size_t len = g->map.len;
  if (len < 4 || memcmp(buf, "GGUF", 4) != 0) return lq_fail(LQ_ERR_FORMAT, "not a GGUF file (bad magic)");
  if (len < 24) return lq_fail(LQ_ERR_FORMAT, "truncated GGUF header");
  uint32_t version = lq_ld32(buf + 4);
  if (version == 0x03000000u || version == 0x02000000u)
    return lq_fail(LQ_ERR_FORMAT, "big-endian GGUF files are not supported");
  if (version != 2 && version != 3) return lq_fail(LQ_ERR_FORMAT, "GGUF version %u is not supported (2 or 3)", (unsigned)version);
  uint64_t n_tensors = lq_ld64(buf + 8), n_kv = lq_ld64(buf + 16);
  size_t pos = 24;
  /* each KV takes >= 8 + 1 + 4 + 1 bytes and each tensor info >= 8 + 1 + 4 + 4 + 8 */
  if (n_kv > (len - pos) / 14) return lq_fail(LQ_ERR_FORMAT, "%llu metadata pairs cannot fit in the file", (unsigned long long)n_kv);
  if (n_tensors > (len - pos) / 25) return lq_fail(LQ_ERR_FORMAT, "%llu tensors cannot fit in the file", (unsigned long long)n_tensors);
  g->version = version;
  g->alignment = LQ_GGUF_DEFAULT_ALIGNMENT;
  LQ_CHECK(lq_calloc_array((size_t)n_kv + 1, sizeof *g->kv, "GGUF metadata", (void**)&g->kv));
  LQ_CHECK(lq_calloc_array((size_t)n_tensors + 1, sizeof *g->tensors, "GGUF tensors", (void**)&g->tensors));
  /* names are copied with a NUL each: at most file size + count bytes */
  LQ_CHECK(lq_alloc_array(len + (size_t)n_kv + (size_t)n_tensors + 1, 1, "GGUF names", (void**)&g->names));
  char* np = g->names;
  int have_alignment = 0;
  for (uint64_t i = 0; i < n_kv; i++) {
    const unsigned char* k;
    size_t kl;
    lq_status s = parse_name(buf, len, &pos, LQ_GGUF_MAX_KEY, "metadata key", &k, &kl);
    if (s != LQ_OK) return lq_fail_ctx(s, "metadata pair %llu", (unsigned long long)i);
    if (len - pos < 4) return lq_fail(LQ_ERR_FORMAT, "metadata pair %llu: truncated type", (unsigned long long)i);
    uint32_t t = lq_ld32(buf + pos);
    pos += 4;
    lq_gguf_kv* kv = &g->kv[i];
    memcpy(np, k, kl);
    np[kl] = '\0';
    kv->key = np;
    np += kl + 1;
    s = lq_gguf_parse_value(buf, len, &pos, t, 0, &kv->value);
    if (s != LQ_OK) return lq_fail_ctx(s, "metadata '%.80s'", kv->key);
    g->n_kv = (size_t)i + 1;
    if (strcmp(kv->key, "general.alignment") == 0) {
      if (t != LQ_GGUF_UINT32) return lq_fail(LQ_ERR_FORMAT, "general.alignment is not a UINT32");
      uint32_t a = lq_ld32(kv->value.data);
      if (a == 0 || (a & (a - 1))) return lq_fail(LQ_ERR_FORMAT, "general.alignment %u is not a power of two", (unsigned)a);
      g->alignment = a;
      have_alignment = 1;
    }
  }
  (void)have_alignment;
  for (uint64_t i = 0; i < n_tensors; i++) {
    lq_gguf_tensor* t = &g->tensors[i];
    const unsigned char* nm;
    size_t nl;
    lq_status s = parse_name(buf, len, &pos, LQ_GGUF_MAX_NAME, "tensor name", &nm, &nl);
    if (s != LQ_OK) return lq_fail_ctx(s, "tensor %llu", (unsigned long long)i);
    memcpy(np, nm, nl);
    np[nl] = '\0';
    t->name = np;
    np += nl + 1;
    if (len - pos < 4) return lq_fail(LQ_ERR_FORMAT, "tensor '%s': truncated n_dims", t->name);
    t->n_dims = lq_ld32(buf + pos);
    pos += 4;
    if (t->n_dims > LQ_GGUF_MAX_DIMS) return lq_fail(LQ_ERR_FORMAT, "tensor '%s': %u dimensions (at most 4)", t->name, (unsigned)t->n_dims);
    if (len - pos < 8 * (size_t)t->n_dims + 12) return lq_fail(LQ_ERR_FORMAT, "tensor '%s': truncated info", t->name);
    for (int d = 0; d < LQ_GGUF_MAX_DIMS; d++) t->ne[d] = 1;
    for (uint32_t d = 0; d < t->n_dims; d++, pos += 8) t->ne[d] = lq_ld64(buf + pos);
    t->type = lq_ld32(buf + pos);
    t->offset = lq_ld64(buf + pos + 4);
    pos += 12;
    s = lq_gguf_tensor_nbytes(t->type, t->n_dims, t->ne, &t->nbytes);
    if (s != LQ_OK) return lq_fail_ctx(s, "tensor '%s'", t->name);
    if (t->offset % g->alignment)
      return lq_fail(LQ_ERR_FORMAT, "tensor '%s': offset %llu is not a multiple of the alignment %u", t->name,
                     (unsigned long long)t->offset, (unsigned)g->alignment);
    g->n_tensors = (size_t)i + 1;
  }
  /* the data section starts at the next multiple of the alignment */
  uint64_t data = pos + (g->alignment - pos % g->alignment) % g->alignment;
  g->data_offset = data;
  uint64_t room = data <= len ? len - data : 0;
  for (size_t i = 0; i < g->n_tensors; i++) {
    lq_gguf_tensor* t = &g->tensors[i];
    if (t->nbytes == 0 && t->offset <= room) {
      t->data = buf + (data <= len ? data : len);
      continue;
    }
    if (data > len || t->offset > room || t->nbytes > room - t->offset)
      return lq_fail(LQ_ERR_FORMAT, "tensor '%s': data [%llu, +%llu) lies outside the file", t->name,
                     (unsigned long long)t->offset, (unsigned long long)t->nbytes);
    t->data = buf + data + t->offset;
  }
  /* unique keys, unique names, no overlapping data */
  const char** names = NULL;
  size_t nn = g->n_kv > g->n_tensors ? g->n_kv : g->n_tensors;
  LQ_CHECK(lq_alloc_array(nn + 1, sizeof *names, "GGUF name check", (void**)&names));
  for (size_t i = 0; i < g->n_kv; i++) names[i] = g->kv[i].key;
  lq_status s = check_unique(names, g->n_kv, "metadata key");
  if (s == LQ_OK) {
    for (size_t i = 0; i < g->n_tensors; i++) names[i] = g->tensors[i].name;
    s = check_unique(names, g->n_tensors, "tensor name");
  }
  free(names);
  LQ_CHECK(s);
  range* r;
  LQ_CHECK(lq_alloc_array(g->n_tensors + 1, sizeof *r, "GGUF range check", (void**)&r));
  size_t nr = 0;
  for (size_t i = 0; i < g->n_tensors; i++)
    if (g->tensors[i].nbytes) r[nr++] = (range){g->tensors[i].offset, g->tensors[i].offset + g->tensors[i].nbytes, i};
  qsort(r, nr, sizeof *r, cmp_range);
  for (size_t i = 1; i < nr; i++)
    if (r[i].begin < r[i - 1].end) {
      s = lq_fail(LQ_ERR_FORMAT, "tensors '%s' and '%s' overlap", g->tensors[r[i - 1].index].name, g->tensors[r[i].index].name);
      break;
    }
  free(r);
  return s;
}

static lq_status open_common(lq_gguf* g, lq_gguf** out) {
  lq_status s = parse(g);
  if (s != LQ_OK) {
    lq_gguf_close(g);
    return s;
  }
  *out = g;
  return LQ_OK;
}

lq_status lq_gguf_open(const char* path, lq_gguf** out) {
  LQ_REQUIRE_PTR(out);
  *out = NULL;
  LQ_REQUIRE_PTR(path);
  lq_gguf* g = calloc(1, sizeof *g);
  if (!g) return lq_fail(LQ_ERR_OUT_OF_MEMORY, "out of memory");
  lq_status s = lq_map_file(path, &g->map);
  if (s != LQ_OK) {
    free(g);
    return s;
  }
  s = open_common(g, out);
  if (s != LQ_OK && s == LQ_ERR_FORMAT) return lq_fail_ctx(s, "%s", path);
  return s;
}

lq_status lq_gguf_open_mem(const void* buf, size_t len, lq_gguf** out) {
  LQ_REQUIRE_PTR(out);
  *out = NULL;
  if (len) LQ_REQUIRE_PTR(buf);
  lq_gguf* g = calloc(1, sizeof *g);
  if (!g) return lq_fail(LQ_ERR_OUT_OF_MEMORY, "out of memory");
  g->map.p = len ? buf : (const unsigned char*)"";
  g->map.len = len;
  return open_common(g, out);
}

void lq_gguf_close(lq_gguf* g) {
  if (!g) return;
  lq_unmap(&g->map);
  free(g->kv);
  free(g->tensors);
  free(g->names);
  free(g);
}

uint32_t lq_gguf_version(const lq_gguf* g) { return g ? g->version : 0; }
uint32_t lq_gguf_alignment(const lq_gguf* g) { return g ? g->alignment : 0; }
uint64_t lq_gguf_data_offset(const lq_gguf* g) { return g ? g->data_offset : 0; }
size_t lq_gguf_kv_count(const lq_gguf* g) { return g ? g->n_kv : 0; }
const lq_gguf_kv* lq_gguf_kv_at(const lq_gguf* g, size_t i) { return g && i < g->n_kv ? &g->kv[i] : NULL; }
size_t lq_gguf_tensor_count(const lq_gguf* g) { return g ? g->n_tensors : 0; }
const lq_gguf_tensor* lq_gguf_tensor_at(const lq_gguf* g, size_t i) {
  return g && i < g->n_tensors ? &g->tensors[i] : NULL;
}

const lq_gguf_kv* lq_gguf_find_kv(const lq_gguf* g, const char* key) {
  if (!g || !key) return NULL;
  for (size_t i = 0; i < g->n_kv; i++)
    if (strcmp(g->kv[i].key, key) == 0) return &g->kv[i];
  return NULL;
}

const lq_gguf_tensor* lq_gguf_find_tensor(const lq_gguf* g, const char* name) {
  if (!g || !name) return NULL;
  for (size_t i = 0; i < g->n_tensors; i++)
    if (strcmp(g->tensors[i].name, name) == 0) return &g->tensors[i];
  return NULL;
}
