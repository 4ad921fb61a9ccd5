/* libquant vq: learned codebooks for training loops. A VQ-VAE codebook
 * component (nearest-code forward, straight-through gradient, codebook and
 * commitment losses, EMA updates, dead-code restart, usage statistics) and
 * QINCo (residual quantization with implicit neural codebooks, trained by the
 * library's own Adam with hand-written backward passes). Included by
 * <libquant/vq.h>; do not include directly. docs/vq.md "VQ-VAE codebook" and
 * "QINCo" have the formulas, defaults and references. */
#ifndef LIBQUANT_VQ_LEARNED_H_5C21E0B7
#define LIBQUANT_VQ_LEARNED_H_5C21E0B7

/* ------------------------------------------------------ VQ-VAE codebook -- */

/*! VQ-VAE codebook configuration (van den Oord et al. 2017; EMA variant of
 *  the paper's appendix / Sonnet's VectorQuantizerEMA). Zero fields take the
 *  defaults noted. */
typedef struct lq_vqvae_config {
  size_t K;               /* codes, >= 1 */
  size_t D;               /* code dimension, >= 1 */
  float beta;             /* commitment weight; 0 → 0.25; must be finite and > 0 */
  float decay;            /* EMA decay gamma; 0 → 0.99; must be in (0, 1) */
  float eps;              /* Laplace smoothing epsilon; 0 → 1e-5; must be finite and > 0 */
  float dead_threshold;   /* lq_vqvae_restart_dead(): codes whose EMA cluster size is
                             below this are restarted; 0 → 2 (EnCodec's
                             threshold_ema_dead_code); must be finite and >= 0 */
  uint64_t seed;          /* initial codebook and restart draws; 0 → 1234 */
  int use_ema;            /* non-zero: EMA codebook (lq_vqvae_ema_update); zero: the
                             codebook is a parameter trained by the caller's
                             optimiser from lq_vqvae_backward's codebook gradient */
  int ema_debias;         /* non-zero: Sonnet 2's debiased EMA (hidden / (1 - gamma^t),
                             hidden starting at 0); zero (default): Sonnet 1 / EnCodec,
                             N_k starting at 0 and m_k at e_k */
} lq_vqvae_config;

/*! Scalars of one forward pass. Losses use PyTorch F.mse_loss's mean over
 *  all n*D elements: codebook = mean((sg[z] - e)^2), commitment =
 *  beta * mean((z - sg[e])^2); loss = commitment (EMA) or codebook +
 *  commitment (non-EMA). perplexity = exp(-sum_k p_k log p_k) with p_k the
 *  batch share of code k (Sonnet). */
typedef struct lq_vqvae_stats {
  double codebook_loss, commitment_loss, loss, perplexity;
  size_t used_codes; /* codes chosen by at least one batch row */
} lq_vqvae_stats;

typedef struct lq_vqvae lq_vqvae; /* opaque */

/*! lq_vqvae_new() : validates cfg and allocates the component (*out owned by
 *  the caller, free with lq_vqvae_free). The codebook starts uniform in
 *  [-1/K, 1/K] (the PyTorch VQ-VAE convention) drawn from lq_rng(seed);
 *  replace it with lq_vqvae_set_codebook (e.g. k-means of a first batch).
 *  Errors: LQ_ERR_INVALID_ARG (NULL, K or D == 0, K or D above 2^24, a
 *  parameter out of range or non-finite), LQ_ERR_OVERFLOW, LQ_ERR_OUT_OF_MEMORY. */
LQ_API lq_status lq_vqvae_new(const lq_vqvae_config* cfg, lq_vqvae** out);
/*! lq_vqvae_free() : NULL is a no-op. */
LQ_API void lq_vqvae_free(lq_vqvae* v);

/*! Codebook copy in/out (K*D floats, row k = code k). set also resets the EMA
 *  state (N_k = 0, m_k = e_k, debias counter 0). LQ_ERR_INVALID_ARG for NULL
 *  or n_floats != K*D; LQ_ERR_NUMERIC for non-finite values (set). */
