/* safetensors reader and writer (huggingface/safetensors docs: 8-byte LE
 * header length N, N bytes of JSON, the data section). The header is parsed
 * by a strict RFC 8259 JSON parser with a depth limit into a flat node list;
 * every tensor entry is then checked and the byte ranges must tile the data
 * section exactly, as the safetensors crate's validate() requires. */
#include "common/fp16.h"
#include "llmio/llmio_internal.h"

static const struct {
  const char* name;
  size_t size;
} st_dtypes[LQ_ST_DTYPE_COUNT_] = {
    [LQ_ST_F64] = {"F64", 8}, [LQ_ST_F32] = {"F32", 4},  [LQ_ST_F16] = {"F16", 2},
    [LQ_ST_BF16] = {"BF16", 2}, [LQ_ST_I64] = {"I64", 8}, [LQ_ST_I32] = {"I32", 4},
    [LQ_ST_I16] = {"I16", 2}, [LQ_ST_I8] = {"I8", 1},    [LQ_ST_U8] = {"U8", 1},
    [LQ_ST_BOOL] = {"BOOL", 1}, [LQ_ST_F8_E4M3] = {"F8_E4M3", 1}, [LQ_ST_F8_E5M2] = {"F8_E5M2", 1},
};

const char* lq_st_dtype_name(lq_st_dtype t) { return (unsigned)t < LQ_ST_DTYPE_COUNT_ ? st_dtypes[t].name : NULL; }
size_t lq_st_dtype_size(lq_st_dtype t) { return (unsigned)t < LQ_ST_DTYPE_COUNT_ ? st_dtypes[t].size : 0; }

/* ---------------------------------------------------------------- JSON -- */

enum { J_OBJ, J_ARR, J_STR, J_NUM, J_LIT };

typedef struct jnode {
  int kind;
  size_t first, next;  /* children (0 = none: node 0 is the root, never a child) */
  size_t key;          /* object members: offset of the key in the string arena */
  size_t str;          /* J_STR: offset of the NUL-terminated decoded string */
  size_t str_len;
  uint64_t u;          /* J_NUM */
  int is_uint;         /* J_NUM: a non-negative integer that fits uint64 */
} jnode;

typedef struct jparser {
  const unsigned char* p;
  const unsigned char* end;
  jnode* nodes;
  size_t n, cap;
  char* arena; /* decoded strings, never longer than the header */
  size_t arena_len;
} jparser;

static void ws(jparser* j) {
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

static lq_status new_node(jparser* j, int kind, size_t* out) {
  if (j->n == j->cap) return lq_fail(LQ_ERR_FORMAT, "safetensors header: too many JSON values");
  memset(&j->nodes[j->n], 0, sizeof *j->nodes);
  j->nodes[j->n].kind = kind;
  *out = j->n++;
  return LQ_OK;
}

static void put_utf8(jparser* j, uint32_t c) {
  char* o = j->arena + j->arena_len;
  if (c < 0x80) { o[0] = (char)c; j->arena_len += 1; }
  else if (c < 0x800) { o[0] = (char)(0xC0 | (c >> 6)); o[1] = (char)(0x80 | (c & 63)); j->arena_len += 2; }
  else if (c < 0x10000) { o[0] = (char)(0xE0 | (c >> 12)); o[1] = (char)(0x80 | ((c >> 6) & 63)); o[2] = (char)(0x80 | (c & 63)); j->arena_len += 3; }
  else { o[0] = (char)(0xF0 | (c >> 18)); o[1] = (char)(0x80 | ((c >> 12) & 63)); o[2] = (char)(0x80 | ((c >> 6) & 63)); o[3] = (char)(0x80 | (c & 63)); j->arena_len += 4; }
}

static int hex4(const unsigned char* p, uint32_t* out) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    unsigned c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= c - '0';
    else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
    else return 0;
  }
  *out = v;
  return 1;
}

/* A JSON string into the arena (NUL-terminated). An escaped or literal NUL
 * is rejected: names and metadata become C strings. Each escape decodes to
 * at most as many bytes as it takes, so the arena never outgrows the header. */
