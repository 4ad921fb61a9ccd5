/* libquant nonuniform: non-uniform scalar quantizers.
 *  - logarithmic / power-of-two codes (base 2 and base sqrt(2), Miyashita et
 *    al. 2016) and additive powers-of-two levels (APoT, Li et al. 2020),
 *  - continuous µ-law / A-law companders and companded uniform quantizers,
 *  - an analog-inspired log quantizer (dynamic range + dead zone),
 *  - LUT quantizers (any sorted table) and Lloyd-Max fitting (weighted),
 *  - delta quantization, delta modulation (fixed/adaptive), closed-loop DPCM.
 * Included by <libquant.h>. Functions are reentrant and thread-safe; buffers
 * are caller-owned and inputs/outputs must not overlap unless stated. */
#ifndef LIBQUANT_NONUNIFORM_H_7F3A91C2
#define LIBQUANT_NONUNIFORM_H_7F3A91C2

/* ------------------------------------------------- log / power-of-two -- */

typedef enum lq_log_base { LQ_LOG_BASE2 = 0, LQ_LOG_BASE_SQRT2 = 1 } lq_log_base;

/*! lq_log_config : zero-initialised = 4-bit signed base-2 codes with fsr 0
 *  (magnitudes 2^-7 .. 2^-1).
 *  bits: total code bits in [2, 8] (signed: 1 sign bit + bits-1 magnitude
 *  bits; unsigned: all bits are magnitude), 0 means 4.
 *  fsr: Miyashita's full-scale range, an integer exponent in log-domain
 *  units (octaves for base 2, half-octaves for base sqrt(2)), in [-100, 100].
 *  With m magnitude bits the exponents t = rne(log_base|x|) are clipped as
 *  t <= fsr - 2^m -> zero (underflow to zero, the paper's intent);
 *  t >= fsr -> fsr - 1 (saturation); so 2^m - 1 nonzero magnitudes.
 *  is_unsigned: 0 = signed (default). */
typedef struct lq_log_config {
  int bits;
  int fsr;
  lq_log_base base;
  int is_unsigned;
} lq_log_config;

/*! lq_log_encode_f32() : codes of x[0..n). Code layout: magnitude code
 *  k = t - (fsr - 2^m) in [1, 2^m - 1], 0 for zero; signed codes add
 *  2^m for negative x (a zero magnitude is always code 0). Negative x with
 *  is_unsigned encodes as 0 (ReLU domain). NaN encodes as 0; +-Inf saturate.
 *  Rounding is in the log domain: rne(log2|x|) = e + [mantissa >= sqrt(2)],
 *  decided exactly on the float bits. Dispatched SIMD, bit-identical. */
LQ_API lq_status lq_log_encode_f32(const float* x, size_t n, const lq_log_config* cfg, uint8_t* codes);

/*! lq_log_decode_f32() : value of each code (sign * base^t). Codes out of
 *  range for the config: LQ_ERR_INVALID_ARG (nothing written past them). */
LQ_API lq_status lq_log_decode_f32(const uint8_t* codes, size_t n, const lq_log_config* cfg, float* y);

/*! lq_log_levels() : the 2^bits decoded values indexed by code. */
LQ_API lq_status lq_log_levels(const lq_log_config* cfg, float* levels, size_t cap, size_t* count_out);

/*! lq_apot_levels() : APoT levels of yhhhli/APoT_Quantization
 *  build_power_value(B, additive=True) for B in {2, 4, 6}: sums of one term
 *  per base (each base starting at 0), de-duplicated, divided by the max, in
 *  ascending order in [0, 1] (B=2: 4 levels, B=4: 16, B=6: 64). Multiply by
 *  the clip alpha and mirror for signed weights (see lq_lut_* below).
 *  B = 3, 5 (mixed constructions): LQ_ERR_UNSUPPORTED. */
LQ_API lq_status lq_apot_levels(int B, float* levels, size_t cap, size_t* count_out);

/* ------------------------------------------------------------- companders -- */

