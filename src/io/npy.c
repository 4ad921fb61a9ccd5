/* NumPy .npy reader and writer. The reader treats every byte as hostile:
 * each field is validated and every size overflow-checked before anything is
 * allocated from it. Format: numpy/lib/format.py (numpy 1.24). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/fp16.h"
#include "common/lq_internal.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_ALIGN 64
/* numpy pads the header so the first axis can grow in place (GROWTH_AXIS_MAX_DIGITS). */
#define NPY_GROWTH_DIGITS 21

static const struct {
  char kind;
  size_t size;
  const char* name;
} dtype_table[LQ_NPY_DTYPE_COUNT_] = {
    [LQ_NPY_F32] = {'f', 4, "float32"}, [LQ_NPY_F64] = {'f', 8, "float64"}, [LQ_NPY_F16] = {'f', 2, "float16"},
    [LQ_NPY_S8] = {'i', 1, "int8"},     [LQ_NPY_U8] = {'u', 1, "uint8"},     [LQ_NPY_S16] = {'i', 2, "int16"},
    [LQ_NPY_U16] = {'u', 2, "uint16"},  [LQ_NPY_S32] = {'i', 4, "int32"},    [LQ_NPY_U32] = {'u', 4, "uint32"},
    [LQ_NPY_S64] = {'i', 8, "int64"},   [LQ_NPY_U64] = {'u', 8, "uint64"},   [LQ_NPY_BOOL] = {'b', 1, "bool"},
};

size_t lq_npy_dtype_size(lq_npy_dtype t) {
  return ((unsigned)t < LQ_NPY_DTYPE_COUNT_) ? dtype_table[t].size : 0;
}

const char* lq_npy_dtype_name(lq_npy_dtype t) {
  return ((unsigned)t < LQ_NPY_DTYPE_COUNT_) ? dtype_table[t].name : "unknown";
}

static int host_is_little_endian(void) {
  const uint16_t one = 1;
  unsigned char b;
  memcpy(&b, &one, 1);
  return b == 1;
}

static void byteswap_elements(unsigned char* p, size_t n, size_t size) {
  if (size < 2) return;
  for (size_t i = 0; i < n; i++, p += size)
    for (size_t a = 0, b = size - 1; a < b; a++, b--) {
      unsigned char t = p[a];
      p[a] = p[b];
      p[b] = t;
    }
}

/* ------------------------------------------------------- header parser -- */

typedef struct hdr_parser {
  const char* p;
  const char* end;
} hdr_parser;

static void skip_ws(hdr_parser* h) {
  while (h->p < h->end && (*h->p == ' ' || *h->p == '\t' || *h->p == '\n' || *h->p == '\r')) h->p++;
}

static int accept(hdr_parser* h, char c) {
  skip_ws(h);
  if (h->p < h->end && *h->p == c) {
    h->p++;
    return 1;
  }
  return 0;
}

/* A Python string literal without escapes, quoted with ' or ". */
static lq_status parse_string(hdr_parser* h, const char** s, size_t* len, const char* what) {
  skip_ws(h);
  if (h->p >= h->end || (*h->p != '\'' && *h->p != '"'))
    return lq_fail(LQ_ERR_FORMAT, "npy header: expected a quoted string for %s", what);
  char q = *h->p++;
  const char* start = h->p;
  while (h->p < h->end && *h->p != q) {
    if (*h->p == '\\' || *h->p == '\n')
      return lq_fail(LQ_ERR_FORMAT, "npy header: unsupported character in the string for %s", what);
    h->p++;
  }
  if (h->p >= h->end) return lq_fail(LQ_ERR_FORMAT, "npy header: unterminated string for %s", what);
  *s = start;
  *len = (size_t)(h->p - start);
  h->p++;
  return LQ_OK;
}

