#define _POSIX_C_SOURCE 199309L
/* Plain-C timing of one observer over batches stored as raw little-endian
 * float32 files (written by bench/compare/observers_vs_torch.py), so the
 * comparison with torch times the same work on the same data:
 *   lq_obs_time METHOD REPS FILE.f32 [FILE2.f32 ...]
 * For each rep: a fresh observer observes every file once, then qparams().
 * Prints the median seconds of the observe part and of qparams, and the
 * resulting (scale, zero_point). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libquant.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_d(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: lq_obs_time METHOD REPS FILE.f32 [FILE2.f32 ...]\n");
    return 2;
  }
  lq_observer_config cfg = {0};
  if (lq_observer_method_parse(argv[1], &cfg.method) != LQ_OK) {
    fprintf(stderr, "unknown observer %s\n", argv[1]);
    return 2;
  }
  int reps = atoi(argv[2]);
  if (reps < 1 || reps > 1000) return 2;
  int nf = argc - 3;
  float** data = calloc((size_t)nf, sizeof *data);
  size_t* len = calloc((size_t)nf, sizeof *len);
  for (int f = 0; f < nf; f++) {
    FILE* fp = fopen(argv[3 + f], "rb");
    if (!fp) {
      perror(argv[3 + f]);
      return 1;
    }
    fseek(fp, 0, SEEK_END);
    long bytes = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    len[f] = (size_t)bytes / 4;
    data[f] = malloc((size_t)bytes + 4);
    if (fread(data[f], 4, len[f], fp) != len[f]) return 1;
    fclose(fp);
  }
  double* t_obs = calloc((size_t)reps, sizeof(double));
  double* t_qp = calloc((size_t)reps, sizeof(double));
  float s = 0;
  int32_t z = 0;
  for (int r = 0; r < reps; r++) {
    lq_observer* o;
    if (lq_observer_create(&cfg, &o) != LQ_OK) return 1;
    double t0 = now();
    for (int f = 0; f < nf; f++) {
      lq_shape sh = {1, {(int64_t)len[f]}};
      if (lq_observer_observe(o, data[f], &sh) != LQ_OK) {
        fprintf(stderr, "observe: %s\n", lq_last_error());
        return 1;
      }
    }
    double t1 = now();
    size_t n = 1;
    if (lq_observer_qparams(o, &s, &z, &n) != LQ_OK) return 1;
    double t2 = now();
    t_obs[r] = t1 - t0;
    t_qp[r] = t2 - t1;
    lq_observer_destroy(o);
  }
  qsort(t_obs, (size_t)reps, sizeof(double), cmp_d);
  qsort(t_qp, (size_t)reps, sizeof(double), cmp_d);
  printf("observe_s %.6e qparams_s %.6e scale %.9g zero_point %d\n", t_obs[reps / 2], t_qp[reps / 2], s, (int)z);
  for (int f = 0; f < nf; f++) free(data[f]);
  free(data);
  free(len);
  free(t_obs);
  free(t_qp);
  return 0;
}
