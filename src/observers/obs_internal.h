/* Internal state of lq_observer shared by the observers module's files. */
#ifndef LQ_OBS_INTERNAL_H
#define LQ_OBS_INTERNAL_H

#include "common/lq_internal.h"

#define LQ_OBS_DEFAULT_BINS 2048
#define LQ_OBS_MAX_BINS (1 << 20)      /* configured histogram bins */
#define LQ_OBS_MAX_NVBINS (1u << 24)   /* grown |x| histograms (kernel limit) */
#define LQ_OBS_MAX_CHANNELS (1u << 24)

/* One channel's histogram. torch style (HISTOGRAM): nb = cfg bins, bins span
 * [lo, hi] = the observer's [min_val, max_val]; `mass` holds the counts while
 * the range is a single value (intended algorithm). NVIDIA style
 * (PERCENTILE/HIST_MSE/KL): bins i*width .. (i+1)*width over |x|, hi =
 * nb*width; `mass` holds the zeros seen before any non-zero value. */
typedef struct obs_hist {
  double* counts;
  size_t nb, cap;
  float lo, hi, width;
  double mass;
} obs_hist;

/* A growable copy of one channel's data (PERCENTILE exact part, MSE, LSQ). */
typedef struct obs_store {
  float* v;
  size_t n, cap;
  int overflowed; /* PERCENTILE: exceeded exact_limit, data dropped */
} obs_store;

struct lq_observer {
  lq_observer_config cfg; /* normalised */
  lq_range_config rc;     /* cfg.range with signedness from dtype */
  int32_t qmin, qmax;
  size_t nch;             /* channels (per tensor: 1) */
  uint64_t batches;       /* non-empty batches observed */
  float* mn;              /* running min/max (EMA for MOVING_AVERAGE; torch min_val/max_val for HISTOGRAM) */
  float* mx;
  obs_hist* h;            /* histogram methods */
  obs_store* st;          /* data-keeping methods */
  float* bmn;             /* scratch: batch min/max per channel */
  float* bmx;
  uint32_t* tmp;          /* scratch: kernel bin counts */
  size_t tmp_cap;
};

static inline int obs_is_hist_torch(const lq_observer* o) { return o->cfg.method == LQ_OBSERVER_HISTOGRAM; }
static inline int obs_is_hist_nv(const lq_observer* o) {
  return o->cfg.method == LQ_OBSERVER_PERCENTILE || o->cfg.method == LQ_OBSERVER_HIST_MSE ||
         o->cfg.method == LQ_OBSERVER_KL;
}
static inline int obs_keeps_data(const lq_observer* o) {
  return o->cfg.method == LQ_OBSERVER_PERCENTILE || o->cfg.method == LQ_OBSERVER_MSE ||
         o->cfg.method == LQ_OBSERVER_LSQ;
}

/* Layout of a batch: outer x channels x inner (per tensor: 1 x 1 x n). */
typedef struct obs_layout {
  size_t outer, ch, inner;
} obs_layout;

/* observers.c */
LQ_INTERNAL lq_status obs_normalise_config(const lq_observer_config* in, lq_observer_config* out);
LQ_INTERNAL lq_status obs_alloc_channels(lq_observer* o, size_t nch);
LQ_INTERNAL void obs_free_state(lq_observer* o);
LQ_INTERNAL lq_status obs_ensure_tmp(lq_observer* o, size_t n);

/* obs_hist.c */
LQ_INTERNAL lq_status obs_hist_reserve(obs_hist* h, size_t nb);
LQ_INTERNAL lq_status obs_hist_torch_observe(lq_observer* o, const float* x, const obs_layout* L);
LQ_INTERNAL lq_status obs_hist_nv_observe(lq_observer* o, const float* x, const obs_layout* L);
LQ_INTERNAL lq_status obs_hist_torch_range(const lq_observer* o, size_t c, float* lo, float* hi);
LQ_INTERNAL lq_status obs_hist_nv_amax(const lq_observer* o, size_t c, float* amax);
LQ_INTERNAL lq_status obs_hist_torch_merge(lq_observer* dst, const lq_observer* src, size_t c);
LQ_INTERNAL lq_status obs_hist_nv_merge(lq_observer* dst, const lq_observer* src, size_t c);

/* obs_data.c */
LQ_INTERNAL lq_status obs_store_append(obs_store* s, const float* x, size_t n);
LQ_INTERNAL lq_status obs_data_observe(lq_observer* o, const float* x, const obs_layout* L);
LQ_INTERNAL lq_status obs_percentile_exact(const lq_observer* o, size_t c, float* amax, int* done);
LQ_INTERNAL lq_status obs_mse_range(const lq_observer* o, size_t c, float* lo, float* hi);
LQ_INTERNAL lq_status obs_lsq_qparams(const lq_observer* o, size_t c, float* scale, int32_t* zp, float* lo,
                                      float* hi);

#endif
