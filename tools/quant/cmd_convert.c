/* quant convert: a model file (safetensors, GGUF or .npy) to GGUF or
 * safetensors, quantizing tensor by tensor with any scheme spec. Streaming:
 * the output header is computed from the sizes the schemes promise, written
 * first, then each tensor is converted, written and freed, so memory stays
 * near one tensor (the input is memory-mapped). docs/llmio.md. */
#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define QMETA_PREFIX "libquant.quant." /* safetensors metadata describing a quantized tensor */
#define GGUF_KV_PREFIX "gguf:"         /* safetensors metadata holding one GGUF KV (hex) */
#define SOURCE_PREFIX "general.source."

void usage_convert(FILE* out) {
  fprintf(out,
          "usage: quant convert IN.(safetensors|gguf|npy) -o OUT.(gguf|safetensors) --scheme SPEC\n"
          "                     [--include GLOB]... [--exclude GLOB]... [--keep-f16 GLOB]...\n"
          "                     [--shard I/N] [--arch NAME]\n"
          "  Quantizes every float tensor with 2 or more dimensions whose name matches an\n"
          "  --include glob (default: all) and no --exclude glob, with SPEC (any scheme of\n"
          "  `quant list`; `none` converts the container only). --keep-f16 tensors are\n"
          "  stored as F16 instead. Tensors the scheme cannot take (row length not a\n"
          "  multiple of its block) and all others keep their dtype. Tensors that are\n"
          "  already quantized are copied byte for byte.\n"
          "  GGUF output: ggml schemes (q4_0 q4_1 q5_0 q5_1 q8_0 q2_k..q6_k iq4_nl) become\n"
          "  native GGUF tensor types; other schemes are refused (exit 2).\n"
          "  safetensors output: llm-module schemes store their packed bytes as a U8\n"
          "  tensor, other schemes the dequantized values as F32; each is described by\n"
          "  the metadata entry \"" QMETA_PREFIX "NAME\" = \"scheme=SPEC;shape=D0,D1,..\".\n"
          "  --shard I/N writes only shard I (1-based) of N: tensors in input order are\n"
          "  cut into N contiguous runs of about equal input bytes; each shard is a\n"
          "  complete file (GGUF shards carry split.no/split.count/split.tensors.count).\n"
          "  Progress on stderr when it is a terminal; a summary table on stdout (bits\n"
          "  per weight as stored, RMSE and SQNR against the input). The output is\n"
          "  written atomically and never replaces the input. --type T is an alias of\n"
          "  --scheme T. Exit 2 for bad input or an unrepresentable combination.\n");
}

/* ------------------------------------------------------------ tensors -- */

typedef enum { SRC_GGUF, SRC_NPY, SRC_ST } src_format;
typedef enum { K_FLOAT, K_INT, K_QUANT } src_kind;
typedef enum { A_KEEP, A_QUANT, A_DEQ, A_F16, A_COPY } action;

typedef struct ctensor {
  const char* name;
  int32_t ndim;
  int64_t shape[LQ_ST_MAX_DIMS]; /* C order (logical shape for quantized inputs) */
  uint64_t numel;
  src_kind kind;
  lq_st_tensor view;   /* K_FLOAT/K_INT: dtype, numel, data (for lq_st_to_f32) */
  const void* raw;     /* the input bytes */
  uint64_t raw_bytes;
  uint32_t ggml_type;  /* K_QUANT: ggml id, UINT32_MAX when it is not a ggml type */
  const char* qmeta;   /* K_QUANT from safetensors: its metadata value */
  const char* from;    /* dtype label for the table */
  int in_shard;
  action act;
  uint32_t out_ggml;
  lq_st_dtype out_st;
  uint64_t out_bytes;
  char* meta;          /* safetensors output: the QMETA value, or NULL */
  char* note;          /* why a selected tensor was kept */
  double sse, sxx;
  int measured;
} ctensor;

typedef struct conv {
  src_format fmt;
  lq_st_file* st;
  lq_gguf* gg;
  cli_tensor npy;
  char npy_name[LQ_GGUF_MAX_NAME + 1];
  ctensor* t;
  size_t nt;
  int out_gguf;
  lq_scheme* scheme;      /* NULL for --scheme none */
  const char* spec;
  int scheme_packed;      /* encoded bytes are self-contained (llm module) */
  lq_ggml_type scheme_ggml;
  int scheme_is_ggml;
  const char **inc, **exc, **keep;
  size_t ninc, nexc, nkeep;
  size_t shard_i, shard_n;
  const char* arch;
  int arch_given;
  /* Tensor-sized scratch kept across tensors: a fresh malloc per tensor
   * returned the pages to the kernel and faulted them in again every time
   * (most of convert's system time). */
  float *x, *y;
  void* buf;
  size_t x_cap, y_cap, buf_cap;
} conv;

/* Makes *p hold at least `bytes` bytes (contents not kept); 0 on OOM. */
static int scratch(void** p, size_t* cap, size_t bytes) {
  if (bytes == 0) bytes = 1;
  if (*p && *cap >= bytes) return 1;
  free(*p);
  *p = malloc(bytes);
  *cap = *p ? bytes : 0;
  return *p != NULL;
}

static int any_match(const char* const* globs, size_t n, const char* name) {
  for (size_t i = 0; i < n; i++)
    if (fnmatch(globs[i], name, 0) == 0) return 1;
  return 0;
}

static int is_float_dtype(lq_st_dtype d) {
  return d == LQ_ST_F64 || d == LQ_ST_F32 || d == LQ_ST_F16 || d == LQ_ST_BF16 || d == LQ_ST_F8_E4M3 ||
         d == LQ_ST_F8_E5M2;
}

