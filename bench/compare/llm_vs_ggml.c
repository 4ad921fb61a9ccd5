/* llm_vs_ggml.c — libquant's ggml formats and GGUF files against the real
 * ggml / llama.cpp libraries, loaded with dlopen from a directory holding
 * libggml-base.so and libggml-cpu-haswell.so (see llm_vs_ggml.sh, which
 * fetches llama.cpp's prebuilt x86-64 binaries from the npm registry).
 *
 *   llm_vs_ggml DIR check          quantize + dequantize every ggml type on
 *                                  structured data; bytes and bits must match;
 *                                  Q4_0/Q8_0 x Q8_0 dots equal ggml's AVX2 ones
 *   llm_vs_ggml DIR gguf FILE...   load each file with llama.cpp's
 *                                  gguf_init_from_file (tensor data read into
 *                                  a ggml context) and compare every tensor
 *                                  with libquant's reader, bytes and decoded
 *   llm_vs_ggml DIR write FILE     write a GGUF with llama.cpp's gguf writer:
 *                                  every ggml type libquant has (quantized by
 *                                  ggml), F32/F16 tensors, every KV type
 *   llm_vs_ggml DIR golden OUTDIR  the golden files of tests/test_llm_ggml_real.c
 *   llm_vs_ggml DIR bench [N]      single-thread rates next to a memcpy
 *                                  (libquant and ggml timed alternately,
 *                                  medians of 7)
 *   llm_vs_ggml DIR dot-golden     ggml's AVX2 Q4_0/Q8_0 x Q8_0 dot products of
 *                                  the data of tests/test_llm_kernels.c
 *                                  test_dot_ggml_golden (its expected bits)
 *
 * Exit status: 0 all equal, 1 a mismatch, 2 usage or load error.
 * The ggml prototypes below are those of ggml.h / gguf.h / ggml-cpu.h
 * (declared here so no ggml header is needed). */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libquant.h"

typedef size_t (*quantize_chunk_fn)(int type, const float* src, void* dst, int64_t start, int64_t nrows,
                                    int64_t n_per_row, const float* imatrix);
typedef void (*to_float_fn)(const void* x, float* y, int64_t k);
typedef void (*from_float_fn)(const float* x, void* y, int64_t k);
typedef void (*vec_dot_fn)(int n, float* s, size_t bs, const void* x, size_t bx, const void* y, size_t by,
                           int nrc);
struct gguf_init_params {
  bool no_alloc;
  void** ctx;
};
typedef void* (*gguf_init_fn)(const char* path, struct gguf_init_params params);

static struct {
  void* base;
  void* cpu;          /* libggml-cpu-haswell: AVX2 + FMA kernels */
  void* cpu_portable; /* libggml-cpu-x64: the same C compiled without FMA */
  quantize_chunk_fn quantize_chunk;
  gguf_init_fn gguf_init_from_file;
  void (*gguf_free)(void*);
  int64_t (*gguf_get_n_tensors)(const void*);
  int64_t (*gguf_get_n_kv)(const void*);
  uint32_t (*gguf_get_version)(const void*);
  void* (*ggml_get_first_tensor)(const void*);
  void* (*ggml_get_next_tensor)(const void*, void*);
  const char* (*ggml_get_name)(const void*);
  void* (*ggml_get_data)(const void*);
  int64_t (*ggml_nelements)(const void*);
  size_t (*ggml_nbytes)(const void*);
  void (*ggml_free)(void*);
  void (*ggml_cpu_init)(void);
} G;

static void* need(void* lib, const char* name) {
  void* p = dlsym(lib, name);
  if (!p) {
    fprintf(stderr, "llm_vs_ggml: symbol %s not found: %s\n", name, dlerror());
    exit(2);
  }
  return p;
}

