/* VQ-VAE codebook component for a caller's training loop (van den Oord et
 * al. 2017; EMA updates as Sonnet's VectorQuantizerEMA; dead-code restart as
 * lucidrains' vector-quantize-pytorch / EnCodec). The network and optimiser
 * stay with the caller: this file does the nearest-code search, the loss
 * values, the straight-through/commitment/codebook gradients, the EMA step
 * with Laplace smoothing and the usage statistics. */
#include <math.h>
#include <string.h>

#include "vq/vq_internal.h"

struct lq_vqvae {
  size_t K, D;
  float beta, decay, eps, dead_threshold;
  uint64_t seed, draws; /* restart draws so far (lq_rng_u64 counter) */
  int use_ema, debias;
  uint64_t steps;       /* EMA steps so far (debias exponent) */
  float* e;             /* K*D codebook */
  float* ema_n;         /* K: N_k (debias: the hidden, zero-started EMA) */
  float* ema_m;         /* K*D: m_k (debias: hidden) */
  uint64_t* counts;     /* K: usage of the last forward */
  uint64_t* bcounts;    /* K: scratch, counts of an EMA batch */
  double* bsum;         /* K*D: scratch, per-code batch sums */
  size_t last_n;        /* rows of the last forward; 0 = none yet */
};

static int lq_finite_pos(float v) { return isfinite(v) && v > 0.0f; }

lq_status lq_vqvae_new(const lq_vqvae_config* cfg, lq_vqvae** out) {
  LQ_REQUIRE_PTR(cfg);
  LQ_REQUIRE_PTR(out);
  *out = NULL;
  if (cfg->K == 0 || cfg->D == 0) return lq_fail(LQ_ERR_INVALID_ARG, "lq_vqvae_new: K = %zu and D = %zu must be >= 1", cfg->K, cfg->D);
  if (cfg->K > ((size_t)1 << 24) || cfg->D > ((size_t)1 << 24))
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_vqvae_new: K = %zu or D = %zu is above 2^24", cfg->K, cfg->D);
  float beta = cfg->beta == 0.0f ? 0.25f : cfg->beta;
  float decay = cfg->decay == 0.0f ? 0.99f : cfg->decay;
  float eps = cfg->eps == 0.0f ? 1e-5f : cfg->eps;
  float thr = cfg->dead_threshold == 0.0f ? 2.0f : cfg->dead_threshold;
  if (!lq_finite_pos(beta)) return lq_fail(LQ_ERR_INVALID_ARG, "lq_vqvae_new: beta = %g must be finite and > 0", (double)beta);
  if (!(decay > 0.0f && decay < 1.0f))
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_vqvae_new: decay = %g is outside (0, 1)", (double)decay);
  if (!lq_finite_pos(eps)) return lq_fail(LQ_ERR_INVALID_ARG, "lq_vqvae_new: eps = %g must be finite and > 0", (double)eps);
  if (!(isfinite(thr) && thr >= 0.0f))
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_vqvae_new: dead_threshold = %g must be finite and >= 0", (double)thr);
  size_t kd;
  if (lq_mul_overflows(cfg->K, cfg->D, &kd)) return lq_fail(LQ_ERR_OVERFLOW, "lq_vqvae_new: K * D overflows");
  lq_vqvae* v = NULL;
  LQ_CHECK(lq_calloc_array(1, sizeof *v, "vqvae", (void**)&v));
  v->K = cfg->K;
  v->D = cfg->D;
  v->beta = beta;
  v->decay = decay;
  v->eps = eps;
  v->dead_threshold = thr;
  v->seed = cfg->seed ? cfg->seed : 1234;
  v->use_ema = cfg->use_ema != 0;
  v->debias = cfg->ema_debias != 0;
  lq_status s = lq_alloc_array(kd, sizeof(float), "codebook", (void**)&v->e);
  if (s == LQ_OK) s = lq_alloc_array(kd, sizeof(float), "EMA sums", (void**)&v->ema_m);
  if (s == LQ_OK) s = lq_alloc_array(v->K, sizeof(float), "EMA cluster sizes", (void**)&v->ema_n);
  if (s == LQ_OK) s = lq_calloc_array(v->K, sizeof(uint64_t), "usage counts", (void**)&v->counts);
  if (s == LQ_OK) s = lq_calloc_array(v->K, sizeof(uint64_t), "batch counts", (void**)&v->bcounts);
  if (s == LQ_OK) s = lq_alloc_array(kd, sizeof(double), "batch sums", (void**)&v->bsum);
  if (s != LQ_OK) {
    lq_vqvae_free(v);
    return s;
  }
  float a = 1.0f / (float)v->K;
  for (size_t i = 0; i < kd; i++) v->e[i] = -a + 2.0f * a * lq_rng_uniform_f32(v->seed, i);
  memset(v->ema_n, 0, v->K * sizeof(float));
  memcpy(v->ema_m, v->e, kd * sizeof(float));
  if (v->debias) memset(v->ema_m, 0, kd * sizeof(float));
  *out = v;
  return LQ_OK;
}