/* A non-negative decimal integer (Python 2 files may carry an 'L' suffix). */
static lq_status parse_dim(hdr_parser* h, int64_t* out) {
  skip_ws(h);
  if (h->p < h->end && *h->p == '-') return lq_fail(LQ_ERR_FORMAT, "npy header: negative dimension in shape");
  if (h->p >= h->end || *h->p < '0' || *h->p > '9')
    return lq_fail(LQ_ERR_FORMAT, "npy header: shape must be a tuple of non-negative integers");
  if (*h->p == '0' && h->p + 1 < h->end && h->p[1] >= '0' && h->p[1] <= '9')
    return lq_fail(LQ_ERR_FORMAT, "npy header: dimension with a leading zero");
  uint64_t v = 0;
  while (h->p < h->end && *h->p >= '0' && *h->p <= '9') {
    unsigned d = (unsigned)(*h->p - '0');
    if (v > ((uint64_t)INT64_MAX - d) / 10)
      return lq_fail(LQ_ERR_OVERFLOW, "npy header: a dimension exceeds the int64 range");
    v = v * 10 + d;
    h->p++;
  }
  if (h->p < h->end && (*h->p == 'L' || *h->p == 'l')) h->p++;
  *out = (int64_t)v;
  return LQ_OK;
}

static lq_status parse_shape(hdr_parser* h, int32_t* ndim, int64_t* dims) {
  if (!accept(h, '(')) return lq_fail(LQ_ERR_FORMAT, "npy header: shape is not a tuple");
  int32_t n = 0;
  int trailing_comma = 0;
  while (!accept(h, ')')) {
    if (n == LQ_NPY_MAX_DIMS)
      return lq_fail(LQ_ERR_FORMAT, "npy header: shape has more than %d dimensions", LQ_NPY_MAX_DIMS);
    LQ_CHECK(parse_dim(h, &dims[n]));
    n++;
    trailing_comma = accept(h, ',');
    if (!trailing_comma) {
      if (!accept(h, ')')) return lq_fail(LQ_ERR_FORMAT, "npy header: malformed shape tuple");
      break;
    }
  }
  /* "(3)" is an int in Python, not a tuple: numpy rejects it, so do we. */
  if (n == 1 && !trailing_comma) return lq_fail(LQ_ERR_FORMAT, "npy header: shape is not a tuple (missing comma)");
  *ndim = n;
  return LQ_OK;
}

static lq_status parse_descr(const char* s, size_t len, lq_npy_dtype* dtype, int* swap) {
  char shown[40];
  snprintf(shown, sizeof shown, "%.*s", (int)(len < 32 ? len : 32), s);
  size_t i = 0;
  char order = '=';
  if (len > 0 && (s[0] == '<' || s[0] == '>' || s[0] == '|' || s[0] == '=')) order = s[i++];
  if (len - i < 2 || len - i > 2)
    return lq_fail(LQ_ERR_FORMAT, "npy: unsupported dtype '%s' (supported: f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1)",
                   shown);
  char kind = s[i];
  char sz = s[i + 1];
  if (sz < '1' || sz > '8')
    return lq_fail(LQ_ERR_FORMAT, "npy: unsupported dtype '%s' (supported: f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1)",
                   shown);
  size_t size = (size_t)(sz - '0');
  for (int t = 0; t < LQ_NPY_DTYPE_COUNT_; t++) {
    if (dtype_table[t].kind == kind && dtype_table[t].size == size) {
      *dtype = (lq_npy_dtype)t;
      int file_little = order == '<' || ((order == '=' || order == '|') && host_is_little_endian());
      *swap = size > 1 && file_little != host_is_little_endian();
      return LQ_OK;
    }
  }
  if (kind == 'c') return lq_fail(LQ_ERR_FORMAT, "npy: complex dtype '%s' is not supported", shown);
  return lq_fail(LQ_ERR_FORMAT, "npy: unsupported dtype '%s' (supported: f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1)",
                 shown);
}

typedef struct npy_header {
  lq_npy_dtype dtype;
  int swap;
  int fortran;
  int32_t ndim;
  int64_t dims[LQ_NPY_MAX_DIMS];
  size_t numel;
  size_t data_bytes;
  size_t data_offset;
} npy_header;