static void load_ggml(const char* dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/libggml-base.so", dir);
  /* RTLD_GLOBAL so the CPU library's DT_NEEDED libggml-base.so resolves to it */
  G.base = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
  if (!G.base) {
    fprintf(stderr, "llm_vs_ggml: %s\n", dlerror());
    exit(2);
  }
  snprintf(path, sizeof path, "%s/libggml-cpu-haswell.so", dir);
  G.cpu = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!G.cpu) {
    fprintf(stderr, "llm_vs_ggml: %s\n", dlerror());
    exit(2);
  }
  snprintf(path, sizeof path, "%s/libggml-cpu-x64.so", dir);
  G.cpu_portable = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!G.cpu_portable) {
    fprintf(stderr, "llm_vs_ggml: %s\n", dlerror());
    exit(2);
  }
  ((void (*)(void))need(G.cpu_portable, "ggml_cpu_init"))();
  G.quantize_chunk = (quantize_chunk_fn)need(G.base, "ggml_quantize_chunk");
  G.gguf_init_from_file = (gguf_init_fn)need(G.base, "gguf_init_from_file");
  *(void**)&G.gguf_free = need(G.base, "gguf_free");
  *(void**)&G.gguf_get_n_tensors = need(G.base, "gguf_get_n_tensors");
  *(void**)&G.gguf_get_n_kv = need(G.base, "gguf_get_n_kv");
  *(void**)&G.gguf_get_version = need(G.base, "gguf_get_version");
  *(void**)&G.ggml_get_first_tensor = need(G.base, "ggml_get_first_tensor");
  *(void**)&G.ggml_get_next_tensor = need(G.base, "ggml_get_next_tensor");
  *(void**)&G.ggml_get_name = need(G.base, "ggml_get_name");
  *(void**)&G.ggml_get_data = need(G.base, "ggml_get_data");
  *(void**)&G.ggml_nelements = need(G.base, "ggml_nelements");
  *(void**)&G.ggml_nbytes = need(G.base, "ggml_nbytes");
  *(void**)&G.ggml_free = need(G.base, "ggml_free");
  *(void**)&G.ggml_cpu_init = need(G.cpu, "ggml_cpu_init");
  G.ggml_cpu_init();
}

/* ggml's function-name spelling of a type: "q4_0", "q2_K", "iq4_nl". */
static const lq_ggml_type kTypes[] = {LQ_GGML_Q4_0, LQ_GGML_Q4_1, LQ_GGML_Q5_0, LQ_GGML_Q5_1,
                                      LQ_GGML_Q8_0, LQ_GGML_Q2_K, LQ_GGML_Q3_K, LQ_GGML_Q4_K,
                                      LQ_GGML_Q5_K, LQ_GGML_Q6_K, LQ_GGML_IQ4_NL};
#define NTYPES (sizeof kTypes / sizeof kTypes[0])

static to_float_fn ggml_dequantizer(uint32_t type) {
  lq_ggml_traits t;
  if (lq_ggml_type_traits((lq_ggml_type)type, &t) != LQ_OK) return NULL;
  char name[64];
  snprintf(name, sizeof name, "dequantize_row_%s", t.name);
  return (to_float_fn)need(G.base, name);
}

/* ------------------------------------------------------------ data --- */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd32(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state >> 16);
}
static float uni(void) { return ((float)rnd32() + 0.5f) / 4294967296.0f; }
static float gauss(void) { return (float)(sqrt(-2.0 * log(uni())) * cos(6.283185307179586 * uni())); }

enum { ROW = 4096, ROWS = 8, NSETS = 9 };
static const char* const kSetNames[NSETS] = {"gaussian",      "heavy-tailed + outliers", "ties (k/8 grid)",
                                             "zero/constant blocks", "tiny (1e-30..1e-20)", "large (1e3..7e4)",
                                             "all positive",  "all negative",            "sparse spikes"};

static void fill_set(int set, float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    float v = gauss();
    switch (set) {
      case 0: break;
      case 1: v = v / sqrtf(uni()) * (rnd32() % 97 == 0 ? 50.0f : 1.0f); break;
      case 2: v = (float)((int)(rnd32() % 33) - 16) * 0.125f; break;
      case 3: {
        size_t blk = (i / 32) % 4;
        v = blk == 0 ? 0.0f : blk == 1 ? 0.75f : blk == 2 ? (i % 32 == 7 ? -3.0f : 0.0f) : v;
        break;
      }
      case 4: v *= powf(10.0f, -20.0f - 10.0f * uni()); break;
      case 5: v = v * 1.0e3f + (rnd32() % 211 == 0 ? 7.0e4f : 0.0f); break;
      case 6: v = fabsf(v) + 0.01f; break;
      case 7: v = -fabsf(v) - 3.0f; break;
      case 8: v = (rnd32() % 64 == 0) ? v * 100.0f : 0.0f; break;
    }
    x[i] = v;
  }
}

/* The golden data set: the NSETS sets of GOLD_N floats each, from a fresh
 * generator state (tests/vectors/ggml_real/input.f32). */
enum { GOLD_N = 2048 };
static void golden_input(float* x) {
  rng_state = 0x9E3779B97F4A7C15ull;
  for (int set = 0; set < NSETS; ++set) fill_set(set, x + (size_t)set * GOLD_N, GOLD_N);
}