/* ggml id <-> safetensors dtype for the plain types both containers hold. */
static int ggml_of_st(lq_st_dtype d, uint32_t* g) {
  switch (d) {
    case LQ_ST_F32: *g = 0; return 1;
    case LQ_ST_F16: *g = 1; return 1;
    case LQ_ST_BF16: *g = 30; return 1;
    case LQ_ST_F64: *g = 28; return 1;
    case LQ_ST_I8: *g = 24; return 1;
    case LQ_ST_I16: *g = 25; return 1;
    case LQ_ST_I32: *g = 26; return 1;
    case LQ_ST_I64: *g = 27; return 1;
    default: return 0;
  }
}

static int st_of_ggml(uint32_t g, lq_st_dtype* d) {
  switch (g) {
    case 0: *d = LQ_ST_F32; return 1;
    case 1: *d = LQ_ST_F16; return 1;
    case 30: *d = LQ_ST_BF16; return 1;
    case 28: *d = LQ_ST_F64; return 1;
    case 24: *d = LQ_ST_I8; return 1;
    case 25: *d = LQ_ST_I16; return 1;
    case 26: *d = LQ_ST_I32; return 1;
    case 27: *d = LQ_ST_I64; return 1;
    default: return 0;
  }
}

/* llama_ftype of a uniformly quantized file (the _S variants for K-quants). */
static uint32_t ftype_of(lq_ggml_type t) {
  switch (t) {
    case LQ_GGML_Q4_0: return 2;
    case LQ_GGML_Q4_1: return 3;
    case LQ_GGML_Q8_0: return 7;
    case LQ_GGML_Q5_0: return 8;
    case LQ_GGML_Q5_1: return 9;
    case LQ_GGML_Q2_K: return 10;
    case LQ_GGML_Q3_K: return 11;
    case LQ_GGML_Q4_K: return 14;
    case LQ_GGML_Q5_K: return 16;
    case LQ_GGML_Q6_K: return 18;
    case LQ_GGML_IQ4_NL: return 25;
  }
  return 0;
}