void lq_vqvae_free(lq_vqvae* v) {
  if (!v) return;
  free(v->e);
  free(v->ema_m);
  free(v->ema_n);
  free(v->counts);
  free(v->bcounts);
  free(v->bsum);
  free(v);
}

lq_status lq_vqvae_set_codebook(lq_vqvae* v, const float* cb, size_t n_floats) {
  LQ_REQUIRE_PTR(v);
  LQ_REQUIRE_PTR(cb);
  if (n_floats != v->K * v->D)
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_vqvae_set_codebook: %zu floats, expected K*D = %zu", n_floats, v->K * v->D);
  if (!lq_vq_all_finite(cb, n_floats)) return lq_fail(LQ_ERR_NUMERIC, "lq_vqvae_set_codebook: NaN or Inf in the codebook");
  if (cb != v->e) memcpy(v->e, cb, n_floats * sizeof(float));
  memset(v->ema_n, 0, v->K * sizeof(float));
  if (v->debias)
    memset(v->ema_m, 0, n_floats * sizeof(float));
  else
    memcpy(v->ema_m, v->e, n_floats * sizeof(float));
  v->steps = 0;
  return LQ_OK;
}

lq_status lq_vqvae_set_ema_state(lq_vqvae* v, const float* cs, size_t k) {
  LQ_REQUIRE_PTR(v);
  LQ_REQUIRE_PTR(cs);
  if (k != v->K) return lq_fail(LQ_ERR_INVALID_ARG, "lq_vqvae_set_ema_state: k = %zu, expected K = %zu", k, v->K);
  for (size_t j = 0; j < k; j++)
    if (!(isfinite(cs[j]) && cs[j] >= 0.0f))
      return lq_fail(LQ_ERR_NUMERIC, "lq_vqvae_set_ema_state: cluster_size[%zu] = %g is not finite and >= 0", j,
                     (double)cs[j]);
  /* debias: hidden = value * (1 - gamma) after one step */
  double scale = v->debias ? 1.0 - (double)v->decay : 1.0;
  for (size_t j = 0; j < k; j++) {
    v->ema_n[j] = (float)((double)cs[j] * scale);
    for (size_t t = 0; t < v->D; t++) v->ema_m[j * v->D + t] = (float)((double)v->ema_n[j] * (double)v->e[j * v->D + t]);
  }
  v->steps = v->debias ? 1 : 0;
  return LQ_OK;
}

lq_status lq_vqvae_get_codebook(const lq_vqvae* v, float* out, size_t n_floats) {
  LQ_REQUIRE_PTR(v);
  LQ_REQUIRE_PTR(out);
  if (n_floats != v->K * v->D)
    return lq_fail(LQ_ERR_INVALID_ARG, "lq_vqvae_get_codebook: %zu floats, expected K*D = %zu", n_floats, v->K * v->D);
  memcpy(out, v->e, n_floats * sizeof(float));
  return LQ_OK;
}