LQ_API lq_status lq_vqvae_set_codebook(lq_vqvae* v, const float* codebook, size_t n_floats);
LQ_API lq_status lq_vqvae_get_codebook(const lq_vqvae* v, float* codebook_out, size_t n_floats);
/*! lq_vqvae_set_ema_state() : sets N_k = cluster_size[k] (K floats, finite,
 *  >= 0) and m_k = N_k * e_k, e.g. the counts of a k-means initialisation
 *  (EnCodec). Sonnet 1's default start N_k = 0, m_k = e_k makes the first EMA
 *  step divide m_k by a tiny smoothed N_k for every code, so a set state (or
 *  ema_debias) is the sensible start. Debias mode: the state becomes the
 *  first step's value. Errors: LQ_ERR_INVALID_ARG, LQ_ERR_NUMERIC. */
LQ_API lq_status lq_vqvae_set_ema_state(lq_vqvae* v, const float* cluster_size, size_t k);
/*! lq_vqvae_get_cluster_size() : the EMA cluster sizes N_k (K floats, before
 *  Laplace smoothing). */
LQ_API lq_status lq_vqvae_get_cluster_size(const lq_vqvae* v, float* out, size_t k);

/*! lq_vqvae_forward() : nearest code of each of the n rows of z (n*D; exact
 *  squared L2 summed in coordinate order, first minimum wins) into idx (n
 *  int32), and the straight-through output zq (n*D, may be NULL; its value is
 *  e[idx], since z + sg(e - z) = e). stats may be NULL. Also records the
 *  batch usage counts (lq_vqvae_get_usage). Does not change the codebook.
 *  zq must not overlap z. Errors: LQ_ERR_INVALID_ARG (NULL, n == 0),
 *  LQ_ERR_NUMERIC (NaN/Inf in z). Not thread-safe on the same object. */
LQ_API lq_status lq_vqvae_forward(lq_vqvae* v, size_t n, const float* z, int32_t* idx, float* zq,
                                  lq_vqvae_stats* stats);

/*! lq_vqvae_backward() : gradients of L = downstream(zq) + loss for the rows
 *  z and codes idx of a forward pass, given grad_out = dL/dzq (n*D).
 *  grad_z (n*D) = grad_out + 2*beta*(z - e[idx]) / (n*D) (straight-through
 *  plus commitment). grad_codebook (K*D, may be NULL) = the codebook-loss
 *  gradient: row k = sum_{i: idx_i = k} 2*(e_k - z_i) / (n*D) (zero for unused
 *  codes); only for the non-EMA variant (LQ_ERR_STATE with use_ema).
 *  grad_z may equal grad_out. Errors: LQ_ERR_INVALID_ARG (NULL, n == 0, an
 *  index outside 0..K-1), LQ_ERR_NUMERIC (non-finite input). */
LQ_API lq_status lq_vqvae_backward(const lq_vqvae* v, size_t n, const float* z, const int32_t* idx,
                                   const float* grad_out, float* grad_z, float* grad_codebook);

/*! lq_vqvae_apply_gradient() : plain SGD step e -= lr * grad (K*D floats),
 *  for callers without their own optimiser. LQ_ERR_STATE with use_ema. */
LQ_API lq_status lq_vqvae_apply_gradient(lq_vqvae* v, const float* grad_codebook, float lr);

/*! lq_vqvae_ema_update() : one EMA step from the batch rows z and their codes
 *  idx (Sonnet VectorQuantizerEMA / the paper's appendix, gamma = decay):
 *    N_k <- gamma N_k + (1-gamma) n_k;  m_k <- gamma m_k + (1-gamma) sum_{i:idx_i=k} z_i
 *    N'_k = (N_k + eps) / (sum_j N_j + K eps) * sum_j N_j;  e_k = m_k / N'_k
 *  (with ema_debias, N_k and m_k are hidden/(1-gamma^t) of zero-started
 *  hidden EMAs). Sums run in double. LQ_ERR_STATE without use_ema; otherwise
 *  as lq_vqvae_backward. */
