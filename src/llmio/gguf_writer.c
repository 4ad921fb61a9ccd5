/* GGUF v3 writer: metadata in call order, tensor infos in call order, each
 * tensor's data at the next multiple of the alignment (zero padding after
 * every tensor, as gguf.cpp and gguf-py write it). */
#include "llmio/gguf_internal.h"

typedef struct wkv {
  char* key;
  uint32_t type;
  unsigned char* payload; /* the encoded value after its type */
  size_t plen;
} wkv;

typedef struct wtensor {
  char name[LQ_GGUF_MAX_NAME + 1];
  uint32_t n_dims, type;
  uint64_t ne[LQ_GGUF_MAX_DIMS];
  const void* data;
  uint64_t nbytes;
} wtensor;

struct lq_gguf_writer {
  wkv* kv;
  size_t nkv, capkv;
  wtensor* t;
  size_t nt, capt;
  uint32_t alignment;
  /* streaming (begin/put/finish): the open temporary file, the tensor being
   * filled and its bytes so far */
  lq_sink* stream;
  char* stream_path;
  size_t cur;
  uint64_t cur_done;
};

lq_status lq_gguf_writer_create(lq_gguf_writer** out) {
  LQ_REQUIRE_PTR(out);
  *out = calloc(1, sizeof **out);
  if (!*out) return lq_fail(LQ_ERR_OUT_OF_MEMORY, "out of memory");
  (*out)->alignment = LQ_GGUF_DEFAULT_ALIGNMENT;
  return LQ_OK;
}

static void stream_close(lq_gguf_writer* w) {
  free(w->stream);
  free(w->stream_path);
  w->stream = NULL;
  w->stream_path = NULL;
}

void lq_gguf_writer_destroy(lq_gguf_writer* w) {
  if (!w) return;
  if (w->stream) {
    lq_sink_abort(w->stream);
    stream_close(w);
  }
  for (size_t i = 0; i < w->nkv; i++) {
    free(w->kv[i].key);
    free(w->kv[i].payload);
  }
  free(w->kv);
  free(w->t);
  free(w);
}

static lq_status grow(void** p, size_t* cap, size_t need, size_t size) {
  if (need <= *cap) return LQ_OK;
  size_t nc = *cap ? *cap * 2 : 16;
  void* q;
  LQ_CHECK(lq_alloc_array(nc, size, "GGUF writer", &q));
  if (*cap) memcpy(q, *p, *cap * size);
  free(*p);
  *p = q;
  *cap = nc;
  return LQ_OK;
}

lq_status lq_gguf_writer_set_kv(lq_gguf_writer* w, const char* key, const lq_gguf_value* v) {
  LQ_REQUIRE_PTR(w);
  LQ_REQUIRE_PTR(key);
  LQ_REQUIRE_PTR(v);
  if (w->stream) return lq_fail(LQ_ERR_STATE, "GGUF writer: the header is already written");
  size_t kl = strlen(key);
  if (kl == 0 || kl > LQ_GGUF_MAX_KEY) return lq_fail(LQ_ERR_INVALID_ARG, "GGUF key length %zu is not in [1, %d]", kl, LQ_GGUF_MAX_KEY);
  for (size_t i = 0; i < w->nkv; i++)
    if (strcmp(w->kv[i].key, key) == 0) return lq_fail(LQ_ERR_INVALID_ARG, "duplicate GGUF key '%.80s'", key);
  if ((unsigned)v->type >= LQ_GGUF_TYPE_COUNT_) return lq_fail(LQ_ERR_INVALID_ARG, "bad GGUF value type %d", (int)v->type);
  size_t plen, es = lq_gguf_scalar_size(v->type);
  if (es) plen = es;
  else if (v->type == LQ_GGUF_STRING) plen = 8 + (size_t)v->len;
  else plen = 12 + (size_t)v->len;
  if ((v->len && !v->data) || (es && !v->data) || v->len > SIZE_MAX - 16)
    return lq_fail(LQ_ERR_INVALID_ARG, "GGUF value for '%.80s' has no data", key);
  unsigned char* p = malloc(plen ? plen : 1);
  if (!p) return lq_fail(LQ_ERR_OUT_OF_MEMORY, "out of memory");
  if (es) memcpy(p, v->data, es);
  else if (v->type == LQ_GGUF_STRING) {
    lq_st64(p, v->len);
    if (v->len) memcpy(p + 8, v->data, (size_t)v->len);
  } else {
    lq_st32(p, (uint32_t)v->elem_type);
    lq_st64(p + 4, v->count);
    if (v->len) memcpy(p + 12, v->data, (size_t)v->len);
  }
  /* validate exactly as the reader will */
  size_t pos = 0;
  lq_gguf_value chk;
  lq_status s = lq_gguf_parse_value(p, plen, &pos, v->type, 0, &chk);
  if (s == LQ_OK && pos != plen) s = lq_fail(LQ_ERR_FORMAT, "%zu bytes after the array elements", plen - pos);
  if (s == LQ_OK && strcmp(key, "general.alignment") == 0) {
    uint32_t a = v->type == LQ_GGUF_UINT32 ? lq_ld32(p) : 0;
    if (a == 0 || (a & (a - 1))) s = lq_fail(LQ_ERR_INVALID_ARG, "general.alignment must be a UINT32 power of two");
    else w->alignment = a;
  }
  if (s == LQ_OK) s = grow((void**)&w->kv, &w->capkv, w->nkv + 1, sizeof *w->kv);
  char* k = s == LQ_OK ? malloc(kl + 1) : NULL;
  if (s == LQ_OK && !k) s = lq_fail(LQ_ERR_OUT_OF_MEMORY, "out of memory");
  if (s != LQ_OK) {
    free(p);
    return s == LQ_ERR_FORMAT ? lq_fail_ctx(LQ_ERR_INVALID_ARG, "GGUF value for '%.80s'", key) : s;
  }
  memcpy(k, key, kl + 1);
  w->kv[w->nkv++] = (wkv){k, (uint32_t)v->type, p, plen};
  return LQ_OK;
}

