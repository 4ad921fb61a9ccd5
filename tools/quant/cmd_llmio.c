/* quant info / quant convert: model files (GGUF, safetensors, .npy). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char* const gguf_type_names[] = {"uint8", "int8",  "uint16", "int16", "uint32", "int32", "float32",
                                              "bool",  "string", "array", "uint64", "int64", "float64"};

void usage_info(FILE* out) {
  fprintf(out,
          "usage: quant info FILE [--json]\n"
          "  Lists the metadata and tensors (name, dtype, shape, bytes) of a .gguf,\n"
          "  .safetensors or .npy file (recognised by its first bytes). GGUF shapes are\n"
          "  printed in ggml order (ne[0] innermost). Arrays show their first 8 elements.\n");
}

void usage_convert(FILE* out) {
  fprintf(out,
          "usage: quant convert IN.safetensors|IN.npy OUT.gguf --type TYPE [--arch NAME]\n"
          "  Writes a GGUF v3 file: every 2-D float tensor whose row length is a multiple\n"
          "  of TYPE's block is quantized to TYPE (q4_0 q4_1 q5_0 q5_1 q8_0 q2_k q3_k q4_k\n"
          "  q5_k q6_k, ggml's reference quantizers); other F16 tensors stay F16, other\n"
          "  float/bool/uint8 tensors become F32, int8..int64 stay ggml I8..I64.\n"
          "  Metadata: general.architecture (--arch, default \"unknown\"),\n"
          "  general.quantization_version 2 and general.file_type when anything was\n"
          "  quantized, and safetensors __metadata__ as general.source.<key>.\n"
          "  The output is written atomically and never replaces the input.\n");
}

/* ------------------------------------------------------------------ info -- */

static void print_scalar(const lq_gguf_value* v, int json) {
  if (v->type == LQ_GGUF_STRING) {
    char* s = malloc((size_t)v->len + 1);
    if (!s) { printf("null"); return; }
    memcpy(s, v->data, (size_t)v->len);
    s[v->len] = '\0';
    cli_json_string(stdout, s); /* strings print JSON-escaped in both modes (no NUL inside a C string) */
    free(s);
    return;
  }
  double d;
  int64_t i;
  uint64_t u;
  if (v->type == LQ_GGUF_BOOL) printf("%s", ((const unsigned char*)v->data)[0] ? "true" : "false");
  else if (v->type == LQ_GGUF_FLOAT32 || v->type == LQ_GGUF_FLOAT64) {
    lq_gguf_value_float(v, &d);
    if (json) cli_json_number(stdout, d);
    else printf("%.17g", d);
  } else if (lq_gguf_value_int(v, &i) == LQ_OK) printf("%lld", (long long)i);
  else if (lq_gguf_value_uint(v, &u) == LQ_OK) printf("%llu", (unsigned long long)u);
}

static void print_value(const lq_gguf_value* v, int json, int depth) {
  if (v->type != LQ_GGUF_ARRAY) {
    print_scalar(v, json);
    return;
  }
  printf("[");
  lq_gguf_iter it = {0};
  lq_gguf_value e;
  for (uint64_t k = 0; k < v->count; k++) {
    if (!json && k == 8) {
      printf(", ...");
      break;
    }
    if (lq_gguf_array_next(v, &it, &e) != LQ_OK) break;
    printf("%s", k ? ", " : "");
    print_value(&e, json, depth + 1);
  }
  printf("]");
}

static const char* value_type(const lq_gguf_value* v, char* buf, size_t cap) {
  if (v->type != LQ_GGUF_ARRAY) return gguf_type_names[v->type];
  snprintf(buf, cap, "array[%s, %llu]", gguf_type_names[v->elem_type], (unsigned long long)v->count);
  return buf;
}