/* The bias-corrected N_k (debias) or N_k itself. */
static double lq_vqvae_n(const lq_vqvae* v, size_t k) {
  if (!v->debias) return v->ema_n[k];
  if (v->steps == 0) return 0.0;
  return (double)v->ema_n[k] / (1.0 - pow((double)v->decay, (double)v->steps));
}

lq_status lq_vqvae_get_cluster_size(const lq_vqvae* v, float* out, size_t k) {
  LQ_REQUIRE_PTR(v);
  LQ_REQUIRE_PTR(out);
  if (k != v->K) return lq_fail(LQ_ERR_INVALID_ARG, "lq_vqvae_get_cluster_size: k = %zu, expected K = %zu", k, v->K);
  for (size_t j = 0; j < k; j++) out[j] = (float)lq_vqvae_n(v, j);
  return LQ_OK;
}

static lq_status lq_vqvae_check_batch(const lq_vqvae* v, size_t n, const float* z, const char* fn) {
  if (n == 0) return lq_fail(LQ_ERR_INVALID_ARG, "%s: n is 0 (empty batch)", fn);
  size_t nd;
  if (lq_mul_overflows(n, v->D, &nd)) return lq_fail(LQ_ERR_OVERFLOW, "%s: n * D overflows", fn);
  if (!lq_vq_all_finite(z, nd)) return lq_fail(LQ_ERR_NUMERIC, "%s: NaN or Inf in the batch", fn);
  return LQ_OK;
}

static lq_status lq_vqvae_check_idx(const lq_vqvae* v, size_t n, const int32_t* idx, const char* fn) {
  for (size_t i = 0; i < n; i++)
    if (idx[i] < 0 || (size_t)idx[i] >= v->K)
      return lq_fail(LQ_ERR_INVALID_ARG, "%s: idx[%zu] = %d is outside 0..%zu", fn, i, (int)idx[i], v->K - 1);
  return LQ_OK;
}

static double lq_perplexity(const uint64_t* counts, size_t K, size_t n, size_t* used) {
  double h = 0.0;
  size_t u = 0;
  for (size_t k = 0; k < K; k++) {
    if (!counts[k]) continue;
    double p = (double)counts[k] / (double)n;
    h -= p * log(p);
    u++;
  }
  if (used) *used = u;
  return exp(h);
}

lq_status lq_vqvae_forward(lq_vqvae* v, size_t n, const float* z, int32_t* idx, float* zq, lq_vqvae_stats* stats) {
  LQ_REQUIRE_PTR(v);
  LQ_REQUIRE_PTR(z);
  LQ_REQUIRE_PTR(idx);
  LQ_CHECK(lq_vqvae_check_batch(v, n, z, "lq_vqvae_forward"));
  size_t K = v->K, D = v->D;
  double sq = 0.0;
  memset(v->counts, 0, K * sizeof(uint64_t));
  for (size_t i = 0; i < n; i++) {
    const float* zi = z + i * D;
    size_t best = 0;
    float bd = INFINITY;
    for (size_t k = 0; k < K; k++) {
      const float* ek = v->e + k * D;
      float s = 0.0f;
      for (size_t t = 0; t < D; t++) {
        float u = zi[t] - ek[t];
        s = s + u * u;
      }
      if (s < bd) {
        bd = s;
        best = k;
      }
    }
    idx[i] = (int32_t)best;
    v->counts[best]++;
    const float* eb = v->e + best * D;
    for (size_t t = 0; t < D; t++) {
      double u = (double)zi[t] - (double)eb[t];
      sq += u * u;
    }
    if (zq) memcpy(zq + i * D, eb, D * sizeof(float));
  }
  v->last_n = n;
  if (stats) {
    double mse = sq / ((double)n * (double)D);
    stats->codebook_loss = mse;
    stats->commitment_loss = (double)v->beta * mse;
    stats->loss = stats->commitment_loss + (v->use_ema ? 0.0 : mse);
    stats->perplexity = lq_perplexity(v->counts, K, n, &stats->used_codes);
  }
  return LQ_OK;
}

