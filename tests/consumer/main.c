/* Links libquant from an install tree and checks a few results. */
#include <libquant.h>
#include <math.h>
#include <stdio.h>

int main(void) {
  if (lq_version_number() != LQ_VERSION_NUMBER) {
    fprintf(stderr, "header %s but library %s\n", LQ_VERSION_STRING, lq_version_string());
    return 1;
  }
  float x[5] = {-1.0f, 2.0f, 0.5f, 1.5f, -0.25f}, mn, mx, scale;
  int32_t zp;
  if (lq_reduce_minmax_f32(x, 5, &mn, &mx) != LQ_OK || mn != -1.0f || mx != 2.0f) return 1;
  lq_range_config cfg = {0};
  cfg.signedness = LQ_UNSIGNED;
  if (lq_qparams_from_minmax(&cfg, mn, mx, &scale, &zp) != LQ_OK) return 1;
  /* PyTorch MinMaxObserver(quint8) on [-1, 2]: (3/255, 85) */
  if (fabsf(scale - 3.0f / 255.0f) > 0.0f || zp != 85) {
    fprintf(stderr, "qparams (%g, %d)\n", scale, zp);
    return 1;
  }
  printf("libquant %s consumer ok (isa: %s kernels available: %zu)\n", lq_version_string(),
         lq_isa_active() ? "simd" : "scalar", lq_dispatch_slot_count());
  return 0;
}
