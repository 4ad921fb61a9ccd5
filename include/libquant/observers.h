/* libquant observers: range estimation for calibration (post-training and
 * quantization-aware). Included by <libquant.h>; do not include directly.
 *
 * One opaque object, lq_observer, serves every method: create it from an
 * lq_observer_config, feed it batches with lq_observer_observe() any number
 * of times, and read (scale, zero_point) per tensor or per channel with
 * lq_observer_qparams(). The state can be reset, saved to / loaded from a
 * byte buffer, and merged with another observer of the same configuration.
 * docs/observers.md describes every method, its reference and deviations.
 *
 * Thread-safety: an lq_observer is not internally locked; use one per thread
 * and merge them. Distinct observers are independent. */
#ifndef LIBQUANT_OBSERVERS_H_7F3A91C2
#define LIBQUANT_OBSERVERS_H_7F3A91C2

/*! lq_observer_method : the range estimator.
 *  MINMAX          running min/max (torch MinMaxObserver / PerChannelMinMaxObserver)
 *  MOVING_AVERAGE  EMA of batch min/max, first batch initialises (torch MovingAverage*MinMaxObserver)
 *  HISTOGRAM       torch HistogramObserver: 2048-bin histogram grown by up/down-sampling, L2 search
 *  PERCENTILE      percentile of |x| (exact order statistic while few samples, else NVIDIA histogram)
 *  HIST_MSE        NVIDIA pytorch-quantization histogram MSE calibrator on |x|
 *  KL              NVIDIA pytorch-quantization entropy (KL) calibrator on |x|
 *  MSE             GPTQ-style grid search of clipping ratios minimising sum |x^ - x|^norm
 *  LSQ             learned step size fitted on the observed data (symmetric: LSQ;
 *                  affine: LSQ+ with a learned offset) */
typedef enum lq_observer_method {
  LQ_OBSERVER_MINMAX = 0,
  LQ_OBSERVER_MOVING_AVERAGE = 1,
  LQ_OBSERVER_HISTOGRAM = 2,
  LQ_OBSERVER_PERCENTILE = 3,
  LQ_OBSERVER_HIST_MSE = 4,
  LQ_OBSERVER_KL = 5,
  LQ_OBSERVER_MSE = 6,
  LQ_OBSERVER_LSQ = 7,
  LQ_OBSERVER_METHOD_COUNT_ = 8
} lq_observer_method;

/*! lq_observer_dtype : torch's dtype. The default (0) is quint8 like torch's
 *  observers; it overrides range.signedness (which defaults to signed). */
typedef enum lq_observer_dtype { LQ_OBSERVER_QUINT = 0, LQ_OBSERVER_QINT = 1 } lq_observer_dtype;

/*! lq_observer_config : zero-initialised = PyTorch's defaults (MinMax,
 *  quint8, affine, per-tensor, eps 2^-23). Zero in a method parameter means
 *  its default (given in brackets). */
typedef struct lq_observer_config {
  lq_observer_method method;
  lq_observer_dtype dtype;      /* unsigned (quint8) or signed (qint8) codes */
  lq_range_config range;        /* bits [8], mapping, narrow, reduce_range, sym_scale, eps [2^-23],
                                   custom qmin/qmax; range.signedness is ignored (see dtype) */
  lq_granularity granularity;   /* LQ_GRAN_TENSOR or LQ_GRAN_CHANNEL (LQ_GRAN_GROUP is rejected) */
  int32_t axis;                 /* channel axis for LQ_GRAN_CHANNEL; negative counts from the end */
  float averaging_constant;     /* MOVING_AVERAGE [0.01], in (0, 1] */
  int32_t bins;                 /* HISTOGRAM/PERCENTILE/HIST_MSE/KL histogram bins [2048] */
  int32_t upsample_rate;        /* HISTOGRAM [128] */
  double percentile;            /* PERCENTILE [99.99], in (0, 100] */
  int32_t start_bin;            /* HIST_MSE/KL first candidate bin [128] */
  int32_t stride;               /* HIST_MSE/KL candidate stride [1] */
  int64_t exact_limit;          /* PERCENTILE: exact while samples per channel <= limit [1<<20]; -1: never */
  float mse_norm;               /* MSE error exponent [2.4] */
  int32_t mse_grid;             /* MSE grid [100] */
  float mse_maxshrink;          /* MSE max shrink [0.8]: int(maxshrink*grid) candidates */
  int32_t lsq_steps;            /* LSQ optimiser steps [300] */
  float lsq_lr;                 /* LSQ Adam learning rate, relative to the initial scale [0.01] */
  int32_t torch_compat;         /* HISTOGRAM: 1 reproduces torch 1.13's int() truncation of the
                                   histc range and its reset when min == max (documented defects) */
} lq_observer_config;