lq_status lq_vqvae_backward(const lq_vqvae* v, size_t n, const float* z, const int32_t* idx, const float* grad_out,
                            float* grad_z, float* grad_codebook) {
  LQ_REQUIRE_PTR(v);
  LQ_REQUIRE_PTR(z);
  LQ_REQUIRE_PTR(idx);
  LQ_REQUIRE_PTR(grad_out);
  LQ_REQUIRE_PTR(grad_z);
  if (grad_codebook && v->use_ema)
    return lq_fail(LQ_ERR_STATE, "lq_vqvae_backward: the EMA variant has no codebook gradient (use lq_vqvae_ema_update)");
  LQ_CHECK(lq_vqvae_check_batch(v, n, z, "lq_vqvae_backward"));
  LQ_CHECK(lq_vqvae_check_idx(v, n, idx, "lq_vqvae_backward"));
  size_t D = v->D;
  if (!lq_vq_all_finite(grad_out, n * D)) return lq_fail(LQ_ERR_NUMERIC, "lq_vqvae_backward: NaN or Inf in grad_out");
  /* d/dz beta*mean((z - sg e)^2) = 2 beta (z - e) / (nD); the straight-through
   * estimator passes grad_out to z unchanged. */
  float inv = (float)(2.0 / ((double)n * (double)D));
  float cz = v->beta * inv;
  if (grad_codebook) memset(grad_codebook, 0, v->K * D * sizeof(float));
  for (size_t i = 0; i < n; i++) {
    const float* zi = z + i * D;
    const float* ek = v->e + (size_t)idx[i] * D;
    float* gc = grad_codebook ? grad_codebook + (size_t)idx[i] * D : NULL;
    for (size_t t = 0; t < D; t++) {
      float diff = zi[t] - ek[t];
      grad_z[i * D + t] = grad_out[i * D + t] + cz * diff;
      if (gc) gc[t] = gc[t] - inv * diff;
    }
  }
  return LQ_OK;
}

lq_status lq_vqvae_apply_gradient(lq_vqvae* v, const float* g, float lr) {
  LQ_REQUIRE_PTR(v);
  LQ_REQUIRE_PTR(g);
  if (v->use_ema) return lq_fail(LQ_ERR_STATE, "lq_vqvae_apply_gradient: the EMA variant is updated by lq_vqvae_ema_update");
  if (!isfinite(lr)) return lq_fail(LQ_ERR_INVALID_ARG, "lq_vqvae_apply_gradient: lr is not finite");
  size_t kd = v->K * v->D;
  if (!lq_vq_all_finite(g, kd)) return lq_fail(LQ_ERR_NUMERIC, "lq_vqvae_apply_gradient: NaN or Inf in the gradient");
  for (size_t i = 0; i < kd; i++) v->e[i] = v->e[i] - lr * g[i];
  return LQ_OK;
}

/* N_k <- gamma N_k + (1 - gamma) count_k (in double, stored as float). */
static void lq_vqvae_ema_counts(lq_vqvae* v, size_t n, const int32_t* idx) {
  size_t K = v->K;
  double g = (double)v->decay;
  memset(v->bcounts, 0, K * sizeof(uint64_t));
  for (size_t i = 0; i < n; i++) v->bcounts[idx[i]]++;
  for (size_t k = 0; k < K; k++) v->ema_n[k] = (float)(g * (double)v->ema_n[k] + (1.0 - g) * (double)v->bcounts[k]);
}

lq_status lq_vqvae_track_usage(lq_vqvae* v, size_t n, const int32_t* idx) {
  LQ_REQUIRE_PTR(v);
  LQ_REQUIRE_PTR(idx);
  if (n == 0) return lq_fail(LQ_ERR_INVALID_ARG, "lq_vqvae_track_usage: n is 0 (empty batch)");
  LQ_CHECK(lq_vqvae_check_idx(v, n, idx, "lq_vqvae_track_usage"));
  lq_vqvae_ema_counts(v, n, idx);
  if (v->debias) v->steps++;
  return LQ_OK;
}