static lq_status parse_string(jparser* j, size_t* off, size_t* len) {
  if (j->p >= j->end || *j->p != '"') return lq_fail(LQ_ERR_FORMAT, "safetensors header: expected a string");
  j->p++;
  *off = j->arena_len;
  for (;;) {
    if (j->p >= j->end) return lq_fail(LQ_ERR_FORMAT, "safetensors header: unterminated string");
    unsigned c = *j->p;
    if (c == '"') { j->p++; break; }
    if (c < 0x20) return lq_fail(LQ_ERR_FORMAT, "safetensors header: control character in a string");
    if (c == '\\') {
      if (j->end - j->p < 2) return lq_fail(LQ_ERR_FORMAT, "safetensors header: unterminated escape");
      unsigned e = j->p[1];
      j->p += 2;
      uint32_t cp;
      switch (e) {
        case '"': cp = '"'; break;
        case '\\': cp = '\\'; break;
        case '/': cp = '/'; break;
        case 'b': cp = 8; break;
        case 'f': cp = 12; break;
        case 'n': cp = 10; break;
        case 'r': cp = 13; break;
        case 't': cp = 9; break;
        case 'u':
          if (j->end - j->p < 4 || !hex4(j->p, &cp)) return lq_fail(LQ_ERR_FORMAT, "safetensors header: bad \\u escape");
          j->p += 4;
          if (cp >= 0xD800 && cp < 0xDC00) {
            uint32_t lo;
            if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u' || !hex4(j->p + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
              return lq_fail(LQ_ERR_FORMAT, "safetensors header: unpaired surrogate in a \\u escape");
            j->p += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp < 0xE000) {
            return lq_fail(LQ_ERR_FORMAT, "safetensors header: unpaired surrogate in a \\u escape");
          }
          if (cp == 0) return lq_fail(LQ_ERR_FORMAT, "safetensors header: NUL character in a string");
          break;
        default: return lq_fail(LQ_ERR_FORMAT, "safetensors header: bad escape '\\%c'", (char)e);
      }
      put_utf8(j, cp);
      continue;
    }
    /* raw UTF-8: validate the sequence (no overlongs, surrogates, > U+10FFFF) */
    size_t need = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 9;
    if (need == 9 || (size_t)(j->end - j->p) < need + 1) return lq_fail(LQ_ERR_FORMAT, "safetensors header: invalid UTF-8");
    uint32_t cp = need == 0 ? c : need == 1 ? (c & 31) : need == 2 ? (c & 15) : (c & 7);
    for (size_t k = 1; k <= need; k++) {
      if ((j->p[k] & 0xC0) != 0x80) return lq_fail(LQ_ERR_FORMAT, "safetensors header: invalid UTF-8");
      cp = (cp << 6) | (j->p[k] & 63);
    }
    static const uint32_t min_cp[4] = {0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[need] || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000))
      return lq_fail(LQ_ERR_FORMAT, "safetensors header: invalid UTF-8");
    memcpy(j->arena + j->arena_len, j->p, need + 1);
    j->arena_len += need + 1;
    j->p += need + 1;
  }
  *len = j->arena_len - *off;
  j->arena[j->arena_len++] = '\0';
  return LQ_OK;
}

static lq_status parse_number(jparser* j, jnode* nd) {
  const unsigned char* s = j->p;
  int neg = 0, frac = 0;
  if (j->p < j->end && *j->p == '-') { neg = 1; j->p++; }
  if (j->p >= j->end || *j->p < '0' || *j->p > '9') return lq_fail(LQ_ERR_FORMAT, "safetensors header: bad number");
  if (*j->p == '0' && j->p + 1 < j->end && j->p[1] >= '0' && j->p[1] <= '9')
    return lq_fail(LQ_ERR_FORMAT, "safetensors header: number with a leading zero");
  uint64_t v = 0;
  int overflow = 0;
  while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
    unsigned d = *j->p++ - '0';
    if (v > (UINT64_MAX - d) / 10) overflow = 1;
    else v = v * 10 + d;
  }
  if (j->p < j->end && *j->p == '.') {
    frac = 1;
    j->p++;
    if (j->p >= j->end || *j->p < '0' || *j->p > '9') return lq_fail(LQ_ERR_FORMAT, "safetensors header: bad number");
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
  }
  if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
    frac = 1;
    j->p++;
    if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
    if (j->p >= j->end || *j->p < '0' || *j->p > '9') return lq_fail(LQ_ERR_FORMAT, "safetensors header: bad number");
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
  }
  (void)s;
  nd->u = v;
  nd->is_uint = !neg && !frac && !overflow;
  return LQ_OK;
}

static int cmp_keys(const void* a, const void* b) { return strcmp(*(const char* const*)a, *(const char* const*)b); }