lq_status lq_gguf_writer_set_uint(lq_gguf_writer* w, const char* key, lq_gguf_type type, uint64_t v) {
  unsigned char b[8];
  size_t es = lq_gguf_scalar_size(type);
  if (type != LQ_GGUF_UINT8 && type != LQ_GGUF_UINT16 && type != LQ_GGUF_UINT32 && type != LQ_GGUF_UINT64 &&
      type != LQ_GGUF_BOOL)
    return lq_fail(LQ_ERR_INVALID_ARG, "GGUF type %d is not an unsigned integer type", (int)type);
  if (es < 8 && v >> (8 * es)) return lq_fail(LQ_ERR_INVALID_ARG, "%llu does not fit in %zu bytes", (unsigned long long)v, es);
  lq_st64(b, v);
  lq_gguf_value val = {type, 0, 1, b, es};
  return lq_gguf_writer_set_kv(w, key, &val);
}

lq_status lq_gguf_writer_set_int(lq_gguf_writer* w, const char* key, lq_gguf_type type, int64_t v) {
  unsigned char b[8];
  size_t es = lq_gguf_scalar_size(type);
  if (type != LQ_GGUF_INT8 && type != LQ_GGUF_INT16 && type != LQ_GGUF_INT32 && type != LQ_GGUF_INT64)
    return lq_fail(LQ_ERR_INVALID_ARG, "GGUF type %d is not a signed integer type", (int)type);
  if (es < 8) {
    int64_t lim = (int64_t)1 << (8 * es - 1);
    if (v < -lim || v >= lim) return lq_fail(LQ_ERR_INVALID_ARG, "%lld does not fit in %zu bytes", (long long)v, es);
  }
  lq_st64(b, (uint64_t)v);
  lq_gguf_value val = {type, 0, 1, b, es};
  return lq_gguf_writer_set_kv(w, key, &val);
}

lq_status lq_gguf_writer_set_float(lq_gguf_writer* w, const char* key, lq_gguf_type type, double v) {
  unsigned char b[8];
  if (type == LQ_GGUF_FLOAT32) {
    float f = (float)v;
    uint32_t u;
    memcpy(&u, &f, 4);
    lq_st32(b, u);
  } else if (type == LQ_GGUF_FLOAT64) {
    uint64_t u;
    memcpy(&u, &v, 8);
    lq_st64(b, u);
  } else {
    return lq_fail(LQ_ERR_INVALID_ARG, "GGUF type %d is not a float type", (int)type);
  }
  lq_gguf_value val = {type, 0, 1, b, lq_gguf_scalar_size(type)};
  return lq_gguf_writer_set_kv(w, key, &val);
}

lq_status lq_gguf_writer_set_string(lq_gguf_writer* w, const char* key, const char* s) {
  LQ_REQUIRE_PTR(s);
  lq_gguf_value val = {LQ_GGUF_STRING, 0, 1, s, strlen(s)};
  return lq_gguf_writer_set_kv(w, key, &val);
}