typedef struct lq_observer lq_observer;

/*! lq_observer_create() : validates cfg (enums, axis against nothing yet,
 *  finite parameters in range) and allocates an observer in the "never
 *  observed" state. *out is NULL on failure. Free with lq_observer_destroy. */
LQ_API lq_status lq_observer_create(const lq_observer_config* cfg, lq_observer** out);

/*! lq_observer_destroy() : frees obs; NULL is a no-op. */
LQ_API void lq_observer_destroy(lq_observer* obs);

/*! lq_observer_config_get() : copies the (normalised: defaults filled in)
 *  configuration. */
LQ_API lq_status lq_observer_config_get(const lq_observer* obs, lq_observer_config* cfg_out);

/*! lq_observer_observe() : feeds one batch x of `shape` (C order). An empty
 *  batch is ignored (like torch). Per-channel: the channel count is fixed by
 *  the first non-empty batch; later batches must have the same count
 *  (LQ_ERR_INVALID_ARG otherwise). MINMAX/MOVING_AVERAGE propagate NaN into
 *  the running range like torch (qparams then fails with LQ_ERR_NUMERIC);
 *  the other methods reject NaN/Inf batches with LQ_ERR_NUMERIC and leave the
 *  state unchanged. MINMAX and MOVING_AVERAGE never allocate here; histogram
 *  methods allocate only while their range grows; PERCENTILE (exact part),
 *  MSE and LSQ keep a copy of the data they are given. */
LQ_API lq_status lq_observer_observe(lq_observer* obs, const float* x, const lq_shape* shape);

/*! lq_observer_channels() : 1 per tensor; for per channel, the channel count
 *  (0 before the first non-empty batch). */
LQ_API lq_status lq_observer_channels(const lq_observer* obs, size_t* n_out);

/*! lq_observer_qparams() : writes one (scale, zero_point) per channel.
 *  On entry *n is the capacity of scales/zero_points; on return it holds the
 *  count needed (LQ_ERR_BUFFER_TOO_SMALL if capacity was short; nothing
 *  written). Never observed: like torch, (1.0, 0) with n = 1 (per channel:
 *  n = 0). Does not change the observer's state (LSQ refits each call). */
LQ_API lq_status lq_observer_qparams(const lq_observer* obs, float* scales, int32_t* zero_points, size_t* n);

/*! lq_observer_range() : the clipping range [lo, hi] per channel the method
 *  chose before lq_qparams_from_minmax() widened it to include 0 (MINMAX: the
 *  running min/max; HISTOGRAM: the searched range; NVIDIA methods: clipped to
 *  [-amax, amax]). Capacity protocol as lq_observer_qparams. */
LQ_API lq_status lq_observer_range(const lq_observer* obs, float* lo, float* hi, size_t* n);

/*! lq_observer_qlimits() : the integer range [qmin, qmax] of the config. */
LQ_API lq_status lq_observer_qlimits(const lq_observer* obs, int32_t* qmin_out, int32_t* qmax_out);

/*! lq_observer_reset() : back to the "never observed" state (keeps config). */
LQ_API lq_status lq_observer_reset(lq_observer* obs);

/*! lq_observer_save() : serialises config + state into buf (versioned
 *  container: magic "LQOB", format version, method, payload length, CRC-32).
 *  If buf is NULL or *size is too small, *size receives the byte count needed
 *  and LQ_ERR_BUFFER_TOO_SMALL is returned (buf NULL: LQ_OK). */
LQ_API lq_status lq_observer_save(const lq_observer* obs, void* buf, size_t* size);

/*! lq_observer_load() : creates an observer from a buffer written by
 *  lq_observer_save(). Validates everything (magic, version, method, length,
 *  checksum, config, counts, finiteness); malformed data gives LQ_ERR_FORMAT
 *  and *out = NULL. */
LQ_API lq_status lq_observer_load(const void* buf, size_t size, lq_observer** out);

/*! lq_observer_merge() : dst absorbs src's statistics (src unchanged). Both
 *  must have the same normalised config (LQ_ERR_INVALID_ARG) and channel
 *  count. MINMAX: min of mins, max of maxes (exact). MOVING_AVERAGE: the two
 *  averages weighted by their batch counts (an EMA cannot be merged exactly).
 *  Histogram methods: counts add bin by bin when both share the bin grid
 *  (exactly what one observer seeing both streams would hold); otherwise src
 *  is re-binned into the combined grid. Data-keeping methods concatenate. */