static lq_status parse_value(jparser* j, int depth, size_t* out) {
  if (depth > LQ_ST_MAX_JSON_DEPTH)
    return lq_fail(LQ_ERR_FORMAT, "safetensors header: JSON nested deeper than %d", LQ_ST_MAX_JSON_DEPTH);
  ws(j);
  if (j->p >= j->end) return lq_fail(LQ_ERR_FORMAT, "safetensors header: truncated JSON");
  unsigned c = *j->p;
  size_t id = 0;
  if (c == '{' || c == '[') {
    int obj = c == '{';
    LQ_CHECK(new_node(j, obj ? J_OBJ : J_ARR, &id));
    j->p++;
    ws(j);
    size_t last = 0, count = 0;
    if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
      j->p++;
      *out = id;
      return LQ_OK;
    }
    for (;;) {
      size_t koff = 0, klen, child;
      if (obj) {
        ws(j);
        LQ_CHECK(parse_string(j, &koff, &klen));
        ws(j);
        if (j->p >= j->end || *j->p != ':') return lq_fail(LQ_ERR_FORMAT, "safetensors header: expected ':'");
        j->p++;
      }
      LQ_CHECK(parse_value(j, depth + 1, &child));
      j->nodes[child].key = koff;
      if (count++ == 0) j->nodes[id].first = child;
      else j->nodes[last].next = child;
      last = child;
      ws(j);
      if (j->p < j->end && *j->p == ',') { j->p++; continue; }
      if (j->p < j->end && *j->p == (obj ? '}' : ']')) { j->p++; break; }
      return lq_fail(LQ_ERR_FORMAT, "safetensors header: expected ',' or '%c'", obj ? '}' : ']');
    }
    if (obj && count > 1) { /* duplicate names: sort the keys, O(k log k) */
      const char** keys = malloc(count * sizeof *keys);
      if (!keys) return lq_fail(LQ_ERR_OUT_OF_MEMORY, "out of memory");
      size_t k = 0;
      for (size_t ch = j->nodes[id].first; k < count; ch = j->nodes[ch].next) keys[k++] = j->arena + j->nodes[ch].key;
      qsort(keys, count, sizeof *keys, cmp_keys);
      lq_status s = LQ_OK;
      for (k = 1; k < count; k++)
        if (strcmp(keys[k - 1], keys[k]) == 0) {
          s = lq_fail(LQ_ERR_FORMAT, "safetensors header: duplicate name '%.80s'", keys[k]);
          break;
        }
      free(keys);
      LQ_CHECK(s);
    }
    *out = id;
    return LQ_OK;
  }
  if (c == '"') {
    LQ_CHECK(new_node(j, J_STR, &id));
    size_t off, len;
    LQ_CHECK(parse_string(j, &off, &len));
    j->nodes[id].str = off;
    j->nodes[id].str_len = len;
    *out = id;
    return LQ_OK;
  }
  if (c == '-' || (c >= '0' && c <= '9')) {
    LQ_CHECK(new_node(j, J_NUM, &id));
    *out = id;
    return parse_number(j, &j->nodes[id]);
  }
  static const char* const lits[] = {"true", "false", "null"};
  for (int k = 0; k < 3; k++) {
    size_t l = strlen(lits[k]);
    if ((size_t)(j->end - j->p) >= l && memcmp(j->p, lits[k], l) == 0) {
      LQ_CHECK(new_node(j, J_LIT, &id));
      j->nodes[id].u = (uint64_t)k;
      j->p += l;
      *out = id;
      return LQ_OK;
    }
  }
  return lq_fail(LQ_ERR_FORMAT, "safetensors header: unexpected character '%c'", c >= 0x20 && c < 0x7f ? (char)c : '?');
}

/* --------------------------------------------------------------- reader -- */

struct lq_st_file {
  lq_map map;
  lq_st_tensor* tensors;
  size_t nt;
  lq_st_meta* meta;
  size_t nmeta;
  char* arena; /* names and metadata strings */
};

static lq_status parse_tensor(jparser* j, size_t node, lq_st_tensor* t) {
  const jnode* nd = &j->nodes[node];
  if (nd->kind != J_OBJ) return lq_fail(LQ_ERR_FORMAT, "entry is not an object");
  int have_dtype = 0, have_shape = 0, have_off = 0;
  for (size_t ch = nd->first; ch; ch = j->nodes[ch].next) {
    const jnode* v = &j->nodes[ch];
    const char* k = j->arena + v->key;
    if (strcmp(k, "dtype") == 0) {
      if (v->kind != J_STR) return lq_fail(LQ_ERR_FORMAT, "dtype is not a string");
      int found = 0;
      for (int d = 0; d < LQ_ST_DTYPE_COUNT_; d++)
        if (strcmp(j->arena + v->str, st_dtypes[d].name) == 0) {
          t->dtype = (lq_st_dtype)d;
          found = 1;
        }
      if (!found) return lq_fail(LQ_ERR_FORMAT, "unsupported dtype '%.20s'", j->arena + v->str);
      have_dtype = 1;
    } else if (strcmp(k, "shape") == 0) {
      if (v->kind != J_ARR) return lq_fail(LQ_ERR_FORMAT, "shape is not an array");
      t->ndim = 0;
      for (size_t e = v->first; e; e = j->nodes[e].next) {
        if (t->ndim == LQ_ST_MAX_DIMS) return lq_fail(LQ_ERR_FORMAT, "shape has more than %d dimensions", LQ_ST_MAX_DIMS);
        if (j->nodes[e].kind != J_NUM || !j->nodes[e].is_uint || j->nodes[e].u > (uint64_t)INT64_MAX)
          return lq_fail(LQ_ERR_FORMAT, "shape holds something other than a non-negative integer");
        t->shape[t->ndim++] = (int64_t)j->nodes[e].u;
      }
      have_shape = 1;
    } else if (strcmp(k, "data_offsets") == 0) {
      size_t e = v->kind == J_ARR ? v->first : 0;
      size_t e2 = e ? j->nodes[e].next : 0;
      if (!e || !e2 || j->nodes[e2].next || j->nodes[e].kind != J_NUM || j->nodes[e2].kind != J_NUM ||
          !j->nodes[e].is_uint || !j->nodes[e2].is_uint)
        return lq_fail(LQ_ERR_FORMAT, "data_offsets is not [begin, end] of non-negative integers");
      t->begin = j->nodes[e].u;
      t->end = j->nodes[e2].u;
      have_off = 1;
    } else {
      return lq_fail(LQ_ERR_FORMAT, "unknown field '%.40s'", k);
    }
  }
  if (!have_dtype || !have_shape || !have_off) return lq_fail(LQ_ERR_FORMAT, "needs dtype, shape and data_offsets");
  uint64_t numel = 1;
  for (int32_t d = 0; d < t->ndim; d++) {
    uint64_t n = (uint64_t)t->shape[d];
    if (n && numel > UINT64_MAX / n) return lq_fail(LQ_ERR_FORMAT, "the element count overflows");
    numel *= n;
  }
  size_t es = st_dtypes[t->dtype].size;
  if (numel > UINT64_MAX / es) return lq_fail(LQ_ERR_FORMAT, "the byte count overflows");
  t->numel = numel;
  if (t->end < t->begin || t->end - t->begin != numel * es)
    return lq_fail(LQ_ERR_FORMAT, "data_offsets [%llu, %llu] do not hold %llu x %zu bytes", (unsigned long long)t->begin,
                   (unsigned long long)t->end, (unsigned long long)numel, es);
  return LQ_OK;
}