static lq_status parse_dict(const char* text, size_t len, npy_header* hd) {
  hdr_parser h = {text, text + len};
  int have_descr = 0, have_fortran = 0, have_shape = 0;
  if (!accept(&h, '{')) return lq_fail(LQ_ERR_FORMAT, "npy header: not a dictionary");
  while (!accept(&h, '}')) {
    const char* key;
    size_t klen;
    LQ_CHECK(parse_string(&h, &key, &klen, "a key"));
    if (!accept(&h, ':')) return lq_fail(LQ_ERR_FORMAT, "npy header: expected ':' after a key");
    if (klen == 5 && memcmp(key, "descr", 5) == 0) {
      if (have_descr++) return lq_fail(LQ_ERR_FORMAT, "npy header: duplicate key 'descr'");
      skip_ws(&h);
      if (h.p < h.end && *h.p == '[') return lq_fail(LQ_ERR_FORMAT, "npy: structured dtypes are not supported");
      const char* d;
      size_t dlen;
      LQ_CHECK(parse_string(&h, &d, &dlen, "descr"));
      LQ_CHECK(parse_descr(d, dlen, &hd->dtype, &hd->swap));
    } else if (klen == 13 && memcmp(key, "fortran_order", 13) == 0) {
      if (have_fortran++) return lq_fail(LQ_ERR_FORMAT, "npy header: duplicate key 'fortran_order'");
      skip_ws(&h);
      if ((size_t)(h.end - h.p) >= 4 && memcmp(h.p, "True", 4) == 0) {
        hd->fortran = 1;
        h.p += 4;
      } else if ((size_t)(h.end - h.p) >= 5 && memcmp(h.p, "False", 5) == 0) {
        hd->fortran = 0;
        h.p += 5;
      } else {
        return lq_fail(LQ_ERR_FORMAT, "npy header: fortran_order is not True or False");
      }
    } else if (klen == 5 && memcmp(key, "shape", 5) == 0) {
      if (have_shape++) return lq_fail(LQ_ERR_FORMAT, "npy header: duplicate key 'shape'");
      LQ_CHECK(parse_shape(&h, &hd->ndim, hd->dims));
    } else {
      return lq_fail(LQ_ERR_FORMAT, "npy header: unexpected key '%.*s'", (int)(klen < 32 ? klen : 32), key);
    }
    if (!accept(&h, ',')) {
      if (!accept(&h, '}')) return lq_fail(LQ_ERR_FORMAT, "npy header: expected ',' or '}' in the dictionary");
      break;
    }
  }
  skip_ws(&h);
  if (h.p != h.end) return lq_fail(LQ_ERR_FORMAT, "npy header: unexpected text after the dictionary");
  if (!have_descr || !have_fortran || !have_shape)
    return lq_fail(LQ_ERR_FORMAT, "npy header: missing key '%s'",
                   !have_descr ? "descr" : !have_fortran ? "fortran_order" : "shape");
  return LQ_OK;
}

/* Parses the preamble and header from the first `avail` bytes of a file.
 * Returns LQ_ERR_BUFFER_TOO_SMALL with *need set when more bytes are needed. */