static int info_gguf(const char* path, int json) {
  lq_gguf* g;
  lq_status s = lq_gguf_open(path, &g);
  if (s != LQ_OK) return cli_lib_error("info", s);
  char tb[64];
  size_t nkv = lq_gguf_kv_count(g), nt = lq_gguf_tensor_count(g);
  if (json) {
    printf("{\"format\": \"gguf\", \"version\": %u, \"alignment\": %u, \"metadata\": [", lq_gguf_version(g),
           lq_gguf_alignment(g));
    for (size_t i = 0; i < nkv; i++) {
      const lq_gguf_kv* kv = lq_gguf_kv_at(g, i);
      printf("%s{\"key\": ", i ? ", " : "");
      cli_json_string(stdout, kv->key);
      printf(", \"type\": \"%s\", \"value\": ", value_type(&kv->value, tb, sizeof tb));
      print_value(&kv->value, 1, 0);
      printf("}");
    }
    printf("], \"tensors\": [");
  } else {
    printf("%s: GGUF v%u, alignment %u, %zu metadata, %zu tensors\n", path, lq_gguf_version(g), lq_gguf_alignment(g),
           nkv, nt);
    for (size_t i = 0; i < nkv; i++) {
      const lq_gguf_kv* kv = lq_gguf_kv_at(g, i);
      printf("  %s (%s) = ", kv->key, value_type(&kv->value, tb, sizeof tb));
      print_value(&kv->value, 0, 0);
      printf("\n");
    }
  }
  for (size_t i = 0; i < nt; i++) {
    const lq_gguf_tensor* t = lq_gguf_tensor_at(g, i);
    const char* tn = "?";
    lq_ggml_type_size(t->type, NULL, NULL, &tn);
    if (json) {
      printf("%s{\"name\": ", i ? ", " : "");
      cli_json_string(stdout, t->name);
      printf(", \"type\": \"%s\", \"ne\": [", tn);
      for (uint32_t d = 0; d < t->n_dims; d++) printf("%s%llu", d ? ", " : "", (unsigned long long)t->ne[d]);
      printf("], \"offset\": %llu, \"bytes\": %llu}", (unsigned long long)t->offset, (unsigned long long)t->nbytes);
    } else {
      printf("  tensor %-32s %-8s ne [", t->name, tn);
      for (uint32_t d = 0; d < t->n_dims; d++) printf("%s%llu", d ? ", " : "", (unsigned long long)t->ne[d]);
      printf("] %llu bytes\n", (unsigned long long)t->nbytes);
    }
  }
  if (json) printf("]}\n");
  lq_gguf_close(g);
  return 0;
}

static int info_st(const char* path, int json) {
  lq_st_file* f;
  lq_status s = lq_st_open(path, &f);
  if (s != LQ_OK) return cli_lib_error("info", s);
  size_t nm = lq_st_meta_count(f), nt = lq_st_tensor_count(f);
  if (json) {
    printf("{\"format\": \"safetensors\", \"metadata\": {");
    for (size_t i = 0; i < nm; i++) {
      printf("%s", i ? ", " : "");
      cli_json_string(stdout, lq_st_meta_at(f, i)->key);
      printf(": ");
      cli_json_string(stdout, lq_st_meta_at(f, i)->value);
    }
    printf("}, \"tensors\": [");
  } else {
    printf("%s: safetensors, %zu metadata, %zu tensors\n", path, nm, nt);
    for (size_t i = 0; i < nm; i++) {
      printf("  %s = ", lq_st_meta_at(f, i)->key);
      cli_json_string(stdout, lq_st_meta_at(f, i)->value);
      printf("\n");
    }
  }
  for (size_t i = 0; i < nt; i++) {
    const lq_st_tensor* t = lq_st_tensor_at(f, i);
    if (json) {
      printf("%s{\"name\": ", i ? ", " : "");
      cli_json_string(stdout, t->name);
      printf(", \"dtype\": \"%s\", \"shape\": [", lq_st_dtype_name(t->dtype));
    } else {
      printf("  tensor %-32s %-8s [", t->name, lq_st_dtype_name(t->dtype));
    }
    for (int32_t d = 0; d < t->ndim; d++) printf("%s%lld", d ? ", " : "", (long long)t->shape[d]);
    if (json) printf("], \"data_offsets\": [%llu, %llu]}", (unsigned long long)t->begin, (unsigned long long)t->end);
    else printf("] %llu bytes\n", (unsigned long long)(t->end - t->begin));
  }
  if (json) printf("]}\n");
  lq_st_close(f);
  return 0;
}