static int cmp_tensor(const void* a, const void* b) {
  const lq_st_tensor *x = a, *y = b;
  if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
  if (x->end != y->end) return x->end < y->end ? -1 : 1;
  return strcmp(x->name, y->name);
}

static lq_status st_parse(lq_st_file* f) {
  const unsigned char* buf = f->map.p;
  size_t len = f->map.len;
  if (len < 8) return lq_fail(LQ_ERR_FORMAT, "safetensors: file shorter than the 8-byte header length");
  uint64_t hl = lq_ld64(buf);
  if (hl > LQ_ST_MAX_HEADER) return lq_fail(LQ_ERR_FORMAT, "safetensors: header of %llu bytes exceeds the limit of %u", (unsigned long long)hl, LQ_ST_MAX_HEADER);
  if (hl > len - 8) return lq_fail(LQ_ERR_FORMAT, "safetensors: header of %llu bytes runs past the end of the file", (unsigned long long)hl);
  if (hl < 2 || buf[8] != '{') return lq_fail(LQ_ERR_FORMAT, "safetensors: the header does not start with '{'");
  jparser j = {buf + 8, buf + 8 + hl, NULL, 0, 0, NULL, 0};
  /* every JSON value takes at least one byte of the header */
  j.cap = (size_t)hl + 1;
  lq_status s = lq_alloc_array(j.cap, sizeof *j.nodes, "JSON nodes", (void**)&j.nodes);
  if (s == LQ_OK) s = lq_alloc_array((size_t)hl + 1, 1, "JSON strings", (void**)&j.arena);
  size_t root = 0;
  if (s == LQ_OK) s = parse_value(&j, 1, &root);
  if (s == LQ_OK) {
    ws(&j);
    if (j.p != j.end) s = lq_fail(LQ_ERR_FORMAT, "safetensors header: bytes after the JSON object");
  }
  size_t nt = 0, nm = 0;
  const jnode* meta = NULL;
  if (s == LQ_OK) {
    for (size_t ch = j.nodes[root].first; ch; ch = j.nodes[ch].next) {
      if (strcmp(j.arena + j.nodes[ch].key, "__metadata__") == 0) {
        meta = &j.nodes[ch];
        if (meta->kind == J_LIT && meta->u == 2) meta = NULL; /* null */
        else if (meta->kind != J_OBJ) s = lq_fail(LQ_ERR_FORMAT, "safetensors: __metadata__ is not an object");
        else
          for (size_t e = meta->first; e && s == LQ_OK; e = j.nodes[e].next, nm++)
            if (j.nodes[e].kind != J_STR) s = lq_fail(LQ_ERR_FORMAT, "safetensors: __metadata__ value of '%.80s' is not a string", j.arena + j.nodes[e].key);
      } else {
        nt++;
      }
    }
  }
  if (s == LQ_OK) s = lq_calloc_array(nt + 1, sizeof *f->tensors, "safetensors tensors", (void**)&f->tensors);
  if (s == LQ_OK) s = lq_calloc_array(nm + 1, sizeof *f->meta, "safetensors metadata", (void**)&f->meta);
  if (s == LQ_OK) {
    f->arena = j.arena; /* names and strings stay in the arena */
    j.arena = NULL;
    for (size_t ch = j.nodes[root].first; ch && s == LQ_OK; ch = j.nodes[ch].next) {
      const char* k = f->arena + j.nodes[ch].key;
      if (strcmp(k, "__metadata__") == 0) {
        if (meta)
          for (size_t e = meta->first; e; e = j.nodes[e].next)
            f->meta[f->nmeta++] = (lq_st_meta){f->arena + j.nodes[e].key, f->arena + j.nodes[e].str};
        continue;
      }
      lq_st_tensor* t = &f->tensors[f->nt];
      t->name = k;
      j.arena = f->arena;
      s = parse_tensor(&j, ch, t);
      j.arena = NULL;
      if (s != LQ_OK) s = lq_fail_ctx(s, "safetensors tensor '%.80s'", k);
      else if (k[0] == '\0') s = lq_fail(LQ_ERR_FORMAT, "safetensors: empty tensor name");
      f->nt++;
    }
  }
  free(j.nodes);
  free(j.arena);
  LQ_CHECK(s);
  /* the ranges, sorted, tile the data section exactly */
  uint64_t data_len = len - 8 - hl;
  qsort(f->tensors, f->nt, sizeof *f->tensors, cmp_tensor);
  uint64_t pos = 0;
  for (size_t i = 0; i < f->nt; i++) {
    lq_st_tensor* t = &f->tensors[i];
    if (t->begin != pos)
      return lq_fail(LQ_ERR_FORMAT, "safetensors: tensor '%.80s' starts at %llu, expected %llu (%s)", t->name,
                     (unsigned long long)t->begin, (unsigned long long)pos, t->begin > pos ? "a gap" : "overlap");
    if (t->end > data_len)
      return lq_fail(LQ_ERR_FORMAT, "safetensors: tensor '%.80s' ends at %llu, past the data section (%llu bytes)",
                     t->name, (unsigned long long)t->end, (unsigned long long)data_len);
    t->data = buf + 8 + hl + t->begin;
    pos = t->end;
  }
  if (pos != data_len)
    return lq_fail(LQ_ERR_FORMAT, "safetensors: the tensors cover %llu of the %llu data bytes", (unsigned long long)pos,
                   (unsigned long long)data_len);
  return LQ_OK;
}