typedef enum lq_compand_law { LQ_COMPAND_MULAW = 0, LQ_COMPAND_ALAW = 1 } lq_compand_law;

/*! lq_compander : zero-initialised = µ-law, µ = 255, 8 bits, x_max = 1.
 *  param: µ (> 0) or A (>= 1); 0 means 255 / 87.6. bits in [2, 16], 0 = 8.
 *  x_max > 0 (0 means 1): inputs are divided by x_max and clipped to [-1, 1]. */
typedef struct lq_compander {
  lq_compand_law law;
  double param;
  int bits;
  double x_max;
} lq_compander;

/*! Continuous compression F and expansion F^-1 on [-1, 1] (inputs clipped).
 *  µ-law F = sign(x) ln(1 + µ|x|)/ln(1 + µ); A-law piecewise (G.711 E.1).
 *  Computed in double, rounded to float. NaN inputs: LQ_ERR_NUMERIC. */
LQ_API lq_status lq_compand_compress_f32(const lq_compander* c, const float* x, size_t n, float* y);
LQ_API lq_status lq_compand_expand_f32(const lq_compander* c, const float* y, size_t n, float* x);

/*! lq_compand_quantize_f32() : companded quantization: mid-tread uniform
 *  quantization of F(x / x_max) with L = 2^(bits-1) - 1 steps per side:
 *  q = rne(F * L) in [-L, L]; codes[i] = q + 2^(bits-1) (so 1..2^bits-1;
 *  code 0 unused); recon[i] = x_max * F^-1(q / L). Either output may be NULL.
 *  NaN inputs: LQ_ERR_NUMERIC. */
LQ_API lq_status lq_compand_quantize_f32(const lq_compander* c, const float* x, size_t n, uint16_t* codes,
                                         float* recon);

/*! lq_log_adc : analog-inspired log quantizer (log ADC): a log compander then
 *  a uniform quantizer. full_scale > 0 (0 = 1), dynamic_range_db > 0 (0 = 48)
 *  sets the noise floor x_min = full_scale * 10^(-dr/20); bits in [3, 16]
 *  (0 = 8). |x| < x_min -> 0 (dead zone). Otherwise, with L = 2^(bits-1)-1,
 *  u = ln(min(|x|, fs)/x_min) / ln(fs/x_min), q = 1 + rne(u (L-1)),
 *  recon = sign * x_min (fs/x_min)^((q-1)/(L-1)); code = sign*q + 2^(bits-1). */
typedef struct lq_log_adc {
  double full_scale;
  double dynamic_range_db;
  int bits;
} lq_log_adc;

LQ_API lq_status lq_log_adc_quantize_f32(const lq_log_adc* c, const float* x, size_t n, uint16_t* codes,
                                         float* recon);

/* ---------------------------------------------------- LUT / Lloyd-Max -- */

/*! lq_lut_thresholds() : the k-1 decision thresholds of a sorted LUT
 *  (levels[i] <= levels[i+1], finite, 1 <= k <= 256): t[i] = (float)
 *  (((double)levels[i] + levels[i+1]) / 2). Unsorted/non-finite:
 *  LQ_ERR_INVALID_ARG / LQ_ERR_NUMERIC. */
LQ_API lq_status lq_lut_thresholds(const float* levels, size_t k, float* thresholds);

/*! lq_lut_encode_f32() : nearest-level codes: code = #{i : x > t[i]}
 *  (binary search; a value exactly on a threshold takes the lower level;
 *  NaN -> 0). Validates the LUT as lq_lut_thresholds() does. */
LQ_API lq_status lq_lut_encode_f32(const float* x, size_t n, const float* levels, size_t k, uint8_t* codes);

/*! lq_lut_decode_f32() : y[i] = levels[codes[i]]; a code >= k is
 *  LQ_ERR_INVALID_ARG. */
LQ_API lq_status lq_lut_decode_f32(const uint8_t* codes, size_t n, const float* levels, size_t k, float* y);

/*! lq_lloyd_config : zero = 100 iterations max, tol 1e-7 (relative to the
 *  data range). */
