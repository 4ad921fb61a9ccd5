/* quant info: model files (GGUF, safetensors, .npy). quant convert: cmd_convert.c. */
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