static lq_status st_open_common(lq_st_file* f, lq_st_file** out) {
  lq_status s = st_parse(f);
  if (s != LQ_OK) {
    lq_st_close(f);
    return s;
  }
  *out = f;
  return LQ_OK;
}

lq_status lq_st_open(const char* path, lq_st_file** out) {
  LQ_REQUIRE_PTR(out);
  *out = NULL;
  LQ_REQUIRE_PTR(path);
  lq_st_file* f = calloc(1, sizeof *f);
  if (!f) return lq_fail(LQ_ERR_OUT_OF_MEMORY, "out of memory");
  lq_status s = lq_map_file(path, &f->map);
  if (s != LQ_OK) {
    free(f);
    return s;
  }
  s = st_open_common(f, out);
  if (s == LQ_ERR_FORMAT) return lq_fail_ctx(s, "%s", path);
  return s;
}

lq_status lq_st_open_mem(const void* buf, size_t len, lq_st_file** out) {
  LQ_REQUIRE_PTR(out);
  *out = NULL;
  if (len) LQ_REQUIRE_PTR(buf);
  lq_st_file* f = calloc(1, sizeof *f);
  if (!f) return lq_fail(LQ_ERR_OUT_OF_MEMORY, "out of memory");
  f->map.p = len ? buf : (const unsigned char*)"";
  f->map.len = len;
  return st_open_common(f, out);
}

void lq_st_close(lq_st_file* f) {
  if (!f) return;
  lq_unmap(&f->map);
  free(f->tensors);
  free(f->meta);
  free(f->arena);
  free(f);
}

size_t lq_st_tensor_count(const lq_st_file* f) { return f ? f->nt : 0; }
const lq_st_tensor* lq_st_tensor_at(const lq_st_file* f, size_t i) { return f && i < f->nt ? &f->tensors[i] : NULL; }
const lq_st_tensor* lq_st_find_tensor(const lq_st_file* f, const char* name) {
  if (!f || !name) return NULL;
  for (size_t i = 0; i < f->nt; i++)
    if (strcmp(f->tensors[i].name, name) == 0) return &f->tensors[i];
  return NULL;
}
size_t lq_st_meta_count(const lq_st_file* f) { return f ? f->nmeta : 0; }
const lq_st_meta* lq_st_meta_at(const lq_st_file* f, size_t i) { return f && i < f->nmeta ? &f->meta[i] : NULL; }