/* ----------------------------------------------------------- check --- */
static int check(void) {
  const size_t n = (size_t)ROW * ROWS;
  float* x = malloc(n * sizeof *x);
  float* y_ours = malloc(n * sizeof *y_ours);
  float* y_ggml = malloc(n * sizeof *y_ggml);
  uint8_t* q_ours = malloc(n * 2);
  uint8_t* q_ggml = malloc(n * 2);
  int bad = 0;
  for (size_t ti = 0; ti < NTYPES; ++ti) {
    lq_ggml_traits t;
    lq_ggml_type_traits(kTypes[ti], &t);
    to_float_fn deq = ggml_dequantizer(kTypes[ti]);
    size_t bytes;
    lq_ggml_row_bytes(kTypes[ti], n, &bytes);
    size_t qdiff_total = 0, ydiff_total = 0;
    for (int set = 0; set < NSETS; ++set) {
      fill_set(set, x, n);
      memset(q_ours, 0xA5, bytes);
      memset(q_ggml, 0x5A, bytes);
      lq_status s = lq_ggml_quantize(kTypes[ti], x, n, q_ours);
      size_t written = G.quantize_chunk((int)kTypes[ti], x, q_ggml, 0, ROWS, ROW, NULL);
      if (s != LQ_OK || written != bytes) {
        printf("  %-7s %-26s status %d, ggml wrote %zu of %zu bytes\n", t.name, kSetNames[set], (int)s, written,
               bytes);
        ++bad;
        continue;
      }
      size_t qdiff = 0, ydiff = 0;
      for (size_t i = 0; i < bytes; ++i) qdiff += q_ours[i] != q_ggml[i];
      /* decode ggml's bytes with both decoders: the dequantizers are compared
       * on identical input even where the quantizers would differ */
      lq_ggml_dequantize(kTypes[ti], q_ggml, n, y_ours);
      deq(q_ggml, y_ggml, (int64_t)n);
      for (size_t i = 0; i < n; ++i) ydiff += memcmp(&y_ours[i], &y_ggml[i], sizeof(float)) != 0;
      if (qdiff || ydiff)
        printf("  %-7s %-26s %zu of %zu bytes differ, %zu of %zu decoded floats differ\n", t.name,
               kSetNames[set], qdiff, bytes, ydiff, n);
      qdiff_total += qdiff;
      ydiff_total += ydiff;
    }
    printf("%-7s quantize %s, dequantize %s (%d data sets x %d elements)\n", t.name,
           qdiff_total ? "DIFFERS" : "byte-identical", ydiff_total ? "DIFFERS" : "bit-identical", NSETS,
           (int)n);
    bad += qdiff_total != 0 || ydiff_total != 0;
  }
  /* dot products: libquant's sum is ggml's AVX2 kernel's (libggml-cpu-haswell:
   * 8 float lanes, fma per block, hsum_float_8), bit for bit. Until libquant
   * 0.x it was the portable (_generic) kernel's, compiled without FMA
   * (libggml-cpu-x64), which sums block by block: against that only the
   * relative difference is reported now. The last pass puts -128 into the
   * Q8_0 operand, which no quantizer writes: ggml's AVX2 sign trick negates
   * it with a wrap there, libquant keeps the exact products (reported, not
   * failed). */
  static const struct {
    lq_ggml_type x;
    const char* sym;
  } dots[] = {{LQ_GGML_Q4_0, "ggml_vec_dot_q4_0_q8_0"}, {LQ_GGML_Q8_0, "ggml_vec_dot_q8_0_q8_0"}};
  for (size_t di = 0; di < 2; ++di) {
    char generic[64];
    snprintf(generic, sizeof generic, "%s_generic", dots[di].sym);
    vec_dot_fn dot_portable = (vec_dot_fn)need(G.cpu_portable, generic);
    vec_dot_fn dot_avx2 = (vec_dot_fn)need(G.cpu, dots[di].sym);
    size_t mism = 0, rows = 0, rows128 = 0, mism128 = 0;
    double max_rel = 0;
    for (int set = 0; set <= NSETS; ++set) {
      const int with128 = set == NSETS;
      if (set == 4 || set == 5) continue; /* fp16 scales flush to 0 / overflow to inf */
      fill_set(with128 ? 1 : set, x, n);
      lq_ggml_quantize(dots[di].x, x, n, q_ours);
      fill_set(0, x, n);
      lq_ggml_quantize(LQ_GGML_Q8_0, x, n, q_ggml);
      size_t xrow, yrow;
      lq_ggml_row_bytes(dots[di].x, ROW, &xrow);
      lq_ggml_row_bytes(LQ_GGML_Q8_0, ROW, &yrow);
      if (with128) /* one -128 in every 7th block of y */
        for (size_t b = 0; b < n / 32; b += 7) q_ggml[b * 34 + 2 + b % 32] = 0x80;
      for (size_t r = 0; r < ROWS; ++r) {
        float ours = 0, portable = 0, avx2 = 0;
        lq_ggml_vec_dot(dots[di].x, q_ours + r * xrow, LQ_GGML_Q8_0, q_ggml + r * yrow, ROW, &ours);
        dot_portable(ROW, &portable, 0, q_ours + r * xrow, 0, q_ggml + r * yrow, 0, 1);
        dot_avx2(ROW, &avx2, 0, q_ours + r * xrow, 0, q_ggml + r * yrow, 0, 1);
        if (with128) {
          ++rows128;
          mism128 += memcmp(&ours, &avx2, sizeof ours) != 0;
          continue;
        }
        ++rows;
        mism += memcmp(&ours, &avx2, sizeof ours) != 0;
        double rel = fabs((double)ours - portable) / fmax(fabs((double)portable), 1e-30);
        if (rel > max_rel) max_rel = rel;
      }
    }
    printf("%s: %zu of %zu row dot products bit-identical to ggml's AVX2 kernel; max relative "
           "difference to ggml's portable kernel %.2g; with -128 in y (no quantizer writes it): %zu of %zu "
           "differ from ggml's AVX2 (its sign trick wraps -128)\n",
           dots[di].sym, rows - mism, rows, max_rel, mism128, rows128);
    bad += mism != 0;
  }
  free(x), free(y_ours), free(y_ggml), free(q_ours), free(q_ggml);
  return bad ? 1 : 0;
}

