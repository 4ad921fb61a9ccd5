/* vqvae_ema: the VQ-VAE codebook component inside a (toy) training loop.
 * An "encoder" output z is simulated by noisy draws around 32 centres in
 * 16-D; each step quantizes the batch (forward), reports the losses, restarts
 * dead codes from the batch and applies the EMA codebook update. A real
 * training loop would pass zq to its decoder and lq_vqvae_backward's grad_z
 * back into its encoder. Build: part of the examples (target `vqvae_ema`). */
#include <stdio.h>
#include <stdlib.h>

#include "libquant.h"

enum { K = 128, D = 16, BATCH = 1024, STEPS = 60, CENTRES = 32 };

static void encoder_batch(uint64_t step, float* z) {
  for (size_t i = 0; i < BATCH; i++) {
    uint32_t c = lq_rng_u32(step, i) % CENTRES;
    for (size_t t = 0; t < D; t++)
      z[i * D + t] = 4.0f * (lq_rng_uniform_f32(7, c * D + t) - 0.5f) +
                     0.2f * (lq_rng_uniform_f32(1000 + step, i * D + t) - 0.5f);
  }
}

int main(void) {
  lq_vqvae_config cfg = {0}; /* beta 0.25, decay 0.99, eps 1e-5, dead threshold 2 */
  cfg.K = K;
  cfg.D = D;
  cfg.use_ema = 1;
  lq_vqvae* vq = NULL;
  float* z = (float*)malloc(sizeof(float) * BATCH * D);
  float* zq = (float*)malloc(sizeof(float) * BATCH * D);
  float* grad = (float*)calloc(BATCH * D, sizeof(float));
  int32_t* idx = (int32_t*)malloc(sizeof(int32_t) * BATCH);
  if (!z || !zq || !grad || !idx || lq_vqvae_new(&cfg, &vq) != LQ_OK) {
    fprintf(stderr, "setup failed: %s\n", lq_last_error());
    return 1;
  }
  lq_status s = LQ_OK;
  for (int step = 0; step < STEPS && s == LQ_OK; step++) {
    encoder_batch((uint64_t)step, z);
    lq_vqvae_stats st;
    size_t restarted = 0;
    /* dead codes (EMA usage < 2) restart from batch rows before the update, as EnCodec does */
    s = lq_vqvae_restart_dead(vq, BATCH, z, &restarted);
    if (s == LQ_OK) s = lq_vqvae_forward(vq, BATCH, z, idx, zq, &st);
    /* decoder(zq) ... its gradient dL/dzq would go here; zero for this toy */
    if (s == LQ_OK) s = lq_vqvae_backward(vq, BATCH, z, idx, grad, grad, NULL);
    if (s == LQ_OK) s = lq_vqvae_ema_update(vq, BATCH, z, idx);
    if (s == LQ_OK && (step % 10 == 0 || step == STEPS - 1))
      printf("step %2d  commitment %.5f  codebook-mse %.5f  perplexity %6.2f  used %3zu/%d  restarted %zu\n", step,
             st.commitment_loss, st.codebook_loss, st.perplexity, st.used_codes, K, restarted);
  }
  if (s != LQ_OK) fprintf(stderr, "error: %s\n", lq_last_error());
  lq_vqvae_free(vq);
  free(z);
  free(zq);
  free(grad);
  free(idx);
  return s == LQ_OK ? 0 : 1;
}