lq_status lq_st_to_f32(const lq_st_tensor* t, float* dst, size_t n) {
  LQ_REQUIRE_PTR(t);
  if (n != t->numel) return lq_fail(LQ_ERR_INVALID_ARG, "n = %zu but the tensor has %llu elements", n, (unsigned long long)t->numel);
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(dst);
  const unsigned char* p = t->data;
  /* The dtype switch is outside the loops (once per element it cost as
   * much as the quantizer in quant convert); on a little-endian host F32 is
   * a memcpy and aligned F16/BF16 go through the dispatched converters. */
  const uint16_t probe = 1;
  unsigned char first;
  memcpy(&first, &probe, 1);
  const int little = first == 1;
  size_t i;
  switch (t->dtype) {
    case LQ_ST_F64: for (i = 0; i < n; i++) { uint64_t b = lq_ld64(p + 8 * i); double d; memcpy(&d, &b, 8); dst[i] = (float)d; } break;
    case LQ_ST_F32:
      if (little) memcpy(dst, p, n * sizeof *dst);
      else for (i = 0; i < n; i++) dst[i] = lq_bits_f32(lq_ld32(p + 4 * i));
      break;
    case LQ_ST_F16:
      if (little && (uintptr_t)p % 2 == 0) return lq_convert_f16_f32((const uint16_t*)(const void*)p, n, dst);
      for (i = 0; i < n; i++) dst[i] = lq_f16_to_f32_inline(lq_ld16(p + 2 * i));
      break;
    case LQ_ST_BF16:
      if (little && (uintptr_t)p % 2 == 0) return lq_convert_bf16_f32((const uint16_t*)(const void*)p, n, dst);
      for (i = 0; i < n; i++) dst[i] = lq_bf16_to_f32_inline(lq_ld16(p + 2 * i));
      break;
    case LQ_ST_I64: for (i = 0; i < n; i++) dst[i] = (float)(int64_t)lq_ld64(p + 8 * i); break;
    case LQ_ST_I32: for (i = 0; i < n; i++) dst[i] = (float)(int32_t)lq_ld32(p + 4 * i); break;
    case LQ_ST_I16: for (i = 0; i < n; i++) dst[i] = (float)(int16_t)lq_ld16(p + 2 * i); break;
    case LQ_ST_I8: for (i = 0; i < n; i++) dst[i] = (float)(int8_t)p[i]; break;
    case LQ_ST_U8: for (i = 0; i < n; i++) dst[i] = (float)p[i]; break;
    case LQ_ST_BOOL: for (i = 0; i < n; i++) dst[i] = p[i] ? 1.0f : 0.0f; break;
    case LQ_ST_F8_E4M3: for (i = 0; i < n; i++) dst[i] = lq_minifloat_to_f32(LQ_FP8_E4M3, p[i]); break;
    case LQ_ST_F8_E5M2: for (i = 0; i < n; i++) dst[i] = lq_minifloat_to_f32(LQ_FP8_E5M2, p[i]); break;
    default: return lq_fail(LQ_ERR_INVALID_ARG, "bad dtype %d", (int)t->dtype);
  }
  return LQ_OK;
}

/* --------------------------------------------------------------- writer -- */

typedef struct wtensor {
  char* name;
  lq_st_dtype dtype;
  int32_t ndim;
  int64_t shape[LQ_ST_MAX_DIMS];
  const void* data;
  uint64_t nbytes;
} wtensor;

struct lq_st_writer {
  wtensor* t;
  size_t nt, capt;
  char** meta; /* key, value pairs */
  size_t nmeta, capm;
  /* streaming (begin/put/finish) */
  lq_sink* stream;
  char* stream_path;
  size_t cur;
  uint64_t cur_done;
};

static void stream_close(lq_st_writer* w) {
  free(w->stream);
  free(w->stream_path);
  w->stream = NULL;
  w->stream_path = NULL;
}

lq_status lq_st_writer_create(lq_st_writer** out) {
  LQ_REQUIRE_PTR(out);
  *out = calloc(1, sizeof **out);
  return *out ? LQ_OK : lq_fail(LQ_ERR_OUT_OF_MEMORY, "out of memory");
}

void lq_st_writer_destroy(lq_st_writer* w) {
  if (!w) return;
  if (w->stream) {
    lq_sink_abort(w->stream);
    stream_close(w);
  }
  for (size_t i = 0; i < w->nt; i++) free(w->t[i].name);
  for (size_t i = 0; i < 2 * w->nmeta; i++) free(w->meta[i]);
  free(w->t);
  free(w->meta);
  free(w);
}