LQ_API lq_status lq_observer_merge(lq_observer* dst, const lq_observer* src);

/*! lq_observer_calibrate() : one-shot: creates an observer from cfg,
 *  observes x once and writes the per-tensor (n = 1) or per-channel
 *  (n = dims[axis]) parameters; *n is the capacity on entry, the count on
 *  return (protocol as lq_observer_qparams). */
LQ_API lq_status lq_observer_calibrate(const lq_observer_config* cfg, const float* x, const lq_shape* shape,
                                       float* scales, int32_t* zero_points, size_t* n);

/*! lq_observer_method_name() / lq_observer_method_parse() : "minmax",
 *  "moving_average", "histogram", "percentile", "hist_mse", "kl", "mse",
 *  "lsq". Unknown: NULL / LQ_ERR_INVALID_ARG. */
LQ_API const char* lq_observer_method_name(lq_observer_method m);
LQ_API lq_status lq_observer_method_parse(const char* name, lq_observer_method* out);

/* ------------------------------------------- histogram amax calibrators -- */
/*! lq_hist_amax() : NVIDIA pytorch-quantization's compute_amax on a histogram
 *  of |x|: counts hist[0..nbins), bin i spans [i*w, (i+1)*w).
 *  method: PERCENTILE (left edge of the bin where the CDF reaches p/100),
 *  HIST_MSE (centre minimising mean((fq(c) - c)^2 * count), narrow range,
 *  first minimum, candidates start_bin..nbins-2), KL (edge i minimising
 *  KL(P || Q) with 2^(bits-1+unsigned) quantized bins, last minimum,
 *  candidates start_bin..nbins). The histogram is not modified (NVIDIA's
 *  entropy code overwrites bin 0 with bin 1 in the caller's array; this
 *  function does that on a copy). Errors: no counts, nbins 0, percentile
 *  outside [0, 100], no candidate (nbins < start_bin): LQ_ERR_INVALID_ARG. */
LQ_API lq_status lq_hist_amax(lq_observer_method method, const double* hist, size_t nbins, float bin_width,
                              int32_t bits, int32_t is_unsigned, double percentile, int32_t start_bin,
                              int32_t stride, float* amax_out);

/* ---------------------------------------------------------------- LSQ -- */
/*! lq_lsq_grad() : LSQ / LSQ+ fake quantization and its gradients, element
 *  by element, for a training loop (Esser et al. 2020; Bhalgat et al. 2020):
 *    u = (x - beta) / s,  q = rne(clamp(u, -qn, qp)),  y = q * s + beta
 *    dy/ds = (q - u) inside, -qn / qp when clipped   (times grad_scale g)
 *    dy/dbeta = 0 inside, 1 when clipped             (times g)
 *    dy/dx = 1 inside [-qn, qp], 0 outside (STE)
 *  qn, qp >= 0 are the magnitudes of the integer bounds (signed 8-bit:
 *  qn = 128, qp = 127). g = 1/sqrt(N*qp) per LSQ; pass g = 1 for none.
 *  dy is the upstream gradient (NULL means all ones). Every output pointer
 *  may be NULL; y, dx, ds, dbeta get n elements (ds/dbeta already multiplied
 *  by dy and g); *ds_sum / *dbeta_sum get their sums (double). s must be
 *  finite and > 0. x and outputs must not overlap. */
LQ_API lq_status lq_lsq_grad(const float* x, size_t n, float s, float beta, int32_t qn, int32_t qp, float g,
                             const float* dy, float* y, float* dx, float* ds, float* dbeta, double* ds_sum,
                             double* dbeta_sum);

/*! lq_lsq_init_scale() : LSQ's initial step 2*mean(|x|)/sqrt(qp) (n > 0). */
LQ_API lq_status lq_lsq_init_scale(const float* x, size_t n, int32_t qp, float* s_out);

/*! lq_lsq_fit() : learns (s, beta) minimising mean((y - x)^2) with Adam
 *  (lr relative to the initial scale) over `steps` full-batch steps,
 *  starting from LSQ's init (and beta = 0, or LSQ+'s min/max init
 *  beta = min + qn*s when learn_offset). Keeps the best iterate.
 *  Deterministic. s_out and beta_out receive the result. */
LQ_API lq_status lq_lsq_fit(const float* x, size_t n, int32_t qn, int32_t qp, int32_t learn_offset,
                            int32_t steps, float lr, float* s_out, float* beta_out);

#endif /* LIBQUANT_OBSERVERS_H_7F3A91C2 */
