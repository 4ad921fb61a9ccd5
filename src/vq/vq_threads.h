/* A minimal fork-join parallel-for on pthreads for the vq module. Work is
 * cut into `ntasks` fixed tasks (independent of the thread count) and each
 * task writes only its own outputs, so results never depend on nthreads. */
#ifndef LQ_VQ_THREADS_H
#define LQ_VQ_THREADS_H

#include <stddef.h>

#include "common/lq_internal.h"

/* Runs fn(ctx, task, worker) for task in [0, ntasks). Worker w of nt gets the
 * contiguous range [ntasks*w/nt, ntasks*(w+1)/nt); worker 0 is the caller.
 * If a thread cannot be created its range runs on the caller. */
typedef void (*lq_vq_task_fn)(void* ctx, size_t task, int worker);
LQ_INTERNAL void lq_vq_parallel_for(int nthreads, size_t ntasks, lq_vq_task_fn fn, void* ctx);

/* nthreads <= 0 → number of online CPUs; then capped by the environment
 * variable LIBQUANT_NUM_THREADS (if set to N >= 1) and LQ_VQ_MAX_THREADS. */
#define LQ_VQ_MAX_THREADS 64
LQ_INTERNAL int lq_vq_resolve_threads(int nthreads);

#endif