static char* dup_str(const char* s) {
  size_t n = strlen(s) + 1;
  char* d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

static lq_status grow_arr(void** p, size_t* cap, size_t need, size_t size) {
  if (need <= *cap) return LQ_OK;
  size_t nc = *cap ? 2 * *cap : 16;
  void* q;
  LQ_CHECK(lq_alloc_array(nc, size, "safetensors writer", &q));
  if (*cap) memcpy(q, *p, *cap * size);
  free(*p);
  *p = q;
  *cap = nc;
  return LQ_OK;
}

lq_status lq_st_writer_set_meta(lq_st_writer* w, const char* key, const char* value) {
  LQ_REQUIRE_PTR(w);
  LQ_REQUIRE_PTR(key);
  LQ_REQUIRE_PTR(value);
  if (w->stream) return lq_fail(LQ_ERR_STATE, "safetensors writer: the header is already written");
  for (size_t i = 0; i < w->nmeta; i++)
    if (strcmp(w->meta[2 * i], key) == 0) return lq_fail(LQ_ERR_INVALID_ARG, "duplicate metadata key '%.80s'", key);
  LQ_CHECK(grow_arr((void**)&w->meta, &w->capm, 2 * w->nmeta + 2, sizeof *w->meta));
  char* k = dup_str(key);
  char* v = dup_str(value);
  if (!k || !v) {
    free(k);
    free(v);
    return lq_fail(LQ_ERR_OUT_OF_MEMORY, "out of memory");
  }
  w->meta[2 * w->nmeta] = k;
  w->meta[2 * w->nmeta + 1] = v;
  w->nmeta++;
  return LQ_OK;
}

lq_status lq_st_writer_add_tensor(lq_st_writer* w, const char* name, lq_st_dtype dtype, int32_t ndim,
                                  const int64_t* shape, const void* data) {
  LQ_REQUIRE_PTR(w);
  LQ_REQUIRE_PTR(name);
  if (w->stream) return lq_fail(LQ_ERR_STATE, "safetensors writer: the header is already written");
  if (!name[0] || strcmp(name, "__metadata__") == 0) return lq_fail(LQ_ERR_INVALID_ARG, "bad tensor name '%s'", name);
  if ((unsigned)dtype >= LQ_ST_DTYPE_COUNT_) return lq_fail(LQ_ERR_INVALID_ARG, "bad dtype %d", (int)dtype);
  if (ndim < 0 || ndim > LQ_ST_MAX_DIMS) return lq_fail(LQ_ERR_INVALID_ARG, "ndim %d is not in [0, %d]", (int)ndim, LQ_ST_MAX_DIMS);
  if (ndim) LQ_REQUIRE_PTR(shape);
  for (size_t i = 0; i < w->nt; i++)
    if (strcmp(w->t[i].name, name) == 0) return lq_fail(LQ_ERR_INVALID_ARG, "duplicate tensor name '%.80s'", name);
  uint64_t n = st_dtypes[dtype].size;
  for (int32_t d = 0; d < ndim; d++) {
    if (shape[d] < 0) return lq_fail(LQ_ERR_INVALID_ARG, "tensor '%.80s': negative dimension", name);
    if (shape[d] && n > (UINT64_MAX / 2) / (uint64_t)shape[d]) return lq_fail(LQ_ERR_OVERFLOW, "tensor '%.80s' too large", name);
    n *= (uint64_t)shape[d];
  }
  LQ_CHECK(grow_arr((void**)&w->t, &w->capt, w->nt + 1, sizeof *w->t));
  wtensor* t = &w->t[w->nt];
  memset(t, 0, sizeof *t);
  t->name = dup_str(name);
  if (!t->name) return lq_fail(LQ_ERR_OUT_OF_MEMORY, "out of memory");
  t->dtype = dtype;
  t->ndim = ndim;
  for (int32_t d = 0; d < ndim; d++) t->shape[d] = shape[d];
  t->data = data;
  t->nbytes = n;
  w->nt++;
  return LQ_OK;
}

static void json_str(lq_sink* s, const char* str) {
  lq_sink_put(s, "\"", 1);
  for (const unsigned char* p = (const unsigned char*)str; *p; p++) {
    char e[8];
    if (*p == '"' || *p == '\\') {
      e[0] = '\\';
      e[1] = (char)*p;
      lq_sink_put(s, e, 2);
    } else if (*p < 0x20) {
      snprintf(e, sizeof e, "\\u%04x", *p);
      lq_sink_put(s, e, 6);
    } else {
      lq_sink_put(s, p, 1);
    }
  }
  lq_sink_put(s, "\"", 1);
}

static void emit_header(const lq_st_writer* w, lq_sink* s) {
  char num[64];
  lq_sink_put(s, "{", 1);
  int first = 1;
  if (w->nmeta) {
    lq_sink_put(s, "\"__metadata__\":{", 16);
    for (size_t i = 0; i < w->nmeta; i++) {
      if (i) lq_sink_put(s, ",", 1);
      json_str(s, w->meta[2 * i]);
      lq_sink_put(s, ":", 1);
      json_str(s, w->meta[2 * i + 1]);
    }
    lq_sink_put(s, "}", 1);
    first = 0;
  }
  uint64_t off = 0;
  for (size_t i = 0; i < w->nt; i++) {
    const wtensor* t = &w->t[i];
    if (!first) lq_sink_put(s, ",", 1);
    first = 0;
    json_str(s, t->name);
    lq_sink_put(s, ":{\"dtype\":\"", 11);
    lq_sink_put(s, st_dtypes[t->dtype].name, strlen(st_dtypes[t->dtype].name));
    lq_sink_put(s, "\",\"shape\":[", 11);
    for (int32_t d = 0; d < t->ndim; d++) {
      int k = snprintf(num, sizeof num, "%s%lld", d ? "," : "", (long long)t->shape[d]);
      lq_sink_put(s, num, (size_t)k);
    }
    int k = snprintf(num, sizeof num, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)off,
                     (unsigned long long)(off + t->nbytes));
    lq_sink_put(s, num, (size_t)k);
    off += t->nbytes;
  }
  lq_sink_put(s, "}", 1);
}

