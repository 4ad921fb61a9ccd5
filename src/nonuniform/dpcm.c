/* Delta quantization, delta modulation (fixed and CVSD-style adaptive) and
 * closed-loop DPCM (classic.md E.4). Encoders run the decoder in the loop so
 * quantization error never accumulates; decoders repeat the same double
 * arithmetic, so they reproduce the encoder's reconstruction bit for bit. */
#include <math.h>
#include <string.h>

#include "common/lq_internal.h"

static lq_status check_step_bits(float step, int bits, const char* fn) {
  if (!isfinite(step) || !(step > 0.0f)) return lq_fail(LQ_ERR_INVALID_ARG, "%s: step %g must be > 0 and finite", fn, (double)step);
  if (bits < 2 || bits > 16) return lq_fail(LQ_ERR_INVALID_ARG, "%s: bits %d outside [2, 16]", fn, bits);
  return LQ_OK;
}

static lq_status check_finite(const float* x, size_t n, const char* fn) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i])) return lq_fail(LQ_ERR_NUMERIC, "%s: non-finite input at %zu", fn, i);
  return LQ_OK;
}

static inline int16_t qclamp(double v, int bits) {
  double lo = -(double)(1 << (bits - 1)), hi = (double)((1 << (bits - 1)) - 1);
  double r = nearbyint(v);
  return (int16_t)(r < lo ? lo : r > hi ? hi : r);
}

lq_status lq_delta_encode_f32(const float* x, size_t n, float step, int bits, int16_t* q, float* recon) {
  LQ_CHECK(check_step_bits(step, bits, __func__));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(q);
  LQ_CHECK(check_finite(x, n, __func__));
  double prev = 0.0;
  for (size_t i = 0; i < n; i++) {
    q[i] = qclamp(((double)x[i] - prev) / step, bits);
    prev += (double)q[i] * step;
    if (recon) recon[i] = (float)prev;
  }
  return LQ_OK;
}

lq_status lq_delta_decode_f32(const int16_t* q, size_t n, float step, float* y) {
  LQ_CHECK(check_step_bits(step, 16, __func__));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(q);
  LQ_REQUIRE_PTR(y);
  double prev = 0.0;
  for (size_t i = 0; i < n; i++) {
    prev += (double)q[i] * step;
    y[i] = (float)prev;
  }
  return LQ_OK;
}

typedef struct {
  double step, growth, min_step, max_step;
  int adaptive, run;
} dm;

static lq_status dm_resolve(const lq_dm_config* c, dm* r, const char* fn) {
  LQ_REQUIRE_PTR(c);
  r->step = c->step != 0.0 ? c->step : 1.0 / 64.0;
  r->adaptive = c->adaptive != 0;
  r->run = c->run ? c->run : 3;
  r->growth = c->growth != 0.0 ? c->growth : 1.5;
  r->min_step = c->min_step != 0.0 ? c->min_step : r->step / 16.0;
  r->max_step = c->max_step != 0.0 ? c->max_step : r->step * 64.0;
  if (!isfinite(r->step) || r->step <= 0.0) return lq_fail(LQ_ERR_INVALID_ARG, "%s: step %g must be > 0", fn, r->step);
  if (r->adaptive && (r->run < 2 || r->run > 16 || !isfinite(r->growth) || r->growth <= 1.0 || !(r->min_step > 0.0) ||
                      !isfinite(r->max_step) || r->min_step > r->step || r->max_step < r->step))
    return lq_fail(LQ_ERR_INVALID_ARG, "%s: adaptive parameters need run in [2,16], growth > 1, min_step <= step <= max_step", fn);
  return LQ_OK;
}

/* One DM step shared by encoder and decoder. */
static inline double dm_step(const dm* r, int bit, double* prev, double* step, int* runlen, int* lastbit) {
  if (r->adaptive) {
    *runlen = bit == *lastbit ? *runlen + 1 : 1;
    *lastbit = bit;
    if (*runlen >= r->run) {
      *step *= r->growth;
      if (*step > r->max_step) *step = r->max_step;
    } else {
      *step /= r->growth;
      if (*step < r->min_step) *step = r->min_step;
    }
  }
  *prev += bit ? *step : -*step;
  return *prev;
}

lq_status lq_dm_encode_f32(const float* x, size_t n, const lq_dm_config* cfg, uint8_t* bits, float* recon) {
  dm r = {0};
  LQ_CHECK(dm_resolve(cfg, &r, __func__));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(bits);
  LQ_CHECK(check_finite(x, n, __func__));
  double prev = 0.0, step = r.step;
  int runlen = 0, lastbit = -1;
  for (size_t i = 0; i < n; i++) {
    int b = (double)x[i] >= prev; /* zero difference -> +1 */
    bits[i] = (uint8_t)b;
    double v = dm_step(&r, b, &prev, &step, &runlen, &lastbit);
    if (recon) recon[i] = (float)v;
  }
  return LQ_OK;
}