/* ------------------------------------------------------------ gguf --- */
static size_t tensor_elements(const lq_gguf_tensor* t) {
  size_t e = 1;
  for (uint32_t d = 0; d < t->n_dims; ++d) e *= (size_t)t->ne[d];
  return e;
}

static int check_gguf(const char* path) {
  void* ctx = NULL;
  struct gguf_init_params p = {false, &ctx};
  void* g = G.gguf_init_from_file(path, p);
  if (!g) {
    printf("%s: llama.cpp's gguf_init_from_file REJECTS the file\n", path);
    return 1;
  }
  lq_gguf* ours = NULL;
  if (lq_gguf_open(path, &ours) != LQ_OK) {
    printf("%s: libquant rejects it: %s\n", path, lq_last_error());
    G.gguf_free(g), G.ggml_free(ctx);
    return 1;
  }
  int bad = 0;
  int64_t nt = G.gguf_get_n_tensors(g);
  if ((size_t)nt != lq_gguf_tensor_count(ours) || (size_t)G.gguf_get_n_kv(g) != lq_gguf_kv_count(ours)) {
    printf("%s: tensor/kv counts differ (ggml %lld/%lld)\n", path, (long long)nt,
           (long long)G.gguf_get_n_kv(g));
    bad = 1;
  }
  size_t checked = 0, decoded = 0;
  for (void* t = G.ggml_get_first_tensor(ctx); t; t = G.ggml_get_next_tensor(ctx, t)) {
    const char* name = G.ggml_get_name(t);
    /* gguf_init_from_file reads the data section into one tensor of this
     * name; the model's tensors are views into it */
    if (!strcmp(name, "GGUF tensor data binary blob")) continue;
    const lq_gguf_tensor* o = lq_gguf_find_tensor(ours, name);
    uint32_t type = *(const uint32_t*)t; /* struct ggml_tensor starts with its type */
    if (!o || o->type != type || (size_t)G.ggml_nelements(t) != tensor_elements(o) ||
        G.ggml_nbytes(t) != o->nbytes || memcmp(G.ggml_get_data(t), o->data, o->nbytes) != 0) {
      printf("%s: tensor %s differs between ggml's and libquant's reading\n", path, name);
      bad = 1;
      continue;
    }
    ++checked;
    to_float_fn deq = ggml_dequantizer(type);
    if (!deq) continue; /* F32/F16/BF16 tensors: bytes compared above */
    size_t n = tensor_elements(o);
    float* a = malloc(n * sizeof *a);
    float* b = malloc(n * sizeof *b);
    deq(G.ggml_get_data(t), a, (int64_t)n);
    lq_ggml_dequantize((lq_ggml_type)type, o->data, n, b);
    if (memcmp(a, b, n * sizeof *a) != 0) {
      printf("%s: tensor %s decodes differently\n", path, name);
      bad = 1;
    }
    ++decoded;
    free(a), free(b);
  }
  printf("%s: loaded by llama.cpp's gguf_init_from_file (GGUF v%u, %lld tensors, %lld KVs); %zu tensors "
         "byte-identical to libquant's reading, %zu decoded bit-identically by ggml's dequantize_row_*%s\n",
         path, G.gguf_get_version(g), (long long)nt, (long long)G.gguf_get_n_kv(g), checked, decoded,
         bad ? " — MISMATCH" : "");
  lq_gguf_close(ours);
  G.gguf_free(g);
  G.ggml_free(ctx);
  return bad;
}