static lq_status st_emit_header(const lq_st_writer* w, lq_sink* s) {
  lq_sink count;
  lq_sink_mem(&count, NULL, 0);
  emit_header(w, &count);
  size_t hl = count.pos + (8 - count.pos % 8) % 8;
  unsigned char b[8];
  lq_st64(b, hl);
  lq_sink_put(s, b, 8);
  emit_header(w, s);
  for (size_t i = count.pos; i < hl; i++) lq_sink_put(s, " ", 1);
  return s->err;
}

static lq_status st_emit(const lq_st_writer* w, lq_sink* s) {
  if (w->stream) return lq_fail(LQ_ERR_STATE, "safetensors writer: a streamed write is in progress");
  for (size_t i = 0; i < w->nt; i++)
    if (w->t[i].nbytes && !w->t[i].data)
      return lq_fail(LQ_ERR_STATE, "tensor '%.80s' was declared without data (stream it with lq_st_writer_begin)",
                     w->t[i].name);
  LQ_CHECK(st_emit_header(w, s));
  for (size_t i = 0; i < w->nt; i++) lq_sink_put(s, w->t[i].data, (size_t)w->t[i].nbytes);
  return s->err;
}

lq_status lq_st_writer_write_mem(const lq_st_writer* w, void* buf, size_t cap, size_t* len_out) {
  LQ_REQUIRE_PTR(w);
  LQ_REQUIRE_PTR(len_out);
  if (!buf && cap) return lq_fail(LQ_ERR_INVALID_ARG, "buf is NULL but cap is %zu", cap);
  lq_sink s;
  lq_sink_mem(&s, buf, cap);
  LQ_CHECK(st_emit(w, &s));
  *len_out = s.pos;
  if (buf && cap < s.pos) return lq_fail(LQ_ERR_BUFFER_TOO_SMALL, "safetensors file needs %zu bytes, buffer has %zu", s.pos, cap);
  return LQ_OK;
}

lq_status lq_st_writer_write_file(const lq_st_writer* w, const char* path) {
  LQ_REQUIRE_PTR(w);
  LQ_REQUIRE_PTR(path);
  lq_sink s;
  LQ_CHECK(lq_sink_file(&s, path));
  lq_status st = st_emit(w, &s);
  if (st != LQ_OK) {
    lq_sink_abort(&s);
    return st;
  }
  return lq_sink_commit(&s);
}

/* ----------------------------------------------------------- streaming -- */

static void stream_advance(lq_st_writer* w) {
  while (w->cur < w->nt && w->cur_done == w->t[w->cur].nbytes) {
    w->cur++;
    w->cur_done = 0;
  }
}

lq_status lq_st_writer_begin(lq_st_writer* w, const char* path) {
  LQ_REQUIRE_PTR(w);
  LQ_REQUIRE_PTR(path);
  if (w->stream) return lq_fail(LQ_ERR_STATE, "safetensors writer: a streamed write is already in progress");
  lq_status s = lq_sink_file_new(path, &w->stream, &w->stream_path);
  if (s != LQ_OK) return s;
  s = st_emit_header(w, w->stream);
  if (s != LQ_OK) {
    lq_sink_abort(w->stream);
    stream_close(w);
    return s;
  }
  w->cur = 0;
  w->cur_done = 0;
  stream_advance(w);
  return LQ_OK;
}

lq_status lq_st_writer_put(lq_st_writer* w, const void* data, size_t n) {
  LQ_REQUIRE_PTR(w);
  if (!w->stream) return lq_fail(LQ_ERR_STATE, "safetensors writer: lq_st_writer_begin was not called");
  if (n) LQ_REQUIRE_PTR(data);
  const unsigned char* p = (const unsigned char*)data;
  while (n) {
    if (w->cur >= w->nt) return lq_fail(LQ_ERR_INVALID_ARG, "safetensors writer: %zu bytes past the last tensor", n);
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

lq_status lq_st_writer_finish(lq_st_writer* w) {
  LQ_REQUIRE_PTR(w);
  if (!w->stream) return lq_fail(LQ_ERR_STATE, "safetensors writer: lq_st_writer_begin was not called");
  lq_status s;
  if (w->cur < w->nt) {
    s = lq_fail(LQ_ERR_STATE, "safetensors writer: tensor '%.80s' is missing %llu bytes", w->t[w->cur].name,
                (unsigned long long)(w->t[w->cur].nbytes - w->cur_done));
    lq_sink_abort(w->stream);
  } else {
    s = lq_sink_commit(w->stream);
  }
  stream_close(w);
  return s;
}