static lq_status parse_header(const unsigned char* b, size_t avail, npy_header* hd, size_t* need) {
  *need = 10;
  if (avail < NPY_MAGIC_LEN + 2) {
    if (avail >= 1 && memcmp(b, NPY_MAGIC, avail < NPY_MAGIC_LEN ? avail : NPY_MAGIC_LEN) != 0)
      return lq_fail(LQ_ERR_FORMAT, "not a .npy file (bad magic)");
    return LQ_ERR_BUFFER_TOO_SMALL;
  }
  if (memcmp(b, NPY_MAGIC, NPY_MAGIC_LEN) != 0) return lq_fail(LQ_ERR_FORMAT, "not a .npy file (bad magic)");
  unsigned major = b[6], minor = b[7];
  if (minor != 0 || major < 1 || major > 3)
    return lq_fail(LQ_ERR_FORMAT, "unsupported .npy format version %u.%u", major, minor);
  size_t prefix = major == 1 ? 10 : 12;
  *need = prefix;
  if (avail < prefix) return LQ_ERR_BUFFER_TOO_SMALL;
  uint32_t hlen = major == 1 ? (uint32_t)b[8] | (uint32_t)b[9] << 8
                             : (uint32_t)b[8] | (uint32_t)b[9] << 8 | (uint32_t)b[10] << 16 | (uint32_t)b[11] << 24;
  if (hlen > LQ_NPY_MAX_HEADER)
    return lq_fail(LQ_ERR_FORMAT, "npy header length %u exceeds the limit of %d bytes", hlen, LQ_NPY_MAX_HEADER);
  *need = prefix + hlen;
  if (avail < prefix + hlen) return LQ_ERR_BUFFER_TOO_SMALL;
  const char* text = (const char*)b + prefix;
  for (uint32_t i = 0; i < hlen; i++)
    if (text[i] == '\0') return lq_fail(LQ_ERR_FORMAT, "npy header contains a NUL byte");
  memset(hd, 0, sizeof *hd);
  LQ_CHECK(parse_dict(text, hlen, hd));
  size_t numel = 1;
  for (int32_t d = 0; d < hd->ndim; d++)
    if (lq_mul_overflows(numel, (size_t)hd->dims[d], &numel) || (uint64_t)hd->dims[d] > SIZE_MAX)
      return lq_fail(LQ_ERR_OVERFLOW, "npy: the element count of the shape overflows size_t");
  size_t bytes;
  if (lq_mul_overflows(numel, dtype_table[hd->dtype].size, &bytes))
    return lq_fail(LQ_ERR_OVERFLOW, "npy: the data size of the shape overflows size_t");
  hd->numel = numel;
  hd->data_bytes = bytes;
  hd->data_offset = prefix + hlen;
  return LQ_OK;
}

/* Moves Fortran-ordered data (first index fastest) into C order. */
static void fortran_to_c(const npy_header* hd, const unsigned char* src, unsigned char* dst) {
  size_t es = dtype_table[hd->dtype].size;
  int32_t nd = hd->ndim;
  if (hd->numel == 0) return;
  size_t cstride[LQ_NPY_MAX_DIMS];
  int64_t idx[LQ_NPY_MAX_DIMS] = {0};
  size_t s = 1;
  for (int32_t d = nd - 1; d >= 0; d--) {
    cstride[d] = s;
    s *= (size_t)hd->dims[d];
  }
  size_t coff = 0;
  for (size_t k = 0; k < hd->numel; k++) {
    memcpy(dst + coff * es, src + k * es, es);
    /* odometer in Fortran order: dimension 0 moves fastest */
    for (int32_t d = 0; d < nd; d++) {
      idx[d]++;
      coff += cstride[d];
      if (idx[d] < hd->dims[d]) break;
      coff -= cstride[d] * (size_t)hd->dims[d];
      idx[d] = 0;
    }
  }
}

/* Builds *out from a validated header and its raw data bytes; takes
 * ownership of raw (freed on failure too). */
static lq_status adopt_array(const npy_header* hd, unsigned char* raw, lq_npy_array* out) {
  size_t es = dtype_table[hd->dtype].size;
  if (hd->swap) byteswap_elements(raw, hd->numel, es);
  if (hd->dtype == LQ_NPY_BOOL) {
    for (size_t i = 0; i < hd->numel; i++)
      if (raw[i] > 1) {
        unsigned v = raw[i];
        free(raw);
        return lq_fail(LQ_ERR_FORMAT, "npy: bool element %zu has byte value %u (not 0 or 1)", i, v);
      }
  }
  if (hd->fortran && hd->ndim > 1) {
    void* c;
    lq_status s = lq_alloc_array(hd->data_bytes, 1, "npy data", &c);
    if (s != LQ_OK) {
      free(raw);
      return s;
    }
    fortran_to_c(hd, raw, c);
    free(raw);
    raw = c;
  }
  memset(out, 0, sizeof *out);
  out->dtype = hd->dtype;
  out->ndim = hd->ndim;
  memcpy(out->dims, hd->dims, sizeof(int64_t) * (size_t)hd->ndim);
  out->numel = hd->numel;
  out->data = raw;
  out->was_fortran_order = hd->fortran;
  return LQ_OK;
}