/* ----------------------------------------------------------- write --- */
struct ggml_init_params {
  size_t mem_size;
  void* mem_buffer;
  bool no_alloc;
};
enum { GGUF_U8 = 0, GGUF_I16 = 3, GGUF_F32 = 6, GGUF_BOOL = 7, GGUF_F64 = 12 };

static int write_gguf(const char* path) {
  void* (*ggml_init)(struct ggml_init_params) = (void* (*)(struct ggml_init_params))need(G.base, "ggml_init");
  void* (*new2d)(void*, int, int64_t, int64_t) = (void* (*)(void*, int, int64_t, int64_t))need(G.base,
                                                                                              "ggml_new_tensor_2d");
  void* (*set_name)(void*, const char*) = (void* (*)(void*, const char*))need(G.base, "ggml_set_name");
  void* (*init_empty)(void) = (void* (*)(void))need(G.base, "gguf_init_empty");
  void (*set_str)(void*, const char*, const char*) = (void (*)(void*, const char*, const char*))need(
      G.base, "gguf_set_val_str");
  void (*set_u32)(void*, const char*, uint32_t) = (void (*)(void*, const char*, uint32_t))need(G.base,
                                                                                               "gguf_set_val_u32");
  void (*set_i8)(void*, const char*, int8_t) = (void (*)(void*, const char*, int8_t))need(G.base, "gguf_set_val_i8");
  void (*set_f64)(void*, const char*, double) = (void (*)(void*, const char*, double))need(G.base, "gguf_set_val_f64");
  void (*set_bool)(void*, const char*, bool) = (void (*)(void*, const char*, bool))need(G.base, "gguf_set_val_bool");
  void (*set_i64)(void*, const char*, int64_t) = (void (*)(void*, const char*, int64_t))need(G.base,
                                                                                             "gguf_set_val_i64");
  void (*set_arr_str)(void*, const char*, const char**, size_t) = (void (*)(void*, const char*, const char**,
                                                                            size_t))need(G.base, "gguf_set_arr_str");
  void (*set_arr_data)(void*, const char*, int, const void*, size_t) =
      (void (*)(void*, const char*, int, const void*, size_t))need(G.base, "gguf_set_arr_data");
  void (*add_tensor)(void*, const void*) = (void (*)(void*, const void*))need(G.base, "gguf_add_tensor");
  bool (*write_file)(const void*, const char*, bool) = (bool (*)(const void*, const char*, bool))need(
      G.base, "gguf_write_to_file");

  struct ggml_init_params ip = {(size_t)64 << 20, NULL, false};
  void* ctx = ggml_init(ip);
  void* g = init_empty();
  set_str(g, "general.architecture", "llama");
  set_str(g, "general.name", "libquant ggml interop check");
  set_u32(g, "general.quantization_version", 2);
  set_i8(g, "test.i8", -7);
  set_f64(g, "test.f64", 0.1);
  set_bool(g, "test.bool", true);
  set_i64(g, "test.i64", -1234567890123ll);
  const char* tokens[] = {"<s>", "</s>", "hello", ""};
  set_arr_str(g, "tokenizer.ggml.tokens", tokens, 4);
  const float scores[] = {0.0f, -1.5f, 2.25f, 1e-30f};
  set_arr_data(g, "tokenizer.ggml.scores", GGUF_F32, scores, 4);
  const uint8_t empty_arr[1] = {0};
  set_arr_data(g, "test.empty_u8", GGUF_U8, empty_arr, 0);

  /* tensors hold golden set 1 (4 x 512), so a test can re-quantize it */
  const int64_t cols = 512, rows = GOLD_N / 512;
  float* all = malloc((size_t)NSETS * GOLD_N * sizeof *all);
  golden_input(all);
  const float* x = all + GOLD_N;
  char name[64];
  for (size_t ti = 0; ti < NTYPES; ++ti) {
    lq_ggml_traits t;
    lq_ggml_type_traits(kTypes[ti], &t);
    void* tensor = new2d(ctx, (int)kTypes[ti], cols, rows);
    snprintf(name, sizeof name, "blk.%zu.%s.weight", ti, t.name);
    set_name(tensor, name);
    G.quantize_chunk((int)kTypes[ti], x, G.ggml_get_data(tensor), 0, rows, cols, NULL);
    add_tensor(g, tensor);
  }
  void* f32 = new2d(ctx, 0, cols, 3);
  set_name(f32, "output_norm.weight");
  memcpy(G.ggml_get_data(f32), x, (size_t)(cols * 3) * sizeof(float));
  (void)rows;
  add_tensor(g, f32);
  void* f16 = new2d(ctx, 1, 96, 5); /* a shape that is no block multiple */
  set_name(f16, "blk.0.attn_k.bias");
  uint16_t* h = G.ggml_get_data(f16);
  for (int i = 0; i < 96 * 5; ++i) h[i] = lq_f32_to_f16(x[i]);
  add_tensor(g, f16);
  bool ok = write_file(g, path, false);
  G.gguf_free(g);
  G.ggml_free(ctx);
  free(all);
  if (!ok) {
    fprintf(stderr, "llm_vs_ggml: gguf_write_to_file(%s) failed\n", path);
    return 2;
  }
  printf("%s: written by llama.cpp's gguf_write_to_file (%zu tensors)\n", path, NTYPES + 2);
  (void)GGUF_I16, (void)GGUF_BOOL, (void)GGUF_F64;
  return 0;
}