static char* str_dup(const char* s) {
  size_t n = strlen(s) + 1;
  char* d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

static char* shape_meta(const char* head, const ctensor* t) {
  char buf[512];
  int k = snprintf(buf, sizeof buf, "%s;shape=", head);
  for (int32_t d = 0; d < t->ndim && k > 0 && (size_t)k < sizeof buf; d++)
    k += snprintf(buf + k, sizeof buf - (size_t)k, "%s%lld", d ? "," : "", (long long)t->shape[d]);
  return str_dup(buf);
}

/* Parses "scheme=SPEC;ggml_type=ID;storage=..;shape=D0,D1" (any order, the
 * scheme's value may hold '=' but not ';'). Fills the logical shape and the
 * ggml type (from ggml_type= or a ggml scheme name). 0 ok, -1 malformed,
 * 1 dequantized storage (an ordinary float tensor). */
static int parse_qmeta(const char* v, ctensor* t) {
  char buf[1024];
  if (strlen(v) >= sizeof buf) return -1;
  memcpy(buf, v, strlen(v) + 1);
  int have_shape = 0, deq = 0;
  t->ggml_type = UINT32_MAX;
  for (char* item = strtok(buf, ";"); item; item = strtok(NULL, ";")) {
    char* eq = strchr(item, '=');
    if (!eq) return -1;
    *eq = '\0';
    const char* val = eq + 1;
    if (strcmp(item, "scheme") == 0) {
      char fam[32];
      size_t n = strcspn(val, ":");
      lq_ggml_type g;
      if (n < sizeof fam) {
        memcpy(fam, val, n);
        fam[n] = '\0';
        if (lq_ggml_type_from_name(fam, &g) == LQ_OK) t->ggml_type = (uint32_t)g;
      }
    } else if (strcmp(item, "ggml_type") == 0) {
      char* end;
      unsigned long g = strtoul(val, &end, 10);
      if (*end || end == val || lq_ggml_type_size((uint32_t)g, NULL, NULL, NULL) != LQ_OK) return -1;
      t->ggml_type = (uint32_t)g;
    } else if (strcmp(item, "storage") == 0) {
      if (strcmp(val, "dequantized") != 0) return -1;
      deq = 1;
    } else if (strcmp(item, "shape") == 0) {
      have_shape = 1;
      t->ndim = 0;
      uint64_t numel = 1;
      const char* p = val;
      while (*p) {
        char* end;
        if (t->ndim >= LQ_ST_MAX_DIMS || *p < '0' || *p > '9') return -1;
        unsigned long long d = strtoull(p, &end, 10);
        if (d > (1ull << 40) || (d && numel > UINT64_MAX / d)) return -1;
        numel *= d;
        t->shape[t->ndim++] = (int64_t)d;
        p = end;
        if (*p == ',') p++;
        else if (*p) return -1;
      }
      t->numel = numel;
    } else {
      return -1;
    }
  }
  if (deq) return 1;
  return have_shape ? 0 : -1;
}

static const char* find_meta(const lq_st_file* f, const char* key) {
  for (size_t i = 0; i < lq_st_meta_count(f); i++)
    if (strcmp(lq_st_meta_at(f, i)->key, key) == 0) return lq_st_meta_at(f, i)->value;
  return NULL;
}

/* 0 gguf, 1 npy, 2 safetensors (anything else: the safetensors reader explains) */
static src_format sniff(const char* path) {
  unsigned char m[6] = {0};
  FILE* f = fopen(path, "rb");
  if (!f) return SRC_ST;
  size_t n = fread(m, 1, sizeof m, f);
  fclose(f);
  if (n >= 4 && memcmp(m, "GGUF", 4) == 0) return SRC_GGUF;
  if (n >= 6 && memcmp(m, "\x93NUMPY", 6) == 0) return SRC_NPY;
  return SRC_ST;
}

static int load_input(conv* c, const char* in) {
  c->fmt = sniff(in);
  lq_status s;
  if (c->fmt == SRC_ST) {
    if ((s = lq_st_open(in, &c->st)) != LQ_OK) return cli_lib_error(in, s);
    c->nt = lq_st_tensor_count(c->st);
  } else if (c->fmt == SRC_GGUF) {
    if ((s = lq_gguf_open(in, &c->gg)) != LQ_OK) return cli_lib_error(in, s);
    c->nt = lq_gguf_tensor_count(c->gg);
  } else {
    int rc = cli_load_npy_f32(in, &c->npy);
    if (rc) return rc;
    c->nt = 1;
  }
  c->t = calloc(c->nt ? c->nt : 1, sizeof *c->t);
  if (!c->t) return cli_fail("convert: out of memory");
  for (size_t i = 0; i < c->nt; i++) {
    ctensor* t = &c->t[i];
    if (c->fmt == SRC_ST) {
      const lq_st_tensor* st = lq_st_tensor_at(c->st, i);
      t->name = st->name;
      t->ndim = st->ndim;
      memcpy(t->shape, st->shape, sizeof t->shape);
      t->numel = st->numel;
      t->raw = st->data;
      t->raw_bytes = st->end - st->begin;
      t->view = *st;
      t->from = lq_st_dtype_name(st->dtype);
      t->kind = is_float_dtype(st->dtype) ? K_FLOAT : K_INT;
      char key[600];
      snprintf(key, sizeof key, "%s%s", QMETA_PREFIX, st->name);
      const char* qm = find_meta(c->st, key);
      if (qm) {
        int r = parse_qmeta(qm, t);
        if (r < 0 || (r == 0 && (st->dtype != LQ_ST_U8 || st->ndim != 1)))
          return cli_usage_error("convert: %s: tensor '%s': malformed metadata %s = \"%s\"", in, st->name, key, qm);
        if (r == 0) {
          t->kind = K_QUANT;
          t->qmeta = qm;
          t->from = "packed";
        } else { /* dequantized storage: the float tensor as stored */
          t->ndim = st->ndim;
          memcpy(t->shape, st->shape, sizeof t->shape);
          t->numel = st->numel;
        }
      }
    } else if (c->fmt == SRC_GGUF) {
      const lq_gguf_tensor* g = lq_gguf_tensor_at(c->gg, i);
      t->name = g->name;
      t->ndim = (int32_t)g->n_dims;
      t->numel = 1;
      for (uint32_t d = 0; d < g->n_dims; d++) {
        t->shape[d] = (int64_t)g->ne[g->n_dims - 1 - d];
        t->numel *= g->ne[d];
      }
      t->raw = g->data;
      t->raw_bytes = g->nbytes;
      lq_ggml_type_size(g->type, NULL, NULL, &t->from);
      lq_st_dtype d;
      if (st_of_ggml(g->type, &d)) {
        t->kind = is_float_dtype(d) ? K_FLOAT : K_INT;
        t->view.name = g->name;
        t->view.dtype = d;
        t->view.numel = t->numel;
        t->view.data = g->data;
      } else {
        t->kind = K_QUANT;
        t->ggml_type = g->type;
      }
    } else {
      t->name = c->npy_name;
      t->ndim = c->npy.shape.ndim;
      for (int32_t d = 0; d < t->ndim; d++) t->shape[d] = c->npy.shape.dims[d];
      t->numel = c->npy.n;
      t->kind = K_FLOAT;
      t->view.name = c->npy_name;
      t->view.dtype = LQ_ST_F32;
      t->view.numel = c->npy.n;
      t->view.data = c->npy.x;
      t->raw = c->npy.x;
      t->raw_bytes = c->npy.n * sizeof(float);
      t->from = lq_npy_dtype_name(c->npy.file_dtype);
    }
  }
  return 0;
}

/* Contiguous runs of about equal input bytes: tensor k goes to the shard
 * holding the midpoint of its byte range (by count when all are empty). */
static void assign_shards(conv* c) {
  double total = 0, before = 0;
  for (size_t i = 0; i < c->nt; i++) total += (double)c->t[i].raw_bytes;
  for (size_t i = 0; i < c->nt; i++) {
    double mid = total > 0 ? (before + 0.5 * (double)c->t[i].raw_bytes) / total : ((double)i + 0.5) / (double)c->nt;
    size_t s = (size_t)(mid * (double)c->shard_n);
    if (s >= c->shard_n) s = c->shard_n - 1;
    c->t[i].in_shard = s + 1 == c->shard_i;
    before += (double)c->t[i].raw_bytes;
  }
}

static int plan_tensor(conv* c, ctensor* t) {
  t->act = A_KEEP;
  if (t->kind == K_QUANT) {
    t->act = A_COPY;
    t->out_bytes = t->raw_bytes;
    if (c->out_gguf) {
      if (t->ggml_type == UINT32_MAX)
        return cli_usage_error("convert: tensor '%s' is stored as \"%s\", which has no GGUF tensor type (write .safetensors)",
                               t->name, t->qmeta ? t->qmeta : "?");
      t->out_ggml = t->ggml_type;
    } else {
      t->out_st = LQ_ST_U8;
      if (t->qmeta) t->meta = str_dup(t->qmeta);
      else {
        char head[64];
        lq_ggml_traits tr;
        if (lq_ggml_type_traits((lq_ggml_type)t->ggml_type, &tr) == LQ_OK) {
          size_t k = (size_t)snprintf(head, sizeof head, "scheme=%s", tr.name);
          for (size_t j = 0; j < k; j++) head[j] = (char)(head[j] >= 'A' && head[j] <= 'Z' ? head[j] + 32 : head[j]);
        } else {
          snprintf(head, sizeof head, "ggml_type=%u", (unsigned)t->ggml_type);
        }
        t->meta = shape_meta(head, t);
      }
      if (!t->meta) return cli_fail("convert: out of memory");
    }
    return 0;
  }
  if (t->kind == K_FLOAT && any_match(c->keep, c->nkeep, t->name)) {
    t->act = A_F16;
  } else if (t->kind == K_FLOAT && c->scheme && t->ndim >= 2 && (c->ninc == 0 || any_match(c->inc, c->ninc, t->name)) &&
             !any_match(c->exc, c->nexc, t->name)) {
    lq_shape sh = {0};
    sh.ndim = t->ndim;
    for (int32_t d = 0; d < t->ndim; d++) sh.dims[d] = t->shape[d];
    size_t bytes = 0;
    lq_status s = t->numel ? lq_scheme_encoded_size(c->scheme, &sh, &bytes) : LQ_ERR_INVALID_ARG;
    if (!c->scheme_packed && t->numel) { /* dequantized storage; the roundtrip checks the shape */
      t->act = A_DEQ;
      t->out_bytes = t->numel * sizeof(float);
    } else if (s == LQ_OK) {
      t->act = A_QUANT;
      t->out_bytes = bytes;
    } else {
      t->note = str_dup(t->numel ? lq_last_error() : "empty tensor");
      if (!t->note) return cli_fail("convert: out of memory");
    }
  }
  if (t->act == A_QUANT) {
    if (c->out_gguf) t->out_ggml = (uint32_t)c->scheme_ggml;
    else {
      t->out_st = LQ_ST_U8;
      char head[600];
      snprintf(head, sizeof head, "scheme=%s", c->spec);
      if (!(t->meta = shape_meta(head, t))) return cli_fail("convert: out of memory");
    }
    return 0;
  }
  if (t->act == A_DEQ) {
    t->out_st = LQ_ST_F32;
    char head[600];
    snprintf(head, sizeof head, "scheme=%s;storage=dequantized", c->spec);
    if (!(t->meta = shape_meta(head, t))) return cli_fail("convert: out of memory");
    return 0;
  }
  if (t->act == A_F16) {
    t->out_ggml = 1;
    t->out_st = LQ_ST_F16;
    t->out_bytes = 2 * t->numel;
    return 0;
  }
  /* keep: the same dtype; GGUF has no U8/BOOL/F8 tensors, those become F32 */
  t->out_st = t->view.dtype;
  t->out_bytes = t->raw_bytes;
  if (c->out_gguf && !ggml_of_st(t->view.dtype, &t->out_ggml)) {
    t->out_ggml = 0;
    t->out_bytes = 4 * t->numel;
  }
  return 0;
}

/* ------------------------------------------------------------ metadata -- */

static char* hex_kv(const lq_gguf_value* v) {
  size_t n = 16 + (size_t)v->len;
  char* h = malloc(2 * n + 1);
  if (!h) return NULL;
  unsigned char head[16];
  uint32_t ty = (uint32_t)v->type, et = (uint32_t)v->elem_type;
  uint64_t cnt = v->count;
  for (int i = 0; i < 4; i++) head[i] = (unsigned char)(ty >> (8 * i));
  for (int i = 0; i < 4; i++) head[4 + i] = (unsigned char)(et >> (8 * i));
  for (int i = 0; i < 8; i++) head[8 + i] = (unsigned char)(cnt >> (8 * i));
  static const char dig[] = "0123456789abcdef";
  const unsigned char* d = v->data;
  for (size_t i = 0; i < n; i++) {
    unsigned char b = i < 16 ? head[i] : d[i - 16];
    h[2 * i] = dig[b >> 4];
    h[2 * i + 1] = dig[b & 15];
  }
  h[2 * n] = '\0';
  return h;
}

static int hexval(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  return -1;
}

/* Decodes hex_kv's text into *v (bytes in *buf, caller frees); -1 malformed. */
static int unhex_kv(const char* h, lq_gguf_value* v, unsigned char** buf) {
  size_t hl = strlen(h);
  if (hl % 2 || hl < 32) return -1;
  size_t n = hl / 2;
  unsigned char* b = malloc(n);
  if (!b) return -1;
  for (size_t i = 0; i < n; i++) {
    int hi = hexval(h[2 * i]), lo = hexval(h[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      free(b);
      return -1;
    }
    b[i] = (unsigned char)(hi << 4 | lo);
  }
  uint32_t ty = 0, et = 0;
  uint64_t cnt = 0;
  for (int i = 0; i < 4; i++) ty |= (uint32_t)b[i] << (8 * i);
  for (int i = 0; i < 4; i++) et |= (uint32_t)b[4 + i] << (8 * i);
  for (int i = 0; i < 8; i++) cnt |= (uint64_t)b[8 + i] << (8 * i);
  if (ty >= LQ_GGUF_TYPE_COUNT_ || et >= LQ_GGUF_TYPE_COUNT_) {
    free(b);
    return -1;
  }
  v->type = (lq_gguf_type)ty;
  v->elem_type = (lq_gguf_type)et;
  v->count = cnt;
  v->data = b + 16;
  v->len = n - 16;
  *buf = b;
  return 0;
}

typedef struct kvstate {
  int has_arch, has_qv, has_ft;
  uint32_t ftype; /* 0: leave general.file_type as it is */
  int quantized;
} kvstate;

/* One KV into the GGUF writer, replacing general.file_type when this run
 * quantized with a ggml scheme and general.architecture when --arch was given. */
static lq_status put_kv(conv* c, lq_gguf_writer* w, kvstate* ks, const char* key, const lq_gguf_value* v) {
  if (strncmp(key, "split.", 6) == 0) return LQ_OK; /* shard keys are rewritten */
  if (strcmp(key, "general.architecture") == 0) {
    ks->has_arch = 1;
    if (c->arch_given) return lq_gguf_writer_set_string(w, key, c->arch);
  }
  if (strcmp(key, "general.quantization_version") == 0) ks->has_qv = 1;
  if (strcmp(key, "general.file_type") == 0) {
    ks->has_ft = 1;
    if (ks->ftype) return lq_gguf_writer_set_uint(w, key, LQ_GGUF_UINT32, ks->ftype);
  }
  return lq_gguf_writer_set_kv(w, key, v);
}

static int gguf_metadata(conv* c, lq_gguf_writer* w) {
  /* Quantization keys only when this run quantizes: a pure container
   * conversion keeps the KVs exactly (byte-identical round trips). */
  kvstate ks = {0};
  for (size_t i = 0; i < c->nt; i++) ks.quantized |= c->t[i].in_shard && c->t[i].act == A_QUANT;
  if (ks.quantized && c->scheme_is_ggml) ks.ftype = ftype_of(c->scheme_ggml);
  lq_status s = LQ_OK;
  int from_kvs = 0;
  if (c->gg) {
    from_kvs = 1;
    for (size_t i = 0; s == LQ_OK && i < lq_gguf_kv_count(c->gg); i++) {
      const lq_gguf_kv* kv = lq_gguf_kv_at(c->gg, i);
      s = put_kv(c, w, &ks, kv->key, &kv->value);
    }
  } else if (c->st) {
    for (size_t i = 0; s == LQ_OK && i < lq_st_meta_count(c->st); i++) {
      const lq_st_meta* m = lq_st_meta_at(c->st, i);
      if (strncmp(m->key, GGUF_KV_PREFIX, strlen(GGUF_KV_PREFIX)) != 0) continue;
      from_kvs = 1;
      lq_gguf_value v;
      unsigned char* buf;
      if (unhex_kv(m->value, &v, &buf) != 0)
        return cli_usage_error("convert: malformed metadata '%s' (expected the hex of a GGUF value)", m->key);
      s = put_kv(c, w, &ks, m->key + strlen(GGUF_KV_PREFIX), &v);
      free(buf);
    }
  }
  if (!from_kvs) { /* a fresh GGUF: the keys llama.cpp requires first */
    s = lq_gguf_writer_set_string(w, "general.architecture", c->arch);
    ks.has_arch = 1;
  }
  if (s == LQ_OK && !ks.has_arch) s = lq_gguf_writer_set_string(w, "general.architecture", c->arch);
  if (s == LQ_OK && ks.quantized && !ks.has_qv) s = lq_gguf_writer_set_uint(w, "general.quantization_version", LQ_GGUF_UINT32, 2);
  if (s == LQ_OK && ks.ftype && !ks.has_ft) s = lq_gguf_writer_set_uint(w, "general.file_type", LQ_GGUF_UINT32, ks.ftype);
  for (size_t i = 0; s == LQ_OK && c->st && i < lq_st_meta_count(c->st); i++) {
    const lq_st_meta* m = lq_st_meta_at(c->st, i);
    if (strncmp(m->key, GGUF_KV_PREFIX, strlen(GGUF_KV_PREFIX)) == 0 ||
        strncmp(m->key, QMETA_PREFIX, strlen(QMETA_PREFIX)) == 0 || strcmp(m->key, "libquant.shard") == 0)
      continue;
    char key[LQ_GGUF_MAX_KEY + 1];
    if (strlen(m->key) > LQ_GGUF_MAX_KEY - strlen(SOURCE_PREFIX)) return cli_usage_error("convert: metadata key too long");
    snprintf(key, sizeof key, "%s%s", SOURCE_PREFIX, m->key);
    s = lq_gguf_writer_set_string(w, key, m->value);
  }
  if (s == LQ_OK && c->shard_n > 1) {
    size_t total = c->nt;
    s = lq_gguf_writer_set_uint(w, "split.no", LQ_GGUF_UINT16, c->shard_i - 1);
    if (s == LQ_OK) s = lq_gguf_writer_set_uint(w, "split.count", LQ_GGUF_UINT16, c->shard_n);
    if (s == LQ_OK) s = lq_gguf_writer_set_int(w, "split.tensors.count", LQ_GGUF_INT32, (int64_t)total);
  }
  return s == LQ_OK ? 0 : cli_lib_error("convert", s);
}

static int st_metadata(conv* c, lq_st_writer* w) {
  lq_status s = LQ_OK;
  if (c->st) {
    for (size_t i = 0; s == LQ_OK && i < lq_st_meta_count(c->st); i++) {
      const lq_st_meta* m = lq_st_meta_at(c->st, i);
      if (strncmp(m->key, QMETA_PREFIX, strlen(QMETA_PREFIX)) == 0 || strcmp(m->key, "libquant.shard") == 0) continue;
      s = lq_st_writer_set_meta(w, m->key, m->value);
    }
  } else if (c->gg) {
    for (size_t i = 0; s == LQ_OK && i < lq_gguf_kv_count(c->gg); i++) {
      const lq_gguf_kv* kv = lq_gguf_kv_at(c->gg, i);
      if (strncmp(kv->key, "split.", 6) == 0) continue;
      char* h = hex_kv(&kv->value);
      size_t kl = strlen(kv->key);
      char* key = malloc(kl + sizeof GGUF_KV_PREFIX);
      if (!h || !key) {
        free(h);
        free(key);
        return cli_fail("convert: out of memory");
      }
      memcpy(key, GGUF_KV_PREFIX, sizeof GGUF_KV_PREFIX - 1);
      memcpy(key + sizeof GGUF_KV_PREFIX - 1, kv->key, kl + 1);
      s = lq_st_writer_set_meta(w, key, h);
      free(h);
      free(key);
    }
  }
  for (size_t i = 0; s == LQ_OK && i < c->nt; i++) {
    if (!c->t[i].in_shard || !c->t[i].meta) continue;
    char key[600];
    snprintf(key, sizeof key, "%s%s", QMETA_PREFIX, c->t[i].name);
    s = lq_st_writer_set_meta(w, key, c->t[i].meta);
  }
  if (s == LQ_OK && c->shard_n > 1) {
    char v[64];
    snprintf(v, sizeof v, "%zu/%zu", c->shard_i, c->shard_n);
    s = lq_st_writer_set_meta(w, "libquant.shard", v);
  }
  return s == LQ_OK ? 0 : cli_lib_error("convert", s);
}

/* ------------------------------------------------------------ convert -- */

static void progress(size_t done, size_t total, const char* name) {
  if (!isatty(fileno(stderr))) return;
  int width = 30, fill = total ? (int)((double)done / (double)total * width) : width;
  char bar[32];
  for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
  bar[width] = '\0';
  fprintf(stderr, "\r\033[K[%s] %3d%% %.40s", bar, total ? (int)(100.0 * (double)done / (double)total) : 100, name);
  fflush(stderr);
}

typedef struct sink {
  lq_gguf_writer* gw;
  lq_st_writer* sw;
} sink;

static lq_status put(sink* o, const void* p, size_t n) {
  return o->gw ? lq_gguf_writer_put(o->gw, p, n) : lq_st_writer_put(o->sw, p, n);
}

/* Converts one tensor and writes its bytes; at most three tensor-sized
 * buffers live at once. */
static int write_tensor(conv* c, sink* o, ctensor* t) {
  if (t->act == A_COPY || (t->act == A_KEEP && t->out_bytes == t->raw_bytes)) {
    lq_status s = put(o, t->raw, (size_t)t->raw_bytes);
    return s == LQ_OK ? 0 : cli_lib_error("convert", s);
  }
  size_t n = (size_t)t->numel;
  float* x = scratch((void**)&c->x, &c->x_cap, n * sizeof *x) ? c->x : NULL;
  void* buf = NULL;
  float* y = NULL;
  int rc = 0;
  lq_status s = x ? lq_st_to_f32(&t->view, x, n) : LQ_ERR_OUT_OF_MEMORY;
  if (s == LQ_OK && t->act == A_KEEP) s = put(o, x, n * sizeof *x); /* to F32 (GGUF has no U8/BOOL/F8) */
  else if (s == LQ_OK && t->act == A_F16) {
    buf = scratch(&c->buf, &c->buf_cap, n * 2) ? c->buf : NULL;
    s = buf ? lq_convert_f32_f16(x, n, buf) : LQ_ERR_OUT_OF_MEMORY;
    if (s == LQ_OK) s = put(o, buf, 2 * n);
  } else if (s == LQ_OK) {
    lq_shape sh = {0};
    sh.ndim = t->ndim;
    for (int32_t d = 0; d < t->ndim; d++) sh.dims[d] = t->shape[d];
    y = scratch((void**)&c->y, &c->y_cap, n * sizeof *y) ? c->y : NULL;
    if (!y) s = LQ_ERR_OUT_OF_MEMORY;
    else if (t->act == A_DEQ) {
      s = lq_scheme_roundtrip(c->scheme, &sh, x, y, NULL);
      if (s == LQ_OK) s = put(o, y, n * sizeof *y);
    } else {
      buf = scratch(&c->buf, &c->buf_cap, (size_t)t->out_bytes) ? c->buf : NULL;
      if (!buf) s = LQ_ERR_OUT_OF_MEMORY;
      if (s == LQ_OK) s = lq_scheme_calibrate(c->scheme, &sh, x);
      if (s == LQ_OK) s = lq_scheme_encode(c->scheme, &sh, x, buf, (size_t)t->out_bytes);
      if (s == LQ_OK) s = lq_scheme_decode(c->scheme, &sh, buf, (size_t)t->out_bytes, y);
      if (s == LQ_OK) s = put(o, buf, (size_t)t->out_bytes);
    }
    if (s == LQ_OK) {
      /* Four partial sums: one serial chain of double adds was the
       * largest user-time item after the dtype conversion. */
      double sse[4] = {0, 0, 0, 0}, sxx[4] = {0, 0, 0, 0};
      size_t i = 0;
      for (; i + 4 <= n; i += 4)
        for (int k = 0; k < 4; k++) {
          double e = (double)x[i + k] - (double)y[i + k];
          sse[k] += e * e;
          sxx[k] += (double)x[i + k] * x[i + k];
        }
      for (; i < n; i++) {
        double e = (double)x[i] - (double)y[i];
        sse[0] += e * e;
        sxx[0] += (double)x[i] * x[i];
      }
      t->sse = (sse[0] + sse[1]) + (sse[2] + sse[3]);
      t->sxx = (sxx[0] + sxx[1]) + (sxx[2] + sxx[3]);
      t->measured = 1;
    }
  }
  if (s == LQ_ERR_OUT_OF_MEMORY) rc = cli_fail("convert: out of memory for tensor '%s'", t->name);
  else if (s != LQ_OK) rc = cli_lib_error(t->name, s);
  return rc;
}

static void print_shape(const ctensor* t, char* buf, size_t cap) {
  int k = snprintf(buf, cap, "[");
  for (int32_t d = 0; d < t->ndim && (size_t)k < cap; d++)
    k += snprintf(buf + k, cap - (size_t)k, "%s%lld", d ? ", " : "", (long long)t->shape[d]);
  if ((size_t)k < cap) snprintf(buf + k, cap - (size_t)k, "]");
}

static void print_summary(const conv* c, const char* out) {
  printf("  %-32s %-14s %-7s    %-12s %8s %11s %8s\n", "tensor", "shape", "from", "to", "bits/w", "rmse", "sqnr_dB");
  size_t count = 0, nquant = 0;
  uint64_t params = 0, in_bytes = 0, out_bytes = 0;
  double sse = 0, sxx = 0, qn = 0;
  for (size_t i = 0; i < c->nt; i++) {
    const ctensor* t = &c->t[i];
    if (!t->in_shard) continue;
    char sh[64], to[64];
    print_shape(t, sh, sizeof sh);
    const char* tn = "?";
    if (t->act == A_QUANT) snprintf(to, sizeof to, "%s", c->spec);
    else if (t->act == A_DEQ) snprintf(to, sizeof to, "%s(deq)", c->spec);
    else if (c->out_gguf) {
      lq_ggml_type_size(t->out_ggml, NULL, NULL, &tn);
      snprintf(to, sizeof to, "%s", tn);
    } else if (t->act == A_COPY) snprintf(to, sizeof to, "packed");
    else snprintf(to, sizeof to, "%s", lq_st_dtype_name(t->out_st));
    double bpw = t->numel ? 8.0 * (double)t->out_bytes / (double)t->numel : 0;
    printf("  %-32s %-14s %-7s -> %-12s %8.4f", t->name, sh, t->from, to, bpw);
    if (t->measured) {
      double rmse = sqrt(t->sse / (double)t->numel);
      double sq = t->sse > 0 ? 10 * log10(t->sxx / t->sse) : INFINITY;
      printf(" %11.4e %8.2f\n", rmse, sq);
      sse += t->sse;
      sxx += t->sxx;
      qn += (double)t->numel;
      nquant++;
    } else {
      printf(" %11s %8s\n", "-", "-");
    }
    count++;
    params += t->numel;
    in_bytes += t->raw_bytes;
    out_bytes += t->out_bytes;
  }
  printf("total: %zu tensors, %zu quantized, %llu params, %llu -> %llu bytes, %.4f bits/weight", count, nquant,
         (unsigned long long)params, (unsigned long long)in_bytes, (unsigned long long)out_bytes,
         params ? 8.0 * (double)out_bytes / (double)params : 0.0);
  if (nquant) printf(", quantized rmse %.4e, sqnr %.2f dB", sqrt(sse / qn), sse > 0 ? 10 * log10(sxx / sse) : INFINITY);
  printf("\n");
  for (size_t i = 0; i < c->nt; i++)
    if (c->t[i].in_shard && c->t[i].note) printf("note: '%s' kept as %s: %s\n", c->t[i].name, c->t[i].from, c->t[i].note);
  printf("wrote %s\n", out);
}

static int run(conv* c, const char* in, const char* out) {
  int rc = load_input(c, in);
  if (rc) return rc;
  if (c->fmt == SRC_NPY) {
    const char* base = strrchr(in, '/');
    base = base ? base + 1 : in;
    snprintf(c->npy_name, sizeof c->npy_name, "%s", base);
    char* dot = strrchr(c->npy_name, '.');
    if (dot && dot != c->npy_name) *dot = '\0';
  }
  assign_shards(c);
  size_t nshard = 0;
  uint64_t total = 0;
  for (size_t i = 0; i < c->nt; i++) {
    if (!c->t[i].in_shard) continue;
    if ((rc = plan_tensor(c, &c->t[i])) != 0) return rc;
    if (c->out_gguf && c->t[i].ndim > LQ_GGUF_MAX_DIMS)
      return cli_usage_error("convert: tensor '%s' has %d dimensions (GGUF allows %d)", c->t[i].name,
                             (int)c->t[i].ndim, LQ_GGUF_MAX_DIMS);
    nshard++;
    total += c->t[i].raw_bytes;
  }
  sink o = {0};
  lq_status s = c->out_gguf ? lq_gguf_writer_create(&o.gw) : lq_st_writer_create(&o.sw);
  if (s != LQ_OK) return cli_lib_error("convert", s);
  rc = c->out_gguf ? gguf_metadata(c, o.gw) : st_metadata(c, o.sw);
  for (size_t i = 0; !rc && i < c->nt; i++) {
    ctensor* t = &c->t[i];
    if (!t->in_shard) continue;
    if (c->out_gguf) {
      uint64_t ne[LQ_GGUF_MAX_DIMS] = {1, 1, 1, 1};
      uint32_t nd = t->ndim ? (uint32_t)t->ndim : 1;
      for (int32_t d = 0; d < t->ndim; d++) ne[d] = (uint64_t)t->shape[t->ndim - 1 - d];
      s = lq_gguf_writer_add_tensor(o.gw, t->name, nd, ne, t->out_ggml, NULL, t->out_bytes);
    } else if (t->out_st == LQ_ST_U8 && t->meta) {
      int64_t len = (int64_t)t->out_bytes;
      s = lq_st_writer_add_tensor(o.sw, t->name, LQ_ST_U8, 1, &len, NULL);
    } else {
      s = lq_st_writer_add_tensor(o.sw, t->name, t->out_st, t->ndim, t->shape, NULL);
    }
    if (s != LQ_OK) rc = cli_lib_error(t->name, s);
  }
  if (!rc) {
    s = c->out_gguf ? lq_gguf_writer_begin(o.gw, out) : lq_st_writer_begin(o.sw, out);
    if (s != LQ_OK) rc = cli_lib_error("convert", s);
  }
  if (!rc) {
    printf("%s -> %s (scheme %s, shard %zu/%zu: %zu of %zu tensors)\n", in, out, c->spec ? c->spec : "none",
           c->shard_i, c->shard_n, nshard, c->nt);
    uint64_t done = 0;
    for (size_t i = 0; !rc && i < c->nt; i++) {
      if (!c->t[i].in_shard) continue;
      progress((size_t)done, (size_t)total, c->t[i].name);
      rc = write_tensor(c, &o, &c->t[i]);
      done += c->t[i].raw_bytes;
    }
    if (isatty(fileno(stderr))) fputs("\r\033[K", stderr);
  }
  if (!rc) {
    s = c->out_gguf ? lq_gguf_writer_finish(o.gw) : lq_st_writer_finish(o.sw);
    if (s != LQ_OK) rc = cli_lib_error("convert", s);
  }
  lq_gguf_writer_destroy(o.gw); /* mid-stream: removes the temporary */
  lq_st_writer_destroy(o.sw);
  if (!rc) print_summary(c, out);
  return rc;
}

static int ends_with(const char* s, const char* suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && strcmp(s + a - b, suf) == 0;
}

int cmd_convert(int argc, char** argv) {
  conv c = {0};
  const char *in = NULL, *out = NULL, *spec = NULL, *shard = NULL;
  c.arch = "unknown";
  c.shard_i = c.shard_n = 1;
  c.inc = calloc((size_t)argc, sizeof *c.inc);
  c.exc = calloc((size_t)argc, sizeof *c.exc);
  c.keep = calloc((size_t)argc, sizeof *c.keep);
  int rc = 0;
  if (!c.inc || !c.exc || !c.keep) rc = cli_fail("convert: out of memory");
  for (int i = 1; !rc && i < argc; i++) {
    const char* a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage_convert(stdout);
      goto done;
    }
    int takes = strcmp(a, "-o") == 0 || strcmp(a, "--scheme") == 0 || strcmp(a, "--type") == 0 ||
                strcmp(a, "--include") == 0 || strcmp(a, "--exclude") == 0 || strcmp(a, "--keep-f16") == 0 ||
                strcmp(a, "--shard") == 0 || strcmp(a, "--arch") == 0;
    if (takes) {
      if (i + 1 >= argc) {
        usage_convert(stderr);
        rc = cli_usage_error("convert: %s needs a value", a);
        break;
      }
      const char* v = argv[++i];
      if (strcmp(a, "-o") == 0) out = v;
      else if (strcmp(a, "--scheme") == 0 || strcmp(a, "--type") == 0) {
        if (spec) rc = cli_usage_error("convert: give --scheme once");
        spec = v;
      } else if (strcmp(a, "--include") == 0) c.inc[c.ninc++] = v;
      else if (strcmp(a, "--exclude") == 0) c.exc[c.nexc++] = v;
      else if (strcmp(a, "--keep-f16") == 0) c.keep[c.nkeep++] = v;
      else if (strcmp(a, "--shard") == 0) shard = v;
      else {
        c.arch = v;
        c.arch_given = 1;
      }
    } else if (a[0] == '-' && a[1]) {
      usage_convert(stderr);
      rc = cli_usage_error("convert: unknown option '%s'", a);
    } else if (!in) in = a;
    else {
      usage_convert(stderr);
      rc = cli_usage_error("convert: unexpected argument '%s' (the output is given with -o)", a);
    }
  }
  if (rc) goto done;
  if (!in || !out || !spec) {
    usage_convert(stderr);
    rc = cli_usage_error("convert: needs IN -o OUT --scheme SPEC");
    goto done;
  }
  if (ends_with(out, ".gguf")) c.out_gguf = 1;
  else if (!ends_with(out, ".safetensors")) {
    rc = cli_usage_error("convert: the output '%s' must end in .gguf or .safetensors", out);
    goto done;
  }
  if (shard) {
    unsigned long long si, sn;
    char tail;
    if (sscanf(shard, "%llu/%llu%c", &si, &sn, &tail) != 2 || sn < 1 || sn > 65535 || si < 1 || si > sn) {
      rc = cli_usage_error("convert: --shard '%s': expected I/N with 1 <= I <= N <= 65535", shard);
      goto done;
    }
    c.shard_i = (size_t)si;
    c.shard_n = (size_t)sn;
  }
  if (strcmp(spec, "none") != 0) {
    lq_status s = lq_scheme_parse(spec, &c.scheme);
    if (s != LQ_OK) {
      rc = cli_lib_error("convert: --scheme", s);
      goto done;
    }
    c.spec = spec;
    const char* fam = lq_scheme_family(c.scheme);
    for (size_t i = 0; i < lq_scheme_count(); i++) {
      const char *name, *module;
      if (lq_scheme_info(i, &name, &module, NULL) == LQ_OK && strcmp(name, fam) == 0)
        c.scheme_packed = strcmp(module, "llm") == 0;
    }
    c.scheme_is_ggml = lq_ggml_type_from_name(fam, &c.scheme_ggml) == LQ_OK;
    if (c.out_gguf && !c.scheme_is_ggml) {
      rc = cli_usage_error("convert: GGUF has no tensor type for scheme '%s' (GGUF output takes q4_0 q4_1 q5_0 q5_1 "
                           "q8_0 q2_k q3_k q4_k q5_k q6_k; write .safetensors for other schemes)",
                           spec);
      goto done;
    }
  }
  const char* outs[1] = {out};
  const char* ins[1] = {in};
  if ((rc = cli_check_outputs(outs, 1, ins, 1)) != 0) goto done;
  rc = run(&c, in, out);
done:
  for (size_t i = 0; c.t && i < c.nt; i++) {
    free(c.t[i].meta);
    free(c.t[i].note);
  }
  free(c.t);
  free(c.x);
  free(c.y);
  free(c.buf);
  free(c.inc);
  free(c.exc);
  free(c.keep);
  lq_scheme_destroy(c.scheme);
  lq_st_close(c.st);
  lq_gguf_close(c.gg);
  cli_tensor_free(&c.npy);
  return rc;
}