static int info_npy(const char* path, int json) {
  lq_npy_array a;
  lq_status s = lq_npy_read_file(path, &a);
  if (s != LQ_OK) return cli_lib_error("info", s);
  if (json) printf("{\"format\": \"npy\", \"dtype\": \"%s\", \"shape\": [", lq_npy_dtype_name(a.dtype));
  else printf("%s: npy, %s [", path, lq_npy_dtype_name(a.dtype));
  for (int32_t d = 0; d < a.ndim; d++) printf("%s%lld", d ? ", " : "", (long long)a.dims[d]);
  printf(json ? "]}\n" : "]\n");
  lq_npy_free(&a);
  return 0;
}

/* 0 gguf, 1 npy, 2 safetensors (anything else: the safetensors reader explains) */
static int sniff(const char* path) {
  unsigned char m[6] = {0};
  FILE* f = fopen(path, "rb");
  if (!f) return 2;
  size_t n = fread(m, 1, sizeof m, f);
  fclose(f);
  if (n >= 4 && memcmp(m, "GGUF", 4) == 0) return 0;
  if (n >= 6 && memcmp(m, "\x93NUMPY", 6) == 0) return 1;
  return 2;
}

int cmd_info(int argc, char** argv) {
  const char* path = NULL;
  int json = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) { usage_info(stdout); return 0; }
    if (strcmp(argv[i], "--json") == 0) json = 1;
    else if (argv[i][0] == '-' && argv[i][1]) { usage_info(stderr); return cli_usage_error("info: unknown option '%s'", argv[i]); }
    else if (!path) path = argv[i];
    else { usage_info(stderr); return cli_usage_error("info: unexpected argument '%s'", argv[i]); }
  }
  if (!path) { usage_info(stderr); return cli_usage_error("info: needs FILE"); }
  switch (sniff(path)) {
    case 0: return info_gguf(path, json);
    case 1: return info_npy(path, json);
    default: return info_st(path, json);
  }
}

/* --------------------------------------------------------------- convert -- */

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
  }
  return 0;
}

typedef struct conv_state {
  lq_gguf_writer* w;
  void** bufs;
  size_t nbufs;
  lq_ggml_traits tr;
  size_t quantized;
} conv_state;