lq_status lq_gguf_writer_add_tensor(lq_gguf_writer* w, const char* name, uint32_t n_dims, const uint64_t* ne,
                                    uint32_t type, const void* data, uint64_t nbytes) {
  LQ_REQUIRE_PTR(w);
  LQ_REQUIRE_PTR(name);
  LQ_REQUIRE_PTR(ne);
  if (w->stream) return lq_fail(LQ_ERR_STATE, "GGUF writer: the header is already written");
  size_t nl = strlen(name);
  if (nl == 0 || nl > LQ_GGUF_MAX_NAME)
    return lq_fail(LQ_ERR_INVALID_ARG, "tensor name '%.80s' has %zu bytes (1..%d)", name, nl, LQ_GGUF_MAX_NAME);
  if (n_dims < 1 || n_dims > LQ_GGUF_MAX_DIMS) return lq_fail(LQ_ERR_INVALID_ARG, "tensor '%s': n_dims %u is not in [1, 4]", name, (unsigned)n_dims);
  for (size_t i = 0; i < w->nt; i++)
    if (strcmp(w->t[i].name, name) == 0) return lq_fail(LQ_ERR_INVALID_ARG, "duplicate tensor name '%s'", name);
  uint64_t need;
  lq_status s = lq_gguf_tensor_nbytes(type, n_dims, ne, &need);
  if (s != LQ_OK) return lq_fail_ctx(LQ_ERR_INVALID_ARG, "tensor '%s'", name);
  if (need != nbytes)
    return lq_fail(LQ_ERR_INVALID_ARG, "tensor '%s': %llu data bytes, its type and shape need %llu", name,
                   (unsigned long long)nbytes, (unsigned long long)need);
  LQ_CHECK(grow((void**)&w->t, &w->capt, w->nt + 1, sizeof *w->t));
  wtensor* t = &w->t[w->nt++];
  memset(t, 0, sizeof *t);
  memcpy(t->name, name, nl + 1);
  t->n_dims = n_dims;
  for (int d = 0; d < LQ_GGUF_MAX_DIMS; d++) t->ne[d] = (uint32_t)d < n_dims ? ne[d] : 1;
  t->type = type;
  t->data = data;
  t->nbytes = nbytes;
  return LQ_OK;
}

static uint64_t pad(uint64_t x, uint32_t a) { return (a - x % a) % a; }

static lq_status emit_header(const lq_gguf_writer* w, lq_sink* s) {
  unsigned char b[8];
  lq_sink_put(s, "GGUF", 4);
  lq_st32(b, 3);
  lq_sink_put(s, b, 4);
  lq_st64(b, w->nt);
  lq_sink_put(s, b, 8);
  lq_st64(b, w->nkv);
  lq_sink_put(s, b, 8);
  for (size_t i = 0; i < w->nkv; i++) {
    size_t kl = strlen(w->kv[i].key);
    lq_st64(b, kl);
    lq_sink_put(s, b, 8);
    lq_sink_put(s, w->kv[i].key, kl);
    lq_st32(b, w->kv[i].type);
    lq_sink_put(s, b, 4);
    lq_sink_put(s, w->kv[i].payload, w->kv[i].plen);
  }
  uint64_t off = 0;
  for (size_t i = 0; i < w->nt; i++) {
    const wtensor* t = &w->t[i];
    size_t nl = strlen(t->name);
    lq_st64(b, nl);
    lq_sink_put(s, b, 8);
    lq_sink_put(s, t->name, nl);
    lq_st32(b, t->n_dims);
    lq_sink_put(s, b, 4);
    for (uint32_t d = 0; d < t->n_dims; d++) {
      lq_st64(b, t->ne[d]);
      lq_sink_put(s, b, 8);
    }
    lq_st32(b, t->type);
    lq_sink_put(s, b, 4);
    lq_st64(b, off);
    lq_sink_put(s, b, 8);
    if (t->nbytes > UINT64_MAX / 2 - off) return lq_fail(LQ_ERR_OVERFLOW, "GGUF data section too large");
    off += t->nbytes + pad(t->nbytes, w->alignment);
  }
  lq_sink_zeros(s, (size_t)pad(s->pos, w->alignment));
  return s->err;
}