lq_status lq_dm_decode_f32(const uint8_t* bits, size_t n, const lq_dm_config* cfg, float* y) {
  dm r = {0};
  LQ_CHECK(dm_resolve(cfg, &r, __func__));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(bits);
  LQ_REQUIRE_PTR(y);
  double prev = 0.0, step = r.step;
  int runlen = 0, lastbit = -1;
  for (size_t i = 0; i < n; i++) {
    if (bits[i] > 1) return lq_fail(LQ_ERR_INVALID_ARG, "%s: bit %u at %zu is not 0/1", __func__, bits[i], i);
    y[i] = (float)dm_step(&r, bits[i], &prev, &step, &runlen, &lastbit);
  }
  return LQ_OK;
}

lq_status lq_dpcm_fit_predictor(const float* x, size_t n, int p, double* a) {
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(a);
  if (p < 1 || p > 32) return lq_fail(LQ_ERR_INVALID_ARG, "%s: order %d outside [1, 32]", __func__, p);
  if (n <= 2 * (size_t)p) return lq_fail(LQ_ERR_INVALID_ARG, "%s: n = %zu too small for order %d", __func__, n, p);
  LQ_CHECK(check_finite(x, n, __func__));
  double R[32][32], r[32];
  memset(R, 0, sizeof R);
  memset(r, 0, sizeof r);
  for (size_t i = (size_t)p; i < n; i++) {
    for (int j = 0; j < p; j++) {
      double xj = x[i - 1 - (size_t)j];
      r[j] += xj * x[i];
      for (int k = 0; k <= j; k++) R[j][k] += xj * x[i - 1 - (size_t)k];
    }
  }
  /* Cholesky R = L L^T in place (lower triangle). */
  double scale = 0.0;
  for (int j = 0; j < p; j++) scale = R[j][j] > scale ? R[j][j] : scale;
  for (int j = 0; j < p; j++) {
    double d = R[j][j];
    for (int k = 0; k < j; k++) d -= R[j][k] * R[j][k];
    if (!(d > 1e-12 * scale)) return lq_fail(LQ_ERR_NUMERIC, "%s: the normal equations are singular (constant or too short input?)", __func__);
    R[j][j] = sqrt(d);
    for (int i = j + 1; i < p; i++) {
      double s = R[i][j];
      for (int k = 0; k < j; k++) s -= R[i][k] * R[j][k];
      R[i][j] = s / R[j][j];
    }
  }
  double y[32];
  for (int i = 0; i < p; i++) {
    double s = r[i];
    for (int k = 0; k < i; k++) s -= R[i][k] * y[k];
    y[i] = s / R[i][i];
  }
  for (int i = p - 1; i >= 0; i--) {
    double s = y[i];
    for (int k = i + 1; k < p; k++) s -= R[k][i] * a[k];
    a[i] = s / R[i][i];
  }
  return LQ_OK;
}

static lq_status check_pred(const double* a, int p, const char* fn) {
  if (p < 0 || p > 32) return lq_fail(LQ_ERR_INVALID_ARG, "%s: order %d outside [0, 32]", fn, p);
  if (p > 0) LQ_REQUIRE_PTR(a);
  for (int k = 0; k < p; k++)
    if (!isfinite(a[k])) return lq_fail(LQ_ERR_NUMERIC, "%s: coefficient %d is not finite", fn, k);
  return LQ_OK;
}

/* pred from the last p reconstructions, ring-buffered newest first. */
static inline double predict(const double* a, int p, const double* hist, int head) {
  double s = 0.0;
  for (int k = 0; k < p; k++) s += a[k] * hist[(head + k) & 31];
  return s;
}

lq_status lq_dpcm_encode_f32(const float* x, size_t n, const double* a, int p, float step, int bits, int16_t* q,
                             float* recon) {
  LQ_CHECK(check_pred(a, p, __func__));
  LQ_CHECK(check_step_bits(step, bits, __func__));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(x);
  LQ_REQUIRE_PTR(q);
  LQ_CHECK(check_finite(x, n, __func__));
  double hist[32] = {0};
  int head = 0;
  for (size_t i = 0; i < n; i++) {
    double pred = predict(a, p, hist, head);
    q[i] = qclamp(((double)x[i] - pred) / step, bits);
    double v = pred + (double)q[i] * step;
    head = (head + 31) & 31;
    hist[head] = v;
    if (recon) recon[i] = (float)v;
  }
  return LQ_OK;
}

lq_status lq_dpcm_decode_f32(const int16_t* q, size_t n, const double* a, int p, float step, float* y) {
  LQ_CHECK(check_pred(a, p, __func__));
  LQ_CHECK(check_step_bits(step, 16, __func__));
  if (n == 0) return LQ_OK;
  LQ_REQUIRE_PTR(q);
  LQ_REQUIRE_PTR(y);
  double hist[32] = {0};
  int head = 0;
  for (size_t i = 0; i < n; i++) {
    double v = predict(a, p, hist, head) + (double)q[i] * step;
    head = (head + 31) & 31;
    hist[head] = v;
    y[i] = (float)v;
  }
  return LQ_OK;
}
