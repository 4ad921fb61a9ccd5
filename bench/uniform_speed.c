#define _POSIX_C_SOURCE 200809L
/* lq_uniform_speed: plain-C throughput of the uniform module's hot paths,
 * printed as JSON (no Google Benchmark needed; bench/compare/uniform_vs_torch.py
 * runs it). Single thread. Every rate is 10^9 elements per second, the median
 * of --reps runs, with a memcpy of the f32 input's bytes timed in the same run.
 *
 *   lq_uniform_speed [--n N] [--reps R] [--input FILE.f32 --scale S --zp Z]
 *
 * --input reads raw little-endian float32 (n = file size / 4) so a peer can
 * be timed on exactly the same data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void* aligned_alloc(size_t alignment, size_t size); /* C11, hidden by _POSIX_C_SOURCE in some libcs */

#include "libquant.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
/* CPU time of this thread: less sensitive than wall time to other processes
 * competing for the (shared, 2-core) machine. */
static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
static double last_cpu;

static int cmp_d(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

#define MAXREPS 64
static volatile unsigned char sink;

typedef struct {
  size_t n;
  const float* x;
  float* y;
  int8_t* q;
  uint8_t* p;
  float scale;
  int32_t zp;
  lq_rounding r;
} ctx;

enum { OP_MEMCPY, OP_QUANT, OP_DEQUANT, OP_QUANT_U8, OP_PACK4_Q, OP_PACK4_DQ };

static double run_once(ctx* c, int op) {
  double c0 = cpu_s();
  double t0 = now_s();
  lq_status st = LQ_OK;
  switch (op) {
    case OP_MEMCPY: memcpy(c->y, c->x, c->n * sizeof(float)); break;
    case OP_QUANT: st = lq_quantize_f32_s8(c->x, c->n, c->scale, c->zp, &c->r, c->q); break;
    case OP_QUANT_U8: st = lq_quantize_f32_u8(c->x, c->n, c->scale, 128, &c->r, (uint8_t*)c->q); break;
    case OP_DEQUANT: st = lq_dequantize_s8_f32(c->q, c->n, c->scale, c->zp, c->y); break;
    case OP_PACK4_Q: {
      lq_affine a = {c->scale * 16.0f, 0, -8, 7, LQ_DTYPE_S4};
      st = lq_affine_quantize(&a, c->x, c->n, &c->r, c->p);
      break;
    }
    case OP_PACK4_DQ: {
      lq_affine a = {c->scale * 16.0f, 0, -8, 7, LQ_DTYPE_S4};
      st = lq_affine_dequantize(&a, c->p, c->n, c->y);
      break;
    }
  }
  double t = now_s() - t0;
  last_cpu = cpu_s() - c0;
  if (st != LQ_OK) {
    fprintf(stderr, "lq_uniform_speed: %s: %s\n", lq_status_string(st), lq_last_error());
    exit(1);
  }
  sink ^= ((volatile unsigned char*)c->y)[0] ^ (unsigned char)c->q[c->n - 1];
  return t;
}

/* memcpy and op interleaved rep by rep so both see the same machine state. */
static double cpu_rate_op; /* CPU-time rate of the last measure() */
static void measure(ctx* c, int op, int reps, double* rate_op, double* rate_memcpy) {
  double to[MAXREPS], tm[MAXREPS], tc[MAXREPS];
  run_once(c, op); /* warm-up: faults pages in */
  for (int i = 0; i < reps; i++) {
    tm[i] = run_once(c, OP_MEMCPY);
    to[i] = run_once(c, op);
    tc[i] = last_cpu;
  }
  qsort(to, (size_t)reps, sizeof(double), cmp_d);
  qsort(tm, (size_t)reps, sizeof(double), cmp_d);
  qsort(tc, (size_t)reps, sizeof(double), cmp_d);
  *rate_op = (double)c->n / to[reps / 2] * 1e-9;
  *rate_memcpy = (double)c->n / tm[reps / 2] * 1e-9;
  cpu_rate_op = (double)c->n / tc[reps / 2] * 1e-9;
}

int main(int argc, char** argv) {
  size_t n = (size_t)1 << 24;
  int reps = 9;
  const char* input = NULL;
  float scale = 0.0f;
  int32_t zp = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--n") && i + 1 < argc) n = (size_t)strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--input") && i + 1 < argc) input = argv[++i];
    else if (!strcmp(argv[i], "--scale") && i + 1 < argc) scale = strtof(argv[++i], NULL);
    else if (!strcmp(argv[i], "--zp") && i + 1 < argc) zp = atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: %s [--n N] [--reps R] [--input FILE.f32 --scale S --zp Z]\n", argv[0]);
      return 2;
    }
  }
  if (reps < 1 || reps > MAXREPS) reps = 9;
  float* x = NULL;
  if (input) {
    FILE* f = fopen(input, "rb");
    if (!f) {
      perror(input);
      return 1;
    }
    fseek(f, 0, SEEK_END);
    long bytes = ftell(f);
    fseek(f, 0, SEEK_SET);
    n = (size_t)bytes / 4;
    x = aligned_alloc(64, (n * 4 + 63) / 64 * 64);
    if (!x || fread(x, 4, n, f) != n) {
      fprintf(stderr, "cannot read %s\n", input);
      return 1;
    }
    fclose(f);
  } else {
    x = aligned_alloc(64, (n * 4 + 63) / 64 * 64);
    for (size_t i = 0; i < n; i++) x[i] = 4.0f * (2.0f * lq_rng_uniform_f32(1, i) - 1.0f);
  }
  if (n == 0) {
    fprintf(stderr, "empty input\n");
    return 2;
  }
  if (!(scale > 0.0f)) {
    float mn, mx;
    lq_reduce_minmax_f32(x, n, &mn, &mx);
    lq_range_config rc = {0};
    lq_qparams_from_minmax(&rc, mn, mx, &scale, &zp);
  }
  ctx c = {n, x, aligned_alloc(64, (n * 4 + 63) / 64 * 64), aligned_alloc(64, (n + 63) / 64 * 64),
           aligned_alloc(64, (n / 2 + 64) / 64 * 64), scale, zp, {LQ_ROUND_HALF_EVEN, 1, 0}};
  if (!c.y || !c.q || !c.p) return 1;
  const char* isa = "scalar";
  for (size_t i = 0; i < lq_dispatch_slot_count(); i++) {
    const char *slot, *kern;
    lq_dispatch_slot_info(i, &slot, &kern);
    if (!strcmp(slot, "uniform_quant_f32_s8")) isa = kern;
  }
  double q, m1, dq, m2, qu, m3, p4, m4, d4, m5;
  double qc, dqc;
  measure(&c, OP_QUANT, reps, &q, &m1);
  qc = cpu_rate_op;
  measure(&c, OP_DEQUANT, reps, &dq, &m2);
  dqc = cpu_rate_op;
  measure(&c, OP_QUANT_U8, reps, &qu, &m3);
  measure(&c, OP_PACK4_Q, reps, &p4, &m4);
  measure(&c, OP_PACK4_DQ, reps, &d4, &m5);
  printf("{\n  \"n\": %zu,\n  \"reps\": %d,\n  \"kernel\": \"%s\",\n  \"scale\": %.9g,\n  \"zero_point\": %d,\n", n, reps, isa,
         (double)scale, (int)zp);
  printf("  \"memcpy_gelems\": %.4f,\n", (m1 + m2) / 2);
  printf("  \"quantize_s8_gelems\": %.4f,\n  \"quantize_s8_x_memcpy\": %.3f,\n", q, q / m1);
  printf("  \"dequantize_s8_gelems\": %.4f,\n  \"dequantize_s8_x_memcpy\": %.3f,\n", dq, dq / m2);
  printf("  \"quantize_s8_cpu_gelems\": %.4f,\n  \"dequantize_s8_cpu_gelems\": %.4f,\n", qc, dqc);
  printf("  \"quantize_u8_gelems\": %.4f,\n", qu);
  printf("  \"quantize_s4_packed_gelems\": %.4f,\n  \"dequantize_s4_packed_gelems\": %.4f,\n", p4, d4);
  printf("  \"rounding\": {");
  double he = 0;
  for (int mode = 0; mode < LQ_ROUND_COUNT_; mode++) {
    c.r.mode = (lq_round)mode;
    double r, mm;
    measure(&c, OP_QUANT, reps, &r, &mm);
    if (mode == 0) he = r;
    printf("%s\n    \"%s\": {\"quantize_s8_gelems\": %.4f, \"x_half_even\": %.3f}", mode ? "," : "", lq_round_name((lq_round)mode), r, r / he);
  }
  printf("\n  }\n}\n");
  free(x);
  free(c.y);
  free(c.q);
  free(c.p);
  return 0;
}