/* ---------------------------------------------------------- golden --- */
static int write_file_or_die(const char* dir, const char* name, const void* p, size_t n) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE* f = fopen(path, "wb");
  if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
    fprintf(stderr, "llm_vs_ggml: cannot write %s\n", path);
    exit(2);
  }
  return 0;
}

/* input.f32 and, per type, <name>.q (ggml_quantize_chunk of each set, one
 * row of GOLD_N) and <name>.deq.f32 (ggml's dequantize_row_* of those bytes). */
static int golden(const char* dir) {
  const size_t n = (size_t)NSETS * GOLD_N;
  float* x = malloc(n * sizeof *x);
  float* y = malloc(n * sizeof *y);
  uint8_t* q = malloc(n * 2);
  golden_input(x);
  write_file_or_die(dir, "input.f32", x, n * sizeof *x);
  for (size_t ti = 0; ti < NTYPES; ++ti) {
    lq_ggml_traits t;
    lq_ggml_type_traits(kTypes[ti], &t);
    size_t row;
    lq_ggml_row_bytes(kTypes[ti], GOLD_N, &row);
    for (int set = 0; set < NSETS; ++set)
      G.quantize_chunk((int)kTypes[ti], x + (size_t)set * GOLD_N, q + (size_t)set * row, 0, 1, GOLD_N, NULL);
    ggml_dequantizer(kTypes[ti])(q, y, (int64_t)n);
    char name[64];
    snprintf(name, sizeof name, "%s.q", t.name);
    write_file_or_die(dir, name, q, row * NSETS);
    snprintf(name, sizeof name, "%s.deq.f32", t.name);
    write_file_or_die(dir, name, y, n * sizeof *y);
  }
  free(x), free(y), free(q);
  char path[4096];
  snprintf(path, sizeof path, "%s/by_llama_cpp.gguf", dir);
  return write_gguf(path);
}

/* ----------------------------------------------------------- bench --- */
static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
static volatile float sink;
#define REPS 7
/* median over REPS of the time one call of `body` takes */
#define TIME_MEDIAN(out, body)                                 \
  do {                                                         \
    double ts_[REPS];                                          \
    for (int r_ = 0; r_ < REPS; ++r_) {                        \
      double t0_ = now();                                      \
      body;                                                    \
      ts_[r_] = now() - t0_;                                   \
    }                                                          \
    for (int i_ = 1; i_ < REPS; ++i_)                          \
      for (int j_ = i_; j_ > 0 && ts_[j_] < ts_[j_ - 1]; --j_) { \
        double s_ = ts_[j_];                                   \
        ts_[j_] = ts_[j_ - 1];                                 \
        ts_[j_ - 1] = s_;                                      \
      }                                                        \
    (out) = ts_[REPS / 2];                                     \
  } while (0)

/* medians over REPS of two bodies timed alternately (a, b, a, b, ...): on a
 * shared machine a load change then hits both sides alike */
#define TIME_PAIR(out_a, out_b, body_a, body_b)                     \
  do {                                                              \
    double ta_[REPS], tb_[REPS];                                    \
    for (int r_ = 0; r_ < REPS; ++r_) {                             \
      double t0_ = now();                                           \
      body_a;                                                       \
      double t1_ = now();                                           \
      body_b;                                                       \
      tb_[r_] = now() - t1_;                                        \
      ta_[r_] = t1_ - t0_;                                          \
    }                                                               \
    for (int i_ = 1; i_ < REPS; ++i_)                               \
      for (int j_ = i_; j_ > 0; --j_) {                             \
        if (ta_[j_] < ta_[j_ - 1]) {                                \
          double s_ = ta_[j_];                                      \
          ta_[j_] = ta_[j_ - 1];                                    \
          ta_[j_ - 1] = s_;                                         \
        }                                                           \
        if (tb_[j_] < tb_[j_ - 1]) {                                \
          double s_ = tb_[j_];                                      \
          tb_[j_] = tb_[j_ - 1];                                    \
          tb_[j_ - 1] = s_;                                         \
        }                                                           \
      }                                                             \
    (out_a) = ta_[REPS / 2];                                        \
    (out_b) = tb_[REPS / 2];                                        \
  } while (0)