static lq_status emit(const lq_gguf_writer* w, lq_sink* s) {
  if (w->stream) return lq_fail(LQ_ERR_STATE, "GGUF writer: a streamed write is in progress");
  for (size_t i = 0; i < w->nt; i++)
    if (w->t[i].nbytes && !w->t[i].data)
      return lq_fail(LQ_ERR_STATE, "tensor '%s' was declared without data (stream it with lq_gguf_writer_begin)",
                     w->t[i].name);
  LQ_CHECK(emit_header(w, s));
  for (size_t i = 0; i < w->nt; i++) {
    const wtensor* t = &w->t[i];
    if ((uint64_t)SIZE_MAX < t->nbytes) return lq_fail(LQ_ERR_OVERFLOW, "tensor '%s' too large", t->name);
    lq_sink_put(s, t->data, (size_t)t->nbytes);
    lq_sink_zeros(s, (size_t)pad(t->nbytes, w->alignment));
  }
  return s->err;
}

lq_status lq_gguf_writer_write_mem(const lq_gguf_writer* w, void* buf, size_t cap, size_t* len_out) {
  LQ_REQUIRE_PTR(w);
  LQ_REQUIRE_PTR(len_out);
  lq_sink s;
  lq_sink_mem(&s, buf, cap);
  LQ_CHECK(emit(w, &s));
  *len_out = s.pos;
  if (buf && cap < s.pos) return lq_fail(LQ_ERR_BUFFER_TOO_SMALL, "GGUF file needs %zu bytes, buffer has %zu", s.pos, cap);
  if (!buf && cap) return lq_fail(LQ_ERR_INVALID_ARG, "buf is NULL but cap is %zu", cap);
  return LQ_OK;
}

lq_status lq_gguf_writer_write_file(const lq_gguf_writer* w, const char* path) {
  LQ_REQUIRE_PTR(w);
  LQ_REQUIRE_PTR(path);
  lq_sink s;
  LQ_CHECK(lq_sink_file(&s, path));
  lq_status st = emit(w, &s);
  if (st != LQ_OK) {
    lq_sink_abort(&s);
    return st;
  }
  return lq_sink_commit(&s);
}

/* ----------------------------------------------------------- streaming -- */

/* Pads finished tensors (including empty ones) until the current tensor
 * still needs bytes or all are done. */
static void stream_advance(lq_gguf_writer* w) {
  while (w->cur < w->nt && w->cur_done == w->t[w->cur].nbytes) {
    lq_sink_zeros(w->stream, (size_t)pad(w->t[w->cur].nbytes, w->alignment));
    w->cur++;
    w->cur_done = 0;
  }
}

lq_status lq_gguf_writer_begin(lq_gguf_writer* w, const char* path) {
  LQ_REQUIRE_PTR(w);
  LQ_REQUIRE_PTR(path);
  if (w->stream) return lq_fail(LQ_ERR_STATE, "GGUF writer: a streamed write is already in progress");
  lq_status s = lq_sink_file_new(path, &w->stream, &w->stream_path);
  if (s != LQ_OK) return s;
  s = emit_header(w, w->stream);
  if (s != LQ_OK) {
    lq_sink_abort(w->stream);
    stream_close(w);
    return s;
  }
  w->cur = 0;
  w->cur_done = 0;
  stream_advance(w);
  return w->stream->err;
}

lq_status lq_gguf_writer_put(lq_gguf_writer* w, const void* data, size_t n) {
  LQ_REQUIRE_PTR(w);
  if (!w->stream) return lq_fail(LQ_ERR_STATE, "GGUF writer: lq_gguf_writer_begin was not called");
  if (n) LQ_REQUIRE_PTR(data);
  const unsigned char* p = (const unsigned char*)data;
  while (n) {
    if (w->cur >= w->nt) return lq_fail(LQ_ERR_INVALID_ARG, "GGUF writer: %zu bytes past the last tensor", n);
    uint64_t left = w->t[w->cur].nbytes - w->cur_done;
    size_t k = (uint64_t)n < left ? n : (size_t)left;
    lq_sink_put(w->stream, p, k);
    p += k;
    n -= k;
    w->cur_done += k;
    stream_advance(w);
  }
  return w->stream->err;
}

lq_status lq_gguf_writer_finish(lq_gguf_writer* w) {
  LQ_REQUIRE_PTR(w);
  if (!w->stream) return lq_fail(LQ_ERR_STATE, "GGUF writer: lq_gguf_writer_begin was not called");
  lq_status s;
  if (w->cur < w->nt) {
    s = lq_fail(LQ_ERR_STATE, "GGUF writer: tensor '%s' is missing %llu bytes", w->t[w->cur].name,
                (unsigned long long)(w->t[w->cur].nbytes - w->cur_done));
    lq_sink_abort(w->stream);
  } else {
    s = lq_sink_commit(w->stream);
  }
  stream_close(w);
  return s;
}