LQ_API lq_status lq_vqvae_ema_update(lq_vqvae* v, size_t n, const float* z, const int32_t* idx);

/*! lq_vqvae_restart_dead() : replaces every code whose EMA cluster size N_k
 *  is below dead_threshold by a row of the batch z (n*D) drawn uniformly with
 *  lq_rng_u64(seed, draw counter) (deterministic for a seed and call
 *  sequence), and sets N_k = dead_threshold, m_k = dead_threshold * e_k
 *  (lucidrains' vector-quantize-pytorch reset, which EnCodec derives from), so
 *  the restarted code survives the next EMA step. In the non-EMA variant N_k
 *  is the EMA of the batch usage counts tracked by lq_vqvae_track_usage.
 *  *restarted (may be NULL) gets the number of codes replaced. Call it before
 *  lq_vqvae_ema_update, as EnCodec does. Errors: LQ_ERR_INVALID_ARG (NULL,
 *  n == 0), LQ_ERR_NUMERIC. */
LQ_API lq_status lq_vqvae_restart_dead(lq_vqvae* v, size_t n, const float* z, size_t* restarted);

/*! lq_vqvae_track_usage() : only the N_k EMA of the counts of idx (the
 *  non-EMA variant's dead-code detector; lq_vqvae_ema_update includes it). */
LQ_API lq_status lq_vqvae_track_usage(lq_vqvae* v, size_t n, const int32_t* idx);

/*! lq_vqvae_get_usage() : the usage counts (K uint64) of the last forward
 *  pass and their perplexity (both may be NULL). LQ_ERR_STATE before the
 *  first forward. */
LQ_API lq_status lq_vqvae_get_usage(const lq_vqvae* v, uint64_t* counts_out, size_t k, double* perplexity);

/* -------------------------------------------------------------- QINCo -- */

/*! QINCo (Huijben, Douze, Muckley, van Sloun & Verbeek, ICML 2024,
 *  facebookresearch/Qinco qinco_v1): residual quantization whose step-m
 *  codebook (m >= 1) is computed from a base codebook C_m and the partial
 *  reconstruction xh by a small network:
 *    u = c + W_m [c ; xh] + b_m,  then L times u = u + B_l relu(A_l u),
 *  c'(k) = u for c = C_m[k]; step 0 is a plain codebook. Zero fields take
 *  the defaults noted. */
typedef struct lq_qinco_params {
  size_t d;        /* vector dimension, 1..64 */
  size_t M;        /* steps, 1..16 */
  int nbits;       /* bits per step, 1..8 (K = 2^nbits <= 256) */
  int L;           /* residual blocks per step; 0 → 1; at most 4 */
  int h;           /* hidden width; 0 → 2*d capped at 128; at most 128 */
  int epochs;      /* passes over the training set; 0 → 10; negative → none (the
                      model stays the initialising RQ) */
  int batch;       /* rows per Adam step; 0 → 64 */
  float lr;        /* Adam learning rate; 0 → 1e-2 (the paper uses 1e-3 over far more
                      steps; short trainings need more); finite, > 0 */
  uint64_t seed;   /* weight init and shuffling; 0 → 1234 */
  int rq_beam;     /* beam of the initialising RQ (lq_vq_rq_new); 0 → 1 (greedy, like
                      QINCo's greedy encoding) */
  int nthreads;    /* 0 → all CPUs; results do not depend on it */
  lq_progress_fn progress; /* optional: called after every epoch (core.h); non-zero cancels */
  void* progress_user;     /* passed to progress */
} lq_qinco_params;

typedef struct lq_qinco lq_qinco; /* opaque */

/*! lq_qinco_new() : an untrained model (*out owned by the caller). Errors:
 *  LQ_ERR_INVALID_ARG (NULL, a size out of the ranges above, lr not finite
 *  and > 0, negative counts), LQ_ERR_OUT_OF_MEMORY. */
LQ_API lq_status lq_qinco_new(const lq_qinco_params* p, lq_qinco** out);
/*! lq_qinco_free() : NULL is a no-op. */
LQ_API void lq_qinco_free(lq_qinco* q);

