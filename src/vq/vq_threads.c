#include "vq/vq_threads.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct {
  lq_vq_task_fn fn;
  void* ctx;
  size_t begin, end;
  int worker;
} lq_vq_range;

static void* lq_vq_run_range(void* p) {
  lq_vq_range* r = (lq_vq_range*)p;
  for (size_t t = r->begin; t < r->end; t++) r->fn(r->ctx, t, r->worker);
  return NULL;
}

int lq_vq_resolve_threads(int nthreads) {
  if (nthreads <= 0) {
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    nthreads = c > 0 ? (int)c : 1;
  }
#ifndef LQ_NO_GETENV
  /* LIBQUANT_NUM_THREADS=N caps every request (e.g. emulators where thread
   * creation is broken, or to share a machine); results do not change. */
  const char* env = getenv("LIBQUANT_NUM_THREADS");
  if (env != NULL && env[0] != '\0') {
    char* end;
    long cap = strtol(env, &end, 10);
    if (*end == '\0' && cap >= 1 && cap < nthreads) nthreads = (int)cap;
  }
#endif
  return nthreads > LQ_VQ_MAX_THREADS ? LQ_VQ_MAX_THREADS : nthreads;
}

void lq_vq_parallel_for(int nthreads, size_t ntasks, lq_vq_task_fn fn, void* ctx) {
  int nt = lq_vq_resolve_threads(nthreads);
  if ((size_t)nt > ntasks) nt = (int)ntasks;
  if (nt <= 1) {
    for (size_t t = 0; t < ntasks; t++) fn(ctx, t, 0);
    return;
  }
  lq_vq_range r[LQ_VQ_MAX_THREADS];
  pthread_t th[LQ_VQ_MAX_THREADS];
  int started[LQ_VQ_MAX_THREADS] = {0};
  for (int w = 0; w < nt; w++) {
    r[w].fn = fn;
    r[w].ctx = ctx;
    r[w].begin = ntasks * (size_t)w / (size_t)nt;
    r[w].end = ntasks * (size_t)(w + 1) / (size_t)nt;
    r[w].worker = w;
  }
  for (int w = 1; w < nt; w++) started[w] = pthread_create(&th[w], NULL, lq_vq_run_range, &r[w]) == 0;
  lq_vq_run_range(&r[0]);
  for (int w = 1; w < nt; w++) {
    if (started[w])
      pthread_join(th[w], NULL);
    else
      lq_vq_run_range(&r[w]);
  }
}