static int bench(size_t n) {
  n -= n % 256;
  float* x = malloc(n * sizeof *x);
  float* y = malloc(n * sizeof *y);
  uint8_t* q = malloc(n * 2);
  uint8_t* q8 = malloc(n * 2);
  fill_set(1, x, n);
  memset(y, 0, n * sizeof *y);
  memset(q, 0, n * 2);
  memset(q8, 0, n * 2);
  double tm;
  TIME_MEDIAN(tm, memcpy(y, x, n * sizeof *x));
  const double g = (double)n / 1e9;
  printf("n = %zu floats, 1 thread; memcpy %.2f G el/s. Rates in G el/s, (x memcpy), ggml = llama.cpp's "
         "libggml-base (reference quantizers, dequantizers) and libggml-cpu-haswell (quantize_row_q8_0, "
         "vec_dot).\n",
         n, g / tm);
  printf("%-8s %-22s %-22s %-22s %-22s\n", "type", "quantize libquant", "quantize ggml", "dequant libquant",
         "dequant ggml");
  for (size_t ti = 0; ti < NTYPES; ++ti) {
    lq_ggml_traits t;
    lq_ggml_type_traits(kTypes[ti], &t);
    to_float_fn deq = ggml_dequantizer(kTypes[ti]);
    const int kquant = t.block_size == 256 || kTypes[ti] == LQ_GGML_IQ4_NL;
    size_t m = kquant ? n / 16 : n; /* the slow scale searches get 1/16 of the data */
    const double gm = (double)m / 1e9;
    double tq_ours, tq_ggml, td_ours, td_ggml;
    TIME_PAIR(tq_ours, tq_ggml, lq_ggml_quantize(kTypes[ti], x, m, q),
              G.quantize_chunk((int)kTypes[ti], x, q, 0, (int64_t)(m / ROW), ROW, NULL));
    TIME_PAIR(td_ours, td_ggml, lq_ggml_dequantize(kTypes[ti], q, m, y), deq(q, y, (int64_t)m));
    printf("%-8s %6.3f (%6.3fx)       %6.3f (%6.3fx)       %6.3f (%5.2fx)        %6.3f (%5.2fx)\n", t.name,
           gm / tq_ours, gm / tq_ours / (g / tm), gm / tq_ggml, gm / tq_ggml / (g / tm), gm / td_ours,
           gm / td_ours / (g / tm), gm / td_ggml, gm / td_ggml / (g / tm));
  }
  /* ggml's SIMD activation quantizer (what ggml_mul_mat uses for src1) */
  from_float_fn q8simd = (from_float_fn)need(G.cpu, "quantize_row_q8_0");
  double tq8;
  TIME_MEDIAN(tq8, q8simd(x, q8, (int64_t)n));
  printf("q8_0 quantize, ggml-cpu SIMD quantize_row_q8_0: %.3f G el/s (%.3fx memcpy)\n", g / tq8,
         g / tq8 / (g / tm));
  /* dot products over the whole buffer in rows of ROW elements */
  static const struct {
    lq_ggml_type x;
    const char* sym;
  } dots[] = {{LQ_GGML_Q4_0, "ggml_vec_dot_q4_0_q8_0"}, {LQ_GGML_Q8_0, "ggml_vec_dot_q8_0_q8_0"}};
  lq_ggml_quantize(LQ_GGML_Q8_0, x, n, q8);
  for (size_t di = 0; di < 2; ++di) {
    vec_dot_fn dot = (vec_dot_fn)need(G.cpu, dots[di].sym);
    lq_ggml_quantize(dots[di].x, x, n, q);
    size_t xrow, yrow;
    lq_ggml_row_bytes(dots[di].x, ROW, &xrow);
    lq_ggml_row_bytes(LQ_GGML_Q8_0, ROW, &yrow);
    double to, tg;
    float acc = 0;
    TIME_PAIR(to, tg, for (size_t r = 0; r < n / ROW; ++r) {
      float s;
      lq_ggml_vec_dot(dots[di].x, q + r * xrow, LQ_GGML_Q8_0, q8 + r * yrow, ROW, &s);
      acc += s;
    }, for (size_t r = 0; r < n / ROW; ++r) {
      float s;
      dot(ROW, &s, 0, q + r * xrow, 0, q8 + r * yrow, 0, 1);
      acc += s;
    });
    /* the same kernels on 64 K elements (L2-resident), 64 passes per timing:
     * compute-bound, where the memory-bound rate above hides differences */
    const size_t nl2 = (size_t)1 << 16;
    double to2, tg2;
    TIME_PAIR(to2, tg2, for (int p = 0; p < 64; ++p) for (size_t r = 0; r < nl2 / ROW; ++r) {
      float s;
      lq_ggml_vec_dot(dots[di].x, q + r * xrow, LQ_GGML_Q8_0, q8 + r * yrow, ROW, &s);
      acc += s;
    }, for (int p = 0; p < 64; ++p) for (size_t r = 0; r < nl2 / ROW; ++r) {
      float s;
      dot(ROW, &s, 0, q + r * xrow, 0, q8 + r * yrow, 0, 1);
      acc += s;
    });
    sink = acc;
    const double gl2 = 64.0 * (double)nl2 / 1e9;
    printf("%s: libquant %.2f G el/s (%.2fx memcpy), ggml AVX2 %.2f G el/s (%.2fx memcpy); L2-resident 64 K: "
           "libquant %.2f, ggml %.2f G el/s\n",
           dots[di].sym, g / to, g / to / (g / tm), g / tg, g / tg / (g / tm), gl2 / to2, gl2 / tg2);
  }
  free(x), free(y), free(q), free(q8);
  return 0;
}