/* One tensor: x is its float view (NULL for integer tensors), raw its bytes. */
static int convert_tensor(conv_state* c, const char* name, int32_t ndim, const int64_t* shape, const float* x,
                          uint32_t raw_type, const void* raw, size_t raw_bytes, const char* src_dtype) {
  if (ndim > 4) return cli_usage_error("convert: tensor '%s' has %d dimensions (GGUF allows 4)", name, (int)ndim);
  uint64_t ne[4] = {1, 1, 1, 1};
  uint32_t nd = ndim ? (uint32_t)ndim : 1;
  for (int32_t d = 0; d < ndim; d++) ne[d] = (uint64_t)shape[ndim - 1 - d];
  size_t numel = 1;
  for (int32_t d = 0; d < ndim; d++) numel *= (size_t)shape[d];
  uint32_t type = raw_type;
  const void* data = raw;
  size_t bytes = raw_bytes;
  void* buf = NULL;
  double rmse = -1;
  if (x && ndim == 2 && shape[1] > 0 && shape[0] > 0 && (size_t)shape[1] % c->tr.block_size == 0) {
    size_t nb = numel / c->tr.block_size * c->tr.block_bytes;
    buf = malloc(nb);
    float* y = malloc(numel * sizeof *y);
    if (!buf || !y) {
      free(buf);
      free(y);
      return cli_fail("convert: out of memory for '%s'", name);
    }
    lq_status s = lq_ggml_quantize(c->tr.type, x, numel, buf);
    if (s == LQ_OK) s = lq_ggml_dequantize(c->tr.type, buf, numel, y);
    if (s != LQ_OK) {
      free(buf);
      free(y);
      return cli_lib_error(name, s);
    }
    double e = 0;
    for (size_t i = 0; i < numel; i++) e += ((double)x[i] - y[i]) * ((double)x[i] - y[i]);
    rmse = sqrt(e / (double)numel);
    free(y);
    type = (uint32_t)c->tr.type;
    data = buf;
    bytes = nb;
    c->quantized++;
  } else if (x && raw_type != 1) { /* F16 stays F16; other floats become F32 */
    buf = malloc(numel ? numel * sizeof(float) : 1);
    if (!buf) return cli_fail("convert: out of memory for '%s'", name);
    memcpy(buf, x, numel * sizeof(float));
    type = 0;
    data = buf;
    bytes = numel * sizeof(float);
  }
  if (buf) c->bufs[c->nbufs++] = buf;
  lq_status s = lq_gguf_writer_add_tensor(c->w, name, nd, ne, type, data, bytes);
  if (s != LQ_OK) return cli_lib_error(name, s);
  const char* tn = "?";
  lq_ggml_type_size(type, NULL, NULL, &tn);
  printf("  %-32s %-8s [", name, src_dtype);
  for (int32_t d = 0; d < ndim; d++) printf("%s%lld", d ? ", " : "", (long long)shape[d]);
  printf("] -> %s", tn);
  if (rmse >= 0) printf(" (%.4f bits/weight, rmse %.4e)", 8.0 * (double)c->tr.block_bytes / (double)c->tr.block_size, rmse);
  printf("\n");
  return 0;
}

static int st_to_ggml(lq_st_dtype d, uint32_t* t) {
  switch (d) {
    case LQ_ST_F16: *t = 1; return 1;
    case LQ_ST_I8: *t = 24; return 0;
    case LQ_ST_I16: *t = 25; return 0;
    case LQ_ST_I32: *t = 26; return 0;
    case LQ_ST_I64: *t = 27; return 0;
    default: *t = 0; return 1; /* floats, bool, uint8 -> F32 */
  }
}