lq_status lq_vqvae_ema_update(lq_vqvae* v, size_t n, const float* z, const int32_t* idx) {
  LQ_REQUIRE_PTR(v);
  LQ_REQUIRE_PTR(z);
  LQ_REQUIRE_PTR(idx);
  if (!v->use_ema) return lq_fail(LQ_ERR_STATE, "lq_vqvae_ema_update: the component was created with use_ema = 0");
  LQ_CHECK(lq_vqvae_check_batch(v, n, z, "lq_vqvae_ema_update"));
  LQ_CHECK(lq_vqvae_check_idx(v, n, idx, "lq_vqvae_ema_update"));
  size_t K = v->K, D = v->D;
  double* sum = v->bsum;
  memset(sum, 0, K * D * sizeof(double));
  lq_vqvae_ema_counts(v, n, idx);
  for (size_t i = 0; i < n; i++) {
    double* row = sum + (size_t)idx[i] * D;
    for (size_t t = 0; t < D; t++) row[t] += (double)z[i * D + t];
  }
  double g = (double)v->decay;
  for (size_t j = 0; j < K * D; j++) v->ema_m[j] = (float)(g * (double)v->ema_m[j] + (1.0 - g) * sum[j]);
  v->steps++;
  double corr = v->debias ? 1.0 - pow(g, (double)v->steps) : 1.0;
  double total = 0.0;
  for (size_t k = 0; k < K; k++) total += (double)v->ema_n[k] / corr;
  double denom = total + (double)K * (double)v->eps;
  for (size_t k = 0; k < K; k++) {
    /* Laplace smoothing keeps N'_k > 0 for unused codes */
    double nk = ((double)v->ema_n[k] / corr + (double)v->eps) / denom * total;
    for (size_t t = 0; t < D; t++) v->e[k * D + t] = (float)((double)v->ema_m[k * D + t] / corr / nk);
  }
  return LQ_OK;
}

lq_status lq_vqvae_restart_dead(lq_vqvae* v, size_t n, const float* z, size_t* restarted) {
  LQ_REQUIRE_PTR(v);
  LQ_REQUIRE_PTR(z);
  LQ_CHECK(lq_vqvae_check_batch(v, n, z, "lq_vqvae_restart_dead"));
  size_t D = v->D, cnt = 0;
  double corr = v->debias ? 1.0 - pow((double)v->decay, (double)v->steps) : 1.0;
  for (size_t k = 0; k < v->K; k++) {
    if (!(lq_vqvae_n(v, k) < (double)v->dead_threshold)) continue;
    size_t r = (size_t)(lq_rng_u64(v->seed, v->draws++) % (uint64_t)n);
    memcpy(v->e + k * D, z + r * D, D * sizeof(float));
    /* lucidrains' reset: the code restarts with cluster size `threshold` */
    double nk = v->debias && v->steps == 0 ? 0.0 : (double)v->dead_threshold * corr;
    v->ema_n[k] = (float)nk;
    for (size_t t = 0; t < D; t++) v->ema_m[k * D + t] = (float)((double)v->e[k * D + t] * (v->debias ? nk : (double)v->dead_threshold));
    cnt++;
  }
  if (restarted) *restarted = cnt;
  return LQ_OK;
}

lq_status lq_vqvae_get_usage(const lq_vqvae* v, uint64_t* counts_out, size_t k, double* perplexity) {
  LQ_REQUIRE_PTR(v);
  if (v->last_n == 0) return lq_fail(LQ_ERR_STATE, "lq_vqvae_get_usage: no forward pass yet");
  if (counts_out) {
    if (k != v->K) return lq_fail(LQ_ERR_INVALID_ARG, "lq_vqvae_get_usage: k = %zu, expected K = %zu", k, v->K);
    memcpy(counts_out, v->counts, v->K * sizeof(uint64_t));
  }
  if (perplexity) *perplexity = lq_perplexity(v->counts, v->K, v->last_n, NULL);
  return LQ_OK;
}
