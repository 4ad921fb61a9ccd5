/* Library-level model conversion: writes a small generated model as
 * safetensors, then converts it to GGUF the way `quant convert` does —
 * streaming, one tensor in memory at a time: declare every tensor with its
 * quantized size, write the header (lq_gguf_writer_begin), then quantize and
 * put each tensor, then finish (atomic rename). Finally reopens the GGUF and
 * checks every quantized tensor against a fresh lq_ggml_quantize.
 *   gguf_convert [DIR]   files go to DIR (default /tmp); exit 1 on a mismatch */
#include <libquant.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { LAYERS = 2, DIM = 256, HIDDEN = 64 };

static int fail(const char* what) {
  fprintf(stderr, "%s: %s\n", what, lq_last_error());
  return 1;
}

int main(int argc, char** argv) {
  const char* dir = argc > 1 ? argv[1] : "/tmp";
  char st_path[4096], gguf_path[4096];
  snprintf(st_path, sizeof st_path, "%s/gguf_convert_model.safetensors", dir);
  snprintf(gguf_path, sizeof gguf_path, "%s/gguf_convert_model.gguf", dir);

  /* 1. a small "model": per layer a [HIDDEN, DIM] weight (std ~0.02) and a [DIM] norm */
  static float weights[LAYERS][HIDDEN * DIM], norms[LAYERS][DIM];
  for (int l = 0; l < LAYERS; l++) {
    for (int i = 0; i < HIDDEN * DIM; i++) {
      float u1 = lq_rng_uniform_f32(10 + l, 2 * i) + 1e-7f, u2 = lq_rng_uniform_f32(10 + l, 2 * i + 1);
      weights[l][i] = 0.02f * sqrtf(-2.0f * logf(u1)) * cosf(6.2831853f * u2); /* Box-Muller */
    }
    for (int i = 0; i < DIM; i++) norms[l][i] = 1.0f + 0.01f * (float)(i % 7);
  }
  lq_st_writer* sw;
  if (lq_st_writer_create(&sw) != LQ_OK) return fail("lq_st_writer_create");
  lq_st_writer_set_meta(sw, "format", "pt");
  for (int l = 0; l < LAYERS; l++) {
    char name[64];
    int64_t wshape[2] = {HIDDEN, DIM}, nshape[1] = {DIM};
    snprintf(name, sizeof name, "blk.%d.ffn.weight", l);
    if (lq_st_writer_add_tensor(sw, name, LQ_ST_F32, 2, wshape, weights[l]) != LQ_OK) return fail(name);
    snprintf(name, sizeof name, "blk.%d.norm.weight", l);
    if (lq_st_writer_add_tensor(sw, name, LQ_ST_F32, 1, nshape, norms[l]) != LQ_OK) return fail(name);
  }
  if (lq_st_writer_write_file(sw, st_path) != LQ_OK) return fail(st_path);
  lq_st_writer_destroy(sw);

  /* 2. convert: 2-D tensors to Q4_K (ggml's reference quantizer), others stay F32 */
  const lq_ggml_type type = LQ_GGML_Q4_K;
  lq_st_file* in;
  if (lq_st_open(st_path, &in) != LQ_OK) return fail(st_path);
  lq_gguf_writer* gw;
  if (lq_gguf_writer_create(&gw) != LQ_OK) return fail("lq_gguf_writer_create");
  lq_gguf_writer_set_string(gw, "general.architecture", "demo");
  lq_gguf_writer_set_uint(gw, "general.quantization_version", LQ_GGUF_UINT32, 2);
  size_t nt = lq_st_tensor_count(in);
  for (size_t i = 0; i < nt; i++) { /* declare: sizes follow from the type */
    const lq_st_tensor* t = lq_st_tensor_at(in, i);
    uint64_t ne[2] = {(uint64_t)t->shape[t->ndim - 1], t->ndim == 2 ? (uint64_t)t->shape[0] : 1};
    size_t bytes = (size_t)t->numel * 4;
    uint32_t gt = 0;
    if (t->ndim == 2) {
      if (lq_ggml_row_bytes(type, (size_t)t->numel, &bytes) != LQ_OK) return fail(t->name);
      gt = (uint32_t)type;
    }
    if (lq_gguf_writer_add_tensor(gw, t->name, (uint32_t)t->ndim, ne, gt, NULL, bytes) != LQ_OK) return fail(t->name);
  }
  if (lq_gguf_writer_begin(gw, gguf_path) != LQ_OK) return fail(gguf_path);
  printf("%-20s %-10s %-6s %8s %10s\n", "tensor", "shape", "type", "bits/w", "rmse");
  for (size_t i = 0; i < nt; i++) { /* stream: one tensor in memory at a time */
    const lq_st_tensor* t = lq_st_tensor_at(in, i);
    size_t n = (size_t)t->numel, bytes = n * 4;
    float* x = malloc(n * sizeof *x);
    float* y = malloc(n * sizeof *y);
    unsigned char* q = malloc(n * 4);
    if (!x || !y || !q || lq_st_to_f32(t, x, n) != LQ_OK) return fail("convert");
    double sse = 0;
    if (t->ndim == 2) {
      lq_ggml_row_bytes(type, n, &bytes);
      if (lq_ggml_quantize(type, x, n, q) != LQ_OK || lq_ggml_dequantize(type, q, n, y) != LQ_OK) return fail(t->name);
      for (size_t k = 0; k < n; k++) sse += ((double)x[k] - y[k]) * ((double)x[k] - y[k]);
    } else {
      memcpy(q, x, bytes);
    }
    if (lq_gguf_writer_put(gw, q, bytes) != LQ_OK) return fail(t->name);
    char shape[48];
    if (t->ndim == 2) snprintf(shape, sizeof shape, "[%lld, %lld]", (long long)t->shape[0], (long long)t->shape[1]);
    else snprintf(shape, sizeof shape, "[%lld]", (long long)t->shape[0]);
    printf("%-20s %-10s %-6s %8.4f %10.3e\n", t->name, shape, t->ndim == 2 ? "q4_K" : "f32",
           8.0 * (double)bytes / (double)n, sqrt(sse / (double)n));
    free(x);
    free(y);
    free(q);
  }
  if (lq_gguf_writer_finish(gw) != LQ_OK) return fail(gguf_path);
  lq_gguf_writer_destroy(gw);

  /* 3. check: the GGUF holds exactly the library's quantization of each weight */
  lq_gguf* g;
  if (lq_gguf_open(gguf_path, &g) != LQ_OK) return fail(gguf_path);
  int bad = 0;
  for (int l = 0; l < LAYERS; l++) {
    char name[64];
    snprintf(name, sizeof name, "blk.%d.ffn.weight", l);
    const lq_gguf_tensor* t = lq_gguf_find_tensor(g, name);
    static unsigned char want[HIDDEN * DIM];
    size_t bytes;
    lq_ggml_row_bytes(type, HIDDEN * DIM, &bytes);
    lq_ggml_quantize(type, weights[l], HIDDEN * DIM, want);
    if (!t || t->type != (uint32_t)type || t->nbytes != bytes || memcmp(t->data, want, bytes) != 0) {
      fprintf(stderr, "%s: GGUF bytes differ from lq_ggml_quantize\n", name);
      bad = 1;
    }
  }
  printf("%s: GGUF v%u, %zu tensors, %s\n", gguf_path, lq_gguf_version(g), lq_gguf_tensor_count(g),
         bad ? "MISMATCH" : "quantized bytes verified");
  lq_gguf_close(g);
  lq_st_close(in);
  remove(st_path);
  remove(gguf_path);
  return bad;
}