int cmd_convert(int argc, char** argv) {
  const char *in = NULL, *out = NULL, *type_name = NULL, *arch = "unknown";
  for (int i = 1; i < argc; i++) {
    const char* a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { usage_convert(stdout); return 0; }
    if (strcmp(a, "--type") == 0 || strcmp(a, "--arch") == 0) {
      if (i + 1 >= argc) { usage_convert(stderr); return cli_usage_error("convert: %s needs a value", a); }
      if (a[2] == 't') type_name = argv[++i];
      else arch = argv[++i];
    } else if (a[0] == '-' && a[1]) { usage_convert(stderr); return cli_usage_error("convert: unknown option '%s'", a); }
    else if (!in) in = a;
    else if (!out) out = a;
    else { usage_convert(stderr); return cli_usage_error("convert: unexpected argument '%s'", a); }
  }
  if (!in || !out || !type_name) { usage_convert(stderr); return cli_usage_error("convert: needs IN OUT --type TYPE"); }
  conv_state c = {0};
  lq_ggml_type gt;
  if (lq_ggml_type_from_name(type_name, &gt) != LQ_OK || lq_ggml_type_traits(gt, &c.tr) != LQ_OK)
    return cli_usage_error("convert: unknown --type '%s' (q4_0 q4_1 q5_0 q5_1 q8_0 q2_k q3_k q4_k q5_k q6_k)", type_name);
  const char* outs[1] = {out};
  const char* ins[1] = {in};
  int rc = cli_check_outputs(outs, 1, ins, 1);
  if (rc) return rc;
  int kind = sniff(in);
  if (kind == 0) return cli_usage_error("convert: '%s' is already GGUF (inputs: .safetensors, .npy)", in);
  lq_status s = lq_gguf_writer_create(&c.w);
  if (s != LQ_OK) return cli_lib_error("convert", s);
  lq_st_file* f = NULL;
  cli_tensor t = {0};
  size_t nt = 1;
  if (kind == 2) {
    s = lq_st_open(in, &f);
    if (s != LQ_OK) {
      lq_gguf_writer_destroy(c.w);
      return cli_lib_error("convert", s);
    }
    nt = lq_st_tensor_count(f);
  } else {
    rc = cli_load_npy_f32(in, &t);
    if (rc) {
      lq_gguf_writer_destroy(c.w);
      return rc;
    }
  }
  c.bufs = calloc(nt + 1, sizeof *c.bufs);
  if (!c.bufs) rc = cli_fail("convert: out of memory");
  printf("%s -> %s (%s)\n", in, out, c.tr.name);
  if (!rc && kind == 2) {
    for (size_t i = 0; i < nt && !rc; i++) {
      const lq_st_tensor* st = lq_st_tensor_at(f, i);
      uint32_t gtype;
      int is_float = st_to_ggml(st->dtype, &gtype);
      float* x = NULL;
      if (is_float) {
        x = malloc(st->numel ? st->numel * sizeof *x : 1);
        if (!x) { rc = cli_fail("convert: out of memory for '%s'", st->name); break; }
        lq_st_to_f32(st, x, (size_t)st->numel);
      }
      rc = convert_tensor(&c, st->name, st->ndim, st->shape, x, gtype, st->data, (size_t)(st->end - st->begin),
                          lq_st_dtype_name(st->dtype));
      free(x);
    }
  } else if (!rc) {
    const char* base = strrchr(in, '/');
    base = base ? base + 1 : in;
    char name[LQ_GGUF_MAX_NAME + 1];
    snprintf(name, sizeof name, "%s", base);
    char* dot = strrchr(name, '.');
    if (dot && dot != name) *dot = '\0';
    rc = convert_tensor(&c, name, t.shape.ndim, t.shape.dims, t.x, 0, t.x, t.n * sizeof(float),
                        lq_npy_dtype_name(t.file_dtype));
  }
  /* Metadata after the tensors are known (quantized or not): the writer
   * emits every key before every tensor info, each in call order. */
  if (!rc) {
    s = lq_gguf_writer_set_string(c.w, "general.architecture", arch);
    if (s == LQ_OK && c.quantized) s = lq_gguf_writer_set_uint(c.w, "general.quantization_version", LQ_GGUF_UINT32, 2);
    if (s == LQ_OK && c.quantized) s = lq_gguf_writer_set_uint(c.w, "general.file_type", LQ_GGUF_UINT32, ftype_of(gt));
    for (size_t i = 0; s == LQ_OK && f && i < lq_st_meta_count(f); i++) {
      char key[512];
      snprintf(key, sizeof key, "general.source.%s", lq_st_meta_at(f, i)->key);
      s = lq_gguf_writer_set_string(c.w, key, lq_st_meta_at(f, i)->value);
    }
    if (s == LQ_OK) s = lq_gguf_writer_write_file(c.w, out);
    if (s != LQ_OK) rc = cli_lib_error("convert", s);
    else printf("wrote %s: %zu tensors, %zu quantized to %s\n", out, nt, c.quantized, c.tr.name);
  }
  for (size_t i = 0; i < c.nbufs; i++) free(c.bufs[i]);
  free(c.bufs);
  lq_gguf_writer_destroy(c.w);
  lq_st_close(f);
  cli_tensor_free(&t);
  return rc;
}