typedef struct lq_lloyd_config {
  int max_iter;
  double tol;
} lq_lloyd_config;

/*! lq_lloyd_max_fit() : Lloyd-Max / 1-D k-means: k levels minimising
 *  sum w_i (x_i - Q(x_i))^2 (w = NULL: all 1; SqueezeLLM uses Fisher
 *  information as w). Init: the k weighted quantiles at (j + 1/2)/k. Then
 *  alternately: thresholds at midpoints, each level = weighted mean of its
 *  cell (accumulated in double; an empty / zero-weight cell keeps its level);
 *  stops when no level moves by more than tol * (max - min) or after max_iter
 *  (iterations done in *iters_out, may be NULL). Levels come out ascending.
 *  1 <= k <= 256, k <= n; NaN/Inf in x or negative/non-finite w:
 *  LQ_ERR_NUMERIC. Allocates O(n) scratch. */
LQ_API lq_status lq_lloyd_max_fit(const float* x, const float* w, size_t n, size_t k, const lq_lloyd_config* cfg,
                                  float* levels, int* iters_out);

/* ----------------------------------------------- delta / DM / DPCM -- */

/*! Delta quantization (closed loop): x~[-1] = 0; q[i] = clamp(rne((x[i] -
 *  x~[i-1]) / step), -2^(bits-1), 2^(bits-1) - 1); x~[i] = x~[i-1] + q[i]*step,
 *  all in double then stored as float. bits in [2, 16], step > 0 finite.
 *  recon may be NULL. Decoding is the running sum. */
LQ_API lq_status lq_delta_encode_f32(const float* x, size_t n, float step, int bits, int16_t* q, float* recon);
LQ_API lq_status lq_delta_decode_f32(const int16_t* q, size_t n, float step, float* y);

/*! lq_dm_config : delta modulation. step > 0 (0 = 1/64). adaptive != 0
 *  turns on CVSD-style adaptation: after `run` (0 = 3) equal bits in a row the
 *  step is multiplied by growth (0 = 1.5), otherwise divided by it, and kept in
 *  [min_step, max_step] (0 = step/16, step*64). */
typedef struct lq_dm_config {
  double step;
  int adaptive;
  int run;
  double growth, min_step, max_step;
} lq_dm_config;

/*! lq_dm_encode_f32() : bits[i] = 1 if x[i] >= x~[i-1] (a zero difference
 *  counts as +), x~[i] = x~[i-1] +- step_i; x~[-1] = 0. recon may be NULL.
 *  lq_dm_decode_f32() mirrors it exactly. */
LQ_API lq_status lq_dm_encode_f32(const float* x, size_t n, const lq_dm_config* cfg, uint8_t* bits, float* recon);
LQ_API lq_status lq_dm_decode_f32(const uint8_t* bits, size_t n, const lq_dm_config* cfg, float* y);

/*! lq_dpcm_fit_predictor() : order-p linear predictor a[0..p) minimising
 *  sum_{i>=p} (x[i] - sum_k a[k] x[i-1-k])^2 (normal equations, Cholesky in
 *  double). 1 <= p <= 32, n > 2p. Singular system: LQ_ERR_NUMERIC. */
LQ_API lq_status lq_dpcm_fit_predictor(const float* x, size_t n, int p, double* a);

/*! DPCM with the decoder in the loop: pred = sum_k a[k] x~[i-1-k] (x~ = 0
 *  before the start), q[i] = clamp(rne((x[i] - pred)/step), -2^(bits-1),
 *  2^(bits-1)-1), x~[i] = pred + q[i]*step (double). recon may be NULL. */
LQ_API lq_status lq_dpcm_encode_f32(const float* x, size_t n, const double* a, int p, float step, int bits,
                                    int16_t* q, float* recon);
LQ_API lq_status lq_dpcm_decode_f32(const int16_t* q, size_t n, const double* a, int p, float step, float* y);

#endif /* LIBQUANT_NONUNIFORM_H_7F3A91C2 */