/* The data of test_dot_ggml_golden in tests/test_llm_kernels.c: exact
 * small-integer formulas, quantized by ggml's reference quantizers. */
static int dot_golden(void) {
  enum { N = 32 * 41 };
  static float w[N], a[N];
  static uint8_t qw4[N], qw8[2 * N], qa8[2 * N];
  for (int i = 0; i < N; ++i) {
    w[i] = (float)((i * 7919) % 2001 - 1000) / 256.0f * (float)(1 + (i / 32) % 5);
    a[i] = (float)((i * 104729) % 1999 - 999) / 128.0f;
  }
  G.quantize_chunk(LQ_GGML_Q4_0, w, qw4, 0, 1, N, NULL);
  G.quantize_chunk(LQ_GGML_Q8_0, w, qw8, 0, 1, N, NULL);
  G.quantize_chunk(LQ_GGML_Q8_0, a, qa8, 0, 1, N, NULL);
  float s4 = 0, s8 = 0;
  ((vec_dot_fn)need(G.cpu, "ggml_vec_dot_q4_0_q8_0"))(N, &s4, 0, qw4, 0, qa8, 0, 1);
  ((vec_dot_fn)need(G.cpu, "ggml_vec_dot_q8_0_q8_0"))(N, &s8, 0, qw8, 0, qa8, 0, 1);
  uint32_t b4, b8;
  memcpy(&b4, &s4, 4);
  memcpy(&b8, &s8, 4);
  printf("ggml AVX2 q4_0.q8_0 = %a (0x%08x), q8_0.q8_0 = %a (0x%08x)\n", s4, b4, s8, b8);
  ((vec_dot_fn)need(G.cpu_portable, "ggml_vec_dot_q4_0_q8_0_generic"))(N, &s4, 0, qw4, 0, qa8, 0, 1);
  ((vec_dot_fn)need(G.cpu_portable, "ggml_vec_dot_q8_0_q8_0_generic"))(N, &s8, 0, qw8, 0, qa8, 0, 1);
  memcpy(&b4, &s4, 4);
  memcpy(&b8, &s8, 4);
  printf("ggml portable q4_0.q8_0 = %a (0x%08x), q8_0.q8_0 = %a (0x%08x)\n", s4, b4, s8, b8);
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr,
            "usage: llm_vs_ggml GGML_LIB_DIR check | gguf FILE... | write FILE | golden DIR | dot-golden | bench [N]\n");
    return 2;
  }
  load_ggml(argv[1]);
  if (!strcmp(argv[2], "check")) return check();
  if (!strcmp(argv[2], "gguf")) {
    int bad = 0;
    for (int i = 3; i < argc; ++i) bad |= check_gguf(argv[i]);
    return bad;
  }
  if (!strcmp(argv[2], "write") && argc == 4) return write_gguf(argv[3]);
  if (!strcmp(argv[2], "golden") && argc == 4) return golden(argv[3]);
  if (!strcmp(argv[2], "dot-golden")) return dot_golden();
  if (!strcmp(argv[2], "bench")) return bench(argc > 3 ? (size_t)strtoull(argv[3], NULL, 10) : (size_t)1 << 24);
  fprintf(stderr, "llm_vs_ggml: unknown mode %s\n", argv[2]);
  return 2;
}