lq_status lq_npy_read_mem(const void* buf, size_t len, lq_npy_array* out) {
  LQ_REQUIRE_PTR(out);
  if (buf == NULL && len > 0) LQ_REQUIRE_PTR(buf);
  npy_header hd;
  size_t need;
  lq_status s = parse_header(buf, len, &hd, &need);
  if (s == LQ_ERR_BUFFER_TOO_SMALL)
    return lq_fail(LQ_ERR_FORMAT, "npy: truncated header (%zu bytes, need %zu)", len, need);
  LQ_CHECK(s);
  size_t have = len - hd.data_offset;
  if (have < hd.data_bytes)
    return lq_fail(LQ_ERR_FORMAT, "npy: truncated data (%zu bytes, the header promises %zu)", have, hd.data_bytes);
  if (have > hd.data_bytes)
    return lq_fail(LQ_ERR_FORMAT, "npy: %zu unexpected bytes after the data", have - hd.data_bytes);
  unsigned char* raw;
  LQ_CHECK(lq_alloc_array(hd.data_bytes, 1, "npy data", (void**)&raw));
  if (hd.data_bytes) memcpy(raw, (const unsigned char*)buf + hd.data_offset, hd.data_bytes);
  return adopt_array(&hd, raw, out);
}

lq_status lq_npy_read_file(const char* path, lq_npy_array* out) {
  LQ_REQUIRE_PTR(path);
  LQ_REQUIRE_PTR(out);
  FILE* f = fopen(path, "rb");
  if (!f) return lq_fail(LQ_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
  lq_status s = LQ_OK;
  unsigned char* head = NULL;
  unsigned char* raw = NULL;
  size_t have = 0, need = 10;
  npy_header hd;
  /* Read the header in steps: the preamble says how long the rest is, and
   * the limit on that length bounds the allocation. */
  for (;;) {
    unsigned char* grown = realloc(head, need);
    if (!grown) {
      s = lq_fail(LQ_ERR_OUT_OF_MEMORY, "out of memory reading the npy header of '%s'", path);
      goto done;
    }
    head = grown;
    size_t want = need;
    size_t got = fread(head + have, 1, want - have, f);
    have += got;
    s = parse_header(head, have, &hd, &need);
    if (s != LQ_ERR_BUFFER_TOO_SMALL) break;
    if (have < want || need <= have) {
      if (ferror(f)) {
        s = lq_fail(LQ_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
      } else {
        s = lq_fail(LQ_ERR_FORMAT, "'%s': truncated npy header (%zu bytes, need %zu)", path, have, need);
      }
      goto done;
    }
  }
  if (s != LQ_OK) goto done;
  /* Compare with the file size before allocating what the header claims. */
  long pos = ftell(f);
  if (pos >= 0 && fseek(f, 0, SEEK_END) == 0) {
    long end = ftell(f);
    if (end >= pos && fseek(f, pos, SEEK_SET) == 0) {
      size_t rest = (size_t)(end - pos);
      if (rest < hd.data_bytes) {
        s = lq_fail(LQ_ERR_FORMAT, "'%s': truncated npy data (%zu bytes, the header promises %zu)", path, rest,
                    hd.data_bytes);
        goto done;
      }
      if (rest > hd.data_bytes) {
        s = lq_fail(LQ_ERR_FORMAT, "'%s': %zu unexpected bytes after the npy data", path, rest - hd.data_bytes);
        goto done;
      }
    }
  }
  s = lq_alloc_array(hd.data_bytes, 1, "npy data", (void**)&raw);
  if (s != LQ_OK) goto done;
  size_t got = hd.data_bytes ? fread(raw, 1, hd.data_bytes, f) : 0;
  if (got < hd.data_bytes) {
    s = ferror(f) ? lq_fail(LQ_ERR_IO, "cannot read '%s': %s", path, strerror(errno))
                  : lq_fail(LQ_ERR_FORMAT, "'%s': truncated npy data (%zu bytes, the header promises %zu)", path,
                            got, hd.data_bytes);
    goto done;
  }
  if (fgetc(f) != EOF) {
    s = lq_fail(LQ_ERR_FORMAT, "'%s': unexpected bytes after the npy data", path);
    goto done;
  }
  s = adopt_array(&hd, raw, out);
  raw = NULL;
done:
  free(head);
  free(raw);
  fclose(f);
  return s;
}

void lq_npy_free(lq_npy_array* arr) {
  if (!arr) return;
  free(arr->data);
  arr->data = NULL;
}

lq_status lq_npy_to_f32(const lq_npy_array* arr, float* dst, size_t n) {
  LQ_REQUIRE_PTR(arr);
  if (n != arr->numel) return lq_fail(LQ_ERR_INVALID_ARG, "lq_npy_to_f32: n %zu != numel %zu", n, arr->numel);
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(dst);
  if (arr->data == NULL) return lq_fail(LQ_ERR_INVALID_ARG, "lq_npy_to_f32: arr->data is NULL");
  const void* p = arr->data;
  switch (arr->dtype) {
    case LQ_NPY_F32: memcpy(dst, p, n * sizeof(float)); break;
    case LQ_NPY_F64: for (size_t i = 0; i < n; i++) dst[i] = (float)((const double*)p)[i]; break;
    case LQ_NPY_F16: return lq_convert_f16_f32(p, n, dst);
    case LQ_NPY_S8: for (size_t i = 0; i < n; i++) dst[i] = (float)((const int8_t*)p)[i]; break;
    case LQ_NPY_U8:
    case LQ_NPY_BOOL: for (size_t i = 0; i < n; i++) dst[i] = (float)((const uint8_t*)p)[i]; break;
    case LQ_NPY_S16: for (size_t i = 0; i < n; i++) dst[i] = (float)((const int16_t*)p)[i]; break;
    case LQ_NPY_U16: for (size_t i = 0; i < n; i++) dst[i] = (float)((const uint16_t*)p)[i]; break;
    case LQ_NPY_S32: for (size_t i = 0; i < n; i++) dst[i] = (float)((const int32_t*)p)[i]; break;
    case LQ_NPY_U32: for (size_t i = 0; i < n; i++) dst[i] = (float)((const uint32_t*)p)[i]; break;
    case LQ_NPY_S64: for (size_t i = 0; i < n; i++) dst[i] = (float)((const int64_t*)p)[i]; break;
    case LQ_NPY_U64: for (size_t i = 0; i < n; i++) dst[i] = (float)((const uint64_t*)p)[i]; break;
    default: return lq_fail(LQ_ERR_INVALID_ARG, "lq_npy_to_f32: bad dtype %d", (int)arr->dtype);
  }
  return LQ_OK;
}

/* ---------------------------------------------------------------- write -- */

static const char* descr_of(lq_npy_dtype t) {
  static const char* const le[LQ_NPY_DTYPE_COUNT_] = {"<f4", "<f8", "<f2", "|i1", "|u1", "<i2",
                                                      "<u2", "<i4", "<u4", "<i8", "<u8", "|b1"};
  return le[t];
}

lq_status lq_npy_encode(lq_npy_dtype dtype, int32_t ndim, const int64_t* dims, const void* data, void* buf,
                        size_t cap, size_t* len_out) {
  LQ_REQUIRE_PTR(len_out);
  if ((unsigned)dtype >= LQ_NPY_DTYPE_COUNT_) return lq_fail(LQ_ERR_INVALID_ARG, "npy: bad dtype %d", (int)dtype);
  if (ndim < 0 || ndim > LQ_NPY_MAX_DIMS)
    return lq_fail(LQ_ERR_INVALID_ARG, "npy: ndim %d outside [0, %d]", (int)ndim, LQ_NPY_MAX_DIMS);
  if (ndim > 0) LQ_REQUIRE_PTR(dims);
  size_t numel = 1;
  for (int32_t d = 0; d < ndim; d++) {
    if (dims[d] < 0) return lq_fail(LQ_ERR_INVALID_ARG, "npy: dims[%d] = %lld is negative", (int)d, (long long)dims[d]);
    if ((uint64_t)dims[d] > SIZE_MAX || lq_mul_overflows(numel, (size_t)dims[d], &numel))
      return lq_fail(LQ_ERR_OVERFLOW, "npy: element count overflows size_t");
  }
  size_t es = dtype_table[dtype].size, data_bytes;
  if (lq_mul_overflows(numel, es, &data_bytes)) return lq_fail(LQ_ERR_OVERFLOW, "npy: data size overflows size_t");
  if (data_bytes > 0 && data == NULL) LQ_REQUIRE_PTR(data);

  /* The dict exactly as numpy 1.24 prints it (keys sorted, trailing ", "),
   * then spaces so the first axis can grow, then padding and '\n'. */
  char text[64 + LQ_NPY_MAX_DIMS * 24 + NPY_GROWTH_DIGITS];
  int w = snprintf(text, sizeof text, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr_of(dtype));
  for (int32_t d = 0; d < ndim; d++)
    w += snprintf(text + w, sizeof text - (size_t)w, "%s%lld", d ? ", " : "", (long long)dims[d]);
  w += snprintf(text + w, sizeof text - (size_t)w, "%s), }", ndim == 1 ? "," : "");
  if (ndim > 0) {
    char first[24];
    int fl = snprintf(first, sizeof first, "%lld", (long long)dims[0]);
    for (int i = fl; i < NPY_GROWTH_DIGITS; i++) text[w++] = ' ';
  }
  size_t hlen = (size_t)w + 1; /* + '\n' */
  size_t prefix = 10;
  size_t pad = NPY_ALIGN - (prefix + hlen) % NPY_ALIGN;
  if (hlen + pad > 65535) {
    prefix = 12;
    pad = NPY_ALIGN - (prefix + hlen) % NPY_ALIGN;
  }
  size_t total = prefix + hlen + pad;
  if (lq_add_overflows(total, data_bytes, &total)) return lq_fail(LQ_ERR_OVERFLOW, "npy: file size overflows size_t");
  *len_out = total;
  if (buf == NULL) return LQ_OK;
  if (cap < total)
    return lq_fail(LQ_ERR_BUFFER_TOO_SMALL, "npy: buffer of %zu bytes, need %zu", cap, total);
  unsigned char* o = buf;
  memcpy(o, NPY_MAGIC, NPY_MAGIC_LEN);
  uint32_t field = (uint32_t)(hlen + pad);
  o[6] = prefix == 10 ? 1 : 2;
  o[7] = 0;
  o[8] = (unsigned char)(field & 0xff);
  o[9] = (unsigned char)(field >> 8 & 0xff);
  if (prefix == 12) {
    o[10] = (unsigned char)(field >> 16 & 0xff);
    o[11] = (unsigned char)(field >> 24 & 0xff);
  }
  memcpy(o + prefix, text, (size_t)w);
  memset(o + prefix + (size_t)w, ' ', pad);
  o[prefix + (size_t)w + pad] = '\n';
  unsigned char* d = o + prefix + hlen + pad;
  if (data_bytes) {
    memcpy(d, data, data_bytes);
    if (!host_is_little_endian()) byteswap_elements(d, numel, es);
  }
  return LQ_OK;
}

lq_status lq_npy_write_file(const char* path, lq_npy_dtype dtype, int32_t ndim, const int64_t* dims,
                            const void* data) {
  LQ_REQUIRE_PTR(path);
  size_t len;
  LQ_CHECK(lq_npy_encode(dtype, ndim, dims, data, NULL, 0, &len));
  void* buf;
  LQ_CHECK(lq_alloc_array(len, 1, "npy file", &buf));
  lq_status s = lq_npy_encode(dtype, ndim, dims, data, buf, len, &len);
  if (s == LQ_OK) s = lq_file_write_atomic(path, buf, len);
  free(buf);
  return s;
}