/*! Geometry: d, code bytes (ceil(M*nbits/8), LSB-first like RQ), number of
 *  float parameters, trained flag. */
LQ_API size_t lq_qinco_dim(const lq_qinco* q);
LQ_API size_t lq_qinco_code_size(const lq_qinco* q);
LQ_API size_t lq_qinco_num_params(const lq_qinco* q);
LQ_API int lq_qinco_is_trained(const lq_qinco* q);

/*! lq_qinco_train() : scales the data by s = its RMS about zero (QINCo's
 *  db_scale), trains a greedy RQ (same M, nbits) and copies its codebooks
 *  into C_m with W_m, b_m, B_l = 0 (so the untrained model IS that RQ),
 *  A_l ~ U(-1/sqrt(d), 1/sqrt(d)); then `epochs` passes of Adam (beta1 0.9,
 *  beta2 0.999, eps 1e-8) over shuffled mini-batches minimising
 *  sum_m |x - xh_m|^2 / batch (every prefix, the paper's loss), codes found by
 *  greedy encoding with the current weights. epoch_mse (may be NULL,
 *  `epochs` doubles) gets the training-batch MSE per vector of each epoch.
 *  Errors: LQ_ERR_INVALID_ARG (NULL, n < 2^nbits), LQ_ERR_NUMERIC (NaN/Inf,
 *  zero-variance data), LQ_ERR_OUT_OF_MEMORY. */
LQ_API lq_status lq_qinco_train(lq_qinco* q, size_t n, const float* x, double* epoch_mse);

/*! lq_qinco_encode() : greedy encoding (at step m, the k minimising
 *  |x - xh - c'_m(k)|^2, first minimum wins), n*code_size bytes.
 *  lq_qinco_decode() : codes → n*d floats. Thread-safe on a trained model.
 *  Errors: LQ_ERR_STATE (untrained), LQ_ERR_INVALID_ARG, LQ_ERR_NUMERIC. */
LQ_API lq_status lq_qinco_encode(const lq_qinco* q, size_t n, const float* x, uint8_t* codes);
LQ_API lq_status lq_qinco_decode(const lq_qinco* q, size_t n, const uint8_t* codes, float* x);

/*! Parameters as one float vector (lq_qinco_num_params floats; layout in
 *  docs/vq.md "QINCo"): get copies out, set copies in and marks the model
 *  trained (scale s is set separately; 1 by default). */
LQ_API lq_status lq_qinco_get_params(const lq_qinco* q, float* out, size_t n_floats);
LQ_API lq_status lq_qinco_set_params(lq_qinco* q, const float* in, size_t n_floats, float scale);

/*! lq_qinco_loss_grad() : the training loss sum_m |x/s - xh_m|^2 / n of n
 *  rows x (data units; s = the model's scale) for the given codes (n*M int32
 *  sub-codes, each 0..2^nbits-1) and, if grad is not NULL, its gradient
 *  w.r.t. every parameter (num_params floats; the hand-written backward pass
 *  used by training, computed in double). For gradient checks and custom
 *  optimisers. Errors: LQ_ERR_INVALID_ARG (NULL, n == 0, a sub-code out of
 *  range), LQ_ERR_NUMERIC (NaN/Inf in x), LQ_ERR_OUT_OF_MEMORY. */
LQ_API lq_status lq_qinco_loss_grad(const lq_qinco* q, size_t n, const float* x, const int32_t* codes,
                                    double* loss, float* grad);

/*! Serialisation ("LQQI" container, CRC-32; truncated, corrupt or trailing
 *  data is LQ_ERR_FORMAT). save: buf == NULL queries *size_out. */
LQ_API lq_status lq_qinco_save(const lq_qinco* q, void* buf, size_t cap, size_t* size_out);
LQ_API lq_status lq_qinco_load(const void* buf, size_t size, lq_qinco** out);

#endif /* LIBQUANT_VQ_LEARNED_H_5C21E0B7 */
